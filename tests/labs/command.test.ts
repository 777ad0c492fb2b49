// `vmmlab lab` itself: list, init (as `vmmlab init` behaves), and every kind of bad input, each
// one clear line (or the assembler's located errors, then one line), never a stack trace or the
// internal-error exit 70. The bad command lines and missing files run vmmlab's main() in this
// process (vmmlabHere); everything else a real process.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, vmmlab, vmmlabHere, type Ran } from './helpers.ts';

const tmp = tempDir('lab-command');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

/** One error line on stderr, nothing on stdout, no stack trace. */
function oneError(r: Ran, code: number, message: string | RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
  expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
  if (typeof message === 'string') expect(r.stderr).toBe(`vmmlab: error: ${message}\n`);
  else expect(r.stderr).toMatch(message);
}

describe('lab list and help', () => {
  it('case 1: list names the five labs, each with its text, starter files and check', () => {
    const r = vmmlab(['lab', 'list'], tmp);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const n of [1, 2, 3, 4, 5]) expect(r.stdout).toMatch(new RegExp(`^${n}  \\S`, 'm'));
    expect(r.stdout.match(/^ {3}text: {5}.*docs\/labs\/0\d-[a-z-]+\.md$/gm)).toHaveLength(5);
    expect(r.stdout).toMatch(/^ {3}starter: {2}kernel\.s, lab1\.inc, trap\.dbg, trap\.s, user\.s$/m);
    expect(r.stdout).toMatch(/docs\/labs\/README\.md$/m);
  });

  it('case 2: --help and help lab print the usage; the main help lists lab', () => {
    const help = vmmlab(['lab', '--help'], tmp);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vmmlab lab list\n {7}vmmlab lab init N DIR \[--force\]\n {7}vmmlab lab check N \[DIR\]\n/);
    expect(vmmlab(['help', 'lab'], tmp)).toEqual(help);
    expect(vmmlab(['--help'], tmp).stdout).toMatch(/^ {2}lab list\|init\|check +the labs of docs\/labs\//m);
  });
});

describe('lab init', () => {
  it('case 3: makes the folder (and its parents), refuses one that is not empty unless --force', () => {
    const made = vmmlab(['lab', 'init', '2', 'deep/lab2'], tmp);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^vmmlab: made deep\/lab2 for lab 2 \(your first page table, on bare metal\): lab2\.inc, paging\.dbg, paging\.s, vm\.s\nnext: cd deep\/lab2; /);
    expect(fs.readdirSync(path.join(tmp, 'deep/lab2')).sort()).toEqual(['lab2.inc', 'paging.dbg', 'paging.s', 'vm.s']);
    const busy = folder('busy', { 'notes.txt': 'mine\n' });
    oneError(vmmlab(['lab', 'init', '1', 'busy'], tmp), 1, "'busy' is not empty (notes.txt): give an empty or new folder, or --force to write into it");
    expect(fs.readdirSync(busy)).toEqual(['notes.txt']);
    expect(vmmlab(['lab', 'init', '1', 'busy', '--force'], tmp).code).toBe(0);
    expect(fs.readdirSync(busy).sort()).toEqual(['kernel.s', 'lab1.inc', 'notes.txt', 'trap.dbg', 'trap.s', 'user.s']);
    fs.writeFileSync(path.join(tmp, 'a-file'), '');
    oneError(vmmlab(['lab', 'init', '1', 'a-file'], tmp), 1, "'a-file' exists and is not a folder");
  });

  it('case 4: lab 3 gets a copy of the kernel, lab 5 the study schema, and no lab gets its check programs', () => {
    expect(vmmlab(['lab', 'init', '3', 'k'], tmp).code).toBe(0);
    const kernel = path.join(tmp, 'k/kernel');
    expect(fs.readdirSync(kernel)).toEqual(expect.arrayContaining(['kernel.s', 'vm.s', 'syscall.s', 'sysproc.s', 'syscall.inc', 'README.md']));
    expect(fs.existsSync(path.join(tmp, 'k/check'))).toBe(false);
    expect(vmmlab(['lab', 'init', '5', 's'], tmp).code).toBe(0);
    const study = JSON.parse(fs.readFileSync(path.join(tmp, 's/study.json'), 'utf8')) as { $schema: string };
    expect(fs.existsSync(path.join(tmp, 's', study.$schema))).toBe(true);
  });
});

describe('bad input: one clear error', () => {
  it('case 5: bad command lines exit 2', async () => {
    oneError(await vmmlabHere(['lab'], tmp), 2, 'lab needs list, init or check (see vmmlab lab --help)');
    oneError(await vmmlabHere(['lab', 'chekc', '1'], tmp), 2, "lab has no 'chekc': it takes list, init or check (see vmmlab lab --help)");
    for (const n of ['9', '0', 'one', '1.5']) oneError(await vmmlabHere(['lab', 'check', n], tmp), 2, `no lab '${n}': the labs are 1, 2, 3, 4, 5 (vmmlab lab list)`);
    oneError(await vmmlabHere(['lab', 'init', '7', 'x'], tmp), 2, "no lab '7': the labs are 1, 2, 3, 4, 5 (vmmlab lab list)");
    oneError(await vmmlabHere(['lab', 'init', '1'], tmp), 2, 'lab init takes a lab number and a folder: vmmlab lab init N DIR (see vmmlab lab --help)');
    oneError(await vmmlabHere(['lab', 'check'], tmp), 2, 'lab check takes a lab number and, optionally, its folder: vmmlab lab check N [DIR] (see vmmlab lab --help)');
    oneError(await vmmlabHere(['lab', 'check', '1', 'a', 'b'], tmp), 2, /^vmmlab: error: lab check takes a lab number/);
    oneError(await vmmlabHere(['lab', 'list', 'more'], tmp), 2, 'lab list takes nothing more (see vmmlab lab --help)');
    oneError(await vmmlabHere(['lab', 'check', '1', '--force'], tmp), 2, '--force is an option of lab init');
    oneError(await vmmlabHere(['lab', 'check', '1', '--frobnicate'], tmp), 2, "unknown option '--frobnicate'");
  });

  it('case 6: a folder without the lab\'s files, or no folder at all, exits 1 naming what is missing', async () => {
    const empty = folder('empty');
    oneError(await vmmlabHere(['lab', 'check', '1'], empty), 1,
      'the current folder has no kernel.s, trap.s, user.s, lab1.inc: lab 1 checks the files vmmlab lab init 1 DIR makes (kernel.s, trap.s, user.s, lab1.inc); run it in that folder, or give the folder');
    folder('half', { 'paging.s': '' });
    oneError(await vmmlabHere(['lab', 'check', '2', 'half'], tmp), 1, /^vmmlab: error: 'half' has no vm\.s, lab2\.inc: lab 2 checks/);
    oneError(await vmmlabHere(['lab', 'check', '3', 'nowhere'], tmp), 1, "no folder 'nowhere' (make one with vmmlab lab init 3 DIR)");
    oneError(await vmmlabHere(['lab', 'check', '5', 'a-file'], tmp), 1, "'a-file' is not a folder (give lab 5's folder, made by vmmlab lab init 5 DIR)");
  });

  it('case 7: assembly errors are shown located, then one line; nothing is checked', () => {
    expect(vmmlab(['lab', 'init', '1', 'broken1'], tmp).code).toBe(0);
    const trap = path.join(tmp, 'broken1/trap.s');
    fs.writeFileSync(trap, fs.readFileSync(trap, 'utf8').replace('trap_init:\n', 'trap_init:\n    mtcr evec, trap_entry\n'));
    const r = vmmlab(['lab', 'check', '1', 'broken1'], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^broken1\/trap\.s:\d+:\d+: error: unknown register .trap_entry.\n\s+mtcr evec, trap_entry\n/);
    expect(r.stderr).toMatch(/\nvmmlab: error: kernel\.s \(with your trap\.s\): 1 error; nothing assembled, nothing checked\n$/);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);

    expect(vmmlab(['lab', 'init', '3', 'broken3'], tmp).code).toBe(0);
    fs.appendFileSync(path.join(tmp, 'broken3/pages.s'), '    frob a0\n');
    const k = vmmlab(['lab', 'check', '3', 'broken3'], tmp);
    expect(k.code).toBe(1);
    expect(k.stderr).toMatch(/^broken3\/pages\.s:\d+:5: error: unknown instruction 'frob'/);
    expect(k.stderr).toMatch(/\nvmmlab: error: pages\.s: 1 error; nothing assembled, nothing checked\n$/);
  });

  it('case 8: a study that is not one gives its located errors, then one line', () => {
    expect(vmmlab(['lab', 'init', '5', 'broken5'], tmp).code).toBe(0);
    const study = path.join(tmp, 'broken5/study.json');
    fs.writeFileSync(study, '{ "workloads": [], }\n');
    const syntax = vmmlab(['lab', 'check', '5', 'broken5'], tmp);
    expect(syntax.code).toBe(1);
    expect(syntax.stdout).toBe('');
    expect(syntax.stderr).toMatch(/^broken5\/study\.json:1:\d+: error: /m);
    expect(syntax.stderr).not.toMatch(/internal error|^\s+at /m);
    fs.writeFileSync(study, JSON.stringify({ workloads: [{ name: 'm', modules: ['misses.s'] }], memorry: '8M' }));
    const key = vmmlab(['lab', 'check', '5', 'broken5'], tmp);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain("broken5/study.json: error: /memorry: unknown key 'memorry'; did you mean 'memory'?");
    expect(key.stderr).toMatch(/\nvmmlab: error: broken5\/study\.json: 1 error; nothing checked\n$/);
  });
});
