// The lexer: one line of assembly text to tokens with 1-based columns.
//
// Comments (`;`, `#`, `//` to the end of the line) are dropped here. The lexer knows no mnemonic,
// register or directive: it only splits text. It reports at most one error per line (the rest of
// a line after a lexical error cannot be trusted).

import { quoted } from './limits.ts';

export type TokenKind = 'ident' | 'number' | 'string' | 'localref' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written. */
  readonly text: string;
  /** 1-based column of the first character. */
  readonly col: number;
  /** Numbers and character literals: the value; local references: the label number. */
  readonly value?: number;
  /** Strings: the decoded bytes. */
  readonly bytes?: readonly number[];
  /** Local references (`1b`, `1f`): which way to look. */
  readonly direction?: 'b' | 'f';
}

export interface LexError {
  readonly col: number;
  readonly message: string;
}

export type LexResult = { tokens: Token[]; error?: undefined } | { tokens?: undefined; error: LexError };

/**
 * The operator or separator at text[i], longest first (`>>>` before `>>` before `>`), or
 * undefined. A switch rather than a search through lists: a line may be 100,000 commas.
 */
function punctuatorAt(text: string, i: number): string | undefined {
  const c = text[i]!;
  switch (c) {
    case ',': case '(': case ')': case '+': case '-': case '*': case '/': case '%': case '^': case '~': case ':':
      return c;
    case '>': return longest(text, i, ['>>>', '>>', '>=', '>']);
    case '<': return longest(text, i, ['<<', '<=', '<']);
    case '=': return longest(text, i, ['==']);
    case '!': return longest(text, i, ['!=', '!']);
    case '&': return longest(text, i, ['&&', '&']);
    case '|': return longest(text, i, ['||', '|']);
    default: return undefined;
  }
}

function longest(text: string, i: number, candidates: readonly string[]): string | undefined {
  for (const p of candidates) if (text.startsWith(p, i)) return p;
  return undefined;
}

/** A lexical mistake; like ExprError (expressions.ts), made without a stack trace. */
class LexFailure extends Error {
  readonly col: number;
  constructor(col: number, message: string) {
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = traceLimit;
    this.col = col;
  }
}

export function lexLine(text: string): LexResult {
  try {
    return { tokens: lex(text) };
  } catch (e) {
    if (e instanceof LexFailure) return { error: { col: e.col, message: e.message } };
    throw e;
  }
}

// Character classes by code, not by regular expression: the lexer touches every character of
// the input, and a 200,000-value `.word` line is 1.3 million of them.
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isIdentStart = (c: number): boolean => isLetter(c) || c === 0x5f || c === 0x2e || c === 0x24; // _ . $
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const c = text[i]!;
    const col = i + 1;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';' || c === '#' || text.startsWith('//', i)) {
      break;
    } else if (isDigit(code)) {
      const end = scanWord(text, i);
      tokens.push(numberToken(text.slice(i, end), col));
      i = end;
    } else if (isIdentStart(code)) {
      const end = scanWord(text, i);
      tokens.push({ kind: 'ident', text: text.slice(i, end), col });
      i = end;
    } else if (c === '"') {
      const { bytes, end } = scanQuoted(text, i, '"');
      tokens.push({ kind: 'string', text: text.slice(i, end), col, bytes });
      i = end;
    } else if (c === "'") {
      const { bytes, end } = scanQuoted(text, i, "'");
      if (bytes.length !== 1) throw new LexFailure(col, 'a character literal holds exactly one character');
      tokens.push({ kind: 'number', text: text.slice(i, end), col, value: bytes[0]! });
      i = end;
    } else {
      const punct = punctuatorAt(text, i);
      if (punct === undefined) throw new LexFailure(col, `unexpected character ${describeChar(text, i)}`);
      tokens.push({ kind: 'punct', text: punct, col });
      i += punct.length;
    }
  }
  return tokens;
}

function scanWord(text: string, start: number): number {
  let end = start + 1;
  while (end < text.length && isIdentPart(text.charCodeAt(end))) end++;
  return end;
}

const RADIX_PREFIX: Record<string, { radix: number; digits: RegExp }> = {
  '0x': { radix: 16, digits: /^[0-9a-f_]+$/i },
  '0b': { radix: 2, digits: /^[01_]+$/ },
  '0o': { radix: 8, digits: /^[0-7_]+$/ },
};

/** A character for a message: itself when printable ASCII, else its code point (NUL, a BOM, `é`). */
function describeChar(text: string, i: number): string {
  const code = text.codePointAt(i)!;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return code >= 0x21 && code <= 0x7e ? `'${text[i]}'` : `U+${hex}`;
}

function isDecimal(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (!isDigit(word.charCodeAt(i))) return false;
  return true;
}

/** More digits than this cannot fit 32 bits in any radix (32 binary digits after leading zeros). */
const MAX_SIGNIFICANT_DIGITS = 32;

/** Integers wrap to 32 bits like every other value; local label references are `<n>b` / `<n>f`. */
function numberToken(word: string, col: number): Token {
  // The common case, a short decimal, needs neither regular expressions nor BigInt.
  if (word.length <= 9 && isDecimal(word)) return { kind: 'number', text: word, col, value: Number(word) };
  // `0b` alone is local label 0 backward: a binary number needs at least one digit.
  const local = /^([0-9]+)([bf])$/i.exec(word);
  if (local) {
    return { kind: 'localref', text: word, col, value: Number(local[1]), direction: local[2]!.toLowerCase() as 'b' | 'f' };
  }
  const prefix = RADIX_PREFIX[word.slice(0, 2).toLowerCase()];
  // `0x_` has no digit at all (BigInt('0x') would throw).
  const digits = prefix && prefix.digits.test(word.slice(2)) && /[^_]/.test(word.slice(2)) ? word.slice(2) : /^[0-9]+$/.test(word) ? word : undefined;
  if (digits === undefined) throw new LexFailure(col, `invalid number '${quoted(word)}'`);
  // BigInt of a megabyte of digits takes seconds, and no such number fits anyway.
  const tooLong = digits.replace(/_/g, '').replace(/^0+/, '').length > MAX_SIGNIFICANT_DIGITS;
  const value = tooLong ? undefined : BigInt(digits === word ? word : `0${word[1]!.toLowerCase()}${digits.replace(/_/g, '')}`);
  if (value === undefined || value > 0xffffffffn) throw new LexFailure(col, `number '${quoted(word)}' does not fit in 32 bits`);
  return { kind: 'number', text: word, col, value: Number(BigInt.asIntN(32, value)) };
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34, "'": 39 };

/** A quoted string or character literal starting at `start`; returns its bytes and where it ends. */
function scanQuoted(text: string, start: number, quote: string): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    const c = text[i]!;
    if (c !== '\\') {
      i += pushUtf8(bytes, text, i);
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === 'x' && /^[0-9a-f]{2}$/i.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      throw new LexFailure(i + 1, `unknown escape sequence '\\${e}'`);
    }
  }
  if (i >= text.length) {
    throw new LexFailure(start + 1, quote === '"' ? 'unterminated string' : 'unterminated character literal');
  }
  return { bytes, end: i + 1 };
}

/**
 * Append the UTF-8 bytes of the character at text[i] (the encoding isa/README.md gives strings);
 * returns how many UTF-16 units it took. A lone surrogate becomes U+FFFD, as TextEncoder does.
 */
function pushUtf8(bytes: number[], text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0x80) {
    bytes.push(unit);
    return 1;
  }
  const point = text.codePointAt(i)!;
  const units = point > 0xffff ? 2 : 1;
  const code = point >= 0xd800 && point <= 0xdfff ? 0xfffd : point;
  if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
  else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  return units;
}

/** Split tokens at top-level commas (parenthesised commas stay inside their operand). */
export function splitAtCommas(tokens: readonly Token[]): Token[][] {
  if (tokens.length === 0) return [];
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (t.kind === 'punct' && t.text === ',' && depth === 0) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/** How many leading tokens are label definitions (`name:` or `1:`). */
export function labelPrefixLength(tokens: readonly Token[]): number {
  let i = 0;
  while ((tokens[i]?.kind === 'ident' || tokens[i]?.kind === 'number') && tokens[i + 1]?.text === ':') i += 2;
  return i;
}
