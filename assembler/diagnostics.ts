// Diagnostics: where a problem is (file, line, column, the line's text) and how to print it.
//
// Every stage reports user mistakes here instead of throwing; the driver returns them all, sorted
// in the order the assembler read the lines. This module must not know about any stage.

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  sourceLine: string;
  severity: 'error' | 'warning';
}

/** Columns of an expanded line that came from a macro argument, and where that argument was written. */
export interface ArgumentSpan {
  /** 1-based column in the expanded text. */
  readonly start: number;
  readonly length: number;
  /** Column of the argument in the text of the invoking line (itself an expansion when macros nest). */
  readonly sourceCol: number;
}

/**
 * A macro expansion a line came from: errors in it are reported at the invocation. Plain data, no
 * closures: a macro-heavy program has one of these per expanded line.
 */
export interface ExpansionInfo {
  readonly macro: string;
  /** Column of the macro name on the (outermost) invocation line. */
  readonly col: number;
  /** Where the body line that produced this text was written. */
  readonly bodyFile: string;
  readonly bodyLine: number;
  readonly argSpans: readonly ArgumentSpan[];
  /** The expansion the invoking line came from, when one macro invokes another. */
  readonly outer: ExpansionInfo | undefined;
}

/**
 * The column on the user's invocation line that a column of expanded text came from, following
 * the argument spans out through every enclosing expansion; undefined for text of a macro body.
 */
export function invocationCol(expansion: ExpansionInfo, col: number): number | undefined {
  let at = col;
  for (let ex: ExpansionInfo | undefined = expansion; ex; ex = ex.outer) {
    const span = ex.argSpans.find((s) => at >= s.start && at < s.start + Math.max(1, s.length));
    if (!span) return undefined;
    at = span.sourceCol + (at - span.start);
  }
  return at;
}

/**
 * Where a line of source is. For lines produced by a macro expansion this is the (outermost)
 * invocation line, so diagnostics, the source map and the listing all name a line the user can
 * find in the file that invoked the macro; lines of an included file keep their own file and line.
 */
export interface LineLoc {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** The text of that line as written (the invocation line for macro expansions). */
  readonly text: string;
  /** Order in which the assembler read the line: diagnostics are sorted by it. */
  readonly seq: number;
  readonly expansion?: ExpansionInfo;
}

interface Ranked {
  readonly diagnostic: Diagnostic;
  /** As reported, before relocation to a macro invocation: addAll replays these. */
  readonly loc: LineLoc;
  readonly col: number;
  readonly message: string;
  readonly seq: number;
  readonly order: number;
}

export class Diagnostics {
  private readonly ranked: Ranked[] = [];
  private readonly seen = new Set<string>();
  private errors = 0;

  error(loc: LineLoc, col: number, message: string): void {
    this.add(loc, col, message, 'error');
  }

  warning(loc: LineLoc, col: number, message: string): void {
    this.add(loc, col, message, 'warning');
  }

  /** Take over another collection's diagnostics (a layout pass keeps its own until it is chosen). */
  addAll(other: Diagnostics): void {
    for (const r of other.ranked) this.add(r.loc, r.col, r.message, r.diagnostic.severity);
  }

  get errorCount(): number {
    return this.errors;
  }

  /** All diagnostics, in reading order (then by column). */
  sorted(): Diagnostic[] {
    return [...this.ranked]
      .sort((a, b) => a.seq - b.seq || a.diagnostic.col - b.diagnostic.col || a.order - b.order)
      .map((r) => r.diagnostic);
  }

  private add(loc: LineLoc, col: number, message: string, severity: Diagnostic['severity']): void {
    const ex = loc.expansion;
    const located = ex
      ? { col: invocationCol(ex, col) ?? ex.col, message: `${message} (in macro '${ex.macro}', ${ex.bodyFile}:${ex.bodyLine})` }
      : { col: Math.max(1, col), message };
    // Pseudo-instructions expand to several instructions that may evaluate the same operand:
    // the same complaint at the same place is reported once.
    const key = `${loc.file}\0${loc.line}\0${located.col}\0${located.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (severity === 'error') this.errors++;
    this.ranked.push({
      diagnostic: { file: loc.file, line: loc.line, col: located.col, message: located.message, sourceLine: loc.text, severity },
      loc,
      col,
      message,
      seq: loc.seq,
      order: this.ranked.length,
    });
  }
}

const ANSI = { bold: '\x1b[1m', red: '\x1b[31m', magenta: '\x1b[35m', green: '\x1b[32m', reset: '\x1b[0m' };

/** gcc/clang style: `file:line:col: error: message`, the source line, a caret under the column. */
export function formatDiagnostic(d: Diagnostic, color = false): string {
  const paint = (code: string, s: string): string => (color ? `${code}${s}${ANSI.reset}` : s);
  const label = d.severity === 'error' ? paint(ANSI.bold + ANSI.red, 'error:') : paint(ANSI.bold + ANSI.magenta, 'warning:');
  const head = `${paint(ANSI.bold, `${d.file}:${d.line}:${d.col}:`)} ${label} ${paint(ANSI.bold, d.message)}`;
  // Keep tabs in the padding so the caret lines up under tab-indented source.
  const padding = d.sourceLine.slice(0, Math.max(0, d.col - 1)).replace(/[^\t]/g, ' ');
  return `${head}\n  ${d.sourceLine}\n  ${padding}${paint(ANSI.bold + ANSI.green, '^')}`;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(word.length / 2)));
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skipping those keeps a hint for a
    // megabyte-long word as cheap as for a short one.
    if (Math.abs(candidate.length - word.length) > bestDistance) continue;
    const d = editDistance(word, candidate);
    if (d < bestDistance || (d === bestDistance && best === undefined)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Edits (insert, delete, substitute, or swap two neighbours) from a to b: the optimal string
 * alignment distance. A swap counts once, as in git's and rustc's hints: 'rnu' is one edit from
 * 'run', where plain Levenshtein counts two and finds no hint for a short word.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}
