// `vmmlab check-pager FILE`'s suite on Node: session/check-pager.ts (the checks, the scorecard,
// platform-neutral) with the guests read from the package's guest-programs/ folder on disk. The
// playground's worker runs the same suite over its map of the same files.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_DIR } from '../config/bundled.ts';
import { CHECK_GUESTS, checkPager as checkPagerOn, type CheckOptions, type GradedPager, type PagerSuiteFiles, type Scorecard } from '../session/check-pager.ts';
import { readSourceFile } from './files.ts';

export {
  BUILT_IN_PAGERS, DEFAULT_SEED, RANDOM_CASES, ScorecardPrinter, describeDivergence, pagerCheckNames,
  type CheckOptions, type CheckResult, type CostRow, type Costs, type GradedPager, type Scorecard,
} from '../session/check-pager.ts';

/** The folder of check-pager's own guests. */
export const CHECK_GUESTS_DIR = path.join(BUNDLED_DIR, CHECK_GUESTS);

/** The suite's files on disk: guest-programs/ of the package. */
export const NODE_SUITE_FILES: PagerSuiteFiles = {
  files: { readFile: readSourceFile, resolvePath: (p) => path.resolve(p), join: path.join },
  bundledDir: BUNDLED_DIR,
};

/** Run every check (or those `only` names) against a pager, with the guests on disk. */
export function checkPager(pager: GradedPager, options: CheckOptions = {}): Scorecard {
  return checkPagerOn(NODE_SUITE_FILES, pager, options);
}

/** Whether the shipped guests are there (an install without guest-programs/ cannot check). */
export function checkGuestsPresent(): boolean {
  return fs.existsSync(path.join(CHECK_GUESTS_DIR, 'pt-write.s'));
}
