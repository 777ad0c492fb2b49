// The messages between the playground page (web/main.ts) and its emulator worker (web/worker.ts).
// Everything here is plain data: it crosses postMessage by structured clone.

import type { Diagnostic } from '../assembler/index.ts';
import type { ExitLog, GuestTables, EptTablesView, ShadowTablesView, RealMmu, RegisterFile, TlbContents, Translation, Unavailable, AccessName, PagingSetup } from '../inspect/index.ts';
import type { OptionValues } from '../session/settings.ts';
import type { CellResult, StudyPlan, StudyTiming } from '../experiments/in-memory.ts';
import type { Check } from '../session/labs/kit.ts';
import type { CheckResult } from '../session/check-pager.ts';

/** A source the page hands the worker: its virtual path (includes resolve from its folder) and text. */
export interface SourceText {
  readonly path: string;
  readonly text: string;
}

/** What to build: a program, its boot modules (`primes`, `memwalk:256,4096,4`) and the run options. */
export interface MachineSpec {
  readonly program: SourceText;
  /** Boot modules, as --module takes them (bundled user programs by name). */
  readonly modules: readonly string[];
  /** The options of `vmmlab run`, as its parser leaves them: { mode: 'ept', 'tlb-entries': '32', vpid: true }. */
  readonly options: OptionValues;
  /**
   * The project's files, when the program is one of several (a lab: kernel.s with trap.s and
   * user.s): every one, as edited. They are put over the bundled files of the same paths before
   * anything is assembled, so an `.include` finds the edited copy first.
   */
  readonly files?: readonly SourceText[];
  /** The project's folder: a module named by a relative path (`pages.s:2`) is looked for there too. */
  readonly root?: string;
}

/** What to assemble for the editor's diagnostics: the project's program and modules, with its files as edited. */
export interface LintRequest {
  readonly program: SourceText;
  readonly modules?: readonly string[];
  readonly files?: readonly SourceText[];
  readonly root?: string;
}

/** A lab's check (`vmmlab lab check N`) on the playground's files: each check ok or FAIL, as the CLI prints it. */
export interface LabCheckResult {
  readonly lab: number;
  readonly title: string;
  /** The checks, when they ran. */
  readonly checks?: readonly Check[];
  /** The line the CLI ends with: "lab 1: every check passes (14 checks)". */
  readonly summary?: string;
  /** Why the files could not be checked (they do not assemble: then `diagnostics` locate the errors), or why not here. */
  readonly error?: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly ms: number;
}

/** Lab 4's check (`vmmlab check-pager pager.js`), begun: the pager loaded, or why not. */
export interface PagerCheckStart {
  /** The line `vmmlab lab check 4` begins with. */
  readonly intro: string;
  /** The scorecard's header, as check-pager prints it; unset when the pager does not load. */
  readonly header?: string;
  /** Why the pager cannot be loaded, as the CLI says it. */
  readonly error?: string;
  /** The checks to run, one request each, in order. */
  readonly names: readonly string[];
}

/** One check of lab 4's: its result, and its lines of the scorecard. */
export interface PagerCheckStep {
  readonly result: CheckResult;
  readonly text: string;
}

/** Lab 4's check, ended: the costs table and the score, and the lab's summary line. */
export interface PagerCheckEnd {
  readonly text: string;
  readonly summary: string;
  readonly passed: boolean;
  readonly ms: number;
}

export interface DisasmLine {
  readonly addr: number;
  readonly text: string;
  readonly current: boolean;
  /** Source location of the instruction, if the image maps it. */
  readonly file?: string;
  readonly line?: number;
}

/** Where a CPU is after a command: what the State views draw. */
export interface CpuSnapshot {
  readonly name: string;
  readonly mode: string;
  readonly registers: RegisterFile;
  readonly realMmu: RealMmu;
  readonly setup: PagingSetup;
  readonly disasm: readonly DisasmLine[];
  /** Stopped for good (halted, …), or undefined while it can run. */
  readonly stopped?: string;
  readonly exitCode: number;
  /** `run --stats` as text. */
  readonly statsText: string;
  readonly counters: Counters;
  readonly exits: ExitLog | Unavailable;
}

/** The numbers the page shows at a glance (and the tests compare with the CLI's --json). */
export interface Counters {
  readonly instructions: number;
  readonly cycles: number;
  readonly tlbMisses: number;
  readonly walkRefs: number;
  readonly pageFaults: number;
  readonly vmExits: number;
}

export interface Snapshot {
  readonly focus: number;
  readonly cpus: readonly CpuSnapshot[];
  readonly tlb: TlbContents;
  /** The source location of the focused pc (the editor marks it). */
  readonly pcFile?: string;
  readonly pcLine?: number;
}

export type TablesView = GuestTables | ShadowTablesView | EptTablesView | Unavailable;

export interface MemoryRow {
  readonly addr: number;
  /** Four words; null where the address cannot be read. */
  readonly words: readonly (number | null)[];
}

export interface MemoryView {
  readonly space: 'v' | 'p' | 'h';
  readonly rows: readonly MemoryRow[];
  readonly error?: string;
}

/** What a batch run (Compare) reports: what `vmmlab run --json` reports, and the console. */
export interface BatchResult {
  readonly mode: string;
  readonly console: string;
  readonly exitCode: number;
  readonly reason: string;
  /** Stats and VmmStats as structured clone leaves them (web/compare.ts revives them). */
  readonly stats: object;
  readonly vmm?: object;
  readonly statsJson: Record<string, unknown>;
}

export type Request =
  | { readonly kind: 'lint'; readonly source: SourceText; readonly project?: LintRequest }
  | { readonly kind: 'lab-check'; readonly lab: number; readonly files: readonly SourceText[] }
  | { readonly kind: 'pager-load'; readonly source: SourceText; readonly scale?: number }
  | { readonly kind: 'pager-check'; readonly name: string }
  | { readonly kind: 'pager-finish' }
  | { readonly kind: 'open'; readonly spec: MachineSpec }
  | { readonly kind: 'command'; readonly line: string }
  | { readonly kind: 'breakpoints'; readonly file: string; readonly lines: readonly number[] }
  | { readonly kind: 'events'; readonly events: readonly (readonly string[])[] }
  | { readonly kind: 'tables'; readonly which: 'guest' | 'shadow' | 'ept' }
  | { readonly kind: 'walk'; readonly va: string; readonly access: AccessName }
  | { readonly kind: 'memory'; readonly space: 'v' | 'p' | 'h'; readonly addr: string; readonly rows: number }
  | { readonly kind: 'batch'; readonly spec: MachineSpec }
  | { readonly kind: 'bench'; readonly instructions: number }
  | { readonly kind: 'study-plan'; readonly text: string; readonly fileName: string; readonly files?: readonly SourceText[] }
  | { readonly kind: 'study-cell'; readonly plan: StudyPlan; readonly index: number }
  | { readonly kind: 'study-finish'; readonly plan: StudyPlan; readonly results: readonly CellResult[]; readonly timing: StudyTiming };

export interface OpenResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Set when the machine was built. */
  readonly snapshot?: Snapshot;
  /** The debugger's opening lines, or why nothing was built. */
  readonly output: string;
  /** The command line of `vmmlab run` that builds the same machine. */
  readonly commandLine: string;
}

export interface CommandResult {
  readonly output: string;
  readonly snapshot: Snapshot;
}

export interface WalkResult {
  readonly translation?: Translation;
  readonly error?: string;
}

export interface BenchResult {
  readonly instructions: number;
  readonly ms: number;
  readonly mips: number;
}

/** To the worker: a request with its id, or a pause (no reply: the running command replies). */
export type ToWorker = { readonly id: number; readonly request: Request } | { readonly pause: true };

/** From the worker: a reply, or guest console output as it comes. */
export type FromWorker =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly console: string; readonly cpu: string }
  | { readonly ready: true };
