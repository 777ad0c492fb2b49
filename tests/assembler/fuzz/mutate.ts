// Mutated assembly sources for the assembler fuzzer (fuzz.test.ts): the shipped sources, changed
// by a seeded PRNG in the ways that have broken assemblers before (issue 9 §3).
//
// A case is a pure function of its number and the campaign seed, so a failure is reproduced by
// its number alone. Mutations work on lines (delete, duplicate, swap, splice from another file),
// on characters (random bytes, NUL, non-ASCII, lone surrogates, CRLF, unterminated strings) and
// on meaning (huge numbers, deep parentheses, sign chains, macro bombs, recursive macros and
// includes, gigantic `.space`/`.align`/`.org`). Nothing here imports the assembler.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTRUCTIONS, PSEUDOS, REGISTER_ABI_NAMES } from '../../../isa/table.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The sources mutations start from and splice from, by absolute path. */
export type Corpus = ReadonlyMap<string, string>;

/** guest-programs/**, the assembler's golden tests and the hypervisor's guests: every .s and .inc. */
export function loadCorpus(): Corpus {
  const corpus = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(s|inc)$/.test(entry.name)) corpus.set(full, fs.readFileSync(full, 'utf8'));
    }
  };
  for (const dir of ['guest-programs', 'tests/assembler', 'tests/hypervisor/guests']) walk(path.join(repo, dir));
  return corpus;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface FuzzCase {
  readonly number: number;
  /** The file the mutated text stands in for (its includes resolve next to it). */
  readonly file: string;
  readonly source: string;
  readonly mutations: readonly string[];
}

/** What a mutation gets: the lines so far, and the corpus to splice from. */
interface Context {
  readonly rng: Rng;
  readonly corpus: Corpus;
  readonly files: readonly string[];
  readonly file: string;
}

type Mutation = (lines: string[], ctx: Context) => void;

const spot = (lines: readonly string[], rng: Rng): number => rng.below(lines.length + 1);
const lineAt = (lines: readonly string[], rng: Rng): number => rng.below(Math.max(1, lines.length));

/** Put `text` into line i at a random column (or make it the line when there is none). */
function insertInLine(lines: string[], i: number, text: string, rng: Rng): void {
  const line = lines[i] ?? '';
  const col = rng.below(line.length + 1);
  lines[i] = line.slice(0, col) + text + line.slice(col);
}

const STRANGE_CHARS = [
  '\0', '\x01', '\x07', '\x1b', '\x7f', '\t', '\r', '\v', '\f', '"', "'", '\\', '`', '@', '?', '[', ']', '{', '}', '=',
  'é', 'ß', '€', '\u00a0', '\u200b', '\ufeff', '😀', '\ud800', '\udfff', '\u{10ffff}', '\\x', '\\q', '\\@', '\\',
];

const MNEMONICS = [...INSTRUCTIONS.map((s) => s.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)];
const DIRECTIVES = ['.word', '.half', '.byte', '.ascii', '.asciz', '.space', '.align', '.org', '.equ', '.set', '.global', '.entry', '.include', '.macro', '.endm', '.bogus'];
const TOKENS = [
  ...MNEMONICS, ...DIRECTIVES, ...REGISTER_ABI_NAMES, 'r15', 'r16', 'fp', 'status', 'cr7', 'cr99',
  ',', '(', ')', ':', '+', '-', '*', '/', '%', '<<', '>>', '>>>', '&&', '||', '!', '~', '%hi(', '%lo(', '.', '$',
  '0', '1', '-1', '0x', '0b', '0b2', '0x_', '1f', '1b', '99b', '"str"', "'c'", "''", '\\@', '\\x', 'label:', '1:', '_start:',
];

const HUGE_NUMBERS = [
  '4294967295', '4294967296', '0xffffffff', '0x100000000', '-2147483648', '2147483648', '131072', '-131073',
  '99999999999999999999999999', '9'.repeat(2000), '0b' + '1'.repeat(40), '0x' + '0'.repeat(5000) + '1', '0o777777777777', '1_000',
];

const isNumberChar = (c: string): boolean => /[0-9]/.test(c);

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  deleteLines(lines, { rng }) {
    lines.splice(lineAt(lines, rng), 1 + rng.below(3));
  },
  duplicateLine(lines, { rng }) {
    const i = lineAt(lines, rng);
    const copies = rng.chance(0.1) ? 200 + rng.below(2000) : 1 + rng.below(3);
    lines.splice(i, 0, ...Array<string>(copies).fill(lines[i] ?? ''));
  },
  swapLines(lines, { rng }) {
    const a = lineAt(lines, rng);
    const b = lineAt(lines, rng);
    [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
  },
  spliceForeign(lines, { rng, corpus, files }) {
    const other = corpus.get(rng.pick(files))!.split('\n');
    const start = rng.below(other.length);
    lines.splice(spot(lines, rng), 0, ...other.slice(start, start + 1 + rng.below(8)));
  },
  truncate(lines, { rng }) {
    const i = lineAt(lines, rng);
    lines.length = i + 1;
    lines[i] = (lines[i] ?? '').slice(0, rng.below((lines[i]?.length ?? 0) + 1));
  },
  strangeChars(lines, { rng }) {
    for (let n = 1 + rng.below(4); n > 0; n--) insertInLine(lines, lineAt(lines, rng), rng.pick(STRANGE_CHARS), rng);
  },
  randomBytes(lines, { rng }) {
    const text = Array.from({ length: 1 + rng.below(20) }, () => String.fromCharCode(rng.below(rng.chance(0.8) ? 128 : 0x10000))).join('');
    insertInLine(lines, lineAt(lines, rng), text, rng);
  },
  randomTokens(lines, { rng }) {
    const text = Array.from({ length: 1 + rng.below(6) }, () => rng.pick(TOKENS)).join(rng.chance(0.5) ? ' ' : ', ');
    if (rng.chance(0.5)) insertInLine(lines, lineAt(lines, rng), ` ${text} `, rng);
    else lines.splice(spot(lines, rng), 0, `    ${text}`);
  },
  hugeNumber(lines, { rng }) {
    // Replace a number in a line that has one, or add a data line with it.
    const candidates = lines.flatMap((l, i) => (/[0-9]/.test(l) ? [i] : []));
    const huge = rng.pick(HUGE_NUMBERS);
    if (candidates.length === 0) return void lines.splice(spot(lines, rng), 0, `    .word ${huge}`);
    const i = rng.pick(candidates);
    const line = lines[i]!;
    const digits = [...line].flatMap((c, k) => (isNumberChar(c) ? [k] : []));
    const k = rng.pick(digits);
    lines[i] = line.slice(0, k) + huge + line.slice(k + 1);
  },
  deepExpression(lines, { rng }) {
    const depth = rng.pick([8, 100, 255, 256, 257, 1000, 3000, 20000]);
    const shape = rng.pick(['parens', 'minus', 'tilde', 'plus-chain', 'hi', 'mixed']);
    const value =
      shape === 'parens' ? '('.repeat(depth) + '1' + ')'.repeat(depth)
      : shape === 'minus' ? '-'.repeat(depth) + '1'
      : shape === 'tilde' ? '~'.repeat(depth) + '1'
      : shape === 'plus-chain' ? Array<string>(depth).fill('1').join('+')
      : shape === 'hi' ? '%hi('.repeat(Math.min(depth, 3000)) + '1' + ')'.repeat(Math.min(depth, 3000))
      : Array.from({ length: depth }, (_, k) => ['(', '-', '~', '!', '+'][k % 5]).join('') + '1' + ')'.repeat(Math.ceil(depth / 5));
    const where = rng.pick(['    .word ', '    li a0, ', '    addi a0, a0, ', '    .equ DEEP, ', '    lw a0, ']);
    lines.splice(spot(lines, rng), 0, where + value + (where.includes('lw') ? '(sp)' : ''));
  },
  macroBomb(lines, { rng }) {
    const levels = rng.pick([5, 16, 17, 20, 30]);
    const bomb = ['.macro fz0', '    nop', '.endm'];
    for (let k = 1; k <= levels; k++) bomb.push(`.macro fz${k}`, `    fz${k - 1}`, `    fz${k - 1}`, '.endm');
    lines.splice(spot(lines, rng), 0, ...bomb, `    fz${levels}`);
  },
  argumentBomb(lines, { rng }) {
    // Each level doubles its argument: 2^levels characters by the innermost.
    const levels = rng.pick([10, 24, 31]);
    const bomb = ['.macro fa0 x', '    .ascii "\\x"', '.endm'];
    for (let k = 1; k <= levels; k++) bomb.push(`.macro fa${k} x`, `    fa${k - 1} \\x\\x`, '.endm');
    lines.splice(spot(lines, rng), 0, ...bomb, `    fa${levels} ab`);
  },
  recursiveMacro(lines, { rng }) {
    const form = rng.pick([
      ['.macro fr x', '    fr \\x', '.endm', '    fr 1'],
      ['.macro fp', '    fq', '.endm', '.macro fq', '    fp', '.endm', '    fp'],
      ['.macro fr', '    .macro fs', '    fr', '.endm', '    fr'],
      ['.macro fr x', '    \\x fr', '.endm', '    fr .macro'],
    ]);
    lines.splice(spot(lines, rng), 0, ...form);
  },
  macroChain(lines, { rng }) {
    const depth = rng.pick([31, 32, 33, 40, 200]);
    const chain: string[] = [];
    for (let k = 0; k < depth; k++) chain.push(`.macro fc${k}`, k + 1 < depth ? `    fc${k + 1}` : '    nop', '.endm');
    lines.splice(spot(lines, rng), 0, ...chain, '    fc0');
  },
  unterminated(lines, { rng }) {
    const quoted = lines.flatMap((l, i) => (/["']/.test(l) ? [i] : []));
    if (quoted.length > 0 && rng.chance(0.6)) {
      const i = rng.pick(quoted);
      const at = lines[i]!.lastIndexOf(rng.chance(0.5) ? '"' : "'");
      if (at >= 0) return void (lines[i] = lines[i]!.slice(0, at) + lines[i]!.slice(at + 1));
    }
    lines.splice(spot(lines, rng), 0, rng.pick(['    .ascii "abc', "    li a0, 'a", '    .asciz "\\', '    .include "', "    .byte '", '    .ascii "' + 'x'.repeat(100_000)]));
  },
  lineEndings(lines, { rng }) {
    const form = rng.below(3);
    for (let i = 0; i < lines.length; i++) if (form === 0 || rng.chance(0.2)) lines[i] += '\r';
    if (form === 2) lines[0] = '\ufeff' + (lines[0] ?? '');
  },
  hugeLayout(lines, { rng }) {
    const form = rng.pick([
      ['    .space 0x7fffffff'], ['    .space 0x1000000'], ['    .space 0x1000001'], ['    .space 0xc00000', '    .space 0xc00000'], ['    .space -1'],
      ['    .align 0x80000000'], ['    .align 0x40000000'], ['    .align 3'], ['    .org 0xfffffffc', '    .word 1, 2'],
      ['    .org 0', '    .space 16', '    .org 8', '    .word 1'], ['    .byte 300', '    .half 70000'], ['    .org -1', '    nop'],
      Array.from({ length: 2000 }, (_, k) => `    .org ${0x100000 + ((k * 7919) % 2000) * 4}\n    .word ${k}`),
    ]);
    lines.splice(spot(lines, rng), 0, ...form);
  },
  longLine(lines, { rng }) {
    const n = rng.pick([1000, 20_000, 100_000]);
    const form = rng.pick(['word', 'commas', 'ident', 'args']);
    const text =
      form === 'word' ? '    .word ' + Array.from({ length: n }, (_, k) => k).join(', ')
      : form === 'commas' ? '    .byte ' + ','.repeat(n)
      : form === 'ident' ? '    ' + 'x'.repeat(n) + ' a0'
      : '    add ' + Array<string>(n).fill('a0').join(', ');
    lines.splice(spot(lines, rng), 0, text);
  },
  includes(lines, { rng, file, files }) {
    const target = rng.pick([
      path.basename(file), // itself: a cycle
      path.relative(path.dirname(file), rng.pick(files)),
      'no/such/file.inc', '.', '', '/dev/null', '../'.repeat(40) + 'x.inc', 'x'.repeat(5000),
    ]);
    lines.splice(spot(lines, rng), 0, `    .include "${target}"`);
  },
  labels(lines, { rng }) {
    const form = rng.pick([
      ['dup:', 'dup:'], ['1:', '    j 1f'], ['    j 1b', '1:'], ['a0:'], ['.:'], ['    .equ x, x'], ['    .equ e1, e2', '    .equ e2, e1 + 1'],
      ['    .set s, 1', '    .set s, s + 1'], ['    .global nowhere'], ['    .entry nowhere'], ['    .entry 0', '    .entry 4'],
      Array.from({ length: 3000 }, (_, k) => `l${k}: .word l${(k * 17) % 3000}`),
    ]);
    lines.splice(spot(lines, rng), 0, ...form);
  },
};

export const MUTATION_NAMES: readonly string[] = Object.keys(MUTATIONS);

/** Case `number` of the campaign with `seed`: a corpus file and one to four mutations of it. */
export function generateCase(number: number, seed: number, corpus: Corpus): FuzzCase {
  const rng = new Rng(Math.imul(number, 0x9e3779b1) ^ seed);
  const files = [...corpus.keys()].sort();
  const file = rng.pick(files);
  const lines = corpus.get(file)!.replace(/\n$/, '').split('\n');
  const ctx: Context = { rng, corpus, files, file };
  const mutations: string[] = [];
  for (let n = 1 + rng.below(4); n > 0; n--) {
    const name = rng.pick(MUTATION_NAMES);
    MUTATIONS[name]!(lines, ctx);
    mutations.push(name);
  }
  return { number, file, source: lines.join('\n') + '\n', mutations };
}
