// A test-only reference: the page-walk cache exactly as emulator/pwc.ts implemented it before
// issue 16's miss-path work (two Maps whose insertion order is the LRU order). pwc-model.test.ts
// runs it beside the real PageWalkCache and requires the same answers, hits, misses and contents.
// Do not "improve" this file: its value is that it is the old algorithm, verbatim.

export class MapPageWalkCache {
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

  clone(): MapPageWalkCache {
    const copy = new MapPageWalkCache(this.entries);
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
