// Every guest program under guest-programs/ (a .s file that defines _start; the kernel's other
// .s files are pieces it includes) assembles without diagnostics, and lib/arch.inc
// mirrors isa/arch.ts value for value.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../assembler/index.ts';
import { assemble, assembleFile } from '../../node/files.ts';
import { BUNDLED_INCLUDE_DIRS } from '../../config/bundled.ts';
import * as arch from '../../isa/arch.ts';

const guestDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../guest-programs');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith('.s') && /^\s*_start:/m.test(fs.readFileSync(full, 'utf8')) ? [full] : [];
  });
}

describe('guest programs', () => {
  const programs = sourcesUnder(guestDir);

  it('include hello, fib, sieve and traps', () => {
    const names = programs.map((p) => path.basename(p));
    for (const name of ['hello.s', 'fib.s', 'sieve.s', 'traps.s']) expect(names).toContain(name);
  });

  for (const program of programs) {
    it(`${path.relative(guestDir, program)} assembles without diagnostics`, () => {
      // As every vmmlab command assembles: the bundled library on the include path (init/'s templates need it).
      const result = assembleFile(program, { includePath: BUNDLED_INCLUDE_DIRS });
      expect(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n')).toBe('');
      expect(result.image!.symbols.find((s) => s.name === '_start')?.address).toBe(result.image!.entry);
    });
  }

  it('lib/arch.inc mirrors isa/arch.ts', () => {
    const expected: Record<string, number> = {
      MMIO_BASE: arch.MMIO_BASE,
      PAGE_SHIFT: arch.PAGE_SHIFT,
      PAGE_SIZE: arch.PAGE_SIZE,
      SUPERPAGE_SHIFT: arch.SUPERPAGE_SHIFT,
      SUPERPAGE_SIZE: arch.SUPERPAGE_SIZE,
      PTBR_ROOT_MASK: arch.PTBR_ROOT_MASK,
      PTBR_ASID_MASK: arch.PTBR_ASID_MASK,
      ...arch.DEVICE,
      ...Object.fromEntries(Object.entries(arch.CR).map(([k, v]) => [`CR_${k}`, v])),
      ...Object.fromEntries(Object.entries(arch.STATUS).map(([k, v]) => [`STATUS_${k}`, v])),
      ...Object.fromEntries(Object.entries(arch.CAUSE).map(([k, v]) => [`CAUSE_${k}`, v])),
      ...Object.fromEntries(Object.entries(arch.PTE).map(([k, v]) => [`PTE_${k}`, v])),
    };
    const names = Object.keys(expected);
    const source = `.include "${path.join(guestDir, 'lib/arch.inc')}"\n.word ${names.join(', ')}\n`;
    const { image, diagnostics } = assemble(source);
    expect(diagnostics.map((d) => formatDiagnostic(d)).join('\n')).toBe('');
    const bytes = image!.segments[0]!.bytes;
    const actual = Object.fromEntries(names.map((name, i) => [name, (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0]));
    expect(actual).toEqual(Object.fromEntries(names.map((name) => [name, expected[name]! >>> 0])));
  });
});
