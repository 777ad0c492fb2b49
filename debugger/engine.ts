// Running the machine under the debugger: forward (step, next, finish, until, continue) and
// backward (reverse-step, reverse-continue, restore), and the report of where and why it stopped.
//
// Forward: with nothing to watch the CPUs run in large slices, so the hot loop pays nothing for
// the debugger; with a breakpoint, watchpoint or event break enabled (or a goal such as `next`)
// they run one instruction at a time and every step is checked from outside (breakpoints.ts).
// Checked steps also end at a trap entry: a step whose instruction traps (or that takes an
// interrupt) stops with pc at the handler's first instruction, not yet run, and counts as a step.
// Between slices the loop yields to the event loop, so Ctrl-C (interrupt()) stops a running
// guest at the next slice boundary. Several VMs take turns of the VMM's quantum, as under `run`.
//
// Backward: replay (history.ts). Every run made here is recorded in the debugger's history.

import { TRAP_LOOP_LIMIT } from '../emulator/cpu.ts';
import { Counters, delta, describeExit, describeTrap, peek, type Delta, type Peek } from './events.ts';
import { CommandError, plural } from './format.ts';
// Yield to the event loop (Ctrl-C, timers) at least every YIELD_MS: setImmediate in Node, a zero timeout in a web worker.
import { History, replay, replayRestBy, restoreBefore, yieldToEventLoop, YIELD_MS, type LogEntry, type Position } from './history.ts';
import type { Debugger } from './debugger.ts';
import type { Hit, Pending } from './breakpoints.ts';
import type { CpuView } from './target.ts';

/** Instructions per slice when nothing is checked. */
const SLICE = 200_000;

/**
 * Why the machine last stopped, as data: what a front end other than the REPL's text (the DAP
 * adapter, dap/) needs to say so in its own terms. Set by every movement, forward or back.
 */
export interface StopInfo {
  /** The CPU the stop is reported for (the focus afterwards). */
  readonly cpu: number;
  readonly reason:
    /** A step count or a command's own goal (next, finish, until, a line step) was reached. */
    | 'step'
    /** Breakpoints, watchpoints or event breaks fired: `hits`. */
    | 'breakpoint'
    /** Ctrl-C (or a client's pause). */
    | 'interrupted'
    /** The CPU can run no more: halted, trap loop, wfi deadlock. */
    | 'stopped'
    /** The --max-instructions budget of one command ran out. */
    | 'limit'
    /** Time travel (reverse-step, reverse-continue, restore) arrived. */
    | 'travel';
  readonly hits: readonly Hit[];
  /** Every line the stop printed before the location (breakpoint messages, the goal's own). */
  readonly messages: readonly string[];
}

/** What a forward command wants. */
export interface Goal {
  /** Only the focused CPU runs (step, next, finish, until); otherwise every runnable VM takes turns. */
  readonly focusedOnly: boolean;
  /** Stop after the focused CPU retired this many instructions. */
  readonly steps?: number;
  /** Look at the instruction before each step (next, finish). */
  readonly before?: (view: CpuView, p: Peek) => void;
  /** A stop test of the command itself after each step: a reason to stop, or undefined. */
  readonly after?: (view: CpuView, d: Delta) => string | undefined;
  /** Say which traps and VM exits happened in each step (a single `step`). */
  readonly verbose?: boolean;
}


export async function advance(dbg: Debugger, goal: Goal): Promise<void> {
  const target = dbg.target;
  const focused = dbg.view;
  if (goal.focusedOnly && target.stopState(focused) !== undefined) throw new CommandError(stoppedMessage(dbg, focused));
  if (!goal.focusedOnly && target.views.every((v) => target.stopState(v) !== undefined)) throw new CommandError(stoppedMessage(dbg, focused));
  const checked = goal.after !== undefined || goal.before !== undefined || goal.verbose === true || dbg.breakpoints.active;
  // Steps end at trap entries; so do checked runs (a break on a trap reports at the handler's entry).
  const atTrap = checked || goal.steps !== undefined;
  const wantPeek = goal.before !== undefined || dbg.breakpoints.watching;
  const limit = target.plan.settings.maxInstructions;
  const quantum = target.session.vmm?.options.quantum ?? Infinity;
  const before = new Counters();
  const after = new Counters();
  const lines: string[] = [];
  let stopView = focused;
  let focusSteps = 0;
  let total = 0;
  let lastYield = performance.now();
  let stopHits: Hit[] = [];
  let reason: StopInfo['reason'] = 'step';
  dbg.interrupted = false;
  dbg.running = true;
  try {
    for (;;) {
      if (dbg.interrupted) {
        lines.push(`interrupted (Ctrl-C) after ${plural(total, 'instruction')}`);
        reason = 'interrupted';
        break;
      }
      const view = goal.focusedOnly ? focused : nextTurn(dbg, quantum);
      if (!view) {
        reason = 'stopped';
        break;
      }
      let budget = checked ? 1 : SLICE;
      if (!goal.focusedOnly && dbg.multiple) budget = Math.min(budget, quantum - dbg.turn.used);
      if (goal.steps !== undefined) budget = Math.min(budget, goal.steps - focusSteps);
      budget = Math.min(budget, limit - total, target.untilSnapshot);
      let pending: Pending[] = [];
      if (checked) {
        if (wantPeek) {
          const p = peek(target, view);
          goal.before?.(view, p);
          if (dbg.breakpoints.watching) pending = dbg.breakpoints.pending(dbg.checkContext, view, p);
        }
        before.capture(view);
      }
      const r = target.run(view, budget, atTrap);
      dbg.history.recordRun(view.index, r.retired, r.stopped, r.trapped);
      target.noteRecorded(dbg.history.entries);
      total += r.retired;
      if (view === focused) focusSteps += r.retired + (r.trapped ? 1 : 0);
      if (!goal.focusedOnly) dbg.turn.used += r.retired;
      if (checked) {
        const d = delta(view, before, after.capture(view));
        const hits: Hit[] = dbg.breakpoints.check(dbg.checkContext, view, d, pending);
        // What happened in a single step, unless a breakpoint says it already.
        if (goal.verbose && hits.length === 0) lines.push(...stepEvents(dbg, view, d));
        const own = goal.after?.(view, d);
        if (hits.length > 0 || own !== undefined) {
          stopHits = hits;
          if (hits.length > 0) reason = 'breakpoint';
          lines.push(...hits.map((h) => h.message));
          for (const h of hits) {
            if (!h.bp.temporary) continue;
            dbg.breakpoints.remove(h.bp.id);
            lines.push(`temporary breakpoint ${h.bp.id} deleted`);
          }
          if (own) lines.push(own);
          stopView = view;
          break;
        }
      }
      if (r.stopped) {
        stopView = view;
        reason = 'stopped';
        break;
      }
      if (goal.steps !== undefined && focusSteps >= goal.steps) break;
      if (total >= limit) {
        lines.push(`stopped: ${plural(limit, 'instruction')} ran in this command (the --max-instructions budget)`);
        reason = 'limit';
        break;
      }
      if (r.retired === 0 && !r.trapped) throw new Error(`${view.name} made no progress and did not stop`);
      if (performance.now() - lastYield >= YIELD_MS) {
        dbg.flushConsole();
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } finally {
    dbg.running = false;
    dbg.interrupted = false;
    dbg.flushConsole();
  }
  dbg.focus = stopView.index;
  for (const line of lines) dbg.print(line);
  dbg.noteStop({ cpu: stopView.index, reason, hits: stopHits, messages: lines });
  reportStop(dbg, stopView);
}

/** The VM whose turn it is (round robin with the VMM's quantum), skipping stopped ones. */
function nextTurn(dbg: Debugger, quantum: number): CpuView | undefined {
  const views = dbg.target.views;
  if (views.length === 1) return dbg.target.stopState(views[0]!) === undefined ? views[0] : undefined;
  for (let tries = 0; tries <= views.length; tries++) {
    const view = views[dbg.turn.index]!;
    if (dbg.target.stopState(view) === undefined && dbg.turn.used < quantum) return view;
    dbg.turn = { index: (dbg.turn.index + 1) % views.length, used: 0 };
  }
  return undefined;
}

/** The traps and exits of one step, for `step`. */
function stepEvents(dbg: Debugger, view: CpuView, d: Delta): string[] {
  const describe = (addr: number) => dbg.describe(view, addr);
  const out = d.exitRecords().map((r) => `VM exit: ${describeExit(r, describe)}`);
  if (d.exits > out.length) out.unshift(`${d.exits - out.length} earlier VM exits not in the log`);
  if (d.traps > 0) out.push(`trap: ${describeTrap(view, d.traps, describe)}`);
  return out;
}

/** Why a CPU can run no more. */
export function stoppedMessage(dbg: Debugger, view: CpuView): string {
  const state = dbg.target.stopState(view);
  const who = dbg.multiple ? view.name : 'the machine';
  switch (state) {
    case 'halted': return `${who} powered off (exit code ${dbg.target.exitCode(view)}): reverse-step, restore a checkpoint, or quit`;
    case 'trap-loop': return `${who} is in a trap loop: reverse-step to before it, or quit`;
    case 'wfi-deadlock': return `${who} waits for an interrupt that can never come: give it console input (input TEXT), reverse-step, or quit`;
    default: return `${who} has stopped`;
  }
}

/** The report after any movement: a stopped CPU's state, then where it is. */
export function reportStop(dbg: Debugger, view: CpuView): void {
  const state = dbg.target.stopState(view);
  const name = dbg.multiple ? view.name : 'the machine';
  const describe = (addr: number) => dbg.describe(view, addr);
  if (state === 'halted') dbg.print(`${name} powered off: exit code ${dbg.target.exitCode(view)} after ${plural(view.stats.instructions, 'instruction')}`);
  if (state === 'trap-loop') {
    dbg.print(`${name} stopped: trap loop (${TRAP_LOOP_LIMIT} traps in a row, nothing retired): ${describeTrap(view, 1, describe)}`);
    dbg.print('(reverse-step goes back to the instruction whose trap started it)');
  }
  if (state === 'wfi-deadlock') dbg.print(`${name} stopped: wfi with interrupts impossible (timer off, no input; 'input TEXT' gives it some)`);
  if (dbg.printLocations) dbg.print(dbg.location(view));
  dbg.showDisplays();
}

// ------------------------------------------------------------------ backward

/**
 * Go to the end of `log` (restore the latest snapshot on the way, replay the rest); the focus
 * moves to `focus`. Ctrl-C stops a long replay where it has got to: then it prints so and
 * returns false.
 */
export async function travelTo(dbg: Debugger, log: readonly LogEntry[], focus: number): Promise<boolean> {
  dbg.interrupted = false;
  dbg.running = true;
  let arrived: boolean;
  try {
    arrived = await replay(dbg.target, dbg.history, log, dbg.apply, () => dbg.interrupted);
  } finally {
    dbg.running = false;
    dbg.interrupted = false;
  }
  dbg.focus = focus;
  dbg.turn = { index: focus, used: 0 };
  if (!arrived) {
    const message = `interrupted (Ctrl-C): the replay stopped on the way, at instruction ${dbg.target.views[focus]!.stats.instructions.toLocaleString('en-US')}`;
    dbg.print(message);
    dbg.noteStop({ cpu: focus, reason: 'interrupted', hits: [], messages: [message] });
    reportStop(dbg, dbg.view);
  }
  return arrived;
}

export async function reverseStep(dbg: Debugger, n: number): Promise<void> {
  const view = dbg.view;
  const history = dbg.history;
  const now = history.position(view.index);
  const state = dbg.target.stopState(view);
  // A trap loop or a wfi deadlock ends without retiring: the first step back is to just before
  // it (for a trap loop, before the instruction whose trap started it). A step back from a trap
  // entry goes to just before the instruction that trapped.
  const retiredNothing = state === 'trap-loop' || state === 'wfi-deadlock';
  if (now.count === 0 && now.traps === 0 && !retiredNothing) throw new CommandError('at the start of the recorded history: nothing to undo');
  let from = now;
  let left = n;
  if (retiredNothing) {
    from = state === 'trap-loop' ? { count: now.count, traps: 0 } : now;
    left--;
  }
  const to = history.back(view.index, from, left);
  if (!(await travelTo(dbg, history.cutAt(view.index, to), view.index))) return;
  const messages = to.missing > 0 ? ['reached the start of the recorded history'] : [];
  for (const m of messages) dbg.print(m);
  dbg.noteStop({ cpu: view.index, reason: 'travel', hits: [], messages });
  reportStop(dbg, dbg.view);
}

/** Thrown inside reverse-continue's replay when Ctrl-C asks it to stop. */
class Interrupted extends Error {}

/**
 * Run backward to the last point before now where a breakpoint fires. The intervals between
 * snapshots are searched from the latest back: restore the snapshot that starts one, replay it one
 * instruction at a time with the checks on, noting every hit; the first interval with a hit holds
 * the last one, and the machine travels there (a replay of at most an interval). Ctrl-C stops the
 * search: the machine goes to the start of the last interval searched through (no breakpoint
 * fires between there and where the command began), or stays where it was.
 */
export async function reverseContinue(dbg: Debugger): Promise<void> {
  const target = dbg.target;
  const saved = dbg.breakpoints.list.map((b) => ({ hits: b.hits, ignore: b.ignore }));
  // Every hit in the past counts: an ignore count is about the hits to come.
  for (const b of dbg.breakpoints.list) b.ignore = 0;
  const before = new Counters();
  const after = new Counters();
  type Found = { cpu: number; at: Position; step: number; hits: Hit[]; messages: string[] };
  let hits: Found[] = [];
  // Per CPU: trap entries reached since it last retired an instruction (see history.ts, Position).
  let traps: number[] = [];
  let step = 0;
  let lastYield = performance.now();
  /** One checked step, ending at a trap entry as forward steps do. False when it did nothing. */
  const stepOnce = (view: CpuView): boolean => {
    const pending = dbg.breakpoints.watching ? dbg.breakpoints.pending(dbg.checkContext, view, peek(target, view)) : [];
    before.capture(view);
    const r = target.run(view, 1, true);
    step++;
    if (r.retired > 0) traps[view.index] = r.trapped ? 1 : 0;
    else if (r.trapped) traps[view.index]!++;
    const found = dbg.breakpoints.check(dbg.checkContext, view, delta(view, before, after.capture(view)), pending);
    if (found.length > 0) {
      hits.push({ cpu: view.index, at: { count: view.stats.instructions, traps: traps[view.index]! }, step, hits: found, messages: found.map((h) => h.message) });
    }
    return !r.stopped && (r.retired > 0 || r.trapped);
  };
  /** Between steps: let Ctrl-C in now and then. */
  const pause = async () => {
    if ((step & 1023) !== 0 || performance.now() - lastYield < YIELD_MS) return;
    await yieldToEventLoop();
    lastYield = performance.now();
    if (dbg.interrupted) throw new Interrupted();
  };
  const checked = async (e: Extract<LogEntry, { kind: 'run' }>) => {
    const view = target.views[e.cpu]!;
    const end = view.stats.instructions + e.count;
    while (view.stats.instructions < end) {
      if (!stepOnce(view)) return;
      await pause();
    }
    if (e.trap && target.stopState(view) === undefined) stepOnce(view);
    if (e.stop) while (target.stopState(view) === undefined) if (!stepOnce(view)) return;
  };
  const start: readonly LogEntry[] = dbg.history.snapshot();
  let end: readonly LogEntry[] = start;
  let upper = Infinity;
  let last: Found | undefined;
  let interrupted = false;
  dbg.interrupted = false;
  dbg.running = true;
  try {
    for (let latest = true; ; latest = false) {
      const { index, rest } = restoreBefore(target, end, upper);
      const key = target.snapshots.list[index]!.key;
      const at = new History();
      at.reset(key);
      traps = target.views.map((v) => at.position(v.index).traps);
      hits = [];
      step = 0;
      await replayRestBy(target, key, rest, dbg.apply, checked);
      // In the latest interval, a hit at its very end is where we are now, not before it.
      last = [...hits].reverse().find((h) => !latest || h.step < step);
      if (last || index === 0) break;
      end = key;
      upper = index - 1;
    }
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    interrupted = true;
  } finally {
    dbg.running = false;
    dbg.interrupted = false;
  }
  dbg.breakpoints.list.forEach((b, i) => {
    b.hits = saved[i]?.hits ?? b.hits;
    b.ignore = saved[i]?.ignore ?? b.ignore;
  });
  let messages: string[];
  if (interrupted) {
    const focus = dbg.focus;
    if (!(await travelTo(dbg, end, focus))) return;
    const searched = end === start ? 'no interval was searched through yet: still where it began' : `no breakpoint fires between here (instruction ${dbg.history.position(focus).count}) and where it began`;
    messages = [`reverse-continue interrupted (Ctrl-C): ${searched}`];
  } else if (!last) {
    if (!(await travelTo(dbg, [], dbg.focus))) return;
    messages = ['reached the start of the recorded history (no breakpoint fires before now)'];
  } else {
    if (!(await travelTo(dbg, dbg.history.cutAt(last.cpu, last.at), last.cpu))) return;
    messages = last.messages;
  }
  for (const m of messages) dbg.print(m);
  dbg.noteStop({ cpu: dbg.focus, reason: 'travel', hits: last?.hits ?? [], messages });
  reportStop(dbg, dbg.view);
}
