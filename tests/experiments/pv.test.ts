// The PV study (guest-programs/studies/pv-mmu.json, issue 13 section 4): the paravirtual MMU
// against shadow paging and EPT on the MMU-intensive workloads, run from the study file as
// `vmmlab exp` runs it. Its finding (Barham et al., SOSP 2003: batched, validated page-table
// updates beat trapping every page-table write) must hold on vmmlab's own measurements, every
// cell must print what the native cell prints, and the pv cells must really be the kernel's PV
// build talking hypercalls.

import { beforeAll, describe, expect, it } from 'vitest';
import { findingText, warnings } from '../../experiments/report.ts';
import { metric } from '../../experiments/metrics.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { runShippedStudy } from './fixtures.ts';

let result: StudyResult;
beforeAll(async () => {
  result = await runShippedStudy('pv-mmu.json');
}, 120_000);

const cell = (workload: string, mode: string) => result.cells.find((c) => c.workload === workload && c.mode === mode)!;
const WORKLOADS = ['forkstorm', 'ctxswitch', 'sbrkchurn'];

describe('study pv-mmu', () => {
  it('case 1: every cell runs to power-off, and the finding holds', () => {
    expect(result.cells).toHaveLength(12);
    expect(warnings(result)).toEqual([]);
    expect(result.finding?.holds, findingText(result.finding, result)).toBe(true);
  });

  it.each(WORKLOADS)('case 2: %s prints the same under pv (the PV build) as natively', (workload) => {
    const native = cell(workload, 'native');
    const pv = cell(workload, 'pv');
    expect(native.reason).toBe('halted');
    expect(pv.reason).toBe('halted');
    expect(pv.exitCode).toBe(native.exitCode);
    expect(pv.console).toBe(native.console);
  });

  it('case 3: the pv cells ran the PV build: hypercalls, no shadow machinery, nothing refused', () => {
    for (const workload of WORKLOADS) {
      const pv = cell(workload, 'pv');
      expect(metric(pv, 'exits.hc-set-ptbr')).toBeGreaterThan(0);
      expect(metric(pv, 'pvUpdates')).toBeGreaterThan(0);
      expect(metric(pv, 'exits.pt-write')).toBe(0);
      expect(metric(pv, 'exits.ptbr-write')).toBe(0);
      expect(metric(pv, 'pvRefusals')).toBe(0);
      // A PV build retires a few more instructions than the native one (the queue, the hypercall setup).
      expect(metric(pv, 'instructions')!).toBeGreaterThan(metric(cell(workload, 'native'), 'instructions')!);
    }
    // sbrkchurn:200 shrinks its heap once a round: one multicall [mmu_update, invlpg…] each.
    expect(metric(cell('sbrkchurn', 'pv'), 'exits.hc-multicall')).toBe(200);
  });
});
