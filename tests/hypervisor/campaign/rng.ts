// A small seeded generator for the adversarial campaign (tests/hypervisor/campaign.test.ts): every
// case is rebuilt from its campaign name, its number and the campaign seed alone, so a failure
// can be reproduced with VMMLAB_CAMPAIGN_CASE and VMMLAB_CAMPAIGN_SEED without any recorded state.
// sfc32 (Chris Doty-Humphrey's "small fast counting" generator, as in PractRand), seeded through
// a 32-bit string hash; nothing here depends on Math.random.

/** FNV-1a over the text, then a murmur3 finalizer: a well-mixed 32-bit seed. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seed of case `n` of a campaign. */
export function caseSeed(campaign: string, n: number, campaignSeed: number): number {
  return hashSeed(`${campaign}#${n}@${campaignSeed >>> 0}`);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [min, max] (both inclusive; the span must fit 32 bits). */
  int(min: number, max: number): number {
    return min + Math.floor((this.u32() / 2 ** 32) * (max - min + 1));
  }

  /** True with probability `percent` %. */
  chance(percent: number): boolean {
    return this.u32() / 2 ** 32 < percent / 100;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of the items, each with its weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let r = this.int(0, total - 1);
    for (const [w, item] of choices) {
      if (r < w) return item;
      r -= w;
    }
    return choices[choices.length - 1]![1];
  }
}
