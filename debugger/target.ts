// The machine under the debugger: one bare-metal Machine or a VMM with its VMs, seen as a list of
// CPUs ("views") the commands address by index. This is the only module that runs guest code
// (`run`), and it can throw the whole machine away and build it again from the same plan
// (`rebuild`): the emulator is deterministic, so replaying the same runs reaches the same state
// (see history.ts). What to build comes from outside (TargetPlan.build: cli/commands/debug.ts
// builds it from the command line of `vmmlab run`), so the engine needs no CLI and no node: module.
//
// It reads memory without side effects: a guest-physical frame the VMM has not backed yet reads
// as zeros and is not backed by looking at it (backing allocates host frames, which would change
// what the VMM does next). It is what the inspection model looks at (inspect/target.ts).

import { CR, MMIO_BASE, PAGE_SIZE, PTBR_ASID_MASK, PTBR_ROOT_MASK, STATUS } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import type { BootModule } from '../emulator/boot.ts';
import { STOP } from '../emulator/cpu.ts';
import type { Machine } from '../emulator/machine.ts';
import type { PhysicalMemory } from '../emulator/memory.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { AgilePager } from '../hypervisor/agile.ts';
import { EptPager } from '../hypervisor/ept.ts';
import { ShadowPager } from '../hypervisor/shadow.ts';
import { hashFrames, type Vm } from '../hypervisor/vm.ts';
import type { TlbRuleChecker } from '../emulator/tlb-rules.ts';
import type { Vmm } from '../hypervisor/vmm.ts';
import type { CpuView, EptTables, InspectTarget, Mode } from '../inspect/target.ts';
import type { CheckedCpu } from './tlb-rules-report.ts';
import type { LogEntry } from './history.ts';
import { Snapshots } from './snapshots.ts';

export type { CpuView, Mode } from '../inspect/target.ts';

/** Why a CPU stopped for good (until a reverse command rebuilds it). */
export type StopState = 'halted' | 'wfi-deadlock' | 'trap-loop' | 'stopped' | 'max-instructions';

export interface RunOutcome {
  /** Instructions the CPU retired in this call. */
  retired: number;
  /** The CPU stopped in this call (halt, trap loop, wfi deadlock). */
  stopped: boolean;
  /**
   * With `atTrap`: the run ended at a trap entry (pc at the handler's first instruction, not yet
   * run; CAUSE, EPC and BADVA set). It may have retired nothing, and still made progress.
   */
  trapped: boolean;
}

/** A machine as a plan builds it: a bare Machine or a VMM with its VMs (cli/session.ts's Session is one). */
export interface TargetMachine {
  readonly machine?: Machine;
  readonly vmm?: Vmm;
  /** With --check-tlb-rules: a checker on the machine or on each VM. */
  readonly tlbRules: readonly CheckedCpu[];
}

/** The images one CPU runs: its kernel and boot modules (for symbols and source lines). */
export interface CpuImages {
  readonly kernel: Image;
  readonly modules: readonly BootModule[];
}

/** What the debugger was asked to build, kept so the machine can be built again. */
export interface TargetPlan {
  readonly mode: Mode;
  /** Per CPU, in view order. */
  readonly plans: readonly CpuImages[];
  readonly settings: { readonly profile: MachineProfile; readonly maxInstructions: number };
  /** A fresh machine, stopped before its first instruction; the same one every time (determinism). */
  build(): TargetMachine;
}

/** Instructions between snapshots (at first: the memory budget thins them out as history grows). */
export const SNAPSHOT_INTERVAL = 2_000_000;
/** What the snapshots may hold together unless the user says otherwise (debug --history-memory). */
export const DEFAULT_HISTORY_BYTES = 1024 * 1024 * 1024;

export class Target implements InspectTarget {
  session!: TargetMachine;
  views!: CpuView[];
  private machineStop: StopState | undefined;
  /** The VM whose state the shared MMU holds: the last one this target ran. */
  private entered: Vm | undefined;
  /**
   * States of this machine along the history, keyed by the log that reached them (snapshots.ts):
   * time travel restores the latest one before where it goes and replays the rest. The first is
   * the machine as built.
   */
  snapshots!: Snapshots<readonly LogEntry[]>;
  /** Instructions retired since the last snapshot. */
  private sinceSnapshot = 0;

  constructor(readonly plan: TargetPlan, readonly historyBytes = DEFAULT_HISTORY_BYTES, readonly snapshotInterval = SNAPSHOT_INTERVAL) {
    this.rebuild();
  }

  get mode(): Mode {
    return this.plan.mode;
  }

  /** Throw the machine away and build it again, stopped before its first instruction. */
  rebuild(): void {
    this.session = this.plan.build();
    this.machineStop = undefined;
    this.entered = undefined;
    const { machine, vmm } = this.session;
    if (machine) {
      this.views = [{ index: 0, name: 'machine', mode: 'native', cpu: machine.cpu, stats: machine.stats, vm: undefined, vmmStats: undefined, tlbRules: this.checkerOf('machine') }];
    } else {
      this.views = vmm!.vms.map((vm, index) => {
        const view: CpuView = { index, name: vm.name, mode: vm.mode, cpu: vm.cpu, stats: vm.stats, vm, vmmStats: vm.vmm, tlbRules: this.checkerOf(vm.name) };
        // A dynamic VM's views show the design it runs under now (translate, pt, info vm).
        const dynamic = vmm!.dynamicOf(vm);
        if (dynamic) Object.defineProperty(view, 'mode', { get: () => (dynamic.translation === 'nested' ? 'ept' : 'shadow'), enumerable: true });
        return view;
      });
    }
    // The target's own state is saved with the machine's (its stop state, the loaded VM, the
    // views); its plan (the images) never changes.
    this.snapshots = new Snapshots(() => [this], [this.hostMemory], this.historyBytes, [this.plan]);
    this.sinceSnapshot = 0;
    this.snapshots.take([], 0);
  }

  /** Instructions a run may go before the next snapshot is due (runs end there, then go on). */
  get untilSnapshot(): number {
    return Math.max(1, this.snapshotInterval - this.sinceSnapshot);
  }

  /** After a run was recorded in the log: a snapshot when an interval has passed since the last (or now, with `force`). */
  noteRecorded(log: readonly LogEntry[], force = false): void {
    if (!force && this.sinceSnapshot < this.snapshotInterval) return;
    this.sinceSnapshot = 0;
    this.snapshots.take([...log], this.views.reduce((n, v) => n + v.stats.instructions, 0));
  }

  /** Bring the machine back to snapshot `index` (later ones are dropped: the history forks there). */
  restoreSnapshot(index: number): void {
    this.snapshots.restore(index);
    this.sinceSnapshot = 0;
  }

  /** With --check-tlb-rules: the checker on the machine or VM of that name. */
  private checkerOf(name: string): TlbRuleChecker | undefined {
    return this.session.tlbRules.find((c) => c.name === name)?.checker;
  }

  stopState(view: CpuView): StopState | undefined {
    return view.vm ? view.vm.stopped : this.machineStop;
  }

  exitCode(view: CpuView): number {
    return view.vm ? view.vm.devices.exitCode : this.session.machine!.devices.exitCode;
  }

  /**
   * Run one CPU until `budget` more instructions retire or it stops. The only place guest code
   * runs. With `atTrap`, the run also ends at the first trap delivered (exception, interrupt, or a
   * fault the VMM injects), with pc at the handler's first instruction, before it runs.
   */
  run(view: CpuView, budget: number, atTrap = false): RunOutcome {
    const before = view.stats.instructions;
    if (this.stopState(view) !== undefined || budget <= 0) return { retired: 0, stopped: false, trapped: false };
    let hooked = false;
    if (atTrap) view.cpu.trapHook = () => (hooked = true);
    try {
      if (view.vm) {
        this.session.vmm!.runSlice(view.vm, budget);
        this.entered = view.vm;
        const stopped = view.vm.stopped !== undefined;
        this.sinceSnapshot += view.stats.instructions - before;
        return { retired: view.stats.instructions - before, stopped, trapped: hooked && !stopped };
      }
      const code = view.cpu.run(budget);
      this.sinceSnapshot += view.stats.instructions - before;
      switch (code) {
        case STOP.HALT: this.machineStop = 'halted'; break;
        case STOP.WFI_DEADLOCK: this.machineStop = 'wfi-deadlock'; break;
        case STOP.TRAP_LOOP: this.machineStop = 'trap-loop'; break;
        case STOP.REQUESTED: this.machineStop = 'stopped'; break;
        case STOP.EXIT: throw new Error('a VM exit on bare metal');
        default: break;
      }
      return { retired: view.stats.instructions - before, stopped: this.machineStop !== undefined, trapped: code === STOP.TRAP };
    } finally {
      if (atTrap) view.cpu.trapHook = null;
    }
  }

  /** Does the hardware MMU hold this CPU's translation state now (so mmu.probe speaks for it)? */
  mmuHolds(view: CpuView): boolean {
    return view.vm === undefined || this.entered === view.vm;
  }

  /** The VM whose state the MMU holds, if any. */
  get loadedVm(): Vm | undefined {
    return this.entered;
  }

  get mmu() {
    return this.session.machine ? this.session.machine.mmu : this.session.vmm!.mmu;
  }

  get vmm(): Vmm | undefined {
    return this.session.vmm;
  }

  get profile(): MachineProfile {
    return this.plan.settings.profile;
  }

  /** Host-physical memory (physical memory on bare metal). */
  get hostMemory(): PhysicalMemory {
    return this.session.machine ? this.session.machine.mem : this.session.vmm!.host.mem;
  }

  /** The EPT of a VM in EPT mode (or an agile VM's nested stage): root (host-physical) and paging mode. */
  ept(view: CpuView): EptTables | undefined {
    if (!view.vm) return undefined;
    const pager = this.session.vmm!.pagerOf(view.vm);
    if (pager instanceof AgilePager) return { pagingMode: pager.eptFormat, rootAddress: pager.eptRootAddress };
    return pager instanceof EptPager ? pager : undefined;
  }

  /** The shadow pager of a VM in shadow mode. */
  shadow(view: CpuView): ShadowPager | undefined {
    if (!view.vm) return undefined;
    const pager = this.session.vmm!.pagerOf(view.vm);
    return pager instanceof ShadowPager ? pager : undefined;
  }

  /** An agile VM switched at the root: its hardware walks the guest's PTBR fully nested, as under EPT. */
  agileRootNested(view: CpuView): boolean {
    if (!view.vm) return false;
    const pager = this.session.vmm!.pagerOf(view.vm);
    return pager instanceof AgilePager && pager.rootIsNested;
  }

  /** The shadow directory (host-physical) a shadow-mode VM runs on, whether or not the MMU holds it now. */
  shadowRoot(view: CpuView): number | undefined {
    if (!view.vm) return undefined;
    if (this.mmuHolds(view)) return this.mmu.stage1Root;
    const pager = this.session.vmm!.pagerOf(view.vm);
    return pager instanceof ShadowPager || pager instanceof AgilePager ? pager.currentRootAddress : undefined;
  }

  /** Guest-physical memory size of a CPU. */
  memoryBytes(view: CpuView): number {
    return view.vm ? view.vm.sizeBytes : this.session.machine!.mem.sizeBytes;
  }

  /** Host address of a guest-physical one, without backing anything: -1 outside RAM or unbacked. */
  guestPhysToHost(view: CpuView, guestPhys: number): number {
    guestPhys >>>= 0;
    if (view.vm) return view.vm.backed(guestPhys);
    return guestPhys < this.hostMemory.sizeBytes && guestPhys < MMIO_BASE ? guestPhys : -1;
  }

  /** A guest-physical word; unbacked guest RAM reads as 0; undefined outside RAM. */
  readGuestPhysWord(view: CpuView, guestPhys: number): number | undefined {
    guestPhys >>>= 0;
    if (guestPhys >= this.memoryBytes(view)) return undefined;
    const host = this.guestPhysToHost(view, guestPhys & ~3);
    return host < 0 ? 0 : this.hostMemory.i32[host >>> 2]!;
  }

  /** A guest-physical byte, as readGuestPhysWord. */
  readGuestPhysByte(view: CpuView, guestPhys: number): number | undefined {
    guestPhys >>>= 0;
    if (guestPhys >= this.memoryBytes(view)) return undefined;
    const host = this.guestPhysToHost(view, guestPhys);
    return host < 0 ? 0 : this.hostMemory.u8[host]!;
  }

  /** Host address for a debugger write: backs an unbacked guest frame (a recorded, replayed change). */
  guestPhysForWrite(view: CpuView, guestPhys: number): number {
    if (view.vm) return view.vm.backing(guestPhys);
    return this.guestPhysToHost(view, guestPhys);
  }

  /** SHA-256 of the CPU's guest-physical memory (what the hypervisor tests compare across modes). */
  memoryHash(view: CpuView): string {
    if (view.vm) return view.vm.memoryHash();
    const mem = this.hostMemory;
    return hashFrames(mem.sizeBytes / PAGE_SIZE, (f) => mem.u8.subarray(f * PAGE_SIZE, (f + 1) * PAGE_SIZE));
  }

  /**
   * Queue bytes to a CPU's console input. A CPU stopped in wfi for want of an interrupt can run
   * again (its wfi did not retire): returns true when it was so stopped.
   */
  feedConsole(view: CpuView, bytes: readonly number[]): boolean {
    const console = view.vm ? view.vm.devices.console : this.session.machine!.devices.console;
    console.feed(Uint8Array.from(bytes));
    if (view.vm) return this.session.vmm!.resumeFromWfi(view.vm);
    if (this.machineStop !== 'wfi-deadlock') return false;
    this.machineStop = undefined;
    return true;
  }

  /** Bytes queued to a CPU's console input that the guest has not read yet. */
  pendingConsoleInput(view: CpuView): Uint8Array {
    return (view.vm ? view.vm.devices.console : this.session.machine!.devices.console).pendingInput();
  }

  /** Console output since the last drain. */
  drainConsole(view: CpuView): Uint8Array {
    return view.vm ? view.vm.devices.console.drain() : this.session.machine!.devices.console.drain();
  }

  /** The guest's root table (guest-physical) and whether its paging is on. */
  guestPaging(view: CpuView): { on: boolean; root: number; asid: number } {
    const cr = view.cpu.cr;
    return { on: (cr[CR.STATUS]! & STATUS.PG) !== 0, root: (cr[CR.PTBR]! & PTBR_ROOT_MASK) >>> 0, asid: cr[CR.PTBR]! & PTBR_ASID_MASK };
  }
}
