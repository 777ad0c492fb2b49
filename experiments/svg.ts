// A study's results as one plain SVG file with two charts, one above the other:
//   1. slowdown against native: one bar per cell, coloured by mode, grouped by the native cell
//      they are compared with (same workload, repetition and parameters that apply natively);
//   2. where the cycles went: the same bars stacked by instructions, page walks, VM exits/entries,
//      VMM work and traps/devices/idle, scaled so that each stack's height is its slowdown.
// Without native cells in the grid both charts show cycles in millions instead.
//
// No library, no script, no external fonts: any browser and most Markdown viewers show it.

import type { CellResult } from './run-cell.ts';
import { CYCLE_PARTS, metric } from './metrics.ts';
import { appliesTo, paramSpec, showValue } from './params.ts';
import { nativeCycles, type StudyResult } from './result.ts';
import { sweptKeys } from './plan.ts';

const MODE_COLOURS: Record<string, string> = { native: '#7f7f7f', shadow: '#d95f02', ept: '#1b9e77', dynamic: '#7570b3', pv: '#e7298a', agile: '#66a61e' };
const PART_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#b07aa1', '#bab0ac'];

const BAR = 18;
const BAR_GAP = 4;
const GROUP_GAP = 28;
const LEFT = 72;
const LEGEND = 170;
const PLOT_HEIGHT = 240;
const TOP = 48;
/** Rough text widths of the sans-serif font at 10-11 px, to leave room for labels. */
const CHAR = 6.2;
const BAR_LABEL_ANGLE = 50;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Group {
  /** Two lines: the workload (and repetition), then the shared parameters. */
  lines: [string, string];
  cells: CellResult[];
  /** Width on the x axis, bars centred within. */
  width: number;
}

/** Cells grouped by the native cell they compare with, in cell order. */
function groups(result: StudyResult): Group[] {
  const swept = sweptKeys(result.study);
  const out = new Map<string, Group>();
  for (const c of result.cells) {
    const shared = swept.filter((k) => appliesTo(paramSpec(k)!, 'native') && c.params[k] !== undefined);
    const key = JSON.stringify([c.workload, c.rep, shared.map((k) => c.params[k])]);
    let g = out.get(key);
    if (!g) {
      const params = shared.map((k) => `${paramSpec(k)!.short}=${showValue(c.params[k])}`).join(' ');
      g = { lines: [result.study.repetitions > 1 ? `${c.workload} rep ${c.rep}` : c.workload, params], cells: [], width: 0 };
      out.set(key, g);
    }
    g.cells.push(c);
  }
  for (const g of out.values()) {
    g.width = Math.max(g.cells.length * (BAR + BAR_GAP) - BAR_GAP, ...g.lines.map((l) => l.length * CHAR));
  }
  return [...out.values()];
}

/** The bar's own label: its mode and the swept parameters that apply to that mode only. */
function barLabel(c: CellResult, swept: readonly string[]): string {
  const own = swept.filter((k) => !appliesTo(paramSpec(k)!, 'native') && c.params[k] !== undefined);
  return [c.mode, ...own.map((k) => `${paramSpec(k)!.short}=${showValue(c.params[k])}`)].join(' ');
}

/** Round tick steps: 1, 2, 2.5 or 5 times a power of ten, about five ticks up to `max`. */
export function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < max) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

const tickText = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3))));

export function studySvg(result: StudyResult): string {
  const gs = groups(result);
  const swept = sweptKeys(result.study);
  const relative = result.cells.every((c) => nativeCycles(c, result.cells) !== undefined);
  const scale = (c: CellResult) => (relative ? 1 / nativeCycles(c, result.cells)! : 1e-6);
  const height = (c: CellResult) => metric(c, 'cycles')! * scale(c);
  // Rotated bar labels hang below the axis (and to the left of the first bar).
  const longest = Math.max(...result.cells.map((c) => barLabel(c, swept).length)) * CHAR;
  const labelDrop = longest * Math.sin((BAR_LABEL_ANGLE * Math.PI) / 180) + 14;
  const left = Math.max(LEFT, longest * Math.cos((BAR_LABEL_ANGLE * Math.PI) / 180) - GROUP_GAP + 8);
  const labels = labelDrop + 40;
  const plotWidth = gs.reduce((w, g) => w + g.width + GROUP_GAP, GROUP_GAP);
  const titles = [
    `${result.study.name}: ${relative ? 'slowdown against native' : 'cycles'} by workload and mode`,
    `${result.study.name}: where the cycles went`,
  ];
  const withSeries = result.cells.filter((c) => (c.memorySeries?.length ?? 0) > 0);
  // The memory chart wants a plot of SERIES_PLOT pixels and room for its legend's cell labels.
  const seriesLegend = Math.max(0, ...withSeries.map((c) => seriesLabel(c, swept).length)) * SERIES_CHAR + 40;
  const width = Math.ceil(Math.max(left + plotWidth + LEGEND, titles[0]!.length * 9 + 40, withSeries.length > 0 ? left + SERIES_PLOT + seriesLegend : 0));
  const chartHeight = TOP + PLOT_HEIGHT + labels;
  const seriesHeight = withSeries.length > 0 ? TOP + PLOT_HEIGHT + 48 + 16 : 0;
  const total = chartHeight * 2 + 16 + seriesHeight;
  const max = Math.max(...result.cells.map(height), relative ? 1 : 0);
  const axis = ticks(max);
  const yMax = axis[axis.length - 1]!;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${width}" height="${total}" fill="#ffffff"/>`,
  ];
  const chart = (index: 0 | 1) => {
    const y0 = index * (chartHeight + 16);
    const base = y0 + TOP + PLOT_HEIGHT;
    const y = (v: number) => base - (v / yMax) * PLOT_HEIGHT;
    const yLabel = relative ? (index === 0 ? 'slowdown (cycles / native cycles)' : 'cycles / native cycles') : 'cycles (millions)';
    out.push(`<g class="chart" data-chart="${index === 0 ? 'slowdown' : 'cycles'}">`);
    out.push(`<text class="title" x="${width / 2}" y="${y0 + 22}" text-anchor="middle" font-size="15" font-weight="bold">${esc(titles[index]!)}</text>`);
    for (const t of axis) {
      out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e0e0e0"/>`);
      out.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${tickText(t)}</text>`);
    }
    if (relative) out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`);
    out.push(`<line x1="${left}" x2="${left}" y1="${y0 + TOP}" y2="${base}" stroke="#333"/>`);
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${base}" y2="${base}" stroke="#333"/>`);
    const midY = y0 + TOP + PLOT_HEIGHT / 2;
    out.push(`<text class="axis-label" x="${left - 50}" y="${midY}" text-anchor="middle" transform="rotate(-90 ${left - 50} ${midY})">${esc(yLabel)}</text>`);
    let gx = left + GROUP_GAP;
    for (const g of gs) {
      let x = gx + (g.width - (g.cells.length * (BAR + BAR_GAP) - BAR_GAP)) / 2;
      for (const c of g.cells) {
        const label = barLabel(c, swept);
        const what = `#${c.index} ${g.lines.join(' ').trim()}, ${label}`;
        if (index === 0) {
          const v = height(c);
          out.push(`<rect class="bar" data-cell="${c.index}" x="${x}" y="${y(v).toFixed(1)}" width="${BAR}" height="${(base - y(v)).toFixed(1)}" fill="${MODE_COLOURS[c.mode]}">` +
            `<title>${esc(`${what}: ${relative ? `${v.toFixed(2)}x` : `${v.toFixed(2)} M cycles`}`)}</title></rect>`);
        } else {
          let top = base;
          CYCLE_PARTS.forEach((part, i) => {
            const v = metric(c, part.metric)! * scale(c);
            const h = (v / yMax) * PLOT_HEIGHT;
            top -= h;
            out.push(`<rect class="part" data-cell="${c.index}" data-part="${part.metric}" x="${x}" y="${top.toFixed(1)}" width="${BAR}" height="${h.toFixed(1)}" fill="${PART_COLOURS[i]}">` +
              `<title>${esc(`${what}: ${part.label} ${(100 * v / height(c)).toFixed(1)}%`)}</title></rect>`);
          });
        }
        const lx = x + BAR / 2 + 4;
        out.push(`<text x="${lx}" y="${base + 10}" text-anchor="end" font-size="10" transform="rotate(-${BAR_LABEL_ANGLE} ${lx} ${base + 10})">${esc(label)}</text>`);
        x += BAR + BAR_GAP;
      }
      const cx = gx + g.width / 2;
      out.push(`<text class="group-label" x="${cx}" y="${base + labelDrop + 12}" text-anchor="middle" font-weight="bold">${esc(g.lines[0])}</text>`);
      if (g.lines[1]) out.push(`<text class="group-label" x="${cx}" y="${base + labelDrop + 26}" text-anchor="middle">${esc(g.lines[1])}</text>`);
      gx += g.width + GROUP_GAP;
    }
    const legend = index === 0
      ? [...new Set(result.cells.map((c) => c.mode))].map((m) => ({ label: m, colour: MODE_COLOURS[m]! }))
      : CYCLE_PARTS.map((p, i) => ({ label: p.label, colour: PART_COLOURS[i]! })).reverse();
    const lx = left + plotWidth + 16;
    out.push(`<g class="legend">`);
    legend.forEach((item, i) => {
      const ly = y0 + TOP + i * 18;
      out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${item.colour}"/>`);
      out.push(`<text x="${lx + 18}" y="${ly + 10}">${esc(item.label)}</text>`);
    });
    out.push('</g>', '</g>');
  };
  chart(0);
  chart(1);
  if (withSeries.length > 0) out.push(...memoryChart(withSeries, swept, `${result.study.name}: host frames in use over time`, chartHeight * 2 + 32, left, seriesLegend, width));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The memory chart's plot width at the least, and the width of a legend character at 10 px. */
const SERIES_PLOT = 480;
const SERIES_CHAR = 5.6;

/** A cell's line in the memory chart: its index, workload, mode and every swept parameter. */
function seriesLabel(c: CellResult, swept: readonly string[]): string {
  return [`#${c.index}`, c.workload, c.mode, ...swept.filter((k) => k !== 'mode' && c.params[k] !== undefined).map((k) => `${paramSpec(k)!.short}=${showValue(c.params[k])}`)].join(' ');
}

const LINE_COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#1f78b4', '#b2df8a'];

/**
 * The third chart, when cells sampled host memory over time (page sharing, swapping or
 * ballooning on: CellResult.memorySeries): host frames in use against guest instructions retired,
 * one line per cell, from `y0` down.
 */
function memoryChart(cells: readonly CellResult[], swept: readonly string[], title: string, y0: number, left: number, legendWidth: number, width: number): string[] {
  const plotWidth = width - left - legendWidth;
  const base = y0 + TOP + PLOT_HEIGHT;
  const xMax = ticks(Math.max(...cells.map((c) => c.memorySeries![c.memorySeries!.length - 1]!.instructions)) / 1e6);
  const yMax = ticks(Math.max(...cells.flatMap((c) => c.memorySeries!.map((s) => s.hostFrames))));
  const xTop = xMax[xMax.length - 1]!;
  const yTop = yMax[yMax.length - 1]!;
  const x = (v: number) => left + (v / 1e6 / xTop) * plotWidth;
  const y = (v: number) => base - (v / yTop) * PLOT_HEIGHT;
  const out = [`<g class="chart" data-chart="memory">`, `<text class="title" x="${width / 2}" y="${y0 + 22}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`];
  for (const t of yMax) {
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${tickText(t)}</text>`);
  }
  for (const t of xMax) out.push(`<text x="${x(t * 1e6).toFixed(1)}" y="${base + 16}" text-anchor="middle">${tickText(t)}</text>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${y0 + TOP}" y2="${base}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${base}" y2="${base}" stroke="#333"/>`);
  out.push(`<text class="axis-label" x="${left + plotWidth / 2}" y="${base + 34}" text-anchor="middle">guest instructions retired, all VMs (millions)</text>`);
  const midY = y0 + TOP + PLOT_HEIGHT / 2;
  out.push(`<text class="axis-label" x="${left - 50}" y="${midY}" text-anchor="middle" transform="rotate(-90 ${left - 50} ${midY})">host frames in use</text>`);
  out.push(`<g class="legend">`);
  cells.forEach((c, i) => {
    const colour = LINE_COLOURS[i % LINE_COLOURS.length]!;
    const points = c.memorySeries!.map((s) => `${x(s.instructions).toFixed(1)},${y(s.hostFrames).toFixed(1)}`).join(' ');
    const label = seriesLabel(c, swept);
    out.push(`<polyline class="series" data-cell="${c.index}" points="${points}" fill="none" stroke="${colour}" stroke-width="1.5"><title>${esc(label)}</title></polyline>`);
    const ly = y0 + TOP + i * 16;
    const lx = left + plotWidth + 16;
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="3" fill="${colour}"/>`, `<text x="${lx + 18}" y="${ly + 5}" font-size="10">${esc(label)}</text>`);
  });
  out.push('</g>', '</g>');
  return out;
}
