// The command table (STYLE.md lesson 10, after Spike's interactive.cc): every command is one
// entry with a name, aliases, a usage line, a one-line summary for the aligned help, and a
// handler with one signature. A handler throws CommandError for bad input; the loop prints it
// as one line (debugger.ts). Commands marked `repeats` run again on an empty line.

import type { Debugger } from './debugger.ts';
import { MMU_COMMANDS } from './cmd-mmu.ts';
import { RUN_COMMANDS } from './cmd-run.ts';
import { STATE_COMMANDS } from './cmd-state.ts';
import { CONSOLE_COMMANDS } from './cmd-console.ts';
import { CommandError } from './format.ts';
import { runScriptFile } from './script.ts';

export interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly usage: string;
  readonly summary: string;
  /** More text for `help NAME`. */
  readonly help?: string;
  /** An empty line runs the command again. */
  readonly repeats?: boolean;
  /** The handler gets the rest of the line as typed, blanks included, as its one argument. */
  readonly verbatim?: boolean;
  /** Candidates for the word being completed, given the arguments before it. */
  readonly complete?: (dbg: Debugger, args: readonly string[]) => readonly string[];
  run(dbg: Debugger, args: string[], suffix: string): void | 'quit' | Promise<void | 'quit'>;
}

const SESSION_COMMANDS: readonly Command[] = [
  {
    name: 'help', aliases: ['h', '?'], usage: 'help [COMMAND]', summary: 'this list, or one command in detail',
    complete: () => COMMANDS.map((c) => c.name),
    run: (dbg, args) => {
      if (args.length > 1) throw new CommandError('help takes at most one command name');
      if (args.length === 1) {
        const c = findCommand(args[0]!);
        if (!c) throw new CommandError(`unknown command '${args[0]}'`);
        dbg.print(`usage: ${c.usage}${c.aliases?.length ? `   (aliases: ${c.aliases.join(', ')})` : ''}`);
        dbg.print(c.summary);
        if (c.help) dbg.print(c.help);
        return;
      }
      dbg.print(helpText());
    },
  },
  {
    name: 'source', usage: 'source FILE', summary: 'run the commands in FILE (as -x does)',
    run: async (dbg, args) => {
      if (args.length !== 1) throw new CommandError('source takes one file');
      return runScriptFile(dbg, args[0]!);
    },
  },
  { name: 'quit', aliases: ['q', 'exit'], usage: 'quit', summary: 'leave the debugger', run: () => 'quit' },
];

export const COMMANDS: readonly Command[] = [...RUN_COMMANDS, ...STATE_COMMANDS, ...MMU_COMMANDS, ...CONSOLE_COMMANDS, ...SESSION_COMMANDS];

const BY_NAME: ReadonlyMap<string, Command> = (() => {
  const map = new Map<string, Command>();
  for (const c of COMMANDS) {
    for (const name of [c.name, ...(c.aliases ?? [])]) {
      if (map.has(name)) throw new Error(`debugger: two commands called '${name}'`);
      map.set(name, c);
    }
  }
  return map;
})();

export function findCommand(name: string): Command | undefined {
  return BY_NAME.get(name);
}

/** Every command in one aligned list: usage, short aliases, summary. */
export function helpText(): string {
  const rows = COMMANDS.map((c) => [c.usage, (c.aliases ?? []).filter((a) => a.length <= 2).join(' '), c.summary]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = rows.map(([usage, aliases, summary]) => `  ${usage!.padEnd(w0)}  ${aliases!.padEnd(w1)}  ${summary}`);
  return ['commands (an empty line repeats the last step, next or reverse-step, or goes on with x or disas; Ctrl-C stops a running guest):', ...lines,
    'addresses: numbers, symbols (module:symbol for user programs), $reg, sums; p:ADDR guest-physical, h:ADDR host-physical'].join('\n');
}

/** Tab completion: command names first, then what the command offers for the word being typed. */
export function complete(dbg: Debugger, line: string): [string[], string] {
  const words = line.split(/\s+/);
  const current = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    const names = [...BY_NAME.keys()].filter((n) => n.startsWith(current)).sort();
    return [names, current];
  }
  const command = findCommand(words[0]!.split('/')[0]!);
  if (!command?.complete) return [[], current];
  const candidates = command.complete(dbg, words.slice(1, -1)).filter((c) => c.startsWith(current));
  return [[...new Set(candidates)], current];
}
