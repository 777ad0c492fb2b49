// Lab 5's check on Node (docs/labs/05-trade-off.md): the student's study.json read and checked as
// `vmmlab exp` reads it, run by experiments/runner.ts (in worker threads when it is big), and its
// result given to the lab's checks (session/labs/study.ts, which the playground runs too).

import * as path from 'node:path';
import { parseModuleSpec } from '../../experiments/images.ts';
import { StudyError } from '../../experiments/params.ts';
import { expandCells, type StudySource } from '../../experiments/plan.ts';
import { runStudy, type StudyResult } from '../../experiments/runner.ts';
import { loadStudy } from '../../experiments/study.ts';
import { NODE_STUDY_FILES } from '../../node/experiments.ts';
import type { Check } from '../../session/labs/kit.ts';
import { labResultChecks, labStudyChecks } from '../../session/labs/study.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { reportIssues } from '../issues.ts';

export async function checkLab5(dir: string): Promise<Check[]> {
  const source = loadLabStudy(path.join(dir, 'study.json'));
  const { study, baseDir } = source;
  const planned = labStudyChecks(study, (spec) => isOwnModule(spec, baseDir, dir));
  if (!planned.ready) return planned.checks;
  let result: StudyResult;
  try {
    // A small study runs faster in this thread than it would start worker threads.
    result = await runStudy(source, expandCells(study).length > 12 ? {} : { jobs: 1 });
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
  return [...planned.checks, ...labResultChecks(result, planned.own)];
}

/** The student's study, checked as vmmlab exp checks it: its located errors end the check. */
function loadLabStudy(file: string): StudySource {
  try {
    return loadStudy(file);
  } catch (e) {
    if (e instanceof StudyError && e.issues.length > 0) throw reportIssues(e, 'nothing checked');
    if (e instanceof StudyError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
}

/** Is a module spec a program in the student's folder (not a bundled one)? */
function isOwnModule(spec: string, baseDir: string, dir: string): boolean {
  try {
    const file = parseModuleSpec(NODE_STUDY_FILES, spec, baseDir).file;
    const relative = path.relative(path.resolve(dir), file);
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  } catch {
    return false;
  }
}
