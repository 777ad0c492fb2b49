// The VMM: VMs on one host. It owns the host's memory and the one hardware MMU (TLB) the VMs
// share, schedules the VMs round-robin with an instruction quantum, and handles their exits:
// control-register accesses, wfi and hypercalls itself, paging exits through each VM's pager
// (shadow, EPT, or one given to addVm), which it reaches only through the pager API
// (pager.ts, pager-host.ts). Every exit costs the exit/entry transition and the VMM's handler
// work in cycles, charged to the VM that exited.
//
// The VMM reacts to exits only; it never reaches into the CPU's loop (STYLE.md, "The shape").

import { ACCESS, CR } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import { bootLoad, loadSegments, type BootLayout, type BootModule, type BootOptions } from '../emulator/boot.ts';
import { STOP } from '../emulator/cpu.ts';
import { EXIT, EXIT_NAMES, ExitInfo } from '../emulator/exits.ts';
import { DEFAULT_MMU, Mmu, type MmuConfig } from '../emulator/mmu.ts';
import { DEFAULT_PROFILE, type MachineProfile } from '../emulator/profile.ts';
import { Stats } from '../emulator/stats.ts';
import { AgileTimer, DEFAULT_AGILE, agilePager, type AgileOptions, type AgilePager } from './agile.ts';
import { DEFAULT_DYNAMIC, DynamicPaging, type DynamicOptions } from './dynamic.ts';
import { DEFAULT_EPT, EPT_PAGER, type EptOptions } from './ept.ts';
import { HostMemory } from './host.ts';
import type { Pager, PagerModule, Translation } from './pager.ts';
import { PagerError, PagerHost } from './pager-host.ts';
import { PV_PAGER, type PvPager } from './pv.ts';
import { Balloon, BalloonStats, DEFAULT_BALLOON, type BalloonOptions } from './balloon.ts';
import { DEFAULT_SWAP, HostSwap, SwapStats, type SwapOptions } from './swap.ts';
import { DEFAULT_RECLAIM, Reclaim, reclaimBalloons, reclaimSwaps, type ReclaimOptions } from './reclaim.ts';
import { MemorySeries, type MemorySeriesSample } from './memory-series.ts';
import { DEFAULT_SHARING, PageSharing, SharingStats, guestPhysOf, type SharingOptions } from './sharing.ts';
import { DEFAULT_SHADOW, SHADOW_PAGER, type ShadowOptions } from './shadow.ts';
import { SWAPPED, Vm, type VmMode } from './vm.ts';
import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION, LiveMigration, type DirtyLogOptions, type MigrationOptions } from './migration.ts';

export interface VmSpec {
  readonly name: string;
  readonly mode: VmMode;
  readonly memoryBytes: number;
  readonly kernel: Image;
  readonly modules?: readonly BootModule[];
  readonly boot?: BootOptions;
  /**
   * The VM's pager (pager.ts): by default the built-in one of `mode`. A given one must
   * translate as `mode` says ('shadow' for shadow, 'nested' for ept).
   */
  readonly pager?: PagerModule;
}

export interface VmmOptions {
  /** Host memory shared by every VM, their shadows and EPTs. */
  readonly hostMemoryBytes?: number;
  readonly profile?: MachineProfile;
  readonly mmu?: MmuConfig;
  /** Tag TLB entries with a VPID per VM, so switching VMs needs no flush. */
  readonly vpid?: boolean;
  /** Guest instructions a VM runs before the host switches to the next. */
  readonly quantum?: number;
  readonly shadow?: ShadowOptions;
  readonly ept?: EptOptions;
  /** Dynamic mode's start design, policy and test hook (dynamic.ts). */
  readonly dynamic?: DynamicOptions;
  /** Agile mode's policy and test hook (agile.ts). */
  readonly agile?: AgileOptions;
  /** Content-based page sharing (sharing.ts): frames scanned per scan (0: off) and how often. */
  readonly sharing?: SharingOptions;
  /** Host swapping (swap.ts): its victim policy (undefined: off, and the VMs' memory must fit the host's). */
  readonly swap?: SwapOptions;
  /** Ballooning (balloon.ts): each VM's balloon target in frames (undefined: off). */
  readonly balloon?: BalloonOptions;
  /**
   * The reclaim policy under overcommit (reclaim.ts): 'swap', 'balloon' or 'balloon-swap' turn
   * host swapping (fifo unless `swap` names a policy) and ballooning on, the balloon targets set
   * from the host's free memory; undefined: only what `swap` and `balloon` turn on.
   */
  readonly reclaim?: ReclaimOptions;
  /** Dirty logging (dirty-log.ts): the method (undefined: by mode, and only if migrating), PML log size, harvest period when logging alone. */
  readonly dirtyLog?: DirtyLogOptions;
  /** Pre-copy live migration of every VM (migration.ts): when it starts (undefined: never), bandwidth, round limit, stop threshold. */
  readonly migration?: MigrationOptions;
  /**
   * How a pager's failure (a PagerError: it broke the API's rules, or threw) leaves `run`:
   * by default as the PagerError itself; the debugger makes it one of its command errors.
   */
  readonly pagerFailure?: (error: PagerError) => Error;
}

export const DEFAULT_HOST_MEMORY = 256 * 1024 * 1024;
export const DEFAULT_QUANTUM = 100_000;

export type VmStopReason = NonNullable<Vm['stopped']>;

export interface VmResult {
  name: string;
  mode: VmMode;
  reason: VmStopReason;
  exitCode: number;
  instructions: number;
  cycles: number;
}

export class Vmm {
  readonly host: HostMemory;
  readonly mmu: Mmu;
  readonly profile: MachineProfile;
  readonly vms: Vm[] = [];
  private readonly pagerHosts = new Map<Vm, PagerHost>();
  /** Dynamic-mode VMs' switchers (dynamic.ts): their current PagerHost is the one in use. */
  private readonly dynamics = new Map<Vm, DynamicPaging>();
  /** Agile-mode VMs' policy timers (agile.ts). */
  private readonly agileTimers = new Map<Vm, AgileTimer>();
  readonly options: Required<Omit<VmmOptions, 'mmu' | 'profile' | 'hostMemoryBytes' | 'pagerFailure'>>;
  private readonly pagerFailure: ((error: PagerError) => Error) | undefined;
  /** The VM whose state the MMU holds now. */
  private loaded: Vm | undefined;
  /** Content-based page sharing, when on (sharing.ts). */
  readonly sharing: PageSharing | undefined;
  /** Host swapping, when on (swap.ts). */
  readonly swap: HostSwap | undefined;
  /** Ballooning, when on (balloon.ts). */
  readonly balloon: Balloon | undefined;
  /** The reclaim policy, when one is set (reclaim.ts). */
  readonly reclaim: Reclaim | undefined;
  /** Host memory over time, when sharing, swapping or ballooning is on (memory-series.ts). */
  private readonly series: MemorySeries | undefined;
  /** Dirty logging and live migration, when either is on (migration.ts). */
  readonly migration: LiveMigration | undefined;

  constructor(options: VmmOptions = {}) {
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.host = new HostMemory(options.hostMemoryBytes ?? DEFAULT_HOST_MEMORY);
    this.mmu = new Mmu(this.host.mem, new Stats(), this.profile, options.mmu ?? DEFAULT_MMU);
    this.options = {
      vpid: options.vpid ?? false,
      quantum: options.quantum ?? DEFAULT_QUANTUM,
      shadow: options.shadow ?? DEFAULT_SHADOW,
      ept: options.ept ?? DEFAULT_EPT,
      dynamic: options.dynamic ?? DEFAULT_DYNAMIC,
      agile: options.agile ?? DEFAULT_AGILE,
      sharing: options.sharing ?? DEFAULT_SHARING,
      swap: options.swap ?? DEFAULT_SWAP,
      balloon: options.balloon ?? DEFAULT_BALLOON,
      reclaim: options.reclaim ?? DEFAULT_RECLAIM,
      dirtyLog: options.dirtyLog ?? DEFAULT_DIRTY_LOG,
      migration: options.migration ?? DEFAULT_MIGRATION,
    };
    this.pagerFailure = options.pagerFailure;
    if (this.options.sharing.pages > 0) {
      this.sharing = new PageSharing(this.host, this.mmu, this.profile, this.options.sharing, (vm) => this.tablesOf(vm), this.vms);
      // A shared guest page table must not take the walk's A/D writes behind the EPT's back.
      this.mmu.adWritesCheckEpt = true;
    }
    const policy = this.options.reclaim.policy;
    if (reclaimBalloons(policy) && this.options.balloon.targetFrames !== undefined) {
      throw new RangeError(`a fixed balloon target (--balloon-target) and a reclaim policy that sets the targets (--reclaim ${policy}) exclude each other: use one or the other`);
    }
    if (this.options.swap.policy !== undefined || reclaimSwaps(policy)) {
      const swap = { ...this.options.swap, policy: this.options.swap.policy ?? 'fifo' as const };
      this.swap = new HostSwap(this.host, this.mmu, this.profile, swap, (vm) => this.tablesOf(vm), this.vms);
    }
    if (this.options.balloon.targetFrames !== undefined || reclaimBalloons(policy)) {
      const balloon = { targetFrames: this.options.balloon.targetFrames ?? 0 };
      this.balloon = new Balloon(this.host, this.mmu, this.profile, balloon, (vm) => this.tablesOf(vm));
    }
    if (policy !== undefined) this.reclaim = new Reclaim(this.host, this.vms, policy, this.balloon, this.options.swap.reserve);
    if (this.sharing || this.swap || this.balloon) this.series = new MemorySeries(this.host, this.vms);
    if (this.options.migration.at !== undefined || this.options.dirtyLog.method !== undefined) {
      if (this.options.migration.at !== undefined && (this.swap || this.balloon)) throw new RangeError('live migration copies every backed guest frame: it is not offered with host swapping or ballooning (a swapped-out or ballooned frame has no host frame to send); use one or the other');
      if (this.options.migration.at !== undefined && this.sharing) throw new RangeError('live migration is not offered with page sharing yet (a shared frame would need its sharers moved together); use one or the other');
      this.migration = new LiveMigration(this.host, this.mmu, this.profile, this.options.migration, this.options.dirtyLog, (vm) => this.tablesOf(vm), this.sharing);
      // Under EPT, the walk's A/D writes to guest tables are writes the logging must see (wp: as EPT violations).
      this.mmu.adWritesCheckEpt = true;
    }
  }

  /** Create a VM, load its kernel (and boot modules) into its guest-physical memory, reset its vCPU. */
  addVm(spec: VmSpec): { vm: Vm; layout: BootLayout } {
    if (this.vms.length >= 255) throw new RangeError('at most 255 VMs');
    const vm = new Vm(this.vms.length + 1, spec.name, spec.mode, spec.memoryBytes, this.host, this.mmu, this.profile);
    if (spec.mode === 'pv' && this.sharing) throw new RangeError(`VM ${spec.name}: page sharing is not offered to pv VMs: direct paging writes each real entry with the guest's validated update and has no hidden faults for the VMM to take a mapping back through (Xen shares memory only of HVM guests); use --mode shadow, ept or dynamic`);
    if (spec.mode === 'pv' && this.swap) throw new RangeError(`VM ${spec.name}: host swapping is not offered to pv VMs: direct paging has no hidden faults for the VMM to take a mapping back through; use --mode shadow, ept or dynamic`);
    if ((spec.mode === 'ept' || spec.mode === 'dynamic') && this.swap && this.options.ept.largePages) {
      throw new RangeError(`VM ${spec.name}: host swapping evicts 4 KiB guest frames, and EPT large pages back guest memory in large runs: use one or the other`);
    }
    if (spec.mode === 'pv' && this.balloon) throw new RangeError(`VM ${spec.name}: ballooning is not offered to pv VMs: the VMM takes a ballooned frame's mappings back through hidden faults, which direct paging does not have; use --mode shadow, ept, dynamic or agile`);
    if ((spec.mode === 'ept' || spec.mode === 'dynamic') && this.balloon && this.options.ept.largePages) {
      throw new RangeError(`VM ${spec.name}: ballooning takes back 4 KiB guest frames, and EPT large pages back guest memory in large runs: use one or the other`);
    }
    if (spec.mode === 'pv' && spec.pager) throw new RangeError(`VM ${spec.name}: pv mode runs the built-in paravirtual MMU (pv.ts), not a pager of one's own`);
    const module = spec.pager ?? (spec.mode === 'shadow' ? SHADOW_PAGER : spec.mode === 'pv' ? PV_PAGER : spec.mode === 'agile' ? agilePager(this.options.agile) : EPT_PAGER);
    const context = { host: this.host, mmu: this.mmu, profile: this.profile, ...(this.pagerFailure ? { failure: this.pagerFailure } : {}) };
    const settings = { shadow: this.options.shadow, ept: this.options.ept };
    if (spec.mode === 'dynamic') {
      if (spec.pager) throw new RangeError(`VM ${spec.name}: dynamic mode runs the built-in shadow and EPT pagers, not a pager of one's own`);
      const dynamic = new DynamicPaging(vm, context, settings, this.options.dynamic, this.profile);
      this.dynamics.set(vm, dynamic);
      vm.pagerName = 'dynamic';
    } else {
      this.pagerHosts.set(vm, new PagerHost(vm, context, module, settings));
      vm.pagerName = module.name;
      if (spec.mode === 'pv') vm.vmm.pv = (this.pagerHosts.get(vm)!.pager as PvPager).stats;
      if (spec.mode === 'agile' && module.builtIn) {
        // The built-in agile pager's policy timer (a pager of one's own has no timer: pager.ts).
        const host = this.pagerHosts.get(vm)!;
        this.agileTimers.set(vm, new AgileTimer(vm, host, host.pager as AgilePager, this.profile, this.options.ept.levels));
      }
    }
    this.vms.push(vm);
    if (this.sharing) {
      vm.vmm.sharing = new SharingStats();
      const sharing = this.sharing;
      vm.cowBreak = (v, gfn) => sharing.breakCow(v, gfn, false);
    }
    if (this.migration) {
      const what = this.migration.migrating ? 'live migration' : 'dirty logging';
      if (spec.mode === 'pv' || spec.mode === 'agile') throw new RangeError(`VM ${spec.name}: ${what} is not offered to ${spec.mode} VMs: it write-protects or cleans the VM's mappings and takes them back through hidden faults, which ${spec.mode === 'pv' ? 'direct paging does not have' : 'agile paging\'s switched directory entries bypass'}; use --mode shadow, ept or dynamic`);
      if (spec.mode !== 'shadow' && this.options.ept.largePages) throw new RangeError(`VM ${spec.name}: ${what} tracks 4 KiB guest frames, and EPT large pages map guest memory in large runs: use one or the other`);
      const method = this.options.dirtyLog.method;
      if (method === 'pml' && spec.mode !== 'ept') throw new RangeError(`VM ${spec.name}: --dirty-log pml needs EPT (page-modification logging is a feature of the EPT's A/D bits); ${spec.mode} VMs log with wp`);
      this.migration.add(vm);
    }
    if (this.balloon) {
      const balloon = this.balloon;
      vm.vmm.balloon = new BalloonStats();
      balloon.setTarget(vm, balloon.options.targetFrames!);
      vm.balloonTouch = (v, gfn) => balloon.touch(v, gfn);
    }
    if (this.swap) {
      const swap = this.swap;
      vm.vmm.swap = new SwapStats();
      vm.touchedAt = new Uint32Array(vm.p2m.length);
      vm.pageIn = (v, gfn) => swap.pageIn(v, gfn);
      vm.onBacked = (v, gfn) => swap.noteBacked(v, gfn);
    }
    // A kernel with modules gets the boot-information block; a plain program is just loaded, as on bare metal.
    const withModules = (spec.modules ?? []).length > 0;
    let layout: BootLayout = { bootInfo: 0, freeStart: 0, modules: [] };
    if (withModules) layout = bootLoad(vm, spec.kernel, spec.modules!, spec.boot ?? {});
    else loadSegments(vm, spec.kernel);
    vm.cpu.reset(spec.kernel.entry, vm.sizeBytes);
    if (withModules) vm.cpu.regs[3] = layout.bootInfo;
    return { vm, layout };
  }

  /** A VM's pager: the object its handlers are (ShadowPager, EptPager, or a user's). */
  pagerOf(vm: Vm): Pager {
    return this.hostOf(vm).pager;
  }

  /** A dynamic-mode VM's switcher (its design now, policy state, statistics); undefined in the other modes. */
  dynamicOf(vm: Vm): DynamicPaging | undefined {
    return this.dynamics.get(vm);
  }

  private hostOf(vm: Vm): PagerHost {
    return this.pagerHosts.get(vm) ?? this.dynamics.get(vm)!.current;
  }

  /** Every PagerHost holding tables of the VM (a dynamic VM's EPT stays while it runs shadowed). */
  private tablesOf(vm: Vm): PagerHost[] {
    const one = this.pagerHosts.get(vm);
    return one ? [one] : (this.dynamics.get(vm)?.hosts() ?? []);
  }

  /**
   * Host memory in use over time, sampled every so many guest instructions (memory-series.ts)
   * when page sharing, host swapping or ballooning is on; empty otherwise.
   */
  get memorySeries(): readonly MemorySeriesSample[] {
    return this.series?.samples ?? [];
  }

  /** VM entry: give the MMU this VM's translation and statistics. */
  private enter(vm: Vm): void {
    const vpid = this.options.vpid ? vm.id : 0;
    if (this.loaded !== vm) {
      // Without VPIDs the TLB cannot tell VMs apart: a switch flushes it.
      if (this.loaded !== undefined && !this.options.vpid) {
        this.mmu.flushAll();
        vm.vmm.vmSwitchFlushes++;
      }
      this.loaded = vm;
    }
    this.mmu.stats = vm.stats;
    // The VM's page-modification log, a VMCS field (pml.ts): null when it has none.
    this.mmu.pml = vm.pmlLog ?? null;
    this.hostOf(vm).enter(vpid);
  }

  /**
   * Run every VM round-robin until each has stopped or used `maxInstructions`. `onSlice` runs
   * after each round (to stream console output); returning false stops everything.
   */
  run(maxInstructions: number, onSlice?: () => boolean | void): VmResult[] {
    while (this.runRound(maxInstructions)) {
      if (onSlice && onSlice() === false) this.stopAll();
    }
    this.sharing?.attribute();
    this.series?.sample();
    this.migration?.finish();
    return this.vms.map((vm) => this.result(vm));
  }

  /**
   * One round of the host scheduler: each VM that can run gets one quantum (at most up to
   * `maxInstructions` retired in all). Returns false once every VM has stopped.
   */
  runRound(maxInstructions: number): boolean {
    const quantum = this.vms.length === 1 ? 1_000_000 : this.options.quantum;
    let ran = false;
    for (const vm of this.vms) {
      if (vm.stopped !== undefined) continue;
      ran = true;
      this.reclaim?.beforeTurn();
      this.swap?.balance();
      this.runSlice(vm, Math.min(quantum, maxInstructions - vm.stats.instructions));
      if (vm.stopped === undefined && vm.stats.instructions >= maxInstructions) vm.stopped = 'max-instructions';
    }
    return ran && this.vms.some((vm) => vm.stopped === undefined);
  }

  stopAll(): void {
    for (const vm of this.vms) if (vm.stopped === undefined) vm.stopped = 'stopped';
  }

  /**
   * A VM that stopped in wfi because no interrupt could come may run again once its console has
   * been given input from outside (a terminal under `vmmlab run`, the debugger's `input`): its
   * wfi did not retire, and now completes. Returns whether the VM was so stopped.
   */
  resumeFromWfi(vm: Vm): boolean {
    if (vm.stopped !== 'wfi-deadlock') return false;
    vm.stopped = undefined;
    return true;
  }

  /** Run one VM for up to `budget` guest instructions, handling its exits. */
  runSlice(vm: Vm, budget: number): void {
    const endAt = vm.stats.instructions + budget;
    this.enter(vm);
    // An agile VM's policy timer stops it at window ends as dynamic mode's does (agile.ts).
    const dynamic = this.dynamics.get(vm) ?? this.agileTimers.get(vm);
    const sharing = this.sharing;
    const series = this.series;
    const migration = this.migration;
    while (vm.stopped === undefined && vm.stats.instructions < endAt) {
      // Dirty logging's harvests and migration's rounds stop it too (migration.ts).
      if (migration !== undefined && vm.stats.instructions >= migration.nextAt(vm)) migration.checkpoint(vm);
      // A dynamic VM stops at its policy's window ends and forced switches (dynamic.ts).
      if (dynamic !== undefined && vm.stats.instructions >= dynamic.nextAt) dynamic.checkpoint(this.options.vpid ? vm.id : 0);
      // So does page sharing at its scans (sharing.ts).
      if (sharing !== undefined && vm.stats.instructions >= sharing.nextAt(vm)) sharing.scanDue(vm);
      // And at the samples of host memory over time (memory-series.ts).
      series?.maybeSample();
      const stopAt = Math.min(endAt, dynamic?.nextAt ?? Infinity, sharing?.nextAt(vm) ?? Infinity, series?.nextAt(vm) ?? Infinity, migration?.nextAt(vm) ?? Infinity);
      const code = vm.cpu.run(stopAt - vm.stats.instructions);
      if (code === STOP.EXIT) {
        this.handleExit(vm, vm.cpu.exit);
        continue;
      }
      if (code === STOP.BUDGET && (dynamic !== undefined || sharing !== undefined || series !== undefined || migration !== undefined) && vm.stats.instructions < endAt) continue;
      if (code === STOP.TRAP) break; // the debugger's trap hook: not a stop of the VM
      if (code === STOP.WFI_DEADLOCK) vm.stopped = 'wfi-deadlock';
      else if (code === STOP.TRAP_LOOP) vm.stopped = 'trap-loop';
      else if (code === STOP.REQUESTED) vm.stopped = 'stopped';
      else if (code === STOP.HALT) vm.stopped = 'halted';
      break;
    }
    dynamic?.account();
  }

  requestStop(): void {
    for (const vm of this.vms) vm.cpu.requestStop();
  }

  private handleExit(vm: Vm, e: ExitInfo): void {
    const stats = vm.stats;
    const instructions = stats.instructions;
    stats.cyclesExit += this.profile.vmExitCycles + this.profile.vmEntryCycles;
    stats.cyclesVmm += this.profile.vmmHandlerCycles;
    const cpu = vm.cpu;
    const pagerHost = this.hostOf(vm);
    pagerHost.noteExit(instructions, e);
    let reason: string | undefined;
    // Host swapping: nothing the VMM touches in this exit is evicted in it; a store to a swapped-out frame is counted.
    let swappedStore = -1;
    if (this.swap !== undefined) {
      this.host.serial++;
      if (e.access === ACCESS.STORE && (e.reason === EXIT.PAGE_FAULT || e.reason === EXIT.EPT_VIOLATION)) {
        const gpa = e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address);
        if (gpa >= 0 && vm.isGuestRam(gpa) && vm.p2m[gpa >>> 12] === SWAPPED) swappedStore = gpa >>> 12;
      }
    }
    switch (e.reason) {
      case EXIT.CR_READ: {
        const value = e.crn === CR.PTBR ? pagerHost.ptbrRead(e) : cpu.readCr(e.crn);
        if (e.rd !== 0) cpu.regs[e.rd] = value;
        cpu.retireEmulated(e.word);
        reason = e.crn === CR.PTBR ? 'ptbr-read' : 'cr-read';
        break;
      }
      case EXIT.CR_WRITE: {
        const old = cpu.readCr(e.crn);
        cpu.writeCr(e.crn, e.value);
        if (e.rd !== 0) cpu.regs[e.rd] = old;
        cpu.retireEmulated(e.word);
        pagerHost.afterCrWrite(e, old);
        reason = e.crn === CR.PTBR ? 'ptbr-write' : 'cr-write';
        break;
      }
      case EXIT.WFI:
        if (cpu.idleUntilInterrupt()) cpu.retireEmulated(e.word);
        else vm.stopped = 'wfi-deadlock';
        reason = 'wfi';
        break;
      case EXIT.HCALL:
        // A PV VM's hypercalls go to its pager (pv.ts, pv-abi.ts).
        reason = this.hostOf(vm).hypercall(e);
        if (reason !== undefined) break;
        // Ballooning's hypercalls (balloon.ts, isa/README.md 3.8.2), when the VMM balloons.
        if (this.balloon !== undefined) {
          reason = this.balloon.hypercall(vm, e.code);
          if (reason !== undefined) {
            cpu.retireEmulated(e.word);
            break;
          }
        }
        // Elsewhere none are defined: a0 = -1 ("unknown"), like an unimplemented syscall.
        cpu.regs[3] = -1;
        cpu.retireEmulated(e.word);
        reason = 'hcall';
        break;
      case EXIT.PML_FULL:
        // Page-modification logging's log is full (pml.ts): drain it; the access is retried.
        reason = this.migration!.logOf(vm)!.pmlFull();
        break;
      default:
        if (this.migration !== undefined && pagerHost.vmmProtected(e)) {
          // Write-protection dirty logging's first store to a frame (dirty-log.ts), or a store to a shared frame of a logged VM.
          const leaf = pagerHost.protectedLeaf(e);
          const log = this.migration.logOf(vm)!;
          if (log.owns(leaf)) reason = log.protectionFault(pagerHost, e, leaf);
          else if (this.sharing !== undefined) {
            log.sharedStore(e, leaf);
            reason = 'cow-break';
          }
        }
        if (reason !== undefined) break;
        if (this.sharing !== undefined && pagerHost.vmmProtected(e)) {
          // A write to a frame the VMM shares read-only: copy-on-write, then the access is retried.
          const leaf = pagerHost.protectedLeaf(e);
          this.sharing.cowFault(vm, leaf, e.reason === EXIT.EPT_VIOLATION ? e.guestPhys >>> 0 : guestPhysOf(vm, e.address));
          reason = 'cow-break';
        } else reason = pagerHost.handleExit(e);
    }
    if (swappedStore >= 0 && vm.p2m[swappedStore]! > 0) vm.vmm.swap!.pageInsOnStore++;
    if (reason === undefined) throw new Error(`VMM bug: unhandled exit ${EXIT_NAMES.get(e.reason) ?? e.reason} in ${vm.mode} mode`);
    vm.vmm.countExit(reason);
    vm.logExit(instructions, e, reason);
  }

  result(vm: Vm): VmResult {
    return {
      name: vm.name,
      mode: vm.mode,
      reason: vm.stopped ?? 'stopped',
      exitCode: vm.devices.exitCode,
      instructions: vm.stats.instructions,
      cycles: vm.stats.cycles,
    };
  }

  /** Isolation audit of every VM: problems found (empty when sound). */
  audit(): string[] {
    return this.vms.flatMap((vm) => (this.dynamics.get(vm)?.audit() ?? this.hostOf(vm).audit()).map((p) => `${vm.name}: ${p}`));
  }
}

export { describeExit } from './exit-log.ts';

/**
 * How a pager translates ('shadow' or 'nested', so which mode its VMs run in), learnt by making
 * one for a small VM of its own. Its factory's problems show here first, as a PagerError.
 */
export function pagerTranslation(module: PagerModule, options: VmmOptions = {}): Translation {
  const probe = (mode: 'shadow' | 'agile') => {
    const vmm = new Vmm({ ...options, hostMemoryBytes: 8 * 1024 * 1024 });
    const vm = new Vm(1, 'probe', mode, 64 * 1024, vmm.host, vmm.mmu, vmm.profile);
    const settings = { shadow: vmm.options.shadow, ept: vmm.options.ept };
    return new PagerHost(vm, { host: vmm.host, mmu: vmm.mmu, profile: vmm.profile }, module, settings, true).pager.translation;
  };
  try {
    return probe('shadow');
  } catch (e) {
    // An agile pager's factory may need its EPT services (vmm.nested), which only an agile VM's pager is given.
    if (!(e instanceof PagerError)) throw e;
    try {
      if (probe('agile') === 'agile') return 'agile';
    } catch {
      // Not an agile pager either: the first failure is the one to report.
    }
    throw e;
  }
}
