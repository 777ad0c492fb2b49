// Host memory over time (issue 14 section 1): host frames in use, per VM and in all, sampled at a
// fixed interval of guest instructions (all VMs' together) whenever page sharing, host swapping or
// ballooning is on. Vmm.runSlice stops the vCPU at the sample points (as it does at page-sharing
// scans and dynamic-mode windows), so nothing is added per instruction. Kept as plain data: the
// CLI's --json and the study results carry it, experiments/svg.ts charts it.

import type { HostMemory } from './host.ts';
import type { Vm } from './vm.ts';

/** One sample (Vmm.memorySeries). */
export interface MemorySeriesSample {
  /** Guest instructions retired by all VMs together. */
  instructions: number;
  /** Host frames in use in all (guest memory, shared frames, the VMM's tables). */
  hostFrames: number;
  /** Shared frames among them. */
  sharedFrames: number;
  /** Per VM (in VM order): host frames backing its guest memory privately. */
  perVm: number[];
  /** Guest frames in the VMs' balloons, and swapped out, in all. */
  ballooned: number;
  swapped: number;
}

/** Guest instructions (all VMs') between samples, at first. */
export const SERIES_EVERY = 20_000;
/** At most this many samples are kept: past it every other one goes and the interval doubles. */
export const SERIES_MAX = 1024;

export class MemorySeries {
  readonly samples: MemorySeriesSample[] = [];
  private every = SERIES_EVERY;
  /** The all-VM instruction count of the next sample. */
  nextTotal = 0;

  constructor(private readonly host: HostMemory, private readonly vms: readonly Vm[]) {}

  /** Guest instructions retired by all VMs together. */
  total(): number {
    let n = 0;
    for (const vm of this.vms) n += vm.stats.instructions;
    return n;
  }

  /** The VM's own instruction count at which the next sample is due (runSlice stops there). */
  nextAt(vm: Vm): number {
    return vm.stats.instructions + Math.max(0, this.nextTotal - this.total());
  }

  /** Take a sample if one is due. */
  maybeSample(): void {
    const total = this.total();
    if (total < this.nextTotal) return;
    this.sample(total);
    this.nextTotal = total + this.every;
  }

  /** Take a sample now (also at the end of a run). */
  sample(total = this.total()): void {
    let ballooned = 0;
    let swapped = 0;
    for (const vm of this.vms) {
      ballooned += vm.vmm.balloon?.ballooned ?? 0;
      swapped += vm.vmm.swap?.swappedNow ?? 0;
    }
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && last.instructions === total) this.samples.pop();
    this.samples.push({ instructions: total, hostFrames: this.host.inUse, sharedFrames: this.host.sharers.size, perVm: this.vms.map((vm) => vm.vmm.guestFrames), ballooned, swapped });
    if (this.samples.length >= SERIES_MAX) {
      let k = 0;
      for (let i = 0; i < this.samples.length; i += 2) this.samples[k++] = this.samples[i]!;
      this.samples.length = k;
      this.every *= 2;
    }
  }
}
