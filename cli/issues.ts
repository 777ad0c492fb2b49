// Printing a bad configuration file's issues the way `vmmlab asm` prints diagnostics: one
// `FILE: error: /json/path: message` line each on stderr, then one summary CliError (exit 1, bad
// input). Every loader of a user's file ends here, so that no file reaches an internal error.

import { ConfigError, formatIssue } from '../config/issues.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { red, useColor } from './format.ts';

/** Print the issues of `e` and return the CliError that ends the command (`nothing run`, …). */
export function reportIssues(e: ConfigError, outcome: string): CliError {
  if (e.issues.length === 0 || e.where === undefined) return new CliError(e.message, EXIT_CODES.INPUT);
  const label = red(useColor(process.stderr), 'error:');
  process.stderr.write(e.issues.map((i) => `${formatIssue(e.where!, i, label)}\n`).join(''));
  const n = e.issues.filter((i) => !i.more).length;
  const count = e.issues.some((i) => i.more) ? `more than ${n} errors` : `${n} error${n === 1 ? '' : 's'}`;
  return new CliError(`${e.where}: ${count}; ${outcome}`, EXIT_CODES.INPUT);
}
