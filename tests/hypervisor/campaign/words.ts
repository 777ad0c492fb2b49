// Campaign 1: random instruction words. A case is a code page of random 32-bit words and valid
// encodings with random operands (from isa/table.ts), run with paging on, from supervisor or user
// mode, with random registers, a random ASID, maybe the timer and interrupts, under one of two
// identity maps: 4 KiB pages with random permissions, or one 4 MiB superpage; some cases have
// console input waiting. A fixed handler logs every trap (CAUSE, EPC, BADVA, STATUS) and resumes
// after the trapping instruction (at EPC for an interrupt, after reading one byte of input for a
// device interrupt); after LIMIT traps, or at the `break` that ends the code, it powers off.
//
// Guest-physical layout (virtual = physical wherever mapped):
//   0x1000 setup (supervisor)   0x2000 handler   0x3000 handler data: saved t0-t2, trap count, log
//   0x4000 the random code, then `break` at `end`   0x6000-0x9fff data pages (random words)
//   0xa000 unmapped   0xb000 -> a frame past RAM   0xc000 -> the device page
//   0x400000 page directory, 0x401000 page table (the 4 KiB map of 0..4 MiB)
//   VA 0x400000: superpage over 0x400000 (the tables), never writable; VA 0x800000: misaligned
//   superpage; VA 0xc00000: a table past RAM; VA 0xf0000000: the device superpage.
//
// What the ISA lets differ between environments is kept out (isa/README.md):
//   - `hcall`: what it does is the hypervisor's to define (3.8): replaced in generation; a case
//     that still executes one in supervisor mode (say, a word it stored itself) is excluded.
//   - CYCLE, CYCLEH count the VMM's exits (10): mfcr/mxcr of them become INSTRET/INSTRETH, and a
//     case executing one anyway is excluded.
//   - PTBR writes: a random root makes random memory a page table that the random code then
//     writes, with stale TLB entries the ISA allows (6.4): mtcr/mxcr PTBR become SCRATCH; a case
//     writing a root other than the case's directory is excluded.
//   - Changed page tables: with paging off (a random STATUS write may clear PG) a store may reach
//     the tables, and then a stale TLB entry may legally be used (6.4): a case whose native run
//     leaves the tables changed other than by the walker setting A and D is excluded.
// Every exclusion is counted; the test checks that they stay rare.

import { CAUSE, CR, MMIO_BASE, PTBR_ROOT_MASK, PTE, STATUS } from '../../../isa/arch.ts';
import { decode, encode, fieldRange } from '../../../isa/encoding.ts';
import type { Image } from '../../../isa/image.ts';
import { FORMATS, INSTRUCTIONS, REGISTER_ABI_NAMES, type InsnSpec } from '../../../isa/table.ts';
import { disassemble } from '../../../assembler/index.ts';
import { hex, type CampaignCase } from './check.ts';
import { CAMPAIGN_MEMORY, DEVICE_PDE_INDEX, PAST_RAM, assembleKernel, describeEntry, wordsSegment } from './guest.ts';
import type { Boundary, Seen } from './modes.ts';
import { Rng, caseSeed } from './rng.ts';

const SETUP = 0x1000;
const HANDLER = 0x2000;
const HDATA = 0x3000;
const SAVE = HDATA;
const COUNT = HDATA + 0xc;
const LOG = HDATA + 0x10;
const LOG_ENTRY_BYTES = 16;
/** Traps before the handler powers off. */
const LIMIT = 24;
const CODE = 0x4000;
const DATA = [0x6000, 0x7000, 0x8000, 0x9000] as const;
const UNMAPPED = 0xa000;
const TO_PAST_RAM = 0xb000;
const TO_MMIO = 0xc000;
const PD = 0x400000;
const PT0 = 0x401000;
const MAX_WORDS = 40;
const MAX_INSTRUCTIONS = 3000;

export type WordsLayout = 'pages' | 'superpage';

export interface WordsCase {
  readonly n: number;
  readonly seed: number;
  readonly layout: WordsLayout;
  readonly words: readonly number[];
  /** r1..r15. */
  readonly regs: readonly number[];
  readonly user: boolean;
  readonly interrupts: boolean;
  /** TIMER written just before the code starts (0: off). */
  readonly timer: number;
  readonly asid: number;
  readonly scratch: number;
  readonly pd: readonly number[];
  readonly pt0: readonly number[];
  readonly data: readonly (readonly number[])[];
  /** Bytes waiting at the console (the device interrupt is pending until they are read). */
  readonly consoleInput: string;
}

// ---------------------------------------------------------------- generation

const MNEMONIC = (w: number): string | undefined => decode(w)?.spec.mnemonic;
const SPEC = (m: string): InsnSpec => INSTRUCTIONS.find((s) => s.mnemonic === m)!;
const CR_FIELD_MASK = 31;

/** Replace what the ISA lets differ (see the header): hcall, CYCLE reads, PTBR writes. */
export function tame(word: number, rng: Rng): number {
  const d = decode(word);
  if (!d) return word >>> 0;
  const m = d.spec.mnemonic;
  const crn = word & CR_FIELD_MASK;
  if (m === 'hcall') return tame(rng.u32(), rng);
  if ((m === 'mfcr' || m === 'mxcr') && (crn === CR.CYCLE || crn === CR.CYCLEH)) return ((word & ~CR_FIELD_MASK) | (crn + 2)) >>> 0;
  if ((m === 'mtcr' || m === 'mxcr') && crn === CR.PTBR) return ((word & ~CR_FIELD_MASK) | CR.SCRATCH) >>> 0;
  return word >>> 0;
}

/** A valid encoding with random operands; small offsets half the time, so accesses stay near. */
function validWord(rng: Rng, spec: InsnSpec): number {
  const small = rng.chance(50);
  const operands: Record<string, number> = {};
  for (const name of FORMATS[spec.format].fields) {
    const { min, max } = fieldRange(name);
    if (name === 'crn') operands[name] = rng.chance(85) ? rng.int(0, 11) : rng.int(12, 31);
    else if (small && max - min > 64) operands[name] = min < 0 ? rng.int(-16, 47) : rng.int(0, 63);
    else operands[name] = rng.int(min, max);
  }
  return encode(spec, operands);
}

const PRIVILEGED_FOCUS = ['mfcr', 'mtcr', 'mxcr', 'invlpg', 'eret', 'wfi', 'tlbflush', 'syscall', 'break'].map(SPEC);

function randomWord(rng: Rng): number {
  const word = rng.weighted<() => number>([
    [3, () => rng.u32()],
    [6, () => validWord(rng, rng.pick(INSTRUCTIONS))],
    [1, () => validWord(rng, rng.pick(PRIVILEGED_FOCUS))],
  ])();
  return tame(word, rng);
}

function randomRegister(rng: Rng): number {
  return rng.weighted<() => number>([
    [4, () => rng.u32()],
    [3, () => rng.int(-8, 8) >>> 0],
    [6, () => rng.int(CODE, DATA[3] + 0xfff) & ~rng.pick([0, 1, 3])],
    [1, () => rng.int(SETUP, HDATA + 0xfff) & ~3],
    [2, () => (MMIO_BASE + rng.pick([0, 4, 8, 0xc, 0x10, 0x14])) >>> 0],
    [1, () => rng.int(PD, PT0 + 0xfff) & ~3],
    [1, () => rng.pick([UNMAPPED, TO_PAST_RAM, TO_MMIO, 0x00800000, 0x00c00000, 0x80000000, 0xffffffff, CAMPAIGN_MEMORY])],
  ])() >>> 0;
}

const bit = (rng: Rng, b: number, percent: number): number => (rng.chance(percent) ? b : 0);

function pageTables(rng: Rng, layout: WordsLayout, user: boolean): { pd: number[]; pt0: number[] } {
  const ad = (): number => bit(rng, PTE.A, 30) | bit(rng, PTE.D, 30);
  const pt0 = Array.from({ length: 1024 }, (_, i) => ((i << 12) | PTE.V | PTE.W | PTE.X | PTE.U | ad()) >>> 0);
  const page = (va: number, bits: number): void => {
    pt0[va >>> 12] = ((va & PTE.FRAME_MASK) | bits | ad()) >>> 0;
  };
  page(0, PTE.V | bit(rng, PTE.W, 50) | bit(rng, PTE.X, 50) | bit(rng, PTE.U, 50));
  page(SETUP, PTE.V | PTE.X | bit(rng, PTE.G, 30));
  page(HANDLER, PTE.V | PTE.X | bit(rng, PTE.G, 30));
  page(HDATA, PTE.V | PTE.W | bit(rng, PTE.G, 30));
  // The code must be executable, from user mode too when it starts there; maybe writable.
  for (const va of [CODE, CODE + 0x1000]) page(va, PTE.V | PTE.X | (user || rng.chance(70) ? PTE.U : 0) | bit(rng, PTE.W, 60));
  for (const va of DATA) page(va, PTE.V | bit(rng, PTE.W, 70) | bit(rng, PTE.X, 30) | bit(rng, PTE.U, 70) | bit(rng, PTE.G, 20));
  pt0[UNMAPPED >>> 12] = rng.chance(50) ? 0 : (rng.u32() & ~PTE.V) >>> 0;
  pt0[TO_PAST_RAM >>> 12] = (PAST_RAM | PTE.V | PTE.W | PTE.U | ad()) >>> 0;
  pt0[TO_MMIO >>> 12] = (MMIO_BASE | PTE.V | PTE.W | bit(rng, PTE.U, 70) | ad()) >>> 0;

  const pd = new Array<number>(1024).fill(0);
  pd[0] = layout === 'pages'
    ? (PT0 | PTE.V | bit(rng, PTE.W, 50) | bit(rng, PTE.G, 50)) >>> 0 // W, G... in a table entry are ignored (6.1)
    : (0 | PTE.V | PTE.L | PTE.W | PTE.X | PTE.U | bit(rng, PTE.G, 30) | ad()) >>> 0;
  // Over the page tables: never writable (a store there would change them behind the TLB).
  pd[1] = (PD | PTE.V | PTE.L | bit(rng, PTE.X, 50) | bit(rng, PTE.U, 60) | bit(rng, PTE.G, 30) | ad()) >>> 0;
  pd[2] = (PT0 | PTE.V | PTE.L | PTE.W | PTE.U) >>> 0; // misaligned superpage: a page fault
  pd[3] = (0x00800000 | PTE.V) >>> 0; // a table past RAM: a bus error during the walk
  pd[DEVICE_PDE_INDEX] = (MMIO_BASE | PTE.V | PTE.L | PTE.W | PTE.U | ad()) >>> 0;
  return { pd, pt0 };
}

export function generateWordsCase(n: number, campaignSeed: number): WordsCase {
  const seed = caseSeed('words', n, campaignSeed);
  const rng = new Rng(seed);
  const layout: WordsLayout = rng.chance(65) ? 'pages' : 'superpage';
  const user = rng.chance(40);
  const { pd, pt0 } = pageTables(rng, layout, user);
  const count = rng.int(1, MAX_WORDS);
  return {
    n,
    seed,
    layout,
    words: Array.from({ length: count }, () => randomWord(rng)),
    regs: Array.from({ length: 15 }, () => randomRegister(rng)),
    user,
    interrupts: rng.chance(50),
    timer: rng.chance(50) ? 0 : rng.int(1, 60),
    asid: rng.int(0, 255),
    scratch: randomRegister(rng),
    pd,
    pt0,
    data: DATA.map(() => Array.from({ length: 1024 }, () => (rng.chance(50) ? randomWord(rng) : randomRegister(rng)))),
    consoleInput: rng.chance(25) ? String.fromCharCode(...Array.from({ length: rng.int(1, 3) }, () => rng.int(0x20, 0x7e))) : '',
  };
}

// ---------------------------------------------------------------- the guest

const HANDLER_SOURCE = `
.org ${HANDLER}
handler:
    sw    t0, ${SAVE}(zero)
    sw    t1, ${SAVE + 4}(zero)
    sw    t2, ${SAVE + 8}(zero)
    lw    t0, ${COUNT}(zero)
    sltiu t1, t0, ${LIMIT}
    beqz  t1, power_off
    addi  t1, t0, 1
    sw    t1, ${COUNT}(zero)
    slli  t0, t0, 4
    mfcr  t1, cause
    sw    t1, ${LOG}(t0)
    mfcr  t2, epc
    sw    t2, ${LOG + 4}(t0)
    mfcr  t1, badva
    sw    t1, ${LOG + 8}(t0)
    mfcr  t1, status
    sw    t1, ${LOG + 12}(t0)
    la    t1, end
    beq   t2, t1, power_off
    mfcr  t1, cause
    addi  t0, t1, -${CAUSE.DEVICE_INTERRUPT}
    bnez  t0, 3f
    lui   t0, ${MMIO_BASE >>> 10}
    lw    t0, 4(t0)               ; the device interrupt: take one byte from CONSOLE_RX
3:  srli  t1, t1, 4               ; interrupts (16 and up) resume at EPC
    bnez  t1, 1f
    addi  t2, t2, 4               ; exceptions after the trapping instruction
    mtcr  epc, t2
1:  lw    t0, ${SAVE}(zero)
    lw    t1, ${SAVE + 4}(zero)
    lw    t2, ${SAVE + 8}(zero)
    eret
power_off:
    lw    t0, ${COUNT}(zero)
    li    t1, POWER_OFF
    sw    t0, 0(t1)               ; exit code: the number of traps
2:  j     2b
`;

function kernelSource(c: WordsCase): string {
  const status = STATUS.MODE | STATUS.PG | (c.user ? 0 : STATUS.PMODE) | (c.interrupts ? STATUS.PIE : 0);
  const lines = [
    '.include "../../../guest-programs/lib/arch.inc"',
    `.org ${SETUP}`,
    '_start:',
    '    li    t0, handler',
    '    mtcr  evec, t0',
    `    li    t0, ${hex(PD | c.asid)}`,
    '    mtcr  ptbr, t0',
    `    li    t0, ${STATUS.MODE | STATUS.PG}`,
    '    mtcr  status, t0',
    `    li    t0, ${hex(c.scratch)}`,
    '    mtcr  scratch, t0',
    '    li    t0, code',
    '    mtcr  epc, t0',
    `    li    t0, ${hex(status)}        ; eret goes to ${c.user ? 'user' : 'supervisor'} mode, IE = ${c.interrupts ? 1 : 0}`,
    '    mtcr  status, t0',
    ...c.regs.slice(0, 14).map((v, i) => `    li    ${REGISTER_ABI_NAMES[i + 1]}, ${hex(v)}`),
    `    li    s3, ${c.timer}`,
    '    mtcr  timer, s3',
    `    li    s3, ${hex(c.regs[14]!)}`,
    '    eret',
    HANDLER_SOURCE,
    `.org ${CODE}`,
    'code:',
    ...c.words.map((w) => `    .word ${hex(w)}`),
    'end:',
    '    break',
  ];
  return lines.join('\n');
}

export function wordsImage(c: WordsCase): Image {
  const code = assembleKernel(kernelSource(c), 'campaign-words');
  return {
    ...code,
    segments: [
      ...code.segments,
      wordsSegment(PD, c.pd),
      wordsSegment(PT0, c.pt0),
      ...DATA.map((address, i) => wordsSegment(address, c.data[i]!)),
    ],
  };
}

// ---------------------------------------------------------------- exclusions

/**
 * The dynamic half of the exclusions (see the header), checked natively before every instruction:
 * what the instruction at pc would do that the ISA lets differ. Virtual = physical here.
 */
export function forbiddenAt(b: Boundary): string | undefined {
  const { machine } = b;
  const pc = machine.cpu.pc >>> 0;
  if (pc >= machine.mem.sizeBytes || (pc & 3) !== 0) return undefined;
  const word = machine.mem.i32[pc >>> 2]! >>> 0;
  const m = MNEMONIC(word);
  if (m === undefined) return undefined;
  const supervisor = (machine.cpu.cr[CR.STATUS]! & STATUS.MODE) !== 0;
  const crn = word & CR_FIELD_MASK;
  const isCycle = crn === CR.CYCLE || crn === CR.CYCLEH;
  if (m === 'hcall' && supervisor) return `hcall at ${hex(pc)}: defined by the hypervisor (isa/README.md 3.8)`;
  if ((m === 'mfcr' || (m === 'mxcr' && supervisor)) && isCycle) return `${m} of CYCLE at ${hex(pc)}: counts VM exits (isa/README.md 10)`;
  if ((m === 'mtcr' || m === 'mxcr') && supervisor && crn === CR.PTBR) {
    const value = machine.cpu.regs[(word >>> 18) & 15]!;
    if (((value & PTBR_ROOT_MASK) >>> 0) !== PD) return `PTBR write of ${hex(value)} at ${hex(pc)}: a random root (isa/README.md 6.4)`;
  }
  return undefined;
}

/** After the native run: did the page tables change other than by the walker setting A and D? */
export function tablesChanged(c: WordsCase, native: Seen): string | undefined {
  const check = (base: number, initial: readonly number[]): string | undefined => {
    for (let i = 0; i < initial.length; i++) {
      const before = initial[i]! >>> 0;
      const after = native.ram.word(base + i * 4);
      const cleared = before & ~after;
      const set = after & ~before & ~(PTE.A | PTE.D);
      if (cleared !== 0 || set !== 0) return `the native run changed the page table at ${hex(base + i * 4)} (${hex(before)} -> ${hex(after)}): stale TLB entries are allowed (isa/README.md 6.4)`;
    }
    return undefined;
  };
  return check(PD, c.pd) ?? check(PT0, c.pt0);
}

// ---------------------------------------------------------------- reading a case

export function describeWordsCase(c: WordsCase): string {
  const lines = [
    `layout: ${c.layout === 'pages' ? '4 KiB identity pages' : 'one 4 MiB identity superpage'}; starts in ${c.user ? 'user' : 'supervisor'} mode, IE = ${c.interrupts ? 1 : 0}, TIMER = ${c.timer}, ASID ${c.asid}, SCRATCH = ${hex(c.scratch)}, console input ${JSON.stringify(c.consoleInput)}`,
    `registers r1..r15: ${c.regs.map(hex).join(' ')}`,
    'directory:',
  ];
  c.pd.forEach((e, i) => {
    if (e !== 0) lines.push(`  PD[${hex(i)}] (va ${hex(i << 22)}) = ${describeEntry(e, 'pde')}`);
  });
  if (c.layout === 'pages') {
    lines.push('4 KiB pages other than V W X U (identity):');
    c.pt0.forEach((e, i) => {
      if ((e & ~(PTE.A | PTE.D)) >>> 0 !== ((i << 12) | PTE.V | PTE.W | PTE.X | PTE.U) >>> 0) lines.push(`  va ${hex(i << 12)}: ${describeEntry(e, 'pte')}`);
    });
  }
  lines.push(`setup at ${hex(SETUP)}, handler at ${hex(HANDLER)} (logs CAUSE, EPC, BADVA, STATUS; resumes at EPC + 4, at EPC for interrupts; powers off after ${LIMIT} traps or at end), code:`);
  c.words.forEach((w, i) => lines.push(`  ${hex(CODE + i * 4)}  ${hex(w)}  ${disassemble(w, CODE + i * 4)}`));
  lines.push(`  ${hex(CODE + c.words.length * 4)}  end: break`);
  return lines.join('\n');
}

export function wordsLog(seen: Seen): string[] {
  const count = Math.min(seen.ram.word(COUNT), LIMIT);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = LOG + i * LOG_ENTRY_BYTES;
    out.push(`${i}. cause ${seen.ram.word(a)} epc ${hex(seen.ram.word(a + 4))} badva ${hex(seen.ram.word(a + 8))} status ${hex(seen.ram.word(a + 12))}`);
  }
  return out;
}

function describeAddress(pa: number): string {
  if (pa >= PD && pa < PD + 0x1000) return `PD[${(pa - PD) >>> 2}]`;
  if (pa >= PT0 && pa < PT0 + 0x1000) return `PTE of va ${hex(((pa - PT0) >>> 2) << 12)}`;
  if (pa >= LOG && pa < LOG + LIMIT * LOG_ENTRY_BYTES) return `log entry ${Math.floor((pa - LOG) / LOG_ENTRY_BYTES)}`;
  if (pa === COUNT) return 'trap count';
  if (pa >= CODE && pa < CODE + 0x2000) return 'code';
  if (pa >= DATA[0] && pa < DATA[3] + 0x1000) return 'data';
  return '';
}

export function wordsCampaignCase(c: WordsCase): CampaignCase {
  return {
    id: `words #${c.n}`,
    seed: c.seed,
    image: wordsImage(c),
    settings: { memoryBytes: CAMPAIGN_MEMORY, maxInstructions: MAX_INSTRUCTIONS, consoleInput: c.consoleInput },
    listing: describeWordsCase(c),
    log: wordsLog,
    describeAddress,
  };
}
