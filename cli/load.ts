// Turning a command-line FILE into an Image: a `.s` file is assembled on the fly (all errors
// printed, gcc-style), anything else is read as an image file.

import * as fs from 'node:fs';
import { assembleFile, formatDiagnostic } from '../assembler/index.ts';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootError, USER_ORIGIN, parseModuleSpec, type BootModule } from '../emulator/boot.ts';
import { ImageFormatError, parseImage, type Image } from '../isa/image.ts';
import { CliError, EXIT_CODES } from './errors.ts';

export function isSource(path: string): boolean {
  return /\.(s|asm)$/i.test(path);
}

/** Assemble a source file, printing every diagnostic; throws CliError when there are errors. */
export function assembleOrFail(path: string, color: boolean, origin?: number): { image: Image; listing: string } {
  if (!fs.existsSync(path)) throw new CliError(`cannot read '${path}': no such file`, EXIT_CODES.INPUT);
  const result = assembleFile(path, origin !== undefined ? { origin } : {});
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

/**
 * A `--module` argument: `PROG.s[:ARG,ARG…]` (or an image). The module's name is the file name
 * without its extension; the arguments are integers (decimal or 0x hex).
 */
export function loadModule(spec: string, color: boolean): BootModule {
  let parsed: ReturnType<typeof parseModuleSpec>;
  try {
    parsed = parseModuleSpec(spec);
  } catch (e) {
    if (e instanceof BootError) throw new CliError(`--${e.message}`);
    throw e;
  }
  const found = findModuleFile(parsed.file);
  const image = isSource(found) ? assembleOrFail(found, color, USER_ORIGIN).image : loadProgram(found, color);
  return { name: parsed.name, image, args: parsed.args };
}

/** The bundled user programs, so `--module primes.s` works from any directory. */
export const BUNDLED_USER_DIR = fileURLToPath(new URL('../guest-programs/user/', import.meta.url));

function findModuleFile(file: string): string {
  if (fs.existsSync(file)) return file;
  const bundled = path.join(BUNDLED_USER_DIR, file);
  if (!path.isAbsolute(file) && fs.existsSync(bundled)) return bundled;
  throw new CliError(`module '${file}' not found (looked in the current directory and ${BUNDLED_USER_DIR})`, EXIT_CODES.INPUT);
}
