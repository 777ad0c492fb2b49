// Expressions: parsing tokens into a tree, and evaluating the tree against a symbol table.
//
// C operators and precedence (unary - ~ + !; * / %; + -; << >> >>>; < <= > >=; == !=; &; ^; |; &&; ||);
// comparisons and logical operators give 1 or 0, && and || short-circuit. Every value is a 32-bit integer held as a
// signed JS number (`| 0`), so arithmetic wraps modulo 2^32; `/` and `%` truncate toward zero and
// `>>` is arithmetic, as in C on int32; `>>>` is logical, as in JavaScript. `%hi(x)` / `%lo(x)` split x for a `lui`/`addi` pair.
// This module knows nothing of instructions or layout: it asks the caller for symbol values.

import type { Token } from './lexer.ts';

export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '>>>' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';

export type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly col: number }
  /** `text` is the symbol as written (`1f`), `name` the one it resolves to. */
  | { readonly kind: 'sym'; readonly name: string; readonly text: string; readonly col: number }
  | { readonly kind: 'dot'; readonly col: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: Expr; readonly col: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly col: number }
  | { readonly kind: 'reloc'; readonly fn: 'hi' | 'lo'; readonly arg: Expr; readonly col: number };

/** A user mistake inside an expression, with the column to point at. */
export class ExprError extends Error {
  constructor(readonly col: number, message: string) {
    super(message);
  }
}

export interface ExprSyntax {
  /** The unique symbol name a local reference (`1b`, `1f`) stands for. */
  localName(token: Token): string;
  isRegister(name: string): boolean;
}

export type UnaryOp = '-' | '~' | '+' | '!';

/** Binary operators from loosest to tightest binding, as in C. */
const PRECEDENCE: readonly (readonly BinaryOp[])[] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>', '>>>'], ['+', '-'], ['*', '/', '%'],
];
const UNARY_OPS: readonly string[] = ['-', '~', '+', '!'];

/** Parse an expression from tokens[start..]; returns the tree and the index after it. */
export function parseExpression(tokens: readonly Token[], start: number, syntax: ExprSyntax): { expr: Expr; next: number } {
  let pos = start;
  const peek = (): Token | undefined => tokens[pos];
  const endCol = (): number => {
    const last = tokens[tokens.length - 1];
    return last ? last.col + last.text.length : 1;
  };

  const binary = (level: number): Expr => {
    if (level === PRECEDENCE.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      const op = t?.kind === 'punct' ? PRECEDENCE[level]!.find((o) => o === t.text) : undefined;
      if (!t || !op) return left;
      pos++;
      left = { kind: 'binary', op, left, right: binary(level + 1), col: t.col };
    }
  };

  const unary = (): Expr => {
    const t = peek();
    if (t?.kind === 'punct' && UNARY_OPS.includes(t.text)) {
      pos++;
      return { kind: 'unary', op: t.text as UnaryOp, arg: unary(), col: t.col };
    }
    return primary();
  };

  const primary = (): Expr => {
    const t = peek();
    if (!t) throw new ExprError(endCol(), 'expected an expression');
    pos++;
    switch (t.kind) {
      case 'number':
        return { kind: 'num', value: t.value!, col: t.col };
      case 'localref':
        return { kind: 'sym', name: syntax.localName(t), text: t.text, col: t.col };
      case 'ident':
        if (t.text === '.') return { kind: 'dot', col: t.col };
        if (syntax.isRegister(t.text)) throw new ExprError(t.col, `expected a value, got register '${t.text}'`);
        return { kind: 'sym', name: t.text, text: t.text, col: t.col };
      case 'string':
        throw new ExprError(t.col, 'expected a value, got a string');
      case 'punct':
        if (t.text === '(') {
          const inner = binary(0);
          expectClose(t);
          return inner;
        }
        if (t.text === '%') return relocation(t);
        throw new ExprError(t.col, `expected an expression, got '${t.text}'`);
    }
  };

  const relocation = (percent: Token): Expr => {
    const fn = peek();
    const open = tokens[pos + 1];
    const name = fn?.kind === 'ident' ? fn.text.toLowerCase() : '';
    if ((name !== 'hi' && name !== 'lo') || open?.text !== '(') {
      throw new ExprError(fn?.col ?? percent.col, 'expected %hi(...) or %lo(...)');
    }
    pos += 2;
    const arg = binary(0);
    expectClose(open);
    return { kind: 'reloc', fn: name, arg, col: percent.col };
  };

  const expectClose = (open: Token): void => {
    const t = peek();
    if (t?.text !== ')') throw new ExprError(t?.col ?? open.col, t ? `expected ')', got '${t.text}'` : "missing ')'");
    pos++;
  };

  const expr = binary(0);
  return { expr, next: pos };
}

/** Parse tokens that must form exactly one expression. */
export function parseWholeExpression(tokens: readonly Token[], syntax: ExprSyntax, colIfEmpty: number): Expr {
  if (tokens.length === 0) throw new ExprError(colIfEmpty, 'expected an expression');
  const { expr, next } = parseExpression(tokens, 0, syntax);
  const extra = tokens[next];
  if (extra) throw new ExprError(extra.col, `unexpected '${extra.text}' after expression`);
  return expr;
}

/** What a symbol holds while evaluating. */
export interface SymbolValue {
  readonly value: number;
  /** Depends on a label or on `.`: such values change with layout. */
  readonly addressLike: boolean;
}

export interface EvalEnv {
  /** The address of the statement being assembled (`.`). */
  readonly dot: number;
  lookup(name: string): SymbolValue | undefined;
}

/** Evaluate; throws ExprError for undefined symbols and division by zero. */
export function evaluate(expr: Expr, env: EvalEnv): SymbolValue {
  switch (expr.kind) {
    case 'num':
      return { value: expr.value | 0, addressLike: false };
    case 'dot':
      return { value: env.dot | 0, addressLike: true };
    case 'sym': {
      const found = env.lookup(expr.name);
      if (!found) throw new ExprError(expr.col, `undefined symbol '${expr.text}'`);
      return found;
    }
    case 'unary': {
      const a = evaluate(expr.arg, env);
      const value = expr.op === '-' ? -a.value | 0 : expr.op === '~' ? ~a.value : expr.op === '!' ? Number(a.value === 0) : a.value;
      return { value, addressLike: a.addressLike };
    }
    case 'reloc': {
      const a = evaluate(expr.arg, env);
      return { value: expr.fn === 'hi' ? hi(a.value) : lo(a.value), addressLike: a.addressLike };
    }
    case 'binary': {
      const a = evaluate(expr.left, env);
      if ((expr.op === '&&' && a.value === 0) || (expr.op === '||' && a.value !== 0)) {
        return { value: Number(expr.op === '||'), addressLike: a.addressLike };
      }
      const b = evaluate(expr.right, env);
      return { value: applyBinary(expr.op, a.value, b.value, expr.col), addressLike: a.addressLike || b.addressLike };
    }
  }
}

function applyBinary(op: BinaryOp, a: number, b: number, col: number): number {
  switch (op) {
    case '+': return (a + b) | 0;
    case '-': return (a - b) | 0;
    case '*': return Math.imul(a, b);
    case '/':
      if (b === 0) throw new ExprError(col, 'division by zero');
      return Math.trunc(a / b) | 0;
    case '%':
      if (b === 0) throw new ExprError(col, 'division by zero');
      return a % b | 0;
    // Shift counts use the low 5 bits, as JS and most 32-bit hardware do.
    case '<<': return a << b;
    case '>>': return a >> b;
    case '>>>': return (a >>> b) | 0;
    case '&': return a & b;
    case '^': return a ^ b;
    case '|': return a | b;
    case '<': return Number(a < b);
    case '<=': return Number(a <= b);
    case '>': return Number(a > b);
    case '>=': return Number(a >= b);
    case '==': return Number(a === b);
    case '!=': return Number(a !== b);
    case '&&': return Number(a !== 0 && b !== 0);
    case '||': return Number(a !== 0 || b !== 0);
  }
}

/** The `lui` half of x: rounds so that adding the sign-extended `%lo(x)` rebuilds x. */
export function hi(x: number): number {
  return (((x + 0x200) >>> 10) & 0x3fffff) | 0;
}

/** The `addi` half of x: its low 10 bits, sign-extended. */
export function lo(x: number): number {
  return (x << 22) >> 22;
}
