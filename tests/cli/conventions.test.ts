// The conventions a user expects of a command line (issue 10 §4): `help COMMAND`, a hint for a
// misspelt option or command, lower-case one-line messages, bare `vmmlab` as a usage error,
// NO_COLOR and FORCE_COLOR as no-color.org and Node read them, and a listing that keeps labels
// standing on a line of their own. Real processes through bin/vmmlab.js, with the colour
// variables set exactly as each case says.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useColor } from '../../cli/format.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-conventions-'));
afterAll(() => fs.rmSync(tmp, { recursive: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** vmmlab with NO_COLOR and FORCE_COLOR unset unless `colorEnv` sets them (NO_COLOR=1 by default). */
function vmmlab(args: string[], colorEnv: Record<string, string> = { NO_COLOR: '1' }): Ran {
  const env: Record<string, string | undefined> = { ...process.env, ...colorEnv };
  for (const name of ['NO_COLOR', 'FORCE_COLOR']) if (!(name in colorEnv)) delete env[name];
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], { cwd: root, encoding: 'utf8', input: '', env, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const ANSI = /\x1b\[/;

describe('help', () => {
  it('case 1: vmmlab help and vmmlab --help print the main help on stdout, exit 0', () => {
    const help = vmmlab(['help']);
    expect(help).toEqual({ code: 0, stdout: expect.stringMatching(/^vmmlab \S+: .*\n\nUsage: vmmlab COMMAND/), stderr: '' });
    expect(vmmlab(['--help'])).toEqual(help);
    expect(vmmlab(['help', 'help'])).toEqual(help);
  });

  it('case 2: vmmlab help COMMAND prints what COMMAND --help does', () => {
    for (const command of ['run', 'asm', 'disasm', 'debug', 'exp', 'check-pager', 'lab', 'dap']) {
      const help = vmmlab(['help', command]);
      expect(help.code, command).toBe(0);
      expect(help.stderr, command).toBe('');
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: vmmlab ${command} `));
      expect(vmmlab([command, '--help']), command).toEqual(help);
    }
  });

  it('case 3: exp merge --help is merge\'s own help, and help exp merge the same', () => {
    const merge = vmmlab(['exp', 'merge', '--help']);
    expect(merge.code).toBe(0);
    expect(merge.stdout).toMatch(/^Usage: vmmlab exp merge PART\.json… /);
    expect(merge.stdout).toMatch(/--partial/);
    expect(merge.stdout).not.toMatch(/^  --(workload|jobs|shard) /m);
    expect(merge.stdout).not.toBe(vmmlab(['exp', '--help']).stdout);
    expect(vmmlab(['help', 'exp', 'merge'])).toEqual(merge);
  });

  it('case 4: help of an unknown command is one line naming the commands, exit 2', () => {
    expect(vmmlab(['help', 'nosuch'])).toEqual({
      code: 2, stdout: '', stderr: "vmmlab: error: unknown command 'nosuch' (commands: run, asm, disasm, debug, exp, check-pager, init, lab, web, dap, help)\n",
    });
  });

  it('case 5: bare vmmlab prints the help on stderr only, exit 2', () => {
    const bare = vmmlab([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toBe(vmmlab(['help']).stdout);
  });
});

describe('unknown options and commands', () => {
  it('case 1: a misspelt option names the closest, lower-case, for every command', () => {
    const cases: [string[], string][] = [
      [['run', 'guest-programs/hello.s', '--tlb-entires', '8'], "unknown option '--tlb-entires'; did you mean '--tlb-entries'?"],
      [['debug', 'guest-programs/hello.s', '--bacth'], "unknown option '--bacth'; did you mean '--batch'?"],
      [['asm', 'guest-programs/hello.s', '--lisitng'], "unknown option '--lisitng'; did you mean '--listing'?"],
      [['disasm', '--hlep'], "unknown option '--hlep'; did you mean '--help'?"],
      [['exp', '--workload', 'primes.s', '--jbos', '2'], "unknown option '--jbos'; did you mean '--jobs'?"],
      [['exp', 'merge', 'a.json', '--partail'], "unknown option '--partail'; did you mean '--partial'?"],
      [['check-pager', 'shadow', '--onyl', 'pt-write'], "unknown option '--onyl'; did you mean '--only'?"],
    ];
    for (const [argv, message] of cases) {
      expect(vmmlab(argv), argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: `vmmlab: error: ${message}\n` });
    }
  });

  it('case 2: no hint when nothing is close; a single-dash word is compared with the long names', () => {
    expect(vmmlab(['exp', '--workload', 'primes.s', '--frobnicate']).stderr).toBe("vmmlab: error: unknown option '--frobnicate'\n");
    expect(vmmlab(['run', 'guest-programs/hello.s', '-z']).stderr).toBe("vmmlab: error: unknown option '-z'\n");
    expect(vmmlab(['run', 'guest-programs/hello.s', '-tlb-entries', '8']).stderr).toBe("vmmlab: error: unknown option '-tlb-entries'; did you mean '--tlb-entries'?\n");
  });

  it('case 3: the other option errors are lower-case and one line too', () => {
    const cases: [string[], string][] = [
      [['run', 'guest-programs/hello.s', '--memory'], "option '--memory' needs a value"],
      [['asm', 'guest-programs/hello.s', '-o'], "option '-o, --output' needs a value"],
      [['run', 'guest-programs/hello.s', '--stats=yes'], "option '--stats' takes no value"],
      [['exp', '--workload', 'primes.s', '--shard', '-1/2'], "option '--shard' needs a value, and '-1/2' reads as an option: write '--shard=-1/2'"],
    ];
    for (const [argv, message] of cases) {
      expect(vmmlab(argv), argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: `vmmlab: error: ${message}\n` });
    }
  });

  it('case 4: a misspelt command names the closest; no name inherited from Object is a command', () => {
    expect(vmmlab(['rnu']).stderr).toBe("vmmlab: error: unknown command 'rnu'; did you mean 'run'? (commands: run, asm, disasm, debug, exp, check-pager, init, lab, web, dap, help)\n");
    expect(vmmlab(['dissam']).stderr).toMatch(/^vmmlab: error: unknown command 'dissam'; did you mean 'disasm'\?/);
    for (const name of ['constructor', 'toString', '__proto__']) {
      expect(vmmlab([name]), name).toEqual({ code: 2, stdout: '', stderr: `vmmlab: error: unknown command '${name}' (commands: run, asm, disasm, debug, exp, check-pager, init, lab, web, dap, help)\n` });
    }
  });
});

describe('colour: NO_COLOR and FORCE_COLOR', () => {
  const terminal = { isTTY: true };
  const pipe = { isTTY: false };

  it('case 1: the order of precedence the main help gives', () => {
    const cases: [{ isTTY: boolean }, Record<string, string>, boolean][] = [
      [terminal, {}, true],
      [pipe, {}, false],
      [terminal, { TERM: 'dumb' }, false],
      [terminal, { NO_COLOR: '1' }, false],
      [terminal, { NO_COLOR: '' }, true], // empty counts as unset (no-color.org)
      [pipe, { FORCE_COLOR: '1' }, true],
      [pipe, { FORCE_COLOR: '3' }, true],
      [pipe, { FORCE_COLOR: 'true' }, true],
      [pipe, { FORCE_COLOR: '' }, true], // Node's reading: the empty string turns colour on
      [terminal, { FORCE_COLOR: '0' }, false],
      [terminal, { FORCE_COLOR: 'false' }, false],
      [pipe, { FORCE_COLOR: '1', TERM: 'dumb' }, true],
      [pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false], // NO_COLOR wins
      [pipe, { FORCE_COLOR: '1', NO_COLOR: '' }, true],
    ];
    for (const [stream, env, expected] of cases) expect(useColor(stream, env), `${stream.isTTY ? 'tty' : 'pipe'} ${JSON.stringify(env)}`).toBe(expected);
  });

  it('case 2: FORCE_COLOR colours an error into a pipe; NO_COLOR (not empty) or FORCE_COLOR=0 does not', () => {
    const error = (colorEnv: Record<string, string>) => vmmlab(['rnu'], colorEnv).stderr;
    expect(error({ FORCE_COLOR: '1' })).toMatch(/^\x1b\[31mvmmlab: error:\x1b\[0m unknown command 'rnu'/);
    expect(error({ FORCE_COLOR: '1', NO_COLOR: '' })).toMatch(ANSI);
    expect(error({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toMatch(ANSI);
    expect(error({ FORCE_COLOR: '0' })).not.toMatch(ANSI);
    expect(error({})).not.toMatch(ANSI);
  });

  it('case 3: FORCE_COLOR colours assembler diagnostics too', () => {
    const bad = path.join(tmp, 'bad.s');
    fs.writeFileSync(bad, '_start:\n    frob\n');
    expect(vmmlab(['asm', bad, '-o', path.join(tmp, 'bad.img')], { FORCE_COLOR: '1' }).stderr).toMatch(ANSI);
  });

  it('case 4: the main help says the precedence', () => {
    const help = vmmlab(['help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('NO_COLOR set to anything but the empty string turns it off, whatever else is set');
    expect(help).toContain('otherwise FORCE_COLOR turns it on even into a pipe or a file (FORCE_COLOR=0 or false turns it off)');
  });
});

describe('asm --listing', () => {
  it('case 1: a label on a line of its own is listed at its address', () => {
    const source = path.join(tmp, 'labels.s');
    fs.writeFileSync(source, [
      '_start:',
      '    li a0, 3',
      'loop:',
      '1:',
      '    addi a0, a0, -1',
      '    bnez a0, loop',
      'done: wfi',
      'msg:',
      '    .asciz "hi"',
      'end:',
      '',
    ].join('\n'));
    const r = vmmlab(['asm', source, '-o', path.join(tmp, 'labels.img'), '--listing']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      '00001000               _start:',
      '00001000  48c00003         li a0, 3',
      '00001004               loop:',
      '00001004               1:',
      '00001004  48cfffff         addi a0, a0, -1',
      '00001008  a4c3ffff         bnez a0, loop',
      '0000100c  f8000003     done: wfi',
      '00001010               msg:',
      '00001010  68 69 00         .asciz "hi"',
      '00001013               end:',
      '',
    ].join('\n'));
  });
});
