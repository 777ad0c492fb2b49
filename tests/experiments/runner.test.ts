// Running studies: the same results for one job and for two worker threads, for one run and for
// its shards merged, and a result file that holds every cell with everything needed to rerun it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runStudy, shardCells, type StudyResult } from '../../experiments/runner.ts';
import { mergeResults, readResult } from '../../experiments/merge.ts';
import { expandCells } from '../../experiments/study.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';
import { tinyStudy, withoutTiming } from './fixtures.ts';

let oneJob: StudyResult;

beforeAll(async () => {
  oneJob = await runStudy(tinyStudy(), { jobs: 1 });
});

describe('runStudy', () => {
  it('gives the same results with two worker threads as with one job', async () => {
    const twoJobs = await runStudy(tinyStudy(), { jobs: 2 });
    expect(twoJobs.timing.jobs).toBe(2);
    expect(withoutTiming(twoJobs)).toBe(withoutTiming(oneJob));
  });

  it('writes every cell, in order, with its configuration, statistics and console', () => {
    expect(oneJob.totalCells).toBe(12);
    expect(oneJob.cells.map((c) => c.index)).toEqual([...Array(12).keys()]);
    for (const c of oneJob.cells) {
      expect(c.reason).toBe('halted');
      expect(c.exitCode).toBe(0);
      expect(c.config.mmu.tlb.entries).toBe(c.params.tlbEntries);
      expect((c.stats.cycles as { total: number }).total).toBeGreaterThan(0);
      expect(c.console).toMatch(c.workload === 'primes' ? /^primes: 62 below 300/ : /^memwalk: 32 x 4096 x 2/);
      if (c.mode !== 'native') expect(c.stats.exits).toBeDefined();
    }
    expect(oneJob.profile).toEqual(DEFAULT_PROFILE);
    expect(oneJob.vmmlab.version).toBe(JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
    expect(oneJob.finding?.holds).toBe(true);
  });

  it('reports progress up to the number of cells', async () => {
    const seen: number[] = [];
    await runStudy(tinyStudy(), { jobs: 1, shard: { index: 1, count: 6 }, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('shards', () => {
  it('splits the cells round-robin, 1-based', () => {
    const cells = expandCells(tinyStudy());
    expect(shardCells(cells, { index: 1, count: 5 }).map((c) => c.index)).toEqual([0, 5, 10]);
    expect(shardCells(cells, { index: 5, count: 5 }).map((c) => c.index)).toEqual([4, 9]);
    expect(() => shardCells(cells, { index: 0, count: 5 })).toThrow(/I\/N/);
  });

  it('merged through files, give the result of one run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-shards-'));
    const files: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const part = await runStudy(tinyStudy(), { jobs: 1, shard: { index: i, count: 3 } });
      expect(part.shard).toEqual({ index: i, count: 3 });
      expect(part.finding).toBeUndefined();
      const file = path.join(dir, `part-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(part));
      files.push(file);
    }
    const { result, missing } = mergeResults(files.reverse().map(readResult), files);
    expect(missing).toEqual([]);
    expect(withoutTiming(result)).toBe(withoutTiming(JSON.parse(JSON.stringify(oneJob)) as StudyResult));
    fs.rmSync(dir, { recursive: true });
  });

  it('merged with one missing, say which cells are missing and leave the finding undecided', async () => {
    const part = await runStudy(tinyStudy(), { jobs: 1, shard: { index: 2, count: 4 } });
    const { result, missing } = mergeResults([part]);
    expect(missing).toEqual([0, 2, 3, 4, 6, 7, 8, 10, 11]);
    expect(result.finding).toBeUndefined();
  });

  it('refuse to merge parts of different studies', async () => {
    const other = { ...oneJob, study: { ...oneJob.study, memory: 4 << 20 } };
    expect(() => mergeResults([oneJob, other])).toThrow(/different studies/);
  });
});

describe('several VMs in one cell', () => {
  it('runs `vms` copies, sums their statistics, and VPIDs spare the TLB flushes of VM switches', async () => {
    const study = tinyStudy();
    const result = await runStudy({
      ...study,
      workloads: study.workloads.filter((w) => w.name === 'memwalk'),
      grid: { mode: ['native', 'ept'], vms: [1, 2], quantum: [500], vpid: [false, true] },
      finding: undefined,
    }, { jobs: 1 });
    const cell = (mode: string, vms: number, vpid?: boolean) =>
      result.cells.find((c) => c.mode === mode && c.params.vms === vms && (vpid === undefined || c.params.vpid === vpid))!;
    const instructions = (c: { stats: Record<string, unknown> }) => c.stats.instructions as number;
    const misses = (c: { stats: Record<string, unknown> }) => (c.stats.tlb as { misses: number }).misses;
    expect(instructions(cell('native', 2))).toBe(2 * instructions(cell('native', 1)));
    expect(instructions(cell('ept', 2, false))).toBe(2 * instructions(cell('ept', 1, false)));
    expect(cell('ept', 2, false).console).toBe(cell('native', 1).console);
    // One VM: nothing to flush, so VPIDs change nothing. Two VMs switching every 500 instructions:
    // without VPIDs every switch flushes the TLB.
    expect(misses(cell('ept', 1, true))).toBe(misses(cell('ept', 1, false)));
    expect(misses(cell('ept', 2, false))).toBeGreaterThan(misses(cell('ept', 2, true)));
    expect((cell('ept', 2, false).stats as { vmSwitchFlushes: number }).vmSwitchFlushes).toBeGreaterThan(0);
  });
});
