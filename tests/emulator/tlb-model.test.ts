// The TLB's miss-path bookkeeping (emulator/tlb.ts: page sizes present, per-set counts, and in
// sets of INDEXED_WAYS ways or more a page hash, LRU lists and free-way bitmaps) against the plain
// scans it replaced (reference-tlb.ts, the old algorithm verbatim). Random sequences of every
// operation the MMU and the CPU make (lookups, finds, fills, a miss's lookup and fill with the way
// the lookup named, stamps, invalidations, every flush),
// with 4 KiB and large pages, Global entries, ASIDs, VPIDs and the paging-off space, must give
// the same answers, the same victims (ties included), the same evictions, the same random draws
// and the same arrays, after every operation, in every geometry and with either replacement.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PTE } from '../../isa/arch.ts';
import { INDEXED_WAYS, Tlb, type TlbConfig } from '../../emulator/tlb.ts';
import { ScanTlb } from './reference-tlb.ts';

type Op =
  | { kind: 'lookup' | 'find'; vpn: number; context: number }
  | { kind: 'miss'; vpn: number; context: number; base: number; bits: number }
  | { kind: 'insert'; vpn: number; shift: number; guestShift: number; context: number; base: number; bits: number }
  | { kind: 'touch' | 'invalidate'; index: number }
  | { kind: 'flushAll' }
  | { kind: 'flushContext'; context: number }
  | { kind: 'flushVpid' | 'flushPage'; vpn: number; vpid: number }
  | { kind: 'flushRange'; vpn: number; pages: number; vpid: number };

/** ASIDs 0 to 2, VPIDs 0 and 1, and the paging-off space (bit 16). */
const CONTEXTS = [0x00000, 0x00001, 0x00002, 0x00100, 0x00101, 0x10000, 0x10100];
/** 4 KiB pages, superpages, and the odd sizes EPT large pages fold to. */
const SHIFTS = [12, 12, 12, 13, 17, 22, 22, 27];

function ops(entries: number): fc.Arbitrary<Op[]> {
  // Pages from a window a few times the TLB's size (so sets fill, hits and evictions happen),
  // plus the top of the address space.
  const vpn = fc.oneof(fc.integer({ min: 0, max: 4 * entries + 8 }), fc.integer({ min: 0xffff0, max: 0xfffff }));
  const context = fc.constantFrom(...CONTEXTS);
  const vpid = fc.constantFrom(0, 1, 0x100);
  const index = fc.integer({ min: 0, max: entries - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 30, arbitrary: fc.record({ kind: fc.constant('lookup' as const), vpn, context }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('find' as const), vpn, context }) },
    { weight: 20, arbitrary: fc.record({ kind: fc.constant('miss' as const), vpn, context, base: fc.integer({ min: 0, max: 0xfffff }), bits: fc.integer({ min: 0, max: 0xff }) }) },
    {
      weight: 30,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const), vpn, shift: fc.constantFrom(...SHIFTS), guestShift: fc.constantFrom(0, 0, 22), context,
        base: fc.integer({ min: 0, max: 0xfffff }), bits: fc.integer({ min: 0, max: 0xff }),
      }),
    },
    { weight: 10, arbitrary: fc.record({ kind: fc.constantFrom('touch' as const, 'invalidate' as const), index }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('flushContext' as const), context }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('flushVpid' as const, 'flushPage' as const), vpn, vpid }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('flushRange' as const), vpn, pages: fc.integer({ min: 1, max: 2048 }), vpid }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'flushAll' }) },
  );
  return fc.array(op, { minLength: 1, maxLength: Math.max(400, 4 * entries) });
}

type Stamps = 'clock' | 'ties';

/** Apply one operation to both TLBs; return what each answered. */
function apply(t: Tlb, r: ScanTlb, op: Op, stamp: number): [number | undefined, number | undefined] {
  switch (op.kind) {
    case 'lookup': return [t.lookup(op.vpn, op.context, stamp), r.lookup(op.vpn, op.context, stamp)];
    case 'find': return [t.find(op.vpn, op.context), r.find(op.vpn, op.context)];
    case 'miss': {
      // What Mmu.translate does: a lookup and, when it misses, a 4 KiB fill of the same page given
      // the way the lookup named (missWay); the plain scans choose the victim at the fill.
      const hit = t.lookup(op.vpn, op.context, stamp);
      const theirs = r.lookup(op.vpn, op.context, stamp);
      if (hit >= 0 || theirs >= 0) return [hit, theirs];
      const va = (op.vpn << 12) >>> 0;
      const base = (op.base << 12) | 0;
      return [t.insert(va, 12, op.context, base, op.bits, stamp + 0.5, 12, t.missWay), r.insert(va, 12, op.context, base, op.bits, stamp + 0.5, 12)];
    }
    case 'insert': {
      const va = (op.vpn << 12) >>> 0;
      const guestShift = Math.max(op.shift, op.guestShift);
      // A large entry's base is aligned to its page, as the MMU's are.
      const base = ((op.base << 12) & ~((2 ** op.shift - 1) | 0)) | 0;
      return [t.insert(va, op.shift, op.context, base, op.bits, stamp, guestShift), r.insert(va, op.shift, op.context, base, op.bits, stamp, guestShift)];
    }
    case 'touch':
      // What the CPU's fast path did before Tlb.touch existed: write the stamp.
      t.touch(op.index, stamp);
      r.lastUse[op.index] = stamp;
      return [undefined, undefined];
    case 'invalidate': t.invalidate(op.index); r.invalidate(op.index); return [undefined, undefined];
    case 'flushAll': t.flushAll(); r.flushAll(); return [undefined, undefined];
    case 'flushContext': t.flushContext(op.context); r.flushContext(op.context); return [undefined, undefined];
    case 'flushVpid': t.flushVpid(op.vpid); r.flushVpid(op.vpid); return [undefined, undefined];
    case 'flushPage': t.flushPage((op.vpn << 12) >>> 0, op.vpid); r.flushPage((op.vpn << 12) >>> 0, op.vpid); return [undefined, undefined];
    case 'flushRange': {
      const start = op.vpn * 4096;
      t.flushRange(start, start + op.pages * 4096, op.vpid);
      r.flushRange(start, start + op.pages * 4096, op.vpid);
      return [undefined, undefined];
    }
  }
}

function expectSame(t: Tlb, r: ScanTlb, step: number): void {
  const where = `after operation ${step}`;
  expect(Array.from(t.flags), where).toEqual(Array.from(r.flags));
  expect(Array.from(t.tag), where).toEqual(Array.from(r.tag));
  expect(Array.from(t.pageShift), where).toEqual(Array.from(r.pageShift));
  expect(Array.from(t.guestPageShift), where).toEqual(Array.from(r.guestPageShift));
  expect(Array.from(t.context), where).toEqual(Array.from(r.context));
  expect(Array.from(t.base), where).toEqual(Array.from(r.base));
  expect(Array.from(t.lastUse), where).toEqual(Array.from(r.lastUse));
  expect(t.evictions, where).toBe(r.evictions);
  expect(t.entries(), where).toEqual(r.entries());
  // The page sizes a lookup probes are exactly those of the valid large entries, after every flush.
  let shifts = 0;
  for (const e of r.entries()) if (e.pageBytes > 4096) shifts |= e.pageBytes >= 2 ** 31 ? 1 << 31 : e.pageBytes;
  expect(t.largePageShifts >>> 0, where).toBe(shifts >>> 0);
}

function runBoth(config: TlbConfig, sequence: readonly Op[], stamps: Stamps): void {
  const t = new Tlb(config);
  const r = new ScanTlb(config);
  let clock = 0;
  sequence.forEach((op, step) => {
    // 'ties': stamps from a handful of values, out of order, so LRU must break ties by index.
    const stamp = stamps === 'clock' ? ++clock : (step * 7) % 5;
    const [mine, theirs] = apply(t, r, op, stamp);
    expect(mine, `operation ${step}: ${JSON.stringify(op)}`).toBe(theirs);
    expectSame(t, r, step);
  });
  // Every set filled twice over with new pages, an entry restamped before each fill (with 'ties',
  // often to an older stamp than the newest): the victims the two pick as they go must agree.
  for (let k = 0; k < 2 * config.entries; k++) {
    const vpn = (0x80000 + k * 37) & 0xfffff;
    const restamped = (k * 0x9e37) % config.entries;
    const touchStamp = stamps === 'clock' ? ++clock : (k * 3) % 4;
    t.touch(restamped, touchStamp);
    r.lastUse[restamped] = touchStamp;
    const stamp = stamps === 'clock' ? ++clock : (k * 5) % 4;
    expect(t.insert(vpn << 12, 12, 1, 0, PTE.V, stamp), `refill ${k}`).toBe(r.insert(vpn << 12, 12, 1, 0, PTE.V, stamp));
  }
  expectSame(t, r, sequence.length);
}

const GEOMETRIES: readonly [number, number][] = [
  [1, 1], [16, 1], [8, 2], [64, 4], [8, 8], [64, 8], [16, 16], [64, 16], [32, 32], [64, 64], [128, 32], [256, 256],
];

describe('the TLB against the plain scans it replaced', () => {
  it('case 2: both kinds of set are exercised: small sets are scanned, sets of INDEXED_WAYS ways or more indexed', () => {
    expect(GEOMETRIES.some(([, ways]) => ways < INDEXED_WAYS)).toBe(true);
    expect(GEOMETRIES.filter(([, ways]) => ways >= INDEXED_WAYS).length).toBeGreaterThanOrEqual(3);
  });

  describe.each(GEOMETRIES)('%i entries, %i ways', (entries, ways) => {
    it.each([
      [3, 'lru', 'clock'], [4, 'random', 'clock'], [5, 'lru', 'ties'], [6, 'random', 'ties'],
    ] as const)('case %i: %s replacement, %s stamps: same answers, entries and victims after every operation', (_n, replacement, stamps) => {
      fc.assert(
        fc.property(ops(entries), fc.integer({ min: 0, max: 1000 }), (sequence, seed) => runBoth({ entries, ways, replacement, seed }, sequence, stamps)),
        { numRuns: 25, seed: entries * 131 + ways * 7 + (replacement === 'lru' ? 0 : 1) + (stamps === 'clock' ? 0 : 2) },
      );
    });
  });

  it('case 7: a TLB of 4 KiB pages only probes one set per miss: a large page, once evicted, is no longer looked for', () => {
    // Indirectly: after the only superpage goes, lookups in its range miss (no stale probe result),
    // and a later superpage of the same size is found again.
    for (const ways of [4, 64]) {
      const t = new Tlb({ entries: 64, ways, replacement: 'lru', seed: 1 });
      t.insert(0x00800000, 22, 1, 0x00400000, PTE.V, 1);
      const i = t.find(0x00801, 1);
      expect(i).toBeGreaterThanOrEqual(0);
      t.invalidate(i);
      expect(t.find(0x00801, 1)).toBe(-1);
      t.insert(0x00c00000, 22, 1, 0x00400000, PTE.V, 2);
      expect(t.find(0x00c01, 1)).toBeGreaterThanOrEqual(0);
    }
  });
});
