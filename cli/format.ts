// Terminal output for the CLI: colour only on a TTY and never with NO_COLOR. The text helpers
// and the statistics table live in format/ (the debugger's engine prints them too, with no
// terminal behind it); they are re-exported here for the commands.

export { bold, dim, fmtInt, hex32, paint, red, table } from '../format/text.ts';
export { statsTable } from '../format/stats.ts';

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}
