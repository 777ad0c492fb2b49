// Symbols and source lines for the debugger: the kernel's image (the FILE of the command line)
// and the images of its boot modules (`--module`), whose symbols live in user space and are
// labelled with the module's name (`primes:main`). Every module is assembled at the same user
// addresses, so an address in user space is told apart by the code that is there now: the
// module whose image holds the same word at that address.
//
// Also the address expressions commands take: numbers, symbols, `$reg`, sums and differences
// (`scheduler+8`, `$sp-4`), with an optional address-space prefix (`p:0x2000`, `h:0x10000`).

import { CR_NAMES } from '../isa/arch.ts';
import type { Image, ImageSymbol, SourceLocation } from '../isa/image.ts';
import { REGISTER_NUMBERS } from '../isa/table.ts';
import type { BootModule } from '../emulator/boot.ts';
import { CommandError, parseNumber } from './format.ts';
import type { Address, Space } from './memory.ts';

/** One image's symbols: the kernel, or a boot module. */
export interface ImageTable {
  /** 'kernel' or the module's name. */
  readonly name: string;
  readonly module: boolean;
  readonly image: Image;
  /** The addresses the image covers: [lo, hi). */
  readonly lo: number;
  readonly hi: number;
  /** Symbols by address. */
  readonly sorted: readonly ImageSymbol[];
  /** The first name at each address (what the disassembler prints for branch targets). */
  readonly byAddress: ReadonlyMap<number, string>;
}

function tableOf(name: string, module: boolean, image: Image): ImageTable {
  const lo = Math.min(...image.segments.map((s) => s.address), image.entry);
  const hi = Math.max(...image.segments.map((s) => s.address + s.bytes.length), lo + 1);
  const sorted = [...image.symbols].sort((a, b) => a.address - b.address);
  const byAddress = new Map<number, string>();
  for (const s of sorted) {
    const label = module ? `${name}:${s.name}` : s.name;
    if (!byAddress.has(s.address)) byAddress.set(s.address, label);
  }
  return { name, module, image, lo, hi, sorted, byAddress };
}

/** The word an image places at an address, or undefined. */
function imageWord(table: ImageTable, addr: number): number | undefined {
  for (const seg of table.image.segments) {
    const off = addr - seg.address;
    if (off >= 0 && off + 4 <= seg.bytes.length) {
      const b = seg.bytes;
      return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
    }
  }
  return undefined;
}

/** How far (in words, either way) the code around an address is compared to tell modules apart. */
const DISAMBIGUATION_WORDS = 256;

/** Reads the word at a virtual address of the focused CPU now (undefined when unmapped). */
export type WordAt = (va: number) => number | undefined;

export class SymbolTable {
  readonly tables: ImageTable[];

  constructor(plan: { readonly kernel: Image; readonly modules: readonly BootModule[] }) {
    this.tables = [tableOf('kernel', false, plan.kernel), ...plan.modules.map((m) => tableOf(m.name, true, m.image))];
  }

  /** The address of `name`, `module:name` or `kernel:name`; throws when unknown or ambiguous. */
  lookup(name: string): number {
    const colon = name.indexOf(':');
    if (colon > 0) {
      const owner = name.slice(0, colon);
      const table = this.tables.find((t) => t.name === owner);
      if (!table) throw new CommandError(`no image called '${owner}' (images: ${this.tables.map((t) => t.name).join(', ')})`);
      const s = table.sorted.find((x) => x.name === name.slice(colon + 1));
      if (!s) throw new CommandError(`no symbol '${name.slice(colon + 1)}' in ${owner}`);
      return s.address;
    }
    const kernel = this.tables[0]!.sorted.find((s) => s.name === name);
    if (kernel) return kernel.address;
    const found = this.tables.slice(1).filter((t) => t.sorted.some((s) => s.name === name));
    if (found.length === 0) throw new CommandError(`no symbol '${name}'`);
    if (found.length > 1) throw new CommandError(`'${name}' is in several modules: ${found.map((t) => `${t.name}:${name}`).join(', ')}`);
    return found[0]!.sorted.find((s) => s.name === name)!.address;
  }

  /**
   * The image an address belongs to: the kernel's, or the module whose code is there now (or,
   * given `image`, that one if it covers the address).
   */
  tableFor(addr: number, wordAt?: WordAt, image?: string): ImageTable | undefined {
    addr >>>= 0;
    if (image !== undefined) {
      const named = this.tables.find((t) => t.name === image && addr >= t.lo && addr < t.hi);
      if (named) return named;
    }
    const kernel = this.tables[0]!;
    if (addr >= kernel.lo && addr < kernel.hi) return kernel;
    let candidates = this.tables.slice(1).filter((t) => addr >= t.lo && addr < t.hi);
    if (candidates.length <= 1 || !wordAt) return candidates[0];
    // Modules share the library's code (and often more): where their words agree, the next words
    // that differ tell which one is loaded.
    const aligned = addr & ~3;
    for (let i = 0; i < DISAMBIGUATION_WORDS && candidates.length > 1; i++) {
      for (const at of i === 0 ? [aligned] : [aligned + 4 * i, aligned - 4 * i]) {
        const words = candidates.map((t) => imageWord(t, at));
        if (words.every((w) => w === words[0])) continue;
        const now = wordAt(at);
        if (now === undefined) continue;
        const matching = candidates.filter((_, k) => words[k] === now);
        if (matching.length === 0) return candidates[0];
        candidates = matching;
      }
    }
    return candidates[0];
  }

  /** `scheduler+12`, `primes:main`, or undefined outside every image. */
  describe(addr: number, wordAt?: WordAt, image?: string): string | undefined {
    const table = this.tableFor(addr, wordAt, image);
    if (!table) return undefined;
    const s = nearestAtOrBelow(table.sorted, addr >>> 0);
    if (!s) return undefined;
    const name = table.module ? `${table.name}:${s.name}` : s.name;
    const off = (addr >>> 0) - s.address;
    return off === 0 ? name : `${name}+${off}`;
  }

  /** The source line an address came from. */
  location(addr: number, wordAt?: WordAt, image?: string): SourceLocation | undefined {
    const table = this.tableFor(addr, wordAt, image);
    if (!table) return undefined;
    const map = table.image.sourceMap;
    let lo = 0;
    let hi = map.length - 1;
    let found: SourceLocation | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (map[mid]!.address <= addr >>> 0) {
        found = map[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The image a symbol expression's first symbol names, when it is a module's (`primes:main`, or `main` in one module only). */
  moduleOf(text: string): string | undefined {
    const m = /^\s*([A-Za-z_.][\w.]*)(?::([A-Za-z_.][\w.]*))?/.exec(text);
    if (!m) return undefined;
    if (m[2] !== undefined) return this.tables.find((t) => t.module && t.name === m[1]) ? m[1] : undefined;
    if (this.tables[0]!.sorted.some((s) => s.name === m[1])) return undefined;
    const found = this.tables.slice(1).filter((t) => t.sorted.some((s) => s.name === m[1]));
    return found.length === 1 ? found[0]!.name : undefined;
  }

  /** Every name a command accepts, for tab completion. */
  names(): string[] {
    const out = new Set<string>();
    for (const t of this.tables) for (const s of t.sorted) out.add(t.module ? `${t.name}:${s.name}` : s.name);
    for (const t of this.tables.slice(1)) for (const s of t.sorted) out.add(s.name);
    return [...out].sort();
  }
}

function nearestAtOrBelow(sorted: readonly ImageSymbol[], addr: number): ImageSymbol | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: ImageSymbol | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.address <= addr) {
      found = sorted[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The lines of source files, read once each through `read` (the platform's: files are named as the assembler named them). */
export class SourceFiles {
  private readonly cache = new Map<string, string[] | null>();

  constructor(private readonly read: (file: string) => string | undefined) {}

  /** The text of a source line, trimmed; undefined when its file cannot be read. */
  line(loc: SourceLocation): string | undefined {
    let lines = this.cache.get(loc.file);
    if (lines === undefined) {
      lines = this.read(loc.file)?.split('\n') ?? null;
      this.cache.set(loc.file, lines);
    }
    return lines?.[loc.line - 1]?.trim();
  }
}

/** `proc.s:421`. */
export function shortLocation(loc: SourceLocation): string {
  return `${baseName(loc.file)}:${loc.line}`;
}

/** The last part of a path (node:path's basename, for / and \\ separators alike). */
function baseName(file: string): string {
  const trimmed = file.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}

/** What an expression may read: the focused CPU's registers by name. */
export interface ExprContext {
  readonly symbols: SymbolTable;
  register(name: string): number | undefined;
}

/** Register names an expression accepts after `$`: pc, r0-r15 and ABI names, control registers. */
export function isRegisterName(name: string): boolean {
  return name === 'pc' || REGISTER_NUMBERS.has(name) || [...CR_NAMES.values()].includes(name);
}

/** Evaluate `term (+|- term)*`; a term is a number, a symbol or `$register`. */
export function evaluate(text: string, ctx: ExprContext): number {
  const src = text.trim();
  if (src === '') throw new CommandError('missing address');
  const parts = src.split(/(?<=[^+\-\s])\s*([+-])\s*/);
  let value = 0;
  let sign = 1;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i % 2 === 1) {
      sign = part === '-' ? -1 : 1;
      continue;
    }
    value += sign * term(part, ctx);
  }
  return value >>> 0;
}

function term(text: string, ctx: ExprContext): number {
  const n = parseNumber(text);
  if (n !== undefined) return n;
  if (text.startsWith('$')) {
    const v = ctx.register(text.slice(1).toLowerCase());
    if (v === undefined) throw new CommandError(`no register '${text}' (pc, r0-r15, zero ra sp a0-a3 t0-t4 s0-s3, control registers)`);
    return v;
  }
  if (!/^[A-Za-z_.][\w.]*(:[A-Za-z_.][\w.]*)?$/.test(text)) throw new CommandError(`'${text}' is not a number, symbol or $register`);
  return ctx.symbols.lookup(text);
}

/** An address with an optional space prefix: `v:` (default), `p:` guest-physical, `h:` host-physical. */
export function parseAddress(text: string, ctx: ExprContext, defaultSpace: Space = 'v'): Address {
  const m = /^([vph]):(.*)$/.exec(text.trim());
  if (m) return { space: m[1] as Space, addr: evaluate(m[2]!, ctx) };
  return { space: defaultSpace, addr: evaluate(text, ctx) };
}
