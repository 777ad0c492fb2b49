// Running a study: expand the grid, pick this shard's cells, run them (inline with one job, else
// on a pool of worker threads), and put the results in cell order, so the output is the same for
// any number of jobs. The result carries the study, the exact machine profile and the vmmlab
// version, so that anyone can run it again.
//
// Workers run TypeScript: from the sources a worker starts worker-boot.mjs, which registers tsx
// in its thread; from the esbuild bundle (dist/vmmlab.js) the bundle is its own worker entry.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import type { MachineProfile } from '../emulator/profile.ts';
import { runCell, workloadImages, type CellJob, type CellResult } from './cell.ts';
import { evaluateFinding, type FindingOutcome } from './finding.ts';
import { StudyError } from './params.ts';
import { baselineOf, expandCells, studyProfile, type Cell, type Study, type StudySource } from './study.ts';
import { serveCells, type FromWorker, type ToWorker } from './worker.ts';

/** The version of vmmlab (package.json) that wrote a result. */
export const VMMLAB_VERSION: string = (() => {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

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

export interface RunOptions {
  /** Worker threads (default: the number of cores); 1 runs the cells in this thread. */
  readonly jobs?: number;
  readonly shard?: Shard;
  readonly onProgress?: (p: Progress) => void;
  /** Aborting stops the workers; runStudy then rejects. */
  readonly signal?: AbortSignal;
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
  readonly timing: { readonly wallMs: number; readonly jobs: number; readonly cellMs: Readonly<Record<string, number>> };
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export function shardCells(cells: readonly Cell[], shard: Shard | undefined): Cell[] {
  if (!shard) return [...cells];
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new StudyError(`a shard is I/N with 1 <= I <= N (got ${shard.index}/${shard.count})`);
  }
  return cells.filter((c) => c.index % shard.count === shard.index - 1);
}

/** Run a study (from loadStudy, or a parsed Study whose relative paths start at the working directory). */
export async function runStudy(input: Study | StudySource, options: RunOptions = {}): Promise<StudyResult> {
  const { study, baseDir } = 'study' in input ? input : { study: input, baseDir: process.cwd() };
  const all = expandCells(study);
  const mine = shardCells(all, options.shard);
  // Missing files and assembly errors show here once, before any worker starts.
  for (const w of study.workloads) workloadImages(study, baseDir, w);
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(), mine.length));
  const started = performance.now();
  const cellMs: Record<string, number> = {};
  const report = (done: number) => options.onProgress?.({ done, total: mine.length, elapsedMs: performance.now() - started });
  const jobsOf = mine.map((cell): CellJob => ({ study, baseDir, cell }));
  const results = jobs === 1 ? await runInline(jobsOf, cellMs, report, options.signal) : await runPool(jobsOf, jobs, cellMs, report, options.signal);
  return assembleResult(study, all.length, results, options.shard, { wallMs: performance.now() - started, jobs, cellMs });
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

/** One job: the cells one after the other in this thread, yielding to the event loop between them (Ctrl-C, progress). */
async function runInline(jobs: readonly CellJob[], cellMs: Record<string, number>, report: (done: number) => void, signal?: AbortSignal): Promise<CellResult[]> {
  const results: CellResult[] = [];
  report(0);
  for (const job of jobs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new StudyError('interrupted');
    const t = performance.now();
    results.push(runCell(job));
    cellMs[job.cell.index] = Math.round(performance.now() - t);
    report(results.length);
  }
  return results;
}

function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new Worker(new URL('./worker-boot.mjs', here), { workerData: { entry: new URL('./worker.ts', here).href } });
  }
  return new Worker(new URL(here), { workerData: { vmmlabExpWorker: true } });
}

function runPool(jobs: readonly CellJob[], threads: number, cellMs: Record<string, number>, report: (done: number) => void,
  signal?: AbortSignal): Promise<CellResult[]> {
  return new Promise((resolve, reject) => {
    const results: CellResult[] = [];
    const workers: Worker[] = [];
    let next = 0;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve(results);
    };
    const onAbort = () => finish(new StudyError('interrupted'));
    signal?.addEventListener('abort', onAbort);
    const feed = (worker: Worker) => {
      if (next < jobs.length) worker.postMessage({ kind: 'cell', job: jobs[next++]! } satisfies ToWorker);
    };
    report(0);
    for (let i = 0; i < threads; i++) {
      const worker = startWorker();
      workers.push(worker);
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'error') {
          finish(m.studyError ? new StudyError(m.message) : new Error(`cell ${m.index}: ${m.message}`));
          return;
        }
        results.push(m.result);
        cellMs[m.result.index] = Math.round(m.ms);
        report(results.length);
        if (results.length === jobs.length) finish();
        else feed(worker);
      });
      worker.on('error', (e) => finish(e));
      worker.on('exit', (code) => {
        if (!finished) finish(new Error(`an experiment worker stopped (exit code ${code})`));
      });
      feed(worker);
    }
    if (signal?.aborted) onAbort();
  });
}

// The esbuild bundle starts its workers on itself: this is where such a thread begins serving.
if (!isMainThread && (workerData as { vmmlabExpWorker?: boolean } | null)?.vmmlabExpWorker === true) serveCells();
