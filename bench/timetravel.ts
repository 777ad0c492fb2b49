// Time travel at depth: the debugger runs the kernel for a long history (300 million
// instructions by default, BENCH_TRAVEL_INSTRUCTIONS), then times reverse-step, a longer step
// back and reverse-continue, each a restore of the latest snapshot before the target and a replay
// of at most an interval (debugger/snapshots.ts), and reports the snapshots' memory against the
// budget (1 GiB by default). Target (issue 15): a reverse step at 300 million instructions
// under 0.2 s; reverse-continue single-steps with the checks on through the latest interval. The
// first reverse step replays up to an interval; it leaves a snapshot a 32nd of an interval before
// where it lands, so the ones after it replay only that.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDebugger } from '../cli/commands/debug.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INSTRUCTIONS = Number(process.env.BENCH_TRAVEL_INSTRUCTIONS ?? 300_000_000);

/** Wall time of a command, and the CPU time this process spent on it (steadier on a shared machine). */
let lastCpu = 0;
async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  lastCpu = (c.user + c.system) / 1000;
  return performance.now() - t0;
}

export async function travelTable(): Promise<void> {
  console.log(`\nTime travel: reverse commands after ${INSTRUCTIONS.toLocaleString('en-US')} instructions of the kernel running memwalk (target: reverse-step under 200 ms)\n`);
  const rows: string[][] = [];
  for (const mode of ['native', 'shadow', 'ept']) {
    let out = '';
    const dbg = openDebugger([path.join(ROOT, 'guest-programs/kernel/kernel.s'), '--module', 'memwalk.s:1024,4096,100000', '--mode', mode, '--max-instructions', String(INSTRUCTIONS * 2)], { write: (t) => void (out += t), color: false });
    const forward = await timed(() => dbg.execute(`step ${INSTRUCTIONS}`));
    // Steps count trap entries too: a little short of INSTRUCTIONS retired.
    if (dbg.view.stats.instructions < INSTRUCTIONS * 0.99) throw new Error(`${mode}: the guest stopped at ${dbg.view.stats.instructions}: ${out.slice(-300)}`);
    const snaps = dbg.target.snapshots;
    const held = snaps.bytes;
    const count = snaps.list.length;
    const first = await timed(() => dbg.execute('reverse-step'));
    const firstCpu = lastCpu;
    const steps: number[] = [];
    const stepsCpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      steps.push(await timed(() => dbg.execute('reverse-step')));
      stepsCpu.push(lastCpu);
    }
    steps.sort((a, b) => a - b);
    stepsCpu.sort((a, b) => a - b);
    const back1m = await timed(() => dbg.execute('reverse-step 1000000'));
    // A break that fires often: the search ends in the latest interval, single-stepped with checks.
    await dbg.execute('break on tlb-miss');
    const rc = await timed(() => dbg.execute('reverse-continue'));
    const ms = (x: number) => x.toFixed(0);
    rows.push([mode, `${(forward / 1000).toFixed(1)} s`, String(count), `${(held / 2 ** 20).toFixed(0)} MiB`, `${ms(first)} (${ms(firstCpu)})`, `${ms(steps[2]!)} (${ms(stepsCpu[2]!)})`, ms(back1m), ms(rc)]);
  }
  console.log('Times in ms of wall clock, with the CPU time the process spent in parentheses (the steadier figure on a shared machine).\n');
  const header = ['mode', 'forward', 'snapshots', 'history memory', 'first reverse-step ms', 'reverse-step ms (median of 5)', 'reverse-step 1M ms', 'reverse-continue ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
