// The shape of a result file (`vmmlab exp --json`, a whole run or one shard) as far as `exp merge`
// and the reports read it: enough that a file which is not a result, or was cut short or edited,
// is a list of errors at their JSON paths and never a crash in the middle of a table. Internal:
// vmmlab writes these files, so this schema is not published.
//
// The study inside is checked by parseStudy; the cells against the study by merge.ts.

import { Type } from '@sinclair/typebox';
import { MAX_STUDY_CELLS } from '../experiments/limits.ts';
import { MODES } from '../experiments/params.ts';

const count = Type.Number({ minimum: 0 });
const counts = <K extends string>(keys: readonly K[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, count])) as Record<K, typeof count>);

/** The counters metrics.ts reads (a cell's stats hold many more). */
const StatsSchema = Type.Object({
  instructions: count,
  cycles: counts(['total', 'insn', 'walk', 'trap', 'mmio', 'idle', 'exit', 'vmm']),
  tlb: counts(['hits', 'misses']),
  walk: counts(['walks', 'refs', 'guestRefs', 'eptRefs', 'adUpdates', 'pwcHits', 'pwcMisses']),
  faults: Type.Object({ page: count, hidden: Type.Optional(count) }),
  ptbrWrites: count,
  exits: Type.Optional(Type.Object({ total: count, byReason: Type.Record(Type.String(), count) })),
  shadow: Type.Optional(Type.Object({ peakPages: count })),
  ept: Type.Optional(Type.Object({ pages: count })),
});

const ParamValues = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]));

const CellResultSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  workload: Type.String(),
  mode: Type.Union(MODES.map((m) => Type.Literal(m))),
  params: ParamValues,
  rep: Type.Integer({ minimum: 0 }),
  config: Type.Object({ params: ParamValues }),
  reason: Type.String(),
  exitCode: Type.Integer(),
  console: Type.String(),
  stats: StatsSchema,
});

export const ResultFileSchema = Type.Object({
  vmmlab: Type.Object({ version: Type.String(), format: Type.Integer() }),
  study: Type.Object({}),
  profile: Type.Object({}),
  totalCells: Type.Integer({ minimum: 0, maximum: MAX_STUDY_CELLS }),
  shard: Type.Optional(Type.Object({ index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1, maximum: MAX_STUDY_CELLS }) })),
  cells: Type.Array(CellResultSchema),
  finding: Type.Optional(Type.Object({})),
  timing: Type.Optional(Type.Object({ wallMs: count, jobs: count, cellMs: Type.Record(Type.String(), count) })),
});
