// The VMM's side of the pager API (pager.ts): one PagerHost per VM holds the VM's pager, hands
// it the services of the API, each checked against the API's rules, and dispatches the VM's
// paging exits to the pager's handlers. This is the only code that touches the MMU, the host's
// memory and the VM on a pager's behalf: a pager, built-in or a user's, can do nothing else.
//
// What is enforced, so that no pager can reach memory it does not own:
// - entries are written only in tables this pager allocated, and a valid entry leads either to
//   one of its tables of the next level, or (a leaf) to host frames this VM owns;
// - a table is given back only when nothing points at it: it may be freed while an entry (or the
//   hardware's root register) still names it, but the last reference must go before the event
//   ends, and the frames return to the host only then;
// - an exit is completed (a fault injected, a device access or a store emulated) at most once,
//   and only by a page-fault or EPT-violation handler; handlers return what they are documented
//   to return;
// - a pager that keeps the guest exiting without an instruction ever retiring is stopped.
// A broken rule, or an exception from a user's pager, becomes a PagerError naming the pager and
// the event (with the guest's pc and instruction count): the guest stops there, and nothing of
// the emulator's stack shows. Built-in pagers are checked the same way, but an exception they
// throw is a vmmlab bug and is left alone.

import { ACCESS, ACCESS_NAMES, CAUSE, CR, DEVICE, PAGE_SIZE, PTBR_ASID_MASK, PTBR_KEEP, PTBR_ROOT_MASK, PTE, STATUS, causeName, type AccessType } from '../isa/arch.ts';
import { EXIT, EXIT_CONTROL, type ExitControls, type ExitInfo } from '../emulator/exits.ts';
import { permits, type Mmu } from '../emulator/mmu.ts';
import { AGILE_SWITCH, TV32_PAGING, eptPagingMode, type PagingMode } from '../emulator/paging-mode.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { nestedStage, type NestedStage } from '../emulator/walker.ts';
import { decodeAccess } from './emulate.ts';
import { OutOfHostMemory, VMM_WRITE_PROTECT, type HostMemory } from './host.ts';
import { PagerTables, ZAP } from './pager-tables.ts';
import { EVENT_NAMES, PAGER_API_VERSION, type Arch, type EptViolation, type ExitName, type Invlpg, type NestedServices, type PageFault, type PtbrWrite, type Pager, type PagerCounter, type PagerModule, type PagerServices, type PagerSettings, type Translation } from './pager.ts';
import type { HypercallEvent, HypercallResult } from './pv-abi.ts';
import type { Vm } from './vm.ts';

/** Exits every design takes, which the VMM handles itself: wfi (so the host may run someone else) and hypercalls. */
export const VMM_EVENTS = EXIT_CONTROL.WFI | EXIT_CONTROL.HCALL;

/** An agile VM switched at the root: nothing of the guest's paging exits (EPT violations always do). */
const NESTED_ROOT_CONTROLS: ExitControls = { crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: VMM_EVENTS };

/** Exits in a row without an instruction retiring after which a pager is stopped (no design needs more than a few). */
export const NO_PROGRESS_EXITS = 100_000;

const EXIT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** Exit names already checked against EXIT_NAME (a handful per design), so that an exit runs no regular expression; bounded against a pager that makes up names. */
const CHECKED_EXIT_NAMES = new Set<string>();
const MAX_CHECKED_EXIT_NAMES = 256;

function validExitName(name: string): boolean {
  if (CHECKED_EXIT_NAMES.has(name)) return true;
  if (!EXIT_NAME.test(name)) return false;
  if (CHECKED_EXIT_NAMES.size < MAX_CHECKED_EXIT_NAMES) CHECKED_EXIT_NAMES.add(name);
  return true;
}

/** A pager broke the API's rules or threw: the guest stopped at `event`. */
export class PagerError extends Error {
  constructor(message: string, readonly pager: string, readonly event: string) {
    super(message);
    this.name = 'PagerError';
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The constants and helpers `vmm.arch` offers (isa/arch.ts's). */
const NOT_PRESENT = [CAUSE.FETCH_PAGE_FAULT, CAUSE.LOAD_PAGE_FAULT, CAUSE.STORE_PAGE_FAULT];
const PROTECTION = [CAUSE.FETCH_PROTECTION_FAULT, CAUSE.LOAD_PROTECTION_FAULT, CAUSE.STORE_PROTECTION_FAULT];
export const ARCH: Arch = Object.freeze({
  PAGE_SIZE,
  PTE: Object.freeze({ V: PTE.V, W: PTE.W, X: PTE.X, U: PTE.U, G: PTE.G, A: PTE.A, D: PTE.D, L: PTE.L, FRAME_MASK: PTE.FRAME_MASK }),
  CAUSE: Object.freeze({ ...CAUSE }),
  ACCESS: Object.freeze({ ...ACCESS }),
  CR: Object.freeze({ ...CR }),
  STATUS: Object.freeze({ ...STATUS }),
  PTBR_ROOT_MASK,
  PTBR_ASID_MASK,
  PTBR_KEEP,
  AGILE_SWITCH,
  permits: (leaf: number, access: AccessType, user: boolean) => permits(leaf, access, user),
  notPresentCause: (access: AccessType) => NOT_PRESENT[access]!,
  protectionCause: (access: AccessType) => PROTECTION[access]!,
});

/** The counters `vmm.count` may bump, and the VMM statistic each is. */
const COUNTERS: Record<PagerCounter, 'unshadowed' | 'ptUnsyncs' | 'ptResyncs' | 'shadowRootsCreated' | 'shadowRootsReclaimed'> = {
  unshadowed: 'unshadowed',
  ptUnsyncs: 'ptUnsyncs',
  ptResyncs: 'ptResyncs',
  shadowRootsCreated: 'shadowRootsCreated',
  shadowRootsReclaimed: 'shadowRootsReclaimed',
};

/** What a PagerHost needs of the VMM: the host's memory, the one MMU, the profile. */
export interface PagerHostContext {
  readonly host: HostMemory;
  readonly mmu: Mmu;
  readonly profile: MachineProfile;
  /** How a pager's failure leaves the VMM (default: the PagerError itself). */
  readonly failure?: (error: PagerError) => Error;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const fmt = (n: number) => n.toLocaleString('en-US');

export class PagerHost {
  readonly pager: Pager;
  readonly name: string;
  readonly exitControls: ExitControls;
  /** The format the hardware walks the pager's tables in. */
  readonly format: PagingMode;
  private readonly shadowKind: boolean;
  /** An 'agile' pager: shadow-kind tables (with switched entries), and an EPT of its own (nestedTables). */
  private readonly agileKind: boolean;
  private readonly nestedTables: PagerTables | null = null;
  private readonly host: HostMemory;
  private readonly mmu: Mmu;
  private readonly profile: MachineProfile;
  /** The pager's tables, and who may point at what (pager-tables.ts). */
  private readonly tables: PagerTables;
  private nested: NestedStage | null = null;
  /** An agile pager switched at the root (`vmm.nested.loadGuestRoot`): the hardware walks the guest's PTBR fully nested. */
  private guestRootNested = false;
  /** The guest runs with paging off on the loaded (shadow) root. */
  private pagingOff = false;
  private vpid = 0;

  // The event being handled.
  private event: string = EVENT_NAMES.create;
  /**
   * The events of the frequent exits, filled in for each one. A built-in pager is given these
   * same objects every time (its handlers keep none of them), so an exit allocates nothing; a
   * user's pager is given a fresh copy, which it may keep.
   */
  private readonly builtIn: boolean;
  private readonly faultEvent: Mutable<PageFault> = { pc: 0, instret: 0, va: 0, access: ACCESS.FETCH, cause: 0, user: false };
  private readonly invlpgEvent: Mutable<Invlpg> = { pc: 0, instret: 0, va: 0 };
  private readonly eptEvent: Mutable<EptViolation> = { pc: 0, instret: 0, guestPhys: 0, va: 0, access: ACCESS.FETCH, inTableWalk: false };
  private readonly ptbrEvent: Mutable<PtbrWrite> = { pc: 0, instret: 0, value: 0, previous: 0 };
  private exit: ExitInfo | undefined;
  private completedBy: ExitName | undefined;
  private rootLoaded = false;
  private failure: PagerError | undefined;
  private lastInstret = -1;
  private streak = 0;
  /** Discarded by the VMM (release): the pager's services refuse from now on. */
  private released = false;

  /**
   * `probe`: made only to learn the pager's translation (its VM's mode is not checked against it).
   * `translation`: how the hardware translates while this pager serves the VM; by default the
   * VM's mode says ('shadow' or 'ept'). A dynamic-mode VM (dynamic.ts) has one PagerHost per
   * design and says which each is.
   */
  constructor(readonly vm: Vm, private readonly context: PagerHostContext, readonly module: PagerModule, settings: PagerSettings, private readonly probe = false, translation?: Translation) {
    this.host = context.host;
    this.mmu = context.mmu;
    this.profile = context.profile;
    this.name = module.name;
    this.builtIn = module.builtIn === true;
    // The translation says how the hardware walks, and so the format of the pager's tables.
    const kind = translation ?? (vm.mode === 'shadow' || vm.mode === 'pv' ? 'shadow' : vm.mode === 'agile' ? 'agile' : 'nested');
    this.agileKind = kind === 'agile';
    this.shadowKind = kind === 'shadow' || this.agileKind;
    this.format = this.shadowKind ? TV32_PAGING : eptPagingMode(settings.ept.levels, settings.ept.largePages);
    this.tables = new PagerTables(this.host, vm, this.format, this.profile, (what) => this.violation(what), this.shadowKind, this.agileKind);
    if (this.agileKind) {
      this.nestedTables = new PagerTables(this.host, vm, eptPagingMode(settings.ept.levels, settings.ept.largePages), this.profile, (what) => this.violation(what), false);
    }
    const services = this.makeServices();
    // Copies, frozen: a pager must not be able to change the VMM's options or the format constants.
    const given: PagerSettings = Object.freeze({ shadow: Object.freeze({ ...settings.shadow }), ept: Object.freeze({ ...settings.ept }) });
    const pager = this.invoke(() => module.create(services, given)) as unknown;
    this.pager = this.checkShape(pager);
    this.exitControls = exitControlsOf(this.pager);
    this.endEvent(undefined, 'void');
  }

  // ------------------------------------------------------------------ the VMM's calls

  /** VM entry: the pager's exits, and the root it loads (or the one it last loaded). */
  enter(vpid: number): void {
    const cpu = this.vm.cpu;
    cpu.exitControls = this.exitControls;
    cpu.vmmOwnsTranslation = this.shadowKind;
    this.vpid = vpid;
    if (this.pager.vmEntry) {
      this.begin(EVENT_NAMES.vmEntry, undefined);
      this.rootLoaded = false;
      const result = this.invoke(() => this.pager.vmEntry!());
      if (!this.rootLoaded && this.failure === undefined) this.violation('vmEntry loaded no root: call vmm.loadRoot(root) on every VM entry');
      this.endEvent(result, 'void');
    } else if (this.guestRootNested) {
      this.loadGuestRoot();
    } else {
      if (this.tables.root < 0) this.fail(EVENT_NAMES.vmEntry, 'the pager has no vmEntry handler and has loaded no root: load one (vmm.loadRoot) in vmEntry');
      this.loadRoot(this.tables.root, { pagingOff: this.pagingOff });
    }
    cpu.syncMmuMode();
  }

  /** The guest's PTBR read (a CR_READ exit): what it reads. */
  ptbrRead(e: ExitInfo): number {
    const cpu = this.vm.cpu;
    if (!this.pager.ptbrRead) return cpu.readCr(CR.PTBR);
    this.begin(EVENT_NAMES.ptbrRead, e);
    const value = this.invoke(() => this.pager.ptbrRead!({ pc: e.pc >>> 0, instret: this.vm.stats.instructions }));
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      this.violation(`ptbrRead returned ${show(value)}; it returns the value the guest reads, a 32-bit number`);
    }
    this.endEvent(undefined, 'void');
    return (value as number) | 0;
  }

  /** After the VMM emulated a control-register write (`old` is the value before). */
  afterCrWrite(e: ExitInfo, old: number): void {
    const pager = this.pager;
    const instret = this.vm.stats.instructions;
    if (e.crn === CR.PTBR && pager.ptbrWrite) {
      this.begin(EVENT_NAMES.ptbrWrite, e);
      const ev = this.builtIn ? this.ptbrEvent : { ...this.ptbrEvent };
      ev.pc = e.pc >>> 0; ev.instret = instret; ev.value = e.value | 0; ev.previous = old | 0;
      const result = this.call(pager.ptbrWrite, ev);
      this.endEvent(result, 'void');
    } else if (e.crn === CR.STATUS && pager.pagingChange) {
      this.begin(EVENT_NAMES.pagingChange, e);
      const enabled = (this.vm.cpu.cr[CR.STATUS]! & STATUS.PG) !== 0;
      const result = this.invoke(() => pager.pagingChange!({ pc: e.pc >>> 0, instret, enabled }));
      this.endEvent(result, 'void');
    }
  }

  /** A paging exit: the pager's handler, and the exit's name; undefined when it is not one. */
  handleExit(e: ExitInfo): string | undefined {
    const pager = this.pager;
    const cpu = this.vm.cpu;
    const pc = e.pc >>> 0;
    const instret = this.vm.stats.instructions;
    switch (e.reason) {
      case EXIT.INVLPG: {
        if (!pager.invlpg) return undefined;
        this.begin(EVENT_NAMES.invlpg, e);
        const ev = this.builtIn ? this.invlpgEvent : { ...this.invlpgEvent };
        ev.pc = pc; ev.instret = instret; ev.va = e.address >>> 0;
        const result = this.call(pager.invlpg, ev);
        const name = this.endEvent(result, 'exit') ?? 'invlpg';
        cpu.retireEmulated(e.word);
        return name;
      }
      case EXIT.TLBFLUSH: {
        if (!pager.tlbflush) return undefined;
        this.begin(EVENT_NAMES.tlbflush, e);
        const result = this.invoke(() => pager.tlbflush!({ pc, instret }));
        const name = this.endEvent(result, 'exit') ?? 'tlbflush';
        cpu.retireEmulated(e.word);
        return name;
      }
      case EXIT.PAGE_FAULT: {
        if (!pager.pageFault) return undefined;
        this.begin(EVENT_NAMES.pageFault, e);
        const user = !(cpu.cr[CR.STATUS]! & STATUS.MODE);
        const ev = this.builtIn ? this.faultEvent : { ...this.faultEvent };
        ev.pc = pc; ev.instret = instret; ev.va = e.address >>> 0; ev.access = e.access as AccessType; ev.cause = e.cause; ev.user = user;
        const result = this.call(pager.pageFault, ev);
        const name = this.endEvent(result, 'exit') ?? this.completedBy ?? 'hidden-fault';
        if (this.completedBy === undefined && name === 'hidden-fault') this.vm.vmm.faultsHidden++;
        return name;
      }
      case EXIT.EPT_VIOLATION: {
        if (!pager.eptViolation) return undefined;
        this.begin(EVENT_NAMES.eptViolation, e);
        const ev = this.builtIn ? this.eptEvent : { ...this.eptEvent };
        ev.pc = pc; ev.instret = instret; ev.guestPhys = e.guestPhys >>> 0; ev.va = e.address >>> 0; ev.access = e.access as AccessType; ev.inTableWalk = e.inTableWalk;
        const result = this.call(pager.eptViolation, ev);
        return this.endEvent(result, 'exit') ?? this.completedBy ?? 'ept-violation';
      }
      default:
        return undefined;
    }
  }

  /** How the hardware translates under this pager. */
  get translation(): Translation {
    return this.agileKind ? 'agile' : this.shadowKind ? 'shadow' : 'nested';
  }

  /**
   * The VMM discards this pager (dynamic mode leaving shadow paging): every one of its tables
   * goes back to the host at once, and any later use of its services fails. The caller has
   * already given the hardware another translation and flushed what this one left in the TLB.
   * Returns what was dropped, for the cost of the switch.
   */
  release(): { tables: number; entries: number } {
    const dropped = this.tables.releaseAll();
    if (this.nestedTables) {
      const ept = this.nestedTables.releaseAll();
      dropped.tables += ept.tables;
      dropped.entries += ept.entries;
    }
    this.released = true;
    return dropped;
  }

  /**
   * Isolation audit of the pager's tables: every leaf reachable from one of its roots maps host
   * frames this VM owns (and, for an EPT, guest-physical addresses inside the VM's memory).
   */
  audit(): string[] {
    const own = (this.pager as { audit?: unknown }).audit;
    const tables = this.nestedTables ? [...this.tables.audit(), ...this.nestedTables.audit()] : this.tables.audit();
    // A built-in pager with invariants of its own (the PV pager's page types) checks them too.
    return this.module.builtIn && typeof own === 'function' ? [...tables, ...(own.call(this.pager) as string[])] : tables;
  }

  /**
   * A hypercall exit, for a built-in pager that takes hypercalls (the PV pager, pv.ts): it is
   * given a0-a3 and sets a0 (and a1, for a batch); the hcall retires. Undefined (not handled)
   * for every other pager: the VMM answers "no such hypercall".
   */
  hypercall(e: ExitInfo): string | undefined {
    const handler = (this.pager as { hypercall?: unknown }).hypercall;
    if (!this.module.builtIn || typeof handler !== 'function') return undefined;
    const cpu = this.vm.cpu;
    this.begin('hypercall', e);
    const event: HypercallEvent = {
      code: e.code, pc: e.pc >>> 0, instret: this.vm.stats.instructions,
      args: [cpu.regs[3]!, cpu.regs[4]!, cpu.regs[5]!, cpu.regs[6]!],
      setGuestPtbr: (value) => cpu.writeCr(CR.PTBR, value),
    };
    const out = this.invoke(() => handler.call(this.pager, event) as HypercallResult);
    this.endEvent(undefined, 'void');
    cpu.regs[3] = out.result;
    if (out.done !== undefined) cpu.regs[4] = out.done;
    cpu.retireEmulated(e.word);
    return out.name;
  }

  /**
   * Is this exit a write to an entry the VMM made read-only (host.ts VMM_WRITE_PROTECT): a store
   * fault on such a shadow leaf, an EPT violation on such an EPT leaf (a store, or the walk's A/D
   * update of a guest table there)? Then it is the VMM's (sharing.ts), not the pager's.
   */
  vmmProtected(e: ExitInfo): boolean {
    return this.protectedLeaf(e) !== -1;
  }

  /** The leaf of vmmProtected's test, or -1. */
  protectedLeaf(e: ExitInfo): number {
    let leaf: number;
    if (e.reason === EXIT.PAGE_FAULT && this.shadowKind) {
      if (e.access !== ACCESS.STORE || e.cause !== CAUSE.STORE_PROTECTION_FAULT) return -1;
      leaf = this.tables.leafFor(e.address >>> 0);
      const user = !(this.vm.cpu.cr[CR.STATUS]! & STATUS.MODE);
      if (user && !(leaf & PTE.U)) return -1;
    } else if (e.reason === EXIT.EPT_VIOLATION && (!this.shadowKind || this.nestedTables !== null)) {
      // An agile pager's EPT violations are its EPT's (nestedTables).
      leaf = (this.nestedTables ?? this.tables).leafFor(e.guestPhys >>> 0);
    } else return -1;
    return leaf !== -1 && (leaf & PTE.V) !== 0 && (leaf & PTE.W) === 0 && (leaf & VMM_WRITE_PROTECT) !== 0 ? leaf : -1;
  }

  /** The VMM's revocation over this pager's tables (PagerTables.revoke); the caller flushes the TLB. */
  revoke(action: Uint8Array): { visited: number; changed: number } {
    const result = this.tables.revoke(action);
    // An agile pager's EPT maps guest frames too.
    if (this.nestedTables) {
      const ept = this.nestedTables.revoke(action);
      result.visited += ept.visited;
      result.changed += ept.changed;
    }
    return result;
  }

  /**
   * Guest frame `gfn` no longer uses host frame `frame`: drop its mappings. Under EPT that is
   * the gfn's one leaf, unless the VM keeps no guest frame on `frame` (`all`): then every leaf to
   * it goes, whatever guest-physical address a pager mapped there. Under shadow paging any va may
   * map it: every leaf to it goes. `action` is revoke's scratch array (all zeros; left so).
   */
  dropMappings(gfn: number, frame: number, all: boolean, action: Uint8Array): { visited: number; changed: number } {
    if (!this.shadowKind && !all) return { visited: 1, changed: this.tables.zapLeafFor(gfn * PAGE_SIZE) ? 1 : 0 };
    action[frame] = ZAP;
    const result = this.revoke(action);
    action[frame] = 0;
    return result;
  }

  /** Whether this pager's tables are in the TV32 (shadow) format, not the EPT's. */
  get shadowTables(): boolean {
    return this.shadowKind;
  }

  /** Dirty logging (dirty-log.ts): give W back to the VMM-protected leaf met for `addr` (a va under shadow paging, a guest-physical address under EPT). */
  unprotectLeafFor(addr: number): boolean {
    return this.tables.unprotectLeafFor(addr);
  }

  /** Page-modification logging (dirty-log.ts): clear the EPT D bit for guest-physical `addr` (EPT tables only). */
  cleanLeafFor(addr: number): boolean {
    return !this.shadowKind && this.tables.cleanLeafFor(addr);
  }

  /** Page-modification logging starts: A and D cleared in every EPT leaf; returns the leaves visited (0 for shadow tables). */
  cleanAll(): number {
    return this.shadowKind ? 0 : this.tables.cleanAll();
  }

  /**
   * A built-in pager's timer (the agile pager's policy windows, agile.ts: a VMX-preemption-timer
   * exit): its `timer` handler, given the guest's instruction count. Returns the exit's name;
   * undefined for a pager without one.
   */
  timer(): string | undefined {
    const handler = (this.pager as { timer?: unknown }).timer;
    if (!this.module.builtIn || typeof handler !== 'function') return undefined;
    this.begin('timer', undefined);
    const name = this.invoke(() => handler.call(this.pager, this.vm.stats.instructions) as string);
    this.endEvent(undefined, 'void');
    return name;
  }

  /** Every exit: a pager that keeps the guest exiting without retiring anything is stopped. */
  noteExit(instructions: number, e: ExitInfo): void {
    if (instructions !== this.lastInstret) {
      this.lastInstret = instructions;
      this.streak = 0;
      return;
    }
    if (++this.streak < NO_PROGRESS_EXITS) return;
    this.exit = e;
    const what = e.reason === EXIT.PAGE_FAULT ? EVENT_NAMES.pageFault : e.reason === EXIT.EPT_VIOLATION ? EVENT_NAMES.eptViolation : 'an exit';
    const hint = e.reason === EXIT.PAGE_FAULT
      ? ': does pageFault fill the entry the guest\'s tables allow, or inject the fault they give?'
      : e.reason === EXIT.EPT_VIOLATION ? ': does eptViolation map the guest-physical address?' : '';
    this.fail(what, `made no progress: ${fmt(NO_PROGRESS_EXITS)} exits in a row, and not one instruction retired${hint}`);
  }

  // ------------------------------------------------------------------ events

  private begin(event: string, e: ExitInfo | undefined): void {
    if (this.failure) throw this.raise(this.failure);
    this.event = event;
    this.exit = e;
    this.completedBy = undefined;
  }

  /** A handler given its event (a built-in pager's is called straight, without a closure). */
  private call<E>(handler: (this: Pager, event: E) => unknown, event: E): unknown {
    return this.builtIn ? handler.call(this.pager, event) : this.invoke(() => handler.call(this.pager, event));
  }

  /** Run the pager's code: a user's exception becomes a PagerError naming the event. */
  private invoke<T>(body: () => T): T {
    if (this.module.builtIn) return body();
    try {
      return body();
    } catch (error) {
      if (error instanceof PagerError || error instanceof OutOfHostMemory) throw error;
      const where = this.module.locate?.(error);
      return this.fail(this.event, `threw ${describeError(error)}${where ? ` (${where})` : ''}`);
    }
  }

  /** After a handler: its return value checked, the tables' references settled. Returns the exit name it gave. */
  private endEvent(result: unknown, kind: 'void' | 'exit'): ExitName | undefined {
    if (this.failure) throw this.raise(this.failure);
    this.tables.settle();
    this.nestedTables?.settle();
    if (isThenable(result)) this.violation('returned a Promise: pager handlers run synchronously (no async, no await)');
    if (kind === 'void') {
      if (result !== undefined) this.violation(`returned ${show(result)}; this handler returns nothing`);
      return undefined;
    }
    if (result === undefined) return undefined;
    if (typeof result !== 'string' || !validExitName(result)) {
      this.violation(`returned ${show(result)}; a handler returns nothing or the exit's name, a lowercase word such as 'hidden-fault'`);
    }
    return result as string;
  }

  /** The guest stops here: a PagerError naming the pager, the event and the guest's position. */
  private fail(event: string, what: string): never {
    if (!this.failure) {
      this.failure = new PagerError(this.message(event, what), this.name, event);
      this.vm.failure = this.failure.message;
      this.vm.stopped = 'stopped';
    }
    throw this.raise(this.failure);
  }

  private message(event: string, what: string): string {
    const at = this.describeEvent(event);
    if (what.startsWith('threw ')) return `pager '${this.name}' threw on ${at}: ${what.slice(6)}`;
    if (what.startsWith('made no progress: ')) return `pager '${this.name}' made no progress on ${at}: ${what.slice('made no progress: '.length)}`;
    return `pager '${this.name}' broke the pager API on ${at}: ${what}`;
  }

  private raise(error: PagerError): Error {
    return this.context.failure ? this.context.failure(error) : error;
  }

  private violation(what: string): never {
    return this.fail(this.event, what);
  }

  /** The event in words: what the guest did, where, when. */
  private describeEvent(event: string): string {
    const e = this.exit;
    if (!e) return event === EVENT_NAMES.create ? 'create (making the pager for VM ' + this.vm.name + ')' : event;
    const where = `pc ${hex(e.pc)}, instruction ${fmt(this.vm.stats.instructions + 1)}`;
    switch (e.reason) {
      case EXIT.PAGE_FAULT: return `${event} (${ACCESS_NAMES[e.access] ?? 'access'} of va ${hex(e.address)}, ${causeName(e.cause)}; ${where})`;
      case EXIT.EPT_VIOLATION: return `${event} (guest-physical ${hex(e.guestPhys)}${e.inTableWalk ? ', a guest page table' : ''}, ${ACCESS_NAMES[e.access] ?? 'access'} of va ${hex(e.address)}; ${where})`;
      case EXIT.INVLPG: return `${event} (va ${hex(e.address)}; ${where})`;
      case EXIT.CR_WRITE: return `${event} (value ${hex(e.value)}; ${where})`;
      default: return `${event} (${where})`;
    }
  }

  // ------------------------------------------------------------------ the pager's shape

  private checkShape(pager: unknown): Pager {
    if (pager === null || typeof pager !== 'object') {
      this.violation(`the factory returned ${show(pager)}; it returns the pager: an object with translation and event handlers`);
    }
    const p = pager as Record<string, unknown>;
    if (p.translation !== 'shadow' && p.translation !== 'nested' && p.translation !== 'agile') this.violation(`the pager's translation is ${show(p.translation)}; it is 'shadow', 'nested' or 'agile'`);
    for (const handler of Object.keys(EVENT_NAMES)) {
      if (handler === 'create') continue;
      if (p[handler] !== undefined && typeof p[handler] !== 'function') this.violation(`the pager's ${handler} is ${show(p[handler])}, not a function`);
    }
    if (p.translation === 'shadow' && typeof p.pageFault !== 'function') this.violation("a 'shadow' pager needs a pageFault handler: the hardware walks only its tables");
    if (p.translation === 'nested' && typeof p.eptViolation !== 'function') this.violation("a 'nested' pager needs an eptViolation handler: guest-physical addresses it has not mapped exit there");
    if (p.translation === 'agile' && (typeof p.pageFault !== 'function' || typeof p.eptViolation !== 'function')) {
      this.violation("an 'agile' pager needs pageFault and eptViolation handlers: the hardware walks its shadow tables and its EPT");
    }
    const mode = this.vm.mode;
    if (!this.probe && this.translation !== p.translation) {
      this.violation(`the pager's translation is '${String(p.translation)}', so its VMs run with --mode ${p.translation === 'shadow' ? 'shadow' : p.translation === 'agile' ? 'agile' : 'ept'}, not ${mode}`);
    }
    return pager as Pager;
  }

  // ------------------------------------------------------------------ the hardware

  private guestAsid(): number {
    return this.vm.cpu.cr[CR.PTBR]! & this.mmu.asidMask;
  }

  private loadRoot(root: unknown, options?: { readonly pagingOff?: boolean }): void {
    this.guard();
    const r = this.tables.setRoot(root, 'loadRoot');
    this.rootLoaded = true;
    const mmu = this.mmu;
    if (this.shadowKind) {
      this.pagingOff = options?.pagingOff === true;
      // Agile: the nested stage (loaded first, vmm.nested.loadRoot) translates switched walks' output.
      if (this.agileKind && this.nested === null) this.violation('loadRoot: an agile pager loads its EPT root (vmm.nested.loadRoot) first');
      if (this.guestRootNested) {
        // Back from the switch at the root: the shadow level's exits again, and the VMM's translation.
        this.guestRootNested = false;
        this.vm.cpu.exitControls = this.exitControls;
        this.vm.cpu.vmmOwnsTranslation = true;
      }
      mmu.agile = this.agileKind;
      mmu.configure(true, r, (this.vpid << 8) | this.guestAsid(), this.agileKind ? this.nested : null);
      mmu.pagingOffSpace = this.pagingOff;
      return;
    }
    if (this.nested?.root !== r) this.nested = nestedStage(this.format, r);
    mmu.agile = false;
    mmu.pagingOffSpace = false;
    mmu.configure(mmu.stage1On, mmu.stage1Root, (this.vpid << 8) | this.guestAsid(), this.nested);
  }

  /** `vmm.nested.loadGuestRoot()`: an agile pager's switch at the root (pager.ts NestedServices). */
  private loadGuestRoot(): void {
    this.guard();
    if (this.nested === null) this.violation('loadGuestRoot: load the EPT root (vmm.nested.loadRoot) first');
    this.rootLoaded = true;
    this.guestRootNested = true;
    this.pagingOff = false;
    this.tables.clearRoot();
    const cpu = this.vm.cpu;
    // As a 'nested' pager's VM: only the VMM's own events exit (and EPT violations, always).
    cpu.exitControls = NESTED_ROOT_CONTROLS;
    cpu.vmmOwnsTranslation = false;
    const mmu = this.mmu;
    mmu.agile = false;
    mmu.pagingOffSpace = false;
    mmu.configure(mmu.stage1On, mmu.stage1Root, (this.vpid << 8) | this.guestAsid(), this.nested);
    cpu.syncMmuMode();
  }

  /** Whether an agile pager has switched at the root (the hardware walks the guest's PTBR fully nested). */
  get nestedAtRoot(): boolean {
    return this.guestRootNested;
  }

  private switchRoot(root: unknown, options: { readonly keep: boolean; readonly pagingOff?: boolean }): void {
    this.guard();
    if (this.guestRootNested) this.violation('switchRoot: the pager switched at the root (loadGuestRoot); load a shadow root with loadRoot first');
    if (!this.shadowKind) this.violation("switchRoot is for 'shadow' pagers (a nested pager's guest writes its own PTBR)");
    if (options === null || typeof options !== 'object' || typeof options.keep !== 'boolean') this.violation('switchRoot(root, { keep }) needs keep: true or false');
    const r = this.tables.setRoot(root, 'switchRoot');
    this.rootLoaded = true;
    this.pagingOff = options.pagingOff === true;
    this.mmu.pagingOffSpace = this.pagingOff;
    this.mmu.writePtbr(r | this.guestAsid() | (options.keep ? PTBR_KEEP : 0));
  }

  // ------------------------------------------------------------------ completing an exit

  /** Only page-fault and EPT-violation handlers complete exits, once each. */
  private completing(service: string): ExitInfo {
    this.guard();
    const e = this.exit;
    if (!e || (e.reason !== EXIT.PAGE_FAULT && e.reason !== EXIT.EPT_VIOLATION)) {
      this.violation(`${service} completes a page fault or an EPT violation; this is ${this.event}`);
    }
    if (this.completedBy !== undefined) this.violation(`${service}: this exit was already completed (${this.completedBy}); an exit ends one way`);
    return e;
  }

  private inject(cause: number, badva: number): void {
    const vm = this.vm;
    vm.vmm.faultsInjected++;
    vm.stats.cyclesVmm += this.profile.vmmInjectCycles;
    vm.cpu.deliverTrap(cause, badva);
  }

  private injectFault(cause: unknown, badva: unknown): ExitName {
    this.completing('injectFault');
    if (typeof cause !== 'number' || !Number.isInteger(cause) || cause < 0 || cause > CAUSE.STORE_PROTECTION_FAULT) {
      this.violation(`injectFault(${show(cause)}): the cause is a TV32 exception, 0 to 13 (isa/README.md 5.1)`);
    }
    if (typeof badva !== 'number' || !Number.isFinite(badva)) this.violation(`injectFault(${cause}, ${show(badva)}): BADVA is a number`);
    this.inject(cause, badva | 0);
    return (this.completedBy = 'guest-fault');
  }

  private refuse(va: unknown): ExitName {
    this.completing('refuse');
    if (typeof va !== 'number' || !Number.isFinite(va)) this.violation(`refuse(${show(va)}): the virtual address is a number`);
    this.vm.vmm.refusedAccesses++;
    this.inject(CAUSE.BUS_ERROR, va | 0);
    return (this.completedBy = 'guest-fault');
  }

  /**
   * The load or store at the exiting pc against the VM's devices, as the hardware would have
   * done natively (isa/README.md, "Devices"): words only, unknown registers are bus errors.
   */
  private emulateMmio(guestPhys: unknown): ExitName {
    const e = this.completing('emulateMmio');
    const vm = this.vm;
    if (typeof guestPhys !== 'number' || !vm.isMmio(guestPhys >>> 0)) this.violation(`emulateMmio(${typeof guestPhys === 'number' ? hex(guestPhys) : show(guestPhys)}): not a device address (0xf0000000 to 0xf000ffff)`);
    this.completedBy = 'mmio';
    const gpa = (guestPhys as number) >>> 0;
    const cpu = vm.cpu;
    const access = decodeAccess(e.word);
    if (e.access === ACCESS.FETCH || !access || access.size !== 4) {
      this.inject(CAUSE.BUS_ERROR, e.address);
      return 'mmio';
    }
    vm.vmm.mmioEmulated++;
    vm.stats.cyclesVmm += this.profile.vmmEmulateCycles;
    if (access.isStore) {
      if (!vm.devices.write(gpa, cpu.regs[access.dataReg]!)) return this.busErrorMmio(e);
      if (gpa === DEVICE.POWER_OFF && vm.devices.poweredOff) vm.stopped = 'halted';
    } else {
      const value = vm.devices.read(gpa);
      if (value === undefined) return this.busErrorMmio(e);
      if (access.dataReg !== 0) cpu.regs[access.dataReg] = value;
    }
    vm.stats.mmioAccesses++;
    vm.stats.cyclesMmio += this.profile.mmioCycles;
    cpu.retireEmulated(e.word);
    return 'mmio';
  }

  private busErrorMmio(e: ExitInfo): ExitName {
    this.inject(CAUSE.BUS_ERROR, e.address);
    return 'mmio';
  }

  /** A store the guest's tables allow, to a frame the pager protects: performed, and retired. */
  private emulateStore(guestPhys: unknown): ExitName {
    const e = this.completing('emulateStore');
    const vm = this.vm;
    // An agile pager also protects frames in its EPT: a store through a switched walk exits as an EPT violation.
    const reasonOk = e.reason === EXIT.PAGE_FAULT || (this.agileKind && e.reason === EXIT.EPT_VIOLATION);
    if (!reasonOk || e.access !== ACCESS.STORE) this.violation('emulateStore: the exiting access is not a store');
    const access = decodeAccess(e.word);
    if (!access || !access.isStore) this.violation(`emulateStore: the instruction at ${hex(e.pc)} (${hex(e.word)}) is not a store`);
    if (typeof guestPhys !== 'number' || !vm.isGuestRam(guestPhys >>> 0)) this.violation(`emulateStore(${typeof guestPhys === 'number' ? hex(guestPhys) : show(guestPhys)}): not in guest RAM`);
    const gpa = (guestPhys as number) >>> 0;
    if (gpa % access.size !== 0) this.violation(`emulateStore(${hex(gpa)}): a ${access.size}-byte store is aligned`);
    vm.writeSized(gpa, vm.cpu.regs[access.dataReg]!, access.size);
    vm.vmm.ptWritesEmulated++;
    vm.stats.cyclesVmm += this.profile.vmmEmulateCycles;
    vm.cpu.retireEmulated(e.word);
    return (this.completedBy = 'pt-write');
  }

  // ------------------------------------------------------------------ the services object

  /** After a failure every service refuses (a pager that caught the PagerError still stops). */
  private guard(): void {
    if (this.failure) throw this.raise(this.failure);
    if (this.released) this.violation('the VMM discarded this pager (the VM left its design); its services are gone');
  }

  private guestAddress(guestPhys: unknown, service: string): number {
    this.guard();
    if (typeof guestPhys !== 'number' || !Number.isInteger(guestPhys)) this.violation(`${service}(${show(guestPhys)}): a guest-physical address is a whole number`);
    const gpa = guestPhys >>> 0;
    if (gpa % 4 !== 0) this.violation(`${service}(${hex(gpa)}): the address is word-aligned`);
    return gpa;
  }

  private makeServices(): PagerServices {
    const nested = this.nestedTables ? this.makeNestedServices(this.nestedTables) : undefined;
    const services = Object.freeze(new PagerHost.Services(this, nested));
    return this.builtIn ? services : boundServices(services);
  }

  /**
   * The services object a pager is given (`vmm`). Its methods live on one prototype for every
   * VM, so the VMM's frequent calls (a shadow pager's writeEntry, backing, flushTlbPage) reach
   * the same functions whichever VM makes them: V8's optimized code stays valid when a VM is
   * dropped and another made, as a benchmark, a study or the playground does again and again
   * (functions made per VM were new call targets each time, and their code was thrown away with
   * the VM). The host is a private field, out of a pager's reach. A user's pager is given the
   * same methods bound (boundServices), so that it may take them apart.
   */
  private static readonly Services = class Services implements PagerServices {
    readonly apiVersion = PAGER_API_VERSION;
    readonly vmName: string;
    readonly guestMemoryBytes: number;
    readonly arch = ARCH;
    readonly format: PagingMode;
    declare readonly nested?: NestedServices;
    readonly costs: PagerServices['costs'];
    readonly #host: PagerHost;

    constructor(host: PagerHost, nested: NestedServices | undefined) {
      this.#host = host;
      const vm = host.vm;
      const profile = host.profile;
      this.vmName = vm.name;
      this.guestMemoryBytes = vm.sizeBytes;
      this.format = Object.freeze({ name: host.format.name, levelBits: Object.freeze([...host.format.levelBits]), largeAllowed: Object.freeze([...host.format.largeAllowed]) });
      if (nested !== undefined) Object.defineProperty(this, 'nested', { value: nested, enumerable: true });
      this.costs = Object.freeze({
        pteRead: profile.vmmPteReadCycles,
        pteWrite: profile.vmmPteWriteCycles,
        emulate: profile.vmmEmulateCycles,
        inject: profile.vmmInjectCycles,
      });
    }

    readGuestCr(crn: number): number {
      const host = this.#host;
      host.guard();
      if (typeof crn !== 'number' || !Number.isInteger(crn) || crn < 0 || crn > CR.INSTRETH) host.violation(`readGuestCr(${show(crn)}): control registers are 0 to 11 (isa/README.md 4.2)`);
      return host.vm.cpu.readCr(crn);
    }
    isGuestRam(guestPhys: number): boolean {
      return typeof guestPhys === 'number' && this.#host.vm.isGuestRam(guestPhys >>> 0);
    }
    isMmio(guestPhys: number): boolean {
      return typeof guestPhys === 'number' && this.#host.vm.isMmio(guestPhys >>> 0);
    }
    readGuestPte(guestPhys: number): number | undefined {
      const host = this.#host;
      const vm = host.vm;
      const gpa = host.guestAddress(guestPhys, 'readGuestPte');
      vm.stats.cyclesVmm += host.profile.vmmPteReadCycles;
      if (!vm.isGuestRam(gpa)) return undefined;
      const h = vm.backed(gpa);
      return h < 0 ? 0 : host.host.mem.i32[h >>> 2]!;
    }
    writeGuestPte(guestPhys: number, value: number): void {
      const host = this.#host;
      const vm = host.vm;
      const mem = host.host.mem;
      const gpa = host.guestAddress(guestPhys, 'writeGuestPte');
      if (!vm.isGuestRam(gpa)) host.violation(`writeGuestPte(${hex(gpa)}): not in guest RAM`);
      const word = host.word(value, 'writeGuestPte');
      const h = vm.writableBacking(gpa);
      const old = mem.i32[h >>> 2]!;
      mem.i32[h >>> 2] = word;
      mem.dirty[h >>> 12] = 1;
      vm.stats.cyclesVmm += host.profile.vmmPteWriteCycles;
      if (word !== old && (word | old) === word && ((word ^ old) & ~(PTE.A | PTE.D)) === 0) vm.stats.adUpdates++;
    }
    readGuestWord(guestPhys: number): number | undefined {
      const host = this.#host;
      return host.vm.peekWord(host.guestAddress(guestPhys, 'readGuestWord'));
    }
    writeGuestWord(guestPhys: number, value: number): void {
      const host = this.#host;
      const gpa = host.guestAddress(guestPhys, 'writeGuestWord');
      if (!host.vm.isGuestRam(gpa)) host.violation(`writeGuestWord(${hex(gpa)}): not in guest RAM`);
      host.vm.writeWord(gpa, host.word(value, 'writeGuestWord'));
    }
    backing(guestPhys: number): number {
      const host = this.#host;
      host.guard();
      return typeof guestPhys === 'number' ? host.vm.backing(guestPhys) : -1;
    }
    backed(guestPhys: number): number {
      const host = this.#host;
      host.guard();
      // A frame the VMM swapped out is not backed now: a pager maps it through `backing` when the guest touches it.
      return typeof guestPhys === 'number' ? host.vm.resident(guestPhys >>> 0) : -1;
    }
    writableBacking(guestPhys: number): number {
      const host = this.#host;
      host.guard();
      return typeof guestPhys === 'number' && host.vm.isGuestRam(guestPhys >>> 0) ? host.vm.writableBacking(guestPhys >>> 0) : -1;
    }
    backGuestInRuns(frames: number): void {
      const host = this.#host;
      host.guard();
      if (typeof frames !== 'number' || !Number.isInteger(frames) || frames < 1 || (frames & (frames - 1)) !== 0 || frames > 1 << 20) {
        host.violation(`backGuestInRuns(${show(frames)}): a run is a power of two of frames`);
      }
      host.vm.allocGranuleFrames = frames;
    }
    allocTable(level: number): number {
      const host = this.#host;
      host.guard();
      return host.tables.alloc(level);
    }
    freeTable(table: number): void {
      const host = this.#host;
      host.guard();
      host.tables.free(table);
    }
    readEntry(table: number, index: number): number {
      const host = this.#host;
      host.guard();
      return host.tables.read(table, index);
    }
    writeEntry(table: number, index: number, value: number): void {
      const host = this.#host;
      host.guard();
      host.tables.write(table, index, value);
    }
    loadRoot(root: number, options?: { readonly pagingOff?: boolean }): void {
      this.#host.loadRoot(root, options);
    }
    switchRoot(root: number, options: { readonly keep: boolean; readonly pagingOff?: boolean }): void {
      this.#host.switchRoot(root, options);
    }
    flushTlbAll(): void {
      const host = this.#host;
      host.guard();
      host.mmu.flushAll();
    }
    flushTlbPage(va: number): void {
      const host = this.#host;
      host.guard();
      host.mmu.flushPage(host.number(va, 'flushTlbPage'));
    }
    flushTlbRange(from: number, to: number): void {
      const host = this.#host;
      host.guard();
      host.mmu.flushRange(host.number(from, 'flushTlbRange'), host.number(to, 'flushTlbRange'));
    }
    flushTlbVm(): void {
      const host = this.#host;
      host.guard();
      host.mmu.flushVpid();
    }
    injectFault(cause: number, badva: number): ExitName {
      return this.#host.injectFault(cause, badva);
    }
    refuse(va: number): ExitName {
      return this.#host.refuse(va);
    }
    emulateMmio(guestPhys: number): ExitName {
      return this.#host.emulateMmio(guestPhys);
    }
    emulateStore(guestPhys: number): ExitName {
      return this.#host.emulateStore(guestPhys);
    }
    chargeVmm(cycles: number): void {
      const host = this.#host;
      host.guard();
      if (typeof cycles !== 'number' || !Number.isFinite(cycles) || cycles < 0) host.violation(`chargeVmm(${show(cycles)}): cycles are a non-negative number`);
      host.vm.stats.cyclesVmm += cycles;
    }
    count(counter: PagerCounter, n = 1): void {
      const host: PagerHost = this.#host;
      host.guard();
      const field = Object.hasOwn(COUNTERS, counter) ? COUNTERS[counter] : undefined;
      if (!field) host.violation(`count(${show(counter)}): the counters are ${Object.keys(COUNTERS).join(', ')}`);
      if (typeof n !== 'number' || !Number.isInteger(n)) host.violation(`count('${counter}', ${show(n)}): n is a whole number`);
      host.vm.vmm[field] += n;
    }
  };

  /** An agile pager's EPT services (`vmm.nested`): the same rules as for its shadow tables. */
  private makeNestedServices(tables: PagerTables): NestedServices {
    const host: PagerHost = this;
    const f = tables.format;
    const format: PagingMode = Object.freeze({ name: f.name, levelBits: Object.freeze([...f.levelBits]), largeAllowed: Object.freeze([...f.largeAllowed]) });
    return Object.freeze({
      format,
      allocTable(level: number) {
        host.guard();
        return tables.alloc(level);
      },
      freeTable(table: number) {
        host.guard();
        tables.free(table);
      },
      readEntry(table: number, index: number) {
        host.guard();
        return tables.read(table, index);
      },
      writeEntry(table: number, index: number, value: number) {
        host.guard();
        tables.write(table, index, value);
      },
      loadRoot(root: number) {
        host.guard();
        const r = tables.setRoot(root, 'nested.loadRoot');
        // The walker gets the VMM's own descriptor (not the pager's frozen copy): one shape for every walk.
        if (host.nested?.root !== r) host.nested = nestedStage(f, r);
      },
      loadGuestRoot() {
        host.loadGuestRoot();
      },
    });
  }

  private word(value: unknown, service: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) this.violation(`${service}: ${show(value)} is not a 32-bit number`);
    return (value as number) | 0;
  }

  private number(value: unknown, service: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.violation(`${service}(${show(value)}): an address is a number`);
    return value as number;
  }
}

/**
 * The services for a user's pager: the same object's data, and its methods bound to it, so that
 * a pager may take them apart (`const { readEntry } = vmm`), as it could always do.
 */
function boundServices(services: PagerServices): PagerServices {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(services)) out[key] = (services as unknown as Record<string, unknown>)[key];
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(services))) {
    const method = (services as unknown as Record<string, unknown>)[key];
    if (key !== 'constructor' && typeof method === 'function') out[key] = (method as (...args: unknown[]) => unknown).bind(services);
  }
  return Object.freeze(out) as unknown as PagerServices;
}

/** The exits a pager takes: those it has handlers for, plus the VMM's own (wfi, hcall). */
export function exitControlsOf(pager: Pager): ExitControls {
  return {
    crReadExits: pager.ptbrRead ? 1 << CR.PTBR : 0,
    crWriteExits: (pager.ptbrWrite ? 1 << CR.PTBR : 0) | (pager.pagingChange ? 1 << CR.STATUS : 0),
    statusWriteMask: pager.pagingChange ? STATUS.PG : 0,
    events: (pager.pageFault ? EXIT_CONTROL.PAGE_FAULT : 0) | (pager.invlpg ? EXIT_CONTROL.INVLPG : 0) | (pager.tlbflush ? EXIT_CONTROL.TLBFLUSH : 0) | VMM_EVENTS,
  };
}

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** A value in a message: short, and never the pager's whole object. */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) > 255 ? `${value} (${hex(value)})` : String(value);
  if (typeof value === 'function') return 'a function';
  if (isThenable(value)) return 'a Promise';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(value);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}
