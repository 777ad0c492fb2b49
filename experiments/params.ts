// The sweepable parameters of an experiment, in one table: each one's name, the values it takes,
// its default, and the modes it means something in. The grid expansion, the study validation, the
// `--param` parser, the tables and `vmmlab exp --help` all read this table, so a new parameter is
// one row here and one line in `cellConfig` (cell.ts), which turns the values into machine options.
//
// This module knows nothing of running cells; it only names and checks values.

import { DEFAULT_TLB } from '../emulator/tlb.ts';
import { DEFAULT_PROFILE } from '../emulator/profile.ts';
import { DEFAULT_EPT } from '../hypervisor/ept.ts';
import { DEFAULT_SHADOW } from '../hypervisor/shadow.ts';
import { DEFAULT_QUANTUM } from '../hypervisor/vmm.ts';

export type Mode = 'native' | 'shadow' | 'ept';
export const MODES: readonly Mode[] = ['native', 'shadow', 'ept'];
const VIRTUAL: readonly Mode[] = ['shadow', 'ept'];

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

/** The parameters, in the order the tables show them. */
export const PARAMS: readonly ParamSpec[] = [
  { name: 'tlbEntries', short: 'tlb', kind: 'int', min: 1, powerOfTwo: true, default: DEFAULT_TLB.entries, modes: MODES, help: 'TLB entries (a power of two)' },
  { name: 'tlbWays', short: 'ways', kind: 'int', min: 1, powerOfTwo: true, default: DEFAULT_TLB.ways, modes: MODES, help: 'TLB associativity; more ways than entries means fully associative' },
  { name: 'tlbReplacement', short: 'repl', kind: 'enum', choices: ['lru', 'random'], default: DEFAULT_TLB.replacement, modes: MODES, help: 'TLB replacement (random: repetition k uses seed k+1)' },
  { name: 'asid', short: 'asid', kind: 'bool', default: true, modes: MODES, help: 'ASID tagging (false: every PTBR write flushes the TLB)' },
  { name: 'pwc', short: 'pwc', kind: 'int', min: 0, default: 0, modes: MODES, help: 'page-walk cache entries, both dimensions (0: none)' },
  { name: 'timerInterval', short: 'timer', kind: 'int', min: 0, default: 0, modes: MODES, help: "the kernel's time slice in retired instructions (0: the kernel's TIMER_SLICE)" },
  { name: 'vms', short: 'vms', kind: 'int', min: 1, max: 16, default: 1, modes: MODES, help: 'copies of the workload, each in its own VM sharing one host (native: one machine after another); statistics are summed' },
  { name: 'quantum', short: 'q', kind: 'int', min: 1, default: DEFAULT_QUANTUM, modes: VIRTUAL, help: 'guest instructions a VM runs before the host switches VMs (with vms > 1)' },
  { name: 'vpid', short: 'vpid', kind: 'bool', default: false, modes: VIRTUAL, help: 'VPID-tagged TLB: no flush when the host switches VMs (matters with vms > 1)' },
  { name: 'exitLatency', short: 'exit', kind: 'int', min: 0, default: DEFAULT_PROFILE.vmExitCycles + DEFAULT_PROFILE.vmEntryCycles, modes: VIRTUAL, help: 'cycles of a VM exit + entry round trip (split 60:40 like the defaults)' },
  { name: 'shadowCache', short: 'cache', kind: 'int', min: 1, default: DEFAULT_SHADOW.cacheRoots, modes: ['shadow'], help: 'shadow roots kept per VM' },
  { name: 'shadowSync', short: 'sync', kind: 'enum', choices: ['wp', 'oos'], default: DEFAULT_SHADOW.sync ?? 'wp', modes: ['shadow'], help: 'wp: write-protect every guest page table; oos: leaf tables out of sync' },
  { name: 'eptLevels', short: 'L', kind: 'int', min: 1, max: 4, default: DEFAULT_EPT.levels, modes: ['ept'], help: 'EPT levels (1-4)' },
  { name: 'eptLargePages', short: 'lp', kind: 'bool', default: DEFAULT_EPT.largePages, modes: ['ept'], help: 'EPT large pages' },
];

export const PARAM_NAMES: readonly string[] = PARAMS.map((p) => p.name);

/** The grid keys: `mode` and every parameter. */
export const GRID_KEYS: readonly string[] = ['mode', ...PARAM_NAMES];

/** A cell's parameters: only those that apply to its mode. */
export type CellParams = Record<string, ParamValue>;

export class StudyError extends Error {}

export function paramSpec(name: string): ParamSpec | undefined {
  return PARAMS.find((p) => p.name === name);
}

export function appliesTo(spec: ParamSpec, mode: Mode): boolean {
  return spec.modes.includes(mode);
}

/** Check one value from a study file (JSON: numbers, booleans, strings) or the command line (strings). */
export function checkValue(name: string, raw: unknown, where: string): ParamValue {
  if (name === 'mode') {
    if (typeof raw === 'string' && (MODES as readonly string[]).includes(raw)) return raw;
    throw new StudyError(`${where}: mode takes native, shadow or ept (got ${JSON.stringify(raw)})`);
  }
  const spec = paramSpec(name);
  if (!spec) throw new StudyError(`${where}: unknown parameter '${name}' (known: ${GRID_KEYS.join(', ')})`);
  switch (spec.kind) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'on' || raw === '1' || raw === 1) return true;
      if (raw === 'false' || raw === 'off' || raw === '0' || raw === 0) return false;
      throw new StudyError(`${where}: ${name} takes true or false (got ${JSON.stringify(raw)})`);
    }
    case 'enum': {
      if (typeof raw === 'string' && spec.choices!.includes(raw)) return raw;
      throw new StudyError(`${where}: ${name} takes ${spec.choices!.join(' or ')} (got ${JSON.stringify(raw)})`);
    }
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.replace(/_/g, '')) ? Number(raw.replace(/_/g, '')) : NaN;
      const ok = Number.isSafeInteger(value) && value >= (spec.min ?? 0) && value <= (spec.max ?? Number.MAX_SAFE_INTEGER)
        && (!spec.powerOfTwo || (value & (value - 1)) === 0);
      if (ok) return value;
      const range = spec.max !== undefined ? `${spec.min} to ${spec.max}` : `a whole number of at least ${spec.min ?? 0}`;
      throw new StudyError(`${where}: ${name} takes ${range}${spec.powerOfTwo ? ', a power of two' : ''} (got ${JSON.stringify(raw)})`);
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
