// The TLB as data: its geometry and every valid entry, in set and way order, with its context
// (VPID, ASID, or the paging-off space), the mapping, the page size, the bits and its rank in the
// set's LRU order (0 = most recently used). With --split-tlb there are two, instruction and data.

import { PTE } from '../isa/arch.ts';
import type { Tlb } from '../emulator/tlb.ts';
import type { InspectTarget } from './target.ts';

export interface TlbEntryInfo {
  /** set × ways + way. */
  readonly index: number;
  readonly set: number;
  readonly way: number;
  readonly vpid: number;
  readonly asid: number;
  /** Filled while the guest's paging was off: a guest-physical identity, tagged apart from every ASID. */
  readonly pagingOff: boolean;
  readonly global: boolean;
  readonly va: number;
  readonly pa: number;
  readonly pageBytes: number;
  /** The guest page this entry is a piece of (larger than pageBytes for a split superpage). */
  readonly guestPageBytes: number;
  readonly bits: number;
  /** Rank in its set by last use: 0 = most recently used. */
  readonly lruRank: number;
  /** When it was last used, on the TLB's own clock: a later view with a larger value saw it hit. */
  readonly lastUse: number;
}

export interface TlbInfo {
  readonly kind: 'unified' | 'instruction' | 'data';
  readonly capacity: number;
  readonly sets: number;
  readonly ways: number;
  readonly replacement: 'lru' | 'random';
  readonly valid: readonly TlbEntryInfo[];
}

export interface TlbContents {
  readonly tlbs: readonly TlbInfo[];
  /** Under a VMM the one hardware TLB serves every VM (told apart by VPID when tagging is on). */
  readonly sharedByVms: boolean;
}

function tlbInfo(kind: TlbInfo['kind'], t: Tlb): TlbInfo {
  const entries = t.entries();
  // LRU order within each set: 0 = most recently used.
  const rank = new Map<number, number>();
  const bySet = new Map<number, typeof entries>();
  for (const e of entries) bySet.set(e.set, [...(bySet.get(e.set) ?? []), e]);
  for (const list of bySet.values()) [...list].sort((a, b) => b.lastUse - a.lastUse).forEach((e, i) => rank.set(e.index, i));
  const valid = entries.map((e) => ({
    index: e.index, set: e.set, way: e.way, vpid: e.vpid, asid: e.asid, pagingOff: e.pagingOff, global: (e.bits & PTE.G) !== 0,
    va: e.va, pa: e.pa, pageBytes: e.pageBytes, guestPageBytes: e.guestPageBytes, bits: e.bits, lruRank: rank.get(e.index)!, lastUse: e.lastUse,
  }));
  return { kind, capacity: t.config.entries, sets: t.sets, ways: t.ways, replacement: t.config.replacement, valid };
}

export function tlbContents(target: InspectTarget): TlbContents {
  const mmu = target.mmu;
  const tlbs = mmu.itlb === mmu.dtlb ? [tlbInfo('unified', mmu.itlb)] : [tlbInfo('instruction', mmu.itlb), tlbInfo('data', mmu.dtlb)];
  return { tlbs, sharedByVms: target.vmm !== undefined };
}
