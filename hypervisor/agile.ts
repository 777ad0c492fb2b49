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
import type { EptViolation, NestedServices, PageFault, Pager, PagerModule, PagerServices, PagingChange, PtbrRead, PtbrWrite } from './pager.ts';
import type { PagerHost } from './pager-host.ts';
import type { ShadowOptions } from './shadow.ts';
import type { Vm } from './vm.ts';
import { pagingCost, readPagingCounters, type PagingCounters } from './paging-counters.ts';
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
  /**
   * The switch at the root: 'cost' lets the policy make the whole walk nested (the guest's PTBR
   * walked through the EPT, its PTBR writes and page faults not exiting) while shadowing the root
   * costs more than the longer walks would, and back; 'shadow' keeps the root shadowed always.
   */
  readonly root: 'cost' | 'shadow';
}

export const DEFAULT_AGILE: AgileOptions = { start: 'shadow', writes: 2, window: 50_000, switchEvery: 0, seed: 1, root: 'cost' };

/**
 * The root policy's constants (as dynamic mode's defaults, dynamic.ts): the other state must
 * look cheaper by this many percent, in this many judged windows in a row; a shadowed root is
 * judged only in windows with at least ROOT_SCREEN_EXITS paging exits (the timer stays off in
 * the others).
 */
export const ROOT_MARGIN = 20;
export const ROOT_HYSTERESIS = 2;
export const ROOT_PERIOD_EXITS = 8;
export const ROOT_MAX_INTERVAL = 8;
export const ROOT_MIN_EVENTS = 1;

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
  if (o.root !== 'cost' && o.root !== 'shadow') return bad('root', `takes cost or shadow (got '${String(o.root)}')`);
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
  /** Switches at the root: to a fully nested walk, and back to a shadowed root; whether the root is nested now (0 or 1). */
  rootToNested: number;
  rootToShadow: number;
  rootNested: number;
  /** Windows the root policy judged; guest instructions retired with the root nested. */
  rootWindows: number;
  instructionsRootNested: number;
  /** Cycles the root switches cost (shadow tables zapped, EPT entries made writable again). */
  rootSwitchCycles: number;
}

export function emptyAgileStats(): AgileStats {
  return {
    toNested: 0, toShadow: 0, forced: 0, windows: 0, dirtySamples: 0, entriesRebuilt: 0, nestedTables: 0, nestedPeak: 0,
    rootToNested: 0, rootToShadow: 0, rootNested: 0, rootWindows: 0, instructionsRootNested: 0, rootSwitchCycles: 0,
  };
}

/** What the VMM lets the built-in agile pager read to judge its root: the VM's counters now, and the machine's costs. */
export interface AgileRootContext {
  readonly counters: () => PagingCounters;
  readonly profile: MachineProfile;
  readonly eptLevels: number;
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
    return this.rootNested ? undefined : this.current?.pd;
  }

  /** Switched at the root: the hardware walks the guest's PTBR fully nested through the EPT. */
  get rootIsNested(): boolean {
    return this.rootNested;
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
    this.nested.loadRoot(this.eptRoot);
    if (this.rootNested) {
      this.nested.loadGuestRoot();
      return;
    }
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
  }

  ptbrRead(e: PtbrRead): number {
    this.noteExit(e.instret);
    return this.vmm.readGuestCr(CR.PTBR);
  }

  ptbrWrite(e: PtbrWrite): void {
    this.noteExit(e.instret, true);
    this.switchShadow((e.value & PTBR_KEEP) !== 0);
  }

  pagingChange(e: PagingChange): void {
    this.noteExit(e.instret, true);
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
    this.noteExit(e.instret);
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
    this.noteExit(e.instret);
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
    let reason = forced ? 'agile-switch' : 'agile-sample';
    if (this.rootSwitchDue) {
      this.rootSwitchDue = false;
      if (!this.rootNested) this.toNestedRoot(instructions, false);
      reason = 'agile-root';
    }
    if (instructions >= this.windowEnd) {
      this.endWindow(instructions);
      if (this.rootNested && this.judgeRoot(instructions)) {
        this.toShadowRoot(instructions, false);
        reason = 'agile-root';
      } else if (this.rootNested && this.nestedUsers.size === 0) {
        // Back-off: while the shadowed root looks far dearer, judge every 2, 4, then 8 windows.
        this.rootInterval = this.rootClearlyNested ? Math.min(ROOT_MAX_INTERVAL, this.rootInterval * 2) : 1;
        this.windowEnd += (this.rootInterval - 1) * this.options.window;
      }
    }
    this.plan();
    return reason;
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

  // The switch at the root.
  /** The hardware walks the guest's PTBR fully nested (vmm.nested.loadGuestRoot); no shadow root exists. */
  private rootNested = false;
  /** The policy decided to switch the root: done at the timer exit it asked for at once. */
  private rootSwitchDue = false;
  private rootContext: AgileRootContext | undefined;
  /** The counters the root policy's current period is measured from. */
  private rootStart: PagingCounters | undefined;
  /** With the root shadowed: paging exits, and of those PTBR writes and paging switches, in this period. */
  private periodExits = 0;
  private periodRootEvents = 0;
  private rootVotes = 0;
  /** With the root nested: windows between judgements, and whether the last one found the shadowed root far dearer. */
  private rootInterval = 1;
  private rootClearlyNested = false;
  /** Periods ending before this instruction count are not judged: the warm-up after a root switch. */
  private rootWarmUntil = 0;
  private rootSince = 0;
  // Calibration, cumulative over the periods measured in each state (as dynamic.ts's).
  private shadowRootCycles = 0;
  private shadowRootEvents = 0;
  private shadowRootEptCycles = 0;
  private shadowRootMisses = 0;
  private nestedRootCycles = 0;
  private nestedRootMisses = 0;

  /**
   * Set up the test hook's generator (the VMM calls this once, when the VM is made), and give
   * the root policy what it reads (`root` 'cost': without a context the root stays shadowed).
   */
  start(rootContext?: AgileRootContext): void {
    if (this.started) return;
    this.started = true;
    if (this.options.root === 'cost') this.rootContext = rootContext;
    this.rng = (this.options.seed ^ 0x9e3779b9) >>> 0 || 1;
    if (this.options.switchEvery > 0) this.nextRandom = this.randomStep(0);
    this.plan();
  }

  private plan(): void {
    const watching = this.nestedUsers.size > 0 || this.rootNested;
    this.nextAt = Math.min(watching ? this.windowEnd : Infinity, this.nextRandom, this.rootSwitchDue ? 0 : Infinity);
  }

  /** The timer starts when a first table goes nested: at the end of the window `instret` is in. */
  private startTimer(instret: number): void {
    if (this.nestedUsers.size === 0) return;
    if (this.windowEnd <= instret) this.windowEnd = (Math.floor(instret / this.options.window) + 1) * this.options.window;
    this.plan();
  }

  // ------------------------------------------------------------------ the switch at the root

  /**
   * A paging exit at `instret` with the root shadowed (`rootEvent`: a PTBR write or paging switch,
   * the exits a shadowed root costs that no leaf-table switch can spare). Every ROOT_PERIOD_EXITS
   * of them end a period, judged in the exit itself: no timer runs while the root is shadowed.
   */
  private noteExit(instret: number, rootEvent = false): void {
    const context = this.rootContext;
    if (context === undefined || this.rootNested || this.rootSwitchDue) return;
    if (this.rootStart === undefined) this.rootStart = context.counters();
    if (rootEvent) this.periodRootEvents++;
    if (++this.periodExits < ROOT_PERIOD_EXITS) return;
    if (this.judgeRoot(instret)) {
      // Switched at the timer exit asked for now, once this exit is handled (a switch inside a pager event would change the walk it is handling).
      this.rootSwitchDue = true;
      this.plan();
    }
  }

  /**
   * A period ended: measure what the root's state cost in it, estimate what the other would
   * have, and vote for a switch when the other is cheaper by `ROOT_MARGIN` percent and by more
   * than the switch's fixed cost (as dynamic mode judges its windows, dynamic.ts); with the root
   * shadowed, a period votes only if at least ROOT_MIN_EVENTS of its exits were the root's own.
   * Returns whether `ROOT_HYSTERESIS` periods in a row voted.
   */
  private judgeRoot(instructions: number): boolean {
    const context = this.rootContext!;
    const end = context.counters();
    const { exitCycles, eptCycles, misses, ptbrWrites } = pagingCost(this.rootStart ?? end, end, context.profile);
    const rootEvents = this.periodRootEvents;
    this.rootStart = end;
    this.periodExits = 0;
    this.periodRootEvents = 0;
    this.stats.rootWindows++;
    const warmingUp = instructions < this.rootWarmUntil;
    // What the current state cost: its paging exits and its walks' EPT references.
    const measured = exitCycles + eptCycles;
    let estimate: number;
    if (!this.rootNested) {
      estimate = misses * this.nestedRootCyclesPerMiss(context);
      if (!warmingUp) {
        this.shadowRootCycles += exitCycles;
        this.shadowRootEvents += rootEvents;
        this.shadowRootEptCycles += eptCycles;
        this.shadowRootMisses += misses;
      }
    } else {
      estimate = ptbrWrites * this.shadowRootCyclesPerEvent(context) + misses * this.shadowRootEptCyclesPerMiss();
      if (!warmingUp) {
        this.nestedRootCycles += measured;
        this.nestedRootMisses += misses;
      }
    }
    const p = context.profile;
    const fixed = p.vmExitCycles + p.vmEntryCycles + 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
    const vote = !warmingUp && (this.rootNested || rootEvents >= ROOT_MIN_EVENTS)
      && estimate < measured * (1 - ROOT_MARGIN / 100) && measured - estimate > fixed;
    this.rootVotes = vote ? this.rootVotes + 1 : 0;
    this.rootClearlyNested = this.rootNested && !warmingUp && estimate > 4 * measured + fixed;
    return this.rootVotes >= ROOT_HYSTERESIS;
  }

  /**
   * What a shadowed root costs per PTBR write, as measured: the paging exits' cycles of the
   * periods judged with the root shadowed, over the PTBR writes (and paging switches) in them,
   * so that it carries the fills of the address spaces switched to; before 16 of them, four
   * exits' worth.
   */
  private shadowRootCyclesPerEvent(context: AgileRootContext): number {
    if (this.shadowRootEvents >= 16) return this.shadowRootCycles / this.shadowRootEvents;
    const p = context.profile;
    return 4 * (p.vmExitCycles + p.vmEntryCycles + p.vmmHandlerCycles);
  }

  /** EPT cycles per TLB miss with the root shadowed (switched leaf tables' walks), as measured. */
  private shadowRootEptCyclesPerMiss(): number {
    return this.shadowRootMisses >= 16 ? this.shadowRootEptCycles / this.shadowRootMisses : 0;
  }

  /** EPT cycles per TLB miss with the root nested, as measured; before 16 misses, the 2-D walk's (guest levels + 1) x m references. */
  private nestedRootCyclesPerMiss(context: AgileRootContext): number {
    if (this.nestedRootMisses >= 16) return this.nestedRootCycles / this.nestedRootMisses;
    return 3 * context.eptLevels * context.profile.walkRefCycles;
  }

  /**
   * The whole walk goes nested: every shadow root and table goes back to the host (each entry
   * zapped is charged, as dynamic mode's switch into EPT is), every guest page table the VMM
   * protected is writable again in the EPT, and the hardware walks the guest's PTBR through the
   * EPT: the guest's PTBR writes, paging switches and page faults stop exiting.
   */
  private toNestedRoot(instructions: number, forced: boolean): void {
    const vmm = this.vmm;
    const protectedFrames = new Set<number>([...this.pdUsers.keys(), ...this.ptUsers.keys(), ...this.armed]);
    // The hardware leaves the shadow root first: then every shadow table can go.
    this.nested.loadGuestRoot();
    let cycles = vmm.costs.pteWrite * this.zapAllRoots();
    this.armed.clear();
    this.windowWrites.clear();
    this.floodCount.clear();
    this.writableMaps.clear();
    for (const frame of protectedFrames) if (this.eptSetWritable(frame, true)) cycles += vmm.costs.pteWrite;
    vmm.chargeVmm(cycles);
    this.stats.rootSwitchCycles += cycles;
    this.current = undefined;
    this.rootNested = true;
    this.rootSince = instructions;
    vmm.flushTlbVm();
    this.noteRootSwitch(instructions, forced);
    this.stats.rootToNested++;
    // The nested root is judged at window ends: the timer runs.
    if (this.windowEnd <= instructions) this.windowEnd = (Math.floor(instructions / this.options.window) + 1) * this.options.window;
  }

  /** Back to a shadowed root: a shadow root for the guest's PTBR now, filled lazily as at the start (hidden faults). */
  private toShadowRoot(instructions: number, forced: boolean): void {
    this.account(instructions);
    this.rootNested = false;
    const root = this.rootForGuestState();
    this.current = root;
    this.vmm.loadRoot(root.pd, { pagingOff: root.key === PAGING_OFF });
    this.vmm.flushTlbVm();
    this.noteRootSwitch(instructions, forced);
    this.stats.rootToShadow++;
  }

  /** After a switch either way: the new state's warm-up (a window) is not judged. */
  private noteRootSwitch(instructions: number, forced: boolean): void {
    this.stats.rootNested = this.rootNested ? 1 : 0;
    if (forced) this.stats.forced++;
    this.rootVotes = 0;
    this.rootInterval = 1;
    this.rootWarmUntil = instructions + this.options.window;
    this.rootStart = this.rootContext?.counters();
    this.periodExits = 0;
    this.periodRootEvents = 0;
    this.noteNestedCount();
  }

  /** Bring the instructions counted with the root nested up to date (the VMM calls this when a slice ends). */
  account(instructions: number): void {
    if (this.rootNested) this.stats.instructionsRootNested += instructions - this.rootSince;
    this.rootSince = instructions;
  }

  /** Drop every shadow root (and so every shadow table and switched entry). Returns the valid entries zapped. */
  private zapAllRoots(): number {
    let entries = 0;
    for (const root of [...this.roots.values()]) {
      for (let i = 0; i < 1024; i++) {
        const table = root.pts[i]!;
        if (table === 0 && !root.switched[i]) continue;
        entries++;
        if (table !== 0) for (let j = 0; j < 1024; j++) if (this.vmm.readEntry(table, j) & PTE.V) entries++;
      }
      this.dropRoot(root);
    }
    return entries;
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

  /** The test hook: each leaf table moves to the other mode with probability 1/2, and the root (under `root` 'cost') with probability 1/4. */
  private forceToggle(instructions: number): void {
    if (this.rootContext !== undefined && (this.random() & 3) === 0) {
      if (this.rootNested) this.toShadowRoot(instructions, true);
      else this.toNestedRoot(instructions, true);
      return;
    }
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
    // The hardware will write A/D bits into the table: its own frame (writableBacking), never a shared one.
    const host = vmm.writableBacking(frame * PAGE_SIZE);
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
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.writableBacking(walk.guestPt));
      return;
    }
    let table = root.pts[pdIndex]!;
    if (table === 0 && this.options.start === 'nested' && walk.guestPt >= 0 && !this.pdUsers.has(walk.guestPt >>> 12) && !this.ptUsers.has(walk.guestPt >>> 12)) {
      // A leaf table met for the first time starts nested: the guest's faults and writes in it do not exit.
      this.switchEntry(root, pdIndex, walk.guestPt >>> 12, this.vmm.writableBacking(walk.guestPt));
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

/** Exits every state of the root takes alike: devices, wfi, hypercalls and the policy's own timer. */
const AGILE_COMMON_REASONS = ['mmio', 'wfi', 'hcall', 'agile-sample', 'agile-switch', 'agile-root'];

/**
 * The VMM's side of an agile VM's timer: the VMX-preemption-timer exits that end the policy's
 * windows (and the test hook's forced moves), charged as an exit plus the handler and logged.
 */
export class AgileTimer {
  constructor(private readonly vm: Vm, private readonly host: PagerHost, private readonly pager: AgilePager, private readonly profile: MachineProfile, eptLevels: number) {
    pager.start({ counters: () => readPagingCounters(vm, AGILE_COMMON_REASONS), profile, eptLevels });
    vm.vmm.agile = pager.stats;
  }

  get nextAt(): number {
    return this.pager.nextAt;
  }

  /** Bring the instructions counted with the root nested up to date (as dynamic mode's `account`; the VMM calls both alike). */
  account(): void {
    this.pager.account(this.vm.stats.instructions);
  }

  checkpoint(_vpid = 0): void {
    const vm = this.vm;
    if (vm.stats.instructions < this.pager.nextAt) return;
    const p = this.profile;
    vm.stats.cyclesExit += p.vmExitCycles + p.vmEntryCycles;
    vm.stats.cyclesVmm += p.vmmHandlerCycles;
    const stats = this.pager.stats;
    const before = stats.toShadow + stats.toNested;
    const rootBefore = stats.rootToNested + stats.rootToShadow;
    const reason = this.host.timer() ?? 'agile-sample';
    vm.vmm.countExit(reason);
    const moved = stats.toShadow + stats.toNested - before;
    const root = stats.rootToNested + stats.rootToShadow !== rootBefore ? (stats.rootNested ? '; the root switched to nested' : '; the root switched back to shadow') : stats.rootNested ? '; the root is nested' : '';
    vm.recordExit({
      instructions: vm.stats.instructions, pc: vm.cpu.pc >>> 0, hardware: 'preemption-timer', reason,
      detail: `window ${stats.windows}: ${moved} table${moved === 1 ? '' : 's'} moved, ${stats.nestedTables} in nested mode${root}`,
    });
  }
}
