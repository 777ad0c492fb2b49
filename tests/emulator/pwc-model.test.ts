// The page-walk cache (emulator/pwc.ts: typed arrays, a hash and one LRU list per stage) against
// the two Maps it replaced (reference-pwc.ts, the old algorithm verbatim): random sequences of
// lookups, inserts (new and existing keys, either stage), flushes and clones must give the same
// answers, the same hit and miss counts and the same contents in the same LRU order, at every
// capacity, the shared-capacity eviction (the larger stage loses, the guest stage on a tie)
// included.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageWalkCache } from '../../emulator/pwc.ts';
import { MapPageWalkCache } from './reference-pwc.ts';

type Stage = 'guest' | 'ept';
type Op =
  | { kind: 'lookup'; stage: Stage; addr: number }
  | { kind: 'insert'; stage: Stage; addr: number; value: number }
  | { kind: 'flushGuest' | 'flushAll' | 'clone' };

function ops(capacity: number): fc.Arbitrary<Op[]> {
  const stage = fc.constantFrom<Stage>('guest', 'ept');
  // Addresses from a window a few times the capacity (word-aligned, as entries are), and high ones.
  const addr = fc.oneof(
    fc.integer({ min: 0, max: 3 * capacity + 4 }).map((n) => 0x300000 + 4 * n),
    fc.integer({ min: 0, max: 7 }).map((n) => (0xfffffff0 + 4 * (n & 3)) >>> 0),
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('lookup' as const), stage, addr }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('insert' as const), stage, addr, value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }) },
    { weight: 1, arbitrary: fc.constantFrom<Op>({ kind: 'flushGuest' }, { kind: 'flushAll' }, { kind: 'clone' }) },
  );
  return fc.array(op, { minLength: 1, maxLength: Math.max(300, 6 * capacity) });
}

/** The reference's contents, least recently used first (its Maps' insertion order). */
function referenceContents(ref: MapPageWalkCache, stage: Stage): [number, number][] {
  return [...(ref as unknown as Record<Stage, Map<number, number>>)[stage]];
}

function runBoth(capacity: number, sequence: readonly Op[]): void {
  let pwc = new PageWalkCache(capacity);
  let ref = new MapPageWalkCache(capacity);
  sequence.forEach((op, step) => {
    const where = `operation ${step}: ${JSON.stringify(op)}`;
    switch (op.kind) {
      case 'lookup': {
        const expected = ref.lookup(op.stage, op.addr);
        expect(pwc.lookup(op.stage, op.addr), where).toBe(expected !== undefined);
        if (expected !== undefined) expect(pwc.value, where).toBe(expected);
        break;
      }
      case 'insert': pwc.insert(op.stage, op.addr, op.value); ref.insert(op.stage, op.addr, op.value); break;
      case 'flushGuest': pwc.flushGuest(); ref.flushGuest(); break;
      case 'flushAll': pwc.flushAll(); ref.flushAll(); break;
      case 'clone': {
        // What Mmu.probe does: work on a copy. The copy must behave as the original from here on.
        const [hits, misses] = [pwc.hits, pwc.misses];
        pwc = pwc.clone();
        ref = ref.clone();
        expect([pwc.hits, pwc.misses], where).toEqual([0, 0]);
        pwc.hits = ref.hits = hits;
        pwc.misses = ref.misses = misses;
        break;
      }
    }
    expect([pwc.hits, pwc.misses, pwc.size], where).toEqual([ref.hits, ref.misses, ref.size]);
    expect(pwc.contents('guest'), where).toEqual(referenceContents(ref, 'guest'));
    expect(pwc.contents('ept'), where).toEqual(referenceContents(ref, 'ept'));
  });
}

describe('the page-walk cache against the Maps it replaced', () => {
  it.each([[2, 1], [3, 2], [4, 3], [5, 16], [6, 64]])('case %i: %i entries: same answers, counts and LRU contents after every operation', (_n, capacity) => {
    fc.assert(fc.property(ops(capacity), (sequence) => runBoth(capacity, sequence)), { numRuns: 60, seed: 0x9c + capacity });
  });

  it('case 7: one entry, the EPT stage holding it: a new guest entry is the one evicted (the guest stage loses ties)', () => {
    const pwc = new PageWalkCache(1);
    pwc.insert('ept', 0x1000, 1);
    pwc.insert('guest', 0x2000, 2);
    expect(pwc.contents('ept')).toEqual([[0x1000, 1]]);
    expect(pwc.contents('guest')).toEqual([]);
    expect(pwc.lookup('guest', 0x2000)).toBe(false);
  });
});
