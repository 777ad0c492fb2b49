// Combining the partial results of shards (`vmmlab exp STUDY --shard I/N --json part-I.json`, run
// anywhere) into the result one run would have given: the same study, profile and version, every
// cell once, in cell order, and the finding evaluated. Only `timing` tells them apart.
//
// It refuses parts of different studies, profiles or vmmlab versions, and cells that disagree.

import * as fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { CellResult } from './cell.ts';
import { StudyError } from './params.ts';
import { assembleResult, RESULT_FORMAT, type StudyResult } from './runner.ts';
import { parseStudy } from './study.ts';

/** Read a result file written by `--json` (a whole run or one shard). */
export function readResult(file: string): StudyResult {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StudyError(`cannot read result '${file}': ${(e as Error).message}`);
  }
  const r = raw as Partial<StudyResult>;
  if (!r || typeof r !== 'object' || !r.vmmlab || !r.study || !Array.isArray(r.cells) || typeof r.totalCells !== 'number') {
    throw new StudyError(`${file}: not a vmmlab exp result (written by --json)`);
  }
  if (r.vmmlab.format !== RESULT_FORMAT) throw new StudyError(`${file}: result format ${r.vmmlab.format}, this vmmlab reads ${RESULT_FORMAT}`);
  return r as StudyResult;
}

export interface MergeOutcome {
  readonly result: StudyResult;
  /** Indexes of cells no part had (the merge is then partial). */
  readonly missing: number[];
}

export function mergeResults(parts: readonly StudyResult[], names: readonly string[] = parts.map((_, i) => `part ${i + 1}`)): MergeOutcome {
  if (parts.length === 0) throw new StudyError('nothing to merge');
  const first = parts[0]!;
  parts.forEach((p, i) => {
    const clash = (what: string) => new StudyError(`${names[i]} and ${names[0]} are results of different ${what}`);
    if (!isDeepStrictEqual(p.study, first.study)) throw clash('studies');
    if (!isDeepStrictEqual(p.profile, first.profile)) throw clash('machine profiles');
    if (p.vmmlab.version !== first.vmmlab.version) throw clash(`vmmlab versions (${p.vmmlab.version}, ${first.vmmlab.version})`);
    if (p.totalCells !== first.totalCells) throw clash('grids');
  });
  const study = parseStudy(first.study, names[0]);
  const byIndex = new Map<number, CellResult>();
  parts.forEach((p, i) => {
    for (const cell of p.cells) {
      const seen = byIndex.get(cell.index);
      if (seen && !isDeepStrictEqual(seen, cell)) throw new StudyError(`cell ${cell.index} differs between two parts (${names[i]})`);
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
  return { result: assembleResult(study, first.totalCells, [...byIndex.values()], undefined, timing, first.vmmlab.version), missing };
}
