// Breakpoints, watchpoints and event breaks, and the test after each step of whether one fired.
//
// - pc breakpoints on a guest-virtual address (`break ADDR`) or a guest-physical one
//   (`break phys ADDR`): the CPU stops before executing there. A checked step ends at a trap
//   entry (pc at the handler's first instruction, not yet run), so a breakpoint on the trap
//   vector fires when a trap is delivered, as does an event break on the trap.
// - watchpoints (`watch ADDR [r|w|rw] [LEN]`) on guest-virtual or guest-physical bytes: the
//   instruction at pc is decoded before the step; if it loads or stores inside the range and
//   completes (no trap), the CPU stops after it with the old and new value.
// - event breaks (`break on …`): page faults, traps by cause, PTBR writes, TLB misses and VM
//   exits by reason, from counter deltas (events.ts).

import { CAUSE_NAMES, CR, PTBR_ASID_MASK, PTBR_ROOT_MASK, causeName } from '../isa/arch.ts';
import { CommandError, hex8 } from './format.ts';
import { describeExit, describeTrap, type Delta, type Peek } from './events.ts';
import { readMemory, virtualToGuestPhys } from './memory.ts';
import type { CpuView, Target } from './target.ts';

export const EVENT_KINDS = ['pagefault', 'exit', 'ptbr-write', 'tlb-miss', 'trap', 'tlb-rules'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The exit reasons `break on exit` accepts: the VMM's classifications and the hardware reasons. */
export const EXIT_REASONS = [
  'ptbr-write', 'ptbr-read', 'cr-write', 'cr-read', 'hidden-fault', 'guest-fault', 'pt-write', 'mmio',
  'invlpg', 'tlbflush', 'wfi', 'hcall', 'ept-violation', 'page-fault',
] as const;

export type Access = 'r' | 'w' | 'rw';

export type BreakpointSpec =
  /**
   * `image`: only when the code at the address is that image's (every user module is assembled
   * at the same addresses, so `break primes:main` must not stop in another module's code there).
   */
  | { readonly kind: 'pc'; readonly addr: number; readonly image?: string }
  | { readonly kind: 'phys'; readonly guestPhys: number }
  | { readonly kind: 'watch'; readonly space: 'v' | 'p'; readonly addr: number; readonly len: number; readonly access: Access }
  | { readonly kind: 'event'; readonly event: EventKind; readonly reason?: string; readonly cause?: number };

/** How a breakpoint behaves once it fires: `tbreak`, `ignore N COUNT`, `break LOC if EXPR`. */
export interface BreakpointOptions {
  /** Deleted after it first stops the machine (tbreak). */
  readonly temporary?: boolean;
  /** Stop only when this expression is non-zero at the hit (debugger.evaluateValue). */
  readonly condition?: string;
}

export type Breakpoint = BreakpointSpec & BreakpointOptions & {
  readonly id: number;
  enabled: boolean;
  hits: number;
  /** Hits still to pass without stopping (ignore N COUNT); they count in `hits`. */
  ignore: number;
};

/** A breakpoint that fired, and what to say about it. */
export interface Hit {
  readonly bp: Breakpoint;
  readonly message: string;
}

/** What the checks need from the debugger: the machine and a way to name addresses. */
export interface CheckContext {
  readonly target: Target;
  describe(view: CpuView, addr: number): string;
  /** The image ('kernel' or a module's name) whose code is at a virtual address now. */
  imageAt?(view: CpuView, addr: number): string | undefined;
  /** The value of a breakpoint condition (throws CommandError when it cannot be evaluated). */
  evaluate?(view: CpuView, text: string): number;
}

/** Before a step: the watched bytes the instruction at pc would touch, with their values now. */
export interface Pending {
  readonly bp: Breakpoint & { kind: 'watch' };
  readonly va: number;
  readonly size: number;
  readonly isStore: boolean;
  readonly old: number | undefined;
}

export class Breakpoints {
  readonly list: Breakpoint[] = [];
  private nextId = 1;

  add(spec: BreakpointSpec, options: BreakpointOptions = {}): Breakpoint {
    const bp = { ...spec, ...options, id: this.nextId++, enabled: true, hits: 0, ignore: 0 } as Breakpoint;
    this.list.push(bp);
    return bp;
  }

  remove(id: number): void {
    const i = this.list.findIndex((b) => b.id === id);
    if (i < 0) throw new CommandError(`no breakpoint ${id}`);
    this.list.splice(i, 1);
  }

  get(id: number): Breakpoint {
    const bp = this.list.find((b) => b.id === id);
    if (!bp) throw new CommandError(`no breakpoint ${id}`);
    return bp;
  }

  clear(): void {
    this.list.length = 0;
  }

  /** Must the machine run one instruction at a time? */
  get active(): boolean {
    return this.list.some((b) => b.enabled);
  }

  get watching(): boolean {
    return this.list.some((b) => b.enabled && b.kind === 'watch');
  }

  /** The watched accesses the peeked instruction would make. */
  pending(ctx: CheckContext, view: CpuView, p: Peek): Pending[] {
    const a = p.access;
    if (!a) return [];
    const out: Pending[] = [];
    let guestPhys: number | undefined | null = null;
    for (const bp of this.list) {
      if (!bp.enabled || bp.kind !== 'watch') continue;
      if (a.isStore ? bp.access === 'r' : bp.access === 'w') continue;
      let start = a.va;
      if (bp.space === 'p') {
        if (guestPhys === null) guestPhys = virtualToGuestPhys(ctx.target, view, a.va);
        if (guestPhys === undefined) continue;
        start = guestPhys;
      }
      if (start + a.size <= bp.addr || start >= bp.addr + bp.len) continue;
      const old = readMemory(ctx.target, view, { space: bp.space, addr: bp.addr }, 4);
      out.push({ bp, va: a.va, size: a.size, isStore: a.isStore, old: typeof old === 'number' ? old : undefined });
    }
    return out;
  }

  /** After one step of `view`: every enabled breakpoint that fired. */
  check(ctx: CheckContext, view: CpuView, d: Delta, pending: readonly Pending[]): Hit[] {
    const hits: Hit[] = [];
    const cpu = view.cpu;
    const pc = cpu.pc >>> 0;
    const describe = (addr: number) => ctx.describe(view, addr);
    const vector = (cpu.cr[CR.EVEC]! & ~3) >>> 0;
    let pcGuestPhys: number | undefined | null = null;
    for (const bp of this.list) {
      if (!bp.enabled) continue;
      let message: string | undefined;
      switch (bp.kind) {
        case 'pc':
          if (bp.image !== undefined && ctx.imageAt && ctx.imageAt(view, bp.addr) !== bp.image) break;
          if (pc === bp.addr) message = `breakpoint ${bp.id}, ${describe(pc)}`;
          else if (d.traps > 0 && bp.addr === vector && pc !== vector) {
            message = `breakpoint ${bp.id}, ${describe(bp.addr)}: a trap entered the handler (its first instruction has run)`;
          }
          break;
        case 'phys':
          if (pcGuestPhys === null) pcGuestPhys = virtualToGuestPhys(ctx.target, view, pc);
          if (pcGuestPhys === bp.guestPhys) message = `breakpoint ${bp.id}, guest-physical ${hex8(bp.guestPhys)} (pc ${describe(pc)})`;
          break;
        case 'watch':
          message = watchHit(ctx, view, bp, d, pending);
          break;
        case 'event':
          message = eventHit(view, bp, d, describe);
          break;
      }
      if (message === undefined) continue;
      if (bp.condition !== undefined) {
        // A condition that cannot be evaluated stops the machine, saying why (as gdb does).
        try {
          if (!ctx.evaluate) throw new CommandError('no expressions here');
          if (ctx.evaluate(view, bp.condition) === 0) continue;
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          message += ` (condition '${bp.condition}' failed: ${e.message})`;
        }
      }
      bp.hits++;
      if (bp.ignore > 0) {
        bp.ignore--;
        continue;
      }
      hits.push({ bp, message });
    }
    return hits;
  }
}

function watchHit(ctx: CheckContext, view: CpuView, bp: Breakpoint & { kind: 'watch' }, d: Delta, pending: readonly Pending[]): string | undefined {
  const p = pending.find((x) => x.bp === bp);
  // The access happened only if the instruction completed: no trap in the step.
  if (!p || d.traps > 0 || d.retired === 0) return undefined;
  const where = `${bp.space === 'p' ? 'p:' : ''}${hex8(bp.addr)}`;
  const now = readMemory(ctx.target, view, { space: bp.space, addr: bp.addr }, 4);
  const value = (v: number | undefined | { error: string }) => (typeof v === 'number' ? hex8(v) : '?');
  const by = `${p.size}-byte ${p.isStore ? 'store' : 'load'} at ${hex8(p.va)}`;
  if (p.isStore) return `watchpoint ${bp.id}, ${where}: ${by}: ${value(p.old)} → ${value(now)}`;
  return `watchpoint ${bp.id}, ${where}: ${by} read ${value(now)}`;
}

function eventHit(view: CpuView, bp: Breakpoint & { kind: 'event' }, d: Delta, describe: (addr: number) => string): string | undefined {
  const prefix = `breakpoint ${bp.id}`;
  switch (bp.event) {
    case 'pagefault':
      return d.pageFaults > 0 ? `${prefix}, page fault: ${describeTrap(view, d.traps, describe)}` : undefined;
    case 'trap':
      if (bp.cause !== undefined ? d.trapsOf(bp.cause) === 0 : d.traps === 0) return undefined;
      return `${prefix}, trap: ${describeTrap(view, d.traps, describe)}`;
    case 'ptbr-write': {
      if (d.ptbrWrites === 0) return undefined;
      const ptbr = view.cpu.cr[CR.PTBR]!;
      return `${prefix}, PTBR write: ptbr = ${hex8(ptbr)} (root ${hex8(ptbr & PTBR_ROOT_MASK)}, asid ${ptbr & PTBR_ASID_MASK})`;
    }
    case 'tlb-miss': {
      const kinds = ['fetch', 'load', 'store'].filter((_, i) => d.tlbMisses[i]! > 0);
      return kinds.length > 0 ? `${prefix}, TLB miss (${kinds.join(', ')})` : undefined;
    }
    case 'tlb-rules':
      return d.tlbRuleViolations > 0 ? `${prefix}, a stale translation was used (the tlb rules report says which)` : undefined;
    case 'exit': {
      if (d.exits === 0) return undefined;
      const records = d.exitRecords().filter((r) => bp.reason === undefined || r.reason === bp.reason || r.hardware === bp.reason);
      if (records.length === 0) return undefined;
      return `${prefix}, VM exit ${describeExit(records[records.length - 1]!, describe)}`;
    }
  }
}

/** `break on EVENT [ARG]` → a spec (native mode has no exits). */
export function eventSpec(args: readonly string[], native: boolean, checkingTlbRules = true): BreakpointSpec {
  const [event, arg, extra] = args;
  if (event === undefined) throw new CommandError(`break on: which event? (${EVENT_KINDS.join(', ')})`);
  if (!(EVENT_KINDS as readonly string[]).includes(event)) throw new CommandError(`unknown event '${event}' (${EVENT_KINDS.join(', ')})`);
  if (extra !== undefined) throw new CommandError(`break on ${event}: too many arguments`);
  switch (event as EventKind) {
    case 'exit':
      if (native) throw new CommandError('there are no VM exits on bare metal (run with --mode shadow or ept)');
      if (arg !== undefined && !(EXIT_REASONS as readonly string[]).includes(arg)) {
        throw new CommandError(`unknown exit reason '${arg}' (${EXIT_REASONS.join(', ')})`);
      }
      return arg === undefined ? { kind: 'event', event: 'exit' } : { kind: 'event', event: 'exit', reason: arg };
    case 'trap': {
      if (arg === undefined) return { kind: 'event', event: 'trap' };
      const byName = [...CAUSE_NAMES].find(([, name]) => name === arg);
      const cause = byName ? byName[0] : /^\d+$/.test(arg) ? Number(arg) : undefined;
      if (cause === undefined || cause > 31) throw new CommandError(`unknown trap cause '${arg}' (${[...CAUSE_NAMES.values()].join(', ')})`);
      return { kind: 'event', event: 'trap', cause };
    }
    case 'tlb-rules':
      if (!checkingTlbRules) throw new CommandError('break on tlb-rules needs the checker: start the debugger with --check-tlb-rules');
      if (arg !== undefined) throw new CommandError(`break on ${event} takes no argument`);
      return { kind: 'event', event: 'tlb-rules' };
    default:
      if (arg !== undefined) throw new CommandError(`break on ${event} takes no argument`);
      return { kind: 'event', event: event as EventKind };
  }
}

/** What `info breakpoints` adds to a breakpoint's line: its condition, ignore count, temporariness. */
export function breakpointOptions(bp: Breakpoint): string {
  let text = '';
  if (bp.condition !== undefined) text += ` if ${bp.condition}`;
  if (bp.ignore > 0) text += ` (ignore next ${bp.ignore} hit${bp.ignore === 1 ? '' : 's'})`;
  if (bp.temporary) text += ' (temporary)';
  return text;
}

/** One line per breakpoint, for `info breakpoints` and the confirmation of `break`. */
export function describeBreakpoint(bp: Breakpoint, describe: (addr: number, image?: string) => string): string {
  switch (bp.kind) {
    case 'pc': return `breakpoint at ${describe(bp.addr, bp.image)}`;
    case 'phys': return `breakpoint at guest-physical ${hex8(bp.guestPhys)}`;
    case 'watch': {
      const kind = bp.access === 'r' ? 'read' : bp.access === 'w' ? 'write' : 'read/write';
      return `${kind} watchpoint on ${bp.len} byte${bp.len === 1 ? '' : 's'} at ${bp.space === 'p' ? 'guest-physical ' : ''}${bp.space === 'v' ? describe(bp.addr) : hex8(bp.addr)}`;
    }
    case 'event':
      if (bp.event === 'exit') return `break on VM exit${bp.reason ? ` ${bp.reason}` : ''}`;
      if (bp.event === 'trap') return `break on trap${bp.cause !== undefined ? ` ${causeName(bp.cause)}` : ''}`;
      return `break on ${bp.event}`;
  }
}
