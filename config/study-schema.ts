// The schema of a study file (docs/experiments.md): its shape and every value's range, built from
// the parameter table (experiments/params.ts) and the study's bounds (experiments/limits.ts), so
// that a new parameter needs no change here. The checks no schema can state (the number of cells,
// names that must differ, the finding's selectors) are in experiments/study.ts.
//
// The published JSON Schema (schemas/study.schema.json) is generated from this definition.

import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { MAX_REPETITIONS, MAX_STUDY_CELLS, MAX_STUDY_INSTRUCTIONS, MAX_STUDY_MEMORY, MIN_STUDY_MEMORY } from '../experiments/limits.ts';
import { MODES, PARAMS, showValue, valuePhrase, type ParamSpec, type ParamValue } from '../experiments/params.ts';
import type { Study, StudyFile } from '../experiments/plan.ts';
import { CostOverridesSchema } from './profile-schema.ts';
import { SIZE_PATTERN } from './size.ts';


export const STUDY_MEMORY_PHRASE = `must be a multiple of 4 KiB from ${MIN_STUDY_MEMORY >> 10}K to ${MAX_STUDY_MEMORY >> 30}G, such as 16M`;

/** A workload or VM name: a word, so that finding selectors and table columns can name it. */
export const WORKLOAD_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.+]*$';

function powersOfTwo(min: number, max: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= max; n *= 2) if (n >= min) out.push(n);
  return out;
}

/** The JSON type of one value of a parameter (typed as any ParamValue: the table decides which). */
function paramValueSchema(spec: ParamSpec): TUnsafe<ParamValue> {
  return paramValueSchemaOf(spec) as unknown as TUnsafe<ParamValue>;
}

function paramValueSchemaOf(spec: ParamSpec): TSchema {
  const errorMessage = valuePhrase(spec.name);
  switch (spec.kind) {
    case 'bool':
      return Type.Boolean({ errorMessage });
    case 'enum':
      return Type.Union(spec.choices!.map((c) => Type.Literal(c)), { errorMessage });
    case 'int':
      // JSON Schema has no "power of two": list them (17 values at most).
      if (spec.powerOfTwo) return Type.Union(powersOfTwo(spec.min ?? 1, spec.max!).map((n) => Type.Literal(n)), { errorMessage });
      return Type.Integer({ minimum: spec.min ?? 0, maximum: spec.max, errorMessage });
  }
}

// No list can be longer than a study can have cells; saying so early keeps a runaway list cheap.
const list = <T extends TSchema>(item: T, description: string) => Type.Optional(Type.Array(item, { minItems: 1, maxItems: MAX_STUDY_CELLS, uniqueItems: true, description }));

const GridSchema = Type.Object({
  mode: list(Type.Union(MODES.map((m) => Type.Literal(m)), { errorMessage: valuePhrase('mode') }), 'modes to compare (default: native, shadow and ept; pv, dynamic and agile only when named)'),
  ...Object.fromEntries(PARAMS.map((p) => [p.name, list(paramValueSchema(p), `${p.help}; default ${showValue(p.default)}${p.modes.length === MODES.length ? '' : ` (${p.modes.join(', ')} only)`}`)])),
}, { additionalProperties: false, description: '`mode` and parameters, each a list of values to sweep' }) as unknown as TUnsafe<Record<string, ParamValue[]>>;
// (Typed by hand: keys made from the table at run time are beyond the compiler; the schema is the TObject.)

const WorkloadSchema = Type.Object({
  name: Type.Optional(Type.String({
    pattern: WORKLOAD_NAME_PATTERN,
    maxLength: 64,
    errorMessage: 'must be a word: a letter or _, then letters, digits, _ . +',
    description: 'the name findings and tables use (default: the module names joined with +)',
  })),
  modules: Type.Array(Type.String({ minLength: 1, errorMessage: 'must be a module: PROG.s[:ARG,ARG…]' }), {
    minItems: 1,
    description: 'boot modules, PROG.s[:ARG,ARG…]; paths relative to the study, bare names from guest-programs/user/',
  }),
}, { additionalProperties: false });

const FindingSchema = Type.Object({
  claim: Type.String({ minLength: 1, description: 'the expected result, in prose' }),
  checks: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'METRIC{SELECTOR} (<|<=|>|>=) EXPRESSION, e.g. "slowdown{primes, shadow} < 1.10"' }),
}, { additionalProperties: false });

export const StudyFileSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'the JSON Schema of this file (editors use it)' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the study\'s name in titles (default "study")' })),
  description: Type.Optional(Type.String({ description: 'what it shows and which published result it mirrors' })),
  kernel: Type.Optional(Type.String({ minLength: 1, description: 'the guest kernel (default: the bundled guest-programs/kernel/kernel.s)' })),
  workloads: Type.Array(WorkloadSchema, { minItems: 1, maxItems: MAX_STUDY_CELLS, description: 'each workload is one run\'s boot modules' }),
  grid: Type.Optional(GridSchema),
  repetitions: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_REPETITIONS, errorMessage: `must be a whole number from 1 to ${MAX_REPETITIONS}`,
    description: 'runs of each cell (identical unless tlbReplacement is random); default 1',
  })),
  memory: Type.Optional(Type.Union([
    Type.Integer({ minimum: MIN_STUDY_MEMORY, maximum: MAX_STUDY_MEMORY, multipleOf: 4096 }),
    Type.String({ pattern: SIZE_PATTERN }),
  ], { errorMessage: STUDY_MEMORY_PHRASE, description: 'guest memory of each cell: bytes, or a size such as 16M (default 16M)' })),
  maxInstructions: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_STUDY_INSTRUCTIONS, errorMessage: `must be a whole number from 1 to ${MAX_STUDY_INSTRUCTIONS}`,
    description: 'instruction budget of each cell (default 50000000)',
  })),
  profile: Type.Optional(CostOverridesSchema as unknown as TUnsafe<Record<string, number>>),
  finding: Type.Optional(FindingSchema),
}, {
  additionalProperties: false,
  title: 'vmmlab study',
  description: 'Workloads x a grid of modes and parameters, and the finding they should show (docs/experiments.md).',
});

// The file's type (from the schema) is the public StudyFile, and a parsed Study is a valid file
// again (a result's `study` is read back by `exp merge`). Checked by the compiler, nothing at run time.
type Assignable<A, B> = [A] extends [B] ? true : false;
export const SCHEMA_MATCHES_STUDY_FILE: Assignable<Static<typeof StudyFileSchema>, StudyFile> = true;
export const STUDY_IS_A_STUDY_FILE: Assignable<Study, StudyFile> = true;
