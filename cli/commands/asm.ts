// `vmmlab asm FILE -o IMAGE [--listing]` and `vmmlab disasm IMAGE|FILE`. FILE `-` is stdin.

import * as fs from 'node:fs';
import { disassembleImage } from '../../assembler/index.ts';
import { serializeImage } from '../../isa/image.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { useColor } from '../format.ts';
import { assembleOrFail, definesOf, includeDirsOf, loadProgram } from '../load.ts';
import { DEFINE_OPTIONS, INCLUDE_OPTIONS, parseCommandLine } from '../options.ts';
import { STDIN_ARG } from '../stdin.ts';

export const ASM_HELP = `Usage: vmmlab asm FILE.s|- [-o IMAGE] [--listing] [-I DIR…] [-D NAME[=VALUE]…]

Assemble a TV32 source file into an image (JSON: segments, entry, symbols, source map).
Errors are printed as file:line:col with the source line; all of them, then exit 1.
FILE - reads the source from stdin (named <stdin> in errors; its .includes start from the
current directory) and writes the image to stdout unless -o says otherwise.

Options:
  -o, --output IMAGE   where to write the image (default: FILE with .img; '-' for stdout)
  --listing            print address, words and source side by side on stdout
  -I, --include DIR    search DIR for .include files (repeatable): after the including file's
                       own directory, before the bundled guest-programs/lib and
                       guest-programs/user, which are always searched (.include "console.inc"
                       and .include "ulib.inc" work from any folder)
  -D, --define NAME[=VALUE]
                       define the symbol NAME (VALUE, default 1; repeatable): .ifdef NAME and
                       .ifndef NAME test it (the kernel's PV build: -D PV=1)
  -h, --help           this text`;

export function asmCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, {
    output: { type: 'string', short: 'o' },
    listing: { type: 'boolean' },
    ...INCLUDE_OPTIONS,
    ...DEFINE_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(ASM_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('asm takes one source file (see vmmlab asm --help)');
  const source = positionals[0]!;
  const output = values.output ?? (source === STDIN_ARG ? '-' : source.replace(/\.(s|asm)$/i, '') + '.img');
  if (output === '-' && values.listing) throw new CliError('--listing and the image would both go to stdout: give the image a file with -o');
  const { image, listing } = assembleOrFail(source, useColor(process.stderr), undefined, includeDirsOf(values), definesOf(values));
  try {
    if (output === '-') fs.writeSync(process.stdout.fd, serializeImage(image));
    else fs.writeFileSync(output, serializeImage(image));
  } catch (e) {
    throw new CliError(`cannot write '${output}': ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  if (values.listing) process.stdout.write(listing.endsWith('\n') ? listing : listing + '\n');
  return 0;
}

export const DISASM_HELP = `Usage: vmmlab disasm IMAGE|FILE.s|- [-I DIR…]

Print the instructions of an image (or of a source file, assembled first) with addresses,
words and symbols. - reads the image or source from stdin; -I DIR as for vmmlab asm.`;

export function disasmCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, { ...INCLUDE_OPTIONS, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(DISASM_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('disasm takes one image or source file (see vmmlab disasm --help)');
  const image = loadProgram(positionals[0]!, useColor(process.stderr), includeDirsOf(values));
  const text = disassembleImage(image);
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return 0;
}
