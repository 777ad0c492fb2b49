// The assembler's API as a user sees it: located diagnostics, their printed form, the listing,
// the image (entry, symbols, source map) and its round trip through the image file format.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../assembler/index.ts';
import { assemble, assembleFile } from '../../node/files.ts';
import { hi, lo } from '../../assembler/expressions.ts';
import { parseImage, serializeImage } from '../../isa/image.ts';

const files = (table: Record<string, string>) => (path: string): string => {
  if (path in table) return table[path]!;
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};

const words = (bytes: Uint8Array): number[] =>
  Array.from({ length: bytes.length / 4 }, (_, i) => (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0);

describe('diagnostics', () => {
  it('reports three different mistakes in one file, each at its line and column', () => {
    const source = ['start:', '    ad a0, a0, a1', '    addi a0, a0, 300000', '    j nowhere', '    nop'].join('\n');
    const result = assemble(source, { file: 'three.s' });
    expect(result.image).toBeUndefined();
    expect(result.diagnostics.map(({ file, line, col, message, severity }) => ({ file, line, col, message, severity }))).toEqual([
      { file: 'three.s', line: 2, col: 5, message: "unknown instruction 'ad'; did you mean 'add'?", severity: 'error' },
      { file: 'three.s', line: 3, col: 18, message: 'immediate 300000 out of range -131072..131071', severity: 'error' },
      { file: 'three.s', line: 4, col: 7, message: "undefined symbol 'nowhere'", severity: 'error' },
    ]);
    expect(result.diagnostics[1]!.sourceLine).toBe('    addi a0, a0, 300000');
  });

  it('prints diagnostics like gcc and clang', () => {
    const [d] = assemble('\taddi a0, a0, 300000\n', { file: 'x.s' }).diagnostics;
    expect(formatDiagnostic(d!)).toBe(
      'x.s:1:15: error: immediate 300000 out of range -131072..131071\n' +
      '  \taddi a0, a0, 300000\n' +
      '  \t             ^',
    );
    const colored = formatDiagnostic(d!, true);
    expect(colored).toContain('\x1b[');
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(formatDiagnostic(d!));
  });

  it('sorts diagnostics in reading order across includes', () => {
    const readFile = files({ 'inc.s': 'nop\nbogus1\n' });
    const result = assemble('bogus0\n.include "inc.s"\nbogus2\n', { file: 'main.s', readFile });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}`)).toEqual(['main.s:1', 'inc.s:2', 'main.s:3']);
  });

  it('points at the argument on the invocation line for mistakes inside macro expansions', () => {
    const source = ['.macro inner w', '    addi a0, a0, \\w', '.endm', '.macro outer v', '    inner \\v', '.endm', '    outer 999999'].join('\n');
    const [d] = assemble(source).diagnostics;
    expect(d).toMatchObject({ line: 7, col: 11 });
    expect(d!.message).toContain("immediate 999999 out of range -131072..131071 (in macro 'inner'");
  });

  it('never throws, whatever the input', () => {
    const alphabet = fc.constantFrom(...'ab0x1:;,.()%+-*/<>&|^~!"\'\\ \n\tlwaddi sp a0 .word .macro .endm .include \\@ 1f 1b'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }).map((cs) => cs.join('')), (source) => {
        const result = assemble(source, { readFile: files({}) });
        expect(result.diagnostics.filter((d) => d.message.startsWith('internal'))).toEqual([]);
        expect(result.image === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 500 },
    );
  });

  it('reports a missing file instead of throwing', () => {
    const result = assembleFile('/nonexistent/prog.s');
    expect(result.image).toBeUndefined();
    expect(result.diagnostics[0]!.message).toContain('file not found');
  });
});

describe('the include path', () => {
  const readFile = files({
    'src/a.inc': '.equ WHERE, 1\n',
    'one/a.inc': '.equ WHERE, 2\n',
    'one/b.inc': '.equ WHERE, 3\n',
    'two/b.inc': '.equ WHERE, 4\n',
    'two/c.inc': '.equ WHERE, 5\n',
  });
  const where = (name: string, includePath: string[]) => {
    const { image, diagnostics } = assemble(`.include "${name}"\n.word WHERE\n`, { file: 'src/main.s', readFile, includePath });
    return image ? words(image.segments[0]!.bytes)[0] : diagnostics[0]!.message;
  };

  it('looks beside the including file first, then in each directory in order', () => {
    expect(where('a.inc', ['one', 'two'])).toBe(1);
    expect(where('b.inc', ['one', 'two'])).toBe(3);
    expect(where('b.inc', ['two', 'one'])).toBe(4);
    expect(where('c.inc', ['one', 'two'])).toBe(5);
  });

  it('names every directory it searched when the file is in none, each once', () => {
    expect(where('d.inc', ['one', 'two', 'one/', 'src'])).toBe("cannot read include file 'd.inc': not found in src/, one/, two/");
    expect(where('d.inc', [])).toBe("cannot read include file 'src/d.inc': file not found");
  });

  it('stops at a file that exists but cannot be read, rather than taking a later one', () => {
    const unreadable = (p: string): string => {
      if (p === 'one/x.inc') throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      if (p === 'two/x.inc') return '.equ WHERE, 6\n';
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    };
    const { diagnostics } = assemble('.include "x.inc"\n', { file: 'src/main.s', readFile: unreadable, includePath: ['one', 'two'] });
    expect(diagnostics.map((d) => d.message)).toEqual(["cannot read include file 'one/x.inc': permission denied"]);
  });
});

describe('listing', () => {
  it('shows address, data and source side by side, one row per word', () => {
    const source = ['_start:', '    li a0, 0x12345678   ; two words', '    nop', 'msg: .asciz "hi!!x"', '    .half 1, 2', '    .space 100'].join('\n');
    expect(assemble(source).listing).toBe([
      '00001000               _start:',
      '00001000  6cc48d16         li a0, 0x12345678   ; two words',
      '00001004  48cffe78',
      '00001008  48000000         nop',
      '0000100c  68 69 21 21  msg: .asciz "hi!!x"',
      '00001010  78 00',
      '00001012  0001 0002        .half 1, 2',
      '00001016  00 00 00 00      .space 100',
      '0000101a  … 96 more',
      '',
    ].join('\n'));
  });

  it('lists a label that stands on a line of its own at its address, in an include and a macro too', () => {
    const source = ['.macro spin', '1:', '    bnez a0, 1b', '.endm', 'main:', 'again:', '    spin', '    .include "tail.inc"', 'end:'].join('\n');
    const { listing, diagnostics } = assemble(source, { readFile: files({ 'tail.inc': 'tail:\n    nop\n' }) });
    expect(diagnostics).toEqual([]);
    expect(listing).toBe([
      '00001000               main:',
      '00001000               again:',
      '00001000  a4c00000         spin',
      '00001004               tail:',
      '00001004  48000000         nop',
      '00001008               end:',
      '',
    ].join('\n'));
  });
});

describe('image', () => {
  const source = [
    '    .global main',
    'helper: ret',
    'main:',
    '    call helper',
    '    .include "data.inc"',
    '    .equ END, .',
    '    .equ SIZE, 12',
  ].join('\n');
  const readFile = files({ 'data.inc': 'table: .word 1, 2\n' });

  it('holds segments, symbols, the entry point and a source map', () => {
    const { image, diagnostics } = assemble(source, { file: 'prog.s', readFile });
    expect(diagnostics).toEqual([]);
    expect(image!.entry).toBe(0x1000); // no _start, no .entry: the first address emitted
    expect(image!.symbols).toEqual([
      { name: 'helper', address: 0x1000, global: false },
      { name: 'main', address: 0x1004, global: true },
      { name: 'table', address: 0x1008, global: false },
      { name: 'END', address: 0x1010, global: false },
    ]);
    expect(image!.sourceMap).toEqual([
      { address: 0x1000, file: 'prog.s', line: 2 },
      { address: 0x1004, file: 'prog.s', line: 4 },
      { address: 0x1008, file: 'data.inc', line: 1 },
    ]);
  });

  it('starts at _start, or at .entry when given', () => {
    expect(assemble('nop\n_start: nop\n').image!.entry).toBe(0x1004);
    expect(assemble('nop\n_start: nop\nthere: nop\n.entry there\n').image!.entry).toBe(0x1008);
  });

  it('honours origin and predefined symbols', () => {
    const { image } = assemble('li a0, COUNT\n.word .\n', { origin: 0x8000, defines: { COUNT: 3 } });
    expect(image!.segments[0]!.address).toBe(0x8000);
    expect(words(image!.segments[0]!.bytes)).toEqual([0x48c00003, 0x8004]);
  });

  it('starts a new segment at each .org, sorted by address', () => {
    const { image } = assemble('nop\n.org 0x2000\nnop\n.org 0x1004\nnop\n');
    expect(image!.segments.map((s) => [s.address, s.bytes.length])).toEqual([[0x1000, 4], [0x1004, 4], [0x2000, 4]]);
  });

  it('reports .org that writes over earlier output', () => {
    const { diagnostics } = assemble('nop\nnop\n.org 0x1004\n.word 5\n');
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([[4, 'output at 0x1004..0x1007 overlaps earlier output at 0x1000..0x1007']]);
  });

  it('round-trips through serializeImage and parseImage', () => {
    const { image } = assemble(source, { file: 'prog.s', readFile });
    const again = parseImage(serializeImage(image!));
    expect(again.entry).toBe(image!.entry);
    expect(again.symbols).toEqual(image!.symbols);
    expect(again.sourceMap).toEqual(image!.sourceMap);
    expect(again.segments.map((s) => [s.address, [...s.bytes]])).toEqual(image!.segments.map((s) => [s.address, [...s.bytes]]));
  });
});

describe('%hi and %lo', () => {
  it('rebuild every 32-bit value: (%hi(x) << 10) + %lo(x) = x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        expect(hi(x)).toBeGreaterThanOrEqual(0);
        expect(hi(x)).toBeLessThanOrEqual(0x3fffff);
        expect(lo(x)).toBeGreaterThanOrEqual(-512);
        expect(lo(x)).toBeLessThanOrEqual(511);
        expect(((hi(x) << 10) + lo(x)) >>> 0).toBe(x);
      }),
      { numRuns: 20000 },
    );
    for (const x of [0, 0x1ff, 0x200, 0x3ff, 0x7fffffff, 0x80000000, 0xfffffdff, 0xfffffe00, 0xffffffff]) {
      expect(((hi(x) << 10) + lo(x)) >>> 0).toBe(x);
    }
  });

  it('li of any value assembles to words that compute it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        const { image, diagnostics } = assemble(`li a0, ${x}\n`);
        expect(diagnostics).toEqual([]);
        const ws = words(image!.segments[0]!.bytes);
        const sext18 = (w: number): number => (w << 14) >> 14;
        const value = ws.length === 1 ? sext18(ws[0]!) : ((ws[0]! & 0x3fffff) << 10) + sext18(ws[1]!);
        expect(value >>> 0).toBe(x);
        expect(ws.length).toBe(x <= 131071 || x >= 0x100000000 - 131072 ? 1 : 2);
      }),
      { numRuns: 2000 },
    );
  });
});
