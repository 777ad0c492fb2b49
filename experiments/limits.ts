// The bounds of a study, in one place: the schema (config/study-schema.ts), the checks of
// meaning (study.ts) and the command line (cli/commands/exp.ts) all read them. Each is either a
// limit of the emulator or of the bundled kernel, or a bound far past any meaningful value, so
// that a typo (a few zeros too many) is an error at once and not a run that never ends.

/** Cells of one study, repetitions included: a day of one core at a second a cell; shard it. */
export const MAX_STUDY_CELLS = 100_000;

/** Repetitions differ only with tlbReplacement=random (repetition k uses seed k+1). */
export const MAX_REPETITIONS = 1000;

/** The instruction budget of one cell: ten billion is minutes of emulation. */
export const MAX_STUDY_INSTRUCTIONS = 10_000_000_000;

/** Guest memory of a cell (each VM's, or the native machine's RAM), a multiple of 4 KiB. */
export const MIN_STUDY_MEMORY = 64 << 10;
export const MAX_STUDY_MEMORY = 1 << 30;

/** The host memory of a virtualized cell (cell.ts): the VMs' memory, one more for tables, and 16 MiB. */
export function cellHostBytes(memoryBytes: number, vms: number): number {
  return memoryBytes * (vms + 1) + (16 << 20);
}

/** The largest physical memory the emulator builds (emulator/memory.ts: below the MMIO window). */
export const MAX_PHYSICAL_BYTES = 0xf0000000;

/** The bundled kernel's limits (guest-programs/kernel/param.inc): it panics past them. */
export const KERNEL_NPROC = 16;
export const KERNEL_MAXARG = 16;
