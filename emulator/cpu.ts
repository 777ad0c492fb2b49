// The TV32 CPU's interpreter loop (the architectural state and every slow path are in
// cpu-state.ts; the translating engine, selected by `engine`, in jit/).
//
// Speed: the loop keeps its hottest state in locals, allocates nothing per instruction, counts
// statistics with integer increments and keeps one translation per access type (fetch, load,
// store) so that a TLB hit costs a compare. Everything rare (TLB misses, traps, control
// registers, devices, exits) leaves the fast path through a named method of CpuState.
// Instruction semantics are the `case`s of `run`, each a few lines in the words of isa/README.md;
// the opcode values come from isa/table.ts (checked when this module loads).

import { ACCESS, CAUSE } from '../isa/arch.ts';
import { fixedMask, opcodeOf } from '../isa/encoding.ts';
import { INSTRUCTIONS } from '../isa/table.ts';
import { MEM_SIZE, STOP, TRAP_LOOP_LIMIT, type StopCode } from './cpu-state.ts';
import { JitEngine } from './jit/engine.ts';
import { CODE_BIT, COLD as JIT_COLD, type CodeCache } from './jit/code-cache.ts';
import { LW_CHECKED, LW_THROUGH, type FastPath } from './jit/translator.ts';

export { NO_EXITS, STOP, TRAP_LOOP_LIMIT, type CpuSnapshot, type StopCode } from './cpu-state.ts';
export { ENGINES, getDefaultEngine, parseEngine, setDefaultEngine, setDefaultJitHotThreshold, type Engine } from './jit/engine.ts';

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

// The translating engine's interpreter (jitInterpret) reads imports through module constants:
// under a CommonJS transform (tsx's) a live binding is a getter call.
const J_CODE = CODE_BIT;
const J_LW = LW_THROUGH;
const J_LW_CODE = LW_CHECKED;
const J_COLD = JIT_COLD;
const J_SIZES = MEM_SIZE;
const J_FETCH = ACCESS.FETCH;
const J_LOAD = ACCESS.LOAD;
const J_STORE = ACCESS.STORE;
const J_ILLEGAL = CAUSE.ILLEGAL_INSTRUCTION;

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

export class Cpu extends JitEngine {
  /**
   * Run until `budget` more instructions have retired, or the machine halts, exits to the VMM,
   * deadlocks in wfi, or a stop is requested. Returns a STOP code. With `engine` 'jit' the
   * translating engine (emulator/jit/) runs instead, with the same results; a budget shorter
   * than jitMinBudget (a debugger's single step) runs here, which is exact too: each call starts
   * from the architectural state and the TLB, and this loop's stores drop any translation of the
   * pages they write (a store slot's fill marks its page written, clearing CODE_BIT).
   */
  run(budget: number): StopCode {
    if (this.engine === 'jit' && budget >= this.jitMinBudget) return this.runJit(budget);
    const stats = this.stats;
    const R = this.regs;
    const mem = this.mem;
    const m32 = mem.i32;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const opCycles = this.opCycles;
    const takenCycles = this.profile.branchTakenCycles;
    // One TLB for fetches and data: a fill for either may replace the other's fast-path entry.
    const unified = mmu.itlb === mmu.dtlb;

    let pc = this.pc;
    let instret = stats.instructions;
    const endAt = instret + budget;
    let insnCycles = 0;
    // The fast path: one translation per access type (page number, physical page base, TLB slot).
    // A fast-path hit is a TLB hit: it is counted, and the instruction count at which it happened
    // is kept in fUsed/lUsed/sUsed so the LRU stamps can be written lazily, in the right order,
    // before the MMU next looks at the TLB (see stampFastPath). A TLB fill replaces one entry
    // (mmu.lastFill): only a fast-path copy of that entry goes; anything else that may change
    // translations bumps mmu.generation, which drops them all.
    let gen = -1;
    let fVpn = -1, fBase = 0, fIdx = -1, fUsed = -1;
    let lVpn = -1, lBase = 0, lIdx = -1, lUsed = -1;
    let sVpn = -1, sBase = 0, sIdx = -1, sUsed = -1;
    // 1: stores to the load slot's page go through it too (see the load fill below).
    let lw = 0;
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
      if (this.trapStop) {
        // The trap hook wants the handler's first instruction not yet run.
        this.trapStop = false;
        this.stopCode = STOP.TRAP;
        break;
      }
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
          } else if (unified && mmu.lastFill >= 0) {
            if (lIdx === mmu.lastFill) lVpn = -1;
            if (sIdx === mmu.lastFill) sVpn = -1;
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
          } else if (isStore && (va >>> 12) === lVpn && lw !== 0 && (va & (MEM_SIZE[op - Op.LB]! - 1)) === 0) {
            // A store hit on the load slot's entry: the same entry, so its stamp is the load slot's.
            pa = lBase | (va & 0xfff);
            if (lIdx >= 0) {
              lUsed = instret;
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
            } else if (mmu.lastFill >= 0) {
              const filled = mmu.lastFill;
              if (unified && fIdx === filled) fVpn = -1;
              // The other data slot; this access type's own is set just below.
              if (isStore) {
                if (lIdx === filled) lVpn = -1;
              } else if (sIdx === filled) sVpn = -1;
            }
            if (isStore) {
              sVpn = va >>> 12;
              sBase = pa & ~0xfff;
              sIdx = mmu.lastIndex;
              // Stores through this slot until it moves all land in this page: mark it once.
              mem.dirty[pa >>> 12] = 1;
            } else {
              lVpn = va >>> 12;
              lBase = pa & ~0xfff;
              lIdx = mmu.lastIndex;
              // Stores to this page hit the same entry (a read-modify-write): they may go through
              // this slot, with no lookup, if the entry takes them and the page is marked written
              // already (the store slot's fill would mark it).
              lw = mem.dirty[pa >>> 12] === 1 && mmu.servesStore(lIdx) ? 1 : 0;
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
   * The translating engine's interpreter (emulator/jit/engine.ts runs it for code not compiled,
   * and for blocks that do not fit before a deadline): the hot loop of `run`, the same statements
   * in the same order, on the engine's FastPath fields copied into locals on entry and back on
   * every exit, so that the hand-over is exact (the slots, their lazy LRU stamps and hit counts
   * are the interpreter's own at every instruction). It is entered with the instruction at S.pc
   * already fetched (fetchPhys) and runs until the pass's limit (S.limit), a slow path (S.status
   * = 1; the pass ends as in `run`), or the fetch after a jump or taken branch reaches a block
   * head the engine wants (compiled and fitting, about to be compiled, or in a page not in the
   * cache): it then leaves with that fetch done (S.fetched = its physical address), and the
   * engine dispatches there. Heat (visits of an entry) is counted at those fetches.
   * Stores: the slot's page may hold translations (S.sKey !== S.sVpn, see FastPath.sKey); the
   * first store through it then marks the page written, as the engine's blocks do.
   * @internal called by the translating engine.
   */
  protected jitInterpret(S: FastPath, cache: CodeCache, fetchPhys: number): void {
    const stats = this.stats;
    const R = this.regs;
    const mem = this.mem;
    const m32 = mem.i32;
    const dirty = mem.dirty;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const opCycles = this.opCycles;
    const takenCycles = this.profile.branchTakenCycles;
    const unified = mmu.itlb === mmu.dtlb;
    const epochs = cache.epochs;
    const hotThreshold = this.jitHotThreshold;
    const limit = S.limit;
    let pc = S.pc;
    let instret = S.instret;
    let insnCycles = S.insnCycles;
    let gen = S.gen;
    let fVpn = S.fVpn, fBase = S.fBase, fIdx = S.fIdx, fUsed = S.fUsed;
    let lVpn = S.lVpn, lBase = S.lBase, lIdx = S.lIdx, lUsed = S.lUsed;
    let sVpn = S.sVpn, sBase = S.sBase, sIdx = S.sIdx, sUsed = S.sUsed, sKey = S.sKey;
    let lw = S.lw;
    let fHits = S.fHits, lHits = S.lHits, sHits = S.sHits;
    let fHitsAtFill = S.fHitsAtFill;
    let status = 0;
    let fetched = -1;

    run: for (;;) {
      const w = m32[fetchPhys >>> 2]!;
      const op = w >>> 26;
      if (op <= Op.REMU ? op === 0 || (w & R_RESERVED) !== 0 : op >= Op.SLLI && op <= Op.SRAI && (w & SH_RESERVED) !== 0) {
        this.pc = pc;
        stats.instructions = instret;
        this.trap(J_ILLEGAL, w);
        pc = this.pc;
        status = 1;
        break run;
      }
      const rd = (w >>> 22) & 15;
      const rs1 = (w >>> 18) & 15;
      let next = (pc + 4) >>> 0;

      if (op >= Op.LB && op <= Op.SW) {
        const va = (R[rs1]! + ((w << 14) >> 14)) | 0;
        const isStore = op >= Op.SB;
        let pa: number;
        if (!isStore && (va >>> 12) === lVpn && (va & (J_SIZES[op - Op.LB]! - 1)) === 0) {
          pa = lBase | (va & 0xfff);
          if (lIdx >= 0) {
            lUsed = instret;
            lHits++;
          }
        } else if (isStore && (va >>> 12) === sVpn && (va & (J_SIZES[op - Op.LB]! - 1)) === 0) {
          pa = sBase | (va & 0xfff);
          if (sIdx >= 0) {
            sUsed = instret;
            sHits++;
          }
          // The slot's page holds translations: a store to a word they depend on invalidates them.
          if (sKey !== sVpn && this.jitCodeStore(pa) !== 0) sKey = sVpn;
        } else if (isStore && (va >>> 12) === lVpn && lw !== 0 && (va & (J_SIZES[op - Op.LB]! - 1)) === 0) {
          pa = lBase | (va & 0xfff);
          if (lIdx >= 0) {
            lUsed = instret;
            sHits++;
          }
          if (lw === J_LW_CODE && this.jitCodeStore(pa) !== 0) lw = J_LW;
        } else {
          pa = -1;
          if ((va & (J_SIZES[op - Op.LB]! - 1)) === 0) {
            this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
            fUsed = lUsed = sUsed = -1;
            pa = mmu.translate(va, isStore ? J_STORE : J_LOAD);
          }
          if (pa < 0 || pa >= ramSize) {
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.slowAccess(w, va, pa);
            pc = this.pc;
            instret = stats.instructions;
            status = 1;
            break run;
          }
          if (mmu.generation !== gen) {
            gen = mmu.generation;
            fVpn = lVpn = sVpn = sKey = -1;
          } else if (mmu.lastFill >= 0) {
            const filled = mmu.lastFill;
            if (unified && fIdx === filled) fVpn = -1;
            if (isStore) {
              if (lIdx === filled) lVpn = -1;
            } else if (sIdx === filled) sVpn = sKey = -1;
          }
          if (isStore) {
            sVpn = va >>> 12;
            sBase = pa & ~0xfff;
            sIdx = mmu.lastIndex;
            sKey = this.jitCodeStore(pa) !== 0 ? sVpn : -1;
          } else {
            lVpn = va >>> 12;
            lBase = pa & ~0xfff;
            lIdx = mmu.lastIndex;
            lw = this.jitStoresThrough(pa, lIdx);
          }
        }
        switch (op) {
          case Op.LB: R[rd] = mem.i8[pa]!; break;
          case Op.LH: R[rd] = mem.i16[pa >>> 1]!; break;
          case Op.LW: R[rd] = m32[pa >>> 2]!; break;
          case Op.LBU: R[rd] = mem.u8[pa]!; break;
          case Op.LHU: R[rd] = mem.u16[pa >>> 1]!; break;
          case Op.SB: mem.u8[pa] = R[rd]!; break;
          case Op.SH: mem.u16[pa >>> 1] = R[rd]!; break;
          default: m32[pa >>> 2] = R[rd]!; break;
        }
      } else {
        const rs2 = (w >>> 14) & 15;
        const imm = (w << 14) >> 14;
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
          default:
            this.pc = pc;
            stats.instructions = instret;
            stats.cyclesInsn += insnCycles;
            insnCycles = 0;
            this.system(w, op);
            R[0] = 0;
            pc = this.pc;
            instret = stats.instructions;
            status = 1;
            break run;
        }
      }
      R[0] = 0;
      instret++;
      insnCycles += opCycles[op]!;
      const jumped = next !== ((pc + 4) >>> 0);
      pc = next;
      if (instret >= limit) break run;

      // The next fetch, as in `run`.
      if ((pc >>> 12) === fVpn) {
        fetchPhys = fBase | (pc & 0xfff);
        fUsed = instret;
        fHits++;
      } else {
        this.stampFastPath(fIdx, fUsed, lIdx, lUsed, sIdx, sUsed);
        fUsed = lUsed = sUsed = -1;
        if (fIdx < 0) fHits = fHitsAtFill;
        fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, J_FETCH);
        if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
          this.pc = pc;
          stats.instructions = instret;
          this.fetchFault(fetchPhys);
          pc = this.pc;
          status = 1;
          break run;
        }
        if (mmu.generation !== gen) {
          gen = mmu.generation;
          lVpn = sVpn = sKey = -1;
        } else if (unified && mmu.lastFill >= 0) {
          if (lIdx === mmu.lastFill) lVpn = -1;
          if (sIdx === mmu.lastFill) sVpn = sKey = -1;
        }
        fVpn = pc >>> 12;
        fBase = fetchPhys & ~0xfff;
        fIdx = mmu.lastIndex;
        fHitsAtFill = fHits;
      }
      if (jumped) {
        // A block head: hand over to the engine where it has (or is about to have) a block.
        const frame = fetchPhys >>> 12;
        const page = cache.pages[frame];
        if (page === undefined || (dirty[frame]! & J_CODE) === 0 || page.epoch !== epochs[frame]) {
          fetched = fetchPhys;
          break run;
        }
        const k = (fetchPhys >>> 2) & 1023;
        const n = page.lengths[k]!;
        if (n > 0 ? n <= limit - instret : n === 0 || (n === J_COLD && page.heat[k]! + 1 >= hotThreshold)) {
          fetched = fetchPhys;
          break run;
        }
        if (n === J_COLD) page.heat[k]!++;
      }
    }
    S.pc = pc;
    S.instret = instret;
    S.insnCycles = insnCycles;
    S.gen = gen;
    S.fVpn = fVpn; S.fBase = fBase; S.fIdx = fIdx; S.fUsed = fUsed;
    S.lVpn = lVpn; S.lBase = lBase; S.lIdx = lIdx; S.lUsed = lUsed;
    S.sVpn = sVpn; S.sBase = sBase; S.sIdx = sIdx; S.sUsed = sUsed; S.sKey = sKey;
    S.lw = lw;
    S.fHits = fHits; S.lHits = lHits; S.sHits = sHits;
    S.fHitsAtFill = fHitsAtFill;
    S.status = status;
    S.fetched = fetched;
  }
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

