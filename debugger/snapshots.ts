// Snapshots of the whole machine, so that time travel replays at most one interval instead of the
// whole history (history.ts keeps the log; this keeps states along it).
//
// What is saved. Everything reachable from the target's session (the Machine or the VMM with its
// VMs, their CPUs, MMU and TLB, page-walk cache, devices, shadow and EPT pagers, statistics, the
// TLB-rule checkers), walked as an object graph: for every object its own properties (values and
// references), for arrays their elements, for Maps and Sets their entries, for typed arrays a copy
// of their contents. Restoring writes all of that back into the same objects, so every reference
// anyone holds (the debugger's views, the VMM's closures) stays valid, and objects made after the
// snapshot become unreachable. Guest and host memory are the exception: too large to copy, they
// are kept as pages. Each snapshot stores the pages written since the one before it (the memory's
// dirty-page map, emulator/memory.ts), and the first one the pages that are not zero; the state of
// a page at snapshot k is in the latest snapshot at or before k that holds it.
//
// Exactness: the emulator is deterministic, so a restored snapshot followed by a replay of the
// rest of the log reaches the state a replay from the start would; tests compare registers, the
// memory hash, statistics and the TLB with a fresh run to the same point, in every mode.
//
// The memory budget: when the snapshots hold more bytes than it allows, every other one is merged
// into its successor (its pages move on where the successor lacks them), so the intervals double
// and the history still reaches back to the start. The first snapshot, the machine as built (its
// loaded images), always stays, whatever the budget.

import { PAGE_SIZE } from '../isa/arch.ts';
import type { PhysicalMemory } from '../emulator/memory.ts';

/** One object's saved contents. */
type Saved =
  | { readonly kind: 'object'; readonly target: object; readonly props: readonly (readonly [string, unknown])[] }
  | { readonly kind: 'array'; readonly target: unknown[]; readonly items: readonly unknown[] }
  | { readonly kind: 'map'; readonly target: Map<unknown, unknown>; readonly entries: readonly (readonly [unknown, unknown])[] }
  | { readonly kind: 'set'; readonly target: Set<unknown>; readonly values: readonly unknown[] }
  | { readonly kind: 'typed'; readonly target: { set(a: ArrayLike<number> | ArrayLike<bigint>): void }; readonly copy: ArrayLike<number> | ArrayLike<bigint> };

/** A memory (guest RAM or host memory) and the pages written since the dirty map was last cleared. */
export interface TrackedMemory {
  readonly memory: PhysicalMemory;
}

export interface Snapshot<K> {
  /** Where in the history this is (history.ts: the log up to here). */
  readonly key: K;
  /** Instructions retired by all CPUs when it was taken (for spacing and reporting). */
  readonly instructions: number;
  readonly objects: readonly Saved[];
  /** Per memory: page number → its contents at this snapshot (pages written since the previous one). */
  readonly pages: Map<number, Uint8Array>[];
  /** Bytes this snapshot holds (pages and an estimate of the object state). */
  bytes: number;
}

/** The typed arrays that are memory's own views: never copied, kept as pages. */
function memoryViews(memories: readonly PhysicalMemory[]): Set<object> {
  const views = new Set<object>();
  for (const m of memories) for (const v of [m.u8, m.i8, m.u16, m.i16, m.i32, m.dirty]) views.add(v);
  return views;
}

/** Save every object reachable from `roots` (memory contents apart). */
export function captureObjects(roots: readonly object[], skip: Set<object>): { objects: Saved[]; bytes: number } {
  const objects: Saved[] = [];
  const seen = new Set<object>();
  let bytes = 0;
  const stack: unknown[] = [...roots];
  const push = (v: unknown) => {
    if (v !== null && typeof v === 'object' && !seen.has(v)) stack.push(v);
  };
  while (stack.length > 0) {
    const o = stack.pop() as object;
    if (seen.has(o) || skip.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      if (o instanceof DataView) continue;
      const typed = o as unknown as { slice(): ArrayLike<number>; set(a: ArrayLike<number>): void; byteLength: number };
      objects.push({ kind: 'typed', target: typed, copy: typed.slice() });
      bytes += typed.byteLength;
      continue;
    }
    if (Object.isFrozen(o)) {
      // Immutable (frozen options, tables): nothing to restore, but what it refers to may change.
      for (const v of Object.values(o)) push(v);
      continue;
    }
    if (Array.isArray(o)) {
      objects.push({ kind: 'array', target: o, items: [...o] });
      bytes += 8 * o.length;
      for (const v of o) push(v);
      continue;
    }
    if (o instanceof Map) {
      const entries = [...o];
      objects.push({ kind: 'map', target: o, entries });
      bytes += 16 * entries.length;
      for (const [k, v] of entries) {
        push(k);
        push(v);
      }
      continue;
    }
    if (o instanceof Set) {
      const values = [...o];
      objects.push({ kind: 'set', target: o, values });
      bytes += 8 * values.length;
      for (const v of values) push(v);
      continue;
    }
    const props: [string, unknown][] = [];
    for (const key of Object.keys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key)!;
      if (!('value' in d)) continue;
      props.push([key, d.value]);
      push(d.value);
    }
    objects.push({ kind: 'object', target: o, props });
    bytes += 16 * props.length;
  }
  return { objects, bytes };
}

/** Write saved contents back into their objects. */
export function restoreObjects(objects: readonly Saved[]): void {
  for (const s of objects) {
    switch (s.kind) {
      case 'typed': s.target.set(s.copy); break;
      case 'array':
        if (s.target.length !== s.items.length) s.target.length = s.items.length;
        for (let i = 0; i < s.items.length; i++) if (!Object.is(s.target[i], s.items[i])) s.target[i] = s.items[i];
        break;
      case 'map':
        s.target.clear();
        for (const [k, v] of s.entries) s.target.set(k, v);
        break;
      case 'set':
        s.target.clear();
        for (const v of s.values) s.target.add(v);
        break;
      case 'object': {
        const target = s.target as Record<string, unknown>;
        const keep = new Set(s.props.map(([k]) => k));
        // Properties made since (data ones: an accessor was never saved, and stays).
        for (const key of Object.keys(target)) if (!keep.has(key) && 'value' in Object.getOwnPropertyDescriptor(target, key)!) delete target[key];
        // Only what changed: a store of any value to a field V8 treated as constant (most of
        // the machine's) throws away the optimized code of the CPU, MMU and TLB that relied on it.
        for (const [k, v] of s.props) if (!Object.is(target[k], v)) target[k] = v;
        break;
      }
    }
  }
}

/** The bit of PhysicalMemory.dirty every writer of memory sets (it stores 1): the page was written since the last snapshot. */
const WRITTEN = 1;

const isZero = (page: Uint8Array): boolean => {
  const words = new Int32Array(page.buffer, page.byteOffset, page.byteLength >>> 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
};

/**
 * The snapshots of one target along its history, oldest first. `roots` gives the objects to save
 * (the session) and `memories` the memories kept as pages; both must be the same objects for the
 * target's whole life (the debugger builds the machine once and travels by restoring).
 */
export class Snapshots<K> {
  readonly list: Snapshot<K>[] = [];
  private readonly skip: Set<object>;

  constructor(
    private readonly roots: () => readonly object[],
    private readonly memories: readonly PhysicalMemory[],
    /** The most bytes the snapshots may hold together. */
    readonly budgetBytes: number,
    /** Objects never saved (they do not change): their references are kept as they are. */
    unchanging: readonly object[] = [],
  ) {
    this.skip = memoryViews(memories);
    this.skip.add(this);
    for (const o of unchanging) this.skip.add(o);
  }

  get bytes(): number {
    return this.list.reduce((n, s) => n + s.bytes, 0);
  }

  /** Take a snapshot of the state now, at `key`. The first holds every non-zero page. */
  take(key: K, instructions: number): Snapshot<K> {
    const first = this.list.length === 0;
    const pages = this.memories.map((m) => {
      const out = new Map<number, Uint8Array>();
      const count = m.sizeBytes / PAGE_SIZE;
      for (let p = 0; p < count; p++) {
        if (!first && (m.dirty[p]! & WRITTEN) === 0) continue;
        const page = m.u8.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
        if (!first || !isZero(page)) out.set(p, page);
        // Written since: no more. The other bits (the JIT's mark of a page holding translations) stay.
        m.dirty[p]! &= ~WRITTEN;
      }
      return out;
    });
    const { objects, bytes } = captureObjects(this.roots(), this.skip);
    const pageBytes = pages.reduce((n, m) => n + m.size * PAGE_SIZE, 0);
    // The key (the log up to here) is held too: a pointer per entry.
    const keyBytes = Array.isArray(key) ? 8 * key.length : 0;
    const snap: Snapshot<K> = { key, instructions, objects, pages, bytes: bytes + pageBytes + keyBytes };
    this.list.push(snap);
    this.thin();
    return snap;
  }

  /** Bring the machine back to snapshot `index`; later snapshots are dropped (the history forks there). */
  restore(index: number): void {
    const snap = this.list[index]!;
    this.memories.forEach((m, mi) => {
      // Pages written after it: in the later snapshots, or dirty since the last one.
      const changed = new Set<number>();
      for (let j = index + 1; j < this.list.length; j++) for (const p of this.list[j]!.pages[mi]!.keys()) changed.add(p);
      const count = m.sizeBytes / PAGE_SIZE;
      for (let p = 0; p < count; p++) if ((m.dirty[p]! & WRITTEN) !== 0) changed.add(p);
      for (const p of changed) {
        let content: Uint8Array | undefined;
        for (let j = index; j >= 0 && !content; j--) content = this.list[j]!.pages[mi]!.get(p);
        if (content) m.u8.set(content, p * PAGE_SIZE);
        else m.u8.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
      }
      // Every mark goes: the pages written back hold other contents now (a JIT's translations of them are stale).
      m.dirty.fill(0);
    });
    restoreObjects(snap.objects);
    this.list.length = index + 1;
  }

  /**
   * Over budget: merge every other snapshot (never the first) into the one after it; with only
   * the first and one more left, drop that one (no earlier state needs its pages). The first, the
   * machine as built, always stays.
   */
  private thin(): void {
    while (this.bytes > this.budgetBytes && this.list.length > 1) {
      const kept: Snapshot<K>[] = [this.list[0]!];
      for (let i = 1; i < this.list.length; i++) {
        const s = this.list[i]!;
        const next = this.list[i + 1];
        // Drop odd ones that have a successor; their pages move on where the successor lacks them.
        if (i % 2 === 1 && next) {
          s.pages.forEach((pages, mi) => {
            for (const [p, content] of pages) {
              if (next.pages[mi]!.has(p)) continue;
              next.pages[mi]!.set(p, content);
              next.bytes += PAGE_SIZE;
            }
          });
          continue;
        }
        kept.push(s);
      }
      if (kept.length === this.list.length) {
        // The last one goes: the pages written since the one before it count as written since
        // the last snapshot again, so that a restore of an earlier one puts them back.
        const last = kept.pop()!;
        last.pages.forEach((pages, mi) => {
          for (const p of pages.keys()) this.memories[mi]!.dirty[p]! |= WRITTEN;
        });
      }
      this.list.splice(0, this.list.length, ...kept);
    }
  }
}
