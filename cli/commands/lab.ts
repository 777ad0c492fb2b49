// `vmmlab lab`: the labs of docs/labs/ on the command line. `lab list` names them, `lab init N
// DIR` copies lab N's starter files (guest-programs/labs/NN-name/, top level only: its check/
// programs stay in the package) into a folder, as `vmmlab init` does for its starter folder, and
// `lab check N [DIR]` runs lab N's checks on the student's files there and prints each as ok or
// FAIL, with what was expected, what happened and where to look. The checks of labs 1-3 are
// platform-neutral (session/labs/: the playground runs them too, on its edited files), lab 5's is
// lab-study.ts (it runs a study), and lab 4 is graded by the pager autograder `vmmlab check-pager`.
//
// Reference solutions are not part of the package: they live in tests/labs/solutions/, where
// tests/labs/ checks that each passes its lab's check and each starter does not.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_DIR, INIT_TEMPLATE_DIR, PACKAGE_ROOT, SCHEMAS_DIR } from '../../config/bundled.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { paint, red, useColor } from '../format.ts';
import { parseCommandLine } from '../options.ts';
import { LAB_INFO, summaryOf, type LabInfo } from '../../session/labs/catalog.ts';
import { LabStopped } from '../../session/labs/kit.ts';
import { LABS_DIR, nodeLabContext, requireFiles, type Check } from './lab-kit.ts';
import { checkLab5 } from './lab-study.ts';

export const LAB_HELP = `Usage: vmmlab lab list
       vmmlab lab init N DIR [--force]
       vmmlab lab check N [DIR]

The labs of docs/labs/, five steps through memory virtualization: traps and the privileged
architecture, a first page table, the kernel's address spaces, a shadow pager of your own, and
shadow paging against EPT measured. Each lab is a text (docs/labs/NN-name.md, in vmmlab's
package), starter files, and a check that says whether the lab works.

  list           the labs: number, title, text, starter files
  init N DIR     copy lab N's starter files into DIR (made if it does not exist; an existing
                 DIR must be empty unless --force)
  check N [DIR]  run lab N's checks on the files in DIR (default: the current folder). The
                 checks run your programs natively and under shadow paging and EPT and compare
                 what they do with what the lab asks; each prints ok or FAIL, with what was
                 expected, what happened and where to look

Exit status of check: 0 when every check passes, 3 when one fails, 1 when the files cannot be
checked (missing, or they do not assemble: the errors are shown, located), 2 for a bad
command line.

Options:
  --force      with init: write into a DIR that is not empty, replacing files of these names
  -h, --help   this text`;

interface Lab extends LabInfo {
  /** Its checks on a folder (labs 1-3, 5); or, for a lab graded by a command of its own (lab 4: check-pager), `grade`, which prints and returns an exit status. */
  readonly checkDir?: (dir: string) => Check[] | Promise<Check[]>;
  readonly grade?: (dir: string) => Promise<number>;
  /** Files `init` adds beyond the starter folder's, by their name in DIR. */
  readonly extra?: () => Map<string, string>;
}

/** The catalog's labs (session/labs/catalog.ts), with what the command line adds to each. */
const LABS: readonly Lab[] = LAB_INFO.map((info): Lab => {
  switch (info.number) {
    case 3: return { ...info, checkDir: neutralCheck(info), extra: kernelCopy };
    case 4: return { ...info, grade: gradeLab4, extra: pagerStarter };
    case 5: return { ...info, checkDir: checkLab5, extra: studySchema };
    default: return { ...info, checkDir: neutralCheck(info) };
  }
});

/** A platform-neutral check on a folder on disk: files that cannot be checked are the command's one error. */
function neutralCheck(info: LabInfo): (dir: string) => Check[] {
  return (dir) => {
    try {
      return info.check!(nodeLabContext(dir));
    } catch (e) {
      if (e instanceof LabStopped) throw new CliError(e.message, EXIT_CODES.INPUT);
      throw e;
    }
  };
}

export async function labCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(LAB_HELP);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (values.force && action !== 'init') throw new CliError('--force is an option of lab init');
  switch (action) {
    case 'list':
      if (rest.length > 0) throw new CliError('lab list takes nothing more (see vmmlab lab --help)');
      return list();
    case 'init':
      if (rest.length !== 2) throw new CliError('lab init takes a lab number and a folder: vmmlab lab init N DIR (see vmmlab lab --help)');
      return init(labNamed(rest[0]!), rest[1]!, values.force === true);
    case 'check':
      if (rest.length < 1 || rest.length > 2) throw new CliError('lab check takes a lab number and, optionally, its folder: vmmlab lab check N [DIR] (see vmmlab lab --help)');
      return check(labNamed(rest[0]!), rest[1] ?? '.');
    case undefined:
      throw new CliError('lab needs list, init or check (see vmmlab lab --help)');
    default:
      throw new CliError(`lab has no '${action}': it takes list, init or check (see vmmlab lab --help)`);
  }
}

function labNamed(text: string): Lab {
  const lab = /^\d+$/.test(text) ? LABS.find((l) => l.number === Number(text)) : undefined;
  if (!lab) throw new CliError(`no lab '${text}': the labs are ${LABS.map((l) => l.number).join(', ')} (vmmlab lab list)`);
  return lab;
}

/** A lab's text, as a path a reader can open from here (relative when that is shorter). */
function docOf(lab: Lab): string {
  const file = path.join(PACKAGE_ROOT, 'docs', 'labs', `${lab.id}.md`);
  const relative = path.relative(process.cwd(), file);
  return relative.length < file.length ? relative : file;
}

function list(): number {
  for (const lab of LABS) {
    console.log(`${lab.number}  ${lab.title}`);
    console.log(`   text:     ${docOf(lab)}`);
    console.log(`   starter:  ${topNames(starterFiles(lab)).join(', ')}`);
    console.log(`   check:    ${lab.checks}`);
  }
  console.log(`\nvmmlab lab init N DIR makes lab N's folder; vmmlab lab check N DIR checks it. The teacher's page: ${path.join(path.dirname(docOf(LABS[0]!)), 'README.md')}`);
  return 0;
}

// ---------------------------------------------------------------- init

function init(lab: Lab, dir: string, force: boolean): number {
  checkTarget(dir, force);
  const files = starterFiles(lab);
  try {
    for (const [name, text] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
  } catch (e) {
    throw new CliError(`cannot write '${dir}': ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  console.log(`vmmlab: made ${dir} for lab ${lab.number} (${lab.title}): ${topNames(files).join(', ')}`);
  console.log(`next: cd ${shellWord(dir)}; the lab's text is ${docOf(lab)}; vmmlab lab check ${lab.number} checks your work`);
  return 0;
}

/** The names at the top of a starter folder: its files, and its folders with a slash (kernel/). */
function topNames(files: ReadonlyMap<string, string>): string[] {
  return [...new Set([...files.keys()].map((name) => (name.includes('/') ? `${name.split('/')[0]!}/` : name)))];
}

/** DIR must not exist, or be an empty folder; with --force, any folder. */
function checkTarget(dir: string, force: boolean): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) throw new CliError(`'${dir}' exists and is not a folder`, EXIT_CODES.INPUT);
  if (force) return;
  const entries = fs.readdirSync(dir);
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new CliError(`'${dir}' is not empty (${shown}): give an empty or new folder, or --force to write into it`, EXIT_CODES.INPUT);
  }
}

/** The starter folder's files (its top level: check/ stays in the package), then the lab's extras. */
function starterFiles(lab: Lab): Map<string, string> {
  const folder = path.join(LABS_DIR, lab.id);
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isFile()) files.set(entry.name, fs.readFileSync(path.join(folder, entry.name), 'utf8'));
  }
  for (const [name, text] of lab.extra?.() ?? []) files.set(name, text);
  return files;
}

/** Lab 3: a copy of the bundled kernel's sources in kernel/, for the student to change. */
function kernelCopy(): Map<string, string> {
  const kernelDir = path.join(BUNDLED_DIR, 'kernel');
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(kernelDir).sort()) files.set(`kernel/${name}`, fs.readFileSync(path.join(kernelDir, name), 'utf8'));
  return files;
}

/** Lab 5: the study format beside study.json, which names it in "$schema" (as vmmlab init does). */
function studySchema(): Map<string, string> {
  return new Map([['study.schema.json', fs.readFileSync(path.join(SCHEMAS_DIR, 'study.schema.json'), 'utf8')]]);
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

// ---------------------------------------------------------------- check

async function check(lab: Lab, dir: string): Promise<number> {
  requireFiles(dir, lab.required, lab.number);
  if (lab.grade) return lab.grade(dir);
  const color = useColor(process.stdout);
  // The header only once the checks ran: files that cannot be checked are one error, alone.
  const checks = await lab.checkDir!(dir);
  console.log(`lab ${lab.number}, ${lab.title}: checking ${dir === '.' ? 'the current folder' : dir}`);
  for (const c of checks) {
    console.log(`  ${c.ok ? paint(color, 32, 'ok  ') : red(color, 'FAIL')}  ${c.name}`);
    for (const line of c.detail) console.log(`        ${line}`);
  }
  console.log(`${summaryOf(lab.number, checks)}; the lab's text: ${docOf(lab)}`);
  return checks.every((c) => c.ok) ? 0 : 3;
}

// ---------------------------------------------------------------- lab 4

/** Lab 4: the starter pager and a bare-metal guest to try it on, from vmmlab init's templates. */
function pagerStarter(): Map<string, string> {
  return new Map(['pager.js', 'paging.s'].map((name) => [name, fs.readFileSync(path.join(INIT_TEMPLATE_DIR, name), 'utf8')]));
}

/** Lab 4 is graded by the pager autograder: its scorecard, then the lab's summary line. */
async function gradeLab4(dir: string): Promise<number> {
  const lab = LABS.find((l) => l.number === 4)!;
  requireFiles(dir, [], 4);
  // The starter is pager.js; a pager written in TypeScript is pager.ts (docs/pager-api.md).
  const name = ['pager.js', 'pager.ts'].find((f) => fs.existsSync(path.join(dir, f)));
  if (!name) requireFiles(dir, ['pager.js'], 4);
  const file = path.join(dir, name!);
  console.log(`lab 4, ${lab.title}: checking ${file} with vmmlab check-pager ${file}\n`);
  const { checkPagerCommand } = await import('./check-pager.ts');
  const status = await checkPagerCommand([file]);
  console.log(`\nlab 4: ${status === 0 ? 'every check passes' : 'not every check passes: the scorecard above says which, and what differs'}; the lab's text: ${docOf(lab)}`);
  return status;
}
