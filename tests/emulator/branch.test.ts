// Branches and jumps (isa/README.md sections 3.5 and 3.6): taken and not taken, forward and
// backward, link values, jalr clearing the low bits of its target, and the cycle cost of a
// taken branch. Numbered cases in the manner of riscv-tests' TEST_BR2_OP_TAKEN/NOTTAKEN, each
// run with paging off, under 4 KiB pages and under superpages.

import { describe, expect, it } from 'vitest';
import { ENVS, hex, insn, runSnippet, wordsImage } from './harness.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';

/** [case, mnemonic, taken, rs1, rs2] */
type BrCase = readonly [number, string, boolean, number, number];

const T = true;
const N = false;
const BR_CASES: readonly BrCase[] = [
  [2, 'beq', T, 0, 0], [3, 'beq', T, 1, 1], [4, 'beq', T, -1, -1], [5, 'beq', N, 0, 1], [6, 'beq', N, 1, 0],
  [7, 'beq', N, -1, 1], [8, 'beq', N, 0x80000000, 0],
  [9, 'bne', T, 0, 1], [10, 'bne', T, 1, 0], [11, 'bne', T, -1, 1], [12, 'bne', N, 0, 0], [13, 'bne', N, 1, 1],
  [14, 'bne', N, -1, -1],
  [15, 'blt', T, 0, 1], [16, 'blt', T, -1, 1], [17, 'blt', T, -2, -1], [18, 'blt', T, 0x80000000, 0x7fffffff],
  [19, 'blt', N, 1, 0], [20, 'blt', N, 1, -1], [21, 'blt', N, -1, -2], [22, 'blt', N, 1, 1],
  [23, 'blt', N, 0x7fffffff, 0x80000000],
  [24, 'bge', T, 0, 0], [25, 'bge', T, 1, 1], [26, 'bge', T, -1, -1], [27, 'bge', T, 1, 0], [28, 'bge', T, 1, -1],
  [29, 'bge', T, -1, -2], [30, 'bge', T, 0x7fffffff, 0x80000000], [31, 'bge', N, 0, 1], [32, 'bge', N, -1, 1],
  [33, 'bge', N, -2, -1], [34, 'bge', N, 0x80000000, 0x7fffffff],
  [35, 'bltu', T, 0, 1], [36, 'bltu', T, 0xfffffffe, 0xffffffff], [37, 'bltu', T, 0, 0xffffffff],
  [38, 'bltu', T, 0x7fffffff, 0x80000000], [39, 'bltu', N, 1, 0], [40, 'bltu', N, 0xffffffff, 0xfffffffe],
  [41, 'bltu', N, 0x80000000, 0x7fffffff], [42, 'bltu', N, 0xffffffff, 0], [43, 'bltu', N, 1, 1],
  [44, 'bgeu', T, 0, 0], [45, 'bgeu', T, 1, 1], [46, 'bgeu', T, 0xffffffff, 0xffffffff], [47, 'bgeu', T, 1, 0],
  [48, 'bgeu', T, 0xffffffff, 0xfffffffe], [49, 'bgeu', T, 0xffffffff, 0], [50, 'bgeu', T, 0x80000000, 0x7fffffff],
  [51, 'bgeu', N, 0, 1], [52, 'bgeu', N, 0xfffffffe, 0xffffffff], [53, 'bgeu', N, 0x7fffffff, 0x80000000],
];

/** a0 = 2 if the branch was taken, 1 if it fell through. */
const forward = (op: string): string => `
    ${op} a1, a2, 1f
    li a0, 1
    j 2f
1:  li a0, 2
2:`;
const backward = (op: string): string => `
    j 3f
1:  li a0, 2
    j 4f
3:  ${op} a1, a2, 1b
    li a0, 1
4:`;

describe.each(ENVS)('conditional branches, %s', (env) => {
  it.each(BR_CASES)('TEST_BR2_OP(%i, %s, taken=%s) forward', (_n, op, taken, a, b) => {
    const r = runSnippet(forward(op), { env, regs: { a1: a, a2: b } });
    expect(r.ended).toBe('done');
    expect(r.reg('a0')).toBe(taken ? 2 : 1);
  });
  it.each(BR_CASES)('TEST_BR2_OP(%i, %s, taken=%s) backward', (_n, op, taken, a, b) => {
    const r = runSnippet(backward(op), { env, regs: { a1: a, a2: b } });
    expect(r.ended).toBe('done');
    expect(r.reg('a0')).toBe(taken ? 2 : 1);
  });
});

describe('branch operand order in the encoding', () => {
  // blt srcA, srcB: taken iff srcA < srcB; built from raw words so the assembler is not involved.
  it.each([
    [2, 1, 2, true],
    [3, 2, 1, false],
  ])('case %i: blt with srcA=%i srcB=%i', (_n, a, b, taken) => {
    const machine = new Machine({ memoryBytes: 1 << 20 });
    machine.load(wordsImage([
      insn('blt', { srcA: 3, srcB: 4, boff18: 2 }), // 0x1000 → 0x1008 when taken
      insn('addi', { rd: 5, rs1: 0, imm18: 1 }), // 0x1004: fall-through marker
      insn('jal', { rd: 0, joff22: 0 }),
    ]));
    machine.cpu.regs[3] = a;
    machine.cpu.regs[4] = b;
    machine.run(2);
    expect(machine.cpu.regs[5]).toBe(taken ? 0 : 1);
    expect(hex(machine.cpu.pc)).toBe(hex(0x1008));
  });

  it('case 4: a branch offset counts words from the branch itself (boff18 = -1 is the instruction before)', () => {
    const machine = new Machine({ memoryBytes: 1 << 20 });
    machine.load(wordsImage([
      insn('addi', { rd: 5, rs1: 5, imm18: 1 }), // 0x1000
      insn('bne', { srcA: 5, srcB: 6, boff18: -1 }), // 0x1004: loop until r5 == r6
      insn('jal', { rd: 0, joff22: 0 }),
    ]));
    machine.cpu.regs[6] = 3;
    machine.run(6);
    expect(machine.cpu.regs[5]).toBe(3);
    expect(hex(machine.cpu.pc)).toBe(hex(0x1008));
  });
});

describe.each(ENVS)('jumps, %s', (env) => {
  it('case 2: jal links pc + 4 and jumps forward', () => {
    const r = runSnippet(`
here: jal ra, 1f
      li a0, 1
1:    li a1, 7`, { env });
    expect(hex(r.reg('ra'))).toBe(hex(r.symbol('here') + 4));
    expect(r.reg('a0')).toBe(0);
    expect(r.reg('a1')).toBe(7);
  });

  it('case 3: jal backward', () => {
    const r = runSnippet(`
      j 2f
1:    li a0, 5
      j 3f
2:
here: jal s0, 1b
      li a0, 9
3:`, { env });
    expect(r.reg('a0')).toBe(5);
    expect(hex(r.reg('s0'))).toBe(hex(r.symbol('here') + 4));
  });

  it.each([
    [4, 0],
    [5, 1],
    [6, 2],
    [7, 3],
  ])('case %i: jalr clears the low two bits of target + %i', (_n, low) => {
    const r = runSnippet(`
      la t0, target
      addi t0, t0, ${low}
here: jalr ra, 0(t0)
      li a0, 1
target:
      li a1, 7`, { env });
    expect(r.reg('a0')).toBe(0);
    expect(r.reg('a1')).toBe(7);
    expect(hex(r.reg('ra'))).toBe(hex(r.symbol('here') + 4));
  });

  it.each([
    [8, 'jalr ra, 8(t0)', 'base'],
    [9, 'jalr ra, -8(t0)', 'base2'],
  ])('case %i: %s adds the sign-extended offset', (_n, text, base) => {
    const r = runSnippet(`
      la t0, ${base}
      j go
base: nop
      nop
      li a1, 7          ; base + 8
      j out
      li a0, 1          ; base2 - 8
      j out
base2:
      nop
go:   ${text}
      li a0, 2
out:`, { env });
    expect(r.reg('a1')).toBe(base === 'base' ? 7 : 0);
    expect(r.reg('a0')).toBe(base === 'base' ? 0 : 1);
  });

  it('case 10: jalr ra, 0(ra) reads the old ra before linking', () => {
    const r = runSnippet(`
      la ra, target
here: jalr ra, 0(ra)
      li a0, 1
target:
      li a1, 7`, { env });
    expect(r.reg('a0')).toBe(0);
    expect(r.reg('a1')).toBe(7);
    expect(hex(r.reg('ra'))).toBe(hex(r.symbol('here') + 4));
  });

  it('case 11: call and ret', () => {
    const r = runSnippet(`
      li a0, 20
      call double
      call double
      j 1f
double:
      add a0, a0, a0
      ret
1:`, { env });
    expect(r.reg('a0')).toBe(80);
  });

  it('case 12: a counted loop', () => {
    const r = runSnippet(`
      li t0, 100
      li a0, 0
1:    add a0, a0, t0
      addi t0, t0, -1
      bnez t0, 1b`, { env });
    expect(r.reg('a0')).toBe(5050);
  });
});

describe('cycle costs of branches and jumps (section 10)', () => {
  const cost = (text: string, regs: Record<string, number> = {}, profile = DEFAULT_PROFILE): number => {
    const r = runSnippet(`mfcr s0, cycle\n${text}\n1: mfcr s1, cycle`, { regs, machine: { profile } });
    return r.reg('s1') - r.reg('s0') - 1;
  };
  const taken = 1 + DEFAULT_PROFILE.branchTakenCycles;

  it.each([
    [2, 'beq a1, a2, 1f', { a1: 1, a2: 1 }, taken],
    [3, 'beq a1, a2, 1f', { a1: 1, a2: 2 }, 1],
    [4, 'bne a1, a2, 1f', { a1: 1, a2: 2 }, taken],
    [5, 'bltu a1, a2, 1f', { a1: 2, a2: 1 }, 1],
    [6, 'jal zero, 1f', {}, taken],
    [7, 'jal ra, 1f', {}, taken],
  ] as const)('case %i: %s costs %i', (_n, text, regs, cycles) => {
    expect(cost(text, regs)).toBe(cycles);
  });

  it('case 8: jalr costs like a taken branch', () => {
    const r = runSnippet('la t0, 1f\nmfcr s0, cycle\njalr zero, 0(t0)\n1: mfcr s1, cycle');
    expect(r.reg('s1') - r.reg('s0') - 1).toBe(taken);
  });

  it('case 9: the taken-branch penalty comes from the profile', () => {
    const profile = { ...DEFAULT_PROFILE, branchTakenCycles: 6 };
    expect(cost('beq a1, a2, 1f', { a1: 3, a2: 3 }, profile)).toBe(7);
    expect(cost('beq a1, a2, 1f', { a1: 3, a2: 4 }, profile)).toBe(1);
    expect(cost('jal zero, 1f', {}, profile)).toBe(7);
  });

  it('case 10: a loop of n iterations costs n x (add + addi + taken bnez) less one penalty', () => {
    const r = runSnippet(`
      li t0, 10
      mfcr s0, cycle
1:    add a0, a0, t0
      addi t0, t0, -1
      bnez t0, 1b
      mfcr s1, cycle`);
    expect(r.reg('s1') - r.reg('s0') - 1).toBe(10 * (1 + 1 + taken) - DEFAULT_PROFILE.branchTakenCycles);
  });
});
