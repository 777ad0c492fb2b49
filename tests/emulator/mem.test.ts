// Loads and stores (isa/README.md section 3.4): sign and zero extension, little-endian byte
// order, positive and negative offsets, and their cycle cost. Numbered cases in the manner of
// riscv-tests' TEST_LD_OP / TEST_ST_OP, each run with paging off, under 4 KiB pages and under
// superpages. Misaligned accesses and bus errors are in traps.test.ts.

import { describe, expect, it } from 'vitest';
import { ENVS, hex, insn, runSnippet, wordsImage } from './harness.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';

// riscv-tests' data for each load: four items, read from tdat (offsets 0..) and from the last
// item backwards (negative offsets).
const DATA = `
.org 0x3000
tdat_b:  .byte 0xff, 0x00, 0xf0, 0x0f
.align 4
tdat_h:  .half 0x00ff, 0xff00, 0x0ff0, 0xf00f
.align 4
tdat_w:  .word 0x00ff00ff, 0xff00ff00, 0x0ff00ff0, 0xf00ff00f
.org 0x3100
store_area: .word 0, 0, 0, 0, 0, 0, 0, 0
`;
const TDAT = { b: 0x3000, h: 0x3004, w: 0x300c } as const;
const STORE_AREA = 0x3100;

/** [case, mnemonic, result, offset, base] */
type LdCase = readonly [number, string, number, number, number];

const LD_CASES: readonly LdCase[] = [
  // lb: sign-extends
  [2, 'lb', 0xffffffff, 0, TDAT.b],
  [3, 'lb', 0x00000000, 1, TDAT.b],
  [4, 'lb', 0xfffffff0, 2, TDAT.b],
  [5, 'lb', 0x0000000f, 3, TDAT.b],
  [6, 'lb', 0xffffffff, -3, TDAT.b + 3],
  [7, 'lb', 0x00000000, -2, TDAT.b + 3],
  [8, 'lb', 0xfffffff0, -1, TDAT.b + 3],
  // lbu: zero-extends
  [9, 'lbu', 0x000000ff, 0, TDAT.b],
  [10, 'lbu', 0x00000000, 1, TDAT.b],
  [11, 'lbu', 0x000000f0, 2, TDAT.b],
  [12, 'lbu', 0x0000000f, 3, TDAT.b],
  [13, 'lbu', 0x000000ff, -3, TDAT.b + 3],
  // lh: sign-extends
  [14, 'lh', 0x000000ff, 0, TDAT.h],
  [15, 'lh', 0xffffff00, 2, TDAT.h],
  [16, 'lh', 0x00000ff0, 4, TDAT.h],
  [17, 'lh', 0xfffff00f, 6, TDAT.h],
  [18, 'lh', 0x000000ff, -6, TDAT.h + 6],
  [19, 'lh', 0xffffff00, -4, TDAT.h + 6],
  // lhu: zero-extends
  [20, 'lhu', 0x000000ff, 0, TDAT.h],
  [21, 'lhu', 0x0000ff00, 2, TDAT.h],
  [22, 'lhu', 0x00000ff0, 4, TDAT.h],
  [23, 'lhu', 0x0000f00f, 6, TDAT.h],
  [24, 'lhu', 0x0000ff00, -4, TDAT.h + 6],
  // lw
  [25, 'lw', 0x00ff00ff, 0, TDAT.w],
  [26, 'lw', 0xff00ff00, 4, TDAT.w],
  [27, 'lw', 0x0ff00ff0, 8, TDAT.w],
  [28, 'lw', 0xf00ff00f, 12, TDAT.w],
  [29, 'lw', 0x00ff00ff, -12, TDAT.w + 12],
  [30, 'lw', 0x0ff00ff0, -4, TDAT.w + 12],
  // large offsets: the whole imm18 range reaches the data
  [31, 'lw', 0x00ff00ff, 131068, TDAT.w - 131068],
  [32, 'lw', 0x00ff00ff, -131072, TDAT.w + 131072],
];

/** [case, store, load, value, result, offset, base]: store then load back. */
type StCase = readonly [number, string, string, number, number, number, number];

const ST_CASES: readonly StCase[] = [
  [2, 'sb', 'lb', 0xffffffaa, 0xffffffaa, 0, STORE_AREA],
  [3, 'sb', 'lbu', 0x12345600, 0x00000000, 1, STORE_AREA],
  [4, 'sb', 'lbu', 0xffffefa0, 0x000000a0, 2, STORE_AREA],
  [5, 'sb', 'lb', 0x0000000a, 0x0000000a, 3, STORE_AREA],
  [6, 'sb', 'lbu', 0x000000aa, 0x000000aa, -3, STORE_AREA + 3],
  [7, 'sh', 'lh', 0x000000aa, 0x000000aa, 0, STORE_AREA],
  [8, 'sh', 'lh', 0xffffaa00, 0xffffaa00, 2, STORE_AREA],
  [9, 'sh', 'lhu', 0xbeef0aa0, 0x00000aa0, 4, STORE_AREA],
  [10, 'sh', 'lhu', 0xffffa00a, 0x0000a00a, 6, STORE_AREA],
  [11, 'sh', 'lh', 0x0000aa00, 0xffffaa00, -6, STORE_AREA + 6],
  [12, 'sw', 'lw', 0x00aa00aa, 0x00aa00aa, 0, STORE_AREA],
  [13, 'sw', 'lw', 0xaa00aa00, 0xaa00aa00, 4, STORE_AREA],
  [14, 'sw', 'lw', 0x0aa00aa0, 0x0aa00aa0, 8, STORE_AREA],
  [15, 'sw', 'lw', 0xa00aa00a, 0xa00aa00a, 12, STORE_AREA],
  [16, 'sw', 'lw', 0x12345678, 0x12345678, -12, STORE_AREA + 12],
];

describe.each(ENVS)('loads, %s', (env) => {
  it.each(LD_CASES)('TEST_LD_OP(%i, %s)', (_n, op, result, offset, base) => {
    const r = runSnippet(`${op} a0, ${offset}(a1)`, { env, regs: { a1: base }, data: DATA });
    expect(r.ended).toBe('done');
    expect(hex(r.reg('a0'))).toBe(hex(result));
    expect(hex(r.reg('a1'))).toBe(hex(base));
  });

  it('case 33: a load whose destination is its base', () => {
    const r = runSnippet('lw a1, 4(a1)', { env, regs: { a1: TDAT.w }, data: DATA });
    expect(hex(r.reg('a1'))).toBe(hex(0xff00ff00));
  });

  it('case 34: imm(zero) reaches low absolute addresses', () => {
    const r = runSnippet(`lw a0, ${TDAT.w + 4}(zero)`, { env, data: DATA });
    expect(hex(r.reg('a0'))).toBe(hex(0xff00ff00));
  });
});

describe.each(ENVS)('stores, %s', (env) => {
  it.each(ST_CASES)('TEST_ST_OP(%i, %s/%s)', (_n, store, load, value, result, offset, base) => {
    const r = runSnippet(`${store} a2, ${offset}(a1)\n${load} a0, ${offset}(a1)`, {
      env,
      regs: { a1: base, a2: value },
      data: DATA,
    });
    expect(r.ended).toBe('done');
    expect(hex(r.reg('a0'))).toBe(hex(result));
  });

  it.each([
    [17, 'sb', 1],
    [18, 'sh', 2],
    [19, 'sw', 4],
  ] as const)('case %i: %s writes exactly %i bytes, little-endian', (_n, store, size) => {
    const r = runSnippet(`${store} a2, 4(a1)`, {
      env,
      regs: { a1: STORE_AREA, a2: 0x11223344 },
      data: DATA,
      setup: (m) => m.mem.u8.fill(0xee, STORE_AREA, STORE_AREA + 12),
    });
    const bytes = Array.from(r.machine.mem.u8.subarray(STORE_AREA, STORE_AREA + 12));
    const expected = [0xee, 0xee, 0xee, 0xee, 0x44, 0x33, 0x22, 0x11].map((b, i) => (i >= 4 && i < 4 + size ? b : 0xee));
    expect(bytes).toEqual([...expected, 0xee, 0xee, 0xee, 0xee]);
  });

  it('case 20: byte order of a word read back as bytes and halves', () => {
    const r = runSnippet(
      `sw a2, 0(a1)
       lbu s0, 0(a1)
       lbu s1, 1(a1)
       lbu s2, 2(a1)
       lbu s3, 3(a1)
       lhu a0, 0(a1)
       lhu a3, 2(a1)`,
      { env, regs: { a1: STORE_AREA, a2: 0x11223344 }, data: DATA },
    );
    expect([r.reg('s0'), r.reg('s1'), r.reg('s2'), r.reg('s3')]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(hex(r.reg('a0'))).toBe(hex(0x3344));
    expect(hex(r.reg('a3'))).toBe(hex(0x1122));
  });

  it('case 21: bytes stored one by one read back as a word', () => {
    const r = runSnippet(
      `li t0, 0xde
       sb t0, 3(a1)
       li t0, 0xad
       sb t0, 2(a1)
       li t0, 0xbe
       sb t0, 1(a1)
       li t0, 0xef
       sb t0, 0(a1)
       lw a0, 0(a1)`,
      { env, regs: { a1: STORE_AREA }, data: DATA },
    );
    expect(hex(r.reg('a0'))).toBe(hex(0xdeadbeef));
  });

  it('case 22: a store reaches the code that runs next (no fence needed)', () => {
    // Overwrite the `li a0, 1` below with `li a0, 2` (addi a0, zero, 2) just before it runs.
    const r = runSnippet(
      `la t0, patch
       sw a2, 0(t0)
patch: addi a0, zero, 1`,
      { env, regs: { a2: insn('addi', { rd: 3, rs1: 0, imm18: 2 }) } },
    );
    expect(r.reg('a0')).toBe(2);
  });
});

describe('store operand order in the encoding', () => {
  it('sw srcA, imm(srcB) stores srcA at srcB + imm (raw words, no assembler)', () => {
    const machine = new Machine({ memoryBytes: 1 << 20 });
    machine.load(wordsImage([
      insn('sw', { srcA: 3, srcB: 4, imm18: 8 }),
      insn('lw', { rd: 5, rs1: 4, imm18: 8 }),
      insn('jal', { rd: 0, joff22: 0 }),
    ]));
    machine.cpu.regs[3] = 0x5eed;
    machine.cpu.regs[4] = 0x2000;
    machine.run(2);
    expect(machine.mem.i32[0x2008 >>> 2]).toBe(0x5eed);
    expect(machine.cpu.regs[5]).toBe(0x5eed);
  });
});

describe('cycle costs of loads and stores (section 10)', () => {
  // The access is made once before the measurement so that, under paging, the TLB is warm.
  const cost = (op: string, env: (typeof ENVS)[number], profile = DEFAULT_PROFILE): number => {
    const r = runSnippet(`${op}\nmfcr s0, cycle\n${op}\nmfcr s1, cycle`, {
      env,
      regs: { a1: STORE_AREA, a2: 5 },
      data: DATA,
      machine: { profile },
    });
    return r.reg('s1') - r.reg('s0') - 1;
  };
  describe.each(ENVS)('%s', (env) => {
    it.each([
      [2, 'lw a0, 0(a1)'], [3, 'lh a0, 0(a1)'], [4, 'lb a0, 0(a1)'], [5, 'lbu a0, 0(a1)'], [6, 'lhu a0, 0(a1)'],
    ])('case %i: %s costs 1 + loadCycles', (_n, op) => {
      expect(cost(op, env)).toBe(1 + DEFAULT_PROFILE.loadCycles);
      expect(cost(op, env, { ...DEFAULT_PROFILE, loadCycles: 9 })).toBe(10);
    });
    it.each([[7, 'sw a2, 0(a1)'], [8, 'sh a2, 0(a1)'], [9, 'sb a2, 0(a1)']])('case %i: %s costs 1 + storeCycles', (_n, op) => {
      expect(cost(op, env)).toBe(1 + DEFAULT_PROFILE.storeCycles);
      expect(cost(op, env, { ...DEFAULT_PROFILE, storeCycles: 4 })).toBe(5);
    });
  });

  it('case 10: a device access costs its instruction plus mmioCycles', () => {
    const r = runSnippet('li t0, 0xF0000008\nmfcr s0, cycle\nlw a0, 0(t0)\nmfcr s1, cycle');
    expect(r.reg('a0') & 2).toBe(2);
    expect(r.reg('s1') - r.reg('s0') - 1).toBe(1 + DEFAULT_PROFILE.loadCycles + DEFAULT_PROFILE.mmioCycles);
  });
});

describe('devices', () => {
  it.each(ENVS)('console: TX writes bytes, STATUS reads 2 (ready, no input), RX reads -1 when empty (%s)', (env) => {
    const r = runSnippet(
      `li t0, 0xF0000000
       li a1, 0x148             ; only the low byte is sent
       sw a1, 0(t0)
       li a1, 0x69
       sw a1, 0(t0)
       lw a0, 8(t0)
       lw a2, 4(t0)
       lw a3, 0(t0)             ; TX is write-only: reads 0`,
      { env },
    );
    expect(r.machine.devices.console.drainText()).toBe('Hi');
    expect(r.reg('a0')).toBe(2);
    expect(hex(r.reg('a2'))).toBe(hex(0xffffffff));
    expect(r.reg('a3')).toBe(0);
  });

  it('console: RX returns the input bytes in order and STATUS bit 0 follows them', () => {
    const r = runSnippet(
      `li t0, 0xF0000000
       lw s0, 8(t0)
       lw a0, 4(t0)
       lw a1, 4(t0)
       lw s1, 8(t0)
       lw a2, 4(t0)`,
      { setup: (m) => m.devices.console.feed('ok') },
    );
    expect([r.reg('s0'), r.reg('a0'), r.reg('a1'), r.reg('s1'), hex(r.reg('a2'))]).toEqual([3, 0x6f, 0x6b, 2, hex(0xffffffff)]);
  });

  it('a load into r0 from CONSOLE_RX still consumes the byte (section 1)', () => {
    const r = runSnippet('li t0, 0xF0000004\nlw zero, 0(t0)\nlw a0, 0(t0)', { setup: (m) => m.devices.console.feed('xy') });
    expect(r.reg('a0')).toBe(0x79);
  });

  it('POWER_OFF halts with the value written as the exit code', () => {
    const r = runSnippet('li a0, 42\nli t0, 0xF0000010\nsw a0, 0(t0)\nli a1, 1');
    expect(r.run.reason).toBe('halted');
    expect(r.run.exitCode).toBe(42);
    expect(r.ended).toBe('other');
    // The instruction after the power-off store never ran.
    expect(r.machine.cpu.regs[4]).toBe(0);
  });
});
