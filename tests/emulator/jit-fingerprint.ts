// What the engine tests compare between the interpreter and the translating engine: everything a
// run leaves that either engine could change (tests/emulator/jit*.test.ts).

import { createHash } from 'node:crypto';
import type { Cpu } from '../../emulator/cpu.ts';
import type { PhysicalMemory } from '../../emulator/memory.ts';
import type { Mmu } from '../../emulator/mmu.ts';
import type { Stats } from '../../emulator/stats.ts';

/** Everything a run leaves that either engine could change. */
export function fingerprint(cpu: Cpu, stats: Stats, mmu: Mmu, mem: PhysicalMemory | null, extra: Record<string, unknown> = {}): string {
  const tlb = (t: Mmu['itlb']) => t.entries();
  return JSON.stringify({
    regs: Array.from(cpu.regs),
    pc: cpu.pc,
    cr: Array.from(cpu.cr),
    timer: [cpu.timerDeadline, cpu.timerPending, cpu.idleTicks],
    stats: stats.toJSON(),
    cycles: [stats.cyclesInsn, stats.cyclesWalk, stats.cyclesTrap, stats.cyclesMmio, stats.cyclesIdle, stats.cyclesExit, stats.cyclesVmm],
    itlb: tlb(mmu.itlb),
    dtlb: mmu.dtlb === mmu.itlb ? 'unified' : tlb(mmu.dtlb),
    clock: mmu.clock,
    generation: mmu.generation,
    mem: mem === null ? '' : createHash('sha1').update(mem.u8).digest('hex'),
    ...extra,
  });
}
