// `npm start`: the bundled guest kernel with a mix of workloads, run natively, under shadow
// paging and under EPT. The console is printed once (it must be the same in all three modes;
// the demo says so if it is not), then the costs side by side.

import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../assembler/index.ts';
import { assembleFile } from '../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../emulator/boot.ts';
import type { Image } from '../isa/image.ts';
import { comparisonTable, runInMode, type ModeRun } from '../session/compare.ts';
import { bold, useColor } from './format.ts';
import type { Mode } from './session.ts';

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

function assembled(path: string, origin?: number): Image {
  const r = assembleFile(root(path), origin !== undefined ? { origin } : {});
  if (!r.image) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
  return r.image;
}

const WORKLOADS: [string, number[]][] = [
  ['primes', []],
  ['memwalk', [256, 4096, 4]],
  ['ctxswitch', [100]],
  ['forkstorm', [10]],
  ['sbrkchurn', [50]],
];

export function demo(): number {
  const color = useColor(process.stdout);
  const kernel = assembled('guest-programs/kernel/kernel.s');
  const modules: BootModule[] = WORKLOADS.map(([name, args]) => ({
    name, args, image: assembled(`guest-programs/user/${name}.s`, USER_ORIGIN),
  }));
  const options = { memoryBytes: 16 << 20, maxInstructions: 50_000_000 };
  console.log(bold(color, 'vmmlab: one guest kernel, three ways to virtualize its memory'));
  console.log(`kernel: guest-programs/kernel/kernel.s, modules: ${WORKLOADS.map(([n, a]) => (a.length ? `${n}:${a.join(',')}` : n)).join(' ')}\n`);
  const runs: ModeRun[] = (['native', 'shadow', 'ept'] as Mode[]).map((mode) => runInMode(mode, kernel, modules, options));
  console.log(bold(color, 'guest console (native)'));
  process.stdout.write(runs[0]!.console);
  const same = runs.every((r) => r.console === runs[0]!.console && r.exitCode === runs[0]!.exitCode);
  console.log(same
    ? `\nThe console output and exit code (${runs[0]!.exitCode}) are identical in all three modes.\n`
    : `\nWARNING: the modes disagree: ${runs.map((r) => `${r.mode} exit ${r.exitCode} (${r.reason})`).join(', ')}\n`);
  console.log(bold(color, 'what each design cost'));
  console.log(comparisonTable(runs));
  console.log('\nTry: npx vmmlab run guest-programs/kernel/kernel.s --module ctxswitch.s --mode shadow --stats');
  return same ? 0 : 1;
}

process.exitCode = demo();
