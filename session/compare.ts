// Run one guest kernel with its modules natively, under shadow paging and under EPT, check that
// the guest saw the same thing in each, and lay the costs side by side. `npm start` shows it,
// and so does the playground's Compare view (web/).

import type { Image } from '../isa/image.ts';
import type { BootModule } from '../emulator/boot.ts';
import { Machine } from '../emulator/machine.ts';
import type { MmuConfig } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { Stats } from '../emulator/stats.ts';
import type { VmmStats } from '../hypervisor/vmstats.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import { fmtInt } from '../format/text.ts';
import type { Mode } from './settings.ts';

export interface ModeRun {
  mode: Mode;
  console: string;
  exitCode: number;
  reason: string;
  stats: Stats;
  vmm?: VmmStats;
}

export interface CompareOptions {
  memoryBytes: number;
  maxInstructions: number;
  profile?: MachineProfile;
  mmu?: MmuConfig;
}

export function runInMode(mode: Mode, kernel: Image, modules: readonly BootModule[], o: CompareOptions): ModeRun {
  if (mode === 'native') {
    const m = new Machine({ memoryBytes: o.memoryBytes, ...(o.profile ? { profile: o.profile } : {}), ...(o.mmu ? { mmu: o.mmu } : {}) });
    m.boot(kernel, modules);
    const r = m.run(o.maxInstructions);
    return { mode, console: m.devices.console.drainText(), exitCode: r.exitCode, reason: r.reason, stats: m.stats };
  }
  const vmm = new Vmm({ hostMemoryBytes: o.memoryBytes * 2 + (16 << 20), ...(o.profile ? { profile: o.profile } : {}), ...(o.mmu ? { mmu: o.mmu } : {}) });
  const { vm } = vmm.addVm({ name: mode, mode, memoryBytes: o.memoryBytes, kernel, modules });
  const [r] = vmm.run(o.maxInstructions);
  return { mode, console: vm.devices.console.drainText(), exitCode: r!.exitCode, reason: r!.reason, stats: vm.stats, vmm: vm.vmm };
}

/** The side-by-side table: one column per mode. */
export function comparisonTable(runs: readonly ModeRun[]): string {
  const native = runs.find((r) => r.mode === 'native');
  const misses = (s: Stats) => s.tlbMisses.reduce((a, b) => a + b, 0);
  const rows: [string, (r: ModeRun) => string][] = [
    ['instructions', (r) => fmtInt(r.stats.instructions)],
    ['cycles', (r) => fmtInt(r.stats.cycles)],
    ['slowdown vs native', (r) => (native ? `${(r.stats.cycles / native.stats.cycles).toFixed(2)}x` : '-')],
    ['TLB misses', (r) => fmtInt(misses(r.stats))],
    ['walk refs per miss', (r) => (misses(r.stats) > 0 ? (r.stats.walkRefs / misses(r.stats)).toFixed(2) : '-')],
    ['  guest / EPT refs', (r) => `${fmtInt(r.stats.walkGuestRefs)} / ${fmtInt(r.stats.walkEptRefs)}`],
    ['page faults (guest saw)', (r) => fmtInt(r.stats.pageFaults)],
    ['hidden faults', (r) => (r.vmm ? fmtInt(r.vmm.faultsHidden) : '-')],
    ['VM exits', (r) => (r.vmm ? fmtInt(r.vmm.exitsTotal) : '-')],
    ...exitReasons(runs).map((reason): [string, (r: ModeRun) => string] => [
      `  ${reason}`, (r) => (r.vmm ? fmtInt(r.vmm.exitsByReason.get(reason) ?? 0) : '-'),
    ]),
    ['cycles in exits + VMM', (r) => (r.vmm ? `${fmtInt(r.stats.cyclesExit + r.stats.cyclesVmm)} (${pct(r.stats.cyclesExit + r.stats.cyclesVmm, r.stats.cycles)})` : '-')],
    ['cycles in page walks', (r) => `${fmtInt(r.stats.cyclesWalk)} (${pct(r.stats.cyclesWalk, r.stats.cycles)})`],
    ['shadow memory (peak)', (r) => (r.vmm && r.vmm.shadowPeakPages > 0 ? `${r.vmm.shadowPeakPages} pages, ${fmtInt(r.vmm.shadowPeakPages * 4)} KiB` : '-')],
    ['EPT memory', (r) => (r.vmm && r.vmm.eptPages > 0 ? `${r.vmm.eptPages} pages, ${fmtInt(r.vmm.eptPages * 4)} KiB` : '-')],
  ];
  const header = ['', ...runs.map((r) => r.mode)];
  const body = rows.map(([label, cell]) => [label, ...runs.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('   '), ...body.map(line)].join('\n');
}

function exitReasons(runs: readonly ModeRun[]): string[] {
  const all = new Set<string>();
  for (const r of runs) for (const k of r.vmm?.exitsByReason.keys() ?? []) all.add(k);
  return [...all].sort();
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}
