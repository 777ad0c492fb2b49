// A study's results as text: the aligned table `vmmlab exp` prints, the same as Markdown, the CSV
// of every metric, the finding with its numbers, and warnings about cells that did not run to the
// end or whose guest output differs from native (a virtualization bug, not a cost).
//
// Everything here reads a StudyResult and returns strings; nothing prints or runs.

import { bold, dim } from '../format/text.ts';
import { exitReasons, exitsByReason, metric, METRICS } from './metrics.ts';
import { PARAMS, appliesTo, showValue } from './params.ts';
import { nativeCycles, type StudyResult } from './result.ts';
import { baselineOf, sweptKeys } from './plan.ts';
import type { CellResult } from './run-cell.ts';
import type { FindingOutcome } from './finding.ts';

const int = (n: number | undefined) => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fixed = (n: number | undefined, digits = 2) => (n === undefined ? '-' : n.toFixed(digits));
const pct = (n: number | undefined) => (n === undefined ? '-' : `${(100 * n).toFixed(1)}%`);

interface Column {
  header: string;
  /** Right-aligned (numbers). */
  right: boolean;
  cell: (c: CellResult, all: readonly CellResult[]) => string;
}

function columns(result: StudyResult): Column[] {
  const swept = sweptKeys(result.study);
  const virtual = result.cells.some((c) => c.mode !== 'native');
  const cols: Column[] = [
    { header: '#', right: true, cell: (c) => String(c.index) },
    { header: 'workload', right: false, cell: (c) => c.workload },
    { header: 'mode', right: false, cell: (c) => c.mode },
    ...swept.map((key): Column => ({ header: key, right: true, cell: (c) => showValue(c.params[key]) })),
  ];
  if (result.study.repetitions > 1) cols.push({ header: 'rep', right: true, cell: (c) => String(c.rep) });
  cols.push(
    { header: 'instructions', right: true, cell: (c) => int(metric(c, 'instructions')) },
    { header: 'cycles', right: true, cell: (c) => int(metric(c, 'cycles')) },
    { header: 'CPI', right: true, cell: (c) => fixed(metric(c, 'cpi'), 3) },
    { header: 'slowdown', right: true, cell: (c, all) => { const s = metric(c, 'slowdown', nativeCycles(c, all)); return s === undefined ? '-' : `${s.toFixed(2)}x`; } },
    { header: 'TLB miss', right: true, cell: (c) => pct(metric(c, 'tlbMissRate')) },
    { header: 'refs/miss (guest+EPT)', right: true, cell: refsCell },
    { header: 'faults true/hidden', right: true, cell: (c) => `${int(metric(c, 'pageFaults'))}/${c.mode === 'native' ? '-' : int(metric(c, 'hiddenFaults'))}` },
  );
  if (virtual) {
    cols.push(
      { header: 'VM exits', right: true, cell: (c) => (c.mode === 'native' ? '-' : int(metric(c, 'exits'))) },
      { header: 'VMM share', right: true, cell: (c) => (c.mode === 'native' ? '-' : pct(metric(c, 'vmmShare'))) },
      { header: 'shadow/EPT KiB', right: true, cell: memoryCell },
      { header: 'exits by reason', right: false, cell: (c) => exitsByReason(c).map(([k, n]) => `${k} ${int(n)}`).join(', ') || '-' },
    );
  }
  return cols;
}

function refsCell(c: CellResult): string {
  const all = metric(c, 'refsPerMiss');
  if (all === undefined) return '-';
  if (c.mode !== 'ept' && c.mode !== 'dynamic' && c.mode !== 'agile') return all.toFixed(2);
  return `${all.toFixed(2)} (${fixed(metric(c, 'guestRefsPerMiss'))}+${fixed(metric(c, 'eptRefsPerMiss'))})`;
}

function memoryCell(c: CellResult): string {
  if (c.mode === 'shadow') return `${int(metric(c, 'shadowPages')! * 4)}`;
  if (c.mode === 'ept') return `${int(metric(c, 'eptPages')! * 4)}`;
  if (c.mode === 'dynamic' || c.mode === 'agile') return `${int(metric(c, 'shadowPages')! * 4)}+${int(metric(c, 'eptPages')! * 4)}`;
  return '-';
}

function rows(result: StudyResult): { header: string[]; body: string[][]; right: boolean[] } {
  const cols = columns(result);
  return {
    header: cols.map((c) => c.header),
    body: result.cells.map((cell) => cols.map((col) => col.cell(cell, result.cells))),
    right: cols.map((c) => c.right),
  };
}

/** The aligned text table. */
export function textTable(result: StudyResult): string {
  const { header, body, right } = rows(result);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(result: StudyResult): string {
  const { header, body, right } = rows(result);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Every metric of every cell, one row per cell. Parameters that do not apply to a cell's mode are empty. */
export function csv(result: StudyResult): string {
  const reasons = exitReasons(result.cells);
  const metricNames = Object.keys(METRICS);
  const header = ['index', 'workload', 'mode', 'rep', ...PARAMS.map((p) => p.name), 'reason', 'exitCode', ...metricNames, ...reasons.map((r) => `exits.${r}`)];
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = result.cells.map((c) => {
    const base = nativeCycles(c, result.cells);
    return [
      String(c.index), c.workload, c.mode, String(c.rep),
      ...PARAMS.map((p) => (appliesTo(p, c.mode) ? String(c.config.params[p.name]) : '')),
      c.reason, String(c.exitCode),
      ...metricNames.map((m) => { const v = metric(c, m, base); return v === undefined ? '' : String(v); }),
      ...reasons.map((r) => String(metric(c, `exits.${r}`))),
    ].map(quote).join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}

/**
 * Host memory over time (CellResult.memorySeries: cells with page sharing, host swapping or
 * ballooning on), one row per sample: the cell, its swept parameters, the guest instructions of
 * all its VMs, host frames in use, shared, ballooned and swapped out, and each VM's private frames.
 */
export function seriesCsv(result: StudyResult): string {
  const swept = sweptKeys(result.study).filter((k) => k !== 'mode');
  const vms = Math.max(0, ...result.cells.map((c) => c.memorySeries?.[0]?.perVm.length ?? 0));
  const header = ['index', 'workload', 'mode', 'rep', ...swept, 'instructions', 'hostFrames', 'sharedFrames', 'ballooned', 'swapped', ...Array.from({ length: vms }, (_, i) => `vm${i}Frames`)];
  const lines = result.cells.flatMap((c) => (c.memorySeries ?? []).map((s) => [
    String(c.index), c.workload, c.mode, String(c.rep), ...swept.map((k) => (c.params[k] === undefined ? '' : String(c.params[k]))),
    String(s.instructions), String(s.hostFrames), String(s.sharedFrames), String(s.ballooned), String(s.swapped),
    ...Array.from({ length: vms }, (_, i) => (s.perVm[i] === undefined ? '' : String(s.perVm[i]))),
  ].join(',')));
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** The lines above the table: what was run, on what. */
export function summary(result: StudyResult): string {
  const s = result.study;
  const fixedParams = Object.entries(s.grid).filter(([k, v]) => k !== 'mode' && v.length === 1).map(([k, v]) => `${k}=${showValue(v[0])}`);
  const overrides = Object.entries(s.profile ?? {}).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `study ${s.name}: ${result.cells.length} of ${result.totalCells} cells${result.shard ? ` (shard ${result.shard.index}/${result.shard.count})` : ''}, ` +
      `memory ${s.memory / 2 ** 20} MiB, budget ${int(s.maxInstructions)} instructions, vmmlab ${result.vmmlab.version}`,
  ];
  if (s.description) lines.push(s.description);
  lines.push(`workloads: ${s.workloads.map((w) => `${w.name} = ${w.modules.join(' ')}`).join('; ')}`);
  if (fixedParams.length || overrides.length) lines.push(`fixed: ${[...fixedParams, ...overrides].join(', ')}`);
  return lines.join('\n');
}

/** The finding, each check with its numbers. */
export function findingText(outcome: FindingOutcome | undefined, result: StudyResult): string {
  if (!result.study.finding) return '';
  if (!outcome) return `finding: not evaluated (${result.cells.length} of ${result.totalCells} cells; merge the shards)`;
  const verdict = outcome.holds === true ? 'HOLDS' : outcome.holds === false ? 'DOES NOT HOLD' : 'UNDECIDED';
  const mark = (h: boolean | undefined) => (h === true ? 'ok  ' : h === false ? 'FAIL' : '?   ');
  return [`finding ${verdict}: ${outcome.claim}`, ...outcome.checks.map((c) => `  ${mark(c.holds)} ${c.check}   [${c.detail}]`)].join('\n');
}

/**
 * What `vmmlab exp` prints on stdout: the summary, the cells' count and wall-clock time, the table
 * and the finding (with `markdown`, what --markdown prints: a heading, the summary, the Markdown
 * table and the finding); `color` adds the terminal's bold and dim as the command does on one.
 */
export function printedReport(result: StudyResult, options: { readonly markdown?: boolean; readonly color?: boolean } = {}): string {
  const finding = findingText(result.finding, result);
  if (options.markdown) {
    const lines = [`### ${result.study.name}`, '', summary(result).split('\n').join('  \n'), '', markdownTable(result)];
    if (finding) lines.push('', '```', finding, '```');
    return lines.join('\n') + '\n';
  }
  const color = options.color === true;
  const [first, ...rest] = summary(result).split('\n');
  const { timing } = result;
  const took = `${result.cells.length} cells in ${(timing.wallMs / 1000).toFixed(1)} s with ${timing.jobs} job${timing.jobs === 1 ? '' : 's'}`;
  return `${bold(color, first!)}\n${[...rest, dim(color, took)].join('\n')}\n\n${textTable(result)}\n${finding ? `\n${finding}\n` : ''}`;
}

/** Problems worth a line on stderr: cells that did not finish cleanly, guests that saw something else than natively. */
export function warnings(result: StudyResult): string[] {
  const out: string[] = [];
  for (const c of result.cells) {
    if (c.reason !== 'halted') out.push(`cell ${c.index} (${c.workload}, ${c.mode}) stopped: ${c.reason}${c.reason === 'max-instructions' ? ' (raise maxInstructions)' : ''}`);
    else if (c.exitCode !== 0) out.push(`cell ${c.index} (${c.workload}, ${c.mode}) exited with ${c.exitCode}`);
    const base = c.mode === 'native' ? undefined : (baselineOf(c, result.cells) as CellResult | undefined);
    if (base && base.console !== c.console) out.push(`cell ${c.index} (${c.workload}, ${c.mode}): the guest's console differs from native cell ${base.index}`);
  }
  return out;
}
