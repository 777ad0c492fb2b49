// The sweepable parameters of an experiment, in one table: each one's name, the values it takes,
// its default, and the modes it means something in. The grid expansion, the study validation, the
// `--param` parser, the tables and `vmmlab exp --help` all read this table, so a new parameter is
// one row here and one line in `cellConfig` (cell.ts), which turns the values into machine options.
//
// This module knows nothing of running cells; it only names and checks values.

import { closestName } from '../assembler/diagnostics.ts';
import { ConfigError } from '../config/issues.ts';
import { DEFAULT_TLB } from '../emulator/tlb.ts';
import { DEFAULT_PROFILE, MAX_COST_CYCLES } from '../emulator/profile.ts';
import { DEFAULT_AGILE, MAX_AGILE_WINDOW } from '../hypervisor/agile.ts';
import { DEFAULT_DYNAMIC, MAX_DYNAMIC_WINDOW } from '../hypervisor/dynamic.ts';
import { DEFAULT_SHARING } from '../hypervisor/sharing.ts';
import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION } from '../hypervisor/migration.ts';
import { DEFAULT_EPT } from '../hypervisor/ept.ts';
import { DEFAULT_SHADOW } from '../hypervisor/shadow.ts';
import { DEFAULT_QUANTUM } from '../hypervisor/vmm.ts';
import { MAX_STUDY_INSTRUCTIONS } from './limits.ts';

export type Mode = 'native' | 'shadow' | 'ept' | 'pv' | 'dynamic' | 'agile';
export const MODES: readonly Mode[] = ['native', 'shadow', 'ept', 'pv', 'dynamic', 'agile'];
/** A grid without `mode` runs these: pv needs the kernel's PV build, so a study asks for it by name. */
export const DEFAULT_MODES: readonly Mode[] = ['native', 'shadow', 'ept'];
const VIRTUAL: readonly Mode[] = ['shadow', 'ept', 'pv', 'dynamic', 'agile'];

export type ParamValue = number | boolean | string;

export interface ParamSpec {
  readonly name: string;
  /** A short name for chart labels. */
  readonly short: string;
  readonly kind: 'int' | 'bool' | 'enum';
  /** For 'enum'. */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly powerOfTwo?: boolean;
  /** The value when the grid does not sweep the parameter. */
  readonly default: ParamValue;
  /** The modes in which the parameter changes anything; other modes' cells leave it out. */
  readonly modes: readonly Mode[];
  readonly help: string;
}

/** The most TLB entries the emulator builds (checkTlbConfig in emulator/tlb.ts). */
export const MAX_TLB_ENTRIES = 65536;

/**
 * The parameters, in the order the tables show them. Every value has a range: the emulator's own
 * limit where it has one (TLB geometry, EPT levels, 32-bit timer), else a bound far past any
 * meaningful value, so that a typo (a few zeros too many) is an error and not a week-long run.
 */
export const PARAMS: readonly ParamSpec[] = [
  { name: 'tlbEntries', short: 'tlb', kind: 'int', min: 1, max: MAX_TLB_ENTRIES, powerOfTwo: true, default: DEFAULT_TLB.entries, modes: MODES, help: 'TLB entries (a power of two)' },
  { name: 'tlbWays', short: 'ways', kind: 'int', min: 1, max: MAX_TLB_ENTRIES, powerOfTwo: true, default: DEFAULT_TLB.ways, modes: MODES, help: 'TLB associativity; more ways than entries means fully associative' },
  { name: 'tlbReplacement', short: 'repl', kind: 'enum', choices: ['lru', 'random'], default: DEFAULT_TLB.replacement, modes: MODES, help: 'TLB replacement (random: repetition k uses seed k+1)' },
  { name: 'asid', short: 'asid', kind: 'bool', default: true, modes: MODES, help: 'ASID tagging (false: every PTBR write flushes the TLB)' },
  // No larger than the largest TLB: real page-walk caches have a few dozen entries.
  { name: 'pwc', short: 'pwc', kind: 'int', min: 0, max: MAX_TLB_ENTRIES, default: 0, modes: MODES, help: 'page-walk cache entries, both dimensions (0: none)' },
  // The TIMER control register is 32 bits, read unsigned (fireTimer in emulator/cpu-state.ts).
  { name: 'timerInterval', short: 'timer', kind: 'int', min: 0, max: 0xffffffff, default: 0, modes: MODES, help: "the kernel's time slice in retired instructions (0: the kernel's TIMER_SLICE)" },
  { name: 'vms', short: 'vms', kind: 'int', min: 1, max: 16, default: 1, modes: MODES, help: 'copies of the workload, each in its own VM sharing one host (native: one machine after another); statistics are summed' },
  { name: 'quantum', short: 'q', kind: 'int', min: 1, max: MAX_STUDY_INSTRUCTIONS, default: DEFAULT_QUANTUM, modes: VIRTUAL, help: 'guest instructions a VM runs before the host switches VMs (with vms > 1)' },
  { name: 'vpid', short: 'vpid', kind: 'bool', default: false, modes: VIRTUAL, help: 'VPID-tagged TLB: no flush when the host switches VMs (matters with vms > 1)' },
  { name: 'exitLatency', short: 'exit', kind: 'int', min: 0, max: MAX_COST_CYCLES, default: DEFAULT_PROFILE.vmExitCycles + DEFAULT_PROFILE.vmEntryCycles, modes: VIRTUAL, help: 'cycles of a VM exit + entry round trip (split 60:40 like the defaults)' },
  // The guest kernel has 16 process slots (NPROC): a thousand roots is far more than it can use.
  { name: 'shadowCache', short: 'cache', kind: 'int', min: 1, max: 1024, default: DEFAULT_SHADOW.cacheRoots, modes: ['shadow', 'dynamic', 'agile'], help: 'shadow roots kept per VM' },
  { name: 'shadowSync', short: 'sync', kind: 'enum', choices: ['wp', 'oos'], default: DEFAULT_SHADOW.sync ?? 'wp', modes: ['shadow', 'dynamic'], help: 'wp: write-protect every guest page table; oos: leaf tables out of sync' },
  { name: 'eptLevels', short: 'L', kind: 'int', min: 1, max: 4, default: DEFAULT_EPT.levels, modes: ['ept', 'dynamic', 'agile'], help: 'EPT levels (1-4)' },
  { name: 'eptLargePages', short: 'lp', kind: 'bool', default: DEFAULT_EPT.largePages, modes: ['ept', 'dynamic'], help: 'EPT large pages' },
  // Dynamic switching between shadow and EPT (hypervisor/dynamic.ts): its policy.
  { name: 'dynamicStart', short: 'start', kind: 'enum', choices: ['ept', 'shadow'], default: DEFAULT_DYNAMIC.start, modes: ['dynamic'], help: 'the design a dynamic VM starts in' },
  { name: 'dynamicWindow', short: 'win', kind: 'int', min: 1000, max: MAX_DYNAMIC_WINDOW, default: DEFAULT_DYNAMIC.window, modes: ['dynamic'], help: 'guest instructions per policy window' },
  { name: 'dynamicMargin', short: 'margin', kind: 'int', min: 0, max: 100, default: DEFAULT_DYNAMIC.margin, modes: ['dynamic'], help: 'percent by which the other design must look cheaper for a window to vote for it' },
  { name: 'dynamicHysteresis', short: 'hyst', kind: 'int', min: 1, max: 1000, default: DEFAULT_DYNAMIC.hysteresis, modes: ['dynamic'], help: 'windows in a row that must vote before a switch' },
  // Sharing host memory (hypervisor/sharing.ts, docs/host-memory.md).
  { name: 'sharePages', short: 'share', kind: 'int', min: 0, max: 1 << 20, default: DEFAULT_SHARING.pages, modes: ['shadow', 'ept', 'dynamic'], help: 'content-based page sharing: guest frames scanned per scan (0: off)' },
  { name: 'shareEvery', short: 'every', kind: 'int', min: 1000, max: MAX_STUDY_INSTRUCTIONS, default: DEFAULT_SHARING.every, modes: ['shadow', 'ept', 'dynamic'], help: 'guest instructions of a VM between its page-sharing scans' },
  // Overcommit and reclaim (hypervisor/reclaim.ts, swap.ts, balloon.ts; docs/host-memory.md).
  { name: 'hostMemory', short: 'host', kind: 'int', min: 0, max: 1000, default: 0, modes: ['shadow', 'ept', 'dynamic'], help: "the host's memory as a percentage of the VMs' guest memory together (below 100: overcommit, which needs a reclaim policy; 0: a roomy host, the VMs' memory and more)" },
  { name: 'reclaim', short: 'reclaim', kind: 'enum', choices: ['none', 'swap', 'balloon', 'balloon-swap'], default: 'none', modes: ['shadow', 'ept', 'dynamic'], help: 'the reclaim policy: host swapping, ballooning (the kernel\'s balloon build, targets from host free memory), or both' },
  // Dirty logging and pre-copy live migration (hypervisor/dirty-log.ts, migration.ts; docs/host-memory.md).
  { name: 'dirtyLog', short: 'log', kind: 'enum', choices: ['none', 'wp', 'pml'], default: 'none', modes: ['shadow', 'ept', 'dynamic'], help: 'dirty logging: write protection, or page-modification logging (EPT only); with migrateAt the migration\'s method (none: pml for EPT, wp otherwise), alone on from the start' },
  { name: 'dirtyLogEvery', short: 'harvest', kind: 'int', min: 1000, max: MAX_STUDY_INSTRUCTIONS, default: DEFAULT_DIRTY_LOG.every, modes: ['shadow', 'ept', 'dynamic'], help: 'dirty logging alone: guest instructions between harvests' },
  { name: 'pmlSize', short: 'pml', kind: 'int', min: 1, max: 65536, default: DEFAULT_DIRTY_LOG.pmlSize, modes: ['ept'], help: 'entries of the page-modification log' },
  { name: 'migrateAt', short: 'mig', kind: 'int', min: 0, max: MAX_STUDY_INSTRUCTIONS, default: 0, modes: ['shadow', 'ept', 'dynamic'], help: 'pre-copy live migration of each VM once it retired this many guest instructions (0: no migration)' },
  { name: 'migrateBandwidth', short: 'bw', kind: 'int', min: 1, max: 1_000_000, default: DEFAULT_MIGRATION.bandwidth, modes: ['shadow', 'ept', 'dynamic'], help: 'migration link bandwidth, 4 KiB pages per million cycles' },
  { name: 'migrateMaxRounds', short: 'rounds', kind: 'int', min: 1, max: 1000, default: DEFAULT_MIGRATION.maxRounds, modes: ['shadow', 'ept', 'dynamic'], help: 'migration rounds at most (the full copy included) before stop-and-copy' },
  { name: 'migrateStopPages', short: 'stop', kind: 'int', min: 0, max: 1 << 20, default: DEFAULT_MIGRATION.stopPages, modes: ['shadow', 'ept', 'dynamic'], help: 'stop-and-copy once a round leaves at most this many dirty pages' },
  // Agile paging (hypervisor/agile.ts): its policy.
  { name: 'agileWrites', short: 'writes', kind: 'int', min: 0, max: 1024, default: DEFAULT_AGILE.writes, modes: ['agile'], help: 'emulated writes to a leaf table within a window that move it to nested mode (0: never)' },
  { name: 'agileRoot', short: 'root', kind: 'enum', choices: ['cost', 'shadow'], default: DEFAULT_AGILE.root, modes: ['agile'], help: 'the switch at the root: cost lets the policy walk the guest PTBR fully nested; shadow keeps the root shadowed' },
  { name: 'agileWindow', short: 'awin', kind: 'int', min: 1000, max: MAX_AGILE_WINDOW, default: DEFAULT_AGILE.window, modes: ['agile'], help: 'guest instructions per agile window; a nested table not written for one goes back to shadow' },
];

export const PARAM_NAMES: readonly string[] = PARAMS.map((p) => p.name);

/** The grid keys: `mode` and every parameter. */
export const GRID_KEYS: readonly string[] = ['mode', ...PARAM_NAMES];

/** A cell's parameters: only those that apply to its mode. */
export type CellParams = Record<string, ParamValue>;

/**
 * A study that cannot run: a bad file (then `issues` lists every problem, each at its JSON path),
 * a missing program, or a run that was interrupted.
 */
export class StudyError extends ConfigError {}

export function paramSpec(name: string): ParamSpec | undefined {
  return PARAMS.find((p) => p.name === name);
}

export function appliesTo(spec: ParamSpec, mode: Mode): boolean {
  return spec.modes.includes(mode);
}

/** What a parameter (or `mode`) takes, as a phrase: `must be a power of two from 1 to 65536`. */
export function valuePhrase(name: string): string {
  if (name === 'mode') return `must be ${MODES.slice(0, -1).join(', ')} or ${MODES[MODES.length - 1]}`;
  const spec = paramSpec(name)!;
  if (spec.kind === 'bool') return 'must be true or false';
  if (spec.kind === 'enum') return `must be ${spec.choices!.join(' or ')}`;
  const [min, max] = [spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER];
  return spec.powerOfTwo ? `must be a power of two from ${min} to ${max}` : `must be a whole number from ${min} to ${max}`;
}

export function isPowerOfTwo(n: number): boolean {
  // Not `n & (n - 1)`: that works on 32 bits, and calls 2^31 + 2^31 a power of two.
  return Number.isSafeInteger(n) && n >= 1 && Number.isInteger(Math.log2(n));
}

/** Check one value of a parameter (or `mode`) given as JSON or as command-line text. */
export function checkValue(name: string, raw: unknown, where: string): ParamValue {
  const spec = paramSpec(name);
  if (name !== 'mode' && !spec) {
    const hint = closestName(name, GRID_KEYS);
    throw new StudyError(`${where}: unknown parameter '${name}'${hint ? `; did you mean '${hint}'?` : ` (known: ${GRID_KEYS.join(', ')})`}`);
  }
  const fail = () => new StudyError(`${where}: ${name} ${valuePhrase(name)} (got ${JSON.stringify(raw)})`);
  if (!spec) {
    if (typeof raw === 'string' && (MODES as readonly string[]).includes(raw)) return raw;
    throw fail();
  }
  switch (spec.kind) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'on' || raw === '1' || raw === 1) return true;
      if (raw === 'false' || raw === 'off' || raw === '0' || raw === 0) return false;
      throw fail();
    }
    case 'enum': {
      if (typeof raw === 'string' && spec.choices!.includes(raw)) return raw;
      throw fail();
    }
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.replace(/_/g, '')) ? Number(raw.replace(/_/g, '')) : NaN;
      const ok = Number.isSafeInteger(value) && value >= (spec.min ?? 0) && value <= (spec.max ?? Number.MAX_SAFE_INTEGER)
        && (!spec.powerOfTwo || isPowerOfTwo(value));
      if (ok) return value;
      throw fail();
    }
  }
}

/** Every parameter's value for a cell: the cell's own, else the default. */
export function withDefaults(params: CellParams): Record<string, ParamValue> {
  return Object.fromEntries(PARAMS.map((p) => [p.name, params[p.name] ?? p.default]));
}

/** How a value reads in tables: on/off for booleans. */
export function showValue(value: ParamValue | undefined): string {
  if (value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

/** `--help` lines for the parameters. */
export function paramsHelp(indent = '  '): string {
  const width = Math.max(...PARAMS.map((p) => p.name.length)) + 2;
  return PARAMS.map((p) => {
    const only = p.modes.length === MODES.length ? '' : ` [${p.modes.join(', ')}]`;
    return `${indent}${p.name.padEnd(width)}${p.help}; default ${showValue(p.default)}${only}`;
  }).join('\n');
}
