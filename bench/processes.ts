// Whole `vmmlab` processes, timed as a user meets them: how long `vmmlab run hello.s` takes
// against `node -e 0` (Node's own start-up, the floor), and a shipped study swept with one job
// and with two worker threads (whose results must be identical). The commands run through
// bin/vmmlab.js, so from the checkout they run the bundle in dist/, rebuilt first if stale.
//
// Runs alternate between the commands compared, so that a burst of load elsewhere on the machine
// hits them alike; the figure is the median, and the fastest run is shown beside it.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin/vmmlab.js');

export interface Timed {
  readonly label: string;
  readonly medianMs: number;
  readonly minMs: number;
}

/** Run a command to completion; its wall-clock time in ms. Throws if it fails. */
function wallMs(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return ms;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Each command once as a warm-up (file cache, a stale bundle rebuilt), then `runs` rounds. */
function timeAlternately(commands: readonly { label: string; args: readonly string[] }[], runs: number): Timed[] {
  for (const c of commands) wallMs(c.args);
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) commands.forEach((c, j) => times[j]!.push(wallMs(c.args)));
  return commands.map((c, j) => ({ label: c.label, medianMs: median(times[j]!), minMs: Math.min(...times[j]!) }));
}

/** `vmmlab run guest-programs/hello.s` and `vmmlab --version` against `node -e 0`. */
export function startup(runs: number): Timed[] {
  return timeAlternately([
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'vmmlab --version', args: [BIN, '--version'] },
    { label: 'vmmlab run guest-programs/hello.s', args: [BIN, 'run', 'guest-programs/hello.s'] },
  ], runs);
}

/** A result without its wall-clock times, the only part allowed to differ between runs. */
function withoutTiming(file: string): string {
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete result.timing;
  return JSON.stringify(result);
}

/**
 * `vmmlab exp STUDY --jobs 1` against `--jobs 2` (throws unless their results are identical), and
 * two `--jobs 1` runs side by side: the most that two cores of this machine give this work.
 */
export function sweep(study: string, runs: number): Timed[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-bench-'));
  try {
    const out = (jobs: number) => path.join(dir, `jobs${jobs}.json`);
    const args = (jobs: number) => [BIN, 'exp', study, '--jobs', String(jobs), '--no-progress', '--json', out(jobs)];
    // The ceiling: two independent --jobs 1 processes at once. A machine whose two cores share
    // caches and memory bandwidth (or are two threads of one core) runs them slower each, and no
    // sweep can beat that.
    const pair = (jobs: number) => [BIN, 'exp', study, '--jobs', String(jobs), '--no-progress', '--quiet'];
    const both = `const { spawn } = require('node:child_process'); const a = ${JSON.stringify(pair(1))};`
      + ` for (let i = 0; i < 2; i++) spawn(process.execPath, a, { stdio: 'ignore' }).on('exit', (c) => { if (c !== 0) process.exitCode = 1; });`;
    const timed = timeAlternately([
      { label: `vmmlab exp ${path.basename(study)} --jobs 1`, args: args(1) },
      { label: `vmmlab exp ${path.basename(study)} --jobs 2`, args: args(2) },
      { label: `two --jobs 1 processes at once`, args: ['-e', both] },
    ], runs);
    if (withoutTiming(out(1)) !== withoutTiming(out(2))) throw new Error(`${study}: --jobs 2 gave other results than --jobs 1`);
    return timed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How many cores this machine gave us just now: the same CPU loop in one thread, then in two at
 * once, as the ratio of one thread's time to each of two threads' (2.0 on two idle cores; on a
 * shared machine other work shows as less, and no sweep can then be twice as fast).
 */
export async function freeCores(): Promise<number> {
  const loop = `let x = 0; for (let i = 0; i < 2e8; i++) x = (x + i * 7) | 0; require('node:worker_threads').parentPort.postMessage(x);`;
  const threads = async (n: number) => {
    const started = performance.now();
    await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => new Worker(loop, { eval: true }).once('message', resolve))));
    return performance.now() - started;
  };
  await threads(1);
  const one = Math.min(await threads(1), await threads(1));
  const two = Math.min(await threads(2), await threads(2));
  return (2 * one) / two;
}
