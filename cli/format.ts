// Terminal output for the CLI: whether to colour (useColor). The text helpers and the statistics
// table live in format/ (the debugger's engine prints them too, with no terminal behind it); they
// are re-exported here for the commands.

export { bold, dim, fmtInt, hex32, paint, red, table } from '../format/text.ts';
export { statsTable } from '../format/stats.ts';

/**
 * Colour on `stream`, in this order (the main --help says the same):
 *  1. NO_COLOR set and not empty: never (no-color.org; an empty NO_COLOR counts as unset).
 *  2. FORCE_COLOR set: always, even into a pipe or a file, unless it is 0 or false (Node's
 *     reading of it: 1, 2, 3, true and the empty string turn colour on; force-color.org).
 *  3. Otherwise: on a terminal whose TERM is not dumb.
 * NO_COLOR wins over FORCE_COLOR (Node lets FORCE_COLOR win): NO_COLOR is the user's own
 * choice, where FORCE_COLOR is often set for them by a CI system or a parent tool.
 */
export function useColor(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
