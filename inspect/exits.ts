// VM exits as data: the newest records of a VM's exit log (the VM keeps the last EXIT_LOG_SIZE),
// each numbered among all the VM's exits since it started, with the instruction count and pc it
// happened at, the hardware reason, the VMM's classification and its qualification.

import type { CpuView, Unavailable } from './target.ts';

export interface ExitRecordInfo {
  /** 1 = the VM's first exit. */
  readonly n: number;
  /** Guest instructions retired when it happened. */
  readonly instructions: number;
  readonly pc: number;
  /** The hardware reason (cr-write, page-fault, ept-violation, …). */
  readonly hardware: string;
  /** The VMM's classification (ptbr-write, hidden-fault, pt-write, mmio, …). */
  readonly reason: string;
  /** Address, access, value; '' when there is nothing to add. */
  readonly detail: string;
}

export interface ExitLog {
  readonly cpu: string;
  /** Every exit since the VM started (most are no longer in the log). */
  readonly total: number;
  readonly records: readonly ExitRecordInfo[];
}

/** The last `count` exits of a VM (all that the log keeps by default). */
export function exitLog(view: CpuView, count = Infinity): ExitLog | Unavailable {
  if (!view.vm) return { unavailable: 'bare-metal' };
  const shown = view.vm.recentExits(count);
  const total = view.vm.vmm.exitsTotal;
  const first = total - shown.length + 1;
  return {
    cpu: view.name,
    total,
    records: shown.map((r, i) => ({ n: first + i, instructions: r.instructions, pc: r.pc >>> 0, hardware: r.hardware, reason: r.reason, detail: r.detail })),
  };
}
