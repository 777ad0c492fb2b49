// The command table (STYLE.md lesson 10, after Spike's interactive.cc): every command is one
// entry with a name, aliases, a usage line, a one-line summary for the aligned help, and a
// handler with one signature. A handler throws CommandError for bad input; the loop prints it
// as one line (debugger.ts). Commands marked `repeats` run again on an empty line.

import type { Debugger } from './debugger.ts';
import { MMU_COMMANDS } from './cmd-mmu.ts';
import { RUN_COMMANDS } from './cmd-run.ts';
import { STATE_COMMANDS } from './cmd-state.ts';
import { CONSOLE_COMMANDS } from './cmd-console.ts';
import { DISPLAY_COMMANDS } from './cmd-display.ts';
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
    name: 'help', aliases: ['h', '?'], usage: 'help [COMMAND [SUBCOMMAND]]', summary: 'this list, or one command in detail',
    help: 'help COMMAND takes any name or alias (help bt, help si, help x/4xw); help info registers,\nhelp delete display and the like show the lines of that form.',
    complete: () => [...BY_NAME.keys()].sort(),
    run: (dbg, args) => {
      if (args.length === 0) return dbg.print(helpText());
      dbg.print(commandHelp(args));
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

export const COMMANDS: readonly Command[] = [...RUN_COMMANDS, ...STATE_COMMANDS, ...DISPLAY_COMMANDS, ...MMU_COMMANDS, ...CONSOLE_COMMANDS, ...SESSION_COMMANDS];

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

/**
 * `help WORDS…`: a command's usage, aliases, summary and detail; with more words (`help info
 * registers`), only the lines of its detail for that form, when it has them.
 */
export function commandHelp(words: readonly string[]): string {
  const name = words[0]!.split('/')[0]!;
  const c = findCommand(name);
  if (!c) throw new CommandError(`unknown command '${name}' (try 'help')`);
  const head = `usage: ${c.usage}${c.aliases?.length ? `   (aliases: ${c.aliases.join(', ')})` : ''}`;
  if (words.length > 1 && c.help) {
    const form = [c.name, ...words.slice(1)].join(' ');
    const alias = [name, ...words.slice(1)].join(' ');
    const lines = c.help.split('\n').filter((l) => l.startsWith(form) || l.startsWith(alias));
    if (lines.length > 0) return [head, ...lines].join('\n');
  }
  return [head, c.summary, ...(c.help ? [c.help] : [])].join('\n');
}

/** gdb's names for what vmmlab's commands do, where the two differ (all are aliases or forms that work). */
export const GDB_FORMS: readonly (readonly [string, string])[] = [
  ['stepi, si, s', 'step'], ['nexti, ni, n', 'next'], ['advance', 'until'], ['info registers, info reg, i r', 'regs'],
  ['info breakpoints, info watchpoints', 'the breakpoint list'], ['info display', 'the display list'],
  ['rwatch ADDR, awatch ADDR', 'watch ADDR r, watch ADDR rw'], ['delete display N', 'undisplay N'],
  ['bt, where', 'backtrace'], ['disassemble, list', 'disas'], ['reverse-stepi, rsi', 'reverse-step'],
  ['set $REG = VALUE, set var $REG = VALUE', 'set reg REG VALUE'], ['set *ADDR = VALUE', 'set mem ADDR VALUE'],
];

/** Every command in one aligned list: usage, short aliases, summary. */
export function helpText(): string {
  const rows = COMMANDS.map((c) => [c.usage, (c.aliases ?? []).filter((a) => a.length <= 2).join(' '), c.summary]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = rows.map(([usage, aliases, summary]) => `  ${usage!.padEnd(w0)}  ${aliases!.padEnd(w1)}  ${summary}`);
  const gdbWidth = Math.max(...GDB_FORMS.map(([g]) => g.length));
  return ['commands (an empty line repeats the last step, next or reverse-step, or goes on with x or disas; Ctrl-C stops a running guest):', ...lines,
    'addresses: numbers, symbols (module:symbol for user programs), $reg, sums; p:ADDR guest-physical, h:ADDR host-physical',
    'gdb\'s forms work too ("help NAME" explains any of them):',
    ...GDB_FORMS.map(([gdb, ours]) => `  ${gdb.padEnd(gdbWidth)}  ${ours}`)].join('\n');
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
