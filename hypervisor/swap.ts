// Host swapping: when the host runs short of frames (its VMs' memory together may be more than
// the host's with --host-swap), the VMM evicts guest frames to a simulated swap device, takes
// their mappings away from the VM's pager tables (PagerTables.revoke, as for page sharing) and
// frees them; a later guest access meets no mapping, exits (a hidden fault or EPT violation, as on
// any first touch) and the pager's `backing(gpa)` pages the frame back in, paying the page-in.
//
// The victim policy, deterministic: 'fifo' evicts the guest frame backed longest ago (its queue
// is in backing order, every page-in re-enters at the tail), 'random' a uniformly chosen frame of
// the queue (xorshift32 from --swap-seed). Neither sees which frames the guest uses (the VMM does
// not know, as ESX's does not: Waldspurger 2002, section 3.1) - which is the point of the
// comparison with ballooning. Only private 4 KiB frames are evicted: not shared frames, not the
// VMM's tables, not frames of VMs backed in large runs (EPT large pages: refused), and never a
// frame backed in the exit being handled (a pager may be about to map it).
//
// Reclaim runs in two places: before each VM's slice, to keep `reserve` frames free (batched:
// one revocation scan per batch); and when an allocation finds the host full, evicting a batch at
// once from any VM; a frame used in the last RECENT_EXITS exits is never a victim. Page-out cost is charged to the VM whose frame goes, page-in to the VM that
// touches it (docs/cycle-model.md, "Host memory").
//
// Double paging (Goldberg and Hassinger 1974; Waldspurger section 3.1): a guest that pages out a
// frame the host already swapped makes the host read it back only to have the guest write it
// out. The bundled kernel does not swap, so vmmlab counts the nearest thing it can observe: a
// page-in the guest causes with a *store* (`pageInsOnStore`: the guest is rewriting a frame whose
// old contents the host just paid to read, as a guest reusing a freed frame does), beside all
// page-ins.

import { PAGE_SIZE } from '../isa/arch.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { HostMemory } from './host.ts';
import { ZAP } from './pager-tables.ts';
import type { PagerHost } from './pager-host.ts';
import { SWAPPED, type Vm } from './vm.ts';
import { xorshift32 } from './xorshift.ts';

export type SwapPolicy = 'fifo' | 'random';
export const SWAP_POLICIES: readonly SwapPolicy[] = ['fifo', 'random'];

export interface SwapOptions {
  /** Victim policy; undefined: host swapping off (overcommit refused). */
  readonly policy: SwapPolicy | undefined;
  readonly seed: number;
  /** Frames reclaim keeps free before each slice. */
  readonly reserve: number;
}

export const DEFAULT_SWAP: SwapOptions = { policy: undefined, seed: 1, reserve: 32 };

/**
 * The swap device (docs/cycle-model.md, "Host memory"): a 4 KiB read from a datacenter NVMe SSD
 * takes about 100 µs, a write (to the device's buffer) about half; at 2 GHz, 200,000 and 100,000
 * cycles.
 */
export const SWAP_IN_CYCLES = 200_000;
export const SWAP_OUT_CYCLES = 100_000;
/** Frames evicted at once when an allocation finds the host full. */
export const SWAP_BATCH = 16;

/**
 * A frame the VMM touched in the last this many exits is not evicted: one guest instruction may
 * need its code, its data and its page tables at once (each mapped in an exit of its own), and
 * evicting one of them to map the next would retry it forever.
 */
export const RECENT_EXITS = 8;


export class SwapStats {
  pagesOut = 0;
  pagesIn = 0;
  /** Page-ins the guest caused by a store (double paging's signature, see the head of this file). */
  pageInsOnStore = 0;
  /** Guest frames swapped out now. */
  swappedNow = 0;
  outCycles = 0;
  inCycles = 0;
}

export class HostSwap {
  /** Guest frames in backing order: VM index and gfn. */
  private queueVm: number[] = [];
  private queueGfn: number[] = [];
  private head = 0;
  private rng: number;
  private readonly action: Uint8Array;

  constructor(
    private readonly host: HostMemory,
    private readonly mmu: Mmu,
    private readonly profile: MachineProfile,
    readonly options: SwapOptions,
    private readonly hostsOf: (vm: Vm) => PagerHost[],
    private readonly vms: readonly Vm[],
  ) {
    this.rng = (options.seed ^ 0x2545f491) >>> 0 || 1;
    this.action = new Uint8Array(host.frames);
    host.reclaim = () => this.reclaim(SWAP_BATCH);
  }

  /** Vm.backGranule / page-in: guest frame `gfn` of `vm` is backed now. */
  noteBacked(vm: Vm, gfn: number): void {
    this.queueVm.push(vm.id - 1);
    this.queueGfn.push(gfn);
  }

  /** Before a slice: keep `reserve` frames free. */
  balance(): void {
    this.host.serial++;
    const free = this.host.freeFrames();
    if (free < this.options.reserve) this.reclaim(this.options.reserve - free);
  }

  /** Evict up to `count` guest frames; whether any went. */
  reclaim(count: number): boolean {
    const victims: [Vm, number, number][] = [];
    let tries = this.queueLength();
    if (tries === 0) return false;
    while (victims.length < count && tries-- > 0) {
      const pick = this.options.policy === 'random' ? this.head + (this.next() % this.queueLength()) : this.head;
      const vm = this.vms[this.queueVm[pick]!]!;
      const gfn = this.queueGfn[pick]!;
      this.removeAt(pick);
      const hostAddr = vm.p2m[gfn]!;
      // Stale (merged, swapped, shared since) or not evictable: drop it from the queue.
      // (A frame may be queued twice - backed again after a copy-on-write break or a page-in - so also: not chosen already.)
      if (hostAddr <= 0 || this.host.owner[hostAddr >>> 12] !== vm.id || vm.allocGranuleFrames !== 1 || this.action[hostAddr >>> 12] !== 0) continue;
      if (vm.touchedAt![gfn]! + RECENT_EXITS > this.host.serial) {
        // Backed or used by the VMM in the exit being handled (a pager may be about to map it) or
        // in the few before it (the instruction being retried may need it again): keep it, at the tail.
        this.noteBacked(vm, gfn);
        continue;
      }
      victims.push([vm, gfn, hostAddr >>> 12]);
      this.action[hostAddr >>> 12] = ZAP;
    }
    if (victims.length === 0) return false;
    const touched = new Set<Vm>(victims.map(([vm]) => vm));
    for (const vm of touched) {
      for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
    }
    this.mmu.flushAll();
    const u8 = this.host.mem.u8;
    for (const [vm, gfn, frame] of victims) {
      this.action[frame] = 0;
      vm.swapStore.set(gfn, u8.slice(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE));
      vm.p2m[gfn] = SWAPPED;
      vm.vmm.guestFrames--;
      this.host.freeFrame(frame * PAGE_SIZE);
      const st = vm.vmm.swap!;
      st.pagesOut++;
      st.swappedNow++;
      st.outCycles += SWAP_OUT_CYCLES;
      vm.stats.cyclesVmm += SWAP_OUT_CYCLES;
    }
    this.compact();
    return true;
  }

  /** Vm.backing met a swapped-out frame: read it back (the caller's access then proceeds). */
  pageIn(vm: Vm, gfn: number): void {
    const saved = vm.swapStore.get(gfn)!;
    const addr = this.host.allocFrame(vm.id);
    this.host.mem.u8.set(saved, addr);
    this.host.mem.dirty[addr >>> 12] = 1;
    vm.swapStore.delete(gfn);
    vm.p2m[gfn] = addr;
    vm.vmm.guestFrames++;
    this.noteBacked(vm, gfn);
    const st = vm.vmm.swap!;
    st.pagesIn++;
    st.swappedNow--;
    st.inCycles += SWAP_IN_CYCLES;
    vm.stats.cyclesVmm += SWAP_IN_CYCLES;
  }

  private queueLength(): number {
    return this.queueVm.length - this.head;
  }

  private removeAt(i: number): void {
    // Swap the head into the hole, then drop the head: O(1), order kept for 'fifo' (which takes the head).
    this.queueVm[i] = this.queueVm[this.head]!;
    this.queueGfn[i] = this.queueGfn[this.head]!;
    this.head++;
  }

  private compact(): void {
    if (this.head < 4096 || this.head * 2 < this.queueVm.length) return;
    this.queueVm = this.queueVm.slice(this.head);
    this.queueGfn = this.queueGfn.slice(this.head);
    this.head = 0;
  }

  private next(): number {
    return (this.rng = xorshift32(this.rng));
  }
}
