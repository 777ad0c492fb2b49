// Study files: what parseStudy accepts and refuses, the order and deduplication of the grid's
// cells, which native cell a cell is compared with, and the finding language.

import { describe, expect, it } from 'vitest';
import { StudyError } from '../../experiments/params.ts';
import { baselineOf, expandCells, parseStudy } from '../../experiments/study.ts';
import { parseCheck } from '../../experiments/finding.ts';
import { tinyStudy, TINY_STUDY_JSON } from './fixtures.ts';

const base = { workloads: [{ name: 'w', modules: ['primes.s'] }] };

describe('parseStudy', () => {
  it('fills in the defaults: all three modes, 16 MiB, one repetition', () => {
    const s = parseStudy(base);
    expect(s.grid).toEqual({ mode: ['native', 'shadow', 'ept'] });
    expect(s.memory).toBe(16 << 20);
    expect(s.repetitions).toBe(1);
  });

  it.each([
    ['an unknown key', { ...base, grdi: {} }, /unknown key 'grdi'/],
    ['no workloads', { workloads: [] }, /non-empty array/],
    ['an unknown parameter', { ...base, grid: { tlbSize: [1] } }, /unknown parameter 'tlbSize'/],
    ['a bad mode', { ...base, grid: { mode: ['kvm'] } }, /mode takes native, shadow or ept/],
    ['EPT levels out of range', { ...base, grid: { eptLevels: [5] } }, /eptLevels takes 1 to 4/],
    ['a TLB size not a power of two', { ...base, grid: { tlbEntries: [48] } }, /power of two/],
    ['a bad memory size', { ...base, memory: '3K' }, /memory takes/],
    ['a bad profile key', { ...base, profile: { warpCycles: 3 } }, /unknown profile key/],
    ['a value listed twice', { ...base, grid: { pwc: [0, 0] } }, /twice/],
    ['a workload named like a mode', { workloads: [{ name: 'ept', modules: ['primes.s'] }] }, /not a mode/],
  ])('refuses %s', (_what, raw, message) => {
    expect(() => parseStudy(raw)).toThrow(StudyError);
    expect(() => parseStudy(raw)).toThrow(message);
  });

  it('names a workload after its modules when it has no name', () => {
    const s = parseStudy({ workloads: [{ modules: ['primes.s:100', 'memwalk.s:4,4096,1'] }] });
    expect(s.workloads[0]!.name).toBe('primes+memwalk');
  });
});

describe('expandCells', () => {
  it('orders cells workload first, then grid keys as written, and drops parameters a mode ignores', () => {
    const s = parseStudy({ ...base, grid: { mode: ['native', 'shadow', 'ept'], eptLevels: [1, 2], pwc: [0, 8] } });
    const cells = expandCells(s);
    // native and shadow ignore eptLevels: 2 pwc values each; ept: 2 levels x 2 pwc values.
    expect(cells.map((c) => [c.mode, c.params])).toEqual([
      ['native', { pwc: 0 }], ['native', { pwc: 8 }],
      ['shadow', { pwc: 0 }], ['shadow', { pwc: 8 }],
      ['ept', { eptLevels: 1, pwc: 0 }], ['ept', { eptLevels: 1, pwc: 8 }],
      ['ept', { eptLevels: 2, pwc: 0 }], ['ept', { eptLevels: 2, pwc: 8 }],
    ]);
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('repeats each cell innermost', () => {
    const cells = expandCells(parseStudy({ ...base, grid: { mode: ['native', 'ept'] }, repetitions: 2 }));
    expect(cells.map((c) => `${c.mode}${c.rep}`)).toEqual(['native0', 'native1', 'ept0', 'ept1']);
  });

  it('compares each cell with the native cell of the same workload and native parameters', () => {
    const cells = expandCells(parseStudy({ ...base, grid: { mode: ['native', 'ept'], eptLevels: [1, 2], pwc: [0, 8] } }));
    for (const c of cells) {
      const b = baselineOf(c, cells)!;
      expect(b.mode).toBe('native');
      expect(b.params.pwc).toBe(c.params.pwc);
    }
  });

  it('has 12 cells in the tiny study', () => {
    expect(expandCells(tinyStudy())).toHaveLength(12);
  });
});

describe('findings', () => {
  it('parses metrics, selectors, arithmetic and comparisons', () => {
    expect(() => parseCheck('cycles{forkstorm, shadow} > 2 * cycles{forkstorm, ept} + 1')).not.toThrow();
    expect(() => parseCheck('exits.ptbr-write{shadow} - 3 >= (1 + 2) / 4')).not.toThrow();
  });

  it.each([
    ['cycles{a} = 3', /comparison/],
    ['speed{a} < 1', /unknown metric 'speed'/],
    ['cycles{a} < 1 2', /unexpected '2'/],
    ['cycles{a < 1', /expected/],
  ])('refuses %s', (check, message) => {
    expect(() => parseCheck(check)).toThrow(message);
  });

  it('refuses a selector that picks several cells, or none, when the study loads', () => {
    const study = structuredClone(TINY_STUDY_JSON);
    study.finding.checks = ['cycles{memwalk, shadow} > 1'];
    expect(() => parseStudy(study)).toThrow(/2 different cells/);
    study.finding.checks = ['cycles{memwalk, shadow, tlbEntries=32} > 1'];
    expect(() => parseStudy(study)).toThrow(/picks no cell/);
    study.finding.checks = ['cycles{fib, shadow} > 1'];
    expect(() => parseStudy(study)).toThrow(/neither a workload/);
  });
});
