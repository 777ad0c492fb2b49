// The files a study reads, as an interface the platform fills in: the workloads' sources and
// their `.include`s, images, and the bundled kernel and user programs. The experiments core
// (parsing, images, cells, reports) imports no node: module; node/experiments.ts gives it the
// disk (Node's fs and path, so that the CLI's paths and messages are Node's own), and
// experiments/in-memory.ts a web page's map of paths to texts (with the assembler's pure path
// arithmetic). Like the assembler's AssembleOptions.readFile, a reader throws when it cannot.

import type { BundledPaths } from '../config/bundled-layout.ts';

export type { BundledPaths } from '../config/bundled-layout.ts';

export interface StudyFiles {
  /** The bundled kernel, user programs and library in this file system. */
  readonly bundled: BundledPaths;
  /**
   * A source's text, for the assembler (AssembleOptions.readFile): throws when it cannot, an
   * error with code 'ENOENT' when there is no such file (an include search then goes on).
   */
  readonly readSource: (path: string) => string;
  /** Any other file's text (an assembled image's JSON); throws with the reason when it cannot. */
  readonly readText: (path: string) => string;
  /** Whether something is at `path` (a study's module or kernel is looked for in several places). */
  readonly exists: (path: string) => boolean;
  /**
   * `file` from `dir`, as an absolute path where the platform has one (Node: path.resolve); with
   * `dir` '.' it is also the key of the assembler's include-cycle check (AssembleOptions.resolvePath).
   */
  readonly resolve: (dir: string, file: string) => string;
  readonly join: (dir: string, name: string) => string;
  readonly isAbsolute: (path: string) => boolean;
}
