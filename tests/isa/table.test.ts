// Checks of the instruction table in the style of riscv-opcodes' parser and Spike's
// check-opcode-overlap: fields and fixed bits cover all 32 bits exactly once, fixed values fit
// their bits, no word decodes as two instructions, names are unique, every pseudo expands to
// instructions that assemble.

import { describe, expect, it } from 'vitest';
import { assemble } from '../../node/files.ts';
import { decode, encode, fieldMask, fixedMask, matchBits, operandMask, OPCODE_SHIFT } from '../../isa/encoding.ts';
import { FIELDS, FORMATS, INSTRUCTIONS, PSEUDOS, REGISTER_ABI_NAMES, REGISTER_NUMBERS, type FieldName } from '../../isa/table.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

describe('fields and formats', () => {
  it('every field is a valid bit range below the opcode', () => {
    for (const [name, f] of Object.entries(FIELDS)) {
      expect(f.lo, name).toBeGreaterThanOrEqual(0);
      expect(f.hi, name).toBeGreaterThanOrEqual(f.lo);
      if (name !== 'op') expect(f.hi, `${name} overlaps the opcode`).toBeLessThan(OPCODE_SHIFT);
    }
  });

  it('the fields of one format never overlap', () => {
    for (const [format, spec] of Object.entries(FORMATS)) {
      let used = 0;
      for (const name of spec.fields) {
        const mask = fieldMask(FIELDS[name]);
        expect((used & mask) >>> 0, `${format}: ${name} overlaps an earlier field`).toBe(0);
        used = (used | mask) >>> 0;
      }
    }
  });

  it("every format's syntax names each of its fields exactly once", () => {
    for (const [format, spec] of Object.entries(FORMATS)) {
      const named = spec.syntax.match(/[a-z][a-z0-9]*/gi) ?? [];
      expect([...named].sort(), format).toEqual([...spec.fields].sort());
    }
  });
});

describe('instructions', () => {
  it('mnemonics are unique across instructions and pseudo-instructions', () => {
    const names = [...INSTRUCTIONS.map((s) => s.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)];
    expect(names.length).toBe(new Set(names).size);
  });

  it('operand fields and fixed bits cover all 32 bits, each bit once', () => {
    for (const spec of INSTRUCTIONS) {
      const operands = operandMask(spec);
      const fixed = fixedMask(spec);
      expect((operands & fixed) >>> 0, spec.mnemonic).toBe(0);
      expect((operands | fixed) >>> 0, spec.mnemonic).toBe(0xffffffff);
      // The opcode bits are always fixed.
      expect((fixed & fieldMask(FIELDS.op)) >>> 0, spec.mnemonic).toBe(fieldMask(FIELDS.op));
    }
  });

  it('every fixed value fits its bits', () => {
    for (const spec of INSTRUCTIONS) {
      expect(spec.opcode, spec.mnemonic).toBeGreaterThanOrEqual(0);
      expect(spec.opcode, spec.mnemonic).toBeLessThan(1 << (FIELDS.op.hi - FIELDS.op.lo + 1));
      const match = matchBits(spec);
      expect(hex(match & operandMask(spec)), `${spec.mnemonic}: fixed bits fall in an operand field`).toBe(hex(0));
      expect((spec.funct ?? 0) >>> OPCODE_SHIFT, `${spec.mnemonic}: funct reaches the opcode`).toBe(0);
    }
  });

  it('no two encodings overlap', () => {
    for (const [i, a] of INSTRUCTIONS.entries()) {
      for (const b of INSTRUCTIONS.slice(i + 1)) {
        // Some word matches both iff they agree on the bits both fix.
        const common = (fixedMask(a) & fixedMask(b)) >>> 0;
        const overlap = ((matchBits(a) & common) >>> 0) === ((matchBits(b) & common) >>> 0);
        expect(overlap, `${a.mnemonic} and ${b.mnemonic} overlap`).toBe(false);
      }
    }
  });

  it('decode(encode(x)) gives back the instruction and its operands', () => {
    for (const spec of INSTRUCTIONS) {
      const operands: Partial<Record<FieldName, number>> = {};
      for (const name of FORMATS[spec.format].fields) operands[name] = FIELDS[name].kind === 'reg' ? 5 : 1;
      const decoded = decode(encode(spec, operands));
      expect(decoded?.spec.mnemonic).toBe(spec.mnemonic);
      expect(decoded?.operands).toEqual(operands);
    }
  });

  it('zero-filled and all-ones words are illegal', () => {
    expect(decode(0)).toBeUndefined();
    expect(decode(0xffffffff)).toBeUndefined();
  });
});

describe('registers', () => {
  it('r0..r15 and the ABI names map to 0..15; fp is s0', () => {
    expect(REGISTER_ABI_NAMES.length).toBe(16);
    REGISTER_ABI_NAMES.forEach((name, i) => {
      expect(REGISTER_NUMBERS.get(name)).toBe(i);
      expect(REGISTER_NUMBERS.get(`r${i}`)).toBe(i);
    });
    expect(REGISTER_NUMBERS.get('fp')).toBe(REGISTER_NUMBERS.get('s0'));
  });
});

describe('pseudo-instructions', () => {
  /** Sample operands by name: registers for register-like names, a label for targets. */
  const sample = (name: string): string => (/^r[a-z]$/.test(name) ? 'a1' : name === 'value' ? '0x12345678' : 'there');

  for (const pseudo of PSEUDOS) {
    it(`${pseudo.mnemonic} expands to ${pseudo.expansion.length} instruction(s) that assemble`, () => {
      const names = pseudo.syntax.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const operands = names.map(sample).join(', ');
      const expanded = pseudo.expansion
        .map((line) => line.replace(/[A-Za-z_]+/g, (w) => (names.includes(w) ? sample(w) : w)))
        .join('\n');
      const asPseudo = assemble(`there: ${pseudo.mnemonic} ${operands}\n`);
      const asExpansion = assemble(`there:\n${expanded}\n`);
      expect(asPseudo.diagnostics).toEqual([]);
      expect(asExpansion.diagnostics).toEqual([]);
      expect(asPseudo.image!.segments[0]!.bytes.length).toBe(4 * pseudo.expansion.length);
      expect(asPseudo.image!.segments).toEqual(asExpansion.image!.segments);
    });
  }
});
