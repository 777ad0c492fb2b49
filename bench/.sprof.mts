import { guestWorkloads } from './engines.ts';
const ws = guestWorkloads().filter((w) => w.guest.startsWith('stride 256'));
const w = ws[Number(process.argv[2] ?? 0)]!;
const engine = (process.argv[3] ?? 'jit') as 'jit' | 'interp';
const mips: number[] = [];
for (let i = 0; i < 20; i++) { const r = w.run(engine); mips.push(r.instructions / r.seconds / 1e6); }
mips.sort((a, b) => a - b);
console.log(w.guest, w.setup, engine, 'median MIPS', mips[10]!.toFixed(1));
