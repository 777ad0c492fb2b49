// The paravirtual MMU (`--mode pv`): Xen's direct paging (Barham et al., SOSP 2003, section 3.3.3)
// as one more pager. The guest builds its page tables in its own frames, but once a frame is a
// page table it is read-only to the guest: every change goes through a hypercall (pv-abi.ts,
// isa/README.md 3.8.1), which the VMM validates before it is applied. The hardware walks the
// VMM's real tables, which hold exactly what the guest's validated tables say with each
// guest-physical frame replaced by its host frame: where Xen's guest writes machine frame
// numbers that Xen checks, this guest writes guest-physical ones that the VMM checks and
// translates, so the guest's tables read back as it wrote them. There are no hidden faults for
// 4 KiB mappings (the real entry is written with the update), no write-protection faults, and no
// software walk except to tell a guest's own fault from a device access.
//
// Validation, as Xen's get_page_type: every guest frame has a type (none, page table, page
// directory) and a count of the references that hold the type (directory entries pointing at a
// page table; pins and the loaded PTBR for a directory), and a count of the writable 4 KiB
// mappings of it. A frame is typed only while it has no writable mapping, and no writable mapping
// of a typed frame is accepted; the first reference validates the whole table (every entry), and
// the last one to go releases what its entries held. A guest may map only its own RAM (and its
// device window). The one writable mapping that may cover a table is a directory's superpage
// (the kernel's direct map of all RAM): the real tables that split it keep every typed frame
// read-only, and a store there is refused with a protection fault, as Xen's guest takes a #PF.
//
// Written against the pager API (pager.ts); the hypercalls arrive through pager-host.ts.

import { ACCESS, CAUSE, CR, PAGE_SIZE, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS } from '../isa/arch.ts';
import type { Invlpg, PageFault, Pager, PagerModule, PagerServices, PtbrWrite } from './pager.ts';
import { HC, HC_ERR, HC_ERROR_NAMES, HC_NAMES, MAX_BATCH, type HypercallEvent, type HypercallResult } from './pv-abi.ts';

/** The built-in PV pager, as the VMM is given it (`--mode pv`). */
export const PV_PAGER: PagerModule = {
  name: 'pv',
  builtIn: true,
  create: (vmm) => new PvPager(vmm),
};

/**
 * Cycles to check one empty entry while validating a whole table (a load and a compare): a
 * present entry costs a PTE read (vmmPteReadCycles, the frame's owner and type looked up).
 */
export const PV_SCAN_ENTRY_CYCLES = 1;

const enum Type { NONE = 0, TABLE = 1, DIRECTORY = 2 }

const ENTRIES = 1024;
const SUPER_FRAME_MASK = 0xffc00000;
/** The bits of a superpage leaf that select its split table: the 4 MiB frame and the permissions. */
const SPLIT_KEY_MASK = SUPER_FRAME_MASK | PTE.W | PTE.X | PTE.U | PTE.G;

/** What the PV pager counts (`--stats`, `--json` under "pv"). */
export class PvStats {
  readonly hypercalls = new Map<string, number>();
  /** mmu_update batches with a valid list, and the entries they carried (applied or not). */
  batches = 0;
  updates = 0;
  largestBatch = 0;
  /** Entries applied, tables validated (typed), and by error name the requests refused. */
  applied = 0;
  tablesValidated = 0;
  readonly failures = new Map<string, number>();
  /** Guest stores to a page table through a writable superpage, refused with a protection fault. */
  writesRefused = 0;
  /** Hidden faults: the lazily split superpages and the paging-off identity map being filled. */
  fills = 0;

  toJSON(): Record<string, unknown> {
    const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort());
    return {
      hypercalls: sorted(this.hypercalls),
      batches: this.batches,
      updates: this.updates,
      updatesPerBatch: this.batches === 0 ? 0 : Math.round((this.updates / this.batches) * 100) / 100,
      largestBatch: this.largestBatch,
      applied: this.applied,
      tablesValidated: this.tablesValidated,
      failures: sorted(this.failures),
      writesRefused: this.writesRefused,
      fills: this.fills,
    };
  }
}

/** A real table splitting one guest superpage (keyed by its frame and permissions), filled on first touch. */
interface SplitTable {
  readonly table: number;
  readonly key: number;
  /** Directory indices of real directories it is installed at (for TLB flushes). */
  readonly installedAt: Set<number>;
}

export class PvPager implements Pager {
  readonly translation = 'shadow';
  readonly stats = new PvStats();

  private readonly frames: number;
  private readonly type: Uint8Array;
  /** References holding each frame's type. */
  private readonly typeRefs: Int32Array;
  /** Explicit pins (pin_table) of each frame. */
  private readonly pins: Int32Array;
  /** Writable 4 KiB mappings of each frame, in validated page tables. */
  private readonly writable: Int32Array;
  /** The real table of each typed frame (host-physical). */
  private readonly real = new Map<number, number>();
  private readonly splits = new Map<number, SplitTable>();
  private readonly splitTables = new Set<number>();
  /** Real directories' split-table entries per directory index (so invlpg knows a superpage). */
  private readonly splitAt = new Int32Array(ENTRIES);
  /** The guest directory the loaded PTBR holds a reference on (-1: none, or its root failed validation). */
  private ptbrFrame = -1;
  private pagingOffRoot = -1;
  private readonly pagingOffTables = new Int32Array(ENTRIES);
  /** An empty real directory: the translation of a guest PTBR whose root failed validation. */
  private emptyRoot = -1;
  private inMulticall = false;

  constructor(private readonly vmm: PagerServices) {
    this.frames = vmm.guestMemoryBytes / PAGE_SIZE;
    this.type = new Uint8Array(this.frames);
    this.typeRefs = new Int32Array(this.frames);
    this.pins = new Int32Array(this.frames);
    this.writable = new Int32Array(this.frames);
  }

  // ------------------------------------------------------------------ hardware events

  vmEntry(): void {
    const { root, pagingOff } = this.currentRoot();
    this.vmm.loadRoot(root, { pagingOff });
  }

  ptbrRead(): number {
    return this.vmm.readGuestCr(CR.PTBR);
  }

  /** A plain `mtcr ptbr` is taken as set_ptbr (the VMM has written the guest's PTBR already). */
  ptbrWrite(e: PtbrWrite): void {
    const problem = this.canTakeRoot(e.value);
    if (problem !== 0) this.counted(problem);
    this.moveRoot(problem === 0 ? ((e.value & PTBR_ROOT_MASK) >>> 0) >>> 12 : -1);
    this.switchRoot((e.value & PTBR_KEEP) !== 0);
  }

  pagingChange(): void {
    this.switchRoot(true);
  }

  invlpg(e: Invlpg): string {
    this.flushPage(e.va);
    return 'invlpg';
  }

  tlbflush(): string {
    this.vmm.flushTlbVm();
    return 'tlbflush';
  }

  pageFault(e: PageFault): string {
    const vmm = this.vmm;
    const { va, access } = e;
    const paged = (vmm.readGuestCr(CR.STATUS) & STATUS.PG) !== 0;
    let leaf = PTE.V | PTE.W | PTE.X | PTE.U;
    let gpa = va >>> 0;
    let superpage = false;
    if (paged) {
      const rootFrame = ((vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 12);
      // A root that failed validation maps nothing.
      if (rootFrame !== this.ptbrFrame) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
      const pde = vmm.readGuestPte(rootFrame * PAGE_SIZE + (va >>> 22) * 4) ?? 0;
      if (!(pde & PTE.V)) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
      if (pde & PTE.L) {
        superpage = true;
        leaf = pde;
        gpa = ((pde & SUPER_FRAME_MASK) | (va & 0x003fffff)) >>> 0;
      } else {
        const pte = vmm.readGuestPte((pde & PTE.FRAME_MASK) + ((va >>> 12) & 1023) * 4) ?? 0;
        if (!(pte & PTE.V)) return vmm.injectFault(vmm.arch.notPresentCause(access), va);
        leaf = pte;
        gpa = ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0;
      }
    }
    if (!vmm.arch.permits(leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    const frame = gpa >>> 12;
    if (access === ACCESS.STORE && this.type[frame] !== Type.NONE) {
      // The PV contract: a page table is written only through mmu_update.
      this.stats.writesRefused++;
      return vmm.injectFault(CAUSE.STORE_PROTECTION_FAULT, va);
    }
    if (!paged) {
      this.fillPagingOff(frame);
      return 'pv-fill';
    }
    if (!superpage) throw new Error(`PV pager bug: a fault at ${hex(va)} on a validated 4 KiB mapping of guest frame ${hex(gpa)}`);
    const split = this.splitFor(leaf);
    this.fillSplit(split, (gpa >>> 12) & 1023);
    return 'pv-fill';
  }

  // ------------------------------------------------------------------ hypercalls

  /** A hypercall exit (pager-host.ts): carry it out; the guest gets `result` in a0 (and `done` in a1). */
  hypercall(e: HypercallEvent): HypercallResult {
    const name = `hc-${HC_NAMES.get(e.code) ?? 'unknown'}`;
    this.stats.hypercalls.set(name, (this.stats.hypercalls.get(name) ?? 0) + 1);
    const [a0, a1] = e.args;
    if (e.code === HC.MULTICALL) {
      const { result, done } = this.multicall(a0 >>> 0, a1 >>> 0, e);
      return { name, result: this.counted(result), done };
    }
    const { result, done } = this.call(e.code, a0, a1, e);
    return done === undefined ? { name, result: this.counted(result) } : { name, result: this.counted(result), done };
  }

  private counted(result: number): number {
    if (result !== 0) {
      const key = HC_ERROR_NAMES.get(result) ?? String(result);
      this.stats.failures.set(key, (this.stats.failures.get(key) ?? 0) + 1);
    }
    return result;
  }

  private call(code: number, a0: number, a1: number, e: HypercallEvent): { result: number; done?: number } {
    switch (code) {
      case HC.MMU_UPDATE: return this.mmuUpdate(a0 >>> 0, a1 >>> 0);
      case HC.SET_PTBR: return { result: this.setPtbr(a0, e) };
      case HC.INVLPG:
        this.flushPage(a0 >>> 0);
        return { result: 0 };
      case HC.TLBFLUSH:
        this.vmm.flushTlbVm();
        return { result: 0 };
      case HC.PIN_TABLE: return { result: this.pin(a0 >>> 0, a1) };
      case HC.UNPIN_TABLE: return { result: this.unpin(a0 >>> 0) };
      default: return { result: HC_ERR.ENOSYS };
    }
  }

  /** Entries (number, arg0, arg1, result) run in order; the first that fails stops the list. */
  private multicall(list: number, count: number, e: HypercallEvent): { result: number; done: number } {
    if (this.inMulticall) return { result: HC_ERR.ENOSYS, done: 0 };
    const bad = this.checkList(list, count, 16);
    if (bad !== 0) return { result: bad, done: 0 };
    this.inMulticall = true;
    try {
      for (let i = 0; i < count; i++) {
        const at = list + i * 16;
        const code = this.word(at);
        this.vmm.chargeVmm(this.vmm.costs.pteRead);
        const { result } = code === HC.MULTICALL ? { result: HC_ERR.ENOSYS } : this.call(code, this.word(at + 4), this.word(at + 8), e);
        this.vmm.writeGuestWord(at + 12, result);
        if (result !== 0) return { result, done: i };
      }
      return { result: 0, done: count };
    } finally {
      this.inMulticall = false;
    }
  }

  private checkList(list: number, count: number, entryBytes: number): number {
    if (count > MAX_BATCH || list % 4 !== 0) return HC_ERR.EINVAL;
    const end = list + count * entryBytes;
    if (count > 0 && (!this.vmm.isGuestRam(list) || !this.vmm.isGuestRam(end - 4))) return HC_ERR.EFAULT;
    return 0;
  }

  /**
   * The batch of (PTE address, value) pairs, in order. The first entry that fails stops it:
   * those before it stay applied (a1 counts them), it and those after are not (Xen's semantics).
   */
  private mmuUpdate(list: number, count: number): { result: number; done: number } {
    const bad = this.checkList(list, count, 8);
    if (bad !== 0) return { result: bad, done: 0 };
    this.stats.batches++;
    this.stats.updates += count;
    if (count > this.stats.largestBatch) this.stats.largestBatch = count;
    for (let i = 0; i < count; i++) {
      const result = this.update(this.word(list + i * 8), this.word(list + i * 8 + 4));
      if (result !== 0) return { result, done: i };
      this.stats.applied++;
    }
    return { result: 0, done: count };
  }

  /** One validated page-table update: the guest's entry and the real one. */
  private update(pteAddr: number, value: number): number {
    const vmm = this.vmm;
    vmm.chargeVmm(vmm.costs.pteRead);
    if (pteAddr % 4 !== 0) return HC_ERR.EINVAL;
    if (!vmm.isGuestRam(pteAddr)) return HC_ERR.EPERM;
    const frame = pteAddr >>> 12;
    const index = (pteAddr & 0xfff) >>> 2;
    const kind = this.type[frame]!;
    if (kind === Type.NONE) return HC_ERR.EINVAL;
    const old = this.word(pteAddr);
    if (kind === Type.TABLE) {
      const problem = this.checkLeaf(value, []);
      if (problem !== 0) return problem;
      this.takeLeaf(value);
      this.writeRealLeaf(this.real.get(frame)!, index, value);
      this.dropLeaf(old);
    } else {
      const problem = this.checkDirectoryEntry(value, [frame]);
      if (problem !== 0) return problem;
      this.takeDirectoryEntry(value);
      this.writeRealDirectoryEntry(this.real.get(frame)!, index, value);
      this.dropDirectoryEntry(old);
    }
    vmm.writeGuestPte(pteAddr, value);
    return 0;
  }

  private setPtbr(value: number, e: HypercallEvent): number {
    const problem = this.canTakeRoot(value);
    if (problem !== 0) return problem;
    e.setGuestPtbr(value);
    this.moveRoot(((value & PTBR_ROOT_MASK) >>> 0) >>> 12);
    this.switchRoot((value & PTBR_KEEP) !== 0);
    return 0;
  }

  private pin(gpa: number, level: number): number {
    if (gpa % PAGE_SIZE !== 0 || (level !== 0 && level !== 1)) return HC_ERR.EINVAL;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    const want = level === 1 ? Type.DIRECTORY : Type.TABLE;
    const problem = this.canType(frame, want, []);
    if (problem !== 0) return problem;
    this.takeType(frame, want);
    this.pins[frame]!++;
    return 0;
  }

  private unpin(gpa: number): number {
    if (gpa % PAGE_SIZE !== 0) return HC_ERR.EINVAL;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    if (this.pins[frame] === 0) return HC_ERR.EBUSY;
    this.pins[frame]!--;
    this.putType(frame);
    return 0;
  }

  // ------------------------------------------------------------------ validation

  /** May `frame` take (one more reference of) type `want`? `pending`: frames becoming typed in this same validation. */
  private canType(frame: number, want: Type, pending: number[]): number {
    const kind = this.type[frame]!;
    if (kind === want) return 0;
    if (kind !== Type.NONE || this.writable[frame]! > 0 || pending.includes(frame)) return HC_ERR.EBUSY;
    const vmm = this.vmm;
    const base = frame * PAGE_SIZE;
    const entries: number[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      vmm.chargeVmm(entry & PTE.V ? vmm.costs.pteRead : PV_SCAN_ENTRY_CYCLES);
      if (entry & PTE.V) entries.push(entry);
    }
    if (want === Type.TABLE) {
      const mine = [...pending, frame];
      for (const entry of entries) {
        const problem = this.checkLeaf(entry, mine);
        if (problem !== 0) return problem;
      }
      return 0;
    }
    // A directory: its new page tables are validated with it, all of them pending together, so
    // that none of them may map another (or the directory) writable.
    const children = new Set<number>();
    for (const entry of entries) {
      if (entry & PTE.L) continue;
      const child = (entry & PTE.FRAME_MASK) >>> 12;
      if (child < this.frames && this.type[child] === Type.NONE) children.add(child);
    }
    const mine = [...pending, frame, ...children];
    for (const entry of entries) {
      const problem = this.checkDirectoryEntry(entry, mine, children);
      if (problem !== 0) return problem;
    }
    return 0;
  }

  /** A leaf of a page table: maps this VM's RAM or its device window; writable only if not a table. */
  private checkLeaf(entry: number, pending: readonly number[]): number {
    if (!(entry & PTE.V)) return 0;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isMmio(gpa)) return 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const frame = gpa >>> 12;
    if ((entry & PTE.W) && (this.type[frame] !== Type.NONE || pending.includes(frame))) return HC_ERR.EBUSY;
    return 0;
  }

  /**
   * A directory entry: a superpage (aligned, in RAM) or a page table, which must be one or become
   * one (validated now, unless it is among `checked`, the children a directory validation
   * checks itself).
   */
  private checkDirectoryEntry(entry: number, pending: readonly number[], checked?: ReadonlySet<number>): number {
    if (!(entry & PTE.V)) return 0;
    if (entry & PTE.L) {
      if (entry & 0x003ff000) return HC_ERR.EINVAL;
      const base = (entry & SUPER_FRAME_MASK) >>> 0;
      return this.vmm.isGuestRam(base) || this.vmm.isMmio(base) ? 0 : HC_ERR.EPERM;
    }
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    const child = gpa >>> 12;
    if (this.type[child] === Type.TABLE) return 0;
    if (checked?.has(child)) {
      if (this.writable[child]! > 0) return HC_ERR.EBUSY;
      return this.canType(child, Type.TABLE, pending.filter((f) => f !== child));
    }
    return this.canType(child, Type.TABLE, [...pending]);
  }

  private canTakeRoot(value: number): number {
    const gpa = (value & PTBR_ROOT_MASK) >>> 0;
    if (!this.vmm.isGuestRam(gpa)) return HC_ERR.EPERM;
    return this.canType(gpa >>> 12, Type.DIRECTORY, []);
  }

  /** The loaded PTBR's reference moves to directory `frame` (-1: to none, a root that failed validation). */
  private moveRoot(frame: number): void {
    const old = this.ptbrFrame;
    this.ptbrFrame = frame;
    if (frame >= 0) this.takeType(frame, Type.DIRECTORY);
    if (old >= 0) this.putType(old);
  }

  // ------------------------------------------------------------------ types and references (checked first: these cannot fail)

  /** One more reference of type `want` on `frame`; the first validates it and builds its real table. */
  private takeType(frame: number, want: Type): void {
    if (this.typeRefs[frame]!++ > 0) return;
    this.type[frame] = want;
    this.stats.tablesValidated++;
    const vmm = this.vmm;
    const base = frame * PAGE_SIZE;
    const table = vmm.allocTable(want === Type.DIRECTORY ? 0 : 1);
    this.real.set(frame, table);
    this.protectInSplits(frame);
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      if (!(entry & PTE.V)) continue;
      if (want === Type.TABLE) {
        this.takeLeaf(entry);
        this.writeRealLeaf(table, i, entry);
      } else {
        this.takeDirectoryEntry(entry);
        this.writeRealDirectoryEntry(table, i, entry);
      }
    }
  }

  /** One reference fewer; the last releases what the table's entries hold, and its real table. */
  private putType(frame: number): void {
    if (--this.typeRefs[frame]! > 0) return;
    const kind = this.type[frame]!;
    const table = this.real.get(frame)!;
    const base = frame * PAGE_SIZE;
    for (let i = 0; i < ENTRIES; i++) {
      const entry = this.word(base + i * 4);
      if (!(entry & PTE.V)) continue;
      if (kind === Type.TABLE) this.dropLeaf(entry);
      else {
        if ((entry & PTE.L) && this.splitTables.has((this.vmm.readEntry(table, i) & PTE.FRAME_MASK) >>> 0)) this.splitAt[i]!--;
        this.dropDirectoryEntry(entry);
      }
    }
    this.type[frame] = Type.NONE;
    this.real.delete(frame);
    this.vmm.freeTable(table);
    // A directory's real table (and the page tables only it led to) go back to the host: nothing
    // cached from a walk through them may outlive them.
    if (kind === Type.DIRECTORY) this.vmm.flushTlbVm();
    this.unprotectInSplits(frame);
  }

  private takeLeaf(entry: number): void {
    if (!(entry & PTE.V) || !(entry & PTE.W)) return;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isGuestRam(gpa)) this.writable[gpa >>> 12]!++;
  }

  private dropLeaf(entry: number): void {
    if (!(entry & PTE.V) || !(entry & PTE.W)) return;
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (this.vmm.isGuestRam(gpa)) this.writable[gpa >>> 12]!--;
  }

  private takeDirectoryEntry(entry: number): void {
    if (!(entry & PTE.V) || (entry & PTE.L)) return;
    this.takeType((entry & PTE.FRAME_MASK) >>> 12, Type.TABLE);
  }

  private dropDirectoryEntry(entry: number): void {
    if (!(entry & PTE.V) || (entry & PTE.L)) return;
    this.putType((entry & PTE.FRAME_MASK) >>> 12);
  }

  // ------------------------------------------------------------------ the real tables

  /** A guest leaf as the hardware walks it: its host frame (RAM), or nothing (the device window: emulated on each access). */
  private writeRealLeaf(table: number, index: number, entry: number): void {
    const gpa = (entry & PTE.FRAME_MASK) >>> 0;
    if (!(entry & PTE.V) || !this.vmm.isGuestRam(gpa)) {
      this.vmm.writeEntry(table, index, 0);
      return;
    }
    const host = this.vmm.backing(gpa);
    this.vmm.writeEntry(table, index, (host | (entry & (PTE.V | PTE.W | PTE.X | PTE.U | PTE.G | PTE.A | PTE.D))) >>> 0);
  }

  private writeRealDirectoryEntry(table: number, index: number, entry: number): void {
    const old = this.vmm.readEntry(table, index);
    if (!(entry & PTE.V)) {
      this.vmm.writeEntry(table, index, 0);
    } else if ((entry & PTE.L) && !this.vmm.isGuestRam((entry & SUPER_FRAME_MASK) >>> 0)) {
      // The device window: every access faults and is emulated.
      this.vmm.writeEntry(table, index, 0);
    } else if (entry & PTE.L) {
      const split = this.splitFor(entry);
      split.installedAt.add(index);
      this.splitAt[index]!++;
      this.vmm.writeEntry(table, index, split.table | PTE.V);
    } else {
      this.vmm.writeEntry(table, index, this.real.get((entry & PTE.FRAME_MASK) >>> 12)! | PTE.V);
    }
    if (!(old & PTE.V)) return;
    if (this.splitTables.has((old & PTE.FRAME_MASK) >>> 0)) this.splitAt[index]!--;
    // The real table the old entry led to may be freed now: no walk cache may keep leading there
    // (the guest's invlpg would come too late for a frame the host reuses).
    this.vmm.flushTlbRange(index * 0x400000, (index + 1) * 0x400000);
  }

  private splitFor(leaf: number): SplitTable {
    const key = (leaf & SPLIT_KEY_MASK) >>> 0;
    let split = this.splits.get(key);
    if (!split) {
      split = { table: this.vmm.allocTable(1), key, installedAt: new Set() };
      this.splits.set(key, split);
      this.splitTables.add(split.table);
    }
    return split;
  }

  /** Entry `index` of a split superpage: its frame, writable only while it is not a table. */
  private fillSplit(split: SplitTable, index: number): void {
    const gpa = ((split.key & SUPER_FRAME_MASK) + index * PAGE_SIZE) >>> 0;
    const frame = gpa >>> 12;
    const writable = (split.key & PTE.W) !== 0 && this.type[frame] === Type.NONE;
    const bits = PTE.V | PTE.A | PTE.D | (split.key & (PTE.X | PTE.U | PTE.G)) | (writable ? PTE.W : 0);
    this.vmm.writeEntry(split.table, index, (this.vmm.backing(gpa) | bits) >>> 0);
    this.stats.fills++;
  }

  /** A frame became a table: no split superpage (nor the paging-off map) may still write it. */
  private protectInSplits(frame: number): void {
    const vmm = this.vmm;
    const gpa = frame * PAGE_SIZE;
    for (const split of this.splits.values()) {
      if (((split.key & SUPER_FRAME_MASK) >>> 0) !== ((gpa & SUPER_FRAME_MASK) >>> 0)) continue;
      const index = frame & 1023;
      const entry = vmm.readEntry(split.table, index);
      if (!(entry & PTE.W)) continue;
      vmm.writeEntry(split.table, index, entry & ~PTE.W);
      for (const at of split.installedAt) vmm.flushTlbPage(((at << 22) | (index << 12)) >>> 0);
    }
    if (this.pagingOffRoot >= 0) {
      const table = this.pagingOffTables[frame >>> 10]!;
      if (table !== 0) {
        const entry = vmm.readEntry(table, frame & 1023);
        if (entry & PTE.W) {
          vmm.writeEntry(table, frame & 1023, entry & ~PTE.W);
          vmm.flushTlbPage(gpa);
        }
      }
    }
  }

  /**
   * A frame stopped being a table: the superpages that split it may write it again (the kernel
   * frees it, and kalloc zeroes it, through its direct map). The stale read-only TLB entries go.
   */
  private unprotectInSplits(frame: number): void {
    const vmm = this.vmm;
    const gpa = frame * PAGE_SIZE;
    const index = frame & 1023;
    for (const split of this.splits.values()) {
      if (!(split.key & PTE.W) || ((split.key & SUPER_FRAME_MASK) >>> 0) !== ((gpa & SUPER_FRAME_MASK) >>> 0)) continue;
      const entry = vmm.readEntry(split.table, index);
      if (!(entry & PTE.V) || (entry & PTE.W)) continue;
      vmm.writeEntry(split.table, index, entry | PTE.W);
      for (const at of split.installedAt) vmm.flushTlbPage(((at << 22) | (index << 12)) >>> 0);
    }
  }

  /** The identity map the guest runs on with paging off (as the domain builder's first tables). */
  private fillPagingOff(frame: number): void {
    const vmm = this.vmm;
    const root = this.pagingOffRootTable();
    const pdIndex = frame >>> 10;
    let table = this.pagingOffTables[pdIndex]!;
    if (table === 0) {
      table = vmm.allocTable(1);
      this.pagingOffTables[pdIndex] = table;
      vmm.writeEntry(root, pdIndex, table | PTE.V);
    }
    const writable = this.type[frame] === Type.NONE ? PTE.W : 0;
    vmm.writeEntry(table, frame & 1023, (vmm.backing(frame * PAGE_SIZE) | PTE.V | PTE.X | PTE.U | PTE.A | PTE.D | writable) >>> 0);
    this.stats.fills++;
  }

  private pagingOffRootTable(): number {
    if (this.pagingOffRoot < 0) this.pagingOffRoot = this.vmm.allocTable(0);
    return this.pagingOffRoot;
  }

  /** The real root the guest's state selects. */
  private currentRoot(): { root: number; pagingOff: boolean } {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) return { root: this.pagingOffRootTable(), pagingOff: true };
    const frame = ((vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0) >>> 12;
    if (frame === this.ptbrFrame) return { root: this.real.get(frame)!, pagingOff: false };
    if (this.emptyRoot < 0) this.emptyRoot = vmm.allocTable(0);
    return { root: this.emptyRoot, pagingOff: false };
  }

  private switchRoot(keep: boolean): void {
    const { root, pagingOff } = this.currentRoot();
    this.vmm.switchRoot(root, { keep, pagingOff });
  }

  /** invlpg: a superpage is held in the TLB as the 4 KiB pieces of its split table. */
  private flushPage(va: number): void {
    const pdIndex = va >>> 22;
    if (this.splitAt[pdIndex]! > 0) this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
    else this.vmm.flushTlbPage(va);
  }

  private word(gpa: number): number {
    return this.vmm.readGuestWord(gpa) ?? 0;
  }

  // ------------------------------------------------------------------ inspection

  /**
   * The PV invariants, checked over every frame (tests, `Vmm.audit`): a typed frame has no
   * writable 4 KiB mapping and no writable real entry in a split superpage; the writable counts
   * match the validated tables; every typed frame's real table says what its guest entries say.
   */
  audit(): string[] {
    const problems: string[] = [];
    const counted = new Int32Array(this.frames);
    for (let frame = 0; frame < this.frames; frame++) {
      if (this.type[frame] !== Type.TABLE) continue;
      for (let i = 0; i < ENTRIES; i++) {
        const entry = this.word(frame * PAGE_SIZE + i * 4);
        if ((entry & PTE.V) && (entry & PTE.W) && this.vmm.isGuestRam((entry & PTE.FRAME_MASK) >>> 0)) counted[(entry & PTE.FRAME_MASK) >>> 12]!++;
      }
    }
    for (let frame = 0; frame < this.frames; frame++) {
      if (counted[frame] !== this.writable[frame]) problems.push(`guest frame ${hex(frame * PAGE_SIZE)}: ${this.writable[frame]} writable mappings counted, ${counted[frame]} in its tables`);
      if (this.type[frame] === Type.NONE) continue;
      if (this.writable[frame]! > 0) problems.push(`guest frame ${hex(frame * PAGE_SIZE)} is a page table with ${this.writable[frame]} writable mappings`);
      const table = this.real.get(frame)!;
      for (let i = 0; i < ENTRIES; i++) {
        const entry = this.word(frame * PAGE_SIZE + i * 4);
        const real = this.vmm.readEntry(table, i);
        const target = (this.type[frame] === Type.DIRECTORY && (entry & PTE.L) ? entry & SUPER_FRAME_MASK : entry & PTE.FRAME_MASK) >>> 0;
        const emulated = (entry & PTE.V) !== 0 && this.vmm.isMmio(target);
        if (!!(entry & PTE.V) !== !!(real & PTE.V) && !emulated) {
          problems.push(`guest frame ${hex(frame * PAGE_SIZE)} entry ${i}: guest ${hex(entry)}, real ${hex(real)}`);
        }
      }
      for (const split of this.splits.values()) {
        if (((split.key & SUPER_FRAME_MASK) >>> 0) !== (((frame * PAGE_SIZE) & SUPER_FRAME_MASK) >>> 0)) continue;
        if (this.vmm.readEntry(split.table, frame & 1023) & PTE.W) problems.push(`guest frame ${hex(frame * PAGE_SIZE)} is a page table, writable through a superpage`);
      }
    }
    return problems;
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
