// The dirty-logging study (guest-programs/studies/dirty-logging.json, issue 14 section 3): under
// EPT, page-modification logging costs the guest less than write-protection dirty logging. Run
// from the study file as `vmmlab exp` runs it; the finding must hold on vmmlab's own measurements,
// and logging (or migrating) must change nothing the guest prints or retires.

import { beforeAll, describe, expect, it } from 'vitest';
import { findingText, warnings } from '../../experiments/report.ts';
import { metric } from '../../experiments/metrics.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { runShippedStudy } from './fixtures.ts';

let result: StudyResult;
beforeAll(async () => {
  result = await runShippedStudy('dirty-logging.json');
}, 180_000);

const cell = (workload: string, dirtyLog: string, migrateAt: number) =>
  result.cells.find((c) => c.workload === workload && c.config.params.dirtyLog === dirtyLog && c.config.params.migrateAt === migrateAt)!;

describe('study dirty-logging', () => {
  it('case 1: every cell runs to power-off, and the finding holds', () => {
    expect(result.cells).toHaveLength(12);
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });

  it('case 2: logging and migrating change nothing the guest prints or retires', () => {
    for (const c of result.cells) {
      expect(c.reason).toBe('halted');
      const off = cell(c.workload, 'none', 0);
      expect(c.console).toBe(off.console);
      expect(metric(c, 'instructions')).toBe(metric(off, 'instructions'));
    }
  });

  it('case 3: each method pays where it should: wp in exits, pml in log drains and no wp exits; every migration finishes', () => {
    for (const w of ['slow', 'fast']) {
      expect(metric(cell(w, 'wp', 0), 'wpExits')).toBeGreaterThan(1000);
      expect(metric(cell(w, 'pml', 0), 'wpExits')).toBe(0);
      expect(metric(cell(w, 'pml', 0), 'harvests')).toBeGreaterThan(3);
      expect(metric(cell(w, 'none', 0), 'loggingCycles')).toBe(0);
      for (const log of ['wp', 'pml']) expect(metric(cell(w, log, 2_000_000), 'migrated')).toBe(1);
    }
  });
});
