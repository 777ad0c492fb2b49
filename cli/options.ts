// Command-line options shared by the commands that build a machine (run, debug, exp): memory,
// instruction budget, cycle profile and TLB geometry. Parsing is strict: a bad value is a
// CliError naming the option and what it takes.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_MEMORY_BYTES, DEFAULT_MAX_INSTRUCTIONS } from '../emulator/machine.ts';
import type { MmuConfig } from '../emulator/mmu.ts';
import { DEFAULT_PROFILE, ProfileError, applySettings, type MachineProfile } from '../emulator/profile.ts';
import { DEFAULT_TLB, checkTlbConfig } from '../emulator/tlb.ts';
import { CliError } from './errors.ts';
import { optionErrorMessage } from './option-errors.ts';
import { loadProfileFile } from './profile-file.ts';

export const MACHINE_OPTIONS = {
  memory: { type: 'string' },
  'max-instructions': { type: 'string' },
  profile: { type: 'string' },
  set: { type: 'string', multiple: true },
  'tlb-entries': { type: 'string' },
  'tlb-ways': { type: 'string' },
  'tlb-replacement': { type: 'string' },
  'tlb-seed': { type: 'string' },
  'split-tlb': { type: 'boolean' },
  pwc: { type: 'string' },
  'no-asid': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export const MACHINE_OPTIONS_HELP = `Machine options:
  --memory SIZE             physical memory (bytes, or with K/M/G; default 64M)
  --max-instructions N      stop after N retired instructions (default ${DEFAULT_MAX_INSTRUCTIONS.toLocaleString('en-US')})
  --profile FILE.json       cycle costs over the defaults (docs/cycle-model.md; schemas/profile.schema.json)
  --set KEY=VALUE           one cycle cost (repeatable), e.g. --set walkRefCycles=40
  --tlb-entries N           TLB entries, a power of two (default ${DEFAULT_TLB.entries})
  --tlb-ways N              TLB associativity; = entries for fully associative (default ${DEFAULT_TLB.ways})
  --tlb-replacement lru|random   replacement policy (default lru)
  --tlb-seed N              seed of random replacement (default ${DEFAULT_TLB.seed})
  --split-tlb               separate instruction and data TLBs, each of the geometry above
  --pwc N                   a page-walk cache of N upper-level entries (both walk dimensions; default 0: none)
  --no-asid                 ignore PTBR ASIDs: every PTBR write drops all non-Global TLB entries`;

/** `-I DIR` of the commands that assemble (asm, disasm, run, debug, exp); cli/load.ts reads it. */
export const INCLUDE_OPTIONS = {
  include: { type: 'string', short: 'I', multiple: true },
} as const satisfies ParseArgsConfig['options'];

export const INCLUDE_OPTIONS_HELP = `  -I, --include DIR         look for .include files in DIR too (repeatable): after the including
                            file's directory, before the bundled guest-programs/lib and
                            guest-programs/user (where "console.inc" and "ulib.inc" are found)`;

export interface MachineSettings {
  memoryBytes: number;
  maxInstructions: number;
  profile: MachineProfile;
  mmu: MmuConfig;
}

type Values = Record<string, string | boolean | string[] | undefined>;

export function parseCommandLine<T extends ParseArgsConfig['options']>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    // In vmmlab's words, on one line, with a hint for a misspelt option (cli/option-errors.ts).
    if (!String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw e;
    throw new CliError(optionErrorMessage(e as Error, argv, options ?? {}));
  }
}

export function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const cleaned = text.replace(/_/g, '');
  const value = /^0x[0-9a-f]+$/i.test(cleaned) ? parseInt(cleaned, 16) : /^\d+(e\d+)?$/i.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new CliError(`--${name} takes a whole number of at least ${min} (got '${text}')`);
  return value;
}

export function parseSize(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(text.trim());
  if (!m) throw new CliError(`--${name} takes a size such as 65536, 64K, 64M or 1G (got '${text}')`);
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(m[1]) * scale;
}

export function machineSettings(values: Values): MachineSettings {
  const memoryBytes = parseSize('memory', values.memory as string | undefined, DEFAULT_MEMORY_BYTES);
  if (memoryBytes % 4096 !== 0 || memoryBytes < 4096 || memoryBytes > 0xf0000000) {
    throw new CliError(`--memory must be a multiple of 4 KiB between 4K and 3840M (got ${memoryBytes} bytes)`);
  }
  const maxInstructions = parseCount('max-instructions', values['max-instructions'] as string | undefined, DEFAULT_MAX_INSTRUCTIONS, 1);
  let profile: MachineProfile = DEFAULT_PROFILE;
  if (typeof values.profile === 'string') profile = loadProfileFile(values.profile);
  try {
    profile = applySettings(profile, (values.set as string[] | undefined) ?? []);
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(e.message);
    throw e;
  }
  const replacement = (values['tlb-replacement'] as string | undefined) ?? DEFAULT_TLB.replacement;
  if (replacement !== 'lru' && replacement !== 'random') throw new CliError(`--tlb-replacement takes lru or random (got '${replacement}')`);
  const tlb = {
    entries: parseCount('tlb-entries', values['tlb-entries'] as string | undefined, DEFAULT_TLB.entries, 1),
    ways: parseCount('tlb-ways', values['tlb-ways'] as string | undefined, DEFAULT_TLB.ways, 1),
    replacement,
    seed: parseCount('tlb-seed', values['tlb-seed'] as string | undefined, DEFAULT_TLB.seed),
  } as const;
  // Fewer entries than the default ways: a fully associative TLB of that size.
  const fitted = values['tlb-ways'] === undefined && tlb.ways > tlb.entries ? { ...tlb, ways: tlb.entries } : tlb;
  const problem = checkTlbConfig(fitted);
  if (problem) throw new CliError(problem);
  const pwcEntries = parseCount('pwc', values.pwc as string | undefined, 0);
  return {
    memoryBytes,
    maxInstructions,
    profile,
    mmu: { tlb: fitted, splitTlb: values['split-tlb'] === true, pwcEntries, asidTagging: values['no-asid'] !== true },
  };
}
