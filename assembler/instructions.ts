// Instruction statements: operands parsed by the format's `syntax` in isa/table.ts, and
// pseudo-instructions expanded by substituting their operands into the table's `expansion`.
//
// Nothing here names a real instruction: mnemonics, formats, fields and pseudo expansions all come
// from the table. The only assembler-side rule is the short form of `li` (see SHORT_FORMS).
// Values are not evaluated here (that needs layout); operands stay expressions.

import { SPEC_BY_MNEMONIC } from '../isa/encoding.ts';
import { FIELDS, FORMATS, PSEUDOS, REGISTER_NUMBERS, type FieldName, type InsnSpec, type PseudoSpec } from '../isa/table.ts';
import { CR_COUNT, CR_NAMES } from '../isa/arch.ts';
import { ExprError, parseWholeExpression, type Expr, type ExprSyntax } from './expressions.ts';
import { lexLine, splitAtCommas, type Token } from './lexer.ts';

/** A parsed operand: a register or control-register number known now, or an expression. */
export type Operand =
  | { readonly field: FieldName; readonly kind: 'number'; readonly value: number; readonly col: number }
  | { readonly field: FieldName; readonly kind: 'expr'; readonly expr: Expr; readonly col: number };

export interface Insn {
  readonly spec: InsnSpec;
  readonly operands: readonly Operand[];
  readonly col: number;
}

/** What one source instruction becomes: fixed instructions, or a choice made once values are known. */
export type InsnGroup =
  | { readonly kind: 'code'; readonly insns: readonly Insn[] }
  /** `short` when `value` needs no layout (no label, no `.`) and fits an imm18; else `long`. */
  | { readonly kind: 'choice'; readonly value: Expr; readonly short: readonly Insn[]; readonly long: readonly Insn[] };

export const PSEUDO_BY_MNEMONIC: ReadonlyMap<string, PseudoSpec> = new Map(PSEUDOS.map((p) => [p.mnemonic, p]));

/**
 * Pseudo-instructions that shrink to one instruction when their `value` operand is a constant that
 * fits an imm18 (the table's PSEUDOS comment). `la` always takes two words so that the size of code
 * never depends on where labels land.
 */
const SHORT_FORMS: Readonly<Record<string, { operand: string; expansion: string }>> = {
  li: { operand: 'value', expansion: 'addi rd, zero, value' },
};

const CR_BY_NAME: ReadonlyMap<string, number> = new Map([...CR_NAMES].map(([n, name]) => [name, n]));

export function isRegisterName(name: string): boolean {
  return REGISTER_NUMBERS.has(name.toLowerCase());
}

type Slot = { readonly name: string; readonly base?: string };
const slotsBySyntax = new Map<string, readonly Slot[]>();

/** The operand slots of a syntax string: `rd, imm18(rs1)` → [{rd}, {imm18, base: rs1}]. Read once per string. */
function slotsOf(syntax: string): readonly Slot[] {
  let slots = slotsBySyntax.get(syntax);
  if (!slots) slotsBySyntax.set(syntax, (slots = readSlots(syntax)));
  return slots;
}

function readSlots(syntax: string): Slot[] {
  return syntax.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const m = /^(\w+)\((\w+)\)$/.exec(s);
    return m ? { name: m[1]!, base: m[2]! } : { name: s };
  });
}

function text(tokens: readonly Token[]): string {
  return tokens.map((t) => t.text).join(' ');
}

function checkCount(mnemonic: Token, syntax: string, parts: readonly Token[][]): void {
  const expected = slotsOf(syntax).length;
  if (parts.length === expected && parts.every((p) => p.length > 0)) return;
  const empty = parts.findIndex((p) => p.length === 0);
  const extra = parts[expected]?.[0];
  const shape = expected === 0 ? 'no operands' : `${expected} operand${expected === 1 ? '' : 's'} (${syntax})`;
  if (parts.length === expected && empty >= 0) throw new ExprError(mnemonic.col, `missing operand ${empty + 1} of '${mnemonic.text}' (${syntax})`);
  throw new ExprError(extra?.col ?? mnemonic.col, `'${mnemonic.text.toLowerCase()}' expects ${shape}, got ${parts.length}`);
}

/** Parse `mnemonic operands…` for a real instruction. Throws ExprError for user mistakes. */
export function parseInsn(spec: InsnSpec, mnemonic: Token, operandTokens: readonly Token[], syntax: ExprSyntax): Insn {
  const format = FORMATS[spec.format];
  const parts = splitAtCommas(operandTokens);
  checkCount(mnemonic, format.syntax, parts);
  const operands: Operand[] = [];
  slotsOf(format.syntax).forEach((slot, i) => {
    const part = parts[i]!;
    if (slot.base === undefined) {
      operands.push(parseField(slot.name as FieldName, part, syntax));
      return;
    }
    const { offset, base } = splitOffsetBase(part);
    operands.push(parseField(slot.base as FieldName, base, syntax));
    operands.push(offset.length === 0
      ? { field: slot.name as FieldName, kind: 'number', value: 0, col: part[0]!.col }
      : parseField(slot.name as FieldName, offset, syntax));
  });
  return { spec, operands, col: mnemonic.col };
}

/** `imm(reg)` → the offset tokens (maybe none) and the base-register tokens. */
function splitOffsetBase(part: readonly Token[]): { offset: Token[]; base: Token[] } {
  const last = part[part.length - 1]!;
  if (last.text === ')') {
    let depth = 0;
    for (let i = part.length - 1; i >= 0; i--) {
      if (part[i]!.text === ')') depth++;
      if (part[i]!.text === '(' && --depth === 0) {
        const base = part.slice(i + 1, -1);
        if (base.length === 1 && base[0]!.kind === 'ident' && isRegisterName(base[0]!.text)) {
          return { offset: part.slice(0, i), base };
        }
        break;
      }
    }
  }
  throw new ExprError(part[0]!.col, `expected offset(register), e.g. 8(sp), got '${text(part)}'`);
}

function parseField(field: FieldName, tokens: readonly Token[], syntax: ExprSyntax): Operand {
  const first = tokens[0]!;
  switch (FIELDS[field].kind) {
    case 'reg': {
      const n = tokens.length === 1 ? REGISTER_NUMBERS.get(first.text.toLowerCase()) : undefined;
      if (n === undefined) {
        const what = tokens.length === 1 && first.kind === 'ident' ? `unknown register '${first.text}'` : `expected a register, got '${text(tokens)}'`;
        throw new ExprError(first.col, what);
      }
      return { field, kind: 'number', value: n, col: first.col };
    }
    case 'cr': {
      const name = tokens.length === 1 ? first.text.toLowerCase() : '';
      // By name (`status`), as `crN`, or as a plain number.
      const numbered = /^(?:cr)?([0-9]+)$/.exec(name);
      const n = CR_BY_NAME.get(name) ?? (numbered && Number(numbered[1]) < CR_COUNT ? Number(numbered[1]) : undefined);
      if (n === undefined) {
        throw new ExprError(first.col, `unknown control register '${text(tokens)}' (expected ${[...CR_BY_NAME.keys()].join(', ')} or cr0..cr${CR_COUNT - 1})`);
      }
      return { field, kind: 'number', value: n, col: first.col };
    }
    default:
      return { field, kind: 'expr', expr: parseWholeExpression(tokens, syntax, first.col), col: first.col };
  }
}

/**
 * Substitute the user's operand tokens for the names in a pseudo's expansion line. Table text gets
 * the mnemonic's column, so errors in it point at the pseudo; operands keep their own columns.
 */
function substitute(line: string, params: readonly string[], args: readonly Token[][], col: number): Token[] {
  const out: Token[] = [];
  expansionTokens(line).forEach((t, i, all) => {
    const index = t.kind === 'ident' ? params.indexOf(t.text) : -1;
    if (index < 0) {
      out.push({ ...t, col });
      return;
    }
    const arg = args[index]!;
    // Keep an expression whole when it lands inside a larger one, e.g. `%hi(value)`.
    const alone = (i === 0 || all[i - 1]!.text === ',') && (i === all.length - 1 || all[i + 1]!.text === ',');
    const wrap = !alone && arg.length > 1;
    if (wrap) out.push({ kind: 'punct', text: '(', col: arg[0]!.col });
    for (const token of arg) out.push(token); // not push(...arg): an operand may be 100,000 tokens
    if (wrap) out.push({ kind: 'punct', text: ')', col: arg[0]!.col });
  });
  return out;
}

const tokensByExpansionLine = new Map<string, readonly Token[]>();

/** A table expansion line, lexed once for all its uses (a program may hold 100,000 `li`s). */
function expansionTokens(line: string): readonly Token[] {
  let tokens = tokensByExpansionLine.get(line);
  if (!tokens) {
    const lexed = lexLine(line);
    if (!lexed.tokens) throw new Error(`isa/table.ts: cannot lex pseudo expansion '${line}'`);
    tokensByExpansionLine.set(line, (tokens = lexed.tokens));
  }
  return tokens;
}

function expandLines(lines: readonly string[], params: readonly string[], args: Token[][], mnemonic: Token, syntax: ExprSyntax): Insn[] {
  return lines.map((line) => {
    const [head, ...rest] = substitute(line, params, args, mnemonic.col);
    const spec = SPEC_BY_MNEMONIC.get(head!.text);
    if (!spec) throw new Error(`isa/table.ts: pseudo '${mnemonic.text}' expands to unknown '${head!.text}'`);
    return parseInsn(spec, mnemonic, rest, syntax);
  });
}

/** Parse a pseudo-instruction into the instructions it stands for. Throws ExprError for user mistakes. */
export function parsePseudo(pseudo: PseudoSpec, mnemonic: Token, operandTokens: readonly Token[], syntax: ExprSyntax): InsnGroup {
  const parts = splitAtCommas(operandTokens);
  checkCount(mnemonic, pseudo.syntax, parts);
  const params = slotsOf(pseudo.syntax).map((s) => s.name);
  const long = expandLines(pseudo.expansion, params, parts, mnemonic, syntax);
  const shortForm = SHORT_FORMS[pseudo.mnemonic];
  if (!shortForm) return { kind: 'code', insns: long };
  const valueTokens = parts[params.indexOf(shortForm.operand)]!;
  return {
    kind: 'choice',
    value: parseWholeExpression(valueTokens, syntax, mnemonic.col),
    short: expandLines([shortForm.expansion], params, parts, mnemonic, syntax),
    long,
  };
}
