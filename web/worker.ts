// The playground's emulator worker: the postMessage edge of web/playground.ts. Requests run one
// at a time, in order; a pause message is handled at once (it interrupts the running command at
// its next slice boundary, and that command replies). Guest console output is sent as it comes.

import { GUEST_FILES } from './guest-files.ts';
import { Playground, PlaygroundError } from './playground.ts';
import type { BenchResult, FromWorker, Request, ToWorker } from './protocol.ts';
import { benchAluLoop } from './bench-guest.ts';
import { ConfigError, finishStudy, mapFileSource, planStudy, runPlannedCell } from '../experiments/in-memory.ts';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: { data: ToWorker }) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

const playground = new Playground(GUEST_FILES, (cpu, text) => post({ console: text, cpu }));
const files = mapFileSource(GUEST_FILES);
let batchStop = false;
let queue: Promise<void> = Promise.resolve();

const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function handle(request: Request): Promise<unknown> {
  switch (request.kind) {
    case 'lint': return playground.lint(request.source, request.project);
    case 'lab-check': return playground.checkLab(request.lab, request.files);
    case 'pager-load': return playground.beginPagerCheck(request.source, request.scale);
    case 'pager-check': return playground.runPagerCheck(request.name);
    case 'pager-finish': return playground.finishPagerCheck();
    case 'open': return playground.open(request.spec);
    case 'command': return playground.command(request.line);
    case 'breakpoints': return playground.setGutterBreakpoints(request.file, request.lines);
    case 'events': return playground.setEventBreakpoints(request.events);
    case 'tables': return playground.tables(request.which);
    case 'walk': return playground.walk(request.va, request.access);
    case 'memory': return playground.memory(request.space, request.addr, request.rows);
    case 'batch':
      batchStop = false;
      return playground.batch(request.spec, yieldNow, () => batchStop);
    case 'bench': return benchAluLoop(request.instructions) satisfies BenchResult;
    case 'study-plan':
      try {
        // A project's study (lab 5's) reads its programs as edited, over the bundled files.
        return planStudy(request.text, request.fileName, request.files ? mapFileSource({ ...GUEST_FILES, ...Object.fromEntries(request.files.map((f) => [f.path, f.text])) }) : files);
      } catch (e) {
        if (e instanceof ConfigError) throw new PlaygroundError(e.message);
        throw e;
      }
    case 'study-cell': return runPlannedCell(request.plan, request.index);
    case 'study-finish': return finishStudy(request.plan, request.results, request.timing);
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if ('pause' in message) {
    playground.pause();
    batchStop = true;
    return;
  }
  const { id, request } = message;
  queue = queue.then(async () => {
    try {
      post({ id, ok: true, result: await handle(request) });
    } catch (e) {
      // A PlaygroundError is the user's to fix; anything else is a bug, reported with its stack.
      const text = e instanceof PlaygroundError ? e.message : `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
      post({ id, ok: false, error: text });
    }
  });
};

post({ ready: true });
