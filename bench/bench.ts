// `npm run bench`: guest MIPS (guest instructions per host second, median of several runs after a
// warm-up) and cycles for compute guests, with paging off and on, on bare metal and under the
// two hypervisor designs; across processes, both engines side by side (misses.ts): stride loops
// that miss on every load and the compute loops, each row in several processes per engine with
// their spread, the miss path alone, and the TLB alone in several geometries; then whole processes:
// the CLI's start-up against Node's, and a shipped study with one job and with two worker threads
// (processes.ts); the playground's engine in Chromium against Node (browser.ts); time travel at
// 300 million instructions (timetravel.ts). A benchmark reports; no test asserts on its timings.
// `npm run bench -- mips|misses|spread|tlb|startup|sweep|browser|travel|engines` runs one part;
// misses and spread (misses.ts) run the strides and the compute loops in processes of their own,
// both engines side by side; engines (engines.ts) puts the two engines side by side in one process.

import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../assembler/index.ts';
import { assembleFile } from '../node/files.ts';
import { Machine } from '../emulator/machine.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import type { Image } from '../isa/image.ts';
import { BASELINE_HEADER, LOOP_GUESTS, SLOW_PROCESS, SPREAD_HEADER, STRIDE_GUESTS, acrossProcesses, median, missAlone, missAloneCells, spreadRowCells, tlbGeometries } from './misses.ts';
import { freeCores, startup, sweep, type Timed } from './processes.ts';
import { browserTable } from './browser.ts';
import { travelTable } from './timetravel.ts';
import { enginesTable } from './engines.ts';

const GUESTS: { name: string; file: string; defines: Record<string, number> }[] = [
  { name: 'alu loop', file: 'alu.s', defines: { ITERATIONS: 5_000_000 } },
  { name: 'sieve', file: 'sieve.s', defines: { LIMIT: 200_000, ROUNDS: 8 } },
  { name: 'memcopy', file: 'memcopy.s', defines: { BYTES: 256 * 1024, ROUNDS: 60 } },
];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function image(file: string, defines: Record<string, number>): Image {
  const path = fileURLToPath(new URL(`guests/${file}`, import.meta.url));
  const result = assembleFile(path, { defines });
  if (!result.image) throw new Error(result.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  return result.image;
}

interface Measurement { instructions: number; cycles: number; seconds: number }

// The mips table times the interpreter, the reference engine (README.md, "Speed"); the engines
// table puts the translating engine, the default, beside it.
function runNative(img: Image): Measurement {
  const m = new Machine({ memoryBytes: 8 << 20, engine: 'interp' });
  m.load(img);
  const t0 = process.hrtime.bigint();
  const r = m.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.reason !== 'halted') throw new Error(`bench guest did not halt: ${r.reason}`);
  return { instructions: r.instructions, cycles: r.cycles, seconds };
}

function runVm(img: Image, mode: 'shadow' | 'ept'): Measurement {
  const vmm = new Vmm({ hostMemoryBytes: 32 << 20 });
  vmm.addVm({ name: 'bench', mode, memoryBytes: 8 << 20, kernel: img }).vm.cpu.engine = 'interp';
  const t0 = process.hrtime.bigint();
  const [r] = vmm.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r!.reason !== 'halted') throw new Error(`bench guest did not halt: ${r!.reason}`);
  return { instructions: r!.instructions, cycles: r!.cycles, seconds };
}

function measure(run: () => Measurement): { mips: number; m: Measurement } {
  run(); // warm-up: let the JIT settle
  const runs = Array.from({ length: RUNS }, run);
  const mips = median(runs.map((r) => r.instructions / r.seconds / 1e6));
  return { mips, m: runs[0]! };
}

/** Columns: the first `left` padded on the right, the rest right-aligned. */
function printTable(header: string[], rows: string[][], left: number): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function guestSpeed(): void {
  console.log(`\nGuest speed on the interpreter (the reference engine; "engines" below has both): median of ${RUNS} runs after a warm-up\n`);
  const header = ['guest', 'setup', 'instructions', 'cycles', 'CPI', 'MIPS', 'vs paging off'];
  const rows: string[][] = [];
  for (const g of GUESTS) {
    let baseline = 0;
    const setups: [string, () => Measurement][] = [
      ['paging off', () => runNative(image(g.file, { ...g.defines, PAGING: 0 }))],
      ['paging on', () => runNative(image(g.file, { ...g.defines, PAGING: 1 }))],
      ['shadow, paging on', () => runVm(image(g.file, { ...g.defines, PAGING: 1 }), 'shadow')],
      ['EPT, paging on', () => runVm(image(g.file, { ...g.defines, PAGING: 1 }), 'ept')],
    ];
    for (const [setup, run] of setups) {
      const { mips, m } = measure(run);
      if (setup === 'paging off') baseline = mips;
      rows.push([g.name, setup, m.instructions.toLocaleString('en-US'), m.cycles.toLocaleString('en-US'),
        (m.cycles / m.instructions).toFixed(3), mips.toFixed(1), `${((100 * mips) / baseline).toFixed(0)}%`]);
    }
  }
  printTable(header, rows, 2);
}

/** Rows of guests run in processes of their own, both engines side by side (misses.ts). */
function spreadTable(title: string, guests: Parameters<typeof acrossProcesses>[0]): void {
  const processes = Number(process.env.BENCH_PROCESSES ?? 4);
  const baseline = process.env.BENCH_BASELINE;
  console.log(`\n${title}: ${processes} processes per engine and row, each the median of ${RUNS} runs after a warm-up; MIPS per CPU second,`
    + ` the median of the process medians, and their range; slow: processes below ${SLOW_PROCESS} of the row's median;`
    + ' spread: the fastest process over the slowest'
    + `${baseline ? `; base: ${baseline}, run alternately; statistics identical on both engines and checkouts` : '; statistics identical on both engines'}\n`);
  const header = baseline ? [...SPREAD_HEADER, ...BASELINE_HEADER] : SPREAD_HEADER;
  printTable(header, acrossProcesses(guests, processes, RUNS, baseline).map(spreadRowCells), 2);
}

function missTable(): void {
  spreadTable('TLB misses: every load misses the 64-entry TLB', STRIDE_GUESTS);
  const processes = Number(process.env.BENCH_PROCESSES ?? 4);
  const baseline = process.env.BENCH_BASELINE;
  console.log(`\nThe miss path alone: ns per Mmu.translate that misses, walks and fills (the stride's pages in turn, its tables filled);`
    + ` ${processes} processes per row, each the median of ${Math.max(RUNS, 7)} rounds of CPU time; the median of the process medians and their range\n`);
  const header = ['guest', 'setup', 'refs per miss', 'ns per miss', 'range'];
  if (baseline) header.push('base ns', 'range', 'faster');
  printTable(header, missAlone(processes, Math.max(RUNS, 7), baseline).map(missAloneCells), 2);
}

function loopTable(): void {
  spreadTable('Compute loops across processes', LOOP_GUESTS);
}

function tlbTable(): void {
  const runs = Math.max(RUNS, 9);
  console.log(`\nThe TLB alone, each geometry in its own process: ns per lookup that misses and fills (a cycle of 2x the entries)`
    + ` and per hit, best of ${runs} rounds, CPU time; against the plain scans it replaced (tests/emulator/reference-tlb.ts)\n`);
  const rows = tlbGeometries(runs).map((r) => [`${r.entries} entries`, r.ways === r.entries ? 'fully associative' : `${r.ways}-way`,
    r.miss.toFixed(1), r.scanMiss.toFixed(1), `${(r.scanMiss / r.miss).toFixed(2)}x`, r.hit.toFixed(1), r.scanHit.toFixed(1), `${(r.scanHit / r.hit).toFixed(2)}x`]);
  printTable(['geometry', 'ways', 'miss ns', 'scans', 'faster', 'hit ns', 'scans', 'faster'], rows, 2);
}

/** Rows of process timings, each with its ratio to the first (the baseline). */
function timedRows(timed: readonly Timed[], ratioLabel: (t: Timed, base: Timed) => string): string[][] {
  const base = timed[0]!;
  return timed.map((t) => [t.label, t.medianMs.toFixed(0), t.minMs.toFixed(0), t === base ? '' : ratioLabel(t, base)]);
}

function startupTable(): void {
  const runs = Math.max(RUNS, 11);
  console.log(`\nStart-up: whole processes, median of ${runs} runs after a warm-up (target: run hello.s within 2.5x of node -e 0)\n`);
  printTable(['command', 'median ms', 'fastest ms', 'vs node -e 0'], timedRows(startup(runs), (t, b) => `${(t.medianMs / b.medianMs).toFixed(2)}x`), 1);
}

/** The two studies the issue named: tlb-pressure is the longest shipped one; mmu-intensive has short cells. */
const SWEEPS = ['guest-programs/studies/tlb-pressure.json', 'guest-programs/studies/mmu-intensive.json'];

async function sweepTable(): Promise<void> {
  const runs = RUNS;
  console.log(`\nParallel sweeps: whole processes, median of ${runs} runs after a warm-up; results identical (target: --jobs 2 at least 1.6x faster)\n`);
  const before = await freeCores();
  // The pair row did twice the work of --jobs 1: its rate is what two cores give at most.
  const ratio = (t: Timed, b: Timed): string => (t.label.startsWith('two ')
    ? `${((2 * b.medianMs) / t.medianMs).toFixed(2)}x the rate (ceiling)`
    : `${(b.medianMs / t.medianMs).toFixed(2)}x faster`);
  const rows = SWEEPS.flatMap((study) => timedRows(sweep(study, runs), ratio));
  const after = await freeCores();
  printTable(['command', 'median ms', 'fastest ms', 'vs --jobs 1'], rows, 1);
  console.log(`\n${os.availableParallelism()} cores; free for this bench: ${before.toFixed(1)} before the sweeps, ${after.toFixed(1)} after (two threads of a CPU loop against one)`);
}

const PARTS: Record<string, () => void | Promise<void>> = {
  mips: guestSpeed, misses: missTable, spread: loopTable, tlb: tlbTable, startup: startupTable, sweep: sweepTable,
  browser: () => browserTable(RUNS), travel: travelTable, engines: () => enginesTable(printTable, RUNS),
};
const chosen = process.argv.slice(2);
for (const name of chosen) if (!PARTS[name]) throw new Error(`unknown part '${name}' (parts: ${Object.keys(PARTS).join(', ')})`);
console.log(`vmmlab bench, Node ${process.version}`);
for (const [name, part] of Object.entries(PARTS)) if (chosen.length === 0 || chosen.includes(name)) await part();
