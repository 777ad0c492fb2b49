// The entry of an experiment worker thread when vmmlab runs from its TypeScript sources (vitest,
// tsx): register tsx's loader in this thread, then load worker.ts, which starts serving. (The
// build needs no loader: its threads start dist/worker.js; see runner.ts.) Plain JavaScript, so a
// thread can start it without flags from any working directory.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
