// What a lab's check is made of (docs/labs/; `vmmlab lab check` and the playground's Check lab
// both run it): assembling a student's files and the labs' own check programs, running an image
// natively or in a VM under shadow paging or EPT, reading the `name value` report lines the check
// programs print, and the check records shown as ok/FAIL. The checks of each lab are in
// bare.ts (labs 1 and 2), kernel.ts (lab 3) and study.ts (lab 5); catalog.ts names the labs.
//
// Platform-neutral: files come through a LabFiles reader (Node's file system from cli/, the
// playground's map of edited and bundled files in a worker), so nothing here imports a node:
// module. A check that cannot go on (a file that does not assemble, a program too big for the
// machine) throws LabStopped, which the CLI turns into its one-line error and exit status 1.
//
// Checks test behaviour: they run the student's code (alone, or linked into a check program
// that calls it) and compare what the machine did, its console, exit code and statistics, with
// what the lab asks. Nothing here reads a student's source text except the assembler.

import { assembleFile, type Diagnostic } from '../../assembler/index.ts';
import { bundledPaths, type BundledPaths } from '../../config/bundled-layout.ts';
import { TRAP_LOOP_LIMIT } from '../../emulator/cpu.ts';
import type { BootModule } from '../../emulator/boot.ts';
import { Machine } from '../../emulator/machine.ts';
import type { Stats } from '../../emulator/stats.ts';
import { CAUSE_NAMES, CR } from '../../isa/arch.ts';
import type { Image } from '../../isa/image.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { VmmStats } from '../../hypervisor/vmstats.ts';
import type { Mode } from '../settings.ts';

/** How a check reads files: Node's file system, or a map of virtual paths. */
export interface LabFiles {
  /** A file's text; a missing file throws an error whose code is 'ENOENT' (as Node's fs does). */
  readFile(path: string): string;
  /** One key per file, for the assembler's include-cycle check (Node: path.resolve). */
  resolvePath(path: string): string;
  join(dir: string, name: string): string;
}

/** Where one lab check runs: its files, the student's folder, the bundled guest-programs/ folder. */
export interface LabContext {
  readonly files: LabFiles;
  /** The student's folder (its files are read through `files`). */
  readonly dir: string;
  /** guest-programs/: the labs' check programs (labs/NN-name/check/), the kernel, the library. */
  readonly bundledDir: string;
  /** The diagnostics of each assembly of the student's own files, as it is made (the CLI prints them). */
  readonly diagnostics?: (diagnostics: readonly Diagnostic[]) => void;
}

/** The check cannot go on: the files cannot be checked (they do not assemble, say). */
export class LabStopped extends Error {
  constructor(message: string, readonly diagnostics: readonly Diagnostic[] = []) {
    super(message);
  }
}

/** One check's outcome: a name a student reads, and for a failure what to do about it. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** For a failure: expected, got, where to look (one line each). */
  readonly detail: readonly string[];
}

export function ok(name: string): Check {
  return { name, ok: true, detail: [] };
}

export function fail(name: string, ...detail: string[]): Check {
  return { name, ok: false, detail };
}

/** A check from a list of problems: ok when there are none. */
export function checkThat(name: string, problems: readonly string[], ...advice: string[]): Check {
  return problems.length === 0 ? ok(name) : fail(name, ...problems, ...advice);
}

/** The bundled kernel, user programs and library of a context. */
export function bundledOf(ctx: LabContext): BundledPaths {
  return bundledPaths(ctx.bundledDir, ctx.files.join);
}

/** Where the labs' starter files and check programs sit: guest-programs/labs/. */
export function labsDirOf(ctx: LabContext): string {
  return ctx.files.join(ctx.bundledDir, 'labs');
}

/** A path in the student's folder. */
export function studentFile(ctx: LabContext, name: string): string {
  return ctx.files.join(ctx.dir, name);
}

// ---------------------------------------------------------------- assembling

/**
 * Assemble a file whose includes are searched beside it, then in `includeDirs`, then in the
 * bundled library (as every vmmlab command does). Its diagnostics go to the context; errors end
 * the check (LabStopped): a student fixes them before anything can be checked.
 */
export function assembleOrStop(ctx: LabContext, file: string, what: string, includeDirs: readonly string[] = [], origin?: number): Image {
  const result = assembleFile(file, {
    readFile: ctx.files.readFile, resolvePath: ctx.files.resolvePath, includePath: [...includeDirs, ...bundledOf(ctx).includeDirs], ...(origin !== undefined ? { origin } : {}),
  });
  ctx.diagnostics?.(result.diagnostics);
  if (!result.image) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new LabStopped(`${what}: ${errors} error${errors === 1 ? '' : 's'}; nothing assembled, nothing checked`, result.diagnostics);
  }
  return result.image;
}

/**
 * Assemble one of the lab's own check programs with the student's folder first on the include
 * path (so that its `.include "trap.s"` takes the student's file). Errors here come from the
 * student's file too (a label the check program also defines, say): they are a failed check.
 */
export function assembleCheckProgram(ctx: LabContext, file: string, origin?: number): { image?: Image; problem?: string } {
  const result = assembleFile(file, {
    readFile: ctx.files.readFile, resolvePath: ctx.files.resolvePath, includePath: [ctx.dir, ...bundledOf(ctx).includeDirs], ...(origin !== undefined ? { origin } : {}),
  });
  if (result.image) return { image: result.image };
  const first = result.diagnostics.find((d) => d.severity === 'error');
  const labs = `${labsDirOf(ctx)}/`;
  const shown = file.startsWith(labs) ? file.slice(labs.length) : file;
  return { problem: `the check program ${shown} does not assemble with your files: ${first ? oneLine(first) : 'errors'}` };
}

function oneLine(d: Diagnostic): string {
  return `${d.file === undefined ? '' : `${basename(d.file)}:${d.line}: `}${d.message}`;
}

function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

// ---------------------------------------------------------------- running

export interface Ran {
  readonly mode: Mode;
  readonly console: string;
  readonly reason: string;
  readonly exitCode: number;
  readonly stats: Stats;
  readonly vmm?: VmmStats;
  /** Natively: the control registers at the end (EVEC for a trap loop's hint). */
  readonly cr?: Int32Array;
}

export interface RunOptions {
  readonly memoryBytes: number;
  readonly maxInstructions: number;
}

/**
 * Run an image (a bare-metal program, or a kernel with boot modules) in one mode. An image that
 * cannot be loaded (a segment past the end of memory) ends the check with one line.
 */
export function runIn(mode: Mode, image: Image, modules: readonly BootModule[], o: RunOptions): Ran {
  const loadFailed = (e: unknown): never => {
    if (!(e instanceof Error)) throw e;
    throw new LabStopped(`a program of the lab cannot be loaded into the check's machine (${o.memoryBytes >>> 20} MiB of memory): ${e.message}`);
  };
  if (mode === 'native') {
    const machine = new Machine({ memoryBytes: o.memoryBytes });
    try {
      if (modules.length > 0) machine.boot(image, modules);
      else machine.load(image);
    } catch (e) {
      loadFailed(e);
    }
    const r = machine.run(o.maxInstructions);
    return { mode, console: machine.devices.console.drainText(), reason: r.reason, exitCode: r.exitCode, stats: machine.stats, cr: machine.cpu.cr };
  }
  const vmm = new Vmm({ hostMemoryBytes: o.memoryBytes * 2 + (16 << 20) });
  let vm;
  try {
    vm = vmm.addVm({ name: mode, mode, memoryBytes: o.memoryBytes, kernel: image, modules }).vm;
  } catch (e) {
    return loadFailed(e);
  }
  const [r] = vmm.run(o.maxInstructions);
  return { mode, console: vm.devices.console.drainText(), reason: r!.reason, exitCode: r!.exitCode, stats: vm.stats, vmm: vm.vmm };
}

/** How a run ended, in words: "powered off with 0", "a trap loop: …". */
export function howItEnded(ran: Ran, maxInstructions: number): string {
  switch (ran.reason) {
    case 'halted':
      return `powered off with exit code ${ran.exitCode}`;
    case 'max-instructions':
      return `ran out of its budget of ${maxInstructions.toLocaleString('en-US')} instructions (an endless loop?)`;
    case 'wfi-deadlock':
      return 'stopped in wfi, waiting for an interrupt that can never come';
    case 'trap-loop': {
      const evec = ran.cr?.[CR.EVEC];
      const why = evec === 0 ? 'EVEC is 0: nothing set it to the handler' : `the trap handler (EVEC = ${hex(evec ?? 0)}) itself faults, or EVEC does not point at it`;
      return `stopped in a trap loop (${TRAP_LOOP_LIMIT} traps in a row, no instruction retiring): ${why}`;
    }
    default:
      return `stopped (${ran.reason})`;
  }
}

/** Did the run power off with this code? */
export function poweredOff(ran: Ran, code: number): boolean {
  return ran.reason === 'halted' && ran.exitCode === code;
}

/** Traps taken, by cause name, without the zeros: `{ syscall: 9, "timer-interrupt": 1 }`. */
export function trapsByCause(stats: Stats): Record<string, number> {
  const out: Record<string, number> = {};
  stats.traps.forEach((n, cause) => {
    if (n > 0) out[CAUSE_NAMES.get(cause) ?? `cause-${cause}`] = n;
  });
  return out;
}

export function showTraps(traps: Record<string, number>): string {
  const entries = Object.entries(traps);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

// ---------------------------------------------------------------- what check programs print

/** The `name value` lines of a check program's console, by name (values as printed). */
export function reportLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z][a-z0-9:-]*) (.*)$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** A hex value as the guest's print_hex/out_hex shows it. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Compare report values with what they should be: a problem line for each that differs, or is
 * missing (then with how the run ended, which is usually why).
 */
export function compareReport(report: ReadonlyMap<string, string>, expected: Readonly<Record<string, string>>, ended: string): string[] {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = report.get(name);
    if (got === undefined) missing.push(name);
    else if (got !== want) problems.push(`${name}: expected ${want}, got ${got}`);
  }
  const shown = problems.slice(0, 4).concat(problems.length > 4 ? [`(and ${problems.length - 4} more)`] : []);
  if (missing.length > 0) shown.push(`the check program stopped before it reported ${missing.join(', ')}: it ${ended}`);
  return shown;
}

/** The first line where two console texts differ, in words. */
export function firstDifference(expected: string, got: string, labels: readonly [string, string] = ['expected', 'got']): string {
  const e = expected.split('\n');
  const g = got.split('\n');
  for (let i = 0; i < Math.max(e.length, g.length); i++) {
    if (e[i] !== g[i]) {
      const show = (line: string | undefined) => (line === undefined ? '(nothing: the output ends before it)' : JSON.stringify(line));
      return `line ${i + 1}: ${labels[0]} ${show(e[i])}, ${labels[1]} ${show(g[i])}`;
    }
  }
  return 'the same';
}
