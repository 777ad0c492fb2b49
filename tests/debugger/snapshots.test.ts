// Time travel by snapshot (debugger/snapshots.ts): with snapshots every few thousand
// instructions, reverse-step, reverse-continue and checkpoints restore the latest snapshot before
// where they go and replay at most an interval, and reach exactly the state a fresh run to the
// same point reaches (registers, memory hash, statistics, TLB), natively, under shadow paging and
// under EPT; over the memory budget the snapshots thin out and stay exact.

import { describe, expect, it } from 'vitest';
import { restoreObjects, captureObjects } from '../../debugger/snapshots.ts';
import { kernelArgs, live } from './helpers.ts';

const STATE = ['regs', 'stats', 'info hash', 'tlb'];

async function stateAfter(argv: string[], steps: number): Promise<string[]> {
  const fresh = live(argv);
  await fresh.run(`step ${steps}`);
  return Promise.all(STATE.map((c) => fresh.run(c)));
}

describe.each(['native', 'shadow', 'ept'])('snapshots (%s)', (mode) => {
  const argv = kernelArgs('forkstorm.s:3', '--mode', mode);

  it('reverse-step restores a snapshot near the target and reaches the state of a fresh run', async () => {
    const d = live([...argv, '--snapshot-interval', '3000']);
    await d.run('step 40000');
    const snaps = d.dbg.target.snapshots.list;
    expect(snaps.length).toBeGreaterThan(10);
    const at = await Promise.all(STATE.map((c) => d.run(c)));
    await d.run('reverse-step 4321');
    // The latest snapshot kept is the one it restored: at most an interval before the target.
    const kept = d.dbg.target.snapshots.list;
    expect(35679 - kept[kept.length - 1]!.instructions).toBeLessThan(3000 + 3000);
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await stateAfter(argv, 35679));
    await d.run('step 4321');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(at);
    // Far back, then to the start, then forward again.
    await d.run('reverse-step 30000');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await stateAfter(argv, 10000));
    await d.run('reverse-step 10000');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await stateAfter(argv, 0));
    await d.run('step 40000');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(at);
  });

  it('reverse-continue searches the intervals backward and stops at the last hit', async () => {
    const d = live([...argv, '--snapshot-interval', '2500']);
    const e = live(argv);
    for (const x of [d, e]) await x.run('break on ptbr-write');
    // Forward through several hits, then past them without stopping.
    for (let i = 0; i < 3; i++) {
      await d.run('continue');
      await e.run('continue');
    }
    const third = await Promise.all(STATE.map((c) => d.run(c)));
    expect(third).toEqual(await Promise.all(STATE.map((c) => e.run(c))));
    await d.run('continue');
    await d.run('step 20000');
    // Back to the fourth hit, then the third: the same states the forward runs stopped at.
    await d.run('reverse-continue');
    await e.run('continue');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await Promise.all(STATE.map((c) => e.run(c))));
    await d.run('reverse-continue');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(third);
  });

  // Budgets tight enough that thinning drops the last snapshot too (its pages must then count as
  // written since the one before it).
  it.each([400, 300, 250, 150])('stays exact when a memory budget of %iK thins the snapshots out', async (kib) => {
    const d = live([...argv, '--snapshot-interval', '1000', '--history-memory', `${kib}K`]);
    await d.run('step 30000');
    const t = d.dbg.target;
    // Within the budget, except for the first snapshot (the machine as built), which always stays.
    if (t.snapshots.list.length > 1) expect(t.snapshots.bytes).toBeLessThanOrEqual(kib * 1024);
    expect(t.snapshots.list.length).toBeLessThan(30);
    await d.run('reverse-step 12345');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await stateAfter(argv, 30000 - 12345));
  });
});

describe('reverse-continue and Ctrl-C', () => {
  const argv = kernelArgs('sbrkchurn.s:2');
  /** A debugger `steps` in, with a breakpoint that never fires: reverse-continue would search every interval back to the start. */
  async function searching(steps: number, interval: number) {
    const d = live([...argv, '--snapshot-interval', String(interval)]);
    await d.run(`step ${steps}`);
    await d.run('break 0x00000004 if $pc == 0x12345678');
    return d;
  }

  it('interrupted in its first interval, it stays where it began', async () => {
    // One interval of 40,000 instructions, searched one checked step at a time: far longer than
    // the 25 ms after which the search first lets Ctrl-C in.
    const d = await searching(40000, 50000);
    const now = await Promise.all(STATE.map((c) => d.run(c)));
    setImmediate(() => d.dbg.interrupt());
    expect(await d.run('reverse-continue')).toMatch(/reverse-continue interrupted \(Ctrl-C\): no interval was searched through yet: still where it began/);
    expect(d.dbg.running).toBe(false);
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(now);
  });

  it('interrupted later, it stops at the start of the last interval it searched through, and the debugger goes on', async () => {
    const d = await searching(20000, 2000);
    const snaps = d.dbg.target.snapshots.list;
    // Ctrl-C once the search has gone past the latest interval (it restored an earlier snapshot).
    const latest = snaps[snaps.length - 1]!;
    const poll = () => (snaps.includes(latest) ? setImmediate(poll) : d.dbg.interrupt());
    setImmediate(poll);
    const out = await d.run('reverse-continue');
    const m = /reverse-continue interrupted \(Ctrl-C\): no breakpoint fires between here \(instruction (\d+)\) and where it began/.exec(out);
    expect(m, out).not.toBeNull();
    const at = Number(m![1]);
    expect(d.dbg.view.stats.instructions).toBe(at);
    expect(at).toBeLessThanOrEqual(latest.instructions);
    // It is the start of an interval (snapshots are every 2,000 instructions from the start).
    expect(at % 2000).toBe(0);
    expect(await d.run('step')).not.toMatch(/error/);
    expect(await d.run('reverse-step')).not.toMatch(/error/);
  });
});

describe('a long replay and Ctrl-C', () => {
  it('restoring a checkpoint far ahead replays millions of instructions; Ctrl-C stops it on the way, exactly', async () => {
    const argv = kernelArgs('memwalk.s:64,4096,100000');
    // No snapshot but the first: going forward to the checkpoint replays everything from the start.
    const d = live([...argv, '--snapshot-interval', '100000000']);
    await d.run('step 6000000');
    expect(await d.run('checkpoint')).toMatch(/^checkpoint 1: instruction/);
    await d.run('reverse-step 5999990');
    setImmediate(() => d.dbg.interrupt());
    const out = await d.run('restore 1');
    const m = /interrupted \(Ctrl-C\): the replay stopped on the way, at instruction ([\d,]+)/.exec(out);
    expect(m, out).not.toBeNull();
    const at = Number(m![1]!.replace(/,/g, ''));
    expect(at).toBeGreaterThan(10);
    expect(at).toBeLessThan(5_900_000);
    expect(d.dbg.running).toBe(false);
    // Where it stopped is a real point of the history: the same state as a run to there.
    const here = await Promise.all(STATE.map((c) => d.run(c)));
    const fresh = live(argv);
    // A step is an instruction retired or a trap entry reached (the log records each of those).
    const trapEntries = d.dbg.history.entries.filter((e) => e.kind === 'run' && e.trap === true).length;
    await fresh.run(`step ${d.dbg.history.position(0).count + trapEntries}`);
    expect(fresh.dbg.view.stats.instructions).toBe(at);
    expect(await Promise.all(STATE.map((c) => fresh.run(c)))).toEqual(here);
    // And the checkpoint is still there to go to.
    expect(await d.run('restore 1')).toMatch(/restored checkpoint 1/);
  });
});

describe('the object graph', () => {
  it('restores properties, arrays, maps, sets and typed arrays in place, dropping what came later', () => {
    const shared = { n: 1 };
    const root = { a: 1, list: [shared, 2], map: new Map([['k', shared]]), set: new Set([1]), words: new Int32Array([1, 2]), nested: { shared } } as Record<string, unknown>;
    const { objects } = captureObjects([root], new Set());
    (root.list as unknown[]).push(3);
    (root.map as Map<string, unknown>).set('x', 1);
    (root.set as Set<number>).add(2);
    (root.words as Int32Array)[0] = 9;
    shared.n = 5;
    root.later = { made: 'after' };
    root.a = 2;
    restoreObjects(objects);
    expect(root).toEqual({ a: 1, list: [shared, 2], map: new Map([['k', shared]]), set: new Set([1]), words: new Int32Array([1, 2]), nested: { shared } });
    expect(shared.n).toBe(1);
    expect((root.nested as { shared: unknown }).shared).toBe(shared);
  });
});
