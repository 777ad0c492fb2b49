// The page-walk cache: a small fully associative LRU cache of upper-level page-table entries
// (the entries that point at another table), so a TLB miss can skip the first memory references
// of its walk, for the guest dimension and the EPT dimension alike (Intel's paging-structure
// caches; Bhargava et al., ASPLOS 2008, for the 2-D walk). Entries are keyed by the host-physical
// address of the entry. Guest-stage entries are kept only from walks that ended in a translation,
// so the TLB rules of isa/README.md 6.4 (which speak of translations) cover it too. Like the TLB
// it is not coherent with memory: the TLB-maintenance
// operations (PTBR write, invlpg, tlbflush) drop its guest-stage entries; EPT-stage entries are
// dropped when the whole TLB of a VM goes.

export class PageWalkCache {
  /** Insertion order is LRU order: a hit re-inserts. Values are the cached entries. */
  private readonly guest = new Map<number, number>();
  private readonly ept = new Map<number, number>();
  hits = 0;
  misses = 0;

  constructor(readonly entries: number) {}

  lookup(stage: 'guest' | 'ept', hostAddr: number): number | undefined {
    const map = stage === 'guest' ? this.guest : this.ept;
    const value = map.get(hostAddr);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    map.delete(hostAddr);
    map.set(hostAddr, value);
    this.hits++;
    return value;
  }

  /** Cache a present, non-leaf entry. Both stages share the capacity. */
  insert(stage: 'guest' | 'ept', hostAddr: number, value: number): void {
    const map = stage === 'guest' ? this.guest : this.ept;
    map.delete(hostAddr);
    map.set(hostAddr, value);
    while (this.guest.size + this.ept.size > this.entries) {
      // Evict the least recently used of the two stages' oldest entries: approximate by taking
      // from the larger map, which keeps the split proportional to use.
      const victim = this.guest.size >= this.ept.size ? this.guest : this.ept;
      victim.delete(victim.keys().next().value!);
    }
  }

  clone(): PageWalkCache {
    const copy = new PageWalkCache(this.entries);
    for (const [k, v] of this.guest) copy.guest.set(k, v);
    for (const [k, v] of this.ept) copy.ept.set(k, v);
    return copy;
  }

  flushGuest(): void {
    this.guest.clear();
  }

  flushAll(): void {
    this.guest.clear();
    this.ept.clear();
  }

  get size(): number {
    return this.guest.size + this.ept.size;
  }
}
