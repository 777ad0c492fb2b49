// The privileged campaign's kernel, apart from the program itself: the guest-physical layout,
// the random page-table entries and data words, the generator's model of the tables (and its
// software walk), the fixed tables and the trap handler. campaign/privileged.ts generates the
// programs and says which rules they keep; this file must not emit any of the program.

import { CAUSE, MMIO_BASE, PTE, STATUS } from '../../../isa/arch.ts';
import { hex } from './check.ts';
import { PAST_RAM } from './guest.ts';
import type { Rng } from './rng.ts';

export const KCODE = 0x1000;
export const KCODE_END = 0x8000;
export const HANDLER = 0x8000;
export const KDATA = 0x9000;
export const SAVE = KDATA;
export const LOGPTR = KDATA + 0x10;
export const LOG = 0xa000;
export const LOG_END = 0xe000;
export const DATA = Array.from({ length: 8 }, (_, i) => 0x10000 + i * 0x1000);
export const PD_A = 0x400000;
export const PD_B = 0x401000;
export const PT_K = 0x402000;
export const PT_T = 0x403000;
export const PT_S = 0x404000;
export const PT_A3 = 0x405000;
export const PT_B3 = 0x406000;
export const T4 = [0x407000, 0x408000, 0x409000] as const;
export const T5 = 0x40a000;
export const TABLES_END = 0x40b000;
export const MUTABLE_TABLES = [PT_S, PT_A3, PT_B3, ...T4, T5];
/** Entries 0..POPULATED-1 of each mutable table are random; accesses also try the next one. */
export const POPULATED = 8;
export const VA_S = 0x00800000;
export const VA_3 = 0x00c00000;
export const VA_4 = 0x01000000;
export const VA_5 = 0x01400000;
export const VA_ABSENT = 0x02000000;
export const MAX_INSTRUCTIONS = 60_000;
/** Page offsets of accesses: both ends of a page, unaligned ones, device registers (not POWER_OFF). */
export const OFFSETS = [0, 4, 5, 6, 7, 8, 0xc, 0x14, 0x100, 0x7fc, 0x7fe, 0xffc, 0xffe, 0xfff];
export const KERNEL_LOG_TAG = 0x100;
export const EXIT_OK = 0x600d;

/** Opcodes no instruction uses (isa/README.md 2): a data word with one of them never executes. */
export const UNASSIGNED_OPCODES = [0x00, 0x1d, 0x1e, 0x1f, 0x2e, 0x2f, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x3c, 0x3d, 0x3f];

export type Space = 'A' | 'B';
export const SPACES: readonly Space[] = ['A', 'B'];
export const PD_OF: Record<Space, number> = { A: PD_A, B: PD_B };
export const PT3_OF: Record<Space, number> = { A: PT_A3, B: PT_B3 };

/** The generator's copy of the page tables and of the machine state the program has set. */
export interface Model {
  /** Mutable tables (first POPULATED entries) and the two directories (all entries), by frame. */
  readonly tables: Map<number, number[]>;
  /** PT_K and PT_T, which the program never changes. */
  readonly fixed: ReadonlyMap<number, readonly number[]>;
  /** The current (root, ASID). */
  root: number;
  asid: number;
  pg: boolean;
  ie: boolean;
  timer: number;
  /** Per ASID: the one root its TLB entries may come from since its last flush. */
  readonly asidRoot: Map<number, number>;
}


// ---------------------------------------------------------------- values

export const bit = (rng: Rng, b: number, percent: number): number => (rng.chance(percent) ? b : 0);

/** A byte whose top six bits are an unassigned opcode: any word made of such bytes never executes. */
export const inertByte = (rng: Rng): number => (rng.pick(UNASSIGNED_OPCODES) << 2) | rng.int(0, 3);
export const inertWord = (rng: Rng): number => (inertByte(rng) | (inertByte(rng) << 8) | (inertByte(rng) << 16) | (inertByte(rng) << 24)) >>> 0;

export function leafEntry(rng: Rng, globalAllowed: boolean): number {
  return rng.weighted<() => number>([
    [1, () => 0],
    [1, () => (inertWord(rng) & ~PTE.V) >>> 0],
    [10, () => {
      const frame = rng.weighted([[12, rng.pick(DATA)], [1, PAST_RAM], [1, MMIO_BASE]] as const);
      return (frame | PTE.V | bit(rng, PTE.W, 60) | bit(rng, PTE.X, 30) | bit(rng, PTE.U, 65) | (globalAllowed ? bit(rng, PTE.G, 30) : 0) |
        bit(rng, PTE.A, 50) | bit(rng, PTE.D, 50) | (rng.int(0, 15) << 8)) >>> 0;
    }],
  ])();
}

/**
 * A superpage directory entry; over the page tables (0x400000) never writable. A Global one (in
 * directory entry 5, which both directories hold a copy of) comes with A and D set: which copy
 * the walker would set them in depends on whether the TLB still holds the Global entry filled
 * from the other copy, that is on the TLB's geometry, which software must not depend on
 * (isa/README.md 6.4). The campaign found that difference (privileged #723 at scale 20).
 */
export function superpageEntry(rng: Rng, globalAllowed: boolean): number {
  const frame = rng.weighted([[6, 0], [2, 0x400000], [1, 0x00800000], [1, DATA[1]!], [1, MMIO_BASE]] as const);
  const writable = frame === 0x400000 ? 0 : bit(rng, PTE.W, 60);
  const global = globalAllowed && rng.chance(30);
  const accessedDirty = global ? PTE.A | PTE.D | PTE.G : bit(rng, PTE.A, 50) | bit(rng, PTE.D, 50);
  return (frame | PTE.V | PTE.L | writable | bit(rng, PTE.X, 30) | bit(rng, PTE.U, 65) | accessedDirty) >>> 0;
}

/** Directory entry 4 (private) or 5 (shared): a superpage, a table, a table past RAM, or nothing. */
export function directoryEntry(rng: Rng, index: 4 | 5): number {
  const shared = index === 5;
  return rng.weighted<() => number>([
    [1, () => 0],
    [4, () => superpageEntry(rng, shared)],
    [4, () => ((shared ? T5 : rng.pick(T4)) | PTE.V | bit(rng, PTE.W, 50) | bit(rng, PTE.U, 50)) >>> 0],
    [1, () => (0x00800000 | PTE.V) >>> 0],
  ])();
}

// ---------------------------------------------------------------- the model's translation

export interface Translation {
  readonly ok: boolean;
  /** Physical address (when ok), for choosing safe stores. */
  readonly pa: number;
  readonly leaf: number;
}

/** A software walk of the model (isa/README.md 6.2), without A/D and permissions but the leaf. */
export function translate(m: Model, va: number): Translation {
  const none = { ok: false, pa: 0, leaf: 0 };
  if (!m.pg) return { ok: true, pa: va >>> 0, leaf: PTE.V | PTE.W | PTE.X | PTE.U };
  const pde = entryAt(m, m.root, va >>> 22);
  if (pde === undefined || !(pde & PTE.V)) return none;
  if (pde & PTE.L) {
    if (pde & 0x003ff000) return none;
    return { ok: true, pa: ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0, leaf: pde };
  }
  const pte = entryAt(m, (pde & PTE.FRAME_MASK) >>> 0, (va >>> 12) & 1023);
  if (pte === undefined || !(pte & PTE.V)) return none;
  return { ok: true, pa: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0, leaf: pte };
}

/** An entry of a table the model knows; undefined for a frame that is no table (say, past RAM). */
export function entryAt(m: Model, table: number, index: number): number | undefined {
  const t = m.tables.get(table) ?? m.fixed.get(table);
  return t === undefined ? undefined : (t[index] ?? 0);
}

// ---------------------------------------------------------------- fixed tables

export function fixedTables(rng: Rng): { k: number[]; t: number[] } {
  const k = new Array<number>(1024).fill(0);
  const ad = (): number => bit(rng, PTE.A, 50) | bit(rng, PTE.D, 50);
  const g = (): number => bit(rng, PTE.G, 40);
  for (let va = KCODE; va < KCODE_END; va += 0x1000) k[va >>> 12] = (va | PTE.V | PTE.X | PTE.U | g() | ad()) >>> 0;
  k[HANDLER >>> 12] = (HANDLER | PTE.V | PTE.X | g() | ad()) >>> 0;
  for (let va = KDATA; va < LOG_END; va += 0x1000) k[va >>> 12] = (va | PTE.V | PTE.W | g() | ad()) >>> 0;
  for (const va of DATA) k[va >>> 12] = (va | PTE.V | PTE.W | PTE.U | bit(rng, PTE.X, 30) | g() | ad()) >>> 0;
  const t = new Array<number>(1024).fill(0);
  for (let pa = PD_A; pa < TABLES_END; pa += 0x1000) t[(pa >>> 12) & 1023] = (pa | PTE.V | PTE.W | g() | ad()) >>> 0;
  return { k, t };
}

export function tableName(table: number): string {
  const names = new Map<number, string>([
    [PD_A, 'PD_A'], [PD_B, 'PD_B'], [PT_K, 'PT_K'], [PT_T, 'PT_T'], [PT_S, 'PT_S'], [PT_A3, 'PT_A3'], [PT_B3, 'PT_B3'],
    [T4[0], 'T4a'], [T4[1], 'T4b'], [T4[2], 'T4c'], [T5, 'T5'],
  ]);
  return names.get(table) ?? hex(table);
}

export const HANDLER_SOURCE = `
.org ${HANDLER}
; Log [CAUSE, EPC, BADVA, s2]; an interrupt returns where it struck, an exception resumes the
; kernel at s0 in the kernel's STATUS (s3: MODE, PG, IE). A device interrupt takes one byte of
; console input (logged instead of s2), or it would come back at once.
handler:
    sw    t0, ${SAVE}(zero)
    sw    t1, ${SAVE + 4}(zero)
    sw    t2, ${SAVE + 8}(zero)
    mv    t2, s2
    mfcr  t1, cause
    addi  t1, t1, -${CAUSE.DEVICE_INTERRUPT}
    bnez  t1, 3f
    lui   t2, ${MMIO_BASE >>> 10}
    lw    t2, 4(t2)               ; CONSOLE_RX
3:  lw    t0, ${LOGPTR}(zero)
    li    t1, ${LOG_END}
    bgeu  t0, t1, 1f              ; the log is full
    mfcr  t1, cause
    sw    t1, 0(t0)
    mfcr  t1, epc
    sw    t1, 4(t0)
    mfcr  t1, badva
    sw    t1, 8(t0)
    sw    t2, 12(t0)
    addi  t0, t0, 16
    sw    t0, ${LOGPTR}(zero)
1:  mfcr  t1, cause
    srli  t1, t1, 4
    bnez  t1, 2f                  ; an interrupt
    mtcr  epc, s0
    andi  t1, s3, ${STATUS.MODE | STATUS.PG}
    slli  t2, s3, 2               ; MODE -> PMODE, IE -> PIE
    andi  t2, t2, ${STATUS.PMODE | STATUS.PIE}
    or    t1, t1, t2
    mtcr  status, t1
2:  lw    t0, ${SAVE}(zero)
    lw    t1, ${SAVE + 4}(zero)
    lw    t2, ${SAVE + 8}(zero)
    eret
`;
