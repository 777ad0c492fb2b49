// Where the bundled programs sit inside guest-programs/, wherever that folder is: a directory on
// disk (config/bundled.ts) or the paths of a web page's map of it (experiments/in-memory.ts).
// Pure path names: the caller's `join` puts them under its root (Node's path.join, or the
// assembler's pure one in a browser), so that both find the kernel, the user programs and the
// library the same way.

/** The bundled kernel, user programs and library below guest-programs/. */
export const BUNDLED_LAYOUT = {
  kernelDir: 'kernel',
  kernelFile: 'kernel.s',
  userDir: 'user',
  libDir: 'lib',
} as const;

/** The places a study (and every command) looks for bundled files. */
export interface BundledPaths {
  /** The default guest kernel. */
  readonly kernel: string;
  /** Where a study's `kernel` is looked for when it is not beside the study. */
  readonly kernelDir: string;
  /** Where a bare module name (`primes.s`) is looked for when it is not beside the study. */
  readonly userDir: string;
  /** The bare-metal library (`console.inc`, `arch.inc`). */
  readonly libDir: string;
  /**
   * Searched for an `.include` after the including file's own directory and the -I directories,
   * in this order: `console.inc` (lib/) and `ulib.inc` (user/) work from any folder.
   */
  readonly includeDirs: readonly string[];
}

/** The bundled paths under `root` (the guest-programs/ folder), joined with the caller's `join`. */
export function bundledPaths(root: string, join: (dir: string, name: string) => string): BundledPaths {
  const kernelDir = join(root, BUNDLED_LAYOUT.kernelDir);
  const userDir = join(root, BUNDLED_LAYOUT.userDir);
  const libDir = join(root, BUNDLED_LAYOUT.libDir);
  return { kernel: join(kernelDir, BUNDLED_LAYOUT.kernelFile), kernelDir, userDir, libDir, includeDirs: [libDir, userDir] };
}
