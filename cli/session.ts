// A session: what `run` (and later `debug` and `exp`) builds from the command line: either one
// bare-metal Machine (--mode native) or a VMM with one or more VMs (--mode shadow|ept, --vm,
// --machine FILE.json). It streams each console (prefixed with the VM's name when there are
// several), and reports results and statistics the same way for both.

import * as fs from 'node:fs';
import type { Console } from '../emulator/devices.ts';
import type { Machine, RunResult, StopReason } from '../emulator/machine.ts';
import { mergeStats, sumStats, vmStatsJson } from '../hypervisor/report.ts';
import { DEFAULT_EPT } from '../hypervisor/ept.ts';
import { DEFAULT_DYNAMIC } from '../hypervisor/dynamic.ts';
import { DEFAULT_AGILE } from '../hypervisor/agile.ts';
import { DEFAULT_SHARING } from '../hypervisor/sharing.ts';
import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION } from '../hypervisor/migration.ts';
import { DEFAULT_SWAP } from '../hypervisor/swap.ts';
import { DEFAULT_SHADOW } from '../hypervisor/shadow.ts';
import type { VmMode } from '../hypervisor/vm.ts';
import { DEFAULT_HOST_MEMORY, DEFAULT_QUANTUM, type Vmm } from '../hypervisor/vmm.ts';
import type { LiveConsoleInput } from './console-input.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { definesOf, includeDirsOf, loadModule, loadProgram } from './load.ts';
import { loadMachineFile, parseVmFlag } from './machine-file.ts';
import type { VmEntry } from '../config/machine-schema.ts';
import { sizeBytes } from '../config/size.ts';
import type { MachineSettings } from './options.ts';
import type { CheckedCpu } from '../debugger/tlb-rules-report.ts';
import { buildMachine, type BuildHooks, type VmPlan } from '../session/build.ts';
import { pagerMode, parseMode, type Mode } from '../session/settings.ts';
import { PagerLoadError, loadPager, type LoadedPager } from '../node/pager-loader.ts';

export { MODES, parseMode, type Mode } from '../session/settings.ts';
export type { VmPlan } from '../session/build.ts';

export const HYPERVISOR_OPTIONS = {
  mode: { type: 'string' },
  vm: { type: 'string', multiple: true },
  machine: { type: 'string' },
  'host-memory': { type: 'string' },
  vpid: { type: 'boolean' },
  quantum: { type: 'string' },
  'shadow-cache': { type: 'string' },
  'shadow-flood': { type: 'string' },
  'shadow-sync': { type: 'string' },
  'ept-levels': { type: 'string' },
  'ept-large-pages': { type: 'boolean' },
  'dynamic-start': { type: 'string' },
  'dynamic-policy': { type: 'string' },
  'dynamic-window': { type: 'string' },
  'dynamic-margin': { type: 'string' },
  'dynamic-hysteresis': { type: 'string' },
  'dynamic-switch-at': { type: 'string' },
  'dynamic-switch-every': { type: 'string' },
  'dynamic-seed': { type: 'string' },
  'agile-start': { type: 'string' },
  'agile-root': { type: 'string' },
  'agile-writes': { type: 'string' },
  'agile-window': { type: 'string' },
  'agile-switch-every': { type: 'string' },
  'agile-seed': { type: 'string' },
  'share-pages': { type: 'string' },
  'share-every': { type: 'string' },
  'host-swap': { type: 'string' },
  'swap-seed': { type: 'string' },
  'swap-reserve': { type: 'string' },
  'balloon-target': { type: 'string' },
  reclaim: { type: 'string' },
  'dirty-log': { type: 'string' },
  'dirty-log-every': { type: 'string' },
  'pml-size': { type: 'string' },
  'migrate-at': { type: 'string' },
  'migrate-bandwidth': { type: 'string' },
  'migrate-max-rounds': { type: 'string' },
  'migrate-stop-pages': { type: 'string' },
  pager: { type: 'string' },
} as const;

export const HYPERVISOR_OPTIONS_HELP = `Hypervisor options:
  --mode native|shadow|ept|dynamic|pv|agile
                            run on bare metal (default), or in a VM under shadow paging, EPT,
                            switching between the two as a cost policy says (dynamic), the
                            paravirtual MMU (pv: the kernel is assembled with -D PV=1 and asks for
                            its page-table changes by hypercall; isa/README.md 3.8.1), or agile
                            paging (shadow walks that switch to nested below busy leaf tables; isa 6.6)
  --vm 'NAME [mode=M] [memory=SIZE] [kernel=FILE] [module=PROG[:ARGS]]…'
                            add a VM (repeatable); kernel defaults to FILE, modules to --module
  --machine FILE.json       VMs from a file: {"vms": [{"name", "mode", "memory", "kernel", "modules": []}],
                            "vpid", "quantum", "hostMemory", "pager"} (schemas/machine.schema.json)
  --host-memory SIZE        host memory shared by the VMs (default ${DEFAULT_HOST_MEMORY / 2 ** 20}M)
  --vpid                    tag TLB entries per VM (no TLB flush on VM switches)
  --quantum N               guest instructions per VM turn (default ${DEFAULT_QUANTUM.toLocaleString('en-US')})
  --shadow-cache N          shadow roots kept per VM (default ${DEFAULT_SHADOW.cacheRoots})
  --shadow-flood N          emulated writes in a row before a page table is unshadowed (default ${DEFAULT_SHADOW.floodThreshold})
  --shadow-sync wp|oos      keep shadows in sync by write-protecting every guest page table (wp, default),
                            or let leaf tables go out of sync until invlpg/PTBR write/tlbflush (oos)
  --ept-levels 1-4          EPT levels (default ${DEFAULT_EPT.levels})
  --ept-large-pages         map guest memory with EPT large pages
  --dynamic-start shadow|ept
                            the design a dynamic VM starts in (default ${DEFAULT_DYNAMIC.start})
  --dynamic-policy cost|off
                            switch when the other design looks cheaper (cost, default), or only
                            where forced
  --dynamic-window N        guest instructions per policy window (default ${DEFAULT_DYNAMIC.window.toLocaleString('en-US')})
  --dynamic-margin PCT      how much cheaper the other design must look to vote for it (default ${DEFAULT_DYNAMIC.margin}%)
  --dynamic-hysteresis N    windows in a row that must vote before a switch (default ${DEFAULT_DYNAMIC.hysteresis})
  --dynamic-switch-at N,N…  test hook: also switch when the guest has retired these many
                            instructions
  --dynamic-switch-every N  test hook: also switch at random counts, on average every N
  --dynamic-seed N          the seed of those random counts (default ${DEFAULT_DYNAMIC.seed})
  --agile-start shadow|nested
                            the mode an agile VM's leaf tables start in (default ${DEFAULT_AGILE.start})
  --agile-root cost|shadow  the switch at the root: cost lets the policy walk the guest's PTBR fully
                            nested (its PTBR writes and page faults not exiting) while shadowing the
                            root costs more; shadow keeps the root shadowed (default ${DEFAULT_AGILE.root})
  --agile-writes N          emulated writes to one leaf table within a window that move it to nested
                            mode (default ${DEFAULT_AGILE.writes}; 0: never by policy)
  --agile-window N          guest instructions per agile policy window; a nested table not written for
                            a whole window goes back to shadow (default ${DEFAULT_AGILE.window.toLocaleString('en-US')})
  --agile-switch-every N    test hook: move a random half of the leaf tables to the other mode at random
                            counts, on average every N instructions
  --agile-seed N            the seed of those random counts (default ${DEFAULT_AGILE.seed})
  --share-pages N           content-based page sharing: scan N guest frames of a VM per scan, merging
                            identical ones read-only across and within VMs, copy-on-write on a store
                            (default 0: off; not with --mode pv; docs/host-memory.md)
  --share-every N           guest instructions of a VM between its scans (default ${DEFAULT_SHARING.every.toLocaleString('en-US')})
  --host-swap fifo|random   host swapping: the VMs' memory may exceed --host-memory; when the host runs
                            short the VMM evicts guest frames (the oldest backed, or random ones) to a
                            simulated swap device and reads them back on the guest's next touch
                            (default: off, and overcommit refused unless --reclaim is given; not
                            with --mode pv or --ept-large-pages)
  --swap-seed N             the seed of --host-swap random (default ${DEFAULT_SWAP.seed})
  --swap-reserve N          host frames swapping keeps free before each VM turn (default ${DEFAULT_SWAP.reserve})
  --balloon-target N|SIZE   ballooning: the kernel is assembled with -D BALLOON=1 and its driver gives
                            the VMM N guest frames (or SIZE, e.g. 2M, in frames) at its timer ticks;
                            the VMM frees the host frames behind them (default: off; not with
                            --mode pv or agile, or --ept-large-pages; docs/host-memory.md)
  --reclaim swap|balloon|balloon-swap
                            the reclaim policy under overcommit (the VMs' memory may exceed
                            --host-memory): host swapping alone, ballooning alone (each VM's balloon
                            target set from the host's free memory, a proportional share; the kernel
                            is assembled with -D BALLOON=1), or the balloon first and host swapping
                            when it cannot reclaim enough (ESX's way; docs/host-memory.md)
  --dirty-log wp|pml        dirty logging: write-protection (the first store to each frame exits) or,
                            for EPT VMs, page-modification logging (EPT dirty bits and a log that
                            exits when full); with --migrate-at the method of the migration (default
                            pml for EPT, wp otherwise), alone on from the start (not with --mode pv
                            or agile, or --ept-large-pages; docs/host-memory.md)
  --dirty-log-every N       dirty logging alone: guest instructions between harvests (default ${DEFAULT_DIRTY_LOG.every.toLocaleString('en-US')})
  --pml-size N              entries of the page-modification log (default ${DEFAULT_DIRTY_LOG.pmlSize}, as on Intel)
  --migrate-at N            pre-copy live migration of every VM once it retired N guest instructions:
                            rounds of copying dirty pages while it runs, then stop-and-copy; the VM
                            continues on the copy (not with swapping, ballooning or page sharing)
  --migrate-bandwidth N     the link's bandwidth in 4 KiB pages per million cycles (default ${DEFAULT_MIGRATION.bandwidth})
  --migrate-max-rounds N    rounds at most, the full copy included, before stop-and-copy (default ${DEFAULT_MIGRATION.maxRounds})
  --migrate-stop-pages N    stop-and-copy once a round leaves at most N dirty pages (default ${DEFAULT_MIGRATION.stopPages})
  --pager FILE.js|FILE.ts   a pager of your own (docs/pager-api.md) in place of the built-in one of
                            its mode: a 'shadow' pager serves the shadow VMs, a 'nested' one the ept
                            VMs, an 'agile' one the agile VMs; --mode defaults to its mode.
                            'vmmlab check-pager FILE' grades it`;

type Values = Record<string, string | boolean | string[] | undefined>;

/** One session result per VM (or the machine). */
export interface SessionResult extends RunResult {
  name: string;
  mode: Mode;
}

/** Instructions per slice between event-loop turns (a few milliseconds of guest time). */
const SLICE = 2_000_000;

export class Session {
  readonly machine?: Machine;
  readonly vmm?: Vmm;
  /** With --check-tlb-rules: a checker on the machine or on each VM. */
  readonly tlbRules: CheckedCpu[];
  private readonly partial = new Map<string, string>();

  constructor(
    readonly settings: MachineSettings,
    readonly mode: Mode,
    plans: VmPlan[],
    values: Values,
    hooks: BuildHooks = {},
  ) {
    const built = buildMachine(settings, mode, plans, values, hooks);
    this.machine = built.machine;
    this.vmm = built.vmm;
    this.tlbRules = built.tlbRules;
  }

  get multiple(): boolean {
    return (this.vmm?.vms.length ?? 1) > 1;
  }

  /** Write new console output: raw for one machine, line-prefixed with the VM's name for several. */
  flushConsoles(out: { readonly fd: number }): void {
    if (this.machine) {
      const chunk = this.machine.devices.console.drain();
      if (chunk.length > 0) fs.writeSync(out.fd, chunk);
      return;
    }
    for (const vm of this.vmm!.vms) {
      const chunk = vm.devices.console.drain();
      if (chunk.length === 0) continue;
      if (!this.multiple) {
        fs.writeSync(out.fd, chunk);
        continue;
      }
      const text = (this.partial.get(vm.name) ?? '') + Buffer.from(chunk).toString('utf8');
      const lines = text.split('\n');
      this.partial.set(vm.name, lines.pop()!);
      if (lines.length > 0) fs.writeSync(out.fd, lines.map((l) => `[${vm.name}] ${l}\n`).join(''));
    }
  }

  /** At the end: whatever partial lines are left. */
  flushPartialLines(out: { readonly fd: number }): void {
    for (const [name, rest] of this.partial) if (rest !== '') fs.writeSync(out.fd, `[${name}] ${rest}\n`);
    this.partial.clear();
  }

  /** The console that takes input (stdin under `run`): the machine's, or the first VM's. */
  get inputConsole(): Console {
    return this.machine ? this.machine.devices.console : this.vmm!.vms[0]!.devices.console;
  }

  /**
   * Run until every machine or VM stops or uses `maxInstructions`, yielding to the event loop
   * between slices so that Ctrl-C (SIGINT) can reach requestStop while a long guest runs.
   * With `live` input (a terminal, cli/console-input.ts), the CPU whose console takes it is not
   * finished when it stops in wfi for want of an interrupt: it runs again once input has come,
   * and the session waits for input when nothing else is left to run.
   */
  async runAsync(maxInstructions: number, onSlice: () => void, live?: LiveConsoleInput): Promise<SessionResult[]> {
    this.live = live;
    const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));
    if (this.machine) {
      const machine = this.machine;
      const endAt = machine.stats.instructions + maxInstructions;
      let r = machine.run(Math.min(SLICE, maxInstructions), onSlice);
      for (;;) {
        // The wfi did not retire: run again, it completes now that input is waiting.
        const inputCame = r.reason === 'wfi-deadlock' && live !== undefined && (await this.inputCame(live));
        if (!inputCame) {
          if (r.reason !== 'max-instructions' || machine.stats.instructions >= endAt || this.stopRequested) break;
          await yieldToEvents();
          if (this.stopRequested) break;
        }
        r = machine.run(Math.min(SLICE, endAt - machine.stats.instructions), onSlice);
      }
      const waitingForInput = r.reason === 'wfi-deadlock' && live?.open === true;
      if (this.stopRequested && ((r.reason === 'max-instructions' && machine.stats.instructions < endAt) || waitingForInput)) r = { ...r, reason: 'stopped' };
      return [{ ...r, name: 'machine', mode: 'native' }];
    }
    const vmm = this.vmm!;
    const inputVm = vmm.vms[0]!;
    let rounds = 0;
    for (;;) {
      let running = vmm.runRound(maxInstructions);
      onSlice();
      if (live !== undefined && inputVm.stopped === 'wfi-deadlock') {
        // While other VMs run, only look; when none is left, wait for the terminal.
        if (running ? inputVm.devices.console.hasInput() : await this.inputCame(live)) running = vmm.resumeFromWfi(inputVm);
        else if (this.stopRequested && live.open) inputVm.stopped = 'stopped';
      }
      if (!running) break;
      if (++rounds % 16 === 0) await yieldToEvents();
      if (this.stopRequested) vmm.stopAll();
    }
    return vmm.vms.map((vm) => ({ ...vmm.result(vm), reason: vmm.result(vm).reason as StopReason }));
  }

  /** Wait until the input console has a byte waiting: false if the input ended without one, or on a stop. */
  private async inputCame(live: LiveConsoleInput): Promise<boolean> {
    const console = this.inputConsole;
    while (!console.hasInput() && live.open && !this.stopRequested) await live.arrival();
    return console.hasInput() && !this.stopRequested;
  }

  private stopRequested = false;
  private live: LiveConsoleInput | undefined;

  requestStop(): void {
    this.stopRequested = true;
    this.live?.wake();
    if (this.machine) this.machine.cpu.requestStop();
    else this.vmm!.requestStop();
  }

  statsJson(): Record<string, unknown> {
    if (this.machine) return mergeStats(this.machine.stats);
    const vms = this.vmm!.vms;
    if (vms.length === 1) return vmStatsJson(vms[0]!);
    return {
      vms: Object.fromEntries(vms.map((vm) => [vm.name, vmStatsJson(vm)])),
      total: sumStats(vms.map((vm) => vmStatsJson(vm))),
      host: { frames: this.vmm!.host.frames, framesInUse: this.vmm!.host.inUse, peakFramesInUse: this.vmm!.host.peakInUse },
    };
  }
}

/** Load the pager module `file` names (--pager); a file that cannot be used is a CliError (exit 1). */
export async function loadPagerFile(file: string): Promise<LoadedPager> {
  try {
    return await loadPager(file);
  } catch (e) {
    if (e instanceof PagerLoadError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
}

/**
 * The VMs of a command line: --machine FILE, or --vm specs, or one VM from FILE and --module.
 * With a loaded --pager, the VMs of its mode run under it.
 */
export function planVms(values: Values, mode: Mode, program: string | undefined, memoryBytes: number, color: boolean, pager?: LoadedPager): VmPlan[] {
  const plans = planVmsOf(values, mode, program, memoryBytes, color);
  if (!pager) return plans;
  const served = pagerMode(pager.translation);
  return plans.map((p) => (p.mode === served ? { ...p, pager: pager.module } : p));
}

function planVmsOf(values: Values, mode: Mode, program: string | undefined, memoryBytes: number, color: boolean): VmPlan[] {
  const includeDirs = includeDirsOf(values);
  const defines = definesOf(values);
  // A PV VM runs the kernel's paravirtual build (-D PV=1: guest-programs/kernel/pv.inc).
  const kernelImage = (file: string, vmMode?: VmMode) => loadProgram(file, color, includeDirs, vmMode === 'pv' ? { ...defines, PV: 1 } : values['balloon-target'] !== undefined || String(values.reclaim ?? '').startsWith('balloon') ? { ...defines, BALLOON: 1 } : defines);
  const bootModule = (spec: string) => loadModule(spec, color, includeDirs);
  const defaultModules = () => ((values.module as string[] | undefined) ?? []).map(bootModule);
  const vmMode = (m: string | undefined, where: string): VmMode => {
    const parsed = parseMode(m ?? (mode === 'native' ? 'shadow' : mode));
    if (parsed === 'native') throw new CliError(`${where}: a VM runs under shadow or ept, not native`);
    return parsed;
  };
  if (typeof values.machine === 'string') {
    if (values.vm !== undefined) throw new CliError('--machine and --vm exclude each other: list every VM in the machine file');
    return loadMachineFile(values.machine, program).vms.map((v) => ({
      name: v.name,
      mode: vmMode(v.mode, `--machine VM ${v.name}`),
      memoryBytes: v.memory === undefined ? memoryBytes : sizeBytes(v.memory),
      kernel: kernelImage(v.kernel ?? program!, vmMode(v.mode, `--machine VM ${v.name}`)),
      modules: (v.modules ?? []).map(bootModule),
    }));
  }
  const vmSpecs = (values.vm as string[] | undefined) ?? [];
  if (vmSpecs.length > 0) {
    // Every --vm is checked before anything is assembled.
    const entries: VmEntry[] = [];
    for (const text of vmSpecs) {
      const v = parseVmFlag(text);
      if (entries.some((e) => e.name === v.name)) throw new CliError(`--vm '${text}': two VMs are named '${v.name}'`);
      if (!(v.kernel ?? program)) throw new CliError(`--vm '${text}': no kernel (give FILE or kernel=…)`);
      entries.push(v);
    }
    return entries.map((v) => ({
      name: v.name,
      mode: vmMode(v.mode, `--vm ${v.name}`),
      memoryBytes: v.memory === undefined ? memoryBytes : sizeBytes(v.memory),
      kernel: kernelImage((v.kernel ?? program)!, vmMode(v.mode, `--vm ${v.name}`)),
      modules: v.modules ? v.modules.map(bootModule) : defaultModules(),
    }));
  }
  if (!program) throw new CliError('no program given');
  return [{ name: mode === 'native' ? 'machine' : 'vm0', mode: mode === 'native' ? 'shadow' : mode, memoryBytes, kernel: kernelImage(program, mode === 'native' ? undefined : mode), modules: defaultModules() }];
}
