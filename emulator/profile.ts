// The machine profile: every cost the cycle model charges, in one object. Defaults and the
// reasons for them are tabled in docs/cycle-model.md; `vmmlab run --profile FILE.json` and
// `--set key=value` override them. Instruction base costs come from isa/table.ts and can be
// overridden per mnemonic with `insn.<mnemonic>`.

import { INSTRUCTIONS } from '../isa/table.ts';

export interface MachineProfile {
  /** Extra cycles of a data load on top of the instruction's base cost (an L1 hit). */
  loadCycles: number;
  /** Extra cycles of a data store (store buffer: cheap). */
  storeCycles: number;
  /** Extra cycles of a taken branch or any jump (pipeline refill). */
  branchTakenCycles: number;
  /** A TLB miss that starts a page walk: fixed overhead of the walker. */
  walkStartCycles: number;
  /** Each memory reference the page walker makes (reads of PTEs, A/D write-backs). */
  walkRefCycles: number;
  /** Trap entry: pipeline flush and vectoring. */
  trapEntryCycles: number;
  /** eret. */
  eretCycles: number;
  /** An access to a device register (uncached). */
  mmioCycles: number;
  /** tlbflush and invlpg on top of their base cost. */
  tlbMaintenanceCycles: number;
  /** VM exit: guest state saved, host state loaded. */
  vmExitCycles: number;
  /** VM entry: the way back. */
  vmEntryCycles: number;
  /** VMM software: read one guest page-table entry (a guest-physical read through the p2m map). */
  vmmPteReadCycles: number;
  /** VMM software: write one shadow or EPT entry. */
  vmmPteWriteCycles: number;
  /** VMM software: decode and emulate one guest instruction (MMIO, page-table write). */
  vmmEmulateCycles: number;
  /** VMM software: inject a fault or interrupt into the guest. */
  vmmInjectCycles: number;
  /** VMM software: fixed cost of handling any exit (dispatch on the reason). */
  vmmHandlerCycles: number;
  /** Per-mnemonic base cycle overrides; empty means the table's values. */
  insn: Record<string, number>;
}

export const DEFAULT_PROFILE: Readonly<MachineProfile> = Object.freeze({
  loadCycles: 1,
  storeCycles: 0,
  branchTakenCycles: 1,
  walkStartCycles: 2,
  walkRefCycles: 20,
  trapEntryCycles: 20,
  eretCycles: 10,
  mmioCycles: 50,
  tlbMaintenanceCycles: 10,
  vmExitCycles: 600,
  vmEntryCycles: 400,
  vmmPteReadCycles: 30,
  vmmPteWriteCycles: 30,
  vmmEmulateCycles: 250,
  vmmInjectCycles: 100,
  vmmHandlerCycles: 150,
  insn: {},
});

export class ProfileError extends Error {}

/**
 * The most cycles any one cost may be: over a thousand times the dearest default (a VM exit,
 * 600), enough for any what-if; it keeps instruction costs within the CPU's 32-bit cost table
 * (cpu-state.ts opCycles) and catches a value with a few zeros too many.
 */
export const MAX_COST_CYCLES = 1_000_000;

export function profileKeys(): string[] {
  return Object.keys(DEFAULT_PROFILE).filter((k) => k !== 'insn');
}

/** Apply `key=value` settings (value a non-negative integer); unknown keys are an error. */
export function applySettings(base: MachineProfile, settings: readonly string[]): MachineProfile {
  const profile: MachineProfile = { ...base, insn: { ...base.insn } };
  for (const setting of settings) {
    const m = /^([A-Za-z.]+)=(\d+)$/.exec(setting.trim());
    if (!m) throw new ProfileError(`--set takes key=value with a non-negative integer value (got '${setting}')`);
    const [, key, valueText] = m as unknown as [string, string, string];
    setKey(profile, key, Number(valueText));
  }
  return profile;
}

function setKey(profile: MachineProfile, key: string, value: number): void {
  if (value > MAX_COST_CYCLES) throw new ProfileError(`'${key}' must be at most ${MAX_COST_CYCLES.toLocaleString('en-US')} cycles (got ${value})`);
  if (key.startsWith('insn.')) {
    const mnemonic = key.slice(5);
    if (!INSTRUCTIONS.some((s) => s.mnemonic === mnemonic)) throw new ProfileError(`unknown instruction in '${key}'`);
    profile.insn[mnemonic] = value;
    return;
  }
  if (!profileKeys().includes(key)) {
    throw new ProfileError(`unknown profile key '${key}' (known: ${profileKeys().join(', ')}, insn.<mnemonic>)`);
  }
  (profile as unknown as Record<string, number>)[key] = value;
}

/** Parse a profile JSON file's text over the defaults. */
export function parseProfile(text: string, base: MachineProfile = DEFAULT_PROFILE): MachineProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(`profile is not valid JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ProfileError('profile must be a JSON object');
  const profile: MachineProfile = { ...base, insn: { ...base.insn } };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    // An editor's pointer to the file's JSON Schema (schemas/profile.schema.json).
    if (key === '$schema' && typeof value === 'string') continue;
    if (key === 'insn' && value && typeof value === 'object') {
      for (const [m, v] of Object.entries(value as Record<string, unknown>)) setKey(profile, `insn.${m}`, checkValue(`insn.${m}`, v));
    } else {
      setKey(profile, key, checkValue(key, value));
    }
  }
  return profile;
}

function checkValue(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ProfileError(`profile key '${key}' needs a non-negative integer`);
  }
  return value;
}
