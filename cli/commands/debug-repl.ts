// The interactive loop of `vmmlab debug` on a terminal: node:readline with tab completion of
// commands and symbols, history kept between sessions (~/.vmmlab_history, or $VMMLAB_HISTORY), a
// prompt showing the focused CPU's pc and symbol, and Ctrl-C stopping a running guest (at the
// prompt it only clears the line).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { complete } from '../../debugger/commands.ts';
import type { Debugger } from '../../debugger/debugger.ts';

export const HISTORY_LINES = 1000;

export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.VMMLAB_HISTORY ?? path.join(os.homedir(), '.vmmlab_history');
}

/** The saved history, oldest first (at most HISTORY_LINES); the file is trimmed to that. */
export function loadHistory(file: string): string[] {
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
  if (lines.length > HISTORY_LINES) {
    lines = lines.slice(-HISTORY_LINES);
    try {
      fs.writeFileSync(file, lines.join('\n') + '\n');
    } catch {
      // A history that cannot be trimmed is still a history.
    }
  }
  return lines;
}

export function appendHistory(file: string, line: string): void {
  if (line.trim() === '') return;
  try {
    fs.appendFileSync(file, line + '\n');
  } catch {
    // No history file (read-only home): the session goes on without one.
  }
}

export async function interactive(dbg: Debugger, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<void> {
  const file = historyFile();
  const rl = readline.createInterface({
    input,
    output,
    terminal: true,
    history: loadHistory(file).reverse(),
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
    completer: (line: string) => complete(dbg, line),
  });
  rl.on('SIGINT', () => {
    if (dbg.running) dbg.interrupt();
    else {
      output.write('^C\n');
      rl.setPrompt(dbg.prompt());
      rl.prompt();
    }
  });
  rl.setPrompt(dbg.prompt());
  rl.prompt();
  for await (const line of rl) {
    appendHistory(file, line);
    if ((await dbg.execute(line)) === 'quit') break;
    rl.setPrompt(dbg.prompt());
    rl.prompt();
  }
  rl.close();
}
