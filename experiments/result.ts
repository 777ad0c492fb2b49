// A study's result: the cells that ran, in cell order, with the study, the exact machine profile
// and the vmmlab version, so that anyone can run it again; and the finding, evaluated once every
// cell is there. The same object comes from a run on Node (runner.ts), from a web page's workers
// (in-memory.ts) and from merged shards (shards.ts), and `--json` writes it (resultJson).
//
// Platform-neutral: nothing here runs a cell, reads a file or measures time.

import packageJson from '../package.json' with { type: 'json' };
import type { MachineProfile } from '../emulator/profile.ts';
import type { CellResult } from './run-cell.ts';
import { evaluateFinding, type FindingOutcome } from './finding.ts';
import { StudyError } from './params.ts';
import { baselineOf, studyProfile, type Cell, type Study } from './plan.ts';

/** The version of vmmlab (package.json, read when the code is bundled or loaded) that wrote a result. */
export const VMMLAB_VERSION: string = packageJson.version;

/** Bumped when the result file's shape changes. */
export const RESULT_FORMAT = 1;

export interface Shard {
  /** 1-based: shard I of N runs the cells whose index i has i % N === I - 1. */
  readonly index: number;
  readonly count: number;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface StudyResult {
  readonly vmmlab: { readonly version: string; readonly format: number };
  readonly study: Study;
  /** The machine profile every cell started from (cells sweeping exitLatency change two costs). */
  readonly profile: MachineProfile;
  readonly totalCells: number;
  /** Present in one shard's partial result. */
  readonly shard?: Shard;
  /** In cell-index order. */
  readonly cells: readonly CellResult[];
  /** Evaluated when every cell is present. */
  readonly finding?: FindingOutcome;
  /** Wall-clock times: the only part of a result that differs between runs. */
  readonly timing: StudyTiming;
}

export interface StudyTiming {
  readonly wallMs: number;
  readonly jobs: number;
  /** Each cell's run time, by cell index. */
  readonly cellMs: Readonly<Record<string, number>>;
}

export function shardCells(cells: readonly Cell[], shard: Shard | undefined): Cell[] {
  if (!shard) return [...cells];
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new StudyError(`a shard is I/N with 1 <= I <= N (got ${shard.index}/${shard.count})`);
  }
  return cells.filter((c) => c.index % shard.count === shard.index - 1);
}

/** The result object for some cells of a study; the finding is evaluated when all are there. */
export function assembleResult(study: Study, totalCells: number, cells: readonly CellResult[], shard: Shard | undefined,
  timing: StudyResult['timing'], version = VMMLAB_VERSION): StudyResult {
  const sorted = [...cells].sort((a, b) => a.index - b.index);
  const complete = sorted.length === totalCells;
  const finding = study.finding && complete ? evaluateStudyFinding(study, sorted) : undefined;
  return {
    vmmlab: { version, format: RESULT_FORMAT },
    study,
    profile: studyProfile(study),
    totalCells,
    ...(shard ? { shard } : {}),
    cells: sorted,
    ...(finding ? { finding } : {}),
    timing,
  };
}

export function evaluateStudyFinding(study: Study, cells: readonly CellResult[]): FindingOutcome | undefined {
  if (!study.finding) return undefined;
  return evaluateFinding(study.finding, cells, study.workloads.map((w) => w.name), (c) => nativeCycles(c, cells));
}

/** The cycles of a cell's native baseline (undefined without one in the grid). */
export function nativeCycles(cell: CellResult, cells: readonly CellResult[]): number | undefined {
  const base = baselineOf(cell, cells) as CellResult | undefined;
  return base ? ((base.stats.cycles as { total: number }).total) : undefined;
}

/** The result file `--json` writes. */
export function resultJson(result: StudyResult): string {
  return JSON.stringify(result, null, 1) + '\n';
}
