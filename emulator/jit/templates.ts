// JavaScript source templates for the TV32 instructions the translating engine compiles, one small
// template per instruction class, in the words of the interpreter's `case`s (emulator/cpu.ts) and
// isa/README.md. The translator (translator.ts) fills in the operand fields of one instruction
// word as literals.
//
// What must not change here: the JavaScript expression of every result is the interpreter's own
// (Int32Array stores wrap, `>>> 0` compares unsigned), so the two engines cannot disagree on a
// value. Nothing here allocates: the generated code only reads and writes typed arrays and the
// fast-path fields.

/** Opcodes of the instructions the engine translates (values from isa/table.ts, checked in cpu.ts). */
export const enum JOp {
  ADD = 0x01, SUB = 0x02, AND = 0x03, OR = 0x04, XOR = 0x05, SLL = 0x06, SRL = 0x07, SRA = 0x08,
  SLT = 0x09, SLTU = 0x0a, MUL = 0x0b, MULH = 0x0c, MULHU = 0x0d, DIV = 0x0e, DIVU = 0x0f, REM = 0x10,
  REMU = 0x11, ADDI = 0x12, ANDI = 0x13, ORI = 0x14, XORI = 0x15, SLTI = 0x16, SLTIU = 0x17,
  SLLI = 0x18, SRLI = 0x19, SRAI = 0x1a, LUI = 0x1b, AUIPC = 0x1c,
  LB = 0x20, LH = 0x21, LW = 0x22, LBU = 0x23, LHU = 0x24, SB = 0x25, SH = 0x26, SW = 0x27,
  BEQ = 0x28, BNE = 0x29, BLT = 0x2a, BGE = 0x2b, BLTU = 0x2c, BGEU = 0x2d, JAL = 0x30, JALR = 0x31,
}

/** Operand fields of one instruction, each a JavaScript expression (a literal or a variable). */
export interface Operands {
  rd: string;
  rs1: string;
  rs2: string;
  /** The sign-extended 18-bit immediate. */
  imm: string;
  /** The shift amount of the SH format (w & 31). */
  shamt: string;
  /** lui/auipc's shifted immediate ((w & 0x3fffff) << 10). */
  upper: string;
  /** The current pc (an unsigned 32-bit value). */
  pc: string;
}

/** Is this opcode one of the ALU instructions (register or immediate)? */
export function isAlu(op: number): boolean {
  return op >= JOp.ADD && op <= JOp.AUIPC;
}
export function isMemory(op: number): boolean {
  return op >= JOp.LB && op <= JOp.SW;
}
export function isBranch(op: number): boolean {
  return op >= JOp.BEQ && op <= JOp.BGEU;
}

/**
 * The value an ALU instruction writes to rd, as an expression. R is the register file
 * (Int32Array: the store wraps to 32 bits exactly as in the interpreter).
 */
export function aluValue(op: number, o: Operands): string {
  const a = `R[${o.rs1}]`, b = `R[${o.rs2}]`;
  switch (op) {
    case JOp.ADD: return `${a} + ${b}`;
    case JOp.SUB: return `${a} - ${b}`;
    case JOp.AND: return `${a} & ${b}`;
    case JOp.OR: return `${a} | ${b}`;
    case JOp.XOR: return `${a} ^ ${b}`;
    case JOp.SLL: return `((R[${o.rs2}] >>> 0) > 31 ? 0 : ${a} << (R[${o.rs2}] >>> 0))`;
    case JOp.SRL: return `((R[${o.rs2}] >>> 0) > 31 ? 0 : ${a} >>> (R[${o.rs2}] >>> 0))`;
    case JOp.SRA: return `${a} >> ((R[${o.rs2}] >>> 0) > 31 ? 31 : (R[${o.rs2}] >>> 0))`;
    case JOp.SLT: return `(${a} < ${b} ? 1 : 0)`;
    case JOp.SLTU: return `((${a} >>> 0) < (${b} >>> 0) ? 1 : 0)`;
    case JOp.MUL: return `Math.imul(${a}, ${b})`;
    case JOp.MULH: return `mulh(${a}, ${b})`;
    case JOp.MULHU: return `mulhu(${a} >>> 0, ${b} >>> 0)`;
    case JOp.DIV: return `div(${a}, ${b})`;
    case JOp.DIVU: return `divu(${a}, ${b})`;
    case JOp.REM: return `rem(${a}, ${b})`;
    case JOp.REMU: return `remu(${a}, ${b})`;
    case JOp.ADDI: return `${a} + ${o.imm}`;
    case JOp.ANDI: return `${a} & ${o.imm}`;
    case JOp.ORI: return `${a} | ${o.imm}`;
    case JOp.XORI: return `${a} ^ ${o.imm}`;
    case JOp.SLTI: return `(${a} < ${o.imm} ? 1 : 0)`;
    case JOp.SLTIU: return `((${a} >>> 0) < (${o.imm} >>> 0) ? 1 : 0)`;
    case JOp.SLLI: return `${a} << ${o.shamt}`;
    case JOp.SRLI: return `${a} >>> ${o.shamt}`;
    case JOp.SRAI: return `${a} >> ${o.shamt}`;
    case JOp.LUI: return `${o.upper}`;
    case JOp.AUIPC: return `${o.pc} + ${o.upper}`;
    default: throw new Error(`templates: opcode ${op} is not an ALU instruction`);
  }
}

/** A branch's condition (srcA in the rd position, srcB in rs1, as in the interpreter). */
export function branchCondition(op: number, o: Operands): string {
  const a = `R[${o.rd}]`, b = `R[${o.rs1}]`;
  switch (op) {
    case JOp.BEQ: return `${a} === ${b}`;
    case JOp.BNE: return `${a} !== ${b}`;
    case JOp.BLT: return `${a} < ${b}`;
    case JOp.BGE: return `${a} >= ${b}`;
    case JOp.BLTU: return `(${a} >>> 0) < (${b} >>> 0)`;
    case JOp.BGEU: return `(${a} >>> 0) >= (${b} >>> 0)`;
    default: throw new Error(`templates: opcode ${op} is not a branch`);
  }
}

/** The access of a load (an expression: the value read) or a store (a statement), at physical `pa`. */
export function loadValue(op: number, pa: string): string {
  switch (op) {
    case JOp.LB: return `i8[${pa}]`;
    case JOp.LH: return `i16[${pa} >>> 1]`;
    case JOp.LW: return `m32[${pa} >>> 2]`;
    case JOp.LBU: return `u8[${pa}]`;
    case JOp.LHU: return `u16[${pa} >>> 1]`;
    default: throw new Error(`templates: opcode ${op} is not a load`);
  }
}
export function storeStatement(op: number, pa: string, value: string): string {
  switch (op) {
    case JOp.SB: return `u8[${pa}] = ${value};`;
    case JOp.SH: return `u16[${pa} >>> 1] = ${value};`;
    case JOp.SW: return `m32[${pa} >>> 2] = ${value};`;
    default: throw new Error(`templates: opcode ${op} is not a store`);
  }
}

/** Bytes accessed by a load/store opcode. */
export function accessSize(op: number): number {
  return [1, 2, 4, 1, 2, 1, 2, 4][op - JOp.LB]!;
}

// ---- Runtime helpers the generated code calls (the interpreter's own arithmetic) ----

/** High 32 bits of an unsigned 32x32 product, without BigInt. */
export function mulhu(a: number, b: number): number {
  const aHi = a >>> 16, aLo = a & 0xffff, bHi = b >>> 16, bLo = b & 0xffff;
  const lo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) | 0;
}
/** High 32 bits of a signed 32x32 product. */
export function mulh(a: number, b: number): number {
  const hi = mulhu(a >>> 0, b >>> 0);
  return (hi - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}
export function div(a: number, b: number): number {
  return b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : (a / b) | 0;
}
export function divu(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? -1 : ((a >>> 0) / d) >>> 0;
}
export function rem(a: number, b: number): number {
  return b === 0 ? a : b === -1 ? 0 : a % b;
}
export function remu(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? a : (a >>> 0) % d;
}

