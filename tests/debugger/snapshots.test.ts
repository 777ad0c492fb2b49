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

  it('stays exact when the memory budget thins the snapshots out', async () => {
    const d = live([...argv, '--snapshot-interval', '1000', '--history-memory', '400K']);
    await d.run('step 30000');
    const t = d.dbg.target;
    expect(t.snapshots.bytes).toBeLessThanOrEqual(400 * 1024);
    expect(t.snapshots.list.length).toBeLessThan(30);
    await d.run('reverse-step 12345');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(await stateAfter(argv, 30000 - 12345));
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
