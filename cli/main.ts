// The `vmmlab` command: dispatch to a subcommand; every error is one line and an exit code.

import * as fs from 'node:fs';
import { debugCommand } from './commands/debug.ts';
import { asmCommand, disasmCommand } from './commands/asm.ts';
import { expCommand } from './commands/exp.ts';
import { runCommand } from './commands/run.ts';
import { CliError } from './errors.ts';
import { red, useColor } from './format.ts';

/** The version in package.json: experiment results record it. */
export const VERSION: string = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `vmmlab ${VERSION}: an emulator of the TV32 toy ISA with a virtualizable MMU

Usage: vmmlab COMMAND [options]

Commands:
  run FILE.s|IMAGE      run a program (assembled on the fly if it is a .s file)
  asm FILE.s -o IMAGE   assemble to an image; --listing shows addresses and words
  disasm IMAGE|FILE.s   disassemble an image
  debug FILE.s|IMAGE    the debugger: step, break, watch, translate, time travel (same options as run)
  exp STUDY.json        run an experiment matrix (workloads x modes x parameters); exp merge FILES…

Run 'vmmlab COMMAND --help' for a command's options.`;

type Command = (argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  asm: asmCommand,
  disasm: disasmCommand,
  debug: debugCommand,
  exp: expCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new CliError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command(rest);
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
