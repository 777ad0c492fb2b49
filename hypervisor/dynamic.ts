// Dynamic switching between shadow paging and EPT (`--mode dynamic`), after Wang et al.,
// "Selective hardware/software memory virtualization" (VEE 2011): a running VM moves between the
// two designs when a policy says one would now cost less. The guest sees nothing: its own page
// tables, PTBR and STATUS are the same under both, and only the VMM's structures change.
//
// A dynamic VM has one PagerHost per design, each with the built-in pager of that design
// (shadow.ts, ept.ts), unchanged: neither pager knows the other exists, and the pager API needs
// nothing new (docs/pager-api.md, "Dynamic mode"). A switch is done by the VMM, at an instruction
// boundary between two runs of the vCPU:
// - into EPT: the shadow pager is discarded and every shadow table goes back to the host (its
//   entries are zapped, charged per entry, as KVM's kvm_mmu_zap_all does); the EPT, which maps
//   guest-physical memory and so stays valid however the guest's tables change, is kept: it is
//   made with the VM (its root table; large pages need guest memory backed in runs from the
//   first frame) and filled by EPT violations the first times the VM runs nested, as in --mode ept;
// - into shadow paging: a fresh shadow pager, whose shadows fill lazily through hidden faults
//   (each an exit, charged as in --mode shadow); the EPT is kept, unused, for the way back;
// - both ways the VM's TLB entries and page-walk cache go (the two designs tag the same
//   translations differently: a shadow entry can lack W that the guest's entry has), and the
//   VMM reconfigures the VM (VT-x: CR3-load exiting, the exception bitmap, the EPT pointer).
//
// The policy judges a window of guest instructions at a time (a VMX-preemption-timer exit ends
// each window, charged as an exit). It measures what the current design costs in the window, and
// estimates what the other would have cost from counters the hardware keeps in both designs, as
// Wang et al. monitor TLB misses and guest page faults:
// - shadow's cost: the cycles of its paging exits (all exits but device, wfi and hypercall ones);
//   estimated under EPT from the guest's page-table events the hardware sees (PTBR writes,
//   invlpg, tlbflush, page faults and A/D-bit updates, each of which is work for a shadow pager),
//   times the cycles per event measured the last times the VM ran shadowed;
// - EPT's cost: the cycles of the EPT references of its 2-D walks (and its exits); estimated under
//   shadow from the TLB misses, times the EPT cycles per miss measured under EPT (before that,
//   (guest levels + 1) x EPT levels references per miss, the 2-D walk's extra references).
// A window votes to switch when the other design's estimate is below the current cost by more
// than `margin` percent and by more than the switch's fixed cost; `hysteresis` windows in a row
// must vote; the window after a switch only measures (its costs include the switch's warm-up).
//
// Test hook: `switchAt` and `randomEvery` force switches at given instruction counts, or at random
// ones from a seeded generator, whatever the policy says; the equivalence suites run with them.

import type { MachineProfile } from '../emulator/profile.ts';
import { EPT_PAGER } from './ept.ts';
import type { PagerSettings, Translation } from './pager.ts';
import { PagerHost, type PagerHostContext } from './pager-host.ts';
import { pagingCost, readPagingCounters, type PagingCounters } from './paging-counters.ts';
import { SHADOW_PAGER } from './shadow.ts';
import type { Vm } from './vm.ts';
import { emptyDynamicStats, type DynamicStats } from './vmstats.ts';
import { xorshift32 } from './xorshift.ts';

export interface DynamicOptions {
  /** The design the VM starts in. */
  readonly start: 'shadow' | 'ept';
  /** 'cost': the policy above; 'off': switch only where the test hook forces it. */
  readonly policy: 'cost' | 'off';
  /** Guest instructions per policy window. */
  readonly window: number;
  /** Percent by which the other design must look cheaper for a window to vote to switch. */
  readonly margin: number;
  /** Windows in a row that must vote before the VM switches. */
  readonly hysteresis: number;
  /** Test hook: switch when the guest has retired exactly these many instructions (ascending). */
  readonly switchAt: readonly number[];
  /** Test hook: switch at random instruction counts, on average every this many (0: never). */
  readonly randomEvery: number;
  /** The seed of those random counts. */
  readonly seed: number;
}

export const DEFAULT_DYNAMIC: DynamicOptions = {
  start: 'ept',
  policy: 'cost',
  window: 50_000,
  margin: 20,
  hysteresis: 2,
  switchAt: [],
  randomEvery: 0,
  seed: 1,
};

/** The largest window and random interval accepted (a typo with zeros too many is an error). */
export const MAX_DYNAMIC_WINDOW = 1_000_000_000;

/** Why the options cannot be used (the option at fault, and what it takes), or undefined. */
export function checkDynamicOptions(o: DynamicOptions): { readonly option: keyof DynamicOptions; readonly message: string } | undefined {
  const bad = (option: keyof DynamicOptions, message: string) => ({ option, message });
  if (o.start !== 'shadow' && o.start !== 'ept') return bad('start', `takes shadow or ept (got '${String(o.start)}')`);
  if (o.policy !== 'cost' && o.policy !== 'off') return bad('policy', `takes cost or off (got '${String(o.policy)}')`);
  if (!Number.isSafeInteger(o.window) || o.window < 1000 || o.window > MAX_DYNAMIC_WINDOW) return bad('window', `takes 1000 to ${MAX_DYNAMIC_WINDOW} guest instructions (got ${o.window})`);
  if (!Number.isFinite(o.margin) || o.margin < 0 || o.margin > 100) return bad('margin', `takes a percentage, 0 to 100 (got ${o.margin})`);
  if (!Number.isSafeInteger(o.hysteresis) || o.hysteresis < 1 || o.hysteresis > 1000) return bad('hysteresis', `takes 1 to 1000 windows (got ${o.hysteresis})`);
  if (!Number.isSafeInteger(o.randomEvery) || o.randomEvery < 0 || o.randomEvery > MAX_DYNAMIC_WINDOW) return bad('randomEvery', `takes 1 to ${MAX_DYNAMIC_WINDOW} instructions, or 0 for no random switches (got ${o.randomEvery})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) return bad('seed', `takes 0 to 4294967295 (got ${o.seed})`);
  for (let i = 0; i < o.switchAt.length; i++) {
    const at = o.switchAt[i]!;
    if (!Number.isSafeInteger(at) || at < 1) return bad('switchAt', `takes instruction counts of at least 1 (got ${at})`);
    if (i > 0 && at <= o.switchAt[i - 1]!) return bad('switchAt', `takes counts in ascending order (${o.switchAt[i - 1]} then ${at})`);
  }
  return undefined;
}

/** One judged window, as the debugger's exit log and the tests see it. */
export interface DynamicWindow {
  readonly design: Translation;
  /** Cycles the current design cost in the window (measured). */
  readonly measured: number;
  /** Cycles the other design would have cost (estimated). */
  readonly estimate: number;
  readonly vote: boolean;
}

/** One switch, as `switchLog` keeps it. */
export interface DynamicSwitch {
  /** Guest instructions retired when it happened. */
  readonly instructions: number;
  readonly from: Translation;
  readonly to: Translation;
  readonly forced: boolean;
  /** Cycles it cost (the exit, the reconfiguration, the flush, the shadow entries zapped). */
  readonly cycles: number;
}

export const SWITCH_LOG_SIZE = 4096;

const COMMON_REASONS = ['mmio', 'wfi', 'hcall', 'dynamic-sample', 'dynamic-switch'];

/** The exits the switcher records in the VM's log have this hardware name (VT-x's VMX-preemption timer). */
export const SAMPLE_EXIT = 'preemption-timer';

export class DynamicPaging {
  /** The PagerHost of the design the VM runs in now. */
  current: PagerHost;
  private shadowHost: PagerHost | undefined;
  private readonly nestedHost: PagerHost;
  readonly stats: DynamicStats = emptyDynamicStats();
  /** The next instruction count at which the VMM must call `checkpoint`. */
  nextAt = Infinity;
  private windowEnd: number;
  private forcedIndex = 0;
  private nextRandom = Infinity;
  private rng: number;
  private start: PagingCounters;
  private votes = 0;
  /** The window after a switch measures the new design's warm-up: it is not judged. */
  private warmingUp = false;
  private designSince = 0;
  // Calibration, cumulative over the windows measured in each design.
  private shadowCycles = 0;
  private shadowEvents = 0;
  private nestedCycles = 0;
  private nestedMisses = 0;
  /** The last window judged (for the debugger and tests). */
  lastWindow: DynamicWindow | undefined;
  /** The switches so far, oldest first (the first SWITCH_LOG_SIZE; the exit log keeps only recent exits). */
  readonly switchLog: DynamicSwitch[] = [];

  constructor(
    private readonly vm: Vm,
    private readonly context: PagerHostContext,
    private readonly settings: PagerSettings,
    readonly options: DynamicOptions,
    private readonly profile: MachineProfile,
  ) {
    const problem = checkDynamicOptions(options);
    if (problem) throw new RangeError(`dynamic ${problem.option} ${problem.message}`);
    // The EPT pager is made with the VM, whatever the start: with large pages it has guest memory
    // backed in aligned runs (backGuestInRuns), which must hold from the first frame backed.
    this.nestedHost = new PagerHost(vm, context, EPT_PAGER, settings, false, 'nested');
    this.current = this.hostFor(options.start === 'shadow' ? 'shadow' : 'nested');
    vm.vmm.dynamic = this.stats;
    this.rng = (options.seed ^ 0x9e3779b9) >>> 0 || 1;
    this.windowEnd = options.window;
    if (options.randomEvery > 0) this.nextRandom = this.randomStep(0);
    this.start = this.read();
    this.plan();
  }

  /** Every PagerHost of the VM holding tables now (the EPT's is kept while the VM runs shadowed). */
  hosts(): PagerHost[] {
    return this.shadowHost ? [this.nestedHost, this.shadowHost] : [this.nestedHost];
  }

  /** How the hardware translates now. */
  get translation(): Translation {
    return this.current.translation;
  }

  /** The VM has retired `nextAt` instructions (or more): force a switch, or judge a window. `vpid` is the VM's. */
  checkpoint(vpid: number): void {
    const now = this.vm.stats.instructions;
    if (now < this.nextAt) return;
    let forced = false;
    while (this.forcedIndex < this.options.switchAt.length && this.options.switchAt[this.forcedIndex]! <= now) {
      this.forcedIndex++;
      forced = true;
    }
    while (this.nextRandom <= now) {
      this.nextRandom = this.randomStep(this.nextRandom);
      forced = true;
    }
    if (forced) {
      this.switchTo(this.other(), vpid, true, 'forced by the test hook');
      this.windowEnd = now + this.options.window;
    } else if (now >= this.windowEnd) {
      this.judge(vpid);
      this.windowEnd = now + this.options.window;
    }
    this.plan();
  }

  /** Bring the per-design instruction counts up to date (the VMM calls this when a slice ends). */
  account(): void {
    const now = this.vm.stats.instructions;
    if (this.current.translation === 'shadow') this.stats.instructionsShadow += now - this.designSince;
    else this.stats.instructionsNested += now - this.designSince;
    this.designSince = now;
  }

  /** Isolation audit of both designs' tables. */
  audit(): string[] {
    return [...(this.shadowHost?.audit() ?? []), ...this.nestedHost.audit()];
  }

  // ------------------------------------------------------------------ the policy

  private judge(vpid: number): void {
    const { exitCycles, eptCycles, misses, events } = pagingCost(this.start, this.read(), this.profile);
    const design = this.current.translation;
    let measured: number;
    let estimate: number;
    if (design === 'shadow') {
      measured = exitCycles;
      estimate = misses * this.nestedCyclesPerMiss();
      if (!this.warmingUp) {
        this.shadowCycles += measured;
        this.shadowEvents += events;
      }
    } else {
      measured = exitCycles + eptCycles;
      estimate = events * this.shadowCyclesPerEvent();
      if (!this.warmingUp) {
        this.nestedCycles += measured;
        this.nestedMisses += misses;
      }
    }
    this.stats.windows++;
    const fixed = this.switchFixedCycles();
    const vote = !this.warmingUp && this.options.policy === 'cost'
      && estimate < measured * (1 - this.options.margin / 100) && measured - estimate > fixed;
    this.lastWindow = { design, measured, estimate, vote };
    this.votes = vote ? this.votes + 1 : 0;
    const other = this.other();
    const detail = `${design === 'shadow' ? 'shadow' : 'ept'} cost ${fmt(measured)} cycles, ${other === 'shadow' ? 'shadow' : 'ept'} estimate ${fmt(estimate)}`;
    if (this.votes >= this.options.hysteresis) {
      this.switchTo(other, vpid, false, `policy: ${detail} over ${this.options.hysteresis} window${this.options.hysteresis === 1 ? '' : 's'}`);
      return;
    }
    this.warmingUp = false;
    this.sampleExit('dynamic-sample', `window ${this.stats.windows}: ${detail}${vote ? ` (vote ${this.votes} of ${this.options.hysteresis})` : ''}`);
    this.start = this.read();
  }

  /** Cycles a shadow pager spends per guest page-table event, as measured; before any, two exits' worth. */
  private shadowCyclesPerEvent(): number {
    if (this.shadowEvents >= 16) return this.shadowCycles / this.shadowEvents;
    const p = this.profile;
    return 2 * (p.vmExitCycles + p.vmEntryCycles + p.vmmHandlerCycles);
  }

  /** EPT cycles per TLB miss, as measured; before any, the 2-D walk's extra references. */
  private nestedCyclesPerMiss(): number {
    if (this.nestedMisses >= 16) return this.nestedCycles / this.nestedMisses;
    const guestLevels = 2;
    return (guestLevels + 1) * this.settings.ept.levels * this.profile.walkRefCycles;
  }

  /** What every switch costs whatever it drops: the exit, the VMM's reconfiguration of the VM, the TLB flush. */
  private switchFixedCycles(): number {
    const p = this.profile;
    return p.vmExitCycles + p.vmEntryCycles + 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
  }

  private read(): PagingCounters {
    return readPagingCounters(this.vm, COMMON_REASONS);
  }

  // ------------------------------------------------------------------ switching

  private other(): Translation {
    return this.current.translation === 'shadow' ? 'nested' : 'shadow';
  }

  private hostFor(translation: Translation): PagerHost {
    if (translation === 'nested') return this.nestedHost;
    this.shadowHost = new PagerHost(this.vm, this.context, SHADOW_PAGER, this.settings, false, 'shadow');
    return this.shadowHost;
  }

  /** Move the VM to `target`: the old design's state goes (or stays, the EPT), the TLB is flushed, the VM re-entered. */
  private switchTo(target: Translation, vpid: number, forced: boolean, why: string): void {
    this.account();
    const from = this.current.translation;
    const p = this.profile;
    const vm = this.vm;
    const cyclesBefore = vm.stats.cyclesExit + vm.stats.cyclesVmm;
    vm.stats.cyclesExit += p.vmExitCycles + p.vmEntryCycles;
    vm.stats.cyclesVmm += 2 * p.vmmHandlerCycles + p.tlbMaintenanceCycles;
    // The VM's translations (and walk-cache entries) were made under the old design.
    this.context.mmu.flushVpid();
    let dropped = '';
    if (from === 'shadow' && this.shadowHost) {
      const { tables, entries } = this.shadowHost.release();
      vm.stats.cyclesVmm += entries * p.vmmPteWriteCycles;
      this.stats.shadowTablesDropped += tables;
      this.shadowHost = undefined;
      dropped = `, ${tables} shadow table${tables === 1 ? '' : 's'} (${entries} entries) dropped`;
    }
    this.current = this.hostFor(target);
    this.current.enter(vpid);
    vm.cpu.syncMmuMode();
    this.stats.switches++;
    if (target === 'shadow') this.stats.toShadow++;
    else this.stats.toNested++;
    if (forced) this.stats.forced++;
    const cycles = vm.stats.cyclesExit + vm.stats.cyclesVmm - cyclesBefore;
    this.stats.switchCycles += cycles;
    if (this.switchLog.length < SWITCH_LOG_SIZE) this.switchLog.push({ instructions: vm.stats.instructions, from, to: target, forced, cycles });
    this.votes = 0;
    this.warmingUp = true;
    const name = (t: Translation) => (t === 'shadow' ? 'shadow' : 'ept');
    vm.vmm.countExit('dynamic-switch');
    vm.recordExit({
      instructions: vm.stats.instructions,
      pc: vm.cpu.pc >>> 0,
      hardware: SAMPLE_EXIT,
      reason: 'dynamic-switch',
      detail: `${name(from)} → ${name(target)} (${why}${dropped})`,
    });
    this.start = this.read();
  }

  /** A window ended without a switch: the timer exit that ended it, charged and logged. */
  private sampleExit(reason: string, detail: string): void {
    const vm = this.vm;
    vm.stats.cyclesExit += this.profile.vmExitCycles + this.profile.vmEntryCycles;
    vm.stats.cyclesVmm += this.profile.vmmHandlerCycles;
    vm.vmm.countExit(reason);
    vm.recordExit({ instructions: vm.stats.instructions, pc: vm.cpu.pc >>> 0, hardware: SAMPLE_EXIT, reason, detail });
  }

  private plan(): void {
    const forced = this.forcedIndex < this.options.switchAt.length ? this.options.switchAt[this.forcedIndex]! : Infinity;
    const windowEnd = this.options.policy === 'cost' ? this.windowEnd : Infinity;
    this.nextAt = Math.min(windowEnd, forced, this.nextRandom);
  }

  /** The next random switch after `from`: uniform in [1, 2 * randomEvery] instructions later (xorshift32). */
  private randomStep(from: number): number {
    const x = (this.rng = xorshift32(this.rng));
    return from + 1 + (x % (2 * this.options.randomEvery));
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
