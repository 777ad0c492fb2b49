// Random page tables and access sequences for `vmmlab check-pager` (hypervisor/conformance.ts):
// the cases of tests/hypervisor/translation.property.test.ts, made by a seeded generator of
// vmmlab's own (fast-check is a devDependency; a check that runs in the installed package cannot
// use it), so that case N of seed S is the same case everywhere.
//
// One guest per case. The fixed part (identity-mapped code, U = 1 and X = 1; the trap handler; a
// log page; the device superpage; page table PT0 under directory entry 0) is never a target of
// random entries or stores. The random part is directory entries 1..3 (absent, superpages, some
// misaligned or past RAM, or tables) and tables PT1..PT3 whose first 8 entries have random bits
// and frames among data frames, the directory and tables themselves, frames past the end of RAM,
// and the device region. Each access is a load or store of 1, 2 or 4 bytes or a fetch, from
// supervisor or user mode, to a VA in or out of the mapped region; some steps instead reload
// PTBR with another ASID. The kernel runs each access, then `syscall` traps to the handler, which
// logs (CAUSE, BADVA, the load's result) and resumes at the next access; a fault in the access
// goes to the same handler first. After every store the kernel executes `tlbflush`.
//
// Plain data and text only: the caller assembles the kernel's source (with the bundled
// arch.inc on its include path) and adds the case's data segments.

import { PTE } from '../isa/arch.ts';
import type { Segment } from '../isa/image.ts';

/** Guest memory of a case. */
export const CASE_MEMORY_BYTES = 2 * 1024 * 1024;
export const CASE_MAX_INSTRUCTIONS = 20_000;

// ---------------------------------------------------------------- a seeded generator

/** sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded by a 32-bit number. */
export class Rng {
  private a = 0x9e3779b9;
  private b = 0x243f6a88;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.c = seed | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor((this.u32() / 2 ** 32) * (max - min + 1));
  }

  /** True with probability percent/100. */
  chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of `choices`, by weight. */
  weighted<T>(choices: readonly (readonly [number, () => T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let n = this.int(0, total - 1);
    for (const [w, make] of choices) {
      if (n < w) return make();
      n -= w;
    }
    return choices[choices.length - 1]![1]();
  }
}

/** The seed of case `n` under a run's seed: FNV-1a and a murmur3 finalizer over both. */
export function caseSeed(seed: number, n: number): number {
  let h = 0x811c9dc5;
  const text = `translation#${n}@${seed >>> 0}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------- guest-physical layout

const PD = 0x10000;
const PT = [0x11000, 0x12000, 0x13000] as const; // PT1..PT3, random
const PT0 = 0x14000; // the fixed table under directory entry 0
const DATA = [0x20000, 0x21000, 0x22000, 0x23000] as const;
const CODE = 0x30000; // code pages 0x30000..0x34fff: U = 1, X = 1, read-only
const CODE_PAGES = 5;
/** Where the log of a case's accesses is written: three words per access (CAUSE, BADVA, value). */
export const CASE_LOG = 0x36000;
const SCRATCH = 0x37000; // user read/write
const DEVICE_PDE_INDEX = 0x3c0;
const ENTRIES_PER_PT = 8;

const FRAME_NAMES = new Map<number, string>([
  [PD, 'PD'], [PT[0], 'PT1'], [PT[1], 'PT2'], [PT[2], 'PT3'],
  [DATA[0], 'D0'], [DATA[1], 'D1'], [DATA[2], 'D2'], [DATA[3], 'D3'],
  [0x00200000, 'past-RAM'], [0x003ff000, 'past-RAM'], [0x00400000, 'past-RAM'], [0x7ffff000, 'past-RAM'],
  [0xbffff000, 'past-RAM'], [0xf0000000, 'MMIO'], [0xf0010000, 'past-MMIO'], [0xfffff000, 'top'],
  [0x00000000, 'RAM@0'],
]);
for (let f = 1; f <= 8; f++) FRAME_NAMES.set(f << 12, `low frame ${f}`);
const LEAF_FRAMES = [...DATA, PD, ...PT, 0x00200000, 0x003ff000, 0x7ffff000, 0xbffff000, 0xf0000000, 0xf0010000, 0xfffff000];
const TABLE_FRAMES = [...PT, PD, DATA[0], 0x00200000, 0xf0000000];
const SUPER_FRAMES = [0x00000000, 0x00400000, 0xf0000000, DATA[0], 0x00200000, PD];
/** Page offsets of accesses: never 0..3, so no store reaches directory entry 0 (the fixed part). */
const OFFSETS = [4, 5, 6, 7, 8, 0xc, 0x14, 0x18, 0x1c, 0x20, 0x400, 0x7fc, 0x7fe, 0xffc, 0xffe, 0xfff];
const PT_INDEXES = [0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23, 0x200, 0x3ff];

/** Data frames hold a fixed pattern: read as PTEs, about half are valid; never a decodable instruction. */
function dataWord(frame: number, index: number): number {
  let x = (Math.imul(frame + 1, 0x9e3779b1) ^ Math.imul(index + 7, 0x85ebca77)) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return ((x & 0x03ffffff) | (x & 0x04000000 ? 0xfc000000 : 0)) >>> 0;
}

/** A reserved opcode (0x00 or 0x3f) in the top six bits, so that no random word runs as an instruction. */
function undecodable(w: number): number {
  return ((w & 0x03ffffff) | (w & 0x80000000 ? 0xfc000000 : 0)) >>> 0;
}

// ---------------------------------------------------------------- cases

const OPS = ['lw', 'lh', 'lhu', 'lb', 'lbu', 'sw', 'sh', 'sb', 'jx', 'ptbr'] as const;
type Op = (typeof OPS)[number];
const isStore = (op: Op): boolean => op === 'sw' || op === 'sh' || op === 'sb';

export interface CaseAccess {
  readonly op: Op;
  readonly user: boolean;
  readonly va: number;
  /** Stored value (stores only); the ASID (ptbr). */
  readonly value: number;
}

export interface TranslationCase {
  readonly asid: number;
  /** Directory entries 1..3. */
  readonly pdes: readonly number[];
  /** PT1..PT3, entries 0..7. */
  readonly pts: readonly (readonly number[])[];
  readonly accesses: readonly CaseAccess[];
}

function randomBits(rng: Rng): number {
  const bit = (b: number, percent = 50) => (rng.chance(percent) ? b : 0);
  return bit(PTE.W, 70) | bit(PTE.X, 30) | bit(PTE.U, 70) | bit(PTE.G, 30) | bit(PTE.A) | bit(PTE.D) | (rng.int(0, 15) << 8);
}

const junkInvalid = (rng: Rng) => (undecodable(rng.u32()) & ~PTE.V) >>> 0;
const weightedFrame = (rng: Rng, inRam: readonly number[], others: readonly number[]) =>
  rng.weighted([[3, () => rng.pick(inRam)], [1, () => rng.pick(others)]]);

function randomPte(rng: Rng): number {
  return rng.weighted([
    [1, () => 0],
    [1, () => junkInvalid(rng)],
    [8, () => {
      const frame = weightedFrame(rng, [...DATA, PD, ...PT], LEAF_FRAMES.filter((f) => f >= CASE_MEMORY_BYTES));
      return (frame | PTE.V | randomBits(rng) | (rng.chance(20) ? PTE.L : 0)) >>> 0;
    }],
  ]);
}

function randomPde(rng: Rng): number {
  return rng.weighted([
    [1, () => (rng.chance(50) ? 0 : junkInvalid(rng))],
    [2, () => (rng.pick(SUPER_FRAMES) | PTE.V | PTE.L | randomBits(rng)) >>> 0],
    // A table: W, X, U, G, A, D in a directory entry are ignored (isa/README.md 6.1).
    [5, () => (weightedFrame(rng, [...PT], TABLE_FRAMES.filter((f) => !(PT as readonly number[]).includes(f))) | PTE.V | randomBits(rng)) >>> 0],
  ]);
}

function randomVa(rng: Rng): number {
  return rng.weighted([
    [10, () => {
      const pdIndex = rng.weighted([[6, () => rng.int(1, 3)], [1, () => 4]]);
      const ptIndex = rng.weighted([[8, () => rng.int(0, ENTRIES_PER_PT - 1)], [1, () => ENTRIES_PER_PT], [2, () => rng.pick(PT_INDEXES)]]);
      return ((pdIndex << 22) | (ptIndex << 12) | rng.pick(OFFSETS)) >>> 0;
    }],
    // The fixed part: a code page (read-only), the user scratch page, an unmapped page under PT0.
    [1, () => rng.pick([CODE, SCRATCH, SCRATCH + 0x1000]) + rng.pick(OFFSETS)],
  ]);
}

function randomStoreValue(rng: Rng): number {
  return undecodable(rng.weighted([
    [3, () => (rng.pick(LEAF_FRAMES) | rng.int(0, 0xfff)) >>> 0],
    [1, () => rng.u32()],
  ]));
}

/** Case `n` of the run seeded `seed`. */
export function translationCase(seed: number, n: number): TranslationCase {
  const rng = new Rng(caseSeed(seed, n));
  const tables = {
    asid: rng.int(0, 255),
    pdes: [randomPde(rng), randomPde(rng), randomPde(rng)],
    pts: [0, 1, 2].map(() => Array.from({ length: ENTRIES_PER_PT }, () => randomPte(rng))),
  };
  const { pages, tablePages } = mappedPages(tables);
  const count = rng.int(1, 24);
  const accesses: CaseAccess[] = [];
  for (let i = 0; i < count; i++) {
    const op: Op = rng.weighted([[8, () => rng.pick(OPS.slice(0, 8))], [1, () => rng.pick(['jx', 'ptbr'] as const)]]);
    const choices: [number, () => number][] = [[4, () => randomVa(rng)]];
    if (pages.length > 0) choices.push([4, () => rng.pick(pages) + rng.pick(OFFSETS)]);
    // Offsets 4..0x20 of a table are its entries 1..8: the populated ones.
    if (tablePages.length > 0) choices.push([3, () => rng.pick(tablePages) + rng.pick([4, 8, 0xc, 0x14, 0x1c])]);
    let va = rng.weighted(choices) >>> 0;
    const user = rng.chance(50);
    const value = randomStoreValue(rng);
    if (op === 'jx' && va < 0x00400000) va = SCRATCH + (va & 0xfff); // never into the kernel's code
    accesses.push({ op, user, va, value });
  }
  return { ...tables, accesses };
}

/** A guest-physical word of a case's initial memory; undefined past RAM. */
function initialWord(t: Pick<TranslationCase, 'pdes' | 'pts'>, pa: number): number | undefined {
  if (pa >= CASE_MEMORY_BYTES) return undefined;
  const frame = (pa & ~0xfff) >>> 0;
  const index = (pa & 0xfff) >>> 2;
  if (frame === PD) return index >= 1 && index <= 3 ? t.pdes[index - 1]! : index === 0 ? (PT0 | PTE.V) : 0;
  const k = (PT as readonly number[]).indexOf(frame);
  if (k >= 0) return t.pts[k]![index] ?? 0;
  const d = (DATA as readonly number[]).indexOf(frame);
  if (d >= 0) return dataWord(frame >>> 12, index);
  return 0;
}

/** The pages of the random region the initial tables map to RAM, and those that map the tables themselves. */
function mappedPages(t: Pick<TranslationCase, 'pdes' | 'pts'>): { pages: number[]; tablePages: number[] } {
  const pages: number[] = [];
  const tablePages: number[] = [];
  const tableFrames = new Set<number>([PD, ...PT]);
  for (let i = 1; i <= 3; i++) {
    const pde = t.pdes[i - 1]!;
    if (!(pde & PTE.V)) continue;
    for (const j of [...Array.from({ length: ENTRIES_PER_PT + 1 }, (_, n) => n), ...PT_INDEXES]) {
      let frame: number;
      if (pde & PTE.L) {
        if (pde & 0x003ff000) continue;
        frame = ((pde & 0xffc00000) | (j << 12)) >>> 0;
      } else {
        const pte = initialWord(t, ((pde & PTE.FRAME_MASK) >>> 0) + j * 4);
        if (pte === undefined || !(pte & PTE.V)) continue;
        frame = (pte & PTE.FRAME_MASK) >>> 0;
      }
      if (frame >= CASE_MEMORY_BYTES) continue;
      const va = ((i << 22) | (j << 12)) >>> 0;
      pages.push(va);
      if (tableFrames.has(frame)) tablePages.push(va);
    }
  }
  return { pages, tablePages };
}

// ---------------------------------------------------------------- the guest of a case

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const STATUS_MODE = 1;
const STATUS_PMODE = 4;
const STATUS_PG = 16;
const SENTINEL = 0x5eed0000;

/** The kernel's source (`.include "arch.inc"`: give the bundled library on the include path). */
export function caseSource(c: TranslationCase): string {
  const out = [
    '.include "arch.inc"',
    `.org ${CODE}`,
    '_start:',
    '    la t0, handler',
    '    mtcr evec, t0',
    `    li a3, ${CASE_LOG}`,
    `    li t0, ${PD | c.asid}`,
    '    mtcr ptbr, t0',
    `    li t0, ${STATUS_MODE | STATUS_PG}`,
    '    mtcr status, t0',
    '    tlbflush',
  ];
  c.accesses.forEach((a, i) => {
    const store = isStore(a.op);
    if (a.op === 'ptbr') {
      out.push(`    li t0, ${PD | (a.value & 0xff)}`, '    mtcr ptbr, t0');
      return;
    }
    out.push(`    la s0, next_${i}`, `    li s1, ${a.va}`, `    li s2, ${a.value | 0}`, `    li s3, ${SENTINEL + i}`);
    if (a.user) out.push(`    la t0, access_${i}`, '    mtcr epc, t0', `    li t0, ${STATUS_MODE | STATUS_PG}`, '    mtcr status, t0', '    eret');
    const insn = a.op === 'jx' ? '    jalr zero, 0(s1)' : store ? `    ${a.op} s2, 0(s1)` : `    ${a.op} s3, 0(s1)`;
    out.push(`access_${i}:`, insn, '    syscall', `next_${i}:`);
    if (store) out.push('    tlbflush');
  });
  out.push(
    '    li t0, POWER_OFF',
    '    sw zero, 0(t0)',
    '1:  j 1b',
    'handler:',
    '    mfcr t0, cause',
    '    sw t0, 0(a3)',
    '    mfcr t0, badva',
    '    sw t0, 4(a3)',
    '    sw s3, 8(a3)',
    '    addi a3, a3, 12',
    '    mtcr epc, s0',
    `    li t0, ${STATUS_MODE | STATUS_PMODE | STATUS_PG}`,
    '    mtcr status, t0',
    '    eret',
  );
  return out.join('\n') + '\n';
}

function words(address: number, values: readonly number[]): Segment {
  return { address, bytes: new Uint8Array(new Int32Array(values.map((v) => v | 0)).buffer) };
}

/** The case's page tables and data, to load beside its assembled kernel (which must end before 0x35000). */
export function caseSegments(c: TranslationCase): Segment[] {
  const pd = new Array<number>(1024).fill(0);
  pd[0] = PT0 | PTE.V;
  c.pdes.forEach((pde, i) => (pd[i + 1] = pde));
  pd[DEVICE_PDE_INDEX] = (0xf0000000 | PTE.V | PTE.W | PTE.L) >>> 0;
  const pt0 = new Array<number>(1024).fill(0);
  for (let p = 0; p < CODE_PAGES; p++) pt0[(CODE >>> 12) + p] = (CODE + p * 0x1000) | PTE.V | PTE.X | PTE.U;
  pt0[CASE_LOG >>> 12] = CASE_LOG | PTE.V | PTE.W;
  pt0[SCRATCH >>> 12] = SCRATCH | PTE.V | PTE.W | PTE.U;
  return [
    words(PD, pd),
    ...c.pts.map((entries, t) => words(PT[t]!, entries)),
    words(PT0, pt0),
    ...DATA.map((frame) => words(frame, Array.from({ length: 1024 }, (_, i) => dataWord(frame >>> 12, i)))),
  ];
}

/** Where a case's code must end. */
export const CASE_CODE_END = CODE + CODE_PAGES * 0x1000;

/** One logged access: what the handler saw. */
export interface CaseLogEntry {
  readonly cause: number;
  readonly badva: number;
  readonly value: number;
}

/** The log of a run: a3 is the log pointer at the end; `word` reads guest-physical memory. */
export function caseLog(a3: number, word: (guestPhys: number) => number): CaseLogEntry[] {
  const entries: CaseLogEntry[] = [];
  for (let a = CASE_LOG; a + 12 <= a3 && a < CASE_LOG + 0x1000; a += 12) entries.push({ cause: word(a), badva: word(a + 4), value: word(a + 8) });
  return entries;
}

/** The accesses that log an entry (all but the PTBR reloads), in order. */
export function loggedAccesses(c: TranslationCase): CaseAccess[] {
  return c.accesses.filter((a) => a.op !== 'ptbr');
}

function describeEntry(entry: number, level: 'pde' | 'pte'): string {
  if (!(entry & PTE.V)) return entry === 0 ? '0' : `${hex(entry)} (V = 0)`;
  const frame = (entry & PTE.FRAME_MASK) >>> 0;
  const superpage = level === 'pde' && (entry & PTE.L) !== 0;
  const flags = (['W', 'X', 'U', 'G', 'A', 'D'] as const).filter((f) => entry & PTE[f]).join('');
  const name = FRAME_NAMES.get(frame) ?? (superpage ? FRAME_NAMES.get((frame & 0xffc00000) >>> 0) : undefined) ?? '';
  const kind = superpage ? ((frame & 0x003ff000) !== 0 ? 'superpage, MISALIGNED' : 'superpage') : level === 'pde' ? 'table' : 'page';
  return `${hex(entry)} ${kind} -> ${hex(frame)} ${name} [${flags}]`.trimEnd();
}

/** One access in words. */
export function describeAccess(a: CaseAccess): string {
  if (a.op === 'ptbr') return `PTBR <- PD | ASID ${a.value & 0xff}`;
  return `${a.user ? 'user' : 'supervisor'} ${a.op} ${hex(a.va)}${isStore(a.op) ? ` <- ${hex(a.value)}` : ''}`;
}

/** The case in words: its tables and its accesses, numbered. */
export function describeCase(c: TranslationCase): string[] {
  const lines = [`ASID ${c.asid}; PD at ${hex(PD)}, PT1..PT3 at ${hex(PT[0])}..${hex(PT[2])}`];
  c.pdes.forEach((pde, i) => lines.push(`  PD[${i + 1}] = ${describeEntry(pde, 'pde')}`));
  c.pts.forEach((entries, t) => entries.forEach((pte, i) => {
    if (pte !== 0) lines.push(`  PT${t + 1}[${i}] = ${describeEntry(pte, 'pte')}`);
  }));
  lines.push('accesses:');
  c.accesses.forEach((a, i) => lines.push(`  ${i}. ${describeAccess(a)}`));
  return lines;
}
