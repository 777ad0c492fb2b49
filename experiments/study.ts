// A study: workloads × a grid of modes and parameters, run under one machine profile, with the
// qualitative finding it expects. This module reads and checks study files and expands the grid
// into cells in a fixed order; it never runs anything (runner.ts does).
//
// Expansion order: workloads outermost, then the grid's keys in the order the study writes them
// (`mode` last when the grid does not name it), repetitions innermost. A parameter that does not
// apply to a cell's mode (eptLevels for shadow, say) is left out of that cell, and the duplicate
// cells this makes are dropped: the cell index is the position in what remains.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { applySettings, DEFAULT_PROFILE, ProfileError, type MachineProfile } from '../emulator/profile.ts';
import { parseFinding, validateFinding, type Finding } from './finding.ts';
import { GRID_KEYS, MODES, StudyError, appliesTo, checkValue, paramSpec, type CellParams, type Mode, type ParamValue } from './params.ts';

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

/** Read a study file's JSON, unchecked (the CLI edits it before parseStudy checks it). */
export function readStudyFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudyError(`cannot read study '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StudyError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Read and check a study file; its relative paths start from its directory. */
export function loadStudy(file: string): StudySource {
  return { study: parseStudy(readStudyFile(file), file), baseDir: path.dirname(path.resolve(file)) };
}

export function parseMemory(raw: unknown, where: string): number {
  if (raw === undefined) return DEFAULT_STUDY_MEMORY;
  const m = typeof raw === 'number' ? [String(raw), String(raw), ''] : typeof raw === 'string' ? /^(\d+)\s*([kmg]i?b?)?$/i.exec(raw.trim()) : null;
  const unit = (m?.[2] ?? '').charAt(0).toLowerCase();
  const bytes = m ? Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 65536 || bytes % 4096 !== 0 || bytes > 1024 ** 3) {
    throw new StudyError(`${where}: memory takes a multiple of 4 KiB from 64K to 1G, such as 16M (got ${JSON.stringify(raw)})`);
  }
  return bytes;
}

function positiveInt(raw: unknown, fallback: number, key: string, where: string): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1) throw new StudyError(`${where}: ${key} takes a whole number of at least 1`);
  return raw;
}

/** Check a study given as a JSON value; `where` names it in errors. */
export function parseStudy(raw: unknown, where = 'study'): Study {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StudyError(`${where}: a study is a JSON object`);
  const o = raw as Record<string, unknown>;
  const known = ['name', 'description', 'kernel', 'workloads', 'grid', 'repetitions', 'memory', 'maxInstructions', 'profile', 'finding'];
  for (const key of Object.keys(o)) if (!known.includes(key)) throw new StudyError(`${where}: unknown key '${key}' (known: ${known.join(', ')})`);
  if (!Array.isArray(o.workloads) || o.workloads.length === 0) throw new StudyError(`${where}: "workloads" must be a non-empty array`);
  const workloads = o.workloads.map((w, i): Workload => {
    const wo = (w ?? {}) as Record<string, unknown>;
    const modules = wo.modules;
    if (!Array.isArray(modules) || modules.length === 0 || !modules.every((m) => typeof m === 'string' && m !== '')) {
      throw new StudyError(`${where}: workload ${i} needs "modules": ["PROG.s[:ARGS]", …]`);
    }
    const name = typeof wo.name === 'string' && wo.name !== '' ? wo.name : defaultWorkloadName(modules as string[]);
    return { name, modules: modules as string[] };
  });
  const names = new Set<string>();
  for (const w of workloads) {
    if (names.has(w.name)) throw new StudyError(`${where}: two workloads are named '${w.name}'`);
    if ((MODES as readonly string[]).includes(w.name) || !/^[A-Za-z_][\w.+]*$/.test(w.name)) {
      throw new StudyError(`${where}: workload name '${w.name}' must be a word (letters, digits, _ . +) and not a mode`);
    }
    names.add(w.name);
  }
  const grid = parseGrid(o.grid, where);
  const profile = o.profile === undefined ? undefined : parseProfileOverrides(o.profile, where);
  const study: Study = {
    name: typeof o.name === 'string' && o.name !== '' ? o.name : 'study',
    description: typeof o.description === 'string' ? o.description : '',
    ...(typeof o.kernel === 'string' ? { kernel: o.kernel } : {}),
    workloads,
    grid,
    repetitions: positiveInt(o.repetitions, 1, 'repetitions', where),
    memory: parseMemory(o.memory, where),
    maxInstructions: positiveInt(o.maxInstructions, DEFAULT_STUDY_MAX_INSTRUCTIONS, 'maxInstructions', where),
    ...(profile ? { profile } : {}),
    ...(o.finding !== undefined ? { finding: parseFinding(o.finding, `${where}: finding`) } : {}),
  };
  // The finding's selectors must each name one cell of the grid: fail before a long run.
  if (study.finding) validateFinding(study.finding, expandCells(study), workloads.map((w) => w.name), `${where}: finding`);
  return study;
}

export function defaultWorkloadName(modules: readonly string[]): string {
  return modules.map((m) => path.basename(m.replace(/:.*$/, '')).replace(/\.[^.]*$/, '')).join('+');
}

function parseGrid(raw: unknown, where: string): Record<string, ParamValue[]> {
  if (raw === undefined) return { mode: [...MODES] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StudyError(`${where}: "grid" is an object of lists`);
  const grid: Record<string, ParamValue[]> = {};
  for (const [key, values] of Object.entries(raw as Record<string, unknown>)) {
    if (!GRID_KEYS.includes(key)) throw new StudyError(`${where}: grid: unknown parameter '${key}' (known: ${GRID_KEYS.join(', ')})`);
    const list = Array.isArray(values) ? values : [values];
    if (list.length === 0) throw new StudyError(`${where}: grid.${key} is empty`);
    const checked = list.map((v) => checkValue(key, v, `${where}: grid.${key}`));
    if (new Set(checked).size !== checked.length) throw new StudyError(`${where}: grid.${key} lists a value twice`);
    grid[key] = checked;
  }
  if (!grid.mode) grid.mode = [...MODES];
  return grid;
}

function parseProfileOverrides(raw: unknown, where: string): Record<string, number> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StudyError(`${where}: "profile" is an object of cycle costs`);
  const entries = Object.entries(raw as Record<string, unknown>);
  try {
    applySettings(DEFAULT_PROFILE, entries.map(([k, v]) => `${k}=${String(v)}`));
  } catch (e) {
    if (e instanceof ProfileError) throw new StudyError(`${where}: profile: ${e.message}`);
    throw e;
  }
  return Object.fromEntries(entries) as Record<string, number>;
}

/** The study's machine profile: the defaults with the study's overrides. */
export function studyProfile(study: Study): MachineProfile {
  return applySettings(DEFAULT_PROFILE, Object.entries(study.profile ?? {}).map(([k, v]) => `${k}=${v}`));
}

/** Every cell of the study, in index order. */
export function expandCells(study: Study): Cell[] {
  const keys = Object.keys(study.grid);
  const cells: Cell[] = [];
  const seen = new Set<string>();
  for (const workload of study.workloads) {
    const combos: Record<string, ParamValue>[] = [{}];
    for (const key of keys) {
      const next: Record<string, ParamValue>[] = [];
      for (const combo of combos) for (const value of study.grid[key]!) next.push({ ...combo, [key]: value });
      combos.splice(0, combos.length, ...next);
    }
    for (const combo of combos) {
      const mode = combo.mode as Mode;
      const params: CellParams = {};
      for (const key of keys) {
        if (key === 'mode') continue;
        if (appliesTo(paramSpec(key)!, mode)) params[key] = combo[key]!;
      }
      const id = JSON.stringify([workload.name, mode, params]);
      if (seen.has(id)) continue;
      seen.add(id);
      for (let rep = 0; rep < study.repetitions; rep++) {
        cells.push({ index: cells.length, workload: workload.name, mode, params, rep });
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
