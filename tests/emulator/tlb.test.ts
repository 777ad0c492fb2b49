// The TLB (emulator/tlb.ts) in each geometry the emulator offers: one entry, direct-mapped 16,
// 4-way 64 and fully associative 64. Exact LRU victims, seeded random replacement, split I/D
// TLBs, miss counts of loops over K pages, and the CPU's fast path, which stamps LRU lazily and
// must leave exactly the order an eager stamp on every access would (checked against a
// reference model on random programs).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCESS, CR, PTE, STATUS } from '../../isa/arch.ts';
import { Machine } from '../../emulator/machine.ts';
import type { MmuConfig } from '../../emulator/mmu.ts';
import { Tlb, type TlbConfig } from '../../emulator/tlb.ts';
import { PageTables, hex, insn, runSnippet, wordsImage } from './harness.ts';

const { V, W, X, A, D } = PTE;

interface Geometry {
  readonly name: string;
  readonly entries: number;
  readonly ways: number;
}
const GEOMETRIES: readonly Geometry[] = [
  { name: '1 entry', entries: 1, ways: 1 },
  { name: 'direct-mapped 16', entries: 16, ways: 1 },
  { name: '4-way 64', entries: 64, ways: 4 },
  { name: 'fully associative 64', entries: 64, ways: 64 },
];
const lru = (g: Geometry): TlbConfig => ({ entries: g.entries, ways: g.ways, replacement: 'lru', seed: 1 });

// ---------------------------------------------------------------- the Tlb class

/** Drives a Tlb the way the MMU does: one clock, insert on miss. */
class Driver {
  clock = 0;
  constructor(readonly tlb: Tlb, readonly context = 1) {}
  /** Look a page up; on a miss insert it. Returns true on a hit. */
  access(vpn: number): boolean {
    if (this.tlb.lookup(vpn, this.context, ++this.clock) >= 0) return true;
    this.tlb.insert(vpn << 12, 12, this.context, (vpn + 0x100) << 12, V | W, ++this.clock);
    return false;
  }
  has(vpn: number): boolean {
    return this.tlb.entries().some((e) => e.va === (vpn << 12) >>> 0 && e.asid === this.context);
  }
}

describe.each(GEOMETRIES)('TLB geometry: $name', (g) => {
  const sets = g.entries / g.ways;
  /** The k-th page that falls in set `s`. */
  const inSet = (s: number, k: number): number => 0x400 + s + k * sets;
  const set = 3 % sets;

  it('case 2: exact LRU: after filling a set and touching it in a known order, victims go oldest first', () => {
    const d = new Driver(new Tlb(lru(g)));
    const pages = Array.from({ length: g.ways }, (_, k) => inSet(set, k));
    pages.forEach((p) => expect(d.access(p)).toBe(false));
    // Touch order: every odd way from the top, then every even way (a fixed permutation).
    const order = [...pages.filter((_, i) => i % 2 === 1).reverse(), ...pages.filter((_, i) => i % 2 === 0)];
    order.forEach((p) => expect(d.access(p)).toBe(true));
    for (let i = 0; i < g.ways; i++) {
      const newcomer = inSet(set, g.ways + i);
      expect(d.access(newcomer)).toBe(false);
      expect(d.has(order[i]!), `victim ${i} should be ${hex(order[i]!)}`).toBe(false);
      order.slice(i + 1).forEach((p) => expect(d.has(p)).toBe(true));
    }
    expect(d.tlb.evictions).toBe(g.ways);
  });

  it('case 3: a hit makes an entry most recently used', () => {
    const d = new Driver(new Tlb(lru(g)));
    const pages = Array.from({ length: g.ways }, (_, k) => inSet(set, k));
    pages.forEach((p) => d.access(p));
    d.access(pages[0]!); // the oldest becomes the newest
    d.access(inSet(set, g.ways));
    // With one way the newcomer has nowhere else to go.
    expect(d.has(pages[0]!)).toBe(g.ways > 1);
    if (g.ways > 1) expect(d.has(pages[1]!)).toBe(false);
  });

  it('case 4: other sets are not disturbed', () => {
    if (sets === 1) return;
    const d = new Driver(new Tlb(lru(g)));
    const other = inSet((set + 1) % sets, 0);
    d.access(other);
    for (let k = 0; k < 3 * g.ways; k++) d.access(inSet(set, k));
    expect(d.has(other)).toBe(true);
  });

  it('case 5: a loop over K pages with LRU: K <= capacity misses K times, K = capacity + 1 misses every time', () => {
    // All K pages in one set so the capacity is the associativity.
    const rounds = 10;
    for (const [k, expectedMisses] of [[g.ways, g.ways], [g.ways + 1, rounds * (g.ways + 1)]] as const) {
      const d = new Driver(new Tlb(lru(g)));
      let misses = 0;
      for (let r = 0; r < rounds; r++) for (let i = 0; i < k; i++) if (!d.access(inSet(set, i))) misses++;
      expect(misses, `K = ${k}`).toBe(expectedMisses);
    }
  });

  it('case 6: random replacement is deterministic for a seed and stays in the set', () => {
    const run = (seed: number): number[] => {
      const tlb = new Tlb({ entries: g.entries, ways: g.ways, replacement: 'random', seed });
      const victims: number[] = [];
      let clock = 0;
      for (let i = 0; i < 300; i++) {
        const vpn = inSet(set, (i * 7) % (g.ways * 3 + 1));
        if (tlb.lookup(vpn, 1, ++clock) >= 0) continue;
        const index = tlb.insert(vpn << 12, 12, 1, 0, V, ++clock);
        expect(Math.floor(index / g.ways)).toBe(set);
        victims.push(index);
      }
      return victims;
    };
    expect(run(42)).toEqual(run(42));
    if (g.ways >= 4) expect(run(42)).not.toEqual(run(43));
  });
});

describe('Tlb bookkeeping', () => {
  it('case 2: inserting a page already cached in the context replaces it instead of caching it twice', () => {
    const tlb = new Tlb({ entries: 64, ways: 64, replacement: 'lru', seed: 1 });
    tlb.insert(0x400000, 12, 1, 0x500000, V, 1);
    tlb.insert(0x400000, 12, 1, 0x600000, V | W, 2);
    expect(tlb.entries().map((e) => [hex(e.va), hex(e.pa)])).toEqual([[hex(0x400000), hex(0x600000)]]);
  });

  it('case 3: a superpage entry answers every 4 KiB page number inside it', () => {
    const tlb = new Tlb({ entries: 16, ways: 4, replacement: 'lru', seed: 1 });
    tlb.insert(0x00800000, 22, 1, 0x00400000, V, 1);
    expect(tlb.lookup(0x00800, 1, 2)).toBeGreaterThanOrEqual(0);
    expect(tlb.lookup(0x00bff, 1, 3)).toBeGreaterThanOrEqual(0);
    expect(tlb.lookup(0x00c00, 1, 4)).toBe(-1);
    expect(tlb.lookup(0x00800, 2, 5)).toBe(-1);
  });

  it('case 4: invlpg anywhere in a guest superpage drops every 4 KiB piece of it, and nothing outside it', () => {
    // Under EPT with 4 KiB EPT pages a guest superpage is cached piece by piece (issue 9).
    const tlb = new Tlb({ entries: 16, ways: 4, replacement: 'lru', seed: 1 });
    tlb.insert(0x00810000, 12, 1, 0x00010000, V, 1, 22);
    tlb.insert(0x00811000, 12, 2, 0x00011000, V, 2, 22);
    tlb.insert(0x00c00000, 12, 1, 0x00020000, V, 3, 22);
    tlb.insert(0x00812000, 12, 1, 0x00030000, V, 4);
    tlb.flushPage(0x00a34560, 0);
    // Left: the next superpage's piece, and a 4 KiB guest page that is not the one invalidated.
    expect(tlb.entries().map((e) => [hex(e.va), e.guestPageBytes]).sort()).toEqual([[hex(0x00812000), 4096], [hex(0x00c00000), 4 << 20]]);
  });
});

// ---------------------------------------------------------------- through the CPU

const splitMmu = (g: Geometry, splitTlb: boolean): MmuConfig => ({ tlb: lru(g), splitTlb });

/** Loop R times over K data pages from 0x400000 (stride in pages), then stop in wfi. Paged-4k identity map. */
function pageLoop(k: number, rounds: number, stridePages: number, mmu: MmuConfig) {
  return runSnippet(`
      li s0, ${rounds}
outer:
      li t0, 0x00400000
      li t1, ${k}
inner:
      lw a0, 0(t0)
      li t2, ${stridePages * 4096}
      add t0, t0, t2
      addi t1, t1, -1
      bnez t1, inner
      addi s0, s0, -1
      bnez s0, outer
      wfi`, { env: 'paged-4k', machine: { mmu } });
}

describe('miss counts of a loop over K pages (E-entry fully associative LRU data TLB, split I/D)', () => {
  const rounds = 10;
  it.each([
    [2, 8, 1], [3, 8, 8], [4, 8, 9], [5, 16, 16], [6, 16, 17], [7, 1, 1], [8, 1, 2],
  ])('case %i: E = %i, K = %i', (_n, e, k) => {
    const r = pageLoop(k, rounds, 1, splitMmu({ name: 'fa', entries: e, ways: e }, true));
    expect(r.run.reason).toBe('wfi-deadlock');
    const s = r.machine.stats;
    const expected = k <= e ? k : rounds * k;
    expect(s.tlbMisses[ACCESS.LOAD]).toBe(expected);
    expect(s.tlbHits[ACCESS.LOAD]).toBe(rounds * k - expected);
    // Instruction fetches live in their own TLB: one miss for the one code page.
    expect(s.tlbMisses[ACCESS.FETCH]).toBe(1);
    expect(r.machine.mmu.dtlb.entries().every((e2) => e2.va >= 0x400000)).toBe(true);
    expect(r.machine.mmu.itlb.entries().map((e2) => hex(e2.va))).toEqual([hex(0x1000)]);
  });

  it.each([[9, 8, 7, 7], [10, 8, 8, rounds * 8]] as const)(
    'case %i: unified E = %i, K = %i: the code page is touched every instruction and never leaves',
    (_n, e, k, expected) => {
      const r = pageLoop(k, rounds, 1, splitMmu({ name: 'fa', entries: e, ways: e }, false));
      const s = r.machine.stats;
      expect(s.tlbMisses[ACCESS.LOAD]).toBe(expected);
      expect(s.tlbMisses[ACCESS.FETCH]).toBe(1);
    },
  );

  it.each([
    [11, 'direct-mapped 16, 2 pages 16 apart', { name: 'dm', entries: 16, ways: 1 }, 2, 16, 2 * rounds],
    [12, 'direct-mapped 16, 16 consecutive pages', { name: 'dm', entries: 16, ways: 1 }, 16, 1, 16],
    [13, '4-way 64, 4 pages in one set', { name: '4w', entries: 64, ways: 4 }, 4, 16, 4],
    [14, '4-way 64, 5 pages in one set', { name: '4w', entries: 64, ways: 4 }, 5, 16, 5 * rounds],
    [15, '4-way 64, 64 consecutive pages', { name: '4w', entries: 64, ways: 4 }, 64, 1, 64],
  ] as const)('case %i: %s', (_n, _name, g, k, stride, expected) => {
    const r = pageLoop(k, rounds, stride, splitMmu(g, true));
    expect(r.machine.stats.tlbMisses[ACCESS.LOAD]).toBe(expected);
  });
});

describe('split I/D TLBs', () => {
  it('case 2: fetches and data accesses are counted and cached separately', () => {
    const g = { name: '4w', entries: 64, ways: 4 };
    const split = pageLoop(4, 5, 1, splitMmu(g, true));
    const unified = pageLoop(4, 5, 1, splitMmu(g, false));
    for (const r of [split, unified]) {
      const s = r.machine.stats;
      // Every retired instruction was fetched through the TLB once; the wfi was fetched too.
      expect(s.tlbHits[ACCESS.FETCH] + s.tlbMisses[ACCESS.FETCH]).toBe(s.instructions + 1);
      expect(s.tlbHits[ACCESS.LOAD] + s.tlbMisses[ACCESS.LOAD]).toBe(20);
      expect(s.tlbHits[ACCESS.STORE] + s.tlbMisses[ACCESS.STORE]).toBe(0);
    }
    expect(split.machine.mmu.itlb).not.toBe(split.machine.mmu.dtlb);
    expect(unified.machine.mmu.itlb).toBe(unified.machine.mmu.dtlb);
    expect(split.machine.mmu.itlb.entries()).toHaveLength(1);
    expect(split.machine.mmu.dtlb.entries()).toHaveLength(4);
    expect(unified.machine.mmu.dtlb.entries()).toHaveLength(5);
  });

  it('case 3: invlpg and tlbflush reach both TLBs', () => {
    const r = runSnippet(`
      li t0, 0x1000
      lw a0, 0(t0)       ; the code page in the data TLB too
      invlpg t0          ; drops it from both
      nop
      li t1, 0x400000
      lw a0, 0(t1)
      tlbflush
      wfi`, { env: 'paged-4k', machine: { mmu: splitMmu({ name: '4w', entries: 64, ways: 4 }, true) } });
    expect(r.machine.mmu.dtlb.entries()).toEqual([]);
    expect(r.machine.mmu.itlb.entries().map((e) => hex(e.va))).toEqual([hex(0x1000)]);
    expect(r.machine.stats.tlbMisses[ACCESS.FETCH]).toBe(3);
  });
});

describe('statistics', () => {
  it('case 2: stats.tlbEvictions counts the entries replaced', () => {
    // Regression: stats.tlbEvictions (reported as tlb.evictions) was never updated; the count
    // lived only in Tlb.evictions.
    const r = pageLoop(9, 2, 1, splitMmu({ name: 'fa', entries: 8, ways: 8 }, true));
    const evicted = r.machine.mmu.dtlb.evictions + r.machine.mmu.itlb.evictions;
    expect(evicted).toBeGreaterThan(0);
    expect(r.machine.stats.tlbEvictions).toBe(evicted);
  });
});

// ---------------------------------------------------------------- the fast path keeps exact LRU

/** A reference TLB: set-associative, first free way, else the least recently stamped. */
class ReferenceTlb {
  private readonly page: (number | undefined)[];
  private readonly stamp: number[];
  hits = 0;
  misses = 0;
  evictions = 0;
  constructor(readonly entries: number, readonly ways: number, private readonly clock: { now: number }) {
    this.page = new Array<number | undefined>(entries).fill(undefined);
    this.stamp = new Array<number>(entries).fill(0);
  }
  access(vpn: number): void {
    const first = (vpn & (this.entries / this.ways - 1)) * this.ways;
    for (let i = first; i < first + this.ways; i++) {
      if (this.page[i] === vpn) {
        this.stamp[i] = ++this.clock.now;
        this.hits++;
        return;
      }
    }
    this.misses++;
    let victim = -1;
    for (let i = first; i < first + this.ways && victim < 0; i++) if (this.page[i] === undefined) victim = i;
    if (victim < 0) {
      victim = first;
      for (let i = first + 1; i < first + this.ways; i++) if (this.stamp[i]! < this.stamp[victim]!) victim = i;
      this.evictions++;
    }
    this.page[victim] = vpn;
    this.stamp[victim] = ++this.clock.now;
  }
  /** [index, va] of the valid entries, least recently used first. */
  byAge(): [number, number][] {
    return this.page
      .map((p, i) => [i, p] as const)
      .filter((e): e is readonly [number, number] => e[1] !== undefined)
      .sort((a, b) => this.stamp[a[0]]! - this.stamp[b[0]]!)
      .map(([i, p]) => [i, (p << 12) >>> 0]);
  }
}

function byAge(tlb: Tlb): [number, number][] {
  return tlb.entries().sort((a, b) => a.lastUse - b.lastUse).map((e) => [e.index, e.va]);
}

type Step = { kind: 'nop' } | { kind: 'lw' | 'sw'; page: number; offset: number };
const DATA_PAGE0 = 8; // data pages 0x8000.. reached with imm(zero)

/** Run straight-line code made of the steps, then wfi, on a machine with identity-mapped A|D pages. */
function runSteps(steps: readonly Step[], g: Geometry, splitTlb: boolean): Machine {
  const words = steps.map((s) => {
    if (s.kind === 'nop') return insn('addi', { rd: 0, rs1: 0, imm18: 0 });
    const address = ((DATA_PAGE0 + s.page) << 12) + s.offset * 4;
    return s.kind === 'lw' ? insn('lw', { rd: 3, rs1: 0, imm18: address }) : insn('sw', { srcA: 3, srcB: 0, imm18: address });
  });
  words.push(insn('wfi'));
  const machine = new Machine({ memoryBytes: 16 << 20, mmu: { tlb: lru(g), splitTlb } });
  machine.load(wordsImage(words));
  const pt = new PageTables(machine.mem);
  for (let va = 0; va < 0x20000; va += 0x1000) pt.map4k(va, va, V | W | X | A | D);
  machine.cpu.writeCr(CR.PTBR, pt.root);
  machine.cpu.writeCr(CR.STATUS, STATUS.MODE | STATUS.PG);
  const run = machine.run(steps.length + 10);
  expect(run.reason).toBe('wfi-deadlock');
  return machine;
}

/** The TLB references the steps make: per instruction its fetch, then its data access. */
function referenceFor(steps: readonly Step[], g: Geometry, splitTlb: boolean) {
  const clock = { now: 0 };
  const itlb = new ReferenceTlb(g.entries, g.ways, clock);
  const dtlb = splitTlb ? new ReferenceTlb(g.entries, g.ways, clock) : itlb;
  const counts = { fetch: [0, 0], load: [0, 0], store: [0, 0] };
  const count = (tlb: ReferenceTlb, kind: keyof typeof counts, vpn: number): void => {
    const before = tlb.hits;
    tlb.access(vpn);
    const slot = tlb.hits > before ? 0 : 1;
    counts[kind][slot] = counts[kind][slot]! + 1;
  };
  steps.forEach((s, i) => {
    count(itlb, 'fetch', (0x1000 + 4 * i) >>> 12);
    if (s.kind !== 'nop') count(dtlb, s.kind === 'lw' ? 'load' : 'store', DATA_PAGE0 + s.page);
  });
  count(itlb, 'fetch', (0x1000 + 4 * steps.length) >>> 12); // the wfi
  return { itlb, dtlb, counts };
}

function expectSameAsReference(steps: readonly Step[], g: Geometry, splitTlb: boolean): void {
  const m = runSteps(steps, g, splitTlb);
  const ref = referenceFor(steps, g, splitTlb);
  const s = m.stats;
  expect({
    fetch: [s.tlbHits[ACCESS.FETCH], s.tlbMisses[ACCESS.FETCH]],
    load: [s.tlbHits[ACCESS.LOAD], s.tlbMisses[ACCESS.LOAD]],
    store: [s.tlbHits[ACCESS.STORE], s.tlbMisses[ACCESS.STORE]],
  }).toEqual(ref.counts);
  expect(byAge(m.mmu.itlb)).toEqual(ref.itlb.byAge());
  if (splitTlb) expect(byAge(m.mmu.dtlb)).toEqual(ref.dtlb.byAge());
  expect(m.mmu.itlb.evictions + (splitTlb ? m.mmu.dtlb.evictions : 0)).toBe(ref.itlb.evictions + (splitTlb ? ref.dtlb.evictions : 0));
}

describe('the CPU fast path keeps exact LRU', () => {
  it('case 2: unified 4-entry TLB: code page C, loads A B D A E: B is the victim, age order D A E C', () => {
    const g = { name: 'fa4', entries: 4, ways: 4 };
    const page = (p: number): Step => ({ kind: 'lw', page: p, offset: 0 });
    const steps = [page(0), page(1), page(2), page(0), page(3)];
    const m = runSteps(steps, g, false);
    const pageVa = (p: number): number => (DATA_PAGE0 + p) << 12;
    expect(byAge(m.mmu.itlb).map(([, va]) => hex(va))).toEqual([pageVa(2), pageVa(0), pageVa(3), 0x1000].map(hex));
    expect(m.stats.tlbMisses[ACCESS.LOAD]).toBe(4);
    expect(m.stats.tlbHits[ACCESS.LOAD]).toBe(1);
    expect(m.stats.tlbHits[ACCESS.FETCH]).toBe(5);
    expect(m.stats.tlbMisses[ACCESS.FETCH]).toBe(1);
    expectSameAsReference(steps, g, false);
  });

  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 1, arbitrary: fc.constant<Step>({ kind: 'nop' }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom<'lw' | 'sw'>('lw', 'sw'), page: fc.integer({ min: 0, max: 11 }), offset: fc.integer({ min: 0, max: 1023 }) }) },
  );
  // Runs of the same page make the fast path hit many times between MMU calls.
  const program = fc.array(
    fc.tuple(step, fc.integer({ min: 1, max: 6 })).map(([s, n]) => Array.from({ length: n }, () => s)),
    { minLength: 50, maxLength: 500 },
  ).map((runs) => runs.flat());

  describe.each(GEOMETRIES.concat([{ name: 'fully associative 8', entries: 8, ways: 8 }, { name: '2-way 8', entries: 8, ways: 2 }]))('$name', (g) => {
    it.each([[3, false], [4, true]])('case %i: random straight-line programs, split = %s: stats and entries() match the reference', (_n, split) => {
      fc.assert(fc.property(program, (steps) => expectSameAsReference(steps, g, split)), { numRuns: 15, seed: 0x71b + g.entries + g.ways });
    });
  });
});
