// Register files as data, by view: the CPU's general registers and pc, its control registers as
// its own software sees them (under a VMM the VM's virtual ones: the guest's PTBR, not the
// shadow's), and under a VMM what the real MMU holds for it (the shadow root or the guest's own
// root with the EPT, the context, user mode) or whose state it holds instead.

import { CR, PTBR_ASID_MASK, PTBR_ROOT_MASK, STATUS, causeName } from '../isa/arch.ts';
import { REGISTER_ABI_NAMES } from '../isa/table.ts';
import type { AddressSpace, CpuView, InspectTarget, Mode } from './target.ts';

export interface ControlRegisters {
  readonly status: number;
  /** The STATUS bits set, by name: MODE IE PMODE PIE PG. */
  readonly statusFlags: readonly string[];
  readonly ptbr: number;
  readonly ptbrRoot: number;
  readonly ptbrAsid: number;
  readonly evec: number;
  readonly epc: number;
  readonly cause: number;
  readonly causeName: string;
  /** Has the CPU taken a trap yet (else CAUSE, EPC and BADVA hold their reset values)? */
  readonly trapped: boolean;
  readonly badva: number;
  readonly scratch: number;
  /** The timer interval; 0 = off. */
  readonly timer: number;
  /** The tick of the next timer interrupt (null: none due). */
  readonly timerDeadline: number | null;
  readonly timerPending: boolean;
  /** The low 32 bits of the counters, as a csrr reads them. */
  readonly cycle: number;
  readonly instret: number;
}

/** What the hardware MMU holds for a VM: its own state, or another VM's. */
export type RealMmu =
  | { readonly loaded: false; readonly loadedVm: string | undefined }
  | {
    readonly loaded: true;
    readonly stage1On: boolean;
    readonly stage1Root: number;
    /** Shadow paging: the shadow directory (host-physical); EPT: the guest's own table (guest-physical). */
    readonly stage1RootSpace: AddressSpace;
    /** ASID in bits [7:0], VPID in bits [15:8]. */
    readonly context: number;
    readonly vpid: number;
    readonly asid: number;
    readonly nested: { readonly root: number; readonly levelBits: readonly number[] } | null;
    readonly userMode: boolean;
  };

export interface RegisterFile {
  readonly cpu: string;
  readonly mode: Mode;
  readonly pc: number;
  readonly supervisor: boolean;
  readonly paging: boolean;
  readonly interrupts: boolean;
  readonly instructions: number;
  /** r0 to r15 by ABI name. */
  readonly general: readonly { readonly name: string; readonly value: number }[];
  /** The VM's own (virtual) control registers under a VMM; the machine's on bare metal. */
  readonly virtual: boolean;
  readonly control: ControlRegisters;
  /** Under a VMM. */
  readonly realMmu?: RealMmu;
}

const STATUS_FLAGS = ['MODE', 'IE', 'PMODE', 'PIE', 'PG'] as const;

export function registers(target: InspectTarget, view: CpuView): RegisterFile {
  const cpu = view.cpu;
  const cr = cpu.cr;
  const status = cr[CR.STATUS]! >>> 0;
  const ptbr = cr[CR.PTBR]! >>> 0;
  const control: ControlRegisters = {
    status,
    statusFlags: STATUS_FLAGS.filter((f) => status & STATUS[f]),
    ptbr,
    ptbrRoot: (ptbr & PTBR_ROOT_MASK) >>> 0,
    ptbrAsid: ptbr & PTBR_ASID_MASK,
    evec: cr[CR.EVEC]! >>> 0,
    epc: cr[CR.EPC]! >>> 0,
    cause: cr[CR.CAUSE]! >>> 0,
    causeName: causeName(cr[CR.CAUSE]!),
    trapped: view.stats.traps.some((n) => n > 0),
    badva: cr[CR.BADVA]! >>> 0,
    scratch: cr[CR.SCRATCH]! >>> 0,
    timer: cr[CR.TIMER]! >>> 0,
    timerDeadline: Number.isFinite(cpu.timerDeadline) ? cpu.timerDeadline : null,
    timerPending: cpu.timerPending,
    cycle: cpu.readCr(CR.CYCLE) >>> 0,
    instret: cpu.readCr(CR.INSTRET) >>> 0,
  };
  return {
    cpu: view.name,
    mode: view.mode,
    pc: cpu.pc >>> 0,
    supervisor: (status & STATUS.MODE) !== 0,
    paging: (status & STATUS.PG) !== 0,
    interrupts: (status & STATUS.IE) !== 0,
    instructions: view.stats.instructions,
    general: REGISTER_ABI_NAMES.map((name, i) => ({ name, value: cpu.regs[i]! >>> 0 })),
    virtual: view.vm !== undefined,
    control,
    ...(view.vm ? { realMmu: realMmu(target, view) } : {}),
  };
}

/** Under a VMM: what the hardware MMU holds for this VM (shadow root, context, EPT). */
export function realMmu(target: InspectTarget, view: CpuView): RealMmu {
  if (!target.mmuHolds(view)) return { loaded: false, loadedVm: target.loadedVm?.name };
  const mmu = target.mmu;
  return {
    loaded: true,
    stage1On: mmu.stage1On,
    stage1Root: mmu.stage1Root >>> 0,
    stage1RootSpace: view.mode === 'shadow' || view.mode === 'agile' ? 'host-physical' : 'guest-physical',
    context: mmu.context,
    vpid: mmu.context >>> 8,
    asid: mmu.context & 0xff,
    nested: mmu.nested ? { root: mmu.nested.root >>> 0, levelBits: [...mmu.nested.mode.levelBits] } : null,
    userMode: mmu.userMode,
  };
}
