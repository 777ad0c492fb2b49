// The checks of the bare-metal labs (docs/labs/): lab 1, traps and the privileged architecture,
// and lab 2, a first page table. Each runs the student's own program, then the lab's check
// programs (guest-programs/labs/NN-name/check/*.s), which link in the student's routines
// (trap.s; vm.s) and call them the way the lab's contract says, and compares what the machine
// did with what the contract asks: console, exit code, traps taken. Then the same runs under
// shadow paging and EPT, where a guest that follows the rules must behave the same.

import type { Image } from '../../isa/image.ts';
import {
  assembleCheckProgram, assembleOrStop, checkThat, compareReport, fail, firstDifference, hex, howItEnded, labsDirOf, ok, poweredOff,
  reportLines, runIn, showTraps, studentFile, trapsByCause, type Check, type LabContext, type Ran,
} from './kit.ts';

/** Bare-metal programs are small: 4 MiB of RAM, a budget that only an endless loop exhausts. */
const BARE = { memoryBytes: 4 << 20, maxInstructions: 2_000_000 };
const VIRTUAL_MODES = ['shadow', 'ept'] as const;

const run = (image: Image, mode: 'native' | 'shadow' | 'ept' = 'native') => runIn(mode, image, [], BARE);
const ended = (ran: Ran) => howItEnded(ran, BARE.maxInstructions);

/** A check program of lab `id`, assembled with the student's folder: its image, or a failed check. */
function checkProgram(ctx: LabContext, id: string, name: string, checkName: string): Image | Check {
  const { join } = ctx.files;
  const built = assembleCheckProgram(ctx, join(join(join(labsDirOf(ctx), id), 'check'), name));
  return built.image ?? fail(checkName, built.problem!, 'the check program includes your file: a label it defines too, or an .org that moves its code, does not fit; rename the label, or drop the .org');
}

/** The same console, exit and traps under shadow paging and EPT as natively. */
function sameInEveryMode(name: string, programs: readonly [string, Image, Ran][], hint: string): Check {
  const problems: string[] = [];
  for (const [label, image, native] of programs) {
    for (const mode of VIRTUAL_MODES) {
      const ran = run(image, mode);
      const design = mode === 'shadow' ? 'shadow paging' : 'EPT';
      if (ran.console !== native.console) problems.push(`${label}: the console differs, ${firstDifference(native.console, ran.console, ['natively', `under ${design}`])}`);
      else if (ran.reason !== native.reason || ran.exitCode !== native.exitCode) problems.push(`${label} under ${design}: ${ended(ran)}; natively it ${ended(native)}`);
      else if (showTraps(trapsByCause(ran.stats)) !== showTraps(trapsByCause(native.stats))) {
        problems.push(`${label} under ${design} took traps ${showTraps(trapsByCause(ran.stats))}; natively ${showTraps(trapsByCause(native.stats))}`);
      }
    }
  }
  return checkThat(name, problems, hint);
}

// ---------------------------------------------------------------- lab 1

const REGISTER_NAMES = ['zero', 'ra', 'sp', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 's0', 's1', 's2', 's3'];

/** The registers whose bits are set in a check program's changed-register mask. */
function changedRegisters(mask: string | undefined): string {
  const n = Number.parseInt(mask ?? '', 16);
  if (!Number.isFinite(n)) return 'unknown';
  return REGISTER_NAMES.filter((_, i) => (n >>> i) & 1).join(', ');
}

export function checkLab1(ctx: LabContext): Check[] {
  const kernel = assembleOrStop(ctx, studentFile(ctx, 'kernel.s'), 'kernel.s (with your trap.s)');
  const mine = run(kernel);
  const timer = checkProgram(ctx, '01-traps', 'timer.s', 'the timer');
  const timerRan = 'name' in timer ? undefined : run(timer);
  return [
    ok('kernel.s assembles with your trap.s'),
    poweredOff(mine, 0) && mine.console.startsWith('hello from user mode\n')
      ? ok('kernel.s runs user.s to its end: "hello from user mode" … power-off with 0')
      : fail('kernel.s runs user.s to its end: "hello from user mode" … power-off with 0',
        `expected the console to start with "hello from user mode" and a power-off with exit code 0; it ${ended(mine)}${mine.console ? `, and printed ${JSON.stringify(mine.console.slice(0, 80))}` : ', and printed nothing'}`,
        'look at trap.s: trap_init (step 1), then trap_entry\'s system calls (steps 2-3); `vmmlab debug kernel.s` then `break trap_entry`'),
    ...syscallChecks(ctx),
    ...('name' in timer ? [timer] : timerChecks(timerRan!)),
    ...faultChecks(ctx),
    sameInEveryMode('the same console, exit code and traps under shadow paging and EPT', [
      ['kernel.s', kernel, mine], ...(timerRan ? [['check/timer.s', timer as Image, timerRan] as [string, Image, Ran]] : []),
    ], 'a handler that follows isa/README.md behaves the same in a VM; look at what differs above'),
  ];
}

/** check/syscalls.s: each system call's result, the registers around it, exit's code. */
function syscallChecks(ctx: LabContext): Check[] {
  const image = checkProgram(ctx, '01-traps', 'syscalls.s', 'system calls');
  if ('name' in image) return [image];
  const ran = run(image);
  const report = reportLines(ran.console);
  const how = ended(ran);
  const kept = compareReport(report, { 'registers-changed': '0x00000000', 'registers-changed-unknown': '0x00000000' }, how)
    .map((p) => (/got 0x/.test(p) ? `${p}: ${changedRegisters(/got (0x[0-9a-f]+)/.exec(p)![1])} came back changed` : p));
  return [
    checkThat('puts(str) prints the string and returns its length', [
      ...(ran.console.startsWith('hi there\n') ? [] : [`expected the console to start with "hi there", got ${JSON.stringify(ran.console.slice(0, 40))}`]),
      ...compareReport(report, { 'puts-returned': '9', 'puts-empty-returned': '0' }, how),
    ], 'look at trap.s: SYS_PUTS (step 3); the result goes into the saved a0 slot of the frame'),
    checkThat('putdec(n) prints n in signed decimal and returns 0', compareReport(report, { 'putdec-printed': '-42', 'putdec-returned': '0' }, how),
      'look at trap.s: SYS_PUTDEC (step 3); console.inc\'s putdec prints a0'),
    checkThat('an unknown system call returns -1', compareReport(report, { 'unknown-returned': '-1 -1 -1' }, how),
      'look at trap.s: the dispatch on the saved t0 (step 3): numbers 0, 99 and 0x12345 must give -1'),
    checkThat('a system call leaves every register but a0 as it was (t0 and sp included)', kept,
      'look at trap.s: the frame (step 2): save every register on entry, restore every one but a0\'s new value on the way out, and give sp back the user\'s'),
    poweredOff(ran, 7) && !report.has('exit-returned')
      ? ok('exit(code) powers off with code')
      : fail('exit(code) powers off with code', `expected exit(7) to power off with exit code 7; the check program ${how}`, 'look at trap.s: SYS_EXIT writes its argument to POWER_OFF'),
  ];
}

/** check/timer.s: the interval, the count ticks() gives, the registers around an interrupt. */
function timerChecks(ran: Ran): Check[] {
  const interrupts = trapsByCause(ran.stats)['timer-interrupt'] ?? 0;
  const expected = Math.floor(ran.stats.instructions / 1000);
  const every = 'the timer interrupts user mode every TICK_INTERVAL (1000) instructions';
  const ticks = ran.reason === 'halted' ? ran.exitCode : undefined;
  const kept = 'a timer interrupt leaves every register as it was';
  const same = compareReport(reportLines(ran.console), { 'same-result-under-interrupts': '1' }, ended(ran))
    .map((p) => p.replace('got 0', 'got 0: a loop that keeps a value in every register computed something else when interrupted'));
  return [
    interrupts === 0
      ? fail(every, `no timer interrupt was taken in ${ran.stats.instructions} instructions (the check program ${ended(ran)})`, 'look at trap.s: trap_init must write TICK_INTERVAL to TIMER (step 1; isa/README.md 4.5)')
      : Math.abs(interrupts - expected) > 1
        ? fail(every, `${interrupts} timer interrupts in ${ran.stats.instructions} instructions, one every ${Math.round(ran.stats.instructions / interrupts)}; expected about ${expected}`, 'look at trap.s: trap_init must write TICK_INTERVAL to TIMER, once')
        : ok(every),
    ticks !== undefined && (ticks === interrupts || ticks === interrupts - 1)
      ? ok('ticks() counts the timer interrupts')
      : fail('ticks() counts the timer interrupts', ticks === undefined
        ? `the check program ${ended(ran)} before it could ask`
        : `ticks() returned ${ticks}, but the machine took ${interrupts} timer interrupts`, 'look at trap.s: CAUSE_TIMER_INTERRUPT adds one to `ticks` (step 4), SYS_TICKS returns it'),
    interrupts < 5 && same.length === 0
      ? fail(kept, `not tested: ${interrupts === 0 ? 'no' : `only ${interrupts}`} timer interrupt${interrupts === 1 ? '' : 's'} came while the check program's loop ran`, 'arm the timer first (the check above)')
      : checkThat(kept, same, 'look at trap.s: the timer path must restore every register (sp and t0 included) and eret to EPC unchanged'),
  ];
}

/** check/fault-*.s: a fault in user mode is reported with CAUSE, EPC and BADVA, then powers off. */
function faultChecks(ctx: LabContext): Check[] {
  return ([['fault-privileged.s', 1, 'a privileged instruction'], ['fault-misaligned.s', 5, 'a misaligned load']] as const).map(([file, cause, what]) => {
    const name = `${what} in user mode is reported ("fault: cause ${cause}, epc …, badva …") and powers off with 3`;
    const image = checkProgram(ctx, '01-traps', file, name);
    if ('name' in image) return image;
    const at = image.symbols?.find((s) => s.name === 'fault_here')?.address ?? 0;
    const line = `fault: cause ${cause}, epc ${hex(at)}, badva ${hex(cause === 1 ? wordAt(image, at) : 0x1002)}`;
    const ran = run(image);
    return checkThat(name, [
      ...(ran.console.split('\n').includes(line) ? [] : [`expected the line ${JSON.stringify(line)}, got ${ran.console ? JSON.stringify(ran.console.trimEnd().slice(0, 100)) : 'nothing'}`]),
      ...(poweredOff(ran, 3) ? [] : [`expected a power-off with FAULT_EXIT (3); it ${ended(ran)}`]),
    ], 'look at trap.s: any cause but a system call or the timer (step 5): print CAUSE, EPC and BADVA, then poweroff FAULT_EXIT');
  });
}

function wordAt(image: Image, address: number): number {
  for (const s of image.segments) {
    const offset = address - s.address;
    const b = s.bytes;
    if (offset >= 0 && offset + 4 <= b.length) return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
  }
  return 0;
}

// ---------------------------------------------------------------- lab 2

/** What paging.s prints when vm.s keeps its contracts (docs/labs/02-page-table.md). */
export const LAB2_OUTPUT = `paging is on
1 map: 0x00400000 -> frame 0x00080000; stored 0x1234abcd, loaded 0x1234abcd
2 alias: 0x00801000 -> the same frame; it loads 0x1234abcd; stored 0x00005678 through it, 0x00400000 loads 0x00005678
3 A/D bits of 0x00c00000: mapped 0x00000003, after a load 0x00000023, after a store 0x00000063
4 unmap 0x00400000: the load faulted: cause 9, badva 0x00400000; 0x00801000 still loads 0x00005678
5 paging off: frame 0x00080000 holds 0x00005678
`;

/** The vm-test report lines each contract fixes, with where to look when they differ. */
const LAB2_CONTRACTS: readonly [string, Record<string, string>, string][] = [
  ['walk(va, 0) finds no table in an empty directory, and allocates nothing', { 'walk-empty': '0x00000000', 'walk-empty-pool': '0x00000000' },
    'look at vm.s: walk (step 1): a directory entry without PTE_V means no table; with alloc = 0 return 0'],
  ['walk(va, 1) takes a table from alloc_page and links it into the directory (frame | V)', { 'walk-alloc': '0x0001100c', 'walk-alloc-pde': '0x00011001' },
    'look at vm.s: walk (step 1): the directory entry is PD + VPN1 * 4, the table\'s entry is table + VPN0 * 4'],
  ['walk finds the same table for another page of the same 4 MiB', { 'walk-same': '0x00011ffc', 'walk-same-pool': '0x00001000' },
    'look at vm.s: walk (step 1): a present directory entry leads to its table (entry & 0xfffff000); allocate only when it is missing'],
  ['map writes the leaf: the frame, the permission bits and V', { map: '0x00000000', 'map-lookup': '0x00090003', 'map-memory': '0x00090003', 'map-perm': '0x0009100f', 'map-low-bits': '0x00092001' },
    'look at vm.s: map (step 2): leaf = (pa & 0xfffff000) | perm | PTE_V, at the entry walk(va, 1) returns'],
  ['map refuses a page that is mapped already (-1), and leaves it', { remap: '0xffffffff', 'remap-lookup': '0x00090003' },
    'look at vm.s: map (step 2): an entry with PTE_V set is mapped'],
  ['map in another 4 MiB region gets that region a table of its own', { 'map-region': '0x00000000', 'map-region-pde': '0x00012001', 'map-region-lookup': '0x00094003' },
    'look at vm.s: walk (step 1) with VPN1 = va >> 22'],
  ['lookup returns 0 for a page with no leaf, and allocates nothing', { 'lookup-none': '0x00000000', 'lookup-no-table': '0x00000000', 'lookup-pool': '0x00001000' },
    'look at vm.s: lookup (step 3): walk(va, 0), and 0 unless the entry has PTE_V'],
  ['the hardware translates through your tables', { 'hw-load': '0xcafe0001', 'hw-physical': '0xcafe0001' },
    'look at vm.s: map (step 2); `vmmlab debug paging.s` then `translate 0x00400000 store` shows the walk the hardware makes'],
  ['lookup shows the accessed and dirty bits the hardware set', { 'hw-lookup': '0x00090063', 'hw-lookup-loaded': '0x0009102f' },
    'look at vm.s: lookup (step 3) returns the whole leaf, as the walker left it (isa/README.md 6.2, step 7)'],
  ['unmap zeroes the leaf, and leaves pages that were never mapped alone', { 'unmap-lookup': '0x00000000', 'unmap-none-pool': '0x00003000', 'unmap-none-lookup': '0x00090063' },
    'look at vm.s: unmap (step 4): walk(va, 0), and clear the entry only if it has PTE_V'],
  ['unmap takes the page out of the TLB: the next access faults (natively)', { 'unmap-cause': '0x00000009', 'unmap-badva': '0x12345000' },
    'look at vm.s: unmap (step 4): after clearing the entry, invlpg the page (isa/README.md 6.4); a cause of 0xffffffff means the load did not fault: the TLB still held the page'],
];

export function checkLab2(ctx: LabContext): Check[] {
  const checks: Check[] = [];
  const paging = assembleOrStop(ctx, studentFile(ctx, 'paging.s'), 'paging.s (with your vm.s)');
  checks.push(ok('paging.s assembles with your vm.s'));

  const test = checkProgram(ctx, '02-page-table', 'vm-test.s', 'vm.s keeps its contracts');
  let testRan: Ran | undefined;
  if ('name' in test) checks.push(test);
  else {
    testRan = run(test);
    const report = reportLines(testRan.console);
    const how = report.has('identity-map')
      ? 'could not map its own code with your map (after mapping it, lookup of its first page gave 0), so it never turned paging on'
      : report.has('trap') ? `took an unexpected trap (cause, epc, badva: ${report.get('trap')}), and ${ended(testRan)}` : ended(testRan);
    for (const [name, expected, hint] of LAB2_CONTRACTS) checks.push(checkThat(name, compareReport(report, expected, how), hint));
  }

  const mine = run(paging);
  const problems = mine.console === LAB2_OUTPUT ? [] : [`paging.s printed something else: ${firstDifference(LAB2_OUTPUT, mine.console)}`];
  if (!poweredOff(mine, 0)) problems.push(`expected a power-off with 0; it ${ended(mine)}`);
  checks.push(checkThat('paging.s runs its five steps and prints what docs/labs/02-page-table.md shows', problems,
    'run it yourself: vmmlab run paging.s; the step that goes wrong names the routine to look at'));
  const traps = trapsByCause(mine.stats);
  checks.push(showTraps(traps) === 'load-page-fault 1'
    ? ok('paging.s takes exactly one trap: the page fault of step 4')
    : fail('paging.s takes exactly one trap: the page fault of step 4', `it took ${showTraps(traps)} (vmmlab run paging.s --stats)`,
      'a fault anywhere else is a mapping missing or wrong; no fault at all is an unmap that left the page in the TLB'));

  checks.push(sameInEveryMode('the same console, exit code and traps under shadow paging and EPT', [
    ['paging.s', paging, mine], ...(testRan ? [['check/vm-test.s', test as Image, testRan] as [string, Image, Ran]] : []),
  ], 'a program that follows the TLB rules (isa/README.md 6.4, 6.5) behaves the same in a VM; `vmmlab run paging.s --check-tlb-rules` finds a missing invlpg'));
  return checks;
}
