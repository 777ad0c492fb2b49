// The inspection model's walks, checked as data (the REPL's text is pinned by tests/debugger):
// a cold EPT walk of a 4 KiB guest page through 1 to 4 EPT levels makes (2+1)(m+1)−1 = 5, 8, 11
// and 14 references, numbered 1..N in hardware order, grouped into the two-dimensional grid;
// each entry leads where the next reference reads; the cost follows the profile; natively the
// walk is the guest's two levels; a VM the MMU does not hold is walked in software.

import { describe, expect, it } from 'vitest';
import { guestWalk, translate, type WalkRef } from '../../inspect/walk.ts';
import { kernelArgs, live } from '../debugger/helpers.ts';

/** A debugger stopped right after the kernel mapped 0x00401000 (its first page fault), before the faulting access re-runs. */
async function afterFirstFault(...more: string[]) {
  const d = live(kernelArgs('sbrkchurn.s:2', ...more));
  for (const line of ['break on pagefault', 'continue', 'delete', 'until $epc']) await d.run(line);
  return d;
}

describe('inspect: translate under EPT', () => {
  for (const [levels, expected] of [[1, 5], [2, 8], [3, 11], [4, 14]] as const) {
    it(`a cold walk through a ${levels}-level EPT: ${expected} references, numbered in order, in a grid of 3 rows`, async () => {
      const { dbg } = await afterFirstFault('--mode', 'ept', '--ept-levels', String(levels));
      const t = translate(dbg.target, dbg.view, 0x00401000, 'load');
      const hw = t.hardware!;
      expect(hw.source).toBe('mmu');
      expect(hw.refs).toHaveLength(expected);
      expect(hw.refs.map((r) => r.n)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
      const eptRow = Array<string>(levels).fill('ept');
      expect(hw.refs.map((r) => r.stage)).toEqual([...eptRow, 'guest', ...eptRow, 'guest', ...eptRow]);
      expect(hw.refs.every((r) => !r.cached)).toBe(true);

      // The grid: guest L1 entry, guest L2 entry, data; each row's EPT walk, then the guest read.
      const grid = hw.grid!;
      expect(grid.map((r) => r.kind)).toEqual(['guest-entry', 'guest-entry', 'data']);
      expect(grid.map((r) => r.guestLevel)).toEqual([0, 1, undefined]);
      expect(grid.flatMap((r) => [...r.eptRefs, ...(r.guestRef === undefined ? [] : [r.guestRef])])).toEqual(hw.refs.map((r) => r.n));
      const ref = (n: number): WalkRef => hw.refs[n - 1]!;
      for (const row of grid) {
        expect(row.eptRefs.map((n) => ref(n).level)).toEqual(Array.from({ length: levels }, (_, i) => i));
        expect(row.eptRefs.every((n) => ref(n).translating === row.guestPhys && ref(n).space === 'host-physical')).toBe(true);
        // Each EPT entry leads to the table the next one is read from; the last to the frame.
        row.eptRefs.forEach((n, i) => {
          const to = ref(n).leadsTo;
          if (i < levels - 1) expect(to).toEqual({ kind: 'table', addr: ref(row.eptRefs[i + 1]!).hostAddr & ~0xfff });
          else expect(to.kind).toBe('frame');
        });
        if (row.guestRef !== undefined) {
          const g = ref(row.guestRef);
          expect(g).toMatchObject({ stage: 'guest', space: 'guest-physical', entryAddr: row.guestPhys });
          // The EPT walk of the row found the host frame the guest entry is read from.
          const last = ref(row.eptRefs[row.eptRefs.length - 1]!).leadsTo;
          expect(last.kind === 'frame' && (g.hostAddr & ~0xfff) === last.addr).toBe(true);
        }
      }
      // The guest's L1 entry leads to the table its L2 entry is in; its L2 entry to the data's frame.
      const [l1, l2] = [ref(grid[0]!.guestRef!), ref(grid[1]!.guestRef!)];
      expect(l1.leadsTo).toEqual({ kind: 'table', addr: l2.entryAddr & ~0xfff });
      expect(l2.leadsTo).toMatchObject({ kind: 'frame', addr: grid[2]!.guestPhys & ~0xfff, pageBytes: 4096, large: false });
      // The guest's own walk (software, guest-physical) reads the same two entries.
      expect(guestWalk(dbg.target, dbg.view, 0x00401000).steps.map((s) => [s.entryAddr, s.value])).toEqual([[l1.entryAddr, l1.value], [l2.entryAddr, l2.value]]);

      expect(hw.outcome).toMatchObject({ kind: 'ok', guestPhys: grid[2]!.guestPhys, pageBytes: 4096 });
      const { startCycles, refCycles } = hw.cost;
      expect(hw.cost).toMatchObject({ entries: expected, guestEntries: 2, eptEntries: 3 * levels, memoryRefs: expected, cycles: startCycles + expected * refCycles });
      expect(hw.cost.coldWalk).toEqual({ guestLevels: 2, eptLevels: levels, refs: expected });
      expect(hw.tlb).toEqual({ kind: 'miss' });
      // Plain data: what a worker posts is what the REPL formats.
      expect(JSON.parse(JSON.stringify(t))).toEqual(t);
    });
  }

  it('with a page-walk cache, cached upper-level entries are flagged and cost nothing', async () => {
    const { dbg } = await afterFirstFault('--mode', 'ept', '--pwc', '16');
    const hw = translate(dbg.target, dbg.view, 0x00401000, 'load').hardware!;
    const cached = hw.refs.filter((r) => r.cached);
    expect(cached.length).toBeGreaterThan(0);
    expect(cached.every((r) => r.leadsTo.kind === 'table')).toBe(true);
    expect(hw.cost.memoryRefs).toBe(hw.refs.length - cached.length);
    expect(hw.cost.cycles).toBe(hw.cost.startCycles + hw.cost.memoryRefs * hw.cost.refCycles);
  });
});

describe('inspect: translate natively and under shadow paging', () => {
  it('natively: the two levels of the guest\'s own tables, physical addresses', async () => {
    const { dbg } = await afterFirstFault();
    const t = translate(dbg.target, dbg.view, 0x00401000, 'store');
    const hw = t.hardware!;
    expect(hw.refs.map((r) => [r.n, r.stage, r.level, r.space])).toEqual([[1, 'guest', 0, 'physical'], [2, 'guest', 1, 'physical']]);
    expect(hw.grid).toBeUndefined();
    expect(hw.cost.coldWalk).toBeUndefined();
    expect(hw.outcome).toMatchObject({ kind: 'ok', pageBytes: 4096 });
    expect(t.guest.steps.map((s) => s.entryAddr)).toEqual(hw.refs.map((r) => r.entryAddr));
  });

  it('shadow: a page the guest maps but the shadow does not yet is a hidden fault', async () => {
    const d = live(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'));
    for (const line of ['break on exit ptbr-write', 'continue', 'continue']) await d.run(line);
    // The program's first page: the guest maps it, the new shadow root is still empty.
    const t = translate(d.dbg.target, d.dbg.view, 0x00400000, 'fetch');
    expect(t.guest.ok).toBe(true);
    expect(t.guestBacking).toBeGreaterThan(0);
    expect(t.hardware!.refs.map((r) => r.space)).toEqual(['host-physical']);
    expect(t.hardware!.outcome).toMatchObject({ kind: 'fault', causeName: 'fetch-page-fault', shadow: 'hidden' });
  });

  it('a VM the MMU does not hold is walked in software, and the TLB is unknown', async () => {
    const args = [kernelArgs()[0]!, '--vm', 'a mode=shadow module=primes.s', '--vm', 'b mode=ept module=ctxswitch.s:5', '--memory', '8M'];
    const d = live(args);
    for (const line of ['vm b', 'step 30000', 'vm a', 'step 10', 'vm b']) await d.run(line);
    const hw = translate(d.dbg.target, d.dbg.view, 0x00400000, 'fetch').hardware!;
    expect(hw.source).toBe('software');
    expect(hw.tlb).toEqual({ kind: 'unknown', loadedVm: 'a' });
    expect(hw.grid!.length).toBeGreaterThan(0);
    expect(hw.refs.map((r) => r.n)).toEqual(hw.refs.map((_, i) => i + 1));
  });
});
