// `vmmlab check-pager`'s suite, platform-neutral: the checks a pager must pass, run against it,
// with what it costs next to the built-in pager of its kind, and the scorecard as the CLI prints
// it. The CLI (node/check-pager.ts, cli/commands/check-pager.ts) reads the guests from disk; the
// playground's worker (web/playground.ts) from its map of the bundled files, check by check. The
// checks are those of tests/hypervisor/ that a pager can be graded on, with guests the package
// ships (guest-programs/check-pager/, the bare-metal programs, the kernel and its workloads):
//
//   equivalence  each guest, natively and under the pager: what the guest sees must be the same
//                (hypervisor/conformance.ts), and the VMM's isolation audit clean. Three guests
//                target one thing each a pager must do (write-protect guest page tables, set A
//                and D, flush on a PTBR write), with a hint saying what to fix;
//   random       random page tables and access sequences (hypervisor/conformance-cases.ts);
//   isolation    an adversarial guest (snoop.s) beside a VM holding a secret (holder.s): it must
//                find nothing, and no translation of either VM may lead to the other's memory.
//
// Results are plain data; ScorecardPrinter prints them. The default run takes well under a
// minute on a small machine; `scale` (VMMLAB_CHECK_SCALE) multiplies the random cases. Nothing
// here imports a node: module: files come through a LabFiles reader (session/labs/kit.ts).

import { PTE, causeName } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import { assemble, assembleFile, formatDiagnostic } from '../assembler/index.ts';
import { disassemble } from '../assembler/disassembler.ts';
import { bundledPaths, type BundledPaths } from '../config/bundled-layout.ts';
import { USER_ORIGIN, type BootModule } from '../emulator/boot.ts';
import { SymbolTable, shortLocation } from '../debugger/symbols.ts';
import { bold, dim, fmtInt, paint, red } from '../format/text.ts';
import { DEFAULT_AGILE, agilePager } from '../hypervisor/agile.ts';
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
import type { LabFiles } from './labs/kit.ts';

/** Where the suite's guests are read from: a reader, and the guest-programs/ folder among its paths. */
export interface PagerSuiteFiles {
  readonly files: LabFiles;
  /** guest-programs/: check-pager/, the bare-metal programs, the kernel and its user programs. */
  readonly bundledDir: string;
}

/** The folder of check-pager's own guests, under guest-programs/. */
export const CHECK_GUESTS = 'check-pager';

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
  readonly mode: GradedMode;
  readonly checks: readonly CheckResult[];
  readonly costs: readonly CostRow[];
  readonly randomCases: number;
  readonly seed: number;
}

/** The modes a graded pager's VMs run in: its translation's (agile pagers' VMs run agile). */
export type GradedMode = 'shadow' | 'ept' | 'agile';

/** A pager to grade: its module, and how it translates (so which mode its VMs run in). */
export interface GradedPager {
  readonly module: PagerModule;
  readonly translation: Translation;
}

/** How the random check runs: its cases (`scale` times RANDOM_CASES, VMMLAB_CHECK_SCALE) and their seed. */
export interface SuiteOptions {
  /** Multiplies the random cases (VMMLAB_CHECK_SCALE). */
  readonly scale?: number;
  readonly seed?: number;
}

export interface CheckOptions extends SuiteOptions {
  /** Run only the checks whose names contain one of these. */
  readonly only?: readonly string[];
  /** Called before each check. */
  readonly onCheck?: (index: number, total: number, name: string) => void;
  /** Called with each check's result as it comes. */
  readonly onResult?: (result: CheckResult) => void;
}

const AGILE_PAGER = agilePager(DEFAULT_AGILE);

/** The built-in pagers by the names check-pager takes for them. */
export const BUILT_IN_PAGERS: Readonly<Record<string, GradedPager>> = {
  shadow: { module: SHADOW_PAGER, translation: 'shadow' },
  ept: { module: EPT_PAGER, translation: 'nested' },
  agile: { module: AGILE_PAGER, translation: 'agile' },
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

/** A suite over one set of files: where its guests are, and their images, assembled once. */
interface Suite {
  readonly source: PagerSuiteFiles;
  readonly guestsDir: string;
  readonly bundled: BundledPaths;
  readonly images: Map<string, Image>;
}

const suites = new WeakMap<LabFiles, Map<string, Suite>>();

function suiteOf(source: PagerSuiteFiles): Suite {
  let byDir = suites.get(source.files);
  if (!byDir) suites.set(source.files, (byDir = new Map()));
  let suite = byDir.get(source.bundledDir);
  if (!suite) {
    suite = { source, guestsDir: source.files.join(source.bundledDir, CHECK_GUESTS), bundled: bundledPaths(source.bundledDir, source.files.join), images: new Map() };
    byDir.set(source.bundledDir, suite);
  }
  return suite;
}

function assembled(suite: Suite, file: string, origin?: number): Image {
  const key = `${file}@${origin ?? ''}`;
  let image = suite.images.get(key);
  if (!image) {
    const { files } = suite.source;
    const r = assembleFile(file, { readFile: files.readFile, resolvePath: files.resolvePath, includePath: [...suite.bundled.includeDirs], ...(origin !== undefined ? { origin } : {}) });
    if (!r.image) throw new Error(`check-pager: ${file} does not assemble: ${r.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
    image = r.image;
    suite.images.set(key, image);
  }
  return image;
}

function guestChecks(suite: Suite): GuestCheck[] {
  const join = suite.source.files.join;
  const bare = (name: string, file: string, what: string, hint?: string): GuestCheck => ({
    name, what, ...(hint ? { hint } : {}),
    guest: () => ({ name, kernel: assembled(suite, file), modules: [], memoryBytes: 2 * 1024 * 1024, maxInstructions: 5_000_000 }),
  });
  return [
    ...PAGING_GUESTS.map(([name, what, hint]) => bare(name, join(suite.guestsDir, `${name}.s`), what, hint)),
    ...BARE.map((name) => bare(name, join(suite.source.bundledDir, `${name}.s`), `bare metal, paging off: ${name}.s`)),
    ...KERNEL_WORKLOADS.map(([name, args, what]): GuestCheck => ({
      name: `kernel ${name}`, what, costed: true,
      guest: () => ({
        name, kernel: assembled(suite, suite.bundled.kernel), memoryBytes: 16 * 1024 * 1024, maxInstructions: 20_000_000,
        modules: [{ name, image: assembled(suite, join(suite.bundled.userDir, `${name}.s`), USER_ORIGIN), args: [...args] } satisfies BootModule],
      }),
    })),
  ];
}

// ------------------------------------------------------------------ running the checks

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** One check, ready to run: what it returns, and its row of the costs table (a kernel workload). */
interface Step {
  readonly name: string;
  readonly group: CheckResult['group'];
  run(): { check: Omit<CheckResult, 'ms'>; cost?: CostRow };
}

function stepsOf(source: PagerSuiteFiles, pager: GradedPager, options: SuiteOptions): Step[] {
  const suite = suiteOf(source);
  const mode = modeOf(pager);
  const builtIn = mode === 'shadow' ? SHADOW_PAGER : mode === 'agile' ? AGILE_PAGER : EPT_PAGER;
  const seed = options.seed ?? DEFAULT_SEED;
  const guests = guestChecks(suite).map((g): Step => ({
    name: g.name, group: 'equivalence',
    run: () => {
      const spec = g.guest();
      const result = checkGuest(spec, g, mode, pager.module);
      if (!g.costed) return { check: result.check };
      const base = runVm(spec, mode, builtIn);
      return { check: result.check, cost: { name: spec.name, passed: result.check.passed, builtIn: costsOf(base.vm), ...(result.run && !result.run.failure ? { pager: costsOf(result.run.vm) } : {}) } };
    },
  }));
  const random: Step = { name: 'random', group: 'random', run: () => ({ check: checkRandom(suite, mode, pager.module, randomCasesOf(options), seed) }) };
  const isolation = ISOLATION.map((c): Step => ({ name: c.name, group: 'isolation', run: () => ({ check: checkIsolation(suite, c, mode, pager.module) }) }));
  return [...guests, random, ...isolation];
}

const modeOf = (pager: GradedPager): GradedMode => (pager.translation === 'shadow' ? 'shadow' : pager.translation === 'agile' ? 'agile' : 'ept');
const randomCasesOf = (options: SuiteOptions): number => Math.max(1, Math.round(RANDOM_CASES * (options.scale ?? 1)));

/** The checks' names, in the order they run (those `only` names, as checkPager picks them). */
export function pagerCheckNames(only?: readonly string[]): string[] {
  const names = [...PAGING_GUESTS.map(([name]) => name), ...BARE, ...KERNEL_WORKLOADS.map(([name]) => `kernel ${name}`), 'random', ...ISOLATION.map((c) => c.name)];
  return names.filter((name) => !only || only.some((o) => name.includes(o)));
}

/** One check's result, and for a kernel workload its row of the costs table. */
export interface CheckOutcome {
  readonly result: CheckResult;
  readonly cost?: CostRow;
}

/** Run the check named `name` (one of pagerCheckNames(), exactly) against a pager. */
export function runPagerCheck(source: PagerSuiteFiles, pager: GradedPager, name: string, options: SuiteOptions = {}): CheckOutcome {
  const step = stepsOf(source, pager, options).find((s) => s.name === name);
  if (!step) throw new Error(`check-pager: no check named '${name}'`);
  return runStep(step);
}

function runStep(step: Step): CheckOutcome {
  const started = performance.now();
  const { check, cost } = step.run();
  return { result: { ...check, ms: Math.round(performance.now() - started) }, ...(cost ? { cost } : {}) };
}

/** The scorecard of checks run one by one (runPagerCheck), in the order they ran. */
export function scorecardOf(pager: GradedPager, outcomes: readonly CheckOutcome[], options: SuiteOptions = {}): Scorecard {
  return {
    pager: pager.module.name, translation: pager.translation, mode: modeOf(pager),
    checks: outcomes.map((o) => o.result), costs: outcomes.flatMap((o) => (o.cost ? [o.cost] : [])),
    randomCases: randomCasesOf(options), seed: options.seed ?? DEFAULT_SEED,
  };
}

/** Run every check (or those `only` names) against a pager. */
export function checkPager(source: PagerSuiteFiles, pager: GradedPager, options: CheckOptions = {}): Scorecard {
  const wanted = new Set(pagerCheckNames(options.only));
  const steps = stepsOf(source, pager, options).filter((s) => wanted.has(s.name));
  const outcomes: CheckOutcome[] = [];
  steps.forEach((step, index) => {
    options.onCheck?.(index, steps.length, step.name);
    const outcome = runStep(step);
    outcomes.push(outcome);
    options.onResult?.(outcome.result);
  });
  return scorecardOf(pager, outcomes, options);
}

function costsOf(vm: Vm): Costs {
  return { cycles: vm.stats.cycles, exits: vm.vmm.exitsTotal, hiddenFaults: vm.vmm.faultsHidden, tablePages: vm.mode === 'ept' ? vm.vmm.eptPages : vm.vmm.shadowPeakPages };
}

/** One guest natively and under the pager. */
function checkGuest(spec: GuestSpec, g: GuestCheck, mode: GradedMode, pager: PagerModule): { check: Omit<CheckResult, 'ms'>; run?: VmRun } {
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
function explain(spec: GuestSpec, mode: GradedMode, pager: PagerModule, native: NativeRun, run: VmRun): string[] {
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

function checkRandom(suite: Suite, mode: GradedMode, pager: PagerModule, count: number, seed: number): Omit<CheckResult, 'ms'> {
  const base = { group: 'random' as const, name: 'random', what: `${count} random page tables and access sequences (seed ${hex(seed)}; VMMLAB_CHECK_SCALE for more)` };
  for (let n = 1; n <= count; n++) {
    const c = translationCase(seed, n);
    const { files } = suite.source;
    const r = assemble(caseSource(c), { file: files.join(suite.guestsDir, 'translation-case.s'), readFile: files.readFile, resolvePath: files.resolvePath, includePath: [...suite.bundled.includeDirs] });
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

function checkIsolation(suite: Suite, c: IsolationCheck, mode: GradedMode, pager: PagerModule): Omit<CheckResult, 'ms'> {
  const base = { group: 'isolation' as const, name: c.name, what: c.what };
  const holderImage = assembled(suite, suite.source.files.join(suite.guestsDir, 'holder.s'));
  const snoopImage = assembled(suite, suite.source.files.join(suite.guestsDir, 'snoop.s'));
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

// ------------------------------------------------------------------ the scorecard, printed

const GROUP_TITLES: Record<string, string> = {
  equivalence: 'equivalence: the guest sees what it sees natively',
  random: 'random page tables and access sequences',
  isolation: 'isolation: another VM\'s memory stays out of reach',
};

const NAME_WIDTH = 18;

/**
 * The scorecard as `vmmlab check-pager` prints it, piece by piece as the checks come: the header,
 * each result under its group's title (a failure already shown, as a pager that throws at once
 * fails every check alike, only named), then the costs table and the score. Each piece ends with
 * a newline; `color` adds the terminal's colours.
 */
export class ScorecardPrinter {
  private group = '';
  private readonly seen = new Map<string, string>();

  /** `label`: the pager as the header and the costs table name it (its file, or "the built-in shadow pager"). */
  constructor(private readonly label: string, private readonly color = false) {}

  header(pager: GradedPager): string {
    const mode = modeOf(pager);
    return `${bold(this.color, `check-pager: ${this.label}`)}, a '${pager.translation}' pager: its VMs compared with native; costs against the built-in ${mode} pager\n`;
  }

  result(r: CheckResult): string {
    let out = '';
    if (r.group !== this.group) {
      this.group = r.group;
      out += `\n${bold(this.color, GROUP_TITLES[r.group] ?? r.group)}\n`;
    }
    return out + this.resultLines(r).join('\n') + '\n';
  }

  /** The costs table (when a workload ran) and the score line. */
  end(card: Scorecard): string {
    const failed = card.checks.filter((c) => !c.passed);
    const score = `${card.checks.length - failed.length} of ${card.checks.length} checks pass`;
    const costs = card.costs.length > 0 ? `\n${this.costsTable(card)}\n` : '';
    return `${costs}\n${failed.length === 0 ? paint(this.color, 32, `score: ${score}`) : red(this.color, `score: ${score}; failed: ${failed.map((c) => c.name).join(', ')}`)}\n`;
  }

  private resultLines(r: CheckResult): string[] {
    const color = this.color;
    const mark = r.passed ? paint(color, 32, 'pass') : red(color, 'FAIL');
    const lines = [`  ${mark}  ${r.name.padEnd(NAME_WIDTH)}  ${r.what} ${dim(color, `(${(r.ms / 1000).toFixed(1)} s)`)}`];
    const first = r.detail.find((d) => d.startsWith('pager \''));
    const earlier = first === undefined ? undefined : this.seen.get(first);
    if (earlier !== undefined) {
      lines.push(`        the same failure as ${earlier}`);
      return lines;
    }
    if (first !== undefined) this.seen.set(first, r.name);
    for (const d of r.detail) lines.push(`        ${d}`);
    if (r.hint) lines.push(`        ${bold(color, 'to fix:')} ${r.hint}`);
    return lines;
  }

  private costsTable(card: Scorecard): string {
    const memory = card.mode === 'ept' ? 'EPT pages' : 'shadow pages (peak)';
    const cols: [string, (c: Costs) => number][] = [['cycles', (c) => c.cycles], ['VM exits', (c) => c.exits], ['hidden faults', (c) => c.hiddenFaults], [memory, (c) => c.tablePages]];
    const header = ['workload', ...cols.map(([name]) => name)];
    const cell = (pager: Costs | undefined, builtIn: Costs, get: (c: Costs) => number) => {
      if (!pager) return `failed / ${fmtInt(get(builtIn))}`;
      const ratio = get(builtIn) > 0 ? ` ${(get(pager) / get(builtIn)).toFixed(2)}x` : '';
      return `${fmtInt(get(pager))} / ${fmtInt(get(builtIn))}${ratio}`;
    };
    // A workload whose check failed ran wrong: its costs say little.
    const rows = card.costs.map((row) => [`${row.name}${row.passed ? '' : ' (failed)'}`, ...cols.map(([, get]) => cell(row.pager, row.builtIn, get))]);
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ').trimEnd();
    const title = `${bold(this.color, 'costs')} on the kernel's workloads: ${this.label} / the built-in ${card.mode} pager`;
    return [title, line(header), ...rows.map(line)].join('\n');
  }
}
