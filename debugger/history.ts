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

/**
 * One CPU's runs in the log, as positions: for the k-th run entry of that CPU, its index in the
 * log and the position after it (instructions retired, trap entries since); and its trap entries
 * (runs ending at a trap entry) with the position the history's `walk` gives them. Kept as the
 * log grows, so the questions time travel asks (where is the CPU, n steps back, where to cut)
 * cost a binary search, not a pass over a log that has an entry for every trap of a long session.
 */
class CpuRuns {
  readonly logIndex: number[] = [];
  readonly count: number[] = [];
  readonly traps: number[] = [];
  /** Its trap entries: index in the lists above, instruction count, and trap position (Infinity for one with `stop`). */
  readonly trapRun: number[] = [];
  readonly trapCount: number[] = [];
  readonly trapTraps: number[] = [];

  /** The position after its last run. */
  end(): Position {
    const k = this.count.length - 1;
    return k < 0 ? { count: 0, traps: 0 } : { count: this.count[k]!, traps: this.traps[k]! };
  }

  push(logIndex: number, e: RunEntry): void {
    const k = this.count.length - 1;
    const count = (k < 0 ? 0 : this.count[k]!) + e.count;
    const atTraps = k < 0 ? 0 : this.traps[k]!;
    const traps = e.trap ? (e.count > 0 ? 1 : atTraps + 1) : e.count > 0 ? 0 : atTraps;
    this.logIndex.push(logIndex);
    this.count.push(count);
    this.traps.push(traps);
    if (e.trap) {
      this.trapRun.push(this.count.length - 1);
      this.trapCount.push(count);
      this.trapTraps.push(e.stop ? Infinity : traps);
    }
  }

  /** Forget the runs at log index `length` and after. */
  truncate(length: number): void {
    while (this.logIndex.length > 0 && this.logIndex[this.logIndex.length - 1]! >= length) this.pop();
  }

  pop(): void {
    const k = this.count.length - 1;
    if (this.trapRun.length > 0 && this.trapRun[this.trapRun.length - 1] === k) {
      this.trapRun.pop();
      this.trapCount.pop();
      this.trapTraps.pop();
    }
    this.logIndex.pop();
    this.count.pop();
    this.traps.pop();
  }
}

/** The first index in the non-decreasing `list` whose value is at least `value` (list.length if none). */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class History {
  private log: LogEntry[] = [];
  /** The index by CPU; after a reset it is built when first asked (a replay's scratch log never is). */
  private index: CpuRuns[] | undefined = [];

  get entries(): readonly LogEntry[] {
    return this.log;
  }

  private get runs(): CpuRuns[] {
    if (!this.index) {
      this.index = [];
      const log = this.log;
      for (let i = 0; i < log.length; i++) {
        const e = log[i]!;
        if (e.kind === 'run') this.cpuRuns(e.cpu).push(i, e);
      }
    }
    return this.index;
  }

  private cpuRuns(cpu: number): CpuRuns {
    const runs = this.index!;
    while (runs.length <= cpu) runs.push(new CpuRuns());
    return runs[cpu]!;
  }

  private push(e: LogEntry): void {
    this.log.push(e);
    if (e.kind === 'run' && this.index) this.cpuRuns(e.cpu).push(this.log.length - 1, e);
  }

  /** A run just happened; `trapped`: it ended at a trap entry (see the top of this file). */
  recordRun(cpu: number, retired: number, stopped: boolean, trapped = false): void {
    if (retired === 0 && !stopped && !trapped) return;
    const last = this.log[this.log.length - 1];
    const entry: RunEntry = trapped ? { kind: 'run', cpu, count: retired, stop: stopped, trap: true } : { kind: 'run', cpu, count: retired, stop: stopped };
    if (last && last.kind === 'run' && last.cpu === cpu && !last.stop && !last.trap) {
      this.log.pop();
      if (this.index) this.cpuRuns(cpu).pop();
      this.push({ ...entry, count: last.count + retired });
    } else {
      this.push(entry);
    }
  }

  recordMutation(entry: Mutation): void {
    this.push(entry);
  }

  /** A copy of the log (entries are immutable, so a shallow copy is a checkpoint). */
  snapshot(): LogEntry[] {
    return [...this.log];
  }

  /**
   * The log becomes `log`. Time travel mostly cuts the log it has (a reverse step keeps all but
   * its end): the entries both share stay indexed, and only the rest is indexed again.
   */
  reset(log: readonly LogEntry[]): void {
    const old = this.log;
    const max = Math.min(old.length, log.length);
    let shared = 0;
    while (shared < max && old[shared] === log[shared]) shared++;
    if (shared === 0 || !this.index) {
      this.log = [...log];
      this.index = undefined;
      return;
    }
    for (const r of this.index) r.truncate(shared);
    this.log = old.slice(0, shared);
    for (let i = shared; i < log.length; i++) this.push(log[i]!);
  }

  /** Instructions each CPU has retired at the end of the log. */
  counts(cpus: number): number[] {
    return Array.from({ length: cpus }, (_, cpu) => this.position(cpu).count);
  }

  /** Where CPU `cpu` is at the end of the log (the stop of a stopped CPU not counted). */
  position(cpu: number): Position {
    return this.runs[cpu]?.end() ?? { count: 0, traps: 0 };
  }

  /** The trap entries recorded at each instruction count of CPU `cpu` (counts without any are absent). */
  trapEntries(cpu: number): Map<number, number> {
    const m = new Map<number, number>();
    const r = this.runs[cpu];
    if (r) r.trapCount.forEach((c, i) => m.set(c, r.trapTraps[i]!));
    return m;
  }

  /**
   * `n` positions back from `from` along CPU `cpu`'s history: each step back goes to the previous
   * recorded trap entry or retired instruction. Clamped at the start: `missing` steps were not taken.
   * (Stretches without trap entries are crossed in one move: a step back of a million costs no more than one.)
   */
  back(cpu: number, from: Position, n: number): Position & { missing: number } {
    const r = this.runs[cpu];
    const trapCount = r?.trapCount ?? [];
    const trapTraps = r?.trapTraps ?? [];
    let { count, traps: t } = from;
    while (n > 0) {
      if (t > 0) {
        const d = Math.min(t, n);
        t -= d;
        n -= d;
        continue;
      }
      if (count === 0) break;
      // The latest count below this one that has trap entries, and where the last of them stands.
      const k = lowerBound(trapCount, count) - 1;
      const below = k >= 0 ? trapCount[k]! : 0;
      const gap = count - below;
      if (n < gap) {
        count -= n;
        n = 0;
        break;
      }
      count = below;
      n -= gap;
      t = k >= 0 ? trapTraps[k]! : 0;
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
    const r = this.runs[cpu];
    if (!r) return [...this.log];
    // The first of its runs that ends after the goal: runs ending at a lower count cannot, so
    // search from the first that reaches the goal's count.
    for (let k = lowerBound(r.count, goal.count); k < r.count.length; k++) {
      const i = r.logIndex[k]!;
      const e = this.log[i] as RunEntry;
      const to: Position = { count: r.count[k]!, traps: e.stop ? Infinity : r.traps[k]! };
      if (!before(goal, to)) continue;
      const from: Position = k > 0 ? { count: r.count[k - 1]!, traps: r.traps[k - 1]! } : { count: 0, traps: 0 };
      const prefix = this.log.slice(0, i);
      let traps = from.traps;
      if (goal.count > from.count) {
        prefix.push(goal.traps > 0 ? { kind: 'run', cpu, count: goal.count - from.count, stop: false, trap: true } : { kind: 'run', cpu, count: goal.count - from.count, stop: false });
        traps = goal.traps > 0 ? 1 : 0;
      }
      for (; traps < goal.traps; traps++) prefix.push({ kind: 'run', cpu, count: 0, stop: false, trap: true });
      return prefix;
    }
    return [...this.log];
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

/** How often a long replay lets the event loop in (Ctrl-C), and how it does. */
export const YIELD_MS = 25;
export const yieldToEventLoop: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise<void>((resolve) => setImmediate(resolve))
  : () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A replay runs in pieces of at most this many instructions, so that it can be interrupted between them. */
const REPLAY_PIECE = 250_000;

/**
 * Bring the machine to the end of `log`: restore the latest snapshot on the way and replay the
 * rest (taking snapshots as it goes); afterwards `history` holds that log. A replay is at most an
 * interval between snapshots (target.snapshotInterval instructions) unless the memory budget has
 * thinned them, or it goes forward past the last one (restoring a later checkpoint): it lets the
 * event loop in now and then, and stops when `interrupted()` says so. Returns false when it was
 * interrupted: the machine is then where the replay had got to, and `history` holds the log up to
 * there.
 */
export async function replay(target: Target, history: History, log: readonly LogEntry[], apply: ApplyMutation, interrupted: () => boolean = () => false): Promise<boolean> {
  const { index, rest } = restoreBefore(target, log);
  const reached = await replayRest(target, target.snapshots.list[index]!.key, rest, apply, interrupted);
  history.reset(reached ?? log);
  return reached === undefined;
}

/**
 * Replay `rest` from the state `key` reached (restored just before), taking snapshots on the way:
 * every interval, and one a little before the end (a landing: the next reverse step, or the one
 * after, replays from there instead of from the interval's start). Returns undefined when it got
 * to the end, or the log up to where it stopped when `interrupted()` said so.
 */
export async function replayRest(target: Target, key: readonly LogEntry[], rest: readonly LogEntry[], apply: ApplyMutation, interrupted: () => boolean = () => false): Promise<LogEntry[] | undefined> {
  const scratch = new History();
  scratch.reset(key);
  let lastYield = performance.now();
  /** Between pieces: let the event loop in when it is time; true when the replay is to stop. */
  const stop = async (): Promise<boolean> => {
    if (performance.now() - lastYield < YIELD_MS) return false;
    await yieldToEventLoop();
    lastYield = performance.now();
    return interrupted();
  };
  // The landing: `near` instructions before the end, when the replay is long enough to need one.
  const near = Math.max(1, Math.floor(target.snapshotInterval / LANDING_FRACTION));
  const total = rest.reduce((n, e) => n + (e.kind === 'run' ? e.count : 0), 0);
  const landAt = total > 2 * near ? total - near : -1;
  let pos = 0;
  for (let i = 0; i < rest.length; i++) {
    const e = rest[i]!;
    if (e.kind !== 'run') {
      apply(e);
      scratch.recordMutation(e);
      continue;
    }
    const view = target.views[e.cpu]!;
    const landing = landAt > pos && landAt < pos + e.count ? landAt - pos : -1;
    pos += e.count;
    // In pieces, so that a long run leaves snapshots behind it too, and can be interrupted.
    let done = 0;
    for (;;) {
      const n = Math.min(e.count - done, target.snapshotInterval, REPLAY_PIECE, landing > done ? landing - done : Infinity);
      const r = target.run(view, n);
      if (r.retired !== n && !r.stopped) throw new Error(`replay diverged: ${view.name} retired ${done + r.retired} of ${e.count} instructions`);
      if (r.stopped || done + n === e.count) break;
      done += n;
      scratch.recordRun(e.cpu, n, false);
      target.noteRecorded(scratch.entries, done === landing);
      if (await stop()) return [...scratch.entries];
    }
    if (e.trap && target.stopState(view) === undefined) {
      const t = target.run(view, 1, true);
      if (!t.trapped) throw new Error(`replay diverged: ${view.name} took no trap after ${e.count} instructions`);
    }
    if (e.stop && target.stopState(view) === undefined) target.run(view, 1);
    // The last piece with the entry's flags: the scratch log merges into the entry as recorded.
    scratch.recordRun(e.cpu, e.count - done, e.stop, e.trap === true);
    for (const v of target.views) target.drainConsole(v);
    target.noteRecorded(scratch.entries, pos === landAt);
    if (i < rest.length - 1 && (await stop())) return [...scratch.entries];
  }
  return undefined;
}

/** A replay's landing snapshot is this fraction of an interval before its end. */
const LANDING_FRACTION = 32;

/**
 * Replay `rest` as replayRest does, but each run entry by `onRun` (reverse-continue single-steps
 * it with the checks on), which may yield to the event loop and throw to abandon the replay.
 */
export async function replayRestBy(target: Target, key: readonly LogEntry[], rest: readonly LogEntry[], apply: ApplyMutation, onRun: OnReplayRun): Promise<void> {
  const scratch = new History();
  scratch.reset(key);
  for (const e of rest) {
    if (e.kind !== 'run') {
      apply(e);
      scratch.recordMutation(e);
      continue;
    }
    await onRun(e);
    scratch.recordRun(e.cpu, e.count, e.stop, e.trap === true);
    for (const v of target.views) target.drainConsole(v);
    target.noteRecorded(scratch.entries);
  }
}

/** Replays one run entry in replayRestBy. */
export type OnReplayRun = (entry: Extract<LogEntry, { kind: 'run' }>) => Promise<void>;
