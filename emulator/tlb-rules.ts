// The TLB-rule checker (`--check-tlb-rules`): finds the first access that could have used a
// translation made stale by a page-table store that was never invalidated (isa/README.md 6.4:
// after changing a PTE, `invlpg` the page or `tlbflush`; a PTBR write without KEEP drops the
// ASID's non-Global entries).
//
// It checks the guest against the architecture, not against this run's TLB: its model is a TLB
// of unlimited size that keeps every translation the guest has used until an invalidation the ISA
// defines removes it. So the answer is the same natively, under shadow paging and under EPT, and
// whatever the TLB's geometry: a guest it passes gets identical results in every mode.
//
// It attaches by wrapping the CPU's `run` and stepping one instruction at a time (like the
// debugger), decoding each instruction before it runs and looking at memory after it retires. It
// reads the guest's memory and tables in guest-physical terms only, through `read`. Nothing is
// paid when no checker is attached. It must not change what the guest does: it writes no guest
// state and asks for no stop of its own.

import { ACCESS, CR, PTBR_ASID_MASK, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS, type AccessType } from '../isa/arch.ts';
import { extractField, lookup } from '../isa/encoding.ts';
import type { Cpu } from './cpu.ts';
import { STOP, type StopCode } from './cpu-state.ts';
import { permits } from './mmu.ts';
import type { Stats } from './stats.ts';

/** A guest-physical word, or undefined where a page-table read would be a bus error. */
export type GuestRead = (guestPhys: number) => number | undefined;

/** A store to a page-table entry the model's TLB depended on. */
export interface PteStore {
  readonly pc: number;
  /** The store instruction's word (to tell which user program was at pc). */
  readonly word: number;
  readonly va: number;
  /** Guest-physical address of the entry written. */
  readonly pteAddress: number;
  readonly oldValue: number;
  readonly newValue: number;
  /** Instructions retired before the store. */
  readonly instret: number;
}

export interface TlbRuleViolation {
  readonly access: {
    readonly pc: number;
    /** The instruction's word, when it could be read. */
    readonly word: number | undefined;
    readonly va: number;
    readonly kind: 'fetch' | 'load' | 'store';
    readonly instret: number;
    readonly asid: number;
  };
  /** The entry whose change made the translation stale. */
  readonly pteAddress: number;
  /** The store that changed it (undefined when no guest store did, e.g. a write by DMA or the host). */
  readonly store: PteStore | undefined;
  /** What the stale translation gives, and what the tables say now (guestPhys -1: a fault). */
  readonly cached: { readonly guestPhys: number; readonly bits: number };
  readonly now: { readonly guestPhys: number; readonly bits: number };
}

interface Walk {
  /** Guest-physical address, or -1: the walk faults. */
  guestPhys: number;
  bits: number;
  pageShift: number;
  /** Guest-physical addresses of the entries read (directory, then table). */
  path: number[];
}

interface Cached {
  readonly asid: number;
  readonly global: boolean;
  readonly pageShift: number;
  /** Guest-physical base of the page. */
  readonly frame: number;
  readonly bits: number;
  /** The entries it came from, with their values as the walk left them. */
  readonly path: readonly number[];
  readonly pathValues: readonly number[];
  reported: boolean;
}

const KIND = ['fetch', 'load', 'store'] as const;
/** Rights a stale entry may grant that the tables no longer do. */
const RIGHTS = PTE.W | PTE.X | PTE.U;

export class TlbRuleChecker {
  /** The first violation, and how many stale translations were used in all. */
  first: TlbRuleViolation | undefined;
  violations = 0;

  /** The model's TLB: by 4 KiB page number, and by superpage number. */
  private readonly small = new Map<number, Cached[]>();
  private readonly large = new Map<number, Cached[]>();
  /** Entries some cached translation depends on (reference counts), and their last guest store. */
  private readonly watched = new Map<number, number>();
  private readonly lastStore = new Map<number, PteStore>();
  private readonly asidMask: number;
  private readonly originalRun: (budget: number) => StopCode;

  // The instruction about to run, decoded before it runs (see step()).
  private pendingInstret = -1;
  private pendingPc = 0;
  private pendingWord: number | undefined;
  private pendingAccess: AccessType | -1 = -1;
  private pendingVa = 0;
  private pendingStoreTarget = -1;
  private pendingStoreOld = 0;
  private pendingInvlpg: number | undefined;
  private pendingPtbr: number | undefined;
  private pendingFlush = false;

  constructor(
    private readonly cpu: Cpu,
    /** The statistics the CPU counts into (its INSTRET). */
    private readonly stats: Stats,
    private readonly read: GuestRead,
    /** False on a machine without ASIDs (every PTBR write flushes, KEEP is ignored). */
    asidTagging = true,
  ) {
    this.asidMask = asidTagging ? PTBR_ASID_MASK : 0;
    this.originalRun = cpu.run.bind(cpu);
    cpu.run = (budget: number) => this.run(budget);
  }

  /** Take the checker off the CPU. */
  detach(): void {
    this.cpu.run = this.originalRun;
  }

  /** The wrapped `run`: one instruction at a time, with the same stops as the CPU's own. */
  private run(budget: number): StopCode {
    const cpu = this.cpu;
    const stats = this.stats;
    const outer = cpu.trapHook;
    let outerStop = false;
    cpu.trapHook = (cause) => {
      if (outer !== null && outer(cause)) outerStop = true;
      return true;
    };
    try {
      const endAt = stats.instructions + budget;
      for (;;) {
        // An instruction the VMM emulated (and retired) while we were away counts as run.
        if (this.pendingInstret >= 0 && stats.instructions > this.pendingInstret) this.retired();
        if (stats.instructions >= endAt) return STOP.BUDGET;
        this.before();
        const code = this.originalRun(1);
        if (stats.instructions > this.pendingInstret) this.retired();
        if (code === STOP.TRAP) {
          this.pendingInstret = -1; // it trapped: it had no effect
          if (outerStop) return code;
          continue;
        }
        if (code !== STOP.BUDGET) return code;
      }
    } finally {
      cpu.trapHook = outer;
    }
  }

  // ---------------------------------------------------------------- before an instruction runs

  private before(): void {
    const cpu = this.cpu;
    const status = cpu.cr[CR.STATUS]!;
    const paging = (status & STATUS.PG) !== 0;
    const user = (status & STATUS.MODE) === 0;
    const pc = cpu.pc >>> 0;
    this.pendingInstret = this.stats.instructions;
    this.pendingPc = pc;
    this.pendingWord = undefined;
    this.pendingAccess = -1;
    this.pendingStoreTarget = -1;
    this.pendingInvlpg = undefined;
    this.pendingPtbr = undefined;
    this.pendingFlush = false;
    const fetch = paging ? this.use(pc, ACCESS.FETCH, user) : pc;
    if (fetch < 0) return;
    // The fetch happens before the instruction can trap, so its translation is cached now.
    if (paging) this.fill(pc, ACCESS.FETCH);
    const word = this.read(fetch);
    if (word === undefined) return;
    this.pendingWord = word >>> 0;
    const spec = lookup(word >>> 0);
    if (spec === undefined) return;
    if (spec.cls === 'load' || spec.cls === 'store') {
      const base = extractField(word, spec.cls === 'store' ? 'srcB' : 'rs1');
      const va = (cpu.regs[base]! + extractField(word, 'imm18')) >>> 0;
      const access = spec.cls === 'store' ? ACCESS.STORE : ACCESS.LOAD;
      this.pendingAccess = access;
      this.pendingVa = va;
      const target = paging ? this.use(va, access, user) : va;
      if (access === ACCESS.STORE && target >= 0 && this.watched.has(target & ~3)) {
        this.pendingStoreTarget = target & ~3;
        this.pendingStoreOld = this.read(target & ~3) ?? 0;
      }
    } else if (spec.mnemonic === 'invlpg') {
      this.pendingInvlpg = cpu.regs[extractField(word, 'rs1')]! >>> 0;
    } else if (spec.mnemonic === 'tlbflush') {
      this.pendingFlush = true;
    } else if ((spec.mnemonic === 'mtcr' || spec.mnemonic === 'mxcr') && extractField(word, 'crn') === CR.PTBR) {
      this.pendingPtbr = cpu.regs[extractField(word, 'rs1')]! >>> 0;
    }
  }

  /**
   * An access at va: if the model's TLB holds a translation that would serve it and the tables
   * now say something else, that is a use of a stale translation. Returns the guest-physical
   * address the access reaches (the cached one, as the hardware may use it), or -1 on a fault.
   */
  private use(va: number, access: AccessType, user: boolean): number {
    const asid = this.cpu.cr[CR.PTBR]! & this.asidMask;
    const cached = this.lookup(va, asid);
    if (cached !== undefined && permits(cached.bits, access, user) && (access !== ACCESS.STORE || (cached.bits & PTE.D))) {
      const now = this.walk(va);
      const mask = 2 ** cached.pageShift - 1;
      const cachedPhys = (cached.frame + (va & mask)) >>> 0;
      if (now.guestPhys !== cachedPhys || (cached.bits & RIGHTS & ~now.bits) !== 0 || ((cached.bits & PTE.D) && !(now.bits & PTE.D))) {
        if (!cached.reported) this.report(va, access, asid, cached, cachedPhys, now);
      }
      return cachedPhys;
    }
    return this.walk(va).guestPhys;
  }

  private report(va: number, access: AccessType, asid: number, cached: Cached, cachedPhys: number, now: Walk): void {
    cached.reported = true;
    this.violations++;
    if (this.first !== undefined) return;
    let changed = cached.path.findIndex((addr, i) => this.read(addr) !== cached.pathValues[i]);
    if (changed < 0) changed = cached.path.length - 1;
    const pteAddress = cached.path[changed]!;
    this.first = {
      access: { pc: this.pendingPc, word: this.pendingWord, va, kind: KIND[access], instret: this.stats.instructions, asid },
      pteAddress,
      store: this.lastStore.get(pteAddress),
      cached: { guestPhys: cachedPhys, bits: cached.bits },
      now: { guestPhys: now.guestPhys, bits: now.bits },
    };
  }

  // ---------------------------------------------------------------- after it retired

  private retired(): void {
    this.pendingInstret = -1;
    const cpu = this.cpu;
    const status = cpu.cr[CR.STATUS]!;
    // The data access's translation is now cached, with the A and D bits its walk set.
    if ((status & STATUS.PG) && this.pendingAccess !== -1) this.fill(this.pendingVa, this.pendingAccess);
    if (this.pendingStoreTarget >= 0) {
      const newValue = this.read(this.pendingStoreTarget) ?? 0;
      if (newValue !== this.pendingStoreOld) {
        this.lastStore.set(this.pendingStoreTarget, {
          pc: this.pendingPc, word: this.pendingWord ?? 0, va: this.pendingVa, pteAddress: this.pendingStoreTarget,
          oldValue: this.pendingStoreOld >>> 0, newValue: newValue >>> 0, instret: this.stats.instructions - 1,
        });
      }
    }
    if (this.pendingInvlpg !== undefined) this.invalidatePage(this.pendingInvlpg);
    if (this.pendingFlush) {
      // tlbflush: nothing is cached any more, so nothing depends on any entry.
      this.small.clear();
      this.large.clear();
      this.watched.clear();
    }
    if (this.pendingPtbr !== undefined) {
      const value = this.pendingPtbr;
      if (!(value & PTBR_KEEP) || this.asidMask === 0) {
        const asid = value & this.asidMask;
        this.invalidateWhere((c) => c.asid === asid && !c.global);
      }
    }
  }

  /** The model's TLB keeps the translation an access used (unless a live entry already serves it). */
  private fill(va: number, access: AccessType): void {
    const asid = this.cpu.cr[CR.PTBR]! & this.asidMask;
    const user = (this.cpu.cr[CR.STATUS]! & STATUS.MODE) === 0;
    const cached = this.lookup(va, asid);
    if (cached !== undefined && permits(cached.bits, access, user) && (access !== ACCESS.STORE || (cached.bits & PTE.D))) return;
    const walk = this.walk(va);
    if (walk.guestPhys < 0 || !permits(walk.bits, access, user)) return;
    if (cached !== undefined) this.remove(cached, va);
    const entry: Cached = {
      asid,
      global: (walk.bits & PTE.G) !== 0,
      pageShift: walk.pageShift,
      frame: (walk.guestPhys - (walk.guestPhys % 2 ** walk.pageShift)) >>> 0,
      bits: walk.bits,
      path: walk.path,
      pathValues: walk.path.map((addr) => this.read(addr) ?? 0),
      reported: false,
    };
    const map = walk.pageShift > 12 ? this.large : this.small;
    const key = va >>> walk.pageShift;
    map.set(key, [...(map.get(key) ?? []), entry]);
    for (const addr of walk.path) this.watched.set(addr, (this.watched.get(addr) ?? 0) + 1);
  }

  private lookup(va: number, asid: number): Cached | undefined {
    const matches = (c: Cached): boolean => c.asid === asid || c.global;
    return this.small.get(va >>> 12)?.find(matches) ?? this.large.get(va >>> 22)?.find(matches);
  }

  /** invlpg: the page or superpage that holds va, in every ASID, Global included. */
  private invalidatePage(va: number): void {
    for (const [map, key] of [[this.small, va >>> 12], [this.large, va >>> 22]] as const) {
      for (const c of map.get(key) ?? []) this.unwatch(c);
      map.delete(key);
    }
  }

  private invalidateWhere(drop: (c: Cached) => boolean): void {
    for (const map of [this.small, this.large]) {
      for (const [key, list] of map) {
        const kept = list.filter((c) => !drop(c));
        for (const c of list) if (drop(c)) this.unwatch(c);
        if (kept.length === 0) map.delete(key);
        else if (kept.length !== list.length) map.set(key, kept);
      }
    }
  }

  private remove(c: Cached, va: number): void {
    const map = c.pageShift > 12 ? this.large : this.small;
    const key = va >>> c.pageShift;
    const kept = (map.get(key) ?? []).filter((x) => x !== c);
    if (kept.length === 0) map.delete(key);
    else map.set(key, kept);
    this.unwatch(c);
  }

  private unwatch(c: Cached): void {
    for (const addr of c.path) {
      const n = (this.watched.get(addr) ?? 1) - 1;
      if (n === 0) this.watched.delete(addr);
      else this.watched.set(addr, n);
    }
  }

  /** The walk of isa/README.md 6.2 in guest-physical terms, with no side effect. */
  private walk(va: number): Walk {
    const fault: Walk = { guestPhys: -1, bits: 0, pageShift: 12, path: [] };
    const pdeAddr = ((this.cpu.cr[CR.PTBR]! & PTBR_ROOT_MASK) + (va >>> 22) * 4) >>> 0;
    const pde = this.read(pdeAddr);
    fault.path.push(pdeAddr);
    if (pde === undefined || !(pde & PTE.V)) return fault;
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return fault;
      return { guestPhys: ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0, bits: pde & 0xff, pageShift: 22, path: [pdeAddr] };
    }
    const pteAddr = ((pde & PTE.FRAME_MASK) + ((va >>> 12) & 1023) * 4) >>> 0;
    const pte = this.read(pteAddr);
    fault.path.push(pteAddr);
    if (pte === undefined || !(pte & PTE.V)) return fault;
    return { guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0, bits: pte & 0xff, pageShift: 12, path: [pdeAddr, pteAddr] };
  }
}
