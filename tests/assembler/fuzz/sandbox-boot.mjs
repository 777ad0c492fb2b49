// The entry of the assembler sandbox's worker thread (sandbox.ts): register tsx's loader in this
// thread, then load sandbox-worker.ts, which starts serving. Plain JavaScript, so that a thread
// can start it without flags (the same arrangement as experiments/worker-boot.mjs).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
