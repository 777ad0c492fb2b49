// Errors the CLI reports as one clear line and an exit code, never a stack trace.

// The settings of a machine are parsed outside the CLI (session/settings.ts, shared with the
// playground), and their errors are the CLI's: one class.
export { SettingsError as CliError } from '../session/settings.ts';

/** Exit codes of `vmmlab run` besides the guest's own power-off code. */
export const EXIT_CODES = {
  /** Bad command line. */
  USAGE: 2,
  /** Assembly errors, unreadable or unloadable image. */
  INPUT: 1,
  /** The guest ran out of its instruction budget. */
  MAX_INSTRUCTIONS: 124,
  /** The guest waited for an interrupt that can never come. */
  WFI_DEADLOCK: 125,
  /** Traps without end: the guest's trap handler faults. */
  TRAP_LOOP: 126,
  /** Stopped by Ctrl-C. */
  INTERRUPTED: 130,
} as const;
