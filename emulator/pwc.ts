// The page-walk cache: a small fully associative LRU cache of upper-level page-table entries
// (the entries that point at another table), so a TLB miss can skip the first memory references
// of its walk, for the guest dimension and the EPT dimension alike (Intel's paging-structure
// caches; Bhargava et al., ASPLOS 2008, for the 2-D walk). Entries are keyed by the host-physical
// address of the entry. Guest-stage entries are kept only from walks that ended in a translation,
// so the TLB rules of isa/README.md 6.4 (which speak of translations) cover it too. Like the TLB
// it is not coherent with memory: the TLB-maintenance
// operations (PTBR write, invlpg, tlbflush) drop its guest-stage entries; EPT-stage entries are
// dropped when the whole TLB of a VM goes.
//
// It sits on the miss path, so it lives in typed arrays and allocates nothing per walk: a pool of
// nodes, a hash of (stage, address) over them, and one LRU list per stage. The two stages share
// the capacity; when it is exceeded the stage holding more entries (the guest stage on a tie)
// loses its least recently used one. tests/emulator/pwc-model.test.ts checks this against the
// two Maps it replaced (tests/emulator/reference-pwc.ts).

const NONE = -1;
const GUEST = 0;
const EPT = 1;

export class PageWalkCache {
  hits = 0;
  misses = 0;
  /** After a lookup that hit: the cached entry. */
  value = 0;

  /** One node more than the capacity: an insert adds before it evicts. */
  private readonly nodeAddr: Int32Array;
  private readonly nodeValue: Int32Array;
  private readonly nodeStage: Uint8Array;
  /** Hash chains (and the free list, through the same links). */
  private readonly chainNext: Int32Array;
  private readonly bucketHead: Int32Array;
  private readonly hashShift: number;
  /** Per stage: the most and the least recently used node, and how many it holds. */
  private readonly head = new Int32Array([NONE, NONE]);
  private readonly tail = new Int32Array([NONE, NONE]);
  private readonly count = new Int32Array(2);
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  private freeHead: number;

  constructor(readonly entries: number) {
    const nodes = entries + 1;
    this.nodeAddr = new Int32Array(nodes);
    this.nodeValue = new Int32Array(nodes);
    this.nodeStage = new Uint8Array(nodes);
    this.chainNext = new Int32Array(nodes);
    this.older = new Int32Array(nodes);
    this.newer = new Int32Array(nodes);
    const bucketBits = 32 - Math.clz32(2 * nodes - 1);
    this.bucketHead = new Int32Array(1 << bucketBits).fill(NONE);
    this.hashShift = 32 - bucketBits;
    for (let n = 0; n < nodes; n++) this.chainNext[n] = n + 1 < nodes ? n + 1 : NONE;
    this.freeHead = 0;
  }

  /** Is the entry at hostAddr cached for this stage? On a hit it becomes most recently used and `value` holds it. */
  lookup(stage: 'guest' | 'ept', hostAddr: number): boolean {
    const s = stage === 'guest' ? GUEST : EPT;
    const node = this.find(s, hostAddr);
    if (node < 0) {
      this.misses++;
      return false;
    }
    this.unlinkLru(s, node);
    this.pushLru(s, node);
    this.hits++;
    this.value = this.nodeValue[node]!;
    return true;
  }

  /** Cache a present, non-leaf entry. Both stages share the capacity. */
  insert(stage: 'guest' | 'ept', hostAddr: number, value: number): void {
    const s = stage === 'guest' ? GUEST : EPT;
    let node = this.find(s, hostAddr);
    if (node >= 0) this.unlinkLru(s, node);
    else {
      node = this.freeHead;
      this.freeHead = this.chainNext[node]!;
      this.nodeAddr[node] = hostAddr | 0;
      this.nodeStage[node] = s;
      const b = this.bucket(s, hostAddr);
      this.chainNext[node] = this.bucketHead[b]!;
      this.bucketHead[b] = node;
      this.count[s]++;
    }
    this.nodeValue[node] = value;
    this.pushLru(s, node);
    while (this.count[GUEST]! + this.count[EPT]! > this.entries) {
      // Evict the least recently used of the two stages' oldest entries: approximate by taking
      // from the larger stage, which keeps the split proportional to use.
      const victim = this.count[GUEST]! >= this.count[EPT]! ? GUEST : EPT;
      this.evict(victim, this.tail[victim]!);
    }
  }

  clone(): PageWalkCache {
    const copy = new PageWalkCache(this.entries);
    for (const s of [GUEST, EPT]) {
      for (let n = this.tail[s]!; n >= 0; n = this.newer[n]!) copy.insert(s === GUEST ? 'guest' : 'ept', this.nodeAddr[n]! >>> 0, this.nodeValue[n]!);
    }
    return copy;
  }

  flushGuest(): void {
    while (this.tail[GUEST]! >= 0) this.evict(GUEST, this.tail[GUEST]!);
  }

  flushAll(): void {
    this.flushGuest();
    while (this.tail[EPT]! >= 0) this.evict(EPT, this.tail[EPT]!);
  }

  get size(): number {
    return this.count[GUEST]! + this.count[EPT]!;
  }

  /** A stage's entries as [host address, entry], least recently used first: for tests and views. */
  contents(stage: 'guest' | 'ept'): [number, number][] {
    const s = stage === 'guest' ? GUEST : EPT;
    const out: [number, number][] = [];
    for (let n = this.tail[s]!; n >= 0; n = this.newer[n]!) out.push([this.nodeAddr[n]! >>> 0, this.nodeValue[n]!]);
    return out;
  }

  private bucket(stage: number, hostAddr: number): number {
    return Math.imul(hostAddr ^ (stage << 31), 0x9e3779b1) >>> this.hashShift;
  }

  private find(stage: number, hostAddr: number): number {
    const addr = hostAddr | 0;
    for (let n = this.bucketHead[this.bucket(stage, hostAddr)]!; n >= 0; n = this.chainNext[n]!) {
      if (this.nodeAddr[n] === addr && this.nodeStage[n] === stage) return n;
    }
    return NONE;
  }

  /** Drop a node: out of its hash chain and its LRU list, back to the free list. */
  private evict(stage: number, node: number): void {
    const b = this.bucket(stage, this.nodeAddr[node]!);
    let prev = NONE;
    for (let n = this.bucketHead[b]!; n !== node; n = this.chainNext[n]!) prev = n;
    if (prev >= 0) this.chainNext[prev] = this.chainNext[node]!;
    else this.bucketHead[b] = this.chainNext[node]!;
    this.unlinkLru(stage, node);
    this.count[stage]--;
    this.chainNext[node] = this.freeHead;
    this.freeHead = node;
  }

  /** Make a node (not in its list) the most recently used of its stage. */
  private pushLru(stage: number, node: number): void {
    const first = this.head[stage]!;
    this.newer[node] = NONE;
    this.older[node] = first;
    if (first >= 0) this.newer[first] = node;
    else this.tail[stage] = node;
    this.head[stage] = node;
  }

  private unlinkLru(stage: number, node: number): void {
    const newer = this.newer[node]!;
    const older = this.older[node]!;
    if (newer >= 0) this.older[newer] = older;
    else this.head[stage] = older;
    if (older >= 0) this.newer[older] = newer;
    else this.tail[stage] = newer;
  }
}
