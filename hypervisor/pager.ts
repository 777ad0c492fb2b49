// The pager API: the one interface every memory-virtualization design implements (shadow paging,
// EPT, and a design of one's own), after Xen's `struct paging_mode` (STYLE.md lesson 12). A pager
// is an object of event handlers, made by a factory the VMM calls once per VM; the VMM calls the
// handlers when the guest does something the design must see, and the pager reaches the machine
// only through the services object it was given (`PagerServices`). Nothing else: the built-in
// pagers (shadow.ts, ept.ts) import no VMM, VM, MMU or host-memory module, and a user's pager
// (`--pager FILE.js`) gets exactly what they get. docs/pager-api.md is the guide; this file is
// the reference, and both are a stable, public contract.
//
// The rules a pager must keep, which the services enforce (pager-host.ts): it writes real
// page-table entries only in tables it allocated, maps only its own VM's host frames, frees a
// table only once nothing points at it, completes an exit at most once, and returns what each
// handler is documented to return. A pager that breaks one, or throws, stops the guest with a
// message naming the pager and the event (a PagerError): it can never reach another VM's memory.
//
// Types and constants only; the VMM's side is pager-host.ts.

import type { PagingMode } from '../emulator/paging-mode.ts';
import type { EptOptions } from './ept.ts';
import type { ShadowOptions } from './shadow.ts';

/**
 * The pager API's version, `vmm.apiVersion` (docs/pager-api.md, "Versions"). 3: an agile pager
 * may switch at the root (`vmm.nested.loadGuestRoot`). 2: the 'agile' translation, its
 * `vmm.nested` services and switched directory entries. 1: the first API.
 */
export const PAGER_API_VERSION = 3;

// ------------------------------------------------------------------ what a pager is

/**
 * How the hardware translates while the guest runs under this pager:
 * - 'shadow': one stage. The real PTBR points at the pager's tables (TV32 format), which map
 *   guest-virtual addresses straight to host-physical ones; the guest's own PTBR and tables are
 *   only data the pager reads. The guest's PTBR writes, paging switches and invlpg reach the
 *   hardware only through the pager.
 * - 'nested': two stages (EPT). The hardware walks the guest's own tables, and translates every
 *   guest-physical address it meets through the pager's tables (`format`: the EPT format).
 * - 'agile' (Gandhi et al., ISCA 2016; isa/README.md 6.6): as 'shadow', and the pager also owns
 *   an EPT (`vmm.nested`). A shadow directory entry with the switch bit (`arch.AGILE_SWITCH`)
 *   holds the host frame of a guest leaf table: the hardware reads the guest's entry there and
 *   translates its frame through the EPT. Faults in such guest entries go to the guest directly;
 *   shadow-level page faults and EPT violations exit to the pager.
 */
export type Translation = 'shadow' | 'nested' | 'agile';

/**
 * The name an exit is counted under (`--stats` "VM exits", the debugger's `exits`): a short
 * lowercase word with hyphens, such as 'hidden-fault', 'pt-write' or 'ept-violation'.
 */
export type ExitName = string;

/**
 * A pager: event handlers. Every handler is optional except as `translation` requires
 * ('shadow': pageFault; 'nested': eptViolation), and **a handler's presence is what makes the
 * event exit**: a pager without `invlpg` lets the guest's invlpg run in hardware, one with it
 * sees every invlpg (as VT-x's "INVLPG exiting" control). Handlers run synchronously, one at a
 * time, with `this` the pager object.
 */
export interface Pager {
  readonly translation: Translation;

  /**
   * Every VM entry (the VM is about to run, possibly after another VM ran). Load the hardware's
   * root: `vmm.loadRoot(root)`. Without this handler the VMM reloads the root last loaded.
   */
  vmEntry?(): void;

  /**
   * The guest reads PTBR (`mfcr`): return the value it reads, a 32-bit number. Under shadow
   * paging the real PTBR holds the pager's root, so a guest read must exit (VT-x: CR3-load
   * exiting); the guest's own value is `vmm.readGuestCr(CR.PTBR)`. Counted as 'ptbr-read'.
   */
  ptbrRead?(e: PtbrRead): number;

  /**
   * The guest wrote PTBR (isa/README.md 4.4): the VMM has already put `e.value` in the guest's
   * (virtual) PTBR and retired the instruction; give the hardware the matching translation, and
   * flush as the write would natively (6.4: the ASID's non-Global entries, unless KEEP).
   * Counted as 'ptbr-write'.
   */
  ptbrWrite?(e: PtbrWrite): void;

  /**
   * The guest turned paging on or off (STATUS.PG, isa/README.md 4.3); the VMM has already
   * written STATUS. Only writes that change PG exit. Counted as 'cr-write'.
   */
  pagingChange?(e: PagingChange): void;

  /**
   * A page or protection fault, or a bus error of the hardware walk (isa/README.md 6.2), raised
   * while the guest ran on this pager's translation. Decide what it is:
   * - a *hidden* fault: the guest's tables map the address and the pager's do not yet: fill the
   *   entry and return (the guest retries the instruction; counted as 'hidden-fault');
   * - a *true* fault: the guest's own tables refuse it: `return vmm.injectFault(cause, va)`;
   * - a device register: `return vmm.emulateMmio(guestPhys)`; past the guest's memory:
   *   `return vmm.refuse(va)`;
   * - a **write to a protected frame**: a store the guest's tables allow to a frame the pager
   *   keeps read-only in its own tables (a guest page table, under shadow paging): perform it
   *   with `vmm.emulateStore(guestPhys)`, update what depended on the entry it changed, and
   *   return 'pt-write'. (The hardware only knows the store faulted; which frames are protected
   *   is the pager's own design, so this arrives as the page fault it is.)
   * Returns the exit's name, or nothing: the name of the service that completed the exit
   * ('guest-fault', 'mmio', 'pt-write'), else 'hidden-fault'.
   */
  pageFault?(e: PageFault): ExitName | void;

  /** The guest's `invlpg` (isa/README.md 6.4). The VMM retires it after the handler. Default name 'invlpg'. */
  invlpg?(e: Invlpg): ExitName | void;

  /** The guest's `tlbflush`. The VMM retires it after the handler. Default name 'tlbflush'. */
  tlbflush?(e: TlbFlush): ExitName | void;

  /**
   * A guest-physical address the pager's (EPT) tables do not map, met by the hardware walk:
   * for the final address of an access, or (`inTableWalk`) for an entry of a guest page table.
   * Map it and return (the guest retries), or complete the exit as for pageFault. Default
   * name 'ept-violation'.
   */
  eptViolation?(e: EptViolation): ExitName | void;
}

/** What a pager module provides: its factory. `vmm` is this VM's services, `settings` the VMM's options. */
export type PagerFactory = (vmm: PagerServices, settings: PagerSettings) => Pager;

/** The VMM's options a built-in pager reads (a user's pager may read them too, or not). */
export interface PagerSettings {
  readonly shadow: ShadowOptions;
  readonly ept: EptOptions;
}

/** A pager as the VMM is given one: the built-ins (shadow.ts, ept.ts) or a module loaded from a file. */
export interface PagerModule {
  /** How messages and statistics name it: 'shadow', 'ept', or the file as given ('my-pager.js'). */
  readonly name: string;
  readonly create: PagerFactory;
  /** Part of vmmlab: an exception it throws is vmmlab's bug and is not wrapped. */
  readonly builtIn?: boolean;
  /** Where in the pager's source an error was thrown ('my-pager.js:42:7'), for messages. */
  readonly locate?: (error: unknown) => string | undefined;
}

// ------------------------------------------------------------------ events

/** Access types, as isa/arch.ts's ACCESS: 0 fetch, 1 load, 2 store. */
export type AccessType = 0 | 1 | 2;

interface GuestEvent {
  /** pc of the instruction that exited (it has not retired yet, except for ptbrWrite and pagingChange). */
  readonly pc: number;
  /** Guest instructions retired so far. */
  readonly instret: number;
}

export type PtbrRead = GuestEvent;

export interface PtbrWrite extends GuestEvent {
  /** The value written, KEEP (bit 8) included. */
  readonly value: number;
  /** The guest's PTBR before the write. */
  readonly previous: number;
}

export interface PagingChange extends GuestEvent {
  /** STATUS.PG after the write. */
  readonly enabled: boolean;
}

export interface PageFault extends GuestEvent {
  /** The virtual address that faulted (the pc, for a fetch). */
  readonly va: number;
  readonly access: AccessType;
  /** The TV32 cause the hardware raised (isa/README.md 5.1): a page or protection fault, or BUS_ERROR. */
  readonly cause: number;
  /** The guest was in user mode. */
  readonly user: boolean;
}

export interface Invlpg extends GuestEvent {
  readonly va: number;
}

export type TlbFlush = GuestEvent;

export interface EptViolation extends GuestEvent {
  /** The guest-physical address without a mapping. */
  readonly guestPhys: number;
  /** The virtual address of the access. */
  readonly va: number;
  readonly access: AccessType;
  /** Met while reading a guest page table, not for the access's final address. */
  readonly inTableWalk: boolean;
}

/** The event names messages use, by handler. */
export const EVENT_NAMES = {
  create: 'create',
  vmEntry: 'vm-entry',
  ptbrRead: 'ptbr-read',
  ptbrWrite: 'ptbr-write',
  pagingChange: 'paging-change',
  pageFault: 'page-fault',
  invlpg: 'invlpg',
  tlbflush: 'tlbflush',
  eptViolation: 'ept-violation',
} as const;

// ------------------------------------------------------------------ services

/** Design counters a pager may bump (`vmm.count`): they appear in --stats and --json under the VMM's counters. */
export type PagerCounter = 'unshadowed' | 'ptUnsyncs' | 'ptResyncs' | 'shadowRootsCreated' | 'shadowRootsReclaimed';

/** The cycle costs of the VMM's software work (the machine profile, docs/cycle-model.md). */
export interface VmmCosts {
  /** vmmPteReadCycles: each guest or EPT entry the VMM reads. */
  readonly pteRead: number;
  /** vmmPteWriteCycles: each entry the VMM writes. */
  readonly pteWrite: number;
  /** vmmEmulateCycles: each instruction decoded and emulated. */
  readonly emulate: number;
  /** vmmInjectCycles: each fault injected. */
  readonly inject: number;
}

/**
 * What a pager may do, on its own VM only. Guest-physical addresses are the VM's; host-physical
 * addresses are those services return (tables, backing frames). A service called against the
 * rules stops the guest with a PagerError; none throws anything else but OutOfHostMemory.
 */
export interface PagerServices {
  /** The version of this API (PAGER_API_VERSION): a later vmmlab that changes it says so in docs/pager-api.md. */
  readonly apiVersion: number;

  // ---- the VM
  /** The VM's name. */
  readonly vmName: string;
  /** Bytes of guest RAM, from guest-physical 0. */
  readonly guestMemoryBytes: number;
  /** The TV32 constants a pager needs (PTE bits, causes, access types, control registers), as isa/arch.ts defines them. */
  readonly arch: Arch;
  /** A guest control register (isa/README.md 4.2): under shadow paging, the guest's own (virtual) PTBR and STATUS. */
  readGuestCr(crn: number): number;
  isGuestRam(guestPhys: number): boolean;
  /** The device window (isa/README.md 7). */
  isMmio(guestPhys: number): boolean;

  // ---- guest memory (guest-physical, word-aligned)
  /**
   * A guest page-table entry, read as the VMM's software walk does: charged vmmPteReadCycles;
   * undefined outside guest RAM (natively a bus error); an entry never written reads 0.
   */
  readGuestPte(guestPhys: number): number | undefined;
  /**
   * Write a guest page-table entry (charged vmmPteWriteCycles). A write that only sets A and/or
   * D counts as an A/D update, like the hardware walker's step 7 (isa/README.md 6.2).
   */
  writeGuestPte(guestPhys: number, value: number): void;
  /** A guest word, uncharged; undefined outside guest RAM. */
  readGuestWord(guestPhys: number): number | undefined;
  /** Write a guest word, uncharged. */
  writeGuestWord(guestPhys: number, value: number): void;

  // ---- host frames
  /** Host-physical address backing a guest-physical one, backing its frame on first use; -1 outside guest RAM. */
  backing(guestPhys: number): number;
  /** The same without backing anything: -1 when the frame is not backed (not yet, or swapped out by the VMM) or outside RAM. */
  backed(guestPhys: number): number;
  /**
   * As `backing`, for a frame the hardware will write on its own (API version 3): an agile
   * pager's switched leaf table, into which the walk writes A/D bits. The frame is the VM's alone
   * (a frame shared by page sharing is copied first) and read back if host swapping evicted it.
   */
  writableBacking(guestPhys: number): number;
  /** Back guest memory in aligned runs of `frames` frames from now on (a power of two; for large pages). */
  backGuestInRuns(frames: number): void;

  // ---- the pager's own tables (the hardware walks them in `format`)
  /**
   * The format the hardware walks this pager's tables in: TV32's two levels for 'shadow', the
   * EPT format of the VMM's options (--ept-levels, --ept-large-pages) for 'nested'.
   */
  readonly format: PagingMode;
  /** A new zeroed table for `level` (0 = the root), in host frames the VMM allocates for this pager. Returns its host-physical address. */
  allocTable(level: number): number;
  /**
   * 'agile' pagers only (undefined for the others): the pager's EPT, the nested stage of its
   * switched walks, in the EPT format of the VMM's options. Its tables follow the rules above.
   */
  readonly nested?: NestedServices;
  /**
   * Give a table back. It must not be the root the hardware uses, and by the end of the event
   * no entry may point at it (it is released when the last one goes).
   */
  freeTable(table: number): void;
  /** Entry `index` of one of this pager's tables (uncharged). */
  readEntry(table: number, index: number): number;
  /**
   * Write entry `index` of one of this pager's tables (charged vmmPteWriteCycles). A valid
   * entry must lead to one of this pager's tables of the next level, or (a leaf) map host
   * frames of this VM (`backing`): nothing else, ever. 'agile' pagers: a valid non-leaf
   * directory entry with `arch.AGILE_SWITCH` set leads instead to a host frame of this VM (the
   * backing frame of the guest leaf table it switches to).
   */
  writeEntry(table: number, index: number, value: number): void;

  // ---- the hardware
  /**
   * Point the hardware at a root of this pager (a level-0 table): on VM entry, no flush.
   * 'shadow': `pagingOff` says the guest runs with paging off (its translations are tagged apart).
   */
  loadRoot(root: number, options?: { readonly pagingOff?: boolean }): void;
  /**
   * 'shadow' only: write the real PTBR with `root` and the guest's ASID, as the guest's own
   * PTBR write would: the ASID's non-Global TLB entries go unless `keep` (isa/README.md 6.4).
   */
  switchRoot(root: number, options: { readonly keep: boolean; readonly pagingOff?: boolean }): void;
  /** Drop every TLB entry, every VM's. */
  flushTlbAll(): void;
  /** Drop this VM's TLB entries for the page of `va`. */
  flushTlbPage(va: number): void;
  /** Drop this VM's TLB entries for [from, to). */
  flushTlbRange(from: number, to: number): void;
  /** Drop every TLB entry of this VM. */
  flushTlbVm(): void;

  // ---- completing an exit (pageFault and eptViolation only; at most one per exit)
  /** Deliver the trap the guest would have taken natively (isa/README.md 5.2). Returns 'guest-fault'. */
  injectFault(cause: number, badva: number): ExitName;
  /** A guest-physical address outside the VM's RAM and devices: a bus error, counted as refused. Returns 'guest-fault'. */
  refuse(va: number): ExitName;
  /** Perform the exiting load or store on the VM's devices (isa/README.md 7). Returns 'mmio'. */
  emulateMmio(guestPhys: number): ExitName;
  /** Perform the exiting store at `guestPhys` in guest RAM and retire it (a write to a protected frame). Returns 'pt-write'. */
  emulateStore(guestPhys: number): ExitName;

  // ---- accounting
  readonly costs: VmmCosts;
  /** Charge the VMM's software work, in cycles (a non-negative number). */
  chargeVmm(cycles: number): void;
  count(counter: PagerCounter, n?: number): void;
}

/** The EPT of an 'agile' pager (`vmm.nested`): the same services as its shadow tables', in the EPT format. */
export interface NestedServices {
  readonly format: PagingMode;
  allocTable(level: number): number;
  freeTable(table: number): void;
  readEntry(table: number, index: number): number;
  writeEntry(table: number, index: number, value: number): void;
  /** Point the hardware's nested stage at a root of this EPT (on VM entry, with loadRoot; no flush). */
  loadRoot(root: number): void;
  /**
   * The switch at the root (API version 3): the hardware walks the guest's own PTBR fully nested,
   * every guest-physical address of the walk through this EPT, as a 'nested' pager's VM does
   * (load the EPT root first). Until the pager loads a shadow root again (`vmm.loadRoot`, which
   * also gives the pager its shadow-level exits back), the guest's PTBR reads and writes, paging
   * switches and page faults do not exit; EPT violations do. No flush: call `flushTlbVm` when the
   * translations change (each way).
   */
  loadGuestRoot(): void;
}

/** isa/arch.ts's constants, as `vmm.arch` hands them to a pager. */
export interface Arch {
  readonly PAGE_SIZE: number;
  readonly PTE: { readonly V: number; readonly W: number; readonly X: number; readonly U: number; readonly G: number; readonly A: number; readonly D: number; readonly L: number; readonly FRAME_MASK: number };
  readonly CAUSE: Readonly<Record<string, number>>;
  readonly ACCESS: { readonly FETCH: 0; readonly LOAD: 1; readonly STORE: 2 };
  readonly CR: Readonly<Record<string, number>>;
  readonly STATUS: { readonly MODE: number; readonly IE: number; readonly PMODE: number; readonly PIE: number; readonly PG: number };
  readonly PTBR_ROOT_MASK: number;
  readonly PTBR_ASID_MASK: number;
  readonly PTBR_KEEP: number;
  /** The switch bit of an agile shadow directory entry (isa/README.md 6.6). */
  readonly AGILE_SWITCH: number;
  /** Does a leaf's bits allow the access (isa/README.md 6.2 step 6)? */
  permits(leaf: number, access: AccessType, user: boolean): boolean;
  /** The page-fault cause of an access (not present) and the protection-fault cause. */
  notPresentCause(access: AccessType): number;
  protectionCause(access: AccessType): number;
}
