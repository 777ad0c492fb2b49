// Turning a command-line FILE into an Image: a `.s` file is assembled on the fly (all errors
// printed, gcc-style), anything else is read as an image file. `-` is stdin (cli/stdin.ts): a
// source, or an image when it is JSON. A source's `.include`s are searched in its own directory,
// then the -I directories, then the bundled library (config/bundled.ts).

import * as fs from 'node:fs';
import { formatDiagnostic, type AssembleResult } from '../assembler/index.ts';
import { assemble, assembleFile } from '../node/files.ts';
import * as path from 'node:path';
import { BUNDLED_INCLUDE_DIRS, BUNDLED_USER_DIR } from '../config/bundled.ts';
import { BootError, USER_ORIGIN, parseModuleSpec, type BootModule } from '../emulator/boot.ts';
import { ImageFormatError, parseImage, type Image } from '../isa/image.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { STDIN_ARG, STDIN_NAME, readStdinText } from './stdin.ts';

export function isSource(path: string): boolean {
  return /\.(s|asm)$/i.test(path);
}

/** Where a source's includes are searched after its own directory: the -I directories, then the bundled library. */
export function includePath(includeDirs: readonly string[]): string[] {
  return [...includeDirs, ...BUNDLED_INCLUDE_DIRS];
}

/** The -I directories of parsed options (`include`, repeatable). */
export function includeDirsOf(values: { readonly include?: unknown }): string[] {
  return Array.isArray(values.include) ? (values.include as string[]) : [];
}

/** The -D NAME[=VALUE] definitions of parsed options (`define`, repeatable): VALUE is a number, 1 if left out. */
export function definesOf(values: { readonly define?: unknown }): Record<string, number> {
  const defines: Record<string, number> = {};
  for (const text of Array.isArray(values.define) ? (values.define as string[]) : []) {
    const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)(?:=(-?(?:0x[0-9a-fA-F]+|\d+)))?$/.exec(text);
    const value = m ? (m[2] === undefined ? 1 : Number(m[2])) : NaN;
    if (!m || !Number.isSafeInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      throw new CliError(`-D takes NAME or NAME=VALUE, VALUE a 32-bit number (decimal or 0x hex) (got '${text}')`);
    }
    defines[m[1]!] = value;
  }
  return defines;
}

/** Assemble a source file (or stdin, `-`), printing every diagnostic; throws CliError when there are errors. */
export function assembleOrFail(file: string, color: boolean, origin?: number, includeDirs: readonly string[] = [], defines: Record<string, number> = {}): { image: Image; listing: string } {
  const options = { includePath: includePath(includeDirs), defines, ...(origin !== undefined ? { origin } : {}) };
  let result: AssembleResult;
  if (file === STDIN_ARG) {
    result = assemble(readStdinText(), { ...options, file: STDIN_NAME });
  } else {
    if (!fs.existsSync(file)) throw new CliError(`cannot read '${file}': no such file`, EXIT_CODES.INPUT);
    result = assembleFile(file, options);
  }
  for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, color) + '\n');
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (!result.image) {
    const name = file === STDIN_ARG ? STDIN_NAME : file;
    throw new CliError(`${name}: ${errors} error${errors === 1 ? '' : 's'}; nothing assembled`, EXIT_CODES.INPUT);
  }
  return { image: result.image, listing: result.listing };
}

/** stdin holds an image (JSON) rather than a source: assembly never starts with `{`. */
function stdinIsImage(): boolean {
  return readStdinText().trimStart().startsWith('{');
}

export function loadProgram(file: string, color: boolean, includeDirs: readonly string[] = [], defines: Record<string, number> = {}): Image {
  if (isSource(file) || (file === STDIN_ARG && !stdinIsImage())) return assembleOrFail(file, color, undefined, includeDirs, defines).image;
  const name = file === STDIN_ARG ? STDIN_NAME : file;
  let text: string;
  try {
    text = file === STDIN_ARG ? readStdinText() : fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT_CODES.INPUT);
  }
  try {
    return parseImage(text);
  } catch (e) {
    if (e instanceof ImageFormatError) throw new CliError(`${name}: ${e.message}`, EXIT_CODES.INPUT);
    throw e;
  }
}

/**
 * A `--module` argument: `PROG.s[:ARG,ARG…]` (or an image). The module's name is the file name
 * without its extension; the arguments are integers (decimal or 0x hex).
 */
export function loadModule(spec: string, color: boolean, includeDirs: readonly string[] = []): BootModule {
  let parsed: ReturnType<typeof parseModuleSpec>;
  try {
    parsed = parseModuleSpec(spec);
  } catch (e) {
    if (e instanceof BootError) throw new CliError(`--${e.message}`);
    throw e;
  }
  const found = findModuleFile(parsed.file);
  const image = isSource(found) ? assembleOrFail(found, color, USER_ORIGIN, includeDirs).image : loadProgram(found, color);
  return { name: parsed.name, image, args: parsed.args };
}

/** The bundled user programs, so `--module primes.s` works from any directory. */
function findModuleFile(file: string): string {
  if (fs.existsSync(file)) return file;
  const bundled = path.join(BUNDLED_USER_DIR, file);
  if (!path.isAbsolute(file) && fs.existsSync(bundled)) return bundled;
  throw new CliError(`module '${file}' not found (looked in the current directory and ${BUNDLED_USER_DIR})`, EXIT_CODES.INPUT);
}
