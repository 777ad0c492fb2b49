// Dirty logging for one VM (issue 14 §2): which guest frames were written since the last harvest,
// the VMM's half of live migration (migration.ts). Two methods, as in KVM:
//
// - `wp`, write protection (KVM's kvm_mmu_slot_remove_write_access, then a write fault per page):
//   every leaf to the VM's frames is made read-only with the VMM's bit (PagerTables.revoke with
//   WRITE_PROTECT; and `Vm.logTrap` makes every leaf a pager writes later read-only too). The
//   first store to each frame exits (a shadow store fault or an EPT violation on a leaf with bit
//   11); the VMM logs the frame, gives W back to that leaf and resumes. A store to a shared frame
//   (sharing.ts) breaks the sharing and is logged. Works for any pager: shadow, EPT, dynamic.
// - `pml`, page-modification logging (EPT only; Intel VT-x, emulator/pml.ts): the EPT walk sets
//   D in EPT leaves and appends each newly dirty guest-physical page to a log; only a full log
//   exits (`pml-full`), and the VMM drains it (KVM's vmx_flush_pml_buffer).
//
// A harvest (KVM's KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG) returns the frames logged since the last
// one and re-arms them: `wp` write-protects them again, `pml` drains the log and clears their D
// bits; both flush the TLB. Writes the VMM makes for the guest (Vm.writableBacking: an emulated
// store, a shadow pager's A/D write, a copy-on-write break) and frames newly backed are logged in
// software, as KVM's mark_page_dirty does. Every cost is charged to the VM and counted
// (docs/cycle-model.md, "Host memory"). This file never reaches into the CPU's loop.

import { PAGE_SIZE } from '../isa/arch.ts';
import { EXIT, type ExitInfo } from '../emulator/exits.ts';
import type { Mmu } from '../emulator/mmu.ts';
import { DEFAULT_PML_SIZE, PmlLog } from '../emulator/pml.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { HostMemory } from './host.ts';
import type { PagerHost } from './pager-host.ts';
import { WRITE_PROTECT } from './pager-tables.ts';
import { guestPhysOf, type PageSharing } from './sharing.ts';
import type { Vm } from './vm.ts';

export type DirtyLogMethod = 'wp' | 'pml';
export const DIRTY_LOG_METHODS: readonly DirtyLogMethod[] = ['wp', 'pml'];

/** What dirty logging counts per VM (`--stats` "dirty logging", `--json` under `dirtyLog`). */
export class DirtyLogStats {
  method: DirtyLogMethod = 'wp';
  /** Guest frames logged dirty (each at most once between two harvests). */
  pagesLogged = 0;
  /** Write-protection exits (the first store to a protected frame) and PML-log-full exits. */
  wpExits = 0;
  pmlFullExits = 0;
  /** Harvests (each returns and re-arms the frames logged since the one before). */
  harvests = 0;
  /** Cycles charged to logging: its exits, the VMM's work in them, arming, harvests and their TLB flushes. */
  cycles = 0;
}

/** Cost of draining one PML entry into the dirty bitmap: a read of the log in host memory (docs/cycle-model.md). */
export function pmlDrainCycles(profile: MachineProfile): number {
  return profile.vmmPteReadCycles;
}

export class DirtyLog {
  readonly stats = new DirtyLogStats();
  /** 1 for each guest frame logged since the last harvest... */
  private readonly dirty: Uint8Array;
  /** ...and the same frames in the order they were logged. */
  private readonly order: number[] = [];
  /** `wp`: the guest frame each host frame of the VM backs (kept for the frames armed). */
  private readonly gfnOf: Int32Array | undefined;
  /** revoke's action per host frame, zero outside a harvest. */
  private readonly action: Uint8Array;
  readonly pml: PmlLog | undefined;
  private active = false;

  constructor(
    readonly vm: Vm,
    readonly method: DirtyLogMethod,
    private readonly host: HostMemory,
    private readonly mmu: Mmu,
    private readonly profile: MachineProfile,
    /** Every PagerHost holding tables of the VM (two for a dynamic VM). */
    private readonly hostsOf: (vm: Vm) => PagerHost[],
    private readonly sharing: PageSharing | undefined,
    pmlSize = DEFAULT_PML_SIZE,
  ) {
    this.stats.method = method;
    this.dirty = new Uint8Array(vm.p2m.length);
    this.action = new Uint8Array(host.frames);
    if (method === 'wp') this.gfnOf = new Int32Array(host.frames).fill(-1);
    else this.pml = new PmlLog(pmlSize);
  }

  get on(): boolean {
    return this.active;
  }

  /** Turn logging on: every frame backed now is armed (write-protected, or its EPT D bit cleared). */
  start(): void {
    if (this.active) return;
    this.active = true;
    const vm = this.vm;
    vm.dirtyLog = this;
    const before = vm.stats.cyclesVmm;
    if (this.method === 'wp') {
      vm.logTrap = new Uint8Array(this.host.frames);
      const frames: number[] = [];
      for (let gfn = 0; gfn < vm.p2m.length; gfn++) if (vm.p2m[gfn]! > 0) frames.push(gfn);
      this.protect(frames);
    } else {
      vm.pmlLog = this.pml;
      // Logging starts at a checkpoint of the running VM: its log goes into the MMU now (and at each entry, Vmm.enter).
      this.mmu.pml = this.pml!;
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.cleanAll() * this.profile.vmmPteWriteCycles;
      this.flush();
    }
    this.stats.cycles += vm.stats.cyclesVmm - before;
  }

  /** Turn logging off (after a migration): pagers' leaves are writable again from the next mapping on, the log is unloaded. */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    const vm = this.vm;
    vm.dirtyLog = undefined;
    vm.logTrap = undefined;
    vm.pmlLog = undefined;
    if (this.mmu.pml === this.pml) this.mmu.pml = null;
    for (const gfn of this.order) this.dirty[gfn] = 0;
    this.order.length = 0;
  }

  /** Log guest frame `gfn` (a VMM write, a new frame, a store exit, a PML entry). */
  noteWrite(gfn: number): void {
    if (!this.active || gfn < 0 || gfn >= this.dirty.length) return;
    if (this.dirty[gfn] === 0) {
      this.dirty[gfn] = 1;
      this.order.push(gfn);
      this.stats.pagesLogged++;
    }
    const vm = this.vm;
    const hostAddr = vm.p2m[gfn]!;
    if (vm.logTrap !== undefined && hostAddr > 0) {
      vm.logTrap[hostAddr >>> 12] = 0;
      this.gfnOf![hostAddr >>> 12] = gfn;
    }
  }

  /**
   * The frames logged since the last harvest, in ascending order, and re-armed: `pml` drains the
   * log first and clears their EPT D bits, `wp` write-protects them again; then the TLB is flushed.
   * `rearm` false: the last harvest before logging stops (migration's stop-and-copy), nothing re-armed.
   */
  harvest(rearm = true): number[] {
    const vm = this.vm;
    const before = vm.stats.cyclesVmm;
    if (this.pml !== undefined) this.drain();
    const frames = this.order.slice().sort((a, b) => a - b);
    for (const gfn of frames) this.dirty[gfn] = 0;
    this.order.length = 0;
    if (this.active && rearm) {
      if (this.method === 'wp') this.protect(frames);
      else {
        // Per frame: a software walk of the EPT to its leaf (two entries read) and the write that clears D.
        const cleanCycles = 2 * this.profile.vmmPteReadCycles + this.profile.vmmPteWriteCycles;
        for (const gfn of frames) {
          for (const pagerHost of this.hostsOf(vm)) {
            vm.stats.cyclesVmm += cleanCycles;
            pagerHost.cleanLeafFor(gfn * PAGE_SIZE);
          }
        }
        this.flush();
      }
    }
    this.stats.harvests++;
    this.stats.cycles += vm.stats.cyclesVmm - before;
    return frames;
  }

  /** Write-protect the leaves to these guest frames' host frames (and every later leaf to them), then flush. */
  private protect(frames: readonly number[]): void {
    const vm = this.vm;
    const trap = vm.logTrap!;
    const touched: number[] = [];
    for (const gfn of frames) {
      const hostAddr = vm.p2m[gfn]!;
      if (hostAddr <= 0) continue;
      const frame = hostAddr >>> 12;
      // A shared frame is read-only already, and its copy-on-write break logs the store.
      if (this.host.owner[frame] !== vm.id) continue;
      trap[frame] = 1;
      this.gfnOf![frame] = gfn;
      this.action[frame] = WRITE_PROTECT;
      touched.push(frame);
    }
    if (touched.length > 0) {
      for (const pagerHost of this.hostsOf(vm)) {
        const { visited, changed } = pagerHost.revoke(this.action);
        vm.stats.cyclesVmm += visited * this.profile.vmmPteReadCycles + changed * this.profile.vmmPteWriteCycles;
      }
      for (const f of touched) this.action[f] = 0;
    }
    this.flush();
  }

  private flush(): void {
    this.mmu.flushAll();
    this.vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
  }

  /** Move the PML log's entries into the dirty set; the log is empty after. */
  private drain(): void {
    const pml = this.pml!;
    for (let i = 0; i < pml.count; i++) this.noteWrite(pml.entries[i]! >>> 12);
    this.vm.stats.cyclesVmm += pml.count * pmlDrainCycles(this.profile);
    pml.count = 0;
  }

  /** The cost of the exit just taken (Vmm.handleExit charged it), counted as logging's. */
  private exitCycles(): number {
    return this.profile.vmExitCycles + this.profile.vmEntryCycles + this.profile.vmmHandlerCycles;
  }

  /** A `pml-full` exit: drain the log; the access is retried and now finds room. */
  pmlFull(): string {
    const before = this.vm.stats.cyclesVmm;
    this.drain();
    this.stats.pmlFullExits++;
    this.stats.cycles += this.exitCycles() + this.vm.stats.cyclesVmm - before;
    return 'pml-full';
  }

  /**
   * Is this exit a store (or a walk's A/D write) meeting a leaf dirty logging protected? For `wp`
   * logging, on a leaf with the VMM's bit whose frame is the VM's own (a shared frame's
   * protection is the sharing's; a store to it breaks the sharing, and is logged, in Vmm.handleExit).
   */
  owns(leaf: number): boolean {
    // Also once logging stopped: a leaf still protected then is simply given W back.
    if (this.method !== 'wp') return false;
    const frame = (leaf & 0xfffff000) >>> 12;
    return this.host.owner[frame] === this.vm.id;
  }

  /**
   * The first store to a write-protected frame (`owns` said yes): log the guest frame, give W back
   * to the leaf met, resume. The store is retried and succeeds.
   */
  protectionFault(pagerHost: PagerHost, e: ExitInfo, leaf: number): string {
    const vm = this.vm;
    const before = vm.stats.cyclesVmm;
    const frame = (leaf & 0xfffff000) >>> 12;
    const nested = e.reason === EXIT.EPT_VIOLATION;
    let gfn = nested ? (e.guestPhys >>> 0) >>> 12 : this.gfnOf![frame]!;
    if (gfn < 0 || vm.p2m[gfn] !== frame * PAGE_SIZE) {
      // A frame armed for a guest frame it no longer backs: find who it backs now (software walk).
      const gpa = guestPhysOf(vm, e.address);
      vm.stats.cyclesVmm += 2 * this.profile.vmmPteReadCycles;
      gfn = gpa >= 0 && vm.isGuestRam(gpa) && vm.p2m[gpa >>> 12] === frame * PAGE_SIZE ? gpa >>> 12 : vm.p2m.indexOf(frame * PAGE_SIZE);
    }
    if (gfn >= 0) this.noteWrite(gfn);
    else vm.logTrap![frame] = 0;
    pagerHost.unprotectLeafFor(nested ? e.guestPhys >>> 0 : e.address >>> 0);
    vm.stats.cyclesVmm += this.profile.vmmPteWriteCycles;
    this.stats.wpExits++;
    this.stats.cycles += this.exitCycles() + vm.stats.cyclesVmm - before;
    return 'dirty-log';
  }

  /** A store to a frame the VM shares (sharing.ts) while it is logged: the copy-on-write break, then the log. */
  sharedStore(e: ExitInfo, leaf: number): void {
    const vm = this.vm;
    const gpa = e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address);
    this.sharing!.cowFault(vm, leaf, gpa);
    if (gpa >= 0 && vm.isGuestRam(gpa)) this.noteWrite(gpa >>> 12);
  }
}
