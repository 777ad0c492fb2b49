// Command-line options shared by the commands that build a machine (run, debug, exp): memory,
// instruction budget, cycle profile and TLB geometry. Parsing is strict: a bad value is a
// CliError naming the option and what it takes.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_MAX_INSTRUCTIONS } from '../emulator/machine.ts';
import { DEFAULT_TLB } from '../emulator/tlb.ts';
import { machineSettings as settingsOf, type MachineSettings } from '../session/settings.ts';
import { CliError } from './errors.ts';
import { optionErrorMessage } from './option-errors.ts';
import { loadProfileFile } from './profile-file.ts';

export { parseCount, parseSize, type MachineSettings } from '../session/settings.ts';

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
  engine: { type: 'string' },
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
  --no-asid                 ignore PTBR ASIDs: every PTBR write drops all non-Global TLB entries
  --engine interp|jit       the CPU engine: guest code translated to JavaScript blocks (jit, the
                            default) or the interpreter (interp, the reference); the same results
                            either way (README.md, "Engines")`;

/** `-I DIR` of the commands that assemble (asm, disasm, run, debug, exp); cli/load.ts reads it. */
export const INCLUDE_OPTIONS = {
  include: { type: 'string', short: 'I', multiple: true },
} as const satisfies ParseArgsConfig['options'];

export const INCLUDE_OPTIONS_HELP = `  -I, --include DIR         look for .include files in DIR too (repeatable): after the including
                            file's directory, before the bundled guest-programs/lib and
                            guest-programs/user (where "console.inc" and "ulib.inc" are found)`;

/** `-D NAME[=VALUE]` of the commands that assemble a program to run (asm, run, debug); cli/load.ts reads it. */
export const DEFINE_OPTIONS = {
  define: { type: 'string', short: 'D', multiple: true },
} as const satisfies ParseArgsConfig['options'];

export const DEFINE_OPTIONS_HELP = `  -D, --define NAME[=VALUE] define the symbol NAME (VALUE, default 1) in FILE when it is assembled
                            (repeatable; not in the modules): \`.ifdef NAME\` tests it. The kernel's
                            PV build is -D PV=1, which --mode pv gives by itself`;

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

/** The machine options; a --profile file is read from disk. */
export function machineSettings(values: Values): MachineSettings {
  return settingsOf(values, (file) => loadProfileFile(file));
}
