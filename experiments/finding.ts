// A study's finding: the qualitative result it expects, stated in prose (`claim`) and as checks a
// machine can evaluate, each a comparison of two arithmetic expressions over cell metrics:
//
//     slowdown{primes, shadow} < 1.10
//     cycles{forkstorm, shadow} > 2 * cycles{forkstorm, ept}
//     refsPerWalk{ept, eptLevels=3} >= 0.9 * 11
//
// `METRIC{SELECTOR}` is one metric (metrics.ts) of the cells the selector picks: bare words name a
// workload or a mode, `key=value` a grid parameter (or `rep=`). The selector must narrow the grid
// to one cell up to repetitions (their mean is used). Put spaces around a minus sign: `exits.pt-write`
// is one name. Selectors are checked against the grid when the study loads, before anything runs.

import { isMetric, metric } from './metrics.ts';
import type { CellResult } from './run-cell.ts';
import { MODES, StudyError, paramSpec, showValue, type Mode } from './params.ts';
import type { Cell } from './plan.ts';

export interface Finding {
  readonly claim: string;
  readonly checks: readonly string[];
}

export interface CheckOutcome {
  readonly check: string;
  /** Undefined when it could not be evaluated (cells missing, a metric undefined). */
  readonly holds: boolean | undefined;
  /** The check with its numbers, e.g. `1.032 < 1.100`. */
  readonly detail: string;
}

export interface FindingOutcome {
  readonly claim: string;
  readonly holds: boolean | undefined;
  readonly checks: readonly CheckOutcome[];
}

type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; metric: string; selector: [string, string | undefined][]; text: string }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

interface Check {
  left: Expr;
  op: '<' | '<=' | '>' | '>=';
  right: Expr;
}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e-?\d+)?)|([A-Za-z_][\w.]*(?:-[A-Za-z][\w.]*)*)|(<=|>=|[<>{}(),=*/+-]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new StudyError(`cannot read '${text.slice(at).trim()}'`);
    tokens.push(m[1] ?? m[2] ?? m[3]!);
  }
  return tokens;
}

/** Parse one check; throws StudyError naming what is wrong. */
export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (want?: string): string => {
    const t = tokens[pos];
    if (t === undefined || (want !== undefined && t !== want)) throw new StudyError(`expected ${want ?? 'more'} ${t === undefined ? 'at the end' : `before '${t}'`}`);
    pos++;
    return t;
  };
  const factor = (): Expr => {
    const t = take();
    if (t === '(') {
      const e = expr();
      take(')');
      return e;
    }
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    if (!/^[A-Za-z_]/.test(t)) throw new StudyError(`unexpected '${t}'`);
    if (!isMetric(t)) throw new StudyError(`unknown metric '${t}'`);
    take('{');
    const selector: [string, string | undefined][] = [];
    while (peek() !== '}') {
      const key = take();
      if (peek() === '=') {
        take('=');
        selector.push([key, take()]);
      } else {
        selector.push([key, undefined]);
      }
      if (peek() !== '}') take(',');
    }
    take('}');
    const sel = selector.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(', ');
    return { kind: 'ref', metric: t, selector, text: `${t}{${sel}}` };
  };
  const term = (): Expr => {
    let left = factor();
    while (peek() === '*' || peek() === '/') left = { kind: 'bin', op: take() as '*' | '/', left, right: factor() };
    return left;
  };
  const expr = (): Expr => {
    let left = term();
    while (peek() === '+' || peek() === '-') left = { kind: 'bin', op: take() as '+' | '-', left, right: term() };
    return left;
  };
  const left = expr();
  const op = take();
  if (!['<', '<=', '>', '>='].includes(op)) throw new StudyError(`expected a comparison (<, <=, >, >=), got '${op}'`);
  const right = expr();
  if (pos !== tokens.length) throw new StudyError(`unexpected '${tokens[pos]}' after the comparison`);
  return { left, op: op as Check['op'], right };
}

export function parseFinding(raw: unknown, where: string): Finding {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || typeof o.claim !== 'string' || !Array.isArray(o.checks) || !o.checks.every((c) => typeof c === 'string')) {
    throw new StudyError(`${where}: a finding is {"claim": "…", "checks": ["METRIC{SELECTOR} < …", …]}`);
  }
  for (const check of o.checks as string[]) {
    try {
      parseCheck(check);
    } catch (e) {
      if (e instanceof StudyError) throw new StudyError(`${where}: '${check}': ${e.message}`);
      throw e;
    }
  }
  return { claim: o.claim, checks: o.checks as string[] };
}

function refs(e: Expr): Extract<Expr, { kind: 'ref' }>[] {
  return e.kind === 'ref' ? [e] : e.kind === 'bin' ? [...refs(e.left), ...refs(e.right)] : [];
}

/** The cells a selector picks. Throws StudyError when it names something the grid does not have. */
function select<C extends Cell>(cells: readonly C[], ref: Extract<Expr, { kind: 'ref' }>, workloads: readonly string[]): C[] {
  let picked = [...cells];
  for (const [key, value] of ref.selector) {
    if (value === undefined) {
      if (workloads.includes(key)) picked = picked.filter((c) => c.workload === key);
      else if ((MODES as readonly string[]).includes(key)) picked = picked.filter((c) => c.mode === (key as Mode));
      else throw new StudyError(`${ref.text}: '${key}' is neither a workload (${workloads.join(', ')}) nor a mode`);
    } else if (key === 'workload') {
      picked = picked.filter((c) => c.workload === value);
    } else if (key === 'mode') {
      picked = picked.filter((c) => c.mode === value);
    } else if (key === 'rep') {
      picked = picked.filter((c) => String(c.rep) === value);
    } else if (paramSpec(key)) {
      picked = picked.filter((c) => c.params[key] !== undefined && showValue(c.params[key]) === showValue(parseLiteral(value)));
    } else {
      throw new StudyError(`${ref.text}: unknown selector key '${key}'`);
    }
  }
  return picked;
}

function parseLiteral(text: string): string | number | boolean {
  if (text === 'true' || text === 'on') return true;
  if (text === 'false' || text === 'off') return false;
  return /^\d+$/.test(text) ? Number(text) : text;
}

const cellKey = (c: Cell) => JSON.stringify([c.workload, c.mode, c.params]);

/** Check that every selector of a finding picks exactly one cell (up to repetitions) of the grid. */
export function validateFinding(finding: Finding, cells: readonly Cell[], workloads: readonly string[], where: string): void {
  for (const text of finding.checks) {
    const check = parseCheck(text);
    for (const ref of [...refs(check.left), ...refs(check.right)]) {
      const picked = select(cells, ref, workloads);
      const distinct = new Set(picked.map(cellKey)).size;
      if (distinct !== 1) {
        throw new StudyError(`${where}: '${text}': ${ref.text} picks ${distinct === 0 ? 'no cell' : `${distinct} different cells; name the parameters that tell them apart`}`);
      }
    }
  }
}

/**
 * Evaluate a finding over results. `nativeCyclesOf` gives a cell's baseline cycles (for slowdown).
 * With cells missing (one shard's results) the checks that need them are left undecided.
 */
export function evaluateFinding(finding: Finding, cells: readonly CellResult[], workloads: readonly string[],
  nativeCyclesOf: (cell: CellResult) => number | undefined): FindingOutcome {
  const outcomes = finding.checks.map((text): CheckOutcome => {
    const check = parseCheck(text);
    const value = (e: Expr): number | undefined => {
      if (e.kind === 'num') return e.value;
      if (e.kind === 'bin') {
        const [a, b] = [value(e.left), value(e.right)];
        if (a === undefined || b === undefined) return undefined;
        return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : b === 0 ? undefined : a / b;
      }
      const picked = select(cells, e, workloads);
      if (picked.length === 0) return undefined;
      const values = picked.map((c) => metric(c, e.metric, nativeCyclesOf(c)));
      if (values.some((v) => v === undefined)) return undefined;
      return (values as number[]).reduce((x, y) => x + y, 0) / values.length;
    };
    const [l, r] = [value(check.left), value(check.right)];
    if (l === undefined || r === undefined) return { check: text, holds: undefined, detail: 'not evaluated (cells missing or a metric undefined)' };
    const holds = check.op === '<' ? l < r : check.op === '<=' ? l <= r : check.op === '>' ? l > r : l >= r;
    return { check: text, holds, detail: `${fmt(l)} ${check.op} ${fmt(r)}` };
  });
  const holds = outcomes.some((o) => o.holds === false) ? false : outcomes.every((o) => o.holds === true) ? true : undefined;
  return { claim: finding.claim, holds, checks: outcomes };
}

function fmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e5) return Math.round(n).toLocaleString('en-US');
  if (a !== 0 && a < 1e-3) return n.toExponential(3);
  return Number.isInteger(n) ? String(n) : n.toFixed(a >= 100 ? 1 : 3);
}
