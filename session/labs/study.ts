// Lab 5's checks (docs/labs/05-trade-off.md): shadow paging against EPT on workloads of the
// student's own, measured with a study. What is checked before the study runs (two workloads of
// the student's own, every mode in the grid) and what its result must show (every cell ran to
// its end, each design loses on one of them by a margin, a finding that holds and compares the
// two designs). Platform-neutral: the CLI runs the study on Node (cli/commands/lab-study.ts), the
// playground in a worker (experiments/in-memory.ts); both give these the study and its result.

import { normalize } from '../../assembler/paths.ts';
import { parseCheck } from '../../experiments/finding.ts';
import { parseModuleSpec } from '../../experiments/images.ts';
import { ConfigError, finishStudy, formatIssue, planStudy, runPlannedCell, studyFilesOf, type FileSource } from '../../experiments/in-memory.ts';
import { baselineOf, type Cell, type Study } from '../../experiments/plan.ts';
import type { StudyResult } from '../../experiments/result.ts';
import type { CellResult } from '../../experiments/run-cell.ts';
import { LabStopped, checkThat, fail, ok, studentFile, type Check, type LabContext } from './kit.ts';

/** How many times slower one design must be than the other on a workload. */
const MARGIN = 1.5;

/**
 * The checks of a valid study before it runs: `isOwn` says whether a module spec is a program of
 * the student's folder. `ready` is false when the study cannot show what the lab asks (then the
 * study is not run); `own` names the student's workloads.
 */
export function labStudyChecks(study: Study, isOwn: (spec: string) => boolean): { checks: Check[]; ready: boolean; own: ReadonlySet<string> } {
  const own = study.workloads.filter((w) => w.modules.some(isOwn));
  const modes = study.grid.mode ?? ['native', 'shadow', 'ept'];
  const problems = [
    ...(own.length >= 2 ? [] : [`${own.length} workload${own.length === 1 ? '' : 's'} of study.json run${own.length === 1 ? 's' : ''} a program from this folder; the lab asks for two of your own (a bundled program like memwalk.s does not count)`]),
    ...['native', 'shadow', 'ept'].filter((m) => !modes.includes(m)).map((m) => `the grid's "mode" has no ${m}`),
  ];
  const checks = [
    ok('study.json is a valid study'),
    checkThat('the study runs two workloads of your own, natively, under shadow paging and under EPT', problems,
      'workloads: [{ "name": …, "modules": ["misses.s:…"] }, …]; leave "mode" out of the grid, or list all three'),
  ];
  return { checks, ready: problems.length === 0, own: new Set(own.map((w) => w.name)) };
}

/** The checks of the study's result: its cells, each design losing on a workload of the student's, the finding. */
export function labResultChecks(result: StudyResult, own: ReadonlySet<string>): Check[] {
  return [
    cellsCheck(result),
    designLosesCheck(result.cells, own, 'ept', 'shadow',
      'make the TLB miss (more pages than it holds, touched over and over) and the page tables stay still: each EPT miss walks both dimensions (vmmlab exp study.json: "refs/miss")'),
    designLosesCheck(result.cells, own, 'shadow', 'ept',
      'switch address spaces (yield between processes), or change page tables (fork, sbrk), with little else: each is a VM exit under shadow paging (vmmlab exp study.json: "exits by reason")'),
    findingCheck(result),
  ];
}

/**
 * Lab 5's check where the study runs in this thread, cell after cell (the playground's worker:
 * experiments/in-memory.ts, as its Experiments tab runs a study): the same checks as
 * `vmmlab lab check 5`, which runs the study on Node.
 */
export function checkLab5InMemory(ctx: LabContext): Check[] {
  const file = studentFile(ctx, 'study.json');
  const source: FileSource = {
    readText: (p) => {
      try {
        return ctx.files.readFile(p);
      } catch {
        return undefined;
      }
    },
  };
  let plan: ReturnType<typeof planStudy>;
  try {
    plan = planStudy(source.readText(file) ?? '', file, source);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.issues.length === 0 || e.where === undefined) throw new LabStopped(e.message);
    const n = e.issues.filter((i) => !i.more).length;
    throw new LabStopped([...e.issues.map((i) => formatIssue(e.where!, i)), `${e.where}: ${n} error${n === 1 ? '' : 's'}; nothing checked`].join('\n'));
  }
  const files = studyFilesOf(source);
  const baseDir = normalize(ctx.dir);
  const isOwn = (spec: string) => {
    try {
      return normalize(parseModuleSpec(files, spec, baseDir).file).startsWith(`${baseDir}/`);
    } catch {
      return false;
    }
  };
  const planned = labStudyChecks(plan.study, isOwn);
  if (!planned.ready) return planned.checks;
  const result = finishStudy(plan, plan.cells.map((_, i) => runPlannedCell(plan, i))).result;
  return [...planned.checks, ...labResultChecks(result, planned.own)];
}

/** Every cell powered off with 0 and printed what its native cell printed. */
function cellsCheck(result: StudyResult): Check {
  const name = 'every cell ran to its end: powered off with 0, with the console of its native cell';
  const differs = (c: CellResult) => c.console !== (baselineOf(c, result.cells) as CellResult | undefined)?.console;
  const bad = result.cells.filter((c) => !(c.reason === 'halted' && c.exitCode === 0) || differs(c));
  const how = (c: CellResult) => (c.reason === 'halted' ? `exit code ${c.exitCode}`
    : c.reason === 'max-instructions' ? `ran out of its ${result.study.maxInstructions.toLocaleString('en-US')} instructions ("maxInstructions")` : c.reason);
  return bad.length === 0 ? ok(name) : fail(name,
    ...bad.slice(0, 3).map((c) => `cell ${c.index} (${c.workload}, ${c.mode}): ${how(c)}${differs(c) ? ', console differs from native' : ''}`),
    'run the workload alone: vmmlab exp --workload \'misses.s:…\' --mode native');
}

/** One of the student's workloads takes at least MARGIN times the cycles under `slow` as under `fast`. */
function designLosesCheck(cells: readonly CellResult[], workloads: ReadonlySet<string>, slow: 'ept' | 'shadow', fast: 'ept' | 'shadow', hint: string): Check {
  const design = (m: string) => (m === 'ept' ? 'EPT' : 'shadow paging');
  const name = `a workload of yours is at least ${MARGIN} times slower under ${design(slow)} than under ${design(fast)}`;
  const worst = worstRatio(cells, workloads, slow, fast);
  if (worst && worst.ratio >= MARGIN) return ok(`${name} (${worst.workload}: ${worst.ratio.toFixed(2)}x)`);
  return fail(name, worst
    ? `the most is ${worst.workload}: cycles under ${design(slow)} / under ${design(fast)} = ${worst.ratio.toFixed(2)}`
    : `no workload of yours has both a ${design(slow)} and a ${design(fast)} cell`, hint);
}

/** The finding holds, and at least two of its checks compare a shadow cell with an EPT cell. */
function findingCheck(result: StudyResult): Check {
  const finding = result.finding;
  const comparing = (result.study.finding?.checks ?? []).filter(namesBothDesigns);
  const problems = !finding
    ? ['study.json has no "finding": state your result as checks (docs/experiments.md, Findings)']
    : [
      ...(finding.holds === true ? [] : finding.checks.filter((c) => c.holds !== true).slice(0, 3).map((c) => `does not hold: ${c.check}   [${c.detail}]`)),
      ...(comparing.length >= 2 ? [] : [`${comparing.length} of its checks compare a shadow-paging cell with an EPT cell; the lab asks for at least two (one per workload)`]),
    ];
  return checkThat('the study\'s finding holds, and compares shadow paging with EPT on each workload', problems,
    'vmmlab exp study.json --check shows each check with its numbers');
}

const cycles = (c: CellResult) => (c.stats.cycles as { total: number }).total;

/** The largest cycles(slow) / cycles(fast) over the workloads given, pairing cells that share their common parameters. */
function worstRatio(cells: readonly CellResult[], workloads: ReadonlySet<string>, slow: Cell['mode'], fast: Cell['mode']): { workload: string; ratio: number } | undefined {
  let worst: { workload: string; ratio: number } | undefined;
  for (const s of cells) {
    if (s.mode !== slow || !workloads.has(s.workload)) continue;
    for (const f of cells) {
      if (f.mode !== fast || f.workload !== s.workload || f.rep !== s.rep) continue;
      if (!Object.entries(s.params).every(([k, v]) => !(k in f.params) || f.params[k] === v)) continue;
      const ratio = cycles(s) / cycles(f);
      if (!worst || ratio > worst.ratio) worst = { workload: s.workload, ratio };
    }
  }
  return worst;
}

/** Does a finding check name a shadow-paging cell and an EPT cell? */
function namesBothDesigns(text: string): boolean {
  let modes = new Set<string>();
  try {
    const check = parseCheck(text) as unknown as { left: unknown; right: unknown };
    modes = new Set([...selectorWords(check.left), ...selectorWords(check.right)]);
  } catch {
    return false;
  }
  return modes.has('shadow') && modes.has('ept');
}

function selectorWords(expr: unknown): string[] {
  const e = expr as { kind: string; selector?: [string, string | undefined][]; left?: unknown; right?: unknown };
  if (e.kind === 'ref') return (e.selector ?? []).map(([k, v]) => (v === undefined ? k : k === 'mode' ? v : ''));
  if (e.kind === 'bin') return [...selectorWords(e.left), ...selectorWords(e.right)];
  return [];
}
