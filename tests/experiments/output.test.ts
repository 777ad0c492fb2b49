// What a study's results look like: the SVG charts (well-formed, a bar per cell in the slowdown
// chart and a stack per cell in the cycles chart), the CSV, the tables, and the progress line.

import { beforeAll, describe, expect, it } from 'vitest';
import { runStudy, type StudyResult } from '../../experiments/runner.ts';
import { studySvg, ticks } from '../../experiments/svg.ts';
import { csv, markdownTable, textTable, findingText } from '../../experiments/report.ts';
import { CYCLE_PARTS } from '../../experiments/metrics.ts';
import { formatDuration, progressLine } from '../../experiments/progress.ts';
import { tinyStudy, xmlProblem } from './fixtures.ts';

let result: StudyResult;

beforeAll(async () => {
  result = await runStudy(tinyStudy(), { jobs: 2 });
});

describe('svg', () => {
  it('is well-formed XML with a title, axis labels and legends', () => {
    const svg = studySvg(result);
    expect(xmlProblem(svg)).toBeUndefined();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/class="title"/g)).toHaveLength(2);
    expect(svg.match(/class="axis-label"/g)).toHaveLength(2);
    expect(svg.match(/class="legend"/g)).toHaveLength(2);
  });

  it('has one slowdown bar per cell and one stack of cycle parts per cell', () => {
    const svg = studySvg(result);
    const bars = [...svg.matchAll(/<rect class="bar" data-cell="(\d+)"/g)].map((m) => Number(m[1]));
    // Grouped by native baseline (workload, TLB size), so not in cell order: each cell once.
    expect([...bars].sort((a, b) => a - b)).toEqual(result.cells.map((c) => c.index));
    const parts = [...svg.matchAll(/<rect class="part" data-cell="(\d+)"/g)].map((m) => Number(m[1]));
    expect(parts).toHaveLength(result.cells.length * CYCLE_PARTS.length);
  });

  it('draws the native bars at slowdown 1 and the others in proportion', () => {
    const svg = studySvg(result);
    const heights = new Map([...svg.matchAll(/<rect class="bar" data-cell="(\d+)"[^>]* height="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]));
    const native = result.cells.find((c) => c.mode === 'native')!;
    const shadow = result.cells.find((c) => c.mode === 'shadow' && c.workload === native.workload && c.params.tlbEntries === native.params.tlbEntries)!;
    const ratio = (shadow.stats.cycles as { total: number }).total / (native.stats.cycles as { total: number }).total;
    expect(heights.get(shadow.index)! / heights.get(native.index)!).toBeCloseTo(ratio, 1);
  });

  it('escapes text', () => {
    const svg = studySvg({ ...result, study: { ...result.study, name: 'a<b & "c"' } });
    expect(xmlProblem(svg)).toBeUndefined();
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
  });

  it('picks round axis ticks', () => {
    expect(ticks(4.4)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(37)).toEqual([0, 10, 20, 30, 40]);
  });
});

describe('tables', () => {
  it('CSV has a header and one row per cell, with every exit reason as a column', () => {
    const lines = csv(result).trimEnd().split('\n');
    expect(lines).toHaveLength(result.cells.length + 1);
    const header = lines[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['index', 'workload', 'mode', 'rep']);
    expect(header).toContain('slowdown');
    expect(header).toContain('exits.ptbr-write');
    for (const line of lines.slice(1)) expect(line.split(',')).toHaveLength(header.length);
  });

  it('the text and Markdown tables have a row per cell and the swept parameter as a column', () => {
    const text = textTable(result).split('\n');
    expect(text).toHaveLength(result.cells.length + 2);
    expect(text[0]).toMatch(/#\s+workload\s+mode\s+tlbEntries\s+instructions\s+cycles\s+CPI\s+slowdown/);
    const md = markdownTable(result).split('\n');
    expect(md).toHaveLength(result.cells.length + 2);
    expect(md[1]).toMatch(/^\|---:\|:---\|:---\|---:\|/);
  });

  it('states the finding with its numbers', () => {
    expect(findingText(result.finding, result)).toMatch(/^finding HOLDS: .*\n {2}ok {3}slowdown\{memwalk, shadow, tlbEntries=16\} > 1 {3}\[\d/);
  });
});

describe('progress', () => {
  it('shows cells done, elapsed time and time left', () => {
    expect(progressLine({ done: 3, total: 12, elapsedMs: 6000 })).toBe('[#######---------------------] 3/12 cells, 6s elapsed, ~18s left');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});
