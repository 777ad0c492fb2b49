// Agile paging (`--mode agile`), after Gandhi, Hill and Swift, "Agile Paging: Exceeding the Best
// of Nested and Shadow Paging" (ISCA 2016), section 4. The hardware walk starts in the VMM's
// shadow table; a shadow directory entry with the switch bit (isa/README.md 6.6) holds the host
// frame of a guest leaf table, and the walk reads the guest's own entry there and translates its
// frame through the EPT (emulator/walker.ts). A miss costs 2 references when the directory entry
// is shadowed, 2 + m with an m-level EPT when it is switched.
//
// The pager is a shadow pager (write protection, lazy fills, cached roots, as shadow.ts in 'wp'
// sync) that can hand a leaf table to the hardware's nested walk:
// - shadow → nested: a guest leaf table that takes `writes` emulated writes within one window
//   is switched: every shadow directory entry built from it gets the switch bit and its host
//   frame, its shadow tables are freed, and it is no longer write-protected, so its further
//   writes do not exit (guest faults in it go to the guest directly, as under EPT);
// - nested → shadow: a switched table that the guest did not write during a whole window goes
//   back: it is write-protected again and its shadow tables rebuilt from the guest's entries.
//   The paper watches the dirty bit of the nested entry that maps the table; TV32's EPT entries
//   have no dirty bit, so the VMM emulates one by write protection: at each window end every
//   switched table is write-protected ("armed"); the first write to it exits once, is counted
//   as 'agile-dirty' and disarms it; a table still armed at the next window end was not written.
// Windows end at a VMX-preemption-timer exit, charged as an exit (docs/cycle-model.md).
//
// Frames the VMM protects (guest directories, shadowed leaf tables, armed switched tables) are
// read-only in the shadow leaves *and* in the EPT, so a store through either kind of walk exits.
//
// Test hook: `switchEvery` moves a random half of the leaf tables to the other mode at random
// instruction counts (seeded), whatever the policy says; the equivalence suites run with it.
//
// Written against the pager API (pager.ts): its shadow tables, its EPT (`vmm.nested`) and the
// guest memory it reads all go through the services the VMM hands it.

import { ACCESS, CAUSE, CR, PAGE_SIZE, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS } from '../isa/arch.ts';
import { AGILE_SWITCH, levelShift, type PagingMode } from '../emulator/paging-mode.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { EptViolation, NestedServices, PageFault, Pager, PagerModule, PagerServices, PtbrWrite } from './pager.ts';
import type { PagerHost } from './pager-host.ts';
import type { ShadowOptions } from './shadow.ts';
import type { Vm } from './vm.ts';
import { xorshift32 } from './xorshift.ts';

export interface AgileOptions {
  /**
   * The mode a guest leaf table starts in when the VMM first meets it: 'shadow' (the paper's
   * description: moved to nested once written often) or 'nested' (moved to shadow once stable).
   */
  readonly start: 'shadow' | 'nested';
  /** Emulated writes to one leaf table within a window that move it to nested mode (0: never by policy). */
  readonly writes: number;
  /** Guest instructions per policy window. */
  readonly window: number;
  /** Test hook: at random instruction counts, on average every this many (0: never), toggle a random half of the leaf tables. */
  readonly switchEvery: number;
  /** The seed of the test hook. */
  readonly seed: number;
}

export const DEFAULT_AGILE: AgileOptions = { start: 'shadow', writes: 2, window: 50_000, switchEvery: 0, seed: 1 };

/** The largest window and random interval accepted. */
export const MAX_AGILE_WINDOW = 1_000_000_000;

/** Why the options cannot be used (the option at fault, and what it takes), or undefined. */
export function checkAgileOptions(o: AgileOptions): { readonly option: keyof AgileOptions; readonly message: string } | undefined {
  const bad = (option: keyof AgileOptions, message: string) => ({ option, message });
  if (o.start !== 'shadow' && o.start !== 'nested') return bad('start', `takes shadow or nested (got '${String(o.start)}')`);
  if (!Number.isSafeInteger(o.writes) || o.writes < 0 || o.writes > 1024) return bad('writes', `takes 0 (never) to 1024 writes per window (got ${o.writes})`);
  if (!Number.isSafeInteger(o.window) || o.window < 1000 || o.window > MAX_AGILE_WINDOW) return bad('window', `takes 1000 to ${MAX_AGILE_WINDOW} guest instructions (got ${o.window})`);
  if (!Number.isSafeInteger(o.switchEvery) || o.switchEvery < 0 || o.switchEvery > MAX_AGILE_WINDOW) return bad('switchEvery', `takes 1 to ${MAX_AGILE_WINDOW} instructions, or 0 for no forced switches (got ${o.switchEvery})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) return bad('seed', `takes 0 to 4294967295 (got ${o.seed})`);
  return undefined;
}

/** What an agile VM counts (`--stats`, `--json` vmm.agile). */
export interface AgileStats {
  /** Leaf tables moved to nested mode, and back to shadow; of those, moves the test hook forced. */
  toNested: number;
  toShadow: number;
  forced: number;
  /** Policy windows ended (each a timer exit). */
  windows: number;
  /** Writes to armed switched tables: each one exit, the emulated dirty bit. */
  dirtySamples: number;
  /** Shadow entries rebuilt from the guest's entries when tables went back to shadow. */
  entriesRebuilt: number;
  /** Leaf tables in nested mode now, and at the peak. */
  nestedTables: number;
  nestedPeak: number;
}

export function emptyAgileStats(): AgileStats {
  return { toNested: 0, toShadow: 0, forced: 0, windows: 0, dirtySamples: 0, entriesRebuilt: 0, nestedTables: 0, nestedPeak: 0 };
}

/** The built-in agile pager with these options, as the VMM is given it. */
export function agilePager(options: AgileOptions): PagerModule {
  const problem = checkAgileOptions(options);
  if (problem) throw new RangeError(`agile ${problem.option} ${problem.message}`);
  return { name: 'agile', builtIn: true, create: (vmm, settings) => new AgilePager(vmm, settings.shadow, options) };
}

const PAGING_OFF = -1;
const FROM_SUPERPAGE = -2;
const FROM_PAGING_OFF = -3;
const NONE = -1;

class AgileRoot {
  pd = 0;
  /** Per directory index: the shadow page table (0 = none, or a switched entry)... */
  readonly pts = new Int32Array(1024);
  /** ...the guest page table behind it (or FROM_SUPERPAGE / FROM_PAGING_OFF)... */
  readonly guestPt = new Int32Array(1024).fill(NONE);
  /** ...and whether the entry is switched (the hardware walks the guest table there). */
  readonly switched = new Uint8Array(1024);
  lastUse = 0;
  constructor(readonly id: number, readonly key: number) {}
}

interface GuestWalk {
  status: 'ok' | 'not-present' | 'bus-error';
  leaf: number;
  leafAddr: number;
  guestPhys: number;
  guestPt: number;
}

/** A user of a guest table: (root id << 10) | directory index. */
const user = (root: AgileRoot, pdIndex: number) => (root.id << 10) | pdIndex;

export class AgilePager implements Pager {
  readonly translation = 'agile';
  readonly stats = emptyAgileStats();

  private readonly nested: NestedServices;
  private readonly eptRoot: number;
  private readonly roots = new Map<number, AgileRoot>();
  private readonly rootsById = new Map<number, AgileRoot>();
  private current: AgileRoot | undefined;
  private nextRootId = 1;
  private tick = 0;
  /** Guest directory frames, and the roots built from each. */
  private readonly pdUsers = new Map<number, Set<AgileRoot>>();
  /** Shadowed guest leaf-table frames, and the directory entries shadowing each. */
  private readonly ptUsers = new Map<number, Set<number>>();
  /** Switched (nested-mode) guest leaf-table frames, and the directory entries switched to each. */
  private readonly nestedUsers = new Map<number, Set<number>>();
  /** Switched frames write-protected at the last window end and not written since. */
  private readonly armed = new Set<number>();
  /** Emulated writes per leaf-table frame in this window. */
  private readonly windowWrites = new Map<number, number>();
  /** Writes in a row to a directory frame without it being walked (KVM's write flooding). */
  private readonly floodCount = new Map<number, number>();
  /** Per guest frame: writable shadow entries mapping it, as pairs (entry host address, va). */
  private readonly writableMaps = new Map<number, number[]>();
  private readonly shadowTables = new Set<number>();

  constructor(private readonly vmm: PagerServices, readonly shadowOptions: ShadowOptions, readonly options: AgileOptions) {
    if (!vmm.nested) throw new Error('the agile pager runs only as an agile VM\'s pager (vmm.nested is missing)');
    this.nested = vmm.nested;
    this.eptRoot = this.nested.allocTable(0);
  }

  // ------------------------------------------------------------------ what the debugger reads

  get currentRootAddress(): number | undefined {
    return this.current?.pd;
  }

  get eptRootAddress(): number {
    return this.eptRoot;
  }

  /** The EPT format of the nested stage. */
  get eptFormat(): PagingMode {
    return this.nested.format;
  }

  /** Guest leaf tables in nested mode now (guest-physical addresses, ascending). */
  nestedTables(): number[] {
    return [...this.nestedUsers.keys()].sort((a, b) => a - b).map((f) => f * PAGE_SIZE);
  }

  // ------------------------------------------------------------------ guest events

  vmEntry(): void {
    const root = this.rootForGuestState();
    this.current = root;
    this.nested.loadRoot(this.eptRoot);
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
  }

  ptbrRead(): number {
    return this.vmm.readGuestCr(CR.PTBR);
  }

  ptbrWrite(e: PtbrWrite): void {
    this.switchShadow((e.value & PTBR_KEEP) !== 0);
  }

  pagingChange(): void {
    this.switchShadow(true);
  }

  private switchShadow(keep: boolean): void {
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.switchRoot(root.pd, { keep, pagingOff: root.key === PAGING_OFF });
  }

  // No invlpg or tlbflush handler, so neither exits (pager.ts: a handler's presence is what makes
  // an event exit): shadowed entries are kept in sync by write protection, and every guest write
  // that changes one drops the TLB entries built from it (a superpage's 4 KiB pieces included,
  // zapDirectoryEntry); switched entries are the guest's own, which the hardware invlpg flushes
  // as it would natively.

  /** A fault of the shadow level: hidden, true, a device, or a write to a protected frame. */
  pageFault(e: PageFault): string {
    const vmm = this.vmm;
    const va = e.va;
    const access = e.access;
    const walk = this.walkGuest(va);
    if (walk.status === 'bus-error') return vmm.injectFault(CAUSE.BUS_ERROR, va);
    if (walk.status === 'not-present') return vmm.injectFault(vmm.arch.notPresentCause(access), va);
    if (!vmm.arch.permits(walk.leaf, access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(access), va);
    this.setAccessedDirty(walk, access === ACCESS.STORE);
    const gpa = walk.guestPhys;
    if (vmm.isMmio(gpa)) return vmm.emulateMmio(gpa);
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(va);
    if (access === ACCESS.STORE && this.isProtected(gpa >>> 12)) {
      const armedWrite = this.storeToProtected(gpa, e.instret);
      if (armedWrite) {
        this.fill(va, walk, e.instret);
        return 'agile-dirty';
      }
      return 'pt-write';
    }
    this.fill(va, walk, e.instret);
    return 'hidden-fault';
  }

  /**
   * The EPT, for a walk that passed a switch bit: a guest-physical address not mapped yet, or a
   * store to a frame protected in the EPT (a guest page table the VMM shadows, or an armed one).
   */
  eptViolation(e: EptViolation): string {
    const vmm = this.vmm;
    const gpa = e.guestPhys;
    if (vmm.isMmio(gpa)) {
      if (e.inTableWalk) return vmm.injectFault(CAUSE.BUS_ERROR, e.va);
      return vmm.emulateMmio(gpa);
    }
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(e.va);
    const frame = gpa >>> 12;
    if (e.access === ACCESS.STORE && this.isProtected(frame) && this.eptMapped(gpa)) {
      if (this.storeToProtected(gpa, e.instret)) return 'agile-dirty';
      return 'pt-write';
    }
    this.eptMap(gpa);
    return 'ept-violation';
  }

  /**
   * A store the guest's tables allow to a protected frame. An armed switched table: the emulated
   * dirty bit is set (the table was written this window) and the store retries. A shadowed
   * table: the store is emulated and the shadows synced; a leaf table written often goes nested.
   * Returns whether it was an armed table's first write.
   */
  private storeToProtected(gpa: number, instret: number): boolean {
    const frame = gpa >>> 12;
    if (this.armed.has(frame)) {
      this.armed.delete(frame);
      this.stats.dirtySamples++;
      if (!this.isProtected(frame)) {
        this.eptSetWritable(frame, true);
        return true;
      }
    }
    this.vmm.emulateStore(gpa);
    this.syncTableWrite(frame, (gpa & 0xfff) >>> 2);
    if (this.pdUsers.has(frame)) {
      const writes = (this.floodCount.get(frame) ?? 0) + 1;
      this.floodCount.set(frame, writes);
      if (writes >= this.shadowOptions.floodThreshold) this.unshadowDirectory(frame);
    } else if (this.ptUsers.has(frame) && this.options.writes > 0) {
      // Windows are aligned runs of `window` instructions; counts start afresh in each.
      const window = Math.floor(instret / this.options.window);
      if (window !== this.countingWindow) {
        this.countingWindow = window;
        this.windowWrites.clear();
      }
      const writes = (this.windowWrites.get(frame) ?? 0) + 1;
      this.windowWrites.set(frame, writes);
      if (writes >= this.options.writes) this.toNested(frame, false, instret);
    }
    return false;
  }

  // ------------------------------------------------------------------ the policy window

  /**
   * A built-in pager's timer (pager-host.ts `timer`): the VMM calls it at the instruction counts
   * `nextAt` names. Returns the exit's name.
   */
  timer(instructions: number): string {
    let forced = false;
    while (this.nextRandom <= instructions) {
      this.nextRandom = this.randomStep(this.nextRandom);
      forced = true;
    }
    if (forced) this.forceToggle(instructions);
    if (instructions >= this.windowEnd) this.endWindow(instructions);
    this.plan();
    return forced ? 'agile-switch' : 'agile-sample';
  }

  /**
   * The next instruction count at which the VMM calls `timer`: the end of the window while some
   * table is in nested mode (the timer is off while none is: nothing to watch), or a forced move.
   */
  nextAt = Infinity;
  /** The end of the current window (windows are aligned runs of `window` instructions). */
  private windowEnd = 0;
  private countingWindow = -1;
  private nextRandom = Infinity;
  private rng = 1;
  private started = false;

  /** Set up the test hook's generator (the VMM calls this once, when the VM is made). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.rng = (this.options.seed ^ 0x9e3779b9) >>> 0 || 1;
    if (this.options.switchEvery > 0) this.nextRandom = this.randomStep(0);
    this.plan();
  }

  private plan(): void {
    this.nextAt = Math.min(this.nestedUsers.size > 0 ? this.windowEnd : Infinity, this.nextRandom);
  }

  /** The timer starts when a first table goes nested: at the end of the window `instret` is in. */
  private startTimer(instret: number): void {
    if (this.nestedUsers.size === 0) return;
    if (this.windowEnd <= instret) this.windowEnd = (Math.floor(instret / this.options.window) + 1) * this.options.window;
    this.plan();
  }

  /** Back to shadow: switched tables not written since the last window end. Arm the others. */
  private endWindow(instructions: number): void {
    this.stats.windows++;
    this.windowEnd = (Math.floor(instructions / this.options.window) + 1) * this.options.window;
    for (const frame of [...this.nestedUsers.keys()]) {
      if (this.armed.has(frame)) this.toShadow(frame, false);
      else this.arm(frame);
    }
  }

  private arm(frame: number): void {
    if (this.armed.has(frame)) return;
    const wasProtected = this.isProtected(frame);
    this.armed.add(frame);
    if (!wasProtected) this.writeProtect(frame);
  }

  /** The test hook: each leaf table moves to the other mode with probability 1/2. */
  private forceToggle(instructions: number): void {
    for (const frame of [...this.nestedUsers.keys()]) if (this.random() & 1) this.toShadow(frame, true);
    for (const frame of [...this.ptUsers.keys()]) {
      if (this.pdUsers.has(frame) || this.nestedUsers.has(frame)) continue;
      if (this.random() & 1) this.toNested(frame, true, instructions);
    }
  }

  // ------------------------------------------------------------------ moving a table between modes

  /** Stop shadowing leaf table `frame`: its directory entries switch to the guest's table. */
  private toNested(frame: number, forced: boolean, instret: number): void {
    const vmm = this.vmm;
    const users = [...(this.ptUsers.get(frame) ?? [])];
    if (users.length === 0 || this.pdUsers.has(frame)) return;
    const host = vmm.backing(frame * PAGE_SIZE);
    for (const u of users) {
      const root = this.rootsById.get(u >>> 10)!;
      const pdIndex = u & 1023;
      this.zapDirectoryEntry(root, pdIndex);
      this.switchEntry(root, pdIndex, frame, host);
    }
    this.windowWrites.delete(frame);
    this.stats.toNested++;
    if (forced) this.stats.forced++;
    this.noteNestedCount();
    this.startTimer(instret);
  }

  /** Point directory entry `pdIndex` of `root` at guest leaf table `frame` (backed at `host`), switched. */
  private switchEntry(root: AgileRoot, pdIndex: number, frame: number, host: number): void {
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = frame * PAGE_SIZE;
    root.switched[pdIndex] = 1;
    let set = this.nestedUsers.get(frame);
    if (!set) this.nestedUsers.set(frame, (set = new Set()));
    set.add(user(root, pdIndex));
    this.vmm.writeEntry(root.pd, pdIndex, host | PTE.V | AGILE_SWITCH);
    this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
  }

  /** Shadow leaf table `frame` again: protect it and rebuild its shadow tables from the guest's entries. */
  private toShadow(frame: number, forced: boolean): void {
    const users = [...(this.nestedUsers.get(frame) ?? [])];
    this.armed.delete(frame);
    for (const u of users) {
      const root = this.rootsById.get(u >>> 10)!;
      const pdIndex = u & 1023;
      this.zapDirectoryEntry(root, pdIndex);
      this.rebuild(root, pdIndex, frame);
    }
    this.stats.toShadow++;
    if (forced) this.stats.forced++;
    this.noteNestedCount();
  }

  /**
   * A shadow table for directory entry `pdIndex` of `root` from guest leaf table `frame`: every
   * guest entry the hardware has used (V and A set) is shadowed now, read as the VMM's walk does.
   */
  private rebuild(root: AgileRoot, pdIndex: number, frame: number): void {
    const vmm = this.vmm;
    const table = this.allocTable(1);
    root.pts[pdIndex] = table;
    root.guestPt[pdIndex] = frame * PAGE_SIZE;
    vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
    this.addUser(this.ptUsers, frame, user(root, pdIndex));
    for (let i = 0; i < 1024; i++) {
      const pte = vmm.readGuestPte(frame * PAGE_SIZE + i * 4) ?? 0;
      if (!(pte & PTE.V) || !(pte & PTE.A)) continue;
      const gpa = (pte & PTE.FRAME_MASK) >>> 0;
      if (!vmm.isGuestRam(gpa)) continue;
      this.writeLeaf(table, i, ((pdIndex << 22) | (i << 12)) >>> 0, pte, gpa >>> 12, false);
      this.stats.entriesRebuilt++;
    }
  }

  private noteNestedCount(): void {
    this.stats.nestedTables = this.nestedUsers.size;
    if (this.stats.nestedTables > this.stats.nestedPeak) this.stats.nestedPeak = this.stats.nestedTables;
  }

  // ------------------------------------------------------------------ the guest walk in software

  private walkGuest(va: number): GuestWalk {
    const vmm = this.vmm;
    if (!(vmm.readGuestCr(CR.STATUS) & STATUS.PG)) {
      return { status: 'ok', leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va, guestPt: FROM_PAGING_OFF };
    }
    const root = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    const pdeAddr = (root + (va >>> 22) * 4) >>> 0;
    const pde = vmm.readGuestPte(pdeAddr);
    if (pde === undefined) return { status: 'bus-error', leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE };
    this.floodCount.delete(root >>> 12);
    if (!(pde & PTE.V)) return { status: 'not-present', leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE };
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return { status: 'not-present', leaf: pde, leafAddr: pdeAddr, guestPhys: 0, guestPt: NONE };
      return { status: 'ok', leaf: pde, leafAddr: pdeAddr, guestPhys: ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0, guestPt: FROM_SUPERPAGE };
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    const pteAddr = (pt + ((va >>> 12) & 1023) * 4) >>> 0;
    const pte = vmm.readGuestPte(pteAddr);
    if (pte === undefined) return { status: 'bus-error', leaf: 0, leafAddr: -1, guestPhys: 0, guestPt: NONE };
    if (!(pte & PTE.V)) return { status: 'not-present', leaf: pte, leafAddr: pteAddr, guestPhys: 0, guestPt: pt };
    return { status: 'ok', leaf: pte, leafAddr: pteAddr, guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0, guestPt: pt };
  }

  private setAccessedDirty(walk: GuestWalk, isStore: boolean): void {
    if (walk.leafAddr < 0) return;
    const want = PTE.A | (isStore ? PTE.D : 0);
    if ((walk.leaf & want) === want) return;
    walk.leaf |= want;
    this.vmm.writeGuestPte(walk.leafAddr, walk.leaf);
  }

  // ------------------------------------------------------------------ filling the shadow

  private fill(va: number, walk: GuestWalk, instret: number): void {
    const root = this.current!;
    const pdIndex = va >>> 22;
    if ((root.pts[pdIndex] !== 0 || root.switched[pdIndex]) && root.guestPt[pdIndex] !== walk.guestPt) this.zapDirectoryEntry(root, pdIndex);
    // A leaf table in nested mode: this directory entry switches to it too.
    // (Rewritten even if the books say it is switched already: a fault here means the hardware's entry is not.)
    if (walk.guestPt >= 0 && this.nestedUsers.has(walk.guestPt >>> 12)) {
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.backing(walk.guestPt));
      return;
    }
    let table = root.pts[pdIndex]!;
    if (table === 0 && this.options.start === 'nested' && walk.guestPt >= 0 && !this.pdUsers.has(walk.guestPt >>> 12) && !this.ptUsers.has(walk.guestPt >>> 12)) {
      // A leaf table met for the first time starts nested: the guest's faults and writes in it do not exit.
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.backing(walk.guestPt));
      this.stats.toNested++;
      this.noteNestedCount();
      this.startTimer(instret);
      return;
    }
    if (table === 0) {
      table = this.allocTable(1);
      root.pts[pdIndex] = table;
      root.guestPt[pdIndex] = walk.guestPt;
      this.vmm.writeEntry(root.pd, pdIndex, table | PTE.V);
      if (walk.guestPt >= 0) this.addUser(this.ptUsers, walk.guestPt >>> 12, user(root, pdIndex));
    }
    const global = walk.guestPt === FROM_PAGING_OFF ? 0 : walk.leaf & PTE.G;
    this.writeLeaf(table, (va >>> 12) & 1023, (va & ~0xfff) >>> 0, (walk.leaf & ~PTE.G) | global, walk.guestPhys >>> 12, true);
  }

  /** A shadow leaf for a guest leaf entry: writable only once the guest's D is set and the frame is not protected. */
  private writeLeaf(table: number, index: number, pageVa: number, leaf: number, gpaFrame: number, back: boolean): void {
    const vmm = this.vmm;
    const hostFrame = back ? vmm.backing(gpaFrame * PAGE_SIZE) : vmm.backed(gpaFrame * PAGE_SIZE);
    if (hostFrame < 0) return;
    const writable = (leaf & PTE.W) !== 0 && (leaf & PTE.D) !== 0 && !this.isProtected(gpaFrame);
    const entry = hostFrame | PTE.V | PTE.A | PTE.D | (leaf & (PTE.X | PTE.U | PTE.G)) | (writable ? PTE.W : 0);
    vmm.writeEntry(table, index, entry);
    if (writable) {
      let list = this.writableMaps.get(gpaFrame);
      if (!list) this.writableMaps.set(gpaFrame, (list = []));
      list.push(table + index * 4, pageVa);
    }
  }

  private allocTable(level: 0 | 1): number {
    const table = this.vmm.allocTable(level);
    this.shadowTables.add(table);
    return table;
  }

  private freeTable(table: number): void {
    this.shadowTables.delete(table);
    this.vmm.freeTable(table);
  }

  private addUser<T>(users: Map<number, Set<T>>, frame: number, u: T): void {
    const wasProtected = this.isProtected(frame);
    let set = users.get(frame);
    if (!set) users.set(frame, (set = new Set()));
    set.add(u);
    if (!wasProtected) this.writeProtect(frame);
  }

  private removeUser<T>(users: Map<number, Set<T>>, frame: number, u: T): void {
    const set = users.get(frame);
    if (!set) return;
    set.delete(u);
    if (set.size === 0) users.delete(frame);
  }

  private isProtected(gpaFrame: number): boolean {
    return this.pdUsers.has(gpaFrame) || this.ptUsers.has(gpaFrame) || this.armed.has(gpaFrame);
  }

  /** A guest frame became protected: take write access away in the shadow leaves and in the EPT. */
  private writeProtect(gpaFrame: number): void {
    const vmm = this.vmm;
    const list = this.writableMaps.get(gpaFrame);
    if (list) {
      this.writableMaps.delete(gpaFrame);
      const hostFrame = vmm.backed(gpaFrame * PAGE_SIZE);
      for (let i = 0; i < list.length; i += 2) {
        const entryAddr = list[i]!;
        const table = (entryAddr & ~0xfff) >>> 0;
        const index = (entryAddr & 0xfff) >>> 2;
        if (!this.shadowTables.has(table)) continue;
        const entry = vmm.readEntry(table, index);
        if ((entry & PTE.V) && (entry & PTE.W) && ((entry & PTE.FRAME_MASK) >>> 0) === hostFrame) {
          vmm.writeEntry(table, index, entry & ~PTE.W);
          vmm.flushTlbPage(list[i + 1]!);
        }
      }
    }
    // A switched walk may have left a writable translation of it in the TLB, at a va in one of
    // the switched 4 MiB ranges (the only ones whose translations came through the EPT).
    if (this.eptSetWritable(gpaFrame, false)) this.flushSwitchedRanges();
  }

  private flushSwitchedRanges(): void {
    const done = new Uint8Array(1024);
    for (const set of this.nestedUsers.values()) {
      for (const u of set) {
        const pdIndex = u & 1023;
        if (done[pdIndex]) continue;
        done[pdIndex] = 1;
        this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
      }
    }
  }

  // ------------------------------------------------------------------ the EPT (nested stage of switched walks)

  /** The EPT leaf entry of a guest-physical address: [table, index], or undefined when not mapped. */
  private eptLeaf(gpa: number): [number, number] | undefined {
    const nested = this.nested;
    const mode = nested.format;
    const levels = mode.levelBits.length;
    let table = this.eptRoot;
    for (let level = 0; level < levels; level++) {
      const index = (gpa >>> levelShift(mode, level)) & ((1 << mode.levelBits[level]!) - 1);
      const entry = nested.readEntry(table, index);
      if (!(entry & PTE.V)) return undefined;
      if (level === levels - 1) return [table, index];
      table = (entry & PTE.FRAME_MASK) >>> 0;
    }
    return undefined;
  }

  private eptMapped(gpa: number): boolean {
    return this.eptLeaf(gpa) !== undefined;
  }

  /** Give or take W in the EPT entry of a guest frame. Returns whether an entry changed. */
  private eptSetWritable(frame: number, writable: boolean): boolean {
    const at = this.eptLeaf(frame * PAGE_SIZE);
    if (!at) return false;
    const entry = this.nested.readEntry(at[0], at[1]);
    const want = writable ? entry | PTE.W : entry & ~PTE.W;
    if (want === entry) return false;
    this.nested.writeEntry(at[0], at[1], want);
    return true;
  }

  /** Back a guest frame and map it in the EPT (4 KiB pages; W unless the frame is protected). */
  private eptMap(gpa: number): void {
    const vmm = this.vmm;
    const nested = this.nested;
    const mode = nested.format;
    const levels = mode.levelBits.length;
    const host = vmm.backing(gpa);
    const frame = gpa >>> 12;
    let table = this.eptRoot;
    for (let level = 0; level < levels; level++) {
      const index = (gpa >>> levelShift(mode, level)) & ((1 << mode.levelBits[level]!) - 1);
      vmm.chargeVmm(vmm.costs.pteRead);
      const entry = nested.readEntry(table, index);
      if (level === levels - 1) {
        nested.writeEntry(table, index, ((host & ~0xfff) >>> 0) | PTE.V | PTE.X | (this.isProtected(frame) ? 0 : PTE.W));
        return;
      }
      if (entry & PTE.V) table = (entry & PTE.FRAME_MASK) >>> 0;
      else {
        const next = nested.allocTable(level + 1);
        nested.writeEntry(table, index, next | PTE.V);
        table = next;
      }
    }
  }

  // ------------------------------------------------------------------ guest page-table writes

  /** Entry `index` of guest frame `frame` changed: drop what the shadows built from it. */
  private syncTableWrite(frame: number, index: number): void {
    for (const root of [...(this.pdUsers.get(frame) ?? [])]) this.zapDirectoryEntry(root, index);
    for (const u of [...(this.ptUsers.get(frame) ?? [])]) {
      const root = this.rootsById.get(u >>> 10)!;
      const pdIndex = u & 1023;
      const table = root.pts[pdIndex]!;
      if (table === 0) continue;
      this.vmm.writeEntry(table, index, 0);
      this.vmm.flushTlbPage(((pdIndex << 22) | (index << 12)) >>> 0);
    }
  }

  /** Drop what one directory entry of a shadow root holds: a shadow table, or a switch. */
  private zapDirectoryEntry(root: AgileRoot, pdIndex: number): void {
    const table = root.pts[pdIndex]!;
    const switched = root.switched[pdIndex] === 1;
    if (table === 0 && !switched) return;
    const guestPt = root.guestPt[pdIndex]!;
    if (switched) {
      const frame = guestPt >>> 12;
      this.removeUser(this.nestedUsers, frame, user(root, pdIndex));
      // A table no directory switches to any more is no longer watched.
      if (!this.nestedUsers.has(frame)) this.armed.delete(frame);
      this.noteNestedCount();
      root.switched[pdIndex] = 0;
    } else if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, user(root, pdIndex));
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE;
    this.vmm.writeEntry(root.pd, pdIndex, 0);
    if (table !== 0) this.freeTable(table);
    this.vmm.flushTlbRange(pdIndex * 0x400000, (pdIndex + 1) * 0x400000);
  }

  /** A directory frame the guest keeps writing without walking it: drop the shadows built from it. */
  private unshadowDirectory(frame: number): void {
    this.floodCount.delete(frame);
    for (const root of [...(this.pdUsers.get(frame) ?? [])]) if (root !== this.current) this.dropRoot(root);
    this.vmm.count('unshadowed');
  }

  // ------------------------------------------------------------------ the root cache

  private rootForGuestState(): AgileRoot {
    const vmm = this.vmm;
    const key = vmm.readGuestCr(CR.STATUS) & STATUS.PG ? (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0 : PAGING_OFF;
    let root = this.roots.get(key);
    if (!root) root = this.createRoot(key);
    root.lastUse = ++this.tick;
    return root;
  }

  private createRoot(key: number): AgileRoot {
    while (this.roots.size >= Math.max(1, this.shadowOptions.cacheRoots)) {
      let victim: AgileRoot | undefined;
      for (const r of this.roots.values()) if (r !== this.current && (!victim || r.lastUse < victim.lastUse)) victim = r;
      if (!victim) break;
      this.dropRoot(victim);
      this.vmm.count('shadowRootsReclaimed');
    }
    const root = new AgileRoot(this.nextRootId++, key);
    root.pd = this.allocTable(0);
    this.roots.set(key, root);
    this.rootsById.set(root.id, root);
    this.vmm.count('shadowRootsCreated');
    if (key !== PAGING_OFF) this.addUser(this.pdUsers, key >>> 12, root);
    return root;
  }

  private dropRoot(root: AgileRoot): void {
    for (let i = 0; i < 1024; i++) {
      if (root.pts[i] === 0 && !root.switched[i]) continue;
      this.zapDirectoryEntryQuiet(root, i);
    }
    if (root.key !== PAGING_OFF) this.removeUser(this.pdUsers, root.key >>> 12, root);
    this.freeTable(root.pd);
    this.roots.delete(root.key);
    this.rootsById.delete(root.id);
    this.vmm.flushTlbVm();
  }

  /** As zapDirectoryEntry, for a root about to go: no entry write, no flush (dropRoot flushes once). */
  private zapDirectoryEntryQuiet(root: AgileRoot, pdIndex: number): void {
    const table = root.pts[pdIndex]!;
    const guestPt = root.guestPt[pdIndex]!;
    if (root.switched[pdIndex]) {
      this.removeUser(this.nestedUsers, guestPt >>> 12, user(root, pdIndex));
      if (!this.nestedUsers.has(guestPt >>> 12)) this.armed.delete(guestPt >>> 12);
      this.noteNestedCount();
      root.switched[pdIndex] = 0;
    } else if (guestPt >= 0) this.removeUser(this.ptUsers, guestPt >>> 12, user(root, pdIndex));
    root.pts[pdIndex] = 0;
    root.guestPt[pdIndex] = NONE;
    if (table !== 0) this.freeTable(table);
  }

  // ------------------------------------------------------------------ the test hook's generator

  private random(): number {
    return (this.rng = xorshift32(this.rng));
  }

  /** The next forced toggle after `from`: uniform in [1, 2 * switchEvery] instructions later. */
  private randomStep(from: number): number {
    return from + 1 + (this.random() % (2 * this.options.switchEvery));
  }
}

/**
 * The VMM's side of an agile VM's timer: the VMX-preemption-timer exits that end the policy's
 * windows (and the test hook's forced moves), charged as an exit plus the handler and logged.
 */
export class AgileTimer {
  constructor(private readonly vm: Vm, private readonly host: PagerHost, private readonly pager: AgilePager, private readonly profile: MachineProfile) {
    pager.start();
    vm.vmm.agile = pager.stats;
  }

  get nextAt(): number {
    return this.pager.nextAt;
  }

  /** Nothing to bring up to date (dynamic mode's `account`; the VMM calls both alike). */
  account(): void {}

  checkpoint(_vpid = 0): void {
    const vm = this.vm;
    if (vm.stats.instructions < this.pager.nextAt) return;
    const p = this.profile;
    vm.stats.cyclesExit += p.vmExitCycles + p.vmEntryCycles;
    vm.stats.cyclesVmm += p.vmmHandlerCycles;
    const before = this.pager.stats.toShadow + this.pager.stats.toNested;
    const reason = this.host.timer() ?? 'agile-sample';
    vm.vmm.countExit(reason);
    const moved = this.pager.stats.toShadow + this.pager.stats.toNested - before;
    vm.recordExit({
      instructions: vm.stats.instructions, pc: vm.cpu.pc >>> 0, hardware: 'preemption-timer', reason,
      detail: `window ${this.pager.stats.windows}: ${moved} table${moved === 1 ? '' : 's'} moved, ${this.pager.stats.nestedTables} in nested mode`,
    });
  }
}
