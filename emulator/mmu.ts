// The MMU: the CPU's only route from a virtual address to physical memory (STYLE.md lesson 3).
// It holds the TLB(s), the walker and the paging-mode descriptor of the moment: whether the first
// stage is on and where its root is (native tables, or the VMM's shadow tables), and, under EPT,
// the nested stage. `translate` is the slow path: the CPU keeps a one-entry fast path per access
// type in its loop and calls here when that misses.
//
// The MMU never decodes instructions and never decides what a fault means to the OS: it reports
// the fault and the CPU (or the VMM, through an exit) acts on it.

import { ACCESS, CAUSE, PAGE_SHIFT, PTBR_ASID_MASK, PTBR_KEEP, PTBR_ROOT_MASK, PTE, type AccessType } from '../isa/arch.ts';
import type { PhysicalMemory } from './memory.ts';
import { AGILE_PAGING, TV32_PAGING } from './paging-mode.ts';
import type { MachineProfile } from './profile.ts';
import type { Stats } from './stats.ts';
import { PageWalkCache } from './pwc.ts';
import type { PmlLog } from './pml.ts';
import { DEFAULT_TLB, Tlb, type TlbConfig } from './tlb.ts';
import {
  StageResult, WALK_BAD_LARGE, WALK_BUS_ERROR, WALK_EPT_VIOLATION, WALK_NOT_PRESENT, WALK_OK, Walker, type NestedStage, type WalkStep,
} from './walker.ts';

export interface MmuConfig {
  readonly tlb: TlbConfig;
  /** Separate instruction and data TLBs, each of `tlb`'s geometry. */
  readonly splitTlb: boolean;
  /** Entries of the page-walk cache (upper-level entries of both dimensions); 0 = none. */
  readonly pwcEntries?: number;
  /** Tag TLB entries with the PTBR's ASID. Off: every PTBR write drops all non-Global entries. */
  readonly asidTagging?: boolean;
}

/** What `Mmu.probe` reports. */
export interface ProbeResult {
  va: number;
  access: AccessType;
  /** Host-physical address (physical on bare metal), or -1 on a fault. */
  hostPhys: number;
  ok: boolean;
  /** The TV32 cause of the fault, or 'ept-violation'. */
  cause: number | 'ept-violation' | undefined;
  faultGuestPhys: number | undefined;
  pageShift: number;
  leafBits: number;
  /** Every memory reference the walk makes, in order. */
  steps: WalkStep[];
  /** Would the TLB hit (then no walk happens at all)? */
  tlbHit: boolean;
  tlbIndex: number;
  /** What the walk costs in cycles on a miss. */
  cycles: number;
}

export const DEFAULT_MMU: MmuConfig = { tlb: DEFAULT_TLB, splitTlb: false, pwcEntries: 0, asidTagging: true };

/** Tag bit of translations made while the guest's paging is off (see Mmu.tag). */
export const PAGING_OFF_TAG = 1 << 16;

const NOT_PRESENT_CAUSE = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
const PROTECTION_CAUSE = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];
/** With the first stage off, every page is readable, writable and executable from any mode. */
const PAGING_OFF_BITS = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;
// The miss path reads these through module constants: under a CommonJS transform (tsx's) an
// imported binding is a getter call on every use.
const A_FETCH = ACCESS.FETCH;
const A_STORE = ACCESS.STORE;
const P_U = PTE.U;
const P_W = PTE.W;
const P_X = PTE.X;
const P_D = PTE.D;
const P_A = PTE.A;
/** Mmu.faultCause of a page-modification-log-full event (pml.ts); -1 is an EPT violation. */
export const PML_FULL_CAUSE = -2;

/** Step 6 of the walk: may this access use a leaf with these bits? */
export function permits(bits: number, access: AccessType, userMode: boolean): boolean {
  if (userMode && !(bits & P_U)) return false;
  if (access === A_STORE) return (bits & P_W) !== 0;
  if (access === A_FETCH) return (bits & P_X) !== 0;
  return true;
}

export class Mmu {
  readonly itlb: Tlb;
  readonly dtlb: Tlb;
  readonly walker: Walker;

  // The paging-mode descriptor of the moment.
  stage1On = false;
  /** Physical (guest-physical under EPT) address of the first-stage root table. */
  stage1Root = 0;
  /** The current context: ASID in bits [7:0], VPID in bits [15:8]. */
  context = 0;
  /**
   * Set by a shadow-paging VMM while the guest runs with paging off (on its physical-mode
   * shadow): its translations then live in the paging-off space, like an EPT guest's with PG = 0.
   */
  pagingOffSpace = false;
  /**
   * Under EPT, the walk's A/D updates of guest page-table entries need the EPT to allow a write
   * (as VT-x's do), else they are EPT violations. The VMM turns it on with page sharing
   * (hypervisor/sharing.ts), whose shared frames are read-only in the EPT; off, they are written
   * whatever the EPT says (what the other designs were built against).
   */
  adWritesCheckEpt = false;
  /**
   * The running VM's Page Modification Log (pml.ts, isa/README.md 6.7), loaded at VM entry; null
   * when PML is off, and then EPT A/D bits are ignored, as before. With one, the EPT walk sets A
   * and D in EPT leaves and logs each D it sets; a TLB entry filled without the EPT's D carries
   * no D, so a store through it walks again, exactly as for the guest's own D bit.
   */
  pml: PmlLog | null = null;

  /**
   * The tag of the TLB entries filled now: the context, plus PAGING_OFF_TAG when the guest's own
   * paging is off (EPT with PG = 0, or a shadow VMM's physical-mode shadow). Those translations
   * are guest-physical identities and must never meet the guest's paged ones, Global or not.
   */
  get tag(): number {
    return this.stage1On && !this.pagingOffSpace ? this.context : this.context | PAGING_OFF_TAG;
  }
  userMode = false;
  /** The EPT stage, or null when translation has one stage. */
  nested: NestedStage | null = null;
  /**
   * Agile paging (isa/README.md 6.6): the first stage is the VMM's shadow table walked the agile
   * way, and `nested` translates only the output of walks that passed a switch bit.
   */
  agile = false;

  /**
   * Bumped whenever a cached translation may have gone, other than by a fill: the CPU drops its
   * fast-path copies. A fill replaces one entry only, the one `lastFill` names.
   */
  generation = 0;
  /** LRU clock: every lookup and fill takes the next tick; the CPU's fast path stamps its hits with it too. */
  clock = 0;

  /** After a successful translate: the TLB slot used (-1 with paging off). */
  lastIndex = -1;
  /**
   * After a translate: the slot it filled (the same as lastIndex), in the TLB of its access type,
   * or -1 when it filled none (a hit, paging off, a fault). Whatever that slot held before is gone:
   * a fast-path copy of it must be dropped, and no other.
   */
  lastFill = -1;

  /** After a failed translate: a TV32 cause and the faulting virtual address... */
  faultCause = 0;
  faultAddr = 0;
  /** ...or an EPT violation: the guest-physical address with no mapping (faultCause is then -1)... */
  faultGuestPhys = 0;
  /** ...met while reading a guest page table (true) or for the final address (false). faultCause -2 (PML_FULL_CAUSE): the PML log was full. */
  faultInTable = false;
  /**
   * Agile paging: the fault came from a guest entry below a switch bit, so it is the guest's own
   * and is delivered to it directly, as under EPT, even while page faults exit.
   */
  faultDirect = false;

  private readonly stage1 = new StageResult();
  private readonly stage2 = new StageResult();

  constructor(
    mem: PhysicalMemory,
    /** Where TLB and walk statistics go: the VMM points it at the running VM's. */
    public stats: Stats,
    private readonly profile: MachineProfile,
    config: MmuConfig = DEFAULT_MMU,
  ) {
    this.itlb = new Tlb(config.tlb);
    this.dtlb = config.splitTlb ? new Tlb(config.tlb) : this.itlb;
    this.walker = new Walker(mem);
    if ((config.pwcEntries ?? 0) > 0) this.walker.pwc = new PageWalkCache(config.pwcEntries!);
    this.asidMask = config.asidTagging === false ? 0 : PTBR_ASID_MASK;
  }

  /** The PTBR bits that tag TLB entries: the ASID, or nothing with ASID tagging off. */
  readonly asidMask: number;

  get translating(): boolean {
    return this.stage1On || this.nested !== null;
  }

  /**
   * Translate a virtual address for an access. Returns the host-physical address, or -1 with
   * the fault in faultCause/faultAddr (or faultCause = -1 and faultGuestPhys for an EPT violation).
   */
  translate(va: number, access: AccessType): number {
    va >>>= 0;
    this.lastFill = -1;
    if (!this.stage1On && this.nested === null) {
      this.lastIndex = -1;
      return va;
    }
    const tlb = access === A_FETCH ? this.itlb : this.dtlb;
    // `this.tag`, read once: the walk changes no part of it.
    const tag = this.stage1On && !this.pagingOffSpace ? this.context : this.context | PAGING_OFF_TAG;
    const i = tlb.lookup(va >>> PAGE_SHIFT, tag, ++this.clock);
    // The way a 4 KiB fill takes, found by the lookup's scan (the walk changes nothing in the TLB).
    let way = -1;
    if (i < 0) way = tlb.missWay;
    else {
      const bits = tlb.flags[i]!;
      // A hit that lacks the right (or, for a store, the Dirty bit) is dropped and walked again,
      // so the fault or the D update comes from the tables as they are now.
      if (permits(bits, access, this.userMode) && (access !== A_STORE || (bits & P_D))) {
        this.stats.tlbHits[access]++;
        this.lastIndex = i;
        return (tlb.base[i]! | (va & ((1 << tlb.pageShift[i]!) - 1))) >>> 0;
      }
      tlb.invalidate(i);
      this.generation++;
    }
    // The miss: walk, count, fill. One function with the lookup, so the miss path is one call
    // from the CPU's loop (plus the walk's), always on the same object shapes.
    const stats = this.stats;
    stats.tlbMisses[access]++;
    stats.walks++;
    const walker = this.walker;
    const guestRefs0 = walker.guestRefs;
    const eptRefs0 = walker.eptRefs;
    const pwc = walker.pwc;
    const result = pwc === null ? this.walkBothStages(va, access) : this.walkWithPwc(va, access, pwc);
    const guestRefs = walker.guestRefs - guestRefs0;
    const eptRefs = walker.eptRefs - eptRefs0;
    stats.walkGuestRefs += guestRefs;
    stats.walkEptRefs += eptRefs;
    stats.walkRefs += guestRefs + eptRefs;
    stats.cyclesWalk += this.profile.walkStartCycles + (guestRefs + eptRefs) * this.profile.walkRefCycles;
    if (result < 0) return -1;
    const shift = this.combinedShift;
    const evictions = tlb.evictions;
    const filled = tlb.insert(va, shift, tag, (result & ~((1 << shift) - 1)) >>> 0, this.combinedBits, ++this.clock, this.guestPageShift, way);
    stats.tlbEvictions += tlb.evictions - evictions;
    this.lastIndex = filled;
    this.lastFill = filled;
    return result;
  }

  /**
   * After a data translation that left `lastIndex` = i: would a store to the same page, with
   * nothing changed since, hit entry i (its rights allow the store and it has D)? With no
   * translation (i = -1) a store needs nothing. The CPU's fast path then lets stores to the page
   * through the load slot, counted and stamped as the hits on entry i they are.
   */
  servesStore(i: number): boolean {
    if (i < 0) return true;
    const bits = this.dtlb.flags[i]!;
    return permits(bits, A_STORE, this.userMode) && (bits & P_D) !== 0;
  }

  /**
   * The walk with a page-walk cache: its hits and misses go to the statistics, and the guest-stage
   * entries the walk read are cached only if it ends in a translation. (Without a cache the
   * walker keeps nothing pending, so the miss path skips this.)
   */
  private walkWithPwc(va: number, access: AccessType, pwc: PageWalkCache): number {
    const hits0 = pwc.hits;
    const misses0 = pwc.misses;
    this.walker.dropPwc();
    const result = this.walkBothStages(va, access);
    if (result >= 0) this.walker.commitPwc();
    this.stats.pwcHits += pwc.hits - hits0;
    this.stats.pwcMisses += pwc.misses - misses0;
    return result;
  }

  private finalGuestPhys = -1;
  /** Set while `probe` walks: no A/D write-backs, no TLB fill, no statistics. */
  private dryRun = false;
  private combinedShift = PAGE_SHIFT;
  private combinedBits = 0;
  /** The first stage's page size (what invlpg drops), at least combinedShift. */
  private guestPageShift = PAGE_SHIFT;

  /** Both stages of a walk; sets combinedShift/combinedBits on success. */
  private walkBothStages(va: number, access: AccessType): number {
    const walker = this.walker;
    let guestPhys = va;
    let shift = 32;
    let bits = PAGING_OFF_BITS;
    // Agile: the shadow walk reads host memory; only a switched walk's output is guest-physical.
    const agile = this.agile;
    let nested = this.nested;
    if (this.stage1On) {
      const s1 = this.stage1;
      const status = agile
        ? walker.walk(AGILE_PAGING, this.stage1Root, va, 'guest', s1, null)
        : walker.pwc === null && walker.trace === null ? walker.walkFlat(this.stage1Root, va, s1, nested)
        : walker.walk(TV32_PAGING, this.stage1Root, va, 'guest', s1, nested);
      this.finalGuestPhys = -1;
      if (agile) {
        this.faultDirect = s1.switched;
        if (!s1.switched) nested = null;
      }
      if (status !== WALK_OK) return this.walkFault(status, va, access, s1.faultGuestPhys);
      if (!permits(s1.leaf, access, this.userMode)) return this.fault(PROTECTION_CAUSE[access]!, va);
      // With adWritesCheckEpt, an A/D update writes the guest's table as on VT-x: the EPT must allow it, else an EPT violation.
      // (An agile walk reads its guest table at the host frame the VMM keeps the VM's own: nothing to check.)
      if (this.adWritesCheckEpt && !agile && this.nested !== null && !s1.leafWritable) {
        const ad = PTE.A | (access === A_STORE ? P_D : 0);
        if ((s1.leaf & ad) !== ad) return this.walkFault(WALK_EPT_VIOLATION, va, access, s1.leafGuestAddr);
      }
      // PML: the walk's A/D write to a guest table is a write to its frame, and logs it first (the log full: exit, nothing written).
      const pml = this.pml;
      if (pml !== null && this.nested !== null && !this.dryRun) {
        const ad = P_A | (access === A_STORE ? P_D : 0);
        if ((s1.leaf & ad) !== ad && !this.eptDirty(pml, s1.leafEptHostAddr, s1.leafGuestAddr)) return this.pmlFull(va, s1.leafGuestAddr);
      }
      if (!this.dryRun && walker.setAccessedDirty(s1, access === A_STORE)) this.stats.adUpdates++;
      guestPhys = s1.output;
      shift = s1.pageShift;
      bits = s1.leaf;
    }
    let hostPhys = guestPhys;
    this.finalGuestPhys = guestPhys;
    if (nested !== null) {
      const s2 = this.stage2;
      const status = walker.pwc === null && walker.trace === null
        ? walker.walkEpt(nested.mode, nested.root, guestPhys, s2)
        : walker.walk(nested.mode, nested.root, guestPhys, 'ept', s2, null);
      if (status !== WALK_OK || !permits(s2.leaf | P_U, access, false)) {
        // No mapping, or a mapping without the right: both are EPT violations for the VMM.
        return this.walkFault(status === WALK_BUS_ERROR ? WALK_BUS_ERROR : WALK_EPT_VIOLATION, va, access, guestPhys);
      }
      hostPhys = s2.output;
      // PML: A on use, D (logged) on a store; without D in the EPT leaf the TLB entry gets no D.
      const pml = this.pml;
      if (pml !== null && !this.dryRun) {
        if (access === A_STORE) {
          if (!(s2.leaf & P_D)) {
            if (!this.eptDirty(pml, s2.leafHostAddr, guestPhys)) return this.pmlFull(va, guestPhys);
            s2.leaf |= P_A | P_D;
          }
        } else if (!(s2.leaf & P_A)) {
          s2.leaf |= P_A;
          walker.writeEptLeaf(s2.leafHostAddr, s2.leaf);
        }
        if (!(s2.leaf & P_D)) bits &= ~P_D;
      }
      if (s2.pageShift < shift) shift = s2.pageShift;
      // The TLB caches the rights of both stages: an EPT leaf without W or X takes them away.
      bits &= s2.leaf | ~(P_W | P_X);
    }
    this.combinedShift = shift === 32 ? PAGE_SHIFT : shift;
    this.combinedBits = bits;
    // With the first stage off, each entry is its own page (invlpg has nothing larger to drop).
    this.guestPageShift = this.stage1On ? this.stage1.pageShift : this.combinedShift;
    return hostPhys;
  }

  /**
   * Set A and D in the EPT leaf at `leafHostAddr` (mapping guest-physical `guestPhys`), logging the
   * page if D was clear. False when it was clear and the log is full: a PML-full event, nothing set.
   */
  private eptDirty(pml: PmlLog, leafHostAddr: number, guestPhys: number): boolean {
    const leaf = this.walker.readEntry(leafHostAddr);
    if (leaf & P_D) return true;
    if (pml.count >= pml.size) return false;
    pml.entries[pml.count++] = (guestPhys & ~0xfff) | 0;
    this.walker.writeEptLeaf(leafHostAddr, leaf | P_A | P_D);
    return true;
  }

  private pmlFull(va: number, guestPhys: number): number {
    this.faultCause = PML_FULL_CAUSE;
    this.faultAddr = va;
    this.faultGuestPhys = guestPhys;
    this.faultInTable = guestPhys !== this.finalGuestPhys;
    return -1;
  }

  private walkFault(status: number, va: number, access: AccessType, guestPhys: number): number {
    switch (status) {
      case WALK_NOT_PRESENT:
      case WALK_BAD_LARGE:
        return this.fault(NOT_PRESENT_CAUSE[access]!, va);
      case WALK_BUS_ERROR:
        return this.fault(CAUSE.BUS_ERROR, va);
      case WALK_EPT_VIOLATION:
        this.faultInTable = guestPhys !== this.finalGuestPhys;
        this.faultCause = -1;
        this.faultAddr = va;
        this.faultGuestPhys = guestPhys;
        return -1;
      default:
        throw new Error(`unknown walk status ${status}`);
    }
  }

  private fault(cause: number, va: number): number {
    this.faultCause = cause;
    this.faultAddr = va;
    return -1;
  }

  /**
   * What a translation of va would do now, without doing it: the walk's every memory reference
   * (both dimensions under EPT), the outcome, and whether the TLB would hit. No A/D bit is
   * written, the TLB and the statistics are untouched. For the debugger's `translate`.
   */
  probe(va: number, access: AccessType): ProbeResult {
    va >>>= 0;
    const tlb = access === A_FETCH ? this.itlb : this.dtlb;
    const tlbIndex = this.translating ? tlb.find(va >>> PAGE_SHIFT, this.tag) : -1;
    const saved = [this.faultCause, this.faultAddr, this.faultGuestPhys, this.faultInTable, this.combinedShift, this.combinedBits, this.faultDirect] as const;
    const steps: WalkStep[] = [];
    this.walker.trace = steps;
    this.dryRun = true;
    // Probe against a copy of the page-walk cache, so the probe changes nothing.
    const pwc = this.walker.pwc;
    if (pwc !== null) this.walker.pwc = pwc.clone();
    let hostPhys: number;
    try {
      hostPhys = this.translating ? this.walkBothStages(va, access) : va;
    } finally {
      this.walker.trace = null;
      this.dryRun = false;
      this.walker.pwc = pwc;
    }
    const result: ProbeResult = {
      va,
      access,
      hostPhys,
      ok: hostPhys >= 0,
      cause: hostPhys >= 0 ? undefined : this.faultCause === -1 ? 'ept-violation' : this.faultCause,
      faultGuestPhys: hostPhys >= 0 || this.faultCause !== -1 ? undefined : this.faultGuestPhys,
      pageShift: hostPhys >= 0 && this.translating ? this.combinedShift : PAGE_SHIFT,
      leafBits: hostPhys >= 0 ? this.combinedBits : 0,
      steps,
      tlbHit: tlbIndex >= 0,
      tlbIndex,
      cycles: steps.length > 0 ? this.profile.walkStartCycles + steps.filter((st) => !st.cached).length * this.profile.walkRefCycles : 0,
    };
    [this.faultCause, this.faultAddr, this.faultGuestPhys, this.faultInTable, this.combinedShift, this.combinedBits, this.faultDirect] = saved;
    return result;
  }

  // ---- What the architecture says about keeping the TLB coherent (isa/README.md, "TLB") ----

  /** A PTBR write: new root and ASID; drop the non-Global entries of the new context, unless KEEP is set. */
  writePtbr(value: number): void {
    this.stage1Root = (value & PTBR_ROOT_MASK) >>> 0;
    this.context = (this.context & ~PTBR_ASID_MASK) | (value & this.asidMask);
    // KEEP is honoured only when entries are tagged: without ASIDs every entry could be stale.
    if (!(value & PTBR_KEEP) || this.asidMask === 0) {
      this.itlb.flushContext(this.context);
      if (this.dtlb !== this.itlb) this.dtlb.flushContext(this.context);
      this.walker.pwc?.flushGuest();
    }
    this.generation++;
  }

  flushAll(): void {
    this.itlb.flushAll();
    if (this.dtlb !== this.itlb) this.dtlb.flushAll();
    this.walker.pwc?.flushGuest();
    this.generation++;
  }

  flushPage(va: number): void {
    const vpid = (this.context >>> 8) & 0xff;
    this.itlb.flushPage(va >>> 0, vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushPage(va >>> 0, vpid);
    this.walker.pwc?.flushGuest();
    this.generation++;
  }

  /** Drop the current VPID's entries for [vaStart, vaEnd): the VMM's tool when a shadow table goes. */
  flushRange(vaStart: number, vaEnd: number): void {
    const vpid = (this.context >>> 8) & 0xff;
    this.itlb.flushRange(vaStart, vaEnd, vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushRange(vaStart, vaEnd, vpid);
    this.walker.pwc?.flushGuest();
    this.generation++;
  }

  /** Drop every entry of the current VPID. */
  flushVpid(): void {
    const vpid = (this.context >>> 8) & 0xff;
    this.itlb.flushVpid(vpid);
    if (this.dtlb !== this.itlb) this.dtlb.flushVpid(vpid);
    this.walker.pwc?.flushAll();
    this.generation++;
  }

  setUserMode(user: boolean): void {
    if (user !== this.userMode) {
      this.userMode = user;
      this.generation++;
    }
  }

  setStage1(on: boolean): void {
    if (on !== this.stage1On) {
      this.stage1On = on;
      this.generation++;
    }
  }

  /** Set the whole descriptor at once (the VMM does this on VM entry). */
  configure(stage1On: boolean, stage1Root: number, context: number, nested: NestedStage | null): void {
    this.stage1On = stage1On;
    this.stage1Root = stage1Root >>> 0;
    this.context = context;
    this.nested = nested;
    this.generation++;
  }
}
