// The TLB-miss path, timed where it dominates: guests/stride.s over 256 and over 4,096 pages
// (every load misses the default 64-entry TLB and walks), natively and under shadow paging and
// EPT. V8 sometimes settles a whole process at a different speed on this path, so each setup
// runs in several processes of its own (miss-worker.ts); the figure is the median of their
// medians, shown with the slowest and fastest process and the ratio between them. MIPS here are
// per second of the process's CPU time, so that other work on a shared machine does not show as
// a slow process (the wall-clock figure is shown beside it).
//
// With BENCH_BASELINE=DIR (another checkout of vmmlab, say a copy taken before a change), every
// process is run once with DIR's emulator and hypervisor as well, alternately, so both sides meet
// the same load, and their statistics must be identical (the speed may differ, nothing else).
//
// `tlbGeometries` times the Tlb class alone, in the default geometry, wider sets and fully
// associative ones, against the plain scans it replaced, each geometry in its own process.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKER = fileURLToPath(new URL('miss-worker.ts', import.meta.url));

/** About 5 million instructions each: 10 per page visited. */
const STRIDES = [
  { name: 'stride 256 pages', pages: 256, rounds: 2000 },
  { name: 'stride 4096 pages', pages: 4096, rounds: 125 },
] as const;
const SETUPS = [
  { label: 'paging on', setup: 'native' },
  { label: 'shadow, paging on', setup: 'shadow' },
  { label: 'EPT, paging on', setup: 'ept' },
] as const;

interface ProcessResult { mips: number; wallMips: number; instructions: number; cycles: number; stats: { tlb?: { misses: number }; guest?: { tlb: { misses: number } } } }

/** Run one job of miss-worker.ts in a process of its own; its JSON line. */
function worker<T>(args: readonly (string | number)[]): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', WORKER, ...args.map(String)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`miss-worker ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

function runWorker(root: string, pages: number, rounds: number, setup: string, runs: number): ProcessResult {
  return worker<ProcessResult>(['stride', root, pages, rounds, setup, runs]);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface MissRow {
  readonly guest: string;
  readonly setup: string;
  readonly instructions: number;
  readonly cycles: number;
  readonly misses: number;
  /** Per-process medians (CPU time), in the order run. */
  readonly mips: readonly number[];
  /** Per-process medians by the wall clock. */
  readonly wallMips: readonly number[];
  readonly baselineMips: readonly number[] | undefined;
}

/**
 * Every stride in every setup, `processes` processes each (`runs` timed runs per process), round
 * robin so that a burst of load elsewhere hits them alike.
 */
export function missPath(processes: number, runs: number, baseline: string | undefined): MissRow[] {
  const configs = STRIDES.flatMap((s) => SETUPS.map((u) => ({ ...s, ...u, results: [] as ProcessResult[], baseline: [] as ProcessResult[] })));
  for (let p = 0; p < processes; p++) {
    for (const c of configs) {
      c.results.push(runWorker(ROOT, c.pages, c.rounds, c.setup, runs));
      if (baseline !== undefined) c.baseline.push(runWorker(path.resolve(baseline), c.pages, c.rounds, c.setup, runs));
    }
  }
  return configs.map((c) => {
    const first = c.results[0]!;
    const stats = JSON.stringify(first.stats);
    for (const r of [...c.results, ...c.baseline]) {
      if (JSON.stringify(r.stats) !== stats) throw new Error(`${c.name}, ${c.label}: statistics differ between processes or from the baseline`);
    }
    return {
      guest: c.name,
      setup: c.label,
      instructions: first.instructions,
      cycles: first.cycles,
      misses: (first.stats.tlb ?? first.stats.guest!.tlb).misses,
      mips: c.results.map((r) => r.mips),
      wallMips: c.results.map((r) => r.wallMips),
      baselineMips: baseline === undefined ? undefined : c.baseline.map((r) => r.mips),
    };
  });
}

/** The table's cells for one row: median MIPS, the process range and its spread (max / min). */
export function spreadCells(mips: readonly number[]): string[] {
  const lo = Math.min(...mips), hi = Math.max(...mips);
  return [median(mips).toFixed(1), `${lo.toFixed(1)}-${hi.toFixed(1)}`, `${(hi / lo).toFixed(2)}x`];
}

export { median };

/** TLB geometries timed alone: the default, wider sets, and fully associative ones up to 4,096 entries. */
const GEOMETRIES: readonly [number, number][] = [[64, 4], [64, 8], [64, 16], [64, 64], [256, 256], [1024, 1024], [4096, 4096]];

export interface TlbRow { readonly entries: number; readonly ways: number; readonly miss: number; readonly hit: number; readonly scanMiss: number; readonly scanHit: number }

/** Each geometry in a process of its own: this Tlb against the plain scans it replaced. */
export function tlbGeometries(runs: number): TlbRow[] {
  return GEOMETRIES.map(([entries, ways]) => ({ entries, ways, ...worker<Omit<TlbRow, 'entries' | 'ways'>>(['tlb', entries, ways, runs]) }));
}
