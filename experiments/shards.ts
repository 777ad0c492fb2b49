// Combining the partial results of shards (`vmmlab exp STUDY --shard I/N --json part-I.json`, run
// anywhere) into the result one run would have given: the same study, profile and version, every
// cell once, in cell order, and the finding evaluated. Only `timing` tells them apart.
//
// It refuses files that are not results (each problem at its JSON path), parts of different
// studies, profiles or vmmlab versions, parts of different splits (1/2 with 1/3), a shard given
// twice, and cells that disagree. Which shards are missing it reports; refusing a merge that lacks
// them is the caller's choice (`exp merge` does unless --partial).
//
// Platform-neutral: a result comes in as text (parseResult) or as an object; reading result files
// from disk is node/experiments.ts's (readResult).

import { inDocumentOrder, invalid, pointer, type Issue } from '../config/issues.ts';
import { schemaIssues } from '../config/schema-issues.ts';
import { parseJson } from '../config/parse-json.ts';
import { ResultFileSchema } from '../config/result-schema.ts';
import type { CellResult } from './run-cell.ts';
import { StudyError } from './params.ts';
import { assembleResult, RESULT_FORMAT, type Shard, type StudyResult } from './result.ts';
import { expandCells, parseStudy, type Cell } from './plan.ts';

/** A result file's text as `--json` writes it (a whole run or one shard), checked against its own study; `where` names it in errors. */
export function parseResult(text: string, where: string): StudyResult {
  const json = parseJson(text);
  if (!json.ok) throw invalid(StudyError, where, json.issues);
  const issues = resultIssues(json.value);
  if (issues.length > 0) throw invalid(StudyError, where, inDocumentOrder(issues, json.value));
  return json.value as StudyResult;
}

/** What is wrong with a value read as a result file: first whether it is one at all. */
function resultIssues(raw: unknown): Issue[] {
  const r = raw as Partial<Record<keyof StudyResult, unknown>> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r) || r.vmmlab === undefined) {
    const study = r !== null && typeof r === 'object' && 'workloads' in r;
    return [{ path: '', message: `not a result of vmmlab exp --json${study ? ' (it looks like a study: run it with vmmlab exp)' : ''}` }];
  }
  const format = r.vmmlab !== null && typeof r.vmmlab === 'object' ? (r.vmmlab as { format?: unknown }).format : undefined;
  if (format !== RESULT_FORMAT) return [{ path: '/vmmlab/format', message: `result format ${JSON.stringify(format)}; this vmmlab reads format ${RESULT_FORMAT}` }];
  const issues = schemaIssues(ResultFileSchema, raw);
  if (issues.some((i) => i.path === '/study' || i.path === '')) return issues;
  try {
    const study = parseStudy(r.study, 'study');
    // The cells are compared with the study's only when every one has the right shape.
    return issues.length > 0 ? issues : cellIssues(raw as StudyResult, expandCells(study));
  } catch (e) {
    if (!(e instanceof StudyError)) throw e;
    return [...issues, ...e.issues.map((i) => ({ ...i, path: `/study${i.path}` }))];
  }
}

/** Cells must be the study's own (same workload, mode, parameters and repetition at that index), each once, all of this shard. */
function cellIssues(result: StudyResult, cells: readonly Cell[]): Issue[] {
  const issues: Issue[] = [];
  if (result.totalCells !== cells.length) issues.push({ path: '/totalCells', message: `the study has ${cells.length} cells (got ${result.totalCells})` });
  const shard = result.shard;
  if (shard && shard.index > shard.count) issues.push({ path: '/shard', message: `shard ${shard.index}/${shard.count} does not exist (I/N needs I <= N)` });
  const seen = new Set<number>();
  result.cells.forEach((c, i) => {
    const at = pointer('/cells', i);
    const own = cells[c.index];
    if (!own) issues.push({ path: `${at}/index`, message: `the study has no cell ${c.index} (it has ${cells.length})` });
    else if (own.workload !== c.workload || own.mode !== c.mode || own.rep !== c.rep || !sameData(own.params, c.params)) {
      issues.push({ path: at, message: `cell ${c.index} is not the study's cell ${c.index} (${own.workload}, ${own.mode}, ${JSON.stringify(own.params)}, rep ${own.rep})` });
    }
    if (seen.has(c.index)) issues.push({ path: `${at}/index`, message: `cell ${c.index} appears twice` });
    seen.add(c.index);
    if (shard && shard.count > 0 && c.index % shard.count !== shard.index - 1) issues.push({ path: `${at}/index`, message: `cell ${c.index} is not one of shard ${shard.index}/${shard.count}` });
  });
  return issues;
}

export interface MergeOutcome {
  readonly result: StudyResult;
  /** Indexes of cells no part had (the merge is then partial). */
  readonly missing: number[];
  /** The N of the parts' I/N split (1: whole runs), and the shards (the I of I/N) no part was. */
  readonly split: number;
  readonly missingShards: number[];
}

const shardName = (s: Shard) => (s.count === 1 ? 'a whole run' : `shard ${s.index}/${s.count}`);

export function mergeResults(parts: readonly StudyResult[], names: readonly string[] = parts.map((_, i) => `part ${i + 1}`)): MergeOutcome {
  if (parts.length === 0) throw new StudyError('nothing to merge');
  const first = parts[0]!;
  parts.forEach((p, i) => {
    const clash = (what: string) => new StudyError(`${names[i]} and ${names[0]} are results of different ${what}`);
    if (!sameData(p.study, first.study)) throw clash('studies');
    if (!sameData(p.profile, first.profile)) throw clash('machine profiles');
    if (p.vmmlab.version !== first.vmmlab.version) throw clash(`vmmlab versions (${p.vmmlab.version}, ${first.vmmlab.version})`);
    if (p.totalCells !== first.totalCells) throw clash('grids');
  });
  const { split, missingShards } = checkShards(parts, names);
  const study = parseStudy(first.study, names[0]);
  const byIndex = new Map<number, CellResult>();
  parts.forEach((p, i) => {
    for (const cell of p.cells) {
      const seen = byIndex.get(cell.index);
      if (seen && !sameData(seen, cell)) throw new StudyError(`cell ${cell.index} differs between two parts (${names[i]})`);
      byIndex.set(cell.index, cell);
    }
  });
  const missing: number[] = [];
  for (let i = 0; i < first.totalCells; i++) if (!byIndex.has(i)) missing.push(i);
  const cellMs = Object.assign({}, ...parts.map((p) => p.timing?.cellMs ?? {})) as Record<string, number>;
  const timing = {
    wallMs: Math.max(...parts.map((p) => p.timing?.wallMs ?? 0)),
    jobs: parts.reduce((n, p) => n + (p.timing?.jobs ?? 0), 0),
    cellMs,
  };
  // The parts' version, which may not be the merging vmmlab's.
  return { result: assembleResult(study, first.totalCells, [...byIndex.values()], undefined, timing, first.vmmlab.version), missing, split, missingShards };
}

/**
 * The parts must be shards of one split (all I/N with the same N; a whole run counts as 1/1),
 * each at most once. Returns the shards of that split that no part is.
 */
function checkShards(parts: readonly StudyResult[], names: readonly string[]): { split: number; missingShards: number[] } {
  const shards = parts.map((p) => p.shard ?? { index: 1, count: 1 });
  const split = shards[0]!.count;
  const byIndex = new Map<number, string>();
  shards.forEach((s, i) => {
    if (s.count !== split) {
      throw new StudyError(`${names[i]} is ${shardName(s)} but ${names[0]} is ${shardName(shards[0]!)}: the parts of a merge come from one --shard I/N split`);
    }
    const twice = byIndex.get(s.index);
    if (twice !== undefined) throw new StudyError(`${twice} and ${names[i]} are both ${shardName(s)}: give each shard once`);
    byIndex.set(s.index, names[i]!);
  });
  const missingShards: number[] = [];
  for (let i = 1; i <= split; i++) if (!byIndex.has(i)) missingShards.push(i);
  return { split, missingShards };
}

/**
 * Whether two values of a result (JSON data: parsed files, or objects a run made) are equal, as
 * util.isDeepStrictEqual decides for such data: primitives by Object.is, arrays and plain objects
 * by their own keys in any order, recursively.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && sameData(x[k], y[k]));
}
