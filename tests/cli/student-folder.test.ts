// Programs of one's own, outside the checkout (issue 10 §3): `.include` searched in the including
// file's folder, the -I folders, then the bundled guest-programs/lib and guest-programs/user;
// `-` for a program or study read from stdin; and `vmmlab init`, whose README's commands are run
// here exactly as it shows them, each checked against the output it shows.
//
// Every command runs as a real process through bin/vmmlab.js, in a temporary folder of its own.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(root, 'bin/vmmlab.js');
const KERNEL = path.join(root, 'guest-programs/kernel/kernel.s');
const LIB = path.join(root, 'guest-programs/lib');
const USER = path.join(root, 'guest-programs/user');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-student-'));

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function vmmlab(args: string[], cwd: string, input = ''): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A new folder under the temporary one, with these files. */
function folder(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A user program for the bundled kernel that prints one line. */
const userProgram = (line: string) => `.include "ulib.inc"
main:
    addi sp, sp, -4
    sw ra, 0(sp)
    la a0, msg
    call out_line
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret
msg: .asciz "${line}"
`;

/** A bare-metal program that prints a string (a label of an included file, or its own) and powers off. */
const bareMetal = (include: string, label = 'msg', text = 'bare metal\\n') => `    .include "${include}"
    .global _start
_start:
    print_str ${label}
    poweroff 0
msg: .asciz "${text}"
`;

describe('.include from a folder of ones own', () => {
  it('case 1: a user program with .include "ulib.inc" assembles and runs under the kernel, natively and under EPT', () => {
    const dir = folder('user', { 'hello.s': userProgram('hello from my folder') });
    for (const mode of ['native', 'ept']) {
      const r = vmmlab(['run', KERNEL, '--module', 'hello.s', '--mode', mode], dir);
      expect(r, mode).toEqual({ code: 0, stdout: 'hello from my folder\n', stderr: '' });
    }
    expect(vmmlab(['asm', 'hello.s'], dir).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'hello.img'))).toBe(true);
  });

  it('case 2: the search order: the including file\'s folder, then each -I in order, then the bundled library', () => {
    // pick.inc holds data: it comes after the code, which must stay 4-byte aligned.
    const pick = '    .include "console.inc"\n    .global _start\n_start:\n    print_str which\n    poweroff 0\n    .include "pick.inc"\n';
    const dir = folder('order', {
      'prog.s': pick,
      'a/pick.inc': 'which: .asciz "from a\\n"\n',
      'b/pick.inc': 'which: .asciz "from b\\n"\n',
      'local/prog.s': pick,
      'local/pick.inc': 'which: .asciz "beside it\\n"\n',
    });
    expect(vmmlab(['run', 'prog.s', '-I', 'a', '-I', 'b'], dir)).toEqual({ code: 0, stdout: 'from a\n', stderr: '' });
    expect(vmmlab(['run', 'prog.s', '-Ib', '--include', 'a'], dir).stdout).toBe('from b\n');
    expect(vmmlab(['run', 'local/prog.s', '-I', 'a'], dir).stdout).toBe('beside it\n');
    // A console.inc of one's own, beside the program, comes before the bundled one.
    const own = folder('own-console', {
      'prog.s': bareMetal('console.inc'),
      'console.inc': '.macro print_str label\n.endm\n.macro poweroff code\n    li t0, 0xf0000010\n    li t1, 7\n    sw t1, 0(t0)\n.endm\n',
    });
    expect(vmmlab(['run', 'prog.s'], own)).toEqual({ code: 7, stdout: '', stderr: '' });
  });

  it('case 3: a missing include is a located error naming every folder searched, in order', () => {
    const dir = folder('missing', { 'bad.s': '; a typo\n    .include "consol.inc"\n    nop\n' });
    const r = vmmlab(['asm', 'bad.s', '-I', 'extra'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `bad.s:2:14: error: cannot read include file 'consol.inc': not found in ./, extra/, ${LIB}/, ${USER}/\n`
      + '      .include "consol.inc"\n'
      + '               ^\n'
      + 'vmmlab: error: bad.s: 1 error; nothing assembled\n',
    );
    // The same search under run, debug and exp (a study's module).
    expect(vmmlab(['run', 'bad.s'], dir).stderr).toContain(`not found in ./, ${LIB}/, ${USER}/`);
    expect(vmmlab(['debug', 'bad.s', '--batch'], dir).stderr).toContain(`not found in ./, ${LIB}/, ${USER}/`);
    fs.writeFileSync(path.join(dir, 'study.json'), JSON.stringify({ workloads: [{ name: 'bad', modules: ['bad.s'] }], memory: '2M' }));
    const exp = vmmlab(['exp', 'study.json', '--no-progress', '-I', 'extra'], dir);
    expect(exp.code).toBe(1);
    expect(exp.stderr).toContain(`bad.s:2:14: error: cannot read include file 'consol.inc': not found in ${dir}/, extra/, ${LIB}/, ${USER}/`);
  });

  it('case 4: exp -I finds a study module\'s include, in every worker thread', () => {
    const dir = folder('exp-include', {
      'prog.s': '.include "ulib.inc"\nmain:\n    addi sp, sp, -4\n    sw ra, 0(sp)\n    la a0, greeting\n    call out_line\n    li a0, 0\n    lw ra, 0(sp)\n    addi sp, sp, 4\n    ret\n.include "greeting.inc"\n',
      'inc/greeting.inc': 'greeting: .asciz "hi"\n',
      'study.json': JSON.stringify({ workloads: [{ name: 'greet', modules: ['prog.s'] }], memory: '2M' }),
    });
    const r = vmmlab(['exp', 'study.json', '-I', 'inc', '--jobs', '2', '--no-progress', '--json', 'out.json'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cells = (JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')) as { cells: { mode: string; console: string }[] }).cells;
    expect(cells.map((c) => [c.mode, c.console])).toEqual([['native', 'hi\n'], ['shadow', 'hi\n'], ['ept', 'hi\n']]);
  });
});

describe('- reads the program or the study from stdin', () => {
  /** Says whether the console had input waiting at the start (CONSOLE_STATUS bit 0). */
  const consoleProbe = `    .include "local.inc"
    .global _start
_start:
    li t0, CONSOLE_STATUS
    lw t1, 0(t0)
    andi t1, t1, 1
    bnez t1, 1f
    print_str none
    poweroff 0
1:  print_str some
    poweroff 0
none: .asciz "no console input\\n"
some: .asciz "console input\\n"
`;

  it('case 5: run - assembles stdin (its includes from the current folder) and gives the console no input', () => {
    const dir = folder('stdin-run', { 'local.inc': '.include "console.inc"\n' });
    expect(vmmlab(['run', '-'], dir, consoleProbe)).toEqual({ code: 0, stdout: 'no console input\n', stderr: '' });
    expect(vmmlab(['run', '-', '--mode', 'shadow'], dir, consoleProbe).stdout).toBe('no console input\n');
    // The same program from a file does get stdin as its console's input.
    fs.writeFileSync(path.join(dir, 'probe.s'), consoleProbe);
    expect(vmmlab(['run', 'probe.s'], dir, 'typed\n').stdout).toBe('console input\n');
    expect(vmmlab(['run', '--help'], dir).stdout).toContain("With 'run -' the program takes stdin, and the console gets no input.");
  });

  it('case 6: errors in a program from stdin name <stdin>', () => {
    const dir = folder('stdin-errors');
    const r = vmmlab(['run', '-'], dir, '    nop\n    ad a0, a0, a1\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("<stdin>:2:5: error: unknown instruction 'ad'; did you mean 'add'?\n      ad a0, a0, a1\n      ^\nvmmlab: error: <stdin>: 1 error; nothing assembled\n");
    expect(vmmlab(['asm', '-'], dir, '.include "nowhere.inc"\n').stderr).toContain(`<stdin>:1:10: error: cannot read include file 'nowhere.inc': not found in ./, ${LIB}/, ${USER}/`);
    expect(vmmlab(['debug', '-', '--batch'], dir, consoleProbe)).toEqual({
      code: 2, stdout: '', stderr: "vmmlab: error: debug reads its commands from stdin: give the program as a file, not '-'\n",
    });
  });

  it('case 7: asm - writes the image to stdout (or to -o), and run - and disasm - take an image too', () => {
    const dir = folder('stdin-asm', { 'local.inc': '.include "console.inc"\n' });
    const asm = vmmlab(['asm', '-'], dir, consoleProbe);
    expect(asm.stderr).toBe('');
    expect(asm.code).toBe(0);
    expect(JSON.parse(asm.stdout)).toMatchObject({ format: 'vmmlab-image' });
    expect(vmmlab(['run', '-'], dir, asm.stdout)).toEqual({ code: 0, stdout: 'no console input\n', stderr: '' });
    expect(vmmlab(['disasm', '-'], dir, asm.stdout).stdout).toMatch(/^_start:$/m);
    expect(vmmlab(['asm', '-', '-o', 'probe.img'], dir, consoleProbe)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.readFileSync(path.join(dir, 'probe.img'), 'utf8')).toBe(asm.stdout);
    expect(vmmlab(['asm', '-', '--listing'], dir, consoleProbe)).toEqual({
      code: 2, stdout: '', stderr: 'vmmlab: error: --listing and the image would both go to stdout: give the image a file with -o\n',
    });
  });

  it('case 8: exp - reads the study from stdin, its modules from the current folder; its errors name <stdin>', () => {
    const dir = folder('stdin-exp', { 'mine.s': userProgram('mine') });
    const study = JSON.stringify({ name: 'piped', workloads: [{ name: 'mine', modules: ['mine.s'] }], grid: { mode: ['native', 'ept'] }, memory: '2M' });
    const r = vmmlab(['exp', '-', '--jobs', '1', '--no-progress', '--json', '-', '--quiet'], dir, study);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { study: { name: string }; cells: { console: string }[] };
    expect(result.study.name).toBe('piped');
    expect(result.cells.map((c) => c.console)).toEqual(['mine\n', 'mine\n']);
    const bad = vmmlab(['exp', '-', '--no-progress'], dir, '{"workloads": [], "memorry": 1}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("<stdin>: error: /memorry: unknown key 'memorry'");
    expect(vmmlab(['exp', '-'], dir, '{"workloads": [').stderr).toMatch(/^<stdin>:1:\d+: error: /m);
  });
});

/**
 * The commands of a README's ```console blocks (`$ ` lines), each with the output shown after it
 * and the exit status it must end with: 0, or N when its output ends with a line `[exit status N]`.
 */
function readmeCommands(readme: string): { command: string; expected: string[]; status: number }[] {
  const commands: { command: string; expected: string[]; status: number }[] = [];
  for (const block of readme.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1]!.replace(/\n$/, '').split('\n')) {
      const status = /^\[exit status (\d+)\]$/.exec(line);
      if (line.startsWith('$ ')) commands.push({ command: line.slice(2), expected: [], status: 0 });
      else if (status) commands.at(-1)!.status = Number(status[1]);
      else commands.at(-1)!.expected.push(line);
    }
  }
  return commands;
}

/**
 * Whether output lines match expected ones: a line `…` stands for any lines (none included), a
 * `…` inside a line for any text; everything else is exact.
 */
function matchesShown(expected: readonly string[], actual: readonly string[]): boolean {
  const linePattern = (e: string) => new RegExp(`^${e.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const patterns = expected.map((e) => (e === '…' ? undefined : linePattern(e)));
  const memo = new Map<string, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    let ok: boolean;
    if (i === patterns.length) ok = j === actual.length;
    else if (patterns[i] === undefined) ok = from(i + 1, j) || (j < actual.length && from(i, j + 1));
    else ok = j < actual.length && patterns[i]!.test(actual[j]!) && from(i + 1, j + 1);
    memo.set(key, ok);
    return ok;
  };
  return from(0, 0);
}

describe('vmmlab init', () => {
  it('case 9: makes a starter folder whose README commands all run as shown: asm, run in each mode, debug --batch, exp', () => {
    const dir = path.join(tmp, 'my folder');
    const made = vmmlab(['init', dir], tmp);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^vmmlab: made .*my folder: /);
    expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'pager.js', 'paging.dbg', 'paging.s', 'study.json', 'study.schema.json', 'sum.s']);
    const study = JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')) as { $schema: string };
    expect(study.$schema).toBe('./study.schema.json');
    expect(fs.readFileSync(path.join(dir, 'study.schema.json'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'schemas/study.schema.json'), 'utf8'));
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/\{\{/);
    expect(readme).toMatch(/^# my folder: /);

    const commands = readmeCommands(readme);
    const shown = commands.map((c) => c.command).join('\n');
    for (const needed of [/^npx vmmlab asm /m, /^npx vmmlab run paging\.s$/m, /--mode shadow$/m, /--mode ept/m, /--module sum\.s/m, /^npx vmmlab debug .*--batch/m, /^npx vmmlab exp study\.json/m, /^npx vmmlab run - /m, /--pager pager\.js/m, /^npx vmmlab check-pager pager\.js/m]) {
      expect(shown).toMatch(needed);
    }
    // `npx vmmlab` is this checkout's command here; everything else runs as written, in a shell.
    const vmmlabHere = `'${process.execPath}' '${BIN}'`;
    for (const { command, expected, status } of commands) {
      expect(command.startsWith('npx vmmlab '), command).toBe(true);
      const r = spawnSync('sh', ['-c', command.replace(/^npx vmmlab /, `${vmmlabHere} `)], { cwd: dir, input: '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
      const lines = (r.stdout + r.stderr).split('\n');
      if (lines.at(-1) === '') lines.pop();
      expect({ command, status: r.status, matches: matchesShown(expected, lines) }, `${command}\n--- shown:\n${expected.join('\n')}\n--- got:\n${lines.join('\n')}`)
        .toEqual({ command, status, matches: true });
    }
  });

  it('case 10: refuses a folder that is not empty (exit 1, nothing written) unless --force; makes missing parents', () => {
    const dir = folder('busy', { 'notes.txt': 'mine\n' });
    const r = vmmlab(['init', 'busy'], tmp);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "vmmlab: error: 'busy' is not empty (notes.txt): give an empty or new folder, or --force to write into it\n" });
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(vmmlab(['init', 'busy', '--force'], tmp).code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'notes.txt', 'pager.js', 'paging.dbg', 'paging.s', 'study.json', 'study.schema.json', 'sum.s']);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');

    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(vmmlab(['init', 'empty'], tmp).code).toBe(0);
    expect(vmmlab(['init', 'deep/er/folder'], tmp).code).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'deep/er/folder/sum.s'))).toBe(true);
    fs.writeFileSync(path.join(tmp, 'a-file'), '');
    expect(vmmlab(['init', 'a-file'], tmp)).toEqual({ code: 1, stdout: '', stderr: "vmmlab: error: 'a-file' exists and is not a folder\n" });
    expect(vmmlab(['init'], tmp)).toEqual({ code: 2, stdout: '', stderr: 'vmmlab: error: init takes one folder to make (see vmmlab init --help)\n' });
    const help = vmmlab(['init', '--help'], tmp);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vmmlab init DIR \[--force\]\n/);
    expect(vmmlab(['--help'], tmp).stdout).toMatch(/^  init DIR +make a starter folder/m);
  });
});
