// The disassembler: words back to assembly text the assembler accepts, driven by the table.
//
// Operands are printed by substituting the format's `syntax` (isa/table.ts) with field values:
// registers by ABI name, control registers by name (or crN), branch and jump targets as absolute
// addresses (a symbol name when one is known). Words that decode() rejects print as `.word`.
// Pseudo-instructions are not reconstructed: what you see is what the CPU executes.

import { decode } from '../isa/encoding.ts';
import { CR_NAMES } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import { FIELDS, FORMATS, REGISTER_ABI_NAMES, type FieldName } from '../isa/table.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** Unsigned fields wider than this print in hex (lui's imm22); narrower ones in decimal. */
const DECIMAL_MAX_BITS = 16;

export function disassemble(word: number, pc: number, symbols?: ReadonlyMap<number, string>): string {
  const decoded = decode(word >>> 0);
  if (!decoded) return `.word 0x${hex8(word)}`;
  const { spec, operands } = decoded;
  const text = FORMATS[spec.format].syntax.replace(/[a-z][a-z0-9]*/gi, (name) => {
    const field = name as FieldName;
    return formatField(field, operands[field]!, pc, symbols);
  });
  return text === '' ? spec.mnemonic : `${spec.mnemonic} ${text}`;
}

function formatField(field: FieldName, value: number, pc: number, symbols?: ReadonlyMap<number, string>): string {
  const spec = FIELDS[field];
  switch (spec.kind) {
    case 'reg': return REGISTER_ABI_NAMES[value]!;
    case 'cr': return CR_NAMES.get(value) ?? `cr${value}`;
    case 'simm': return String(value);
    case 'uimm': return spec.hi - spec.lo + 1 > DECIMAL_MAX_BITS ? hex(value) : String(value);
    case 'woff': {
      const target = (pc + value * 4) >>> 0;
      return symbols?.get(target) ?? hex(target);
    }
  }
}

/** A whole image: labels on their own lines, then `address  word  instruction` per word. */
export function disassembleImage(image: Image): string {
  const namesAt = new Map<number, string[]>();
  for (const s of image.symbols) namesAt.set(s.address, [...(namesAt.get(s.address) ?? []), s.name]);
  const firstName = new Map([...namesAt].map(([address, names]) => [address, names[0]!]));
  const lines = [`; entry ${hex(image.entry)}`];
  const segments = [...image.segments].sort((a, b) => a.address - b.address);
  for (const segment of segments) {
    lines.push('', `; segment ${hex(segment.address)}, ${segment.bytes.length} bytes`);
    const { bytes } = segment;
    let offset = 0;
    while (offset < bytes.length) {
      const address = (segment.address + offset) >>> 0;
      for (const name of namesAt.get(address) ?? []) lines.push(`${name}:`);
      if (address % 4 === 0 && offset + 4 <= bytes.length) {
        const word = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
        lines.push(`  ${hex8(address)}  ${hex8(word)}  ${disassemble(word, address, firstName)}`);
        offset += 4;
      } else {
        const byte = bytes[offset]!;
        lines.push(`  ${hex8(address)}  ${byte.toString(16).padStart(2, '0').padEnd(8)}  .byte ${hex(byte)}`);
        offset += 1;
      }
    }
  }
  return lines.join('\n') + '\n';
}
