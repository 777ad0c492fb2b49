// The page-table walker: one walker for every kind of translation (STYLE.md lesson 4). It walks
// any table described by a PagingMode and, for the guest stage of a nested (EPT) walk, first
// translates every guest-physical table address through the EPT: the two-dimensional walk.
//
// An agile walk (a mode with `agile`, isa/README.md 6.6) starts in the VMM's shadow tables and,
// below a directory entry with the switch bit, reads the guest's own entries: the same loop,
// with the output guest-physical from the switch down (StageResult.switched).
//
// Step numbers in the comments are those of isa/README.md, "The page walk". The walker reads
// host physical memory only; it never decides what a fault means (the MMU and the VMM do).

import { PAGE_SHIFT, PTE } from '../isa/arch.ts';
import type { PhysicalMemory } from './memory.ts';
import { AGILE_PAGING, AGILE_SWITCH, TV32_PAGING as TV32_PAGING_MODE, type PagingMode } from './paging-mode.ts';
import type { PageWalkCache } from './pwc.ts';

export const WALK_OK = 0;
/** An entry on the way had V = 0. */
export const WALK_NOT_PRESENT = 1;
/** A large-page entry whose frame is not aligned to the large page. */
export const WALK_BAD_LARGE = 2;
/** A table entry lies outside physical memory. */
export const WALK_BUS_ERROR = 3;
/** Nested walks only: a guest-physical address (a table or the final one) has no EPT mapping. */
export const WALK_EPT_VIOLATION = 4;

/** One memory reference of a walk, recorded only while a trace is attached (the debugger's `translate`). */
export interface WalkStep {
  /** 'shadow': an entry of the VMM's shadow table above an agile walk's switch ('guest' below it). */
  readonly stage: 'guest' | 'ept' | 'shadow';
  readonly level: number;
  /** The address of the entry in its own stage's space (guest-physical for guest tables under EPT). */
  readonly entryAddr: number;
  /** Where the entry really is in host memory. */
  readonly hostAddr: number;
  readonly value: number;
  /** For EPT steps: which guest-physical address this EPT walk was translating. */
  readonly translating?: number;
  /** The entry came from the page-walk cache: no memory reference. */
  readonly cached: boolean;
}

/** The outcome of one stage's walk. Reused across walks so a walk allocates nothing. */
export class StageResult {
  status = WALK_OK;
  /** The leaf entry's value (after any A/D update). */
  leaf = 0;
  /** Host-physical address of the leaf entry. */
  leafHostAddr = 0;
  /** log2 of the bytes the leaf maps: 12, or more for a large page. */
  pageShift = PAGE_SHIFT;
  /** The translated address (output of this stage). */
  output = 0;
  /** The level where the walk stopped. */
  level = 0;
  /** When a nested walk fails in the EPT: the guest-physical address that had no mapping. */
  faultGuestPhys = 0;
  /**
   * Agile walks only: the walk passed a switch bit, so the entries from there down (and the
   * leaf, and any fault) are the guest's and `output` is guest-physical. Not set by other walks.
   */
  switched = false;
  /** Nested guest walks: whether the EPT lets the leaf entry be written (A/D updates are writes), and its guest-physical address. */
  leafWritable = true;
  leafGuestAddr = 0;
  /** Nested guest walks: host address of the EPT leaf that maps the leaf entry's table (page-modification logging, pml.ts). */
  leafEptHostAddr = 0;
}

export interface NestedStage {
  readonly mode: PagingMode;
  /** Host-physical address of the EPT root table. */
  readonly root: number;
}

/** A nested-stage descriptor: every VMM makes its descriptors here, so they all have NESTED_KEEPER's shape. */
export function nestedStage(mode: PagingMode, root: number): NestedStage {
  return { mode, root };
}

/**
 * One descriptor alive for the process. A VMM makes its descriptor when its VM first loads an
 * EPT root; a full collection between the last VMM's death and the next one's first entry would
 * otherwise take the descriptors' hidden class, and the walker's optimized code with it (see
 * MAP_KEEPER in emulator/jit/engine.ts).
 */
export const NESTED_KEEPER = nestedStage(TV32_PAGING_MODE, 0);

// walkFlat reads these through module constants (an imported binding can be a getter call under tsx).
const P_V = PTE.V;
const P_L = PTE.L;
const P_W = PTE.W;
const FRAME_MASK = PTE.FRAME_MASK;
/** The frame bits a TV32 superpage's directory entry must leave clear (4 MiB alignment). */
const SUPERPAGE_MASK = (1 << 22) - 1;

/** Directory entries one guest walk can read (levels above the leaf). */
const MAX_PENDING = 8;

export class Walker {
  /** References made, by stage, since the counters were last read by the MMU. */
  guestRefs = 0;
  eptRefs = 0;
  /** Set by the debugger to record every step of the next walks; null in normal runs. */
  trace: WalkStep[] | null = null;
  /** The page-walk cache, when the machine has one. */
  pwc: PageWalkCache | null = null;
  private readonly eptScratch = new StageResult();
  /**
   * Guest-stage directory entries read by the current walk, cached only if it ends in a
   * translation (commitPwc): isa/README.md 6.4 asks a kernel to invalidate after changing an
   * entry that a translation came through, so an entry that only led to a fault must not linger.
   */
  private readonly pendingHostAddr = new Int32Array(MAX_PENDING);
  private readonly pendingEntry = new Int32Array(MAX_PENDING);
  private pendingCount = 0;

  constructor(private readonly mem: PhysicalMemory) {}

  /**
   * Walk `mode`'s tables from `root` for `addr`. With `nested`, table addresses are
   * guest-physical and each is translated through the EPT first (steps 1 and 4 of the walk,
   * done once per level, each costing a full EPT walk).
   *
   * This is the miss path: it allocates nothing (unless a trace is attached) and reads each
   * entry once, straight from memory or from the page-walk cache.
   */
  walk(mode: PagingMode, root: number, addr: number, stage: 'guest' | 'ept', out: StageResult, nested: NestedStage | null): number {
    const levelBits = mode.levelBits;
    const levels = levelBits.length;
    const guestStage = stage === 'guest';
    // The agile descriptor itself, by identity: a property test here would cost every walk.
    const agile = mode === AGILE_PAGING;
    if (agile) out.switched = false;
    const pwc = this.pwc;
    // log2 of the bytes one entry maps: levelShift(mode, 0) at the top, each level down less its own index bits.
    let shift = PAGE_SHIFT;
    for (let l = 1; l < levels; l++) shift += levelBits[l]!;
    let table = root >>> 0;
    for (let level = 0; level < levels; level++) {
      const index = (addr >>> shift) & ((1 << levelBits[level]!) - 1);
      const entryAddr = (table + index * 4) >>> 0;
      // Steps 1 and 4: find the entry. Under EPT, its guest-physical address is translated first.
      let hostAddr = entryAddr;
      if (nested !== null) {
        const s = this.walk(nested.mode, nested.root, entryAddr, 'ept', this.eptScratch, null);
        if (s !== WALK_OK) {
          out.status = s === WALK_NOT_PRESENT || s === WALK_BAD_LARGE ? WALK_EPT_VIOLATION : s;
          out.faultGuestPhys = entryAddr;
          out.level = level;
          return out.status;
        }
        hostAddr = this.eptScratch.output;
        out.leafWritable = (this.eptScratch.leaf & PTE.W) !== 0;
        out.leafGuestAddr = entryAddr;
        out.leafEptHostAddr = this.eptScratch.leafHostAddr;
      }
      const last = level === levels - 1;
      // Upper-level entries may come from the page-walk cache instead of memory.
      const cached = !last && pwc !== null && pwc.lookup(stage, hostAddr);
      let entry: number;
      if (cached) entry = pwc.value;
      else {
        if (guestStage) this.guestRefs++;
        else this.eptRefs++;
        if (hostAddr + 4 > this.mem.sizeBytes) {
          out.status = WALK_BUS_ERROR;
          out.level = level;
          return out.status;
        }
        entry = this.mem.i32[hostAddr >>> 2]!;
      }
      if (this.trace !== null) this.record(agile ? (out.switched ? 'guest' : 'shadow') : stage, level, entryAddr, hostAddr, entry, addr, cached);
      // Steps 2 and 5: an entry with V = 0 ends the walk.
      if (!(entry & PTE.V)) {
        out.status = WALK_NOT_PRESENT;
        out.level = level;
        return out.status;
      }
      // Step 3: a large-page entry (L set where the mode allows it) is a leaf.
      if (last || ((entry & PTE.L) && mode.largeAllowed[level])) {
        // Large pages are at most 2^27 bytes (a 4-level EPT's top level), so the mask fits.
        const pageMask = (1 << shift) - 1;
        if (!last && (entry & PTE.FRAME_MASK & pageMask) !== 0) {
          out.status = WALK_BAD_LARGE;
          out.level = level;
          return out.status;
        }
        out.status = WALK_OK;
        out.leaf = entry;
        out.leafHostAddr = hostAddr;
        out.pageShift = shift;
        out.level = level;
        // Steps 3 and 8: the frame of the leaf plus the offset within its page.
        out.output = ((entry & PTE.FRAME_MASK & ~pageMask) | (addr & pageMask)) >>> 0;
        return WALK_OK;
      }
      if (!cached && pwc !== null) {
        // EPT entries are the VMM's and only ever gain mappings: cache them at once. Guest (or
        // shadow) directory entries wait for the MMU's word that the translation succeeded.
        if (!guestStage) pwc.insert(stage, hostAddr, entry);
        else if (this.pendingCount < MAX_PENDING) {
          this.pendingHostAddr[this.pendingCount] = hostAddr;
          this.pendingEntry[this.pendingCount++] = entry;
        }
      }
      // Agile: a switch bit hands the walk to the guest's table (its host frame) from the next level down.
      if (agile && (entry & AGILE_SWITCH) !== 0) out.switched = true;
      table = (entry & PTE.FRAME_MASK) >>> 0;
      shift -= levelBits[level + 1]!;
    }
    throw new Error('unreachable: a walk always ends at the last level');
  }

  /**
   * `walk(TV32_PAGING, root, addr, 'guest', out, nested)` when the walker has no page-walk cache
   * and no trace attached: the same two levels (a superpage allowed at the top), each table
   * address through the EPT first when `nested` is given, the same references counted and the
   * same outcome in `out`, written out level by level. The miss path of every translation but
   * an agile one takes it (natively, on a shadow VMM's tables, and under EPT).
   */
  walkFlat(root: number, addr: number, out: StageResult, nested: NestedStage | null): number {
    const mem = this.mem;
    // Level 0: the directory entry.
    let hostAddr = ((root >>> 0) + ((addr >>> 22) << 2)) >>> 0;
    if (nested !== null && (hostAddr = this.tableThroughEpt(nested, hostAddr, out, 0)) < 0) return out.status;
    this.guestRefs++;
    if (hostAddr + 4 > mem.sizeBytes) return this.walkStop(out, WALK_BUS_ERROR, 0);
    let entry = mem.i32[hostAddr >>> 2]!;
    if (!(entry & P_V)) return this.walkStop(out, WALK_NOT_PRESENT, 0);
    let shift = PAGE_SHIFT;
    if (entry & P_L) {
      shift = 22;
      if ((entry & FRAME_MASK & SUPERPAGE_MASK) !== 0) return this.walkStop(out, WALK_BAD_LARGE, 0);
    } else {
      // Level 1: the page-table entry.
      hostAddr = ((entry & FRAME_MASK) + ((addr >>> 10) & 0xffc)) >>> 0;
      if (nested !== null && (hostAddr = this.tableThroughEpt(nested, hostAddr, out, 1)) < 0) return out.status;
      this.guestRefs++;
      if (hostAddr + 4 > mem.sizeBytes) return this.walkStop(out, WALK_BUS_ERROR, 1);
      entry = mem.i32[hostAddr >>> 2]!;
      if (!(entry & P_V)) return this.walkStop(out, WALK_NOT_PRESENT, 1);
    }
    const pageMask = (1 << shift) - 1;
    out.status = WALK_OK;
    out.leaf = entry;
    out.leafHostAddr = hostAddr;
    out.pageShift = shift;
    out.level = shift === PAGE_SHIFT ? 1 : 0;
    out.output = ((entry & FRAME_MASK & ~pageMask) | (addr & pageMask)) >>> 0;
    return WALK_OK;
  }

  /** walkFlat's steps 1 and 4 under EPT: the host address of a guest table entry, or -1 with the EPT violation (or bus error) in `out`. */
  private tableThroughEpt(nested: NestedStage, entryAddr: number, out: StageResult, level: number): number {
    const ept = this.eptScratch;
    const s = this.walkEpt(nested.mode, nested.root, entryAddr, ept);
    if (s !== WALK_OK) {
      out.status = s === WALK_NOT_PRESENT || s === WALK_BAD_LARGE ? WALK_EPT_VIOLATION : s;
      out.faultGuestPhys = entryAddr;
      out.level = level;
      return -1;
    }
    out.leafWritable = (ept.leaf & P_W) !== 0;
    out.leafGuestAddr = entryAddr;
    out.leafEptHostAddr = ept.leafHostAddr;
    return ept.output;
  }

  /**
   * `walk(mode, root, addr, 'ept', out, null)` when the walker has no page-walk cache and no trace
   * attached: the same loop without their branches (an EPT walk is never nested or agile).
   */
  walkEpt(mode: PagingMode, root: number, addr: number, out: StageResult): number {
    const levelBits = mode.levelBits;
    const last = levelBits.length - 1;
    const largeAllowed = mode.largeAllowed;
    const mem = this.mem;
    let shift = PAGE_SHIFT;
    for (let l = 1; l <= last; l++) shift += levelBits[l]!;
    let table = root >>> 0;
    for (let level = 0; ; level++) {
      const hostAddr = (table + ((addr >>> shift) & ((1 << levelBits[level]!) - 1)) * 4) >>> 0;
      this.eptRefs++;
      if (hostAddr + 4 > mem.sizeBytes) return this.walkStop(out, WALK_BUS_ERROR, level);
      const entry = mem.i32[hostAddr >>> 2]!;
      if (!(entry & P_V)) return this.walkStop(out, WALK_NOT_PRESENT, level);
      if (level === last || ((entry & P_L) && largeAllowed[level])) {
        const pageMask = (1 << shift) - 1;
        if (level !== last && (entry & FRAME_MASK & pageMask) !== 0) return this.walkStop(out, WALK_BAD_LARGE, level);
        out.status = WALK_OK;
        out.leaf = entry;
        out.leafHostAddr = hostAddr;
        out.pageShift = shift;
        out.level = level;
        out.output = ((entry & FRAME_MASK & ~pageMask) | (addr & pageMask)) >>> 0;
        return WALK_OK;
      }
      table = (entry & FRAME_MASK) >>> 0;
      shift -= levelBits[level + 1]!;
    }
  }

  private walkStop(out: StageResult, status: number, level: number): number {
    out.status = status;
    out.level = level;
    return status;
  }

  /** One step for the attached trace (the debugger's `translate`): off the miss path. */
  private record(stage: 'guest' | 'ept' | 'shadow', level: number, entryAddr: number, hostAddr: number, entry: number, addr: number, cached: boolean): void {
    this.trace!.push(stage === 'ept'
      ? { stage, level, entryAddr, hostAddr, value: entry >>> 0, translating: addr >>> 0, cached }
      : { stage, level, entryAddr, hostAddr, value: entry >>> 0, cached });
  }

  /** The walk just made ended in a translation: cache the directory entries it read. */
  commitPwc(): void {
    const pwc = this.pwc;
    if (pwc !== null) for (let i = 0; i < this.pendingCount; i++) pwc.insert('guest', this.pendingHostAddr[i]! >>> 0, this.pendingEntry[i]!);
    this.pendingCount = 0;
  }

  /** The walk just made faulted (or is about to start): forget what it read. */
  dropPwc(): void {
    this.pendingCount = 0;
  }

  /** An entry of a table in host memory (the MMU's EPT A/D work, pml.ts). */
  readEntry(hostAddr: number): number {
    return this.mem.i32[hostAddr >>> 2]!;
  }

  /** Write back an EPT leaf's A/D bits (page-modification logging, pml.ts): one more EPT reference. */
  writeEptLeaf(hostAddr: number, value: number): void {
    this.mem.i32[hostAddr >>> 2] = value;
    this.mem.dirty[hostAddr >>> 12] = 1;
    this.eptRefs++;
  }

  /** Step 7: write back Accessed (and Dirty for a store) into the leaf. Returns the new value. */
  setAccessedDirty(out: StageResult, isStore: boolean): boolean {
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((out.leaf & want) === want) return false;
    out.leaf |= want;
    this.mem.i32[out.leafHostAddr >>> 2] = out.leaf;
    this.mem.dirty[out.leafHostAddr >>> 12] = 1;
    this.guestRefs++;
    return true;
  }
}
