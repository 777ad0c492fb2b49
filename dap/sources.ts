// Source files and lines for the DAP adapter, from the images' source maps (the kernel's and every
// boot module's): which addresses a line of a .s or .inc file assembled to, which lines have
// code, and a DAP Source for a location. Paths in the source maps are as the assembler named
// them (relative to the directory the debugger started in, or absolute); a client sends absolute
// paths, so both are resolved before they are compared.

import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SourceLocation } from '../isa/image.ts';
import type { Debugger } from '../debugger/debugger.ts';

/** One place a source line assembled to: an address in an image ('kernel' or a module). */
export interface LineAddress {
  readonly line: number;
  readonly addr: number;
  /** The module's name, or undefined for the kernel (whose addresses no other image shares). */
  readonly module: string | undefined;
}

export function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** Every image of every CPU, once each (several VMs may run the same kernel). */
function images(dbg: Debugger) {
  const seen = new Set<unknown>();
  return dbg.symbols.flatMap((s) => s.tables).filter((t) => !seen.has(t.image) && seen.add(t.image));
}

/**
 * Where a line of a file has code: the first address of each image's code from that line; a
 * line without code moves to the next line that has some (as gdb moves a breakpoint), in each
 * image that has the file. Empty when no image has code from the file at or after the line.
 */
export function addressesOfLine(dbg: Debugger, file: string, line: number): LineAddress[] {
  const out: LineAddress[] = [];
  for (const table of images(dbg)) {
    let best: { line: number; addr: number } | undefined;
    for (const entry of table.image.sourceMap) {
      if (entry.line < line || !samePath(entry.file, file)) continue;
      if (!best || entry.line < best.line || (entry.line === best.line && entry.address < best.addr)) best = { line: entry.line, addr: entry.address };
    }
    if (best) out.push({ ...best, module: table.module ? table.name : undefined });
  }
  // Report the nearest line found, in every image that has it there.
  const nearest = Math.min(...out.map((a) => a.line));
  return out.filter((a) => a.line === nearest);
}

/** The lines of a file that have code, between two lines (inclusive). */
export function linesWithCode(dbg: Debugger, file: string, from: number, to: number): number[] {
  const lines = new Set<number>();
  for (const table of images(dbg)) {
    for (const entry of table.image.sourceMap) if (entry.line >= from && entry.line <= to && samePath(entry.file, file)) lines.add(entry.line);
  }
  return [...lines].sort((a, b) => a - b);
}

/** Every source file the images were assembled from. */
export function sourceFiles(dbg: Debugger): string[] {
  const files = new Set<string>();
  for (const table of images(dbg)) for (const entry of table.image.sourceMap) files.add(path.resolve(entry.file));
  return [...files].sort();
}

export function sourceOf(loc: SourceLocation): DebugProtocol.Source {
  const file = path.resolve(loc.file);
  return { name: path.basename(file), path: file };
}
