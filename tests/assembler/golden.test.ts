// Golden tests in the style of customasm's tests/<feature>/ok_*.asm and err_*.asm.
//
// ok_*.s: must assemble without diagnostics; a line ending in `; = 0x12345678 0x…` must emit
// exactly those bytes (8 hex digits = a little-endian word, 4 = a half, 2 = a byte), read from the
// image through the source map. err_*.s: the lines carrying `; error: <text>` must be exactly the
// lines that get errors in one run, each with a message containing <text>. Lines of files pulled
// in with .include carry annotations too.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, type AssembleResult } from '../../assembler/index.ts';
import { assembleFile } from '../../node/files.ts';
import type { Image } from '../../isa/image.ts';
import { INSTRUCTIONS, PSEUDOS } from '../../isa/table.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const features = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Annotated {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly note: string;
}

/** The file and every file it includes (recursively), by the same relative-path rule as the assembler. */
function filesOf(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return [];
  seen.add(file);
  const included = [...fs.readFileSync(file, 'utf8').matchAll(/^\s*\.include\s+"([^"]+)"/gm)];
  return [file, ...included.flatMap((m) => filesOf(path.join(path.dirname(file), m[1]!), seen))];
}

function annotations(file: string, marker: RegExp): Annotated[] {
  return filesOf(file).flatMap((f) =>
    fs.readFileSync(f, 'utf8').split('\n').flatMap((text, i) => {
      const m = marker.exec(text);
      return m ? [{ file: path.resolve(f), line: i + 1, text, note: m[1]!.trim() }] : [];
    }),
  );
}

function expectedBytes(note: string): number[] {
  return [...note.matchAll(/0x([0-9a-f]+)/gi)].flatMap((m) => {
    const digits = m[1]!;
    const value = parseInt(digits, 16);
    return Array.from({ length: digits.length / 2 }, (_, i) => (value >>> (8 * i)) & 0xff);
  });
}

/** The bytes each source line emitted: source-map entries extend to the next entry or segment end. */
function bytesByLine(image: Image): Map<string, number[]> {
  const byLine = new Map<string, number[]>();
  image.sourceMap.forEach((entry, i) => {
    const segment = image.segments.find((s) => entry.address >= s.address && entry.address < s.address + s.bytes.length);
    if (!segment) return;
    const next = image.sourceMap[i + 1];
    const segmentEnd = segment.address + segment.bytes.length;
    const end = next && next.address > entry.address && next.address < segmentEnd ? next.address : segmentEnd;
    const key = `${path.resolve(entry.file)}:${entry.line}`;
    byLine.set(key, [...(byLine.get(key) ?? []), ...segment.bytes.slice(entry.address - segment.address, end - segment.address)]);
  });
  return byLine;
}

const show = (r: AssembleResult): string => r.diagnostics.map((d) => formatDiagnostic(d)).join('\n');
const hexBytes = (bytes: readonly number[] | undefined): string => (bytes ?? []).map((b) => b.toString(16).padStart(2, '0')).join(' ');

const annotatedMnemonics = new Set<string>();

for (const feature of features) {
  const dir = path.join(root, feature);
  const files = fs.readdirSync(dir).filter((f) => /^(ok|err)_.*\.s$/.test(f)).sort();
  if (files.length === 0) continue; // a helper folder (fuzz/), not a feature
  describe(feature, () => {
    for (const name of files) {
      const file = path.join(dir, name);
      if (name.startsWith('ok_')) {
        const expected = annotations(file, /;\s*=\s*(.*)$/);
        for (const a of expected) {
          const word = /^\s*(?:[\w.$]+:\s*)*([a-z]+)\b/i.exec(a.text)?.[1]?.toLowerCase();
          if (word) annotatedMnemonics.add(word);
        }
        it(name, () => {
          const result = assembleFile(file);
          expect(show(result)).toBe('');
          const actual = bytesByLine(result.image!);
          for (const a of expected) {
            const where = `${path.relative(root, a.file)}:${a.line}: ${a.text.trim()}`;
            expect(hexBytes(actual.get(`${a.file}:${a.line}`)), where).toBe(hexBytes(expectedBytes(a.note)));
          }
        });
      } else {
        it(name, () => {
          const expected = annotations(file, /;\s*error:\s*(.*)$/);
          const result = assembleFile(file);
          expect(result.image).toBeUndefined();
          const errors = result.diagnostics.filter((d) => d.severity === 'error');
          const linesWithErrors = [...new Set(errors.map((d) => `${path.resolve(d.file)}:${d.line}`))].sort();
          expect(linesWithErrors, show(result)).toEqual([...new Set(expected.map((a) => `${a.file}:${a.line}`))].sort());
          for (const a of expected) {
            const messages = errors.filter((d) => path.resolve(d.file) === a.file && d.line === a.line).map((d) => d.message);
            expect(messages.some((m) => m.includes(a.note)), `${a.file}:${a.line} wants '${a.note}', got ${JSON.stringify(messages)}`).toBe(true);
          }
        });
      }
    }
  });
}

describe('coverage', () => {
  it('every instruction and pseudo-instruction has an expected word in some ok_ file', () => {
    const missing = [...INSTRUCTIONS.map((s) => s.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)].filter((m) => !annotatedMnemonics.has(m));
    expect(missing).toEqual([]);
  });
});
