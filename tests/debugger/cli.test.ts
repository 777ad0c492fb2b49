// `vmmlab debug` end to end (a real process reading commands from stdin with --batch), -x and
// source scripts, the command line's errors, tab completion, and the history file.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { complete } from '../../debugger/commands.ts';
import { appendHistory, historyFile, loadHistory, HISTORY_LINES } from '../../cli/commands/debug-repl.ts';
import { KERNEL, REPO, kernelArgs, live, outputOf, session } from './helpers.ts';

function vmmlab(args: string[], input: string) {
  return spawnSync(process.execPath, [path.join(REPO, 'bin/vmmlab.js'), ...args], { input, encoding: 'utf8', cwd: REPO, env: { ...process.env, NO_COLOR: '1' } });
}

describe('vmmlab debug (a process)', () => {
  it('reads commands from stdin with --batch, plain text, exit 1 after a failed command', () => {
    const r = vmmlab(['debug', 'guest-programs/kernel/kernel.s', '--module', 'sbrkchurn.s:1', '--memory', '4M', '--mode', 'ept', '--batch'], 'break scheduler\ncontinue\nbogus\ndelete\nc\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/^vmmlab debug: guest-programs\/kernel\/kernel\.s, ept \(vm0\); stopped before the first instruction/);
    expect(outputOf(r.stdout, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <scheduler>\n/);
    expect(outputOf(r.stdout, 'bogus')).toBe("error: unknown command 'bogus' (try 'help')");
    expect(r.stdout).toMatch(/sbrkchurn: 1 rounds 1 pages checksum/);
    expect(r.status).toBe(1);
  });

  it('a --machine file sets the VMs and the host, as for run (its vpid and quantum)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-debug-'));
    const file = path.join(dir, 'machine.json');
    fs.writeFileSync(file, JSON.stringify({ vms: [{ name: 'a', mode: 'ept' }, { name: 'b', mode: 'shadow' }], vpid: true, quantum: 5000 }));
    const r = vmmlab(['debug', 'guest-programs/hello.s', '--machine', file, '--batch'], 'mode\n');
    expect(outputOf(r.stdout, 'mode')).toContain('VM a (1 of 2), VPID on, quantum 5,000');
    expect(r.status).toBe(0);
  });

  it('runs -x FILE first, then stdin; quit ends with 0; --help and bad command lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-debug-'));
    const script = path.join(dir, 'start.gdb');
    fs.writeFileSync(script, '# a comment\nbreak kvminit\ncontinue\n');
    const r = vmmlab(['debug', KERNEL, '--module', 'sbrkchurn.s', '--memory', '4M', '-x', script, '--batch'], 'regs\nquit\nstep\n');
    expect(r.stdout).toMatch(/> # a comment\n[^\n]*> break kvminit\nbreakpoint 1: breakpoint at 0x[0-9a-f]{8} <kvminit>\n/);
    expect(outputOf(r.stdout, 'regs')).toMatch(/^pc 0x[0-9a-f]{8} <kvminit>/);
    expect(r.stdout).not.toMatch(/> step$/m);
    expect(r.status).toBe(0);
    expect(vmmlab(['debug', '--help'], '').stdout).toMatch(/^Usage: vmmlab debug FILE\.s\|IMAGE \[options\][\s\S]*-x FILE[\s\S]*--mode native\|shadow\|ept/);
    const bad = vmmlab(['debug'], '');
    expect(bad.stderr).toBe('vmmlab: error: debug needs a program file (see vmmlab debug --help)\n');
    expect(bad.status).toBe(2);
    expect(vmmlab(['--help'], '').stdout).toMatch(/debug FILE\.s\|IMAGE +the debugger/);
  });
});

describe('debug: scripts, completion, history', () => {
  it('source runs a file; a missing one is one error line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-debug-'));
    const file = path.join(dir, 'cmds');
    fs.writeFileSync(file, 'step 2\nregs\n');
    const { output } = await session(kernelArgs(), `source ${file}\nsource ${path.join(dir, 'nope')}\n`);
    expect(output).toMatch(/> step 2\n0x00001008 <_start\+8>/);
    expect(outputOf(output, `source ${path.join(dir, 'nope')}`)).toMatch(/^error: cannot read '.*nope': no such file$/);
  });

  it('completes commands, subcommands and symbols', () => {
    const { dbg } = live(kernelArgs());
    expect(complete(dbg, 'rev')).toEqual([['reverse-continue', 'reverse-step', 'reverse-stepi'], 'rev']);
    expect(complete(dbg, 'break on p')).toEqual([['pagefault', 'ptbr-write'], 'p']);
    expect(complete(dbg, 'break sched')).toEqual([['sched_last', 'scheduler'], 'sched']);
    expect(complete(dbg, 'until sbrkchurn:ma')).toEqual([['sbrkchurn:main'], 'sbrkchurn:ma']);
    expect(complete(dbg, 'pt e')).toEqual([['ept'], 'e']);
    expect(complete(dbg, 'translate 0x1000 f')).toEqual([['fetch'], 'f']);
  });

  it('keeps history in $VMMLAB_HISTORY, trimmed to the last lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-history-'));
    const file = path.join(dir, 'h');
    expect(historyFile({ VMMLAB_HISTORY: file })).toBe(file);
    expect(historyFile({})).toBe(path.join(os.homedir(), '.vmmlab_history'));
    expect(loadHistory(file)).toEqual([]);
    for (let i = 0; i < HISTORY_LINES + 5; i++) appendHistory(file, `step ${i}`);
    appendHistory(file, '   ');
    const lines = loadHistory(file);
    expect(lines).toHaveLength(HISTORY_LINES);
    expect(lines[lines.length - 1]).toBe(`step ${HISTORY_LINES + 4}`);
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(HISTORY_LINES);
  });
});
