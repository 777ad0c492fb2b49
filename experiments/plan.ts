// A study: workloads × a grid of modes and parameters, run under one machine profile, with the
// qualitative finding it expects. This module checks a study's text or JSON and expands the grid
// into cells in a fixed order; it never runs anything (run-cell.ts and runner.ts do) and reads no
// file (node/experiments.ts reads study files from disk, experiments/in-memory.ts takes the text),
// so that it loads in a browser worker too.
//
// Checking is in two steps, and every problem of both is reported at once, at its JSON path:
// the schema (config/study-schema.ts: shape and ranges), then what no schema can state (names
// that must differ, the number of cells, the host a VM needs, the finding's selectors), on the
// parts whose shape is right.
//
// Expansion order: workloads outermost, then the grid's keys in the order the study writes them
// (`mode` last when the grid does not name it), repetitions innermost. A parameter that does not
// apply to a cell's mode (eptLevels for shadow, say) is left out of that cell, and the duplicate
// cells this makes are dropped: the cell index is the position in what remains.

import { hasIssueAt, inDocumentOrder, invalid, pointer, type Issue } from '../config/issues.ts';
import { schemaIssues } from '../config/schema-issues.ts';
import { parseJson } from '../config/parse-json.ts';
import { pagesInRange, sizeBytes } from '../config/size.ts';
import { StudyFileSchema, STUDY_MEMORY_PHRASE } from '../config/study-schema.ts';
import { BootError, parseModuleSpec } from '../emulator/boot.ts';
import { applySettings, DEFAULT_PROFILE, type MachineProfile } from '../emulator/profile.ts';
import { parseCheck, validateFinding, type Finding } from './finding.ts';
import { cellHostBytes, KERNEL_MAXARG, KERNEL_NPROC, MAX_PHYSICAL_BYTES, MAX_STUDY_CELLS, MAX_STUDY_MEMORY, MIN_STUDY_MEMORY } from './limits.ts';
import { DEFAULT_MODES, MODES, StudyError, appliesTo, paramSpec, type CellParams, type Mode, type ParamValue } from './params.ts';

export interface Workload {
  readonly name: string;
  /** Boot modules: `PROG.s[:ARG,ARG…]`; bare names are found in guest-programs/user/. */
  readonly modules: readonly string[];
}

export interface Study {
  readonly name: string;
  readonly description: string;
  /** The guest kernel (default: the bundled guest-programs/kernel/kernel.s). */
  readonly kernel?: string;
  readonly workloads: readonly Workload[];
  /** `mode` and parameter lists; see params.ts. */
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
  readonly repetitions: number;
  /** Guest memory in bytes (the native machine's RAM, each VM's memory). */
  readonly memory: number;
  readonly maxInstructions: number;
  /** Cycle costs over the defaults (docs/cycle-model.md), as `--set` would give them. */
  readonly profile?: Readonly<Record<string, number>>;
  readonly finding?: Finding;
}

/**
 * A study file as written (schemas/study.schema.json): what parseStudy accepts. Defaults are not
 * filled in yet and `memory` may be a size such as "16M"; every Study is also a valid StudyFile.
 */
export interface StudyFile {
  readonly $schema?: string;
  readonly name?: string;
  readonly description?: string;
  readonly kernel?: string;
  readonly workloads: readonly { readonly name?: string; readonly modules: readonly string[] }[];
  readonly grid?: Readonly<Record<string, readonly ParamValue[]>>;
  readonly repetitions?: number;
  readonly memory?: number | string;
  readonly maxInstructions?: number;
  readonly profile?: Readonly<Record<string, number>>;
  readonly finding?: Finding;
}

export interface Cell {
  readonly index: number;
  readonly workload: string;
  readonly mode: Mode;
  /** The grid's parameters that apply to this cell's mode. */
  readonly params: CellParams;
  readonly rep: number;
}

export const DEFAULT_STUDY_MEMORY = 16 << 20;
export const DEFAULT_STUDY_MAX_INSTRUCTIONS = 50_000_000;

/** Where relative module and kernel paths of a study start from. */
export interface StudySource {
  readonly study: Study;
  readonly baseDir: string;
}

/** A study's text (a file's, or stdin's) as JSON, unchecked; a syntax error names `where`. */
export function studyJson(text: string, where: string): unknown {
  const json = parseJson(text);
  if (!json.ok) throw invalid(StudyError, where, json.issues);
  return json.value;
}

/** A study's memory (default 16 MiB); throws StudyError naming `where` when out of range. */
export function parseMemory(raw: unknown, where: string): number {
  if (raw === undefined) return DEFAULT_STUDY_MEMORY;
  const bytes = typeof raw === 'number' || typeof raw === 'string' ? sizeBytes(raw) : NaN;
  if (!memoryInRange(bytes)) throw new StudyError(`${where}: memory ${STUDY_MEMORY_PHRASE} (got ${JSON.stringify(raw)})`);
  return bytes;
}

function memoryInRange(bytes: number): boolean {
  return pagesInRange(bytes, MIN_STUDY_MEMORY, MAX_STUDY_MEMORY);
}

/**
 * Check a study given as a JSON value; `where` names it in errors. A bad study throws one
 * StudyError listing every problem (`issues`, each at its JSON path): first those of shape and
 * range (the schema), then, on the parts whose shape is right, those of meaning.
 */
export function parseStudy(raw: unknown, where = 'study'): Study {
  const issues = schemaIssues(StudyFileSchema, raw);
  if (issues.length > 0 && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw invalid(StudyError, where, [{ path: '', message: `a study is a JSON object (got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)})` }]);
  }
  const file = raw as StudyFile;
  const ok = (at: string) => !hasIssueAt(issues, at);
  // Whether the cells can be counted and made, by the schema alone (checks of meaning add issues below).
  const cellsOk = ok('/workloads') && ok('/grid') && ok('/repetitions');
  const workloads = ok('/workloads') ? checkWorkloads(file, issues) : [];
  const memory = ok('/memory') ? checkMemory(file, issues) : DEFAULT_STUDY_MEMORY;
  const grid = ok('/grid') ? normalGrid(file.grid) : { mode: [...DEFAULT_MODES] };
  const study: Study = {
    name: file.name ?? 'study',
    description: file.description ?? '',
    ...(file.kernel !== undefined ? { kernel: file.kernel } : {}),
    workloads,
    grid,
    repetitions: file.repetitions ?? 1,
    memory,
    maxInstructions: file.maxInstructions ?? DEFAULT_STUDY_MAX_INSTRUCTIONS,
    ...(file.profile !== undefined && ok('/profile') ? { profile: { ...file.profile } } : {}),
    ...(file.finding !== undefined && ok('/finding') ? { finding: { claim: file.finding.claim, checks: [...file.finding.checks] } } : {}),
  };
  const countOk = cellsOk && checkCellCount(study, issues);
  if (countOk && ok('/memory')) checkHostMemory(study, issues);
  // The finding's selectors must each name one cell of the grid: fail before a long run.
  if (study.finding) checkFinding(study, countOk, issues);
  if (issues.length > 0) throw invalid(StudyError, where, inDocumentOrder(issues, raw));
  return study;
}

export function defaultWorkloadName(modules: readonly string[]): string {
  return modules.map((m) => basename(m.replace(/:.*$/, '')).replace(/\.[^.]*$/, '')).join('+');
}

/** The last part of a path, as POSIX path.basename gives it: only '/' separates, trailing ones are dropped. */
function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Names (given or made from the modules) that are words, unique and not modes; module arguments; the bundled kernel's limits. */
function checkWorkloads(file: StudyFile, issues: Issue[]): Workload[] {
  const seen = new Map<string, number>();
  return file.workloads.map((w, i): Workload => {
    const at = `/workloads/${i}`;
    w.modules.forEach((spec, j) => {
      try {
        const { args } = parseModuleSpec(spec);
        if (file.kernel === undefined && args.length > KERNEL_MAXARG) {
          issues.push({ path: `${at}/modules/${j}`, message: `the bundled kernel passes at most ${KERNEL_MAXARG} arguments to a module (MAXARG; got ${args.length})` });
        }
      } catch (e) {
        if (!(e instanceof BootError)) throw e;
        issues.push({ path: `${at}/modules/${j}`, message: e.message });
      }
    });
    if (file.kernel === undefined && w.modules.length > KERNEL_NPROC) {
      issues.push({ path: `${at}/modules`, message: `the bundled kernel starts at most ${KERNEL_NPROC} modules (NPROC; got ${w.modules.length})` });
    }
    const name = w.name ?? defaultWorkloadName(w.modules);
    if (w.name === undefined && !/^[A-Za-z_][\w.+]*$/.test(name)) {
      issues.push({ path: at, message: `its modules make the name '${name}', which is not a word (letters, digits, _ . +): give the workload a "name"` });
    } else if ((MODES as readonly string[]).includes(name)) {
      issues.push({ path: w.name === undefined ? at : `${at}/name`, message: `'${name}' is a mode; a workload needs another name` });
    } else if (seen.has(name)) {
      issues.push({ path: w.name === undefined ? at : `${at}/name`, message: `two workloads are named '${name}' (workload ${seen.get(name)} too)${w.name === undefined ? ': give one a "name"' : ''}` });
    }
    seen.set(name, i);
    return { name, modules: [...w.modules] };
  });
}

function checkMemory(file: StudyFile, issues: Issue[]): number {
  if (file.memory === undefined) return DEFAULT_STUDY_MEMORY;
  const bytes = sizeBytes(file.memory);
  if (!memoryInRange(bytes)) issues.push({ path: '/memory', message: `${STUDY_MEMORY_PHRASE} (got ${JSON.stringify(file.memory)})` });
  return bytes;
}

/** The grid as the study runs it: the keys in the order written, `mode` last when not given. */
function normalGrid(grid: StudyFile['grid']): Record<string, ParamValue[]> {
  const out: Record<string, ParamValue[]> = {};
  for (const [key, values] of Object.entries(grid ?? {})) out[key] = [...values];
  if (!out.mode) out.mode = [...DEFAULT_MODES];
  return out;
}

/**
 * How many cells the study has, without making them: per mode, the product of the lengths of the
 * lists that apply to it (the others collapse), times workloads and repetitions.
 */
export function cellCount(study: Pick<Study, 'grid' | 'workloads' | 'repetitions'>): number {
  const keys = Object.keys(study.grid).filter((k) => k !== 'mode');
  const perWorkload = (study.grid.mode as Mode[]).reduce((sum, mode) => sum
    + keys.reduce((n, k) => (appliesTo(paramSpec(k)!, mode) ? n * study.grid[k]!.length : n), 1), 0);
  return study.workloads.length * perWorkload * study.repetitions;
}

function checkCellCount(study: Study, issues: Issue[]): boolean {
  const count = cellCount(study);
  if (count <= MAX_STUDY_CELLS) return true;
  const fmt = (n: number) => n.toLocaleString('en-US');
  issues.push({
    path: '/grid',
    message: `the study has ${fmt(count)} cells (${study.workloads.length} workload${study.workloads.length === 1 ? '' : 's'} x the grid x ${study.repetitions} repetition${study.repetitions === 1 ? '' : 's'}); at most ${fmt(MAX_STUDY_CELLS)} are allowed: sweep fewer values, or split the study`,
  });
  return false;
}

/** A virtualized cell's host holds every VM's memory; it must fit the largest memory the emulator builds. */
function checkHostMemory(study: Study, issues: Issue[]): void {
  if (!study.grid.mode!.some((m) => m !== 'native')) return;
  const vms = Math.max(...((study.grid.vms as number[] | undefined) ?? [1]));
  const host = cellHostBytes(study.memory, vms);
  if (host > MAX_PHYSICAL_BYTES) {
    const mib = (n: number) => `${Math.floor(n / 2 ** 20)} MiB`;
    issues.push({ path: '/memory', message: `with vms=${vms} a virtualized cell's host needs ${mib(host)}, more than the ${mib(MAX_PHYSICAL_BYTES)} the emulator can build: lower memory or vms` });
  }
}

/** Every check must parse, and (when the grid is sound) each selector must pick one cell. */
function checkFinding(study: Study, gridOk: boolean, issues: Issue[]): void {
  const finding = study.finding!;
  const cells = gridOk ? expandCells(study) : undefined;
  finding.checks.forEach((check, i) => {
    try {
      parseCheck(check);
      if (cells) validateFinding({ claim: finding.claim, checks: [check] }, cells, study.workloads.map((w) => w.name), '');
    } catch (e) {
      if (!(e instanceof StudyError)) throw e;
      const prefix = `: '${check}': `;
      const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      issues.push({ path: pointer('/finding/checks', i), message: `'${check}': ${message}` });
    }
  });
}

/** The study's machine profile: the defaults with the study's overrides. */
export function studyProfile(study: Study): MachineProfile {
  return applySettings(DEFAULT_PROFILE, Object.entries(study.profile ?? {}).map(([k, v]) => `${k}=${v}`));
}

/**
 * Every cell of the study, in index order: the product of the grid's lists in key order, each
 * combination of a mode and the parameters that apply to it kept once, at its first place.
 *
 * The first place of a cell is the combination with the first value of every list that does not
 * apply to its mode, so the walk below visits only those: its work is the number of cells, even
 * when the full product (lists that no mode of the grid uses) would be billions.
 */
export function expandCells(given: Study): Cell[] {
  const study = given.grid.mode ? given : { ...given, grid: { ...given.grid, mode: [...DEFAULT_MODES] } };
  const keys = Object.keys(study.grid);
  const combos: { mode: Mode; params: CellParams }[] = [];
  const chosen: ParamValue[] = [];
  const walk = (k: number, modes: readonly Mode[], mode: Mode | undefined): void => {
    if (k === keys.length) {
      const params: CellParams = {};
      keys.forEach((key, i) => {
        if (key !== 'mode' && appliesTo(paramSpec(key)!, mode!)) params[key] = chosen[i]!;
      });
      combos.push({ mode: mode!, params });
      return;
    }
    const key = keys[k]!;
    const values = study.grid[key]!;
    if (key === 'mode') {
      for (const m of values as Mode[]) if (modes.includes(m)) walk(k + 1, modes, m);
      return;
    }
    const spec = paramSpec(key)!;
    if (mode !== undefined && !appliesTo(spec, mode)) {
      chosen[k] = values[0]!;
      walk(k + 1, modes, mode);
      return;
    }
    values.forEach((value, i) => {
      // Past the first value, only the modes this parameter applies to can be here first.
      const still = i === 0 || mode !== undefined ? modes : modes.filter((m) => appliesTo(spec, m));
      if (still.length === 0) return;
      chosen[k] = value;
      walk(k + 1, still, mode);
    });
  };
  walk(0, study.grid.mode as Mode[], undefined);
  const cells: Cell[] = [];
  for (const workload of study.workloads) {
    for (const { mode, params } of combos) {
      for (let rep = 0; rep < study.repetitions; rep++) {
        cells.push({ index: cells.length, workload: workload.name, mode, params: { ...params }, rep });
      }
    }
  }
  return cells;
}

/** The native cell whose cycles a cell's slowdown divides by: same workload, repetition and native-relevant parameters. */
export function baselineOf(cell: Cell, cells: readonly Cell[]): Cell | undefined {
  return cells.find((c) => c.mode === 'native' && c.workload === cell.workload && c.rep === cell.rep
    && Object.entries(c.params).every(([k, v]) => cell.params[k] === v));
}

/** Grid keys with more than one value: the columns that tell cells apart. */
export function sweptKeys(study: Study): string[] {
  return Object.keys(study.grid).filter((k) => k !== 'mode' && study.grid[k]!.length > 1);
}
