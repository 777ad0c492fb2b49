// Path arithmetic for `.include`, without node:path: the assembler runs in a browser worker too,
// where "files" are whatever the page's reader serves. Both '/' and '\' separate; a path is
// absolute when it starts with a separator or a drive letter. A Node host passes its own
// `resolvePath` (path.resolve) for the one place where the working directory matters.

const SEPARATOR = /[\\/]+/;

export function isAbsolute(p: string): boolean {
  return /^([\\/]|[A-Za-z]:[\\/])/.test(p);
}

/** `a/b.s` → `a`, `b.s` → `.`, `/b.s` → `/`. */
export function dirname(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  if (i < 0) return '.';
  if (i === 0) return p[0]!;
  if (/^[A-Za-z]:$/.test(p.slice(0, i))) return p.slice(0, i + 1);
  return p.slice(0, i);
}

/** `.` and `..` folded, separators made single; a relative path keeps its leading `..`s. */
export function normalize(p: string): string {
  const root = /^[A-Za-z]:[\\/]/.test(p) ? `${p.slice(0, 2)}/` : /^[\\/]/.test(p) ? '/' : '';
  const parts: string[] = [];
  for (const part of p.slice(root.length).split(SEPARATOR)) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || root === '') parts.push(part);
  }
  const body = parts.join('/');
  return root + body || (root === '' ? '.' : root);
}

export function join(dir: string, name: string): string {
  return normalize(`${dir}/${name}`);
}
