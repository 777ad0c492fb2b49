// The TV32 CPU's architectural state and everything that happens outside the interpreter's hot
// loop: trap entry and eret, interrupts and the instruction-count timer, control registers, the
// SYS group, device accesses, VM exits, and snapshots. cpu.ts builds the hot loop on top of this
// class; what lives here runs once per trap, exit or privileged instruction, never per
// instruction. Step and section numbers refer to isa/README.md.
//
// The CPU reaches memory only through the MMU and physical memory; it never handles a VM exit
// itself: it records it in `exit` and stops, and whoever runs it (the VMM) resumes it.

import * as arch from '../isa/arch.ts';
import { opcodeCheckTables, opcodeOf } from '../isa/encoding.ts';
import { INSTRUCTIONS } from '../isa/table.ts';
import type { Devices } from './devices.ts';
import * as exits from './exits.ts';
import { ExitInfo, type ExitControls } from './exits.ts';
import type { PhysicalMemory } from './memory.ts';
import type { Mmu } from './mmu.ts';
import type { MachineProfile } from './profile.ts';
import type { Stats } from './stats.ts';

// The imports as module constants: under a CommonJS transform (tsx's, which runs the bench and
// `npm start`) every use of an imported binding is a getter call, and the trap, eret and
// control-register paths here run once per system instruction (a few percent of a kernel's time).
const {
  ACCESS, CAUSE, CR, CR_COUNT, PTBR_ASID_MASK, PTBR_ROOT_MASK, READ_ONLY_CRS, RESET_STATUS, STATUS, STATUS_WRITABLE_MASK, USER_READABLE_CRS,
} = arch;
const { EXIT, EXIT_CONTROL } = exits;

/** Why `run` returned. */
export const STOP = {
  /** The instruction budget of this call is used up. */
  BUDGET: 0,
  /** The guest wrote the power-off register. */
  HALT: 1,
  /** A VM exit is waiting in `exit`. */
  EXIT: 2,
  /** wfi with interrupts impossible: nothing could ever wake the machine. */
  WFI_DEADLOCK: 3,
  /** Someone called requestStop() (the debugger, Ctrl-C). */
  REQUESTED: 4,
  /** Traps kept coming without a single instruction retiring: the trap handler itself faults. */
  TRAP_LOOP: 5,
  /** A trap was delivered and `trapHook` asked to stop at the handler's first instruction. */
  TRAP: 6,
} as const;

/** Traps in a row, with no instruction retired between them, that count as a trap loop. */
export const TRAP_LOOP_LIMIT = 64;
export type StopCode = (typeof STOP)[keyof typeof STOP];

/** The opcodes the slow paths dispatch on (the hot loop has its own literals in cpu.ts). */
const OP_LB = opcodeOf('lb');
const OP_SB = opcodeOf('sb');
const OP_MFCR = opcodeOf('mfcr');
const OP_MTCR = opcodeOf('mtcr');
const OP_MXCR = opcodeOf('mxcr');
const OP_INVLPG = opcodeOf('invlpg');
const OP_SYS = opcodeOf('syscall');

/** SYS-group function codes (the low bits of the word), from the table. */
const SYS_FUNCT = new Map(INSTRUCTIONS.filter((s) => s.opcode === OP_SYS).map((s) => [s.mnemonic, s.funct ?? 0]));
const F_SYSCALL = SYS_FUNCT.get('syscall')!;
const F_BREAK = SYS_FUNCT.get('break')!;
const F_ERET = SYS_FUNCT.get('eret')!;
const F_WFI = SYS_FUNCT.get('wfi')!;
const F_TLBFLUSH = SYS_FUNCT.get('tlbflush')!;
const F_HCALL = SYS_FUNCT.get('hcall')!;

/** Bytes accessed by each load/store opcode, from 0x20 (lb) to 0x27 (sw). */
export const MEM_SIZE = new Int32Array([1, 2, 4, 1, 2, 1, 2, 4]);
const USER_READABLE = USER_READABLE_CRS.reduce((m, n) => m | (1 << n), 0);
const READ_ONLY = READ_ONLY_CRS.reduce((m, n) => m | (1 << n), 0);
/** Control registers that exist (others are illegal to name). */
const DEFINED_CRS = (Object.values(CR) as number[]).reduce((m, n) => m | (1 << n), 0);

export const NO_EXITS: ExitControls = { crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: 0 };

/** The saved state of a CPU: everything a checkpoint or a vCPU switch needs. */
export interface CpuSnapshot {
  regs: number[];
  pc: number;
  cr: number[];
  timerDeadline: number;
  timerPending: boolean;
  idleTicks: number;
}

/** The CPU without its interpreter loop: see cpu.ts for `run`. */
export abstract class CpuState {
  readonly regs = new Int32Array(16);
  pc = 0;
  readonly cr = new Int32Array(CR_COUNT);
  /** Guest timer: ticks (retired instructions + idle ticks) at which it next fires; Infinity when disarmed. */
  timerDeadline = Infinity;
  timerPending = false;
  /** Ticks spent idle in wfi: the timer counts them, INSTRET does not. */
  idleTicks = 0;

  /** Exit controls: NO_EXITS on bare metal; the VMM sets its own on VM entry. */
  exitControls: ExitControls = NO_EXITS;
  /** In guest mode the VMM owns translation: STATUS.PG and PTBR writes do not reach the MMU. */
  vmmOwnsTranslation = false;
  readonly exit = new ExitInfo();

  protected stopRequested = false;
  protected stopCode: StopCode = STOP.BUDGET;
  /**
   * The debugger's probe on trap entry: called with the cause of every trap delivered (exceptions,
   * interrupts, faults a VMM injects); returning true makes `run` stop with STOP.TRAP before the
   * handler's first instruction. Null (the default) costs nothing: traps are never on the hot path.
   */
  trapHook: ((cause: number) => boolean) | null = null;
  /** Set when trapHook asked for a stop; `run` reports it at its next instruction boundary. */
  protected trapStop = false;

  /** Per opcode: the fixed-bit mask and match of its instruction (SYS checked in its case). */
  protected readonly fixedMask = new Int32Array(64);
  protected readonly fixedMatch = new Int32Array(64);
  /** Per opcode: base cycles plus the data-access cost of loads and stores. */
  protected readonly opCycles = new Int32Array(64);

  constructor(
    protected readonly mem: PhysicalMemory,
    readonly mmu: Mmu,
    protected readonly devices: Devices,
    protected readonly stats: Stats,
    protected readonly profile: MachineProfile,
  ) {
    const { mask, match } = opcodeCheckTables();
    for (let op = 0; op < 64; op++) {
      this.fixedMask[op] = mask[op]! | 0;
      this.fixedMatch[op] = match[op]! | 0;
    }
    this.fixedMask[OP_SYS] = 0;
    this.fixedMatch[OP_SYS] = 0;
    for (const spec of INSTRUCTIONS) {
      const extra = spec.cls === 'load' ? profile.loadCycles : spec.cls === 'store' ? profile.storeCycles : 0;
      this.opCycles[spec.opcode] = (profile.insn[spec.mnemonic] ?? spec.cycles) + extra;
    }
    this.reset(0, 0);
  }

  reset(entry: number, stackTop: number): void {
    this.regs.fill(0);
    this.regs[2] = stackTop | 0;
    this.cr.fill(0);
    this.cr[CR.STATUS] = RESET_STATUS;
    this.pc = entry >>> 0;
    this.timerDeadline = Infinity;
    this.timerPending = false;
    this.idleTicks = 0;
    this.syncMmuMode();
  }

  get supervisor(): boolean {
    return (this.cr[CR.STATUS]! & STATUS.MODE) !== 0;
  }

  /** Stop the running loop at the next instruction boundary (safe from a signal handler). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** The tick count the timer runs on. */
  get ticks(): number {
    return this.stats.instructions + this.idleTicks;
  }

  /**
   * Write the LRU stamps of the fast-path hits made since the last call (`*Used` >= 0: the
   * instruction count of the slot's latest hit), oldest first, so the TLB sees exactly the order
   * an eager stamp on every hit would have given. A fetch at instruction i comes before that
   * instruction's data access: times 2i and 2i + 1. Called before every MMU lookup from the loop
   * and at the end of each pass; the caller then clears the `*Used` values.
   */
  protected stampFastPath(fIdx: number, fUsed: number, lIdx: number, lUsed: number, sIdx: number, sUsed: number): void {
    let fT = fIdx >= 0 && fUsed >= 0 ? fUsed * 2 : -1;
    let lT = lIdx >= 0 && lUsed >= 0 ? lUsed * 2 + 1 : -1;
    let sT = sIdx >= 0 && sUsed >= 0 ? sUsed * 2 + 1 : -1;
    const mmu = this.mmu;
    // At most three stamps, oldest first. The times are distinct: a fetch's is even, a data
    // access's odd, and no instruction both loads and stores.
    for (let left = (fT >= 0 ? 1 : 0) + (lT >= 0 ? 1 : 0) + (sT >= 0 ? 1 : 0); left > 0; left--) {
      if (fT >= 0 && (lT < 0 || fT < lT) && (sT < 0 || fT < sT)) {
        mmu.itlb.touch(fIdx, ++mmu.clock);
        fT = -1;
      } else if (lT >= 0 && (sT < 0 || lT < sT)) {
        mmu.dtlb.touch(lIdx, ++mmu.clock);
        lT = -1;
      } else {
        mmu.dtlb.touch(sIdx, ++mmu.clock);
        sT = -1;
      }
    }
  }

  // ---------------------------------------------------------------- slow paths
  // Each works on this.pc and this.stats.instructions: it either retires the instruction at
  // this.pc (pc moves on, the count goes up) or traps or exits (the instruction has no effect).

  protected retire(op: number): void {
    this.stats.instructions++;
    this.stats.cyclesInsn += this.opCycles[op]!;
    this.pc = (this.pc + 4) >>> 0;
  }

  /** A fetch that failed translation, reached a device or was misaligned. */
  protected fetchFault(phys: number): void {
    const pc = this.pc;
    this.currentWord = 0;
    this.lastAccess = ACCESS.FETCH;
    if ((pc & 3) !== 0) this.trap(CAUSE.MISALIGNED_FETCH, pc);
    else if (phys < 0) this.translationFault();
    else this.trap(CAUSE.BUS_ERROR, pc);
  }

  /** After mmu.translate returned -1: an EPT-violation exit, or a trap (maybe a page-fault exit). */
  private translationFault(): void {
    const mmu = this.mmu;
    if (mmu.faultCause < 0) {
      // -1: an EPT violation; -2: the page-modification log was full (mmu.ts PML_FULL_CAUSE).
      const e = this.beginExit(mmu.faultCause === -1 ? EXIT.EPT_VIOLATION : EXIT.PML_FULL);
      e.address = mmu.faultAddr;
      e.guestPhys = mmu.faultGuestPhys;
      e.inTableWalk = mmu.faultInTable;
      e.access = this.lastAccess;
      return;
    }
    // Agile paging: a fault in the guest's own entries (below a switch bit) is the guest's, and
    // reaches it directly, as under EPT (isa/README.md 6.6); the VMM sees only shadow-level faults.
    if (mmu.agile && mmu.faultDirect) this.deliverTrap(mmu.faultCause, mmu.faultAddr);
    else this.trap(mmu.faultCause, mmu.faultAddr);
  }

  private lastAccess: number = ACCESS.FETCH;

  /** A load or store that was misaligned, faulted in translation, or reached a device. */
  protected slowAccess(w: number, va: number, pa: number): void {
    this.currentWord = w;
    const op = w >>> 26;
    const size = MEM_SIZE[op - OP_LB]!;
    const isStore = op >= OP_SB;
    this.lastAccess = isStore ? ACCESS.STORE : ACCESS.LOAD;
    if ((va & (size - 1)) !== 0) {
      this.trap(isStore ? CAUSE.MISALIGNED_STORE : CAUSE.MISALIGNED_LOAD, va);
      return;
    }
    if (pa < 0) {
      this.translationFault();
      return;
    }
    // A device register (isa/README.md, "Devices"): word accesses only.
    const rd = (w >>> 22) & 15;
    if (size !== 4 || !this.devicesAccessible) {
      this.trap(CAUSE.BUS_ERROR, va);
      return;
    }
    if (isStore) {
      if (!this.devices.write(pa, this.regs[rd]!)) {
        this.trap(CAUSE.BUS_ERROR, va);
        return;
      }
      if (this.devices.poweredOff) this.stopCode = STOP.HALT;
    } else {
      const v = this.devices.read(pa);
      if (v === undefined) {
        this.trap(CAUSE.BUS_ERROR, va);
        return;
      }
      if (rd !== 0) this.regs[rd] = v;
    }
    this.stats.mmioAccesses++;
    this.stats.cyclesMmio += this.profile.mmioCycles;
    this.retire(op);
  }

  /**
   * Under a VMM a guest never reaches its device registers directly: every access exits and the
   * VMM emulates it on the VM's own devices (those this CPU was given). Their interrupt line is
   * not gated by this: console input waiting in a VM's console raises DEVICE_INTERRUPT in its
   * vCPU at the same instruction boundary as on bare metal, as if the VMM injected it the moment
   * the guest could take it (isa/README.md section 7).
   */
  devicesAccessible = true;

  /**
   * A trap at this.pc: precise, the instruction has no effect (isa/README.md, "Trap entry").
   * Under a VMM with page-fault exiting, page and protection faults exit instead.
   */
  trap(cause: number, badva: number): void {
    if ((this.exitControls.events & EXIT_CONTROL.PAGE_FAULT) !== 0 && isMemoryFault(cause)) {
      const e = this.beginExit(EXIT.PAGE_FAULT);
      e.cause = cause;
      e.address = badva >>> 0;
      e.access = this.lastAccess;
      return;
    }
    this.deliverTrap(cause, badva);
  }

  /** Trap entry proper, at this.pc. The VMM uses it to inject a fault into the guest. */
  deliverTrap(cause: number, badva: number): void {
    if (this.trapHook !== null && this.trapHook(cause)) this.trapStop = true;
    const cr = this.cr;
    this.stats.traps[cause]++;
    // A handler always retires something before the next trap (at least its eret); when nothing
    // retires between many traps, the handler itself faults and the guest can never progress.
    if (this.stats.instructions === this.lastTrapInstret) {
      if (++this.trapStreak >= TRAP_LOOP_LIMIT) this.stopCode = STOP.TRAP_LOOP;
    } else {
      this.lastTrapInstret = this.stats.instructions;
      this.trapStreak = 1;
    }
    this.stats.cyclesTrap += this.profile.trapEntryCycles;
    cr[CR.EPC] = this.pc;
    cr[CR.CAUSE] = cause;
    cr[CR.BADVA] = badva;
    const s = cr[CR.STATUS]!;
    let next = s & ~(STATUS.PMODE | STATUS.PIE | STATUS.IE);
    if (s & STATUS.MODE) next |= STATUS.PMODE;
    if (s & STATUS.IE) next |= STATUS.PIE;
    cr[CR.STATUS] = next | STATUS.MODE;
    this.mmu.setUserMode(false);
    this.pc = (cr[CR.EVEC]! & ~3) >>> 0;
  }

  /** The word of the instruction in the slow path (exits carry it so the VMM can emulate it). */
  private currentWord = 0;

  private lastTrapInstret = -1;
  protected trapStreak = 0;

  private beginExit(reason: number): ExitInfo {
    const e = this.exit;
    e.reason = reason;
    e.pc = this.pc;
    e.word = this.currentWord;
    this.stopCode = STOP.EXIT;
    return e;
  }

  protected interruptDeliverable(): boolean {
    if (!(this.cr[CR.STATUS]! & STATUS.IE)) return false;
    return this.timerPending || this.devices.console.hasInput();
  }

  /** Take the pending interrupt at this.pc (timer first, then the device). */
  protected takeInterrupt(): void {
    this.stats.interrupts++;
    if (this.timerPending) {
      this.timerPending = false;
      this.deliverTrap(CAUSE.TIMER_INTERRUPT, 0);
    } else {
      this.deliverTrap(CAUSE.DEVICE_INTERRUPT, 0);
    }
  }

  protected fireTimer(): void {
    const interval = this.cr[CR.TIMER]! >>> 0;
    this.timerPending = true;
    // The countdown restarts at the interval; an expiry while one is pending is lost.
    while (this.timerDeadline <= this.ticks) this.timerDeadline += interval;
  }

  /** Control registers, MMU maintenance and the SYS group, at this.pc. */
  protected system(w: number, op: number): void {
    this.currentWord = w;
    if ((w & this.fixedMask[op]!) !== this.fixedMatch[op]!) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
    const cr = this.cr;
    const rd = (w >>> 22) & 15;
    const rs1 = (w >>> 18) & 15;
    const crn = w & 31;
    const user = !(cr[CR.STATUS]! & STATUS.MODE);
    const controls = this.exitControls;
    switch (op) {
      case OP_MFCR: {
        if (user && !((USER_READABLE >>> crn) & 1)) return this.trap(CAUSE.PRIVILEGED_INSTRUCTION, w);
        if (!((DEFINED_CRS >>> crn) & 1)) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
        if ((controls.crReadExits >>> crn) & 1) {
          const e = this.beginExit(EXIT.CR_READ);
          e.word = w;
          e.crn = crn;
          e.rd = rd;
          return;
        }
        if (rd !== 0) this.regs[rd] = this.readCr(crn);
        return this.retire(op);
      }
      case OP_MTCR:
      case OP_MXCR: {
        if (user) return this.trap(CAUSE.PRIVILEGED_INSTRUCTION, w);
        if (!((DEFINED_CRS >>> crn) & 1)) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
        const value = this.regs[rs1]!;
        if (this.crWriteExits(crn, value)) {
          const e = this.beginExit(EXIT.CR_WRITE);
          e.word = w;
          e.crn = crn;
          e.value = value;
          e.rd = op === OP_MXCR ? rd : 0;
          return;
        }
        const old = this.readCr(crn);
        this.writeCr(crn, value);
        if (op === OP_MXCR && rd !== 0) this.regs[rd] = old;
        return this.retire(op);
      }
      case OP_INVLPG: {
        if (user) return this.trap(CAUSE.PRIVILEGED_INSTRUCTION, w);
        this.stats.invlpgs++;
        this.stats.cyclesInsn += this.profile.tlbMaintenanceCycles;
        if (controls.events & EXIT_CONTROL.INVLPG) {
          const e = this.beginExit(EXIT.INVLPG);
          e.word = w;
          e.address = this.regs[rs1]! >>> 0;
          return;
        }
        this.mmu.flushPage(this.regs[rs1]!);
        return this.retire(op);
      }
      case OP_SYS:
        return this.sysGroup(w, user);
      default:
        return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
    }
  }

  private sysGroup(w: number, user: boolean): void {
    const funct = w & 0x3ffffff;
    const controls = this.exitControls;
    if (funct === F_SYSCALL) return this.trap(CAUSE.SYSCALL, 0);
    if (funct === F_BREAK) return this.trap(CAUSE.BREAKPOINT, 0);
    const isHcall = (funct & ~0xffff) === F_HCALL;
    if (!isHcall && funct !== F_ERET && funct !== F_WFI && funct !== F_TLBFLUSH) {
      return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
    }
    if (user) return this.trap(CAUSE.PRIVILEGED_INSTRUCTION, w);
    if (isHcall) {
      // On bare metal there is nobody to call: an illegal instruction.
      if (!(controls.events & EXIT_CONTROL.HCALL)) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
      const e = this.beginExit(EXIT.HCALL);
      e.word = w;
      e.code = w & 0xffff;
      return;
    }
    if (funct === F_ERET) return this.eret();
    if (funct === F_TLBFLUSH) {
      this.stats.tlbFlushes++;
      this.stats.cyclesInsn += this.profile.tlbMaintenanceCycles;
      if (controls.events & EXIT_CONTROL.TLBFLUSH) {
        this.beginExit(EXIT.TLBFLUSH).word = w;
        return;
      }
      this.mmu.flushAll();
      return this.retire(OP_SYS);
    }
    // wfi
    if (controls.events & EXIT_CONTROL.WFI) {
      this.beginExit(EXIT.WFI).word = w;
      return;
    }
    if (!this.idleUntilInterrupt()) {
      this.stopCode = STOP.WFI_DEADLOCK;
      return;
    }
    this.retire(OP_SYS);
  }

  /**
   * What wfi does: if nothing is pending, idle until the timer fires (the idle ticks count toward
   * the timer and the cycle count, not INSTRET). Returns false when nothing in the machine could
   * ever wake it (timer off, no console input); the wfi has not retired, so a host that queues
   * input later (a terminal, the debugger's `input`) can run the CPU again and it completes.
   */
  idleUntilInterrupt(): boolean {
    if (this.timerPending || this.devices.console.hasInput()) return true;
    if (this.timerDeadline === Infinity) return false;
    const idle = this.timerDeadline - this.ticks;
    if (idle > 0) {
      this.idleTicks += idle;
      this.stats.cyclesIdle += idle;
    }
    this.fireTimer();
    return true;
  }

  /** eret retires, then continues at EPC in the mode saved by trap entry. */
  private eret(): void {
    const cr = this.cr;
    const s = cr[CR.STATUS]!;
    let next = (s & ~(STATUS.MODE | STATUS.IE | STATUS.PMODE)) | STATUS.PIE;
    if (s & STATUS.PMODE) next |= STATUS.MODE;
    if (s & STATUS.PIE) next |= STATUS.IE;
    cr[CR.STATUS] = next;
    this.stats.cyclesTrap += this.profile.eretCycles;
    this.mmu.setUserMode(!(next & STATUS.MODE));
    this.retire(OP_SYS);
    this.pc = cr[CR.EPC]! >>> 0;
    // Only eret can make pc misaligned: send the next fetch down the slow path, which checks.
    if ((this.pc & 3) !== 0) this.mmu.generation++;
  }

  private crWriteExits(crn: number, value: number): boolean {
    const c = this.exitControls;
    if (!((c.crWriteExits >>> crn) & 1)) return false;
    if (crn !== CR.STATUS) return true;
    return ((this.cr[CR.STATUS]! ^ value) & c.statusWriteMask) !== 0;
  }

  /** mfcr semantics (no privilege or exit check). */
  readCr(crn: number): number {
    const stats = this.stats;
    switch (crn) {
      case CR.CYCLE: return stats.cycles % 2 ** 32 | 0;
      case CR.CYCLEH: return Math.floor(stats.cycles / 2 ** 32) | 0;
      case CR.INSTRET: return stats.instructions % 2 ** 32 | 0;
      case CR.INSTRETH: return Math.floor(stats.instructions / 2 ** 32) | 0;
      default: return this.cr[crn]!;
    }
  }

  /** mtcr semantics (no privilege or exit check). */
  writeCr(crn: number, value: number): void {
    if ((READ_ONLY >>> crn) & 1) return;
    const cr = this.cr;
    switch (crn) {
      case CR.STATUS:
        cr[CR.STATUS] = value & STATUS_WRITABLE_MASK;
        this.syncMmuMode();
        return;
      case CR.PTBR:
        cr[CR.PTBR] = value & (PTBR_ROOT_MASK | PTBR_ASID_MASK);
        this.stats.ptbrWrites++;
        if (!this.vmmOwnsTranslation) this.mmu.writePtbr(value);
        return;
      case CR.TIMER:
        cr[CR.TIMER] = value;
        this.timerPending = false;
        // The countdown starts after the writing instruction retires (+1): N more instructions,
        // then the interrupt (isa/README.md 4.5).
        this.timerDeadline = value === 0 ? Infinity : this.ticks + 1 + (value >>> 0);
        return;
      case CR.EVEC:
      case CR.EPC:
      case CR.CAUSE:
      case CR.BADVA:
      case CR.SCRATCH:
        cr[crn] = value;
        return;
      default:
        return;
    }
  }

  /** Make the MMU follow the mode and, unless the VMM owns translation, STATUS.PG and PTBR. */
  syncMmuMode(): void {
    const s = this.cr[CR.STATUS]!;
    const mmu = this.mmu;
    mmu.setUserMode(!(s & STATUS.MODE));
    if (this.vmmOwnsTranslation) return;
    mmu.setStage1((s & STATUS.PG) !== 0);
    const ptbr = this.cr[CR.PTBR]!;
    const root = (ptbr & PTBR_ROOT_MASK) >>> 0;
    const context = (mmu.context & ~PTBR_ASID_MASK) | (ptbr & mmu.asidMask);
    if (mmu.stage1Root !== root || mmu.context !== context) {
      mmu.stage1Root = root;
      mmu.context = context;
      mmu.generation++;
    }
  }

  /** Retire the instruction at pc on the guest's behalf: the VMM emulated it. */
  retireEmulated(word: number): void {
    this.stats.instructions++;
    this.stats.cyclesInsn += this.opCycles[word >>> 26]!;
    this.pc = (this.pc + 4) >>> 0;
  }

  save(): CpuSnapshot {
    return {
      regs: Array.from(this.regs),
      pc: this.pc,
      cr: Array.from(this.cr),
      timerDeadline: this.timerDeadline,
      timerPending: this.timerPending,
      idleTicks: this.idleTicks,
    };
  }

  restore(s: CpuSnapshot): void {
    this.regs.set(s.regs);
    this.pc = s.pc;
    this.cr.set(s.cr);
    this.timerDeadline = s.timerDeadline;
    this.timerPending = s.timerPending;
    this.idleTicks = s.idleTicks;
    this.syncMmuMode();
  }
}

function isMemoryFault(cause: number): boolean {
  return cause >= CAUSE.FETCH_PAGE_FAULT && cause <= CAUSE.STORE_PROTECTION_FAULT;
}
