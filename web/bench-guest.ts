// The playground's half of the browser bench (bench/browser.ts): the ALU loop of `npm run bench`
// (bench/guests/alu.s, paging on) on a bare machine, timed where it runs. Node runs the same
// function in the same bench run, so the two MIPS figures compare one engine on two hosts.

import { assemble, formatDiagnostic } from '../assembler/index.ts';
import { normalize } from '../assembler/paths.ts';
import { Machine } from '../emulator/machine.ts';
import type { BenchResult } from './protocol.ts';
import { GUEST_FILES } from './guest-files.ts';

export const BENCH_GUEST = 'bench/guests/alu.s';
/** The loop retires 8 instructions per iteration. */
const PER_ITERATION = 8;

export function benchAluLoop(instructions: number, files: Readonly<Record<string, string>> = GUEST_FILES): BenchResult {
  const readFile = (p: string) => {
    const text = files[normalize(p)];
    if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return text;
  };
  const r = assemble(readFile(BENCH_GUEST), { file: BENCH_GUEST, readFile, resolvePath: normalize, defines: { ITERATIONS: Math.max(1, Math.round(instructions / PER_ITERATION)), PAGING: 1 } });
  if (!r.image) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  const machine = new Machine({ memoryBytes: 8 << 20 });
  machine.load(r.image);
  const t0 = performance.now();
  const result = machine.run(1e10);
  const ms = performance.now() - t0;
  if (result.reason !== 'halted') throw new Error(`the bench guest did not halt: ${result.reason}`);
  return { instructions: result.instructions, ms, mips: result.instructions / ms / 1000 };
}
