// Traps, interrupts and the run loop (isa/README.md sections 4 and 5): every exception checks
// CAUSE, EPC, BADVA and the STATUS bits at handler entry and that the trapping instruction had
// no effect (precise traps); eret; INSTRET; the timer; wfi; the instruction budget; mxcr.
// Exceptions run with paging off, under 4 KiB pages and under superpages.

import { describe, expect, it } from 'vitest';
import { CAUSE, CR, STATUS } from '../../isa/arch.ts';
import { TRAP_LOOP_LIMIT } from '../../emulator/cpu.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';
import { ENVS, hex, insn, runProgram, runSnippet, type Env, type SnippetResult } from './harness.ts';

/** CAUSE, BADVA and EPC get these before each run, so a test sees that trap entry wrote them. */
const POISON = { cause: 0x55, badva: 0xdeadbeef, epc: 0xbadc0de } as const;
const poison = (m: { cpu: { writeCr(crn: number, v: number): void } }): void => {
  m.cpu.writeCr(CR.CAUSE, POISON.cause);
  m.cpu.writeCr(CR.BADVA, POISON.badva);
  m.cpu.writeCr(CR.EPC, POISON.epc);
};
const pg = (env: Env): number => (env === 'bare' ? 0 : STATUS.PG);

interface ExcCase {
  readonly n: number;
  readonly name: string;
  /** Assembly with a `fault:` label on the trapping instruction (or `fault` defined otherwise). */
  readonly body: string;
  readonly cause: number;
  /** Expected EPC when it is not the label `fault`. */
  readonly epc?: (r: SnippetResult) => number;
  /** Expected BADVA; 'word' = the instruction word at `fault`; undefined = not checked here. */
  readonly badva?: number | 'word' | ((r: SnippetResult) => number);
  readonly user?: boolean;
  /** Environments to run in (default all). */
  readonly envs?: readonly Env[];
  readonly memoryBytes?: number;
  readonly check?: (r: SnippetResult) => void;
}

const W = (word: number): string => `fault: .word ${hex(word)}`;
const ALL_ONES = 0xffffffff;
const RESERVED_OPCODES = [0x00, 0x1d, 0x1e, 0x1f, 0x2e, 0x2f, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x3c, 0x3d, 0x3f];

/** a0 = 0x1111 before every case: the faulting instruction, which would write a0, must not. */
const PRECISE_A0 = 0x1111;
const DATA = '.org 0x3000\ndata: .word 0x01020304, 0x05060708';

const EXCEPTIONS: readonly ExcCase[] = [
  { n: 2, name: 'syscall', body: 'fault: syscall', cause: CAUSE.SYSCALL, badva: 0 },
  { n: 3, name: 'break', body: 'fault: break', cause: CAUSE.BREAKPOINT, badva: 0 },
  { n: 4, name: 'syscall from user mode', body: 'enter_user\nfault: syscall', cause: CAUSE.SYSCALL, badva: 0, user: true },
  { n: 5, name: 'break from user mode', body: 'enter_user\nfault: break', cause: CAUSE.BREAKPOINT, badva: 0, user: true },
  // Illegal words: BADVA is the word
  { n: 6, name: 'word 0', body: W(0), cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  { n: 7, name: 'all-ones word', body: W(ALL_ONES), cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  ...RESERVED_OPCODES.map((op, i): ExcCase => ({
    n: 8 + i,
    name: `reserved opcode ${hex(op)}`,
    body: W(((op << 26) | 0x00d40005) >>> 0),
    cause: CAUSE.ILLEGAL_INSTRUCTION,
    badva: 'word',
  })),
  // Non-zero reserved bits (n = 23..)
  ...([
    ['add with bit 0 set', insn('add', { rd: 3, rs1: 4, rs2: 5 }) | 1],
    ['add with bit 13 set', insn('add', { rd: 3, rs1: 4, rs2: 5 }) | 0x2000],
    ['slli with bit 5 set', insn('slli', { rd: 3, rs1: 4, shamt: 1 }) | 0x20],
    ['srai with bit 17 set', insn('srai', { rd: 3, rs1: 4, shamt: 1 }) | 0x20000],
    ['mfcr with bit 5 set', insn('mfcr', { rd: 3, crn: 0 }) | 0x20],
    ['mfcr with bit 21 set', insn('mfcr', { rd: 3, crn: 0 }) | 0x200000],
    ['mtcr with a register in rd', insn('mtcr', { crn: 6, rs1: 3 }) | (1 << 22)],
    ['mxcr with bit 17 set', insn('mxcr', { rd: 3, crn: 6, rs1: 3 }) | 0x20000],
    ['invlpg with bit 0 set', insn('invlpg', { rs1: 3 }) | 1],
    ['invlpg with a register in rd', insn('invlpg', { rs1: 3 }) | (1 << 22)],
    ['SYS funct 5', 0xf8000005],
    ['SYS funct 0x100', 0xf8000100],
    ['eret with bit 25 set', 0xfa000002],
    ['hcall with bit 17 set', 0xf8020000],
    ['SYS all ones', 0xfbffffff],
  ] as const).map(([name, word], i): ExcCase => ({
    n: 23 + i,
    name,
    body: W(word >>> 0),
    cause: CAUSE.ILLEGAL_INSTRUCTION,
    badva: 'word',
  })),
  // An illegal word in user mode is illegal, not privileged: decode comes before the privilege check.
  { n: 38, name: 'mtcr with reserved bits, user mode', body: `enter_user\n${W((insn('mtcr', { crn: 6, rs1: 3 }) | 0x20) >>> 0)}`, cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word', user: true },
  // Reserved control registers in supervisor mode
  { n: 39, name: 'mfcr cr12', body: 'fault: mfcr a0, cr12', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  { n: 40, name: 'mfcr cr31', body: 'fault: mfcr a0, cr31', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  { n: 41, name: 'mtcr cr12', body: 'fault: mtcr cr12, a1', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  { n: 42, name: 'mxcr cr20', body: 'fault: mxcr a0, cr20, a1', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  // hcall on bare metal
  { n: 43, name: 'hcall 0 on bare metal', body: 'fault: hcall 0', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  { n: 44, name: 'hcall 0xffff on bare metal', body: 'fault: hcall 0xffff', cause: CAUSE.ILLEGAL_INSTRUCTION, badva: 'word' },
  // Privileged instructions in user mode (BADVA: see the separate test below)
  ...([
    'mfcr a0, ptbr', 'mfcr a0, status', 'mfcr a0, evec', 'mfcr a0, scratch', 'mfcr a0, timer', 'mfcr a0, cr12',
    'mfcr a0, cr31', 'mtcr scratch, a1', 'mtcr cycle, a1', 'mtcr cr20, a1', 'mxcr a0, scratch, a1', 'eret', 'wfi',
    'tlbflush', 'invlpg a1', 'hcall 0', 'hcall 0xffff',
  ]).map((text, i): ExcCase => ({
    n: 45 + i,
    name: `${text} in user mode`,
    body: `enter_user\nfault: ${text}`,
    cause: CAUSE.PRIVILEGED_INSTRUCTION,
    user: true,
  })),
  // Misaligned loads and stores: BADVA = the effective address
  ...([
    ['lh a0, 1(a1)', 1, CAUSE.MISALIGNED_LOAD],
    ['lhu a0, 3(a1)', 3, CAUSE.MISALIGNED_LOAD],
    ['lw a0, 1(a1)', 1, CAUSE.MISALIGNED_LOAD],
    ['lw a0, 2(a1)', 2, CAUSE.MISALIGNED_LOAD],
    ['lw a0, 3(a1)', 3, CAUSE.MISALIGNED_LOAD],
    ['sh a2, 1(a1)', 1, CAUSE.MISALIGNED_STORE],
    ['sw a2, 2(a1)', 2, CAUSE.MISALIGNED_STORE],
    ['sw a2, 7(a1)', 7, CAUSE.MISALIGNED_STORE],
  ] as const).map(([text, offset, cause], i): ExcCase => ({
    n: 62 + i,
    name: text,
    body: `la a1, data\nfault: ${text}`,
    cause,
    badva: (r) => r.symbol('data') + offset,
    check: (r) => {
      expect(hex(r.word(0x3000))).toBe(hex(0x01020304));
      expect(hex(r.word(0x3004))).toBe(hex(0x05060708));
    },
  })),
  { n: 70, name: 'misaligned user load', body: 'la a1, data\nenter_user\nfault: lw a0, 2(a1)', cause: CAUSE.MISALIGNED_LOAD, badva: 0x3002, user: true },
  // Alignment is checked before translation and before the physical access.
  { n: 71, name: 'misaligned load from an address with no RAM or mapping', body: 'li a1, 0x80000000\nfault: lw a0, 2(a1)', cause: CAUSE.MISALIGNED_LOAD, badva: 0x80000002 },
  { n: 72, name: 'misaligned store to an address with no RAM or mapping', body: 'li a1, 0x80000000\nfault: sh a2, 1(a1)', cause: CAUSE.MISALIGNED_STORE, badva: 0x80000001 },
  { n: 73, name: 'misaligned word access to a device register', body: 'li a1, 0xF0000008\nfault: lw a0, 2(a1)', cause: CAUSE.MISALIGNED_LOAD, badva: 0xf000000a },
  // Misaligned fetch: eret to an EPC with low bits set. Dropping to user mode on the way makes the
  // CPU refetch through the MMU; the supervisor-to-supervisor case is in its own test below.
  ...[1, 2, 3].map((low, i): ExcCase => ({
    n: 74 + i,
    name: `eret to user mode at target + ${low}`,
    body: `la t1, target + ${low}
           mtcr epc, t1
           eret                ; PMODE = 0 at reset: to user mode
           li a0, 0x2222
target:    li a0, 0x3333`,
    cause: CAUSE.MISALIGNED_FETCH,
    epc: (r) => r.symbol('target') + low,
    badva: (r) => r.symbol('target') + low,
    user: true,
  })),
  // Bus errors: BADVA = the virtual address (the pc for a fetch)
  { n: 77, name: 'lw from 0x80000000 with 64 MiB of RAM', body: 'li a1, 0x80000000\nfault: lw a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0x80000000, envs: ['bare'], memoryBytes: 64 << 20 },
  { n: 78, name: 'lw one word past 64 MiB of RAM', body: 'li a1, 0x04000000\nlw a3, -4(a1)\nfault: lw a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0x04000000, envs: ['bare'], memoryBytes: 64 << 20 },
  { n: 79, name: 'sw one word past 64 MiB of RAM', body: 'li a1, 0x04000000\nfault: sw a2, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0x04000000, envs: ['bare'], memoryBytes: 64 << 20 },
  { n: 80, name: 'lb from CONSOLE_STATUS', body: 'li a1, 0xF0000008\nfault: lb a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000008 },
  { n: 81, name: 'lbu from CONSOLE_RX', body: 'li a1, 0xF0000004\nfault: lbu a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000004 },
  { n: 82, name: 'lh from CONSOLE_STATUS', body: 'li a1, 0xF0000008\nfault: lh a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000008 },
  {
    n: 83, name: 'sb to CONSOLE_TX', body: 'li a1, 0xF0000000\nli a2, 0x41\nfault: sb a2, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000000,
    check: (r) => expect(r.machine.devices.console.drain().length).toBe(0),
  },
  {
    n: 84, name: 'sh to POWER_OFF', body: 'li a1, 0xF0000010\nfault: sh a2, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000010,
    check: (r) => expect(r.run.exitCode).toBe(0x7a9),
  },
  { n: 85, name: 'lw from an unused device address', body: 'li a1, 0xF000000C\nfault: lw a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf000000c },
  { n: 86, name: 'sw to an unused device address', body: 'li a1, 0xF0000FFC\nfault: sw a2, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0000ffc },
  { n: 87, name: 'lw just past the device region', body: 'li a1, 0xF0010000\nfault: lw a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0xf0010000, envs: ['bare'] },
  { n: 88, name: 'lw between RAM and the devices', body: 'li a1, 0x10000000\nfault: lw a0, 0(a1)', cause: CAUSE.BUS_ERROR, badva: 0x10000000, envs: ['bare'] },
  {
    n: 89, name: 'fetch from the device region', body: 'li t0, 0xF0000000\njalr zero, 0(t0)', epc: () => 0xf0000000, cause: CAUSE.BUS_ERROR, badva: 0xf0000000, envs: ['bare'],
  },
  {
    n: 90, name: 'fetch past the end of RAM', body: 'li t0, 0x80000000\njalr zero, 0(t0)', epc: () => 0x80000000, cause: CAUSE.BUS_ERROR, badva: 0x80000000, envs: ['bare'],
  },
];

function wordAt(r: SnippetResult, address: number): number {
  return r.word(address);
}

describe.each(ENVS)('exceptions, %s', (env) => {
  const cases = EXCEPTIONS.filter((c) => (c.envs ?? ENVS).includes(env));
  it.each(cases.map((c) => [c.n, c.name, c] as const))('case %i: %s', (_n, _name, c) => {
    const r = runSnippet(c.body, {
      env,
      regs: { a0: PRECISE_A0, a2: 0x5a5a5a5a },
      data: DATA,
      setup: poison,
      ...(c.memoryBytes ? { machine: { memoryBytes: c.memoryBytes } } : {}),
    });
    expect(r.ended).toBe('trap');
    expect(r.cr('CAUSE')).toBe(c.cause);
    expect(hex(r.cr('EPC'))).toBe(hex(c.epc ? c.epc(r) : r.symbol('fault')));
    if (c.badva !== undefined) {
      const badva = c.badva === 'word' ? wordAt(r, r.symbol('fault')) : typeof c.badva === 'function' ? c.badva(r) : c.badva;
      expect(hex(r.cr('BADVA'))).toBe(hex(badva));
    }
    // Trap entry: PMODE = the mode before, PIE = IE before (0 here), MODE = 1, IE = 0, PG unchanged.
    expect(hex(r.cr('STATUS'))).toBe(hex(STATUS.MODE | (c.user ? 0 : STATUS.PMODE) | pg(env)));
    // Precise: the faulting instruction wrote nothing, and exactly one trap was taken.
    expect(hex(r.reg('a0'))).toBe(hex(PRECISE_A0));
    expect(r.machine.stats.traps[c.cause]).toBe(1);
    c.check?.(r);
  });
});

describe('misaligned fetch after eret in supervisor mode (section 3.6)', () => {
  // Regression: the CPU checked fetch alignment only when the fetch missed its one-page fast
  // path, so an eret from supervisor to supervisor to a misaligned EPC in the cached page
  // fetched the aligned word below it and carried on with pc & 3 != 0.
  it.each(ENVS)('case 2: eret to target + 1, + 2, + 3 raises MISALIGNED_FETCH with EPC = BADVA = that address (%s)', (env) => {
    for (const low of [1, 2, 3]) {
      const r = runSnippet(`
        mfcr t0, status
        ori t0, t0, ${STATUS.PMODE}
        mtcr status, t0
        la t1, target + ${low}
        mtcr epc, t1
        eret
        li a0, 0x2222
target: li a0, 0x3333`, { env, regs: { a0: PRECISE_A0 } });
      expect(r.ended, `+${low}`).toBe('trap');
      expect(r.cr('CAUSE'), `+${low}`).toBe(CAUSE.MISALIGNED_FETCH);
      expect(hex(r.cr('EPC')), `+${low}`).toBe(hex(r.symbol('target') + low));
      expect(hex(r.cr('BADVA')), `+${low}`).toBe(hex(r.symbol('target') + low));
      expect(hex(r.reg('a0')), `+${low}`).toBe(hex(PRECISE_A0));
    }
  });
});

describe('PRIVILEGED_INSTRUCTION sets BADVA to the instruction word (section 5.1 table)', () => {
  // So a trap-and-emulate monitor can decode the instruction without fetching it again.
  it('case 2: mfcr ptbr, mtcr, eret, wfi, tlbflush, invlpg and hcall in user mode leave BADVA = the word', () => {
    for (const text of ['mfcr a0, ptbr', 'mtcr scratch, a1', 'eret', 'wfi', 'tlbflush', 'invlpg a1', 'hcall 3']) {
      const r = runSnippet(`enter_user\n${text}`, { setup: poison });
      expect(r.cr('CAUSE'), text).toBe(CAUSE.PRIVILEGED_INSTRUCTION);
      expect(hex(r.cr('BADVA')), text).toBe(hex(r.word(r.cr('EPC'))));
    }
  });
});

describe('user mode may read the counters', () => {
  it.each(ENVS)('case 2: mfcr cycle, cycleh, instret, instreth do not trap in user mode (%s)', (env) => {
    const r = runSnippet(`
      enter_user
      mfcr a0, instret
      mfcr a1, cycle
      mfcr a2, cycleh
      mfcr a3, instreth
      syscall`, { env });
    expect(r.cr('CAUSE')).toBe(CAUSE.SYSCALL);
    expect(r.reg('a0')).toBeGreaterThan(0);
    expect(r.reg('a1')).toBeGreaterThan(r.reg('a0'));
    expect(r.reg('a2')).toBe(0);
    expect(r.reg('a3')).toBe(0);
  });
});

describe('misaligned image entry', () => {
  it('case 2: starting at 0x1002 raises MISALIGNED_FETCH with EPC = BADVA = 0x1002', () => {
    const r = runSnippet('nop\nnop', { setup: (m) => { m.cpu.pc = 0x1002; } });
    expect(r.ended).toBe('trap');
    expect(r.cr('CAUSE')).toBe(CAUSE.MISALIGNED_FETCH);
    expect(hex(r.cr('EPC'))).toBe(hex(0x1002));
    expect(hex(r.cr('BADVA'))).toBe(hex(0x1002));
  });
});

describe.each(ENVS)('eret, %s', (env) => {
  // The handler returns past the trapping instruction the first time and stops the second time.
  const RETURN_ONCE = `
      bnez s2, 1f
      addi s2, s2, 1
      mfcr s0, status
      mfcr s1, epc
      addi s1, s1, 4
      mtcr epc, s1
      eret
1:    j __trap`;

  it('case 2: returns to user mode with IE restored from PIE', () => {
    const r = runSnippet(`
      la t0, user
      mtcr epc, t0
      mfcr t0, status
      andi t0, t0, ${~STATUS.PMODE}
      ori t0, t0, ${STATUS.PIE}
      mtcr status, t0
      eret                ; user mode, IE = 1
user: syscall             ; handler returns past it
      mfcr a0, instret    ; allowed in user mode
fault: mfcr a1, status    ; privileged: proves the mode is user again
      `, { env, handler: RETURN_ONCE });
    // First entry: from user (PMODE = 0) with IE = 1 (PIE = 1).
    expect(hex(r.reg('s0'))).toBe(hex(STATUS.MODE | STATUS.PIE | pg(env)));
    // Second trap: still user mode after eret, and IE was 1 again.
    expect(r.cr('CAUSE')).toBe(CAUSE.PRIVILEGED_INSTRUCTION);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
    expect(hex(r.cr('STATUS'))).toBe(hex(STATUS.MODE | STATUS.PIE | pg(env)));
    expect(r.reg('a0')).toBeGreaterThan(0);
  });

  it('case 3: returns to supervisor mode; afterwards PMODE = 0 and PIE = 1', () => {
    const r = runSnippet(`
      syscall
      mfcr a0, status`, { env, handler: RETURN_ONCE });
    expect(r.ended).toBe('done');
    expect(hex(r.reg('s0'))).toBe(hex(STATUS.MODE | STATUS.PMODE | pg(env)));
    expect(hex(r.reg('a0'))).toBe(hex(STATUS.MODE | STATUS.PIE | pg(env)));
  });

  it('case 4: eret retires and syscall does not (INSTRET)', () => {
    const r = runSnippet(`
      mfcr s3, instret
      syscall
      mfcr a0, instret`, { env, handler: RETURN_ONCE });
    // Between the two reads: mfcr s3 and the 7 retired handler instructions (bnez..eret) = 8;
    // the syscall itself does not retire.
    expect(r.reg('a0') - r.reg('s3')).toBe(8);
  });

  it('case 5: trap entry uses EVEC & ~3', () => {
    const r = runSnippet('fault: syscall', {
      env,
      setup: (m) => m.cpu.writeCr(CR.EVEC, m.cpu.readCr(CR.EVEC) + 3),
    });
    expect(r.ended).toBe('trap');
    expect(r.cr('CAUSE')).toBe(CAUSE.SYSCALL);
  });
});

describe.each(ENVS)('INSTRET does not count trapping instructions, %s', (env) => {
  const HANDLER = 'mfcr s1, instret\nj __trap';
  it.each([
    [2, 'syscall'],
    [3, 'break'],
    [4, '.word 0'],
    [5, 'lw a0, 2(zero)'],
    [6, 'hcall 1'],
    [7, 'mfcr a0, cr13'],
  ])('case %i: %s', (_n, text) => {
    const r = runSnippet(`mfcr s0, instret\n${text}`, { env, handler: HANDLER });
    expect(r.ended).toBe('trap');
    expect(r.reg('s1') - r.reg('s0')).toBe(1);
    expect(r.machine.stats.cyclesTrap).toBe(DEFAULT_PROFILE.trapEntryCycles);
  });

  it('case 8: a trap in user mode does not retire either', () => {
    const r = runSnippet(`enter_user\nmfcr s0, instret\nmfcr a0, status`, { env, handler: HANDLER });
    expect(r.cr('CAUSE')).toBe(CAUSE.PRIVILEGED_INSTRUCTION);
    expect(r.reg('s1') - r.reg('s0')).toBe(1);
  });
});

// ---------------------------------------------------------------- interrupts

/** Turn IE on, arm the timer with N at label `arm`, then a chain of counting instructions. */
const timerBody = (n: number, chain = 40): string => `
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
      li t0, ${n}
arm:  mtcr timer, t0
${'      addi a0, a0, 1\n'.repeat(chain)}`;

describe.each(ENVS)('timer interrupt, %s', (env) => {
  it.each([[2, 1], [3, 2], [4, 5], [5, 17]])('case %i: TIMER=%i: cause, BADVA, STATUS at entry; EPC is the next unexecuted instruction', (_n, n) => {
    const r = runSnippet(timerBody(n), { env, setup: poison });
    expect(r.ended).toBe('trap');
    expect(r.cr('CAUSE')).toBe(CAUSE.TIMER_INTERRUPT);
    expect(r.cr('BADVA')).toBe(0);
    expect(hex(r.cr('STATUS'))).toBe(hex(STATUS.MODE | STATUS.PMODE | STATUS.PIE | pg(env)));
    // Every counting instruction before EPC ran, the one at EPC did not.
    const executed = (r.cr('EPC') - r.symbol('arm') - 4) / 4;
    expect(r.reg('a0')).toBe(executed);
    expect(r.machine.stats.interrupts).toBe(1);
    expect(r.machine.stats.traps[CAUSE.TIMER_INTERRUPT]).toBe(1);
  });

  it('case 6: one more in TIMER means one more instruction before the interrupt', () => {
    const epcs = [1, 2, 3, 8, 9].map((n) => runSnippet(timerBody(n), { env }).cr('EPC'));
    expect(epcs.slice(1).map((e, i) => e - epcs[i]!)).toEqual([4, 4, 20, 4]);
  });

  it('case 7: deterministic: the same program takes the interrupt at the same instruction and cycle', () => {
    const a = runSnippet(timerBody(7), { env });
    const b = runSnippet(timerBody(7), { env });
    expect(a.cr('EPC')).toBe(b.cr('EPC'));
    expect(a.run).toEqual(b.run);
  });

  it('case 8: periodic: consecutive interrupts are exactly N retired instructions apart', () => {
    const r = runSnippet(`
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
      li t0, 20
      mtcr timer, t0
1:    addi a0, a0, 1
      j 1b`, {
      env,
      handler: `
      mfcr t1, instret
      slli t2, s0, 2
      sw t1, 0x3000(t2)
      addi s0, s0, 1
      li t2, 4
      beq s0, t2, __trap
      eret`,
    });
    const at = [0, 1, 2, 3].map((i) => r.word(0x3000 + 4 * i));
    expect(at.slice(1).map((v, i) => v - at[i]!)).toEqual([20, 20, 20]);
    expect(r.cr('TIMER')).toBe(20);
  });
});

describe('timer countdown: TIMER=N fires after N instructions retire after the mtcr (section 4.5)', () => {
  // Regression: the deadline was set from the retired count before the mtcr itself retired, so
  // the mtcr counted down the first tick and the interrupt came one instruction early.
  it.each(ENVS)('case 2: EPC = arm + 4 * (N + 1) (%s)', (env) => {
    for (const n of [1, 2, 5]) {
      const r = runSnippet(timerBody(n), { env });
      expect(hex(r.cr('EPC') - r.symbol('arm')), `TIMER=${n}`).toBe(hex(4 * (n + 1)));
    }
  });

  it('case 3: wfi right after arming TIMER=50 idles 50 cycles', () => {
    const r = runSnippet('li t0, 50\nmtcr timer, t0\nwfi');
    expect(r.machine.stats.cyclesIdle).toBe(50);
  });
});

describe('interrupt masking and pending state', () => {
  it('case 2: with IE = 0 the timer interrupt waits, and is taken right after IE is set', () => {
    const r = runSnippet(`
      li t0, 2
      mtcr timer, t0
${'      addi a0, a0, 1\n'.repeat(10)}
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
fault: addi a1, a1, 1`);
    expect(r.cr('CAUSE')).toBe(CAUSE.TIMER_INTERRUPT);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
    expect(r.reg('a0')).toBe(10);
    expect(r.reg('a1')).toBe(0);
    // Only one interrupt although the countdown expired several times (one pending flag).
    expect(r.machine.stats.interrupts).toBe(1);
  });

  it('case 3: writing TIMER clears a pending timer interrupt', () => {
    const r = runSnippet(`
      li t0, 1
      mtcr timer, t0
      nop
      nop
      mtcr timer, zero      ; disarm: clears the pending interrupt
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
      nop
      mfcr a0, timer`);
    expect(r.ended).toBe('done');
    expect(r.machine.stats.interrupts).toBe(0);
    expect(r.reg('a0')).toBe(0);
  });

  it('case 4: a console byte raises DEVICE_INTERRUPT while IE = 1; the timer goes first', () => {
    const device = runSnippet(`
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
fault: nop`, { setup: (m) => m.devices.console.feed('x') });
    expect(device.cr('CAUSE')).toBe(CAUSE.DEVICE_INTERRUPT);
    expect(hex(device.cr('EPC'))).toBe(hex(device.symbol('fault')));
    expect(device.cr('BADVA')).toBe(0);

    const both = runSnippet(`
      li t0, 1
      mtcr timer, t0
      nop
      nop
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
      nop`, { setup: (m) => m.devices.console.feed('x') });
    expect(both.cr('CAUSE')).toBe(CAUSE.TIMER_INTERRUPT);
  });

  it('case 5: eret with a pending interrupt takes it before the instruction at EPC', () => {
    const r = runSnippet(`
      li t0, 1
      mtcr timer, t0
      nop
      nop
      la t0, target
      mtcr epc, t0
      mfcr t0, status
      ori t0, t0, ${STATUS.PIE | STATUS.PMODE}
      mtcr status, t0
      eret
      nop
target: addi a0, a0, 1`);
    expect(r.cr('CAUSE')).toBe(CAUSE.TIMER_INTERRUPT);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('target')));
    expect(r.reg('a0')).toBe(0);
  });
});

describe('wfi', () => {
  it.each(ENVS)('case 2: with the timer armed and IE = 0 it idles until the timer fires, then continues (%s)', (env) => {
    const r = runSnippet(`
      li t0, 50
      mtcr timer, t0
      mfcr s0, cycle
      mfcr s2, instret
      wfi
      mfcr s1, cycle
      mfcr s3, instret
      li a0, 1`, { env });
    expect(r.ended).toBe('done');
    expect(r.reg('a0')).toBe(1);
    const idle = r.machine.stats.cyclesIdle;
    // Two instructions retire between the mtcr and the wfi: 48 ticks of the countdown of 50 are left.
    expect(idle).toBe(48);
    // CYCLE counts the idle cycles (mfcr s0, mfcr s2, wfi, idle); INSTRET does not (mfcr s2, wfi, mfcr s1).
    expect(r.reg('s1') - r.reg('s0')).toBe(1 + 1 + 1 + idle);
    expect(r.reg('s3') - r.reg('s2')).toBe(3);
    // The interrupt stays pending with IE = 0.
    expect(r.machine.cpu.timerPending).toBe(true);
  });

  it('case 3: with IE = 1 the interrupt is taken at once with EPC = the address after wfi', () => {
    const r = runSnippet(`
      mfcr t1, status
      ori t1, t1, ${STATUS.IE}
      mtcr status, t1
      li t0, 1000
      mtcr timer, t0
      wfi
after: li a0, 1`);
    expect(r.cr('CAUSE')).toBe(CAUSE.TIMER_INTERRUPT);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('after')));
    expect(r.reg('a0')).toBe(0);
    expect(r.machine.stats.cyclesIdle).toBeGreaterThan(990);
  });

  it('case 4: with an interrupt already pending it does not wait', () => {
    const r = runSnippet(`
      li t0, 1
      mtcr timer, t0
      nop
      nop
      wfi
      li a0, 1`);
    expect(r.reg('a0')).toBe(1);
    expect(r.machine.stats.cyclesIdle).toBe(0);
  });

  it('case 5: a waiting console byte ends the wait at once', () => {
    const r = runSnippet('wfi\nli a0, 1', { setup: (m) => m.devices.console.feed('k') });
    expect(r.ended).toBe('done');
    expect(r.reg('a0')).toBe(1);
  });

  it("case 6: with nothing armed the run stops with 'wfi-deadlock'; the wfi does not retire", () => {
    const r = runSnippet('li a0, 3\nwait: wfi\nli a0, 4');
    expect(r.run.reason).toBe('wfi-deadlock');
    expect(r.ended).toBe('other');
    expect(r.reg('a0')).toBe(3);
    expect(r.run.instructions).toBe(1);
    expect(hex(r.machine.cpu.pc)).toBe(hex(r.symbol('wait')));
  });

  it("case 7: a disarmed timer (TIMER = 0) cannot wake it either", () => {
    const r = runSnippet('li t0, 5\nmtcr timer, t0\nmtcr timer, zero\nwfi');
    expect(r.run.reason).toBe('wfi-deadlock');
  });
});

describe('instruction budget', () => {
  const SPIN = '1: addi a0, a0, 1\n j 1b';

  it.each([[2, 1], [3, 2], [4, 1000], [5, 12345]])("case %i: run(%i) stops with 'max-instructions' at exactly the budget", (_n, budget) => {
    const { machine, run } = runProgram(SPIN, { maxInstructions: budget });
    expect(run.reason).toBe('max-instructions');
    expect(run.instructions).toBe(budget);
    expect(machine.stats.instructions).toBe(budget);
    // addi and j alternate, starting with addi.
    expect(machine.cpu.regs[3]).toBe(Math.ceil(budget / 2));
  });

  it('case 6: successive runs continue where the last stopped', () => {
    const { machine } = runProgram(SPIN, { maxInstructions: 1000 });
    const second = machine.run(7);
    expect(second.reason).toBe('max-instructions');
    expect(second.instructions).toBe(1007);
  });

  it('case 7: the budget counts retired instructions only, with traps and timer interrupts on the way', () => {
    const { machine, run } = runProgram(`
      la t0, handler
      mtcr evec, t0
      li t0, 7
      mtcr timer, t0
      mfcr t0, status
      ori t0, t0, ${STATUS.IE}
      mtcr status, t0
1:    addi a0, a0, 1
      syscall
      j 1b
handler:
      mfcr t1, cause
      li t2, ${CAUSE.SYSCALL}
      bne t1, t2, 2f
      mfcr t1, epc
      addi t1, t1, 4
      mtcr epc, t1
2:    eret`, { maxInstructions: 5000 });
    expect(run.reason).toBe('max-instructions');
    expect(run.instructions).toBe(5000);
    expect(machine.stats.traps[CAUSE.SYSCALL]).toBeGreaterThan(100);
    expect(machine.stats.traps[CAUSE.TIMER_INTERRUPT]).toBeGreaterThan(100);
  });

  it('case 8: slices of any size give the same result as one run', () => {
    const body = `
      la t0, handler
      mtcr evec, t0
      li t0, 13
      mtcr timer, t0
      mfcr t0, status
      ori t0, t0, ${STATUS.IE}
      mtcr status, t0
1:    addi a0, a0, 1
      j 1b
handler:
      addi a1, a1, 1
      eret`;
    const whole = runProgram(body, { maxInstructions: 3000 }).machine;
    const sliced = runProgram(body, { maxInstructions: 0 }).machine;
    for (let i = 0; i < 3000; i += 7) sliced.run(Math.min(7, 3000 - i));
    expect(Array.from(sliced.cpu.regs)).toEqual(Array.from(whole.cpu.regs));
    expect(sliced.cpu.pc).toBe(whole.cpu.pc);
    expect(sliced.stats.cycles).toBe(whole.stats.cycles);
    expect(sliced.stats.interrupts).toBe(whole.stats.interrupts);
  });

  it("case 9: a handler that traps again stops the run with 'trap-loop' instead of spinning", () => {
    const r = runSnippet('syscall', { handler: '.word 0' });
    expect(r.run.reason).toBe('trap-loop');
    expect(r.cr('CAUSE')).toBe(CAUSE.ILLEGAL_INSTRUCTION);
    expect(r.machine.stats.traps[CAUSE.SYSCALL]! + r.machine.stats.traps[CAUSE.ILLEGAL_INSTRUCTION]!).toBe(TRAP_LOOP_LIMIT);
  });
});

describe('control registers', () => {
  it('case 2: mxcr swaps a register with a control register (rd = rs1)', () => {
    const r = runSnippet('li t0, 0x1234\nmtcr scratch, t0\nli sp, 0x5678\nmxcr sp, scratch, sp');
    expect(hex(r.reg('sp'))).toBe(hex(0x1234));
    expect(hex(r.cr('SCRATCH'))).toBe(hex(0x5678));
  });

  it('case 3: mxcr with rd != rs1', () => {
    const r = runSnippet('li t0, 11\nmtcr scratch, t0\nli a1, 22\nmxcr a0, scratch, a1');
    expect([r.reg('a0'), r.reg('a1'), r.cr('SCRATCH')]).toEqual([11, 22, 22]);
  });

  it('case 4: mxcr on a read-only counter returns it and ignores the write', () => {
    const r = runSnippet('li a1, 0\nmxcr a0, instret, a1\nmfcr a2, instret');
    expect(r.reg('a0')).toBe(1);
    expect(r.reg('a2')).toBe(2);
  });

  it('case 5: writes to CYCLE, CYCLEH, INSTRET, INSTRETH are ignored', () => {
    const r = runSnippet(`
      li a1, -1
      mtcr cycle, a1
      mtcr cycleh, a1
      mtcr instret, a1
      mtcr instreth, a1
      mfcr a0, instret
      mfcr a2, cycleh
      mfcr a3, instreth`);
    expect([r.reg('a0'), r.reg('a2'), r.reg('a3')]).toEqual([5, 0, 0]);
  });

  it('case 6: STATUS bits 31..5 read 0; PTBR bits 11..8 read 0; TIMER reads back N', () => {
    const r = runSnippet(`
      li a1, 0xffffffe1         ; MODE and all reserved bits
      mtcr status, a1
      mfcr a0, status
      li a1, 0x12345fff
      mtcr ptbr, a1
      mfcr a2, ptbr
      li a1, 12345
      mtcr timer, a1
      mfcr a3, timer
      mtcr timer, zero`);
    expect(hex(r.reg('a0'))).toBe(hex(0x01));
    expect(hex(r.reg('a2'))).toBe(hex(0x123450ff));
    expect(r.reg('a3')).toBe(12345);
  });

  it('case 7: clearing STATUS.MODE drops to user mode for the next instruction', () => {
    const r = runSnippet(`
      mfcr t0, status
      andi t0, t0, -2
      mtcr status, t0
fault: mfcr a0, status`);
    expect(r.cr('CAUSE')).toBe(CAUSE.PRIVILEGED_INSTRUCTION);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
  });

  it('case 8: reset state: STATUS = 0x01, sp = memory size, other control registers 0', () => {
    const { machine } = runProgram('wfi', { machine: { memoryBytes: 1 << 20 } });
    expect(machine.cpu.cr[CR.STATUS]).toBe(1);
    expect(machine.cpu.regs[2]).toBe(1 << 20);
    for (const crn of [CR.PTBR, CR.EVEC, CR.EPC, CR.CAUSE, CR.BADVA, CR.SCRATCH, CR.TIMER]) expect(machine.cpu.cr[crn]).toBe(0);
  });
});
