// The history's position index (debugger/history.ts, CpuRuns) against the definition it replaces:
// a walk over the whole log. Random logs of runs (plain, ending at a trap entry, ending in a stop,
// of zero and more instructions) and mutations on two CPUs; for each, the position, the trap
// entries, steps back of every size and cuts at every position agree with the walk.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { History, type LogEntry, type Position } from '../../debugger/history.ts';

type Run = Extract<LogEntry, { kind: 'run' }>;

/** The definitions: walk the log from the start (what history.ts did before it kept an index). */
function walk(log: readonly LogEntry[], cpu: number, visit: (i: number, e: Run, from: Position, to: Position) => boolean): Position {
  let at: Position = { count: 0, traps: 0 };
  for (let i = 0; i < log.length; i++) {
    const e = log[i]!;
    if (e.kind !== 'run' || e.cpu !== cpu) continue;
    const count = at.count + e.count;
    const traps = e.trap ? (e.count > 0 ? 1 : at.traps + 1) : e.count > 0 ? 0 : at.traps;
    const to = { count, traps: e.stop ? Infinity : traps };
    if (visit(i, e, at, to)) return at;
    at = { count, traps };
  }
  return at;
}
const before = (a: Position, b: Position) => a.count < b.count || (a.count === b.count && a.traps < b.traps);
function trapEntries(log: readonly LogEntry[], cpu: number): Map<number, number> {
  const m = new Map<number, number>();
  walk(log, cpu, (_i, e, _f, to) => {
    if (e.trap) m.set(to.count, to.traps);
    return false;
  });
  return m;
}
function back(log: readonly LogEntry[], cpu: number, from: Position, n: number): Position & { missing: number } {
  const traps = trapEntries(log, cpu);
  let { count, traps: t } = from;
  for (; n > 0; n--) {
    if (t > 0) t--;
    else if (count > 0) t = traps.get(--count) ?? 0;
    else break;
  }
  return { count, traps: t, missing: n };
}
function cutAt(log: readonly LogEntry[], cpu: number, goal: Position): LogEntry[] {
  let cut: LogEntry[] | undefined;
  walk(log, cpu, (i, _e, from, to) => {
    if (!before(goal, to)) return false;
    const prefix = log.slice(0, i);
    let traps = from.traps;
    if (goal.count > from.count) {
      prefix.push(goal.traps > 0 ? { kind: 'run', cpu, count: goal.count - from.count, stop: false, trap: true } : { kind: 'run', cpu, count: goal.count - from.count, stop: false });
      traps = goal.traps > 0 ? 1 : 0;
    }
    for (; traps < goal.traps; traps++) prefix.push({ kind: 'run', cpu, count: 0, stop: false, trap: true });
    cut = prefix;
    return true;
  });
  return cut ?? [...log];
}

const step = fc.oneof(
  fc.record({ cpu: fc.integer({ min: 0, max: 1 }), count: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })), stop: fc.boolean(), trap: fc.boolean() }),
  fc.record({ cpu: fc.integer({ min: 0, max: 1 }), mutation: fc.constant(true as const) }),
);

function build(steps: fc.Arbitrary<unknown>[] | readonly unknown[]): History {
  const h = new History();
  for (const s of steps as { cpu: number; count?: number; stop?: boolean; trap?: boolean; mutation?: true }[]) {
    if (s.mutation) h.recordMutation({ kind: 'set-reg', cpu: s.cpu, reg: 3, value: 7 });
    else h.recordRun(s.cpu, s.count!, s.stop!, s.trap!);
  }
  return h;
}

describe('the history index agrees with a walk over the log', () => {
  it('position, trap entries, back and cutAt, on random logs of two CPUs', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 0, max: 200 }), (steps, n) => {
      const h = build(steps);
      const log = h.entries;
      // The same log given whole (reset) indexes the same way as one recorded run by run.
      const again = new History();
      again.reset(log);
      // A history cut and given the cut log back (time travel's reset) keeps the shared part indexed.
      const cut = new History();
      cut.reset(log);
      cut.position(0);
      cut.reset(log.slice(0, Math.floor(log.length / 2)));
      cut.position(1);
      cut.reset(log);
      for (const hist of [h, again, cut]) {
        for (const cpu of [0, 1]) {
          const end = walk(log, cpu, () => false);
          expect(hist.position(cpu)).toEqual(end);
          expect(hist.trapEntries(cpu)).toEqual(trapEntries(log, cpu));
          expect(hist.back(cpu, end, n)).toEqual(back(log, cpu, end, n));
          for (let k = 0; k <= Math.min(n, 60); k++) {
            const to = back(log, cpu, end, k);
            const goal = { count: to.count, traps: to.traps };
            // A stop is not a position one can cut at (reverse-step first steps to before it).
            if (!Number.isFinite(goal.traps)) continue;
            expect(hist.cutAt(cpu, goal)).toEqual(cutAt(log, cpu, goal));
            expect(hist.back(cpu, goal, 3)).toEqual(back(log, cpu, goal, 3));
          }
          expect(hist.counts(2)).toEqual([0, 1].map((c) => walk(log, c, () => false).count));
        }
      }
    }), { numRuns: Number(process.env.VMMLAB_FUZZ_RUNS ?? 300) });
  });
});
