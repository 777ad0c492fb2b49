// The schema of a machine profile file (`vmmlab run --profile FILE.json`) and of a study's
// `profile` overrides: cycle costs over the defaults (docs/cycle-model.md), each a whole number
// of cycles within MAX_COST_CYCLES. Both are built from the profile's own key list and the
// instruction table, so a new cost or instruction needs no change here.
//
// A profile file nests per-instruction costs (`"insn": {"mul": 3}`); a study writes them as
// `--set` does (`"insn.mul": 3`).

import { Type, type Static, type TInteger, type TOptional } from '@sinclair/typebox';
import { DEFAULT_PROFILE, MAX_COST_CYCLES, profileKeys } from '../emulator/profile.ts';
import { INSTRUCTIONS } from '../isa/table.ts';

const MNEMONICS = [...new Set(INSTRUCTIONS.map((s) => s.mnemonic))];

export const COST_PHRASE = `must be a whole number of cycles from 0 to ${MAX_COST_CYCLES}`;

const cycles = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_COST_CYCLES, description, errorMessage: COST_PHRASE });

function costProperties(): Record<string, TOptional<TInteger>> {
  const defaults = DEFAULT_PROFILE as unknown as Record<string, number>;
  return Object.fromEntries(profileKeys().map((k) => [k, Type.Optional(cycles(`default ${defaults[k]}; see docs/cycle-model.md`))]));
}

const insnCost = (m: string) => Type.Optional(cycles(`base cycles of ${m} (default: isa/table.ts)`));

/** `vmmlab run --profile FILE.json`. */
export const ProfileFileSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'the JSON Schema of this file (editors use it)' })),
  ...costProperties(),
  insn: Type.Optional(Type.Object(Object.fromEntries(MNEMONICS.map((m) => [m, insnCost(m)])), {
    additionalProperties: false,
    description: 'base cycles per instruction mnemonic',
  })),
}, {
  additionalProperties: false,
  title: 'vmmlab machine profile',
  description: 'Cycle costs over the defaults (docs/cycle-model.md), for vmmlab run --profile FILE.json.',
});

export type ProfileFile = Static<typeof ProfileFileSchema>;

/** A study's `"profile"`: the same costs, instructions as `insn.MNEMONIC` keys. */
export const CostOverridesSchema = Type.Object({
  ...costProperties(),
  ...Object.fromEntries(MNEMONICS.map((m) => [`insn.${m}`, insnCost(m)])),
}, {
  additionalProperties: false,
  description: 'cycle costs over the defaults, as --set KEY=VALUE gives them (docs/cycle-model.md)',
});
