// The assembler's public API: source text to an Image, diagnostics and a listing; words back to text.
//
// The stages, in order: macros.ts (includes, macros) → parser.ts (statements) → resolver.ts
// (layout passes until symbols settle) → output.ts (image, listing). Every user mistake becomes a
// Diagnostic; nothing here throws for bad input, and limits.ts bounds the work any input can ask for.

import type { Image } from '../isa/image.ts';
import { Diagnostics, type Diagnostic } from './diagnostics.ts';
import { preprocess } from './macros.ts';
import { normalize } from './paths.ts';
import { buildImage, buildListing } from './output.ts';
import { parse } from './parser.ts';
import { resolve } from './resolver.ts';

export type { Diagnostic } from './diagnostics.ts';
export { formatDiagnostic } from './diagnostics.ts';
export { disassemble, disassembleImage } from './disassembler.ts';

export interface AssembleOptions {
  /** Name used in diagnostics and the source map; default '<input>'. */
  file?: string;
  /**
   * Reads `.include`d files (and, for assembleFile, the file itself). A missing file should throw
   * an error with code 'ENOENT' (as Node's fs does), so that the search goes on to the next
   * directory. The core has none of its own: node/files.ts gives Node's, a web page its own.
   */
  readFile?: (path: string) => string;
  /** One key per file for the include-cycle check; default: the path normalized (Node: path.resolve). */
  resolvePath?: (path: string) => string;
  /**
   * Directories a relative `.include` is looked up in, in order, after the including file's own
   * directory (that of `file`: the current directory for '<stdin>' or '<input>'), like cc -I.
   */
  includePath?: readonly string[];
  /**
   * Predefined `.equ` symbols (`-D NAME=VALUE` on the command line): each is a symbol of the
   * program, and the names are what `.ifdef`/`.ifndef` test.
   */
  defines?: Record<string, number>;
  /** Address of the first byte when the source has no `.org`; default 0x1000. */
  origin?: number;
}

export interface AssembleResult {
  /** Undefined iff there are errors. */
  image?: Image;
  diagnostics: Diagnostic[];
  /**
   * Address, words and source side by side, one row per 4 bytes emitted. Built when first read:
   * most callers never read it, and for a data-heavy source it costs more than assembling.
   */
  readonly listing: string;
}

export const DEFAULT_ORIGIN = 0x1000;

/** Without a reader of its own, an include names what is missing. */
function noReader(): string {
  throw new Error('no file reader was given to the assembler (AssembleOptions.readFile)');
}

export function assemble(source: string, options: AssembleOptions = {}): AssembleResult {
  const file = options.file ?? '<input>';
  const diagnostics = new Diagnostics();
  try {
    const lines = preprocess(source, {
      file, readFile: options.readFile ?? noReader, resolvePath: options.resolvePath ?? normalize, includePath: options.includePath ?? [], diagnostics,
      defined: new Set(Object.keys(options.defines ?? {})),
    });
    const statements = parse(lines, diagnostics);
    const layout = resolve(statements, { origin: options.origin ?? DEFAULT_ORIGIN, defines: options.defines ?? {} }, diagnostics);
    const image = diagnostics.errorCount === 0 ? buildImage(layout) : undefined;
    let listing: string | undefined;
    return {
      ...(image ? { image } : {}),
      diagnostics: diagnostics.sorted(),
      get listing() {
        return (listing ??= buildListing(layout));
      },
    };
  } catch (e) {
    // A bug in the assembler, not a mistake in the source: still report it as a diagnostic.
    const message = `internal assembler error: ${e instanceof Error ? e.message : String(e)}`;
    diagnostics.error({ file, line: 1, text: source.split('\n')[0] ?? '', seq: -1 }, 1, message);
    return { diagnostics: diagnostics.sorted(), listing: '' };
  }
}

export function assembleFile(path: string, options: Omit<AssembleOptions, 'file'> = {}): AssembleResult {
  const readFile = options.readFile ?? noReader;
  let source: string;
  try {
    source = readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    const diagnostic: Diagnostic = { file: path, line: 1, col: 1, message: `cannot read '${path}': ${reason}`, sourceLine: '', severity: 'error' };
    return { diagnostics: [diagnostic], listing: '' };
  }
  return assemble(source, { ...options, file: path, readFile });
}
