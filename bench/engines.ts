// `npm run bench -- engines`: the interpreter and the translating engine side by side, in the
// same process and the same run (issue 16 §4): guest MIPS of each (median of at least BENCH_RUNS
// runs after three warm-up runs, more for short guests, the engines' runs interleaved so that
// machine noise hits both alike), their
// ratio (the median of each round's ratio), and the code cache the translating engine filled. Every row also checks that both
// engines left identical statistics (a faster engine that changes one statistic is wrong).
// With BENCH_BASELINE=DIR (another checkout, say 565015d, the interpreter before issue 16), that
// checkout's emulator runs the same guests in the same process, interleaved with both engines,
// as the interpreter (the ratios the issue sets are to it), and must leave the same statistics.

import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDiagnostic } from '../assembler/index.ts';
import { assembleFile } from '../node/files.ts';
import { Machine } from '../emulator/machine.ts';
import type { Cpu, Engine } from '../emulator/cpu.ts';
import type { Stats } from '../emulator/stats.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import type { Image } from '../isa/image.ts';
import { USER_ORIGIN, type BootModule } from '../emulator/boot.ts';
import { collectGarbage } from './gc.ts';
import { median } from './misses.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);


/** The classes a workload runs on: this checkout's, or a baseline checkout's (BENCH_BASELINE). */
export interface EmulatorLib {
  Machine: typeof Machine;
  Vmm: typeof Vmm;
}
const HERE: EmulatorLib = { Machine, Vmm };

/** A checkout's Machine and Vmm (its sources, through tsx). */
export async function emulatorLib(root: string): Promise<EmulatorLib> {
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(path.resolve(root), file)).href)) as T;
  const { Machine: M } = await load<{ Machine: typeof Machine }>('emulator/machine.ts');
  const { Vmm: V } = await load<{ Vmm: typeof Vmm }>('hypervisor/vmm.ts');
  return { Machine: M, Vmm: V };
}

export interface EngineWorkload {
  guest: string;
  setup: string;
  /**
   * Run once on an engine (on `lib`'s classes, this checkout's by default): instructions retired,
   * seconds, the statistics and CPU to report, and the machine (the Machine or Vmm), which
   * compareEngines holds until that side's next machine is built (see there).
   */
  run(engine: Engine, lib?: EmulatorLib): { instructions: number; seconds: number; stats: Stats; cpu: Cpu; machine: object };
}

function image(file: string, defines: Record<string, number>): Image {
  const path = fileURLToPath(new URL(`guests/${file}`, import.meta.url));
  const result = assembleFile(path, { defines });
  if (!result.image) throw new Error(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  return result.image;
}

function native(img: Image, engine: Engine, lib: EmulatorLib = HERE): ReturnType<EngineWorkload['run']> {
  const m = new lib.Machine({ memoryBytes: 8 << 20, engine });
  m.load(img);
  collectGarbage();
  const t0 = process.hrtime.bigint();
  const r = m.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.reason !== 'halted') throw new Error(`bench guest did not halt: ${r.reason}`);
  return { instructions: r.instructions, seconds, stats: m.stats, cpu: m.cpu, machine: m };
}

function vm(img: Image, mode: 'shadow' | 'ept', engine: Engine, lib: EmulatorLib = HERE): ReturnType<EngineWorkload['run']> {
  const vmm = new lib.Vmm({ hostMemoryBytes: 32 << 20 });
  const { vm: v } = vmm.addVm({ name: 'bench', mode, memoryBytes: 8 << 20, kernel: img });
  v.cpu.engine = engine;
  collectGarbage();
  const t0 = process.hrtime.bigint();
  const [r] = vmm.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r!.reason !== 'halted') throw new Error(`bench guest did not halt: ${r!.reason}`);
  return { instructions: r!.instructions, seconds, stats: v.stats, cpu: v.cpu, machine: vmm };
}

const GUESTS: { name: string; file: string; defines: Record<string, number> }[] = [
  { name: 'alu loop', file: 'alu.s', defines: { ITERATIONS: 3_000_000 } },
  { name: 'sieve', file: 'sieve.s', defines: { LIMIT: 200_000, ROUNDS: 4 } },
  { name: 'memcopy', file: 'memcopy.s', defines: { BYTES: 256 * 1024, ROUNDS: 30 } },
];

/** The compute guests in every setup, and the two stride loops that miss the TLB on every load. */
export function guestWorkloads(): EngineWorkload[] {
  const out: EngineWorkload[] = [];
  for (const g of GUESTS) {
    const off = image(g.file, { ...g.defines, PAGING: 0 });
    const on = image(g.file, { ...g.defines, PAGING: 1 });
    out.push({ guest: g.name, setup: 'paging off', run: (e, lib) => native(off, e, lib) });
    out.push({ guest: g.name, setup: 'paging on', run: (e, lib) => native(on, e, lib) });
    out.push({ guest: g.name, setup: 'shadow', run: (e, lib) => vm(on, 'shadow', e, lib) });
    out.push({ guest: g.name, setup: 'EPT', run: (e, lib) => vm(on, 'ept', e, lib) });
  }
  for (const pages of [256, 4096]) {
    const img = image('stride.s', { PAGES: pages, ROUNDS: pages === 256 ? 800 : 50, PAGING: 1 });
    out.push({ guest: `stride ${pages} pages`, setup: 'paging on', run: (e, lib) => native(img, e, lib) });
    out.push({ guest: `stride ${pages} pages`, setup: 'shadow', run: (e, lib) => vm(img, 'shadow', e, lib) });
    out.push({ guest: `stride ${pages} pages`, setup: 'EPT', run: (e, lib) => vm(img, 'ept', e, lib) });
  }
  return out;
}

/** `npm start`'s kernel with its mix of workloads (cli/demo.ts), natively, under shadow paging and under EPT. */
export function kernelWorkloads(): EngineWorkload[] {
  const root = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
  const assembled = (path: string, origin?: number): Image => {
    const r = assembleFile(root(path), origin !== undefined ? { origin } : {});
    if (!r.image) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    return r.image;
  };
  const kernel = assembled('guest-programs/kernel/kernel.s');
  const mix: [string, number[]][] = [['primes', []], ['memwalk', [256, 4096, 4]], ['ctxswitch', [100]], ['forkstorm', [10]], ['sbrkchurn', [50]]];
  const modules: BootModule[] = mix.map(([name, args]) => ({ name, args, image: assembled(`guest-programs/user/${name}.s`, USER_ORIGIN) }));
  const MAX = 50_000_000;
  const timed = (run: () => { instructions: number }): number => {
    collectGarbage();
    const t0 = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const nativeKernel = (engine: Engine, lib: EmulatorLib = HERE): ReturnType<EngineWorkload['run']> => {
    const m = new lib.Machine({ memoryBytes: 16 << 20, engine });
    m.boot(kernel, modules);
    let r = { instructions: 0 };
    const seconds = timed(() => (r = m.run(MAX)));
    return { instructions: r.instructions, seconds, stats: m.stats, cpu: m.cpu, machine: m };
  };
  const vmKernel = (mode: 'shadow' | 'ept', engine: Engine, lib: EmulatorLib = HERE): ReturnType<EngineWorkload['run']> => {
    const vmm = new lib.Vmm({ hostMemoryBytes: 40 << 20 });
    const { vm: v } = vmm.addVm({ name: 'kernel', mode, memoryBytes: 16 << 20, kernel, modules });
    v.cpu.engine = engine;
    let instructions = 0;
    const seconds = timed(() => ({ instructions } = vmm.run(MAX)[0]!));
    return { instructions, seconds, stats: v.stats, cpu: v.cpu, machine: vmm };
  };
  return [
    { guest: 'kernel (npm start)', setup: 'native', run: nativeKernel },
    { guest: 'kernel (npm start)', setup: 'shadow', run: (e, lib) => vmKernel('shadow', e, lib) },
    { guest: 'kernel (npm start)', setup: 'EPT', run: (e, lib) => vmKernel('ept', e, lib) },
  ];
}

export interface EngineRow {
  guest: string;
  setup: string;
  instructions: number;
  /** Measured runs of each engine. */
  runs: number;
  interpMips: number;
  jitMips: number;
  blocks: number;
  sourceKiB: number;
  identical: boolean;
  /** The baseline checkout's interpreter (BENCH_BASELINE), when there is one. */
  baseMips?: number;
  /**
   * The ratios: the median over rounds of each round's ratio (the sides of a round run back to
   * back, so a change in the machine's speed between rounds cancels out), not a ratio of medians.
   */
  jitOverInterp: number;
  interpOverBase?: number;
  jitOverBase?: number;
}

/** Warm-up runs of each engine before the measured ones. */
const WARMUP = 3;
/** Short workloads run more often: until each engine has this much measured time (and at most MAX_RUNS runs). */
const MIN_SECONDS = 1;
const MAX_RUNS = 41;

/** Measure one workload on both engines, interleaved: at least `runs` runs each after WARMUP, more for short ones; and on a baseline's interpreter. */
export function compareEngines(w: EngineWorkload, runs = RUNS, base?: EmulatorLib): EngineRow {
  type Side = Engine | 'base';
  const sides: Side[] = base === undefined ? ['interp', 'jit'] : ['interp', 'jit', 'base'];
  // Each side's last machine is held until its next one is built and has run. Otherwise the full
  // collection before a run frees the other sides' machines, and with them the V8 hidden classes
  // (maps) of objects that only those machines had (V8 holds a class's later maps only weakly):
  // every function optimized against them is thrown away, so each run of a side warms up again.
  // A process that runs one checkout and engine never meets this (its next machine keeps the
  // maps), and interleaving made this checkout's interpreter no faster than 565015d's (1.00x
  // against 1.38x run alone, shadow kernel) and the baseline 4-5x slower at times.
  const held: Partial<Record<Side, object>> = {};
  const once = (side: Side): ReturnType<EngineWorkload['run']> => {
    const r = side === 'base' ? w.run('interp', base) : w.run(side);
    held[side] = r.machine;
    return r;
  };
  const interp = once('interp');
  const jit = once('jit');
  const json = (r: ReturnType<EngineWorkload['run']>): string => JSON.stringify(r.stats.toJSON());
  let identical = json(interp) === json(jit) && interp.stats.cycles === jit.stats.cycles;
  if (base !== undefined) {
    const b = once('base');
    identical &&= json(b) === json(interp) && b.stats.cycles === interp.stats.cycles;
  }
  for (let i = 1; i < WARMUP; i++) for (const side of sides) once(side);
  const mips: Record<Side, number[]> = { interp: [], jit: [], base: [] };
  const seconds: Record<Side, number> = { interp: 0, jit: 0, base: 0 };
  const least = (): number => Math.min(...sides.map((side) => seconds[side]));
  for (let i = 0; i < MAX_RUNS && (i < runs || least() < MIN_SECONDS); i++) {
    for (let k = 0; k < sides.length; k++) {
      // Each side in each position in turn, so that machine noise hits all alike.
      const side = sides[(i + k) % sides.length]!;
      const r = once(side);
      mips[side].push(r.instructions / r.seconds / 1e6);
      seconds[side] += r.seconds;
    }
  }
  const size = jit.cpu.jitCacheSize;
  const paired = (a: Side, b: Side): number => median(mips[a].map((x, i) => x / mips[b][i]!));
  return {
    guest: w.guest, setup: w.setup, instructions: interp.instructions, runs: mips.jit.length, interpMips: median(mips.interp), jitMips: median(mips.jit),
    blocks: size.blocks, sourceKiB: size.sourceBytes / 1024, identical, jitOverInterp: paired('jit', 'interp'),
    ...(base === undefined ? {} : { baseMips: median(mips.base), interpOverBase: paired('interp', 'base'), jitOverBase: paired('jit', 'base') }),
  };
}

export function engineRowCells(r: EngineRow): string[] {
  return [r.guest, r.setup, r.instructions.toLocaleString('en-US'), String(r.runs), r.interpMips.toFixed(1), r.jitMips.toFixed(1),
    `${r.jitOverInterp.toFixed(2)}x`, String(r.blocks), r.sourceKiB.toFixed(1), r.identical ? 'yes' : 'NO',
    ...(r.baseMips === undefined ? [] : [r.baseMips.toFixed(1), `${r.interpOverBase!.toFixed(2)}x`, `${r.jitOverBase!.toFixed(2)}x`])];
}
/** The `engines` part of `npm run bench` (with BENCH_BASELINE, that checkout's interpreter beside). */
export async function enginesTable(printTable: (header: string[], rows: string[][], left: number) => void, runs = RUNS): Promise<void> {
  const baseline = process.env.BENCH_BASELINE;
  const base = baseline === undefined ? undefined : await emulatorLib(baseline);
  console.log(`\nEngines: the interpreter and the translating engine in the same process, runs interleaved; MIPS the median of the runs,`
    + ' a ratio the median of the ratios within each round'
    + ` (at least ${runs}, more for short guests: ${MIN_SECONDS} s of each engine) after ${WARMUP} warm-up runs; code KiB: generated source in the cache at the end of a run`
    + `${baseline === undefined ? '' : `; base: ${baseline}'s interpreter, in the same process, interleaved; statistics identical on both engines and the base`}\n`);
  const rows: string[][] = [];
  for (const w of [...guestWorkloads(), ...kernelWorkloads()]) rows.push(engineRowCells(compareEngines(w, runs, base)));
  printTable(base === undefined ? ENGINE_HEADER : [...ENGINE_HEADER, 'base MIPS', 'interp/base', 'jit/base'], rows, 2);
}

export const ENGINE_HEADER = ['guest', 'setup', 'instructions', 'runs', 'interp MIPS', 'jit MIPS', 'jit/interp', 'blocks', 'code KiB', 'stats identical'];
