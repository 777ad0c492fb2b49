// The study a command line describes (`vmmlab exp [STUDY.json] --workload … --param …`): the
// file's, with the flags' changes, or the flags' alone. Each flag's value is checked on its own
// first, so that a bad one is a bad command line (exit 2) naming the flag; the study as a whole
// is then checked like a file (exit 1).

import * as path from 'node:path';
import { closestName } from '../../assembler/diagnostics.ts';
import { STUDY_MEMORY_PHRASE } from '../../config/study-schema.ts';
import { DEFAULT_PROFILE, ProfileError, applySettings } from '../../emulator/profile.ts';
import { MAX_REPETITIONS, MAX_STUDY_CELLS, MAX_STUDY_INSTRUCTIONS } from '../../experiments/limits.ts';
import { GRID_KEYS, StudyError, checkValue, type ParamValue } from '../../experiments/params.ts';
import { parseMemory, parseStudy, studyJson, type StudySource } from '../../experiments/plan.ts';
import type { Shard } from '../../experiments/result.ts';
import { readStudyFile } from '../../node/experiments.ts';
import { CliError } from '../errors.ts';
import { parseCount } from '../options.ts';
import { STDIN_ARG, STDIN_NAME, readStdinText } from '../stdin.ts';

/** The flags of `vmmlab exp` that make or change a study. */
export interface StudyFlags {
  readonly workload?: string[];
  readonly mode?: string;
  readonly param?: string[];
  readonly memory?: string;
  readonly 'max-instructions'?: string;
  readonly repetitions?: string;
  readonly set?: string[];
  readonly name?: string;
}

/**
 * The study: the file's, with the command line's changes; or the command line's alone. Each flag's
 * value is checked on its own first (a bad one is a bad command line, exit 2); the study as a
 * whole is then checked like a file (exit 1).
 */
export function studyFrom(file: string | undefined, values: StudyFlags): StudySource {
  if (file === undefined && values.workload === undefined) throw new CliError('exp needs a study file or --workload (see vmmlab exp --help)');
  // `exp -`: the study is stdin's text, its relative paths from the current directory.
  const fromStdin = file === STDIN_ARG;
  const read = fromStdin ? studyJson(readStdinText(), STDIN_NAME) : file !== undefined ? readStudyFile(file) : { name: 'cli' };
  const where = fromStdin ? STDIN_NAME : file ?? 'command line';
  // Not an object: nothing to change; parseStudy says what is wrong.
  if (read === null || typeof read !== 'object' || Array.isArray(read)) return { study: parseStudy(read, where), baseDir: process.cwd() };
  const raw = { ...(read as Record<string, unknown>) };
  if (values.workload) raw.workloads = values.workload.map(parseWorkloadFlag);
  const gridFlags = gridFromFlags(values);
  if (Object.keys(gridFlags).length > 0) {
    const fileGrid = raw.grid;
    // A grid that is not an object stays as it is, for the study's check to report.
    if (fileGrid === undefined || (fileGrid !== null && typeof fileGrid === 'object' && !Array.isArray(fileGrid))) raw.grid = { ...(fileGrid as object | undefined), ...gridFlags };
  }
  if (values.memory !== undefined) raw.memory = memoryFlag(values.memory);
  if (values['max-instructions'] !== undefined) raw.maxInstructions = boundedCount('max-instructions', values['max-instructions'], 1, MAX_STUDY_INSTRUCTIONS);
  if (values.repetitions !== undefined) raw.repetitions = boundedCount('repetitions', values.repetitions, 1, MAX_REPETITIONS);
  if (values.name !== undefined) {
    if (values.name.trim() === '') throw new CliError('--name takes a non-empty name');
    raw.name = values.name;
  }
  if (values.set) raw.profile = { ...(raw.profile as object | undefined), ...costsFromFlags(values.set) };
  const baseDir = file !== undefined && !fromStdin ? path.dirname(path.resolve(file)) : process.cwd();
  const regridded = values.workload !== undefined || values.mode !== undefined || values.param !== undefined;
  try {
    return { study: parseStudy(raw, where), baseDir };
  } catch (e) {
    // A finding names cells of the file's grid; with another grid it may name none: run without it.
    const onlyFinding = e instanceof StudyError && e.issues.length > 0 && e.issues.every((i) => i.path.startsWith('/finding/'));
    if (!onlyFinding || !regridded || raw.finding === undefined) throw e;
    delete raw.finding;
    const why = (e as StudyError).issues.map((i) => `  ${i.path}: ${i.message}\n`).join('');
    process.stderr.write(`vmmlab: warning: the study's finding does not fit the grid changed on the command line; it is not checked:\n${why}`);
    return { study: parseStudy(raw, where), baseDir };
  }
}

/** `--mode LIST` and `--param NAME=LIST`, each value checked and converted (`--param tlbEntries=64` is the number 64). */
function gridFromFlags(values: StudyFlags): Record<string, ParamValue[]> {
  const grid: Record<string, ParamValue[]> = {};
  if (values.mode !== undefined) grid.mode = flagList('mode', values.mode, `--mode ${values.mode}`);
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    const key = p.slice(0, Math.max(eq, 0));
    if (eq <= 0 || !GRID_KEYS.includes(key) || key === 'mode') {
      const hint = eq > 0 ? closestName(key, GRID_KEYS) : undefined;
      throw new CliError(`--param takes NAME=V,V… with NAME a parameter (got '${p}'${hint ? `; did you mean '${hint}'?` : ''}); see vmmlab exp --help`);
    }
    if (grid[key]) throw new CliError(`--param ${key} is given twice`);
    grid[key] = flagList(key, p.slice(eq + 1), `--param ${p}`);
  }
  return grid;
}

function flagList(key: string, text: string, flag: string): ParamValue[] {
  const items = text.split(',').map((v) => v.trim());
  const values = items.map((v) => {
    try {
      return checkValue(key, v, flag);
    } catch (e) {
      if (e instanceof StudyError) throw new CliError(e.message);
      throw e;
    }
  });
  const twice = items.find((v, i) => items.indexOf(v) !== i);
  if (twice !== undefined) throw new CliError(`${flag}: '${twice}' is listed twice`);
  return values;
}

function memoryFlag(text: string): number {
  try {
    return parseMemory(text, '--memory');
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(`--memory ${STUDY_MEMORY_PHRASE} (got '${text}')`);
    throw e;
  }
}

export function boundedCount(name: string, text: string, min: number, max: number): number {
  const value = parseCount(name, text, min, min);
  if (value > max) throw new CliError(`--${name} takes a whole number from ${min} to ${max} (got '${text}')`);
  return value;
}

/** `--set KEY=VALUE`s as a study's profile overrides, each checked against the profile's keys. */
function costsFromFlags(settings: readonly string[]): Record<string, number> {
  const costs: Record<string, number> = {};
  for (const s of settings) {
    try {
      applySettings(DEFAULT_PROFILE, [s]);
    } catch (e) {
      if (e instanceof ProfileError) throw new CliError(e.message.startsWith('--set') ? e.message : `--set '${s}': ${e.message}`);
      throw e;
    }
    const [key, value] = s.trim().split('=') as [string, string];
    costs[key] = Number(value);
  }
  return costs;
}

/** `--workload '[NAME=]PROG.s[:ARGS] PROG.s…'`. */
function parseWorkloadFlag(text: string): { name?: string; modules: string[] } {
  const named = /^([A-Za-z_][\w.+]*)=(.*)$/s.exec(text.trim());
  const modules = (named ? named[2]! : text).trim().split(/\s+/).filter(Boolean);
  if (modules.length === 0) throw new CliError(`--workload '${text}': no modules`);
  return named ? { name: named[1]!, modules } : { modules };
}

export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  // More shards than a study can have cells is a typo, not a plan.
  if (!shard || shard.index < 1 || shard.index > shard.count || shard.count > MAX_STUDY_CELLS) {
    throw new CliError(`--shard takes I/N with 1 <= I <= N <= ${MAX_STUDY_CELLS} (got '${text}')`);
  }
  return shard;
}

