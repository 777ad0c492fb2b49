// Speed across processes: the TLB-miss path, timed where it dominates (guests/stride.s over 256
// and over 4,096 pages: every load misses the default 64-entry TLB and walks), and the compute
// loops (alu, sieve, memcopy), natively and under shadow paging and EPT, on both engines. V8
// sometimes settles a whole process at a different speed (about half, on the miss path), so each
// row runs in several processes of its own per engine (miss-worker.ts); a figure is the median of
// the process medians, shown with the slowest and fastest process, and a process below
// SLOW_PROCESS of its row's median is flagged. MIPS here are per second of the process's CPU time,
// so that other work on a shared machine does not show as a slow process (the wall-clock figure
// is kept beside it). Spread: the fastest process median over the slowest.
//
// With BENCH_BASELINE=DIR (another checkout of vmmlab, say a copy taken before a change), every
// process is run with DIR's emulator and hypervisor as well, alternately, so both sides meet the
// same load; the statistics must be identical between engines, processes and checkouts (the
// speed may differ, nothing else).
//
// `tlbGeometries` times the Tlb class alone, in the default geometry, wider sets and fully
// associative ones, against the plain scans it replaced, each geometry in its own process.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = fileURLToPath(new URL('miss-worker.ts', import.meta.url));

/** A process whose median is below this fraction of its row's median is flagged (the half-speed processes). */
export const SLOW_PROCESS = 0.7;

/** Guests by miss-worker.ts's names; the strides have no paging-off row (nothing to translate). */
export const STRIDE_GUESTS = [
  { name: 'stride 256 pages', worker: 'stride256', setups: ['native', 'shadow', 'ept'] },
  { name: 'stride 4096 pages', worker: 'stride4096', setups: ['native', 'shadow', 'ept'] },
] as const;
export const LOOP_GUESTS = [
  { name: 'alu loop', worker: 'alu', setups: ['off', 'native', 'shadow', 'ept'] },
  { name: 'sieve', worker: 'sieve', setups: ['off', 'native', 'shadow', 'ept'] },
  { name: 'memcopy', worker: 'memcopy', setups: ['off', 'native', 'shadow', 'ept'] },
] as const;
const SETUP_LABEL: Record<string, string> = { off: 'paging off', native: 'paging on', shadow: 'shadow, paging on', ept: 'EPT, paging on' };
export const ENGINES = ['interp', 'jit'] as const;
type Engine = (typeof ENGINES)[number];

interface ProcessResult { mips: number; wallMips: number; instructions: number; cycles: number; stats: { tlb?: { misses: number }; guest?: { tlb: { misses: number } } } }

/** Run one job of miss-worker.ts in a process of its own; its JSON line. */
function worker<T>(args: readonly (string | number)[]): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', WORKER, ...args.map(String)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`miss-worker ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Per-process medians of one engine on one checkout. */
export interface Spread {
  /** MIPS per CPU second, in the order run. */
  readonly mips: readonly number[];
  /** By the wall clock. */
  readonly wallMips: readonly number[];
}

export interface SpreadRow {
  readonly guest: string;
  readonly setup: string;
  readonly instructions: number;
  readonly cycles: number;
  readonly misses: number;
  readonly engines: Record<Engine, Spread>;
  /** The same on the baseline checkout, when there is one. */
  readonly baseline: Record<Engine, Spread> | undefined;
}

/**
 * Every guest in every setup, on both engines, `processes` processes each (`runs` timed runs per
 * process), round robin so that a burst of load elsewhere hits them alike; the baseline's
 * process right after this checkout's, the order of the two swapped every round.
 */
export function acrossProcesses(guests: readonly { name: string; worker: string; setups: readonly string[] }[], processes: number, runs: number, baseline: string | undefined): SpreadRow[] {
  const roots = baseline === undefined ? [ROOT] : [ROOT, path.resolve(baseline)];
  // A baseline from before the translating engine (565015d, the interpreter the ratios are to) runs the interpreter only.
  const hasJit = roots.map((root) => existsSync(path.join(root, 'emulator/jit/engine.ts')));
  const configs = guests.flatMap((g) => g.setups.map((setup) => ({
    guest: g, setup, results: roots.map(() => ({ interp: [] as ProcessResult[], jit: [] as ProcessResult[] })),
  })));
  for (let p = 0; p < processes; p++) {
    for (const c of configs) {
      for (const engine of p % 2 === 0 ? ENGINES : [...ENGINES].reverse()) {
        const order = p % 2 === 0 ? roots.map((_, i) => i) : roots.map((_, i) => roots.length - 1 - i);
        for (const r of order) if (engine === 'interp' || hasJit[r]) c.results[r]![engine].push(worker<ProcessResult>(['guest', roots[r]!, c.guest.worker, c.setup, engine, runs]));
      }
    }
  }
  return configs.map((c) => {
    const first = c.results[0]!.interp[0]!;
    const stats = JSON.stringify(first.stats);
    for (const side of c.results) {
      for (const r of [...side.interp, ...side.jit]) {
        if (JSON.stringify(r.stats) !== stats) throw new Error(`${c.guest.name}, ${c.setup}: statistics differ between engines, processes or checkouts`);
      }
    }
    const spread = (side: { interp: ProcessResult[]; jit: ProcessResult[] }): Record<Engine, Spread> => ({
      interp: { mips: side.interp.map((r) => r.mips), wallMips: side.interp.map((r) => r.wallMips) },
      jit: { mips: side.jit.map((r) => r.mips), wallMips: side.jit.map((r) => r.wallMips) },
    });
    return {
      guest: c.guest.name,
      setup: SETUP_LABEL[c.setup]!,
      instructions: first.instructions,
      cycles: first.cycles,
      misses: (first.stats.tlb ?? first.stats.guest!.tlb).misses,
      engines: spread(c.results[0]!),
      baseline: baseline === undefined ? undefined : spread(c.results[1]!),
    };
  });
}

/** min-max of the process medians. */
export function rangeCell(mips: readonly number[]): string {
  return `${Math.min(...mips).toFixed(1)}-${Math.max(...mips).toFixed(1)}`;
}

/** The processes below SLOW_PROCESS of their row's median, as "n/N (0.52x)" with the slowest one's ratio, or "" for none. */
export function slowCell(mips: readonly number[]): string {
  const m = median(mips);
  const slow = mips.filter((x) => x < SLOW_PROCESS * m);
  return slow.length === 0 ? '' : `${slow.length}/${mips.length} (${(Math.min(...slow) / m).toFixed(2)}x)`;
}

export const SPREAD_HEADER = ['guest', 'setup', 'instructions', 'TLB misses', 'interp', 'range', 'slow', 'spread', 'jit', 'range', 'slow', 'spread', 'jit/interp', 'by wall clock'];

/**
 * The ratio of two sides' medians by the wall clock: MIPS per CPU second count the process's
 * other threads too (V8 compiling the translating engine's blocks in the background, concurrent
 * marking), which a run does not wait for on a machine with a core to spare.
 */
function wallRatio(a: Spread, b: Spread): string {
  return `${(median(a.wallMips) / median(b.wallMips)).toFixed(2)}x`;
}

/** The fastest process median over the slowest. */
export function spreadCell(xs: readonly number[]): string {
  return `${(Math.max(...xs) / Math.min(...xs)).toFixed(2)}x`;
}
export const BASELINE_HEADER = ['base interp', 'range', 'base jit', 'range', 'interp/base', 'jit/base', 'jit/base interp', 'by wall clock'];

/** One row's cells: both engines (median MIPS, process range, slow processes), their ratio, and against the baseline. */
export function spreadRowCells(r: SpreadRow): string[] {
  const i = median(r.engines.interp.mips), j = median(r.engines.jit.mips);
  const row = [r.guest, r.setup, r.instructions.toLocaleString('en-US'), r.misses.toLocaleString('en-US'),
    i.toFixed(1), rangeCell(r.engines.interp.mips), slowCell(r.engines.interp.mips), spreadCell(r.engines.interp.mips),
    j.toFixed(1), rangeCell(r.engines.jit.mips), slowCell(r.engines.jit.mips), spreadCell(r.engines.jit.mips), `${(j / i).toFixed(2)}x`,
    `${(median(r.engines.jit.wallMips) / median(r.engines.interp.wallMips)).toFixed(2)}x`];
  if (r.baseline) {
    const bi = median(r.baseline.interp.mips);
    if (r.baseline.jit.mips.length === 0) {
      // The baseline has no translating engine.
      row.push(bi.toFixed(1), rangeCell(r.baseline.interp.mips), '-', '-', `${(i / bi).toFixed(2)}x`, '-', `${(j / bi).toFixed(2)}x`, wallRatio(r.engines.jit, r.baseline.interp));
    } else {
      const bj = median(r.baseline.jit.mips);
      row.push(bi.toFixed(1), rangeCell(r.baseline.interp.mips), bj.toFixed(1), rangeCell(r.baseline.jit.mips),
        `${(i / bi).toFixed(2)}x`, `${(j / bj).toFixed(2)}x`, `${(j / bi).toFixed(2)}x`, wallRatio(r.engines.jit, r.baseline.interp));
    }
  }
  return row;
}

/** The miss path alone (miss-worker.ts's `miss`): ns per `Mmu.translate` that misses, walks and fills. */
export interface MissAloneRow {
  readonly guest: string;
  readonly setup: string;
  readonly refsPerMiss: number;
  /** Per-process medians, in the order run. */
  readonly ns: readonly number[];
  readonly baselineNs: readonly number[] | undefined;
}

export function missAlone(processes: number, runs: number, baseline: string | undefined): MissAloneRow[] {
  const roots = baseline === undefined ? [ROOT] : [ROOT, path.resolve(baseline)];
  const configs = STRIDE_GUESTS.flatMap((g) => g.setups.map((setup) => ({ g, setup, pages: g.worker === 'stride256' ? 256 : 4096, ns: roots.map(() => [] as number[]), refs: 0 })));
  for (let p = 0; p < processes; p++) {
    for (const c of configs) {
      const order = p % 2 === 0 ? roots.map((_, i) => i) : roots.map((_, i) => roots.length - 1 - i);
      for (const r of order) {
        const out = worker<{ ns: number; refsPerCall: number; walksPerCall: number }>(['miss', roots[r]!, c.pages, c.setup, runs]);
        c.ns[r]!.push(out.ns);
        const refs = out.refsPerCall / out.walksPerCall;
        if (c.refs !== 0 && Math.abs(refs - c.refs) > 1e-9) throw new Error(`miss ${c.pages} ${c.setup}: walk references differ between processes or checkouts`);
        c.refs = refs;
      }
    }
  }
  return configs.map((c) => ({ guest: c.g.name, setup: SETUP_LABEL[c.setup]!, refsPerMiss: c.refs, ns: c.ns[0]!, baselineNs: baseline === undefined ? undefined : c.ns[1]! }));
}

export function missAloneCells(r: MissAloneRow): string[] {
  const mine = median(r.ns);
  const row = [r.guest, r.setup, r.refsPerMiss.toFixed(2), mine.toFixed(1), rangeCell(r.ns)];
  if (r.baselineNs) {
    const base = median(r.baselineNs);
    row.push(base.toFixed(1), rangeCell(r.baselineNs), `${(base / mine).toFixed(2)}x`);
  }
  return row;
}

export { median };

/** TLB geometries timed alone: the default, wider sets, and fully associative ones up to 4,096 entries. */
const GEOMETRIES: readonly [number, number][] = [[64, 4], [64, 8], [64, 16], [64, 64], [256, 256], [1024, 1024], [4096, 4096]];

export interface TlbRow { readonly entries: number; readonly ways: number; readonly miss: number; readonly hit: number; readonly scanMiss: number; readonly scanHit: number }

/** Each geometry in a process of its own: this Tlb against the plain scans it replaced. */
export function tlbGeometries(runs: number): TlbRow[] {
  return GEOMETRIES.map(([entries, ways]) => ({ entries, ways, ...worker<Omit<TlbRow, 'entries' | 'ways'>>(['tlb', entries, ways, runs]) }));
}
