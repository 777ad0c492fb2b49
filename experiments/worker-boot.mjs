// The entry of an experiment worker thread when vmmlab runs from its TypeScript sources: register
// tsx's loader in this thread, then serve cells from worker.ts. (The esbuild bundle needs no
// loader: it starts its workers on itself; see runner.ts.) Plain JavaScript, so a thread can start
// it without flags from any working directory.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveCells } = await import(workerData.entry);
serveCells();
