// The guest kernel (guest-programs/kernel/) and its workloads (guest-programs/user/), run whole on
// the bare-metal Machine through the TypeScript API. Each test boots the kernel with a set of
// modules, runs it to power-off and checks the console, the exit code, the machine's statistics
// and the kernel's own counters (read from guest memory at the kernel's symbols).
//
// Expected outputs are computed here independently of the guest code (the same folds in JS).
// Exit-code rule under test: 0 when no process was killed and every process without a parent to
// collect its status (boot modules, orphans) exited with 0; 1 otherwise; 255 on a kernel panic.
// After every run every frame must be back on the free list: the kernel frees page tables and
// frames on exit and on sbrk shrink.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN } from '../../emulator/boot.ts';
import { Machine, type RunResult } from '../../emulator/machine.ts';
import type { Image } from '../../isa/image.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KERNEL = path.join(repo, 'guest-programs/kernel/kernel.s');
const USER_DIR = path.join(repo, 'guest-programs/user');
const CAUSE_LOAD_PAGE_FAULT = 9;
const CAUSE_STORE_PAGE_FAULT = 10;

function assembleOrThrow(file: string, origin?: number): Image {
  const result = assembleFile(file, origin === undefined ? {} : { origin });
  if (!result.image) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.image;
}

let kernel: Image;
const programs = new Map<string, Image>();
function program(name: string): Image {
  let image = programs.get(name);
  if (!image) {
    image = assembleOrThrow(path.join(USER_DIR, `${name}.s`), USER_ORIGIN);
    programs.set(name, image);
  }
  return image;
}

function symbol(name: string): number {
  const s = kernel.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`kernel symbol ${name} missing`);
  return s.address;
}

interface Run {
  result: RunResult;
  out: string;
  machine: Machine;
  /** A kernel variable after the run. */
  kernelWord(name: string): number;
}

/** Boot the kernel with modules given as "name" or "name:1,2,3", run to completion. */
interface BootRunOptions {
  memoryBytes?: number;
  maxInstructions?: number;
  /** Set the kernel's shutdown_report flag. */
  report?: boolean;
  /** Boot-info word 6: the time slice the kernel should use. */
  timerInterval?: number;
}

function boot(specs: readonly string[], options: BootRunOptions = {}): Run {
  const machine = new Machine(options.memoryBytes ? { memoryBytes: options.memoryBytes } : {});
  machine.boot(
    kernel,
    specs.map((spec) => {
      const [name, args] = spec.split(':') as [string, string | undefined];
      return { name, image: program(name), args: args ? args.split(',').map(Number) : [] };
    }),
    options.timerInterval ? { timerInterval: options.timerInterval } : {},
  );
  if (options.report) machine.mem.writeWord(symbol('shutdown_report'), 1);
  const result = machine.run(options.maxInstructions ?? 20_000_000);
  const out = machine.devices.console.drainText();
  const kernelWord = (name: string) => machine.mem.readWord(symbol(name)) >>> 0;
  return { result, out, machine, kernelWord };
}

/** Every frame the allocator started with is free again. */
function expectNoLeak(run: Run): void {
  const frames = (run.kernelWord('phystop') - run.kernelWord('freestart')) / 4096;
  expect(run.kernelWord('kmem_nfree')).toBe(frames);
}

function expectHalted(run: Run, exitCode: number): void {
  expect(run.result.reason, run.out).toBe('halted');
  expect(run.result.exitCode, run.out).toBe(exitCode);
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

// ---- The workloads' results, computed independently.

function primesLine(n = 10000): string {
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
  return `primes: ${count} below ${n} checksum ${hex(h)}`;
}

/** The distinct heap pages memwalk touches, and its line. */
function memwalk(n = 256, stride = 4096, rounds = 10): { pages: number; line: string } {
  const words = new Map<number, number>();
  let sum = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const a = (i * stride) & ~3;
      const v = ((words.get(a) ?? 0) + i + r) | 0;
      words.set(a, v);
      sum = (sum + v) | 0;
    }
  }
  const pages = new Set([...Array(n).keys()].map((i) => Math.floor(((i * stride) & ~3) / 4096))).size;
  return { pages, line: `memwalk: ${n} x ${stride} x ${rounds} pages ${pages} checksum ${hex(sum)}` };
}

function forkstormLine(n = 20): string {
  let h = 0;
  for (let i = 1; i <= n; i++) h = (Math.imul(h, 31) + ((16 * i + 3) & 0xff)) >>> 0;
  return `forkstorm: ${n} children ok checksum ${hex(h)}`;
}

function ctxswitchLine(n = 200): string {
  let h = 0;
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + i) >>> 0;
  return `ctxswitch: 2 x ${n} yields checksum ${hex(h)}`;
}

function sbrkchurn(n = 100): { pages: number; line: string } {
  let pages = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = 1 + (i % 8);
    pages += k;
    for (let j = 0; j < k; j++) sum = (sum + i + j) | 0;
  }
  return { pages, line: `sbrkchurn: ${n} rounds ${pages} pages checksum ${hex(sum)}` };
}

const lines = (out: string) => out.split('\n').filter((l) => l !== '');

beforeAll(() => {
  kernel = assembleOrThrow(KERNEL);
});

describe('kernel: the workloads', () => {
  it('runs primes, memwalk and ctxswitch side by side to a clean power-off', () => {
    const run = boot(['primes', 'memwalk:256,4096,10', 'ctxswitch']);
    expectHalted(run, 0);
    expect(lines(run.out).sort()).toEqual([ctxswitchLine(), memwalk().line, primesLine()].sort());
    expect(run.result.instructions).toBeLessThan(20_000_000);
    expect(run.machine.stats.traps[16]).toBeGreaterThan(10); // the timer time-shared them
    expectNoLeak(run);
  });

  it.each([
    [['primes'], primesLine()],
    [['primes:1000'], primesLine(1000)],
    [['primes:2'], primesLine(2)],
    [['forkstorm'], forkstormLine()],
    [['ctxswitch:30'], ctxswitchLine(30)],
    [['sbrkchurn'], sbrkchurn().line],
  ])('%s prints its checksum and exits 0', (specs, expected) => {
    const run = boot(specs);
    expectHalted(run, 0);
    expect(run.out).toBe(expected + '\n');
    expectNoLeak(run);
  });
});

describe('kernel: demand paging', () => {
  it.each([
    [256, 4096, 10],
    [100, 1000, 3],
    [40, 8192, 2],
    [64, 6, 2],
    [3, 5000, 1],
  ])('memwalk:%i,%i,%i takes exactly one page fault per distinct heap page', (n, stride, rounds) => {
    const run = boot([`memwalk:${n},${stride},${rounds}`]);
    const expected = memwalk(n, stride, rounds);
    expectHalted(run, 0);
    expect(run.out).toBe(expected.line + '\n');
    // The stack's top page is mapped at creation and memwalk stays within it: every fault is
    // a heap page's first touch, and the kernel mapped exactly those.
    expect(run.machine.stats.pageFaults).toBe(expected.pages);
    expect(run.kernelWord('demand_pages')).toBe(expected.pages);
    expectNoLeak(run);
  });

  it('sbrk shrink unmaps, invlpgs and frees: a churn far larger than memory fits in 4 MiB', () => {
    const churn = sbrkchurn(1000);
    expect(churn.pages * 4096).toBeGreaterThan(8 * 1024 * 1024);
    const run = boot(['sbrkchurn:1000'], { memoryBytes: 4 * 1024 * 1024 });
    expectHalted(run, 0);
    expect(run.out).toBe(churn.line + '\n');
    const stats = run.machine.stats;
    // Each page is faulted in afresh every round: a stale TLB entry would have hidden a fault.
    expect(stats.traps[CAUSE_LOAD_PAGE_FAULT]! + stats.traps[CAUSE_STORE_PAGE_FAULT]!).toBe(churn.pages);
    expect(stats.invlpgs).toBe(churn.pages);
    expectNoLeak(run);
  });
});

describe('kernel: processes', () => {
  it('fork/wait: 200 children, each status checked by the parent, in 4 MiB of memory', () => {
    const run = boot(['forkstorm:200'], { memoryBytes: 4 * 1024 * 1024 });
    expectHalted(run, 0);
    expect(run.out).toBe(forkstormLine(200) + '\n');
    expect(run.kernelWord('demand_pages')).toBe(200 * 3);
    expectNoLeak(run);
  });

  it('context switches: PTBR writes grow with ctxswitch N', () => {
    const writes = [50, 200].map((n) => {
      const run = boot([`ctxswitch:${n}`]);
      expectHalted(run, 0);
      expect(run.out).toBe(ctxswitchLine(n) + '\n');
      expectNoLeak(run);
      return run.machine.stats.ptbrWrites;
    });
    // Two processes alternating: one PTBR write per yield, plus a few at start and exit.
    expect(writes[0]).toBeGreaterThanOrEqual(2 * 50);
    expect(writes[1]! - writes[0]!).toBeGreaterThanOrEqual(2 * 150 - 4);
  });

  it('takes its time slice from the boot information when the loader gives one', () => {
    const interrupts = [0, 1000].map((timerInterval) => {
      const run = boot(['primes'], { timerInterval });
      expectHalted(run, 0);
      expect(run.out).toBe(primesLine() + '\n');
      return run.machine.stats.traps[16]!;
    });
    // The default slice is 5000 instructions; primes alone runs for several hundred thousand.
    expect(interrupts[1]).toBeGreaterThan(4 * interrupts[0]!);
  });

  it('powers off with 0 and prints nothing when there are no modules', () => {
    const run = boot([]);
    expectHalted(run, 0);
    expect(run.out).toBe('');
  });

  it('prints a statistics line at power-off only when shutdown_report is set', () => {
    const run = boot(['memwalk:10,4096,1'], { report: true });
    expectHalted(run, 0);
    const frames = (run.kernelWord('phystop') - run.kernelWord('freestart')) / 4096;
    expect(lines(run.out)).toEqual([memwalk(10, 4096, 1).line, `[kernel] shutdown: demand-paged frames 10, free frames ${frames}`]);
  });

  it('a top-level process that exits with a non-zero status makes the exit code 1', () => {
    const run = boot(['faulty:99', 'primes:100']); // an unknown mode: main returns 2
    expectHalted(run, 1);
    expect(run.out).toBe(primesLine(100) + '\n');
    expectNoLeak(run);
  });
});

describe('kernel: faulty processes die alone', () => {
  it.each([
    [0, 'load-page-fault at 0x00000000'],
    [1, 'privileged-instruction at 0x'],
    [2, 'illegal-instruction at 0xffffffff'],
    [3, 'misaligned-load at 0x'],
    [4, 'store-protection-fault at 0x00001000'],
    [6, 'fetch-page-fault at 0x'],
    [7, 'store-page-fault at 0x7ffe0000'],
    [8, 'breakpoint at 0x'],
    [9, 'load-page-fault at 0x'],
    [10, 'store-protection-fault at 0xf0000000'],
  ])('faulty:%i is killed (%s), the others finish, the exit code is 1', (mode, message) => {
    const run = boot([`faulty:${mode}`, 'primes:1000', 'forkstorm:3']);
    expectHalted(run, 1);
    const out = lines(run.out);
    expect(out).toHaveLength(3);
    expect(out).toContain(primesLine(1000));
    expect(out).toContain(forkstormLine(3));
    expect(out.find((l) => l.startsWith('[kernel]'))).toMatch(new RegExp(`^\\[kernel\\] pid 1 killed: ${message}[0-9a-f]*$`));
    expectNoLeak(run);
  });

  it('a process that exhausts memory is killed, not the kernel', () => {
    const run = boot(['faulty:11', 'primes:100'], { memoryBytes: 4 * 1024 * 1024 });
    expectHalted(run, 1);
    expect(run.out).toMatch(/\[kernel\] pid 1 killed: out-of-memory at 0x[0-9a-f]{8}\n/);
    expect(run.out).toContain(primesLine(100));
    expectNoLeak(run);
  });

  it('bad pointers and arguments to system calls return -1 instead of killing anyone', () => {
    const run = boot(['faulty:5', 'primes:100']);
    expectHalted(run, 0);
    expect(lines(run.out).sort()).toEqual(['faulty: bad arguments rejected', primesLine(100)].sort());
    expectNoLeak(run);
  });

  it('a module the kernel cannot start is a kernel panic: exit code 255', () => {
    const misplaced = { name: 'primes', image: assembleOrThrow(path.join(USER_DIR, 'primes.s'), 0x00200000), args: [] };
    const machine = new Machine();
    machine.boot(kernel, [misplaced]);
    const result = machine.run(5_000_000);
    expect(result.reason).toBe('halted');
    expect(result.exitCode).toBe(255);
    expect(machine.devices.console.drainText()).toMatch(/^\[kernel\] panic: a boot module cannot be started/);
  });
});
