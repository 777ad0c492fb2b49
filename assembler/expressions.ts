// Expressions: parsing tokens into a tree, and evaluating the tree against a symbol table.
//
// C operators and precedence (unary - ~ + !; * / %; + -; << >> >>>; < <= > >=; == !=; &; ^; |; &&; ||);
// comparisons and logical operators give 1 or 0, && and || short-circuit. Every value is a 32-bit integer held as a
// signed JS number (`| 0`), so arithmetic wraps modulo 2^32; `/` and `%` truncate toward zero and
// `>>` is arithmetic, as in C on int32; `>>>` is logical, as in JavaScript. `%hi(x)` / `%lo(x)` split x for a `lui`/`addi` pair.
// This module knows nothing of instructions or layout: it asks the caller for symbol values.
// Trees are at most MAX_EXPRESSION_DEPTH (limits.ts) high, so evaluating them may recurse.

import type { Token } from './lexer.ts';
import { MAX_EXPRESSION_DEPTH, quoted } from './limits.ts';

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

/**
 * A user mistake inside an expression (or any statement), with the column to point at. One is
 * thrown for every mistake, so it is made without a stack trace: a trace says nothing about the
 * user's source, and capturing it was most of the cost of a file with 65,536 mistakes.
 */
export class ExprError extends Error {
  readonly col: number;
  constructor(col: number, message: string) {
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = traceLimit;
    this.col = col;
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
const LEVEL_OF: ReadonlyMap<string, number> = new Map(PRECEDENCE.flatMap((ops, level) => ops.map((op) => [op, level] as const)));
const UNARY_OPS: readonly string[] = ['-', '~', '+', '!'];

const TOO_DEEP = `expression nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels of parentheses and operators)`;

/** Parse an expression from tokens[start..]; returns the tree and the index after it. */
export function parseExpression(tokens: readonly Token[], start: number, syntax: ExprSyntax): { expr: Expr; next: number } {
  const parser = new ExpressionParser(tokens, start, syntax);
  const { expr } = parser.binary(0, 0);
  return { expr, next: parser.pos };
}

/** A subtree and its height (levels of operators and parentheses), which MAX_EXPRESSION_DEPTH bounds. */
interface Parsed {
  readonly expr: Expr;
  readonly height: number;
}

/**
 * Precedence climbing over one token list. Recursion happens only for a right operand, a
 * parenthesised group or a relocation, each one level deeper (`depth`); together with the height
 * check on every node this bounds the parser's and the evaluator's recursion by
 * MAX_EXPRESSION_DEPTH, whatever the input. Unary signs are read in a loop (`------1`).
 */
class ExpressionParser {
  constructor(
    private readonly tokens: readonly Token[],
    public pos: number,
    private readonly syntax: ExprSyntax,
  ) {}

  binary(minLevel: number, depth: number): Parsed {
    let left = this.unary(depth);
    for (;;) {
      const t = this.tokens[this.pos];
      const level = t?.kind === 'punct' ? LEVEL_OF.get(t.text) : undefined;
      if (!t || level === undefined || level < minLevel) return left;
      this.pos++;
      const right = this.binary(level + 1, this.deeper(depth, t));
      left = node({ kind: 'binary', op: t.text as BinaryOp, left: left.expr, right: right.expr, col: t.col }, Math.max(left.height, right.height) + 1);
    }
  }

  private unary(depth: number): Parsed {
    const signs: Token[] = [];
    for (let t = this.tokens[this.pos]; t?.kind === 'punct' && UNARY_OPS.includes(t.text); t = this.tokens[++this.pos]) {
      this.deeper(depth + signs.length, t);
      signs.push(t);
    }
    let operand = this.primary(depth + signs.length);
    for (let i = signs.length - 1; i >= 0; i--) {
      const sign = signs[i]!;
      operand = node({ kind: 'unary', op: sign.text as UnaryOp, arg: operand.expr, col: sign.col }, operand.height + 1);
    }
    return operand;
  }

  private primary(depth: number): Parsed {
    const t = this.tokens[this.pos];
    if (!t) throw new ExprError(this.endCol(), 'expected an expression');
    this.pos++;
    switch (t.kind) {
      case 'number':
        return { expr: { kind: 'num', value: t.value!, col: t.col }, height: 1 };
      case 'localref':
        return { expr: { kind: 'sym', name: this.syntax.localName(t), text: t.text, col: t.col }, height: 1 };
      case 'ident':
        if (t.text === '.') return { expr: { kind: 'dot', col: t.col }, height: 1 };
        if (this.syntax.isRegister(t.text)) throw new ExprError(t.col, `expected a value, got register '${t.text}'`);
        return { expr: { kind: 'sym', name: t.text, text: t.text, col: t.col }, height: 1 };
      case 'string':
        throw new ExprError(t.col, 'expected a value, got a string');
      case 'punct':
        if (t.text === '(') {
          const inner = this.binary(0, this.deeper(depth, t));
          this.expectClose(t);
          // Parentheses count as a level, so that `((((…1))))` is bounded like an operator chain.
          return { expr: inner.expr, height: checkedHeight(inner.height + 1, t.col) };
        }
        if (t.text === '%') return this.relocation(t, depth);
        throw new ExprError(t.col, `expected an expression, got '${t.text}'`);
    }
  }

  private relocation(percent: Token, depth: number): Parsed {
    const fn = this.tokens[this.pos];
    const open = this.tokens[this.pos + 1];
    const name = fn?.kind === 'ident' ? fn.text.toLowerCase() : '';
    if ((name !== 'hi' && name !== 'lo') || open?.text !== '(') {
      throw new ExprError(fn?.col ?? percent.col, 'expected %hi(...) or %lo(...)');
    }
    this.pos += 2;
    const arg = this.binary(0, this.deeper(depth, percent));
    this.expectClose(open);
    return node({ kind: 'reloc', fn: name, arg: arg.expr, col: percent.col }, arg.height + 1);
  }

  private expectClose(open: Token): void {
    const t = this.tokens[this.pos];
    if (t?.text !== ')') throw new ExprError(t?.col ?? open.col, t ? `expected ')', got '${t.text}'` : "missing ')'");
    this.pos++;
  }

  /** One level deeper than `depth`, or an error at `at` past the limit. */
  private deeper(depth: number, at: Token): number {
    if (depth + 1 > MAX_EXPRESSION_DEPTH) throw new ExprError(at.col, TOO_DEEP);
    return depth + 1;
  }

  private endCol(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.col + last.text.length : 1;
  }
}

function checkedHeight(height: number, col: number): number {
  if (height > MAX_EXPRESSION_DEPTH) throw new ExprError(col, TOO_DEEP);
  return height;
}

function node(expr: Expr, height: number): Parsed {
  return { expr, height: checkedHeight(height, expr.col) };
}

/** Parse tokens that must form exactly one expression. */
export function parseWholeExpression(tokens: readonly Token[], syntax: ExprSyntax, colIfEmpty: number): Expr {
  if (tokens.length === 0) throw new ExprError(colIfEmpty, 'expected an expression');
  // The common case (each value of a long `.word` list) without a parser.
  const only = tokens.length === 1 ? tokens[0]! : undefined;
  if (only?.kind === 'number') return { kind: 'num', value: only.value!, col: only.col };
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
      if (!found) throw new ExprError(expr.col, `undefined symbol '${quoted(expr.text)}'`);
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
