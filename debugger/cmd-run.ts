// Commands that move the machine or decide where it stops: execution (step, next, finish, until,
// continue), breakpoints, watchpoints and event breaks, and time travel (checkpoints, reverse
// steps). Each is one entry of the command table (commands.ts) with the table's one signature.

import { CAUSE_NAMES, CR } from '../isa/arch.ts';
import type { Command } from './commands.ts';
import { describeBreakpoint, eventSpec, EVENT_KINDS, EXIT_REASONS, type Access } from './breakpoints.ts';
import type { Debugger } from './debugger.ts';
import type { CpuView } from './target.ts';
import { advance, reverseContinue, reverseStep, travelTo } from './engine.ts';
import { peek } from './events.ts';
import { CommandError, hex8, parseCount, parseNumber, plural } from './format.ts';
import { parseAddress } from './symbols.ts';
import { undisplay } from './cmd-display.ts';

const SP = 2;

function noArgs(name: string, args: readonly string[]): void {
  if (args.length > 0) throw new CommandError(`${name} takes no arguments`);
}

function atMost(name: string, args: readonly string[], n: number): void {
  if (args.length > n) throw new CommandError(`${name}: too many arguments (see 'help ${name}')`);
}

const symbolCompletion = (dbg: Debugger) => dbg.symbols[dbg.focus]!.names();

async function step(dbg: Debugger, args: string[]): Promise<void> {
  atMost('step', args, 1);
  const n = parseCount(args[0], 'step N', 1);
  await advance(dbg, { focusedOnly: true, steps: n, verbose: n === 1 });
}

/** Over a call (jal/jalr writing ra): run until it returns to the next instruction, same stack, same address space. */
async function next(dbg: Debugger, args: string[]): Promise<void> {
  noArgs('next', args);
  const view = dbg.view;
  const p = peek(dbg.target, view);
  if (!p.isCall) {
    await advance(dbg, { focusedOnly: true, steps: 1, verbose: true });
    return;
  }
  const returnTo = (p.pc + 4) >>> 0;
  const sp0 = view.cpu.regs[SP]! >>> 0;
  const sameContext = inContext(view);
  await advance(dbg, {
    focusedOnly: true,
    after: (v) => (v.cpu.pc >>> 0 === returnTo && v.cpu.regs[SP]! >>> 0 >= sp0 && sameContext(v) ? '' : undefined),
  });
}

/**
 * Is a CPU still in the context a command started in: the same mode and, in user mode, the same
 * address space (the kernel's mappings are shared by every address space, and it switches them).
 */
function inContext(view: CpuView): (v: CpuView) => boolean {
  const supervisor0 = view.cpu.supervisor;
  const ptbr0 = view.cpu.cr[CR.PTBR];
  return (v) => v.cpu.supervisor === supervisor0 && (supervisor0 || v.cpu.cr[CR.PTBR] === ptbr0);
}

/**
 * Until the current routine returns: count calls and returns (jal/jalr writing ra; jalr zero,
 * 0(ra)) made in this routine's mode and address space; the return at depth 0 ends it.
 */
async function finish(dbg: Debugger, args: string[]): Promise<void> {
  noArgs('finish', args);
  const view = dbg.view;
  const name = dbg.symbolFor(view, view.cpu.pc) ?? hex8(view.cpu.pc);
  const routine = name.replace(/\+\d+$/, '');
  const sameContext = inContext(view);
  let depth = 0;
  let last: { isCall: boolean; isReturn: boolean; own: boolean } = { isCall: false, isReturn: false, own: false };
  dbg.print(`run till exit from ${routine}`);
  await advance(dbg, {
    focusedOnly: true,
    before: (v, p) => {
      last = { isCall: p.isCall, isReturn: p.isReturn, own: sameContext(v) };
    },
    after: (v, d) => {
      if (!last.own || d.traps > 0 || d.retired === 0) return undefined;
      if (last.isCall) depth++;
      else if (last.isReturn) {
        if (depth === 0) return `returned from ${routine}: a0 = ${hex8(v.cpu.regs[3]!)}`;
        depth--;
      }
      return undefined;
    },
  });
}

async function until(dbg: Debugger, args: string[]): Promise<void> {
  if (args.length !== 1) throw new CommandError('until takes one address or symbol');
  const address = parseAddress(args[0]!, dbg.exprContext());
  if (address.space !== 'v') throw new CommandError('until takes a guest-virtual address');
  const addr = address.addr;
  await advance(dbg, { focusedOnly: true, after: (v) => (v.cpu.pc >>> 0 === addr ? '' : undefined) });
}

async function cont(dbg: Debugger, args: string[]): Promise<void> {
  noArgs('continue', args);
  await advance(dbg, { focusedOnly: false });
}

/** `break …` and `tbreak …`, with an optional `if EXPR` at the end. */
function breakCmd(dbg: Debugger, allArgs: string[], temporary = false): void {
  const bps = dbg.breakpoints;
  const ifAt = allArgs.indexOf('if');
  const args = ifAt < 0 ? allArgs : allArgs.slice(0, ifAt);
  const condition = ifAt < 0 ? undefined : allArgs.slice(ifAt + 1).join(' ');
  if (condition === '') throw new CommandError('break … if: which condition?');
  // Try the condition now, so a typo is an error here and not at the first hit (memory it reads
  // may be mapped only by then, so it is not read now).
  if (condition !== undefined) dbg.evaluateValue(condition, dbg.view, false);
  const options = { ...(temporary ? { temporary } : {}), ...(condition !== undefined ? { condition } : {}) };
  let bp;
  if (args[0] === 'on') {
    bp = bps.add(eventSpec(args.slice(1), dbg.target.mode === 'native', dbg.target.session.tlbRules.length > 0), options);
  } else if (args[0] === 'phys') {
    if (args.length !== 2) throw new CommandError('break phys takes one guest-physical address');
    const a = parseAddress(args[1]!, dbg.exprContext(), 'p');
    if (a.space === 'h') throw new CommandError('break phys takes a guest-physical address');
    bp = bps.add({ kind: 'phys', guestPhys: a.addr }, options);
  } else {
    atMost('break', args, 1);
    const a = args.length === 0 ? { space: 'v' as const, addr: dbg.view.cpu.pc >>> 0 } : parseAddress(args[0]!, dbg.exprContext());
    if (a.space === 'h') throw new CommandError('a breakpoint takes a guest-virtual or guest-physical (p:) address');
    // A module's symbol: stop only in that module's code (every module has the same addresses).
    const image = args.length === 0 || a.space !== 'v' ? undefined : dbg.symbols[dbg.focus]!.moduleOf(args[0]!);
    bp = a.space === 'p' ? bps.add({ kind: 'phys', guestPhys: a.addr }, options) : bps.add({ kind: 'pc', addr: a.addr, ...(image !== undefined ? { image } : {}) }, options);
  }
  dbg.print(`${temporary ? 'temporary ' : ''}${bp.kind === 'watch' ? 'watchpoint' : 'breakpoint'} ${bp.id}: ${describeBreakpoint(bp, (x, image) => dbg.describe(dbg.view, x, image))}${condition !== undefined ? ` if ${condition}` : ''}`);
}

/** `ignore N COUNT`: the next COUNT hits of breakpoint N do not stop (0 stops at the next one). */
function ignore(dbg: Debugger, args: string[]): void {
  if (args.length !== 2) throw new CommandError('usage: ignore N COUNT');
  const bp = dbg.breakpoints.get(ids(args.slice(0, 1))[0]!);
  bp.ignore = parseCount(args[1], 'ignore COUNT', 0, 0);
  dbg.print(bp.ignore === 0 ? `breakpoint ${bp.id} will stop at its next hit` : `breakpoint ${bp.id} will pass its next ${plural(bp.ignore, 'hit')}`);
}

function watch(dbg: Debugger, args: string[], fixed?: Access): void {
  if (fixed !== undefined) {
    // rwatch and awatch, gdb's: the access is in the name.
    if (args.length < 1 || args.length > 2 || args.slice(1).some((a) => a === 'r' || a === 'w' || a === 'rw')) {
      throw new CommandError(`usage: ${fixed === 'r' ? 'rwatch' : 'awatch'} ADDR [LEN]`);
    }
    args = [args[0]!, fixed, ...args.slice(1)];
  }
  if (args.length < 1 || args.length > 3) throw new CommandError('usage: watch ADDR [r|w|rw] [LEN]');
  const a = parseAddress(args[0]!, dbg.exprContext());
  if (a.space === 'h') throw new CommandError('watchpoints take guest-virtual or guest-physical (p:) addresses');
  let access: Access = 'w';
  let len = 4;
  for (const arg of args.slice(1)) {
    if (arg === 'r' || arg === 'w' || arg === 'rw') access = arg;
    else len = parseCount(arg, 'watch LEN', 4);
  }
  const bp = dbg.breakpoints.add({ kind: 'watch', space: a.space, addr: a.addr, len, access });
  dbg.print(`watchpoint ${bp.id}: ${describeBreakpoint(bp, (x, image) => dbg.describe(dbg.view, x, image))}`);
}

/** Breakpoint (or display) numbers: `2 5`, and ranges as gdb takes them, `1-3`. */
export function ids(args: readonly string[], what = 'breakpoint'): number[] {
  return args.flatMap((a) => {
    const range = /^(\d+)-(\d+)$/.exec(a);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (lo < 1 || hi < lo) throw new CommandError(`'${a}' is not a range of ${what} numbers`);
      return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    }
    const n = parseNumber(a);
    if (n === undefined || n < 1) throw new CommandError(`'${a}' is not a ${what} number`);
    return [n];
  });
}

function del(dbg: Debugger, args: string[]): void {
  // gdb's forms: `delete display N…` is undisplay, `delete breakpoints N…` is delete.
  if (args[0] === 'display') return undisplay(dbg, args.slice(1));
  if (args[0] === 'breakpoints' || args[0] === 'br') args = args.slice(1);
  if (args.length === 0) {
    const n = dbg.breakpoints.list.length;
    dbg.breakpoints.clear();
    dbg.print(`deleted ${plural(n, 'breakpoint')}`);
    return;
  }
  for (const id of ids(args)) dbg.breakpoints.get(id);
  for (const id of ids(args)) dbg.breakpoints.remove(id);
}

function enable(on: boolean) {
  return (dbg: Debugger, args: string[]): void => {
    const name = on ? 'enable' : 'disable';
    if (args[0] === 'display') {
      const wanted = args.length === 1 ? dbg.displays.map((d) => d.id) : ids(args.slice(1), 'display');
      const found = wanted.map((id) => dbg.displays.find((d) => d.id === id) ?? fail(`no display ${id}`));
      for (const d of found) d.enabled = on;
      return;
    }
    if (args[0] === 'breakpoints') args = args.slice(1);
    if (args.length === 0) throw new CommandError(`${name} takes breakpoint numbers`);
    const found = ids(args).map((id) => dbg.breakpoints.get(id));
    for (const bp of found) bp.enabled = on;
  };
}

function fail(message: string): never {
  throw new CommandError(message);
}

function checkpoint(dbg: Debugger, args: string[]): void {
  noArgs('checkpoint', args);
  const view = dbg.view;
  const where = `${dbg.multiple ? `${view.name} ` : ''}instruction ${view.stats.instructions.toLocaleString('en-US')}, ${dbg.describe(view, view.cpu.pc)}`;
  const cp = { id: dbg.nextCheckpoint++, log: dbg.history.snapshot(), focus: dbg.focus, where };
  dbg.checkpoints.push(cp);
  dbg.print(`checkpoint ${cp.id}: ${where}`);
}

async function restore(dbg: Debugger, args: string[]): Promise<void> {
  if (args.length !== 1) throw new CommandError('restore takes a checkpoint number (see info checkpoints)');
  const id = parseNumber(args[0]!);
  const cp = dbg.checkpoints.find((c) => c.id === id);
  if (!cp) throw new CommandError(`no checkpoint ${args[0]}${dbg.checkpoints.length ? ` (have ${dbg.checkpoints.map((c) => c.id).join(', ')})` : ''}`);
  if (!(await travelTo(dbg, cp.log, cp.focus))) return;
  const message = `restored checkpoint ${cp.id}: ${cp.where}`;
  dbg.print(message);
  dbg.noteStop({ cpu: cp.focus, reason: 'travel', hits: [], messages: [message] });
  if (dbg.printLocations) dbg.print(dbg.location(dbg.view));
  dbg.showDisplays();
}

export const RUN_COMMANDS: readonly Command[] = [
  {
    name: 'step', aliases: ['s', 'stepi', 'si'], usage: 'step [N]', repeats: true,
    summary: 'execute N instructions (default 1) of the focused CPU',
    help: 'A step retires one instruction. A trap in a step enters its handler and runs the\nhandler\'s first instruction; the step says which trap (and which VM exits) happened.',
    run: step,
  },
  { name: 'next', aliases: ['n', 'nexti', 'ni'], usage: 'next', repeats: true, summary: 'step over a call (jal/jalr writing ra)', run: next },
  { name: 'finish', aliases: ['fin'], usage: 'finish', summary: 'run until the current routine returns', help: 'Counts calls and returns made in the routine\'s own mode and address space; the return\nat depth 0 ends it (a routine that never returns runs until something else stops it).', run: finish },
  { name: 'until', aliases: ['u', 'advance'], usage: 'until ADDR|SYMBOL', summary: 'run the focused CPU until pc reaches ADDR', complete: symbolCompletion, run: until },
  { name: 'continue', aliases: ['c', 'cont'], usage: 'continue', summary: 'run until a breakpoint, the guest stops, or Ctrl-C', run: cont },
  {
    name: 'break', aliases: ['b', 'br'], usage: 'break [ADDR|phys ADDR|on EVENT] [if EXPR]',
    summary: 'stop at an address, or on an event',
    help: `break ADDR|SYMBOL      stop before executing at a guest-virtual address (default: pc)
break phys ADDR        stop before executing at a guest-physical address (also: break p:ADDR)
break on pagefault     a page or protection fault the guest takes
break on trap [CAUSE]  any trap or interrupt, or one cause (${[...CAUSE_NAMES.values()].slice(0, 4).join(', ')}, …)
break on ptbr-write    the guest writes PTBR (an address-space switch)
break on tlb-miss      any TLB miss
break on exit [REASON] a VM exit (${EXIT_REASONS.join(', ')})
break on tlb-rules     an access used a translation made stale by a page-table store never
                       invalidated (needs --check-tlb-rules); stops after that instruction
break LOC if EXPR      stop only when EXPR (as print takes it; also A == B, A != B) is
                       non-zero at the hit: break sbrk if a0 == 4096 (tbreak takes if too)`,
    complete: (dbg, args) => (args.length === 0 ? ['on', 'phys', ...symbolCompletion(dbg)] : args[0] === 'on' && args.length === 1 ? [...EVENT_KINDS] : args[0] === 'on' && args[1] === 'exit' ? [...EXIT_REASONS] : args[0] === 'on' && args[1] === 'trap' ? [...CAUSE_NAMES.values()] : symbolCompletion(dbg)),
    run: (dbg, args) => breakCmd(dbg, args),
  },
  {
    name: 'tbreak', aliases: ['tb'], usage: 'tbreak [ADDR|phys ADDR|on EVENT] [if EXPR]', summary: 'a breakpoint deleted when it first stops the machine',
    complete: symbolCompletion, run: (dbg, args) => breakCmd(dbg, args, true),
  },
  { name: 'ignore', usage: 'ignore N COUNT', summary: 'let the next COUNT hits of breakpoint N pass without stopping', run: ignore },
  {
    name: 'watch', aliases: ['w'], usage: 'watch ADDR [r|w|rw] [LEN]', summary: 'stop after an access to memory (default: 4-byte write)',
    help: 'ADDR is guest-virtual, or guest-physical with p: (then any virtual alias counts, e.g. the\nkernel writing a page table through its direct map). The instruction at pc is decoded before\neach step; a load or store that touches the range and completes stops after it.',
    complete: symbolCompletion, run: (dbg, args) => watch(dbg, args),
  },
  { name: 'rwatch', usage: 'rwatch ADDR [LEN]', summary: 'stop after a read of memory (watch ADDR r)', complete: symbolCompletion, run: (dbg, args) => watch(dbg, args, 'r') },
  { name: 'awatch', usage: 'awatch ADDR [LEN]', summary: 'stop after a read or write of memory (watch ADDR rw)', complete: symbolCompletion, run: (dbg, args) => watch(dbg, args, 'rw') },
  {
    name: 'delete', aliases: ['d'], usage: 'delete [N…]', summary: 'delete breakpoints (all without N)',
    help: 'N is a breakpoint number or a range (delete 2-4). gdb\'s forms work too: delete breakpoints N…,\nand delete display N… (as undisplay).',
    complete: (_dbg, args) => (args.length === 0 ? ['display', 'breakpoints'] : []),
    run: del,
  },
  { name: 'enable', usage: 'enable N…', summary: 'enable breakpoints (enable display N… for displays)', run: enable(true) },
  { name: 'disable', usage: 'disable N…', summary: 'disable breakpoints (disable display N… for displays)', run: enable(false) },
  { name: 'checkpoint', aliases: ['cp'], usage: 'checkpoint', summary: 'remember this point of the run (see restore)', run: checkpoint },
  { name: 'restore', usage: 'restore N', summary: 'go back (or forward) to checkpoint N', run: restore },
  {
    name: 'reverse-step', aliases: ['rs', 'reverse-stepi', 'rsi'], usage: 'reverse-step [N]', repeats: true, summary: 'go back N instructions (default 1) of the focused CPU',
    help: 'Restores the latest snapshot of the whole machine before that point and replays the recorded\nhistory from there (at most an interval of --snapshot-interval instructions): registers, memory,\nMMU, TLB, VMM state and statistics are exactly what they were. Ctrl-C stops a long replay.',
    run: (dbg, args) => {
      atMost('reverse-step', args, 1);
      return reverseStep(dbg, parseCount(args[0], 'reverse-step N', 1));
    },
  },
  { name: 'reverse-continue', aliases: ['rc'], usage: 'reverse-continue', summary: 'go back to the last point where a breakpoint fired', help: 'Searches the intervals between snapshots from the latest back, one checked step at a time.\nCtrl-C stops the search at the start of the last interval it searched through.', run: (dbg, args) => (noArgs('reverse-continue', args), reverseContinue(dbg)) },
];
