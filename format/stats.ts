// The readable statistics table: what `run --stats` prints on stderr and the debugger's `stats`
// command prints, from a CPU's counters and, under a VMM, the VM's.

import type { Stats } from '../emulator/stats.ts';
import type { VmmStats } from '../hypervisor/vmstats.ts';
import { fmtInt, table } from './text.ts';

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** The statistics as a readable table (what `run --stats` prints on stderr). */
export function statsTable(stats: Stats, vmm?: VmmStats): string {
  const j = stats.toJSON() as {
    tlb: { hits: number; misses: number; hitsByAccess: Record<string, number>; missesByAccess: Record<string, number> };
    traps: Record<string, number>;
  };
  const cycles = stats.cycles;
  const accesses = j.tlb.hits + j.tlb.misses;
  const rows: [string, string][] = [
    ['instructions', fmtInt(stats.instructions)],
    ['cycles', fmtInt(cycles)],
    ['CPI', stats.instructions > 0 ? (cycles / stats.instructions).toFixed(3) : '-'],
    ['  instruction cycles', `${fmtInt(stats.cyclesInsn)} (${pct(stats.cyclesInsn, cycles)})`],
    ['  page-walk cycles', `${fmtInt(stats.cyclesWalk)} (${pct(stats.cyclesWalk, cycles)})`],
    ['  trap cycles', `${fmtInt(stats.cyclesTrap)} (${pct(stats.cyclesTrap, cycles)})`],
    ['  device cycles', `${fmtInt(stats.cyclesMmio)} (${pct(stats.cyclesMmio, cycles)})`],
    ['  idle cycles', `${fmtInt(stats.cyclesIdle)} (${pct(stats.cyclesIdle, cycles)})`],
  ];
  if (stats.cyclesExit + stats.cyclesVmm > 0) {
    rows.push(['  VM exit/entry cycles', `${fmtInt(stats.cyclesExit)} (${pct(stats.cyclesExit, cycles)})`]);
    rows.push(['  VMM cycles', `${fmtInt(stats.cyclesVmm)} (${pct(stats.cyclesVmm, cycles)})`]);
  }
  if (accesses > 0) {
    const by = (a: Record<string, number>) => `fetch ${fmtInt(a.fetch ?? 0)}, load ${fmtInt(a.load ?? 0)}, store ${fmtInt(a.store ?? 0)}`;
    rows.push(['TLB hits', `${fmtInt(j.tlb.hits)} (${by(j.tlb.hitsByAccess)})`]);
    rows.push(['TLB misses', `${fmtInt(j.tlb.misses)} (${by(j.tlb.missesByAccess)}), miss rate ${pct(j.tlb.misses, accesses)}`]);
    rows.push(['page walks', `${fmtInt(stats.walks)}, ${fmtInt(stats.walkRefs)} memory references` +
      (stats.walkEptRefs > 0 ? ` (guest ${fmtInt(stats.walkGuestRefs)}, EPT ${fmtInt(stats.walkEptRefs)})` : '') +
      (stats.walks > 0 ? `, ${(stats.walkRefs / stats.walks).toFixed(2)} per walk` : '')]);
  }
  rows.push(['page faults', fmtInt(stats.pageFaults)]);
  const traps = Object.entries(j.traps).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ');
  rows.push(['traps', traps || 'none']);
  rows.push(['interrupts', fmtInt(stats.interrupts)]);
  rows.push(['PTBR writes', fmtInt(stats.ptbrWrites)]);
  rows.push(['invlpg / tlbflush', `${fmtInt(stats.invlpgs)} / ${fmtInt(stats.tlbFlushes)}`]);
  if (vmm) {
    const reasons = [...vmm.exitsByReason].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ');
    rows.push(['VM exits', `${fmtInt(vmm.exitsTotal)}${reasons ? ` (${reasons})` : ''}`]);
    rows.push(['faults hidden / injected', `${fmtInt(vmm.faultsHidden)} / ${fmtInt(vmm.faultsInjected)}`]);
    rows.push(['emulated', `${fmtInt(vmm.ptWritesEmulated)} page-table writes, ${fmtInt(vmm.mmioEmulated)} device accesses`]);
    if (vmm.shadowPeakPages > 0) rows.push(['shadow pages', `${fmtInt(vmm.shadowPages)} now, ${fmtInt(vmm.shadowPeakPages)} at peak (${fmtInt(vmm.shadowPeakPages * 4)} KiB)`]);
    if (vmm.eptPages > 0) rows.push(['EPT pages', fmtInt(vmm.eptPages)]);
    if (vmm.dynamic) {
      const d = vmm.dynamic;
      rows.push(['design switches', `${fmtInt(d.switches)} (to shadow ${fmtInt(d.toShadow)}, to EPT ${fmtInt(d.toNested)}${d.forced > 0 ? `, ${fmtInt(d.forced)} forced` : ''}), ${fmtInt(d.switchCycles)} cycles, ${fmtInt(d.windows)} policy windows`]);
      rows.push(['instructions by design', `shadow ${fmtInt(d.instructionsShadow)}, EPT ${fmtInt(d.instructionsNested)}`]);
    }
    if (vmm.agile) {
      const a = vmm.agile;
      rows.push(['agile moves', `${fmtInt(a.toNested)} leaf tables to nested, ${fmtInt(a.toShadow)} back to shadow${a.forced > 0 ? ` (${fmtInt(a.forced)} forced)` : ''}; ${fmtInt(a.nestedTables)} nested now, ${fmtInt(a.nestedPeak)} at peak`]);
      rows.push(['agile sampling', `${fmtInt(a.windows)} policy windows, ${fmtInt(a.dirtySamples)} dirty samples, ${fmtInt(a.entriesRebuilt)} shadow entries rebuilt`]);
      if (a.rootToNested > 0 || a.rootToShadow > 0 || a.rootWindows > 0) {
        const share = stats.instructions > 0 ? ` (${((100 * a.instructionsRootNested) / stats.instructions).toFixed(1)}% of instructions)` : '';
        rows.push(['agile root', `${fmtInt(a.rootToNested)} switches to nested, ${fmtInt(a.rootToShadow)} back to shadow; ${a.rootNested ? 'nested' : 'shadowed'} now${share}; ${fmtInt(a.rootWindows)} periods judged, ${fmtInt(a.rootSwitchCycles)} switch cycles`]);
      }
    }
    if (vmm.pv) {
      const pv = vmm.pv;
      const calls = [...pv.hypercalls].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.replace(/^hc-/, '')} ${fmtInt(v)}`).join(', ');
      const failures = [...pv.failures].map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ');
      rows.push(['hypercalls', `${fmtInt([...pv.hypercalls.values()].reduce((a, b) => a + b, 0))}${calls ? ` (${calls})` : ''}`]);
      rows.push(['PV updates', `${fmtInt(pv.updates)} in ${fmtInt(pv.batches)} mmu_update batches (${pv.batches === 0 ? '0' : (pv.updates / pv.batches).toFixed(2)} per batch, at most ${fmtInt(pv.largestBatch)}), ${fmtInt(pv.tablesValidated)} tables validated`]);
      rows.push(['PV refusals', `${failures || 'none'}${pv.writesRefused > 0 ? `; ${fmtInt(pv.writesRefused)} stores to page tables` : ''}`]);
    }
    rows.push(['guest frames backed', fmtInt(vmm.guestFrames) + (vmm.sharing ? ` privately, ${fmtInt(vmm.sharing.sharedNow)} by shared frames` : '')]);
    if (vmm.swap) {
      const sw = vmm.swap;
      rows.push(['host swapping', `${fmtInt(sw.pagesOut)} pages out, ${fmtInt(sw.pagesIn)} in (${fmtInt(sw.pageInsOnStore)} on guest stores), ${fmtInt(sw.swappedNow)} out now; ${fmtInt(sw.outCycles + sw.inCycles)} cycles`]);
    }
    if (vmm.balloon) {
      const b = vmm.balloon;
      rows.push(['ballooning', `${fmtInt(b.ballooned)} frames in the balloon now (target ${fmtInt(b.target)}, peak ${fmtInt(b.peakBallooned)}); ${fmtInt(b.framesInflated)} inflated, ${fmtInt(b.framesDeflated)} deflated (${fmtInt(b.pressureDeflates)} on guest memory pressure), ${fmtInt(b.hostFramesFreed)} host frames freed`]);
      rows.push(['balloon calls', `${fmtInt(b.targetCalls + b.inflates + b.deflates)} hypercalls (target ${fmtInt(b.targetCalls)}, inflate ${fmtInt(b.inflates)}, deflate ${fmtInt(b.deflates)}), ${fmtInt(b.refused)} refused, ${fmtInt(b.touches)} touches of given frames; ${fmtInt(b.cycles)} cycles`]);
    }
    if (vmm.sharing) {
      const sh = vmm.sharing;
      rows.push(['page sharing', `${fmtInt(sh.scanned)} frames scanned, ${fmtInt(sh.merged)} merged, ${fmtInt(sh.cowBreaks)} copy-on-write breaks (${fmtInt(sh.cowExits)} on guest stores); scan ${fmtInt(sh.scanCycles)} cycles, copies ${fmtInt(sh.cowCycles)} cycles`]);
    }
    if (vmm.dirtyLog) {
      const d = vmm.dirtyLog;
      rows.push(['dirty logging', `${d.method}: ${fmtInt(d.pagesLogged)} pages logged, ${fmtInt(d.wpExits)} write-protection exits, ${fmtInt(d.pmlFullExits)} PML-full exits, ${fmtInt(d.harvests)} harvests; ${fmtInt(d.cycles)} cycles`]);
    }
    if (vmm.migration) {
      const m = vmm.migration;
      const rounds = m.pagesPerRound.length > 12 ? `${m.pagesPerRound.slice(0, 12).join(' ')} …` : m.pagesPerRound.join(' ');
      rows.push(['migration', !m.started ? 'not started' : !m.completed ? `not finished when the VM stopped (${fmtInt(m.rounds)} rounds: ${rounds})` : `${m.converged ? 'converged' : 'did not converge'} in ${fmtInt(m.rounds)} rounds (pages ${rounds}), stop-and-copy ${fmtInt(m.stopCopyPages)} pages; ${fmtInt(m.pagesSent)} pages sent`]);
      if (m.completed) rows.push(['migration time', `${fmtInt(m.totalCycles)} cycles, downtime ${fmtInt(m.downtimeCycles)}; logging ${fmtInt(m.loggingCycles)} cycles, a slowdown of ${(m.slowdown * 100).toFixed(2)}%`]);
    }
    if (vmm.refusedAccesses > 0) rows.push(['refused accesses', fmtInt(vmm.refusedAccesses)]);
  }
  return table(rows);
}
