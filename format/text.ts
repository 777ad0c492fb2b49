// Text for people, shared by every consumer that prints (cli/, the debugger's REPL, reports):
// ANSI colour when the caller says the output takes it, number formatting and aligned tables.
// Platform-neutral: whether a stream is a terminal is the caller's business (cli/format.ts).

export function paint(on: boolean, code: number, text: string): string {
  return on ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export const bold = (on: boolean, t: string) => paint(on, 1, t);
export const red = (on: boolean, t: string) => paint(on, 31, t);
export const dim = (on: boolean, t: string) => paint(on, 2, t);

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** Rows of [label, value] aligned in two columns. */
export function table(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n');
}
