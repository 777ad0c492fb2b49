// `npm run bench`: guest MIPS (guest instructions per host second, median of several runs after a
// warm-up) and cycles for compute guests, with paging off and on, on bare metal and under the
// two hypervisor designs. A benchmark reports; no test asserts on its timings.

import { fileURLToPath } from 'node:url';
import { assembleFile, formatDiagnostic } from '../assembler/index.ts';
import { Machine } from '../emulator/machine.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import type { Image } from '../isa/image.ts';

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

function runNative(img: Image): Measurement {
  const m = new Machine({ memoryBytes: 8 << 20 });
  m.load(img);
  const t0 = process.hrtime.bigint();
  const r = m.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.reason !== 'halted') throw new Error(`bench guest did not halt: ${r.reason}`);
  return { instructions: r.instructions, cycles: r.cycles, seconds };
}

function runVm(img: Image, mode: 'shadow' | 'ept'): Measurement {
  const vmm = new Vmm({ hostMemoryBytes: 32 << 20 });
  vmm.addVm({ name: 'bench', mode, memoryBytes: 8 << 20, kernel: img });
  const t0 = process.hrtime.bigint();
  const [r] = vmm.run(1e9);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r!.reason !== 'halted') throw new Error(`bench guest did not halt: ${r!.reason}`);
  return { instructions: r!.instructions, cycles: r!.cycles, seconds };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(run: () => Measurement): { mips: number; m: Measurement } {
  run(); // warm-up: let the JIT settle
  const runs = Array.from({ length: RUNS }, run);
  const mips = median(runs.map((r) => r.instructions / r.seconds / 1e6));
  return { mips, m: runs[0]! };
}

console.log(`vmmlab bench: median of ${RUNS} runs after a warm-up, Node ${process.version}\n`);
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
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
