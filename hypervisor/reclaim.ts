// The reclaim policy (issue 14 section 1): under overcommit (the VMs' guest memory together more
// than the host's), which mechanism takes host frames back, and how much each VM's balloon must
// hold. ESX (Waldspurger, OSDI 2002, sections 3 and 5) keeps a balloon target per VM from the
// host's free memory and reclaims with the balloon first, swapping only when the balloon cannot
// reclaim fast enough (its "hard" state); KVM's virtio-balloon leaves the target to a host agent
// (libvirt, oVirt's MoM) and falls back on host swapping. vmmlab's VMM does both jobs itself:
//
// - 'swap': host swapping alone (swap.ts): the guest is never asked; the host evicts blindly.
// - 'balloon': ballooning alone (balloon.ts): each VM's target comes from the formula below; if the
//   host still runs out (the guests could not give frames fast enough) the run stops with an error.
// - 'balloon-swap': both, ESX's way: the balloons set from the formula, host swapping as fallback.
//
// The target, computed before every VM turn (Vmm.runRound), deterministic:
//   budget B     = host frames - the VMM's own frames now (shadow and EPT tables) - shared frames
//                  - the reserve swapping keeps free (--swap-reserve; also without swapping)
//   share of VM i = floor(B * M_i / sum M_j), M_i its guest memory in frames (proportional share:
//                  ESX's memory shares equal to the configured size, no idle-memory tax)
//   target_i     = M_i - share_i, once the host's free frames first fell below the high watermark
//                  (HIGH_WATER_PERCENT of its frames: ESX's "high" state ends at 6% free), or from
//                  the first turn under 'balloon' (which has no fallback); 0 before that, and 0
//                  whenever sum M_j <= B (the host is not overcommitted).
// The guest's driver moves towards the target at its timer ticks, keeps the kernel a few free
// frames (BALLOON_KEEP, balloon.inc) and takes frames back when its allocator runs dry (deflate on
// OOM): so a guest whose working set does not fit its share pushes the host into swapping.
//
// Nothing here runs per instruction; the policy only sets targets (BalloonStats.target).

import type { HostMemory } from './host.ts';
import type { Balloon } from './balloon.ts';
import type { Vm } from './vm.ts';

export type ReclaimPolicy = 'swap' | 'balloon' | 'balloon-swap';
export const RECLAIM_POLICIES: readonly ReclaimPolicy[] = ['swap', 'balloon', 'balloon-swap'];

export interface ReclaimOptions {
  /** undefined: no reclaim policy (--host-swap and --balloon-target work as set by hand). */
  readonly policy: ReclaimPolicy | undefined;
}

export const DEFAULT_RECLAIM: ReclaimOptions = { policy: undefined };

/** ESX's high state holds while 6% of host memory or more is free (Waldspurger 2002, section 5.3). */
export const HIGH_WATER_PERCENT = 6;

export function reclaimBalloons(policy: ReclaimPolicy | undefined): boolean {
  return policy === 'balloon' || policy === 'balloon-swap';
}

export function reclaimSwaps(policy: ReclaimPolicy | undefined): boolean {
  return policy === 'swap' || policy === 'balloon-swap';
}

export class ReclaimStats {
  /** Turns at which the targets were recomputed, and whether the host has left its high state. */
  turns = 0;
  pressured = false;
  /** The balloon budget B of the formula at the last turn (frames). */
  budgetFrames = 0;
}

export class Reclaim {
  readonly stats = new ReclaimStats();
  private readonly highWater: number;

  constructor(
    private readonly host: HostMemory,
    private readonly vms: readonly Vm[],
    readonly policy: ReclaimPolicy,
    private readonly balloon: Balloon | undefined,
    private readonly reserve: number,
  ) {
    this.highWater = Math.ceil((host.frames * HIGH_WATER_PERCENT) / 100);
  }

  /** Before a VM's turn: bring every VM's balloon target up to date (no-op without ballooning). */
  beforeTurn(): void {
    const balloon = this.balloon;
    if (balloon === undefined) return;
    const st = this.stats;
    st.turns++;
    // Ballooning alone has no fallback: its targets hold from the first turn of an overcommitted host.
    if (this.host.freeFrames() < this.highWater || this.policy === 'balloon') st.pressured = true;
    let guestFrames = 0;
    let memoryFrames = 0;
    for (const vm of this.vms) {
      guestFrames += vm.vmm.guestFrames;
      memoryFrames += vm.p2m.length;
    }
    const shared = this.host.sharers.size;
    const vmmFrames = this.host.inUse - guestFrames - shared;
    const budget = Math.max(0, this.host.frames - 1 - vmmFrames - shared - this.reserve);
    st.budgetFrames = budget;
    const overcommitted = memoryFrames > budget;
    for (const vm of this.vms) {
      const m = vm.p2m.length;
      const target = st.pressured && overcommitted ? m - Math.floor((budget * m) / memoryFrames) : 0;
      balloon.setTarget(vm, Math.min(target, m - 1));
    }
  }
}
