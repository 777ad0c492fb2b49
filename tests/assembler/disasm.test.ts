// The disassembler against the assembler: every word decode() accepts prints as text that
// assembles back to the same word, at any pc (branch targets wrap modulo 2^32).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disassemble, disassembleImage } from '../../assembler/index.ts';
import { assemble } from '../../node/files.ts';
import { decode, matchBits, operandMask } from '../../isa/encoding.ts';
import { FIELDS, FORMATS, INSTRUCTIONS } from '../../isa/table.ts';

const PCS = [0, 0x1000, 0x7ffffffc, 0x80000000, 0xfffff000, 0xfffffffc];

/** Any valid instruction word: an instruction's fixed bits plus random operand bits. */
const validWord = fc
  .tuple(fc.integer({ min: 0, max: INSTRUCTIONS.length - 1 }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([i, bits]) => (matchBits(INSTRUCTIONS[i]!) | (bits & operandMask(INSTRUCTIONS[i]!))) >>> 0);
const anyPc = fc.oneof(fc.constantFrom(...PCS), fc.integer({ min: 0, max: 0x3fffffff }).map((w) => (w * 4) >>> 0));

function assembleOne(text: string, pc: number, defines?: Record<string, number>): number {
  const result = assemble(`${text}\n`, { origin: pc, ...(defines ? { defines } : {}) });
  expect(result.diagnostics, `${text} at 0x${pc.toString(16)}`).toEqual([]);
  const bytes = result.image!.segments[0]!.bytes;
  expect(bytes.length).toBe(4);
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}

/** The branch or jump target of a word, if it has one. */
function targetOf(word: number, pc: number): number | undefined {
  const d = decode(word);
  const field = d && FORMATS[d.spec.format].fields.find((f) => FIELDS[f].kind === 'woff');
  return field === undefined ? undefined : (pc + 4 * d!.operands[field]!) >>> 0;
}

describe('disassemble', () => {
  it('prints instructions in assembler syntax', () => {
    expect(disassemble(0x48cfffff, 0x1000)).toBe('addi a0, a0, -1');
    expect(disassemble(0xa0c00002, 0x1000)).toBe('beq a0, zero, 0x1008');
    expect(disassemble(0xa0c00002, 0x1000, new Map([[0x1008, 'loop']]))).toBe('beq a0, zero, loop');
    expect(disassemble(0x89c80004, 0)).toBe('lw t0, 4(sp)');
    expect(disassemble(0x9dc80000, 0)).toBe('sw t0, 0(sp)');
    expect(disassemble(0x6d048d16, 0)).toBe('lui a1, 0x48d16');
    expect(disassemble(0xe2000000, 0)).toBe('mfcr t1, status');
    expect(disassemble(0xe0c0001f, 0)).toBe('mfcr a0, cr31');
    expect(disassemble(0xf8000002, 0)).toBe('eret');
    expect(disassemble(0xf8010007, 0)).toBe('hcall 7');
    expect(disassemble(0x12345678, 0)).toBe('.word 0x12345678');
    expect(disassemble(0, 0)).toBe('.word 0x00000000');
  });

  it('round-trips every valid word at any pc', () => {
    fc.assert(
      fc.property(validWord, anyPc, (word, pc) => {
        expect(assembleOne(disassemble(word, pc), pc)).toBe(word);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips random words that decode accepts, and prints the rest as .word', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...PCS), (word, pc) => {
        const text = disassemble(word, pc);
        if (!decode(word)) expect(text).toMatch(/^\.word 0x[0-9a-f]{8}$/);
        expect(assembleOne(text, pc)).toBe(word);
      }),
      { numRuns: 2000 },
    );
  });

  it('names branch and jump targets by symbol when one is given', () => {
    const branchy = validWord.filter((w) => targetOf(w, 0) !== undefined);
    fc.assert(
      fc.property(branchy, anyPc, (word, pc) => {
        const target = targetOf(word, pc)!;
        const text = disassemble(word, pc, new Map([[target, 'dest']]));
        expect(text.endsWith(', dest') || text.endsWith(' dest')).toBe(true);
        expect(assembleOne(text, pc, { dest: target | 0 })).toBe(word);
      }),
      { numRuns: 500 },
    );
  });
});

describe('disassembleImage', () => {
  it('prints labels on their own lines and address, word, text per instruction', () => {
    const { image } = assemble('_start:\n  addi a0, a0, -1\nloop: bnez a0, loop\n  .byte 7\n');
    const text = disassembleImage(image!);
    expect(text).toContain('_start:\n  00001000  48cfffff  addi a0, a0, -1\nloop:\n  00001004  a4c00000  bne a0, zero, loop\n');
    expect(text).toContain('  00001008  07        .byte 0x7');
  });
});
