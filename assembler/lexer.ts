// The lexer: one line of assembly text to tokens with 1-based columns.
//
// Comments (`;`, `#`, `//` to the end of the line) are dropped here. The lexer knows no mnemonic,
// register or directive: it only splits text. It reports at most one error per line (the rest of
// a line after a lexical error cannot be trusted).

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

const IDENT_START = /[A-Za-z_.$]/;
const IDENT_PART = /[A-Za-z0-9_.$]/;
const THREE_CHAR_PUNCT = ['>>>'];
const TWO_CHAR_PUNCT = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||'];
const ONE_CHAR_PUNCT = ',()+-*/%&|^~:<>!';

class LexFailure extends Error {
  constructor(readonly col: number, message: string) {
    super(message);
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

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const col = i + 1;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';' || c === '#' || text.startsWith('//', i)) {
      break;
    } else if (/[0-9]/.test(c)) {
      const end = scanWord(text, i);
      tokens.push(numberToken(text.slice(i, end), col));
      i = end;
    } else if (IDENT_START.test(c)) {
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
      const two = text.slice(i, i + 2);
      const three = text.slice(i, i + 3);
      const punct = THREE_CHAR_PUNCT.includes(three) ? three : TWO_CHAR_PUNCT.includes(two) ? two : ONE_CHAR_PUNCT.includes(c) ? c : undefined;
      if (punct === undefined) throw new LexFailure(col, `unexpected character '${c}'`);
      tokens.push({ kind: 'punct', text: punct, col });
      i += punct.length;
    }
  }
  return tokens;
}

function scanWord(text: string, start: number): number {
  let end = start + 1;
  while (end < text.length && IDENT_PART.test(text[end]!)) end++;
  return end;
}

const RADIX_PREFIX: Record<string, { radix: number; digits: RegExp }> = {
  '0x': { radix: 16, digits: /^[0-9a-f_]+$/i },
  '0b': { radix: 2, digits: /^[01_]+$/ },
  '0o': { radix: 8, digits: /^[0-7_]+$/ },
};

/** Integers wrap to 32 bits like every other value; local label references are `<n>b` / `<n>f`. */
function numberToken(word: string, col: number): Token {
  // `0b` alone is local label 0 backward: a binary number needs at least one digit.
  const local = /^([0-9]+)([bf])$/i.exec(word);
  if (local) {
    return { kind: 'localref', text: word, col, value: Number(local[1]), direction: local[2]!.toLowerCase() as 'b' | 'f' };
  }
  const prefix = RADIX_PREFIX[word.slice(0, 2).toLowerCase()];
  let value: bigint | undefined;
  if (prefix && prefix.digits.test(word.slice(2))) {
    value = BigInt(`0${word[1]!.toLowerCase()}${word.slice(2).replace(/_/g, '')}`);
  } else if (/^[0-9]+$/.test(word)) {
    value = BigInt(word);
  }
  if (value === undefined) throw new LexFailure(col, `invalid number '${word}'`);
  if (value > 0xffffffffn) throw new LexFailure(col, `number '${word}' does not fit in 32 bits`);
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
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length;
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
