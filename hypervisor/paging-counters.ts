// The hardware and VMM counters a cost policy judges a window on: dynamic mode's switch between
// shadow paging and EPT (dynamic.ts) and agile paging's switch at the root (agile.ts) read the
// same ones, at a window's start and its end, and price them the same way.

import type { MachineProfile } from '../emulator/profile.ts';
import type { Vm } from './vm.ts';

export interface PagingCounters {
  instructions: number;
  /** The VM's exit and VMM cycles (cyclesExit + cyclesVmm). */
  vmCycles: number;
  /** EPT references of 2-D (and switched agile) walks. */
  eptRefs: number;
  misses: number;
  /** Guest page-table events the hardware sees in every design: PTBR writes, invlpg, tlbflush, page faults, A/D updates. */
  events: number;
  /** Of those, the PTBR writes. */
  ptbrWrites: number;
  /** Exits every design takes alike (devices, wfi, hypercalls, the policy's own timer). */
  commonExits: number;
  mmio: number;
}

/** The counters now; `commonReasons` are the exit names every design takes alike. */
export function readPagingCounters(vm: Vm, commonReasons: readonly string[]): PagingCounters {
  const st = vm.stats;
  const reasons = vm.vmm.exitsByReason;
  let commonExits = 0;
  for (const r of commonReasons) commonExits += reasons.get(r) ?? 0;
  return {
    instructions: st.instructions,
    vmCycles: st.cyclesExit + st.cyclesVmm,
    eptRefs: st.walkEptRefs,
    misses: st.tlbMisses[0]! + st.tlbMisses[1]! + st.tlbMisses[2]!,
    events: st.ptbrWrites + st.invlpgs + st.tlbFlushes + st.pageFaults + st.adUpdates,
    ptbrWrites: st.ptbrWrites,
    commonExits,
    mmio: vm.vmm.mmioEmulated,
  };
}

/** What a window between two readings cost in paging: its paging exits' cycles (all but the common ones), and its EPT references' cycles. */
export function pagingCost(start: PagingCounters, end: PagingCounters, profile: MachineProfile): { exitCycles: number; eptCycles: number; misses: number; events: number; ptbrWrites: number } {
  const common = (end.commonExits - start.commonExits) * (profile.vmExitCycles + profile.vmEntryCycles + profile.vmmHandlerCycles)
    + (end.mmio - start.mmio) * profile.vmmEmulateCycles;
  return {
    exitCycles: Math.max(0, end.vmCycles - start.vmCycles - common),
    eptCycles: (end.eptRefs - start.eptRefs) * profile.walkRefCycles,
    misses: end.misses - start.misses,
    events: end.events - start.events,
    ptbrWrites: end.ptbrWrites - start.ptbrWrites,
  };
}
