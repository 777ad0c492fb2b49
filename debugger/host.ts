// What the debugger needs from the platform it runs on, handed in by whoever starts it: the CLI
// (cli/commands/debug.ts: files from disk, VMMLAB_DEBUG) or a web worker (the files it was
// given). The engine itself reads no file and no environment, so it runs in either.

export interface DebugHost {
  /** A text file (a script for `source`, a source file for listings), or why it cannot be read. */
  readText(file: string): { readonly text: string } | { readonly error: string };
  /** Internal errors print their stack, not only their message (the CLI's VMMLAB_DEBUG). */
  readonly stackTraces: boolean;
}

/** No files at all: scripts cannot be sourced and listings show no source text. */
export const NO_FILES: DebugHost = {
  readText: () => ({ error: 'no files here' }),
  stackTraces: false,
};
