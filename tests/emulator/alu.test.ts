// ALU, multiply/divide and upper-immediate instructions (isa/README.md sections 3.1–3.3), as
// numbered cases in the manner of riscv-tests' TEST_RR_OP / TEST_IMM_OP: a failure names its
// case. Every case runs with paging off, under 4 KiB pages and under superpages (STYLE.md
// lesson 8); the results must not depend on the environment.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENVS, hex, insn, runSnippet, wordsImage } from './harness.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';

/** [case, mnemonic, result, rs1, rs2] */
type RrCase = readonly [number, string, number, number, number];

const RR_CASES: readonly RrCase[] = [
  // add: wraps modulo 2^32
  [2, 'add', 0x00000000, 0x00000000, 0x00000000],
  [3, 'add', 0x00000002, 0x00000001, 0x00000001],
  [4, 'add', 0x0000000a, 0x00000003, 0x00000007],
  [5, 'add', 0xffff8000, 0x00000000, 0xffff8000],
  [6, 'add', 0x80000000, 0x7fffffff, 0x00000001],
  [7, 'add', 0x00000000, 0xffffffff, 0x00000001],
  [8, 'add', 0x00000000, 0x80000000, 0x80000000],
  [9, 'add', 0x7ffffffe, 0xffffffff, 0x7fffffff],
  // sub
  [10, 'sub', 0x00000000, 0x00000000, 0x00000000],
  [11, 'sub', 0x00000000, 0x00000001, 0x00000001],
  [12, 'sub', 0xfffffffc, 0x00000003, 0x00000007],
  [13, 'sub', 0x7fffffff, 0x80000000, 0x00000001],
  [14, 'sub', 0xffffffff, 0x00000000, 0x00000001],
  [15, 'sub', 0x80000000, 0x00000000, 0x80000000],
  [16, 'sub', 0x80000001, 0x00000000, 0x7fffffff],
  // and / or / xor
  [17, 'and', 0x0f000f00, 0xff00ff00, 0x0f0f0f0f],
  [18, 'and', 0x00f000f0, 0x0ff00ff0, 0xf0f0f0f0],
  [19, 'and', 0x000f000f, 0x00ff00ff, 0x0f0f0f0f],
  [20, 'and', 0xf000f000, 0xf00ff00f, 0xf0f0f0f0],
  [21, 'or', 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f],
  [22, 'or', 0xfff0fff0, 0x0ff00ff0, 0xf0f0f0f0],
  [23, 'or', 0x0fff0fff, 0x00ff00ff, 0x0f0f0f0f],
  [24, 'or', 0xf0fff0ff, 0xf00ff00f, 0xf0f0f0f0],
  [25, 'xor', 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f],
  [26, 'xor', 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0],
  [27, 'xor', 0x0ff00ff0, 0x00ff00ff, 0x0f0f0f0f],
  [28, 'xor', 0x00ff00ff, 0xf00ff00f, 0xf0f0f0f0],
  // sll: the whole register is the shift amount; 32 and up give 0 (section 3.1)
  [29, 'sll', 0x00000001, 0x00000001, 0],
  [30, 'sll', 0x00000002, 0x00000001, 1],
  [31, 'sll', 0x80000000, 0x00000001, 31],
  [32, 'sll', 0x80000000, 0xffffffff, 31],
  [33, 'sll', 0x48484000, 0x21212121, 14],
  [34, 'sll', 0x00000000, 0x21212121, 32],
  [35, 'sll', 0x00000000, 0x21212121, 33],
  [36, 'sll', 0x00000000, 0xffffffff, 0xffffffff],
  [37, 'sll', 0x00000000, 0x00000001, 0x80000000],
  [38, 'sll', 0x00000000, 0x00000001, 0x00000040],
  // srl
  [39, 'srl', 0x80000000, 0x80000000, 0],
  [40, 'srl', 0x40000000, 0x80000000, 1],
  [41, 'srl', 0x00000001, 0x80000000, 31],
  [42, 'srl', 0x00000001, 0xffffffff, 31],
  [43, 'srl', 0x00020606, 0x81818181, 14],
  [44, 'srl', 0x00000000, 0xffffffff, 32],
  [45, 'srl', 0x00000000, 0xffffffff, 33],
  [46, 'srl', 0x00000000, 0xffffffff, 0xffffffff],
  // sra: 32 and up fill with the sign bit
  [47, 'sra', 0x80000000, 0x80000000, 0],
  [48, 'sra', 0xc0000000, 0x80000000, 1],
  [49, 'sra', 0xffffffff, 0x80000000, 31],
  [50, 'sra', 0xfffe0606, 0x81818181, 14],
  [51, 'sra', 0x00000000, 0x7fffffff, 31],
  [52, 'sra', 0xffffffff, 0x80000000, 32],
  [53, 'sra', 0xffffffff, 0x81818181, 33],
  [54, 'sra', 0xffffffff, 0x81818181, 0xffffffff],
  [55, 'sra', 0x00000000, 0x7fffffff, 32],
  [56, 'sra', 0x00000000, 0x7fffffff, 0xffffffff],
  [57, 'sra', 0x00000000, 0x00000001, 0x80000000],
  // slt (signed) / sltu (unsigned)
  [58, 'slt', 0, 0x00000000, 0x00000000],
  [59, 'slt', 0, 0x00000001, 0x00000001],
  [60, 'slt', 1, 0x00000003, 0x00000007],
  [61, 'slt', 0, 0x00000007, 0x00000003],
  [62, 'slt', 1, 0x80000000, 0x00000000],
  [63, 'slt', 0, 0x00000000, 0x80000000],
  [64, 'slt', 1, 0x80000000, 0x7fffffff],
  [65, 'slt', 0, 0x7fffffff, 0x80000000],
  [66, 'slt', 1, 0xffffffff, 0x00000000],
  [67, 'slt', 1, 0xfffffffe, 0xffffffff],
  [68, 'sltu', 0, 0x00000000, 0x00000000],
  [69, 'sltu', 1, 0x00000000, 0x00000001],
  [70, 'sltu', 0, 0xffffffff, 0x00000000],
  [71, 'sltu', 1, 0x00000000, 0xffffffff],
  [72, 'sltu', 1, 0x7fffffff, 0x80000000],
  [73, 'sltu', 0, 0x80000000, 0x7fffffff],
  [74, 'sltu', 1, 0xfffffffe, 0xffffffff],
  [75, 'sltu', 0, 0xffffffff, 0xffffffff],
  // mul / mulh / mulhu
  [76, 'mul', 0x00000000, 0x00000000, 0x00000000],
  [77, 'mul', 0x00000015, 0x00000003, 0x00000007],
  [78, 'mul', 0x00000000, 0xffff8000, 0x80000000],
  [79, 'mul', 0x80000000, 0x80000000, 0xffffffff],
  [80, 'mul', 0x00000001, 0xffffffff, 0xffffffff],
  [81, 'mul', 0x0000ff7f, 0xaaaaaaab, 0x0002fe7d],
  [82, 'mul', 0x00001200, 0x00007e00, 0xb6db6db7],
  [83, 'mulh', 0x00000000, 0x00000000, 0x00000000],
  [84, 'mulh', 0x00000000, 0xffffffff, 0xffffffff],
  [85, 'mulh', 0x40000000, 0x80000000, 0x80000000],
  [86, 'mulh', 0xc0000000, 0x80000000, 0x7fffffff],
  [87, 'mulh', 0xffffffff, 0xffffffff, 0x00000001],
  [88, 'mulh', 0x00000000, 0x80000000, 0x00000000],
  [89, 'mulhu', 0x00000000, 0x00000000, 0x00000000],
  [90, 'mulhu', 0xfffffffe, 0xffffffff, 0xffffffff],
  [91, 'mulhu', 0x40000000, 0x80000000, 0x80000000],
  [92, 'mulhu', 0x00000000, 0xffffffff, 0x00000001],
  [93, 'mulhu', 0x00000001, 0x80000000, 0x00000002],
  // div / divu / rem / remu, with the special cases of section 3.2
  [94, 'div', 3, 20, 6],
  [95, 'div', 0xfffffffd, -20, 6],
  [96, 'div', 0xfffffffd, 20, -6],
  [97, 'div', 3, -20, -6],
  [98, 'div', 0x80000000, 0x80000000, 1],
  [99, 'div', 0x80000000, 0x80000000, 0xffffffff],
  [100, 'div', 0xffffffff, 0x80000000, 0],
  [101, 'div', 0xffffffff, 1, 0],
  [102, 'div', 0xffffffff, 0, 0],
  [103, 'divu', 3, 20, 6],
  [104, 'divu', 0x2aaaaaa7, -20, 6],
  [105, 'divu', 0, 20, -6],
  [106, 'divu', 0, 0x80000000, 0xffffffff],
  [107, 'divu', 0xffffffff, 0x80000000, 0],
  [108, 'divu', 0xffffffff, 1, 0],
  [109, 'divu', 0xffffffff, 0, 0],
  [110, 'rem', 2, 20, 6],
  [111, 'rem', 0xfffffffe, -20, 6],
  [112, 'rem', 2, 20, -6],
  [113, 'rem', 0xfffffffe, -20, -6],
  [114, 'rem', 0, 0x80000000, 1],
  [115, 'rem', 0, 0x80000000, 0xffffffff],
  [116, 'rem', 0x80000000, 0x80000000, 0],
  [117, 'rem', 1, 1, 0],
  [118, 'rem', 0xfffffff6, -10, 0],
  [119, 'rem', 0, 0, 0],
  [120, 'remu', 2, 20, 6],
  [121, 'remu', 2, -20, 6],
  [122, 'remu', 20, 20, -6],
  [123, 'remu', 0x80000000, 0x80000000, 0xffffffff],
  [124, 'remu', 0x80000000, 0x80000000, 0],
  [125, 'remu', 0xfffffff6, -10, 0],
  [126, 'remu', 0, 0, 0],
];

/** [case, mnemonic, result, rs1, imm] */
type ImmCase = readonly [number, string, number, number, number];

const IMM_CASES: readonly ImmCase[] = [
  // addi: imm18 sign-extended, -131072..131071
  [2, 'addi', 0x00000000, 0x00000000, 0],
  [3, 'addi', 0x00000002, 0x00000001, 1],
  [4, 'addi', 0x0000000a, 0x00000003, 7],
  [5, 'addi', 0xfffe0000, 0x00000000, -131072],
  [6, 'addi', 0x0001ffff, 0x00000000, 131071],
  [7, 'addi', 0x80000000, 0x7fffffff, 1],
  [8, 'addi', 0x7fffffff, 0x80000000, -1],
  [9, 'addi', 0x00000000, 0xffffffff, 1],
  // andi / ori / xori: sign-extended too (unlike MIPS)
  [10, 'andi', 0xff00ff0c, 0xff00ff0f, -4],
  [11, 'andi', 0x00005678, 0x12345678, 0x1ffff],
  [12, 'andi', 0x12340000, 0x12345678, -131072],
  [13, 'andi', 0x00000000, 0xffffffff, 0],
  [14, 'ori', 0xffffffff, 0x00000000, -1],
  [15, 'ori', 0x12345678, 0x12340000, 0x5678],
  [16, 'ori', 0xffffff00, 0xff00ff00, -256],
  [17, 'xori', 0xff00f0ff, 0x00ff0f00, -1],
  [18, 'xori', 0x00ff0ff0, 0x00ff08ff, 0x70f],
  [19, 'xori', 0xfffe0001, 0x00000001, -131072],
  // slti / sltiu: sltiu compares against sext(imm) read as unsigned
  [20, 'slti', 0, 0x00000000, 0],
  [21, 'slti', 0, 0x00000001, 1],
  [22, 'slti', 1, 0x00000003, 7],
  [23, 'slti', 1, 0x80000000, -131072],
  [24, 'slti', 0, 0x00000000, -1],
  [25, 'slti', 1, 0xffffffff, 0],
  [26, 'slti', 0, 0x7fffffff, 131071],
  [27, 'slti', 0, 0xfffe0000, -131072],
  [28, 'slti', 1, 0xfffdffff, -131072],
  [29, 'sltiu', 1, 0x00000000, 1],
  [30, 'sltiu', 0, 0x00000001, 1],
  [31, 'sltiu', 1, 0x7fffffff, -1],
  [32, 'sltiu', 1, 0xfffffffe, -1],
  [33, 'sltiu', 0, 0xffffffff, -1],
  [34, 'sltiu', 1, 0x80000000, -131072],
  [35, 'sltiu', 0, 0xffff0000, -131072],
  [36, 'sltiu', 0, 0x00000005, 3],
  // slli / srli / srai: shamt 0..31
  [37, 'slli', 0x00000001, 0x00000001, 0],
  [38, 'slli', 0x00000002, 0x00000001, 1],
  [39, 'slli', 0x80000000, 0x00000001, 31],
  [40, 'slli', 0x80000000, 0xffffffff, 31],
  [41, 'slli', 0x90909080, 0x21212121, 7],
  [42, 'srli', 0x80000000, 0x80000000, 0],
  [43, 'srli', 0x40000000, 0x80000000, 1],
  [44, 'srli', 0x01030303, 0x81818181, 7],
  [45, 'srli', 0x00000001, 0xffffffff, 31],
  [46, 'srai', 0x80000000, 0x80000000, 0],
  [47, 'srai', 0xc0000000, 0x80000000, 1],
  [48, 'srai', 0xff030303, 0x81818181, 7],
  [49, 'srai', 0xffffffff, 0x80000000, 31],
  [50, 'srai', 0x00000000, 0x7fffffff, 31],
  [51, 'srai', 0xc0c0c0c0, 0x81818181, 1],
];

describe.each(ENVS)('register-register ALU, %s', (env) => {
  it.each(RR_CASES)('TEST_RR_OP(%i, %s)', (_n, op, result, a, b) => {
    const r = runSnippet(`${op} a0, a1, a2`, { env, regs: { a1: a, a2: b } });
    expect(r.ended).toBe('done');
    expect(hex(r.reg('a0'))).toBe(hex(result));
    // The sources are untouched.
    expect(hex(r.reg('a1'))).toBe(hex(a));
    expect(hex(r.reg('a2'))).toBe(hex(b));
  });
});

describe.each(ENVS)('register-immediate ALU, %s', (env) => {
  it.each(IMM_CASES)('TEST_IMM_OP(%i, %s)', (_n, op, result, a, imm) => {
    const r = runSnippet(`${op} a0, a1, ${imm}`, { env, regs: { a1: a } });
    expect(r.ended).toBe('done');
    expect(hex(r.reg('a0'))).toBe(hex(result));
  });
});

describe('source and destination registers', () => {
  // riscv-tests' TEST_RR_SRC1_EQ_DEST, TEST_RR_SRC2_EQ_DEST, TEST_RR_SRC12_EQ_DEST
  it.each([
    [2, 'add a1, a1, a2', { a1: 13, a2: 11 }, 'a1', 24],
    [3, 'add a2, a1, a2', { a1: 14, a2: 11 }, 'a2', 25],
    [4, 'add a1, a1, a1', { a1: 13 }, 'a1', 26],
    [5, 'sub a1, a1, a2', { a1: 13, a2: 11 }, 'a1', 2],
    [6, 'sll a1, a1, a1', { a1: 3 }, 'a1', 24],
    [7, 'div a2, a1, a2', { a1: 100, a2: 7 }, 'a2', 14],
    [8, 'mulhu a1, a1, a1', { a1: 0x80000000 }, 'a1', 0x40000000],
    [9, 'addi a1, a1, -1', { a1: 0 }, 'a1', 0xffffffff],
  ] as const)('case %i: %s', (_n, text, regs, dest, result) => {
    const r = runSnippet(text, { regs });
    expect(hex(r.reg(dest))).toBe(hex(result));
  });
});

describe.each(ENVS)('lui and auipc, %s', (env) => {
  it.each([
    [2, 0, 0x00000000],
    [3, 1, 0x00000400],
    [4, 0x48d16, 0x12345800],
    [5, 0x3fffff, 0xfffffc00],
    [6, 0x200000, 0x80000000],
  ])('case %i: lui a0, %i', (_n, imm, result) => {
    const r = runSnippet(`lui a0, ${imm}`, { env });
    expect(hex(r.reg('a0'))).toBe(hex(result));
  });

  it.each([
    [7, 0, 0],
    [8, 1, 0x400],
    [9, 0x48d16, 0x12345800],
    // pc + 0xfffffc00 wraps modulo 2^32
    [10, 0x3fffff, 0xfffffc00],
  ])('case %i: auipc a0, %i adds to its own address', (_n, imm, offset) => {
    const r = runSnippet(`nop\nnop\nhere: auipc a0, ${imm}`, { env });
    expect(hex(r.reg('a0'))).toBe(hex(r.symbol('here') + offset));
  });

  it('case 11: li builds every constant with lui + addi (%hi/%lo)', () => {
    const values = [0x12345678, 0xfffffe00, 0x000001ff, 0x80000000, 0x7fffffff, 0xdeadbeef, 0x00020000];
    const body = values.map((v, i) => `li r${i + 3}, ${v}`).join('\n');
    const r = runSnippet(body, { env });
    values.forEach((v, i) => expect(hex(r.reg(i + 3)), hex(v)).toBe(hex(v)));
  });
});

describe('writes to r0 are ignored', () => {
  // Every instruction that writes rd, with rd = zero: afterwards `mv a0, zero` must still read 0.
  // a1 and a2 hold values that would make each result non-zero; a3 points at a non-zero word.
  const CASES: readonly (readonly [number, string])[] = [
    [2, 'add zero, a1, a2'], [3, 'sub zero, a1, a2'], [4, 'and zero, a1, a1'], [5, 'or zero, a1, a2'],
    [6, 'xor zero, a1, a2'], [7, 'sll zero, a1, a2'], [8, 'srl zero, a1, a2'], [9, 'sra zero, a1, a2'],
    [10, 'slt zero, a2, a1'], [11, 'sltu zero, a2, a1'], [12, 'mul zero, a1, a2'], [13, 'mulh zero, a1, a1'],
    [14, 'mulhu zero, a1, a1'], [15, 'div zero, a1, a2'], [16, 'divu zero, a1, a2'], [17, 'rem zero, a1, a2'],
    [18, 'remu zero, a1, a2'], [19, 'addi zero, a1, 1'], [20, 'andi zero, a1, -1'], [21, 'ori zero, a1, 1'],
    [22, 'xori zero, a1, 1'], [23, 'slti zero, a2, 100'], [24, 'sltiu zero, a2, 100'], [25, 'slli zero, a1, 1'],
    [26, 'srli zero, a1, 1'], [27, 'srai zero, a1, 1'], [28, 'lui zero, 0x12345'], [29, 'auipc zero, 1'],
    [30, 'lb zero, 0(a3)'], [31, 'lh zero, 0(a3)'], [32, 'lw zero, 0(a3)'], [33, 'lbu zero, 0(a3)'],
    [34, 'lhu zero, 0(a3)'], [35, 'jal zero, 1f\n1:'], [36, 'la t0, 1f\n jalr zero, 0(t0)\n1:'],
    [37, 'mfcr zero, status'], [38, 'mfcr zero, cycle'], [39, 'mxcr zero, scratch, a1'],
  ];
  describe.each(ENVS)('%s', (env) => {
    it.each(CASES)('case %i: %s', (_n, text) => {
      const r = runSnippet(`${text}\n mv a0, zero\n add t3, zero, zero`, {
        env,
        regs: { a0: 0x55, a1: 0x12345678, a2: 3, a3: 0x3000, t3: 0x66 },
        data: '.org 0x3000\n .word 0x9abcdef1',
      });
      expect(r.ended).toBe('done');
      expect(r.reg('a0')).toBe(0);
      expect(r.reg('t3')).toBe(0);
      expect(r.machine.cpu.regs[0]).toBe(0);
    });
  });

  it('case 40: mxcr with rd = zero still writes the control register', () => {
    const r = runSnippet('mxcr zero, scratch, a1', { regs: { a1: 0x1234 } });
    expect(r.cr('SCRATCH')).toBe(0x1234);
  });
});

// Reference semantics in BigInt, for random operands.
const S = (x: number): bigint => BigInt(x | 0);
const U = (x: number): bigint => BigInt(x >>> 0);
const low32 = (x: bigint): number => Number(BigInt.asUintN(32, x));
const REFERENCE: Record<string, (a: number, b: number) => number> = {
  mul: (a, b) => low32(S(a) * S(b)),
  mulh: (a, b) => low32((S(a) * S(b)) >> 32n),
  mulhu: (a, b) => low32((U(a) * U(b)) >> 32n),
  div: (a, b) => ((b | 0) === 0 ? 0xffffffff : (a | 0) === -0x80000000 && (b | 0) === -1 ? 0x80000000 : low32(S(a) / S(b))),
  divu: (a, b) => ((b >>> 0) === 0 ? 0xffffffff : low32(U(a) / U(b))),
  rem: (a, b) => ((b | 0) === 0 ? a >>> 0 : (a | 0) === -0x80000000 && (b | 0) === -1 ? 0 : low32(S(a) % S(b))),
  remu: (a, b) => ((b >>> 0) === 0 ? a >>> 0 : low32(U(a) % U(b))),
};

describe('multiply and divide against BigInt (fast-check)', () => {
  // One machine runs a block of the seven instructions; operands are poked into registers
  // and the block is re-run, so a few hundred pairs cost milliseconds.
  const ops = Object.keys(REFERENCE);
  const words = [
    ...ops.map((op, i) => insn(op, { rd: 5 + i, rs1: 3, rs2: 4 })),
    insn('jal', { rd: 0, joff22: 0 }), // spin: the run ends on its budget
  ];
  const machine = new Machine({ memoryBytes: 1 << 20 });
  machine.load(wordsImage(words));
  const interesting = fc.oneof(
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    fc.constantFrom(0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x10000, 0xffff),
  );

  it('mul, mulh, mulhu, div, divu, rem, remu match BigInt for random pairs', () => {
    fc.assert(
      fc.property(interesting, interesting, (a, b) => {
        machine.cpu.reset(0x1000, 1 << 20);
        machine.cpu.regs[3] = a;
        machine.cpu.regs[4] = b;
        machine.run(ops.length);
        ops.forEach((op, i) => {
          expect(hex(machine.cpu.regs[5 + i]!), `${op} ${hex(a)}, ${hex(b)}`).toBe(hex(REFERENCE[op]!(a, b)));
        });
      }),
      { numRuns: 500, seed: 0x7e32 },
    );
  });
});

describe('cycle costs of ALU, multiply and divide (section 10)', () => {
  // CYCLE read before and after one instruction: the difference is mfcr's own cost plus it.
  const cost = (text: string, profile = DEFAULT_PROFILE): number => {
    const r = runSnippet(`mfcr s0, cycle\n${text}\nmfcr s1, cycle`, { regs: { a1: 7, a2: 3 }, machine: { profile } });
    return r.reg('s1') - r.reg('s0') - 1;
  };
  it.each([
    [2, 'add a0, a1, a2', 1], [3, 'addi a0, a1, 5', 1], [4, 'sra a0, a1, a2', 1], [5, 'lui a0, 5', 1],
    [6, 'auipc a0, 5', 1], [7, 'mul a0, a1, a2', 3], [8, 'mulh a0, a1, a2', 3], [9, 'mulhu a0, a1, a2', 3],
    [10, 'div a0, a1, a2', 20], [11, 'divu a0, a1, a2', 20], [12, 'rem a0, a1, a2', 20], [13, 'remu a0, a1, a2', 20],
    [14, 'mfcr a0, status', 1], [15, 'mtcr scratch, a1', 1],
  ])('case %i: %s costs %i', (_n, text, cycles) => {
    expect(cost(text)).toBe(cycles);
  });

  it('case 16: per-mnemonic overrides in the profile replace the base cost', () => {
    expect(cost('mul a0, a1, a2', { ...DEFAULT_PROFILE, insn: { mul: 7 } })).toBe(7);
  });
});
