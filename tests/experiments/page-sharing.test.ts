// The page-sharing study (guest-programs/studies/page-sharing.json, issue 14 section 3): identical
// VMs share much of their memory through content-based page sharing, and EPT large pages take the
// saving away. Run from the study file as `vmmlab exp` runs it; the finding must hold on vmmlab's
// own measurements, and every cell must print what the same cell prints without sharing.

import { beforeAll, describe, expect, it } from 'vitest';
import { findingText, warnings } from '../../experiments/report.ts';
import { metric } from '../../experiments/metrics.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { runShippedStudy } from './fixtures.ts';

let result: StudyResult;
beforeAll(async () => {
  result = await runShippedStudy('page-sharing.json');
}, 180_000);

describe('study page-sharing', () => {
  it('case 1: every cell runs to power-off, and the finding holds', () => {
    expect(result.cells).toHaveLength(24);
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });

  it('case 2: sharing changes nothing the guests print', () => {
    for (const c of result.cells) {
      expect(c.reason).toBe('halted');
      const off = result.cells.find((o) => o.workload === c.workload && o.mode === c.mode && o.config.params.vms === c.config.params.vms
        && o.config.params.eptLargePages === c.config.params.eptLargePages && o.config.params.sharePages === 0)!;
      expect(c.console).toBe(off.console);
      expect(metric(c, 'instructions')).toBe(metric(off, 'instructions'));
    }
  });

  it('case 3: sharing is paid for: scans are charged, stores to shared frames break it', () => {
    for (const c of result.cells.filter((c) => c.config.params.sharePages !== 0 && c.config.params.eptLargePages !== true)) {
      expect(metric(c, 'scanCycles')).toBeGreaterThan(0);
      if (c.config.params.vms === 4) expect(metric(c, 'cowBreaks')).toBeGreaterThan(0);
    }
  });
});
