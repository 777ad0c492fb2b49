// The TV32 instruction table: the one list of instructions in vmmlab.
//
// Every instruction is a 32-bit word. Bits [31:26] are the major opcode, unique per instruction
// except for the SYS group, whose remaining bits are fixed too. Each format names the operand
// fields and where their bits live; every bit not in an operand field is a fixed bit given by
// `match` (the word must equal `match` under `mask`). The encoder, decoder, disassembler and
// assembler all read this table; `tests/isa/table.test.ts` checks it the way riscv-opcodes checks
// its own: all 32 bits covered, no bit assigned twice, no two encodings overlap.
//
// This file must not import anything from the emulator or the assembler.

/** An operand field: a bit range [hi:lo] in the instruction word. */
export interface FieldSpec {
  readonly hi: number;
  readonly lo: number;
  /** How the raw bits become an operand value. */
  readonly kind: 'reg' | 'simm' | 'uimm' | 'woff' | 'cr';
}

export const FIELDS = {
  op: { hi: 31, lo: 26, kind: 'uimm' },
  rd: { hi: 25, lo: 22, kind: 'reg' },
  rs1: { hi: 21, lo: 18, kind: 'reg' },
  rs2: { hi: 17, lo: 14, kind: 'reg' },
  imm18: { hi: 17, lo: 0, kind: 'simm' },
  shamt: { hi: 4, lo: 0, kind: 'uimm' },
  imm22: { hi: 21, lo: 0, kind: 'uimm' },
  // Stores and branches read two registers and write none: their first register sits where rd
  // sits in the other formats, so that every register field keeps one position per format.
  srcA: { hi: 25, lo: 22, kind: 'reg' },
  srcB: { hi: 21, lo: 18, kind: 'reg' },
  boff18: { hi: 17, lo: 0, kind: 'woff' },
  joff22: { hi: 21, lo: 0, kind: 'woff' },
  crn: { hi: 4, lo: 0, kind: 'cr' },
  code: { hi: 15, lo: 0, kind: 'uimm' },
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELDS;

/**
 * A format: the operand fields it decodes, in the order the assembler writes them.
 * `syntax` is how operands appear in assembly: `rd, rs1, rs2`, `rd, imm(rs1)` and so on.
 */
export interface FormatSpec {
  readonly fields: readonly FieldName[];
  readonly syntax: string;
}

export const FORMATS = {
  R: { fields: ['rd', 'rs1', 'rs2'], syntax: 'rd, rs1, rs2' },
  I: { fields: ['rd', 'rs1', 'imm18'], syntax: 'rd, rs1, imm18' },
  SH: { fields: ['rd', 'rs1', 'shamt'], syntax: 'rd, rs1, shamt' },
  L: { fields: ['rd', 'rs1', 'imm18'], syntax: 'rd, imm18(rs1)' },
  S: { fields: ['srcA', 'srcB', 'imm18'], syntax: 'srcA, imm18(srcB)' },
  B: { fields: ['srcA', 'srcB', 'boff18'], syntax: 'srcA, srcB, boff18' },
  U: { fields: ['rd', 'imm22'], syntax: 'rd, imm22' },
  J: { fields: ['rd', 'joff22'], syntax: 'rd, joff22' },
  JR: { fields: ['rd', 'rs1', 'imm18'], syntax: 'rd, imm18(rs1)' },
  MF: { fields: ['rd', 'crn'], syntax: 'rd, crn' },
  MT: { fields: ['crn', 'rs1'], syntax: 'crn, rs1' },
  XC: { fields: ['rd', 'crn', 'rs1'], syntax: 'rd, crn, rs1' },
  INV: { fields: ['rs1'], syntax: 'rs1' },
  CODE: { fields: ['code'], syntax: 'code' },
  NONE: { fields: [], syntax: '' },
} as const satisfies Record<string, FormatSpec>;

export type FormatName = keyof typeof FORMATS;

/** Instruction classes: the cycle model charges by class (see isa/README.md, "Cycle model"). */
export type InsnClass =
  | 'alu' | 'mul' | 'div' | 'load' | 'store' | 'branch' | 'jump' | 'system' | 'cr';

export interface InsnSpec {
  readonly mnemonic: string;
  readonly format: FormatName;
  /** Major opcode, bits [31:26]. */
  readonly opcode: number;
  /** Fixed bits below the opcode (SYS group only); 0 elsewhere. */
  readonly funct?: number;
  readonly cls: InsnClass;
  /** Base cost in cycles, before memory-access cost. */
  readonly cycles: number;
  /** Traps with PRIVILEGED_INSTRUCTION when executed in user mode. */
  readonly privileged?: boolean;
  /** One line of semantics, as the ISA manual states it. */
  readonly summary: string;
}

const OP_SYS = 0x3e;

/**
 * The instructions. Opcode 0x00 and 0x3f are reserved and always illegal, so that zero-filled
 * memory and all-ones words trap instead of executing.
 */
export const INSTRUCTIONS: readonly InsnSpec[] = [
  // ALU register-register
  { mnemonic: 'add', format: 'R', opcode: 0x01, cls: 'alu', cycles: 1, summary: 'rd = rs1 + rs2 (wraps modulo 2^32)' },
  { mnemonic: 'sub', format: 'R', opcode: 0x02, cls: 'alu', cycles: 1, summary: 'rd = rs1 - rs2 (wraps modulo 2^32)' },
  { mnemonic: 'and', format: 'R', opcode: 0x03, cls: 'alu', cycles: 1, summary: 'rd = rs1 & rs2' },
  { mnemonic: 'or', format: 'R', opcode: 0x04, cls: 'alu', cycles: 1, summary: 'rd = rs1 | rs2' },
  { mnemonic: 'xor', format: 'R', opcode: 0x05, cls: 'alu', cycles: 1, summary: 'rd = rs1 ^ rs2' },
  { mnemonic: 'sll', format: 'R', opcode: 0x06, cls: 'alu', cycles: 1, summary: 'rd = rs1 << rs2; a shift of 32 or more gives 0' },
  { mnemonic: 'srl', format: 'R', opcode: 0x07, cls: 'alu', cycles: 1, summary: 'rd = rs1 >>> rs2 (logical); a shift of 32 or more gives 0' },
  { mnemonic: 'sra', format: 'R', opcode: 0x08, cls: 'alu', cycles: 1, summary: 'rd = rs1 >> rs2 (arithmetic); a shift of 32 or more fills with the sign bit' },
  { mnemonic: 'slt', format: 'R', opcode: 0x09, cls: 'alu', cycles: 1, summary: 'rd = (rs1 < rs2, signed) ? 1 : 0' },
  { mnemonic: 'sltu', format: 'R', opcode: 0x0a, cls: 'alu', cycles: 1, summary: 'rd = (rs1 < rs2, unsigned) ? 1 : 0' },
  { mnemonic: 'mul', format: 'R', opcode: 0x0b, cls: 'mul', cycles: 3, summary: 'rd = low 32 bits of rs1 * rs2' },
  { mnemonic: 'mulh', format: 'R', opcode: 0x0c, cls: 'mul', cycles: 3, summary: 'rd = high 32 bits of signed rs1 * signed rs2' },
  { mnemonic: 'mulhu', format: 'R', opcode: 0x0d, cls: 'mul', cycles: 3, summary: 'rd = high 32 bits of unsigned rs1 * unsigned rs2' },
  { mnemonic: 'div', format: 'R', opcode: 0x0e, cls: 'div', cycles: 20, summary: 'rd = rs1 / rs2 signed, toward zero; /0 gives -1; -2^31 / -1 gives -2^31' },
  { mnemonic: 'divu', format: 'R', opcode: 0x0f, cls: 'div', cycles: 20, summary: 'rd = rs1 / rs2 unsigned; /0 gives 0xffffffff' },
  { mnemonic: 'rem', format: 'R', opcode: 0x10, cls: 'div', cycles: 20, summary: 'rd = rs1 % rs2 signed (sign of rs1); %0 gives rs1; -2^31 % -1 gives 0' },
  { mnemonic: 'remu', format: 'R', opcode: 0x11, cls: 'div', cycles: 20, summary: 'rd = rs1 % rs2 unsigned; %0 gives rs1' },

  // ALU register-immediate (imm18 is sign-extended)
  { mnemonic: 'addi', format: 'I', opcode: 0x12, cls: 'alu', cycles: 1, summary: 'rd = rs1 + sext(imm18)' },
  { mnemonic: 'andi', format: 'I', opcode: 0x13, cls: 'alu', cycles: 1, summary: 'rd = rs1 & sext(imm18)' },
  { mnemonic: 'ori', format: 'I', opcode: 0x14, cls: 'alu', cycles: 1, summary: 'rd = rs1 | sext(imm18)' },
  { mnemonic: 'xori', format: 'I', opcode: 0x15, cls: 'alu', cycles: 1, summary: 'rd = rs1 ^ sext(imm18)' },
  { mnemonic: 'slti', format: 'I', opcode: 0x16, cls: 'alu', cycles: 1, summary: 'rd = (rs1 < sext(imm18), signed) ? 1 : 0' },
  { mnemonic: 'sltiu', format: 'I', opcode: 0x17, cls: 'alu', cycles: 1, summary: 'rd = (rs1 < sext(imm18), unsigned) ? 1 : 0' },
  { mnemonic: 'slli', format: 'SH', opcode: 0x18, cls: 'alu', cycles: 1, summary: 'rd = rs1 << shamt' },
  { mnemonic: 'srli', format: 'SH', opcode: 0x19, cls: 'alu', cycles: 1, summary: 'rd = rs1 >>> shamt' },
  { mnemonic: 'srai', format: 'SH', opcode: 0x1a, cls: 'alu', cycles: 1, summary: 'rd = rs1 >> shamt (arithmetic)' },
  { mnemonic: 'lui', format: 'U', opcode: 0x1b, cls: 'alu', cycles: 1, summary: 'rd = imm22 << 10' },
  { mnemonic: 'auipc', format: 'U', opcode: 0x1c, cls: 'alu', cycles: 1, summary: 'rd = pc + (imm22 << 10)' },

  // Loads and stores: address = rs1 + sext(imm18); halves and words must be aligned
  { mnemonic: 'lb', format: 'L', opcode: 0x20, cls: 'load', cycles: 1, summary: 'rd = sext(mem8[rs1 + imm])' },
  { mnemonic: 'lh', format: 'L', opcode: 0x21, cls: 'load', cycles: 1, summary: 'rd = sext(mem16[rs1 + imm])' },
  { mnemonic: 'lw', format: 'L', opcode: 0x22, cls: 'load', cycles: 1, summary: 'rd = mem32[rs1 + imm]' },
  { mnemonic: 'lbu', format: 'L', opcode: 0x23, cls: 'load', cycles: 1, summary: 'rd = zext(mem8[rs1 + imm])' },
  { mnemonic: 'lhu', format: 'L', opcode: 0x24, cls: 'load', cycles: 1, summary: 'rd = zext(mem16[rs1 + imm])' },
  { mnemonic: 'sb', format: 'S', opcode: 0x25, cls: 'store', cycles: 1, summary: 'mem8[rs1 + imm] = low 8 bits of rs2' },
  { mnemonic: 'sh', format: 'S', opcode: 0x26, cls: 'store', cycles: 1, summary: 'mem16[rs1 + imm] = low 16 bits of rs2' },
  { mnemonic: 'sw', format: 'S', opcode: 0x27, cls: 'store', cycles: 1, summary: 'mem32[rs1 + imm] = rs2' },

  // Branches: target = pc + 4 * sext(boff18)
  { mnemonic: 'beq', format: 'B', opcode: 0x28, cls: 'branch', cycles: 1, summary: 'if rs1 == rs2: pc = pc + 4 * off' },
  { mnemonic: 'bne', format: 'B', opcode: 0x29, cls: 'branch', cycles: 1, summary: 'if rs1 != rs2: pc = pc + 4 * off' },
  { mnemonic: 'blt', format: 'B', opcode: 0x2a, cls: 'branch', cycles: 1, summary: 'if rs1 < rs2 (signed): pc = pc + 4 * off' },
  { mnemonic: 'bge', format: 'B', opcode: 0x2b, cls: 'branch', cycles: 1, summary: 'if rs1 >= rs2 (signed): pc = pc + 4 * off' },
  { mnemonic: 'bltu', format: 'B', opcode: 0x2c, cls: 'branch', cycles: 1, summary: 'if rs1 < rs2 (unsigned): pc = pc + 4 * off' },
  { mnemonic: 'bgeu', format: 'B', opcode: 0x2d, cls: 'branch', cycles: 1, summary: 'if rs1 >= rs2 (unsigned): pc = pc + 4 * off' },

  // Jumps
  { mnemonic: 'jal', format: 'J', opcode: 0x30, cls: 'jump', cycles: 1, summary: 'rd = pc + 4; pc = pc + 4 * sext(joff22)' },
  { mnemonic: 'jalr', format: 'JR', opcode: 0x31, cls: 'jump', cycles: 1, summary: 'rd = pc + 4; pc = (rs1 + sext(imm18)) & ~3' },

  // Control registers and the MMU (privileged)
  { mnemonic: 'mfcr', format: 'MF', opcode: 0x38, cls: 'cr', cycles: 1, privileged: true, summary: 'rd = CR[crn] (CYCLE, INSTRET and their high halves are readable in user mode)' },
  { mnemonic: 'mtcr', format: 'MT', opcode: 0x39, cls: 'cr', cycles: 1, privileged: true, summary: 'CR[crn] = rs1 (read-only registers ignore the write)' },
  { mnemonic: 'mxcr', format: 'XC', opcode: 0x3b, cls: 'cr', cycles: 1, privileged: true, summary: 'exchange: rd = old CR[crn]; CR[crn] = rs1 (rd may equal rs1: `mxcr sp, scratch, sp` swaps)' },
  { mnemonic: 'invlpg', format: 'INV', opcode: 0x3a, cls: 'system', cycles: 2, privileged: true, summary: 'drop every TLB entry that maps the page holding virtual address rs1, in every ASID' },

  // The SYS group: opcode 0x3e, the low bits select the instruction
  { mnemonic: 'syscall', format: 'NONE', opcode: OP_SYS, funct: 0x0000000, cls: 'system', cycles: 1, summary: 'trap with cause SYSCALL; EPC = pc of the syscall' },
  { mnemonic: 'break', format: 'NONE', opcode: OP_SYS, funct: 0x0000001, cls: 'system', cycles: 1, summary: 'trap with cause BREAKPOINT; EPC = pc of the break' },
  { mnemonic: 'eret', format: 'NONE', opcode: OP_SYS, funct: 0x0000002, cls: 'system', cycles: 1, privileged: true, summary: 'return from trap: pc = EPC; MODE = PMODE; IE = PIE' },
  { mnemonic: 'wfi', format: 'NONE', opcode: OP_SYS, funct: 0x0000003, cls: 'system', cycles: 1, privileged: true, summary: 'wait until an interrupt is pending' },
  { mnemonic: 'tlbflush', format: 'NONE', opcode: OP_SYS, funct: 0x0000004, cls: 'system', cycles: 2, privileged: true, summary: 'drop every TLB entry, Global ones included' },
  { mnemonic: 'hcall', format: 'CODE', opcode: OP_SYS, funct: 0x0010000, cls: 'system', cycles: 1, privileged: true, summary: 'hypercall: VM exit with the code (illegal instruction on bare metal)' },
];

/** A pseudo-instruction: one assembly form that expands into real instructions. */
export interface PseudoSpec {
  readonly mnemonic: string;
  /** Operand syntax, using the names below in `expansion`. */
  readonly syntax: string;
  /**
   * The expansion, one instruction per line. `%hi(x)`/`%lo(x)` split a 32-bit value so that
   * `lui r, %hi(x)` then `addi r, r, %lo(x)` rebuilds it. The assembler shortens `li` to one
   * `addi` when the value is a constant (no labels) that fits 18 signed bits; `la` is always two.
   */
  readonly expansion: readonly string[];
  readonly summary: string;
}

export const PSEUDOS: readonly PseudoSpec[] = [
  { mnemonic: 'nop', syntax: '', expansion: ['addi zero, zero, 0'], summary: 'do nothing' },
  { mnemonic: 'li', syntax: 'rd, value', expansion: ['lui rd, %hi(value)', 'addi rd, rd, %lo(value)'], summary: 'rd = any 32-bit constant' },
  { mnemonic: 'la', syntax: 'rd, symbol', expansion: ['lui rd, %hi(symbol)', 'addi rd, rd, %lo(symbol)'], summary: 'rd = address of symbol' },
  { mnemonic: 'mv', syntax: 'rd, rs', expansion: ['addi rd, rs, 0'], summary: 'rd = rs' },
  { mnemonic: 'not', syntax: 'rd, rs', expansion: ['xori rd, rs, -1'], summary: 'rd = ~rs' },
  { mnemonic: 'neg', syntax: 'rd, rs', expansion: ['sub rd, zero, rs'], summary: 'rd = -rs' },
  { mnemonic: 'seqz', syntax: 'rd, rs', expansion: ['sltiu rd, rs, 1'], summary: 'rd = (rs == 0)' },
  { mnemonic: 'snez', syntax: 'rd, rs', expansion: ['sltu rd, zero, rs'], summary: 'rd = (rs != 0)' },
  { mnemonic: 'j', syntax: 'target', expansion: ['jal zero, target'], summary: 'jump' },
  { mnemonic: 'jr', syntax: 'rs', expansion: ['jalr zero, 0(rs)'], summary: 'jump to the address in rs' },
  { mnemonic: 'call', syntax: 'target', expansion: ['jal ra, target'], summary: 'call a routine; ra = return address' },
  { mnemonic: 'ret', syntax: '', expansion: ['jalr zero, 0(ra)'], summary: 'return from a routine' },
  { mnemonic: 'beqz', syntax: 'rs, target', expansion: ['beq rs, zero, target'], summary: 'branch if rs == 0' },
  { mnemonic: 'bnez', syntax: 'rs, target', expansion: ['bne rs, zero, target'], summary: 'branch if rs != 0' },
  { mnemonic: 'bgt', syntax: 'rs, rt, target', expansion: ['blt rt, rs, target'], summary: 'branch if rs > rt (signed)' },
  { mnemonic: 'ble', syntax: 'rs, rt, target', expansion: ['bge rt, rs, target'], summary: 'branch if rs <= rt (signed)' },
  { mnemonic: 'bgtu', syntax: 'rs, rt, target', expansion: ['bltu rt, rs, target'], summary: 'branch if rs > rt (unsigned)' },
  { mnemonic: 'bleu', syntax: 'rs, rt, target', expansion: ['bgeu rt, rs, target'], summary: 'branch if rs <= rt (unsigned)' },
  { mnemonic: 'push', syntax: 'rs', expansion: ['addi sp, sp, -4', 'sw rs, 0(sp)'], summary: 'push rs on the stack' },
  { mnemonic: 'pop', syntax: 'rd', expansion: ['lw rd, 0(sp)', 'addi sp, sp, 4'], summary: 'pop the stack into rd' },
];

/** Register names: rN, and the ABI names. */
export const REGISTER_ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 's0', 's1', 's2', 's3',
];

/** Maps `r0`..`r15` and the ABI names to register numbers (`fp` is an alias of `s0`). */
export const REGISTER_NUMBERS: ReadonlyMap<string, number> = new Map([
  ...REGISTER_ABI_NAMES.map((name, i) => [name, i] as const),
  ...REGISTER_ABI_NAMES.map((_, i) => [`r${i}`, i] as const),
  ['fp', 12] as const,
]);
