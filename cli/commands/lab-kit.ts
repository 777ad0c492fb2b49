// What `vmmlab lab` adds on Node to the platform-neutral checks (session/labs/): where the labs
// sit on disk, a check context over the file system (its diagnostics printed on stderr, as every
// vmmlab command prints them), and the student's folder's own errors.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../assembler/index.ts';
import { BUNDLED_DIR } from '../../config/bundled.ts';
import { NODE_FILES } from '../../node/files.ts';
import type { LabContext } from '../../session/labs/kit.ts';
import { CliError, EXIT_CODES } from '../errors.ts';

export type { Check } from '../../session/labs/kit.ts';

/** Where the labs' starter files and check programs sit: guest-programs/labs/NN-name/. */
export const LABS_DIR = path.join(BUNDLED_DIR, 'labs');

/** A check of the student's folder `dir`, on disk. */
export function nodeLabContext(dir: string): LabContext {
  return {
    files: { readFile: NODE_FILES.readFile!, resolvePath: NODE_FILES.resolvePath!, join: path.join },
    dir,
    bundledDir: BUNDLED_DIR,
    diagnostics: (diagnostics) => {
      for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, false)}\n`);
    },
  };
}

// ---------------------------------------------------------------- the student's folder

/** Every file the lab's check needs must be in the folder: one clear error naming the missing ones. */
export function requireFiles(dir: string, files: readonly string[], lab: number): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new CliError(`no folder '${dir}' (make one with vmmlab lab init ${lab} DIR)`, EXIT_CODES.INPUT);
  if (!stat.isDirectory()) throw new CliError(`'${dir}' is not a folder (give lab ${lab}'s folder, made by vmmlab lab init ${lab} DIR)`, EXIT_CODES.INPUT);
  const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length === 0) return;
  const where = dir === '.' ? 'the current folder' : `'${dir}'`;
  throw new CliError(`${where} has no ${missing.join(', ')}: lab ${lab} checks the files vmmlab lab init ${lab} DIR makes (${files.join(', ')}); run it in that folder, or give the folder`, EXIT_CODES.INPUT);
}
