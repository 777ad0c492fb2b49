// A test-only reference: the TLB exactly as emulator/tlb.ts implemented it before issue 16's
// miss-path work (linear probes of every large-page size, linear LRU victim scans, flags written
// in place). tlb-model.test.ts runs it beside the real Tlb on random operation sequences and
// requires the same answers, the same entries and the same victims. Do not "improve" this file:
// its value is that it is the old algorithm, verbatim.

import { PAGE_SHIFT, PTE } from '../../isa/arch.ts';
import { checkTlbConfig, type TlbConfig, type TlbEntryView } from '../../emulator/tlb.ts';

const LARGE = 1 << 16;
const VALID = 1 << 17;

export class ScanTlb {
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
  /** PTE bits of the leaf (V W X U G A D), plus LARGE and VALID. */
  readonly flags: Int32Array;
  /** LRU timestamps, from the MMU's clock; the CPU's fast path stamps hits itself. */
  readonly lastUse: Float64Array;
  private rng: number;
  /** Entries dropped by replacement. */
  evictions = 0;

  constructor(config: TlbConfig) {
    const problem = checkTlbConfig(config);
    if (problem) throw new RangeError(problem);
    this.config = config;
    this.ways = config.ways;
    this.sets = config.entries / config.ways;
    this.tag = new Int32Array(config.entries);
    this.pageShift = new Uint8Array(config.entries);
    this.guestPageShift = new Uint8Array(config.entries);
    this.context = new Int32Array(config.entries);
    this.base = new Int32Array(config.entries);
    this.flags = new Int32Array(config.entries);
    this.lastUse = new Float64Array(config.entries);
    this.rng = config.seed | 0 || 1;
  }

  private matches(i: number, vpn: number, context: number): boolean {
    const f = this.flags[i]!;
    if (!(f & VALID)) return false;
    const shift = this.pageShift[i]!;
    if (this.tag[i] !== vpn >>> (shift - PAGE_SHIFT)) return false;
    const c = this.context[i]!;
    // A Global entry matches every ASID of its VPID, within the same paging space (bit 16).
    return c === context || ((f & PTE.G) !== 0 && c >>> 8 === context >>> 8);
  }

  /**
   * Find the entry for a 4 KiB virtual page number in a context; -1 on a miss. A hit is stamped
   * most recently used. Large-page entries live in the set their own page number indexes.
   */
  lookup(vpn: number, context: number, stamp: number): number {
    const i = this.find(vpn, context);
    if (i >= 0) this.lastUse[i] = stamp;
    return i;
  }

  /** The entry that would serve a lookup, without touching its LRU stamp. */
  find(vpn: number, context: number): number {
    const mask = this.sets - 1;
    let first = (vpn & mask) * this.ways;
    for (let i = first; i < first + this.ways; i++) {
      if (this.matches(i, vpn, context) && !(this.flags[i]! & LARGE)) return i;
    }
    // Large entries: one probe per large page size present (superpages are 22 bits; EPT large
    // pages fold to the smaller of the two stages, never below 4 KiB).
    for (let shift = 13; shift <= 31; shift++) {
      if (!(this.largeShiftsPresent & (1 << shift))) continue;
      first = ((vpn >>> (shift - PAGE_SHIFT)) & mask) * this.ways;
      for (let i = first; i < first + this.ways; i++) {
        if (this.matches(i, vpn, context) && (this.flags[i]! & LARGE) && this.pageShift[i] === shift) return i;
      }
    }
    return -1;
  }

  /** Bit n set: some entry with pageShift n may be present. Keeps lookups of 4 KiB-only TLBs to one probe. */
  private largeShiftsPresent = 0;

  /**
   * Install a translation and return its index. `pageShift` is 12 for a 4 KiB page, 22 for a
   * superpage. `leafBits` are the PTE's permission and A/D bits. `guestPageShift` is the size of
   * the first-stage page the translation belongs to, when that is larger than the entry.
   */
  insert(va: number, pageShift: number, context: number, physBase: number, leafBits: number, stamp: number, guestPageShift = pageShift): number {
    const pageNumber = va >>> pageShift;
    const first = (pageNumber & (this.sets - 1)) * this.ways;
    // Replace an existing entry for the same page first, so no page is ever cached twice.
    let victim = -1;
    for (let i = first; i < first + this.ways; i++) {
      if ((this.flags[i]! & VALID) && this.tag[i] === pageNumber && this.pageShift[i] === pageShift && this.context[i] === context) {
        victim = i;
        break;
      }
    }
    if (victim < 0) victim = this.chooseVictim(first);
    if (this.flags[victim]! & VALID) this.evictions++;
    this.tag[victim] = pageNumber;
    this.pageShift[victim] = pageShift;
    this.guestPageShift[victim] = guestPageShift;
    this.context[victim] = context;
    this.base[victim] = physBase;
    this.flags[victim] = (leafBits & 0xff) | VALID | (pageShift > PAGE_SHIFT ? LARGE : 0);
    if (pageShift > PAGE_SHIFT) this.largeShiftsPresent |= 1 << pageShift;
    this.lastUse[victim] = stamp;
    return victim;
  }

  private chooseVictim(first: number): number {
    for (let i = first; i < first + this.ways; i++) if (!(this.flags[i]! & VALID)) return i;
    if (this.config.replacement === 'random') {
      // xorshift32: deterministic for a given seed.
      let x = this.rng;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rng = x;
      return first + ((x >>> 0) % this.ways);
    }
    let victim = first;
    for (let i = first + 1; i < first + this.ways; i++) if (this.lastUse[i]! < this.lastUse[victim]!) victim = i;
    return victim;
  }

  invalidate(i: number): void {
    this.flags[i] = 0;
  }

  /** tlbflush: drop everything, Global entries included. */
  flushAll(): void {
    this.flags.fill(0);
    this.largeShiftsPresent = 0;
  }

  /** What a PTBR write does: drop the non-Global entries of one context. */
  flushContext(context: number): void {
    for (let i = 0; i < this.flags.length; i++) {
      if (this.context[i] === context && !(this.flags[i]! & PTE.G)) this.flags[i] = 0;
    }
  }

  /** Drop the non-Global and Global entries of every context in one VPID (a VM switch without VPIDs flushes all). */
  flushVpid(vpid: number): void {
    for (let i = 0; i < this.flags.length; i++) if (((this.context[i]! >>> 8) & 0xff) === vpid) this.flags[i] = 0;
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
      if (entryVa >>> guestShift === va >>> guestShift) this.flags[i] = 0;
    }
  }

  /** Drop every entry of a VPID whose page overlaps [vaStart, vaEnd). */
  flushRange(vaStart: number, vaEnd: number, vpid: number): void {
    for (let i = 0; i < this.flags.length; i++) {
      if (!(this.flags[i]! & VALID) || ((this.context[i]! >>> 8) & 0xff) !== vpid) continue;
      const shift = this.pageShift[i]!;
      const start = this.tag[i]! * 2 ** shift;
      if (start < vaEnd && start + 2 ** shift > vaStart) this.flags[i] = 0;
    }
  }

  isValid(i: number): boolean {
    return (this.flags[i]! & VALID) !== 0;
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
