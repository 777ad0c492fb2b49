// The experiments' files on Node: the StudyFiles over the file system and node:path that the
// platform-neutral core (experiments/plan.ts, images.ts, run-cell.ts, shards.ts) is given here,
// and reading study and result files from disk. Everything that runs a study from disk (the CLI,
// the worker threads, the library entry) goes through here, so that its paths and messages are
// Node's own: `path.resolve` makes a study's module paths absolute against the study's directory.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_PATHS } from '../config/bundled.ts';
import { readText } from '../config/json.ts';
import { StudyError } from '../experiments/params.ts';
import { parseStudy, studyJson, type StudySource } from '../experiments/plan.ts';
import type { StudyResult } from '../experiments/result.ts';
import { parseResult } from '../experiments/shards.ts';
import type { StudyFiles } from '../experiments/study-files.ts';
import { readSourceFile } from './files.ts';

/** The disk, for the experiments core: one object, so that a thread's assembled images are kept once (images.ts). */
export const NODE_STUDY_FILES: StudyFiles = {
  bundled: BUNDLED_PATHS,
  readSource: readSourceFile,
  readText: (file) => fs.readFileSync(file, 'utf8'),
  exists: (file) => fs.existsSync(file),
  resolve: (dir, file) => path.resolve(dir, file),
  join: (dir, name) => path.join(dir, name),
  isAbsolute: (file) => path.isAbsolute(file),
};

/** Read a study file's JSON, unchecked (the CLI edits it before parseStudy checks it). */
export function readStudyFile(file: string): unknown {
  const read = readText(file);
  if ('reason' in read) throw new StudyError(`cannot read study '${file}': ${read.reason}`);
  return studyJson(read.text, file);
}

/** Read and check a study file; its relative paths start from its directory. */
export function loadStudy(file: string): StudySource {
  return { study: parseStudy(readStudyFile(file), file), baseDir: path.dirname(path.resolve(file)) };
}

/** Read a result file written by `--json` (a whole run or one shard), checked against its own study. */
export function readResult(file: string): StudyResult {
  const read = readText(file);
  if ('reason' in read) throw new StudyError(`cannot read result '${file}': ${read.reason}`);
  return parseResult(read.text, file);
}
