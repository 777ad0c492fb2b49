// The assembler's files on Node: a reader over the file system and path.resolve for the
// include-cycle check, given to the core (assembler/ imports no node: module, so that it runs in
// a browser worker with a reader of the page's own). Everything that assembles files from disk
// (the CLI, the experiments, the library entry, tests and benchmarks) goes through here.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble as assembleWith, assembleFile as assembleFileWith, type AssembleOptions, type AssembleResult } from '../assembler/index.ts';
import { MAX_SOURCE_FILE_BYTES } from '../assembler/limits.ts';

/**
 * Read a source file as UTF-8. It refuses what is not a regular file, or is too big, before
 * reading: `.include "/dev/zero"` would otherwise read forever, and a FIFO would block.
 */
export function readSourceFile(file: string): string {
  const stat = fs.statSync(file);
  if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (!stat.isFile()) throw new Error('not a regular file');
  if (stat.size > MAX_SOURCE_FILE_BYTES) throw new Error(`larger than ${MAX_SOURCE_FILE_BYTES / (1024 * 1024)} MiB (${stat.size} bytes)`);
  return fs.readFileSync(file, 'utf8');
}

/** The options that give the core Node's files. */
export const NODE_FILES: Pick<AssembleOptions, 'readFile' | 'resolvePath'> = { readFile: readSourceFile, resolvePath: (p) => path.resolve(p) };

/** Assemble a file from disk (its includes too). */
export function assembleFile(file: string, options: Omit<AssembleOptions, 'file'> = {}): AssembleResult {
  return assembleFileWith(file, { ...NODE_FILES, ...options });
}

/** Assemble source text whose includes are read from disk. */
export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  return assembleWith(source, { ...NODE_FILES, ...options });
}
