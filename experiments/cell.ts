// One cell of a study on Node: run-cell.ts (platform-neutral) with the files on disk
// (node/experiments.ts), under the names the library (index.ts) and the worker threads import.
// Code that must also run in a browser imports run-cell.ts and brings its own StudyFiles.

import { NODE_STUDY_FILES } from '../node/experiments.ts';
import { runCell as runCellWith, type CellJob, type CellPagerModule, type CellResult } from './run-cell.ts';

export { cellConfig, cellProfile, runCellOn } from './run-cell.ts';
export type { CellConfig, CellJob, CellPager, CellPagerModule, CellResult, Json, WorkloadImages } from './run-cell.ts';

/** Run one cell to completion (or its instruction budget), its images assembled from disk; `pager`: job.pager, loaded. */
export function runCell(job: CellJob, pager?: CellPagerModule): CellResult {
  return runCellWith(job, NODE_STUDY_FILES, pager);
}
