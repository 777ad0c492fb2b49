// Host physical memory and its frame allocator, shared by every VM. Each frame has an owner: a
// VM (its guest memory), the VMM (shadow and EPT tables), or nobody. Ownership is what the
// isolation audit checks: a VM's translations may only lead to frames the VM owns.

import { PAGE_SIZE } from '../isa/arch.ts';
import { PhysicalMemory } from '../emulator/memory.ts';

/**
 * Owner codes: 0 = free, -1 = the VMM's own tables, -2 = a frame shared read-only by one or more
 * guest frames (content-based page sharing, sharing.ts; who shares it is `sharers`), k > 0 =
 * guest memory of VM k.
 */
export const FREE = 0;
export const VMM_OWNER = -1;
export const SHARED_OWNER = -2;

/**
 * The software bit (isa/arch.ts PTE.SOFTWARE_MASK, bit 11) the VMM sets in a pager's leaf entry
 * when it took write access away from it (the frame is shared, or - later - dirty-logged): a
 * store fault on such an entry is the VMM's own (a copy-on-write break) and never reaches the
 * pager. Bit 8 is left to agile paging's switch bit (docs/agile-design.md).
 */
export const VMM_WRITE_PROTECT = 1 << 11;

export class OutOfHostMemory extends Error {}

export class HostMemory {
  readonly mem: PhysicalMemory;
  readonly frames: number;
  /** Owner of every host frame. */
  readonly owner: Int16Array;
  private readonly freeList: number[] = [];
  /** Frames below this were never handed out (allocated upward, so large runs stay possible). */
  private bump = 1; // frame 0 stays unused: a zero frame number is never a valid mapping
  inUse = 0;
  peakInUse = 0;
  /**
   * Host swapping (swap.ts): called when an allocation finds no free frame; it frees some and
   * returns true, or returns false (nothing to evict).
   */
  reclaim: (() => boolean) | undefined;
  /** Counts the VM exits handled (Vmm.handleExit): host swapping never evicts a frame touched in the current one. */
  serial = 1;
  /** For each shared frame (owner SHARED_OWNER), by frame number: VM id -> how many of its guest frames map it. */
  readonly sharers = new Map<number, Map<number, number>>();

  constructor(sizeBytes: number) {
    this.mem = new PhysicalMemory(sizeBytes);
    this.frames = sizeBytes / PAGE_SIZE;
    this.owner = new Int16Array(this.frames);
  }

  /** Allocate one zeroed 4 KiB frame for `owner`; returns its host-physical address. */
  allocFrame(owner: number): number {
    let frame = this.freeList.pop();
    if (frame === undefined && this.bump >= this.frames && this.reclaim?.()) frame = this.freeList.pop();
    if (frame === undefined) {
      if (this.bump >= this.frames) throw new OutOfHostMemory(`host memory exhausted (${this.frames} frames)${this.reclaim ? ', and host swapping found no guest frame to evict' : ''}`);
      frame = this.bump++;
      this.take(frame, owner, true);
      return frame * PAGE_SIZE;
    }
    this.take(frame, owner, false);
    return frame * PAGE_SIZE;
  }

  /** Allocate `count` contiguous zeroed frames aligned to `alignFrames` (for large pages and big tables). */
  allocRun(count: number, alignFrames: number, owner: number): number {
    let start = Math.ceil(this.bump / alignFrames) * alignFrames;
    if (start + count > this.frames) throw new OutOfHostMemory(`host memory exhausted: no run of ${count} frames left`);
    // The gap left by alignment goes to the free list.
    for (let f = this.bump; f < start; f++) this.freeList.push(f);
    for (let f = start; f < start + count; f++) this.take(f, owner, true);
    this.bump = start + count;
    return start * PAGE_SIZE;
  }

  /**
   * Hand a frame to `owner`, zeroed. A `fresh` frame (above every frame handed out before) that no
   * writer has marked in the dirty map is still as the memory was created, all zeros: not cleared
   * again (a VM's memory is backed on demand, so this is most frames of a short run).
   */
  private take(frame: number, owner: number, fresh: boolean): void {
    this.owner[frame] = owner;
    if (!fresh || this.mem.dirty[frame] !== 0) this.mem.u8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    this.mem.dirty[frame] = 1;
    this.inUse++;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
  }

  freeFrame(hostPhys: number): void {
    const frame = hostPhys / PAGE_SIZE;
    if (this.owner[frame] === FREE) throw new Error(`double free of host frame ${frame}`);
    this.owner[frame] = FREE;
    this.sharers.delete(frame);
    this.inUse--;
    this.freeList.push(frame);
  }

  /** Whether VM `vmId` may map host frame `hostPhys`: it owns it, or one of its guest frames shares it. */
  mappableBy(hostPhys: number, vmId: number): boolean {
    const frame = Math.floor(hostPhys / PAGE_SIZE);
    const owner = this.owner[frame];
    if (owner === vmId) return true;
    return owner === SHARED_OWNER && (this.sharers.get(frame)?.get(vmId) ?? 0) > 0;
  }

  /** Frames that can still be allocated without reclaiming. */
  freeFrames(): number {
    return this.freeList.length + (this.frames - this.bump);
  }

  ownerOf(hostPhys: number): number {
    return this.owner[Math.floor(hostPhys / PAGE_SIZE)] ?? FREE;
  }
}
