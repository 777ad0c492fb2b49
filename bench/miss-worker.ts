// One process of the across-processes bench (misses.ts), printing one JSON line. Two jobs:
//
//     node --import tsx bench/miss-worker.ts guest ROOT GUEST SETUP ENGINE RUNS
//     node --import tsx bench/miss-worker.ts miss ROOT PAGES SETUP RUNS
//     node --import tsx bench/miss-worker.ts tlb ENTRIES WAYS RUNS
//
// `guest` assembles one of the bench guests (GUEST: a name of GUESTS below) and runs it RUNS
// times after warm-up runs (three, and half a second at least) in one setup (off: paging off, native, shadow, ept) on one engine
// (interp, jit): the median guest MIPS of this process, by its CPU time and by the wall clock,
// and the statistics of a run (the same in every run). ROOT is the checkout whose emulator and
// hypervisor run the guest (this one, or the baseline misses.ts compares against); the guest is
// always assembled by this checkout's assembler, so both sides run the same words.
//
// `miss` times the miss path alone, engine aside: the stride guest over PAGES pages runs (in
// SETUP: native, shadow, ept) until its tables (and the VMM's shadow or EPT tables) hold every
// page, then `Mmu.translate` is called for the pages in turn, each a miss that walks and fills:
// ns per miss, the median of RUNS rounds of CPU time, with the walks and walk references made.
//
// `tlb` times this checkout's Tlb class alone in one geometry against the plain scans it replaced
// (tests/emulator/reference-tlb.ts): ns per miss (a lookup that misses, then a fill) over a
// cycle of twice as many pages as entries, and ns per hit over half as many, best of RUNS
// rounds, CPU time. Each geometry runs in a process of its own, so that no geometry's code shape
// affects another's.

import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDiagnostic } from '../assembler/index.ts';
import { assembleFile } from '../node/files.ts';
import { collectGarbage } from './gc.ts';
import type { Machine as MachineClass } from '../emulator/machine.ts';
import type { TlbConfig } from '../emulator/tlb.ts';
import type { Vmm as VmmClass } from '../hypervisor/vmm.ts';

/**
 * The guests (misses.ts names them): the strides about 5 million instructions a run (10 per page
 * visited, every load a TLB miss), the compute loops 15 to 40 million, so that a run on the
 * translating engine lasts 20 ms or more (at 5 ms, as they were, a process's runs were mostly
 * warm-up and the background threads' work of the collection before them: 0.3 to 0.9 of the
 * steady rate, run to run).
 */
const GUESTS: Record<string, { file: string; defines: Record<string, number> }> = {
  'stride256': { file: 'stride.s', defines: { PAGES: 256, ROUNDS: 2000 } },
  'stride4096': { file: 'stride.s', defines: { PAGES: 4096, ROUNDS: 125 } },
  'alu': { file: 'alu.s', defines: { ITERATIONS: 5_000_000 } },
  'sieve': { file: 'sieve.s', defines: { LIMIT: 200_000, ROUNDS: 5 } },
  'memcopy': { file: 'memcopy.s', defines: { BYTES: 256 * 1024, ROUNDS: 40 } },
};

const [job, ...args] = process.argv.slice(2);
if (job === 'guest') await guest(args);
else if (job === 'miss') await missAlone(args);
else if (job === 'tlb') await tlbGeometry(args);
else throw new Error('usage: miss-worker.ts guest ROOT GUEST SETUP ENGINE RUNS | miss ROOT PAGES SETUP RUNS | tlb ENTRIES WAYS RUNS');

interface Run { seconds: number; cpuSeconds: number; instructions: number; cycles: number; stats: unknown }

/** CPU time of this process so far (its other threads are idle once V8 has settled). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function guest([root, name, setup, engine, runs]: string[]): Promise<void> {
  const g = GUESTS[name!];
  if (!g) throw new Error(`unknown guest '${name}' (guests: ${Object.keys(GUESTS).join(', ')})`);
  if (engine !== 'interp' && engine !== 'jit') throw new Error(`unknown engine '${engine}'`);
  if (setup !== 'off' && setup !== 'native' && setup !== 'shadow' && setup !== 'ept') throw new Error(`unknown setup '${setup}'`);
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root!, file)).href)) as T;
  const { Machine } = await load<{ Machine: typeof MachineClass }>('emulator/machine.ts');
  const { Vmm } = await load<{ Vmm: typeof VmmClass }>('hypervisor/vmm.ts');
  const source = fileURLToPath(new URL(`guests/${g.file}`, import.meta.url));
  const assembled = assembleFile(source, { defines: { ...g.defines, PAGING: setup === 'off' ? 0 : 1 } });
  const image = assembled.image;
  if (!image) throw new Error(assembled.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));

  const runOnce = (): Run => {
    if (setup === 'off' || setup === 'native') {
      const m = new Machine({ memoryBytes: 8 << 20, engine });
      // A checkout from before the translating engine has no engine field: it is the interpreter.
      if (((m.cpu as { engine?: string }).engine ?? 'interp') !== engine) throw new Error(`${root} has no engine '${engine}'`);
      m.load(image);
      collectGarbage();
      const [t0, c0] = [process.hrtime.bigint(), cpuSeconds()];
      const r = m.run(1e9);
      const [seconds, cpu] = [Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds() - c0];
      if (r.reason !== 'halted') throw new Error(`${name} did not halt: ${r.reason}`);
      return { seconds, cpuSeconds: cpu, instructions: r.instructions, cycles: r.cycles, stats: m.stats.toJSON() };
    }
    const vmm = new Vmm({ hostMemoryBytes: 32 << 20 });
    const { vm } = vmm.addVm({ name: 'bench', mode: setup, memoryBytes: 8 << 20, kernel: image });
    vm.cpu.engine = engine;
    collectGarbage();
    const [t0, c0] = [process.hrtime.bigint(), cpuSeconds()];
    const [r] = vmm.run(1e9);
    const [seconds, cpu] = [Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds() - c0];
    if (r!.reason !== 'halted') throw new Error(`${name} did not halt: ${r!.reason}`);
    return { seconds, cpuSeconds: cpu, instructions: r!.instructions, cycles: r!.cycles, stats: { guest: vm.stats.toJSON(), vmm: vm.vmm.toJSON() } };
  };

  // Warm-up: at least three runs and half a second. V8 tiers a function up by the work it has
  // done, not by runs: under a VMM the translating engine's dispatcher is entered again after every
  // exit, and it and the blocks reached their optimizing compiler only in the fourth and fifth
  // 20 ms run of memcopy under EPT, which then spent as much CPU time compiling as running.
  const warmUpUntil = cpuSeconds() + 0.5;
  for (let i = 0; i < 3 || cpuSeconds() < warmUpUntil; i++) runOnce();
  const timed = Array.from({ length: Number(runs) }, runOnce);
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const first = timed[0]!;
  console.log(JSON.stringify({
    mips: median(timed.map((r) => r.instructions / r.cpuSeconds / 1e6)),
    wallMips: median(timed.map((r) => r.instructions / r.seconds / 1e6)),
    instructions: first.instructions, cycles: first.cycles, stats: first.stats,
  }));
}

async function missAlone([root, pages, setup, runs]: string[]): Promise<void> {
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root!, file)).href)) as T;
  const { Machine } = await load<{ Machine: typeof MachineClass }>('emulator/machine.ts');
  const { Vmm } = await load<{ Vmm: typeof VmmClass }>('hypervisor/vmm.ts');
  const n = Number(pages);
  const assembled = assembleFile(fileURLToPath(new URL('guests/stride.s', import.meta.url)), { defines: { PAGES: n, ROUNDS: 1000, PAGING: 1 } });
  if (!assembled.image) throw new Error(assembled.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  // The tables' set-up (8 instructions a page) and 40 rounds of the loop: every page has been walked (and shadowed or EPT-mapped).
  const warm = 8 * n + 2000 + 400 * n;
  let mmu: InstanceType<typeof MachineClass>['mmu'];
  if (setup === 'native') {
    const m = new Machine({ memoryBytes: 8 << 20 });
    m.load(assembled.image);
    m.run(warm);
    mmu = m.mmu;
  } else if (setup === 'shadow' || setup === 'ept') {
    const vmm = new Vmm({ hostMemoryBytes: 32 << 20 });
    const { vm } = vmm.addVm({ name: 'bench', mode: setup, memoryBytes: 8 << 20, kernel: assembled.image });
    vmm.run(warm);
    mmu = vm.cpu.mmu;
  } else throw new Error(`unknown setup '${setup}'`);
  const WINDOW = 0x00800000;
  const LOAD = 1;
  const calls = 200_000;
  let faults = 0;
  const round = (): void => {
    for (let i = 0; i < calls; i++) if (mmu.translate(WINDOW + ((i % n) << 12), LOAD) < 0) faults++;
  };
  round(); // warm-up
  const walks0 = mmu.stats.walks, refs0 = mmu.stats.walkRefs;
  const ns: number[] = [];
  for (let r = 0; r < Number(runs); r++) {
    const c0 = cpuSeconds();
    round();
    ns.push(((cpuSeconds() - c0) * 1e9) / calls);
  }
  if (faults !== 0) throw new Error(`miss ${pages} ${setup}: ${faults} translations faulted (the tables are not filled yet)`);
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = calls * Number(runs);
  console.log(JSON.stringify({ ns: median(ns), walksPerCall: (mmu.stats.walks - walks0) / total, refsPerCall: (mmu.stats.walkRefs - refs0) / total }));
}

/** What both TLBs offer that the timing loops use. */
interface TlbLike {
  lookup(vpn: number, context: number, stamp: number): number;
  insert(va: number, pageShift: number, context: number, physBase: number, leafBits: number, stamp: number): number;
}

async function tlbGeometry([entries, ways, runs]: string[]): Promise<void> {
  const { Tlb } = await import('../emulator/tlb.ts');
  const { ScanTlb } = await import('../tests/emulator/reference-tlb.ts');
  const config: TlbConfig = { entries: Number(entries), ways: Number(ways), replacement: 'lru', seed: 1 };
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e3;
  };
  // Separate code for each TLB class, so that no call site here sees both.
  const loop = (): ((t: TlbLike, pages: number, n: number, clock: number) => number) => new Function('t', 'pages', 'n', 'clock', `
    for (let i = 0; i < n; i++) {
      const vpn = 0x800 + (i % pages);
      if (t.lookup(vpn, 1, ++clock) < 0) t.insert(vpn << 12, 12, 1, 0x1000, 0x63, ++clock);
    }
    return clock;`) as (t: TlbLike, pages: number, n: number, clock: number) => number;
  const nsPer = (t: TlbLike, pages: number): number => {
    const run = loop();
    const n = 200_000;
    let clock = run(t, pages, n, 0); // warm-up, and the entries in place
    let best = Infinity;
    for (let r = 0; r < Number(runs); r++) {
      const t0 = cpuMs();
      clock = run(t, pages, n, clock);
      best = Math.min(best, ((cpuMs() - t0) * 1e6) / n);
    }
    return best;
  };
  const missPages = 2 * config.entries;
  const hitPages = Math.max(1, config.entries / 2);
  console.log(JSON.stringify({
    miss: nsPer(new Tlb(config), missPages),
    hit: nsPer(new Tlb(config), hitPages),
    scanMiss: nsPer(new ScanTlb(config), missPages),
    scanHit: nsPer(new ScanTlb(config), hitPages),
  }));
}
