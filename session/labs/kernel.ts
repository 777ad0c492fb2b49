// The checks of lab 3 (docs/labs/03-address-spaces.md), the kernel's address spaces: a pgstat
// system call added to a copy of the kernel, and a user program that uses it. It boots the
// student's kernel with the lab's check program (check/pgstat-test.s) and with the student's
// pages.s, natively and in both VM designs, and compares consoles and page-fault counts with
// what the system call's contract implies; the bundled programs must still run as they do under
// vmmlab's own kernel. (Lab 5's check runs a study: cli/commands/lab-study.ts.)

import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import {
  assembleCheckProgram, assembleOrStop, bundledOf, checkThat, compareReport, fail, firstDifference, howItEnded, labsDirOf, ok, poweredOff, reportLines,
  runIn, studentFile, type Check, type LabContext, type Ran,
} from './kit.ts';

const KERNEL_RUN = { memoryBytes: 8 << 20, maxInstructions: 5_000_000 };
const ended = (ran: Ran) => howItEnded(ran, KERNEL_RUN.maxInstructions);

// ---------------------------------------------------------------- lab 3

/** What pages.s:N prints when the kernel's pgstat and the program keep their contracts. */
export function pagesOutput(n: number): string {
  const lines = [`pages: ${n} new heap pages; pgstat untouched, after a load, after a store`];
  for (let i = 0; i < n; i++) lines.push(`page ${i}: 0x00000000 0x0000002b 0x0000006b`);
  lines.push('child: page 0 0x0000000b, after a load 0x0000002b', `parent: after sbrk(-${n} pages), page 0 0x00000000`);
  return `${lines.join('\n')}\n`;
}

/** pgstat-test's report lines the contract fixes, with where to look when they differ. */
const PGSTAT_CONTRACTS: readonly [string, Record<string, string>, string][] = [
  ['pgstat of an address outside user space (below USER_BASE, from USER_TOP up) is -1',
    { null: '0xffffffff', 'kernel-image': '0xffffffff', 'below-user-base': '0xffffffff', 'user-top': '0xffffffff', 'direct-map': '0xffffffff', top: '0xffffffff' },
    'look at your sys_pgstat: compare va with USER_BASE and USER_TOP (kernel/memlayout.inc) before walking'],
  ['pgstat of mapped pages gives the leaf\'s flag bits: the program (V W X U A D), its stack',
    { image: '0x0000006f', stack: '0x0000006b' },
    'look at your sys_pgstat: walk(pagedir, va, 0) (kernel/vm.s) gives the entry; return its low 8 bits'],
  ['pgstat of a page not touched yet is 0: demand paging maps it on first touch',
    { 'stack-untouched': '0x00000000', 'heap-untouched': '0x00000000', 'heap-second': '0x00000000', 'heap-beyond': '0x00000000', 'heap-second-again': '0x00000000' },
    'look at your sys_pgstat: a missing page table (walk returns 0) or an entry without PTE_V is 0; and pgstat must map nothing (no uvm_resolve, no copyin)'],
  ['pgstat shows A after a load and D after a store, for any address in the page',
    { 'heap-loaded': '0x0000002b', 'heap-loaded-end': '0x0000002b', 'heap-stored': '0x0000006b' },
    'look at your sys_pgstat: the walker sets A and D in the leaf (isa/README.md 6.2 step 7); return the entry as it is'],
  ['fork gives the child a copy of each present page with V W X U only; sbrk shrinking unmaps',
    { child: '0x0000000b', 'child-loaded': '0x0000002b', 'child-second': '0x00000000', 'parent-after-fork': '0x0000006b', 'heap-freed': '0x00000000' },
    'fork copies entries through uvmcopy_page (kernel/vm.s, PTE_PERM_MASK); pgstat must read the caller\'s own page directory (P_PAGEDIR of the proc in a0)'],
  ['pgstat is system call 10 and the numbers after it stay unknown (-1); registers are kept',
    { 'unknown-11': '0xffffffff', 'unknown-9999': '0xffffffff', 'registers-changed': '0x00000000' },
    'look at kernel/syscall.inc (SYS_PGSTAT 10, NSYSCALL 11) and the table in kernel/syscall.s'],
];

type Boot = (image: Image, modules: readonly BootModule[], mode?: 'native' | 'shadow' | 'ept') => Ran;

export function checkLab3(ctx: LabContext): Check[] {
  const { join } = ctx.files;
  const kernel = assembleOrStop(ctx, studentFile(ctx, 'kernel/kernel.s'), 'kernel/kernel.s');
  const pagesImage = assembleOrStop(ctx, studentFile(ctx, 'pages.s'), 'pages.s', [], USER_ORIGIN);
  const bundledKernel = assembleOrStop(ctx, bundledOf(ctx).kernel, 'the bundled kernel');
  const boot: Boot = (image, modules, mode = 'native') => runIn(mode, image, modules, KERNEL_RUN);
  const pages = (n: number): BootModule => ({ name: 'pages', image: pagesImage, args: [n] });
  const built = assembleCheckProgram(ctx, join(join(join(labsDirOf(ctx), '03-address-spaces'), 'check'), 'pgstat-test.s'), USER_ORIGIN);
  const test = built.image ? { name: 'pgstat-test', image: built.image, args: [] } : undefined;
  const testRan = test ? boot(kernel, [test]) : undefined;
  const pagesRan = [2, 4].map((n) => boot(kernel, [pages(n)]));
  return [
    ok('kernel/kernel.s and pages.s assemble'),
    bundledProgramsCheck(ctx, boot, kernel, bundledKernel),
    ...(testRan ? pgstatChecks(testRan) : [fail('the pgstat system call', built.problem!)]),
    ...pagesChecks(pagesRan, boot(bundledKernel, [pages(2)])),
    sameInEveryMode(boot, kernel, [['pages.s:2', [pages(2)], pagesRan[0]!], ...(test ? [['check/pgstat-test.s', [test], testRan!] as const] : [])]),
  ];
}

/** The bundled programs run under the student's kernel as under vmmlab's. */
function bundledProgramsCheck(ctx: LabContext, boot: Boot, kernel: Image, bundledKernel: Image): Check {
  const name = 'your kernel runs forkstorm, sbrkchurn and primes as vmmlab\'s kernel does';
  const workloads: BootModule[] = ([['forkstorm', 4], ['sbrkchurn', 12], ['primes', 300]] as const).map(([program, arg]) => ({
    name: program, image: assembleOrStop(ctx, ctx.files.join(bundledOf(ctx).userDir, `${program}.s`), `${program}.s`, [], USER_ORIGIN), args: [arg],
  }));
  const theirs = boot(kernel, workloads);
  const ours = boot(bundledKernel, workloads);
  if (theirs.console === ours.console && theirs.reason === ours.reason && theirs.exitCode === ours.exitCode) return ok(name);
  return fail(name,
    theirs.console === ours.console ? `with vmmlab's kernel the run ${ended(ours)}; with yours it ${ended(theirs)}` : `the console differs: ${firstDifference(ours.console, theirs.console)}`,
    'your change broke something else: compare your kernel/ with guest-programs/kernel/ (vmmlab run kernel/kernel.s --module forkstorm.s:4)');
}

/** check/pgstat-test.s's answers, contract by contract. */
function pgstatChecks(ran: Ran): Check[] {
  const report = reportLines(ran.console);
  // Not there at all: every answer is the -1 of an unknown system call.
  const unknown = report.get('image') === '0xffffffff' && report.get('heap-untouched') === '0xffffffff';
  return PGSTAT_CONTRACTS.map(([name, expected, hint]) => (unknown
    ? fail(name, 'system call 10 answers -1 for every address: your kernel does not have it yet',
      'add SYS_PGSTAT (10) to kernel/syscall.inc and raise NSYSCALL, put sys_pgstat in kernel/syscall.s\'s table, write it in kernel/sysproc.s (steps 1-3)')
    : checkThat(name, compareReport(report, expected, ended(ran)), hint)));
}

/**
 * pages.s for N = 2 and 4 under the student's kernel: what it prints, and not under vmmlab's,
 * which has no pgstat (so its numbers come from the system call); one page fault per page.
 */
function pagesChecks([two, four]: Ran[], stock: Ran): Check[] {
  const problems: string[] = [];
  for (const [n, ran] of [[2, two!], [4, four!]] as const) {
    if (ran.console !== pagesOutput(n)) problems.push(`pages.s:${n} printed something else: ${firstDifference(pagesOutput(n), ran.console)}`);
    else if (!poweredOff(ran, 0)) problems.push(`pages.s:${n}: expected a power-off with 0 (every process exited with 0); it ${ended(ran)}`);
  }
  if (problems.length === 0 && stock.console === pagesOutput(2)) {
    problems.push('pages.s prints the same under vmmlab\'s own kernel, which has no system call 10: its numbers do not come from pgstat');
  }
  const faults = 'each new heap page costs one page fault, when it is first touched (pages.s:2 against pages.s:4)';
  return [
    checkThat('pages.s:N prints what docs/labs/03-address-spaces.md shows (N = 2 and 4), with the numbers pgstat gives', problems,
      'run it: vmmlab run kernel/kernel.s --module pages.s:2; the comment at the top of pages.s has the lines it must print'),
    four!.stats.pageFaults - two!.stats.pageFaults === 2
      ? ok(faults)
      : fail(faults, `pages.s:2 took ${two!.stats.pageFaults} page faults and pages.s:4 took ${four!.stats.pageFaults} (vmmlab run kernel/kernel.s --module pages.s:4 --stats): two more pages should cost two more faults`,
        'touch each page with one load first, then a store (the load\'s fault maps it writable: the store needs no second fault)'),
  ];
}

/** The same consoles and guest page faults under shadow paging and EPT as natively. */
function sameInEveryMode(boot: Boot, kernel: Image, runs: readonly (readonly [string, readonly BootModule[], Ran])[]): Check {
  const problems: string[] = [];
  for (const [label, modules, native] of runs) {
    for (const mode of ['shadow', 'ept'] as const) {
      const ran = boot(kernel, modules, mode);
      const design = mode === 'shadow' ? 'shadow paging' : 'EPT';
      if (ran.console !== native.console) problems.push(`${label}: the console differs, ${firstDifference(native.console, ran.console, ['natively', `under ${design}`])}`);
      else if (ran.stats.pageFaults !== native.stats.pageFaults) problems.push(`${label} under ${design}: ${ran.stats.pageFaults} page faults reached the guest, natively ${native.stats.pageFaults}`);
    }
  }
  return checkThat('the same console and page faults under shadow paging and EPT', problems,
    'the kernel follows the TLB rules (isa/README.md 6.4): pgstat only reads the tables, so it needs no invlpg');
}
