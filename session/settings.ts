// What a command line's machine and hypervisor options become: memory, instruction budget, cycle
// profile, TLB geometry, mode and the VMM's options. `vmmlab run`/`debug` (cli/options.ts,
// cli/session.ts) and the playground's controls (web/) both go through these functions with the
// same option values (`{ 'tlb-entries': '32', mode: 'ept', … }`), so the same settings build the
// same machine in the CLI and in the browser. Platform-neutral: a --profile file is read by the
// caller's `loadProfile`; no node: module here.
//
// A bad value throws SettingsError naming the option and what it takes (the CLI's CliError is
// this class: exit status 2 unless said otherwise).

import { DEFAULT_MEMORY_BYTES, DEFAULT_MAX_INSTRUCTIONS } from '../emulator/machine.ts';
import type { MmuConfig } from '../emulator/mmu.ts';
import { ENGINES, getDefaultEngine, type Engine } from '../emulator/cpu.ts';
import { DEFAULT_PROFILE, ProfileError, applySettings, type MachineProfile } from '../emulator/profile.ts';
import { DEFAULT_TLB, checkTlbConfig } from '../emulator/tlb.ts';
import { DEFAULT_AGILE, checkAgileOptions, type AgileOptions } from '../hypervisor/agile.ts';
import { DEFAULT_DYNAMIC, checkDynamicOptions, type DynamicOptions } from '../hypervisor/dynamic.ts';
import { DEFAULT_EPT } from '../hypervisor/ept.ts';
import { DEFAULT_SHADOW } from '../hypervisor/shadow.ts';
import type { Translation } from '../hypervisor/pager.ts';
import type { VmMode } from '../hypervisor/vm.ts';
import { DEFAULT_HOST_MEMORY, DEFAULT_QUANTUM, type VmmOptions } from '../hypervisor/vmm.ts';
import { DEFAULT_SHARING, type SharingOptions } from '../hypervisor/sharing.ts';
import { DEFAULT_BALLOON, type BalloonOptions } from '../hypervisor/balloon.ts';
import { DIRTY_LOG_METHODS, type DirtyLogMethod } from '../hypervisor/dirty-log.ts';
import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION, type DirtyLogOptions, type MigrationOptions } from '../hypervisor/migration.ts';
import { DEFAULT_RECLAIM, RECLAIM_POLICIES, type ReclaimOptions, type ReclaimPolicy } from '../hypervisor/reclaim.ts';
import { DEFAULT_SWAP, SWAP_POLICIES, type SwapOptions, type SwapPolicy } from '../hypervisor/swap.ts';

export class SettingsError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/** Option values as a command-line parser leaves them. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export type Mode = 'native' | VmMode;
export const MODES: readonly Mode[] = ['native', 'shadow', 'ept', 'dynamic', 'pv', 'agile'];

export interface MachineSettings {
  memoryBytes: number;
  maxInstructions: number;
  profile: MachineProfile;
  mmu: MmuConfig;
  /** The CPU engine (--engine): the interpreter or the translating engine, with the same results. */
  engine?: Engine;
}

export function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const cleaned = text.replace(/_/g, '');
  const value = /^0x[0-9a-f]+$/i.test(cleaned) ? parseInt(cleaned, 16) : /^\d+(e\d+)?$/i.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new SettingsError(`--${name} takes a whole number of at least ${min} (got '${text}')`);
  return value;
}

export function parseSize(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(text.trim());
  if (!m) throw new SettingsError(`--${name} takes a size such as 65536, 64K, 64M or 1G (got '${text}')`);
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(m[1]) * scale;
}

export function parseMode(text: string | undefined): Mode {
  const mode = (text ?? 'native') as Mode;
  if (!MODES.includes(mode)) throw new SettingsError(`--mode takes ${MODES.join(', ')} (got '${text}')`);
  return mode;
}

/** The mode of the VMs a pager of one's own serves: 'shadow' translation → shadow paging, 'nested' → ept, 'agile' → agile. */
export function pagerMode(translation: Translation): VmMode {
  return translation === 'shadow' ? 'shadow' : translation === 'agile' ? 'agile' : 'ept';
}

/**
 * --mode with --pager: a pager replaces the built-in pager of its own mode, so --mode defaults
 * to that mode; native (no VM at all) is a contradiction. `pager` names it in the message.
 */
export function parseModeWithPager(text: string | undefined, translation: Translation, pager: string): Mode {
  if (text === undefined) return pagerMode(translation);
  const mode = parseMode(text);
  if (mode === 'native') {
    throw new SettingsError(`--pager ${pager} runs the guest in a VM under that pager: give --mode ${pagerMode(translation)}, or leave --mode out`);
  }
  if (mode === 'dynamic') {
    throw new SettingsError(`--pager ${pager}: --mode dynamic switches between the built-in shadow and EPT pagers; give --mode ${pagerMode(translation)}, or leave --mode out`);
  }
  if ((mode === 'agile') !== (translation === 'agile')) {
    throw new SettingsError(`--pager ${pager} is a${translation === 'agile' ? 'n agile' : ` ${translation}`} pager: give --mode ${pagerMode(translation)}, or leave --mode out`);
  }
  return mode;
}

/** The machine options (MACHINE_OPTIONS in cli/options.ts); `loadProfile` reads a --profile file. */
export function machineSettings(values: OptionValues, loadProfile?: (file: string) => MachineProfile): MachineSettings {
  const memoryBytes = parseSize('memory', values.memory as string | undefined, DEFAULT_MEMORY_BYTES);
  if (memoryBytes % 4096 !== 0 || memoryBytes < 4096 || memoryBytes > 0xf0000000) {
    throw new SettingsError(`--memory must be a multiple of 4 KiB between 4K and 3840M (got ${memoryBytes} bytes)`);
  }
  const maxInstructions = parseCount('max-instructions', values['max-instructions'] as string | undefined, DEFAULT_MAX_INSTRUCTIONS, 1);
  let profile: MachineProfile = DEFAULT_PROFILE;
  if (typeof values.profile === 'string') {
    if (!loadProfile) throw new SettingsError('--profile files cannot be read here');
    profile = loadProfile(values.profile);
  }
  try {
    profile = applySettings(profile, (values.set as string[] | undefined) ?? []);
  } catch (e) {
    if (e instanceof ProfileError) throw new SettingsError(e.message);
    throw e;
  }
  const replacement = (values['tlb-replacement'] as string | undefined) ?? DEFAULT_TLB.replacement;
  if (replacement !== 'lru' && replacement !== 'random') throw new SettingsError(`--tlb-replacement takes lru or random (got '${replacement}')`);
  const tlb = {
    entries: parseCount('tlb-entries', values['tlb-entries'] as string | undefined, DEFAULT_TLB.entries, 1),
    ways: parseCount('tlb-ways', values['tlb-ways'] as string | undefined, DEFAULT_TLB.ways, 1),
    replacement,
    seed: parseCount('tlb-seed', values['tlb-seed'] as string | undefined, DEFAULT_TLB.seed),
  } as const;
  // Fewer entries than the default ways: a fully associative TLB of that size.
  const fitted = values['tlb-ways'] === undefined && tlb.ways > tlb.entries ? { ...tlb, ways: tlb.entries } : tlb;
  const problem = checkTlbConfig(fitted);
  if (problem) throw new SettingsError(problem);
  const pwcEntries = parseCount('pwc', values.pwc as string | undefined, 0);
  return {
    memoryBytes,
    maxInstructions,
    profile,
    mmu: { tlb: fitted, splitTlb: values['split-tlb'] === true, pwcEntries, asidTagging: values['no-asid'] !== true },
    engine: parseEngineOption(values.engine as string | undefined),
  };
}

/** --engine interp|jit (default: the translating engine, unless setDefaultEngine chose another). */
export function parseEngineOption(text: string | undefined): Engine {
  if (text === undefined) return getDefaultEngine();
  if (!(ENGINES as readonly string[]).includes(text)) throw new SettingsError(`--engine takes ${ENGINES.join(' or ')} (got '${text}')`);
  return text as Engine;
}

function parseSync(text: string | undefined): 'wp' | 'oos' {
  if (text === undefined || text === 'wp' || text === 'oos') return text ?? 'wp';
  throw new SettingsError(`--shadow-sync takes wp or oos (got '${text}')`);
}

/** The hypervisor options (HYPERVISOR_OPTIONS in cli/session.ts) as the VMM takes them. */
export function vmmOptions(settings: MachineSettings, values: OptionValues): VmmOptions {
  const options = {
    hostMemoryBytes: parseSize('host-memory', values['host-memory'] as string | undefined, DEFAULT_HOST_MEMORY),
    profile: settings.profile,
    mmu: settings.mmu,
    vpid: values.vpid === true,
    quantum: parseCount('quantum', values.quantum as string | undefined, DEFAULT_QUANTUM, 1),
    shadow: {
      cacheRoots: parseCount('shadow-cache', values['shadow-cache'] as string | undefined, DEFAULT_SHADOW.cacheRoots, 1),
      floodThreshold: parseCount('shadow-flood', values['shadow-flood'] as string | undefined, DEFAULT_SHADOW.floodThreshold, 1),
      sync: parseSync(values['shadow-sync'] as string | undefined),
    },
    ept: {
      levels: parseCount('ept-levels', values['ept-levels'] as string | undefined, DEFAULT_EPT.levels, 1),
      largePages: values['ept-large-pages'] === true,
    },
  };
  if (options.ept.levels > 4) throw new SettingsError('--ept-levels takes 1 to 4');
  return { ...options, dynamic: dynamicOptions(values), agile: agileOptions(values), sharing: sharingOptions(values), swap: swapOptions(values), balloon: balloonOptions(values), reclaim: reclaimOptions(values), dirtyLog: dirtyLogOptions(values), migration: migrationOptions(values) };
}

/** --balloon-target FRAMES|SIZE: each VM's balloon target (hypervisor/balloon.ts); a size (64K, 2M) is rounded down to whole 4 KiB frames. */
export function balloonOptions(values: OptionValues): BalloonOptions {
  const text = values['balloon-target'] as string | undefined;
  if (text === undefined) return DEFAULT_BALLOON;
  const sized = /[kmg]/i.test(text);
  const frames = sized ? Math.floor(parseSize('balloon-target', text, 0) / 4096) : parseCount('balloon-target', text, 0);
  return { targetFrames: frames };
}

/** --reclaim swap|balloon|balloon-swap: the reclaim policy under overcommit (hypervisor/reclaim.ts). */
export function reclaimOptions(values: OptionValues): ReclaimOptions {
  const policy = values.reclaim as string | undefined;
  if (policy === undefined) return DEFAULT_RECLAIM;
  if (!(RECLAIM_POLICIES as readonly string[]).includes(policy)) throw new SettingsError(`--reclaim takes ${RECLAIM_POLICIES.join(', ')} (got '${policy}')`);
  if (policy !== 'swap' && values['balloon-target'] !== undefined) throw new SettingsError(`--reclaim ${policy} sets the balloon targets itself: leave out --balloon-target`);
  if (policy === 'balloon' && values['host-swap'] !== undefined) throw new SettingsError('--reclaim balloon is ballooning alone: for host swapping as well use --reclaim balloon-swap (--host-swap then chooses its victim policy)');
  return { policy: policy as ReclaimPolicy };
}

/** --host-swap / --swap-seed / --swap-reserve: host swapping (hypervisor/swap.ts). */
export function swapOptions(values: OptionValues): SwapOptions {
  const policy = values['host-swap'] as string | undefined;
  if (policy !== undefined && !(SWAP_POLICIES as readonly string[]).includes(policy)) throw new SettingsError(`--host-swap takes ${SWAP_POLICIES.join(' or ')} (got '${policy}')`);
  return {
    policy: policy as SwapPolicy | undefined,
    seed: parseCount('swap-seed', values['swap-seed'] as string | undefined, DEFAULT_SWAP.seed),
    reserve: parseCount('swap-reserve', values['swap-reserve'] as string | undefined, DEFAULT_SWAP.reserve),
  };
}

/** --dirty-log / --dirty-log-every / --pml-size: dirty logging (hypervisor/dirty-log.ts). */
export function dirtyLogOptions(values: OptionValues): DirtyLogOptions {
  const method = values['dirty-log'] as string | undefined;
  if (method !== undefined && !(DIRTY_LOG_METHODS as readonly string[]).includes(method)) throw new SettingsError(`--dirty-log takes ${DIRTY_LOG_METHODS.join(' or ')} (got '${method}')`);
  const pmlSize = parseCount('pml-size', values['pml-size'] as string | undefined, DEFAULT_DIRTY_LOG.pmlSize, 1);
  if (pmlSize > 65536) throw new SettingsError(`--pml-size takes 1 to 65536 (got '${String(values['pml-size'])}')`);
  return {
    method: method as DirtyLogMethod | undefined,
    pmlSize,
    every: parseCount('dirty-log-every', values['dirty-log-every'] as string | undefined, DEFAULT_DIRTY_LOG.every, 1000),
  };
}

/** --migrate-at / --migrate-bandwidth / --migrate-max-rounds / --migrate-stop-pages: pre-copy live migration (hypervisor/migration.ts). */
export function migrationOptions(values: OptionValues): MigrationOptions {
  const at = values['migrate-at'] as string | undefined;
  const options: MigrationOptions = {
    at: at === undefined ? undefined : parseCount('migrate-at', at, 0),
    bandwidth: parseCount('migrate-bandwidth', values['migrate-bandwidth'] as string | undefined, DEFAULT_MIGRATION.bandwidth, 1),
    maxRounds: parseCount('migrate-max-rounds', values['migrate-max-rounds'] as string | undefined, DEFAULT_MIGRATION.maxRounds, 1),
    stopPages: parseCount('migrate-stop-pages', values['migrate-stop-pages'] as string | undefined, DEFAULT_MIGRATION.stopPages),
  };
  if (options.bandwidth > 1_000_000) throw new SettingsError(`--migrate-bandwidth takes 1 to 1000000 pages per million cycles (got '${String(values['migrate-bandwidth'])}')`);
  if (options.maxRounds > 1000) throw new SettingsError(`--migrate-max-rounds takes 1 to 1000 (got '${String(values['migrate-max-rounds'])}')`);
  if (at === undefined) {
    for (const name of ['migrate-bandwidth', 'migrate-max-rounds', 'migrate-stop-pages']) {
      if (values[name] !== undefined) throw new SettingsError(`--${name} sets up a live migration: give --migrate-at N too`);
    }
  }
  return options;
}

/** --share-pages / --share-every: content-based page sharing (hypervisor/sharing.ts). */
export function sharingOptions(values: OptionValues): SharingOptions {
  return {
    pages: parseCount('share-pages', values['share-pages'] as string | undefined, DEFAULT_SHARING.pages),
    every: parseCount('share-every', values['share-every'] as string | undefined, DEFAULT_SHARING.every, 1000),
  };
}

function agileRoot(text: string | undefined): 'cost' | 'shadow' {
  if (text === undefined) return DEFAULT_AGILE.root;
  if (text === 'cost' || text === 'shadow') return text;
  throw new SettingsError(`--agile-root takes cost or shadow (got '${text}')`);
}

function agileStart(text: string | undefined): 'shadow' | 'nested' {
  if (text === undefined) return DEFAULT_AGILE.start;
  if (text === 'shadow' || text === 'nested') return text;
  throw new SettingsError(`--agile-start takes shadow or nested (got '${text}')`);
}

/** The --agile-* options (agile mode's policy and its forcing test hook, hypervisor/agile.ts). */
export function agileOptions(values: OptionValues): AgileOptions {
  const text = (name: string) => values[`agile-${name}`] as string | undefined;
  const options: AgileOptions = {
    start: agileStart(text('start')),
    root: agileRoot(text('root')),
    writes: parseCount('agile-writes', text('writes'), DEFAULT_AGILE.writes),
    window: parseCount('agile-window', text('window'), DEFAULT_AGILE.window, 1000),
    switchEvery: parseCount('agile-switch-every', text('switch-every'), DEFAULT_AGILE.switchEvery),
    seed: parseCount('agile-seed', text('seed'), DEFAULT_AGILE.seed),
  };
  const problem = checkAgileOptions(options);
  const flag = { switchEvery: 'switch-every' }[problem?.option as string] ?? problem?.option;
  if (problem) throw new SettingsError(`--agile-${flag} ${problem.message}`);
  return options;
}

/** The --dynamic-* options (dynamic mode's start design, policy and switch test hook). */
export function dynamicOptions(values: OptionValues): DynamicOptions {
  const text = (name: string) => values[`dynamic-${name}`] as string | undefined;
  const start = text('start') ?? DEFAULT_DYNAMIC.start;
  if (start !== 'shadow' && start !== 'ept') throw new SettingsError(`--dynamic-start takes shadow or ept (got '${start}')`);
  const policy = text('policy') ?? DEFAULT_DYNAMIC.policy;
  if (policy !== 'cost' && policy !== 'off') throw new SettingsError(`--dynamic-policy takes cost or off (got '${policy}')`);
  const switchAt = (text('switch-at') ?? '').split(',').filter((t) => t.trim() !== '').map((t) => parseCount('dynamic-switch-at', t.trim(), 0, 1));
  const options: DynamicOptions = {
    start,
    policy,
    window: parseCount('dynamic-window', text('window'), DEFAULT_DYNAMIC.window, 1000),
    margin: parseCount('dynamic-margin', text('margin'), DEFAULT_DYNAMIC.margin),
    hysteresis: parseCount('dynamic-hysteresis', text('hysteresis'), DEFAULT_DYNAMIC.hysteresis, 1),
    switchAt,
    randomEvery: parseCount('dynamic-switch-every', text('switch-every'), DEFAULT_DYNAMIC.randomEvery),
    seed: parseCount('dynamic-seed', text('seed'), DEFAULT_DYNAMIC.seed),
  };
  const problem = checkDynamicOptions(options);
  const flag = { randomEvery: 'switch-every', switchAt: 'switch-at' }[problem?.option as string] ?? problem?.option;
  if (problem) throw new SettingsError(`--dynamic-${flag} ${problem.message}`);
  return options;
}
