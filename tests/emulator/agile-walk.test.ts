// The agile walk (isa/README.md 6.6) with hand-built tables in host memory: a shadow directory
// entry without the switch bit leads to a shadow table (2 references, as native); with it, to the
// guest's own leaf table, whose frame is translated through the EPT (2 + m references). Every
// reference is recorded with its stage, and each kind of fault is reported at each level: shadow
// faults for the VMM, guest faults below the switch delivered directly, EPT violations.

import { describe, expect, it } from 'vitest';
import { ACCESS, CAUSE, PTE } from '../../isa/arch.ts';
import { PhysicalMemory } from '../../emulator/memory.ts';
import { Mmu } from '../../emulator/mmu.ts';
import { AGILE_SWITCH, eptPagingMode } from '../../emulator/paging-mode.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';
import { Stats } from '../../emulator/stats.ts';
import { levelShift } from '../../emulator/paging-mode.ts';

const { V, W, X, U, A, D } = PTE;
const MEM = 4 * 1024 * 1024;
const SHADOW_PD = 0x10000;
const SHADOW_PT = 0x11000;
const EPT_ROOT = 0x20000;
/** The guest's leaf table: guest-physical 0x3000, backed at host 0x30000. */
const GUEST_PT_HOST = 0x30000;
/** va → guest-physical 0x5000 (guest PTE) → host 0x50000 (EPT). */
const VA_SWITCHED = 0x00401000;
const VA_SHADOWED = 0x00001000;

const word = (mem: PhysicalMemory, addr: number, value?: number): number => {
  if (value !== undefined) mem.i32[addr >>> 2] = value;
  return mem.i32[addr >>> 2]! >>> 0;
};

/** Map guest-physical `gpa` to host `host` in an EPT of `levels` levels at EPT_ROOT (tables allocated from 0x21000). */
function eptMap(mem: PhysicalMemory, levels: number, gpa: number, host: number, bits = V | W | X): void {
  const mode = eptPagingMode(levels, false);
  let table = EPT_ROOT;
  let next = 0x21000 + (mem.i32[0x21ffc >>> 2]! >>> 0) * 0x1000;
  for (let level = 0; level < levels; level++) {
    const index = (gpa >>> levelShift(mode, level)) & ((1 << mode.levelBits[level]!) - 1);
    const at = table + index * 4;
    if (level === levels - 1) {
      word(mem, at, (host & ~0xfff) | bits);
      return;
    }
    let entry = word(mem, at);
    if (!(entry & V)) {
      entry = next | V;
      next += 0x1000;
      word(mem, 0x21ffc, (next - 0x21000) / 0x1000);
      word(mem, at, entry);
    }
    table = entry & ~0xfff;
  }
}

interface Setup {
  mem: PhysicalMemory;
  mmu: Mmu;
  stats: Stats;
}

/** A machine with one shadowed 4 MiB range (index 0) and one switched one (index 1), an m-level EPT. */
function setup(levels = 2, options: { guestPte?: number; ept?: boolean; pwc?: number } = {}): Setup {
  const mem = new PhysicalMemory(MEM);
  const stats = new Stats();
  const mmu = new Mmu(mem, stats, DEFAULT_PROFILE, { tlb: { entries: 16, ways: 4, replacement: 'lru', seed: 1 }, splitTlb: false, pwcEntries: options.pwc ?? 0, asidTagging: true });
  // The shadow directory: index 0 → a shadow table; index 1 → switched to the guest table.
  word(mem, SHADOW_PD + 0 * 4, SHADOW_PT | V);
  word(mem, SHADOW_PD + 1 * 4, GUEST_PT_HOST | V | AGILE_SWITCH);
  word(mem, SHADOW_PT + 1 * 4, 0x40000 | V | W | X | U | A | D);
  // The guest's entry for VA_SWITCHED: guest-physical frame 0x5000, A and D clear.
  word(mem, GUEST_PT_HOST + ((VA_SWITCHED >>> 12) & 1023) * 4, options.guestPte ?? (0x5000 | V | W | U));
  if (options.ept !== false) eptMap(mem, levels, 0x5000, 0x50000);
  mmu.agile = true;
  mmu.configure(true, SHADOW_PD, 1, { mode: eptPagingMode(levels, false), root: EPT_ROOT });
  mmu.setUserMode(true);
  return { mem, mmu, stats };
}

describe('the agile walk', () => {
  it('case 1: a shadowed directory entry costs 2 references, both shadow, output host-physical', () => {
    const { mmu } = setup();
    const probe = mmu.probe(VA_SHADOWED + 0x24, ACCESS.LOAD);
    expect(probe.ok).toBe(true);
    expect(probe.hostPhys).toBe(0x40024);
    expect(probe.steps.map((s) => s.stage)).toEqual(['shadow', 'shadow']);
    expect(probe.cycles).toBe(DEFAULT_PROFILE.walkStartCycles + 2 * DEFAULT_PROFILE.walkRefCycles);
  });

  it.each([1, 2, 3, 4])('case 2.%i: a switched entry costs 2 + m references with an m-level EPT (shadow, guest, then m EPT)', (m) => {
    const { mmu, stats, mem } = setup(m);
    const hostPhys = mmu.translate(VA_SWITCHED + 0x10, ACCESS.LOAD);
    expect(hostPhys).toBe(0x50010);
    // 1 shadow PDE, 1 guest PTE, m EPT, and the guest PTE's A bit written back by the walker.
    expect(stats.walkGuestRefs).toBe(2 + 1);
    expect(stats.walkEptRefs).toBe(m);
    expect(word(mem, GUEST_PT_HOST + 1 * 4) & A).toBe(A);
    const probe = mmu.probe(VA_SWITCHED, ACCESS.LOAD);
    expect(probe.steps.map((s) => s.stage)).toEqual(['shadow', 'guest', ...Array<string>(m).fill('ept')]);
    expect(probe.steps[1]!.hostAddr).toBe(GUEST_PT_HOST + 4);
    expect(probe.steps[2]!.translating).toBe(0x5000);
    expect(probe.tlbHit).toBe(true);
  });

  it('case 3: without the agile descriptor the switch bit is ignored (a plain shadow walk)', () => {
    const { mmu } = setup();
    mmu.agile = false;
    mmu.configure(true, SHADOW_PD, 1, null);
    const probe = mmu.probe(VA_SWITCHED, ACCESS.LOAD);
    // The guest's entry is read as if it were a shadow leaf: guest-physical 0x5000 taken as host.
    expect(probe.hostPhys).toBe(0x5000);
    expect(probe.steps.map((s) => s.stage)).toEqual(['guest', 'guest']);
  });

  it('case 4: a shadow directory entry not present is a page fault for the VMM (not direct)', () => {
    const { mmu } = setup();
    expect(mmu.translate(0x00800000, ACCESS.LOAD)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE.LOAD_PAGE_FAULT);
    expect(mmu.faultDirect).toBe(false);
  });

  it('case 5: a shadow leaf not present (above no switch) is a page fault for the VMM', () => {
    const { mmu } = setup();
    expect(mmu.translate(VA_SHADOWED + 0x1000, ACCESS.STORE)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE.STORE_PAGE_FAULT);
    expect(mmu.faultDirect).toBe(false);
  });

  it('case 6: a guest entry not present below the switch is the guest\'s page fault, delivered directly', () => {
    const { mmu } = setup(2, { guestPte: 0 });
    expect(mmu.translate(VA_SWITCHED, ACCESS.FETCH)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE.FETCH_PAGE_FAULT);
    expect(mmu.faultDirect).toBe(true);
    expect(mmu.probe(VA_SWITCHED, ACCESS.FETCH).steps.map((s) => s.stage)).toEqual(['shadow', 'guest']);
  });

  it('case 7: a guest entry that forbids the access is the guest\'s protection fault, delivered directly', () => {
    const { mmu } = setup(2, { guestPte: 0x5000 | V | U | A });
    expect(mmu.translate(VA_SWITCHED, ACCESS.STORE)).toBe(-1);
    expect(mmu.faultCause).toBe(CAUSE.STORE_PROTECTION_FAULT);
    expect(mmu.faultDirect).toBe(true);
  });

  it('case 8: a final guest-physical address without an EPT mapping is an EPT violation (not in a table walk)', () => {
    const { mmu } = setup(2, { ept: false });
    expect(mmu.translate(VA_SWITCHED + 8, ACCESS.LOAD)).toBe(-1);
    expect(mmu.faultCause).toBe(-1);
    expect(mmu.faultGuestPhys).toBe(0x5008);
    expect(mmu.faultInTable).toBe(false);
  });

  it('case 9: an EPT leaf without W: a load fills the TLB without W, and a store is an EPT violation', () => {
    const { mmu, mem } = setup(2, { ept: false });
    eptMap(mem, 2, 0x5000, 0x50000, V | X);
    expect(mmu.translate(VA_SWITCHED, ACCESS.LOAD)).toBe(0x50000);
    expect(mmu.translate(VA_SWITCHED, ACCESS.STORE)).toBe(-1);
    expect(mmu.faultCause).toBe(-1);
    expect(mmu.faultGuestPhys).toBe(0x5000);
  });

  it('case 10: a shadow fault after a direct one is not direct (the flag is per walk)', () => {
    const { mmu } = setup(2, { guestPte: 0 });
    mmu.translate(VA_SWITCHED, ACCESS.LOAD);
    expect(mmu.faultDirect).toBe(true);
    mmu.translate(0x00800000, ACCESS.LOAD);
    expect(mmu.faultDirect).toBe(false);
  });

  it('case 11: with a page-walk cache the switched directory entry is cached like a shadow one', () => {
    const { mmu, stats } = setup(2, { pwc: 8 });
    mmu.translate(VA_SWITCHED, ACCESS.LOAD);
    mmu.flushAll();
    // flushAll drops the guest side of the walk cache as well: a second walk reads everything again.
    const before = stats.walkGuestRefs;
    mmu.translate(VA_SWITCHED, ACCESS.LOAD);
    expect(stats.walkGuestRefs - before).toBe(2);
    // A TLB flush that keeps the walk cache (a PTBR write with KEEP does not drop it): the directory entry comes from it.
    mmu.itlb.flushAll();
    const again = stats.walkGuestRefs;
    mmu.translate(VA_SWITCHED, ACCESS.LOAD);
    expect(stats.walkGuestRefs - again).toBe(1);
    expect(stats.pwcHits).toBeGreaterThan(0);
  });
});
