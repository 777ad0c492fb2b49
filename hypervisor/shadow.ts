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

import { ACCESS, CAUSE, CR, PAGE_SIZE, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS, type AccessType } from '../isa/arch.ts';
import { EXIT, EXIT_CONTROL, type ExitControls, type ExitInfo } from '../emulator/exits.ts';
import { permits } from '../emulator/mmu.ts';
import { decodeAccess } from './emulate.ts';
import { VMM_OWNER } from './host.ts';
import { PagerBase, VMM_EVENTS, type Pager } from './pager.ts';

export interface ShadowOptions {
  /** How many shadow roots (one per guest address space) are kept; the least recently used goes. */
  readonly cacheRoots: number;
  /** Emulated writes in a row to one page-table frame before it is unshadowed. */
  readonly floodThreshold: number;
  /** 'wp': write-protect every guest page table; 'oos': let leaf tables go out of sync. */
  readonly sync?: 'wp' | 'oos';
}

export const DEFAULT_SHADOW: ShadowOptions = { cacheRoots: 16, floodThreshold: 3, sync: 'wp' };

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

export class ShadowPager extends PagerBase implements Pager {
  readonly exitControls: ExitControls = {
    crReadExits: 1 << CR.PTBR,
    crWriteExits: (1 << CR.PTBR) | (1 << CR.STATUS),
    statusWriteMask: STATUS.PG,
    events: EXIT_CONTROL.PAGE_FAULT | EXIT_CONTROL.INVLPG | EXIT_CONTROL.TLBFLUSH | VMM_EVENTS,
  };
  options: ShadowOptions = DEFAULT_SHADOW;

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

  enter(vpid: number): void {
    const cpu = this.vm.cpu;
    cpu.exitControls = this.exitControls;
    cpu.vmmOwnsTranslation = true;
    const root = this.rootForGuestState();
    this.current = root;
    this.mmu.configure(true, root.pd, (vpid << 8) | this.guestAsid(), null);
    this.mmu.pagingOffSpace = root.key === PAGING_OFF;
    cpu.syncMmuMode();
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

  private guestAsid(): number {
    return this.vm.cpu.cr[CR.PTBR]! & this.mmu.asidMask;
  }

  afterCrWrite(crn: number, value: number): void {
    if (crn !== CR.PTBR && crn !== CR.STATUS) return;
    if (crn === CR.PTBR) this.resyncAll();
    // A new guest address space (or paging turned on or off): load its shadow. The real PTBR
    // write drops this ASID's non-Global entries, as the guest's own write would natively.
    const root = this.rootForGuestState();
    this.current = root;
    // The guest's KEEP bit passes through: the shadow is coherent with the hardware TLB. A
    // STATUS.PG change flushes nothing natively, so it keeps too (the two spaces are tagged apart).
    const keep = crn === CR.PTBR ? value & PTBR_KEEP : PTBR_KEEP;
    this.mmu.pagingOffSpace = root.key === PAGING_OFF;
    this.mmu.writePtbr(root.pd | this.guestAsid() | keep);
  }

  handleExit(e: ExitInfo): string | undefined {
    switch (e.reason) {
      case EXIT.INVLPG:
        // With write protection the shadow is in sync and only the hardware TLB needs the flush;
        // out of sync, the entry for this page is dropped so that it is refilled from the guest.
        if (this.unsync.size > 0) this.resyncPage(e.address);
        this.flushGuestPage(e.address);
        this.vm.cpu.retireEmulated(e.word);
        return 'invlpg';
      case EXIT.TLBFLUSH:
        this.resyncAll();
        this.mmu.flushAll();
        this.vm.cpu.retireEmulated(e.word);
        return 'tlbflush';
      case EXIT.PAGE_FAULT:
        return this.pageFault(e);
      default:
        return undefined;
    }
  }

  // ------------------------------------------------------------------ faults

  private pageFault(e: ExitInfo): string {
    const vm = this.vm;
    const cpu = vm.cpu;
    const va = e.address >>> 0;
    const access = e.access;
    const user = !(cpu.cr[CR.STATUS]! & STATUS.MODE);
    const walk = this.walkGuest(va);
    if (walk.status === 'bus-error') return this.inject(CAUSE.BUS_ERROR, va);
    if (walk.status === 'not-present') return this.inject(NOT_PRESENT[access]!, va);
    if (!permits(walk.leaf, access as AccessType, user)) return this.inject(PROTECTION[access]!, va);
    // The guest maps it: whatever happens now, the native walker would have set A (and D).
    this.setAccessedDirty(walk, access === ACCESS.STORE);
    const gpa = walk.guestPhys;
    if (vm.isMmio(gpa)) return this.emulateMmio(e, gpa);
    if (!vm.isGuestRam(gpa)) return this.refuse(va);
    if (access === ACCESS.STORE && this.isProtected(gpa >>> 12)) {
      if (this.options.sync !== 'oos' || this.pdUsers.has(gpa >>> 12)) return this.emulatePageTableWrite(e, gpa);
      // Out of sync: from now on the guest writes this leaf table without exits.
      this.unsync.add(gpa >>> 12);
      vm.vmm.ptUnsyncs++;
      this.fill(va, walk);
      return 'pt-unsync';
    }
    this.fill(va, walk);
    vm.vmm.faultsHidden++;
    return 'hidden-fault';
  }

  /** Walk the guest's tables in software, as the hardware would natively. */
  private walkGuest(va: number): GuestWalk {
    const cpu = this.vm.cpu;
    if (!(cpu.cr[CR.STATUS]! & STATUS.PG)) {
      return { status: 'ok', leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va, guestPt: FROM_PAGING_OFF };
    }
    const root = (cpu.cr[CR.PTBR]! & PTBR_ROOT_MASK) >>> 0;
    const pdeAddr = (root + (va >>> 22) * 4) >>> 0;
    const pde = this.readGuestEntry(pdeAddr);
    if (pde === undefined) return { status: 'bus-error', leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE };
    this.floodCount.delete(root >>> 12);
    if (!(pde & PTE.V)) return { status: 'not-present', leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE };
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return { status: 'not-present', leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE };
      const gpa = ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0;
      return { status: 'ok', leaf: pde, leafAddr: pdeAddr, guestPhys: gpa, guestPt: FROM_SUPERPAGE };
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    const pteAddr = (pt + ((va >>> 12) & 1023) * 4) >>> 0;
    const pte = this.readGuestEntry(pteAddr);
    if (pte === undefined) return { status: 'bus-error', leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE };
    this.floodCount.delete(pt >>> 12);
    if (!(pte & PTE.V)) return { status: 'not-present', leaf: pte, leafAddr: pteAddr, guestPhys: 0, guestPt: pt };
    const gpa = ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0;
    return { status: 'ok', leaf: pte, leafAddr: pteAddr, guestPhys: gpa, guestPt: pt };
  }

  /** One guest page-table entry, read by the VMM; undefined outside guest RAM (a bus error natively). */
  private readGuestEntry(guestPhys: number): number | undefined {
    this.chargePteReads(1);
    if (!this.vm.isGuestRam(guestPhys)) return undefined;
    const host = this.vm.backed(guestPhys);
    return host < 0 ? 0 : this.host.mem.i32[host >>> 2]!;
  }

  private setAccessedDirty(walk: GuestWalk, isStore: boolean): void {
    if (walk.leafAddr < 0) return;
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((walk.leaf & want) === want) return;
    walk.leaf |= want;
    this.vm.writeWord(walk.leafAddr, walk.leaf);
    this.chargePteWrites(1);
    this.vm.stats.adUpdates++;
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
      table = this.allocTable();
      root.pts[pdIndex] = table;
      root.guestPt[pdIndex] = walk.guestPt;
      this.host.mem.i32[(root.pd + pdIndex * 4) >>> 2] = table | PTE.V;
      this.chargePteWrites(1);
      if (walk.guestPt >= 0) this.addUser(this.ptUsers, walk.guestPt >>> 12, (root.id << 10) | pdIndex);
    }
    const gpaFrame = walk.guestPhys >>> 12;
    const hostFrame = this.vm.backing(gpaFrame * PAGE_SIZE);
    const leaf = walk.leaf;
    const writable = (leaf & PTE.W) !== 0 && (leaf & PTE.D) !== 0 && !this.isProtected(gpaFrame);
    const global = walk.guestPt === FROM_PAGING_OFF ? 0 : leaf & PTE.G;
    const entry = hostFrame | PTE.V | PTE.A | PTE.D | (leaf & (PTE.X | PTE.U)) | global | (writable ? PTE.W : 0);
    const entryAddr = table + ptIndex * 4;
    this.host.mem.i32[entryAddr >>> 2] = entry;
    this.chargePteWrites(1);
    if (writable) {
      let list = this.writableMaps.get(gpaFrame);
      if (!list) this.writableMaps.set(gpaFrame, (list = []));
      list.push(entryAddr, (va & ~0xfff) >>> 0);
    }
  }

  private allocTable(): number {
    const table = this.host.allocFrame(VMM_OWNER);
    this.shadowTables.add(table);
    this.vm.vmm.addShadowPages(1);
    return table;
  }

  private freeTable(table: number): void {
    this.shadowTables.delete(table);
    this.host.freeFrame(table);
    this.vm.vmm.addShadowPages(-1);
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
        this.mmu.flushRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
        return;
      }
    }
    this.mmu.flushPage(va);
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
      this.host.mem.i32[(table + ptIndex * 4) >>> 2] = 0;
      this.chargePteWrites(1);
    }
  }

  /**
   * PTBR write or tlbflush: compare every out-of-sync table with its shadows, drop the shadow
   * entries the guest's entries no longer justify, and write-protect the tables again.
   */
  private resyncAll(): void {
    if (this.unsync.size === 0) return;
    const mem = this.host.mem.i32;
    for (const frame of this.unsync) {
      for (const user of this.ptUsers.get(frame) ?? []) {
        const root = this.rootsById.get(user >>> 10)!;
        const table = root.pts[user & 1023]!;
        if (table === 0) continue;
        for (let i = 0; i < 1024; i++) {
          const shadow = mem[(table + i * 4) >>> 2]!;
          if (!(shadow & PTE.V)) continue;
          const guest = this.readGuestEntry(frame * PAGE_SIZE + i * 4) ?? 0;
          if (!this.stillJustified(shadow, guest)) {
            mem[(table + i * 4) >>> 2] = 0;
            this.chargePteWrites(1);
          }
        }
      }
    }
    const frames = [...this.unsync];
    this.unsync.clear();
    for (const frame of frames) this.writeProtect(frame);
    this.vm.vmm.ptResyncs++;
    this.mmu.flushVpid();
  }

  /** Does the guest entry still justify the shadow entry built from it (same frame, no more rights, A and D as needed)? */
  private stillJustified(shadow: number, guest: number): boolean {
    if (!(guest & PTE.V) || !(guest & PTE.A)) return false;
    const host = this.vm.backed((guest & PTE.FRAME_MASK) >>> 0);
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
    const hostFrame = this.vm.backed(gpaFrame * PAGE_SIZE);
    const mem = this.host.mem.i32;
    for (let i = 0; i < list.length; i += 2) {
      const entryAddr = list[i]!;
      // The entry may have been dropped or reused since: only touch live shadow entries still mapping this frame.
      if (!this.shadowTables.has(entryAddr & ~0xfff)) continue;
      const entry = mem[entryAddr >>> 2]!;
      if ((entry & PTE.V) && (entry & PTE.W) && ((entry & PTE.FRAME_MASK) >>> 0) === hostFrame) {
        mem[entryAddr >>> 2] = entry & ~PTE.W;
        this.chargePteWrites(1);
        this.mmu.flushPage(list[i + 1]!);
      }
    }
  }

  // ------------------------------------------------------------------ guest page-table writes

  /** A guest store to one of its own page tables: do it, then drop the shadow entries it affects. */
  private emulatePageTableWrite(e: ExitInfo, gpa: number): string {
    const vm = this.vm;
    const access = decodeAccess(e.word);
    if (!access || !access.isStore) throw new Error(`VMM bug: a store fault on a non-store word 0x${(e.word >>> 0).toString(16)}`);
    vm.writeSized(gpa, vm.cpu.regs[access.dataReg]!, access.size);
    vm.vmm.ptWritesEmulated++;
    this.chargeVmm(this.profile.vmmEmulateCycles);
    const frame = gpa >>> 12;
    this.syncTableWrite(frame, (gpa & 0xfff) >>> 2);
    const writes = (this.floodCount.get(frame) ?? 0) + 1;
    this.floodCount.set(frame, writes);
    if (writes >= this.options.floodThreshold) this.unshadow(frame);
    vm.cpu.retireEmulated(e.word);
    return 'pt-write';
  }

  /** Entry `index` of guest frame `frame` changed: drop what the shadows built from it. */
  private syncTableWrite(frame: number, index: number): void {
    for (const root of [...(this.pdUsers.get(frame) ?? [])]) this.zapDirectoryEntry(root, index);
    for (const user of [...(this.ptUsers.get(frame) ?? [])]) {
      const root = this.rootsById.get(user >>> 10)!;
      const pdIndex = user & 1023;
      const table = root.pts[pdIndex]!;
      if (table === 0) continue;
      this.host.mem.i32[(table + index * 4) >>> 2] = 0;
      this.chargePteWrites(1);
      this.mmu.flushPage(((pdIndex << 22) | (index << 12)) >>> 0);
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
    this.host.mem.i32[(root.pd + pdIndex * 4) >>> 2] = 0;
    this.chargePteWrites(1);
    this.freeTable(table);
    this.mmu.flushRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
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
    this.vm.vmm.unshadowed++;
  }

  // ------------------------------------------------------------------ the root cache

  private rootForGuestState(): ShadowRoot {
    const cpu = this.vm.cpu;
    const key = cpu.cr[CR.STATUS]! & STATUS.PG ? (cpu.cr[CR.PTBR]! & PTBR_ROOT_MASK) >>> 0 : PAGING_OFF;
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
      this.vm.vmm.shadowRootsReclaimed++;
    }
    const root = new ShadowRoot(this.nextRootId++, key);
    root.pd = this.allocTable();
    this.roots.set(key, root);
    this.rootsById.set(root.id, root);
    this.vm.vmm.shadowRootsCreated++;
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
    this.mmu.flushVpid();
  }

  // ------------------------------------------------------------------ isolation

  audit(): string[] {
    const problems: string[] = [];
    const mem = this.host.mem.i32;
    for (const root of this.roots.values()) {
      if (this.host.ownerOf(root.pd) !== VMM_OWNER) problems.push(`shadow root ${root.id} directory not owned by the VMM`);
      for (let i = 0; i < 1024; i++) {
        const table = root.pts[i]!;
        if (table === 0) continue;
        for (let j = 0; j < 1024; j++) {
          const entry = mem[(table + j * 4) >>> 2]!;
          if (!(entry & PTE.V)) continue;
          const frame = (entry & PTE.FRAME_MASK) >>> 0;
          if (this.host.ownerOf(frame) !== this.vm.id) {
            problems.push(`shadow entry for va 0x${((i << 22) | (j << 12)).toString(16)} maps host frame 0x${frame.toString(16)} not owned by VM ${this.vm.name}`);
          }
        }
      }
    }
    return problems;
  }
}

const NOT_PRESENT = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
const PROTECTION = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];
