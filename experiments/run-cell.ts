// Running one cell of a study: turn the cell's mode and parameters into a bare Machine or a Vmm
// with one VM, boot the kernel with the workload's modules, run it under the study's budget, and
// keep everything it counted as plain JSON (so results cross worker threads and files unchanged).
//
// A cell is deterministic: the same cell gives the same result in any thread, in any order, on
// any platform. This module never schedules cells (runner.ts does, on Node; a web page's workers
// through in-memory.ts), never formats them (report.ts does) and reads files only through the
// StudyFiles it is given.

import type { Image } from '../isa/image.ts';
import type { BootModule } from '../emulator/boot.ts';
import type { Engine } from '../emulator/cpu.ts';
import { Machine } from '../emulator/machine.ts';
import { checkMachine, checkVm, describeTlbRules, type CheckedCpu } from '../debugger/tlb-rules-report.ts';
import type { MmuConfig } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import type { PagerModule } from '../hypervisor/pager.ts';
import { PagerError } from '../hypervisor/pager-host.ts';
import { OutOfHostMemory } from '../hypervisor/host.ts';
import type { MemorySeriesSample } from '../hypervisor/memory-series.ts';
import { mergeStats, sumStats, vmStatsJson } from '../hypervisor/report.ts';
import { DEFAULT_AGILE } from '../hypervisor/agile.ts';
import { DEFAULT_DYNAMIC } from '../hypervisor/dynamic.ts';
import { DEFAULT_SHADOW } from '../hypervisor/shadow.ts';
import type { VmMode } from '../hypervisor/vm.ts';
import { Vmm, type VmmOptions } from '../hypervisor/vmm.ts';
import { DEFAULT_DIRTY_LOG } from '../hypervisor/migration.ts';
import { reclaimBalloons, type ReclaimPolicy } from '../hypervisor/reclaim.ts';
import { bootModule, findFile, imageOf, parseModuleSpec } from './images.ts';
import { cellHostBytes } from './limits.ts';
import { StudyError, withDefaults, type ParamValue } from './params.ts';
import { studyProfile, type Cell, type Study, type Workload } from './plan.ts';
import type { StudyFiles } from './study-files.ts';

export type Json = Record<string, unknown>;

/** What one cell's run needs: everything is plain data, so it can be posted to a worker. */
export interface CellJob {
  readonly study: Study;
  readonly baseDir: string;
  readonly cell: Cell;
  /** Attach the TLB-rule checker (--check-tlb-rules) to every machine or VM of the cell. */
  readonly checkTlbRules?: boolean;
  /** Where the sources' `.include`s are searched before the bundled library (-I). */
  readonly includeDirs?: readonly string[];
  /** A pager of one's own (`exp --pager`) for the cells of its mode: where it is, as plain data. */
  readonly pager?: CellPager;
  /** The CPU engine (`exp --engine`; default the process's, setDefaultEngine). The results do not depend on it. */
  readonly engine?: Engine;
}

/** A pager module for a study's cells, by file (each thread loads it: node/pager-loader.ts). */
export interface CellPager {
  /** The file, absolute. */
  readonly file: string;
  /** As given on the command line: results and messages name it so. */
  readonly name: string;
  /** The cells of this mode run under it; the others under their built-in pagers. */
  readonly mode: VmMode;
}

/** A loaded pager for runCellOn: the module, and the mode whose cells it serves. */
export interface CellPagerModule {
  readonly module: PagerModule;
  readonly mode: VmMode;
}

/** The machine a cell ran on, in full, so that a result says how to reproduce it. */
export interface CellConfig {
  readonly memoryBytes: number;
  readonly maxInstructions: number;
  /** Every parameter's value, including those the grid did not sweep. */
  readonly params: Record<string, ParamValue>;
  readonly mmu: MmuConfig;
  readonly vmExitCycles: number;
  readonly vmEntryCycles: number;
  /** The pager of one's own the cell ran under (`exp --pager`), when it did. */
  readonly pager?: string;
}

export interface CellResult extends Cell {
  readonly config: CellConfig;
  /** Why the run ended: 'halted' when the guest powered off. */
  readonly reason: string;
  readonly exitCode: number;
  /** The guest's console output (the same in every mode when virtualization is correct). */
  readonly console: string;
  /** Statistics as hypervisor/report.ts writes them (the machine's counters, plus the VMM's). */
  readonly stats: Json;
  /** With checkTlbRules: what the checker said, per machine or VM that used a stale translation. */
  readonly tlbRules?: { readonly violations: number; readonly report: readonly string[] };
  /**
   * Host memory over time (hypervisor/memory-series.ts), when page sharing, host swapping or
   * ballooning was on: host frames in use in all and per VM, ballooned and swapped-out frames.
   */
  readonly memorySeries?: readonly MemorySeriesSample[];
}

/** The profile of a cell: the study's, with an exit latency split like the profile's own exit:entry ratio. */
export function cellProfile(base: MachineProfile, params: Record<string, ParamValue>, swept: boolean): MachineProfile {
  if (!swept) return base;
  const latency = params.exitLatency as number;
  const baseTotal = base.vmExitCycles + base.vmEntryCycles;
  const exitShare = baseTotal > 0 ? base.vmExitCycles / baseTotal : 0.6;
  const vmExitCycles = Math.round(latency * exitShare);
  return { ...base, vmExitCycles, vmEntryCycles: latency - vmExitCycles };
}

export function cellConfig(study: Study, cell: Cell): { config: CellConfig; profile: MachineProfile } {
  const params = withDefaults(cell.params);
  const profile = cellProfile(studyProfile(study), params, cell.params.exitLatency !== undefined);
  params.exitLatency = profile.vmExitCycles + profile.vmEntryCycles;
  const entries = params.tlbEntries as number;
  const replacement = params.tlbReplacement as 'lru' | 'random';
  const mmu: MmuConfig = {
    tlb: { entries, ways: Math.min(params.tlbWays as number, entries), replacement, seed: replacement === 'random' ? cell.rep + 1 : 1 },
    splitTlb: false,
    pwcEntries: params.pwc as number,
    asidTagging: params.asid as boolean,
  };
  const config: CellConfig = {
    memoryBytes: study.memory,
    maxInstructions: study.maxInstructions,
    params,
    mmu,
    vmExitCycles: profile.vmExitCycles,
    vmEntryCycles: profile.vmEntryCycles,
  };
  return { config, profile };
}

/** A workload's kernel and boot modules, assembled: plain data, so that they can be posted to a worker. */
export interface WorkloadImages {
  readonly kernel: Image;
  /** The kernel's paravirtual build (-D PV=1), for the pv cells: only when the grid has some. */
  readonly pvKernel?: Image;
  /** The kernel's balloon build (-D BALLOON=1), for cells whose reclaim policy balloons: only when the grid has some. */
  readonly balloonKernel?: Image;
  readonly modules: readonly BootModule[];
}

/** The kernel and a workload's boot modules, assembled (once per file system and thread). */
export function workloadImages(files: StudyFiles, study: Study, baseDir: string, workload: Workload, includeDirs: readonly string[] = []): WorkloadImages {
  const kernelFile = study.kernel ? findFile(files, study.kernel, baseDir, files.bundled.kernelDir) : files.bundled.kernel;
  const pv = (study.grid.mode ?? []).includes('pv');
  const balloon = (study.grid.reclaim ?? []).some((r) => String(r).startsWith('balloon'));
  return {
    kernel: imageOf(files, kernelFile, undefined, includeDirs),
    ...(pv ? { pvKernel: imageOf(files, kernelFile, undefined, includeDirs, { PV: 1 }) } : {}),
    ...(balloon ? { balloonKernel: imageOf(files, kernelFile, undefined, includeDirs, { BALLOON: 1 }) } : {}),
    modules: workload.modules.map((spec) => bootModule(files, parseModuleSpec(files, spec, baseDir), includeDirs)),
  };
}

/**
 * Run one cell to completion (or its instruction budget), its images read and assembled from
 * `files`; with job.pager, `pager` is that pager, loaded.
 */
export function runCell(job: CellJob, files: StudyFiles, pager?: CellPagerModule): CellResult {
  const { study, baseDir, cell } = job;
  const workload = study.workloads.find((w) => w.name === cell.workload);
  if (!workload) throw new StudyError(`cell ${cell.index}: no workload '${cell.workload}'`);
  if (job.pager && !pager) throw new StudyError(`cell ${cell.index}: the pager ${job.pager.name} was not loaded`);
  const images = workloadImages(files, study, baseDir, workload, job.includeDirs);
  try {
    return runCellOn(study, cell, images, job.checkTlbRules === true, pager && job.pager ? { ...pager, name: job.pager.name } : undefined, job.engine);
  } catch (e) {
    // A pager of one's own that fails is the study's input at fault, in the pager's words.
    if (e instanceof PagerError) throw new StudyError(`cell ${cell.index} (${cell.workload}, ${cell.mode}): ${e.message}`);
    // So is a host too small for its VMs under the cell's reclaim policy (hostMemory, reclaim).
    if (e instanceof OutOfHostMemory) throw new StudyError(`cell ${cell.index} (${cell.workload}, ${cell.mode}): ${e.message} (raise hostMemory, or use a reclaim policy that swaps)`);
    throw e;
  }
}

/** A cell's dirty logging and migration (the parameters dirtyLog … migrateStopPages; migrateAt 0: none). */
function dirtyLogOf(p: Record<string, unknown>): Pick<VmmOptions, 'dirtyLog' | 'migration'> {
  const method = p.dirtyLog === 'none' ? undefined : (p.dirtyLog as 'wp' | 'pml');
  const at = p.migrateAt as number;
  if (method === undefined && at === 0) return {};
  return {
    dirtyLog: { method, pmlSize: (p.pmlSize as number | undefined) ?? DEFAULT_DIRTY_LOG.pmlSize, every: p.dirtyLogEvery as number },
    migration: { at: at === 0 ? undefined : at, bandwidth: p.migrateBandwidth as number, maxRounds: p.migrateMaxRounds as number, stopPages: p.migrateStopPages as number },
  };
}

/**
 * Run one cell on its workload's images, assembled already (by workloadImages); `pager` serves the
 * cells of its mode; `engine` is the CPU engine of its machine or VMs (the result is the same on either).
 */
export function runCellOn(
  study: Study, cell: Cell, images: WorkloadImages, checkTlbRules = false, pager?: CellPagerModule & { readonly name: string }, engine?: Engine,
): CellResult {
  const served = pager !== undefined && cell.mode === pager.mode;
  const { config: base, profile } = cellConfig(study, cell);
  const config: CellConfig = served ? { ...base, pager: pager.name } : base;
  const { modules } = images;
  const p = config.params;
  const reclaim = cell.mode === 'shadow' || cell.mode === 'ept' || cell.mode === 'dynamic' ? (p.reclaim as 'none' | ReclaimPolicy) : 'none';
  const kernel = cell.mode === 'pv' ? images.pvKernel ?? noPvKernel(cell)
    : reclaimBalloons(reclaim === 'none' ? undefined : reclaim) ? images.balloonKernel ?? noBuild(cell, 'balloon (-D BALLOON=1)') : images.kernel;
  const boot = { timerInterval: p.timerInterval as number };
  // `vms` copies of the workload: in VMs sharing one host, or natively one machine after another.
  const copies = p.vms as number;
  if (cell.mode === 'native') {
    const checked: CheckedCpu[] = [];
    const runs = Array.from({ length: copies }, () => {
      const machine = new Machine({ memoryBytes: config.memoryBytes, profile, mmu: config.mmu, ...(engine ? { engine } : {}) });
      machine.boot(kernel, modules, boot);
      if (checkTlbRules) checked.push(checkMachine(machine, kernel, modules, config.mmu.asidTagging !== false));
      const r = machine.run(config.maxInstructions);
      return { reason: r.reason, exitCode: r.exitCode, console: machine.devices.console.drainText(), stats: mergeStats(machine.stats) };
    });
    return { ...cell, config, ...combine(runs), ...tlbRulesOf(checkTlbRules, checked) };
  }
  // hostMemory: a percentage of the VMs' memory together, in whole frames (0: the roomy default).
  const hostPercent = cell.mode === 'shadow' || cell.mode === 'ept' || cell.mode === 'dynamic' ? p.hostMemory as number : 0;
  const hostBytes = hostPercent === 0 ? cellHostBytes(config.memoryBytes, copies) : Math.floor((config.memoryBytes * copies * hostPercent) / 100 / 4096) * 4096;
  const vmm = new Vmm({
    hostMemoryBytes: hostBytes,
    ...(reclaim !== 'none' ? { reclaim: { policy: reclaim } } : {}),
    profile,
    mmu: config.mmu,
    vpid: p.vpid as boolean,
    quantum: p.quantum as number,
    shadow: { cacheRoots: p.shadowCache as number, floodThreshold: DEFAULT_SHADOW.floodThreshold, sync: p.shadowSync as 'wp' | 'oos' },
    ept: { levels: p.eptLevels as number, largePages: p.eptLargePages as boolean },
    dynamic: {
      ...DEFAULT_DYNAMIC,
      start: p.dynamicStart as 'shadow' | 'ept',
      window: p.dynamicWindow as number,
      margin: p.dynamicMargin as number,
      hysteresis: p.dynamicHysteresis as number,
    },
    ...(cell.mode === 'shadow' || cell.mode === 'ept' || cell.mode === 'dynamic' ? { sharing: { pages: p.sharePages as number, every: p.shareEvery as number } } : {}),
    ...(cell.mode === 'shadow' || cell.mode === 'ept' || cell.mode === 'dynamic' ? dirtyLogOf(p) : {}),
    ...(cell.mode === 'agile' ? { agile: { ...DEFAULT_AGILE, writes: p.agileWrites as number, window: p.agileWindow as number, root: p.agileRoot as 'cost' | 'shadow' } } : {}),
  });
  const vms = Array.from({ length: copies }, (_, i) => vmm.addVm({
    name: copies === 1 ? cell.workload : `${cell.workload}${i}`, mode: cell.mode as VmMode, memoryBytes: config.memoryBytes, kernel, modules, boot,
    ...(served ? { pager: pager.module } : {}),
  }).vm);
  if (engine) for (const vm of vms) vm.cpu.engine = engine;
  const checked = checkTlbRules ? vms.map((vm) => checkVm(vm, kernel, modules, config.mmu.asidTagging !== false)) : [];
  const results = vmm.run(config.maxInstructions);
  return {
    ...cell, config,
    ...combine(vms.map((vm, i) => ({ reason: results[i]!.reason, exitCode: results[i]!.exitCode, console: vm.devices.console.drainText(), stats: vmStatsJson(vm) }))),
    ...tlbRulesOf(checkTlbRules, checked),
    ...(vmm.memorySeries.length > 0 ? { memorySeries: vmm.memorySeries } : {}),
  };
}

function noPvKernel(cell: Cell): never {
  throw new StudyError(`cell ${cell.index} (${cell.workload}, pv): no PV build of the kernel was assembled`);
}

function noBuild(cell: Cell, what: string): never {
  throw new StudyError(`cell ${cell.index} (${cell.workload}, ${cell.mode}): no ${what} build of the kernel was assembled`);
}

/** The checker's findings, as plain data: every stale use counted, the first one of each CPU described. */
function tlbRulesOf(checkTlbRules: boolean, checked: readonly CheckedCpu[]): Pick<CellResult, 'tlbRules'> {
  if (!checkTlbRules) return {};
  const found = checked.filter((c) => c.checker.first !== undefined);
  return {
    tlbRules: {
      violations: checked.reduce((sum, c) => sum + c.checker.violations, 0),
      report: found.flatMap((c) => describeTlbRules(c).map((line) => (checked.length > 1 ? `${c.name}: ${line}` : line))),
    },
  };
}

/** One cell's result from its copies: the first copy's console, the worst stop, summed statistics. */
function combine(runs: { reason: string; exitCode: number; console: string; stats: Json }[]): Pick<CellResult, 'reason' | 'exitCode' | 'console' | 'stats'> {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  const failed = runs.find((r) => r.reason !== 'halted' || r.exitCode !== 0);
  return { reason: (failed ?? first).reason, exitCode: (failed ?? first).exitCode, console: first.console, stats: sumStats(runs.map((r) => r.stats)) };
}
