// The code cache of the translating engine: per physical page, the blocks compiled at each word
// and how often each entry was reached, with the invalidation that keeps them true to memory.
//
// Invalidation rides on PhysicalMemory.dirty, which every writer of memory already marks with 1
// (the CPU's store slots, the walker's A/D updates, the VMM, the loaders, the debugger): a page
// holding translations carries bit CODE_BIT there on top of its dirty bit, and any write to the
// page, through any alias, replaces the value with 1 and so clears it. A page whose bit is gone
// is dropped before its next block runs. The CPU's own stores are finer (JitEngine.jitCodeStore):
// into such a page they clear the bit only when they write a word a translation depends on
// (PageCode.words), so data beside code (a small program's variables) does not drop its blocks. The debugger's snapshots read the map as "non-zero is
// written" and clear it: a code page then only looks written (one extra page in a snapshot) and
// is translated again.
//
// Several CPUs may share one memory (the VMs of a host): a per-page epoch, shared through the
// memory, is bumped whenever a page is translated again after a write, so that no CPU runs
// another's stale translation of it.

import type { PhysicalMemory } from '../memory.ts';
import type { BlockFn } from './translator.ts';

/** The bit of PhysicalMemory.dirty that marks a page holding translations (writers store 1). */
export const CODE_BIT = 2;
/** Entries reached this many times are compiled; colder ones run in the interpreter (Cpu.jitInterpret). */
export const HOT_THRESHOLD = 256;
/** The bound of the cache: past this many blocks it is emptied (a QEMU-style full flush). */
export const DEFAULT_MAX_BLOCKS = 8192;

/** CodePage.lengths: a word the engine does not translate; a translatable word not compiled yet. */
export const NOT_TRANSLATED = -1;
export const COLD = -2;

/** One page's translations. */
export class CodePage {
  readonly blocks: (BlockFn | undefined)[] = new Array(1024);
  /** Per word: 0 not seen yet, -1 not translatable (a system instruction), -2 not compiled yet, else the block's length. */
  readonly lengths = new Int16Array(1024);
  /** Per word: how often an entry was reached before it was compiled. */
  readonly heat = new Uint16Array(1024);
  /** Blocks and generated source bytes compiled for this page. */
  count = 0;
  bytes = 0;
  constructor(readonly epoch: number) {}
}

/** Counters of the code cache (engine statistics: never part of the guest's Stats). */
export class JitStats {
  /** Blocks put in the cache: compiled when hot, or reused at once (blocksReused: compiled before at the same address with the same words, KnownBlock). */
  blocksCompiled = 0;
  blocksReused = 0;
  /** Bytes of generated source compiled (a measure of the cache's memory). */
  sourceBytes = 0;
  /** Pages dropped because they were written after translation. */
  pagesInvalidated = 0;
  /** Times the cache was emptied because it reached its bound. */
  flushes = 0;
  /** Blocks run, instructions run in blocks, instructions run by the interpreter (Cpu.jitInterpret: cold code, near deadlines, system instructions). */
  blockRuns = 0;
  blockInstructions = 0;
  steppedInstructions = 0;

  toJSON(): Record<string, number> {
    return { ...(this as unknown as Record<string, number>) };
  }
}

/**
 * What the CPUs on one memory have translated, per physical page: its epoch, and which of its
 * words some translation depends on (the words of compiled blocks and the entries classified;
 * 1024 bits per page, present once a page holds any). A CPU's store into a page holding
 * translations invalidates them only when it writes one of those words (see JitEngine.jitCodeStore):
 * code next to the data it writes (a small program's variables in its code page) keeps its blocks.
 */
export interface PageCode {
  readonly epochs: Int32Array;
  readonly words: (Uint32Array | undefined)[];
}

const PAGE_CODE = new WeakMap<PhysicalMemory, PageCode>();

/** The per-page translation epochs and translated words of a memory, shared by every CPU on it. */
export function pageCode(mem: PhysicalMemory): PageCode {
  let code = PAGE_CODE.get(mem);
  if (code === undefined) {
    code = { epochs: new Int32Array(mem.dirty.length), words: new Array<Uint32Array | undefined>(mem.dirty.length) };
    PAGE_CODE.set(mem, code);
  }
  return code;
}

export class CodeCache {
  pages: (CodePage | undefined)[];
  readonly epochs: Int32Array;
  /** Per page, the words translations depend on (shared by the memory's CPUs: PageCode). */
  readonly words: (Uint32Array | undefined)[];
  readonly stats = new JitStats();
  /** Blocks in the cache now. */
  blocks = 0;
  /** Generated source bytes in the cache now. */
  bytes = 0;

  constructor(private readonly mem: PhysicalMemory, readonly maxBlocks = DEFAULT_MAX_BLOCKS) {
    this.pages = new Array(mem.dirty.length);
    const code = pageCode(mem);
    this.epochs = code.epochs;
    this.words = code.words;
  }

  /** Note that a translation of `page` (valid now) depends on word `k` of it. */
  uses(page: number, k: number): void {
    let words = this.words[page];
    if (words === undefined) words = this.words[page] = new Uint32Array(32);
    words[k >>> 5]! |= 1 << (k & 31);
  }

  /** Does a translation of `page` depend on word `k`? (Only meaningful while the page holds translations.) */
  usesWord(page: number, k: number): boolean {
    const words = this.words[page];
    return words !== undefined && (words[k >>> 5]! & (1 << (k & 31))) !== 0;
  }

  /**
   * The translations of physical page `page`, valid now: a page that was written since it was
   * translated (its CODE_BIT is gone) or that another CPU translated again starts empty.
   */
  page(page: number): CodePage {
    const dirty = this.mem.dirty;
    const cached = this.pages[page];
    if (cached !== undefined && (dirty[page]! & CODE_BIT) !== 0 && cached.epoch === this.epochs[page]) return cached;
    if (cached !== undefined) this.drop(page, cached);
    if ((dirty[page]! & CODE_BIT) === 0) {
      // Written since anyone translated it: every older translation of it is stale.
      this.epochs[page]!++;
      this.words[page]?.fill(0);
      dirty[page] = dirty[page]! | CODE_BIT;
    }
    const fresh = new CodePage(this.epochs[page]!);
    this.pages[page] = fresh;
    return fresh;
  }

  private drop(page: number, cached: CodePage): void {
    this.blocks -= cached.count;
    this.bytes -= cached.bytes;
    this.pages[page] = undefined;
    this.stats.pagesInvalidated++;
  }

  /** Note a compiled block; empties the cache when it is over its bound. */
  added(page: CodePage, sourceBytes: number): void {
    this.blocks++;
    this.bytes += sourceBytes;
    page.count++;
    page.bytes += sourceBytes;
    this.stats.blocksCompiled++;
    this.stats.sourceBytes += sourceBytes;
  }

  /** Is the cache over its bound? The engine then calls `flush` between blocks. */
  get full(): boolean {
    return this.blocks >= this.maxBlocks;
  }

  flush(): void {
    this.pages = new Array(this.mem.dirty.length);
    this.blocks = 0;
    this.bytes = 0;
    this.stats.flushes++;
  }
}
