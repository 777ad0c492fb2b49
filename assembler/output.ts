// Output: the settled layout as an Image (segments, symbols, source map, entry) and as a listing.
//
// Segments are sorted by address (each `.org` starts one). Symbols: every named label, plus `.equ`/`.set` symbols whose value comes from a label or `.`
// (addresses); plain constants and local numeric labels (`1:`) are left out. The source map has
// one entry per instruction or data directive, located as the preprocessor located its line
// (macro expansions at their invocation line).

import type { Image, ImageSymbol, SourceLocation } from '../isa/image.ts';
import type { LineLoc } from './diagnostics.ts';
import { emittedBytes, type Emission, type PassResult } from './layout.ts';
import { isLocalLabelName } from './parser.ts';

export function buildImage(layout: PassResult): Image {
  const symbols: ImageSymbol[] = [];
  for (const [name, def] of layout.symbols) {
    const isAddress = def.kind === 'label' || ((def.kind === 'equ' || def.kind === 'set') && def.addressLike);
    if (!isAddress || isLocalLabelName(name)) continue;
    symbols.push({ name, address: def.value >>> 0, global: layout.globals.has(name) });
  }
  symbols.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sourceMap: SourceLocation[] = layout.emissions
    .map((e) => ({ address: e.address, file: e.loc.file, line: e.loc.line }))
    .sort((a, b) => a.address - b.address);
  return {
    entry: layout.entry,
    segments: [...layout.segments].sort((a, b) => a.address - b.address).map((s) => ({ address: s.address, bytes: s.bytes.view().slice() })),
    symbols,
    sourceMap,
  };
}

const hex = (n: number, digits: number): string => (n >>> 0).toString(16).padStart(digits, '0');
const DATA_WIDTH = 11; // "xx xx xx xx": four bytes, the widest row

/** A run of one repeated byte this long (`.space`, `.align`) shows one row and a count of the rest. */
const LONG_FILL_BYTES = 16;

/**
 * One row per 4 bytes: `address  data  source`. The source text appears on the first row of each
 * source line; the rows that follow show the rest of its words (a `li` pair, a `.word` list, a
 * string, a macro's expansion). A line that emits nothing but defines a label (`loop:` above the
 * instruction it names) gets a row of its own at the label's address, with no data.
 */
export function buildListing(layout: PassResult): string {
  const rows: string[] = [];
  const labelLines = labelOnlyLines(layout);
  let nextLabel = 0;
  const labelRowsBefore = (seq: number): void => {
    for (; nextLabel < labelLines.length && labelLines[nextLabel]!.loc.seq < seq; nextLabel++) {
      const { address, loc } = labelLines[nextLabel]!;
      rows.push(`${hex(address, 8)}  ${''.padEnd(DATA_WIDTH)}  ${loc.text.trimEnd()}`);
    }
  };
  let previousSeq = -1;
  for (const emission of layout.emissions) {
    labelRowsBefore(emission.loc.seq);
    const chunks = rowsOf(emission);
    chunks.forEach((data, i) => {
      const first = i === 0 && emission.loc.seq !== previousSeq;
      const text = first ? emission.loc.text.trimEnd() : '';
      rows.push(`${hex(emission.address + 4 * i, 8)}  ${data.padEnd(DATA_WIDTH)}  ${text}`.trimEnd());
    });
    previousSeq = emission.loc.seq;
  }
  labelRowsBefore(Infinity);
  return rows.length > 0 ? rows.join('\n') + '\n' : '';
}

/**
 * The lines that define labels and emit nothing, one per line (`a: b:` is one), in the order the
 * assembler read them: the order of the emissions too, since a pass walks the statements in
 * that order. The symbol table lists labels as they were defined: a row's address is its line's
 * first label's (all of a line's labels have the same one).
 */
function labelOnlyLines(layout: PassResult): { address: number; loc: LineLoc }[] {
  const emitting = new Set(layout.emissions.map((e) => e.loc.seq));
  const bySeq = new Map<number, { address: number; loc: LineLoc }>();
  for (const def of layout.symbols.values()) {
    if (def.kind !== 'label' || !def.loc || emitting.has(def.loc.seq)) continue;
    if (!bySeq.has(def.loc.seq)) bySeq.set(def.loc.seq, { address: def.value >>> 0, loc: def.loc });
  }
  return [...bySeq.values()].sort((a, b) => a.loc.seq - b.loc.seq);
}

/** Two hex digits for each byte value: a listing formats every byte of the image. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => hex(b, 2));

function rowsOf(e: Emission): string[] {
  const rows: string[] = [];
  const bytes = emittedBytes(e);
  const isUniformFill = bytes.length > LONG_FILL_BYTES && bytes.every((b) => b === bytes[0]);
  const shown = isUniformFill ? bytes.subarray(0, 4) : bytes;
  for (let offset = 0; offset < shown.length; offset += 4) {
    let row = '';
    for (let u = offset; u < Math.min(offset + 4, shown.length); u += e.unitBytes) {
      if (u > offset) row += ' ';
      // Most significant byte first; a unit cut short by the end of the data shows its missing bytes as 00.
      for (let b = e.unitBytes - 1; b >= 0; b--) row += BYTE_HEX[shown[u + b] ?? 0];
    }
    rows.push(row);
  }
  if (isUniformFill) rows.push(`… ${bytes.length - shown.length} more`);
  return rows;
}
