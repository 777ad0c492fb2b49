// The worker side of the assembler sandbox (sandbox.ts): assemble each source it is sent, with
// includes read from the files it was started with (plus the request's own), and answer with
// the diagnostics, whether there was an image, and how long it took. It must never read the
// disk: a mutated `.include` can name anything.

import { parentPort, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import { assemble } from '../../../node/files.ts';
import type { SandboxReply, SandboxRequest, SandboxStart } from './sandbox.ts';

const start = workerData as SandboxStart;
const baseFiles = new Map(Object.entries(start.files));

parentPort!.on('message', (request: SandboxRequest) => {
  const files = new Map([...baseFiles, ...Object.entries(request.files ?? {})]);
  const readFile = (p: string): string => {
    const text = files.get(path.resolve(p));
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file '${p}'`), { code: 'ENOENT' });
    return text;
  };
  const startedMs = performance.now();
  const result = assemble(request.source, { file: request.file, readFile });
  const elapsedMs = performance.now() - startedMs;
  const reply: SandboxReply = {
    id: request.id,
    elapsedMs,
    imageBytes: result.image ? result.image.segments.reduce((sum, s) => sum + s.bytes.length, 0) : undefined,
    // A diagnostic quotes its source line: a 100,000-character line times 1,000 errors would be a
    // message of 100 MB, so long lines travel cut (the check compares them cut the same way).
    diagnostics: result.diagnostics.map((d) => ({ ...d, sourceLine: cut(d.sourceLine) })),
  };
  parentPort!.postMessage(reply);
});

parentPort!.postMessage('ready');

function cut(text: string): string {
  return text.length <= 1000 ? text : text.slice(0, 1000);
}
