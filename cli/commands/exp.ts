// `vmmlab exp STUDY.json` (or a study given by flags): run a matrix of workloads × modes ×
// parameters and lay out what each cell cost; `vmmlab exp merge PART.json…` combines shard
// results. The experiments library (experiments/) does the work; this file reads the command
// line, shows progress, and writes the outputs.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_STUDY_MAX_INSTRUCTIONS, DEFAULT_STUDY_MEMORY, readStudyFile, parseStudy, type StudySource } from '../../experiments/study.ts';
import { GRID_KEYS, StudyError, paramsHelp } from '../../experiments/params.ts';
import { defaultJobs, runStudy, type Shard, type StudyResult } from '../../experiments/runner.ts';
import { mergeResults, readResult } from '../../experiments/merge.ts';
import { csv, findingText, markdownTable, summary, textTable, warnings } from '../../experiments/report.ts';
import { studySvg } from '../../experiments/svg.ts';
import { progressBar } from '../../experiments/progress.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { bold, dim, useColor } from '../format.ts';
import { parseCommandLine, parseCount } from '../options.ts';

export const EXP_HELP = `Usage: vmmlab exp STUDY.json [options]
       vmmlab exp --workload SPEC [--workload SPEC…] [--mode LIST] [--param NAME=LIST…] [options]
       vmmlab exp merge PART.json… [output options]

Run the guest kernel with each workload in every cell of a grid of modes and parameters, and
print, per cell: guest instructions, cycles, CPI, slowdown against native on the same workload
and parameters, TLB miss rate, page-walk references per miss (guest + EPT), page faults the
guest saw and the VMM hid, VM exits (by reason), the VMM's share of the cycles, and shadow/EPT
memory. Studies shipped with vmmlab are in guest-programs/studies/; docs/experiments.md explains
the file format and the findings they check.

Study (flags override the file's settings; without a file they make the study):
  --workload '[NAME=]PROG.s[:A,B…] [PROG.s…]'
                            a workload: the boot modules of one run, separated by spaces
                            (repeatable; replaces the file's workloads)
  --mode LIST               modes to compare, e.g. native,ept (default native,shadow,ept)
  --param NAME=V,V…         sweep a parameter over values (repeatable); parameters below
  --memory SIZE             guest memory (default ${DEFAULT_STUDY_MEMORY / 2 ** 20}M)
  --max-instructions N      instruction budget of each cell (default ${DEFAULT_STUDY_MAX_INSTRUCTIONS.toLocaleString('en-US')})
  --repetitions N           runs of each cell (identical unless tlbReplacement=random)
  --set KEY=VALUE           a cycle cost over the defaults (repeatable; docs/cycle-model.md)
  --name NAME               the study's name in titles

Output (the table goes to stdout; to stderr when --json or --csv is '-'):
  --json FILE               every cell's full statistics, the study, the machine profile and
                            the vmmlab version ('-' for stdout)
  --csv FILE                one row per cell, every metric ('-' for stdout)
  --markdown                print the table as Markdown
  --svg FILE                two charts in one SVG: slowdown per workload and mode, and where
                            the cycles went (stacked)
  --quiet                   no table (files and warnings only)

Running:
  --jobs N                  cells in parallel on N worker threads (default: ${defaultJobs()}, the cores);
                            the results do not depend on N
  --shard I/N               run only cells i with i % N = I-1 (I from 1 to N) and write that
                            part with --json; 'vmmlab exp merge' combines the parts
  --check                   exit 3 unless the study's finding holds
  --no-progress             no progress bar (it is drawn on stderr only on a terminal)
  -h, --help                this text

Parameters (--param NAME=V,V… or "grid": {NAME: [V, …]} in a study file; a parameter
that does not apply to a mode is left out of that mode's cells):
${paramsHelp()}

Exit codes: 0 done, 1 bad study or guest program, 2 bad command line, 3 the finding does not
hold (with --check), 130 interrupted.`;

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
  quiet: { type: 'boolean' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  check: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

export async function expCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    console.log(EXP_HELP);
    return 0;
  }
  try {
    if (positionals[0] === 'merge') return merge(positionals.slice(1), values);
    if (positionals.length > 1) throw new CliError('exp takes one study file (see vmmlab exp --help)');
    return await run(studyFrom(positionals[0], values), values);
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(e.message, e.message === 'interrupted' ? EXIT_CODES.INTERRUPTED : EXIT_CODES.INPUT);
    throw e;
  }
}

/** The study: the file's, with the command line's changes; or the command line's alone. */
function studyFrom(file: string | undefined, values: Values): StudySource {
  if (file === undefined && values.workload === undefined) throw new CliError('exp needs a study file or --workload (see vmmlab exp --help)');
  const raw = (file !== undefined ? readStudyFile(file) : { name: 'cli' }) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StudyError(`${file}: a study is a JSON object`);
  if (values.workload) raw.workloads = values.workload.map(parseWorkloadFlag);
  const grid = { ...((raw.grid as Record<string, unknown> | undefined) ?? {}) };
  if (values.mode !== undefined) grid.mode = values.mode.split(',').map((m) => m.trim());
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    const key = p.slice(0, eq);
    if (eq <= 0 || !GRID_KEYS.includes(key)) throw new CliError(`--param takes NAME=V,V… with NAME one of ${GRID_KEYS.join(', ')} (got '${p}')`);
    grid[key] = p.slice(eq + 1).split(',').map((v) => v.trim());
  }
  raw.grid = grid;
  if (values.memory !== undefined) raw.memory = values.memory;
  if (values['max-instructions'] !== undefined) raw.maxInstructions = parseCount('max-instructions', values['max-instructions'], 0, 1);
  if (values.repetitions !== undefined) raw.repetitions = parseCount('repetitions', values.repetitions, 1, 1);
  if (values.name !== undefined) raw.name = values.name;
  if (values.set) {
    const profile = { ...((raw.profile as Record<string, unknown> | undefined) ?? {}) };
    for (const s of values.set) {
      const m = /^([A-Za-z.]+)=(\d+)$/.exec(s.trim());
      if (!m) throw new CliError(`--set takes KEY=VALUE with a whole number (got '${s}')`);
      profile[m[1]!] = Number(m[2]);
    }
    raw.profile = profile;
  }
  const where = file ?? 'command line';
  const baseDir = file !== undefined ? path.dirname(path.resolve(file)) : process.cwd();
  const regridded = values.workload !== undefined || values.mode !== undefined || values.param !== undefined;
  try {
    return { study: parseStudy(raw, where), baseDir };
  } catch (e) {
    // A finding names cells of the file's grid; with another grid it may name none: run without it.
    if (!(e instanceof StudyError) || !regridded || raw.finding === undefined || !e.message.startsWith(`${where}: finding`)) throw e;
    delete raw.finding;
    process.stderr.write(`vmmlab: warning: the study's finding does not fit the grid changed on the command line; it is not checked\n  (${e.message})\n`);
    return { study: parseStudy(raw, where), baseDir };
  }
}

/** `--workload '[NAME=]PROG.s[:ARGS] PROG.s…'`. */
function parseWorkloadFlag(text: string): { name?: string; modules: string[] } {
  const named = /^([A-Za-z_][\w.+]*)=(.*)$/s.exec(text.trim());
  const modules = (named ? named[2]! : text).trim().split(/\s+/).filter(Boolean);
  if (modules.length === 0) throw new CliError(`--workload '${text}': no modules`);
  return named ? { name: named[1]!, modules } : { modules };
}

function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
  if (!shard || shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw new CliError(`--shard takes I/N with 1 <= I <= N (got '${text}')`);
  return shard;
}

async function run(source: StudySource, values: Values): Promise<number> {
  const jobs = parseCount('jobs', values.jobs, defaultJobs(), 1);
  const shard = parseShard(values.shard);
  const bar = progressBar(process.stderr, !values['no-progress']);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  let result: StudyResult;
  try {
    result = await runStudy(source, { jobs, ...(shard ? { shard } : {}), onProgress: (p) => bar.update(p), signal: abort.signal });
  } finally {
    bar.done();
    process.off('SIGINT', onSigint);
  }
  return output(result, values, []);
}

function merge(files: string[], values: Values): number {
  if (files.length === 0) throw new CliError('exp merge needs the result files of the shards (see vmmlab exp --help)');
  const { result, missing } = mergeResults(files.map(readResult), files);
  const notes = missing.length > 0 ? [`${missing.length} of ${result.totalCells} cells missing (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}): is a shard's file missing?`] : [];
  return output(result, values, notes);
}

function output(result: StudyResult, values: Values, notes: string[]): number {
  if (values.json !== undefined) write(values.json, JSON.stringify(result, null, 1) + '\n');
  if (values.csv !== undefined) write(values.csv, csv(result));
  if (values.svg !== undefined) write(values.svg, studySvg(result));
  const toStderr = values.json === '-' || values.csv === '-';
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
