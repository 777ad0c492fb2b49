// The kernel's read() system call and console input (guest-programs/kernel/consolein.s), with
// echo.s and small programs written here, natively, under shadow paging and under EPT: the same
// console output, exit code and instruction count in all three (STYLE.md lesson 8). The input
// is queued before the run, as `vmmlab run` queues piped stdin (then a ^D, the end of input).
// After every run that powers off, every frame is back on the free list.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../assembler/index.ts';
import { assemble, assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import { Machine } from '../../emulator/machine.ts';
import type { Stats } from '../../emulator/stats.ts';
import type { Image } from '../../isa/image.ts';
import { Vmm } from '../../hypervisor/vmm.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USER_DIR = path.join(repo, 'guest-programs/user');
const EOF = '\x04';
const INPUT_BUF = 1024;
const CAUSE_DEVICE_INTERRUPT = 17;

type Env = 'native' | 'shadow' | 'ept';
const ENVS: readonly Env[] = ['native', 'shadow', 'ept'];

function orThrow(result: ReturnType<typeof assemble>): Image {
  if (!result.image) throw new Error(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  return result.image;
}

let kernel: Image;
const images = new Map<string, Image>();

/** A bundled user program by name, or a program given as source (named `name`). */
function module(spec: string, source?: string): BootModule {
  const [name, args] = spec.split(':') as [string, string | undefined];
  let image = images.get(name);
  if (!image) {
    image = source === undefined
      ? orThrow(assembleFile(path.join(USER_DIR, `${name}.s`), { origin: USER_ORIGIN }))
      : orThrow(assemble(source, { file: path.join(USER_DIR, `${name}.s`), origin: USER_ORIGIN }));
    images.set(name, image);
  }
  return { name, image, args: args ? args.split(',').map(Number) : [] };
}

function symbol(name: string): number {
  return kernel.symbols.find((s) => s.name === name)!.address;
}

interface Run {
  env: Env;
  reason: string;
  exitCode: number;
  instructions: number;
  out: string;
  stats: Stats;
  kernelWord(name: string): number;
}

/**
 * Boot the kernel with modules in one environment; the input is queued first, or once
 * `inputAt` instructions have retired (as a terminal's input arrives during a run). A machine
 * stopped in wfi then runs again, its wfi not retired.
 */
function boot(env: Env, modules: readonly BootModule[], input: string | Uint8Array, maxInstructions = 5_000_000, inputAt = 0): Run {
  const memoryBytes = 4 * 1024 * 1024;
  if (env === 'native') {
    const machine = new Machine({ memoryBytes });
    machine.boot(kernel, modules);
    if (inputAt > 0) machine.run(inputAt);
    machine.devices.console.feed(input);
    const r = machine.run(maxInstructions - inputAt);
    return {
      env, reason: r.reason, exitCode: r.exitCode, instructions: r.instructions, out: machine.devices.console.drainText(),
      stats: machine.stats, kernelWord: (name) => machine.mem.readWord(symbol(name)) >>> 0,
    };
  }
  const vmm = new Vmm({ hostMemoryBytes: 16 * 1024 * 1024 });
  const { vm } = vmm.addVm({ name: 'vm', mode: env, memoryBytes, kernel, modules });
  if (inputAt > 0) vmm.runSlice(vm, inputAt);
  vm.devices.console.feed(input);
  vmm.resumeFromWfi(vm); // if it stopped waiting for input (as Session.runAsync does at a terminal)
  const [r] = vmm.run(maxInstructions);
  return {
    env, reason: r!.reason, exitCode: r!.exitCode, instructions: r!.instructions, out: vm.devices.console.drainText(),
    stats: vm.stats, kernelWord: (name) => (vm.readWord(symbol(name)) ?? 0) >>> 0,
  };
}

/** The same run in the three environments; they must agree on everything the guest sees. */
function everywhere(modules: readonly BootModule[], input: string | Uint8Array, maxInstructions?: number, inputAt?: number): Run {
  const runs = ENVS.map((env) => boot(env, modules, input, maxInstructions, inputAt));
  const [native, ...vms] = runs;
  for (const vm of vms) {
    expect({ env: native!.env, reason: vm.reason, exitCode: vm.exitCode, out: vm.out, instructions: vm.instructions }, vm.env)
      .toEqual({ env: native!.env, reason: native!.reason, exitCode: native!.exitCode, out: native!.out, instructions: native!.instructions });
    expect(vm.stats.traps, `${vm.env}: traps`).toEqual(native!.stats.traps);
  }
  return native!;
}

/** primes.s's line, computed here (as tests/kernel/kernel.test.ts does). */
function primesLine(n: number): string {
  let count = 0;
  let h = 0;
  for (let p = 2; p < n; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (prime) {
      count++;
      h = (Math.imul(h, 31) + p) >>> 0;
    }
  }
  return `primes: ${count} below ${n} checksum 0x${h.toString(16).padStart(8, '0')}`;
}

function expectNoLeak(run: Run): void {
  expect(run.kernelWord('kmem_nfree')).toBe((run.kernelWord('phystop') - run.kernelWord('freestart')) / 4096);
}

beforeAll(() => {
  kernel = orThrow(assembleFile(path.join(repo, 'guest-programs/kernel/kernel.s')));
});

describe('read: echo.s in every environment', () => {
  it('case 1: answers a line; the same output and instruction count natively, under shadow and EPT', () => {
    const run = everywhere([module('echo')], `hello, TV32\n${EOF}`);
    expect(run.reason).toBe('halted');
    expect(run.exitCode).toBe(0);
    expect(run.out).toBe('you said: hello, TV32\n');
    // The input was there from the start: one device interrupt took it all.
    expect(run.stats.traps[CAUSE_DEVICE_INTERRUPT]).toBe(1);
    expectNoLeak(run);
  });

  it('case 2: read returns one line at a time; a partial last line, then the end of input', () => {
    const run = everywhere([module('echo:5')], `one\ntwo\nthree${EOF}`);
    expect(run.out).toBe('you said: one\nyou said: two\nyou said: three\necho: end of input\n');
    expect(run.exitCode).toBe(0);
    expectNoLeak(run);
  });

  it('case 3: a ^D first in line is the end of input: read returns 0', () => {
    const run = everywhere([module('echo:2')], `${EOF}unread\n`);
    expect(run.out).toBe('echo: end of input\n');
    expectNoLeak(run);
  });

  it('case 4: a line longer than the reader asks for comes in pieces (read returns at most len)', () => {
    const line = 'z'.repeat(250);
    const run = everywhere([module('echo:3')], `${line}\n${EOF}`);
    expect(run.out).toBe(`you said: ${line.slice(0, 120)}\nyou said: ${line.slice(120, 240)}\nyou said: ${line.slice(240)}\n`);
    expectNoLeak(run);
  });

  it('case 5: two readers take a line each, in the order they asked', () => {
    const run = everywhere([module('echo'), module('echo')], `first\nsecond\n${EOF}`);
    expect(run.out).toBe('you said: first\nyou said: second\n');
    expectNoLeak(run);
  });

  it('case 6: a reader sleeps while another process computes; input arriving later wakes it', () => {
    const run = everywhere([module('primes:3000'), module('echo')], `late\n${EOF}`, 5_000_000, 40_000);
    // echo answers before primes (still computing at instruction 40,000) prints its line.
    expect(run.out).toBe(`you said: late\n${primesLine(3000)}\n`);
    expectNoLeak(run);
  });

  it('case 7: a reader alone waits in wfi with the timer off (no instructions run) until input comes', () => {
    const late = everywhere([module('echo')], `late\n${EOF}`, 5_000_000, 1_000_000);
    expect(late.out).toBe('you said: late\n');
    expect(late.reason).toBe('halted');
    // Waiting cost no instructions: the run is as long as with the input there from the start.
    const early = boot('native', [module('echo')], `late\n${EOF}`);
    expect(late.instructions).toBeLessThan(early.instructions + 1_000);
  });

  it('case 8: with no input at all a reader waits for ever: wfi with the timer off, reported as a deadlock', () => {
    const run = everywhere([module('echo')], '');
    expect(run.reason).toBe('wfi-deadlock');
    expect(run.out).toBe('');
  });
});

describe('read: the system call itself', () => {
  // Each read's result, printed in order: len < 0, len = 0, a buffer outside user memory (the
  // input stays buffered), then a good read of the line.
  const READS = `.include "ulib.inc"
    USE_READ
main:
    addi sp, sp, -4
    sw ra, 0(sp)
    la a0, buf
    li a1, -1
    call read
    call show
    la a0, buf
    li a1, 0
    call read
    call show
    li a0, 0x10                     ; below USER_BASE: not user memory
    li a1, 4
    call read
    call show
    la a0, buf
    li a1, 64
    call read
    mv s0, a0
    call show
    la a0, buf
    mv a1, s0
    call write
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret
show:                               ; a0 as a signed number and a blank
    addi sp, sp, -4
    sw ra, 0(sp)
    bge a0, zero, 1f
    neg a0, a0
    mv s1, a0
    li a0, '-'
    call out_char
    mv a0, s1
1:  call out_udec
    li a0, ' '
    call out_char
    call out_flush
    lw ra, 0(sp)
    addi sp, sp, 4
    ret
    .align 4
buf: .space 64
`;

  it('case 9: -1 for len < 0 and a bad buffer (which loses no input), 0 for len = 0', () => {
    const run = everywhere([module('reads', READS)], `abc\n${EOF}`);
    expect(run.out).toBe('-1 0 -1 4 abc\n');
    expect(run.exitCode).toBe(0);
    expectNoLeak(run);
  });

  it('case 10: input beyond the kernel buffer is dropped and counted; the reader then waits for the rest of its line', () => {
    const run = everywhere([module('echo:20')], `${'q'.repeat(INPUT_BUF + 100)}\n${EOF}`);
    expect(run.kernelWord('cons_dropped')).toBe(102); // the rest of the q's, the newline and the ^D
    // echo answers full pieces of 120 bytes; the last 64 wait in its buffer for a newline.
    expect(run.out).toBe(`you said: ${'q'.repeat(120)}\n`.repeat(Math.floor(INPUT_BUF / 120)));
    expect(run.reason).toBe('wfi-deadlock');
  });
});
