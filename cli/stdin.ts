// `-` as a file name: a program (`vmmlab run -`, `vmmlab asm -`) or a study (`vmmlab exp -`)
// read from stdin. stdin is read once, whole, the first time something asks for it; a second
// reader (two VMs of one `run -`) gets the same text. Diagnostics name it `<stdin>`, and its
// `.include`s start from the current directory (assembler: the directory of `<stdin>` is `.`).
//
// A program read from stdin leaves nothing for the guest's console: `run` then connects no input
// (cli/console-input.ts), and says so in its --help.

import * as fs from 'node:fs';
import { CliError, EXIT_CODES } from './errors.ts';

/** The file name that means stdin. */
export const STDIN_ARG = '-';
/** How diagnostics and messages name it. */
export const STDIN_NAME = '<stdin>';

let read: string | undefined;

/** stdin's whole text (read on the first call, then kept). */
export function readStdinText(): string {
  if (read !== undefined) return read;
  try {
    read = readFd0();
  } catch (e) {
    throw new CliError(`cannot read stdin: ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  return read;
}

function readFd0(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (e) {
    // A non-blocking pipe (some parents hand one over) says EAGAIN to a synchronous read of fd 0.
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return fs.readFileSync('/dev/stdin', 'utf8');
    throw e;
  }
}

/** Whether a program or study was read from stdin (then the guest's console gets none of it). */
export function stdinWasRead(): boolean {
  return read !== undefined;
}
