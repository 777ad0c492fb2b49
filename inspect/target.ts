// What the inspection model looks at: a machine seen as a list of CPUs ("views"), with the few
// services that say where translation state lives (the MMU, host memory, a VM's pager). The
// debugger's Target implements it; a web worker can implement it over the same Machine or Vmm.
//
// Inspection never changes the machine: no A/D bits, no TLB fill, no statistics, no backing of
// guest frames. Everything it returns is plain data (numbers, strings, arrays, objects) that
// survives JSON and postMessage. This folder imports no Node built-in and nothing from cli/ or
// debugger/ (STYLE.md lessons 13 and 14).

import type { Cpu } from '../emulator/cpu.ts';
import type { PhysicalMemory } from '../emulator/memory.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { PagingMode } from '../emulator/paging-mode.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { Stats } from '../emulator/stats.ts';
import type { ShadowRootInfo } from '../hypervisor/shadow.ts';
import type { Vm, VmMode } from '../hypervisor/vm.ts';
import type { Vmm } from '../hypervisor/vmm.ts';
import type { VmmStats } from '../hypervisor/vmstats.ts';

export type Mode = 'native' | VmMode;

/** One CPU: the bare machine, or one VM's vCPU. */
export interface CpuView {
  readonly index: number;
  readonly name: string;
  readonly mode: Mode;
  readonly cpu: Cpu;
  readonly stats: Stats;
  /** Under a VMM: the VM and its VMM counters. */
  readonly vm: Vm | undefined;
  readonly vmmStats: VmmStats | undefined;
  /** With --check-tlb-rules: its checker (how many stale translations it has seen). */
  readonly tlbRules?: { readonly violations: number } | undefined;
}

/** A VM's EPT, as its pager holds it (hypervisor/ept.ts's EptPager is one). */
export interface EptTables {
  readonly pagingMode: PagingMode;
  /** Host-physical address of the EPT root table. */
  readonly rootAddress: number;
}

/** What a shadow-paging VM's pager tells about its shadows (hypervisor/shadow.ts's ShadowPager is one). */
export interface ShadowTables {
  shadowRoots(): ShadowRootInfo[];
}

export interface InspectTarget {
  readonly views: readonly CpuView[];
  /** The hardware MMU (one, shared by every VM). */
  readonly mmu: Mmu;
  /** Host-physical memory (physical memory on bare metal). */
  readonly hostMemory: PhysicalMemory;
  readonly profile: MachineProfile;
  /** The VMM, when the CPUs are VMs. */
  readonly vmm: Vmm | undefined;
  /** The VM whose state the MMU holds, if any. */
  readonly loadedVm: Vm | undefined;
  /** Does the MMU hold this CPU's translation state now (so mmu.probe speaks for it)? */
  mmuHolds(view: CpuView): boolean;
  ept(view: CpuView): EptTables | undefined;
  shadow(view: CpuView): ShadowTables | undefined;
  /** The shadow directory (host-physical) a shadow-mode VM runs on, whether or not the MMU holds it now. */
  shadowRoot(view: CpuView): number | undefined;
  /** An agile VM switched at the root: its hardware walks the guest's PTBR fully nested, as under EPT. */
  agileRootNested?(view: CpuView): boolean;
  /** The guest's root table (guest-physical), its ASID and whether its paging is on. */
  guestPaging(view: CpuView): { on: boolean; root: number; asid: number };
  /** Host address of a guest-physical one, without backing anything: -1 outside RAM or unbacked. */
  guestPhysToHost(view: CpuView, guestPhys: number): number;
  /** A guest-physical word; unbacked guest RAM reads as 0; undefined outside RAM. */
  readGuestPhysWord(view: CpuView, guestPhys: number): number | undefined;
}

/** Why a view has nothing to show for this CPU. */
export type UnavailableReason =
  /** Bare metal: no VM exits, no shadow, no EPT. */
  | 'bare-metal'
  | 'not-shadow-mode'
  | 'not-ept-mode'
  /** A shadow-mode VM that has not run: its pager has built no shadow root yet. */
  | 'no-shadow-yet';

export interface Unavailable {
  readonly unavailable: UnavailableReason;
}

export function isUnavailable<T extends object>(r: T | Unavailable): r is Unavailable {
  return 'unavailable' in r;
}

/** The address spaces an address in the model is in. */
export type AddressSpace = 'physical' | 'guest-physical' | 'host-physical';
