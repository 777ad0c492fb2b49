// An experiment worker thread: run the cells the main thread posts, one at a time, and post each
// result back with how long it took. A StudyError (a module that does not assemble, say) goes back
// as a message; the main thread decides what to do with it.

import { parentPort } from 'node:worker_threads';
import { runCell, type CellJob, type CellResult } from './cell.ts';
import { StudyError } from './params.ts';

export type ToWorker = { kind: 'cell'; job: CellJob };
export type FromWorker =
  | { kind: 'result'; result: CellResult; ms: number }
  | { kind: 'error'; index: number; message: string; studyError: boolean };

export function serveCells(): void {
  const port = parentPort;
  if (!port) throw new Error('serveCells runs in a worker thread');
  port.on('message', (message: ToWorker) => {
    const started = performance.now();
    let reply: FromWorker;
    try {
      reply = { kind: 'result', result: runCell(message.job), ms: performance.now() - started };
    } catch (e) {
      reply = { kind: 'error', index: message.job.cell.index, message: (e as Error).message, studyError: e instanceof StudyError };
    }
    port.postMessage(reply);
  });
}
