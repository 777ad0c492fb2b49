// `vmmlab check-pager FILE`'s suite: the checks a pager must pass, run against it, with what it
// costs next to the built-in pager of its kind. The checks are those of tests/hypervisor/ that a
// pager can be graded on, with guests the package ships (guest-programs/check-pager/, the bare-metal
// programs, the kernel and its workloads):
//
//   equivalence  each guest, natively and under the pager: what the guest sees must be the same
//                (hypervisor/conformance.ts), and the VMM's isolation audit clean. Three guests
//                target one thing each a pager must do (write-protect guest page tables, set A
//                and D, flush on a PTBR write), with a hint saying what to fix;
//   random       random page tables and access sequences (hypervisor/conformance-cases.ts);
//   isolation    an adversarial guest (snoop.s) beside a VM holding a secret (holder.s): it must
//                find nothing, and no translation of either VM may lead to the other's memory.
//
// Results are plain data (cli/commands/check-pager.ts prints them). The default run takes well
// under a minute on a small machine; VMMLAB_CHECK_SCALE multiplies the random cases.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PTE, causeName } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import { formatDiagnostic } from '../assembler/index.ts';
import { disassemble } from '../assembler/disassembler.ts';
import { BUNDLED_DIR, BUNDLED_INCLUDE_DIRS, BUNDLED_KERNEL, BUNDLED_USER_DIR } from '../config/bundled.ts';
import { USER_ORIGIN, type BootModule } from '../emulator/boot.ts';
import { SymbolTable, shortLocation } from '../debugger/symbols.ts';
import { EPT_PAGER } from '../hypervisor/ept.ts';
import type { PagerModule, Translation } from '../hypervisor/pager.ts';
import { PagerError } from '../hypervisor/pager-host.ts';
import { SHADOW_PAGER } from '../hypervisor/shadow.ts';
import type { Vm } from '../hypervisor/vm.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import {
  differences, firstDivergence, firstMemoryDifference, runNative, runVm, type Divergence, type GuestSpec, type NativeRun, type VmRun,
} from '../hypervisor/conformance.ts';
import {
  CASE_CODE_END, CASE_MAX_INSTRUCTIONS, CASE_MEMORY_BYTES, caseLog, caseSegments, caseSource, describeAccess, describeCase, loggedAccesses, translationCase,
} from '../hypervisor/conformance-cases.ts';
import { assemble, assembleFile } from './files.ts';

/** The folder of check-pager's own guests. */
export const CHECK_GUESTS_DIR = path.join(BUNDLED_DIR, 'check-pager');
/** Random cases in a default run (VMMLAB_CHECK_SCALE multiplies them). */
export const RANDOM_CASES = 150;
export const DEFAULT_SEED = 0x7e32;

export interface CheckResult {
  readonly group: 'equivalence' | 'random' | 'isolation';
  readonly name: string;
  /** What it checks, in a line. */
  readonly what: string;
  readonly passed: boolean;
  /** Why it failed: the first difference, located. */
  readonly detail: readonly string[];
  /** What to fix, for a failure of a targeted check (or one that points at A/D bits). */
  readonly hint?: string;
  readonly ms: number;
}

/** What a run cost, for the costs table. */
export interface Costs {
  readonly cycles: number;
  readonly exits: number;
  readonly hiddenFaults: number;
  /** Peak host frames of the pager's tables (shadow), or its EPT's frames. */
  readonly tablePages: number;
}

export interface CostRow {
  readonly name: string;
  /** Its check passed: the costs are of a run that did what it should. */
  readonly passed: boolean;
  /** Undefined when the pager's run failed. */
  readonly pager?: Costs;
  readonly builtIn: Costs;
}

export interface Scorecard {
  readonly pager: string;
  readonly translation: Translation;
  /** The mode its VMs run in, and the built-in pager it is compared with. */
  readonly mode: 'shadow' | 'ept';
  readonly checks: readonly CheckResult[];
  readonly costs: readonly CostRow[];
  readonly randomCases: number;
  readonly seed: number;
}

export interface CheckOptions {
  /** Multiplies the random cases (VMMLAB_CHECK_SCALE). */
  readonly scale?: number;
  readonly seed?: number;
  /** Run only the checks whose names contain one of these. */
  readonly only?: readonly string[];
  /** Called before each check. */
  readonly onCheck?: (index: number, total: number, name: string) => void;
  /** Called with each check's result as it comes. */
  readonly onResult?: (result: CheckResult) => void;
}

/** The built-in pagers by the names check-pager takes for them. */
export const BUILT_IN_PAGERS: Readonly<Record<string, { module: PagerModule; translation: Translation }>> = {
  shadow: { module: SHADOW_PAGER, translation: 'shadow' },
  ept: { module: EPT_PAGER, translation: 'nested' },
};

// ------------------------------------------------------------------ the guests

const BARE = ['hello', 'fib', 'sieve', 'traps'] as const;

interface GuestCheck {
  readonly name: string;
  readonly what: string;
  readonly hint?: string;
  readonly guest: () => GuestSpec;
  /** Its costs go in the table. */
  readonly costed?: boolean;
}

const HINTS = {
  ptWrite: 'a store to a guest page table must exit, so that the pager sees the entry change: map the guest\'s page-table frames read-only in your tables; '
    + 'in pageFault, perform such a store with vmm.emulateStore(guestPhys), return \'pt-write\', and drop the entries built from the entry it changed '
    + '(docs/pager-api.md, "A write to a protected frame"; isa/README.md 6.4)',
  accessedDirty: 'set the Accessed bit in the guest\'s leaf entry on every fill, and Dirty on a store (vmm.writeGuestPte), and map a page writable '
    + 'only once its D bit is set, so that the first store exits (isa/README.md 6.2, step 7)',
  ptbrFlush: 'a PTBR write without KEEP drops the TLB entries of the ASID written: in ptbrWrite, load the new root with '
    + 'vmm.switchRoot(root, { keep: (e.value & PTBR_KEEP) !== 0 }) (isa/README.md 4.4 and 6.4)',
} as const;

const PAGING_GUESTS: readonly (readonly [string, string, string?])[] = [
  ['pt-write', 'stores to the guest\'s own page tables change what it sees (write protection)', HINTS.ptWrite],
  ['ad-bits', 'the walk sets Accessed and Dirty in the guest\'s entries', HINTS.accessedDirty],
  ['ptbr-switch', 'a PTBR write without KEEP drops the old address space\'s translations', HINTS.ptbrFlush],
  ['paging-kernel', 'two processes with ASIDs: demand paging, copy-on-write, a superpage, remaps'],
  ['pg-off-to-on', 'translations made with paging off do not survive turning it on'],
  ['pg-global-off', 'turning paging off stops every translation, Global ones too'],
  ['past-ram', 'accesses past the end of guest RAM are bus errors'],
  ['superpage-invlpg', 'invlpg drops every piece of a superpage'],
  ['pwc-stale-pde', 'a directory entry that only led to a fault is not cached'],
  ['trap-loop', 'a guest whose trap handler can never run stops (a trap loop)'],
];

const KERNEL_WORKLOADS: readonly (readonly [string, readonly number[], string])[] = [
  ['primes', [], 'the kernel: boot, page tables, one compute-bound process'],
  ['memwalk', [256, 4096, 4], 'the kernel: a process touching 256 pages (demand paging, TLB misses)'],
  ['ctxswitch', [], 'the kernel: two processes switching address spaces (PTBR writes with ASIDs)'],
  ['forkstorm', [], 'the kernel: fork and wait (address spaces made and torn down)'],
  ['sbrkchurn', [], 'the kernel: sbrk growing and shrinking the heap (mappings made and removed)'],
];

const images = new Map<string, Image>();

function assembled(file: string, origin?: number): Image {
  const key = `${file}@${origin ?? ''}`;
  let image = images.get(key);
  if (!image) {
    const r = assembleFile(file, { includePath: [...BUNDLED_INCLUDE_DIRS], ...(origin !== undefined ? { origin } : {}) });
    if (!r.image) throw new Error(`check-pager: ${file} does not assemble: ${r.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
    image = r.image;
    images.set(key, image);
  }
  return image;
}

function guestChecks(): GuestCheck[] {
  const bare = (name: string, file: string, what: string, hint?: string): GuestCheck => ({
    name, what, ...(hint ? { hint } : {}),
    guest: () => ({ name, kernel: assembled(file), modules: [], memoryBytes: 2 * 1024 * 1024, maxInstructions: 5_000_000 }),
  });
  return [
    ...PAGING_GUESTS.map(([name, what, hint]) => bare(name, path.join(CHECK_GUESTS_DIR, `${name}.s`), what, hint)),
    ...BARE.map((name) => bare(name, path.join(BUNDLED_DIR, `${name}.s`), `bare metal, paging off: ${name}.s`)),
    ...KERNEL_WORKLOADS.map(([name, args, what]): GuestCheck => ({
      name: `kernel ${name}`, what, costed: true,
      guest: () => ({
        name, kernel: assembled(BUNDLED_KERNEL), memoryBytes: 16 * 1024 * 1024, maxInstructions: 20_000_000,
        modules: [{ name, image: assembled(path.join(BUNDLED_USER_DIR, `${name}.s`), USER_ORIGIN), args: [...args] } satisfies BootModule],
      }),
    })),
  ];
}

// ------------------------------------------------------------------ running the checks

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Run every check (or those `only` names) against a pager. */
export function checkPager(pager: { readonly module: PagerModule; readonly translation: Translation }, options: CheckOptions = {}): Scorecard {
  const mode = pager.translation === 'shadow' ? 'shadow' : 'ept';
  const builtIn = mode === 'shadow' ? SHADOW_PAGER : EPT_PAGER;
  const scale = options.scale ?? 1;
  const seed = options.seed ?? DEFAULT_SEED;
  const randomCases = Math.max(1, Math.round(RANDOM_CASES * scale));
  const wanted = (name: string) => !options.only || options.only.some((o) => name.includes(o));
  const guests = guestChecks().filter((g) => wanted(g.name));
  const isolation = ISOLATION.filter((c) => wanted(c.name));
  const random = wanted('random');
  const total = guests.length + (random ? 1 : 0) + isolation.length;
  const checks: CheckResult[] = [];
  const costs: CostRow[] = [];
  let index = 0;
  const timed = (name: string, body: () => Omit<CheckResult, 'ms'>): void => {
    options.onCheck?.(index++, total, name);
    const started = performance.now();
    const result = { ...body(), ms: Math.round(performance.now() - started) };
    checks.push(result);
    options.onResult?.(result);
  };
  for (const g of guests) {
    timed(g.name, () => {
      const spec = g.guest();
      const result = checkGuest(spec, g, mode, pager.module);
      if (g.costed) {
        const base = runVm(spec, mode, builtIn);
        costs.push({ name: spec.name, passed: result.check.passed, builtIn: costsOf(base.vm), ...(result.run && !result.run.failure ? { pager: costsOf(result.run.vm) } : {}) });
      }
      return result.check;
    });
  }
  if (random) timed('random', () => checkRandom(mode, pager.module, randomCases, seed));
  for (const c of isolation) timed(c.name, () => checkIsolation(c, mode, pager.module));
  return { pager: pager.module.name, translation: pager.translation, mode, checks, costs, randomCases, seed };
}

function costsOf(vm: Vm): Costs {
  return { cycles: vm.stats.cycles, exits: vm.vmm.exitsTotal, hiddenFaults: vm.vmm.faultsHidden, tablePages: vm.mode === 'shadow' ? vm.vmm.shadowPeakPages : vm.vmm.eptPages };
}

/** One guest natively and under the pager. */
function checkGuest(spec: GuestSpec, g: GuestCheck, mode: 'shadow' | 'ept', pager: PagerModule): { check: Omit<CheckResult, 'ms'>; run?: VmRun } {
  const base = { group: 'equivalence' as const, name: g.name, what: g.what };
  const native = runNative(spec);
  let run: VmRun;
  try {
    run = runVm(spec, mode, pager);
  } catch (e) {
    if (!(e instanceof PagerError)) throw e;
    return { check: { ...base, passed: false, detail: [e.message] } };
  }
  const detail = explain(spec, mode, pager, native, run);
  if (detail.length === 0) return { check: { ...base, passed: true, detail: [] }, run };
  // The hint for what went wrong: A and D bits whatever the guest, else what the guest targets (not for a pager that failed).
  const hint = pointsAtAccessedDirty(detail) ? HINTS.accessedDirty : run.failure ? undefined : g.hint;
  return { check: { ...base, passed: false, detail, ...(hint ? { hint } : {}) }, run };
}

/** Why a run is not what the native one was, located: empty when it is. */
function explain(spec: GuestSpec, mode: 'shadow' | 'ept', pager: PagerModule, native: NativeRun, run: VmRun): string[] {
  if (run.failure) return [run.failure];
  const differing = differences(native.seen, run.seen);
  if (differing.length === 0) return run.audit.length > 0 ? [`isolation audit: ${run.audit.slice(0, 3).join('; ')}`] : [];
  const symbols = new SymbolTable({ kernel: spec.kernel, modules: [...spec.modules] });
  let divergence = firstDivergence(spec, mode, pager);
  if (divergence === undefined && differing.includes('memoryHash')) {
    const word = firstMemoryDifference(native.machine, run.vm);
    if (word) divergence = firstDivergence(spec, mode, pager, {}, word.guestPhys);
  }
  // A difference in memory alone is said by the divergence; anything else first in its own terms.
  const lines = divergence?.kind === 'memory' ? [] : [summaryOf(native, run, differing)];
  if (divergence) lines.push(describeDivergence(divergence, symbols));
  return lines;
}

/** The first thing that differs at the end, in a line. */
function summaryOf(native: NativeRun, run: VmRun, differing: readonly string[]): string {
  const a = native.seen;
  const b = run.seen;
  if (differing.includes('console')) {
    const x = a.console.split('\n');
    const y = b.console.split('\n');
    let i = 0;
    while (i < x.length && x[i] === y[i]) i++;
    return `console line ${i + 1}: ${JSON.stringify(x[i] ?? '')} natively, ${JSON.stringify(y[i] ?? '(nothing)')} under the pager`;
  }
  if (differing.includes('reason') || differing.includes('exitCode')) {
    return `natively the guest ended ${a.reason}${a.reason === 'halted' ? ` with ${a.exitCode}` : ''}, under the pager ${b.reason}${b.reason === 'halted' ? ` with ${b.exitCode}` : ''}`;
  }
  if (differing.includes('memoryHash') && !differing.includes('regs')) {
    const word = firstMemoryDifference(native.machine, run.vm);
    if (word) return `guest memory differs at the end: guest-physical ${hex(word.guestPhys)} is ${hex(word.native)} natively, ${hex(word.actual)} under the pager${adBits(word.native, word.actual)}`;
  }
  return `what the guest sees differs at the end: ${differing.map((d) => (d === 'memoryHash' ? 'memory' : d === 'crs' ? 'control registers' : d)).join(', ')}`;
}

const AD_MARK = 'a page-table entry\'s';

/** ': only A and D differ (…)', when they are all that does. */
function adBits(native: number, actual: number): string {
  const x = (native ^ actual) >>> 0;
  if (x === 0 || (x & ~(PTE.A | PTE.D)) !== 0) return '';
  const which = [x & PTE.A ? 'Accessed' : '', x & PTE.D ? 'Dirty' : ''].filter(Boolean).join(' and ');
  return `: only ${which === 'Accessed and Dirty' ? 'the A and D bits differ' : `the ${which[0]} bit differs`} (${AD_MARK} ${which} bit${which.includes(' and ') ? 's' : ''})`;
}

function pointsAtAccessedDirty(detail: readonly string[]): boolean {
  return detail.some((l) => l.includes(AD_MARK));
}

function instruction(pc: number, word: number | undefined, symbols: SymbolTable): string {
  const wordAt = (va: number) => ((va & ~3) === (pc & ~3) ? word : undefined);
  const name = symbols.describe(pc, wordAt);
  const loc = symbols.location(pc, wordAt);
  const where = [name, loc ? shortLocation(loc) : undefined].filter(Boolean).join(', ');
  const text = word === undefined ? '' : `\`${disassemble(word, pc)}\` `;
  return `${text}at ${hex(pc)}${where ? ` (${where})` : ''}`;
}

function trapText(t: { cause: number; badva: number } | undefined): string {
  return t ? `took a ${causeName(t.cause)} (BADVA ${hex(t.badva)})` : 'took no trap';
}

/** The first divergence, in a line a student can act on. */
export function describeDivergence(d: Divergence, symbols: SymbolTable): string {
  switch (d.kind) {
    case 'failure':
      return d.message;
    case 'stop':
      return `after instruction ${d.instret}, ${instruction(d.pc, undefined, symbols)}: natively the guest ${d.native === 'running' ? 'went on' : `stopped (${d.native})`}, under the pager it ${d.actual === 'running' ? 'went on' : `stopped (${d.actual})`}`;
    case 'memory':
      return `first difference after instruction ${d.instret}, ${instruction(d.pc, d.word, symbols)}: guest-physical ${hex(d.guestPhys)} is ${hex(d.native)} natively, ${hex(d.actual)} under the pager${adBits(d.native, d.actual)}`;
    case 'state': {
      const head = `first difference after instruction ${d.instret}, ${instruction(d.pc, d.word, symbols)}`;
      const traps = (d.nativeTrap?.cause !== d.actualTrap?.cause || d.nativeTrap?.badva !== d.actualTrap?.badva)
        ? `: natively it ${trapText(d.nativeTrap)}, under the pager it ${trapText(d.actualTrap)}`
        : '';
      const ad = traps || d.field === 'pc' ? '' : adBits(d.native, d.actual);
      return `${head}${traps}${traps ? '; ' : ': '}${d.field} = ${hex(d.native)} natively, ${hex(d.actual)} under the pager${ad}`;
    }
  }
}

// ------------------------------------------------------------------ random page tables

function checkRandom(mode: 'shadow' | 'ept', pager: PagerModule, count: number, seed: number): Omit<CheckResult, 'ms'> {
  const base = { group: 'random' as const, name: 'random', what: `${count} random page tables and access sequences (seed ${hex(seed)}; VMMLAB_CHECK_SCALE for more)` };
  for (let n = 1; n <= count; n++) {
    const c = translationCase(seed, n);
    const r = assemble(caseSource(c), { file: path.join(CHECK_GUESTS_DIR, 'translation-case.s'), includePath: [...BUNDLED_INCLUDE_DIRS] });
    if (!r.image) throw new Error(`check-pager: random case ${n} does not assemble`);
    const last = Math.max(...r.image.segments.map((s) => s.address + s.bytes.length));
    if (last > CASE_CODE_END) throw new Error(`check-pager: random case ${n} overflows its code pages`);
    const spec: GuestSpec = { name: `case ${n}`, kernel: { ...r.image, segments: [...r.image.segments, ...caseSegments(c)] }, modules: [], memoryBytes: CASE_MEMORY_BYTES, maxInstructions: CASE_MAX_INSTRUCTIONS };
    const native = runNative(spec);
    let run: VmRun;
    try {
      run = runVm(spec, mode, pager);
    } catch (e) {
      if (!(e instanceof PagerError)) throw e;
      return { ...base, passed: false, detail: [`case ${n}: ${e.message}`] };
    }
    if (run.failure) return { ...base, passed: false, detail: [`case ${n} of seed ${hex(seed)}: ${run.failure}`] };
    const problems = explain(spec, mode, pager, native, run);
    if (problems.length === 0) continue;
    const nativeLog = caseLog(native.seen.regs[6]!, (a) => native.machine.mem.i32[a >>> 2]! >>> 0);
    const pagerLog = caseLog(run.seen.regs[6]!, (a) => (run.vm.peekWord(a) ?? 0) >>> 0);
    const accesses = loggedAccesses(c);
    const lines = [`case ${n} of seed ${hex(seed)} differs:`];
    const i = nativeLog.findIndex((e, k) => JSON.stringify(e) !== JSON.stringify(pagerLog[k]));
    if (i >= 0) {
      const show = (e: (typeof nativeLog)[number] | undefined) => (e ? `${causeName(e.cause)} (BADVA ${hex(e.badva)}, value ${hex(e.value)})` : 'nothing logged');
      lines.push(`access ${i} (${describeAccess(accesses[i]!)}): natively ${show(nativeLog[i])}, under the pager ${show(pagerLog[i])}`);
    }
    lines.push(...problems, ...describeCase(c).map((l) => `  ${l}`));
    return { ...base, passed: false, detail: lines, ...(pointsAtAccessedDirty(problems) ? { hint: HINTS.accessedDirty } : {}) };
  }
  return { ...base, passed: true, detail: [] };
}

// ------------------------------------------------------------------ isolation

interface IsolationCheck {
  readonly name: string;
  readonly what: string;
  /** Who runs under the pager; the other VM, if not, under the built-in pager of the other mode. */
  readonly holderUnderPager: boolean;
  readonly vpid: boolean;
}

const ISOLATION: readonly IsolationCheck[] = [
  { name: 'isolation snoop', what: 'a snooping guest under the pager finds nothing of a VM beside it (VPIDs on)', holderUnderPager: false, vpid: true },
  { name: 'isolation both', what: 'two VMs under the pager, one snooping: neither reaches the other (no VPIDs)', holderUnderPager: true, vpid: false },
];

const GUEST_MEMORY = 1024 * 1024;
const ISOLATION_BUDGET = 10_000_000;

function checkIsolation(c: IsolationCheck, mode: 'shadow' | 'ept', pager: PagerModule): Omit<CheckResult, 'ms'> {
  const base = { group: 'isolation' as const, name: c.name, what: c.what };
  const holderImage = assembled(path.join(CHECK_GUESTS_DIR, 'holder.s'));
  const snoopImage = assembled(path.join(CHECK_GUESTS_DIR, 'snoop.s'));
  const otherMode = mode === 'shadow' ? 'ept' : 'shadow';
  const vmm = new Vmm({ hostMemoryBytes: 8 * 1024 * 1024, quantum: 5000, vpid: c.vpid });
  const problems: string[] = [];
  let holder: Vm;
  let snoop: Vm;
  try {
    holder = vmm.addVm({ name: 'holder', mode: c.holderUnderPager ? mode : otherMode, memoryBytes: GUEST_MEMORY, kernel: holderImage, ...(c.holderUnderPager ? { pager } : {}) }).vm;
    snoop = vmm.addVm({ name: 'snoop', mode, memoryBytes: GUEST_MEMORY, kernel: snoopImage, pager }).vm;
    let rounds = 0;
    vmm.run(ISOLATION_BUDGET, () => {
      if (++rounds % 4 === 0) problems.push(...vmm.audit(), ...tlbProblems(vmm, c.vpid));
      return problems.length === 0;
    });
    problems.push(...vmm.audit(), ...tlbProblems(vmm, c.vpid));
  } catch (e) {
    if (!(e instanceof PagerError)) throw e;
    return { ...base, passed: false, detail: [e.message] };
  }
  const snoopOut = snoop.devices.console.drainText('latin1');
  const holderOut = holder.devices.console.drainText('latin1');
  if (problems.length > 0) return { ...base, passed: false, detail: [`isolation audit: ${problems.slice(0, 3).join('; ')}`] };
  if (snoop.stopped !== 'halted' || holder.stopped !== 'halted') {
    return { ...base, passed: false, detail: [`the guests did not both finish: holder ${holder.stopped ?? 'running'}, snoop ${snoop.stopped ?? 'running'} (holder said ${JSON.stringify(holderOut)}, snoop ${JSON.stringify(snoopOut)})`] };
  }
  if (!/^self-test 2 found 0 faults \d+\n$/.test(snoopOut) || snoop.devices.exitCode !== 0) {
    return { ...base, passed: false, detail: [`the snooper found the secret, or its self-test failed: it printed ${JSON.stringify(snoopOut)} and exited ${snoop.devices.exitCode} (expected 'self-test 2 found 0 faults N', 0)`] };
  }
  if (holderOut !== 'secret intact\n') return { ...base, passed: false, detail: [`the holder's secret changed: it printed ${JSON.stringify(holderOut)}`] };
  if (snoop.vmm.refusedAccesses === 0) {
    return { ...base, passed: false, detail: ['the snooper\'s accesses past its RAM were never refused: a guest-physical address outside the VM is a bus error (vmm.refuse(va))'] };
  }
  return { ...base, passed: true, detail: [] };
}

/** With VPIDs, the TLB's entries tagged with a VM's VPID map only that VM's frames. */
function tlbProblems(vmm: Vmm, vpid: boolean): string[] {
  if (!vpid) return [];
  const problems: string[] = [];
  const tlbs = vmm.mmu.itlb === vmm.mmu.dtlb ? [vmm.mmu.itlb] : [vmm.mmu.itlb, vmm.mmu.dtlb];
  for (const tlb of tlbs) {
    for (const e of tlb.entries()) {
      const vm = vmm.vms.find((v) => v.id === e.vpid);
      if (vm && vmm.host.ownerOf(e.pa) !== vm.id) problems.push(`a TLB entry of ${vm.name} maps va ${hex(e.va)} to host ${hex(e.pa)}, not its memory`);
    }
  }
  return problems;
}

/** Whether the shipped guests are there (an install without guest-programs/ cannot check). */
export function checkGuestsPresent(): boolean {
  return fs.existsSync(path.join(CHECK_GUESTS_DIR, 'pt-write.s'));
}
