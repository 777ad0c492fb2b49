// Running a study without Node: the entry for a web page and its workers (and any host that keeps
// files in memory). It imports no node: module and uses no Node global, so a bundler can build it
// for the browser (tests/inspect/platform.test.ts bundles it with esbuild, platform 'browser').
//
//   planStudy(text, fileName, files, options?)  → StudyPlan
//       the study's text checked as `vmmlab exp FILE` checks it (a StudyError listing every issue
//       at its JSON path, or naming the module that is missing or does not assemble), its cells
//       in index order, and every workload's images assembled. A plan is plain data: post it to
//       each worker (structured clone) and no worker reads a file or assembles again.
//   runPlannedCell(plan, index)                  → CellResult
//       one cell, deterministic: the same result as the CLI's cell `index` of the same study.
//   finishStudy(plan, results, timing?)          → StudyOutputs
//       the StudyResult (cells in index order; the finding evaluated once all are there) and the
//       strings `vmmlab exp` prints and writes: the report on stdout (or with --markdown), the
//       text table, the finding, the warnings, and the --json, --csv and --svg files. `timing` is
//       the only part of the JSON that differs between runs (default: zeros).
//
// Files come from a FileSource: paths to texts, e.g. mapFileSource of every file of the
// guest-programs/ folder under 'guest-programs/…' keys. A study's module and kernel paths start
// at the directory of `fileName`; bare module names are found in guest-programs/user/ and
// `.include`s in guest-programs/lib/ and user/, as the CLI finds them (config/bundled-layout.ts),
// under `options.bundledDir` (default 'guest-programs'). Paths are normalized ('/' separates,
// '.' and '..' folded) before the source is asked.

import { dirname, isAbsolute, join, normalize } from '../assembler/paths.ts';
import { bundledPaths } from '../config/bundled-layout.ts';
import type { Engine } from '../emulator/cpu.ts';
import type { FindingOutcome } from './finding.ts';
import { StudyError } from './params.ts';
import { expandCells, parseStudy, studyJson, type Cell, type Study } from './plan.ts';
import { csv, findingText, printedReport, textTable, warnings } from './report.ts';
import { assembleResult, resultJson, type StudyResult, type StudyTiming } from './result.ts';
import { runCellOn, workloadImages, type CellResult, type WorkloadImages } from './run-cell.ts';
import type { StudyFiles } from './study-files.ts';
import { studySvg } from './svg.ts';

export { ConfigError, formatIssue, type Issue } from '../config/issues.ts';
export { StudyError } from './params.ts';
export type { Cell, Study } from './plan.ts';
export type { CellResult, WorkloadImages } from './run-cell.ts';
export type { StudyResult, StudyTiming } from './result.ts';
export type { FindingOutcome } from './finding.ts';
export type { StudyFiles } from './study-files.ts';

/** Where the files are: a path's text, or undefined when there is no such file. */
export interface FileSource {
  readText(path: string): string | undefined;
}

/** A FileSource over a map (or a plain object) of paths to texts; the paths are normalized. */
export function mapFileSource(files: ReadonlyMap<string, string> | Readonly<Record<string, string>>): FileSource {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  const byPath = new Map(entries.map(([p, text]) => [normalize(p), text]));
  return { readText: (p) => byPath.get(normalize(p)) };
}

export interface PlanOptions {
  /** The guest-programs/ folder among the source's paths (default 'guest-programs'; '.' when the paths start inside it). */
  readonly bundledDir?: string;
  /** Searched for `.include`s after a source's own directory, before the bundled library (`vmmlab exp -I`). */
  readonly includeDirs?: readonly string[];
  /** Attach the TLB-rule checker to every cell (`--check-tlb-rules`): its findings land in each cell's `tlbRules`. */
  readonly checkTlbRules?: boolean;
  /** The CPU engine of every cell (default the process's, setDefaultEngine); the results are the same on either. */
  readonly engine?: Engine;
}

/** A study ready to run: plain data, so that it can be posted to workers. */
export interface StudyPlan {
  /** The study as checked, with its defaults filled in. */
  readonly study: Study;
  /** Every cell, in index order (cells[i].index === i). */
  readonly cells: readonly Cell[];
  /** The name the study's errors were given. */
  readonly fileName: string;
  /** Each workload's kernel and boot modules, assembled: images[i] is study.workloads[i]'s. */
  readonly images: readonly WorkloadImages[];
  readonly checkTlbRules: boolean;
  readonly engine?: Engine;
}

export interface StudyOutputs {
  readonly result: StudyResult;
  /** The evaluated finding (undefined without one, or before every cell has run). */
  readonly finding: FindingOutcome | undefined;
  /** What `vmmlab exp` prints on stdout (no colour): the summary, the table and the finding. */
  readonly report: string;
  /** What `vmmlab exp --markdown` prints on stdout. */
  readonly markdown: string;
  /** The aligned table alone. */
  readonly table: string;
  /** The finding with every check's numbers ('' without a finding). */
  readonly findingText: string;
  /** What `vmmlab exp` warns of on stderr (each after 'vmmlab: warning: '). */
  readonly warnings: readonly string[];
  /** The files `--json`, `--csv` and `--svg` write. */
  readonly json: string;
  readonly csv: string;
  readonly svg: string;
}

/** The StudyFiles of a FileSource: the assembler's pure path arithmetic, the bundled programs under `bundledDir`. */
export function studyFilesOf(source: FileSource, bundledDir = 'guest-programs'): StudyFiles {
  const read = (p: string): string => {
    const text = source.readText(normalize(p));
    if (text === undefined) throw Object.assign(new Error('file not found'), { code: 'ENOENT' });
    return text;
  };
  return {
    bundled: bundledPaths(bundledDir, join),
    readSource: read,
    readText: read,
    exists: (p) => source.readText(normalize(p)) !== undefined,
    resolve: (dir, file) => (isAbsolute(file) ? normalize(file) : join(dir, file)),
    join,
    isAbsolute,
  };
}

/** Check a study's text and assemble its workloads; throws a StudyError (its `issues` at their JSON paths) as the CLI reports it. */
export function planStudy(text: string, fileName: string, files: FileSource, options: PlanOptions = {}): StudyPlan {
  const study = parseStudy(studyJson(text, fileName), fileName);
  const studyFiles = studyFilesOf(files, options.bundledDir);
  const baseDir = dirname(normalize(fileName));
  // As `vmmlab exp` does before any cell runs: a missing file or an assembly error shows once.
  const images = study.workloads.map((w) => workloadImages(studyFiles, study, baseDir, w, options.includeDirs ?? []));
  return { study, cells: expandCells(study), fileName, images, checkTlbRules: options.checkTlbRules === true, ...(options.engine ? { engine: options.engine } : {}) };
}

/** Run cell `index` of a plan to completion (or its instruction budget). */
export function runPlannedCell(plan: StudyPlan, index: number): CellResult {
  const cell = plan.cells[index];
  if (!cell) throw new RangeError(`the study has no cell ${index} (it has ${plan.cells.length})`);
  const workload = plan.study.workloads.findIndex((w) => w.name === cell.workload);
  const images = plan.images[workload];
  if (!images) throw new StudyError(`cell ${index}: no workload '${cell.workload}'`);
  return runCellOn(plan.study, cell, images, plan.checkTlbRules, undefined, plan.engine);
}

/**
 * The result of the cells run so far (any order; all of them for the finding) and every output
 * `vmmlab exp` makes of it. `timing` goes into the result and the report as the CLI's measured
 * times do (wall-clock time of the run, the number of workers, each cell's milliseconds).
 */
export function finishStudy(plan: StudyPlan, results: readonly CellResult[], timing: StudyTiming = { wallMs: 0, jobs: 1, cellMs: {} }): StudyOutputs {
  const seen = new Set<number>();
  for (const r of results) {
    if (!plan.cells[r.index]) throw new RangeError(`the study has no cell ${r.index} (it has ${plan.cells.length})`);
    if (seen.has(r.index)) throw new RangeError(`cell ${r.index} is given twice`);
    seen.add(r.index);
  }
  const result = assembleResult(plan.study, plan.cells.length, results, undefined, timing);
  return {
    result,
    finding: result.finding,
    report: printedReport(result),
    markdown: printedReport(result, { markdown: true }),
    table: textTable(result),
    findingText: findingText(result.finding, result),
    warnings: warnings(result),
    json: resultJson(result),
    csv: csv(result),
    svg: studySvg(result),
  };
}
