// What is wrong with a configuration file (a study, a machine file, a profile, a shard result), as
// a list of issues, each at a JSON Pointer path: every problem of a file is reported at once, one
// line each, the way the assembler reports every diagnostic of a source file.
//
// This module is part of the library's declared API (StudyError is a ConfigError), so it must not
// import TypeBox: schema-issues.ts turns schema errors into issues. Nothing here reads or prints.

export interface Issue {
  /** JSON Pointer to the offending value ('' for the whole document). */
  readonly path: string;
  readonly message: string;
  /** Where in the text, for syntax errors (1-based). */
  readonly line?: number;
  readonly col?: number;
  /** This is not an issue but the note that more were left out. */
  readonly more?: boolean;
}

/** A file (or command-line value) that is not a valid configuration; `issues` lists every problem. */
export class ConfigError extends Error {
  readonly where: string | undefined;
  readonly issues: readonly Issue[];

  constructor(message: string, detail?: { where: string; issues: readonly Issue[] }) {
    super(message);
    this.where = detail?.where;
    this.issues = detail?.issues ?? [];
  }
}

/** Make an error of class `Kind` listing `issues` of `where`; its message is the issues' lines. */
export function invalid<E extends ConfigError>(Kind: new (message: string, detail: { where: string; issues: readonly Issue[] }) => E,
  where: string, issues: readonly Issue[]): E {
  return new Kind(issues.map((i) => formatIssue(where, i)).join('\n'), { where, issues });
}

/** gcc style: `study.json: error: /grid/tlbEntries/0: must be …`, or `study.json:3:14: error: …`. */
export function formatIssue(where: string, issue: Issue, label = 'error:'): string {
  const at = issue.line !== undefined ? `:${issue.line}:${issue.col ?? 1}` : '';
  return `${where}${at}: ${label} ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
}

/** A value for messages: short JSON. */
export function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** JSON Pointer segment → key (RFC 6901: ~1 is '/', ~0 is '~'). */
export function unescapeKey(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Append a key to a JSON Pointer. */
export function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Is any issue at `path` or inside it? (Checks of meaning run only on parts whose shape is right.) */
export function hasIssueAt(issues: readonly Issue[], path: string): boolean {
  return issues.some((i) => i.path === '' || i.path === path || i.path.startsWith(`${path}/`));
}

/**
 * Issues in the order of the document (JSON.parse keeps the keys' order), so that they read top
 * to bottom like the file; a missing key sorts at the end of its object, issues of the whole
 * file (syntax, counts) first.
 */
export function inDocumentOrder(issues: readonly Issue[], document: unknown): Issue[] {
  const rank = (path: string): number[] => {
    const out: number[] = [];
    let node: unknown = document;
    for (const segment of path.split('/').slice(1)) {
      if (node === null || typeof node !== 'object') break;
      const key = unescapeKey(segment);
      if (Array.isArray(node)) {
        out.push(Number(key));
      } else {
        const keys = Object.keys(node);
        const at = keys.indexOf(key);
        out.push(at < 0 ? keys.length : at);
      }
      node = (node as Record<string, unknown>)[key];
    }
    return out;
  };
  const ranked = issues.map((issue, i) => ({ issue, i, rank: issue.more ? [Infinity] : rank(issue.path) }));
  ranked.sort((a, b) => {
    for (let k = 0; k < Math.min(a.rank.length, b.rank.length); k++) if (a.rank[k] !== b.rank[k]) return a.rank[k]! - b.rank[k]!;
    return a.rank.length - b.rank.length || a.i - b.i;
  });
  return ranked.map((r) => r.issue);
}
