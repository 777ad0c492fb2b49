// Encoding and decoding of TV32 words, derived from the instruction table. The encoder and the
// decoder know no instruction by name: everything comes from isa/table.ts.

import { FIELDS, FORMATS, INSTRUCTIONS, type FieldName, type FieldSpec, type InsnSpec } from './table.ts';

export const OPCODE_SHIFT = 26;

export function fieldMask(f: FieldSpec): number {
  const width = f.hi - f.lo + 1;
  return (width === 32 ? 0xffffffff : ((1 << width) - 1) << f.lo) >>> 0;
}

/** The bits an instruction's operands occupy. */
export function operandMask(spec: InsnSpec): number {
  let mask = 0;
  for (const name of FORMATS[spec.format].fields) mask |= fieldMask(FIELDS[name]);
  return mask >>> 0;
}

/** The fixed bits of an instruction: the word must equal `match` under `mask`. */
export function fixedMask(spec: InsnSpec): number {
  return ~operandMask(spec) >>> 0;
}

export function matchBits(spec: InsnSpec): number {
  return ((spec.opcode << OPCODE_SHIFT) | (spec.funct ?? 0)) >>> 0;
}

/** The range of values a field accepts in assembly (before scaling of word offsets). */
export function fieldRange(name: FieldName): { min: number; max: number } {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  switch (f.kind) {
    case 'simm':
    case 'woff':
      return { min: -(2 ** (width - 1)), max: 2 ** (width - 1) - 1 };
    default:
      return { min: 0, max: 2 ** width - 1 };
  }
}

/** Extract a field's value from a word: sign-extended for simm/woff (woff stays in words). */
export function extractField(word: number, name: FieldName): number {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  const raw = (word >>> f.lo) & ((2 ** width) - 1);
  if (f.kind === 'simm' || f.kind === 'woff') return (raw << (32 - width)) >> (32 - width);
  return raw;
}

export function insertField(word: number, name: FieldName, value: number): number {
  const f = FIELDS[name];
  const width = f.hi - f.lo + 1;
  const bits = (value & ((2 ** width) - 1)) << f.lo;
  return ((word & ~fieldMask(f)) | bits) >>> 0;
}

/** Operand values keyed by field name; word offsets are in words, not bytes. */
export type Operands = Partial<Record<FieldName, number>>;

export class EncodeError extends Error {}

/** Encode an instruction. Throws EncodeError naming the field and its range when a value does not fit. */
export function encode(spec: InsnSpec, operands: Operands): number {
  let word = matchBits(spec);
  for (const name of FORMATS[spec.format].fields) {
    const value = operands[name];
    if (value === undefined) throw new EncodeError(`${spec.mnemonic}: missing operand ${name}`);
    const { min, max } = fieldRange(name);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new EncodeError(`${name} ${value} out of range ${min}..${max}`);
    }
    word = insertField(word, name, value);
  }
  return word >>> 0;
}

export interface Decoded {
  readonly spec: InsnSpec;
  readonly operands: Operands;
}

/** Per major opcode, the instructions that use it (the SYS group shares one opcode). */
const BY_OPCODE: readonly (readonly InsnSpec[])[] = (() => {
  const table: InsnSpec[][] = Array.from({ length: 64 }, () => []);
  for (const spec of INSTRUCTIONS) table[spec.opcode]!.push(spec);
  return table;
})();

/** Find the instruction a word encodes, or undefined when it is not a valid TV32 instruction. */
export function lookup(word: number): InsnSpec | undefined {
  for (const spec of BY_OPCODE[word >>> OPCODE_SHIFT]!) {
    if (((word & fixedMask(spec)) >>> 0) === matchBits(spec)) return spec;
  }
  return undefined;
}

export function decode(word: number): Decoded | undefined {
  const spec = lookup(word >>> 0);
  if (!spec) return undefined;
  const operands: Operands = {};
  for (const name of FORMATS[spec.format].fields) operands[name] = extractField(word, name);
  return { spec, operands };
}

export const SPEC_BY_MNEMONIC: ReadonlyMap<string, InsnSpec> = new Map(
  INSTRUCTIONS.map((s) => [s.mnemonic, s]),
);

/**
 * For the fast core: per major opcode, the fixed-bit mask and match of its single instruction,
 * or mask 0 / match 1 (never equal) for reserved opcodes. The SYS group is decoded by the core.
 */
export function opcodeCheckTables(): { mask: Uint32Array; match: Uint32Array } {
  const mask = new Uint32Array(64);
  const match = new Uint32Array(64).fill(1);
  for (let op = 0; op < 64; op++) {
    const specs = BY_OPCODE[op]!;
    if (specs.length === 1) {
      mask[op] = fixedMask(specs[0]!);
      match[op] = matchBits(specs[0]!);
    }
  }
  return { mask, match };
}

export function opcodeOf(mnemonic: string): number {
  const spec = SPEC_BY_MNEMONIC.get(mnemonic);
  if (!spec) throw new Error(`no instruction ${mnemonic}`);
  return spec.opcode;
}
