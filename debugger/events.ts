// What happened during a step, found without a single check in the CPU's loop: the debugger
// reads the statistics counters before and after (traps by cause, page faults, PTBR writes, TLB
// misses, VM exits) and decodes the instruction at pc before the step (for watchpoints, `next`
// and `finish`). The hot loop pays nothing for any of this.

import { CR, causeName } from '../isa/arch.ts';
import { decode } from '../isa/encoding.ts';
import type { ExitRecord } from '../hypervisor/vm.ts';
import { hex8 } from './format.ts';
import { readMemory } from './memory.ts';
import type { CpuView, Target } from './target.ts';

/** The counters the debugger compares across a step. Reused: capture() overwrites. */
export class Counters {
  instructions = 0;
  trapsTotal = 0;
  readonly traps = new Float64Array(32);
  pageFaults = 0;
  ptbrWrites = 0;
  readonly tlbMisses = new Float64Array(3);
  exitsTotal = 0;
  tlbRuleViolations = 0;

  capture(view: CpuView): this {
    const s = view.stats;
    this.instructions = s.instructions;
    this.traps.set(s.traps);
    let total = 0;
    for (let i = 0; i < 32; i++) total += s.traps[i]!;
    this.trapsTotal = total;
    this.pageFaults = s.pageFaults;
    this.ptbrWrites = s.ptbrWrites;
    this.tlbMisses.set(s.tlbMisses);
    this.exitsTotal = view.vmmStats?.exitsTotal ?? 0;
    this.tlbRuleViolations = view.tlbRules?.violations ?? 0;
    return this;
  }
}

/** What changed between two captures of the same CPU. */
export interface Delta {
  readonly retired: number;
  readonly traps: number;
  trapsOf(cause: number): number;
  readonly pageFaults: number;
  readonly ptbrWrites: number;
  /** By access: fetch, load, store. */
  readonly tlbMisses: readonly number[];
  readonly exits: number;
  /** Stale translations the TLB-rule checker saw used (with --check-tlb-rules). */
  readonly tlbRuleViolations: number;
  /** The exit records of those exits (the newest EXIT_LOG_SIZE at most). */
  exitRecords(): ExitRecord[];
}

export function delta(view: CpuView, before: Counters, after: Counters): Delta {
  return {
    retired: after.instructions - before.instructions,
    traps: after.trapsTotal - before.trapsTotal,
    trapsOf: (cause) => after.traps[cause]! - before.traps[cause]!,
    pageFaults: after.pageFaults - before.pageFaults,
    ptbrWrites: after.ptbrWrites - before.ptbrWrites,
    tlbMisses: [0, 1, 2].map((a) => after.tlbMisses[a]! - before.tlbMisses[a]!),
    exits: after.exitsTotal - before.exitsTotal,
    tlbRuleViolations: after.tlbRuleViolations - before.tlbRuleViolations,
    exitRecords: () => {
      const n = after.exitsTotal - before.exitsTotal;
      return n > 0 && view.vm ? view.vm.recentExits(n) : [];
    },
  };
}

/** The instruction at pc, decoded, with the memory access it will make if it is a load or store. */
export interface Peek {
  readonly pc: number;
  readonly word: number | undefined;
  readonly mnemonic: string | undefined;
  /** jal/jalr writing ra: a call. */
  readonly isCall: boolean;
  /** jalr zero, 0(ra): a return. */
  readonly isReturn: boolean;
  readonly access: { readonly va: number; readonly size: number; readonly isStore: boolean } | undefined;
}

const ACCESS_SIZE: Record<string, number> = { lb: 1, lbu: 1, sb: 1, lh: 2, lhu: 2, sh: 2, lw: 4, sw: 4 };
const RA = 1;

export function peek(target: Target, view: CpuView): Peek {
  const pc = view.cpu.pc >>> 0;
  const w = readMemory(target, view, { space: 'v', addr: pc }, 4);
  const word = typeof w === 'number' ? w : undefined;
  const d = word === undefined ? undefined : decode(word);
  if (!d) return { pc, word, mnemonic: undefined, isCall: false, isReturn: false, access: undefined };
  const m = d.spec.mnemonic;
  const o = d.operands;
  const isCall = (m === 'jal' || m === 'jalr') && o.rd === RA;
  const isReturn = m === 'jalr' && o.rd === 0 && o.rs1 === RA && o.imm18 === 0;
  let access: Peek['access'];
  if (d.spec.cls === 'load' || d.spec.cls === 'store') {
    const isStore = d.spec.cls === 'store';
    const base = isStore ? o.srcB! : o.rs1!;
    access = { va: (view.cpu.regs[base]! + o.imm18!) >>> 0, size: ACCESS_SIZE[m] ?? 4, isStore };
  }
  return { pc, word, mnemonic: m, isCall, isReturn, access };
}

/** The last trap of a step, in words: cause, bad address, where it happened, where it went. */
export function describeTrap(view: CpuView, count: number, describe: (addr: number) => string): string {
  const cr = view.cpu.cr;
  const cause = cr[CR.CAUSE]!;
  const badva = cause < 16 && cause >= 4 ? `, badva ${hex8(cr[CR.BADVA]!)}` : '';
  const many = count > 1 ? `${count} traps, the last: ` : '';
  return `${many}${causeName(cause)}${badva} at epc ${describe(cr[CR.EPC]!)} → handler ${describe(cr[CR.EVEC]! & ~3)}`;
}

export function describeExit(r: ExitRecord, describe: (addr: number) => string): string {
  const kind = r.reason === r.hardware ? r.reason : `${r.reason} (${r.hardware})`;
  return `${kind}: ${r.detail || '-'} at pc ${describe(r.pc)}`;
}
