// The `vmmlab` command as a user runs it: real processes through bin/vmmlab.js, checking stdout,
// stderr and exit codes. No stack trace may ever reach the user.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-cli-'));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function vmmlab(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Ran {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function noStackTrace(r: Ran): void {
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  expect(r.stderr).not.toMatch(/internal error/);
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('vmmlab run: the bare-metal guest programs', () => {
  it('case 1: hello prints its greeting and exits 0', () => {
    const r = vmmlab(['run', 'guest-programs/hello.s']);
    expect(r.stdout).toBe('Hello from TV32!\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('case 2: fib prints the first 20 Fibonacci numbers', () => {
    const r = vmmlab(['run', 'guest-programs/fib.s']);
    const fib = [0, 1];
    while (fib.length < 20) fib.push(fib.at(-1)! + fib.at(-2)!);
    expect(r.stdout.trim().split(/\s+/).map(Number)).toEqual(fib);
    expect(r.code).toBe(0);
  });

  it('case 3: sieve counts 1229 primes below 10000', () => {
    const r = vmmlab(['run', 'guest-programs/sieve.s']);
    expect(r.stdout).toContain('1229');
    expect(r.code).toBe(0);
  });

  it('case 4: traps takes a syscall, an illegal instruction and a misaligned load and returns from each', () => {
    const r = vmmlab(['run', 'guest-programs/traps.s']);
    expect(r.stdout).toBe('trap: cause 2\ntrap: cause 0\ntrap: cause 5, badva 0x00001002\nall traps handled\n');
    expect(r.code).toBe(0);
  });

  it('case 5: the same programs give the same output under shadow paging and EPT', () => {
    for (const program of ['hello', 'fib', 'sieve', 'traps']) {
      const native = vmmlab(['run', `guest-programs/${program}.s`]);
      for (const mode of ['shadow', 'ept']) {
        const r = vmmlab(['run', `guest-programs/${program}.s`, '--mode', mode]);
        expect(r.stdout, `${program} ${mode}`).toBe(native.stdout);
        expect(r.code, `${program} ${mode}`).toBe(native.code);
      }
    }
  });
});

describe('vmmlab run: statistics and stopping', () => {
  it('case 1: --json - puts the statistics on stdout and the console on stderr', () => {
    const r = vmmlab(['run', 'guest-programs/hello.s', '--json', '-']);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ reason: 'halted', exitCode: 0 });
    expect(json.instructions).toBeGreaterThan(0);
    expect(json.cycles).toBeGreaterThan(json.instructions);
    expect(json.stats.instructions).toBe(json.instructions);
    expect(r.stderr).toBe('Hello from TV32!\n');
  });

  it('case 2: --stats prints a readable table on stderr', () => {
    const r = vmmlab(['run', 'guest-programs/sieve.s', '--stats']);
    expect(r.stderr).toMatch(/instructions\s+[\d,]+/);
    expect(r.stderr).toMatch(/cycles\s+[\d,]+/);
    expect(r.code).toBe(0);
  });

  it('case 3: a runaway guest stops at its budget with a message and exit code 124', () => {
    const spin = write('spin.s', '_start: j _start\n');
    const r = vmmlab(['run', spin, '--max-instructions', '1000', '--json', path.join(tmp, 'spin.json')]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/budget of 1,000 instructions/);
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'spin.json'), 'utf8'));
    expect(json).toMatchObject({ reason: 'max-instructions', instructions: 1000 });
  });

  it('case 4: a guest whose trap handler faults stops with a trap loop, not a hang (exit 126)', () => {
    const bad = write('bad.s', '_start:\n    lw a0, 3(zero)\n');
    const r = vmmlab(['run', bad]);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/trap loop/);
    noStackTrace(r);
  });

  it('case 5: wfi with no interrupt source stops with exit code 125', () => {
    const r = vmmlab(['run', write('wfi.s', '_start:\n    wfi\n')]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/wfi/);
  });

  it('case 6: the exit code is the guest power-off code', () => {
    const r = vmmlab(['run', write('exit7.s', '_start:\n    li t0, 0xF0000010\n    li t1, 7\n    sw t1, 0(t0)\n')]);
    expect(r.code).toBe(7);
  });
});

describe('vmmlab asm and disasm', () => {
  it('case 1: three different mistakes give three located errors, the source lines and exit 1', () => {
    const file = write('three.s', '_start:\n    ad a0, a0, a1\n    addi a0, a0, 300000\n    beq a0, zero, nowhere\n');
    const r = vmmlab(['asm', file]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => / error: /.test(l) && l.startsWith(file));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/three\.s:2:5: error: unknown instruction 'ad'/);
    expect(errors[1]).toMatch(/three\.s:3:\d+: error: immediate 300000 out of range -131072\.\.131071/);
    expect(errors[2]).toMatch(/three\.s:4:\d+: error: undefined symbol 'nowhere'/);
    expect(r.stderr).toContain('    addi a0, a0, 300000');
    noStackTrace(r);
  });

  it('case 2: -o writes an image that run and disasm accept; --listing prints addresses and words', () => {
    const image = path.join(tmp, 'hello.img');
    const asm = vmmlab(['asm', 'guest-programs/hello.s', '-o', image, '--listing']);
    expect(asm.code).toBe(0);
    expect(asm.stdout).toMatch(/^0000[0-9a-f]{4}  [0-9a-f]{8}  /m);
    expect(vmmlab(['run', image]).stdout).toBe('Hello from TV32!\n');
    const dis = vmmlab(['disasm', image]);
    expect(dis.code).toBe(0);
    expect(dis.stdout).toMatch(/^_start:$/m);
    expect(dis.stdout).toMatch(/jal ra, /);
  });

  it('case 4: a program that does not fit in memory is one clear error, natively and in a VM', () => {
    const far = write('far.s', '.org 0x800000\n_start: nop\n');
    for (const mode of ['native', 'ept']) {
      const r = vmmlab(['run', far, '--memory', '4M', '--mode', mode]);
      expect(r.code, mode).toBe(1);
      expect(r.stderr, mode).toBe('vmmlab: error: segment at 0x800000 (4 bytes) does not fit in 4194304 bytes of memory\n');
    }
  });

  it('case 3: a file that is not an image is one clear error', () => {
    const r = vmmlab(['run', write('junk.img', 'not an image')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a vmmlab image/);
  });
});

describe('command-line errors and help', () => {
  it('case 1: every command has --help', () => {
    for (const command of ['run', 'asm', 'disasm']) {
      const r = vmmlab([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(/^Usage: vmmlab /);
    }
    expect(vmmlab(['--help']).stdout).toMatch(/Commands:/);
  });

  it('case 2: an unknown command, an unknown option and a missing file are one line each', () => {
    for (const args of [['frobnicate'], ['run', 'guest-programs/hello.s', '--bogus'], ['run', 'no-such-file.s'], ['run', 'guest-programs/hello.s', '--mode', 'warp']]) {
      const r = vmmlab(args);
      expect(r.code, args.join(' ')).toBeGreaterThan(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      noStackTrace(r);
    }
  });

  it('case 3: no colour codes when NO_COLOR is set or output is not a terminal', () => {
    const r = vmmlab(['asm', write('err.s', '_start:\n    frob\n')]);
    expect(r.stderr).not.toMatch(/\x1b\[/);
  });
});

describe('the kernel with boot modules', () => {
  it('case 1: primes, memwalk and ctxswitch run to completion, interleaved, exit 0, in each mode', () => {
    const args = ['run', 'guest-programs/kernel/kernel.s', '--module', 'primes.s', '--module', 'memwalk.s:256,4096,10', '--module', 'ctxswitch.s', '--json', '-'];
    let nativeConsole = '';
    for (const mode of ['native', 'shadow', 'ept']) {
      const r = vmmlab([...args, '--mode', mode]);
      expect(r.code, mode).toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines.some((l) => l.startsWith('primes:')), mode).toBe(true);
      expect(lines.some((l) => l.startsWith('memwalk:')), mode).toBe(true);
      expect(lines.some((l) => l.startsWith('ctxswitch:')), mode).toBe(true);
      if (mode === 'native') nativeConsole = r.stderr;
      else expect(r.stderr, mode).toBe(nativeConsole);
      const stats = JSON.parse(r.stdout).stats;
      for (const key of ['tlb.hits', 'tlb.misses', 'walk.walks', 'walk.refs', 'faults.page', 'ptbrWrites']) {
        const value = key.split('.').reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, stats);
        expect(typeof value, `${mode} ${key}`).toBe('number');
      }
      if (mode === 'shadow') expect(stats.exits.byReason['ptbr-write']).toBeGreaterThan(0);
      if (mode === 'ept') expect(stats.exits.byReason['ptbr-write']).toBeUndefined();
    }
  });

  it('case 2: a smaller TLB misses more, a larger one less', () => {
    const misses = [8, 64, 512].map((entries) => {
      const r = vmmlab(['run', 'guest-programs/kernel/kernel.s', '--module', 'memwalk.s:128,4096,4', '--tlb-entries', String(entries), '--tlb-ways', String(Math.min(entries, 8)), '--json', '-']);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).stats.tlb.misses as number;
    });
    expect(misses[0]).toBeGreaterThan(misses[1]!);
    expect(misses[1]).toBeGreaterThan(misses[2]!);
  });

  it('case 3: several VMs share one host, each console line prefixed with its VM', () => {
    const r = vmmlab(['run', 'guest-programs/kernel/kernel.s', '--vm', 'a mode=shadow module=primes.s', '--vm', 'b mode=ept module=ctxswitch.s:20', '--memory', '8M', '--json', path.join(tmp, 'vms.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[a\] primes: /m);
    expect(r.stdout).toMatch(/^\[b\] ctxswitch: /m);
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'vms.json'), 'utf8'));
    expect(json.vms.map((v: { name: string; mode: string }) => `${v.name}:${v.mode}`)).toEqual(['a:shadow', 'b:ept']);
    expect(json.stats.vms.a.exits.total).toBeGreaterThan(0);
    expect(json.stats.total.instructions).toBe(json.stats.vms.a.instructions + json.stats.vms.b.instructions);
  });

  it('case 4: a --machine file lists the VMs and may set VPIDs, the quantum and the host memory', () => {
    const file = write('machine.json', JSON.stringify({
      vpid: true, quantum: 5000, hostMemory: '64M',
      vms: [
        { name: 'a', mode: 'shadow', memory: '8M', kernel: 'guest-programs/kernel/kernel.s', modules: ['primes.s'] },
        { name: 'b', mode: 'ept', memory: '8M', kernel: 'guest-programs/kernel/kernel.s', modules: ['ctxswitch.s:10'] },
      ],
    }));
    const r = vmmlab(['run', '--machine', file, '--json', '-']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.vms.map((v: { name: string; reason: string }) => `${v.name}:${v.reason}`)).toEqual(['a:halted', 'b:halted']);
    expect(json.stats.host.frames).toBe(16384);
    expect(json.stats.vms.a.vmSwitchFlushes + json.stats.vms.b.vmSwitchFlushes).toBe(0);
    // The same VMs without VPIDs: every switch to the other VM flushes the TLB.
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    const plain = write('machine-novpid.json', JSON.stringify({ ...spec, vpid: false }));
    const flushed = JSON.parse(vmmlab(['run', '--machine', plain, '--json', '-']).stdout);
    expect(flushed.stats.vms.a.vmSwitchFlushes + flushed.stats.vms.b.vmSwitchFlushes).toBeGreaterThan(0);
  });
});
