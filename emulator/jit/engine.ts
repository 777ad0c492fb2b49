// The translating engine's run loop: the interpreter's loop (emulator/cpu.ts) with its locals in a
// FastPath object that compiled blocks share, and a dispatcher in place of the single-instruction
// `switch`. Each pass handles the events between instructions (budget, timer, interrupts, stops)
// exactly as the interpreter does, then runs blocks while a whole block fits before the pass's
// limit. Code not hot enough to compile, blocks that would run past the limit, and the words the
// engine does not translate run in the interpreter's own hot loop (Cpu.jitInterpret: the same
// statements on the FastPath fields, copied into locals and back, so the hand-over is exact),
// which hands back at the next jump or taken branch that lands on a compiled block (or one about
// to be compiled). System and privileged instructions, reserved encodings, fetch faults and every
// fast-path miss leave through CpuState's slow paths with pc, instruction count and cycles as the
// interpreter has them there, so every statistic, TLB hit count and LRU stamp is the same.
//
// The fetch of a block's first instruction is the interpreter's fetch (fast-path slot or
// mmu.translate); the block then counts its own fetches as the hits they are, because it never
// leaves its page and stops as soon as the fetch slot is dropped (see jitAccess). Blocks are keyed
// by physical address only: what a virtual pc means is decided by that fetch, every time. An entry
// compiled before in this process at the same address, with the same words (KnownBlock: the next
// machine booting the same kernel), gets its block at its first visit instead of warming up again.
//
// Must not: allocate per instruction, touch the interpreter's loop, or count anything in Stats
// that the interpreter would not.

import { ACCESS } from '../../isa/arch.ts';
import { CpuState, MEM_SIZE, STOP, TRAP_LOOP_LIMIT, type StopCode } from '../cpu-state.ts';
import { PhysicalMemory } from '../memory.ts';
import { CODE_BIT, COLD as COLD_ENTRY, CodeCache, CodePage, DEFAULT_MAX_BLOCKS, HOT_THRESHOLD, NOT_TRANSLATED as UNTRANSLATED, type JitStats } from './code-cache.ts';
import { FastPath, LW_CHECKED as LW_CHECKED_MARK, LW_THROUGH as LW_THROUGH_MARK, blockPlan, compilePlan, cycleKey, entryLength, knownBlock, rememberBlock, translatable, type Runtime } from './translator.ts';

/** The CPU engines: the interpreter (the reference) and the translating engine. */
export type Engine = 'interp' | 'jit';
export const ENGINES: readonly Engine[] = ['interp', 'jit'];

const OP_SB = 0x25;
// Imports copied into module constants: the hot paths then read no live binding (which a CJS
// transform, as tsx's, turns into a getter call).
const CODE = CODE_BIT;
const SIZES = MEM_SIZE;
const A_LOAD = ACCESS.LOAD;
const A_FETCH = ACCESS.FETCH;
const COLD = COLD_ENTRY;
const NOT_TRANSLATED = UNTRANSLATED;
const A_STORE = ACCESS.STORE;
const LW_THROUGH = LW_THROUGH_MARK;
const LW_CHECKED = LW_CHECKED_MARK;
/** What every writer of memory stores in PhysicalMemory.dirty (the page was written). */
const WRITTEN = 1;

interface JitState {
  readonly S: FastPath;
  readonly cache: CodeCache;
  readonly rt: Runtime;
  /** The CPU's cycle costs as a key (compilePlan). */
  readonly costs: string;
}

/**
 * Each CPU's code cache and runtime, kept beside the CPU rather than in it: the
 * debugger's snapshots capture and restore the objects reachable from a CPU, and a code cache is
 * no part of the machine's state (what it holds is only ever valid against memory, which the
 * snapshots restore and mark).
 */
const JIT_STATES = new WeakMap<object, JitState>();

/** A CPU's JIT state: built in this one place, so that MAP_KEEPER's objects have the same shapes. */
function newJitState(cpu: Runtime['cpu'], regs: Int32Array, mem: PhysicalMemory, maxBlocks: number, costs: string): JitState {
  const S = new FastPath();
  const rt: Runtime = { S, cpu, R: regs, m32: mem.i32, u8: mem.u8, i8: mem.i8, u16: mem.u16, i16: mem.i16 };
  return { S, cache: new CodeCache(mem, maxBlocks), rt, costs };
}

/**
 * One object of every kind a CPU's JIT state is made of (a one-page memory and a CPU that is not
 * one), alive as long as this module. V8 keeps a class's or a literal's hidden classes (maps) only
 * while some object has them (the transitions to them are weak), and throws away the code it
 * optimized against a map that dies. JIT states are made at a CPU's first run, so a full
 * collection between the last machine's death and the next machine's first run (one forced by a
 * benchmark, or set off by the next machine's memory) would take all their maps; every machine
 * after it would then warm the engine up again, its optimizing compiler busy on other threads
 * (measured on the 256-page stride: a process's CPU time 1.2-1.4x its wall-clock time, with ten
 * "weak objects" deoptimizations over seven runs; with the keeper, one, during the first run).
 */
export const MAP_KEEPER = ((): { state: JitState; page: CodePage } => {
  const cpu: Runtime['cpu'] = { jitAccess: () => -1, jitRefetch: () => -1 };
  return { state: newJitState(cpu, new Int32Array(32), new PhysicalMemory(4096), 1, ''), page: new CodePage(0) };
})();

export abstract class JitEngine extends CpuState {
  /** Which engine `run` uses. Both give the same results; see README.md, "Engines". */
  engine: Engine = defaultEngine;
  /** The blocks' shared state (the code cache and the rest are in JIT_STATES, outside the CPU's object graph). */
  private jitFast: FastPath | null = null;
  /** Entries reached this many times are compiled (1: compile everything at once; tests use it). */
  jitHotThreshold = defaultHotThreshold;
  /**
   * Runs of fewer instructions than this (single steps, short slices) go to the interpreter's loop:
   * no block fits in them, and setting the engine up costs more than they do. Tests set 1.
   */
  jitMinBudget = DEFAULT_MIN_BUDGET;
  /** The code cache's bound in blocks (read when the engine first runs). */
  jitMaxBlocks = DEFAULT_MAX_BLOCKS;
  /** Keep each block's generated source (for `jitBlockSources`, debugging). */
  jitKeepSource = false;
  private readonly jitSources = new Map<number, string>();

  /** The translating engine's code-cache statistics (null until it first ran). */
  get jitStats(): JitStats | null {
    return JIT_STATES.get(this)?.cache.stats ?? null;
  }
  /** Blocks and generated source bytes in the code cache now. */
  get jitCacheSize(): { blocks: number; sourceBytes: number } {
    const jit = JIT_STATES.get(this);
    return { blocks: jit?.cache.blocks ?? 0, sourceBytes: jit?.cache.bytes ?? 0 };
  }
  /** The generated source of every block compiled while jitKeepSource was set, by physical address. */
  jitBlockSources(): ReadonlyMap<number, string> {
    return this.jitSources;
  }

  private jitState(): JitState {
    const known = JIT_STATES.get(this);
    if (known !== undefined) {
      // A debugger's restore may have put back the field as it was before the first run (null).
      this.jitFast = known.S;
      return known;
    }
    const jit = newJitState(this, this.regs, this.mem, this.jitMaxBlocks, cycleKey(this.opCycles, this.profile.branchTakenCycles));
    JIT_STATES.set(this, jit);
    this.jitFast = jit.S;
    return jit;
  }

  /** `run` on the translating engine: the same contract, the same results. */
  protected runJit(budget: number): StopCode {
    const { S, cache, rt } = this.jitState();
    const stats = this.stats;
    const mem = this.mem;
    const m32 = mem.i32;
    const dirty = mem.dirty;
    const epochs = cache.epochs;
    const jitStats = cache.stats;
    const mmu = this.mmu;
    const ramSize = mem.sizeBytes;
    const unified = mmu.itlb === mmu.dtlb;
    const hotThreshold = this.jitHotThreshold;

    S.pc = this.pc;
    S.instret = stats.instructions;
    const endAt = S.instret + budget;
    S.insnCycles = 0;
    S.gen = -1;
    S.fVpn = -1; S.fBase = 0; S.fIdx = -1; S.fUsed = -1;
    S.lVpn = -1; S.lBase = 0; S.lIdx = -1; S.lUsed = -1; S.lw = 0;
    S.sVpn = -1; S.sBase = 0; S.sIdx = -1; S.sUsed = -1; S.sKey = -1;
    S.fHits = 0; S.lHits = 0; S.sHits = 0; S.fHitsAtFill = 0;
    S.status = 0; S.brk = 0; S.curPage = -1; S.fetched = -1;
    this.stopCode = this.trapStreak >= TRAP_LOOP_LIMIT ? STOP.TRAP_LOOP : STOP.BUDGET;
    this.stopRequested = false;

    for (;;) {
      this.pc = S.pc;
      stats.instructions = S.instret;
      stats.cyclesInsn += S.insnCycles;
      S.insnCycles = 0;
      this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
      S.fUsed = S.lUsed = S.sUsed = -1;
      if (this.stopCode !== STOP.BUDGET) break;
      if (this.stopRequested) {
        this.stopCode = STOP.REQUESTED;
        break;
      }
      if (S.instret >= endAt) break;
      if (this.ticks >= this.timerDeadline) this.fireTimer();
      if (this.interruptDeliverable()) this.takeInterrupt();
      if (this.trapStop) {
        this.trapStop = false;
        this.stopCode = STOP.TRAP;
        break;
      }
      S.pc = this.pc;
      if (mmu.generation !== S.gen) {
        S.gen = mmu.generation;
        S.fVpn = S.lVpn = S.sVpn = S.sKey = -1;
      }
      const limit = Math.max(S.instret + 1, Math.min(endAt, this.timerDeadline - this.idleTicks));
      if (cache.full) cache.flush();
      S.limit = limit;

      hot: while (S.instret < limit) {
        // Fetch, as the interpreter does it.
        const pc = S.pc;
        let fetchPhys: number;
        if (S.fetched >= 0) {
          // The interpreter fetched it and handed over at this block head.
          fetchPhys = S.fetched;
          S.fetched = -1;
        } else if ((pc >>> 12) === S.fVpn) {
          fetchPhys = S.fBase | (pc & 0xfff);
          S.fUsed = S.instret;
          S.fHits++;
        } else {
          this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
          S.fUsed = S.lUsed = S.sUsed = -1;
          if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
          fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, A_FETCH);
          if (fetchPhys < 0 || fetchPhys >= ramSize || (pc & 3) !== 0) {
            this.pc = pc;
            stats.instructions = S.instret;
            this.fetchFault(fetchPhys);
            S.pc = this.pc;
            break hot;
          }
          if (mmu.generation !== S.gen) {
            S.gen = mmu.generation;
            S.lVpn = S.sVpn = S.sKey = -1;
          } else if (unified && mmu.lastFill >= 0) {
            if (S.lIdx === mmu.lastFill) S.lVpn = -1;
            if (S.sIdx === mmu.lastFill) S.sVpn = S.sKey = -1;
          }
          S.fVpn = pc >>> 12;
          S.fBase = fetchPhys & ~0xfff;
          S.fIdx = mmu.lastIndex;
          S.fHitsAtFill = S.fHits;
        }

        // Dispatch: a compiled block if one fits, else the interpreter (which runs system
        // instructions and reserved encodings through the slow paths, and ends the pass there).
        const frame = fetchPhys >>> 12;
        let page = cache.pages[frame];
        if (page === undefined || (dirty[frame]! & CODE) === 0 || page.epoch !== epochs[frame]) page = this.jitPage(frame);
        const k = (fetchPhys >>> 2) & 1023;
        let n = page.lengths[k]!;
        if (n === 0) {
          n = page.lengths[k] = translatable(m32[fetchPhys >>> 2]!) ? COLD : NOT_TRANSLATED;
          cache.uses(frame, k);
          // Compiled before (another machine, the same code at the same address): installed now.
          if (n === COLD && !cache.full) n = this.jitInstallKnown(page, frame, k);
        }
        if (n === COLD && ++page.heat[k]! >= hotThreshold) {
          // Hot: compile it.
          n = this.jitCompile(page, frame, k);
          page = cache.pages[frame]!;
        }
        if (n > 0 && n <= limit - S.instret) {
          S.curPage = frame;
          const before = S.instret;
          page.blocks[k]!(rt, pc);
          jitStats.blockRuns++;
          jitStats.blockInstructions += S.instret - before;
          if (S.status !== 0) {
            S.status = 0;
            break hot;
          }
          continue;
        }
        const before = S.instret;
        this.jitInterpret(S, cache, fetchPhys);
        jitStats.steppedInstructions += S.instret - before;
        if (S.status !== 0) {
          S.status = 0;
          break hot;
        }
      }
    }
    if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
    stats.tlbHits[ACCESS.FETCH] += S.fHits;
    stats.tlbHits[ACCESS.LOAD] += S.lHits;
    stats.tlbHits[ACCESS.STORE] += S.sHits;
    return this.stopCode;
  }

  /** The interpreter's hot loop on the FastPath fields (Cpu.jitInterpret, emulator/cpu.ts). */
  protected abstract jitInterpret(S: FastPath, cache: CodeCache, fetchPhys: number): void;

  /** The valid translations of a frame; a store slot into it stops taking the blocks' fast path. */
  private jitPage(frame: number): CodePage {
    const { S, cache } = JIT_STATES.get(this)!;
    const page = cache.page(frame);
    if (S.sVpn !== -1 && S.sBase >>> 12 === frame) S.sKey = -1;
    if (S.lVpn !== -1 && S.lBase >>> 12 === frame && S.lw === LW_THROUGH) S.lw = LW_CHECKED;
    return page;
  }

  /** Compile the block at word k of a frame (a hot entry); returns its length. */
  private jitCompile(page: CodePage, frame: number, k: number): number {
    const { cache, costs } = JIT_STATES.get(this)!;
    const base = frame << 12;
    if (cache.full) {
      cache.flush();
      page = this.jitPage(frame);
    }
    const plan = blockPlan(this.mem.i32, base, k);
    for (const index of plan.indices) cache.uses(frame, index);
    const compiled = compilePlan(plan, this.opCycles, this.profile.branchTakenCycles, costs);
    const { fn, source } = compiled;
    const phys = base + 4 * k;
    rememberBlock(phys, plan, costs, this.jitHotThreshold, compiled);
    page.blocks[k] = fn;
    const length = entryLength(plan);
    page.lengths[k] = length;
    cache.added(page, source.length);
    if (this.jitKeepSource) this.jitSources.set(phys, source);
    return length;
  }

  /** At a first visit of word k of a frame: install the block compiled there before, if any; returns the entry's length (COLD without one). */
  private jitInstallKnown(page: CodePage, frame: number, k: number): number {
    const { cache, costs } = JIT_STATES.get(this)!;
    const phys = (frame << 12) + 4 * k;
    const known = knownBlock(phys, costs, this.jitHotThreshold, this.mem.i32);
    if (known === undefined) return COLD;
    for (let i = 0; i < known.indices.length; i++) cache.uses(frame, known.indices[i]!);
    page.blocks[k] = known.fn;
    page.lengths[k] = known.length;
    cache.added(page, known.source.length);
    cache.stats.blocksReused++;
    if (this.jitKeepSource) this.jitSources.set(phys, known.source);
    return known.length;
  }

  /**
   * A load or store that missed the blocks' fast path: the interpreter's miss path, on the
   * FastPath fields. Returns the physical address, or -1 when the instruction left through a slow
   * path (a fault, a device, misalignment: S.status is set, this.pc and the counts are the
   * interpreter's). Sets S.brk when the block must stop after this instruction: the fetch slot
   * was dropped (the next fetch must translate) or the block's own page was written.
   * @internal called by generated code.
   */
  jitAccess(wHi: number, wLo: number, va: number, pc: number, instret: number, cyclesBefore: number): number {
    // The instruction word in two halves: small integers, which V8 passes untagged (a 32-bit literal may be a heap number).
    const w = (wHi << 16) | wLo;
    const S = this.jitFast!;
    const mmu = this.mmu;
    const mem = this.mem;
    const op = w >>> 26;
    const isStore = op >= OP_SB;
    const aligned = (va & (SIZES[op - 0x20]! - 1)) === 0;
    if (isStore && aligned && va >>> 12 === S.sVpn) {
      // The interpreter's fast-path hit, on a slot whose page holds translations: it is written now.
      const pa = S.sBase | (va & 0xfff);
      if (S.sIdx >= 0) {
        S.sUsed = instret;
        S.sHits++;
      }
      if (this.jitCodeStore(pa) !== 0) {
        // It wrote a translated word: the slot takes the fast path until the page is translated again.
        S.sKey = S.sVpn;
        if (pa >>> 12 === S.curPage) S.brk = 1;
      }
      return pa;
    }
    if (isStore && aligned && va >>> 12 === S.lVpn && S.lw !== 0) {
      // Through the load slot, on a page holding translations (LW_CHECKED), as the interpreter does.
      const pa = S.lBase | (va & 0xfff);
      if (S.lIdx >= 0) {
        S.lUsed = instret;
        S.sHits++;
      }
      if (S.lw === LW_CHECKED && this.jitCodeStore(pa) !== 0) {
        S.lw = LW_THROUGH;
        if (pa >>> 12 === S.curPage) S.brk = 1;
      }
      return pa;
    }
    let pa = -1;
    if (aligned) {
      this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
      S.fUsed = S.lUsed = S.sUsed = -1;
      pa = mmu.translate(va, isStore ? A_STORE : A_LOAD);
    }
    if (pa < 0 || pa >= mem.sizeBytes) {
      const stats = this.stats;
      this.pc = pc;
      stats.instructions = instret;
      stats.cyclesInsn += S.insnCycles + cyclesBefore;
      S.insnCycles = 0;
      this.slowAccess(w, va, pa);
      S.pc = this.pc;
      S.instret = stats.instructions;
      S.status = 1;
      return -1;
    }
    if (mmu.generation !== S.gen) {
      S.gen = mmu.generation;
      S.fVpn = S.lVpn = S.sVpn = S.sKey = -1;
    } else if (mmu.lastFill >= 0) {
      const filled = mmu.lastFill;
      if (mmu.itlb === mmu.dtlb && S.fIdx === filled) S.fVpn = -1;
      if (isStore) {
        if (S.lIdx === filled) S.lVpn = -1;
      } else if (S.sIdx === filled) S.sVpn = S.sKey = -1;
    }
    if (isStore) {
      S.sVpn = va >>> 12;
      S.sBase = pa & ~0xfff;
      S.sIdx = mmu.lastIndex;
      S.sKey = this.jitCodeStore(pa) !== 0 ? S.sVpn : -1;
    } else {
      S.lVpn = va >>> 12;
      S.lBase = pa & ~0xfff;
      S.lIdx = mmu.lastIndex;
      S.lw = this.jitStoresThrough(pa, S.lIdx);
    }
    if (S.fVpn === -1 || (mem.dirty[S.curPage]! & CODE) === 0) S.brk = 1;
    return pa;
  }

  /**
   * A CPU store (aligned, so within one word) at physical `pa`, marked in PhysicalMemory.dirty:
   * into a page holding translations that depend on the word written, it invalidates them (the
   * mark becomes 1, which clears CODE_BIT) and returns 1; into such a page elsewhere (data beside
   * code) the translations stay valid (the page is marked written, CODE_BIT kept) and it returns
   * 0, so the store slot stays checked (FastPath.sKey -1). A page with no translations: 1.
   */
  protected jitCodeStore(pa: number): number {
    const frame = pa >>> 12;
    const dirty = this.mem.dirty;
    if ((dirty[frame]! & CODE) !== 0 && !JIT_STATES.get(this)!.cache.usesWord(frame, (pa >>> 2) & 1023)) {
      dirty[frame] = dirty[frame]! | WRITTEN;
      return 0;
    }
    dirty[frame] = WRITTEN;
    return 1;
  }

  /**
   * The load slot's `lw` after its fill at physical `pa` through TLB entry i (FastPath.lw): stores
   * to the page may go through the slot when the entry takes them and the page is marked written
   * (the interpreter's rule, Cpu.run), checked store by store while the page holds translations.
   */
  protected jitStoresThrough(pa: number, i: number): number {
    const mark = this.mem.dirty[pa >>> 12]!;
    if ((mark & WRITTEN) === 0 || !this.mmu.servesStore(i)) return 0;
    return (mark & CODE) === 0 ? LW_THROUGH : LW_CHECKED;
  }

  /**
   * After a fast-path miss in a block dropped the fetch slot: the next instruction's fetch (at pc,
   * with S.pc, S.instret and S.insnCycles retired up to it), exactly as the dispatcher does it.
   * Returns 1 when the block may go on (the fetch landed in the block's own page, whose
   * translations are still valid), else 0: the page was written (no fetch done; the dispatcher
   * fetches), the fetch faulted (S.status = 1), or it landed elsewhere (S.fetched holds it).
   * @internal called by generated code.
   */
  jitRefetch(pc: number): number {
    const S = this.jitFast!;
    const mmu = this.mmu;
    const mem = this.mem;
    if (S.fVpn !== -1 || (mem.dirty[S.curPage]! & CODE) === 0) return 0;
    this.stampFastPath(S.fIdx, S.fUsed, S.lIdx, S.lUsed, S.sIdx, S.sUsed);
    S.fUsed = S.lUsed = S.sUsed = -1;
    if (S.fIdx < 0) S.fHits = S.fHitsAtFill;
    const fetchPhys = (pc & 3) !== 0 ? -1 : mmu.translate(pc, A_FETCH);
    if (fetchPhys < 0 || fetchPhys >= mem.sizeBytes || (pc & 3) !== 0) {
      this.pc = pc;
      this.stats.instructions = S.instret;
      this.fetchFault(fetchPhys);
      S.pc = this.pc;
      S.status = 1;
      return 0;
    }
    if (mmu.generation !== S.gen) {
      S.gen = mmu.generation;
      S.lVpn = S.sVpn = S.sKey = -1;
    } else if (mmu.itlb === mmu.dtlb && mmu.lastFill >= 0) {
      if (S.lIdx === mmu.lastFill) S.lVpn = -1;
      if (S.sIdx === mmu.lastFill) S.sVpn = S.sKey = -1;
    }
    S.fVpn = pc >>> 12;
    S.fBase = fetchPhys & ~0xfff;
    S.fIdx = mmu.lastIndex;
    S.fHitsAtFill = S.fHits;
    if (fetchPhys >>> 12 !== S.curPage) {
      S.fetched = fetchPhys;
      return 0;
    }
    return 1;
  }
}

/** The shortest run the translating engine takes (JitEngine.jitMinBudget). */
const DEFAULT_MIN_BUDGET = 16;

let defaultEngine: Engine = 'jit';
let defaultHotThreshold = HOT_THRESHOLD;

/** The compile threshold of CPUs created from now on (tests compile everything at once with 1). */
export function setDefaultJitHotThreshold(entries: number): void {
  if (!Number.isInteger(entries) || entries < 1 || entries > 65535) throw new RangeError(`the hot threshold is a count from 1 to 65535 (got ${entries})`);
  defaultHotThreshold = entries;
}

/** The engine of CPUs created from now on (a VMM's vCPUs included). */
export function setDefaultEngine(engine: Engine): void {
  defaultEngine = engine;
}
export function getDefaultEngine(): Engine {
  return defaultEngine;
}

/** Parse an engine name (the --engine option, VMMLAB_ENGINE). */
export function parseEngine(name: string): Engine {
  if (name === 'interp' || name === 'jit') return name;
  throw new RangeError(`unknown engine '${name}' (expected interp or jit)`);
}
