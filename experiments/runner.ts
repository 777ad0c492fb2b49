// Running a study: expand the grid, pick this shard's cells, run them (inline with one job, else
// on a pool of worker threads), and put the results in cell order, so the output is the same for
// any number of jobs. The result carries the study, the exact machine profile and the vmmlab
// version, so that anyone can run it again.
//
// The workers start once per run and each serves cells until the run ends. From the build they
// start dist/worker.js, plain JavaScript beside this code; from the TypeScript sources (vitest,
// tsx) worker-boot.mjs, which registers tsx in its thread first and costs a second or so more.
//
// Node only (worker threads, the cores, the working directory, files from disk): the result it
// makes, and what a browser needs to run cells itself, are platform-neutral (result.ts,
// run-cell.ts, in-memory.ts). Their names are re-exported here, where the library and the CLI
// have always imported them.

import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Engine } from '../emulator/cpu.ts';
import { NODE_STUDY_FILES } from '../node/experiments.ts';
import { loadCellPager } from '../node/pager-loader.ts';
import { runCell, type CellJob, type CellPager, type CellResult } from './cell.ts';
import { heldImages } from './images.ts';
import { StudyError } from './params.ts';
import { expandCells, type Study, type StudySource } from './plan.ts';
import { assembleResult, shardCells, type Progress, type Shard, type StudyResult } from './result.ts';
import { workloadImages } from './run-cell.ts';
import { WORKER_DATA, type FromWorker, type ToWorker } from './worker.ts';

export { assembleResult, evaluateStudyFinding, nativeCycles, RESULT_FORMAT, shardCells, VMMLAB_VERSION } from './result.ts';
export type { Progress, Shard, StudyResult, StudyTiming } from './result.ts';

export interface RunOptions {
  /** Worker threads (default: the number of cores); 1 runs the cells in this thread. */
  readonly jobs?: number;
  readonly shard?: Shard;
  readonly onProgress?: (p: Progress) => void;
  /** Aborting stops the workers; runStudy then rejects. */
  readonly signal?: AbortSignal;
  /** Attach the TLB-rule checker to every cell (its findings land in each cell's `tlbRules`). */
  readonly checkTlbRules?: boolean;
  /**
   * Directories the sources' `.include`s are searched in after their own (like cc -I), before
   * the bundled guest-programs/lib and guest-programs/user, which are always searched.
   */
  readonly includeDirs?: readonly string[];
  /**
   * A pager of one's own (`exp --pager`): the cells of its mode run under it instead of the
   * built-in pager (every thread loads the module from its file).
   */
  readonly pager?: CellPager;
  /** The CPU engine of every cell (`exp --engine`; default the process's). The results are the same on either. */
  readonly engine?: Engine;
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Run a study (from loadStudy, or a parsed Study whose relative paths start at the working directory). */
export async function runStudy(input: Study | StudySource, options: RunOptions = {}): Promise<StudyResult> {
  const { study, baseDir } = 'study' in input ? input : { study: input, baseDir: process.cwd() };
  const all = expandCells(study);
  const mine = shardCells(all, options.shard);
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(), mine.length));
  // The worker threads start first and load while this thread assembles the images (they are
  // then handed the images, not left to assemble them again).
  const threads = jobs === 1 ? undefined : startThreads(jobs);
  try {
    // Missing files and assembly errors show here once, before any cell runs.
    const includeDirs = options.includeDirs ?? [];
    for (const w of study.workloads) workloadImages(NODE_STUDY_FILES, study, baseDir, w, includeDirs);
    const started = performance.now();
    const cellMs: Record<string, number> = {};
    const report = (done: number) => options.onProgress?.({ done, total: mine.length, elapsedMs: performance.now() - started });
    const jobsOf = mine.map((cell): CellJob => ({
      study, baseDir, cell, ...(options.checkTlbRules ? { checkTlbRules: true } : {}), ...(includeDirs.length > 0 ? { includeDirs } : {}),
      ...(options.pager ? { pager: options.pager } : {}), ...(options.engine ? { engine: options.engine } : {}),
    }));
    const results = threads ? await runPool(threads, jobsOf, cellMs, report, options.signal) : await runInline(jobsOf, cellMs, report, options.signal);
    return assembleResult(study, all.length, results, options.shard, { wallMs: performance.now() - started, jobs, cellMs });
  } finally {
    for (const w of threads?.workers ?? []) void w.terminate();
  }
}

/** One job: the cells one after the other in this thread, yielding to the event loop between them (Ctrl-C, progress). */
async function runInline(jobs: readonly CellJob[], cellMs: Record<string, number>, report: (done: number) => void, signal?: AbortSignal): Promise<CellResult[]> {
  const results: CellResult[] = [];
  report(0);
  for (const job of jobs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new StudyError('interrupted');
    const pager = job.pager ? await loadCellPager(job.pager) : undefined;
    const t = performance.now();
    results.push(runCell(job, pager));
    cellMs[job.cell.index] = Math.round(performance.now() - t);
    report(results.length);
  }
  return results;
}

function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new Worker(new URL('./worker-boot.mjs', here), { workerData: { ...WORKER_DATA, entry: new URL('./worker.ts', here).href } });
  }
  return new Worker(new URL('./worker.js', here), { workerData: WORKER_DATA });
}

/** Worker threads started ahead of runPool, and the first failure one of them reported meanwhile. */
interface Threads {
  readonly workers: readonly Worker[];
  failure?: Error;
}

function startThreads(count: number): Threads {
  const threads: { workers: Worker[]; failure?: Error } = { workers: [] };
  for (let i = 0; i < count; i++) {
    const worker = startWorker();
    // Until runPool listens (an 'error' event nobody listens to would end the process).
    worker.on('error', (e) => { threads.failure ??= e; });
    worker.on('exit', (code) => { threads.failure ??= new Error(`an experiment worker stopped (exit code ${code})`); });
    threads.workers.push(worker);
  }
  return threads;
}

/** The cells on the threads, each given the next cell as it finishes one; terminates them at the end. */
function runPool(threads: Threads, jobs: readonly CellJob[], cellMs: Record<string, number>, report: (done: number) => void,
  signal?: AbortSignal): Promise<CellResult[]> {
  return new Promise((resolve, reject) => {
    const results: CellResult[] = [];
    const { workers } = threads;
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
    const images: ToWorker = { kind: 'images', images: heldImages(NODE_STUDY_FILES) };
    for (const worker of workers) {
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
      worker.postMessage(images);
      feed(worker);
    }
    if (threads.failure) finish(threads.failure);
    if (signal?.aborted) onAbort();
  });
}
