// Time travel by deterministic replay. The emulator and the VMM are deterministic: the same
// image, options and sequence of runs always reach the same state, MMU, TLB and VMM included.
// So the debugger keeps the log of what it did to the machine (which CPU ran how many
// instructions, in order, every change the user made with `set` and the console input given
// with `input`), and goes back by replaying a prefix of the log. A checkpoint is a copy of the
// log; reverse-step N cuts the log at the moment the focused CPU had retired N fewer
// instructions. Replays start from the latest snapshot of the machine on the way (snapshots.ts,
// taken every interval as the log grows), so going back costs at most an interval, however long
// the history.
//
// Runs of one CPU are merged: running 5 then 7 instructions reaches the same state as running
// 12 (the CPU's loop is built so that slicing a run never changes its result), so a long
// session of single steps replays as one run.
//
// A run that ended at a trap entry (the debugger stops there when it steps: pc at the handler's
// first instruction, not yet run) is recorded with `trap`: replay runs its `count` instructions,
// then runs until the next trap delivery. Such a run is never merged with the next one. So a
// CPU's positions are (instructions retired, trap entries since the last one retired): (n, 0) is
// just before instruction n + 1 runs (or traps), (n, 1) is at the handler entry of its trap,
// (n, 2) at the entry of a trap the handler's first instruction took, and so on.

import type { Target } from './target.ts';

/** A register the user set: 'pc', a general register number, or a control register 'crN'. */
export type RegisterKey = 'pc' | number | `cr${number}`;

export type LogEntry =
  /**
   * CPU `cpu` retired `count` instructions; with `stop`, it then stopped without retiring (trap
   * loop, wfi); with `trap`, it then ran until the next trap delivery, to the handler's entry.
   */
  | { readonly kind: 'run'; readonly cpu: number; readonly count: number; readonly stop: boolean; readonly trap?: boolean }
  | { readonly kind: 'set-reg'; readonly cpu: number; readonly reg: RegisterKey; readonly value: number }
  | { readonly kind: 'set-mem'; readonly cpu: number; readonly space: 'v' | 'p' | 'h'; readonly addr: number; readonly size: 1 | 2 | 4; readonly value: number }
  /** Bytes queued to the CPU's console input (`input`). */
  | { readonly kind: 'console-input'; readonly cpu: number; readonly bytes: readonly number[] };

export type Mutation = Exclude<LogEntry, { kind: 'run' }>;

/** A CPU's place in its history: instructions retired, then trap entries reached since the last one. */
export interface Position {
  readonly count: number;
  readonly traps: number;
}

type RunEntry = Extract<LogEntry, { kind: 'run' }>;

/** Is position a before position b? */
function before(a: Position, b: Position): boolean {
  return a.count < b.count || (a.count === b.count && a.traps < b.traps);
}

/** Applies a recorded change to the machine (debugger.ts knows how). */
export type ApplyMutation = (entry: Mutation) => void;

export class History {
  private log: LogEntry[] = [];

  get entries(): readonly LogEntry[] {
    return this.log;
  }

  /** A run just happened; `trapped`: it ended at a trap entry (see the top of this file). */
  recordRun(cpu: number, retired: number, stopped: boolean, trapped = false): void {
    if (retired === 0 && !stopped && !trapped) return;
    const last = this.log[this.log.length - 1];
    const entry: RunEntry = trapped ? { kind: 'run', cpu, count: retired, stop: stopped, trap: true } : { kind: 'run', cpu, count: retired, stop: stopped };
    if (last && last.kind === 'run' && last.cpu === cpu && !last.stop && !last.trap) {
      this.log[this.log.length - 1] = { ...entry, count: last.count + retired };
    } else {
      this.log.push(entry);
    }
  }

  recordMutation(entry: Mutation): void {
    this.log.push(entry);
  }

  /** A copy of the log (entries are immutable, so a shallow copy is a checkpoint). */
  snapshot(): LogEntry[] {
    return [...this.log];
  }

  reset(log: readonly LogEntry[]): void {
    this.log = [...log];
  }

  /** Instructions each CPU has retired at the end of the log. */
  counts(cpus: number): number[] {
    const counts = new Array<number>(cpus).fill(0);
    for (const e of this.log) if (e.kind === 'run') counts[e.cpu]! += e.count;
    return counts;
  }

  /**
   * Walk CPU `cpu`'s runs: for each, the position before it and the one after it (a run with
   * `stop` ends after every position: the stop itself is not one). `visit` returning true stops.
   */
  private walk(cpu: number, visit: (i: number, e: RunEntry, from: Position, to: Position) => boolean): Position {
    let at: Position = { count: 0, traps: 0 };
    for (let i = 0; i < this.log.length; i++) {
      const e = this.log[i]!;
      if (e.kind !== 'run' || e.cpu !== cpu) continue;
      const count = at.count + e.count;
      const traps = e.trap ? (e.count > 0 ? 1 : at.traps + 1) : e.count > 0 ? 0 : at.traps;
      const to = { count, traps: e.stop ? Infinity : traps };
      if (visit(i, e, at, to)) return at;
      at = { count, traps };
    }
    return at;
  }

  /** Where CPU `cpu` is at the end of the log (the stop of a stopped CPU not counted). */
  position(cpu: number): Position {
    return this.walk(cpu, () => false);
  }

  /** The trap entries recorded at each instruction count of CPU `cpu` (counts without any are absent). */
  trapEntries(cpu: number): Map<number, number> {
    const m = new Map<number, number>();
    this.walk(cpu, (_i, e, _from, to) => {
      if (e.trap) m.set(to.count, to.traps);
      return false;
    });
    return m;
  }

  /**
   * `n` positions back from `from` along CPU `cpu`'s history: each step back goes to the previous
   * recorded trap entry or retired instruction. Clamped at the start: `missing` steps were not taken.
   */
  back(cpu: number, from: Position, n: number): Position & { missing: number } {
    const traps = this.trapEntries(cpu);
    let { count, traps: t } = from;
    for (; n > 0; n--) {
      if (t > 0) t--;
      else if (count > 0) t = traps.get(--count) ?? 0;
      else break;
    }
    return { count, traps: t, missing: n };
  }

  /** The log without the stop that ended CPU `cpu`'s last run (a trap loop or wfi deadlock, which retire nothing). */
  cutBeforeStop(cpu: number): LogEntry[] {
    return this.cutAt(cpu, this.position(cpu));
  }

  /**
   * The log cut at CPU `cpu`'s position `target` (a number: that many instructions retired, no
   * trap entry): every entry up to the run that goes past it, and that run shortened. A trap entry
   * the log merged into a longer run (stepping without the hook) is reached by running to it.
   */
  cutAt(cpu: number, target: number | Position): LogEntry[] {
    const goal: Position = typeof target === 'number' ? { count: target, traps: 0 } : target;
    let cut: LogEntry[] | undefined;
    this.walk(cpu, (i, _e, from, to) => {
      if (!before(goal, to)) return false;
      const prefix = this.log.slice(0, i);
      let traps = from.traps;
      if (goal.count > from.count) {
        prefix.push(goal.traps > 0 ? { kind: 'run', cpu, count: goal.count - from.count, stop: false, trap: true } : { kind: 'run', cpu, count: goal.count - from.count, stop: false });
        traps = goal.traps > 0 ? 1 : 0;
      }
      for (; traps < goal.traps; traps++) prefix.push({ kind: 'run', cpu, count: 0, stop: false, trap: true });
      cut = prefix;
      return true;
    });
    return cut ?? [...this.log];
  }
}

/** Are two log entries the same? (Copies of a log share its entry objects: mostly one compare.) */
function sameEntry(a: LogEntry, b: LogEntry): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || a.cpu !== b.cpu) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What is left of `log` after `key` (the log a snapshot was taken at), or undefined when the
 * snapshot is not on the way to `log`. The key's last run may be a shorter piece of the log's
 * (runs merge as they are recorded): the rest then starts with the remainder of that run.
 */
export function restAfter(key: readonly LogEntry[], log: readonly LogEntry[]): LogEntry[] | undefined {
  if (key.length > log.length) return undefined;
  for (let i = 0; i < key.length - 1; i++) if (!sameEntry(key[i]!, log[i]!)) return undefined;
  if (key.length === 0) return [...log];
  const k = key[key.length - 1]!;
  const l = log[key.length - 1]!;
  const rest = log.slice(key.length);
  if (sameEntry(k, l)) return rest;
  if (k.kind !== 'run' || l.kind !== 'run' || k.stop || k.trap || k.cpu !== l.cpu || l.count <= k.count) return undefined;
  const more: RunEntry = { ...l, count: l.count - k.count };
  return [more, ...rest];
}

/**
 * Bring the machine to the latest snapshot on the way to `log` (the machine as built at worst),
 * and say which it was and what of the log is left to replay from there.
 */
export function restoreBefore(target: Target, log: readonly LogEntry[], notAfter = Infinity): { index: number; rest: LogEntry[] } {
  const list = target.snapshots.list;
  for (let i = Math.min(list.length - 1, notAfter); i >= 0; i--) {
    const rest = restAfter(list[i]!.key, log);
    if (rest) {
      target.restoreSnapshot(i);
      return { index: i, rest };
    }
  }
  throw new Error('no snapshot on the way to the log (the first is the machine as built)');
}

/**
 * Bring the machine to the end of `log`: restore the latest snapshot on the way and replay the
 * rest (taking snapshots as it goes); afterwards `history` holds that log. With `onRun`, run
 * entries are replayed by it (reverse-continue single-steps them with checks).
 */
export function replay(target: Target, history: History, log: readonly LogEntry[], apply: ApplyMutation, onRun?: OnReplayRun): void {
  const { index, rest } = restoreBefore(target, log);
  replayRest(target, target.snapshots.list[index]!.key, rest, apply, onRun);
  history.reset(log);
}

/** Replay `rest` from the state `key` reached (restored just before), taking snapshots on the way. */
export function replayRest(target: Target, key: readonly LogEntry[], rest: readonly LogEntry[], apply: ApplyMutation, onRun?: OnReplayRun): void {
  const scratch = new History();
  scratch.reset(key);
  for (const e of rest) {
    if (e.kind !== 'run') {
      apply(e);
      scratch.recordMutation(e);
      continue;
    }
    const view = target.views[e.cpu]!;
    if (onRun) {
      onRun(e);
      scratch.recordRun(e.cpu, e.count, e.stop, e.trap === true);
    } else {
      // In pieces of an interval, so that a long run leaves snapshots behind it too.
      let done = 0;
      for (;;) {
        const n = Math.min(e.count - done, target.snapshotInterval);
        const r = target.run(view, n);
        if (r.retired !== n && !r.stopped) throw new Error(`replay diverged: ${view.name} retired ${done + r.retired} of ${e.count} instructions`);
        if (r.stopped || done + n === e.count) break;
        done += n;
        scratch.recordRun(e.cpu, n, false);
        target.noteRecorded(scratch.entries);
      }
      if (e.trap && target.stopState(view) === undefined) {
        const t = target.run(view, 1, true);
        if (!t.trapped) throw new Error(`replay diverged: ${view.name} took no trap after ${e.count} instructions`);
      }
      if (e.stop && target.stopState(view) === undefined) target.run(view, 1);
      // The last piece with the entry's flags: the scratch log merges into the entry as recorded.
      scratch.recordRun(e.cpu, e.count - done, e.stop, e.trap === true);
    }
    for (const v of target.views) target.drainConsole(v);
    target.noteRecorded(scratch.entries);
  }
}

/** Replaces plain replay of one run entry (reverse-continue single-steps it with checks). */
export type OnReplayRun = (entry: Extract<LogEntry, { kind: 'run' }>) => void;
