// The migration study (guest-programs/studies/migration.json, issue 14 section 3): pre-copy live
// migration converges for a guest that dirties memory slowly and not for one that dirties it faster
// than the link sends it. Run from the study file as `vmmlab exp` runs it; the finding must hold on
// vmmlab's own measurements, and the migrated guests must print what they print unmigrated.

import { beforeAll, describe, expect, it } from 'vitest';
import { findingText, warnings } from '../../experiments/report.ts';
import { metric } from '../../experiments/metrics.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { runShippedStudy } from './fixtures.ts';

let result: StudyResult;
beforeAll(async () => {
  result = await runShippedStudy('migration.json');
}, 180_000);

describe('study migration', () => {
  it('case 1: every cell runs to power-off, and the finding holds', () => {
    expect(result.cells).toHaveLength(4);
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });

  it('case 2: the migrated guests print what memwalk prints, the same under shadow paging and EPT', () => {
    for (const w of ['slow', 'fast']) {
      const [a, b] = result.cells.filter((c) => c.workload === w);
      expect(a!.reason).toBe('halted');
      expect(a!.console).toMatch(/^memwalk: \d+ x \d+ x \d+ pages 256 checksum 0x[0-9a-f]+\n$/);
      expect(b!.console).toBe(a!.console);
      expect(metric(b!, 'instructions')).toBe(metric(a!, 'instructions'));
    }
  });

  it('case 3: the slow dirtier sends fewer pages in all, and the rounds of the fast one each resend its working set', () => {
    for (const mode of ['shadow', 'ept']) {
      const slow = result.cells.find((c) => c.workload === 'slow' && c.mode === mode)!;
      const fast = result.cells.find((c) => c.workload === 'fast' && c.mode === mode)!;
      expect(metric(slow, 'pagesSent')!).toBeLessThan(metric(fast, 'pagesSent')!);
      expect(metric(fast, 'pagesSent')!).toBeGreaterThan(15 * 250);
      expect(metric(slow, 'migrationCycles')!).toBeLessThan(metric(fast, 'migrationCycles')!);
    }
  });
});
