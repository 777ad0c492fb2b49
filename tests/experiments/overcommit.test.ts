// The overcommit study (guest-programs/studies/overcommit.json, issue 14 section 3): under
// overcommit, ballooning with host swapping as the fallback costs the guests less than host
// swapping alone. Run from the study file as `vmmlab exp` runs it; the finding must hold on
// vmmlab's own measurements, every cell must print what it prints on a roomy host, and the host
// memory series each cell sampled must stay within the host and be charted.

import { beforeAll, describe, expect, it } from 'vitest';
import { findingText, warnings } from '../../experiments/report.ts';
import { metric } from '../../experiments/metrics.ts';
import { studySvg } from '../../experiments/svg.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { runShippedStudy } from './fixtures.ts';

let result: StudyResult;
beforeAll(async () => {
  result = await runShippedStudy('overcommit.json');
}, 180_000);

const cellOf = (mode: string, hostMemory: number, reclaim: string) =>
  result.cells.find((c) => c.mode === mode && c.config.params.hostMemory === hostMemory && c.config.params.reclaim === reclaim)!;

describe('study overcommit', () => {
  it('case 1: every cell runs to power-off, and the finding holds', () => {
    expect(result.cells).toHaveLength(8);
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });

  it('case 2: reclaiming changes nothing the guests print', () => {
    for (const c of result.cells) {
      expect(c.reason).toBe('halted');
      expect(c.exitCode).toBe(0);
      expect(c.console).toBe(cellOf(c.mode, 0, 'swap').console);
    }
  });

  it('case 3: under overcommit the balloon is used and paid for, and swapping is the fallback', () => {
    for (const mode of ['shadow', 'ept']) {
      const both = cellOf(mode, 50, 'balloon-swap');
      expect(metric(both, 'balloonInflated')).toBeGreaterThan(0);
      expect(metric(both, 'balloonCycles')).toBeGreaterThan(0);
      expect(metric(both, 'swapOuts')).toBeGreaterThan(0);
      // The driver gave frames back when the guest's allocator ran dry (deflate on OOM).
      expect(metric(both, 'balloonDeflated')).toBeGreaterThan(0);
      const swap = cellOf(mode, 50, 'swap');
      expect(metric(swap, 'balloonInflated')).toBe(0);
      expect(metric(swap, 'swapIns')).toBeGreaterThan(metric(both, 'swapIns')!);
    }
  });

  it('case 4: host memory over time is sampled, stays within the host, and is charted', () => {
    for (const c of result.cells) {
      const series = c.memorySeries ?? [];
      expect(series.length, `cell ${c.index}`).toBeGreaterThan(10);
      for (let i = 1; i < series.length; i++) expect(series[i]!.instructions).toBeGreaterThan(series[i - 1]!.instructions);
      const hostFrames = (2 * 2 * 1024 * 1024 * 50) / 100 / 4096;
      if (c.config.params.hostMemory === 50) for (const s of series) expect(s.hostFrames).toBeLessThanOrEqual(hostFrames);
      expect(series.every((s) => s.perVm.length === 2)).toBe(true);
    }
    expect(Math.max(...cellOf('shadow', 50, 'balloon-swap').memorySeries!.map((s) => s.ballooned))).toBeGreaterThan(0);
    const svg = studySvg(result);
    expect(svg).toContain('data-chart="memory"');
    expect(svg.match(/class="series"/g)).toHaveLength(8);
  });
});
