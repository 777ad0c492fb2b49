// Host physical memory and its frame allocator, shared by every VM. Each frame has an owner: a
// VM (its guest memory), the VMM (shadow and EPT tables), or nobody. Ownership is what the
// isolation audit checks: a VM's translations may only lead to frames the VM owns.

import { PAGE_SIZE } from '../isa/arch.ts';
import { PhysicalMemory } from '../emulator/memory.ts';

/** Owner codes: 0 = free, -1 = the VMM's own tables, k > 0 = guest memory of VM k. */
export const FREE = 0;
export const VMM_OWNER = -1;

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

  constructor(sizeBytes: number) {
    this.mem = new PhysicalMemory(sizeBytes);
    this.frames = sizeBytes / PAGE_SIZE;
    this.owner = new Int16Array(this.frames);
  }

  /** Allocate one zeroed 4 KiB frame for `owner`; returns its host-physical address. */
  allocFrame(owner: number): number {
    let frame = this.freeList.pop();
    if (frame === undefined) {
      if (this.bump >= this.frames) throw new OutOfHostMemory(`host memory exhausted (${this.frames} frames)`);
      frame = this.bump++;
    }
    this.take(frame, owner);
    return frame * PAGE_SIZE;
  }

  /** Allocate `count` contiguous zeroed frames aligned to `alignFrames` (for large pages and big tables). */
  allocRun(count: number, alignFrames: number, owner: number): number {
    let start = Math.ceil(this.bump / alignFrames) * alignFrames;
    if (start + count > this.frames) throw new OutOfHostMemory(`host memory exhausted: no run of ${count} frames left`);
    // The gap left by alignment goes to the free list.
    for (let f = this.bump; f < start; f++) this.freeList.push(f);
    for (let f = start; f < start + count; f++) this.take(f, owner);
    this.bump = start + count;
    return start * PAGE_SIZE;
  }

  private take(frame: number, owner: number): void {
    this.owner[frame] = owner;
    this.mem.u8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    this.mem.dirty[frame] = 1;
    this.inUse++;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
  }

  freeFrame(hostPhys: number): void {
    const frame = hostPhys / PAGE_SIZE;
    if (this.owner[frame] === FREE) throw new Error(`double free of host frame ${frame}`);
    this.owner[frame] = FREE;
    this.inUse--;
    this.freeList.push(frame);
  }

  ownerOf(hostPhys: number): number {
    return this.owner[Math.floor(hostPhys / PAGE_SIZE)] ?? FREE;
  }
}
