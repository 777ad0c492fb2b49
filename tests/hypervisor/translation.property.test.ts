// The translation property: for random guest page tables and random accesses, the guest sees
// the same thing natively, under shadow paging (write-protected and out-of-sync tables) and
// under EPT: the same trap log (cause, BADVA, loaded value per access), the same exit, and the
// same memory (so the same A and D bits in its tables and the same effect of stores, including
// stores that land in the page tables themselves, which shadow paging must emulate).
//
// One guest per case. The fixed part (identity-mapped code, U = 1 and X = 1; the trap handler; a
// log page; the device superpage; page table PT0 under directory entry 0) is never a target of
// random entries or stores. The random part is directory entries 1..3 (absent, superpages, some
// misaligned or past RAM, or tables) and tables PT1..PT3 whose first 8 entries have random bits
// and frames among data frames, the directory and tables themselves, frames past the end of RAM,
// and the device region. Each access is a load or store of 1, 2 or 4 bytes or a fetch, from
// supervisor or user mode, to a VA in or out of the mapped region; some steps instead reload
// PTBR with another ASID. The kernel runs each access (in user mode by eret to it), then
// `syscall` traps to the handler, which logs (CAUSE, BADVA, the load's result) and resumes at the
// next access; a fault in the access goes to the same handler first. After every store the
// kernel executes `tlbflush` (a well-behaved guest flushes after changing PTEs).
//
// Runs: VMMLAB_PROPERTY_RUNS (default 1000) times VMMLAB_CAMPAIGN_SCALE, seed VMMLAB_PROPERTY_SEED (default fixed). A failure
// prints the case (tables and accesses) and the logs of native and the differing run side by side.

import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PTE } from '../../isa/arch.ts';
import type { Image } from '../../isa/image.ts';
import { GUESTS_DIR, TEST_AGILE, TEST_DYNAMIC, assembleGuest, hex, runIn, type Env, type Outcome, type RunOptions } from './harness.ts';

const RUNS = Math.max(1, Math.round(Number(process.env.VMMLAB_PROPERTY_RUNS ?? 1000) * Number(process.env.VMMLAB_CAMPAIGN_SCALE ?? 1)));
const SEED = Number(process.env.VMMLAB_PROPERTY_SEED ?? 0x7e32);
const MEMORY_BYTES = 2 * 1024 * 1024;
const HOST_MEMORY_BYTES = 8 * 1024 * 1024;

// ---------------------------------------------------------------- guest-physical layout

// Frames 0..8 are plain zeroed RAM: what VPN0 0..8 reach through a superpage over RAM.
const PD = 0x10000;
const PT = [0x11000, 0x12000, 0x13000] as const; // PT1..PT3, random
const PT0 = 0x14000; // the fixed table under directory entry 0
const DATA = [0x20000, 0x21000, 0x22000, 0x23000] as const;
const CODE = 0x30000; // code pages 0x30000..0x34fff: U = 1, X = 1, read-only
const CODE_PAGES = 5;
const LOG = 0x36000; // supervisor read/write
const SCRATCH = 0x37000; // user read/write
const DEVICE_PDE_INDEX = 0x3c0;
const ENTRIES_PER_PT = 8;

/** What a frame in an entry or a stored value names: for the readable counterexample. */
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
/** Superpage frames: aligned over RAM, past RAM and the devices; misaligned (bits 21:12 set). */
const SUPER_FRAMES = [0x00000000, 0x00400000, 0xf0000000, DATA[0], 0x00200000, PD];
/** Page offsets of accesses: never 0..3, so no store reaches directory entry 0 (the fixed part). */
const OFFSETS = [4, 5, 6, 7, 8, 0xc, 0x14, 0x18, 0x1c, 0x20, 0x400, 0x7fc, 0x7fe, 0xffc, 0xffe, 0xfff];
/** VPN0 values: the populated entries 0..7, an empty one, and (through superpages) named frames. */
const PT_INDEXES = [0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23, 0x200, 0x3ff];

/**
 * Data frames hold a fixed pseudo-random pattern: read as PTEs, about half are valid. The top six
 * bits are 0x00 or 0x3f, reserved opcodes, so a fetch from data traps instead of running it.
 */
function dataWord(frame: number, index: number): number {
  let x = (Math.imul(frame + 1, 0x9e3779b1) ^ Math.imul(index + 7, 0x85ebca77)) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return ((x & 0x03ffffff) | (x & 0x04000000 ? 0xfc000000 : 0)) >>> 0;
}

/**
 * Every frame a case names has a reserved opcode (0x00, 0x1f, 0x2f, 0x3c, 0x3f) in its top six
 * bits; random words (junk entries, stored values) get one too, so that no word of a table or
 * data frame ever runs as an instruction when a `jx` access fetches it.
 */
function undecodable(w: number): number {
  return ((w & 0x03ffffff) | (w & 0x80000000 ? 0xfc000000 : 0)) >>> 0;
}

// ---------------------------------------------------------------- cases

/**
 * Loads and stores; `jx`: a fetch (jump to the VA; what it fetches never decodes, so it traps
 * at once, illegal instruction if nothing else); `ptbr`: the kernel reloads PTBR with the same
 * directory and the ASID in `value` (a TLB event, not an access).
 */
const OPS = ['lw', 'lh', 'lhu', 'lb', 'lbu', 'sw', 'sh', 'sb', 'jx', 'ptbr'] as const;
type Op = (typeof OPS)[number];
const isStore = (op: Op): boolean => op === 'sw' || op === 'sh' || op === 'sb';

interface Access {
  readonly op: Op;
  readonly user: boolean;
  readonly va: number;
  /** Stored value (stores only). */
  readonly value: number;
}

interface Case {
  readonly asid: number;
  /** Directory entries 1..3. */
  readonly pdes: readonly number[];
  /** PT1..PT3, entries 0..7. */
  readonly pts: readonly (readonly number[])[];
  readonly accesses: readonly Access[];
}

/** A PTE bit, set with probability `percent` %. */
const bit = (b: number, percent = 50): fc.Arbitrary<number> => fc.integer({ min: 0, max: 99 }).map((n) => (n < percent ? b : 0));
const randomBits = fc
  .tuple(bit(PTE.W, 70), bit(PTE.X, 30), bit(PTE.U, 70), bit(PTE.G, 30), bit(PTE.A), bit(PTE.D), fc.integer({ min: 0, max: 15 }))
  .map(([w, x, u, g, a, d, sw]) => w | x | u | g | a | d | (sw << 8));
const junkInvalid = fc.integer({ min: 0, max: 0xffffffff }).map((w) => (undecodable(w) & ~PTE.V) >>> 0);
/** Frames in RAM (the data and the tables) are picked three times as often as the others. */
const weightedFrame = (inRam: readonly number[], others: readonly number[]): fc.Arbitrary<number> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...inRam) }, { weight: 1, arbitrary: fc.constantFrom(...others) });

const leafPte = fc
  .tuple(weightedFrame([...DATA, PD, ...PT], LEAF_FRAMES.filter((f) => f >= MEMORY_BYTES)), randomBits, bit(PTE.L, 20))
  .map(([frame, bits, l]) => (frame | PTE.V | bits | l) >>> 0);
const pteArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: junkInvalid },
  { weight: 8, arbitrary: leafPte },
);
const pdeArb = fc.oneof(
  { weight: 1, arbitrary: fc.oneof(fc.constant(0), junkInvalid) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...SUPER_FRAMES), randomBits).map(([f, bits]) => (f | PTE.V | PTE.L | bits) >>> 0) },
  // A table: W, X, U, G, A, D in a directory entry are ignored (isa/README.md 6.1).
  {
    weight: 5,
    arbitrary: fc.tuple(weightedFrame([...PT], TABLE_FRAMES.filter((f) => !(PT as readonly number[]).includes(f))), randomBits)
      .map(([f, bits]) => (f | PTE.V | bits) >>> 0),
  },
);
const offsetArb = fc.constantFrom(...OFFSETS);
const ptIndexArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: ENTRIES_PER_PT - 1 }) },
  { weight: 1, arbitrary: fc.constant(ENTRIES_PER_PT) },
  { weight: 2, arbitrary: fc.constantFrom(...PT_INDEXES) },
);
/** Any VA of the random region (directory entries 1..4) or of the fixed part. */
const anyVaArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(4) }), ptIndexArb, offsetArb)
      .map(([pdIndex, ptIndex, offset]) => ((pdIndex << 22) | (ptIndex << 12) | offset) >>> 0),
  },
  // The fixed part: a code page (read-only), the user scratch page, an unmapped page under PT0.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(CODE, SCRATCH, SCRATCH + 0x1000), offsetArb).map(([page, offset]) => page + offset) },
);
const storeValueArb = fc.oneof(
  // PTE-like: a frame a table entry may name, with random low bits (so stores into tables remap).
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...LEAF_FRAMES), fc.integer({ min: 0, max: 0xfff })).map(([f, low]) => (f | low) >>> 0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
).map(undecodable);

interface Tables {
  readonly asid: number;
  readonly pdes: readonly number[];
  readonly pts: readonly (readonly number[])[];
}

const tablesArb: fc.Arbitrary<Tables> = fc.record({
  asid: fc.integer({ min: 0, max: 255 }),
  pdes: fc.array(pdeArb, { minLength: 3, maxLength: 3 }),
  pts: fc.array(fc.array(pteArb, { minLength: ENTRIES_PER_PT, maxLength: ENTRIES_PER_PT }), { minLength: 3, maxLength: 3 }),
});

/** A guest-physical word of a case's initial memory; undefined past RAM. */
function initialWord(t: Tables, pa: number): number | undefined {
  if (pa >= MEMORY_BYTES) return undefined;
  const frame = (pa & ~0xfff) >>> 0;
  const index = (pa & 0xfff) >>> 2;
  if (frame === PD) return index >= 1 && index <= 3 ? t.pdes[index - 1]! : index === 0 ? (PT0 | PTE.V) : 0;
  const k = (PT as readonly number[]).indexOf(frame);
  if (k >= 0) return t.pts[k]![index] ?? 0;
  const d = (DATA as readonly number[]).indexOf(frame);
  if (d >= 0) return dataWord(frame >>> 12, index);
  return 0;
}

/**
 * The pages of the random region that the initial tables map to RAM (a software walk, steps 1-5
 * of isa/README.md 6.2, without permissions): accesses aim at them more often than chance would,
 * and at those that map the tables themselves more often still.
 */
function mappedPages(t: Tables): { pages: number[]; tablePages: number[] } {
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
      if (frame >= MEMORY_BYTES) continue;
      const va = ((i << 22) | (j << 12)) >>> 0;
      pages.push(va);
      if (tableFrames.has(frame)) tablePages.push(va);
    }
  }
  return { pages, tablePages };
}

function accessesArb(t: Tables): fc.Arbitrary<Access[]> {
  const { pages, tablePages } = mappedPages(t);
  const choices: fc.WeightedArbitrary<number>[] = [{ weight: 4, arbitrary: anyVaArb }];
  if (pages.length > 0) choices.push({ weight: 4, arbitrary: fc.tuple(fc.constantFrom(...pages), offsetArb).map(([p, o]) => p + o) });
  // Offsets 4..0x20 of a table are its entries 1..8: the populated ones.
  if (tablePages.length > 0) choices.push({ weight: 3, arbitrary: fc.tuple(fc.constantFrom(...tablePages), fc.constantFrom(4, 8, 0xc, 0x14, 0x1c)).map(([p, o]) => p + o) });
  const access: fc.Arbitrary<Access> = fc.record({
    op: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...OPS.slice(0, 8)) }, { weight: 1, arbitrary: fc.constantFrom<Op>('jx', 'ptbr') }),
    user: fc.boolean(),
    va: fc.oneof(...choices),
    value: storeValueArb,
  }).map((a) => (a.op === 'jx' && a.va < 0x00400000 ? { ...a, va: SCRATCH + (a.va & 0xfff) } : a)); // never into the kernel's code
  return fc.array(access, { minLength: 1, maxLength: 24, size: 'medium' });
}

const caseArb: fc.Arbitrary<Case> = tablesArb
  .chain((t) => accessesArb(t).map((accesses): Case => ({ ...t, accesses })))
  .map((c) => Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) }));

// ---------------------------------------------------------------- readable cases

function describeEntry(entry: number, level: 'pde' | 'pte'): string {
  if (!(entry & PTE.V)) return entry === 0 ? '0' : `${hex(entry)} (V = 0)`;
  const frame = (entry & PTE.FRAME_MASK) >>> 0;
  const superpage = level === 'pde' && (entry & PTE.L) !== 0;
  const flags = (['W', 'X', 'U', 'G', 'A', 'D'] as const).filter((f) => entry & PTE[f]).join('');
  const name = FRAME_NAMES.get(frame) ?? (superpage ? FRAME_NAMES.get((frame & 0xffc00000) >>> 0) : undefined) ?? '';
  const kind = superpage ? ((frame & 0x003ff000) !== 0 ? 'superpage, MISALIGNED' : 'superpage') : level === 'pde' ? 'table' : 'page';
  return `${hex(entry)} ${kind} -> ${hex(frame)} ${name} [${flags}]`;
}

function describeCase(c: Case): string {
  const lines = [`ASID ${c.asid}`];
  c.pdes.forEach((pde, i) => lines.push(`  PD[${i + 1}] = ${describeEntry(pde, 'pde')}`));
  c.pts.forEach((entries, t) => entries.forEach((pte, i) => {
    if (pte !== 0) lines.push(`  PT${t + 1}[${i}] = ${describeEntry(pte, 'pte')}`);
  }));
  lines.push('accesses:');
  c.accesses.forEach((a, i) => {
    if (a.op === 'ptbr') {
      lines.push(`  ${i}. PTBR <- PD | ASID ${a.value & 0xff}`);
      return;
    }
    const store = isStore(a.op) ? ` <- ${hex(a.value)}` : '';
    lines.push(`  ${i}. ${a.user ? 'user' : 'supv'} ${a.op.padEnd(3)} ${hex(a.va)}${store}`);
  });
  return lines.join('\n');
}

// ---------------------------------------------------------------- the guest of a case

const STATUS_MODE = 1;
const STATUS_PMODE = 4;
const STATUS_PG = 16;
const SENTINEL = 0x5eed0000;

/**
 * The kernel: set EVEC and the log pointer (a3), load PTBR, turn paging on, then per access:
 * s0 = continuation, s1 = va, s2 = value, s3 = a sentinel; the access (in user mode after eret),
 * `syscall`; the handler logs and resumes at s0. tlbflush right after PG = 1: natively
 * unnecessary, it keeps the EPT bug that pg-off-to-on.s isolates from failing every case.
 */
function kernelSource(c: Case): string {
  const out = [
    '.include "../../../guest-programs/lib/arch.inc"',
    `.org ${CODE}`,
    '_start:',
    '    la t0, handler',
    '    mtcr evec, t0',
    `    li a3, ${LOG}`,
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
    out.push(
      `    la s0, next_${i}`,
      `    li s1, ${a.va}`,
      `    li s2, ${a.value | 0}`,
      `    li s3, ${SENTINEL + i}`,
    );
    if (a.user) {
      out.push(
        `    la t0, access_${i}`,
        '    mtcr epc, t0',
        `    li t0, ${STATUS_MODE | STATUS_PG}`, // PMODE = 0: eret goes to user mode
        '    mtcr status, t0',
        '    eret',
      );
    }
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
  return out.join('\n');
}

function words(address: number, values: readonly number[]): { address: number; bytes: Uint8Array } {
  return { address, bytes: new Uint8Array(new Int32Array(values.map((v) => v | 0)).buffer) };
}

const DATA_SEGMENTS = DATA.map((frame) => words(frame, Array.from({ length: 1024 }, (_, i) => dataWord(frame >>> 12, i))));

function fixedPt0(): number[] {
  const pt0 = new Array<number>(1024).fill(0);
  for (let p = 0; p < CODE_PAGES; p++) pt0[(CODE >>> 12) + p] = (CODE + p * 0x1000) | PTE.V | PTE.X | PTE.U;
  pt0[LOG >>> 12] = LOG | PTE.V | PTE.W;
  pt0[SCRATCH >>> 12] = SCRATCH | PTE.V | PTE.W | PTE.U;
  return pt0;
}
const PT0_SEGMENT = words(PT0, fixedPt0());

function caseImage(c: Case): Image {
  const code = assembleGuest(kernelSource(c), path.join(GUESTS_DIR, 'translation-case.s'));
  const pd = new Array<number>(1024).fill(0);
  pd[0] = PT0 | PTE.V;
  c.pdes.forEach((pde, i) => (pd[i + 1] = pde));
  pd[DEVICE_PDE_INDEX] = (0xf0000000 | PTE.V | PTE.W | PTE.L) >>> 0;
  const segments = [
    ...code.segments,
    words(PD, pd),
    ...c.pts.map((entries, t) => words(PT[t]!, entries)),
    PT0_SEGMENT,
    ...DATA_SEGMENTS,
  ];
  const last = Math.max(...code.segments.map((s) => s.address + s.bytes.length));
  if (last > CODE + CODE_PAGES * 0x1000) throw new Error(`case code overflows its pages (ends at ${hex(last)})`);
  return { ...code, segments };
}

// ---------------------------------------------------------------- comparing

interface LogEntry {
  cause: number;
  badva: number;
  value: number;
}

function logOf(o: Outcome): LogEntry[] {
  const end = o.visible.regs[6]!; // a3: the log pointer
  const entries: LogEntry[] = [];
  for (let a = LOG; a + 12 <= end && a < LOG + 0x1000; a += 12) entries.push({ cause: o.word(a), badva: o.word(a + 4), value: o.word(a + 8) });
  return entries;
}

const formatLog = (log: readonly LogEntry[]): string[] =>
  log.map((e, i) => `${i}. cause ${e.cause} badva ${hex(e.badva)} value ${hex(e.value)}`);

function difference(native: Outcome, other: Outcome, label: string): string {
  const a = formatLog(logOf(native));
  const b = formatLog(logOf(other));
  const lines = [`${label} differs from native:`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const mark = a[i] === b[i] ? '   ' : '>> ';
    lines.push(`${mark}native: ${a[i] ?? '-'}`.padEnd(60) + ` ${label}: ${b[i] ?? '-'}`);
  }
  for (const key of ['reason', 'exitCode', 'console', 'pc', 'instructions', 'memoryHash'] as const) {
    if (native.visible[key] !== other.visible[key]) lines.push(`${key}: native ${String(native.visible[key])}, ${label} ${String(other.visible[key])}`);
  }
  if (native.visible.regs.join() !== other.visible.regs.join()) lines.push(`regs: native ${native.visible.regs.map(hex).join(' ')}\n      ${label} ${other.visible.regs.map(hex).join(' ')}`);
  if (native.visible.memoryHash !== other.visible.memoryHash) {
    const diffs: string[] = [];
    for (let a = 0; a < MEMORY_BYTES && diffs.length < 8; a += 4) {
      if (native.word(a) !== other.word(a)) diffs.push(`  ${hex(a)}: native ${hex(native.word(a))}, ${label} ${hex(other.word(a))}`);
    }
    lines.push('memory words that differ:', ...diffs);
  }
  return lines.join('\n');
}

/** What the cases exercised, over a run of the property (so a generator that drifts into trivial cases is noticed). */
const coverage = {
  causes: new Map<number, number>(),
  shadowPtWrites: 0,
  shadowHiddenFaults: 0,
  refused: 0,
  mmio: 0,
  unsyncs: 0,
  dynamicSwitches: 0,
};

/**
 * The environments: native (the reference), shadow paging with write-protected tables (the
 * default), shadow paging with out-of-sync leaf tables (resynchronised on invlpg, tlbflush and
 * PTBR writes: the guest's tlbflush after every store makes the two designs equivalent), EPT.
 */
const VARIANTS: readonly { label: string; env: Env; options?: RunOptions }[] = [
  { label: 'native', env: 'native' },
  { label: 'shadow', env: 'shadow' },
  { label: 'shadow (out-of-sync tables)', env: 'shadow', options: { shadow: { cacheRoots: 16, floodThreshold: 3, sync: 'oos' } } },
  { label: 'EPT', env: 'ept' },
  // Switched between shadow paging and EPT every few dozen instructions, at seeded random points.
  { label: 'dynamic (random switches)', env: 'dynamic', options: { dynamic: { ...TEST_DYNAMIC, policy: 'off', randomEvery: 25 } } },
  // Agile: leaf tables moved between shadow and nested mode every few dozen instructions, at seeded random points.
  { label: 'agile (random moves)', env: 'agile', options: { agile: { ...TEST_AGILE, writes: 1, window: 1000, switchEvery: 25 } } },
];

/** Run one case in every environment; throws (with the logs side by side) when they differ. */
function checkCase(c: Case): void {
  const image = caseImage(c);
  const outcomes = VARIANTS.map((v) => ({
    label: v.label,
    outcome: runIn(v.env, image, { memoryBytes: MEMORY_BYTES, hostMemoryBytes: HOST_MEMORY_BYTES, maxInstructions: 20_000, ...v.options }),
  }));
  const native = outcomes[0]!.outcome;
  if (native.visible.reason !== 'halted') throw new Error(`the native run did not halt (${native.visible.reason}): the case's guest is broken`);
  if (logOf(native).length !== c.accesses.filter((a) => a.op !== 'ptbr').length) {
    throw new Error('the native log does not have one entry per access: the case\'s guest is broken');
  }
  for (const e of logOf(native)) coverage.causes.set(e.cause, (coverage.causes.get(e.cause) ?? 0) + 1);
  const shadow = outcomes[1]!.outcome.vmm!;
  coverage.shadowPtWrites += shadow.ptWritesEmulated;
  coverage.shadowHiddenFaults += shadow.faultsHidden;
  coverage.refused += shadow.refusedAccesses;
  coverage.mmio += shadow.mmioEmulated;
  coverage.unsyncs += outcomes[2]!.outcome.vmm!.ptUnsyncs;
  coverage.dynamicSwitches += outcomes[4]!.outcome.vmm!.dynamic!.switches;
  for (const { label, outcome } of outcomes.slice(1)) {
    const problems = outcome.host!.audit();
    if (problems.length > 0) throw new Error(`${label}: isolation audit: ${problems.join('; ')}`);
    if (JSON.stringify(outcome.visible) !== JSON.stringify(native.visible)) throw new Error(difference(native, outcome, label));
  }
}

describe('translation: random page tables and accesses, native = shadow (both designs) = EPT = dynamic', () => {
  it('a hand-written case: stores into the page tables, superpages, user and supervisor accesses', () => {
    const c: Case = {
      asid: 7,
      pdes: [PT[0] | PTE.V, (0x00000000 | PTE.V | PTE.L | PTE.W | PTE.U) >>> 0, (DATA[0] | PTE.V | PTE.L) >>> 0],
      pts: [
        [DATA[0] | PTE.V | PTE.W | PTE.U, PT[0] | PTE.V | PTE.W, PD | PTE.V | PTE.W | PTE.U, 0x00200000 | PTE.V | PTE.U, 0xf0000000 | PTE.V | PTE.W | PTE.U, DATA[1] | PTE.V | PTE.A | PTE.D | PTE.W, 0, DATA[2] | PTE.V | PTE.G | PTE.U | PTE.X],
        new Array<number>(8).fill(0),
        new Array<number>(8).fill(0),
      ],
      accesses: [
        { op: 'lw', user: true, va: 0x00400004, value: 0 },
        { op: 'sw', user: false, va: 0x00400008, value: 0x1234 },
        { op: 'sw', user: false, va: 0x00401004, value: (DATA[3] | PTE.V | PTE.W | PTE.U) >>> 0 }, // PT1[1] := D3, through PT1 itself
        { op: 'lw', user: true, va: 0x00401004, value: 0 },
        { op: 'sw', user: true, va: 0x00402008, value: 0 }, // PD[2] through a user mapping of the PD
        { op: 'lw', user: true, va: 0x00403004, value: 0 }, // past RAM
        { op: 'lw', user: false, va: 0x00404008, value: 0 }, // MMIO status
        { op: 'lb', user: false, va: 0x00404008, value: 0 }, // MMIO byte: bus error
        { op: 'sw', user: true, va: 0x00811004, value: 7 }, // superpage over RAM -> PT1[1]
        { op: 'lw', user: true, va: 0x00c20004, value: 0 }, // misaligned superpage
        { op: 'sh', user: true, va: 0x00405006, value: 0xbeef },
        { op: 'lw', user: false, va: 0x00807004, value: 0 }, // superpage over RAM -> low frame 7
        { op: 'lw', user: true, va: 0x01000004, value: 0 }, // directory entry 4: absent
        { op: 'sw', user: true, va: CODE + 8, value: 0 }, // read-only code page
      ],
    };
    checkCase(c);
  });

  it(`${RUNS} random cases (VMMLAB_PROPERTY_RUNS, seed ${SEED})`, () => {
    fc.assert(fc.property(caseArb, (c) => checkCase(c)), { numRuns: RUNS, seed: SEED });
    // The cases must have exercised what they are for (checked on runs large enough to tell).
    if (RUNS >= 500) {
      const causes = [...coverage.causes.keys()].sort((a, b) => a - b);
      expect(causes).toEqual(expect.arrayContaining([0, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
      expect(coverage.causes.get(2)! / RUNS, 'accesses that succeed, per case').toBeGreaterThan(2);
      expect(coverage.shadowPtWrites, 'stores into page tables emulated by the shadow VMM').toBeGreaterThan(RUNS / 10);
      expect(coverage.unsyncs, 'page tables let out of sync').toBeGreaterThan(RUNS / 10);
      expect(coverage.refused, 'accesses past the end of RAM refused').toBeGreaterThan(RUNS / 10);
      expect(coverage.shadowHiddenFaults).toBeGreaterThan(RUNS);
    }
    expect(coverage.dynamicSwitches, 'switches between shadow paging and EPT').toBeGreaterThan(RUNS);
  }, Math.max(240_000, RUNS * 200)); // about 20 ms a case alone, several times that on a loaded machine; long runs need room
});
