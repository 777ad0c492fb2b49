// `vmmlab run` with stdin as the guest console's input, as a user pipes it: the bundled kernel
// with echo.s natively, under shadow paging and under EPT. Piped input is read whole before the
// run, so the same input gives the same output and the same statistics every time, in every
// mode; an empty stdin queues nothing at all.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KERNEL = 'guest-programs/kernel/kernel.s';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function vmmlab(args: string[], input: string): Ran {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], {
    cwd: root, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run with --json -: the console goes to stderr, the statistics to stdout. */
function runJson(args: string[], input: string): { code: number; console: string; json: Record<string, any> } {
  const r = vmmlab([...args, '--json', '-'], input);
  return { code: r.code, console: r.stderr, json: JSON.parse(r.stdout) };
}

const MODES = ['native', 'shadow', 'ept'] as const;

describe('vmmlab run: stdin is the console input', () => {
  it.each(MODES)('case 1 (%s): echo.s answers the piped line and powers off with 0', (mode) => {
    const r = vmmlab(['run', KERNEL, '--module', 'echo.s', '--mode', mode], 'hello from stdin\n');
    expect(r.stdout).toBe('you said: hello from stdin\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('case 2: the same input gives the same output and instruction count in all three modes, and the same statistics twice', () => {
    const input = 'one\ntwo\nthree';
    const runs = MODES.map((mode) => runJson(['run', KERNEL, '--module', 'echo.s:5', '--mode', mode], input));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.console).toBe('you said: one\nyou said: two\nyou said: three\necho: end of input\n');
    }
    expect(new Set(runs.map((r) => r.json.instructions)).size).toBe(1);
    const again = runJson(['run', KERNEL, '--module', 'echo.s:5', '--mode', 'ept'], input);
    expect(again.json).toEqual(runs[2]!.json);
  });

  it('case 3: the end of piped input is the end of input for read (a ^D follows the last byte)', () => {
    const r = vmmlab(['run', KERNEL, '--module', 'echo.s:3'], 'only line\n');
    expect(r.stdout).toBe('you said: only line\necho: end of input\n');
    expect(r.code).toBe(0);
  });

  it('case 4: an empty stdin queues nothing: a program that never reads runs as with no input, a reader waits for ever (125)', () => {
    const primes = ['run', KERNEL, '--module', 'primes.s:100'];
    const empty = runJson(primes, '');
    const fed = runJson(primes, 'x');
    expect(empty.json.stats.interrupts).toBe(0);
    expect(fed.json.stats.traps['device-interrupt']).toBe(1);
    // With input waiting the kernel takes (and keeps) it: one device interrupt, a few more instructions.
    expect(fed.json.instructions).toBeGreaterThan(empty.json.instructions);
    const reader = vmmlab(['run', KERNEL, '--module', 'echo.s'], '');
    expect(reader.code).toBe(125);
    expect(reader.stderr).toMatch(/wfi.*no interrupt can ever come/);
  });

  it('case 5: with several VMs the input goes to the first', () => {
    const r = vmmlab(['run', KERNEL, '--vm', 'a mode=shadow module=echo.s', '--vm', 'b mode=ept module=primes.s:100', '--memory', '8M'], 'to a\n');
    expect(r.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(['[a] you said: to a', '[b] primes: 25 below 100 checksum 0xa661f5b4'].sort());
    expect(r.code).toBe(0);
  });

  it('case 6: --help says how stdin is connected and when a run is not reproducible', () => {
    const r = vmmlab(['run', '--help'], '');
    expect(r.stdout).toMatch(/stdin is the console's input/);
    expect(r.stdout).toMatch(/not reproducible/);
  });
});
