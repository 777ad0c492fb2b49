// A VM: a guest-physical address space backed on demand by host frames (the p2m map), a vCPU
// with the guest's registers and control registers, its own devices (console, power-off) and its
// own statistics. The VM does not know its frames are scattered through a host shared with
// other VMs.

import { MMIO_BASE, MMIO_SIZE, PAGE_SIZE } from '../isa/arch.ts';
import { Cpu } from '../emulator/cpu.ts';
import { Devices } from '../emulator/devices.ts';
import { MemoryHasher } from '../emulator/memory-hash.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { Stats } from '../emulator/stats.ts';
import type { GuestPhysicalWriter } from '../emulator/boot.ts';
import type { PmlLog } from '../emulator/pml.ts';
import { SHARED_OWNER, type HostMemory } from './host.ts';
import { VmmStats } from './vmstats.ts';
import { ExitLog, type ExitRecord } from './exit-log.ts';
import type { ExitInfo } from '../emulator/exits.ts';

/**
 * How a VM's memory is virtualized: shadow paging, EPT, switching between them (dynamic.ts), the
 * paravirtual MMU (pv.ts), or agile paging (agile.ts: shadow and nested within one walk).
 */
export type VmMode = 'shadow' | 'ept' | 'dynamic' | 'pv' | 'agile';

export { EXIT_LOG_SIZE, type ExitRecord } from './exit-log.ts';

/** Marks in Vm.p2m (a host address is never negative): a guest frame swapped out by the host (swap.ts)... */
export const SWAPPED = -1;
/** ...and one the guest gave to the VMM (balloon.ts). */
export const BALLOONED = -2;

export class Vm implements GuestPhysicalWriter {
  readonly stats = new Stats();
  readonly vmm = new VmmStats();
  readonly devices = new Devices();
  readonly cpu: Cpu;
  /** Host-physical address of each guest frame; 0 = not backed yet (host frame 0 is never used). */
  readonly p2m: Int32Array;
  readonly sizeBytes: number;
  /** Guest frames are backed this many at a time, aligned (more than 1 for EPT large pages). */
  allocGranuleFrames = 1;
  /** The most recent exits (at most EXIT_LOG_SIZE), written over in place. */
  private readonly exits = new ExitLog();
  /** Why the VM stopped, once it has. */
  stopped: 'halted' | 'max-instructions' | 'wfi-deadlock' | 'trap-loop' | 'stopped' | undefined;
  /** The name of its pager ('shadow', 'ept', or a user's pager file). */
  pagerName = '';
  /** Its pager's failure (the message of the PagerError that stopped it), if it failed. */
  failure: string | undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly mode: VmMode,
    memoryBytes: number,
    readonly host: HostMemory,
    mmu: Mmu,
    profile: MachineProfile,
  ) {
    if (memoryBytes % PAGE_SIZE !== 0 || memoryBytes <= 0 || memoryBytes > MMIO_BASE) {
      throw new RangeError(`VM ${name}: memory must be a multiple of 4 KiB below 0xF0000000`);
    }
    this.sizeBytes = memoryBytes;
    this.p2m = new Int32Array(memoryBytes / PAGE_SIZE);
    this.cpu = new Cpu(host.mem, mmu, this.devices, this.stats, profile);
    // The guest reaches devices only through the VMM's emulation.
    this.cpu.devicesAccessible = false;
  }

  /** The most recent exits, oldest first (at most EXIT_LOG_SIZE): copies, which later exits leave as they are. */
  get exitLog(): ExitRecord[] {
    return this.exits.newest();
  }

  /** The newest `count` exits, oldest first (copies). */
  recentExits(count: number): ExitRecord[] {
    return this.exits.newest(count);
  }

  /** A hardware exit the VMM handled, classified as `reason` (nothing is formatted or allocated). */
  logExit(instructions: number, e: ExitInfo, reason: string): void {
    this.exits.exit(instructions, e, reason);
  }

  /** An exit record given whole (a design's own events: dynamic switches, agile samples). */
  recordExit(record: ExitRecord): void {
    this.exits.record(record);
  }

  isGuestRam(guestPhys: number): boolean {
    return guestPhys >= 0 && guestPhys < this.sizeBytes;
  }

  isMmio(guestPhys: number): boolean {
    return guestPhys >= MMIO_BASE && guestPhys < MMIO_BASE + MMIO_SIZE;
  }

  /** Host-physical address of a guest-physical one, backing its frame on first use; -1 outside RAM. */
  backing(guestPhys: number): number {
    guestPhys >>>= 0;
    if (!this.isGuestRam(guestPhys)) return -1;
    const frame = guestPhys >>> 12;
    let host = this.p2m[frame]!;
    if (this.touchedAt !== undefined) this.touchedAt[frame] = this.host.serial;
    if (host <= 0) {
      if (host === BALLOONED) this.balloonTouch!(this, frame);
      if (this.p2m[frame] === 0) this.backGranule(frame);
      else if (this.p2m[frame]! < 0) this.pageIn!(this, frame);
      host = this.p2m[frame]!;
    }
    return host + (guestPhys & 0xfff);
  }

  /** Host swapping (swap.ts), when on: the contents of this VM's swapped-out guest frames, by frame. */
  readonly swapStore = new Map<number, Uint8Array>();
  /** Host swapping: read a swapped-out guest frame back; and the exit serial (host.serial) each frame was last used by the VMM in. */
  pageIn: ((vm: Vm, gfn: number) => void) | undefined;
  touchedAt: Uint32Array | undefined;
  /** Ballooning (balloon.ts), when on: the guest frames given to the VMM, in order; and what a guest touch of one does. */
  readonly ballooned: number[] = [];
  balloonTouch: ((vm: Vm, gfn: number) => void) | undefined;
  /** Host swapping: told of every guest frame backed. */
  onBacked: ((vm: Vm, gfn: number) => void) | undefined;

  private backGranule(frame: number): void {
    const g = this.allocGranuleFrames;
    const first = frame - (frame % g);
    const count = Math.min(g, this.p2m.length - first);
    const base = g === 1 ? this.host.allocFrame(this.id) : this.host.allocRun(g, g, this.id);
    for (let i = 0; i < count; i++) this.p2m[first + i] = base + i * PAGE_SIZE;
    this.vmm.guestFrames += count;
    if (this.onBacked !== undefined) for (let i = 0; i < count; i++) this.onBacked(this, first + i);
    if (this.dirtyLog !== undefined) for (let i = 0; i < count; i++) this.dirtyLog.noteWrite(first + i);
  }

  /**
   * Dirty logging (dirty-log.ts), while on: told of every guest frame the VMM writes on the
   * guest's behalf or backs (a new frame is dirty: the destination has no copy of it). And, for
   * write-protection logging, by host frame: 1 where every leaf a pager writes must be read-only
   * with the VMM's bit (pager-tables.ts), so the frame's first store exits and is logged.
   */
  dirtyLog: { noteWrite(gfn: number): void } | undefined;
  logTrap: Uint8Array | undefined;
  /** Page-modification logging (pml.ts): the VM's log, loaded into the MMU at VM entry; undefined when off. */
  pmlLog: PmlLog | undefined;

  /**
   * Host-physical address of a guest-physical one that is about to be written by the VMM (or a
   * pager) on the guest's behalf: a frame shared read-only (sharing.ts) first gets its private copy.
   */
  writableBacking(guestPhys: number): number {
    const h = this.backing(guestPhys);
    if (h >= 0 && this.cowBreak !== undefined && this.host.owner[h >>> 12] === SHARED_OWNER) {
      this.cowBreak(this, guestPhys >>> 12);
      this.dirtyLog?.noteWrite(guestPhys >>> 12);
      return this.p2m[guestPhys >>> 12]! + (guestPhys & 0xfff);
    }
    if (h >= 0) this.dirtyLog?.noteWrite(guestPhys >>> 12);
    return h;
  }

  /** Set by the VMM when page sharing is on: give guest frame `gfn` a private copy of its shared frame. */
  cowBreak: ((vm: Vm, gfn: number) => void) | undefined;

  /** Host address of a guest frame if it is already backed, without backing it. */
  backed(guestPhys: number): number {
    if (!this.isGuestRam(guestPhys)) return -1;
    const host = this.p2m[guestPhys >>> 12]!;
    // A swapped-out frame has contents: it is read back.
    if (host < 0) return this.backing(guestPhys);
    return host === 0 ? -1 : host + (guestPhys & 0xfff);
  }

  /** Host address of a guest frame in host memory now: -1 when not backed yet, swapped out or ballooned (nothing is read back). */
  resident(guestPhys: number): number {
    if (!this.isGuestRam(guestPhys)) return -1;
    const host = this.p2m[guestPhys >>> 12]!;
    return host <= 0 ? -1 : host + (guestPhys & 0xfff);
  }

  /** A guest word read without backing its frame (an unbacked frame reads 0); undefined outside guest RAM. */
  peekWord(guestPhys: number): number | undefined {
    if (!this.isGuestRam(guestPhys)) return undefined;
    const frame = this.p2m[guestPhys >>> 12]!;
    if (frame === BALLOONED) return 0;
    if (frame < 0) return new Int32Array(this.swapStore.get(guestPhys >>> 12)!.buffer)[(guestPhys & 0xfff) >>> 2]!;
    return frame === 0 ? 0 : this.host.mem.i32[(frame + (guestPhys & 0xfff)) >>> 2]!;
  }

  /** The VMM's software read of a guest word (page tables); undefined outside guest RAM. */
  readWord(guestPhys: number): number | undefined {
    const h = this.backing(guestPhys);
    return h < 0 ? undefined : this.host.mem.i32[h >>> 2]!;
  }

  writeWord(guestPhys: number, value: number): void {
    const h = this.writableBacking(guestPhys);
    if (h < 0) throw new Error(`VMM bug: write outside guest memory at 0x${guestPhys.toString(16)}`);
    this.host.mem.i32[h >>> 2] = value;
    this.host.mem.dirty[h >>> 12] = 1;
  }

  /** A guest store of 1, 2 or 4 bytes, emulated by the VMM. */
  writeSized(guestPhys: number, value: number, size: number): void {
    const h = this.writableBacking(guestPhys);
    if (h < 0) throw new Error(`VMM bug: write outside guest memory at 0x${guestPhys.toString(16)}`);
    const mem = this.host.mem;
    if (size === 1) mem.u8[h] = value;
    else if (size === 2) mem.u16[h >>> 1] = value;
    else mem.i32[h >>> 2] = value;
    mem.dirty[h >>> 12] = 1;
  }

  readSized(guestPhys: number, size: number, signed: boolean): number {
    const h = this.backing(guestPhys);
    const mem = this.host.mem;
    if (size === 1) return signed ? mem.i8[h]! : mem.u8[h]!;
    if (size === 2) return signed ? mem.i16[h >>> 1]! : mem.u16[h >>> 1]!;
    return mem.i32[h >>> 2]!;
  }

  /** GuestPhysicalWriter: the boot loader writes the kernel and modules through this. */
  load(addr: number, bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; ) {
      const gpa = addr + off;
      const chunk = Math.min(bytes.length - off, PAGE_SIZE - (gpa & 0xfff));
      const h = this.writableBacking(gpa);
      if (h < 0) throw new RangeError(`load outside guest memory at 0x${gpa.toString(16)}`);
      this.host.mem.u8.set(bytes.subarray(off, off + chunk), h);
      this.host.mem.markDirty(h, chunk);
      off += chunk;
    }
  }

  /** A fingerprint of guest-physical memory (unbacked frames read as zeros): equal across modes. */
  memoryHash(): string {
    return hashFrames(this.p2m.length, (frame) => {
      const h = this.p2m[frame]!;
      if (h < 0) return this.swapStore.get(frame);
      return h === 0 ? undefined : this.host.mem.u8.subarray(h, h + PAGE_SIZE);
    });
  }
}

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

/** Hash memory frame by frame; `frame(i)` returns its bytes or undefined for a zero frame. */
export function hashFrames(count: number, frame: (i: number) => Uint8Array | undefined): string {
  const hash = new MemoryHasher();
  for (let i = 0; i < count; i++) hash.update(frame(i) ?? ZERO_PAGE);
  return hash.digest();
}
