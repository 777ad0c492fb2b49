// What the VMM counts per VM: exits by reason, hidden and injected faults, emulated
// instructions, shadow and EPT memory, and what isolation refused.

import type { AgileStats } from './agile.ts';
import type { PvStats } from './pv.ts';
import type { SharingStats } from './sharing.ts';
import type { SwapStats } from './swap.ts';
import type { BalloonStats } from './balloon.ts';
import type { DirtyLogStats } from './dirty-log.ts';
import type { MigrationStats } from './migration.ts';

export class VmmStats {
  exitsTotal = 0;
  /** By the VMM's classification of the exit (ptbr-write, hidden-fault, pt-write, mmio, …). */
  readonly exitsByReason = new Map<string, number>();
  /** Shadow fills: faults the guest never saw. */
  faultsHidden = 0;
  /** Faults the VMM handed to the guest as they would happen natively. */
  faultsInjected = 0;
  /** Guest stores to write-protected page tables, emulated by the VMM. */
  ptWritesEmulated = 0;
  /** Page-table frames the VMM stopped protecting after a burst of writes (KVM's write flooding). */
  unshadowed = 0;
  /** 'oos' sync: leaf tables let go out of sync, and resyncs of all of them. */
  ptUnsyncs = 0;
  ptResyncs = 0;
  mmioEmulated = 0;
  /** Shadow roots created, and dropped by the cache limit. */
  shadowRootsCreated = 0;
  shadowRootsReclaimed = 0;
  /** Host frames holding this VM's shadow tables: now and at the peak. */
  shadowPages = 0;
  shadowPeakPages = 0;
  /** Host frames holding this VM's EPT. */
  eptPages = 0;
  /** Host frames backing guest memory. */
  guestFrames = 0;
  /** Guest attempts to reach guest-physical addresses outside its memory (answered with a bus error). */
  refusedAccesses = 0;
  /** TLB flushes the host did when switching to this VM (no VPIDs). */
  vmSwitchFlushes = 0;

  /** Dynamic mode (dynamic.ts): its switches and policy windows; null in the other modes. */
  dynamic: DynamicStats | null = null;
  /** The paravirtual MMU (pv.ts): hypercalls, batches, validation failures; null in the other modes. */
  pv: PvStats | null = null;
  /** Agile paging (agile.ts): tables moved between shadow and nested mode, windows, dirty samples; null in the other modes. */
  agile: AgileStats | null = null;
  /** Content-based page sharing (sharing.ts): scans, merges, copy-on-write breaks; null when it is off. */
  sharing: SharingStats | null = null;
  /** Host swapping (swap.ts): pages out and in; null when it is off. */
  swap: SwapStats | null = null;
  /** Ballooning (balloon.ts): frames in the balloon, hypercalls, touches of given frames; null when it is off. */
  balloon: BalloonStats | null = null;
  /** Dirty logging (dirty-log.ts): pages logged, its exits, harvests, cycles; null when it is off. */
  dirtyLog: DirtyLogStats | null = null;
  /** Pre-copy live migration (migration.ts): rounds, pages, time, downtime; null when it is off. */
  migration: MigrationStats | null = null;

  countExit(reason: string): void {
    this.exitsTotal++;
    this.exitsByReason.set(reason, (this.exitsByReason.get(reason) ?? 0) + 1);
  }

  addShadowPages(delta: number): void {
    this.shadowPages += delta;
    if (this.shadowPages > this.shadowPeakPages) this.shadowPeakPages = this.shadowPages;
  }

  toJSON(): Record<string, unknown> {
    return {
      exits: { total: this.exitsTotal, byReason: Object.fromEntries([...this.exitsByReason].sort()) },
      faults: { hidden: this.faultsHidden, injected: this.faultsInjected },
      emulated: { ptWrites: this.ptWritesEmulated, mmio: this.mmioEmulated },
      shadow: {
        pages: this.shadowPages,
        peakPages: this.shadowPeakPages,
        rootsCreated: this.shadowRootsCreated,
        rootsReclaimed: this.shadowRootsReclaimed,
        unshadowed: this.unshadowed,
        unsyncs: this.ptUnsyncs,
        resyncs: this.ptResyncs,
      },
      ept: { pages: this.eptPages },
      guestFrames: this.guestFrames,
      refusedAccesses: this.refusedAccesses,
      vmSwitchFlushes: this.vmSwitchFlushes,
      ...(this.dynamic ? { dynamic: { ...this.dynamic } } : {}),
      ...(this.pv ? { pv: this.pv.toJSON() } : {}),
      ...(this.agile ? { agile: { ...this.agile } } : {}),
      ...(this.sharing ? { sharing: { ...this.sharing } } : {}),
      ...(this.swap ? { swap: { ...this.swap } } : {}),
      ...(this.balloon ? { balloon: { ...this.balloon } } : {}),
      ...(this.dirtyLog ? { dirtyLog: { ...this.dirtyLog } } : {}),
      ...(this.migration ? { migration: { ...this.migration, pagesPerRound: [...this.migration.pagesPerRound] } } : {}),
    };
  }
}

/** What a dynamic-mode VM counts of its switching between shadow paging and EPT. */
export interface DynamicStats {
  /** Switches in all, into shadow paging, into EPT, and those a test hook forced. */
  switches: number;
  toShadow: number;
  toNested: number;
  forced: number;
  /** Policy windows judged (each a sample exit), and cycles the switches cost. */
  windows: number;
  switchCycles: number;
  /** Shadow tables (and their valid entries) dropped by switches into EPT. */
  shadowTablesDropped: number;
  /** Guest instructions retired under each design. */
  instructionsShadow: number;
  instructionsNested: number;
}

export function emptyDynamicStats(): DynamicStats {
  return { switches: 0, toShadow: 0, toNested: 0, forced: 0, windows: 0, switchCycles: 0, shadowTablesDropped: 0, instructionsShadow: 0, instructionsNested: 0 };
}
