// Pre-copy live migration (Clark et al., "Live Migration of Virtual Machines", NSDI 2005), modelled
// on one host: the destination is a second set of host frames (a second p2m) the VMM copies the
// VM's memory into while the VM keeps running, with dirty logging (dirty-log.ts) telling it what to
// send again.
//
//   round 0      send every backed guest frame; the round lasts pages × cyclesPerPage cycles of
//                the VM's time, during which it runs and its stores are logged;
//   round k      harvest the frames dirtied during round k-1 and send them (same timing);
//   stop-and-copy  when a harvest finds at most `stopPages` frames, or `maxRounds` rounds were
//                made: the VM is paused, the last dirty frames are sent (downtime = pages ×
//                cyclesPerPage + MIGRATION_SWITCH_CYCLES), and it resumes on the destination:
//                its p2m is replaced, every mapping of the old frames revoked (the pager refaults
//                onto the new ones, as after a page-sharing merge), the old frames zeroed and freed.
//
// The copy is real: a write dirty logging missed would leave the destination stale and the run
// would diverge from an unmigrated one, which is what tests/hypervisor/migration.test.ts checks.
// Without --migrate-at, --dirty-log alone logs from the start and harvests every `every` guest
// instructions (nothing is sent): the cost of logging by itself.
//
// The controller runs at checkpoints Vmm.runSlice stops the vCPU at (as page sharing's scans do),
// never per instruction; a round's end is checked in cycles at those checkpoints.

import { PAGE_SIZE } from '../isa/arch.ts';
import type { Mmu } from '../emulator/mmu.ts';
import { DEFAULT_PML_SIZE } from '../emulator/pml.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { DirtyLog, type DirtyLogMethod } from './dirty-log.ts';
import { OutOfHostMemory, VMM_OWNER, type HostMemory } from './host.ts';
import type { PagerHost } from './pager-host.ts';
import { ZAP } from './pager-tables.ts';
import type { PageSharing } from './sharing.ts';
import type { Vm } from './vm.ts';

export interface MigrationOptions {
  /** Start migrating each VM once it has retired this many guest instructions; undefined: no migration. */
  readonly at: number | undefined;
  /** Link bandwidth in 4 KiB pages per million cycles (250: about 1 GB/s for a 1 GHz guest). */
  readonly bandwidth: number;
  /** Rounds at most, round 0 (the full copy) included, before stop-and-copy whatever the dirty set. */
  readonly maxRounds: number;
  /** Stop-and-copy once a harvest finds at most this many dirty frames. */
  readonly stopPages: number;
}

export interface DirtyLogOptions {
  /** The method; undefined: the default of each VM's mode when logging is needed (pml for EPT, wp otherwise). */
  readonly method: DirtyLogMethod | undefined;
  /** Entries of the PML log (Intel: 512). */
  readonly pmlSize: number;
  /** Logging without migration: on from the start (when `method` is given), harvested every this many guest instructions. */
  readonly every: number;
}

export const DEFAULT_MIGRATION: MigrationOptions = { at: undefined, bandwidth: 250, maxRounds: 30, stopPages: 50 };
export const DEFAULT_DIRTY_LOG: DirtyLogOptions = { method: undefined, pmlSize: DEFAULT_PML_SIZE, every: 100_000 };

/**
 * The fixed part of the downtime (docs/cycle-model.md, "Host memory"): the vCPU and device state
 * sent and the VM resumed on the destination. An assumption, 100 µs at 1 GHz; Clark et al.
 * report downtimes of 60-210 ms, almost all of it the last dirty pages.
 */
export const MIGRATION_SWITCH_CYCLES = 100_000;

/** Guest instructions between two looks at the cycle count while a round runs (at least). */
const MIN_STEP = 256;

/** What one VM's migration did (`--stats` "migration", `--json` under `migration`). */
export class MigrationStats {
  /** Whether it started, finished (the VM runs on the destination), and converged (the dirty set fell to the threshold). */
  started = false;
  completed = false;
  converged = false;
  /** Rounds made (round 0 included; the stop-and-copy is not one) and the pages sent in each, then in the stop-and-copy. */
  rounds = 0;
  readonly pagesPerRound: number[] = [];
  stopCopyPages = 0;
  pagesSent = 0;
  /** Guest instructions retired when it started and when the VM resumed on the destination. */
  startInstructions = 0;
  endInstructions = 0;
  /** Cycles from the start to the resume on the destination, the downtime among them, and logging's. */
  totalCycles = 0;
  downtimeCycles = 0;
  loggingCycles = 0;
  /** Logging's cycles over the rest of the VM's cycles while it ran logged: the guest's slowdown. */
  slowdown = 0;
}

interface State {
  log: DirtyLog;
  phase: 'waiting' | 'round' | 'done';
  /** The destination: the host frame holding each guest frame's copy (0: none yet). */
  dest: Int32Array | undefined;
  roundEndCycles: number;
  startCycles: number;
  nextAt: number;
}

export class LiveMigration {
  private readonly states = new Map<Vm, State>();
  private readonly action: Uint8Array;

  constructor(
    private readonly host: HostMemory,
    private readonly mmu: Mmu,
    private readonly profile: MachineProfile,
    readonly options: MigrationOptions,
    readonly logging: DirtyLogOptions,
    private readonly hostsOf: (vm: Vm) => PagerHost[],
    private readonly sharing: PageSharing | undefined,
  ) {
    this.action = new Uint8Array(host.frames);
  }

  /** Whether VMs migrate (else dirty logging runs alone). */
  get migrating(): boolean {
    return this.options.at !== undefined;
  }

  /** Cycles to send one page over the link. */
  get cyclesPerPage(): number {
    return Math.ceil(1_000_000 / this.options.bandwidth);
  }

  /** Take a VM in (Vmm.addVm): its method is `logging.method`, or pml for EPT and wp otherwise. */
  add(vm: Vm): void {
    const method = this.logging.method ?? (vm.mode === 'ept' ? 'pml' : 'wp');
    const log = new DirtyLog(vm, method, this.host, this.mmu, this.profile, this.hostsOf, this.sharing, this.logging.pmlSize);
    vm.vmm.dirtyLog = log.stats;
    if (this.migrating) vm.vmm.migration = new MigrationStats();
    this.states.set(vm, { log, phase: 'waiting', dest: undefined, roundEndCycles: 0, startCycles: 0, nextAt: this.options.at ?? 0 });
  }

  logOf(vm: Vm): DirtyLog | undefined {
    return this.states.get(vm)?.log;
  }

  /** The guest instruction count at which the VM's next checkpoint is due (Vmm.runSlice stops there). */
  nextAt(vm: Vm): number {
    return this.states.get(vm)?.nextAt ?? Infinity;
  }

  checkpoint(vm: Vm): void {
    const s = this.states.get(vm)!;
    const instructions = vm.stats.instructions;
    if (!this.migrating) {
      // Logging alone: on from the first checkpoint, harvested every `every` instructions.
      if (s.log.on) s.log.harvest();
      else s.log.start();
      s.nextAt = instructions + this.logging.every;
      return;
    }
    const stats = vm.vmm.migration!;
    if (s.phase === 'waiting') {
      stats.started = true;
      stats.startInstructions = instructions;
      s.startCycles = vm.stats.cycles;
      s.dest = new Int32Array(vm.p2m.length);
      s.log.start();
      const all: number[] = [];
      for (let gfn = 0; gfn < vm.p2m.length; gfn++) if (vm.p2m[gfn]! > 0) all.push(gfn);
      this.beginRound(vm, s, all);
    } else if (s.phase === 'round' && vm.stats.cycles >= s.roundEndCycles) {
      const last = stats.rounds >= this.options.maxRounds;
      const dirty = s.log.harvest(!last);
      if (dirty.length <= this.options.stopPages || last) this.stopAndCopy(vm, s, dirty);
      else this.beginRound(vm, s, dirty);
    }
    if (s.phase === 'round') s.nextAt = instructions + Math.max(MIN_STEP, Math.floor((s.roundEndCycles - vm.stats.cycles) / 4));
    else if (s.phase === 'done') s.nextAt = Infinity;
  }

  private beginRound(vm: Vm, s: State, frames: readonly number[]): void {
    const stats = vm.vmm.migration!;
    this.send(vm, s, frames);
    stats.rounds++;
    stats.pagesPerRound.push(frames.length);
    s.phase = 'round';
    s.roundEndCycles = vm.stats.cycles + frames.length * this.cyclesPerPage;
  }

  /** Copy guest frames to the destination (allocating its frames as needed). The host's migration thread does it: the guest is not charged. */
  private send(vm: Vm, s: State, frames: readonly number[]): void {
    const dest = s.dest!;
    const mem = this.host.mem;
    for (const gfn of frames) {
      const src = vm.p2m[gfn]!;
      if (src <= 0) continue;
      if (dest[gfn] === 0) dest[gfn] = this.allocDestination(vm);
      const to = dest[gfn]!;
      mem.u8.copyWithin(to, src, src + PAGE_SIZE);
      mem.dirty[to >>> 12] = 1;
      vm.vmm.migration!.pagesSent++;
    }
  }

  /** A frame of the destination; a host too small for the copy is the user's to fix, said so. */
  private allocDestination(vm: Vm): number {
    try {
      return this.host.allocFrame(VMM_OWNER);
    } catch (e) {
      if (e instanceof OutOfHostMemory) throw new OutOfHostMemory(`live migration of VM ${vm.name}: the host has no frame left for the destination's copy of its memory (${this.host.frames} frames; the copy is made on the same host): raise --host-memory`);
      throw e;
    }
  }

  private stopAndCopy(vm: Vm, s: State, frames: readonly number[]): void {
    const stats = vm.vmm.migration!;
    this.send(vm, s, frames);
    stats.stopCopyPages = frames.length;
    stats.converged = frames.length <= this.options.stopPages;
    stats.loggingCycles = s.log.stats.cycles;
    s.log.stop();
    // The VM is paused for the last pages and the switch: that time is the VM's.
    const downtime = frames.length * this.cyclesPerPage + MIGRATION_SWITCH_CYCLES;
    const ran = vm.stats.cycles - s.startCycles;
    vm.stats.cyclesVmm += downtime;
    this.switchOver(vm, s);
    stats.downtimeCycles = downtime;
    stats.totalCycles = vm.stats.cycles - s.startCycles;
    stats.slowdown = ran > stats.loggingCycles ? stats.loggingCycles / (ran - stats.loggingCycles) : 0;
    stats.endInstructions = vm.stats.instructions;
    stats.completed = true;
    s.phase = 'done';
  }

  /** The VM continues on the destination frames: old mappings revoked, p2m replaced, old frames zeroed and freed. */
  private switchOver(vm: Vm, s: State): void {
    const dest = s.dest!;
    const old: number[] = [];
    for (let gfn = 0; gfn < vm.p2m.length; gfn++) {
      const src = vm.p2m[gfn]!;
      if (src <= 0) continue;
      if (dest[gfn] === 0) throw new Error(`VMM bug: migration of VM ${vm.name} never sent guest frame ${gfn}`);
      this.action[src >>> 12] = ZAP;
      old.push(src);
    }
    for (const pagerHost of this.hostsOf(vm)) vm.stats.cyclesVmm += pagerHost.revoke(this.action).visited * this.profile.vmmPteReadCycles;
    this.mmu.flushAll();
    vm.stats.cyclesVmm += this.profile.tlbMaintenanceCycles;
    const mem = this.host.mem;
    for (let gfn = 0; gfn < vm.p2m.length; gfn++) {
      const src = vm.p2m[gfn]!;
      if (src <= 0) continue;
      this.action[src >>> 12] = 0;
      this.host.owner[dest[gfn]! >>> 12] = vm.id;
      vm.p2m[gfn] = dest[gfn]!;
    }
    for (const src of old) {
      mem.u8.fill(0, src, src + PAGE_SIZE);
      mem.dirty[src >>> 12] = 1;
      this.host.freeFrame(src);
    }
    s.dest = undefined;
  }

  /** The run ended: a migration still in its rounds is abandoned (the VM stays on the source; the destination's frames go). */
  finish(): void {
    for (const [vm, s] of this.states) {
      if (s.phase !== 'round') continue;
      vm.vmm.migration!.loggingCycles = s.log.stats.cycles;
      s.log.stop();
      const dest = s.dest!;
      for (let gfn = 0; gfn < dest.length; gfn++) if (dest[gfn]! > 0) this.host.freeFrame(dest[gfn]!);
      s.dest = undefined;
      s.phase = 'done';
      s.nextAt = Infinity;
    }
  }
}
