// Time travel by deterministic replay. The emulator and the VMM are deterministic: the same
// image, options and sequence of runs always reach the same state, MMU, TLB and VMM included.
// So the debugger never saves a machine: it keeps the log of what it did to it (which CPU ran
// how many instructions, in order, and every change the user made with `set`), and goes back
// by building the machine again and replaying a prefix of the log. A checkpoint is a copy of
// the log; reverse-step N cuts the log at the moment the focused CPU had retired N fewer
// instructions.
//
// Runs of one CPU are merged: running 5 then 7 instructions reaches the same state as running
// 12 (the CPU's loop is built so that slicing a run never changes its result), so a long
// session of single steps replays as one run.

import type { Target } from './target.ts';

/** A register the user set: 'pc', a general register number, or a control register 'crN'. */
export type RegisterKey = 'pc' | number | `cr${number}`;

export type LogEntry =
  /** CPU `cpu` retired `count` instructions; with `stop`, it then stopped without retiring (trap loop, wfi). */
  | { readonly kind: 'run'; readonly cpu: number; readonly count: number; readonly stop: boolean }
  | { readonly kind: 'set-reg'; readonly cpu: number; readonly reg: RegisterKey; readonly value: number }
  | { readonly kind: 'set-mem'; readonly cpu: number; readonly space: 'v' | 'p' | 'h'; readonly addr: number; readonly size: 1 | 2 | 4; readonly value: number };

export type Mutation = Exclude<LogEntry, { kind: 'run' }>;

/** Applies a recorded change to the machine (debugger.ts knows how). */
export type ApplyMutation = (entry: Mutation) => void;

export class History {
  private log: LogEntry[] = [];

  get entries(): readonly LogEntry[] {
    return this.log;
  }

  /** A run just happened. */
  recordRun(cpu: number, retired: number, stopped: boolean): void {
    if (retired === 0 && !stopped) return;
    const last = this.log[this.log.length - 1];
    if (last && last.kind === 'run' && last.cpu === cpu && !last.stop) {
      this.log[this.log.length - 1] = { kind: 'run', cpu, count: last.count + retired, stop: stopped };
    } else {
      this.log.push({ kind: 'run', cpu, count: retired, stop: stopped });
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

  /** The log without the stop that ended CPU `cpu`'s last run (a trap loop or wfi deadlock, which retire nothing). */
  cutBeforeStop(cpu: number): LogEntry[] {
    const log = [...this.log];
    for (let i = log.length - 1; i >= 0; i--) {
      const e = log[i]!;
      if (e.kind !== 'run' || e.cpu !== cpu) continue;
      if (e.stop) {
        log.splice(i + 1);
        if (e.count > 0) log[i] = { ...e, stop: false };
        else log.splice(i, 1);
      }
      break;
    }
    return log;
  }

  /**
   * The log cut at the last moment CPU `cpu` had retired exactly `target` instructions: every
   * entry up to the run in which it retires instruction target + 1, and that run shortened.
   */
  cutAt(cpu: number, target: number): LogEntry[] {
    let done = 0;
    for (let i = 0; i < this.log.length; i++) {
      const e = this.log[i]!;
      if (e.kind !== 'run' || e.cpu !== cpu) continue;
      if (target < done + e.count) {
        const prefix = this.log.slice(0, i);
        if (target > done) prefix.push({ kind: 'run', cpu, count: target - done, stop: false });
        return prefix;
      }
      done += e.count;
    }
    return [...this.log];
  }
}

/** Rebuild the machine and replay a log; afterwards `history` holds that log. */
export function replay(target: Target, history: History, log: readonly LogEntry[], apply: ApplyMutation, onRun?: OnReplayRun): void {
  target.rebuild();
  for (const e of log) {
    if (e.kind !== 'run') {
      apply(e);
      continue;
    }
    const view = target.views[e.cpu]!;
    if (onRun) onRun(e);
    else {
      const r = target.run(view, e.count);
      if (r.retired !== e.count && !r.stopped) throw new Error(`replay diverged: ${view.name} retired ${r.retired} of ${e.count} instructions`);
      if (e.stop && target.stopState(view) === undefined) target.run(view, 1);
    }
    for (const v of target.views) target.drainConsole(v);
  }
  history.reset(log);
}

/** Replaces plain replay of one run entry (reverse-continue single-steps it with checks). */
export type OnReplayRun = (entry: Extract<LogEntry, { kind: 'run' }>) => void;
