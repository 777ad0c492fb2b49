// Turning a command-line FILE into an Image: a `.s` file is assembled on the fly (all errors
// printed, gcc-style), anything else is read as an image file.

import * as fs from 'node:fs';
import { assembleFile, formatDiagnostic } from '../assembler/index.ts';
import { ImageFormatError, parseImage, type Image } from '../isa/image.ts';
import { CliError, EXIT_CODES } from './errors.ts';

export function isSource(path: string): boolean {
  return /\.(s|asm)$/i.test(path);
}

/** Assemble a source file, printing every diagnostic; throws CliError when there are errors. */
export function assembleOrFail(path: string, color: boolean, defines?: Record<string, number>): { image: Image; listing: string } {
  const result = assembleFile(path, defines ? { defines } : {});
  for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, color) + '\n');
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (!result.image) {
    throw new CliError(`${path}: ${errors} error${errors === 1 ? '' : 's'}; nothing assembled`, EXIT_CODES.INPUT);
  }
  return { image: result.image, listing: result.listing };
}

export function loadProgram(path: string, color: boolean): Image {
  if (isSource(path)) return assembleOrFail(path, color).image;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read '${path}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT_CODES.INPUT);
  }
  try {
    return parseImage(text);
  } catch (e) {
    if (e instanceof ImageFormatError) throw new CliError(`${path}: ${e.message}`, EXIT_CODES.INPUT);
    throw e;
  }
}
