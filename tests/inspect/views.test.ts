// The inspection model's other views, as data: a shadow tree links each shadow table and leaf to
// the guest table and entry it was built from (a guest page table, a split superpage, or the
// paging-off identity); the TLB view gains the entry a miss fills, and `translate` then names
// that same entry; register files by view (the VM's virtual PTBR beside the real MMU's EPT); the
// exit log numbered among all exits; and every result survives JSON (what a worker posts).

import { describe, expect, it } from 'vitest';
import { exitLog } from '../../inspect/exits.ts';
import { registers } from '../../inspect/registers.ts';
import { eptTables, guestTables, shadowTables, type RunNode, type ShadowTablesView, type TableNode } from '../../inspect/tables.ts';
import { tlbContents } from '../../inspect/tlb.ts';
import { translate } from '../../inspect/walk.ts';
import { kernelArgs, live } from '../debugger/helpers.ts';

const tables = (nodes: readonly unknown[]) => nodes.filter((n): n is TableNode => (n as TableNode).kind === 'table');
const runs = (nodes: readonly unknown[]) => nodes.filter((n): n is RunNode => (n as RunNode).kind === 'run');
const roundTrips = (x: unknown) => expect(JSON.parse(JSON.stringify(x))).toEqual(x);

describe('inspect: page-table trees', () => {
  it('a shadow tree links its tables and leaves to the guest tables and entries they shadow', async () => {
    // A 4-entry TLB makes the kernel's direct map miss, so the shadow splits the guest's superpage too.
    const d = live(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow', '--tlb-entries', '4'));
    for (const line of ['break on exit ptbr-write', 'continue', 'continue', 'delete', 'step 3000']) await d.run(line);
    const { target, view } = d.dbg;
    const guest = guestTables(target, view);
    const shadow = shadowTables(target, view) as ShadowTablesView;
    expect(shadow).toMatchObject({ kind: 'shadow', loaded: true, guestRoot: guest.root });
    const guestTop = new Map(guest.tree!.entries.map((e) => [(e as TableNode).index ?? (e as RunNode).first, e]));
    const shadowed = tables(shadow.entries);
    expect(shadowed.length).toBeGreaterThan(1);
    let superpages = 0;
    for (const t of shadowed) {
      const link = t.shadowOf!;
      const g = guestTop.get(t.index)!;
      if (link.kind === 'guest-table') {
        // The shadow table under directory index i shadows the table the guest's entry i points at.
        expect(g).toMatchObject({ kind: 'table', table: link.guestTable });
        expect(link.guestEntry).toBe(guest.root + t.index * 4);
        for (const leaf of runs(t.entries)) {
          expect(leaf.guestEntry).toBe(link.guestTable + leaf.first * 4);
          // The guest entry maps the guest frame that the shadow leaf's host frame backs.
          const pte = target.readGuestPhysWord(view, leaf.guestEntry!)!;
          expect((pte & ~0xfff) >>> 0).toBe(leaf.guestFrame);
          expect(target.guestPhysToHost(view, leaf.guestFrame!)).toBe(leaf.frame);
        }
      } else {
        expect(link.kind).toBe('guest-superpage');
        superpages++;
        expect(g).toMatchObject({ kind: 'run', pageBytes: 4 * 1024 * 1024 });
        if (link.kind === 'guest-superpage') expect(link.guestEntry).toBe(guest.root + t.index * 4);
        for (const leaf of runs(t.entries)) expect(leaf.guestEntry).toBe(guest.root + t.index * 4);
      }
    }
    expect(superpages).toBeGreaterThan(0);
    roundTrips(shadow);
    roundTrips(guest);
  });

  it('with the guest\'s paging off the shadow is the identity, from no guest entry', async () => {
    const d = live(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'));
    // Stopped at the kernel's first PTBR write: its paging is not on yet.
    for (const line of ['break on exit ptbr-write', 'continue']) await d.run(line);
    expect(guestTables(d.dbg.target, d.dbg.view).paging).toBe(false);
    const shadow = shadowTables(d.dbg.target, d.dbg.view) as ShadowTablesView;
    expect(shadow.guestRoot).toBeNull();
    const t = tables(shadow.entries);
    expect(t.length).toBeGreaterThan(0);
    for (const table of t) {
      expect(table.shadowOf).toEqual({ kind: 'paging-off' });
      for (const leaf of runs(table.entries)) {
        expect(leaf.guestEntry).toBeUndefined();
        expect(leaf.guestFrame).toBe(leaf.va);
      }
    }
  });

  it('says why a view has no tables: bare metal, the wrong mode, or a shadow VM that has not run', async () => {
    const native = live(kernelArgs()).dbg;
    expect(shadowTables(native.target, native.view)).toEqual({ unavailable: 'bare-metal' });
    expect(eptTables(native.target, native.view)).toEqual({ unavailable: 'bare-metal' });
    const shadow = live(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow')).dbg;
    expect(shadowTables(shadow.target, shadow.view)).toEqual({ unavailable: 'no-shadow-yet' });
    expect(eptTables(shadow.target, shadow.view)).toEqual({ unavailable: 'not-ept-mode' });
    const ept = live(kernelArgs('sbrkchurn.s:2', '--mode', 'ept', '--ept-levels', '3')).dbg;
    expect(shadowTables(ept.target, ept.view)).toEqual({ unavailable: 'not-shadow-mode' });
    expect(eptTables(ept.target, ept.view)).toMatchObject({ kind: 'ept', levelBits: [7, 7, 6] });
  });
});

describe('inspect: the TLB', () => {
  it('gains the entry a miss fills, and translate then hits that entry', async () => {
    const d = live(kernelArgs());
    await d.run('break on tlb-miss');
    expect(await d.run('continue')).toMatch(/^breakpoint 1, TLB miss \(fetch\)/);
    await d.run('reverse-step');
    const { target, view } = d.dbg;
    const pc = view.cpu.pc >>> 0;
    const page = (pc & ~0xfff) >>> 0;
    const has = () => tlbContents(target).tlbs[0]!.valid.find((e) => e.va === page && !e.pagingOff);
    expect(has()).toBeUndefined();
    expect(translate(target, view, pc, 'fetch').hardware!.tlb).toEqual({ kind: 'miss' });
    const before = tlbContents(target).tlbs[0]!.valid.length;
    await d.run('step');
    const contents = tlbContents(target);
    expect(contents.sharedByVms).toBe(false);
    expect(contents.tlbs).toHaveLength(1);
    const tlb = contents.tlbs[0]!;
    expect(tlb).toMatchObject({ kind: 'unified', capacity: 64, sets: 16, ways: 4, replacement: 'lru' });
    expect(tlb.valid.length).toBe(before + 1);
    const entry = has()!;
    expect(entry).toMatchObject({ pageBytes: 4096, lruRank: 0, set: (page >>> 12) % 16, index: entry.set * 4 + entry.way });
    expect(translate(target, view, pc, 'fetch').hardware!.tlb).toEqual({ kind: 'hit', tlb: 'unified', index: entry.index, set: entry.set, way: entry.way });
    roundTrips(contents);
  });
});

describe('inspect: registers and exits', () => {
  it('an EPT VM\'s registers: its own (virtual) PTBR, and the real MMU\'s nested stage', async () => {
    const d = live(kernelArgs('sbrkchurn.s:2', '--mode', 'ept'));
    for (const line of ['break on ptbr-write', 'continue', 'continue']) await d.run(line);
    const r = registers(d.dbg.target, d.dbg.view);
    expect(r).toMatchObject({ cpu: 'vm0', mode: 'ept', virtual: true, supervisor: true, paging: true });
    expect(r.general.map((g) => g.name).slice(0, 3)).toEqual(['zero', 'ra', 'sp']);
    expect(r.control.ptbrRoot).toBe(guestTables(d.dbg.target, d.dbg.view).root);
    expect(r.control.statusFlags).toContain('PG');
    expect(r.realMmu).toMatchObject({ loaded: true, stage1On: true, stage1Root: r.control.ptbrRoot, stage1RootSpace: 'guest-physical', nested: { levelBits: [10, 10] } });
    roundTrips(r);
    const native = live(kernelArgs()).dbg;
    const n = registers(native.target, native.view);
    expect(n).toMatchObject({ virtual: false, paging: false, pc: 0x1000 });
    expect(n.realMmu).toBeUndefined();
    expect(n.control.timerDeadline).toBeNull();
    roundTrips(n);
  });

  it('the exit log: the newest records, numbered among every exit of the VM', async () => {
    const d = live(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'));
    for (const line of ['break on exit ptbr-write', 'continue', 'continue']) await d.run(line);
    const log = exitLog(d.dbg.view, 2);
    if ('unavailable' in log) throw new Error('a VM has exits');
    expect(log.records).toHaveLength(2);
    expect(log.records.map((r) => r.n)).toEqual([log.total - 1, log.total]);
    // The exit's pc is the csrw's; the VMM emulated it, so the VM stopped after it.
    expect(log.records[1]).toMatchObject({ hardware: 'cr-write', reason: 'ptbr-write', pc: (d.dbg.view.cpu.pc - 4) >>> 0 });
    roundTrips(log);
    const native = live(kernelArgs()).dbg;
    expect(exitLog(native.view)).toEqual({ unavailable: 'bare-metal' });
  });
});
