// `vmmlab debug FILE [run options]`: a debugger REPL on a machine stopped before its first
// instruction. This module is the debugger's Node edge: it parses the command line, plans the
// machine as `vmmlab run` would (the debugger's engine, debugger/, knows no command line and no
// file system), builds the debugger with a host that reads files from disk, and feeds it: a
// script (-x FILE) first, then the terminal (interactive, debug-repl.ts), or stdin when it is not
// a terminal. With --batch it never goes interactive and exits at the end of its input.
//
// `runScript` and `openDebugger` are the same thing as a library, for tests and tools.

import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { Debugger, type DebugOutput } from '../../debugger/debugger.ts';
import { CommandError } from '../../debugger/format.ts';
import type { DebugHost } from '../../debugger/host.ts';
import { runLines, runScriptFile, scriptLines } from '../../debugger/script.ts';
import type { TargetPlan } from '../../debugger/target.ts';
import { CliError } from '../errors.ts';
import { useColor } from '../format.ts';
import { parseCommandLine, parseCount, parseSize } from '../options.ts';
import { DEFAULT_HISTORY_BYTES, SNAPSHOT_INTERVAL } from '../../debugger/target.ts';
import { Session } from '../session.ts';
import { STDIN_ARG } from '../stdin.ts';
import type { LoadedPager } from '../../node/pager-loader.ts';
import { interactive } from './debug-repl.ts';
import { RUN_HELP, RUN_OPTIONS, buildSession, loadPagerOf, planSession } from './run.ts';

export const DEBUG_OPTIONS = {
  ...RUN_OPTIONS,
  x: { type: 'string', short: 'x' },
  batch: { type: 'boolean' },
  'history-memory': { type: 'string' },
  'snapshot-interval': { type: 'string' },
} as const;

export const DEBUG_HELP = `Usage: vmmlab debug FILE.s|IMAGE [options]

A debugger on the emulated machine, stopped before its first instruction: step, break on
addresses, memory and events (page faults, traps, PTBR writes, TLB misses, VM exits), inspect
registers, memory, page tables and the TLB, watch a translation step by step, and go back in
time (reverse-step, checkpoints). Type 'help' at the prompt for the commands (gdb's names work
too: si, ni, bt, display, info registers, …). 'vmmlab dap' is the same debugger for VS Code and
other editors, through the Debug Adapter Protocol.

When stdin is not a terminal the commands are read from it, echoed after the prompt. stdin
carries commands, not the guest's console input: give that with the 'input' command.

Debugger options:
  -x FILE                   run the commands in FILE first
  --batch                   never read a terminal: exit at the end of the script and stdin
                            (exit status 1 if a command failed)
  --history-memory SIZE     what the snapshots of the machine's past may hold (default 1G):
                            reverse-step and reverse-continue restore the latest one before where
                            they go and replay from there; over the budget they thin out
  --snapshot-interval N     instructions between snapshots (default 2,000,000)
  History: ~/.vmmlab_history, or the file named by $VMMLAB_HISTORY.

Every option of 'vmmlab run' is accepted (--stats and --json are ignored: use the stats command):

${RUN_HELP.slice(RUN_HELP.indexOf('Options:'))}`;

type Parsed = ReturnType<typeof parseCommandLine<typeof DEBUG_OPTIONS>>;
type Values = Record<string, string | boolean | string[] | undefined>;

/** Files from disk, named as given (relative to the current directory); VMMLAB_DEBUG shows stacks. */
export const NODE_HOST: DebugHost = {
  readText(file) {
    try {
      return { text: fs.readFileSync(file, 'utf8') };
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message };
    }
  },
  get stackTraces() {
    return Boolean(process.env.VMMLAB_DEBUG);
  },
};

/**
 * Plan a target from parsed run options, exactly as `vmmlab run` does (cli/commands/run.ts),
 * with `pager` the loaded --pager. A pager's failure stops the command that ran the guest with
 * an error naming the pager and the event (a command error, not an internal one); the machine
 * is then stopped, and time travel (a replay from a fresh machine and a fresh pager) still works.
 */
export function planTarget(values: Values, program: string | undefined, color: boolean, pager?: LoadedPager): TargetPlan {
  // As `run` plans it, a --machine file's vpid, quantum, hostMemory and pager included.
  const { settings, mode: effectiveMode, plans, values: planned } = planSession(values, program, color, pager);
  const hooks = { pagerFailure: (e: Error) => new CommandError(e.message) };
  const build = () => buildSession(() => new Session(settings, effectiveMode, [...plans], planned, hooks));
  return { settings, mode: effectiveMode, plans, build };
}

function parse(argv: string[]): Parsed {
  const parsed = parseCommandLine(argv, DEBUG_OPTIONS);
  const { values, positionals } = parsed;
  if (values.help) return parsed;
  if (positionals.length > 1) throw new CliError('debug takes one program file (see vmmlab debug --help)');
  if (positionals.length === 0 && values.machine === undefined) throw new CliError('debug needs a program file (see vmmlab debug --help)');
  if (positionals[0] === STDIN_ARG) throw new CliError("debug reads its commands from stdin: give the program as a file, not '-'");
  return parsed;
}

/**
 * A debugger on the machine `argv` describes, writing to `out`; prints the opening lines. With
 * --pager, give the loaded pager (loadPagerOf; the async entries below do).
 */
export function openDebugger(argv: string[], out: DebugOutput, diagnosticsColor = false, host: DebugHost = NODE_HOST, pager?: LoadedPager): Debugger {
  const { values, positionals } = parse(argv);
  const history = {
    bytes: parseSize('history-memory', values['history-memory'], DEFAULT_HISTORY_BYTES),
    interval: parseCount('snapshot-interval', values['snapshot-interval'], SNAPSHOT_INTERVAL, 1),
  };
  const dbg = new Debugger(planTarget(values, positionals[0], diagnosticsColor, pager), out, host, history);
  const what = positionals[0] ?? values.machine;
  const mode = dbg.target.mode === 'native' ? 'native (bare metal)' : `${dbg.target.mode} (${dbg.target.views.map((v) => v.name).join(', ')})`;
  dbg.print(`vmmlab debug: ${what}, ${mode}; stopped before the first instruction ('help' lists the commands)`);
  dbg.print(dbg.location(dbg.view));
  return dbg;
}

async function runStartScript(dbg: Debugger, file: string | undefined): Promise<'quit' | undefined> {
  if (file === undefined) return undefined;
  try {
    return await runScriptFile(dbg, file);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    dbg.errors++;
    dbg.print(`error: ${e.message}`);
    return undefined;
  }
}

/** Run a debugger on `argv` with `script` as its input, as `vmmlab debug … --batch` would. */
export async function runScript(argv: string[], script: string): Promise<{ output: string; exitCode: number }> {
  let output = '';
  try {
    const { values, positionals } = parse(argv);
    const pager = await loadPagerOf(values, positionals[0]);
    const dbg = openDebugger(argv, { write: (t) => void (output += t), color: false }, false, NODE_HOST, pager);
    if ((await runStartScript(dbg, values.x)) !== 'quit') await runLines(dbg, scriptLines(script));
    return { output, exitCode: dbg.errors > 0 ? 1 : 0 };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { output: output + `vmmlab: error: ${e.message}\n`, exitCode: e.exitCode };
  }
}

export async function debugCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv);
  if (values.help) {
    console.log(DEBUG_HELP);
    return 0;
  }
  const terminal = Boolean(process.stdin.isTTY) && values.batch !== true;
  const stdout = process.stdout;
  const pager = await loadPagerOf(values, parse(argv).positionals[0]);
  const dbg = openDebugger(argv, { write: (t) => void stdout.write(t), color: terminal && useColor(stdout) }, useColor(process.stderr), NODE_HOST, pager);
  // Outside a terminal Ctrl-C arrives as a signal: stop a running guest, or end the session.
  const onSigint = () => (dbg.running ? dbg.interrupt() : process.exit(130));
  process.on('SIGINT', onSigint);
  try {
    if ((await runStartScript(dbg, values.x)) === 'quit') return 0;
    if (terminal) {
      await interactive(dbg, process.stdin, stdout);
      return 0;
    }
    if (!process.stdin.isTTY) {
      const rl = readline.createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
      await runLines(dbg, rl);
      rl.close();
    }
    return dbg.errors > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
