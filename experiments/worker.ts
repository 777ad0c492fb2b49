// An experiment worker thread: run the cells the main thread posts, one at a time, and post each
// result back with how long it took. A StudyError (a module that does not assemble, say) goes back
// as a message; the main thread decides what to do with it.
//
// This module is the thread's entry: dist/worker.js is its build, and worker-boot.mjs imports it
// when running from the sources. It serves only in a thread that runner.ts started (WORKER_DATA),
// so loading the library in a worker thread of one's own starts nothing.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Image } from '../isa/image.ts';
import { runCell, type CellJob, type CellResult } from './cell.ts';
import { adoptImages } from './images.ts';
import { NODE_STUDY_FILES } from '../node/experiments.ts';
import { loadCellPager } from '../node/pager-loader.ts';
import { StudyError } from './params.ts';

export type ToWorker =
  /** First: the images the main thread assembled (imageOf's cache), so that this thread need not. */
  | { kind: 'images'; images: [string, Image][] }
  | { kind: 'cell'; job: CellJob };
export type FromWorker =
  | { kind: 'result'; result: CellResult; ms: number }
  | { kind: 'error'; index: number; message: string; studyError: boolean };

/** The workerData that marks a thread as an experiment worker. */
export const WORKER_DATA = { vmmlabExpWorker: true } as const;

export function serveCells(): void {
  const port = parentPort;
  if (!port) throw new Error('serveCells runs in a worker thread');
  port.on('message', async (message: ToWorker) => {
    if (message.kind === 'images') {
      adoptImages(NODE_STUDY_FILES, message.images);
      return;
    }
    let reply: FromWorker;
    try {
      // A pager of one's own is loaded by each thread from its file (the first cell waits for it).
      const pager = message.job.pager ? await loadCellPager(message.job.pager) : undefined;
      const started = performance.now();
      reply = { kind: 'result', result: runCell(message.job, pager), ms: performance.now() - started };
    } catch (e) {
      reply = { kind: 'error', index: message.job.cell.index, message: (e as Error).message, studyError: e instanceof StudyError };
    }
    port.postMessage(reply);
  });
}

if (!isMainThread && (workerData as { vmmlabExpWorker?: unknown } | null)?.vmmlabExpWorker === true) serveCells();
