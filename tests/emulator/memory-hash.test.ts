// The memory fingerprint (emulator/memory-hash.ts): equal bytes give equal digests, and any
// change of one word, of the length, or of the order of frames changes all of it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryHasher } from '../../emulator/memory-hash.ts';

const digest = (...frames: Uint8Array[]): string => {
  const h = new MemoryHasher();
  for (const f of frames) h.update(f);
  return h.digest();
};

describe('MemoryHasher', () => {
  it('case 1: the same bytes give the same 32 hex digits, however they are split', () => {
    const bytes = new Uint8Array(8192).map((_, i) => (i * 31) & 255);
    expect(digest(bytes)).toMatch(/^[0-9a-f]{32}$/);
    expect(digest(bytes.subarray(0, 4096), bytes.subarray(4096))).toBe(digest(bytes));
  });

  it('case 2: a changed byte anywhere changes every 8-digit part of the digest', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 1, max: 255 }), (at, value) => {
      const zero = new Uint8Array(4096);
      const one = new Uint8Array(4096);
      one[at] = value;
      const [x, y] = [digest(zero), digest(one)];
      for (let part = 0; part < 4; part++) expect(x.slice(part * 8, part * 8 + 8)).not.toBe(y.slice(part * 8, part * 8 + 8));
    }), { numRuns: 300, seed: 7 });
  });

  it('case 3: the length and the order of frames count', () => {
    const a = new Uint8Array(4096).fill(1);
    const b = new Uint8Array(4096).fill(2);
    expect(digest(new Uint8Array(4096))).not.toBe(digest(new Uint8Array(8192)));
    expect(digest(a, b)).not.toBe(digest(b, a));
  });

  it('case 4: refuses bytes it cannot read as whole groups of words', () => {
    expect(() => new MemoryHasher().update(new Uint8Array(10))).toThrow(RangeError);
  });
});
