// Ballooning (Waldspurger, OSDI 2002, section 3.2): a driver in the guest kernel (the kernel's
// balloon build, guest-programs/kernel/balloon.s) allocates guest frames from the guest's own
// allocator and hands them to the VMM by hypercall (isa/README.md 3.8.2); the VMM takes their
// mappings away from the VM's pager tables (PagerTables.revoke, as swapping does), frees the host
// frames (HostMemory zeroes a frame before its next owner gets it) and marks the guest frame
// BALLOONED in the p2m. Deflating names a ballooned frame back to the guest, unbacked (a later
// touch backs it fresh and zeroed, an ordinary first touch). A guest that touches a frame it gave
// away (a buggy or hostile driver) is backed a fresh zeroed frame too, and the touch is counted.
//
// The target (frames the balloon should hold) is set per VM by --balloon-target, or by the reclaim
// policy from the host's free memory (reclaim.ts, --reclaim); the driver asks for the distance to
// it at each timer tick, and takes a frame back when the kernel's allocator runs dry. Refused for pv VMs (no hidden faults to take a
// mapping back through), agile VMs (as sharing and swapping are) and EPT large pages.

import { PAGE_SIZE } from '../isa/arch.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { HostMemory } from './host.ts';
import { HC, HC_ERR } from './pv-abi.ts';
import { ZAP } from './pager-tables.ts';
import type { PagerHost } from './pager-host.ts';
import { BALLOONED, type Vm } from './vm.ts';

export interface BalloonOptions {
  /** Frames the balloon of each VM should hold (0: none; undefined: ballooning off). */
  readonly targetFrames: number | undefined;
}

export const DEFAULT_BALLOON: BalloonOptions = { targetFrames: undefined };

export class BalloonStats {
  /** Balloon hypercalls by kind. */
  targetCalls = 0;
  inflates = 0;
  deflates = 0;
  /** Inflates refused (a frame outside RAM, misaligned, not backed, or already given). */
  refused = 0;
  /** Guest frames in the balloon now, and at the peak. */
  ballooned = 0;
  peakBallooned = 0;
  /** Guest touches of a frame it had given away (each backed fresh, zeroed). */
  touches = 0;
  /** Host frames freed by inflating. */
  hostFramesFreed = 0;
  /** The balloon's target now (frames). */
  target = 0;
  /** Frames given to the VMM (inflates accepted) and given back (deflates that returned a frame), in all. */
  framesInflated = 0;
  framesDeflated = 0;
  /** Of the frames given back, those the guest asked for while the balloon held no more than its target (its allocator ran dry: deflate on OOM). */
  pressureDeflates = 0;
  /** Cycles of ballooning: its hypercalls' exits and entries and VMM work (revocations, TLB flushes). */
  cycles = 0;
}

export class Balloon {
  private readonly action: Uint8Array;

  constructor(
    private readonly host: HostMemory,
    private readonly mmu: Mmu,
    private readonly profile: MachineProfile,
    readonly options: BalloonOptions,
    private readonly hostsOf: (vm: Vm) => PagerHost[],
  ) {
    this.action = new Uint8Array(host.frames);
  }

  /** Set one VM's target (frames). */
  setTarget(vm: Vm, frames: number): void {
    if (!Number.isSafeInteger(frames) || frames < 0 || frames >= vm.p2m.length) {
      throw new RangeError(`VM ${vm.name}: a balloon target of ${frames} frames is not below its ${vm.p2m.length} frames of memory (--balloon-target)`);
    }
    vm.vmm.balloon!.target = frames;
  }

  /** A balloon hypercall: the exit's name, or undefined when `code` is not one. Writes a0/a1. */
  hypercall(vm: Vm, code: number): string | undefined {
    const regs = vm.cpu.regs;
    const st = vm.vmm.balloon!;
    if (code !== HC.BALLOON_TARGET && code !== HC.BALLOON_INFLATE && code !== HC.BALLOON_DEFLATE) return undefined;
    // The exit, the entry and the handler (Vmm.handleExit charges them), and the work below.
    const vmmBefore = vm.stats.cyclesVmm;
    st.cycles += this.profile.vmExitCycles + this.profile.vmEntryCycles + this.profile.vmmHandlerCycles;
    try {
      return this.dispatch(vm, code, regs, st);
    } finally {
      st.cycles += vm.stats.cyclesVmm - vmmBefore;
    }
  }

  private dispatch(vm: Vm, code: number, regs: Int32Array, st: BalloonStats): string | undefined {
    switch (code) {
      case HC.BALLOON_TARGET:
        st.targetCalls++;
        regs[3] = 0;
        regs[4] = st.target - st.ballooned;
        return 'hc-balloon-target';
      case HC.BALLOON_INFLATE:
        st.inflates++;
        regs[3] = this.inflate(vm, regs[3]! >>> 0);
        if (regs[3] !== 0) st.refused++;
        else st.framesInflated++;
        return 'hc-balloon-inflate';
      case HC.BALLOON_DEFLATE: {
        st.deflates++;
        const underTarget = st.ballooned <= st.target;
        regs[3] = this.deflate(vm);
        if (regs[3] !== 0) {
          st.framesDeflated++;
          if (underTarget) st.pressureDeflates++;
        }
        return 'hc-balloon-deflate';
      }
      default:
        return undefined;
    }
  }

  private inflate(vm: Vm, gpa: number): number {
    if ((gpa & (PAGE_SIZE - 1)) !== 0) return HC_ERR.EINVAL;
    if (!vm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const gfn = gpa >>> 12;
    const hostAddr = vm.p2m[gfn]!;
    if (hostAddr === BALLOONED) return HC_ERR.EBUSY;
    if (hostAddr > 0) {
      // Only a private frame of this VM is freed; a shared one (page sharing) just loses this guest frame.
      const frame = hostAddr >>> 12;
      if (this.host.owner[frame] === vm.id) {
        this.action[frame] = ZAP;
        for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
        this.action[frame] = 0;
        this.mmu.flushAll();
        vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
        this.host.freeFrame(hostAddr);
        vm.vmm.guestFrames--;
        vm.vmm.balloon!.hostFramesFreed++;
      } else return HC_ERR.EBUSY;
    } else if (hostAddr < 0) {
      // Swapped out: its contents are the guest's no more.
      vm.swapStore.delete(gfn);
      if (vm.vmm.swap) vm.vmm.swap.swappedNow--;
    }
    vm.p2m[gfn] = BALLOONED;
    vm.ballooned.push(gfn);
    const st = vm.vmm.balloon!;
    st.ballooned++;
    if (st.ballooned > st.peakBallooned) st.peakBallooned = st.ballooned;
    return 0;
  }

  private deflate(vm: Vm): number {
    while (vm.ballooned.length > 0) {
      const gfn = vm.ballooned.pop()!;
      if (vm.p2m[gfn] !== BALLOONED) continue; // touched since: backed again already
      vm.p2m[gfn] = 0;
      vm.vmm.balloon!.ballooned--;
      return gfn * PAGE_SIZE;
    }
    return 0;
  }

  /** Vm.backing met a ballooned frame: the guest touched a frame it gave away. */
  touch(vm: Vm, gfn: number): void {
    const st = vm.vmm.balloon!;
    st.touches++;
    st.ballooned--;
    vm.p2m[gfn] = 0;
  }
}
