// What `vmmlab lab check` is made of (cli/commands/lab.ts): assembling a student's files and the
// labs' own check programs, running an image natively or in a VM under shadow paging or EPT,
// reading the `name value` report lines the check programs print, and the check records the
// command prints as ok/FAIL. The checks of each lab are in lab-checks-*.ts.
//
// Checks test behaviour: they run the student's code (alone, or linked into a check program
// that calls it) and compare what the machine did, its console, exit code and statistics, with
// what the lab asks. Nothing here reads a student's source text except the assembler.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../assembler/index.ts';
import { BUNDLED_DIR, BUNDLED_INCLUDE_DIRS } from '../../config/bundled.ts';
import { TRAP_LOOP_LIMIT } from '../../emulator/cpu.ts';
import type { BootModule } from '../../emulator/boot.ts';
import { Machine } from '../../emulator/machine.ts';
import type { Stats } from '../../emulator/stats.ts';
import { CAUSE_NAMES, CR } from '../../isa/arch.ts';
import type { Image } from '../../isa/image.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { VmmStats } from '../../hypervisor/vmstats.ts';
import { assembleFile } from '../../node/files.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import type { Mode } from '../session.ts';

/** Where the labs' starter files and check programs sit: guest-programs/labs/NN-name/. */
export const LABS_DIR = path.join(BUNDLED_DIR, 'labs');

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

// ---------------------------------------------------------------- assembling

export interface Assembled {
  readonly image: Image;
}

/**
 * Assemble a file whose includes are searched beside it, then in `includeDirs`, then in the
 * bundled library (as every vmmlab command does). Errors are printed, located, and end the
 * check with one line (exit 1): a student fixes them before anything can be checked.
 */
export function assembleOrStop(file: string, what: string, includeDirs: readonly string[] = [], origin?: number): Image {
  const result = assembleFile(file, { includePath: [...includeDirs, ...BUNDLED_INCLUDE_DIRS], ...(origin !== undefined ? { origin } : {}) });
  printDiagnostics(result.diagnostics);
  if (!result.image) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`${what}: ${errors} error${errors === 1 ? '' : 's'}; nothing assembled, nothing checked`, EXIT_CODES.INPUT);
  }
  return result.image;
}

/**
 * Assemble one of the lab's own check programs with the student's folder first on the include
 * path (so that its `.include "trap.s"` takes the student's file). Errors here come from the
 * student's file too (a label the check program also defines, say): they are a failed check.
 */
export function assembleCheckProgram(file: string, dir: string, origin?: number): { image?: Image; problem?: string } {
  const result = assembleFile(file, { includePath: [dir, ...BUNDLED_INCLUDE_DIRS], ...(origin !== undefined ? { origin } : {}) });
  if (result.image) return { image: result.image };
  const first = result.diagnostics.find((d) => d.severity === 'error');
  return { problem: `the check program ${path.relative(LABS_DIR, file)} does not assemble with your files: ${first ? oneLine(first) : 'errors'}` };
}

function oneLine(d: Diagnostic): string {
  return `${d.file === undefined ? '' : `${path.basename(d.file)}:${d.line}: `}${d.message}`;
}

function printDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, false)}\n`);
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
    throw new CliError(`a program of the lab cannot be loaded into the check's machine (${o.memoryBytes >>> 20} MiB of memory): ${e.message}`, EXIT_CODES.INPUT);
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

// ---------------------------------------------------------------- the student's folder

/** Every file the lab's check needs must be in the folder: one clear error naming the missing ones. */
export function requireFiles(dir: string, files: readonly string[], lab: number): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new CliError(`no folder '${dir}' (make one with vmmlab lab init ${lab} DIR)`, EXIT_CODES.INPUT);
  if (!stat.isDirectory()) throw new CliError(`'${dir}' is not a folder (give lab ${lab}'s folder, made by vmmlab lab init ${lab} DIR)`, EXIT_CODES.INPUT);
  const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length === 0) return;
  const where = dir === '.' ? 'the current folder' : `'${dir}'`;
  throw new CliError(`${where} has no ${missing.join(', ')}: lab ${lab} checks the files vmmlab lab init ${lab} DIR makes (${files.join(', ')}); run it in that folder, or give the folder`, EXIT_CODES.INPUT);
}
