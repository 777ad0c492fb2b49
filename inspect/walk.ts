// Walks as data: the guest's own walk of its tables (what the debugger reads guest-virtual memory
// through, and what a shadow VMM reads in software), and `translate`, the walk the hardware would
// make for an access now: every memory reference numbered in the order the hardware makes it
// (under EPT the whole two-dimensional walk, with its grid of rows), its address, value, bits and
// what it leads to, whether the page-walk cache serves it, the cost, the outcome and whether the
// TLB would hit.
//
// When the MMU holds the CPU's state, `translate` asks the MMU itself (mmu.probe: the real walk,
// no side effects). Otherwise (a VM that is not loaded) it walks the same tables with its own
// Walker over host memory, and the TLB is unknown. The guest walk follows isa/README.md 6.2
// without the permission check (a debugger may look at supervisor pages from anywhere).

import { ACCESS, ACCESS_NAMES, CAUSE, CR, PTE, STATUS, causeName, type AccessType } from '../isa/arch.ts';
import { permits, type ProbeResult } from '../emulator/mmu.ts';
import { AGILE_PAGING, AGILE_SWITCH, TV32_PAGING, levelShift, type PagingMode } from '../emulator/paging-mode.ts';
import { StageResult, WALK_EPT_VIOLATION, WALK_OK, Walker, type WalkStep } from '../emulator/walker.ts';
import type { AddressSpace, CpuView, InspectTarget, Mode } from './target.ts';

export type AccessName = (typeof ACCESS_NAMES)[number];

/** Where a page-table entry leads: nowhere (V = 0), the next table, or a frame (a large page above the last level). */
export type LeadsTo =
  | { readonly kind: 'not-present' }
  | { readonly kind: 'table'; readonly addr: number }
  | { readonly kind: 'frame'; readonly addr: number; readonly pageBytes: number; readonly large: boolean };

/** What an entry with this value at this level of a table of `mode` leads to. */
export function leadsTo(value: number, level: number, mode: PagingMode): LeadsTo {
  if (!(value & PTE.V)) return { kind: 'not-present' };
  const last = level === mode.levelBits.length - 1;
  const addr = (value & PTE.FRAME_MASK) >>> 0;
  if (last || ((value & PTE.L) && mode.largeAllowed[level])) return { kind: 'frame', addr, pageBytes: 2 ** levelShift(mode, level), large: !last };
  return { kind: 'table', addr };
}

// ------------------------------------------------------------------ the guest's own walk

export interface GuestWalkStep {
  readonly level: number;
  /** Guest-physical address of the entry. */
  readonly entryAddr: number;
  readonly value: number;
  readonly leadsTo: LeadsTo;
}

export interface GuestWalk {
  /** Guest paging on (STATUS.PG)? Off: virtual = guest-physical. */
  readonly paging: boolean;
  readonly root: number;
  readonly steps: GuestWalkStep[];
  readonly ok: boolean;
  readonly guestPhys: number;
  readonly pageShift: number;
  /** The leaf entry (all of V W X U A D with paging off). */
  readonly leaf: number;
  /** Why the walk failed, in words. */
  readonly fault?: string;
}

const PAGING_OFF_LEAF = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;
const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** The guest's own two-level walk for `va`, read from guest-physical memory. */
export function guestWalk(target: InspectTarget, view: CpuView, va: number): GuestWalk {
  va >>>= 0;
  const { on, root } = target.guestPaging(view);
  if (!on) return { paging: false, root, steps: [], ok: true, guestPhys: va, pageShift: 12, leaf: PAGING_OFF_LEAF };
  const steps: GuestWalkStep[] = [];
  const step = (level: number, entryAddr: number, value: number) => steps.push({ level, entryAddr, value, leadsTo: leadsTo(value, level, TV32_PAGING) });
  const fail = (fault: string): GuestWalk => ({ paging: true, root, steps, ok: false, guestPhys: 0, pageShift: 12, leaf: 0, fault });
  // Steps 1-3: the level-1 entry.
  const pdeAddr = (root + (va >>> 22) * 4) >>> 0;
  const pde = target.readGuestPhysWord(view, pdeAddr);
  if (pde === undefined) return fail(`level-1 entry at ${hex8(pdeAddr)} is outside guest memory (bus error)`);
  step(0, pdeAddr, pde >>> 0);
  if (!(pde & PTE.V)) return fail('level-1 entry not present (V = 0)');
  if (pde & PTE.L) {
    if (pde & 0x003ff000) return fail('superpage entry with a misaligned frame');
    const gpa = ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0;
    return { paging: true, root, steps, ok: true, guestPhys: gpa, pageShift: 22, leaf: pde >>> 0 };
  }
  // Steps 4-5: the level-2 entry.
  const pteAddr = ((pde & PTE.FRAME_MASK) + ((va >>> 12) & 1023) * 4) >>> 0;
  const pte = target.readGuestPhysWord(view, pteAddr);
  if (pte === undefined) return fail(`level-2 entry at ${hex8(pteAddr)} is outside guest memory (bus error)`);
  step(1, pteAddr, pte >>> 0);
  if (!(pte & PTE.V)) return fail('level-2 entry not present (V = 0)');
  return { paging: true, root, steps, ok: true, guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0, pageShift: 12, leaf: pte >>> 0 };
}

// ------------------------------------------------------------------ the hardware's walk

/** One memory reference of a walk (or one entry the page-walk cache served instead). */
export interface WalkRef {
  /** 1 to N, in the order the hardware makes them. */
  readonly n: number;
  /**
   * 'shadow': an entry of the VMM's shadow table in an agile walk, above its switch ('guest'
   * below it: the guest's own entry, read at its host address, leading to a guest-physical frame).
   */
  readonly stage: 'guest' | 'ept' | 'shadow';
  /** Agile walks: this shadow entry has the switch bit, so the walk goes nested from the next level. */
  readonly switches?: boolean;
  /** 0 = the top level. */
  readonly level: number;
  /** The space of entryAddr and of the address the entry leads to: guest-physical for guest tables under EPT. */
  readonly space: AddressSpace;
  readonly entryAddr: number;
  /** Where the entry really is in host memory. */
  readonly hostAddr: number;
  readonly value: number;
  /** The entry's flag bits (V W X U G A D L: bits 0 to 7). */
  readonly bits: number;
  readonly leadsTo: LeadsTo;
  /** Served by the page-walk cache: no memory reference, no cost. */
  readonly cached: boolean;
  /** EPT references: the guest-physical address this EPT walk translates. */
  readonly translating?: number;
}

/**
 * One row of the two-dimensional walk: a guest-physical address (a guest table entry, then the
 * data) translated through the EPT, then, for a table entry, read. Cells are reference numbers.
 */
export interface GridRow {
  readonly kind: 'guest-entry' | 'data';
  /** The guest-physical address the row translates. */
  readonly guestPhys: number;
  /** The EPT references that translate it, in order. */
  readonly eptRefs: readonly number[];
  /** A guest-entry row: the reference that reads the guest entry (its level is the row's). */
  readonly guestRef?: number;
  readonly guestLevel?: number;
}

export type WalkOutcome =
  | {
    readonly kind: 'ok';
    /** Host-physical (physical on bare metal). */
    readonly hostPhys: number;
    readonly pageBytes: number;
    /** The leaf's bits as the TLB would cache them. */
    readonly leafBits: number;
    /** Under EPT when the guest maps it: the guest-physical address on the way. */
    readonly guestPhys?: number;
  }
  /** Under EPT: a guest-physical address (a table's or the data's) has no EPT mapping: an exit, the VMM backs it. */
  | { readonly kind: 'ept-violation'; readonly guestPhys: number }
  | {
    readonly kind: 'fault';
    readonly cause: number;
    readonly causeName: string;
    /**
     * Under shadow paging: hidden (the guest maps it; the VMM fills the shadow) or injected (it
     * does not). Agile: 'direct' when a guest entry below the switch refused it (the guest takes
     * the fault itself, no exit); a shadow-level fault is hidden or injected as under shadow.
     */
    readonly shadow?: 'hidden' | 'injected' | 'direct';
  };

export interface WalkCost {
  /** Entries the walk reads, page-walk cache hits included (refs.length)... */
  readonly entries: number;
  readonly guestEntries: number;
  readonly eptEntries: number;
  /** ...and of those, the ones that go to memory. */
  readonly memoryRefs: number;
  readonly startCycles: number;
  readonly refCycles: number;
  /** On a TLB miss: startCycles + memoryRefs × refCycles; 0 with no walk. */
  readonly cycles: number;
  /**
   * Under EPT: a walk of n guest levels through m EPT levels with nothing cached makes
   * (n+1)(m+1)−1 references (each guest entry's address and the data's take an EPT walk).
   */
  readonly coldWalk?: { readonly guestLevels: number; readonly eptLevels: number; readonly refs: number };
  /**
   * Agile walks: how many entries were the VMM's shadow entries and how many the guest's (below
   * the switch), and whether the walk switched: a switched TV32 walk costs 2 + m (1 shadow
   * directory entry, 1 guest entry, m EPT references), an unswitched one 2, as native.
   */
  readonly agile?: { readonly shadowEntries: number; readonly guestEntries: number; readonly switched: boolean };
}

export type TlbVerdict =
  /** The MMU holds another VM's state (or none yet): the walk was done in software. */
  | { readonly kind: 'unknown'; readonly loadedVm: string | undefined }
  /** Translation is off: no TLB. */
  | { readonly kind: 'not-used' }
  | { readonly kind: 'hit'; readonly tlb: 'unified' | 'instruction' | 'data'; readonly index: number; readonly set: number; readonly way: number }
  | { readonly kind: 'miss' };

export interface HardwareWalk {
  /** The MMU's own probe, or a software walk of the tables the VM would run on. */
  readonly source: 'mmu' | 'software';
  readonly refs: readonly WalkRef[];
  /** Under EPT: the rows of the two-dimensional walk. */
  readonly grid?: readonly GridRow[];
  readonly outcome: WalkOutcome;
  readonly cost: WalkCost;
  readonly tlb: TlbVerdict;
}

export interface Translation {
  readonly va: number;
  readonly access: AccessName;
  readonly cpu: string;
  readonly mode: Mode;
  readonly supervisor: boolean;
  /** The guest's own walk (its tables, guest-physical addresses). */
  readonly guest: GuestWalk;
  /** When the guest maps it, under a VMM: the host frame backing its guest-physical address (-1: not backed yet). */
  readonly guestBacking?: number;
  /**
   * The hardware's walk; undefined for a shadow-mode VM whose shadow tables the MMU does not hold
   * and that has none yet (then `loadedVm` says whose state the MMU holds).
   */
  readonly hardware: HardwareWalk | undefined;
  readonly loadedVm: string | undefined;
  /** An agile VM switched at the root: the hardware walk is the full 2-D walk of EPT (its `grid`). */
  readonly agileRootNested?: boolean;
}

const NOT_PRESENT = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
const PROTECTION = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];

/** What a translation of `va` for `access` would do now, as data. Changes nothing. */
export function translate(target: InspectTarget, view: CpuView, va: number, access: AccessName): Translation {
  va >>>= 0;
  const accessType = ACCESS_NAMES.indexOf(access) as AccessType;
  const guest = guestWalk(target, view, va);
  const holds = target.mmuHolds(view);
  // Switched at the root, an agile VM's hardware walk is EPT's: it is shown as one.
  const rootNested = view.mode === 'agile' && target.agileRootNested?.(view) === true;
  const original = view;
  if (rootNested) view = { ...view, mode: 'ept' };
  const probe = holds ? target.mmu.probe(va, accessType) : softwareProbe(target, view, va, accessType);
  const guestBacking = view.vm && guest.ok ? target.guestPhysToHost(view, guest.guestPhys) : undefined;
  const base = {
    va, access, cpu: view.name, mode: original.mode, supervisor: view.cpu.supervisor, guest,
    ...(guestBacking === undefined ? {} : { guestBacking }),
    loadedVm: target.loadedVm?.name,
    ...(rootNested ? { agileRootNested: true } : {}),
  };
  if (!probe) return { ...base, hardware: undefined };
  const eptMode = view.vm ? (target.ept(view)?.pagingMode ?? TV32_PAGING) : TV32_PAGING;
  const refs = probe.steps.map((s, i) => walkRef(s, i + 1, view.mode, eptMode));
  const grid = view.mode === 'ept' ? gridOf(refs) : undefined;
  return {
    ...base,
    hardware: {
      source: holds ? 'mmu' : 'software',
      refs,
      ...(grid ? { grid } : {}),
      outcome: outcomeOf(view, probe, guest),
      cost: costOf(target, view, probe, refs, eptMode),
      tlb: tlbVerdict(target, view, probe, accessType, holds),
    },
  };
}

function walkRef(s: WalkStep, n: number, mode: Mode, eptMode: PagingMode): WalkRef {
  const space: AddressSpace = mode === 'native' ? 'physical' : s.stage === 'guest' && mode === 'ept' ? 'guest-physical' : 'host-physical';
  const switches = s.stage === 'shadow' && leadsTo(s.value, s.level, AGILE_PAGING).kind === 'table' && (s.value & AGILE_SWITCH) !== 0;
  const ref = {
    n, stage: s.stage, level: s.level, space, entryAddr: s.entryAddr >>> 0, hostAddr: s.hostAddr >>> 0, value: s.value >>> 0,
    bits: s.value & 0xff, leadsTo: leadsTo(s.value, s.level, s.stage === 'ept' ? eptMode : TV32_PAGING), cached: s.cached,
    ...(switches ? { switches } : {}),
  };
  return s.translating === undefined ? ref : { ...ref, translating: s.translating >>> 0 };
}

/** Group the references into rows: each guest-physical address's EPT walk, then the guest entry read there. */
function gridOf(refs: readonly WalkRef[]): GridRow[] {
  type Row = { guestPhys: number; ept: number[]; guest?: WalkRef };
  const rows: Row[] = [];
  for (const r of refs) {
    const cur = rows[rows.length - 1];
    if (r.stage === 'ept') {
      if (!cur || cur.guest || cur.guestPhys !== r.translating) rows.push({ guestPhys: r.translating!, ept: [r.n] });
      else cur.ept.push(r.n);
    } else if (cur && !cur.guest && cur.guestPhys === r.entryAddr) cur.guest = r;
    else rows.push({ guestPhys: r.entryAddr, ept: [], guest: r });
  }
  return rows.map((row) => (row.guest
    ? { kind: 'guest-entry', guestPhys: row.guestPhys, eptRefs: row.ept, guestRef: row.guest.n, guestLevel: row.guest.level }
    : { kind: 'data', guestPhys: row.guestPhys, eptRefs: row.ept }));
}

function outcomeOf(view: CpuView, probe: ProbeResult, guest: GuestWalk): WalkOutcome {
  if (probe.ok) {
    const via = view.mode === 'ept' && guest.ok ? { guestPhys: guest.guestPhys } : {};
    return { kind: 'ok', hostPhys: probe.hostPhys >>> 0, pageBytes: 2 ** probe.pageShift, leafBits: probe.leafBits & 0xff, ...via };
  }
  if (probe.cause === 'ept-violation') return { kind: 'ept-violation', guestPhys: (probe.faultGuestPhys ?? 0) >>> 0 };
  const cause = probe.cause ?? 0;
  const fault = { kind: 'fault', cause, causeName: causeName(cause) } as const;
  if (view.mode === 'agile') {
    // Below a switch the fault is the guest's own; at the shadow level the VMM decides, as under shadow paging.
    const last = probe.steps[probe.steps.length - 1];
    if (last?.stage === 'guest') return { ...fault, shadow: 'direct' };
  }
  return view.mode === 'shadow' || view.mode === 'agile' ? { ...fault, shadow: guest.ok ? 'hidden' : 'injected' } : fault;
}

function costOf(target: InspectTarget, view: CpuView, probe: ProbeResult, refs: readonly WalkRef[], eptMode: PagingMode): WalkCost {
  const profile = target.profile;
  const eptEntries = refs.filter((r) => r.stage === 'ept').length;
  const cost = {
    entries: refs.length, guestEntries: refs.length - eptEntries, eptEntries, memoryRefs: refs.filter((r) => !r.cached).length,
    startCycles: profile.walkStartCycles, refCycles: profile.walkRefCycles, cycles: probe.cycles,
  };
  if (view.mode === 'agile') {
    const shadowEntries = refs.filter((r) => r.stage === 'shadow').length;
    const agile = { shadowEntries, guestEntries: refs.length - eptEntries - shadowEntries, switched: refs.some((r) => r.switches === true) };
    return { ...cost, agile };
  }
  if (view.mode !== 'ept') return cost;
  const n = TV32_PAGING.levelBits.length;
  const m = eptMode.levelBits.length;
  return { ...cost, coldWalk: { guestLevels: n, eptLevels: m, refs: (n + 1) * (m + 1) - 1 } };
}

function tlbVerdict(target: InspectTarget, view: CpuView, probe: ProbeResult, access: AccessType, holds: boolean): TlbVerdict {
  const mmu = target.mmu;
  if (!holds) return { kind: 'unknown', loadedVm: target.loadedVm?.name };
  if (!mmu.translating) return { kind: 'not-used' };
  if (!probe.tlbHit) return { kind: 'miss' };
  const tlb = access === ACCESS.FETCH ? mmu.itlb : mmu.dtlb;
  const which = mmu.itlb === mmu.dtlb ? 'unified' : access === ACCESS.FETCH ? 'instruction' : 'data';
  return { kind: 'hit', tlb: which, index: probe.tlbIndex, set: Math.floor(probe.tlbIndex / tlb.ways), way: probe.tlbIndex % tlb.ways };
}

// ------------------------------------------------------------------ walks the MMU does not hold

/** The walk of a VM the MMU does not hold, done with our own Walker (EPT or shadow): the TLB is unknown. */
function softwareProbe(target: InspectTarget, view: CpuView, va: number, access: AccessType): ProbeResult | undefined {
  if (view.mode === 'agile') return agileSoftwareProbe(target, view, va, access);
  const ept = target.ept(view);
  if (!ept) return shadowSoftwareProbe(target, view, va, access);
  const nested = { mode: ept.pagingMode, root: ept.rootAddress };
  const walker = new Walker(target.hostMemory);
  const steps: WalkStep[] = [];
  walker.trace = steps;
  const result = (ok: boolean, hostPhys: number, extra: Partial<ProbeResult>): ProbeResult => softwareResult(target, va, access, steps, ok, hostPhys, extra);
  const { on, root } = target.guestPaging(view);
  let gpa = va;
  let bits = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;
  let shift = 32;
  if (on) {
    const s1 = new StageResult();
    const status = walker.walk(TV32_PAGING, root, va, 'guest', s1, nested);
    if (status !== WALK_OK) {
      return status === WALK_EPT_VIOLATION ? result(false, -1, { cause: 'ept-violation', faultGuestPhys: s1.faultGuestPhys }) : result(false, -1, { cause: NOT_PRESENT[access] });
    }
    const user = !(view.cpu.cr[CR.STATUS]! & STATUS.MODE);
    if (!permits(s1.leaf, access, user)) return result(false, -1, { cause: PROTECTION[access] });
    gpa = s1.output;
    bits = s1.leaf;
    shift = s1.pageShift;
  }
  const s2 = new StageResult();
  const status = walker.walk(nested.mode, nested.root, gpa, 'ept', s2, null);
  if (status !== WALK_OK || !permits(s2.leaf | PTE.U, access, false)) return result(false, -1, { cause: 'ept-violation', faultGuestPhys: gpa });
  return result(true, s2.output, { pageShift: Math.min(shift, s2.pageShift), leafBits: bits });
}

/** The hardware walk of a shadow-mode VM the MMU does not hold: its current shadow tables, walked in software. */
function shadowSoftwareProbe(target: InspectTarget, view: CpuView, va: number, access: AccessType): ProbeResult | undefined {
  const root = target.shadowRoot(view);
  if (root === undefined) return undefined;
  const walker = new Walker(target.hostMemory);
  const steps: WalkStep[] = [];
  walker.trace = steps;
  const s1 = new StageResult();
  const status = walker.walk(TV32_PAGING, root, va, 'guest', s1, null);
  const user = !(view.cpu.cr[CR.STATUS]! & STATUS.MODE);
  const ok = status === WALK_OK && permits(s1.leaf, access, user);
  // A shadow walk that fails is a hidden or a true fault: the VMM decides (see the guest's walk).
  const cause = ok ? undefined : status === WALK_OK ? PROTECTION[access] : NOT_PRESENT[access];
  return softwareResult(target, va, access, steps, ok, ok ? s1.output : -1, ok ? { cause, pageShift: s1.pageShift, leafBits: s1.leaf } : { cause });
}

/** A software walk's probe result: no TLB, each traced reference one memory reference. */
function softwareResult(target: InspectTarget, va: number, access: AccessType, steps: WalkStep[], ok: boolean, hostPhys: number, extra: Partial<ProbeResult>): ProbeResult {
  const profile = target.profile;
  return {
    va, access, ok, hostPhys, cause: undefined, faultGuestPhys: undefined, pageShift: 12, leafBits: 0, steps,
    tlbHit: false, tlbIndex: -1, cycles: steps.length ? profile.walkStartCycles + steps.length * profile.walkRefCycles : 0, ...extra,
  };
}

/**
 * The hardware walk of an agile VM the MMU does not hold: its current shadow directory walked the
 * agile way (isa/README.md 6.6), then, for a switched walk, the data's guest-physical address
 * through its EPT.
 */
function agileSoftwareProbe(target: InspectTarget, view: CpuView, va: number, access: AccessType): ProbeResult | undefined {
  const root = target.shadowRoot(view);
  const ept = target.ept(view);
  if (root === undefined || ept === undefined) return undefined;
  const walker = new Walker(target.hostMemory);
  const steps: WalkStep[] = [];
  walker.trace = steps;
  const result = (ok: boolean, hostPhys: number, extra: Partial<ProbeResult>): ProbeResult => softwareResult(target, va, access, steps, ok, hostPhys, extra);
  const s1 = new StageResult();
  const status = walker.walk(AGILE_PAGING, root, va, 'guest', s1, null);
  if (status !== WALK_OK) return result(false, -1, { cause: NOT_PRESENT[access] });
  const user = !(view.cpu.cr[CR.STATUS]! & STATUS.MODE);
  if (!permits(s1.leaf, access, user)) return result(false, -1, { cause: PROTECTION[access] });
  if (!s1.switched) return result(true, s1.output, { pageShift: s1.pageShift, leafBits: s1.leaf });
  const s2 = new StageResult();
  const status2 = walker.walk(ept.pagingMode, ept.rootAddress, s1.output, 'ept', s2, null);
  if (status2 !== WALK_OK || !permits(s2.leaf | PTE.U, access, false)) return result(false, -1, { cause: 'ept-violation', faultGuestPhys: s1.output });
  return result(true, s2.output, { pageShift: Math.min(s1.pageShift, s2.pageShift), leafBits: s1.leaf & (s2.leaf | ~(PTE.W | PTE.X)) });
}
