// `vmmlab init DIR`: a starter folder for programs of one's own, made from the templates the
// package ships in guest-programs/init/: a user program for the bundled kernel, a bare-metal
// program that turns paging on, debugger commands, a study, a starter pager (the pager API's),
// and a README whose commands run as they are shown (tests/cli/student-folder.test.ts runs every
// one of them).
//
// Two things in the templates depend on where vmmlab is installed, and are filled in here:
// the kernel's path in the README ({{kernel}}), and the study's "$schema", which names a copy of
// schemas/study.schema.json put beside it (so the folder stays self-contained: an editor finds
// the schema offline, after the folder moves, and whatever installed vmmlab).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_KERNEL, INIT_TEMPLATE_DIR, SCHEMAS_DIR } from '../../config/bundled.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { parseCommandLine } from '../options.ts';

export const INIT_HELP = `Usage: vmmlab init DIR [--force]

Make DIR a starter folder for TV32 programs of your own:
  README.md           the commands to assemble, run (native, shadow, ept), debug and measure
                      these programs, each with what it prints
  sum.s               a user program for the bundled kernel (.include "ulib.inc")
  paging.s            a bare-metal program that builds a page table and turns paging on
                      (.include "console.inc")
  paging.dbg          debugger commands for it (vmmlab debug paging.s --batch -x paging.dbg)
  study.json          an experiment over sum.s (vmmlab exp study.json)
  study.schema.json   the study format, named by study.json's "$schema" for your editor
  pager.js            a starter shadow pager of your own (vmmlab run paging.s --pager pager.js;
                      vmmlab check-pager pager.js grades it; docs/pager-api.md is the API)

.include "ulib.inc" and "console.inc" work from any folder: every command searches the bundled
guest-programs/user/ and guest-programs/lib/ after the including file's directory and -I DIRs.

DIR is made if it does not exist. An existing DIR must be empty (exit 1 otherwise).

Options:
  --force      write into a DIR that is not empty, replacing files of these names
  -h, --help   this text`;

/** The study's schema, copied beside it. */
const SCHEMA_FILE = 'study.schema.json';

export function initCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, {
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(INIT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('init takes one folder to make (see vmmlab init --help)');
  const dir = positionals[0]!;
  checkTarget(dir, values.force === true);
  const files = starterFiles(dir);
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
  } catch (e) {
    throw new CliError(`cannot write '${dir}': ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  console.log(`vmmlab: made ${dir}: ${[...files.keys()].join(', ')}`);
  console.log(`next: cd ${shellWord(dir)}; its README.md lists the commands to run`);
  return 0;
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

/** The starter folder's files by name: the templates, filled in, and the schema. */
function starterFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const kernel = shellWord(pathFrom(dir, BUNDLED_KERNEL));
  for (const name of fs.readdirSync(INIT_TEMPLATE_DIR).sort()) {
    const text = fs.readFileSync(path.join(INIT_TEMPLATE_DIR, name), 'utf8');
    if (name === 'README.md') files.set(name, text.replaceAll('{{name}}', path.basename(path.resolve(dir))).replaceAll('{{kernel}}', kernel));
    else if (name === 'study.json') files.set(name, text.replace(/"\$schema":\s*"[^"]*"/, `"$schema": "./${SCHEMA_FILE}"`));
    else files.set(name, text);
  }
  files.set(SCHEMA_FILE, fs.readFileSync(path.join(SCHEMAS_DIR, SCHEMA_FILE), 'utf8'));
  return files;
}

/**
 * How the folder's commands name a bundled file: relative to the folder when that is shorter
 * (vmmlab installed in the project: `../node_modules/vmmlab/…`, which survives moving the project
 * as a whole), else absolute (a global install, a checkout elsewhere).
 */
function pathFrom(dir: string, file: string): string {
  const relative = path.relative(path.resolve(dir), file);
  return relative.length < file.length ? relative : file;
}

/** A path as one word of a POSIX shell command. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
