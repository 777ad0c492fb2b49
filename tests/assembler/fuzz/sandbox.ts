// An assembler in a worker thread, for inputs that might hang it or eat memory (fuzz.test.ts,
// limits.test.ts). The assembler is synchronous: run in the test's own thread, a hang would hang
// vitest too, since no timeout can interrupt it. Here each request has a deadline; a worker that
// misses it, or dies of its heap cap, is terminated and replaced, and the request is answered
// with what went wrong instead of a result.

import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../../assembler/index.ts';

export interface SandboxStart {
  readonly entry: string;
  /** Files `.include` can read, by absolute path. */
  readonly files: Readonly<Record<string, string>>;
}

export interface SandboxRequest {
  readonly id: number;
  readonly source: string;
  readonly file: string;
  /** More files for this request only (a mutated include). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface SandboxReply {
  readonly id: number;
  readonly elapsedMs: number;
  /** Bytes in the image's segments; undefined when there was no image. */
  readonly imageBytes: number | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export type SandboxOutcome =
  | ({ readonly kind: 'done' } & SandboxReply)
  | { readonly kind: 'timeout'; readonly elapsedMs: number }
  | { readonly kind: 'crashed'; readonly elapsedMs: number; readonly error: string };

export interface SandboxOptions {
  readonly files?: Readonly<Record<string, string>>;
  /** The worker's heap cap: an input that needs more is reported as crashed (out of memory). */
  readonly heapLimitMb?: number;
}

export class AssemblerSandbox {
  private worker: Promise<Worker> | undefined;
  private nextId = 1;

  constructor(private readonly options: SandboxOptions = {}) {}

  /**
   * Assemble `source` as `file`; gives up after `deadlineMs` (and replaces the worker). The
   * deadline starts when the worker is ready: starting one (tsx compiling the assembler) takes a
   * second or so and is not the assembler's time.
   */
  async run(source: string, file: string, deadlineMs: number, files?: Readonly<Record<string, string>>): Promise<SandboxOutcome> {
    const ready = this.start();
    const worker = await ready;
    const id = this.nextId++;
    const startedMs = performance.now();
    return new Promise((resolve) => {
      const finish = (outcome: SandboxOutcome): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(outcome);
      };
      const discard = (): void => {
        if (this.worker === ready) this.worker = undefined;
        void worker.terminate();
      };
      const onMessage = (reply: SandboxReply): void => {
        if (reply.id === id) finish({ kind: 'done', ...reply });
      };
      const onError = (error: Error): void => {
        discard();
        finish({ kind: 'crashed', elapsedMs: performance.now() - startedMs, error: `${error.name}: ${error.message}` });
      };
      const onExit = (code: number): void => {
        discard();
        finish({ kind: 'crashed', elapsedMs: performance.now() - startedMs, error: `worker exited with code ${code}` });
      };
      const timer = setTimeout(() => {
        discard();
        finish({ kind: 'timeout', elapsedMs: performance.now() - startedMs });
      }, deadlineMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      const request: SandboxRequest = { id, source, file, ...(files ? { files } : {}) };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const ready = this.worker;
    this.worker = undefined;
    if (ready) await (await ready).terminate();
  }

  private start(): Promise<Worker> {
    if (this.worker) return this.worker;
    const workerData: SandboxStart = { entry: new URL('./sandbox-worker.ts', import.meta.url).href, files: this.options.files ?? {} };
    const worker = new Worker(new URL('./sandbox-boot.mjs', import.meta.url), {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapLimitMb ?? 512 },
    });
    this.worker = new Promise((resolve, reject) => {
      worker.once('message', () => resolve(worker)); // the worker's first message says it is ready
      worker.once('error', reject);
    });
    return this.worker;
  }
}
