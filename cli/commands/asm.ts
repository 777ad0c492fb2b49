// `vmmlab asm FILE -o IMAGE [--listing]` and `vmmlab disasm IMAGE|FILE`.

import * as fs from 'node:fs';
import { disassembleImage } from '../../assembler/index.ts';
import { serializeImage } from '../../isa/image.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { useColor } from '../format.ts';
import { assembleOrFail, loadProgram } from '../load.ts';
import { parseCommandLine } from '../options.ts';

export const ASM_HELP = `Usage: vmmlab asm FILE.s [-o IMAGE] [--listing]

Assemble a TV32 source file into an image (JSON: segments, entry, symbols, source map).
Errors are printed as file:line:col with the source line; all of them, then exit 1.

Options:
  -o, --output IMAGE   where to write the image (default: FILE with .img)
  --listing            print address, words and source side by side on stdout
  -h, --help           this text`;

export function asmCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, {
    output: { type: 'string', short: 'o' },
    listing: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(ASM_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('asm takes one source file (see vmmlab asm --help)');
  const source = positionals[0]!;
  const { image, listing } = assembleOrFail(source, useColor(process.stderr));
  const output = values.output ?? source.replace(/\.(s|asm)$/i, '') + '.img';
  try {
    fs.writeFileSync(output, serializeImage(image));
  } catch (e) {
    throw new CliError(`cannot write '${output}': ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  if (values.listing) process.stdout.write(listing.endsWith('\n') ? listing : listing + '\n');
  return 0;
}

export const DISASM_HELP = `Usage: vmmlab disasm IMAGE|FILE.s

Print the instructions of an image (or of a source file, assembled first) with addresses,
words and symbols.`;

export function disasmCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(DISASM_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('disasm takes one image or source file (see vmmlab disasm --help)');
  const image = loadProgram(positionals[0]!, useColor(process.stderr));
  const text = disassembleImage(image);
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return 0;
}
