// The TV32 CPU: registers, control registers, trap delivery and the interpreter loop.
//
// Speed: the loop keeps its hottest state in locals, allocates nothing per instruction, counts
// statistics with integer increments and keeps one translation per access type (fetch, load,
// store) so that a TLB hit costs a compare and an LRU stamp. Everything rare (TLB misses, traps,
// control registers, devices, exits) leaves the loop's fast path through a named method.
// Instruction semantics are the `case`s of `run`, each a few lines in the words of isa/README.md;
// the opcode values come from isa/table.ts (checked when this module loads).
//
// The CPU reaches memory only through the MMU and physical memory; it never handles a VM exit
// itself: it records it in `exit` and stops, and whoever runs it (the VMM) resumes it.

import {
  ACCESS, CAUSE, CR, CR_COUNT, PTBR_ASID_MASK, PTBR_ROOT_MASK, READ_ONLY_CRS, RESET_STATUS, STATUS, STATUS_WRITABLE_MASK, USER_READABLE_CRS,
} from '../isa/arch.ts';
import { fixedMask, opcodeCheckTables, opcodeOf } from '../isa/encoding.ts';
import { INSTRUCTIONS } from '../isa/table.ts';
import type { Devices } from './devices.ts';
import { EXIT, EXIT_CONTROL, ExitInfo, type ExitControls } from './exits.ts';
import type { PhysicalMemory } from './memory.ts';
import type { Mmu } from './mmu.ts';
import type { MachineProfile } from './profile.ts';
import type { Stats } from './stats.ts';

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
} as const;

/** Traps in a row, with no instruction retired between them, that count as a trap loop. */
export const TRAP_LOOP_LIMIT = 64;
export type StopCode = (typeof STOP)[keyof typeof STOP];

/** Opcodes as the core dispatches on them: literals, so the switch compiles to a jump table. */
const enum Op {
  ADD = 0x01, SUB = 0x02, AND = 0x03, OR = 0x04, XOR = 0x05, SLL = 0x06, SRL = 0x07, SRA = 0x08,
  SLT = 0x09, SLTU = 0x0a, MUL = 0x0b, MULH = 0x0c, MULHU = 0x0d, DIV = 0x0e, DIVU = 0x0f, REM = 0x10,
  REMU = 0x11, ADDI = 0x12, ANDI = 0x13, ORI = 0x14, XORI = 0x15, SLTI = 0x16, SLTIU = 0x17,
  SLLI = 0x18, SRLI = 0x19, SRAI = 0x1a, LUI = 0x1b, AUIPC = 0x1c,
  LB = 0x20, LH = 0x21, LW = 0x22, LBU = 0x23, LHU = 0x24, SB = 0x25, SH = 0x26, SW = 0x27,
  BEQ = 0x28, BNE = 0x29, BLT = 0x2a, BGE = 0x2b, BLTU = 0x2c, BGEU = 0x2d, JAL = 0x30, JALR = 0x31,
  MFCR = 0x38, MTCR = 0x39, INVLPG = 0x3a, MXCR = 0x3b, SYS = 0x3e,
}
const CORE_OPCODES: Record<string, number> = {
  add: Op.ADD, sub: Op.SUB, and: Op.AND, or: Op.OR, xor: Op.XOR, sll: Op.SLL, srl: Op.SRL, sra: Op.SRA,
  slt: Op.SLT, sltu: Op.SLTU, mul: Op.MUL, mulh: Op.MULH, mulhu: Op.MULHU, div: Op.DIV, divu: Op.DIVU,
  rem: Op.REM, remu: Op.REMU, addi: Op.ADDI, andi: Op.ANDI, ori: Op.ORI, xori: Op.XORI, slti: Op.SLTI,
  sltiu: Op.SLTIU, slli: Op.SLLI, srli: Op.SRLI, srai: Op.SRAI, lui: Op.LUI, auipc: Op.AUIPC,
  lb: Op.LB, lh: Op.LH, lw: Op.LW, lbu: Op.LBU, lhu: Op.LHU, sb: Op.SB, sh: Op.SH, sw: Op.SW,
  beq: Op.BEQ, bne: Op.BNE, blt: Op.BLT, bge: Op.BGE, bltu: Op.BLTU, bgeu: Op.BGEU, jal: Op.JAL,
  jalr: Op.JALR, mfcr: Op.MFCR, mtcr: Op.MTCR, invlpg: Op.INVLPG, mxcr: Op.MXCR,
  syscall: Op.SYS, break: Op.SYS, eret: Op.SYS, wfi: Op.SYS, tlbflush: Op.SYS, hcall: Op.SYS,
};
for (const spec of INSTRUCTIONS) {
  if (CORE_OPCODES[spec.mnemonic] !== opcodeOf(spec.mnemonic)) {
    throw new Error(`cpu.ts: the core has no case for '${spec.mnemonic}' at opcode ${spec.opcode} (isa/table.ts changed?)`);
  }
}
/** SYS-group function codes (the low bits of the word), from the table. */
const SYS_FUNCT = new Map(INSTRUCTIONS.filter((s) => s.opcode === Op.SYS).map((s) => [s.mnemonic, s.funct ?? 0]));
const F_SYSCALL = SYS_FUNCT.get('syscall')!;
const F_BREAK = SYS_FUNCT.get('break')!;
const F_ERET = SYS_FUNCT.get('eret')!;
const F_WFI = SYS_FUNCT.get('wfi')!;
const F_TLBFLUSH = SYS_FUNCT.get('tlbflush')!;
const F_HCALL = SYS_FUNCT.get('hcall')!;

/** The reserved bits (must be 0) of the R and SH formats, from the table; checked in the hot loop. */
function reservedBits(format: string): number {
  const specs = INSTRUCTIONS.filter((s) => s.format === format);
  const bits = new Set(specs.map((s) => fixedMask(s) & 0x3ffffff));
  if (bits.size !== 1) throw new Error(`cpu.ts: format ${format} has no single reserved-bit mask`);
  return [...bits][0]! | 0;
}
const R_RESERVED = reservedBits('R');
const SH_RESERVED = reservedBits('SH');
for (const spec of INSTRUCTIONS) {
  // The hot loop checks reserved bits only for R and SH: every other format it executes there must have none.
  const hot = spec.cls !== 'cr' && spec.cls !== 'system';
  if (hot && spec.format !== 'R' && spec.format !== 'SH' && (fixedMask(spec) & 0x3ffffff) !== 0) {
    throw new Error(`cpu.ts: '${spec.mnemonic}' has reserved bits the hot loop does not check`);
  }
  if (hot && spec.format === 'R' && spec.opcode > 0x11) throw new Error(`cpu.ts: R-format '${spec.mnemonic}' is outside the checked opcode range`);
}

/** Bytes accessed by each load/store opcode, from 0x20 (lb) to 0x27 (sw). */
const MEM_SIZE = new Int32Array([1, 2, 4, 1, 2, 1, 2, 4]);
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

export class Cpu {
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

  private stopRequested = false;
  private stopCode: StopCode = STOP.BUDGET;

  /** Per opcode: the fixed-bit mask and match of its instruction (SYS checked in its case). */
  private readonly fixedMask = new Int32Array(64);
  private readonly fixedMatch = new Int32Array(64);
  /** Per opcode: base cycles plus the data-access cost of loads and stores. */
  private readonly opCycles = new Int32Array(64);

  constructor(
    private readonly mem: PhysicalMemory,
    readonly mmu: Mmu,
    private readonly devices: Devices,
    private readonly stats: Stats,
    private readonly profile: MachineProfile,
  ) {
    const { mask, match } = opcodeCheckTables();
    for (let op = 0; op < 64; op++) {
      this.fixedMask[op] = mask[op]! | 0;
      this.fixedMatch[op] = match[op]! | 0;
    }
    this.fixedMask[Op.SYS] = 0;
    this.fixedMatch[Op.SYS] = 0;
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
   * Run until `budget` more instructions have retired, or the machine halts, exits to the VMM,
   * deadlocks in wfi, or a stop is requested. Returns a STOP code.
   */
  run(budget: number): StopCode {
    const stats = this.stats;
    const R = this.regs;
    const mem = this.mem;
    const m32 = mem.i32;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const opCycles = this.opCycles;
    const takenCycles = this.profile.branchTakenCycles;

    let pc = this.pc;
    let instret = stats.instructions;
    const endAt = instret + budget;
    let insnCycles = 0;
    // The fast path: one translation per access type (page number, physical page base, TLB slot).
    // A fast-path hit is a TLB hit: it is counted, and the instruction count at which it happened
    // is kept in fUsed/lUsed/sUsed so the LRU stamps can be written lazily, in the right order,
    // before the MMU next looks at the TLB (see stampFastPath).
    let gen = -1;
    let fVpn = -1, fBase = 0, fIdx = -1, fUsed = -1;
    let lVpn = -1, lBase = 0, lIdx = -1, lUsed = -1;
    let sVpn = -1, sBase = 0, sIdx = -1, sUsed = -1;
    let fHits = 0, lHits = 0, sHits = 0;
    // Fetch hits are counted without a branch; a stretch run with paging off (fIdx < 0) is
    // taken back out when the stretch ends (fHitsAtFill: the count when the stretch began).
    let fHitsAtFill = 0;
    // A trap loop found outside the loop (a VMM injecting faults) stays found.
    this.stopCode = this.trapStreak >= TRAP_LOOP_LIMIT ? STOP.TRAP_LOOP : STOP.BUDGET;
    this.stopRequested = false;

    // Each pass of this loop handles the events between instructions (budget, timer, interrupts,
    // stops), then runs the hot loop until the next event is due. Every slow path inside the hot
    // loop works on the fields (this.pc, stats) and ends the pass, so the locals are reloaded.
    for (;;) {
      this.pc = pc;
      stats.instructions = instret;
      stats.cyclesInsn += insnCycles;
      insnCycles = 0;
      this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
      fUsed = lUsed = sUsed = -1;
      if (this.stopCode !== STOP.BUDGET) break;
      if (this.stopRequested) {
        this.stopCode = STOP.REQUESTED;
        break;
      }
      if (instret >= endAt) break;
      if (this.ticks >= this.timerDeadline) this.fireTimer();
      if (this.interruptDeliverable()) this.takeInterrupt();
      pc = this.pc;
      if (mmu.generation !== gen) {
        gen = mmu.generation;
        fVpn = lVpn = sVpn = -1;
      }
      const limit = Math.max(instret + 1, Math.min(endAt, this.timerDeadline - this.idleTicks));

      // ---- The hot loop ----
      hot: while (instret < limit) {
        // Fetch: translated like any access (isa/README.md, "Virtual memory").
        let fetchPhys: number;
        if ((pc >>> 12) === fVpn) {
          fetchPhys = fBase | (pc & 0xfff);
          fUsed = instret;
          fHits++;
        } else {
          this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
          fUsed = lUsed = sUsed = -1;
          if (fIdx < 0) fHits = fHitsAtFill;
          // Alignment first: a misaligned pc is never translated (isa/README.md 5.1, order of checks).
          fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, ACCESS.FETCH);
          if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
            this.pc = pc;
            stats.instructions = instret;
            this.fetchFault(fetchPhys);
            pc = this.pc;
            break hot;
          }
          if (mmu.generation !== gen) {
            gen = mmu.generation;
            lVpn = sVpn = -1;
          }
          fVpn = pc >>> 12;
          fBase = fetchPhys & ~0xfff;
          fIdx = mmu.lastIndex;
          fHitsAtFill = fHits;
        }
        const w = m32[fetchPhys >>> 2]!;
        const op = w >>> 26;
        // Decoding is this validity check plus field shifts. Only two hot formats have reserved
        // bits (R and SH); reserved opcodes and the privileged formats go to the slow path, which
        // checks the whole word against the table.
        if (op <= Op.REMU ? op === 0 || (w & R_RESERVED) !== 0 : op >= Op.SLLI && op <= Op.SRAI && (w & SH_RESERVED) !== 0) {
          this.pc = pc;
          stats.instructions = instret;
          this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
          pc = this.pc;
          break hot;
        }
        const rd = (w >>> 22) & 15;
        const rs1 = (w >>> 18) & 15;

        // ---- Loads and stores: address, alignment, translation, then the access ----
        if (op >= Op.LB && op <= Op.SW) {
          const va = (R[rs1]! + ((w << 14) >> 14)) | 0;
          const isStore = op >= Op.SB;
          let pa: number;
          if (!isStore && (va >>> 12) === lVpn && (va & (MEM_SIZE[op - Op.LB]! - 1)) === 0) {
            pa = lBase | (va & 0xfff);
            if (lIdx >= 0) {
              lUsed = instret;
              lHits++;
            }
          } else if (isStore && (va >>> 12) === sVpn && (va & (MEM_SIZE[op - Op.LB]! - 1)) === 0) {
            pa = sBase | (va & 0xfff);
            if (sIdx >= 0) {
              sUsed = instret;
              sHits++;
            }
          } else {
            pa = -1;
            if ((va & (MEM_SIZE[op - Op.LB]! - 1)) === 0) {
              this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
              fUsed = lUsed = sUsed = -1;
              pa = mmu.translate(va, isStore ? ACCESS.STORE : ACCESS.LOAD);
            }
            if (pa < 0 || pa >= ramSize) {
              // Misaligned, a translation fault, or a device register: the slow path.
              this.pc = pc;
              stats.instructions = instret;
              stats.cyclesInsn += insnCycles;
              insnCycles = 0;
              this.slowAccess(w, va, pa);
              pc = this.pc;
              instret = stats.instructions;
              break hot;
            }
            if (mmu.generation !== gen) {
              gen = mmu.generation;
              fVpn = lVpn = sVpn = -1;
            }
            if (isStore) {
              sVpn = va >>> 12;
              sBase = pa & ~0xfff;
              sIdx = mmu.lastIndex;
            } else {
              lVpn = va >>> 12;
              lBase = pa & ~0xfff;
              lIdx = mmu.lastIndex;
            }
          }
          switch (op) {
            case Op.LB: R[rd] = mem.i8[pa]!; break;
            case Op.LH: R[rd] = mem.i16[pa >>> 1]!; break;
            case Op.LW: R[rd] = m32[pa >>> 2]!; break;
            case Op.LBU: R[rd] = mem.u8[pa]!; break;
            case Op.LHU: R[rd] = mem.u16[pa >>> 1]!; break;
            // Stores: the value register is in the rd position (srcA), the base in rs1 (srcB).
            case Op.SB: mem.u8[pa] = R[rd]!; break;
            case Op.SH: mem.u16[pa >>> 1] = R[rd]!; break;
            default: m32[pa >>> 2] = R[rd]!; break;
          }
          R[0] = 0;
          instret++;
          insnCycles += opCycles[op]!;
          pc = (pc + 4) >>> 0;
          continue;
        }

        const rs2 = (w >>> 14) & 15;
        const imm = (w << 14) >> 14;
        let next = (pc + 4) >>> 0;
        switch (op) {
          // ALU, register-register
          case Op.ADD: R[rd] = R[rs1]! + R[rs2]!; break;
          case Op.SUB: R[rd] = R[rs1]! - R[rs2]!; break;
          case Op.AND: R[rd] = R[rs1]! & R[rs2]!; break;
          case Op.OR: R[rd] = R[rs1]! | R[rs2]!; break;
          case Op.XOR: R[rd] = R[rs1]! ^ R[rs2]!; break;
          case Op.SLL: { const s = R[rs2]! >>> 0; R[rd] = s > 31 ? 0 : R[rs1]! << s; break; }
          case Op.SRL: { const s = R[rs2]! >>> 0; R[rd] = s > 31 ? 0 : R[rs1]! >>> s; break; }
          case Op.SRA: { const s = R[rs2]! >>> 0; R[rd] = R[rs1]! >> (s > 31 ? 31 : s); break; }
          case Op.SLT: R[rd] = R[rs1]! < R[rs2]! ? 1 : 0; break;
          case Op.SLTU: R[rd] = R[rs1]! >>> 0 < R[rs2]! >>> 0 ? 1 : 0; break;
          case Op.MUL: R[rd] = Math.imul(R[rs1]!, R[rs2]!); break;
          case Op.MULH: R[rd] = mulh(R[rs1]!, R[rs2]!); break;
          case Op.MULHU: R[rd] = mulhu(R[rs1]! >>> 0, R[rs2]! >>> 0); break;
          case Op.DIV: {
            const a = R[rs1]!, b = R[rs2]!;
            R[rd] = b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : (a / b) | 0;
            break;
          }
          case Op.DIVU: { const b = R[rs2]! >>> 0; R[rd] = b === 0 ? -1 : ((R[rs1]! >>> 0) / b) >>> 0; break; }
          case Op.REM: {
            const a = R[rs1]!, b = R[rs2]!;
            R[rd] = b === 0 ? a : b === -1 ? 0 : a % b;
            break;
          }
          case Op.REMU: { const b = R[rs2]! >>> 0; R[rd] = b === 0 ? R[rs1]! : (R[rs1]! >>> 0) % b; break; }

          // ALU, register-immediate
          case Op.ADDI: R[rd] = R[rs1]! + imm; break;
          case Op.ANDI: R[rd] = R[rs1]! & imm; break;
          case Op.ORI: R[rd] = R[rs1]! | imm; break;
          case Op.XORI: R[rd] = R[rs1]! ^ imm; break;
          case Op.SLTI: R[rd] = R[rs1]! < imm ? 1 : 0; break;
          case Op.SLTIU: R[rd] = R[rs1]! >>> 0 < imm >>> 0 ? 1 : 0; break;
          case Op.SLLI: R[rd] = R[rs1]! << (w & 31); break;
          case Op.SRLI: R[rd] = R[rs1]! >>> (w & 31); break;
          case Op.SRAI: R[rd] = R[rs1]! >> (w & 31); break;
          case Op.LUI: R[rd] = (w & 0x3fffff) << 10; break;
          case Op.AUIPC: R[rd] = pc + ((w & 0x3fffff) << 10); break;

          // Branches: the srcA register sits in the rd position, srcB in rs1.
          case Op.BEQ: if (R[rd] === R[rs1]) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;
          case Op.BNE: if (R[rd] !== R[rs1]) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;
          case Op.BLT: if (R[rd]! < R[rs1]!) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;
          case Op.BGE: if (R[rd]! >= R[rs1]!) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;
          case Op.BLTU: if (R[rd]! >>> 0 < R[rs1]! >>> 0) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;
          case Op.BGEU: if (R[rd]! >>> 0 >= R[rs1]! >>> 0) { next = (pc + (imm << 2)) >>> 0; insnCycles += takenCycles; } break;

          // Jumps
          case Op.JAL:
            R[rd] = next;
            next = (pc + (((w << 10) >> 10) << 2)) >>> 0;
            insnCycles += takenCycles;
            break;
          case Op.JALR: {
            const target = ((R[rs1]! + imm) & ~3) >>> 0;
            R[rd] = next;
            next = target;
            insnCycles += takenCycles;
            break;
          }

          // Privileged and system instructions, and reserved opcodes: the slow path.
          default:
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.system(w, op);
            R[0] = 0;
            pc = this.pc;
            instret = stats.instructions;
            break hot;
        }
        R[0] = 0;
        instret++;
        insnCycles += opCycles[op]!;
        pc = next;
      }
    }
    if (fIdx < 0) fHits = fHitsAtFill;
    stats.tlbHits[ACCESS.FETCH] += fHits;
    stats.tlbHits[ACCESS.LOAD] += lHits;
    stats.tlbHits[ACCESS.STORE] += sHits;
    return this.stopCode;
  }

  /**
   * Write the LRU stamps of the fast-path hits made since the last call (`*Used` >= 0: the
   * instruction count of the slot's latest hit), oldest first, so the TLB sees exactly the order
   * an eager stamp on every hit would have given. A fetch at instruction i comes before that
   * instruction's data access: times 2i and 2i + 1. Called before every MMU lookup from the loop
   * and at the end of each pass; the caller then clears the `*Used` values.
   */
  private stampFastPath(fIdx: number, fUsed: number, lIdx: number, lUsed: number, sIdx: number, sUsed: number): void {
    let fT = fIdx >= 0 && fUsed >= 0 ? fUsed * 2 : -1;
    let lT = lIdx >= 0 && lUsed >= 0 ? lUsed * 2 + 1 : -1;
    let sT = sIdx >= 0 && sUsed >= 0 ? sUsed * 2 + 1 : -1;
    const mmu = this.mmu;
    // At most three stamps, oldest first.
    for (;;) {
      const t = Math.min(fT < 0 ? Infinity : fT, lT < 0 ? Infinity : lT, sT < 0 ? Infinity : sT);
      if (t === Infinity) return;
      if (t === fT) {
        mmu.itlb.lastUse[fIdx] = ++mmu.clock;
        fT = -1;
      } else if (t === lT) {
        mmu.dtlb.lastUse[lIdx] = ++mmu.clock;
        lT = -1;
      } else {
        mmu.dtlb.lastUse[sIdx] = ++mmu.clock;
        sT = -1;
      }
    }
  }

  // ---------------------------------------------------------------- slow paths
  // Each works on this.pc and this.stats.instructions: it either retires the instruction at
  // this.pc (pc moves on, the count goes up) or traps or exits (the instruction has no effect).

  private retire(op: number): void {
    this.stats.instructions++;
    this.stats.cyclesInsn += this.opCycles[op]!;
    this.pc = (this.pc + 4) >>> 0;
  }

  /** A fetch that failed translation, reached a device or was misaligned. */
  private fetchFault(phys: number): void {
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
    if (mmu.faultCause === -1) {
      const e = this.beginExit(EXIT.EPT_VIOLATION);
      e.address = mmu.faultAddr;
      e.guestPhys = mmu.faultGuestPhys;
      e.inTableWalk = mmu.faultInTable;
      e.access = this.lastAccess;
      return;
    }
    this.trap(mmu.faultCause, mmu.faultAddr);
  }

  private lastAccess: number = ACCESS.FETCH;

  /** A load or store that was misaligned, faulted in translation, or reached a device. */
  private slowAccess(w: number, va: number, pa: number): void {
    this.currentWord = w;
    const op = w >>> 26;
    const size = MEM_SIZE[op - Op.LB]!;
    const isStore = op >= Op.SB;
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

  /** Under a VMM the devices are the host's: a guest never reaches them directly. */
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
  private trapStreak = 0;

  private beginExit(reason: number): ExitInfo {
    const e = this.exit;
    e.reason = reason;
    e.pc = this.pc;
    e.word = this.currentWord;
    this.stopCode = STOP.EXIT;
    return e;
  }

  private interruptDeliverable(): boolean {
    if (!(this.cr[CR.STATUS]! & STATUS.IE)) return false;
    return this.timerPending || (this.devicesAccessible && this.devices.console.hasInput());
  }

  /** Take the pending interrupt at this.pc (timer first, then the device). */
  private takeInterrupt(): void {
    this.stats.interrupts++;
    if (this.timerPending) {
      this.timerPending = false;
      this.deliverTrap(CAUSE.TIMER_INTERRUPT, 0);
    } else {
      this.deliverTrap(CAUSE.DEVICE_INTERRUPT, 0);
    }
  }

  private fireTimer(): void {
    const interval = this.cr[CR.TIMER]! >>> 0;
    this.timerPending = true;
    // The countdown restarts at the interval; an expiry while one is pending is lost.
    while (this.timerDeadline <= this.ticks) this.timerDeadline += interval;
  }

  /** Control registers, MMU maintenance and the SYS group, at this.pc. */
  private system(w: number, op: number): void {
    this.currentWord = w;
    if ((w & this.fixedMask[op]!) !== this.fixedMatch[op]!) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
    const cr = this.cr;
    const rd = (w >>> 22) & 15;
    const rs1 = (w >>> 18) & 15;
    const crn = w & 31;
    const user = !(cr[CR.STATUS]! & STATUS.MODE);
    const controls = this.exitControls;
    switch (op) {
      case Op.MFCR: {
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
      case Op.MTCR:
      case Op.MXCR: {
        if (user) return this.trap(CAUSE.PRIVILEGED_INSTRUCTION, w);
        if (!((DEFINED_CRS >>> crn) & 1)) return this.trap(CAUSE.ILLEGAL_INSTRUCTION, w);
        const value = this.regs[rs1]!;
        if (this.crWriteExits(crn, value)) {
          const e = this.beginExit(EXIT.CR_WRITE);
          e.word = w;
          e.crn = crn;
          e.value = value;
          e.rd = op === Op.MXCR ? rd : 0;
          return;
        }
        const old = this.readCr(crn);
        this.writeCr(crn, value);
        if (op === Op.MXCR && rd !== 0) this.regs[rd] = old;
        return this.retire(op);
      }
      case Op.INVLPG: {
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
      case Op.SYS:
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
      return this.retire(Op.SYS);
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
    this.retire(Op.SYS);
  }

  /**
   * What wfi does: if nothing is pending, idle until the timer fires (the idle ticks count toward
   * the timer and the cycle count, not INSTRET). Returns false when nothing could ever wake it.
   */
  idleUntilInterrupt(): boolean {
    if (this.timerPending || (this.devicesAccessible && this.devices.console.hasInput())) return true;
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
    this.retire(Op.SYS);
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

/** High 32 bits of a signed 32x32 product. */
function mulh(a: number, b: number): number {
  const hi = mulhu(a >>> 0, b >>> 0);
  // Signed correction: subtract b when a < 0 and a when b < 0 (two's complement identity).
  return (hi - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of an unsigned 32x32 product, without BigInt. */
function mulhu(a: number, b: number): number {
  const aHi = a >>> 16, aLo = a & 0xffff, bHi = b >>> 16, bLo = b & 0xffff;
  const lo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) | 0;
}
