// The translator: TV32 code in one physical page becomes a JavaScript function per block, a region
// of traces (generated source through `new Function`, so V8 compiles it). Where no block fits, the
// engine runs the interpreter's own loop (Cpu.jitInterpret in emulator/cpu.ts).
//
// A block is entered at any translatable word and made of segments in its 4 KiB page (see
// blockPlan). A segment runs straight on, past conditional branches (side exits) and through
// `jal`s whose target is in the same page; it ends after a `jalr`, a branch or a jump, before a
// word the engine does not translate (system and privileged instructions, reserved encodings: the
// engine's dispatcher runs those through CpuState's slow paths exactly as the interpreter does),
// before another segment's start, at the page end or at MAX_BLOCK_INSNS. The block's segments are
// the entry's and, breadth first, those where it and they go next in the page (branch targets both
// ways, jump targets, the return points of calls), up to MAX_SEGMENTS and MAX_REGION_INSNS; where
// a segment goes to another, the block goes on there itself (a loop over a switch), doing exactly
// what the dispatcher would: only if the next segment fits before the pass's limit, its first
// fetch counted as the fetch-slot hit it is. Its source depends on its words and the cycle costs
// only (pc is a parameter), so it is shared wherever the same code appears.
//
// The protocol between a block and the engine (engine.ts) is the interpreter's loop state, kept in
// the fields of a FastPath object `S`: the block retires its instructions into S.instret,
// S.insnCycles and S.pc, keeps the fast-path TLB slots' hit counts and lazy LRU stamps (lUsed,
// sUsed, fUsed) exactly as the interpreter's locals would be, and calls cpu.jitAccess for anything
// but a fast-path hit. That helper returns -1 when the instruction left through a slow path (the
// block returns at once, S.status says so), or the physical address, with S.brk set when the
// block must stop after this instruction (its fetch slot went, or its own page was written).

import { fixedMask } from '../../isa/encoding.ts';
import { INSTRUCTIONS } from '../../isa/table.ts';
import {
  JOp, accessSize, aluValue, branchCondition, div, divu, isAlu, isBranch, isMemory, loadValue, mulh, mulhu, rem, remu, storeStatement, type Operands,
} from './templates.ts';

/** The longest segment: short enough that a block's entry fits before most deadlines. */
export const MAX_BLOCK_INSNS = 32;

/** What a block reads and writes besides the register file and memory: the interpreter's locals. */
export class FastPath {
  pc = 0;
  instret = 0;
  insnCycles = 0;
  gen = -1;
  fVpn = -1; fBase = 0; fIdx = -1; fUsed = -1;
  lVpn = -1; lBase = 0; lIdx = -1; lUsed = -1;
  /**
   * Stores to the load slot's page: 0 take the store slot's way; LW_THROUGH go through the load
   * slot (its entry takes stores, the page is marked written: Cpu.run's `lw`); LW_CHECKED the
   * same, but the page holds translations, so blocks leave each store to jitAccess.
   */
  lw = 0;
  sVpn = -1; sBase = 0; sIdx = -1; sUsed = -1;
  /** What blocks compare a store's page with: sVpn, or -1 while the slot's page holds translations. */
  sKey = -1;
  fHits = 0; lHits = 0; sHits = 0;
  fHitsAtFill = 0;
  /** The instruction count the current pass runs to (blocks that loop on themselves stop before it). */
  limit = 0;
  /** The physical page of the block running now. */
  curPage = -1;
  /** 1: the instruction left through a slow path; the engine ends the pass. */
  status = 0;
  /** 1: stop the block after the current instruction. */
  brk = 0;
  /** The physical address of the instruction at pc when its fetch is done already (the engine's interpreter handed over), else -1. */
  fetched = -1;
}

/** FastPath.lw: stores to the load slot's page go through it (the page holds no translations). */
export const LW_THROUGH = 1;
/** FastPath.lw: they go through it, checked by jitAccess (the page holds translations). */
export const LW_CHECKED = 2;

export type BlockFn = (rt: Runtime, pc0: number) => void;

/** The objects generated code works on (a block's first parameter). */
export interface Runtime {
  S: FastPath;
  cpu: { jitAccess(wHi: number, wLo: number, va: number, pc: number, instret: number, cyclesBefore: number): number; jitRefetch(pc: number): number };
  R: Int32Array;
  m32: Int32Array;
  u8: Uint8Array;
  i8: Int8Array;
  u16: Uint16Array;
  i16: Int16Array;
}

/** The reserved (must be zero) bits of the R and SH formats, as cpu.ts checks them. */
const R_RESERVED = reserved('R');
const SH_RESERVED = reserved('SH');
function reserved(format: string): number {
  let mask = 0;
  for (const s of INSTRUCTIONS) if (s.format === format) mask |= fixedMask(s) & 0x3ffffff;
  return mask | 0;
}

/** Does the engine translate this word (an instruction the interpreter runs in its hot loop)? */
export function translatable(w: number): boolean {
  const op = w >>> 26;
  if (op === 0) return false;
  if (op <= JOp.REMU) return (w & R_RESERVED) === 0;
  if (op >= JOp.SLLI && op <= JOp.SRAI) return (w & SH_RESERVED) === 0;
  return isAlu(op) || isMemory(op) || isBranch(op) || op === JOp.JAL || op === JOp.JALR;
}

/** How one instruction's code is placed: literals in a block, variables in the stepper. */
interface Place {
  /** Position in the block (0: the first; its fetch was the dispatcher's). */
  k: number;
  last: boolean;
  /** The instruction word. */
  word: number;
  pc: string;
  pcNext: string;
  /** Cycles of the block's instructions before this one, and up to and including it (no taken-branch cost). */
  cyclesBefore: string;
  cyclesAfter: string;
  takenCycles: number;
}

/** Retire through instruction k and leave the block (after a fast-path miss asked for it). */
function exitAfter(p: Place, nextPc: string): string {
  return `S.brk = 0; ${p.k === 0 ? 'R[0] = 0; ' : ''}S.pc = ${nextPc}; S.instret = i0 + ${p.k + 1}; S.insnCycles += ${p.cyclesAfter}; return;`;
}

/** The fetch accounting for instructions 1..k (fetch fast-path hits), before a call out. */
function fetchesThrough(k: number): string {
  return k === 0 ? '' : fetchAccount(k);
}

/**
 * Instructions 1..k were fetched through the fetch slot: its lazy stamp and hit count as the
 * interpreter's. After a refetch at instruction rf (a fast-path miss dropped the slot and the block
 * translated the next fetch and went on, see memoryCode) fh0 is rebased so that fh0 + k still
 * counts right, and the fetch at rf itself was a translation, not a slot hit (no stamp).
 */
function fetchAccount(k: number): string {
  return `if (rf < ${k}) S.fUsed = i0 + ${k}; S.fHits = fh0 + ${k}; `;
}

function writeRd(o: Operands, value: string): string {
  return o.rd === '0' ? '' : `R[${o.rd}] = ${value};`;
}

function memoryCode(op: number, o: Operands, p: Place): string {
  const size = accessSize(op);
  const isStore = op >= JOp.SB;
  const aligned = size === 1 ? '' : ` && (va & ${size - 1}) === 0`;
  const hitPa = isStore ? '(S.sBase | (va & 0xfff))' : '(S.lBase | (va & 0xfff))';
  const access = (pa: string): string => (isStore ? storeStatement(op, pa, `R[${o.rd}]`) : writeRd(o, loadValue(op, pa)));
  const slot = isStore ? 's' : 'l';
  const key = isStore ? 'S.sKey' : 'S.lVpn';
  // Not the last: when the miss dropped the fetch slot (a fill evicted it, or the generation moved)
  // the block retires this instruction, translates the next fetch as the dispatcher would
  // (cpu.jitRefetch) and goes on where that lands in this page, still valid.
  const refetch = `S.brk = 0; ${p.k === 0 ? 'R[0] = 0; ' : ''}S.pc = ${p.pcNext}; S.instret = i0 + ${p.k + 1}; S.insnCycles += ${p.cyclesAfter}; `
    + `if (cpu.jitRefetch(${p.pcNext}) === 0) return; S.insnCycles -= ${p.cyclesAfter}; fh0 = S.fHits - ${p.k + 1}; rf = ${p.k + 1};`;
  const miss = [
    `${fetchesThrough(p.k)}pa = cpu.jitAccess(${p.word >>> 16}, ${p.word & 0xffff}, va, ${p.pc}, i0 + ${p.k}, ${p.cyclesBefore});`,
    `if (pa < 0) return;`,
    access('pa'),
    p.last ? exitAfter(p, p.pcNext) : `if (S.brk !== 0) { ${refetch} }`,
  ];
  // A store to the load slot's page, when the store slot has another: through the load slot's entry (Cpu.run's `lw`).
  const throughLoad = isStore ? [
    `} else if ((va >>> 12) === S.lVpn && S.lw === ${LW_THROUGH} && (va >>> 12) !== S.sVpn${aligned}) {`,
    `  if (S.lIdx >= 0) { S.lUsed = i0 + ${p.k}; S.sHits++; }`,
    `  ${access('(S.lBase | (va & 0xfff))')}`,
  ] : [];
  return [
    `va = (R[${o.rs1}] + ${o.imm}) | 0;`,
    `if ((va >>> 12) === ${key}${aligned}) {`,
    `  if (S.${slot}Idx >= 0) { S.${slot}Used = i0 + ${p.k}; S.${slot}Hits++; }`,
    `  ${access(hitPa)}`,
    ...throughLoad,
    `} else {`,
    ...miss.map((line) => `  ${line}`),
    `}`,
  ].join('\n');
}

/** One instruction's code. Branches and jumps set S.pc and their cycles themselves. */
function instructionCode(op: number, o: Operands, p: Place): string {
  if (isAlu(op)) return writeRd(o, aluValue(op, o));
  if (isMemory(op)) return memoryCode(op, o, p);
  if (isBranch(op)) {
    return `if (${branchCondition(op, o)}) { S.pc = (${p.pc} + (${o.imm} << 2)) >>> 0; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles}; } else { S.pc = ${p.pcNext}; S.insnCycles += ${p.cyclesAfter}; }`;
  }
  if (op === JOp.JAL) {
    return `${writeRd(o, p.pcNext)} S.pc = (${p.pc} + (${o.imm} << 2)) >>> 0; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles};`;
  }
  if (op === JOp.JALR) {
    return `{ const target = ((R[${o.rs1}] + ${o.imm}) & ~3) >>> 0; ${writeRd(o, p.pcNext)} S.pc = target; S.insnCycles += ${p.cyclesAfter} + ${p.takenCycles}; }`;
  }
  throw new Error(`translator: opcode ${op} is not translated`);
}

function literalOperands(w: number, pc: string): Operands {
  return {
    rd: String((w >>> 22) & 15),
    rs1: String((w >>> 18) & 15),
    rs2: String((w >>> 14) & 15),
    // jal's 22-bit offset in place of the 18-bit immediate.
    imm: String((w >>> 26) === JOp.JAL ? (w << 10) >> 10 : (w << 14) >> 14),
    shamt: String(w & 31),
    upper: String(((w & 0x3fffff) << 10) | 0),
    pc,
  };
}

/**
 * A block: one or more segments of code in one page (a region), flattened. Segment j is
 * words[starts[j]] up to starts[j + 1] (or the end), each with its word index in the page (a
 * segment may follow jumps). Segment 0 starts at the entry.
 */
export interface BlockPlan {
  readonly words: readonly number[];
  readonly indices: readonly number[];
  readonly starts: readonly number[];
}

/** The most segments in one block, and the most instructions in all of them. */
export const MAX_SEGMENTS = 24;
export const MAX_REGION_INSNS = 256;

/** The length of a plan's first segment: what a block's entry needs before the pass's limit. */
export function entryLength(plan: BlockPlan): number {
  return plan.starts.length > 1 ? plan.starts[1]! : plan.words.length;
}

/**
 * The segment starting at word index `start` of the page at `pageBase`: straight on, past
 * conditional branches (side exits), through `jal`s whose target is in the same page (the next
 * fetch is then still the same page's), until a `jalr`, a branch or jump back to the start, a
 * word not translated, the page's end, a word already in the segment, MAX_BLOCK_INSNS or
 * (with `stops`) the start of another segment.
 */
function segmentPlan(m32: Int32Array, pageBase: number, start: number, words: number[], indices: number[], stops: ReadonlySet<number> | null): void {
  const seen = new Set<number>();
  let n = 0;
  for (let k = start; k >= 0 && k < 1024 && n < MAX_BLOCK_INSNS && !seen.has(k) && (k === start || stops === null || !stops.has(k));) {
    const w = m32[(pageBase >>> 2) + k]!;
    if (!translatable(w)) break;
    words.push(w);
    indices.push(k);
    seen.add(k);
    n++;
    const op = w >>> 26;
    if (op === JOp.JALR) break;
    if (op === JOp.JAL) {
      const target = k + ((w << 10) >> 10);
      if (target === start || target < 0 || target >= 1024) break;
      k = target;
      continue;
    }
    if (isBranch(op) && k + ((w << 14) >> 14) === start) break;
    k++;
  }
}

/** The word indices a segment may go to next (in its order), and the return points of its calls. */
function segmentExits(words: readonly number[], indices: readonly number[], out: number[]): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const op = w >>> 26;
    const k = indices[i]!;
    const last = i === words.length - 1;
    if (isBranch(op)) {
      out.push(k + ((w << 14) >> 14));
      if (last) out.push(k + 1);
    } else if (op === JOp.JAL) {
      // The call's return point (a jalr in this block or later may come back to it).
      if (((w >>> 22) & 15) !== 0) out.push(k + 1);
      if (last) out.push(k + ((w << 10) >> 10));
    } else if (last && op !== JOp.JALR) {
      out.push(k + 1);
    }
  }
}

/**
 * The block entered at word index `start` of the page at `pageBase`: the segment there and,
 * breadth first, the segments where it and they go next in the same page (branch targets both
 * ways, jump targets, the return points of calls), up to MAX_SEGMENTS and MAX_REGION_INSNS. A
 * block goes from one segment to the next without returning to the engine (see blockSource).
 */
export function blockPlan(m32: Int32Array, pageBase: number, start: number): BlockPlan {
  const words: number[] = [];
  const indices: number[] = [];
  // Where segments start: breadth first from the entry, each segment planned on its own.
  const labels: number[] = [];
  const planned = new Set<number>();
  const queue = [start];
  const exits: number[] = [];
  let total = 0;
  for (let q = 0; q < queue.length && labels.length < MAX_SEGMENTS; q++) {
    const s = queue[q]!;
    if (planned.has(s) || s < 0 || s >= 1024) continue;
    planned.add(s);
    words.length = indices.length = 0;
    segmentPlan(m32, pageBase, s, words, indices, null);
    if (words.length === 0) continue;
    total += words.length;
    if (total > MAX_REGION_INSNS && labels.length > 0) break;
    labels.push(s);
    exits.length = 0;
    segmentExits(words, indices, exits);
    for (const t of exits) if (!planned.has(t)) queue.push(t);
  }
  // Then each segment again, ending where another starts (it goes on there): no code twice.
  const stops = new Set(labels);
  const starts: number[] = [];
  words.length = indices.length = 0;
  for (const s of labels) {
    starts.push(words.length);
    segmentPlan(m32, pageBase, s, words, indices, stops);
  }
  return { words, indices, starts };
}

/** The JavaScript source of a block (the body of `function (pc0)`), for debugging and tests. */
export function blockSource(plan: BlockPlan, opCycles: Int32Array, takenCycles: number): string {
  const { words, indices, starts } = plan;
  const base = indices[0]!;
  const segments = starts.length;
  const segEnd = (j: number): number => (j + 1 < segments ? starts[j + 1]! : words.length);
  // The segment starting at each word index, and the pcs of the call return points (what a jalr compares with).
  const label = new Map<number, number>();
  for (let j = 0; j < segments; j++) label.set(indices[starts[j]!]!, j);
  const returnPoints: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w >>> 26) === JOp.JAL && ((w >>> 22) & 15) !== 0 && label.has(indices[i]! + 1) && !returnPoints.includes(indices[i]! + 1)) returnPoints.push(indices[i]! + 1);
  }
  const pcOf = (index: number): string => (index === base ? 'pc0' : `((pc0 + ${4 * (index - base)}) >>> 0)`);
  // Set by goTo when a segment goes on into one of the block's (then the segments are the cases of a loop).
  let looped = false;
  /**
   * Leave the segment for word index `target` (pc expression `pc`), everything retired: into the
   * segment there when the block has one and it fits before the pass's limit (its first fetch
   * is a fetch-slot hit, as the engine's would be: the same page, whose translations are still
   * valid), else back to the engine.
   */
  const goTo = (target: number, pc: string): string => {
    const j = label.get(target);
    if (j === undefined) return `S.pc = ${pc}; return;`;
    const len = segEnd(j) - starts[j]!;
    looped = true;
    return `if (S.instret + ${len} <= S.limit) { S.fUsed = S.instret; S.fHits++; i0 = S.instret; fh0 = S.fHits; rf = 0; L = ${j}; continue; } S.pc = ${pc}; return;`;
  };
  const lines: string[] = [];
  for (let j = 0; j < segments; j++) {
    const from = starts[j]!;
    const n = segEnd(j) - from;
    lines.push(`case ${j}: {`);
    // Cycles of the segment's instructions before k: their base costs, and the taken cost of the jumps followed.
    let cycles = 0;
    const fetches = n >= 2 ? fetchAccount(n - 1) : '';
    for (let k = 0; k < n; k++) {
      const i = from + k;
      const w = words[i]!;
      const op = w >>> 26;
      const index = indices[i]!;
      const pc = pcOf(index);
      const last = k === n - 1;
      const place: Place = {
        k, last, word: w, pc, pcNext: pcOf(index + 1), cyclesBefore: String(cycles), cyclesAfter: String(cycles + opCycles[op]!), takenCycles,
      };
      const o = literalOperands(w, pc);
      const r0 = k === 0 ? 'R[0] = 0; ' : '';
      lines.push(`// ${j}.${k}: ${(w >>> 0).toString(16).padStart(8, '0')}`);
      const target = index + (op === JOp.JAL ? (w << 10) >> 10 : (w << 14) >> 14);
      if (isBranch(op)) {
        // Taken, the segment ends here; not taken, it goes on (or ends, the last).
        lines.push(`if (${branchCondition(op, o)}) { ${r0}${fetchesThrough(k)}S.instret = i0 + ${k + 1}; S.insnCycles += ${place.cyclesAfter} + ${takenCycles}; ${goTo(target, `((${pc} + (${o.imm} << 2)) >>> 0)`)} }`);
        if (k === 0) lines.push('R[0] = 0;');
        cycles += opCycles[op]!;
        if (last) lines.push(`${fetches}S.instret = i0 + ${n}; S.insnCycles += ${cycles}; ${goTo(index + 1, place.pcNext)}`);
        continue;
      }
      if (op === JOp.JAL) {
        lines.push(writeRd(o, place.pcNext));
        if (k === 0) lines.push('R[0] = 0;');
        cycles += opCycles[op]! + takenCycles;
        // Followed (not the last): the next instruction is the target's.
        if (last) lines.push(`${fetches}S.instret = i0 + ${n}; S.insnCycles += ${cycles}; ${goTo(target, `((${pc} + (${o.imm} << 2)) >>> 0)`)}`);
        continue;
      }
      if (op === JOp.JALR) {
        const back = returnPoints.map((r) => `if (target === ${pcOf(r)}) { ${goTo(r, 'target')} } `).join('');
        lines.push(`{ const target = ((R[${o.rs1}] + ${o.imm}) & ~3) >>> 0; ${writeRd(o, place.pcNext)} ${r0}${fetches}S.instret = i0 + ${n}; S.insnCycles += ${cycles + opCycles[op]! + takenCycles}; ${back}S.pc = target; return; }`);
        continue;
      }
      lines.push(instructionCode(op, o, place));
      if (k === 0) lines.push('R[0] = 0;');
      cycles += opCycles[op]!;
      if (last) lines.push(`${fetches}S.instret = i0 + ${n}; S.insnCycles += ${cycles}; ${goTo(index + 1, place.pcNext)}`);
    }
    lines.push('}');
  }
  const head = 'let va = 0, pa = 0;\nlet i0 = S.instret, fh0 = S.fHits, rf = 0;\n';
  if (looped || segments > 1) return `${head}let L = 0;\nfor (;;) switch (L) {\n${lines.join('\n')}\n}`;
  // One segment that leaves the block wherever it ends: straight-line code.
  return head + lines.slice(1, -1).join('\n');
}

/**
 * Compiled blocks by source, shared by every CPU in the process: a block's source depends only on
 * its words and the cycle costs (pc and the CPU's runtime objects are parameters), so one function
 * serves the same code at any physical address and in every machine, and V8 optimizes it once
 * (closures made per CPU each had to warm up again: a new machine ran its blocks cold). Bounded:
 * past MAX_FACTORIES the map starts again.
 */
const FUNCTIONS = new Map<string, BlockFn>();
const MAX_FACTORIES = 4096;
/** The runtime helpers generated code calls (the interpreter's arithmetic), bound once. */
const HELPER_NAMES = ['mulh', 'mulhu', 'div', 'divu', 'rem', 'remu'];
const HELPERS = [mulh, mulhu, div, divu, rem, remu];

function functionFor(body: string): BlockFn {
  let fn = FUNCTIONS.get(body);
  if (fn === undefined) {
    if (FUNCTIONS.size >= MAX_FACTORIES) FUNCTIONS.clear();
    const prologue = 'const S = rt.S, cpu = rt.cpu, R = rt.R, m32 = rt.m32, u8 = rt.u8, i8 = rt.i8, u16 = rt.u16, i16 = rt.i16;';
    fn = new Function(...HELPER_NAMES, `"use strict";\nreturn function block(rt, pc0) {\n${prologue}\n${body}\n};`)(...HELPERS) as BlockFn;
    FUNCTIONS.set(body, fn);
  }
  return fn;
}

/**
 * Blocks compiled before, by what their source depends on (the cycle costs, the words and their
 * offsets from the first): a CPU meeting the same code again (every new machine does) skips
 * generating the source and hashing it. Bounded like FACTORIES.
 */
const BY_WORDS = new Map<string, { fn: BlockFn; source: string }>();

/** The key of a CPU's cycle costs (part of what a block's source depends on). */
export function cycleKey(opCycles: Int32Array, takenCycles: number): string {
  return `${takenCycles}:${Array.prototype.join.call(opCycles, ',')}`;
}

/** Compile the block of a plan (generating its source only when no CPU compiled the same before). */
export function compilePlan(plan: BlockPlan, opCycles: Int32Array, takenCycles: number, costs: string): { fn: BlockFn; source: string } {
  const { words, indices } = plan;
  let key = costs;
  for (let k = 0; k < words.length; k++) key += `|${words[k]!}@${indices[k]! - indices[0]!}`;
  key += `#${plan.starts.join(',')}`;
  let known = BY_WORDS.get(key);
  if (known === undefined) {
    const source = blockSource(plan, opCycles, takenCycles);
    if (BY_WORDS.size >= MAX_FACTORIES) BY_WORDS.clear();
    known = { fn: functionFor(source), source };
    BY_WORDS.set(key, known);
  }
  return known;
}

/**
 * The blocks compiled in this process, by the physical address of their entry (the latest one
 * there): a machine that meets the same code at the same address (every new machine booting the
 * same kernel does) installs its block when the entry is first reached, instead of running it in
 * the interpreter until it is hot again. The words are compared first, so it is only ever the same
 * code; when a block ends is free (any block boundary is exact), so a block found here is as right
 * as one planned again. Only a CPU with the same compile threshold reuses it (which entries get
 * blocks depends on the threshold: with 1 every pass's first pc gets one). Bounded like BY_WORDS.
 */
export interface KnownBlock {
  /** The cycle costs (cycleKey) and the hot threshold of the CPU that compiled it. */
  readonly costs: string;
  readonly hot: number;
  /** The block's words and their indices in the page (BlockPlan's). */
  readonly words: Int32Array;
  readonly indices: Int16Array;
  /** The length of its first segment (entryLength). */
  readonly length: number;
  readonly fn: BlockFn;
  readonly source: string;
}
const KNOWN = new Map<number, KnownBlock>();

export function rememberBlock(phys: number, plan: BlockPlan, costs: string, hot: number, compiled: { fn: BlockFn; source: string }): void {
  if (KNOWN.size >= MAX_KNOWN) KNOWN.clear();
  KNOWN.set(phys, { costs, hot, words: Int32Array.from(plan.words), indices: Int16Array.from(plan.indices), length: entryLength(plan), fn: compiled.fn, source: compiled.source });
}
const MAX_KNOWN = 65536;

/** The block compiled before at `phys` for these costs and threshold, if memory (m32) still holds its words there. */
export function knownBlock(phys: number, costs: string, hot: number, m32: Int32Array): KnownBlock | undefined {
  const known = KNOWN.get(phys);
  if (known === undefined || known.costs !== costs || known.hot !== hot) return undefined;
  const base = (phys >>> 2) & ~1023;
  const { words, indices } = known;
  for (let i = 0; i < words.length; i++) if (m32[base + indices[i]!] !== words[i]) return undefined;
  return known;
}

/** Compile a block's source into a function of the runtime objects and pc. */
export function compileBlock(source: string): BlockFn {
  return functionFor(source);
}
