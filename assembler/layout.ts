// One layout pass: walk the statements, give labels addresses, emit bytes, encode instructions.
//
// A pass reads forward references from the previous pass's symbol table (the resolver repeats
// passes until the tables agree). Only the last pass's diagnostics are kept, so a pass reports
// freely. Emitted bytes are little-endian (isa/README.md §1). `.` is the address where the
// statement starts, for every word of a pseudo-instruction or a `.word` list. Each emission is one
// instruction or one data directive: the source map and the listing are built from them.
// Bytes live in typed arrays and the whole image is capped (MAX_IMAGE_BYTES), so that one
// `.space` line cannot ask for gigabytes; every step of a pass is linear in its statements.

import { fieldRange } from '../isa/encoding.ts';
import { Diagnostics, type LineLoc } from './diagnostics.ts';
import { encodeInsn } from './encoder.ts';
import { evaluate, ExprError, type EvalEnv, type Expr, type SymbolValue } from './expressions.ts';
import type { Insn } from './instructions.ts';
import { MAX_IMAGE_BYTES } from './limits.ts';
import type { Directive, Statement } from './parser.ts';

export interface SymbolDef extends SymbolValue {
  readonly kind: 'label' | 'equ' | 'set' | 'predefined';
  readonly loc?: LineLoc;
}

export interface Emission {
  readonly address: number;
  /** Where its bytes are (see emittedBytes): held once, in the segment, not again per emission. */
  readonly segment: Segment;
  readonly offset: number;
  readonly sizeBytes: number;
  /** How the listing groups the bytes: 4 for instructions and .word. */
  readonly unitBytes: 1 | 2 | 4;
  readonly loc: LineLoc;
}

export interface Segment {
  readonly address: number;
  readonly bytes: ByteRun;
  readonly firstLoc: LineLoc;
  readonly firstCol: number;
}

/** The bytes of one segment: a typed array that doubles as it fills (one byte per byte, not eight). */
export class ByteRun {
  private data = new Uint8Array(64);
  private used = 0;

  get length(): number {
    return this.used;
  }

  /** Room for `count` more bytes; returns where they start. */
  private grow(count: number): number {
    const start = this.used;
    if (start + count > this.data.length) {
      const bigger = new Uint8Array(Math.max(2 * this.data.length, start + count));
      bigger.set(this.data.subarray(0, start));
      this.data = bigger;
    }
    this.used += count;
    return start;
  }

  append(bytes: ArrayLike<number>): void {
    const start = this.grow(bytes.length); // first: growing replaces this.data
    this.data.set(bytes, start);
  }

  appendFill(count: number, byte: number): void {
    const start = this.grow(count);
    // Bytes past `used` were never written, so they are still the zeros a new array starts with.
    if (byte !== 0) this.data.fill(byte, start, this.used);
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.used);
  }
}

/** The bytes an emission wrote. */
export function emittedBytes(e: Emission): Uint8Array {
  return e.segment.bytes.view().subarray(e.offset, e.offset + e.sizeBytes);
}

export interface PassResult {
  readonly symbols: ReadonlyMap<string, SymbolDef>;
  readonly globals: ReadonlySet<string>;
  readonly emissions: readonly Emission[];
  readonly segments: readonly Segment[];
  readonly entry: number;
  readonly diagnostics: Diagnostics;
}

/** imm18: the range `li` must fit for its one-instruction form. */
const SHORT_LI = fieldRange('imm18');
/** One `.space`/`.align` can never be bigger than a whole image. */
const MAX_FILL_BYTES = MAX_IMAGE_BYTES;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

export function runPass(
  statements: readonly Statement[],
  origin: number,
  predefined: ReadonlyMap<string, SymbolDef>,
  previous: ReadonlyMap<string, SymbolDef> | undefined,
): PassResult {
  return new Pass(origin, predefined, previous).run(statements);
}

class Pass {
  private readonly symbols: Map<string, SymbolDef>;
  private readonly globals = new Map<string, { loc: LineLoc; col: number }>();
  private readonly emissions: Emission[] = [];
  private readonly segments: Segment[] = [];
  private readonly diags = new Diagnostics();
  private locationCounter: number;
  private entry: number | undefined;
  private current: { loc: LineLoc; col: number } | undefined;
  private imageBytes = 0;
  private imageFull = false;
  /** The one environment every evaluation uses: `.` is set before each (no closure per value). */
  private readonly scope: { dot: number; lookup: (name: string) => SymbolValue | undefined };

  constructor(
    origin: number,
    predefined: ReadonlyMap<string, SymbolDef>,
    private readonly previous: ReadonlyMap<string, SymbolDef> | undefined,
  ) {
    this.symbols = new Map(predefined);
    this.locationCounter = origin >>> 0;
    this.scope = { dot: 0, lookup: (name) => this.symbols.get(name) ?? this.previous?.get(name) };
  }

  run(statements: readonly Statement[]): PassResult {
    for (const statement of statements) {
      this.current = statement;
      try {
        this.statement(statement);
      } catch (e) {
        if (!(e instanceof ExprError)) throw e;
        this.error(e.col, e.message);
      }
    }
    this.checkOverlaps();
    for (const [name, at] of this.globals) {
      if (!this.symbols.has(name)) this.error(at.col, `global symbol '${name}' is never defined`, at.loc);
    }
    const entry = this.entry ?? this.symbols.get('_start')?.value ?? this.emissions[0]?.address ?? this.locationCounter;
    return { symbols: this.symbols, globals: new Set(this.globals.keys()), emissions: this.emissions, segments: this.segments, entry: entry >>> 0, diagnostics: this.diags };
  }

  private error(col: number, message: string, loc = this.current!.loc): void {
    this.diags.error(loc, col, message);
  }

  private env(dot: number): EvalEnv {
    this.scope.dot = dot;
    return this.scope;
  }

  private eval(expr: Expr, dot = this.locationCounter): SymbolValue {
    return evaluate(expr, this.env(dot));
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'label': return this.define(s.name, { value: this.locationCounter | 0, addressLike: true, kind: 'label', loc: s.loc }, s.col);
      case 'insns': return this.instructions(s.group.kind === 'code' ? s.group.insns : this.choose(s.group.value, s.group.short, s.group.long));
      case 'directive': return this.directive(s.directive, s.col);
    }
  }

  private define(name: string, def: SymbolDef, col: number): void {
    const existing = this.symbols.get(name);
    if (existing && !(existing.kind === 'set' && def.kind === 'set')) {
      const where = existing.loc ? ` at ${existing.loc.file}:${existing.loc.line}` : ' (predefined)';
      const what = def.kind === 'label' && existing.kind === 'label' ? 'duplicate label' : 'symbol already defined:';
      this.error(col, `${what} '${name}' (first defined${where})`);
      return;
    }
    this.symbols.set(name, def);
  }

  private choose(value: Expr, short: readonly Insn[], long: readonly Insn[]): readonly Insn[] {
    try {
      const v = this.eval(value);
      return !v.addressLike && v.value >= SHORT_LI.min && v.value <= SHORT_LI.max ? short : long;
    } catch {
      return long; // the long form evaluates the value again and reports the mistake
    }
  }

  private instructions(insns: readonly Insn[]): void {
    const start = this.locationCounter;
    if (start % 4 !== 0) this.error(insns[0]!.col, `instruction at ${hex(start)} is not 4-byte aligned (add .align 4 before it)`);
    // `.` means the address of the source statement, even in the second word of a pseudo.
    const env = this.env(start);
    for (const insn of insns) {
      const word = encodeInsn(insn, this.locationCounter, env, (e) => this.error(e.col, e.message));
      this.emit([word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24], 4);
    }
  }

  private directive(d: Directive, col: number): void {
    switch (d.kind) {
      case 'org': {
        this.locationCounter = this.eval(d.expr).value >>> 0;
        return;
      }
      case 'align': {
        const n = this.eval(d.expr).value;
        if (n <= 0 || (n & (n - 1)) !== 0) return this.error(exprCol(d.expr), `.align needs a power of two number of bytes, got ${n}`);
        if (n > MAX_FILL_BYTES) return this.error(exprCol(d.expr), `.align ${n} is larger than an image may be (${MAX_FILL_BYTES} bytes)`);
        return this.fill((n - (this.locationCounter % n)) % n, 0);
      }
      case 'space': {
        const size = this.eval(d.size).value;
        if (size < 0 || size > MAX_FILL_BYTES) return this.error(exprCol(d.size), `.space size ${size} out of range 0..${MAX_FILL_BYTES}`);
        return this.fill(size, d.fill ? this.tryChecked(d.fill, 1) : 0);
      }
      case 'data': {
        const bytes = new Uint8Array(d.values.length * d.unitBytes);
        d.values.forEach((value, n) => {
          const v = this.tryChecked(value, d.unitBytes);
          for (let i = 0; i < d.unitBytes; i++) bytes[n * d.unitBytes + i] = (v >>> (8 * i)) & 0xff;
        });
        return this.emit(bytes, d.unitBytes);
      }
      case 'bytes': return this.emit(d.bytes, 1);
      case 'define': {
        // A bad value still defines the name (as 0), so that its uses do not add more errors.
        let v: SymbolValue = { value: 0, addressLike: false };
        try {
          v = this.eval(d.expr);
        } catch (e) {
          if (!(e instanceof ExprError)) throw e;
          this.error(e.col, e.message);
        }
        return this.define(d.name, { ...v, kind: d.redefinable ? 'set' : 'equ', loc: this.current!.loc }, d.nameCol);
      }
      case 'global': {
        for (const { name, col: nameCol } of d.names) this.globals.set(name, { loc: this.current!.loc, col: nameCol });
        return;
      }
      case 'entry': {
        if (this.entry !== undefined) return this.error(col, '.entry given more than once');
        this.entry = this.eval(d.expr).value >>> 0;
        return;
      }
    }
  }

  /** A data value, range-checked for its size; a mistake is reported and the value becomes 0. */
  private tryChecked(expr: Expr, unitBytes: 1 | 2 | 4): number {
    try {
      return this.checkedUnit(expr, unitBytes);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      this.error(e.col, e.message);
      return 0;
    }
  }

  private checkedUnit(expr: Expr, unitBytes: 1 | 2 | 4): number {
    const { value } = this.eval(expr);
    if (unitBytes < 4) {
      const bits = 8 * unitBytes;
      const min = -(2 ** (bits - 1));
      const max = 2 ** bits - 1;
      const name = unitBytes === 1 ? '.byte' : '.half';
      if (value < min || value > max) throw new ExprError(exprCol(expr), `value ${value} out of range ${min}..${max} for ${name}`);
    }
    return value;
  }

  private fill(count: number, byte: number): void {
    const segment = this.reserve(count);
    if (!segment) return;
    this.record(segment, count, 1);
    segment.bytes.appendFill(count, byte & 0xff);
  }

  private emit(bytes: ArrayLike<number>, unitBytes: 1 | 2 | 4): void {
    const segment = this.reserve(bytes.length);
    if (!segment) return;
    this.record(segment, bytes.length, unitBytes);
    segment.bytes.append(bytes);
  }

  /**
   * The segment `count` bytes at the location counter go into (a new one unless they continue the
   * last), or undefined when they must not be written: past the end of the address space, or past
   * the image limit (reported once; the location counter still moves, so labels stay where the
   * user expects and add no errors of their own).
   */
  private reserve(count: number): Segment | undefined {
    if (count === 0) return undefined;
    const address = this.locationCounter;
    if (address + count > 2 ** 32) {
      this.error(this.current!.col, `output at ${hex(address)} runs past the end of the address space`);
      return undefined;
    }
    if (this.imageBytes + count > MAX_IMAGE_BYTES) {
      if (!this.imageFull) {
        const mib = MAX_IMAGE_BYTES / (1024 * 1024);
        this.error(this.current!.col, `image larger than the ${mib} MiB limit: ${count} byte${count === 1 ? '' : 's'} at ${hex(address)} after ${this.imageBytes} already emitted`);
      }
      this.imageFull = true;
      this.locationCounter = (address + count) >>> 0;
      return undefined;
    }
    this.imageBytes += count;
    const last = this.segments[this.segments.length - 1];
    if (last && last.address + last.bytes.length === address) return last;
    const segment: Segment = { address, bytes: new ByteRun(), firstLoc: this.current!.loc, firstCol: this.current!.col };
    this.segments.push(segment);
    return segment;
  }

  /** Note an emission of `sizeBytes` at the end of `segment`, about to be appended. */
  private record(segment: Segment, sizeBytes: number, unitBytes: 1 | 2 | 4): void {
    this.emissions.push({ address: this.locationCounter, segment, offset: segment.bytes.length, sizeBytes, unitBytes, loc: this.current!.loc });
    this.locationCounter = (this.locationCounter + sizeBytes) >>> 0;
  }

  /**
   * `.org` may move backwards; writing twice to the same bytes is an error, reported at the
   * segment written later. A sweep in address order: O(n log n), where comparing every pair took
   * a minute for 40,000 `.org`s.
   */
  private checkOverlaps(): void {
    const order = this.segments.map((segment, written) => ({ segment, written })).sort((a, b) => a.segment.address - b.segment.address || a.written - b.written);
    let reach: (typeof order)[number] | undefined; // of the segments so far, the one that ends last
    for (const here of order) {
      const end = (s: Segment): number => s.address + s.bytes.length;
      if (reach && here.segment.address < end(reach.segment)) {
        const [earlier, later] = reach.written < here.written ? [reach.segment, here.segment] : [here.segment, reach.segment];
        this.error(later.firstCol, `output at ${hex(later.address)}..${hex(end(later) - 1)} overlaps earlier output at ${hex(earlier.address)}..${hex(end(earlier) - 1)}`, later.firstLoc);
      }
      if (!reach || end(here.segment) > end(reach.segment)) reach = here;
    }
  }
}

function exprCol(expr: Expr): number {
  return expr.kind === 'binary' ? exprCol(expr.left) : expr.col;
}
