// Study files: what parseStudy accepts and refuses, the order and deduplication of the grid's
// cells, which native cell a cell is compared with, and the finding language.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StudyError, appliesTo, paramSpec, type Mode, type ParamValue } from '../../experiments/params.ts';
import { baselineOf, cellCount, expandCells, parseStudy, type Cell, type Study } from '../../experiments/study.ts';
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
    ['an unknown key', { ...base, grdi: {} }, /^study: error: \/grdi: unknown key 'grdi'; did you mean 'grid'\?$/],
    ['no workloads', { workloads: [] }, /\/workloads: must not be empty/],
    ['an unknown parameter', { ...base, grid: { tlbSize: [1] } }, /\/grid\/tlbSize: unknown key 'tlbSize'/],
    ['a bad mode', { ...base, grid: { mode: ['kvm'] } }, /\/grid\/mode\/0: must be native, shadow, ept, pv, dynamic or agile \(got "kvm"\)/],
    ['EPT levels out of range', { ...base, grid: { eptLevels: [5] } }, /\/grid\/eptLevels\/0: must be a whole number from 1 to 4 \(got 5\)/],
    ['a TLB size not a power of two', { ...base, grid: { tlbEntries: [48] } }, /power of two from 1 to 65536 \(got 48\)/],
    ['a bad memory size', { ...base, memory: '3K' }, /\/memory: must be a multiple of 4 KiB/],
    ['a bad profile key', { ...base, profile: { warpCycles: 3 } }, /\/profile\/warpCycles: unknown key 'warpCycles'/],
    ['a value listed twice', { ...base, grid: { pwc: [0, 0] } }, /\/grid\/pwc: lists 0 twice/],
    ['a workload named like a mode', { workloads: [{ name: 'ept', modules: ['primes.s'] }] }, /'ept' is a mode/],
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

  it('gives the cells of the full product, first places kept, in its order, and as many as cellCount says', () => {
    // The oracle: the whole product in key order, then each cell kept at its first place.
    const byProduct = (study: Study): Cell[] => {
      const keys = Object.keys(study.grid);
      let combos: Record<string, ParamValue>[] = [{}];
      for (const key of keys) combos = combos.flatMap((c) => study.grid[key]!.map((v) => ({ ...c, [key]: v })));
      const seen = new Set<string>();
      const cells: Cell[] = [];
      for (const w of study.workloads) {
        for (const combo of combos) {
          const mode = combo.mode as Mode;
          const params = Object.fromEntries(keys.filter((k) => k !== 'mode' && appliesTo(paramSpec(k)!, mode)).map((k) => [k, combo[k]!]));
          const id = JSON.stringify([w.name, mode, params]);
          if (seen.has(id)) continue;
          seen.add(id);
          for (let rep = 0; rep < study.repetitions; rep++) cells.push({ index: cells.length, workload: w.name, mode, params, rep });
        }
      }
      return cells;
    };
    const key = fc.constantFrom('mode', 'pwc', 'eptLevels', 'shadowCache', 'vpid', 'quantum', 'tlbEntries');
    const values: Record<string, ParamValue[]> = {
      mode: ['native', 'shadow', 'ept'], pwc: [0, 8, 16], eptLevels: [1, 2, 3, 4], shadowCache: [1, 2], vpid: [false, true], quantum: [100, 200], tlbEntries: [16, 64],
    };
    fc.assert(fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { minLength: 7, maxLength: 7 }), fc.integer({ min: 1, max: 2 }),
      (keys, sizes, repetitions) => {
        const grid = Object.fromEntries(keys.map((k, i) => [k, values[k]!.slice(0, 1 + (sizes[i]! % values[k]!.length))]));
        const study = parseStudy({ workloads: [{ name: 'a', modules: ['primes.s'] }, { name: 'b', modules: ['fib.s'] }], grid, repetitions });
        const cells = expandCells(study);
        expect(cells).toEqual(byProduct(study));
        expect(cellCount(study)).toBe(cells.length);
      }), { numRuns: 300 });
  });

  it('makes only the cells, not the product, when most lists apply to no mode of the grid', () => {
    // 4 x 1024 x 10,000 x 1,000 combinations; 4 cells.
    const grid = { eptLevels: [1, 2, 3, 4], shadowCache: Array.from({ length: 1024 }, (_, i) => i + 1), quantum: Array.from({ length: 10_000 }, (_, i) => i + 1),
      exitLatency: Array.from({ length: 1000 }, (_, i) => i), mode: ['native'], pwc: [0, 8, 16, 32] };
    const study = parseStudy({ workloads: [{ name: 'a', modules: ['primes.s'] }], grid });
    expect(expandCells(study).map((c) => c.params)).toEqual([{ pwc: 0 }, { pwc: 8 }, { pwc: 16 }, { pwc: 32 }]);
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
