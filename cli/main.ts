// The `vmmlab` command: dispatch to a subcommand (or to its help: `vmmlab help run` is
// `vmmlab run --help`); every error is one line and an exit code.

import * as fs from 'node:fs';
import { debugCommand } from './commands/debug.ts';
import { asmCommand, disasmCommand } from './commands/asm.ts';
import { expCommand } from './commands/exp.ts';
import { runCommand } from './commands/run.ts';
import { closestName } from '../assembler/diagnostics.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { red, useColor } from './format.ts';

/** The version in package.json: experiment results record it. */
export const VERSION: string = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `vmmlab ${VERSION}: an emulator of the TV32 toy ISA with a virtualizable MMU

Usage: vmmlab COMMAND [options]
       vmmlab help [COMMAND]

Commands:
  run FILE.s|IMAGE      run a program (assembled on the fly if it is a .s file)
  asm FILE.s -o IMAGE   assemble to an image; --listing shows addresses and words
  disasm IMAGE|FILE.s   disassemble an image
  debug FILE.s|IMAGE    the debugger: step, break, watch, translate, time travel (same options as run)
  exp STUDY.json        run an experiment matrix (workloads x modes x parameters); exp merge FILES…
  check-pager FILE      grade a pager of your own (docs/pager-api.md): equivalence, isolation, costs
  init DIR              make a starter folder: a user program, a bare-metal one, a study, a README
  lab list|init|check   the labs of docs/labs/: lab init N DIR makes lab N's folder, lab check N checks it
  web                   the playground: vmmlab in the browser, served on localhost
  dap                   the Debug Adapter Protocol on stdio, for VS Code and other editors

Run 'vmmlab help COMMAND' (or 'vmmlab COMMAND --help') for a command's options, and
'vmmlab help exp merge' for merge's.

Colour (errors, tables) is on when the output is a terminal whose TERM is not dumb. NO_COLOR set
to anything but the empty string turns it off, whatever else is set; otherwise FORCE_COLOR turns
it on even into a pipe or a file (FORCE_COLOR=0 or false turns it off).

With no command at all vmmlab prints this help on stderr and exits 2, as for any bad command
line.`;

type Command = (argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  asm: asmCommand,
  disasm: disasmCommand,
  debug: debugCommand,
  exp: expCommand,
  'check-pager': async (argv) => (await import('./commands/check-pager.ts')).checkPagerCommand(argv),
  init: async (argv) => (await import('./commands/init.ts')).initCommand(argv),
  lab: async (argv) => (await import('./commands/lab.ts')).labCommand(argv),
  web: async (argv) => (await import('./commands/web.ts')).webCommand(argv),
  dap: async (argv) => (await import('./commands/dap.ts')).dapCommand(argv),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a bad command line: the help goes where errors go, none of it to stdout.
    process.stderr.write(`${HELP}\n`);
    return EXIT_CODES.USAGE;
  }
  if (name === '-h' || name === '--help') {
    console.log(HELP);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    console.log(VERSION);
    return 0;
  }
  try {
    if (name === 'help') return await help(rest);
    return await commandNamed(name)(rest);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`${red(useColor(process.stderr), 'vmmlab: error:')} ${e.message}\n`);
      return e.exitCode;
    }
    // A bug in vmmlab: say so in one line; VMMLAB_DEBUG=1 shows the stack.
    const detail = process.env.VMMLAB_DEBUG ? (e as Error).stack : (e as Error).message;
    process.stderr.write(`vmmlab: internal error: ${detail}\n`);
    return 70;
  }
}

/** `vmmlab help [COMMAND [SUBCOMMAND]]`: the main help, or exactly what `COMMAND … --help` prints. */
function help(args: string[]): number | Promise<number> {
  const [name, ...more] = args;
  if (name === undefined || name === 'help') {
    console.log(HELP);
    return 0;
  }
  return commandNamed(name)([...more, '--help']);
}

function commandNamed(name: string): Command {
  // Own keys only: 'constructor' or 'toString' is no command.
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name]!;
  const hint = closestName(name, [...Object.keys(COMMANDS), 'help']);
  throw new CliError(`unknown command '${name}'${hint ? `; did you mean '${hint}'?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')}, help)`);
}
