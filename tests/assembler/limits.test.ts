// The assembler's limits (assembler/limits.ts, issue 9 §3): each input that once hung the
// assembler, exhausted its memory or overflowed its stack now ends quickly in located errors.
// One test per hole. The heavy inputs run in a worker with a deadline (fuzz/sandbox.ts), so that
// a regression fails its test instead of hanging vitest; no test asserts on time otherwise.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Diagnostic } from '../../assembler/index.ts';
import { assemble, assembleFile } from '../../node/files.ts';
import { MAX_EXPANSION_CHARS, MAX_EXPANSION_LINES, MAX_EXPRESSION_DEPTH, MAX_INCLUDES, MAX_MACRO_DEPTH } from '../../assembler/limits.ts';
import { AssemblerSandbox, type SandboxOutcome } from './fuzz/sandbox.ts';

/** A hang guard, not a benchmark: each of these finishes in well under a second. */
const DEADLINE_MS = 60_000;

const sandbox = new AssemblerSandbox();
afterAll(() => sandbox.close());

/** Assemble in the sandbox; fails the test if it hung or crashed. */
async function assembleSafely(source: string, files?: Record<string, string>): Promise<Extract<SandboxOutcome, { kind: 'done' }>> {
  const outcome = await sandbox.run(source, '/virtual/main.s', DEADLINE_MS, files);
  if (outcome.kind !== 'done') throw new Error(`the assembler ${outcome.kind === 'timeout' ? 'hung' : `crashed: ${outcome.error}`}`);
  return outcome;
}

const located = (d: Diagnostic): string => `${path.basename(d.file)}:${d.line}:${d.col}: ${d.message}`;
const lines = (...text: string[]): string => text.join('\n') + '\n';

/** n macros, each invoking the one below twice: 2^n lines from 4n + 4. */
function macroBomb(levels: number): string[] {
  const bomb = ['.macro b0', '    nop', '.endm'];
  for (let k = 1; k <= levels; k++) bomb.push(`.macro b${k}`, `    b${k - 1}`, `    b${k - 1}`, '.endm');
  return bomb;
}

describe('macro expansion', () => {
  it('a macro bomb of 2^30 lines is one error at the invocation, naming the chain', async () => {
    const bomb = macroBomb(30);
    const result = await assembleSafely(lines(...bomb, '_start:', '    b30', '    b30'));
    expect(result.imageBytes).toBeUndefined();
    // The second invocation adds nothing: expansion stopped at the first.
    expect(result.diagnostics.map(located)).toEqual([
      expect.stringMatching(new RegExp(`^main.s:${bomb.length + 2}:5: macro expansion exceeds ${MAX_EXPANSION_LINES} lines: b30 → b29 → b28 → b27 → … → b\\d+ → b\\d+ → b\\d+$`)),
    ]);
  });

  it('arguments that double at each level stop at the character budget', async () => {
    const bomb = ['.macro d0 x', '    .ascii "\\x"', '.endm'];
    for (let k = 1; k <= 31; k++) bomb.push(`.macro d${k} x`, `    d${k - 1} \\x\\x`, '.endm');
    const result = await assembleSafely(lines(...bomb, '    d31 ab'));
    expect(result.diagnostics.map(located)).toEqual([
      expect.stringMatching(new RegExp(`^main.s:${bomb.length + 1}:5: macro expansion exceeds ${MAX_EXPANSION_CHARS} characters: d31 → d30 → d29 → d28 → … → d\\d+ → d\\d+ → d\\d+$`)),
    ]);
  });

  it('nesting deeper than the limit names the chain', () => {
    const chain = Array.from({ length: 40 }, (_, k) => [`.macro c${k}`, k < 39 ? `    c${k + 1}` : '    nop', '.endm']).flat();
    const [d, ...rest] = assemble(lines(...chain, '    c0')).diagnostics;
    expect(rest).toEqual([]);
    expect(located(d!)).toMatch(new RegExp(`^<input>:121:5: macro expansion nested more than ${MAX_MACRO_DEPTH} deep: c0 → c1 → c2 → c3 → … → c30 → c31 → c32 \\(in macro 'c31'`));
  });

  it('recursion through several macros names them', () => {
    const [d] = assemble(lines('.macro p', '    q', '.endm', '.macro q', '    p', '.endm', '    p')).diagnostics;
    expect(d!.message).toMatch(/^recursive macro 'p' \(expanding p → q → p\)/);
  });

  it('reports every error at once: a bomb, deep parentheses and a typo', async () => {
    const bomb = macroBomb(20);
    const result = await assembleSafely(lines(...bomb, '    b20', `    .word ${'('.repeat(3000)}1${')'.repeat(3000)}`, '    frob'));
    expect(result.diagnostics.map((d) => d.line)).toEqual([bomb.length + 1, bomb.length + 2, bomb.length + 3]);
  });
});

describe('includes', () => {
  it('a chain deeper than the limit names the files', async () => {
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`/virtual/i${k}.inc`, `.include "i${k + 1}.inc"\n`]));
    const result = await assembleSafely('.include "i0.inc"\n', files);
    expect(result.diagnostics.map(located)).toEqual([
      "i30.inc:1:10: includes nested more than 32 deep: /virtual/main.s → /virtual/i0.inc → /virtual/i1.inc → /virtual/i2.inc → … → /virtual/i29.inc → /virtual/i30.inc → /virtual/i31.inc",
    ]);
  });

  it('files that each include the next twice (2^k reads) stop at the include budget', async () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`/virtual/t${k}.inc`, k < 19 ? `.include "t${k + 1}.inc"\n.include "t${k + 1}.inc"\n` : '\n']));
    const result = await assembleSafely('.include "t0.inc"\n', files);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]!.message).toMatch(new RegExp(`^more than ${MAX_INCLUDES} .include directives in one assembly`));
  });

  it('the default reader refuses what is not a regular file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-limits-'));
    const main = path.join(dir, 'main.s');
    fs.writeFileSync(main, '.include "/dev/null"\n.include "."\n');
    expect(assembleFile(main).diagnostics.map((d) => d.message)).toEqual([
      "cannot read include file '/dev/null': not a regular file",
      `cannot read include file '${dir}': is a directory`,
    ]);
  });
});

describe('expressions', () => {
  it.each([
    ['3,000 parentheses', `${'('.repeat(3000)}1${')'.repeat(3000)}`],
    ['3,000 minus signs', `${'-'.repeat(3000)}1`],
    ['3,000 tildes', `${'~'.repeat(3000)}1`],
    ['a sum of 20,000 terms', Array<string>(20_000).fill('1').join('+')],
    ['3,000 nested %hi', `${'%hi('.repeat(3000)}1${')'.repeat(3000)}`],
  ])('%s: a located error, not a stack overflow', async (_, expression) => {
    const result = await assembleSafely(`    .word ${expression}\n`);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ line: 1, message: `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels of parentheses and operators)` });
    expect(result.diagnostics[0]!.col).toBeGreaterThan(10);
  });

  it('an expression at the limit still assembles', () => {
    // Each pair of parentheses, each sign and the number itself is one level.
    const parens = MAX_EXPRESSION_DEPTH - 3;
    const { image, diagnostics } = assemble(`.word ${'('.repeat(parens)}-~5${')'.repeat(parens)}, ${'-'.repeat(MAX_EXPRESSION_DEPTH - 1)}7\n`);
    expect(diagnostics).toEqual([]);
    expect([...image!.segments[0]!.bytes]).toEqual([6, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff]);
  });

  it('a pseudo-instruction operand of 200,000 tokens is an error, not an internal one', async () => {
    const result = await assembleSafely(`    li a0, ${Array<string>(100_000).fill('1').join('+')}\n`);
    expect(result.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^expression nested too deeply/)]);
  });

  it('a number of 100,000 digits does not fit, and the message quotes only its start', () => {
    const [d] = assemble(`.word ${'7'.repeat(100_000)}\n`).diagnostics;
    expect(d!.message).toBe(`number '${'7'.repeat(40)}…' does not fit in 32 bits`);
  });

  it('0x_ is an invalid number (it was an internal error: BigInt("0x") throws)', () => {
    expect(assemble('.word 0x_\n').diagnostics.map(located)).toEqual(["<input>:1:7: invalid number '0x_'"]);
  });
});

describe('layout', () => {
  it.each([
    ['.space 0x7fffffff', '.space size 2147483647 out of range 0..16777216'],
    ['.space 0xc00000\n.space 0xc00000', 'image larger than the 16 MiB limit: 12582912 bytes at 0xc01000 after 12582912 already emitted'],
    ['.align 0x40000000', '.align 1073741824 is larger than an image may be (16777216 bytes)'],
    ['.org 0xfffffffc\n.word 1, 2', 'output at 0xfffffffc runs past the end of the address space'],
  ])('%s is a located error', async (source, message) => {
    const result = await assembleSafely(source + '\n');
    expect(result.diagnostics.map((d) => d.message)).toEqual([message]);
  });
});

describe('time linear in the input', () => {
  // Each once took seconds or minutes; the deadline only guards against a return of that.
  it('a .word line of 200,000 values assembles', async () => {
    const result = await assembleSafely(`    .word ${Array.from({ length: 200_000 }, (_, i) => i).join(', ')}\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.imageBytes).toBe(800_000);
  });

  it('40,000 .org segments assemble (the overlap check compared every pair: 65 s)', async () => {
    const result = await assembleSafely(Array.from({ length: 40_000 }, (_, i) => `    .org ${0x1000 + 8 * i}\n    nop`).join('\n') + '\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.imageBytes).toBe(160_000);
  });

  it('30,000 labelled lines, a 500,000-byte string and 10,000 unknown instructions finish', async () => {
    const labels = await assembleSafely(Array.from({ length: 30_000 }, (_, i) => `l${i}: addi a0, a0, ${i % 1000}`).join('\n') + '\n');
    expect(labels.imageBytes).toBe(120_000);
    const string = await assembleSafely(`    .ascii "${'é'.repeat(250_000)}"\n`);
    expect(string.imageBytes).toBe(500_000);
    const typos = await assembleSafely(Array.from({ length: 10_000 }, (_, i) => `    bogus${i} a0`).join('\n') + '\n');
    expect(typos.diagnostics).toHaveLength(10_000);
  });

  it('a hint for a megabyte-long unknown word costs no more than for a short one, and is quoted short', () => {
    const [d] = assemble(`    ${'x'.repeat(1_000_000)} a0\n`).diagnostics;
    expect(d!.message).toBe(`unknown instruction '${'x'.repeat(40)}…'`);
  });
});

describe('vmmlab asm', () => {
  it('prints every error located, exits 1, and never a stack trace', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-limits-'));
    const file = path.join(dir, 'bomb.s');
    fs.writeFileSync(file, lines(...macroBomb(30), '_start: b30', `    .word ${'('.repeat(3000)}1${')'.repeat(3000)}`));
    const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), 'asm', file], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: DEADLINE_MS });
    expect(r.status).toBe(1);
    const heads = r.stderr.split('\n').filter((l) => l.includes('error:'));
    expect(heads).toEqual([
      expect.stringMatching(new RegExp(`^${file}:124:9: error: macro expansion exceeds ${MAX_EXPANSION_LINES} lines: b30 → b29 → `)),
      `${file}:125:267: error: expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels of parentheses and operators)`,
      `vmmlab: error: ${file}: 2 errors; nothing assembled`,
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });
});
