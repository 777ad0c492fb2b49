// Small shared pieces of the debugger: the typed error a command throws for bad input (the
// REPL prints it as one line and lives on), number parsing, and the text forms of addresses,
// page-table entry bits and tables that several commands print.
//
// Nothing here touches a machine; it must stay free of emulator state.

import { PTE } from '../isa/arch.ts';

/** A bad command or argument: the loop prints `error: <message>` and reads the next command. */
export class CommandError extends Error {}

export const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');
export const hex = (n: number): string => '0x' + (n >>> 0).toString(16);

/** A number as typed: 0x hex, 0b binary, decimal, with optional `_` separators and a sign. */
export function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, '').toLowerCase();
  const m = /^(-?)(0x[0-9a-f]+|0b[01]+|\d+)$/.exec(t);
  if (!m) return undefined;
  const body = m[2]!;
  const value = body.startsWith('0x') ? parseInt(body.slice(2), 16) : body.startsWith('0b') ? parseInt(body.slice(2), 2) : Number(body);
  if (!Number.isSafeInteger(value) || value > 0xffffffff) return undefined;
  return m[1] ? -value : value;
}

/** A count argument (N of `step N`, `x ADDR N`), at least `min`. */
export function parseCount(text: string | undefined, what: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = parseNumber(text);
  if (n === undefined || n < min) throw new CommandError(`${what} must be a whole number of at least ${min} (got '${text}')`);
  return n;
}

const BIT_LETTERS: [number, string][] = [
  [PTE.V, 'V'], [PTE.W, 'W'], [PTE.X, 'X'], [PTE.U, 'U'], [PTE.G, 'G'], [PTE.A, 'A'], [PTE.D, 'D'], [PTE.L, 'L'],
];

/** The eight flag bits of an entry as `VWXUGADL`, a dash for each clear bit. */
export function pteBits(value: number): string {
  return BIT_LETTERS.map(([bit, letter]) => (value & bit ? letter : '-')).join('');
}

export function pageSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / (1024 * 1024)} MiB`;
  return `${bytes / 1024} KiB`;
}

/** Rows of cells, each column padded to its widest cell (the last column is not padded). */
export function columns(rows: readonly (readonly string[])[], indent = '  ', gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(gap).trimEnd());
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
