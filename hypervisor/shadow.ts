// Shadow paging: trap-and-emulate memory virtualization in software.
//
// The guest keeps its own page tables and a virtual PTBR. The VMM traps the guest's PTBR and
// STATUS.PG writes, walks the guest's tables in software and builds shadow tables that map
// guest-virtual addresses straight to host-physical ones; the real PTBR points at a shadow.
// Shadows are filled lazily: a hardware page fault is a *hidden* fault when the guest maps the
// address (fill the entry, resume) and a *true* fault when it does not (inject it, as the guest
// would see it natively). Guest page-table frames are write-protected in the shadow, so a guest
// store to one exits and is emulated, and the shadow entries derived from it are dropped. A/D
// bits: the VMM sets A in the guest entry when it fills, and maps a page writable only once the
// guest entry's D is set, so the first store exits and sets D.
//
// Shadow roots are cached across context switches, keyed by guest root, up to a limit. A frame
// written many times in a row without being walked stops being shadowed (KVM's write-flooding
// heuristic), so a freed page table reused as data does not exit on every store.
//
// Two ways to keep the shadow in sync (`sync`): 'wp' write-protects every guest page table and
// emulates every store to one; 'oos' (out of sync, as KVM's unsync pages and Xen's out-of-sync
// shadows do) lets the guest write a leaf table freely after its first write fault and brings the
// shadow back in line when the guest says its translations changed: on invlpg (that one entry)
// and on a PTBR write or tlbflush (every out-of-sync table), when it is write-protected again.
//
// Written against the pager API (pager.ts) and nothing else: every read and write of a shadow
// entry, every guest PTE, TLB flush and fault goes through the services the VMM hands it.

import { ACCESS, CAUSE, CR, PAGE_SIZE, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS } from '../isa/arch.ts';
import type { Invlpg, PageFault, Pager, PagerModule, PagerServices, PtbrWrite } from './pager.ts';

export interface ShadowOptions {
  /** How many shadow roots (one per guest address space) are kept; the least recently used goes. */
  readonly cacheRoots: number;
  /** Emulated writes in a row to one page-table frame before it is unshadowed. */
  readonly floodThreshold: number;
  /** 'wp': write-protect every guest page table; 'oos': let leaf tables go out of sync. */
  readonly sync?: 'wp' | 'oos';
}

export const DEFAULT_SHADOW: ShadowOptions = { cacheRoots: 16, floodThreshold: 3, sync: 'wp' };

/** The built-in shadow pager, as the VMM is given it (`--mode shadow`). */
export const SHADOW_PAGER: PagerModule = {
  name: 'shadow',
  builtIn: true,
  create: (vmm, settings) => new ShadowPager(vmm, settings.shadow),
};

/** The key of the shadow used while the guest has paging off (guest-virtual = guest-physical). */
const PAGING_OFF = -1;
/** guestPt values: the shadow table splits a guest superpage / maps with paging off. */
const FROM_SUPERPAGE = -2;
const FROM_PAGING_OFF = -3;
const NONE = -1;

class ShadowRoot {
  /** Host-physical address of the shadow page directory. */
  pd = 0;
  /** Per directory index: host address of the shadow page table (0 = none)... */
  readonly pts = new Int32Array(1024);
  /** ...and the guest page table it shadows (guest-physical), or FROM_SUPERPAGE / FROM_PAGING_OFF. */
  readonly guestPt = new Int32Array(1024).fill(NONE);
  lastUse = 0;
  constructor(readonly id: number, readonly key: number) {}
}

/** One cached shadow root, as `ShadowPager.shadowRoots` describes it. */
export interface ShadowRootInfo {
  /** Host-physical address of the shadow page directory. */
  readonly directory: number;
  /** The guest page directory it shadows (guest-physical), or null: the guest's paging-off shadow. */
  readonly guestRoot: number | null;
  /** The root the guest's current state selects (the real PTBR whenever the VM runs). */
  readonly current: boolean;
  /** The shadow page tables under it, by directory index. */
  readonly tables: readonly ShadowTableInfo[];
}

export interface ShadowTableInfo {
  readonly index: number;
  /** Host-physical address of the shadow page table. */
  readonly table: number;
  /**
   * What it was built from: the guest page table it shadows (guest-physical), 'superpage' (it
   * splits the guest's 4 MiB superpage at this index into 4 KiB pieces) or 'paging-off'.
   */
  readonly from: number | 'superpage' | 'paging-off';
}

/** The result of the VMM's software walk of the guest tables (isa/README.md, "The page walk"). */
interface GuestWalk {
  status: 'ok' | 'not-present' | 'bus-error';
  leaf: number;
  /** Guest-physical address of the leaf entry (-1 with paging off). */
  leafAddr: number;
  guestPhys: number;
  /** Guest page table used for this address, or FROM_SUPERPAGE / FROM_PAGING_OFF. */
  guestPt: number;
}

export class ShadowPager implements Pager {
  readonly translation = 'shadow';
  private readonly lastWalk: GuestWalk = { status: 'ok', leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE };

  private readonly roots = new Map<number, ShadowRoot>();
  private readonly rootsById = new Map<number, ShadowRoot>();
  private current: ShadowRoot | undefined;
  private nextRootId = 1;
  private tick = 0;
  /** Guest frames holding page directories, and the shadow roots built from each. */
  private readonly pdUsers = new Map<number, Set<ShadowRoot>>();
  /** Guest frames holding page tables, and the (root id << 10 | directory index) shadowing each. */
  private readonly ptUsers = new Map<number, Set<number>>();
  /** Per guest frame: writable shadow entries mapping it, as pairs (entry host address, va). */
  private readonly writableMaps = new Map<number, number[]>();
  private readonly shadowTables = new Set<number>();
  private readonly floodCount = new Map<number, number>();
  /** Guest leaf page-table frames the guest may write without exits until the next resync ('oos'). */
  private readonly unsync = new Set<number>();

  constructor(private readonly vmm: PagerServices, readonly options: ShadowOptions = DEFAULT_SHADOW) {}

  vmEntry(): void {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
  }

  /**
   * Host-physical address of the shadow directory the guest's current state selects (the real
   * PTBR whenever this VM runs), without creating it; undefined before it exists. For the debugger.
   */
  get currentRootAddress(): number | undefined {
    return this.current?.pd;
  }

  /**
   * Every cached shadow root and what it was built from: the guest directory it shadows and,
   * per directory index, the guest page table each shadow table shadows. Read-only, for the
   * inspection model (inspect/tables.ts links shadow entries to the guest entries behind them).
   */
  shadowRoots(): ShadowRootInfo[] {
    return [...this.roots.values()].map((root) => {
      const tables: ShadowTableInfo[] = [];
      for (let i = 0; i < 1024; i++) {
        const table = root.pts[i]!;
        if (table === 0) continue;
        const guestPt = root.guestPt[i]!;
        tables.push({ index: i, table: table >>> 0, from: guestPt === FROM_SUPERPAGE ? 'superpage' : guestPt === FROM_PAGING_OFF ? 'paging-off' : guestPt >>> 0 });
      }
      return { directory: root.pd >>> 0, guestRoot: root.key === PAGING_OFF ? null : root.key >>> 0, current: root === this.current, tables };
    });
  }

  /** The real PTBR holds the shadow root: the guest reads its own value. */
  ptbrRead(): number {
    return this.vmm.readGuestCr(CR.PTBR);
  }

  ptbrWrite(e: PtbrWrite): void {
    this.resyncAll();
    this.switchShadow((e.value & PTBR_KEEP) !== 0);
  }

  pagingChange(): void {
    // A STATUS.PG change flushes nothing natively, so it keeps (the two spaces are tagged apart).
    this.switchShadow(true);
  }

  /**
   * A new guest address space (or paging turned on or off): load its shadow. The real PTBR
   * write drops this ASID's non-Global entries, as the guest's own write would natively; the
   * guest's KEEP bit passes through, the shadow being coherent with the hardware TLB.
   */
  private switchShadow(keep: boolean): void {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.switchRoot(root.pd, { keep, pagingOff: root.key === PAGING_OFF });
  }

  invlpg(e: Invlpg): string {
    // With write protection the shadow is in sync and only the hardware TLB needs the flush;
    // out of sync, the entry for this page is dropped so that it is refilled from the guest.
    if (this.unsync.size > 0) this.resyncPage(e.va);
    this.flushGuestPage(e.va);
    return 'invlpg';
  }

  tlbflush(): string {
    this.resyncAll();
    this.vmm.flushTlbAll();
    return 'tlbflush';
  }

  // ------------------------------------------------------------------ faults

  pageFault(e: PageFault): string {
    const vmm = this.vmm;
    const va = e.va;
    const access = e.access;
    const walk = this.walkGuest(va);
    if (walk.status === 'bus-error') return vmm.injectFault(CAUSE.BUS_ERROR, va);
    if (walk.status === 'not-present') return vmm.injectFault(vmm.arch.notPresentCause(access), va);
    if (!vmm.arch.permits(walk.leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    // The guest maps it: whatever happens now, the native walker would have set A (and D).
    this.setAccessedDirty(walk, access === ACCESS.STORE);
    const gpa = walk.guestPhys;
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    if (access === ACCESS.STORE && this.isProtected(gpa >>> 12)) {
      // A write to a protected frame: one of the guest's page tables.
      if (this.options.sync !== 'oos' || this.pdUsers.has(gpa >>> 12)) return this.emulatePageTableWrite(gpa);
      // Out of sync: from now on the guest writes this leaf table without exits.
      this.unsync.add(gpa >>> 12);
      vmm.count('ptUnsyncs');
      this.fill(va, walk);
      return 'pt-unsync';
    }
    this.fill(va, walk);
    return 'hidden-fault';
  }

  /**
   * Walk the guest's tables in software, as the hardware would natively. The result is one object
   * the pager fills again on every walk (a fault's handling is done with it before the next).
   */
  private walkGuest(va: number): GuestWalk {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) {
      return this.walked('ok', PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, -1, va, FROM_PAGING_OFF);
    }
    const root = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    const pdeAddr = (root + (va >>> 22) * 4) >>> 0;
    const pde = this.readGuestEntry(pdeAddr);
    if (pde === undefined) return this.walked('bus-error', 0, -1, 0, NONE);
    this.floodCount.delete(root >>> 12);
    if (!(pde & PTE.V)) return this.walked('not-present', pde, pdeAddr, 0, NONE);
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return this.walked('not-present', pde, pdeAddr, 0, NONE);
      const gpa = ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0;
      return this.walked('ok', pde, pdeAddr, gpa, FROM_SUPERPAGE);
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    const pteAddr = (pt + ((va >>> 12) & 1023) * 4) >>> 0;
    const pte = this.readGuestEntry(pteAddr);
    if (pte === undefined) return this.walked('bus-error', 0, -1, 0, NONE);
    this.floodCount.delete(pt >>> 12);
    if (!(pte & PTE.V)) return this.walked('not-present', pte, pteAddr, 0, pt);
    const gpa = ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0;
    return this.walked('ok', pte, pteAddr, gpa, pt);
  }

  private walked(status: GuestWalk['status'], leaf: number, leafAddr: number, guestPhys: number, guestPt: number): GuestWalk {
    const w = this.lastWalk;
    w.status = status;
    w.leaf = leaf;
    w.leafAddr = leafAddr;
    w.guestPhys = guestPhys;
    w.guestPt = guestPt;
    return w;
  }

  /** One guest page-table entry, read by the VMM; undefined outside guest RAM (a bus error natively). */
  private readGuestEntry(guestPhys: number): number | undefined {
    return this.vmm.readGuestPte(guestPhys);
  }

  private setAccessedDirty(walk: GuestWalk, isStore: boolean): void {
    if (walk.leafAddr < 0) return;
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((walk.leaf & want) === want) return;
    walk.leaf |= want;
    this.vmm.writeGuestPte(walk.leafAddr, walk.leaf);
  }

  // ------------------------------------------------------------------ filling the shadow

  /** Install the shadow entry for va from a successful guest walk. */
  private fill(va: number, walk: GuestWalk): void {
    const root = this.current!;
    const pdIndex = va >>> 22;
    const ptIndex = (va >>> 12) & 1023;
    if (root.pts[pdIndex] !== 0 && root.guestPt[pdIndex] !== walk.guestPt) this.zapDirectoryEntry(root, pdIndex);
    let table = root.pts[pdIndex]!;
    if (table === 0) {
      table = this.allocTable(1);
      root.pts[pdIndex] = table;
      root.guestPt[pdIndex] = walk.guestPt;
      this.vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
      if (walk.guestPt >= 0) this.addUser(this.ptUsers, walk.guestPt >>> 12, (root.id << 10) | pdIndex);
    }
    const gpaFrame = walk.guestPhys >>> 12;
    const hostFrame = this.vmm.backing(gpaFrame * PAGE_SIZE);
    const leaf = walk.leaf;
    const writable = (leaf & PTE.W) !== 0 && (leaf & PTE.D) !== 0 && !this.isProtected(gpaFrame);
    const global = walk.guestPt === FROM_PAGING_OFF ? 0 : leaf & PTE.G;
    const entry = hostFrame | PTE.V | PTE.A | PTE.D | (leaf & (PTE.X | PTE.U)) | global | (writable ? PTE.W : 0);
    const entryAddr = table + ptIndex * 4;
    this.vmm.writeEntry(table, ptIndex, entry);
    if (writable) {
      let list = this.writableMaps.get(gpaFrame);
      if (!list) this.writableMaps.set(gpaFrame, (list = []));
      list.push(entryAddr, (va & ~0xfff) >>> 0);
    }
  }

  /** A shadow directory (level 0) or page table (level 1). */
  private allocTable(level: 0 | 1): number {
    const table = this.vmm.allocTable(level);
    this.shadowTables.add(table);
    return table;
  }

  private freeTable(table: number): void {
    this.shadowTables.delete(table);
    this.vmm.freeTable(table);
  }

  private addUser<T>(users: Map<number, Set<T>>, frame: number, user: T): void {
    const wasProtected = this.isProtected(frame);
    let set = users.get(frame);
    if (!set) users.set(frame, (set = new Set()));
    set.add(user);
    if (!wasProtected) this.writeProtect(frame);
  }

  private removeUser<T>(users: Map<number, Set<T>>, frame: number, user: T): void {
    const set = users.get(frame);
    if (!set) return;
    set.delete(user);
    if (set.size === 0) users.delete(frame);
  }

  private isProtected(gpaFrame: number): boolean {
    return this.pdUsers.has(gpaFrame) || (this.ptUsers.has(gpaFrame) && !this.unsync.has(gpaFrame));
  }

  /**
   * The guest's invlpg: the hardware TLB holds a guest superpage as the 4 KiB pieces of the
   * shadow table that splits it, so drop all of them (isa/README.md 6.4: the superpage that
   * contains va). In wp mode the directory write that changed the superpage has already dropped
   * them; this keeps the rule true whatever the sync design.
   */
  private flushGuestPage(va: number): void {
    const pdIndex = va >>> 22;
    for (const root of this.roots.values()) {
      if (root.guestPt[pdIndex] === FROM_SUPERPAGE) {
        this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
        return;
      }
    }
    this.vmm.flushTlbPage(va);
  }

  // ------------------------------------------------------------------ out-of-sync tables

  /** invlpg: drop the shadow entries for va that come from an out-of-sync guest table. */
  private resyncPage(va: number): void {
    const pdIndex = va >>> 22;
    const ptIndex = (va >>> 12) & 1023;
    for (const root of this.roots.values()) {
      const table = root.pts[pdIndex]!;
      const guestPt = root.guestPt[pdIndex]!;
      if (table === 0 || guestPt < 0 || !this.unsync.has(guestPt >>> 12)) continue;
      this.vmm.writeEntry(table, ptIndex, 0);
    }
  }

  /**
   * PTBR write or tlbflush: compare every out-of-sync table with its shadows, drop the shadow
   * entries the guest's entries no longer justify, and write-protect the tables again.
   */
  private resyncAll(): void {
    if (this.unsync.size === 0) return;
    const vmm = this.vmm;
    for (const frame of this.unsync) {
      for (const user of this.ptUsers.get(frame) ?? []) {
        const root = this.rootsById.get(user >>> 10)!;
        const table = root.pts[user & 1023]!;
        if (table === 0) continue;
        for (let i = 0; i < 1024; i++) {
          const shadow = vmm.readEntry(table, i);
          if (!(shadow & PTE.V)) continue;
          const guest = this.readGuestEntry(frame * PAGE_SIZE + i * 4) ?? 0;
          if (!this.stillJustified(shadow, guest)) vmm.writeEntry(table, i, 0);
        }
      }
    }
    const frames = [...this.unsync];
    this.unsync.clear();
    for (const frame of frames) this.writeProtect(frame);
    vmm.count('ptResyncs');
    vmm.flushTlbVm();
  }

  /** Does the guest entry still justify the shadow entry built from it (same frame, no more rights, A and D as needed)? */
  private stillJustified(shadow: number, guest: number): boolean {
    if (!(guest & PTE.V) || !(guest & PTE.A)) return false;
    const host = this.vmm.backed((guest & PTE.FRAME_MASK) >>> 0);
    if (host < 0 || host !== ((shadow & PTE.FRAME_MASK) >>> 0)) return false;
    if ((shadow & PTE.U) && !(guest & PTE.U)) return false;
    if ((shadow & PTE.X) && !(guest & PTE.X)) return false;
    if ((shadow & PTE.W) && (!(guest & PTE.W) || !(guest & PTE.D))) return false;
    return true;
  }

  /** A guest frame became a page table: take write access away from every shadow mapping of it. */
  private writeProtect(gpaFrame: number): void {
    const list = this.writableMaps.get(gpaFrame);
    if (!list) return;
    this.writableMaps.delete(gpaFrame);
    const vmm = this.vmm;
    const hostFrame = vmm.backed(gpaFrame * PAGE_SIZE);
    for (let i = 0; i < list.length; i += 2) {
      const entryAddr = list[i]!;
      const table = (entryAddr & ~0xfff) >>> 0;
      const index = (entryAddr & 0xfff) >>> 2;
      // The entry may have been dropped or reused since: only touch live shadow entries still mapping this frame.
      if (!this.shadowTables.has(table)) continue;
      const entry = vmm.readEntry(table, index);
      if ((entry & PTE.V) && (entry & PTE.W) && ((entry & PTE.FRAME_MASK) >>> 0) === hostFrame) {
        vmm.writeEntry(table, index, entry & ~PTE.W);
        vmm.flushTlbPage(list[i + 1]!);
      }
    }
  }

  // ------------------------------------------------------------------ guest page-table writes

  /** A guest store to one of its own page tables: do it, then drop the shadow entries it affects. */
  private emulatePageTableWrite(gpa: number): string {
    this.vmm.emulateStore(gpa);
    const frame = gpa >>> 12;
    this.syncTableWrite(frame, (gpa & 0xfff) >>> 2);
    const writes = (this.floodCount.get(frame) ?? 0) + 1;
    this.floodCount.set(frame, writes);
    if (writes >= this.options.floodThreshold) this.unshadow(frame);
    return 'pt-write';
  }

  /** Entry `index` of guest frame `frame` changed: drop what the shadows built from it. */
  private syncTableWrite(frame: number, index: number): void {
    // Neither loop changes the set it goes through (zapping a directory entry changes the users
    // of the table below it, in ptUsers), so neither is copied first.
    const roots = this.pdUsers.get(frame);
    if (roots !== undefined) for (const root of roots) this.zapDirectoryEntry(root, index);
    const users = this.ptUsers.get(frame);
    if (users !== undefined) for (const user of users) {
      const root = this.rootsById.get(user >>> 10)!;
      const pdIndex = user & 1023;
      const table = root.pts[pdIndex]!;
      if (table === 0) continue;
      this.vmm.writeEntry(table, index, 0);
      this.vmm.flushTlbPage(((pdIndex << 22) | (index << 12)) >>> 0);
    }
  }

  /** Drop the shadow page table under one directory entry of a shadow root. */
  private zapDirectoryEntry(root: ShadowRoot, pdIndex: number): void {
    const table = root.pts[pdIndex]!;
    if (table === 0) return;
    const guestPt = root.guestPt[pdIndex]!;
    if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, (root.id << 10) | pdIndex);
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE;
    this.vmm.writeEntry(root.pd, pdIndex, 0);
    this.freeTable(table);
    this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
  }

  /** Stop shadowing a frame the guest keeps writing (it is most likely not a page table any more). */
  private unshadow(frame: number): void {
    this.floodCount.delete(frame);
    for (const user of [...(this.ptUsers.get(frame) ?? [])]) {
      this.zapDirectoryEntry(this.rootsById.get(user >>> 10)!, user & 1023);
    }
    for (const root of [...(this.pdUsers.get(frame) ?? [])]) {
      if (root !== this.current) this.dropRoot(root);
    }
    this.vmm.count('unshadowed');
  }

  // ------------------------------------------------------------------ the root cache

  private rootForGuestState(): ShadowRoot {
    const vmm = this.vmm;
    const key = vmm.readGuestCr(CR.STATUS) & STATUS.PG ? (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0 : PAGING_OFF;
    let root = this.roots.get(key);
    if (!root) root = this.createRoot(key);
    root.lastUse = ++this.tick;
    return root;
  }

  private createRoot(key: number): ShadowRoot {
    while (this.roots.size >= Math.max(1, this.options.cacheRoots)) {
      let victim: ShadowRoot | undefined;
      for (const r of this.roots.values()) if (r !== this.current && (!victim || r.lastUse < victim.lastUse)) victim = r;
      if (!victim) break;
      this.dropRoot(victim);
      this.vmm.count('shadowRootsReclaimed');
    }
    const root = new ShadowRoot(this.nextRootId++, key);
    root.pd = this.allocTable(0);
    this.roots.set(key, root);
    this.rootsById.set(root.id, root);
    this.vmm.count('shadowRootsCreated');
    if (key !== PAGING_OFF) this.addUser(this.pdUsers, key >>> 12, root);
    return root;
  }

  private dropRoot(root: ShadowRoot): void {
    for (let i = 0; i < 1024; i++) {
      const table = root.pts[i]!;
      if (table === 0) continue;
      const guestPt = root.guestPt[i]!;
      if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, (root.id << 10) | i);
      this.freeTable(table);
    }
    if (root.key !== PAGING_OFF) this.removeUser(this.pdUsers, root.key >>> 12, root);
    this.freeTable(root.pd);
    this.roots.delete(root.key);
    this.rootsById.delete(root.id);
    // Its translations may still be in the TLB under its guest's ASID.
    this.vmm.flushTlbVm();
  }
}
