// The shipped studies (guest-programs/studies/) reproduce their qualitative findings on vmmlab's
// own measurements: each study's checks compare directions and ratios, not fixed numbers. They run
// in full here (a few seconds each on two cores).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadStudy } from '../../experiments/study.ts';
import { runStudy } from '../../experiments/runner.ts';
import { findingText, warnings } from '../../experiments/report.ts';
import { STUDIES_DIR, STUDIES_WITH_OWN_TEST } from './fixtures.ts';

const studies = fs.readdirSync(STUDIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('shipped studies', () => {
  it('are the four classic findings, the VPID study, and the studies of issue 13 (dynamic switching, the paravirtual MMU, agile paging)', () => {
    expect(studies).toEqual(['agile.json', 'compute-bound.json', 'dirty-logging.json', 'dynamic-switch.json', 'ept-levels.json', 'migration.json', 'mmu-intensive.json', 'overcommit.json', 'page-sharing.json', 'pv-mmu.json', 'tlb-pressure.json', 'vm-switch.json']);
  });

  it('those with a test file of their own check their finding there', () => {
    for (const [file, test] of Object.entries(STUDIES_WITH_OWN_TEST)) {
      expect(studies).toContain(file);
      const source = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), test), 'utf8');
      expect(source, test).toContain(`runShippedStudy('${file}')`);
      expect(source, test).toContain('result.finding?.holds');
    }
  });

  it.each(studies.filter((f) => !Object.hasOwn(STUDIES_WITH_OWN_TEST, f)))('%s: every cell runs to the end and the finding holds', async (file) => {
    const source = loadStudy(path.join(STUDIES_DIR, file));
    expect(source.study.finding).toBeDefined();
    const result = await runStudy(source, { jobs: 2 });
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });
});
