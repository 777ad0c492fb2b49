// Test harness for the emulator: run a snippet of TV32 assembly on a fresh Machine and look at
// what it left behind. "One test body, several environments" (STYLE.md lesson 8): the same
// snippet runs with paging off, under an identity map of 4 KiB pages and under an identity map
// of 4 MiB superpages, and a test expects the same architectural result in each.
//
// Layout of a snippet run (all physical = virtual):
//   0x0800  save area: r0..r15 as the epilogue or the trap handler left them, then an end marker
//   0x1000  the snippet, then `__done` (epilogue: save registers, power off with END.DONE)
//           then `trap_handler` (EVEC points here; default: save registers, power off with END.TRAP)
//   ...     optional data (its own `.org`)
//   0xC00000 page tables of the paged environments (outside the identity map, so a snippet
//           cannot change them by accident)
// The prologue is done by the harness before the first instruction, not by guest code, so that
// the statistics count the snippet and the epilogue only: initial registers, EVEC = trap_handler,
// and for the paged environments PTBR and STATUS.PG.
//
// This module only drives the public Machine API; it must not reach into the CPU's loop.

import { formatDiagnostic } from '../../assembler/index.ts';
import { assemble } from '../../node/files.ts';
import { CR, DEVICE, PTE, STATUS, type CrName } from '../../isa/arch.ts';
import { encode, SPEC_BY_MNEMONIC, type Operands } from '../../isa/encoding.ts';
import type { Image } from '../../isa/image.ts';
import { REGISTER_NUMBERS } from '../../isa/table.ts';
import { Machine, type MachineOptions, type RunResult } from '../../emulator/machine.ts';
import type { PhysicalMemory } from '../../emulator/memory.ts';

export const ORIGIN = 0x1000;
export const SAVE_AREA = 0x800;
/** Word after the saved registers: END.DONE or END.TRAP once the harness code has run. */
export const END_MARKER = SAVE_AREA + 0x40;
export const END = { DONE: 0x600d, TRAP: 0x7a9 } as const;
/** Where the paged environments build their tables (physical). */
export const PT_BASE = 0x00c00000;
/** The paged environments map [0, IDENTITY_BYTES) and the device page. */
export const IDENTITY_BYTES = 0x00800000;
export const HARNESS_MEMORY_BYTES = 16 * 1024 * 1024;

export type Env = 'bare' | 'paged-4k' | 'paged-4m';
export const ENVS: readonly Env[] = ['bare', 'paged-4k', 'paged-4m'];
export const PAGED_ENVS: readonly Env[] = ['paged-4k', 'paged-4m'];

export const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
export const u32 = (n: number): number => n >>> 0;

/** A register number from `r5`, `a0`, `fp` or a number. */
export function regNumber(name: string | number): number {
  if (typeof name === 'number') return name;
  const n = REGISTER_NUMBERS.get(name.toLowerCase());
  if (n === undefined) throw new Error(`no register '${name}'`);
  return n;
}

/** One instruction word, encoded from the table (`insn('add', {rd: 3, rs1: 4, rs2: 5})`). */
export function insn(mnemonic: string, operands: Operands = {}): number {
  const spec = SPEC_BY_MNEMONIC.get(mnemonic);
  if (!spec) throw new Error(`no instruction '${mnemonic}'`);
  return encode(spec, operands);
}

export function assembleOrThrow(source: string, origin = ORIGIN): Image {
  const result = assemble(source, { origin, file: 'snippet.s' });
  if (result.diagnostics.length > 0 || !result.image) {
    throw new Error(`snippet does not assemble:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}\n${source}`);
  }
  return result.image;
}

/** An image of raw words at `address` (entry = address). */
export function wordsImage(words: readonly number[], address = ORIGIN): Image {
  const bytes = new Uint8Array(new Int32Array(words.map((w) => w | 0)).buffer);
  return { entry: address, segments: [{ address, bytes }], symbols: [], sourceMap: [] };
}

// ---------------------------------------------------------------- page tables

/**
 * Builds two-level TV32 page tables in physical memory (isa/README.md section 6): a root at
 * `base`, second-level tables allocated after it on demand. Every method returns the physical
 * address of the entry it wrote, so a test can read the A and D bits back.
 */
export class PageTables {
  readonly root: number;
  private nextTable: number;

  constructor(readonly mem: PhysicalMemory, base = PT_BASE) {
    this.root = base;
    this.nextTable = base + 0x1000;
    mem.u8.fill(0, base, base + 0x1000);
  }

  pdeAddr(va: number): number {
    return this.root + (va >>> 22) * 4;
  }

  /** Map one 4 KiB page; `flags` are PTE bits (V, W, X, U, G, A, D, software). */
  map4k(va: number, pa: number, flags: number): number {
    const pdeAddr = this.pdeAddr(va);
    let pde = this.read(pdeAddr);
    if (!(pde & PTE.V) || (pde & PTE.L)) {
      const table = this.nextTable;
      this.nextTable += 0x1000;
      this.mem.u8.fill(0, table, table + 0x1000);
      pde = (table | PTE.V) >>> 0;
      this.write(pdeAddr, pde);
    }
    const pteAddr = ((pde & PTE.FRAME_MASK) >>> 0) + ((va >>> 12) & 0x3ff) * 4;
    this.write(pteAddr, ((pa & PTE.FRAME_MASK) | flags) >>> 0);
    return pteAddr;
  }

  /** Map a 4 MiB superpage: a level-1 leaf with L set. `pa` is written as given (alignment is the test's business). */
  mapSuper(va: number, pa: number, flags: number): number {
    const pdeAddr = this.pdeAddr(va);
    this.write(pdeAddr, ((pa & PTE.FRAME_MASK) | flags | PTE.L) >>> 0);
    return pdeAddr;
  }

  /** The address of the leaf entry for va (level 0, or the level-1 entry of a superpage); -1 if unmapped. */
  leafAddr(va: number): number {
    const pde = this.read(this.pdeAddr(va));
    if (!(pde & PTE.V)) return -1;
    if (pde & PTE.L) return this.pdeAddr(va);
    return ((pde & PTE.FRAME_MASK) >>> 0) + ((va >>> 12) & 0x3ff) * 4;
  }

  leaf(va: number): number {
    const addr = this.leafAddr(va);
    return addr < 0 ? 0 : this.read(addr);
  }

  read(pa: number): number {
    return this.mem.i32[pa >>> 2]! >>> 0;
  }

  write(pa: number, value: number): void {
    this.mem.i32[pa >>> 2] = value | 0;
  }
}

/** Identity-map RAM [0, IDENTITY_BYTES) and the device page, user-accessible, A and D clear. */
export function identityMap(mem: PhysicalMemory, env: 'paged-4k' | 'paged-4m', base = PT_BASE): PageTables {
  const pt = new PageTables(mem, base);
  const ram = PTE.V | PTE.W | PTE.X | PTE.U;
  if (env === 'paged-4k') {
    for (let va = 0; va < IDENTITY_BYTES; va += 0x1000) pt.map4k(va, va, ram);
    pt.map4k(DEVICE.CONSOLE_TX, DEVICE.CONSOLE_TX, PTE.V | PTE.W | PTE.U);
  } else {
    for (let va = 0; va < IDENTITY_BYTES; va += 0x400000) pt.mapSuper(va, va, ram);
    pt.mapSuper(DEVICE.CONSOLE_TX, DEVICE.CONSOLE_TX, PTE.V | PTE.W | PTE.U);
  }
  return pt;
}

/** Put a machine in an environment: for the paged ones, build the identity map and turn PG on. */
export function enterEnv(machine: Machine, env: Env): PageTables | undefined {
  if (env === 'bare') return undefined;
  const pt = identityMap(machine.mem, env);
  machine.cpu.writeCr(CR.PTBR, pt.root);
  machine.cpu.writeCr(CR.STATUS, machine.cpu.cr[CR.STATUS]! | STATUS.PG);
  return pt;
}

/**
 * Belt and braces: the emulator stops a run whose handler keeps trapping (reason 'trap-loop'),
 * but if that ever regressed, a trap storm would retire nothing and no instruction budget would
 * end it. Stop the run after `limit` traps in all (reason 'stopped'), so that a test fails
 * instead of hanging. This wraps `cpu.deliverTrap`; it changes nothing else.
 */
export function guardTrapStorms(machine: Machine, limit = 100_000): void {
  const cpu = machine.cpu;
  const deliver = cpu.deliverTrap.bind(cpu);
  let traps = 0;
  cpu.deliverTrap = (cause: number, badva: number): void => {
    if (++traps >= limit) cpu.requestStop();
    deliver(cause, badva);
  };
}

// ---------------------------------------------------------------- snippets

export interface SnippetOptions {
  env?: Env;
  /** Initial register values, by name or number (r0 cannot be set). */
  regs?: Readonly<Record<string, number>>;
  /** Assembly at `trap_handler` (EVEC). It may `j __trap` to save registers and stop, or `eret`. */
  handler?: string;
  /** Assembly placed after everything else; give it its own `.org`. */
  data?: string;
  machine?: MachineOptions;
  /** Instruction budget; default 100 000. */
  maxInstructions?: number;
  /** Called after the prologue, before the first instruction. */
  setup?: (machine: Machine, pageTables: PageTables | undefined) => void;
}

export interface SnippetResult {
  readonly machine: Machine;
  readonly run: RunResult;
  /** Which harness exit ran: the epilogue, the default trap handler, or neither (the run stopped otherwise). */
  readonly ended: 'done' | 'trap' | 'other';
  /** r0..r15 as unsigned numbers: from the save area when the harness code ran, else the CPU's. */
  readonly regs: readonly number[];
  readonly pageTables: PageTables | undefined;
  reg(name: string | number): number;
  /** A control register, unsigned (counters as mfcr reads them). */
  cr(name: CrName): number;
  word(pa: number): number;
  byte(pa: number): number;
  symbol(name: string): number;
}

/** Registers saved by both exits: r1..r15 to SAVE_AREA + 4n, then the marker, then power off. */
function exitCode(label: string, marker: number): string {
  const saves = Array.from({ length: 15 }, (_, i) => `    sw r${i + 1}, ${SAVE_AREA + 4 * (i + 1)}(zero)`);
  return [
    `${label}:`,
    ...saves,
    `    li t1, ${marker}`,
    `    sw t1, ${END_MARKER}(zero)`,
    `    li t0, ${DEVICE.POWER_OFF}`,
    `    sw t1, 0(t0)`,
    `1:  j 1b`,
  ].join('\n');
}

/** Macros every snippet may use. `enter_user` drops to user mode (IE = 0) at the next line; it clobbers t4. */
const PRELUDE = `
.macro enter_user
    la    t4, __user\\@
    mtcr  epc, t4
    mfcr  t4, status
    andi  t4, t4, -13        ; PMODE = 0, PIE = 0
    mtcr  status, t4
    eret
__user\\@:
.endm
`;

export function snippetSource(body: string, options: Pick<SnippetOptions, 'handler' | 'data'> = {}): string {
  return [
    PRELUDE,
    `.org ${ORIGIN}`,
    body,
    exitCode('__done', END.DONE),
    '.align 4',
    'trap_handler:',
    options.handler ?? '    j __trap',
    exitCode('__trap', END.TRAP),
    options.data ?? '',
  ].join('\n');
}

/** Assemble and run a snippet in one environment. */
export function runSnippet(body: string, options: SnippetOptions = {}): SnippetResult {
  const image = assembleOrThrow(snippetSource(body, options));
  const symbols = new Map(image.symbols.map((s) => [s.name, s.address]));
  const machine = new Machine({ memoryBytes: HARNESS_MEMORY_BYTES, ...options.machine });
  guardTrapStorms(machine);
  machine.load(image);
  for (const [name, value] of Object.entries(options.regs ?? {})) {
    const n = regNumber(name);
    if (n === 0) throw new Error('r0 cannot be set');
    machine.cpu.regs[n] = value | 0;
  }
  machine.cpu.writeCr(CR.EVEC, symbols.get('trap_handler')!);
  const pageTables = enterEnv(machine, options.env ?? 'bare');
  options.setup?.(machine, pageTables);
  const run = machine.run(options.maxInstructions ?? 100_000);
  const marker = machine.mem.i32[END_MARKER >>> 2]!;
  const harnessEnded = run.reason === 'halted' && (marker === END.DONE || marker === END.TRAP);
  const ended = !harnessEnded ? 'other' : marker === END.DONE ? 'done' : 'trap';
  const regs = harnessEnded
    ? Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : machine.mem.i32[(SAVE_AREA >>> 2) + i]! >>> 0))
    : Array.from(machine.cpu.regs, (v) => v >>> 0);
  return {
    machine,
    run,
    ended,
    regs,
    pageTables,
    reg: (name) => regs[regNumber(name)]!,
    cr: (name) => machine.cpu.readCr(CR[name]) >>> 0,
    word: (pa) => machine.mem.i32[pa >>> 2]! >>> 0,
    byte: (pa) => machine.mem.u8[pa]!,
    symbol: (name) => {
      const address = symbols.get(name);
      if (address === undefined) throw new Error(`no symbol '${name}'`);
      return address;
    },
  };
}

/** Run a complete program (no prologue or epilogue) from ORIGIN; the caller sets the machine up in `setup`. */
export function runProgram(
  source: string,
  options: { machine?: MachineOptions; maxInstructions?: number; setup?: (machine: Machine, image: Image) => void } = {},
): { machine: Machine; run: RunResult; image: Image } {
  const image = assembleOrThrow(source);
  const machine = new Machine({ memoryBytes: HARNESS_MEMORY_BYTES, ...options.machine });
  guardTrapStorms(machine);
  machine.load(image);
  options.setup?.(machine, image);
  const run = machine.run(options.maxInstructions ?? 100_000);
  return { machine, run, image };
}

/** The symbol's address in an image. */
export function symbolOf(image: Image, name: string): number {
  const s = image.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`no symbol '${name}'`);
  return s.address;
}
