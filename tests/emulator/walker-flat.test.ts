// The miss path's written-out walks (Walker.walkFlat for the TV32 tables, natively and through
// an EPT, and Walker.walkEpt for the EPT alone) against the general walker loop they stand in
// for when no page-walk cache or trace is attached: on random tables (entries present or not,
// superpages aligned or not, frames inside and beyond memory, roots anywhere), every EPT format,
// the same outcome, every field of the result and the same references counted.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PTE } from '../../isa/arch.ts';
import { PhysicalMemory } from '../../emulator/memory.ts';
import { TV32_PAGING, eptPagingMode, type PagingMode } from '../../emulator/paging-mode.ts';
import { StageResult, Walker, type NestedStage } from '../../emulator/walker.ts';

const FRAMES = 64;
const RUNS = Number(process.env.VMMLAB_FUZZ_RUNS ?? 0) > 0 ? 60 * Number(process.env.VMMLAB_FUZZ_RUNS) : 400;

/** Memory whose every word is a plausible table entry: mostly present, frames mostly inside memory, some superpages. */
function randomMemory(seed: number): PhysicalMemory {
  const mem = new PhysicalMemory(FRAMES * 4096);
  let x = seed | 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < mem.i32.length; i++) {
    const r = next();
    const frame = r % 8 === 0 ? next() >>> 12 : next() % (FRAMES + 4);
    // Superpage frames: aligned (a multiple of 1024 frames), off by half a superpage, or anywhere.
    const large = r % 5 === 0 ? PTE.L : 0;
    const aligned = !large ? frame : r % 3 === 0 ? frame & ~1023 : r % 3 === 1 ? (frame & ~1023) | 512 : frame;
    mem.i32[i] = (aligned << 12) | large | (r % 7 === 0 ? 0 : PTE.V) | ((r >>> 8) & 0x7e & ~PTE.L);
  }
  return mem;
}

function fields(out: StageResult): Record<string, unknown> {
  return { ...out };
}

const MODES: PagingMode[] = [1, 2, 3, 4].flatMap((levels) => [eptPagingMode(levels, false), eptPagingMode(levels, true)]);

describe('the written-out walks against the general walker', () => {
  const root = fc.oneof(fc.integer({ min: 0, max: FRAMES + 2 }).map((f) => f << 12), fc.integer({ min: 0, max: 0xfffff }).map((f) => (f << 12) >>> 0));
  const addr = fc.integer({ min: 0, max: 0xffffffff });

  /** Both walkers on the same memory, each with a fresh result: the same outcome, fields and references. */
  const expectSameWalk = (mem: PhysicalMemory, general: (w: Walker, out: StageResult) => number, written: (w: Walker, out: StageResult) => number): void => {
    const [g, f] = [new Walker(mem), new Walker(mem)];
    const [gOut, fOut] = [new StageResult(), new StageResult()];
    expect(written(f, fOut)).toBe(general(g, gOut));
    expect(fields(fOut)).toEqual(fields(gOut));
    expect([f.guestRefs, f.eptRefs]).toEqual([g.guestRefs, g.eptRefs]);
  };

  it('case 2: walkFlat is walk(TV32_PAGING, ..., null): natively and on a shadow VMM\'s tables', () => {
    fc.assert(fc.property(fc.integer(), root, addr, (seed, r, a) => {
      expectSameWalk(randomMemory(seed), (w, out) => w.walk(TV32_PAGING, r, a, 'guest', out, null), (w, out) => w.walkFlat(r, a, out, null));
    }), { numRuns: RUNS, seed: 0xf1a7 });
  });

  it('case 3: walkFlat through an EPT is walk(TV32_PAGING, ..., nested), in every EPT format', () => {
    fc.assert(fc.property(fc.integer(), root, root, addr, fc.constantFrom(...MODES), (seed, r, eptRoot, a, mode) => {
      const nested: NestedStage = { mode, root: eptRoot };
      expectSameWalk(randomMemory(seed), (w, out) => w.walk(TV32_PAGING, r, a, 'guest', out, nested), (w, out) => w.walkFlat(r, a, out, nested));
    }), { numRuns: RUNS, seed: 0xf1a8 });
  });

  it('case 4: walkEpt is walk(mode, ..., \'ept\', null), in every EPT format', () => {
    fc.assert(fc.property(fc.integer(), root, addr, fc.constantFrom(...MODES), (seed, r, a, mode) => {
      expectSameWalk(randomMemory(seed), (w, out) => w.walk(mode, r, a, 'ept', out, null), (w, out) => w.walkEpt(mode, r, a, out));
    }), { numRuns: RUNS, seed: 0xf1a9 });
  });

  it('case 5: the random tables reach every outcome', () => {
    const seen = new Set<number>();
    const mem = randomMemory(7);
    const w = new Walker(mem);
    for (let i = 0; i < 4000; i++) {
      const nested = i % 2 === 0 ? null : { mode: MODES[i % MODES.length]!, root: (i % FRAMES) << 12 };
      seen.add(w.walkFlat(((i * 7) % (FRAMES + 2)) << 12, Math.imul(i, 0x9e3779b9) >>> 0, new StageResult(), nested));
    }
    // OK, not present, misaligned superpage, bus error, EPT violation.
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
