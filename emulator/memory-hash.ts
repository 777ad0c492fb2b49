// A fingerprint of memory, to tell whether two runs left the same bytes (the equivalence tests,
// the debugger's `info hash`, exactness checks after a reverse step). Four independent 32-bit
// lanes take one word each per step with xxHash32's round (multiply, rotate, multiply), and the
// digest mixes the lanes with the length and avalanches them: 128 bits, written as 32 hex digits.
// It is not cryptographic, and needs no node:crypto, so it runs in a browser worker as in Node
// and gives the same digest in both.

const PRIME1 = 0x9e3779b1 | 0;
const PRIME2 = 0x85ebca77 | 0;
const PRIME3 = 0xc2b2ae3d | 0;

const round = (lane: number, word: number): number => {
  const x = (lane + Math.imul(word, PRIME2)) | 0;
  return Math.imul((x << 13) | (x >>> 19), PRIME1);
};

const avalanche = (h: number): number => {
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
};

export class MemoryHasher {
  private a = 0x243f6a88;
  private b = 0x85a308d3 | 0;
  private c = 0x13198a2e;
  private d = 0x03707344;
  private words = 0;

  /** Add bytes: a whole number of 16-byte groups, starting at a multiple of 4 in their buffer. */
  update(bytes: Uint8Array): void {
    if (bytes.length % 16 !== 0 || bytes.byteOffset % 4 !== 0) throw new RangeError('MemoryHasher takes aligned 16-byte groups');
    const w = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    let { a, b, c, d } = this;
    for (let i = 0; i < w.length; i += 4) {
      a = round(a, w[i]!);
      b = round(b, w[i + 1]!);
      c = round(c, w[i + 2]!);
      d = round(d, w[i + 3]!);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.words += w.length;
  }

  /** 32 hex digits; each depends on every lane. */
  digest(): string {
    const { a, b, c, d, words } = this;
    const rot = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
    const h1 = avalanche((a + rot(b, 7) + rot(c, 12) + rot(d, 18) + words) | 0);
    const h2 = avalanche(b ^ Math.imul(h1, PRIME2));
    const h3 = avalanche(c ^ Math.imul(h2, PRIME3));
    const h4 = avalanche(d ^ Math.imul(h3, PRIME1));
    return [h1, h2, h3, h4].map((x) => x.toString(16).padStart(8, '0')).join('');
  }
}
