// Backtraces through TV32's calling convention (isa/README.md section 1; the kernel's ENTER and
// LEAVE in guest-programs/kernel/asm.inc; guest-programs/user/ulib.inc): a call is `jal ra, f`,
// a routine that calls another saves ra on the stack it made with `addi sp, sp, -N`, and returns
// with `jalr zero, 0(ra)`. There is no frame pointer, so each frame is found as gdb finds frames
// without debug information, by reading the routine's code: from the routine's entry (the nearest
// symbol at or below pc that something calls), every path through its code is followed, adding up
// the `addi sp, sp, ±N` on the way (prologues, LEAVE, pushes in a loop body) and noting where
// `sw ra, K(sp)` saved the return address and whether ra still holds it. What holds at pc says
// how big the frame is and where its return address is; the caller's frame is at that address.
//
// Across the trap boundary: a frame in the trap vector's routine (the symbol at EVEC) was entered
// by a trap, not a call. At the handler's entry, before its first instruction, every register is
// still the interrupted code's, so the walk goes on at EPC with them. Once the handler has called
// into the kernel, the interrupted registers are where it saved them; for the bundled kernel that
// is the trap frame of the process in `curproc` (guest-programs/kernel/proc.inc: P_TF, TF_EPC,
// TF_RA, TF_SP), used only when the EPC it holds is the trap's. Otherwise (the entry code saving
// them, a trap from supervisor code) the walk ends at the boundary, saying so.
//
// Plain data, read without side effects through the debugger's memory reader; `bt` formats it
// and the DAP adapter makes its stack frames from it.

import { CR, STATUS, causeName } from '../isa/arch.ts';
import { decode, type Operands } from '../isa/encoding.ts';
import type { SourceLocation } from '../isa/image.ts';
import type { ImageTable } from './symbols.ts';
import type { Debugger } from './debugger.ts';
import { readMemory } from './memory.ts';
import type { CpuView } from './target.ts';

const RA = 1;
const SP = 2;
const ZERO = 0;
/** Deeper than this a walk is surely lost. */
const MAX_FRAMES = 64;

/** The bundled kernel's record of the trap it is handling (guest-programs/kernel/proc.inc). */
const KERNEL_TRAP_FRAME = { process: 'curproc', frame: 64, epc: 0, ra: 4, sp: 8 } as const;

export interface Frame {
  readonly level: number;
  /** Frame 0: pc. A caller: the call instruction (the return address − 4). Interrupted code: EPC. */
  readonly pc: number;
  /** Where this frame returns to when the routine it called returns (callers only). */
  readonly returnAddress?: number;
  /** The stack pointer as this frame sees it. */
  readonly sp: number;
  /** `vmfault+36`, `primes:main`; undefined outside every image. */
  readonly symbol: string | undefined;
  /** The image the code belongs to: 'kernel' or a module's name. */
  readonly image: string | undefined;
  readonly location: SourceLocation | undefined;
  /** This frame was interrupted by a trap (its pc is EPC): the cause. */
  readonly trap?: { readonly cause: number; readonly causeName: string };
  /** Registers known in this frame beyond pc and sp (frame 0: all of them; callers: ra when found). */
  readonly ra?: number;
}

export interface Backtrace {
  readonly frames: readonly Frame[];
  /** Why there is no frame after the last one. */
  readonly end: string;
}

/** Registers of a frame being unwound: `raLive`, ra's register still holds this frame's return address. */
interface Context {
  readonly pc: number;
  readonly sp: number;
  readonly ra: number | undefined;
  readonly raLive: boolean;
  /** The walk reached this frame through a call (pc is a return address, not yet run). */
  readonly returned: boolean;
  readonly trap?: Frame['trap'];
}

export function backtrace(dbg: Debugger, view: CpuView, limit = MAX_FRAMES): Backtrace {
  const cpu = view.cpu;
  const symbols = dbg.symbols[view.index]!;
  const wordAt = dbg.wordAt(view);
  const word = (va: number): number | undefined => {
    const w = readMemory(dbg.target, view, { space: 'v', addr: va >>> 0 }, 4);
    return typeof w === 'number' ? w : undefined;
  };
  const vector = (cpu.cr[CR.EVEC]! & ~3) >>> 0;
  const frames: Frame[] = [];
  let ctx: Context = { pc: cpu.pc >>> 0, sp: cpu.regs[SP]! >>> 0, ra: cpu.regs[RA]! >>> 0, raLive: true, returned: false };
  for (;;) {
    if (frames.length >= limit) return { frames, end: `the first ${limit} frames` };
    // A caller is shown at its call instruction, whose line is the one that matters.
    const at = ctx.returned ? (ctx.pc - 4) >>> 0 : ctx.pc;
    const table = symbols.tableFor(at, wordAt);
    const code = table ? codeReader(table) : undefined;
    const candidates = table && code ? routinesAt(table, code, at, vector) : [];
    // The first candidate whose code reaches pc (a label inside a routine is no entry of its own).
    let routine = candidates[0];
    let shape: FrameShape | undefined;
    if (code) {
      for (const r of candidates) {
        shape = r.address === vector ? undefined : frameShape(code, r.address, ctx.pc);
        if (shape || r.address === vector) {
          routine = r;
          break;
        }
      }
    }
    frames.push({
      level: frames.length,
      pc: at,
      ...(ctx.returned ? { returnAddress: ctx.pc } : {}),
      sp: ctx.sp,
      symbol: symbols.describe(at, wordAt),
      image: table?.name,
      location: symbols.location(at, wordAt),
      ...(ctx.trap ? { trap: ctx.trap } : {}),
      ...(ctx.ra !== undefined && ctx.raLive ? { ra: ctx.ra } : {}),
    });
    if (!table || !code || !routine) return { frames, end: `${hex(at)} is outside the kernel and its modules` };
    if (routine.address === vector) {
      const next = acrossTrap(dbg, view, ctx, word);
      if (typeof next === 'string') return { frames, end: next };
      ctx = next;
      continue;
    }
    if (routine.name === '_start') return { frames, end: 'outermost: _start is not called by anything' };
    if (!shape) return { frames, end: `no path through ${routine.name}'s code reaches ${hex(ctx.pc)}: its frame is not known` };
    let ra: number | undefined;
    if (ctx.raLive && shape.raInRegister) ra = ctx.ra;
    else if (shape.raAt !== undefined) ra = word(ctx.sp + shape.raAt);
    else return { frames, end: `${routine.name} saves no return address: the frames before it are not known` };
    if (ra === undefined) return { frames, end: `the return address of ${routine.name} is on a stack that cannot be read` };
    if (ra === 0) return { frames, end: 'the return address is 0: nothing called this' };
    const sp = (ctx.sp + shape.size) >>> 0;
    if (sp < ctx.sp) return { frames, end: 'the stack does not grow back up here: the walk is lost' };
    if (sp === ctx.sp && ra === ctx.pc) return { frames, end: 'a frame that returns to itself: the walk is lost' };
    ctx = { pc: ra >>> 0, sp, ra: undefined, raLive: false, returned: true };
  }
}

/** What the code of a routine says about its frame at an address. */
interface FrameShape {
  /** sp at the routine's entry (its caller's sp) = sp + this. */
  readonly size: number;
  /** Where ra is saved, relative to sp now; undefined: not saved (or not known to be). */
  readonly raAt: number | undefined;
  /** ra's register still holds the return address (nothing has written it since entry, or it was reloaded). */
  readonly raInRegister: boolean;
}

/** The state of a frame before an instruction: sp − entry sp, ra's slot (from entry sp), ra intact. */
interface FlowState {
  readonly delta: number;
  readonly raSlot: number | undefined;
  readonly raInRegister: boolean;
}

/** Instructions one analysis follows at most (the kernel's longest routine has a few hundred). */
const FLOW_LIMIT = 4096;

/**
 * The frame of a routine about to run the instruction at `pc` (for a caller, the return
 * address), from every path from its entry to pc; undefined when none reaches it. The stack
 * depth is the same on every path in code that follows the convention (the first one found is
 * kept); ra is intact at an instruction only if it is on every path there (a loop that calls
 * clobbers it on the way round), so that is iterated to a fixed point.
 */
function frameShape(code: CodeReader, entry: number, pc: number): FrameShape | undefined {
  const states = new Map<number, FlowState>([[entry, { delta: 0, raSlot: undefined, raInRegister: true }]]);
  const work = [entry];
  for (let n = 0; work.length > 0 && n < FLOW_LIMIT; n++) {
    const addr = work.pop()!;
    const state = states.get(addr)!;
    const d = code.decode(addr);
    if (!d) continue;
    const next = step(d.m, d.o, state);
    if (!next) continue;
    for (const to of successors(d.m, d.o, addr)) {
      if (!code.covers(to)) continue;
      const known = states.get(to);
      if (known === undefined) states.set(to, next);
      else if (known.raInRegister && !next.raInRegister) states.set(to, { ...known, raInRegister: false });
      else if (known.raSlot === undefined && next.raSlot !== undefined) states.set(to, { ...known, raSlot: next.raSlot });
      else continue;
      work.push(to);
    }
  }
  const at = states.get(pc);
  if (!at) return undefined;
  return { size: -at.delta, raAt: at.raSlot === undefined ? undefined : at.raSlot - at.delta, raInRegister: at.raInRegister };
}

/** The state after one instruction, or undefined when sp is set in a way the walk cannot follow. */
function step(m: string, o: Operands, s: FlowState): FlowState | undefined {
  if (m === 'addi' && o.rd === SP && o.rs1 === SP) return { ...s, delta: s.delta + o.imm18! };
  if (o.rd === SP) return undefined;
  if (m === 'sw' && o.srcA === RA && o.srcB === SP) return { ...s, raSlot: s.delta + o.imm18! };
  if (m === 'lw' && o.rd === RA && o.rs1 === SP) return { ...s, raInRegister: s.raSlot === s.delta + o.imm18! };
  if (o.rd === RA) return { ...s, raInRegister: false };
  return s;
}

/** Where control goes after an instruction at `addr` (a call returns to the next one). */
function successors(m: string, o: Operands, addr: number): number[] {
  const next = (addr + 4) >>> 0;
  switch (m) {
    case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
      return [next, (addr + o.boff18! * 4) >>> 0];
    case 'jal':
      return o.rd === ZERO ? [(addr + o.joff22! * 4) >>> 0] : [next];
    case 'jalr':
      return o.rd === ZERO ? [] : [next];
    case 'eret':
      return [];
    default:
      return [next];
  }
}

/** An image's code as the analysis reads it: its own words (what the loader copied), decoded. */
interface CodeReader {
  covers(addr: number): boolean;
  decode(addr: number): { m: string; o: Operands } | undefined;
}

function codeReader(table: ImageTable): CodeReader {
  const word = (addr: number): number | undefined => {
    for (const seg of table.image.segments) {
      const off = addr - seg.address;
      if (off >= 0 && off + 4 <= seg.bytes.length) {
        const b = seg.bytes;
        return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
      }
    }
    return undefined;
  };
  return {
    covers: (addr) => addr >= table.lo && addr < table.hi,
    decode: (addr) => {
      const w = word(addr);
      const d = w === undefined ? undefined : decode(w);
      return d ? { m: d.spec.mnemonic, o: d.operands } : undefined;
    },
  };
}

/**
 * The symbols of an image that are routines' entries: those something calls (`jal ra, SYMBOL`)
 * and those whose address is a word of the image (a table of routines called through jalr, as
 * the kernel's system calls are).
 */
const CALLED = new WeakMap<ImageTable, ReadonlySet<number>>();

function calledSymbols(table: ImageTable, code: CodeReader): ReadonlySet<number> {
  let found = CALLED.get(table);
  if (found) return found;
  const symbols = new Set(table.sorted.map((s) => s.address));
  const called = new Set<number>([table.image.entry]);
  for (const seg of table.image.segments) {
    for (let addr = seg.address; addr + 4 <= seg.address + seg.bytes.length; addr += 4) {
      const b = seg.bytes;
      const off = addr - seg.address;
      const w = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
      if (symbols.has(w)) called.add(w);
      const d = code.decode(addr);
      if (d?.m !== 'jal' || d.o.rd !== RA) continue;
      const to = (addr + d.o.joff22! * 4) >>> 0;
      if (symbols.has(to)) called.add(to);
    }
  }
  found = called;
  CALLED.set(table, found);
  return found;
}

/**
 * The routines pc may be in, likeliest first: the nearest entry at or below it (a called symbol,
 * or the trap vector's), then the nearest symbol of any kind.
 */
function routinesAt(table: ImageTable, code: CodeReader, addr: number, vector: number): { name: string; address: number }[] {
  const called = calledSymbols(table, code);
  let nearest: { name: string; address: number } | undefined;
  let entry: { name: string; address: number } | undefined;
  for (const s of table.sorted) {
    if (s.address > addr) break;
    nearest = s;
    if (called.has(s.address) || s.address === vector) entry = s;
  }
  return [...new Set([entry, nearest].filter((r) => r !== undefined))];
}

/**
 * The interrupted code's registers, from a frame in the trap vector's routine: live at the
 * handler's entry, else from the kernel's trap frame; or why they cannot be known.
 */
function acrossTrap(dbg: Debugger, view: CpuView, ctx: Context, word: (va: number) => number | undefined): Context | string {
  const cr = view.cpu.cr;
  const epc = cr[CR.EPC]! >>> 0;
  const cause = cr[CR.CAUSE]! >>> 0;
  const trap = { cause, causeName: causeName(cause) };
  const vector = (cr[CR.EVEC]! & ~3) >>> 0;
  if (!ctx.returned) {
    // Nothing of the handler has run: the registers are the interrupted code's.
    if (ctx.pc === vector) return { pc: epc, sp: ctx.sp, ra: ctx.ra, raLive: true, returned: false, trap };
    return 'the trap handler\'s entry code is saving or restoring the interrupted registers here';
  }
  const fromUser = (cr[CR.STATUS]! & STATUS.PMODE) === 0;
  if (!fromUser) return 'the trap came from supervisor code, whose registers the handler does not save';
  let process: number;
  try {
    process = dbg.symbols[view.index]!.lookup(KERNEL_TRAP_FRAME.process);
  } catch {
    return 'the interrupted registers are not known (no trap frame the debugger can find)';
  }
  const proc = word(process);
  if (proc === undefined || proc === 0) return 'the interrupted registers are not known (no process is handling a trap)';
  const frame = proc + KERNEL_TRAP_FRAME.frame;
  const savedEpc = word(frame + KERNEL_TRAP_FRAME.epc);
  const sp = word(frame + KERNEL_TRAP_FRAME.sp);
  const ra = word(frame + KERNEL_TRAP_FRAME.ra);
  // A system call's handler moves the saved EPC past the syscall instruction.
  if (savedEpc === undefined || sp === undefined || ra === undefined || (savedEpc !== epc && savedEpc !== ((epc + 4) >>> 0))) {
    return 'the interrupted registers are not known (the trap frame is not this trap\'s)';
  }
  return { pc: epc, sp, ra, raLive: true, returned: false, trap };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
