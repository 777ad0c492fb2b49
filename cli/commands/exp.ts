// `vmmlab exp STUDY.json` (or a study given by flags): run a matrix of workloads × modes ×
// parameters and lay out what each cell cost; `vmmlab exp merge PART.json…` combines shard
// results. The experiments library (experiments/) does the work; this file reads the command
// line, shows progress, and writes the outputs.

import * as fs from 'node:fs';
import { DEFAULT_STUDY_MAX_INSTRUCTIONS, DEFAULT_STUDY_MEMORY, type StudySource } from '../../experiments/plan.ts';
import { StudyError, paramsHelp } from '../../experiments/params.ts';
import type { StudyResult } from '../../experiments/result.ts';
import { defaultJobs, runStudy } from '../../experiments/runner.ts';
import { mergeResults } from '../../experiments/shards.ts';
import { readResult } from '../../node/experiments.ts';
import { reportIssues } from '../issues.ts';
import { csv, findingText, markdownTable, seriesCsv, summary, textTable, warnings } from '../../experiments/report.ts';
import { studySvg } from '../../experiments/svg.ts';
import { progressBar } from '../../experiments/progress.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { bold, dim, useColor } from '../format.ts';
import { INCLUDE_OPTIONS, INCLUDE_OPTIONS_HELP, parseCommandLine } from '../options.ts';
import { boundedCount, parseShard, studyFrom } from './exp-flags.ts';
import { loadPagerFile } from '../session.ts';
import { pagerMode } from '../../session/settings.ts';
import type { CellPager } from '../../experiments/cell.ts';
import { ENGINES, type Engine } from '../../emulator/cpu.ts';

/** The output options: exp and exp merge take the same. */
const OUTPUT_HELP = `Output (the table goes to stdout; to stderr when --json or --csv is '-'):
  --json FILE               every cell's full statistics, the study, the machine profile and
                            the vmmlab version ('-' for stdout)
  --csv FILE                one row per cell, every metric ('-' for stdout)
  --markdown                print the table as Markdown
  --svg FILE                two charts in one SVG: slowdown per workload and mode, and where
                            the cycles went (stacked); a third, host frames in use over time,
                            when cells shared, swapped or ballooned memory
  --series FILE             host memory over time as CSV, one row per sample of each cell that
                            shared, swapped or ballooned memory ('-' for stdout)
  --quiet                   no table (files and warnings only)`;

export const EXP_HELP = `Usage: vmmlab exp STUDY.json|- [options]
       vmmlab exp --workload SPEC [--workload SPEC…] [--mode LIST] [--param NAME=LIST…] [options]
       vmmlab exp merge PART.json… [--partial] [output options]

Run the guest kernel with each workload in every cell of a grid of modes and parameters, and
print, per cell: guest instructions, cycles, CPI, slowdown against native on the same workload
and parameters, TLB miss rate, page-walk references per miss (guest + EPT), page faults the
guest saw and the VMM hid, VM exits (by reason), the VMM's share of the cycles, and shadow/EPT
memory. Studies shipped with vmmlab are in guest-programs/studies/; docs/experiments.md explains
the file format and the findings they check. - reads the study from stdin (named <stdin> in
errors; its module and kernel paths start from the current directory).

Study (flags override the file's settings; without a file they make the study):
  --workload '[NAME=]PROG.s[:A,B…] [PROG.s…]'
                            a workload: the boot modules of one run, separated by spaces
                            (repeatable; replaces the file's workloads)
  --mode LIST               modes to compare, e.g. native,ept (default native,shadow,ept; also pv, dynamic)
  --param NAME=V,V…         sweep a parameter over values (repeatable); parameters below
  --memory SIZE             guest memory (default ${DEFAULT_STUDY_MEMORY / 2 ** 20}M)
  --max-instructions N      instruction budget of each cell (default ${DEFAULT_STUDY_MAX_INSTRUCTIONS.toLocaleString('en-US')})
  --repetitions N           runs of each cell (identical unless tlbReplacement=random)
  --set KEY=VALUE           a cycle cost over the defaults (repeatable; docs/cycle-model.md)
  --name NAME               the study's name in titles
${INCLUDE_OPTIONS_HELP}

${OUTPUT_HELP}

Running:
  --jobs N                  cells in parallel on N worker threads (default: ${defaultJobs()}, the cores);
                            the results do not depend on N
  --shard I/N               run only cells i with i % N = I-1 (I from 1 to N) and write that
                            part with --json; 'vmmlab exp merge' combines the parts
  --partial                 (merge) merge even when shards are missing: the finding is then
                            not evaluated. Without it a missing shard is an error (exit 1), so a
                            job that merges after the shards (Slurm afterok, …) fails loudly
  --check                   exit 3 unless the study's finding holds
  --check-tlb-rules         check every cell's guest against the TLB rules (isa/README.md 6.4):
                            report each cell whose guest used a translation made stale by a
                            page-table store that was never invalidated (slower: it steps)
  --pager FILE.js|FILE.ts   a pager of your own (docs/pager-api.md): the cells of its mode (shadow
                            for a 'shadow' pager, ept for a 'nested' one) run under it instead of
                            the built-in pager; each cell's config.pager says so
  --engine interp|jit       the CPU engine of every cell: the interpreter (default) or guest code
                            translated to JavaScript blocks; the results do not depend on it
  --no-progress             no progress bar (it is drawn on stderr only on a terminal)
  -h, --help                this text

Parameters (--param NAME=V,V… or "grid": {NAME: [V, …]} in a study file; a parameter
that does not apply to a mode is left out of that mode's cells):
${paramsHelp()}

exp merge combines the parts of a sharded run ('vmmlab help exp merge').

Exit codes: 0 done, 1 bad study, result or guest program (each error of a file on its own line:
FILE: error: /json/path: message), 2 bad command line, 3 the finding does not hold (with
--check), 130 interrupted.`;

export const EXP_MERGE_HELP = `Usage: vmmlab exp merge PART.json… [--partial] [--check] [output options]

Combine the parts of a sharded study (each written by 'vmmlab exp … --shard I/N --json PART.json')
into one result, evaluate the study's finding on it, and print and write it as 'vmmlab exp' does.

  --partial                 merge even when shards are missing: the finding is then not
                            evaluated. Without it a missing shard is an error (exit 1), so a
                            job that merges after the shards (Slurm afterok, …) fails loudly
  --check                   exit 3 unless the study's finding holds
  -h, --help                this text

${OUTPUT_HELP}

exp merge refuses files that are not results, parts of different studies or of different
splits (1/2 with 1/3), a shard given twice, and (unless --partial) missing shards. The options
that make or run a study (--workload, --mode, --param, --jobs, --shard, …) are an error here.

Exit codes: 0 merged, 1 a bad result file or a missing shard (each error of a file on its own
line: FILE: error: /json/path: message), 2 bad command line, 3 the finding does not hold (with
--check).`;

const OPTIONS = {
  workload: { type: 'string', multiple: true },
  mode: { type: 'string' },
  param: { type: 'string', multiple: true },
  memory: { type: 'string' },
  'max-instructions': { type: 'string' },
  repetitions: { type: 'string' },
  set: { type: 'string', multiple: true },
  name: { type: 'string' },
  json: { type: 'string' },
  csv: { type: 'string' },
  markdown: { type: 'boolean' },
  svg: { type: 'string' },
  series: { type: 'string' },
  quiet: { type: 'boolean' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  check: { type: 'boolean' },
  'check-tlb-rules': { type: 'boolean' },
  pager: { type: 'string' },
  engine: { type: 'string' },
  'no-progress': { type: 'boolean' },
  partial: { type: 'boolean' },
  ...INCLUDE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Worker threads past the cores gain nothing; this many is far past any machine's. */
const MAX_JOBS = 1024;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

export async function expCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  const merging = positionals[0] === 'merge';
  if (values.help) {
    console.log(merging ? EXP_MERGE_HELP : EXP_HELP);
    return 0;
  }
  try {
    if (merging) return merge(positionals.slice(1), values);
    if (values.partial) throw new CliError('--partial is an option of exp merge');
    if (positionals.length > 1) throw new CliError('exp takes one study file (see vmmlab exp --help)');
    const source = studyFrom(positionals[0], values);
    return await run(source, values, values.pager === undefined ? undefined : await cellPager(values.pager));
  } catch (e) {
    if (!(e instanceof StudyError)) throw e;
    if (e.issues.length > 0) throw reportIssues(e, merging ? 'nothing merged' : 'nothing run');
    throw new CliError(e.message, e.message === 'interrupted' ? EXIT_CODES.INTERRUPTED : EXIT_CODES.INPUT);
  }
}

/** --pager, loaded here once so that a pager that cannot be used stops the run before any cell (exit 1). */
async function cellPager(file: string): Promise<CellPager> {
  const loaded = await loadPagerFile(file);
  return { file: loaded.file, name: file, mode: pagerMode(loaded.translation) };
}

async function run(source: StudySource, values: Values, pager?: CellPager): Promise<number> {
  const jobs = values.jobs === undefined ? Math.min(defaultJobs(), MAX_JOBS) : boundedCount('jobs', values.jobs, 1, MAX_JOBS);
  const shard = parseShard(values.shard);
  const engine = values.engine === undefined ? undefined : engineFlag(values.engine);
  const bar = progressBar(process.stderr, !values['no-progress']);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  let result: StudyResult;
  try {
    result = await runStudy(source, {
      jobs, ...(shard ? { shard } : {}), onProgress: (p) => bar.update(p), signal: abort.signal,
      ...(values['check-tlb-rules'] ? { checkTlbRules: true } : {}), ...(values.include ? { includeDirs: values.include } : {}),
      ...(pager ? { pager } : {}), ...(engine ? { engine } : {}),
    });
  } finally {
    bar.done();
    process.off('SIGINT', onSigint);
  }
  if (values['check-tlb-rules']) reportTlbRules(result);
  if (pager) {
    const served = result.cells.filter((c) => c.config.pager !== undefined).length;
    process.stderr.write(`vmmlab: the ${served} ${pager.mode} cell${served === 1 ? '' : 's'} ran under the pager ${pager.name}; the others under the built-in pagers\n`);
  }
  return output(result, values, []);
}

/** --engine: a bad name is a bad command line (exit 2). */
function engineFlag(text: string): Engine {
  if (!(ENGINES as readonly string[]).includes(text)) throw new CliError(`--engine takes ${ENGINES.join(' or ')} (got '${text}')`);
  return text as Engine;
}

/** --check-tlb-rules: every cell whose guest used a stale translation, in the words of its source. */
function reportTlbRules(result: StudyResult): void {
  const stale = result.cells.filter((c) => (c.tlbRules?.violations ?? 0) > 0);
  for (const c of stale) {
    const params = Object.entries(c.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    const name = `cell ${c.index} (${c.workload}, ${c.mode}${params ? `, ${params}` : ''})`;
    for (const line of c.tlbRules!.report) process.stderr.write(`vmmlab: tlb rules: ${name}: ${line}\n`);
  }
  if (stale.length === 0) process.stderr.write(`vmmlab: tlb rules: no stale translation was used in any of the ${result.cells.length} cells\n`);
}

/** Options that make or run a study: meaningless to a merge, so an error rather than ignored. */
const RUN_ONLY = ['workload', 'mode', 'param', 'memory', 'max-instructions', 'repetitions', 'set', 'name', 'jobs', 'shard', 'check-tlb-rules', 'include', 'pager', 'engine'] as const;

function merge(files: string[], values: Values): number {
  if (files.length === 0) throw new CliError('exp merge needs the result files of the shards (see vmmlab exp --help)');
  const given = RUN_ONLY.filter((o) => values[o] !== undefined);
  if (given.length > 0) throw new CliError(`exp merge takes result files and output options, not --${given.join(', --')}`);
  const { result, missing, split, missingShards } = mergeResults(files.map(readResult), files);
  const what = missingShards.length > 0 && split > 1
    ? `shard${missingShards.length === 1 ? '' : 's'} ${list(missingShards.map((i) => `${i}/${split}`))} missing (${missing.length} of ${result.totalCells} cells)`
    : `${missing.length} of ${result.totalCells} cells missing (${list(missing)})`;
  if (missing.length > 0 && !values.partial) throw new CliError(`${what}; nothing merged (--partial merges what there is)`, EXIT_CODES.INPUT);
  return output(result, values, missing.length > 0 ? [`partial merge: ${what}`] : []);
}

function list(items: readonly (number | string)[]): string {
  return items.length > 10 ? `${items.slice(0, 10).join(', ')}, …` : items.join(', ');
}

function output(result: StudyResult, values: Values, notes: string[]): number {
  if (values.json !== undefined) write(values.json, JSON.stringify(result, null, 1) + '\n');
  if (values.csv !== undefined) write(values.csv, csv(result));
  if (values.svg !== undefined) write(values.svg, studySvg(result));
  if (values.series !== undefined) write(values.series, seriesCsv(result));
  const toStderr = values.json === '-' || values.csv === '-' || values.series === '-';
  const out = toStderr ? process.stderr : process.stdout;
  const color = useColor(out);
  if (!values.quiet) {
    const finding = findingText(result.finding, result);
    if (values.markdown) {
      const lines = [`### ${result.study.name}`, '', summary(result).split('\n').join('  \n'), '', markdownTable(result)];
      if (finding) lines.push('', '```', finding, '```');
      out.write(lines.join('\n') + '\n');
    } else {
      const [first, ...rest] = summary(result).split('\n');
      const took = `${result.cells.length} cells in ${(result.timing.wallMs / 1000).toFixed(1)} s with ${result.timing.jobs} job${result.timing.jobs === 1 ? '' : 's'}`;
      out.write(`${bold(color, first!)}\n${[...rest, dim(color, took)].join('\n')}\n\n${textTable(result)}\n`);
      if (finding) out.write(`\n${finding}\n`);
    }
  }
  for (const w of [...notes, ...warnings(result)]) process.stderr.write(`vmmlab: warning: ${w}\n`);
  if (values.check && result.finding?.holds !== true) return 3;
  return 0;
}

function write(file: string, text: string): void {
  if (file === '-') {
    fs.writeSync(process.stdout.fd, text);
    return;
  }
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`cannot write '${file}': ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
}
