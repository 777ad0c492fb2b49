// The checks of the labs on vmmlab's kernel (docs/labs/): lab 3, the kernel's address spaces
// (a pgstat system call added to a copy of the kernel, and a user program that uses it), and
// lab 5, shadow paging against EPT on workloads of the student's own, measured with a study.
//
// Lab 3 boots the student's kernel with the lab's check program (check/pgstat-test.s) and with
// the student's pages.s, natively and in both VM designs, and compares consoles and page-fault
// counts with what the system call's contract implies; the bundled programs must still run as
// they do under vmmlab's own kernel. Lab 5 runs the student's study and looks at the numbers.

import * as path from 'node:path';
import { BUNDLED_KERNEL, BUNDLED_USER_DIR } from '../../config/bundled.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import { parseCheck } from '../../experiments/finding.ts';
import { parseModuleSpec } from '../../experiments/images.ts';
import { StudyError } from '../../experiments/params.ts';
import { baselineOf, expandCells, type Cell, type StudySource } from '../../experiments/plan.ts';
import { runStudy, type StudyResult } from '../../experiments/runner.ts';
import type { CellResult } from '../../experiments/run-cell.ts';
import { loadStudy } from '../../experiments/study.ts';
import type { Image } from '../../isa/image.ts';
import { NODE_STUDY_FILES } from '../../node/experiments.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { reportIssues } from '../issues.ts';
import {
  LABS_DIR, assembleCheckProgram, assembleOrStop, checkThat, compareReport, fail, firstDifference, howItEnded, ok, poweredOff, reportLines,
  runIn, type Check, type Ran,
} from './lab-kit.ts';

const KERNEL_RUN = { memoryBytes: 8 << 20, maxInstructions: 5_000_000 };
const ended = (ran: Ran) => howItEnded(ran, KERNEL_RUN.maxInstructions);

// ---------------------------------------------------------------- lab 3

/** What pages.s:N prints when the kernel's pgstat and the program keep their contracts. */
export function pagesOutput(n: number): string {
  const lines = [`pages: ${n} new heap pages; pgstat untouched, after a load, after a store`];
  for (let i = 0; i < n; i++) lines.push(`page ${i}: 0x00000000 0x0000002b 0x0000006b`);
  lines.push('child: page 0 0x0000000b, after a load 0x0000002b', `parent: after sbrk(-${n} pages), page 0 0x00000000`);
  return `${lines.join('\n')}\n`;
}

/** pgstat-test's report lines the contract fixes, with where to look when they differ. */
const PGSTAT_CONTRACTS: readonly [string, Record<string, string>, string][] = [
  ['pgstat of an address outside user space (below USER_BASE, from USER_TOP up) is -1',
    { null: '0xffffffff', 'kernel-image': '0xffffffff', 'below-user-base': '0xffffffff', 'user-top': '0xffffffff', 'direct-map': '0xffffffff', top: '0xffffffff' },
    'look at your sys_pgstat: compare va with USER_BASE and USER_TOP (kernel/memlayout.inc) before walking'],
  ['pgstat of mapped pages gives the leaf\'s flag bits: the program (V W X U A D), its stack',
    { image: '0x0000006f', stack: '0x0000006b' },
    'look at your sys_pgstat: walk(pagedir, va, 0) (kernel/vm.s) gives the entry; return its low 8 bits'],
  ['pgstat of a page not touched yet is 0: demand paging maps it on first touch',
    { 'stack-untouched': '0x00000000', 'heap-untouched': '0x00000000', 'heap-second': '0x00000000', 'heap-beyond': '0x00000000', 'heap-second-again': '0x00000000' },
    'look at your sys_pgstat: a missing page table (walk returns 0) or an entry without PTE_V is 0; and pgstat must map nothing (no uvm_resolve, no copyin)'],
  ['pgstat shows A after a load and D after a store, for any address in the page',
    { 'heap-loaded': '0x0000002b', 'heap-loaded-end': '0x0000002b', 'heap-stored': '0x0000006b' },
    'look at your sys_pgstat: the walker sets A and D in the leaf (isa/README.md 6.2 step 7); return the entry as it is'],
  ['fork gives the child a copy of each present page with V W X U only; sbrk shrinking unmaps',
    { child: '0x0000000b', 'child-loaded': '0x0000002b', 'child-second': '0x00000000', 'parent-after-fork': '0x0000006b', 'heap-freed': '0x00000000' },
    'fork copies entries through uvmcopy_page (kernel/vm.s, PTE_PERM_MASK); pgstat must read the caller\'s own page directory (P_PAGEDIR of the proc in a0)'],
  ['pgstat is system call 10 and the numbers after it stay unknown (-1); registers are kept',
    { 'unknown-11': '0xffffffff', 'unknown-9999': '0xffffffff', 'registers-changed': '0x00000000' },
    'look at kernel/syscall.inc (SYS_PGSTAT 10, NSYSCALL 11) and the table in kernel/syscall.s'],
];

type Boot = (image: Image, modules: readonly BootModule[], mode?: 'native' | 'shadow' | 'ept') => Ran;

export function checkLab3(dir: string): Check[] {
  const kernel = assembleOrStop(path.join(dir, 'kernel', 'kernel.s'), 'kernel/kernel.s');
  const pagesImage = assembleOrStop(path.join(dir, 'pages.s'), 'pages.s', [], USER_ORIGIN);
  const bundledKernel = assembleOrStop(BUNDLED_KERNEL, 'the bundled kernel');
  const boot: Boot = (image, modules, mode = 'native') => runIn(mode, image, modules, KERNEL_RUN);
  const pages = (n: number): BootModule => ({ name: 'pages', image: pagesImage, args: [n] });
  const built = assembleCheckProgram(path.join(LABS_DIR, '03-address-spaces', 'check', 'pgstat-test.s'), dir, USER_ORIGIN);
  const test = built.image ? { name: 'pgstat-test', image: built.image, args: [] } : undefined;
  const testRan = test ? boot(kernel, [test]) : undefined;
  const pagesRan = [2, 4].map((n) => boot(kernel, [pages(n)]));
  return [
    ok('kernel/kernel.s and pages.s assemble'),
    bundledProgramsCheck(boot, kernel, bundledKernel),
    ...(testRan ? pgstatChecks(testRan) : [fail('the pgstat system call', built.problem!)]),
    ...pagesChecks(pagesRan, boot(bundledKernel, [pages(2)])),
    sameInEveryMode(boot, kernel, [['pages.s:2', [pages(2)], pagesRan[0]!], ...(test ? [['check/pgstat-test.s', [test], testRan!] as const] : [])]),
  ];
}

/** The bundled programs run under the student's kernel as under vmmlab's. */
function bundledProgramsCheck(boot: Boot, kernel: Image, bundledKernel: Image): Check {
  const name = 'your kernel runs forkstorm, sbrkchurn and primes as vmmlab\'s kernel does';
  const workloads: BootModule[] = ([['forkstorm', 4], ['sbrkchurn', 12], ['primes', 300]] as const).map(([program, arg]) => ({
    name: program, image: assembleOrStop(path.join(BUNDLED_USER_DIR, `${program}.s`), `${program}.s`, [], USER_ORIGIN), args: [arg],
  }));
  const theirs = boot(kernel, workloads);
  const ours = boot(bundledKernel, workloads);
  if (theirs.console === ours.console && theirs.reason === ours.reason && theirs.exitCode === ours.exitCode) return ok(name);
  return fail(name,
    theirs.console === ours.console ? `with vmmlab's kernel the run ${ended(ours)}; with yours it ${ended(theirs)}` : `the console differs: ${firstDifference(ours.console, theirs.console)}`,
    'your change broke something else: compare your kernel/ with guest-programs/kernel/ (vmmlab run kernel/kernel.s --module forkstorm.s:4)');
}

/** check/pgstat-test.s's answers, contract by contract. */
function pgstatChecks(ran: Ran): Check[] {
  const report = reportLines(ran.console);
  // Not there at all: every answer is the -1 of an unknown system call.
  const unknown = report.get('image') === '0xffffffff' && report.get('heap-untouched') === '0xffffffff';
  return PGSTAT_CONTRACTS.map(([name, expected, hint]) => (unknown
    ? fail(name, 'system call 10 answers -1 for every address: your kernel does not have it yet',
      'add SYS_PGSTAT (10) to kernel/syscall.inc and raise NSYSCALL, put sys_pgstat in kernel/syscall.s\'s table, write it in kernel/sysproc.s (steps 1-3)')
    : checkThat(name, compareReport(report, expected, ended(ran)), hint)));
}

/**
 * pages.s for N = 2 and 4 under the student's kernel: what it prints, and not under vmmlab's,
 * which has no pgstat (so its numbers come from the system call); one page fault per page.
 */
function pagesChecks([two, four]: Ran[], stock: Ran): Check[] {
  const problems: string[] = [];
  for (const [n, ran] of [[2, two!], [4, four!]] as const) {
    if (ran.console !== pagesOutput(n)) problems.push(`pages.s:${n} printed something else: ${firstDifference(pagesOutput(n), ran.console)}`);
    else if (!poweredOff(ran, 0)) problems.push(`pages.s:${n}: expected a power-off with 0 (every process exited with 0); it ${ended(ran)}`);
  }
  if (problems.length === 0 && stock.console === pagesOutput(2)) {
    problems.push('pages.s prints the same under vmmlab\'s own kernel, which has no system call 10: its numbers do not come from pgstat');
  }
  const faults = 'each new heap page costs one page fault, when it is first touched (pages.s:2 against pages.s:4)';
  return [
    checkThat('pages.s:N prints what docs/labs/03-address-spaces.md shows (N = 2 and 4), with the numbers pgstat gives', problems,
      'run it: vmmlab run kernel/kernel.s --module pages.s:2; the comment at the top of pages.s has the lines it must print'),
    four!.stats.pageFaults - two!.stats.pageFaults === 2
      ? ok(faults)
      : fail(faults, `pages.s:2 took ${two!.stats.pageFaults} page faults and pages.s:4 took ${four!.stats.pageFaults} (vmmlab run kernel/kernel.s --module pages.s:4 --stats): two more pages should cost two more faults`,
        'touch each page with one load first, then a store (the load\'s fault maps it writable: the store needs no second fault)'),
  ];
}

/** The same consoles and guest page faults under shadow paging and EPT as natively. */
function sameInEveryMode(boot: Boot, kernel: Image, runs: readonly (readonly [string, readonly BootModule[], Ran])[]): Check {
  const problems: string[] = [];
  for (const [label, modules, native] of runs) {
    for (const mode of ['shadow', 'ept'] as const) {
      const ran = boot(kernel, modules, mode);
      const design = mode === 'shadow' ? 'shadow paging' : 'EPT';
      if (ran.console !== native.console) problems.push(`${label}: the console differs, ${firstDifference(native.console, ran.console, ['natively', `under ${design}`])}`);
      else if (ran.stats.pageFaults !== native.stats.pageFaults) problems.push(`${label} under ${design}: ${ran.stats.pageFaults} page faults reached the guest, natively ${native.stats.pageFaults}`);
    }
  }
  return checkThat('the same console and page faults under shadow paging and EPT', problems,
    'the kernel follows the TLB rules (isa/README.md 6.4): pgstat only reads the tables, so it needs no invlpg');
}

// ---------------------------------------------------------------- lab 5

/** How many times slower one design must be than the other on a workload. */
const MARGIN = 1.5;

export async function checkLab5(dir: string): Promise<Check[]> {
  const source = loadLabStudy(path.join(dir, 'study.json'));
  const { study, baseDir } = source;
  const own = study.workloads.filter((w) => w.modules.some((spec) => isOwnModule(spec, baseDir, dir)));
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
  if (problems.length > 0) return checks;
  let result: StudyResult;
  try {
    // A small study runs faster in this thread than it would start worker threads.
    result = await runStudy(source, expandCells(study).length > 12 ? {} : { jobs: 1 });
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
  const ownNames = new Set(own.map((w) => w.name));
  return [
    ...checks,
    cellsCheck(result),
    designLosesCheck(result.cells, ownNames, 'ept', 'shadow',
      'make the TLB miss (more pages than it holds, touched over and over) and the page tables stay still: each EPT miss walks both dimensions (vmmlab exp study.json: "refs/miss")'),
    designLosesCheck(result.cells, ownNames, 'shadow', 'ept',
      'switch address spaces (yield between processes), or change page tables (fork, sbrk), with little else: each is a VM exit under shadow paging (vmmlab exp study.json: "exits by reason")'),
    findingCheck(result),
  ];
}

/** The student's study, checked as vmmlab exp checks it: its located errors end the check. */
function loadLabStudy(file: string): StudySource {
  try {
    return loadStudy(file);
  } catch (e) {
    if (e instanceof StudyError && e.issues.length > 0) throw reportIssues(e, 'nothing checked');
    if (e instanceof StudyError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
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

/** Is a module spec a program in the student's folder (not a bundled one)? */
function isOwnModule(spec: string, baseDir: string, dir: string): boolean {
  try {
    const file = parseModuleSpec(NODE_STUDY_FILES, spec, baseDir).file;
    const relative = path.relative(path.resolve(dir), file);
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  } catch {
    return false;
  }
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
