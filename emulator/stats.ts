// Statistics counters. Everything is a plain integer field or a typed-array slot so that paying
// for a statistic is one increment. The CPU keeps its hottest counters in locals and adds them
// here when a run slice ends.

import { ACCESS_NAMES, CAUSE_NAMES } from '../isa/arch.ts';

export class Stats {
  instructions = 0;
  /** Cycles by where they went; `cycles` is their sum. */
  cyclesInsn = 0;
  cyclesWalk = 0;
  cyclesTrap = 0;
  cyclesMmio = 0;
  cyclesIdle = 0;
  /** VM exit and entry transitions (hardware). */
  cyclesExit = 0;
  /** VMM software work while handling exits. */
  cyclesVmm = 0;

  /** Indexed by ACCESS (fetch, load, store). */
  readonly tlbHits = new Float64Array(3);
  readonly tlbMisses = new Float64Array(3);
  tlbEvictions = 0;
  walks = 0;
  /** Every memory reference made by page walks (guestRefs + eptRefs under EPT). */
  walkRefs = 0;
  /** References to guest-stage (or native/shadow) page tables. */
  walkGuestRefs = 0;
  /** References to EPT tables. */
  walkEptRefs = 0;
  /** Write-backs of Accessed/Dirty bits by the walker. */
  adUpdates = 0;
  /** Upper-level entries found in / missing from the page-walk cache. */
  pwcHits = 0;
  pwcMisses = 0;

  /** Traps taken, by cause. */
  readonly traps = new Float64Array(32);
  ptbrWrites = 0;
  invlpgs = 0;
  tlbFlushes = 0;
  interrupts = 0;
  mmioAccesses = 0;

  get cycles(): number {
    return this.cyclesInsn + this.cyclesWalk + this.cyclesTrap + this.cyclesMmio + this.cyclesIdle + this.cyclesExit + this.cyclesVmm;
  }

  /** Cycles the guest would see natively: everything but the VM transitions and the VMM's work. */
  get cyclesGuest(): number {
    return this.cycles - this.cyclesExit - this.cyclesVmm;
  }

  get pageFaults(): number {
    let n = 0;
    for (let c = 8; c <= 13; c++) n += this.traps[c]!;
    return n;
  }

  toJSON(): Record<string, unknown> {
    const byAccess = (a: Float64Array) => Object.fromEntries(ACCESS_NAMES.map((n, i) => [n, a[i]!]));
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    const traps: Record<string, number> = {};
    this.traps.forEach((n, cause) => {
      if (n > 0) traps[CAUSE_NAMES.get(cause) ?? `cause-${cause}`] = n;
    });
    return {
      instructions: this.instructions,
      cycles: {
        total: this.cycles,
        guest: this.cyclesGuest,
        insn: this.cyclesInsn,
        walk: this.cyclesWalk,
        trap: this.cyclesTrap,
        mmio: this.cyclesMmio,
        idle: this.cyclesIdle,
        exit: this.cyclesExit,
        vmm: this.cyclesVmm,
      },
      tlb: {
        hits: sum(this.tlbHits),
        misses: sum(this.tlbMisses),
        hitsByAccess: byAccess(this.tlbHits),
        missesByAccess: byAccess(this.tlbMisses),
        evictions: this.tlbEvictions,
      },
      walk: {
        walks: this.walks,
        refs: this.walkRefs,
        guestRefs: this.walkGuestRefs,
        eptRefs: this.walkEptRefs,
        adUpdates: this.adUpdates,
        pwcHits: this.pwcHits,
        pwcMisses: this.pwcMisses,
      },
      faults: { page: this.pageFaults },
      traps,
      ptbrWrites: this.ptbrWrites,
      invlpg: this.invlpgs,
      tlbflush: this.tlbFlushes,
      interrupts: this.interrupts,
      mmioAccesses: this.mmioAccesses,
    };
  }
}
