// Content-based page sharing (Waldspurger, OSDI 2002, section 4; KVM's KSM): the VMM scans guest
// frames at a configured rate, hashes their contents, and backs guest frames with identical
// contents - in one VM or across VMs - by one read-only host frame. A write to a shared frame
// exits to the VMM, which gives the writer a private copy (copy-on-write) before the store is
// retried. Zero pages are the common case.
//
// How it stays correct for any pager (built-in or a user's), with no change to the pager:
// - a shared frame's owner is SHARED_OWNER and the host knows which VMs' guest frames map it
//   (host.ts `sharers`); the pager API's checks accept a leaf to it only from those VMs, and
//   every leaf a pager writes to it is made read-only with the VMM's bit (pager-tables.ts);
// - when the VMM changes which host frame backs a guest frame (a merge, a copy-on-write break),
//   it first drops every entry of the VM's pager tables that led to the old frame, then flushes
//   the TLB - the MMU-notifier step of KVM, done by the VMM over the pager's tables
//   (PagerTables.revoke). The pager sees a hidden fault / EPT violation again and maps the frame
//   `backing(gpa)` now gives;
// - a store fault on an entry with the VMM's bit never reaches the pager (Vmm.handleExit); nor
//   does any write the VMM makes to guest memory on the guest's behalf (Vm.writableBacking) or an
//   A/D update of the hardware walk to a guest page table in a shared frame (an EPT violation,
//   emulator/mmu.ts, as on VT-x).
// Frames backed in large runs (EPT large pages) are never merged: sharing one 4 KiB piece would
// need the large page split (ESX does so under memory pressure; here they simply stay private),
// which is why the saving falls with large pages. PV (direct paging) VMs are refused: their real
// entries are written with each validated guest update and have no hidden faults to fall back on,
// as Xen shares memory only of HVM guests.
//
// Scanning runs at the VM's slice ends (Vmm.runSlice), never per instruction; its cost (hashing,
// comparing, the revocation scan) is charged to the VM whose frames were scanned, as the host's
// scanner thread (ksmd) takes CPU time from the VMs. Everything is deterministic: the scan order,
// the hash (FNV-1a over words) and the merge decisions depend only on guest memory.

import { CR, PAGE_SIZE, PTBR_ROOT_MASK, PTE, STATUS } from '../isa/arch.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { SHARED_OWNER, type HostMemory } from './host.ts';
import { WRITE_PROTECT, ZAP } from './pager-tables.ts';
import type { PagerHost } from './pager-host.ts';
import type { Vm } from './vm.ts';

export interface SharingOptions {
  /** Guest frames scanned per scan; 0 turns sharing off. */
  readonly pages: number;
  /** A VM's frames are scanned once every this many of its guest instructions (at the slice end past it). */
  readonly every: number;
}

export const DEFAULT_SHARING: SharingOptions = { pages: 0, every: 100_000 };

/**
 * Costs (docs/cycle-model.md, "Host memory"): hashing a 4 KiB frame and comparing two are one
 * pass over 1,024 words each; a copy-on-write copy is a 4 KiB copy.
 */
export const SCAN_HASH_CYCLES = 1024;
export const SCAN_COMPARE_CYCLES = 1024;
export const COPY_PAGE_CYCLES = 1024;

/** What sharing counts per VM (`--stats`, `--json` under "memory"). */
export class SharingStats {
  /** Guest frames scanned (hashed), merged into a shared frame, and copy-on-write breaks. */
  scanned = 0;
  merged = 0;
  cowBreaks = 0;
  /** Of the breaks, those of a store by the guest (an exit) rather than a write by the VMM. */
  cowExits = 0;
  /** Guest frames backed by a shared frame now. */
  sharedNow = 0;
  /**
   * Host frames sharing saves this VM now: of a shared frame that r guest frames use, each of
   * them is credited (r - 1) / r, so the VMs' figures add up to the host frames saved in all.
   * Brought up to date at every scan and at the end of Vmm.run (PageSharing.attribute).
   */
  savedFrames = 0;
  /** Cycles charged for scanning (hash, compare, revocation) and for copy-on-write copies. */
  scanCycles = 0;
  cowCycles = 0;
}

/** One sample of host memory use (Vmm.memorySeries). */
export interface MemorySample {
  /** Guest instructions retired by all VMs together. */
  instructions: number;
  /** Host frames in use in all (guest memory, shared frames, the VMM's tables). */
  hostFrames: number;
  /** Shared frames among them. */
  sharedFrames: number;
  /** Per VM (in VM order): host frames backing its guest memory privately. */
  perVm: number[];
}

/** At most this many samples are kept: past it every other one goes and the interval doubles. */
export const SERIES_LIMIT = 1024;

interface Candidate {
  vm: Vm;
  gfn: number;
  frame: number;
}

export class PageSharing {
  /** Shared frames by content hash (KSM's stable tree). */
  private readonly stable = new Map<number, number[]>();
  /** Private frames seen once, by content hash (KSM's unstable tree). */
  private readonly unstable = new Map<number, Candidate>();
  private readonly cursor = new Map<Vm, number>();
  private readonly nextScan = new Map<Vm, number>();
  /** revoke's action per host frame, cleared after each use. */
  private readonly action: Uint8Array;
  private readonly touched: number[] = [];
  private readonly toFree: number[] = [];
  readonly series: MemorySample[] = [];
  private sampleEvery = 1;
  private sampleCount = 0;

  constructor(
    private readonly host: HostMemory,
    private readonly mmu: Mmu,
    private readonly profile: MachineProfile,
    readonly options: SharingOptions,
    /** Every PagerHost holding tables of a VM (two for a dynamic VM). */
    private readonly hostsOf: (vm: Vm) => PagerHost[],
    private readonly vms: readonly Vm[],
  ) {
    this.action = new Uint8Array(host.frames);
  }

  get enabled(): boolean {
    return this.options.pages > 0;
  }

  /** The guest instruction count at which the VM's next scan is due (Vmm.runSlice stops the vCPU there). */
  nextAt(vm: Vm): number {
    return this.nextScan.get(vm) ?? this.options.every;
  }

  /** The VM reached nextAt: scan its frames, and sample host memory. */
  scanDue(vm: Vm): void {
    this.nextScan.set(vm, vm.stats.instructions + this.options.every);
    this.scan(vm, this.options.pages);
    this.attribute();
    this.sample();
  }

  /** Scan `pages` guest frames of `vm` from its cursor (wrapping), merging what matches. */
  scan(vm: Vm, pages: number): void {
    const stats = vm.vmm.sharing!;
    const before = vm.stats.cyclesVmm;
    const frames = vm.p2m.length;
    let at = this.cursor.get(vm) ?? 0;
    // Frames backed in large runs stay private (see the head of this file).
    const eligible = vm.allocGranuleFrames === 1;
    // At most one pass over the VM's memory per scan, whatever `pages` says.
    for (let n = 0, count = Math.min(pages, frames); n < count && eligible; n++, at = (at + 1) % frames) {
      const hostAddr = vm.p2m[at]!;
      if (hostAddr <= 0) continue; // not backed, or swapped out
      const frame = hostAddr >>> 12;
      if (this.host.owner[frame] !== vm.id) continue;
      stats.scanned++;
      vm.stats.cyclesVmm += SCAN_HASH_CYCLES;
      const hash = this.hashFrame(frame);
      const merged = this.mergeIntoStable(vm, at, frame, hash) || this.mergeWithCandidate(vm, at, frame, hash);
      if (!merged) this.unstable.set(hash, { vm, gfn: at, frame });
    }
    this.cursor.set(vm, at);
    this.applyRevocations(vm);
    stats.scanCycles += vm.stats.cyclesVmm - before;
  }

  private mergeIntoStable(vm: Vm, gfn: number, frame: number, hash: number): boolean {
    const list = this.stable.get(hash);
    if (!list) return false;
    for (const shared of list) {
      vm.stats.cyclesVmm += SCAN_COMPARE_CYCLES;
      if (!this.sameContents(shared, frame)) continue;
      this.remap(vm, gfn, frame, shared);
      return true;
    }
    return false;
  }

  private mergeWithCandidate(vm: Vm, gfn: number, frame: number, hash: number): boolean {
    const c = this.unstable.get(hash);
    if (!c || c.frame === frame) return false;
    // The candidate may have changed hands since it was seen.
    if (this.host.owner[c.frame] !== c.vm.id || c.vm.p2m[c.gfn] !== c.frame * PAGE_SIZE) {
      this.unstable.delete(hash);
      return false;
    }
    vm.stats.cyclesVmm += SCAN_COMPARE_CYCLES;
    if (!this.sameContents(c.frame, frame)) return false;
    this.unstable.delete(hash);
    // The candidate's frame becomes the shared one: its VM keeps it, read-only from now on.
    this.host.owner[c.frame] = SHARED_OWNER;
    this.host.sharers.set(c.frame, new Map([[c.vm.id, 1]]));
    c.vm.vmm.guestFrames--;
    c.vm.vmm.sharing!.merged++;
    c.vm.vmm.sharing!.sharedNow++;
    this.mark(c.frame, WRITE_PROTECT);
    let list = this.stable.get(hash);
    if (!list) this.stable.set(hash, (list = []));
    list.push(c.frame);
    this.remap(vm, gfn, frame, c.frame);
    return true;
  }

  /** Back guest frame `gfn` of `vm` (now on its private `frame`) by `shared`; `frame` goes once its mappings are gone. */
  private remap(vm: Vm, gfn: number, frame: number, shared: number): void {
    vm.p2m[gfn] = shared * PAGE_SIZE;
    const sharers = this.host.sharers.get(shared)!;
    sharers.set(vm.id, (sharers.get(vm.id) ?? 0) + 1);
    vm.vmm.guestFrames--;
    vm.vmm.sharing!.merged++;
    vm.vmm.sharing!.sharedNow++;
    this.mark(frame, ZAP);
    this.toFree.push(frame);
  }

  private mark(frame: number, action: number): void {
    if (this.action[frame] === 0) this.touched.push(frame);
    if (action > this.action[frame]!) this.action[frame] = action;
  }

  /** Take away the mappings marked, in every VM's tables (a frame may be mapped only by its VMs), flush, free what was merged away. */
  private applyRevocations(payer: Vm): void {
    if (this.touched.length === 0) return;
    for (const vm of this.vms) {
      for (const pagerHost of this.hostsOf(vm)) {
        const { visited } = pagerHost.revoke(this.action);
        payer.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles;
      }
    }
    this.mmu.flushAll();
    payer.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    for (const f of this.touched) this.action[f] = 0;
    this.touched.length = 0;
    for (const f of this.toFree) this.host.freeFrame(f * PAGE_SIZE);
    this.toFree.length = 0;
  }

  /**
   * Give guest frame `gfn` of `vm` a private copy of the shared frame backing it (a write is
   * coming), dropping the VM's mappings of the shared frame first. `exit`: a guest store's exit.
   */
  breakCow(vm: Vm, gfn: number, exit: boolean): void {
    const shared = vm.p2m[gfn]! >>> 12;
    if (this.host.owner[shared] !== SHARED_OWNER) return;
    const stats = vm.vmm.sharing!;
    const before = vm.stats.cyclesVmm;
    const copy = this.host.allocFrame(vm.id);
    const u8 = this.host.mem.u8;
    u8.copyWithin(copy, shared * PAGE_SIZE, (shared + 1) * PAGE_SIZE);
    this.host.mem.dirty[copy >>> 12] = 1;
    vm.p2m[gfn] = copy;
    vm.vmm.guestFrames++;
    vm.onBacked?.(vm, gfn);
    stats.sharedNow--;
    stats.cowBreaks++;
    if (exit) stats.cowExits++;
    vm.stats.cyclesVmm += COPY_PAGE_CYCLES;
    const sharers = this.host.sharers.get(shared)!;
    const mine = sharers.get(vm.id)! - 1;
    if (mine === 0) sharers.delete(vm.id);
    else sharers.set(vm.id, mine);
    // The VM's entries to the shared frame go (its other guest frames on it refault harmlessly).
    for (const pagerHost of this.hostsOf(vm)) {
      const { visited } = pagerHost.dropMappings(gfn, shared, mine === 0, this.action);
      vm.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles;
    }
    this.mmu.flushAll();
    vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    if (sharers.size === 0) this.releaseShared(shared);
    stats.cowCycles += vm.stats.cyclesVmm - before;
  }

  /**
   * A store (or an A/D update) met a leaf the VMM made read-only (`leaf`, PagerHost.vmmProtected):
   * break the sharing of the guest frame written, and make sure no entry of this VM to the leaf's
   * frame is left, so the retried access refaults to the pager, which maps the frame `backing` gives.
   */
  cowFault(vm: Vm, leaf: number, guestPhys: number): void {
    const leafFrame = (leaf & 0xfffff000) >>> 12;
    if (guestPhys >= 0 && vm.isGuestRam(guestPhys)) this.breakCow(vm, guestPhys >>> 12, true);
    if (this.host.owner[leafFrame] !== SHARED_OWNER || (this.host.sharers.get(leafFrame)?.get(vm.id) ?? 0) === 0) {
      // Not this VM's shared frame any more (the break above, or a stale entry): drop what is left of it.
      this.action[leafFrame] = ZAP;
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
      this.action[leafFrame] = 0;
      this.mmu.flushAll();
    }
  }

  private releaseShared(shared: number): void {
    const hash = this.hashFrame(shared);
    const list = this.stable.get(hash);
    if (list) {
      const i = list.indexOf(shared);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.stable.delete(hash);
    }
    this.host.freeFrame(shared * PAGE_SIZE);
  }

  /** Bring every VM's savedFrames up to date. */
  attribute(): void {
    const saved = new Float64Array(this.vms.length + 1);
    for (const sharers of this.host.sharers.values()) {
      let r = 0;
      for (const n of sharers.values()) r += n;
      for (const [vmId, n] of sharers) saved[vmId]! += (n * (r - 1)) / r;
    }
    for (const vm of this.vms) if (vm.vmm.sharing) vm.vmm.sharing.savedFrames = saved[vm.id]!;
  }

  /** Shared frames in all, now. */
  sharedFrames(): number {
    return this.host.sharers.size;
  }

  /** Record one MemorySample (every `sampleEvery`-th call, thinned past SERIES_LIMIT). */
  private sample(): void {
    if (this.sampleCount++ % this.sampleEvery !== 0) return;
    let instructions = 0;
    for (const vm of this.vms) instructions += vm.stats.instructions;
    this.series.push({ instructions, hostFrames: this.host.inUse, sharedFrames: this.sharedFrames(), perVm: this.vms.map((vm) => vm.vmm.guestFrames) });
    if (this.series.length >= SERIES_LIMIT) {
      let k = 0;
      for (let i = 0; i < this.series.length; i += 2) this.series[k++] = this.series[i]!;
      this.series.length = k;
      this.sampleEvery *= 2;
    }
  }

  /** FNV-1a over the frame's 1,024 words. */
  private hashFrame(frame: number): number {
    const words = this.host.mem.i32;
    let h = 0x811c9dc5;
    for (let i = frame * 1024, end = i + 1024; i < end; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    return h >>> 0;
  }

  private sameContents(a: number, b: number): boolean {
    const words = this.host.mem.i32;
    const da = a * 1024;
    const db = b * 1024;
    for (let i = 0; i < 1024; i++) if (words[da + i] !== words[db + i]) return false;
    return true;
  }
}

/**
 * The guest-physical address the guest's own tables give `va` now (isa/README.md 6.2, without
 * setting A/D), or -1: for a shadow-mode store fault, which names only the virtual address.
 */
export function guestPhysOf(vm: Vm, va: number): number {
  va >>>= 0;
  if (!(vm.cpu.readCr(CR.STATUS) & STATUS.PG)) return va;
  const root = (vm.cpu.readCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
  const pde = vm.peekWord((root + (va >>> 22) * 4) >>> 0);
  if (pde === undefined || !(pde & PTE.V)) return -1;
  if (pde & PTE.L) return ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0;
  const pte = vm.peekWord((((pde & PTE.FRAME_MASK) >>> 0) + ((va >>> 12) & 1023) * 4) >>> 0);
  if (pte === undefined || !(pte & PTE.V)) return -1;
  return ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0;
}
