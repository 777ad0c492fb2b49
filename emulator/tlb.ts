// The TLB: a set-associative cache of translations, kept in typed arrays.
//
// Each entry maps one page (4 KiB, or a larger page: a 4 MiB superpage, or an EPT large page
// folded into a combined translation) to a physical base address, with the leaf's permission bits.
// Entries are tagged with a context: ASID in bits [7:0], VPID in bits [15:8]; a Global entry
// matches every ASID of its VPID (isa/README.md, "TLB"). Replacement is exact LRU by timestamps,
// or seeded random.
//
// A miss must cost what the cycle model says, not several times more in host time, so the
// bookkeeping beside the entries answers the miss path's questions without scanning what it need
// not: a count of the valid entries of each large page size (a lookup probes only the sizes
// present: a TLB of 4 KiB pages probes one set) and, in sets of INDEXED_WAYS ways or more, a hash
// of the cached pages, each set's LRU order as a list, its count of valid entries and a bitmap of
// its free ways. Smaller sets are scanned, one pass per lookup and one per fill. Either way the
// victim is the one the plain rule names: the entry for the same page in the same context, else
// the lowest free way, else the least recently stamped (the lowest index on a tie) or the seeded
// random way.
// tests/emulator/tlb-model.test.ts checks every answer against the plain scans, kept in
// tests/emulator/reference-tlb.ts; `npm run bench -- tlb` times both.
//
// Every change to an entry goes through the methods here, LRU stamps included (`touch`: the
// CPU's fast path stamps its hits lazily through it, see cpu.ts), so the bookkeeping is exact.

import { PAGE_SHIFT as ARCH_PAGE_SHIFT, PTE } from '../isa/arch.ts';

// Module constants, not imported bindings: under a CommonJS transform (tsx's) those are getter calls.
const PAGE_SHIFT = ARCH_PAGE_SHIFT;
const PTE_G = PTE.G;

export interface TlbConfig {
  /** Total entries: a power of two, at least 1. */
  readonly entries: number;
  /** Ways per set: a power of two dividing entries; ways = entries is fully associative. */
  readonly ways: number;
  readonly replacement: 'lru' | 'random';
  /** Seed of the random replacement generator. */
  readonly seed: number;
}

export const DEFAULT_TLB: TlbConfig = { entries: 64, ways: 4, replacement: 'lru', seed: 1 };

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Flag kept in `flags` beside the PTE bits: the entry maps a page larger than 4 KiB. */
const LARGE = 1 << 16;
const VALID = 1 << 17;
const NONE = -1;
/**
 * Sets of this many ways or more keep a page hash, an LRU list and a free-way bitmap; smaller
 * sets are scanned, which measures faster up to 8 ways (`npm run bench -- tlb`).
 */
export const INDEXED_WAYS = 16;

/** Does an entry with these flags and this context serve `context`? A Global entry serves every ASID of its VPID, within the same paging space (bit 16). */
function contextMatches(flags: number, entryContext: number, context: number): boolean {
  return entryContext === context || ((flags & PTE_G) !== 0 && entryContext >>> 8 === context >>> 8);
}

/** Does entry a come before (is it more recently used than) entry b in LRU order? On equal stamps the higher index does, so the scan's victim (lowest index) is last. */
function lruBefore(lastUse: Float64Array, a: number, b: number): boolean {
  const ta = lastUse[a]!, tb = lastUse[b]!;
  return ta > tb || (ta === tb && a > b);
}

export function checkTlbConfig(c: TlbConfig): string | undefined {
  if (!isPowerOfTwo(c.entries) || c.entries > 65536) return `TLB entries must be a power of two from 1 to 65536 (got ${c.entries})`;
  if (!isPowerOfTwo(c.ways) || c.ways > c.entries) return `TLB ways must be a power of two from 1 to the entry count (got ${c.ways})`;
  return undefined;
}

export class Tlb {
  readonly config: TlbConfig;
  readonly sets: number;
  readonly ways: number;
  /** Virtual page number: va >>> 12 for 4 KiB pages, va >>> pageShift for larger ones. */
  readonly tag: Int32Array;
  readonly pageShift: Uint8Array;
  /**
   * The size of the guest's own page that this entry is a piece of (>= pageShift): invlpg drops
   * the whole guest page. Under EPT a guest superpage over 4 KiB EPT pages is cached as several
   * 4 KiB entries, each remembering that it belongs to a 4 MiB guest page.
   */
  readonly guestPageShift: Uint8Array;
  readonly context: Int32Array;
  /** Physical base address of the page. */
  readonly base: Int32Array;
  /** PTE bits of the leaf (V W X U G A D), plus LARGE and VALID; 0 for a free way. Read only: write through the methods. */
  readonly flags: Int32Array;
  /** LRU timestamps, from the MMU's clock, always increasing. Read only: stamp through `touch`. */
  readonly lastUse: Float64Array;
  private rng: number;
  private readonly random: boolean;
  /** Entries dropped by replacement. */
  evictions = 0;

  /** log2(ways): an entry's set is its index >> waysShift. */
  private readonly waysShift: number;
  /** Valid entries per large page size (indexed by pageShift, 13 to 31). */
  private readonly largeCount = new Int32Array(32);
  /** Bit n set: some valid entry has pageShift n > 12. `find` probes only these sizes. */
  private largeShifts = 0;

  // Indexed sets only (ways >= INDEXED_WAYS); empty otherwise.
  private readonly indexed: boolean;
  /** Valid entries per set (a full set needs no search for a free way). */
  private readonly setValid: Int32Array;
  /** 32 - log2(buckets) of the page hash. */
  private readonly hashShift: number;
  /** Per hash bucket: its first valid entry; chains are kept in index order, so the first match is the lowest way. */
  private readonly bucketHead: Int32Array;
  private readonly chainNext: Int32Array;
  private readonly chainPrev: Int32Array;
  /** Per set: the most and the least recently used valid entry (NONE when the set is empty). */
  private readonly lruHead: Int32Array;
  private readonly lruTail: Int32Array;
  /** The list from most to least recently used: by lastUse, then by index (the lower one older). */
  private readonly lruOlder: Int32Array;
  private readonly lruNewer: Int32Array;
  /** Bit (i & 31) of word i >> 5 set: entry i is free. */
  private readonly freeBits: Int32Array;

  constructor(config: TlbConfig = DEFAULT_TLB) {
    const problem = checkTlbConfig(config);
    if (problem) throw new RangeError(problem);
    const n = config.entries;
    this.config = config;
    this.ways = config.ways;
    this.sets = n / config.ways;
    this.tag = new Int32Array(n);
    this.pageShift = new Uint8Array(n);
    this.guestPageShift = new Uint8Array(n);
    this.context = new Int32Array(n);
    this.base = new Int32Array(n);
    this.flags = new Int32Array(n);
    this.lastUse = new Float64Array(n);
    this.rng = config.seed | 0 || 1;
    this.random = config.replacement === 'random';
    this.waysShift = 31 - Math.clz32(config.ways);
    this.indexed = config.ways >= INDEXED_WAYS;
    this.setValid = new Int32Array(this.indexed ? this.sets : 0);
    const buckets = this.indexed ? 2 * n : 0;
    this.hashShift = this.indexed ? 32 - (31 - Math.clz32(buckets)) : 0;
    this.bucketHead = new Int32Array(buckets).fill(NONE);
    this.chainNext = new Int32Array(this.indexed ? n : 0);
    this.chainPrev = new Int32Array(this.indexed ? n : 0);
    this.lruHead = new Int32Array(this.indexed ? this.sets : 0).fill(NONE);
    this.lruTail = new Int32Array(this.indexed ? this.sets : 0).fill(NONE);
    this.lruOlder = new Int32Array(this.indexed ? n : 0);
    this.lruNewer = new Int32Array(this.indexed ? n : 0);
    this.freeBits = new Int32Array(this.indexed ? (n + 31) >>> 5 : 0).fill(-1);
  }

  /**
   * Find the entry for a 4 KiB virtual page number in a context; -1 on a miss. A hit is stamped
   * most recently used. Large-page entries live in the set their own page number indexes.
   */
  lookup(vpn: number, context: number, stamp: number): number {
    if (this.indexed) {
      this.missWay = NONE;
      const i = this.findIndexed(vpn, context);
      if (i >= 0) this.touch(i, stamp);
      return i;
    }
    // `find`'s scan of a small set, which on a miss also names the way a 4 KiB fill of the page
    // would take (`victimScanned`'s choice: no way holds the page, or the scan would have hit it).
    const tag = this.tag;
    const flags = this.flags;
    const lastUse = this.lastUse;
    const first = (vpn & (this.sets - 1)) * this.ways;
    let free = NONE;
    let oldest = NONE;
    let oldestUse = Infinity;
    for (let i = first, end = first + this.ways; i < end; i++) {
      const f = flags[i]!;
      if ((f & VALID) === 0) {
        if (free < 0) free = i;
        continue;
      }
      if (tag[i] === vpn && (f & LARGE) === 0 && contextMatches(f, this.context[i]!, context)) {
        lastUse[i] = stamp;
        return i;
      }
      const used = lastUse[i]!;
      if (used < oldestUse) {
        oldestUse = used;
        oldest = i;
      }
    }
    this.missWay = free >= 0 ? free : this.random ? NONE : oldest;
    if (this.largeShifts === 0) return -1;
    const i = this.findLarge(vpn, context);
    if (i >= 0) this.touch(i, stamp);
    return i;
  }

  /**
   * After a `lookup` that missed: the way `insert` would choose for a 4 KiB fill of that page in
   * that context, or -1 when the lookup cannot tell (an indexed set, random replacement in a
   * full set, or a lookup that hit). It holds only while the TLB is unchanged since the lookup:
   * the MMU passes it to the `insert` of the same miss, with nothing in between but the walk.
   */
  missWay = NONE;

  /** Stamp entry i used at `stamp` (the MMU's clock; the CPU's fast path stamps its hits here). */
  touch(i: number, stamp: number): void {
    this.lastUse[i] = stamp;
    if (this.indexed) this.lruStamped(i);
  }

  /**
   * The entry that would serve a lookup, without touching its LRU stamp: the lowest way of the
   * page's set holding a 4 KiB entry for it, else the same for each large page size present,
   * smallest first.
   */
  find(vpn: number, context: number): number {
    if (this.indexed) return this.findIndexed(vpn, context);
    const tag = this.tag;
    const flags = this.flags;
    const first = (vpn & (this.sets - 1)) * this.ways;
    for (let i = first, end = first + this.ways; i < end; i++) {
      const f = flags[i]!;
      if (tag[i] === vpn && (f & (VALID | LARGE)) === VALID && contextMatches(f, this.context[i]!, context)) return i;
    }
    return this.largeShifts === 0 ? -1 : this.findLarge(vpn, context);
  }

  /**
   * Large entries: one probe per large page size present (superpages are 22 bits; EPT large
   * pages fold to the smaller of the two stages, never below 4 KiB), smallest first.
   */
  private findLarge(vpn: number, context: number): number {
    const tag = this.tag;
    const flags = this.flags;
    const mask = this.sets - 1;
    for (let shifts = this.largeShifts; shifts !== 0;) {
      const lowest = shifts & -shifts;
      shifts ^= lowest;
      const shift = 31 - Math.clz32(lowest);
      const pageNumber = vpn >>> (shift - PAGE_SHIFT);
      if (this.indexed) {
        for (let i = this.bucketHead[this.bucket(pageNumber, shift)]!; i >= 0; i = this.chainNext[i]!) {
          if (tag[i] === pageNumber && this.pageShift[i] === shift && contextMatches(flags[i]!, this.context[i]!, context)) return i;
        }
        continue;
      }
      const first = (pageNumber & mask) * this.ways;
      for (let i = first, end = first + this.ways; i < end; i++) {
        const f = flags[i]!;
        if (tag[i] === pageNumber && this.pageShift[i] === shift && (f & VALID) !== 0 && contextMatches(f, this.context[i]!, context)) return i;
      }
    }
    return -1;
  }

  /** `find` in an indexed set: the 4 KiB page's hash chain (every entry on a chain is valid). */
  private findIndexed(vpn: number, context: number): number {
    for (let i = this.bucketHead[this.bucket(vpn, PAGE_SHIFT)]!; i >= 0; i = this.chainNext[i]!) {
      if (this.tag[i] === vpn && this.pageShift[i] === PAGE_SHIFT && contextMatches(this.flags[i]!, this.context[i]!, context)) return i;
    }
    return this.largeShifts === 0 ? -1 : this.findLarge(vpn, context);
  }

  /**
   * Install a translation and return its index. `pageShift` is 12 for a 4 KiB page, 22 for a
   * superpage. `leafBits` are the PTE's permission and A/D bits. `guestPageShift` is the size of
   * the first-stage page the translation belongs to, when that is larger than the entry. `way`
   * is `missWay` from the lookup of this miss (the TLB unchanged since), or -1.
   */
  insert(va: number, pageShift: number, context: number, physBase: number, leafBits: number, stamp: number, guestPageShift = pageShift, way = NONE): number {
    const pageNumber = va >>> pageShift;
    const set = pageNumber & (this.sets - 1);
    const victim = way >= 0 && pageShift === PAGE_SHIFT ? way
      : this.indexed ? this.victimIndexed(set, pageNumber, pageShift, context) : this.victimScanned(set, pageNumber, pageShift, context);
    if (this.flags[victim]! & VALID) {
      this.evictions++;
      this.unlink(victim);
    }
    this.tag[victim] = pageNumber;
    this.pageShift[victim] = pageShift;
    this.guestPageShift[victim] = guestPageShift;
    this.context[victim] = context;
    this.base[victim] = physBase;
    this.flags[victim] = (leafBits & 0xff) | VALID | (pageShift > PAGE_SHIFT ? LARGE : 0);
    this.lastUse[victim] = stamp;
    this.link(victim);
    return victim;
  }

  /**
   * The way to fill, in a small set, in one pass: an entry for the same page in the same context
   * (so no page is ever cached twice), else the lowest free way, else the replacement policy's.
   */
  private victimScanned(set: number, pageNumber: number, pageShift: number, context: number): number {
    const first = set * this.ways;
    const end = first + this.ways;
    const flags = this.flags;
    const tag = this.tag;
    const shifts = this.pageShift;
    const contexts = this.context;
    const lastUse = this.lastUse;
    let free = -1;
    let oldest = -1;
    let oldestUse = Infinity;
    for (let i = first; i < end; i++) {
      if ((flags[i]! & VALID) === 0) {
        if (free < 0) free = i;
        continue;
      }
      if (tag[i] === pageNumber && contexts[i] === context && shifts[i] === pageShift) return i;
      // The first of the least recently stamped (used only when no way is free).
      const used = lastUse[i]!;
      if (used < oldestUse) {
        oldestUse = used;
        oldest = i;
      }
    }
    if (free >= 0) return free;
    return this.random ? first + this.nextRandom() : oldest;
  }

  /** The same choice in an indexed set: the page hash, the free-way bitmap, the LRU list's tail. */
  private victimIndexed(set: number, pageNumber: number, pageShift: number, context: number): number {
    const next = this.chainNext;
    for (let i = this.bucketHead[this.bucket(pageNumber, pageShift)]!; i >= 0; i = next[i]!) {
      if (this.tag[i] === pageNumber && this.pageShift[i] === pageShift && this.context[i] === context) return i;
    }
    const first = set * this.ways;
    if (this.setValid[set]! < this.ways) {
      // The lowest set bit of the set's part of the bitmap: a part of one word, or whole words.
      const freeBits = this.freeBits;
      if (this.ways < 32) {
        const bits = (freeBits[first >>> 5]! >>> (first & 31)) & ((1 << this.ways) - 1);
        if (bits !== 0) return first + 31 - Math.clz32(bits & -bits);
      } else {
        for (let w = first >>> 5, end = (first + this.ways) >>> 5; w < end; w++) {
          const bits = freeBits[w]!;
          if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
        }
      }
    }
    return this.random ? first + this.nextRandom() : this.lruTail[set]!;
  }

  /** xorshift32: deterministic for a given seed. A way number within the set. */
  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return (x >>> 0) % this.ways;
  }

  invalidate(i: number): void {
    if (this.flags[i]! & VALID) this.unlink(i);
    this.flags[i] = 0;
  }

  /** tlbflush: drop everything, Global entries included. */
  flushAll(): void {
    this.flags.fill(0);
    this.largeCount.fill(0);
    this.largeShifts = 0;
    if (this.indexed) {
      this.setValid.fill(0);
      this.bucketHead.fill(NONE);
      this.lruHead.fill(NONE);
      this.lruTail.fill(NONE);
      this.freeBits.fill(-1);
    }
  }

  /** What a PTBR write does: drop the non-Global entries of one context. */
  flushContext(context: number): void {
    for (let i = 0; i < this.flags.length; i++) {
      if (this.context[i] === context && (this.flags[i]! & (VALID | PTE_G)) === VALID) this.invalidate(i);
    }
  }

  /** Drop the non-Global and Global entries of every context in one VPID (a VM switch without VPIDs flushes all). */
  flushVpid(vpid: number): void {
    for (let i = 0; i < this.flags.length; i++) if (((this.context[i]! >>> 8) & 0xff) === vpid) this.invalidate(i);
  }

  /**
   * invlpg: drop every entry mapping the page that holds va, in every ASID of the VPID: every
   * piece of it, when the guest's page (a superpage) is cached as several smaller entries.
   */
  flushPage(va: number, vpid: number): void {
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i]! & VALID) || ((this.context[i]! >>> 8) & 0xff) !== vpid) continue;
      const guestShift = this.guestPageShift[i]!;
      const entryVa = (this.tag[i]! << this.pageShift[i]!) >>> 0;
      if (entryVa >>> guestShift === va >>> guestShift) this.invalidate(i);
    }
  }

  /** Drop every entry of a VPID whose page overlaps [vaStart, vaEnd). */
  flushRange(vaStart: number, vaEnd: number, vpid: number): void {
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i]! & VALID) || ((this.context[i]! >>> 8) & 0xff) !== vpid) continue;
      const shift = this.pageShift[i]!;
      const start = this.tag[i]! * 2 ** shift;
      if (start < vaEnd && start + 2 ** shift > vaStart) this.invalidate(i);
    }
  }

  isValid(i: number): boolean {
    return (this.flags[i]! & VALID) !== 0;
  }

  /** Bit n set: some valid entry maps a page of 2^n bytes, n > 12 (the sizes a lookup probes beyond 4 KiB). For tests and views. */
  get largePageShifts(): number {
    return this.largeShifts;
  }

  // ---- The bookkeeping: every entry that becomes valid is linked, every one that stops being valid unlinked ----

  /** Entry i has just been filled (its fields written, VALID set). */
  private link(i: number): void {
    const shift = this.pageShift[i]!;
    if (shift > PAGE_SHIFT && this.largeCount[shift]++ === 0) this.largeShifts |= 1 << shift;
    if (!this.indexed) return;
    const set = i >>> this.waysShift;
    this.setValid[set]++;
    this.freeBits[i >>> 5] &= ~(1 << (i & 31));
    // Into its hash chain, in index order.
    const b = this.bucket(this.tag[i]!, shift);
    let before = NONE;
    let after = this.bucketHead[b]!;
    while (after >= 0 && after < i) {
      before = after;
      after = this.chainNext[after]!;
    }
    this.chainPrev[i] = before;
    this.chainNext[i] = after;
    if (before >= 0) this.chainNext[before] = i;
    else this.bucketHead[b] = i;
    if (after >= 0) this.chainPrev[after] = i;
    this.lruInsert(i, set);
  }

  /** Entry i is valid and is about to be dropped or overwritten. */
  private unlink(i: number): void {
    const shift = this.pageShift[i]!;
    if (shift > PAGE_SHIFT && --this.largeCount[shift]! === 0) this.largeShifts &= ~(1 << shift);
    if (!this.indexed) return;
    const set = i >>> this.waysShift;
    this.setValid[set]--;
    this.freeBits[i >>> 5] |= 1 << (i & 31);
    const before = this.chainPrev[i]!;
    const after = this.chainNext[i]!;
    if (before >= 0) this.chainNext[before] = after;
    else this.bucketHead[this.bucket(this.tag[i]!, shift)] = after;
    if (after >= 0) this.chainPrev[after] = before;
    this.lruRemove(i, set);
  }

  private bucket(pageNumber: number, shift: number): number {
    return Math.imul(pageNumber ^ Math.imul(shift, 0x9e3779b9), 0x85ebca6b) >>> this.hashShift;
  }

  /** An entry in an indexed set was stamped: if valid, move it to its place (the front, for an increasing clock). */
  private lruStamped(i: number): void {
    if (!(this.flags[i]! & VALID)) return;
    const set = i >>> this.waysShift;
    if (this.lruHead[set] === i) {
      const older = this.lruOlder[i]!;
      if (older < 0 || lruBefore(this.lastUse, i, older)) return;
    }
    this.lruRemove(i, set);
    this.lruInsert(i, set);
  }

  /** Insert a valid entry into its set's LRU list after every entry newer than it (at the front, for the newest stamp). */
  private lruInsert(i: number, set: number): void {
    const lastUse = this.lastUse;
    let newer = NONE;
    let older = this.lruHead[set]!;
    while (older >= 0 && lruBefore(lastUse, older, i)) {
      newer = older;
      older = this.lruOlder[older]!;
    }
    this.lruNewer[i] = newer;
    this.lruOlder[i] = older;
    if (newer >= 0) this.lruOlder[newer] = i;
    else this.lruHead[set] = i;
    if (older >= 0) this.lruNewer[older] = i;
    else this.lruTail[set] = i;
  }

  private lruRemove(i: number, set: number): void {
    const newer = this.lruNewer[i]!;
    const older = this.lruOlder[i]!;
    if (newer >= 0) this.lruOlder[newer] = older;
    else this.lruHead[set] = older;
    if (older >= 0) this.lruNewer[older] = newer;
    else this.lruTail[set] = newer;
  }

  /** A readable snapshot, for the debugger and tests. */
  entries(): TlbEntryView[] {
    const out: TlbEntryView[] = [];
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i]! & VALID)) continue;
      const shift = this.pageShift[i]!;
      out.push({
        index: i,
        set: Math.floor(i / this.ways),
        way: i % this.ways,
        va: (this.tag[i]! << shift) >>> 0,
        pa: this.base[i]! >>> 0,
        pageBytes: 2 ** shift,
        guestPageBytes: 2 ** this.guestPageShift[i]!,
        asid: this.context[i]! & 0xff,
        vpid: (this.context[i]! >>> 8) & 0xff,
        pagingOff: (this.context[i]! & (1 << 16)) !== 0,
        bits: this.flags[i]! & 0xff,
        lastUse: this.lastUse[i]!,
      });
    }
    return out;
  }
}

export interface TlbEntryView {
  index: number;
  set: number;
  way: number;
  va: number;
  pa: number;
  pageBytes: number;
  /** The guest page this entry is a piece of (larger than pageBytes for a split superpage). */
  guestPageBytes: number;
  asid: number;
  vpid: number;
  /** Filled while the guest's paging was off (guest-physical identity). */
  pagingOff: boolean;
  bits: number;
  lastUse: number;
}
