// Property tests (fast-check): random instruction words, executed from random register and
// machine states, with paging off, under 4 KiB pages and under superpages.
//
// Properties:
//   1. Machine.run never throws, and every step either retires one instruction or ends in a
//      stop the API defines; every trap taken has a defined cause (isa/arch.ts CAUSE).
//   2. r0 reads 0 after every step.
//   3. Stepping one instruction at a time (every access through the MMU's slow path) and one
//      run of the same length (the CPU's fast path) end in the same state: registers, pc,
//      control registers, memory, statistics, and TLB contents in the same LRU order.
// Seeds are fixed, so a run is deterministic; a failure prints its counterexample.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAUSE, CR, STATUS } from '../../isa/arch.ts';
import { encode, fieldRange } from '../../isa/encoding.ts';
import { FORMATS, INSTRUCTIONS } from '../../isa/table.ts';
import { Machine } from '../../emulator/machine.ts';
import type { Tlb } from '../../emulator/tlb.ts';
import { ENVS, assembleOrThrow, guardTrapStorms, identityMap, type Env } from './harness.ts';

const DEFINED_CAUSES = new Set<number>(Object.values(CAUSE));
const MEMORY_BYTES = 2 << 20;
/** Page tables of the paged environments: inside RAM and inside the identity map, so random stores may hit them. */
const FUZZ_PT_BASE = 0x00100000;
const CODE = 0x1000;
const HANDLER = 0x100;
const STEPS = 24;

/** The trap handler: return past the trapping instruction (so every trap is followed by retirement). */
const HANDLER_IMAGE = assembleOrThrow(`
    mtcr scratch, r15
    mfcr r15, epc
    addi r15, r15, 4
    mtcr epc, r15
    mfcr r15, scratch
    eret`, HANDLER);

interface FuzzCase {
  env: Env;
  words: number[];
  regs: number[];
  user: boolean;
  interrupts: boolean;
  timer: number;
  consoleInput: boolean;
}

function build(c: FuzzCase): Machine {
  const m = new Machine({ memoryBytes: MEMORY_BYTES });
  guardTrapStorms(m, 5_000);
  m.load(HANDLER_IMAGE);
  m.mem.load(CODE, new Uint8Array(new Int32Array(c.words.map((w) => w | 0)).buffer));
  m.cpu.reset(CODE, MEMORY_BYTES);
  c.regs.forEach((v, i) => { m.cpu.regs[i + 1] = v | 0; });
  m.cpu.writeCr(CR.EVEC, HANDLER);
  if (c.env !== 'bare') {
    const pt = identityMap(m.mem, c.env, FUZZ_PT_BASE);
    m.cpu.writeCr(CR.PTBR, pt.root);
  }
  const status = (c.user ? 0 : STATUS.MODE) | (c.interrupts ? STATUS.IE : 0) | (c.env !== 'bare' ? STATUS.PG : 0);
  m.cpu.writeCr(CR.STATUS, status);
  if (c.timer > 0) m.cpu.writeCr(CR.TIMER, c.timer);
  if (c.consoleInput) m.devices.console.feed('z');
  return m;
}

const trapsTaken = (m: Machine): number => m.stats.traps.reduce((a, b) => a + b, 0);

function tlbState(tlb: Tlb): unknown[] {
  return tlb.entries().sort((a, b) => a.lastUse - b.lastUse).map(({ lastUse: _lastUse, ...rest }) => rest);
}

function state(m: Machine): unknown {
  const s = m.stats;
  return {
    regs: Array.from(m.cpu.regs),
    pc: m.cpu.pc,
    cr: Array.from(m.cpu.cr),
    instructions: s.instructions,
    cycles: s.cycles,
    cyclesIdle: s.cyclesIdle,
    traps: Array.from(s.traps),
    tlbHits: Array.from(s.tlbHits),
    tlbMisses: Array.from(s.tlbMisses),
    walks: s.walks,
    walkRefs: s.walkRefs,
    adUpdates: s.adUpdates,
    interrupts: s.interrupts,
    itlb: tlbState(m.mmu.itlb),
    dtlb: tlbState(m.mmu.dtlb),
    console: Buffer.from(m.devices.console.drain()).toString('hex'),
    exitCode: m.devices.exitCode,
  };
}

function checkCase(c: FuzzCase): void {
  // 1 and 2: step by step.
  const stepped = build(c);
  let retired = 0;
  let ended: string = 'max-instructions';
  for (let i = 0; i < STEPS; i++) {
    const trapsBefore = trapsTaken(stepped);
    const before = stepped.stats.instructions;
    const result = stepped.run(1);
    expect(stepped.cpu.regs[0]).toBe(0);
    if (trapsTaken(stepped) > trapsBefore) expect(DEFINED_CAUSES.has(stepped.cpu.cr[CR.CAUSE]!), `CAUSE ${stepped.cpu.cr[CR.CAUSE]}`).toBe(true);
    if (result.reason !== 'max-instructions') {
      expect(['halted', 'wfi-deadlock', 'trap-loop', 'stopped']).toContain(result.reason);
      expect(stepped.stats.instructions - before).toBeLessThanOrEqual(1);
      ended = result.reason;
      break;
    }
    expect(stepped.stats.instructions - before).toBe(1);
    retired++;
  }
  stepped.stats.traps.forEach((n, cause) => {
    if (n > 0) expect(DEFINED_CAUSES.has(cause), `trap count for undefined cause ${cause}`).toBe(true);
  });

  // 3: one run of the same length.
  const whole = build(c);
  const result = whole.run(ended === 'max-instructions' ? STEPS : retired + 1);
  if (ended === 'stopped' || result.reason === 'stopped') return; // the harness's trap-storm guard stopped it
  expect(result.reason).toBe(ended);
  expect(state(whole)).toEqual(state(stepped));
  expect(Buffer.from(whole.mem.u8.buffer).equals(Buffer.from(stepped.mem.u8.buffer)), 'memory differs').toBe(true);
}

// ---------------------------------------------------------------- arbitraries

const anyWord = fc.integer({ min: 0, max: 0xffffffff });

/** A valid encoding of a random instruction with random operands. */
const validWord = fc
  .tuple(fc.integer({ min: 0, max: INSTRUCTIONS.length - 1 }), fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { minLength: 4, maxLength: 4 }), fc.boolean())
  .map(([i, raw, small]) => {
    const spec = INSTRUCTIONS[i]!;
    const operands: Record<string, number> = {};
    FORMATS[spec.format].fields.forEach((name, j) => {
      const { min, max } = fieldRange(name);
      // Small offsets keep branches and memory accesses near the code half of the time.
      const span = small && max - min > 64 ? 64 : max - min + 1;
      const base = small && span === 64 && min < 0 ? -16 : min;
      operands[name] = base + (raw[j]! % span);
    });
    return encode(spec, operands);
  });

const register = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0x1000, max: 0x4000 }).map((a) => a & ~3),
  fc.integer({ min: -8, max: 8 }),
  fc.constantFrom(0xf0000000, 0xf0000004, 0xf0000008, 0xf000000c, 0x80000000, 0x00400000, FUZZ_PT_BASE),
);

const fuzzCase = (word: fc.Arbitrary<number>, env: Env): fc.Arbitrary<FuzzCase> =>
  fc.record({
    env: fc.constant(env),
    words: fc.array(word, { minLength: 1, maxLength: 12 }),
    regs: fc.array(register, { minLength: 15, maxLength: 15 }),
    user: fc.boolean(),
    interrupts: fc.boolean(),
    timer: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
    consoleInput: fc.boolean(),
  });

describe.each(ENVS)('random instruction words, %s', (env) => {
  it('case 2: any 32-bit words', () => {
    fc.assert(fc.property(fuzzCase(anyWord, env), checkCase), { numRuns: 300, seed: 0xf022 + env.length });
  });

  it('case 3: valid encodings with random operands', () => {
    fc.assert(fc.property(fuzzCase(validWord, env), checkCase), { numRuns: 500, seed: 0xf033 + env.length });
  });

  it('case 4: valid encodings mixed with any words', () => {
    fc.assert(fc.property(fuzzCase(fc.oneof(validWord, anyWord), env), checkCase), { numRuns: 300, seed: 0xf044 + env.length });
  });
});
