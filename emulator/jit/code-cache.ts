// The code cache of the translating engine: per physical page, the blocks compiled at each word
// and how often each entry was reached, with the invalidation that keeps them true to memory.
//
// Invalidation rides on PhysicalMemory.dirty, which every writer of memory already marks with 1
// (the CPU's store slots, the walker's A/D updates, the VMM, the loaders, the debugger): a page
// holding translations carries bit CODE_BIT there on top of its dirty bit, and any write to the
// page, through any alias, replaces the value with 1 and so clears it. A page whose bit is gone
// is dropped before its next block runs. The debugger's snapshots read the map as "non-zero is
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
  blocksCompiled = 0;
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

const EPOCHS = new WeakMap<PhysicalMemory, Int32Array>();

/** The per-page translation epochs of a memory, shared by every CPU on it. */
export function pageEpochs(mem: PhysicalMemory): Int32Array {
  let epochs = EPOCHS.get(mem);
  if (epochs === undefined) {
    epochs = new Int32Array(mem.dirty.length);
    EPOCHS.set(mem, epochs);
  }
  return epochs;
}

export class CodeCache {
  pages: (CodePage | undefined)[];
  readonly epochs: Int32Array;
  readonly stats = new JitStats();
  /** Blocks in the cache now. */
  blocks = 0;
  /** Generated source bytes in the cache now. */
  bytes = 0;

  constructor(private readonly mem: PhysicalMemory, readonly maxBlocks = DEFAULT_MAX_BLOCKS) {
    this.pages = new Array(mem.dirty.length);
    this.epochs = pageEpochs(mem);
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
