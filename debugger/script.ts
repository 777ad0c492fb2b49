// Commands from text rather than a terminal: a script file (`-x FILE`, `source FILE`) or lines
// piped into stdin. Each command is echoed after the prompt, so a transcript reads like the
// session it was (docs/debugging-tour.md is one). Files are read through the debugger's host.

import type { Debugger } from './debugger.ts';
import { CommandError } from './format.ts';

/** Run lines in order until they end or one says quit. Returns 'quit' if one did. */
export async function runLines(dbg: Debugger, lines: AsyncIterable<string> | Iterable<string>, echo = true): Promise<'quit' | undefined> {
  for await (const line of lines) {
    if (echo) dbg.print(`${dbg.prompt()}${line}`);
    if ((await dbg.execute(line)) === 'quit') return 'quit';
  }
  return undefined;
}

/** The lines of a script file (a last empty line from the final newline is not a command). */
export function scriptLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export async function runScriptFile(dbg: Debugger, file: string): Promise<'quit' | undefined> {
  const read = dbg.host.readText(file);
  if ('error' in read) throw new CommandError(`cannot read '${file}': ${read.error}`);
  return runLines(dbg, scriptLines(read.text));
}
