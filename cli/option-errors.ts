// node:util parseArgs's errors in vmmlab's words: one line, lower-case like every other message,
// and a hint for a misspelt option ("unknown option '--tlb-entires'; did you mean
// '--tlb-entries'?"). Only the wording changes here: which command lines are accepted is
// parseArgs's business (cli/options.ts, parseCommandLine).

import { closestName } from '../assembler/diagnostics.ts';

interface OptionSpec {
  readonly short?: string;
}

/** The message for an error parseArgs threw while reading `argv` against `options`. */
export function optionErrorMessage(error: Error & { code?: string }, argv: readonly string[], options: Readonly<Record<string, OptionSpec>>): string {
  const beforeDashDash = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const option = /^Unknown option '(.*?)'(\.|$)/.exec(error.message)?.[1];
      if (option !== undefined) return unknownOption(option, beforeDashDash, Object.keys(options));
      break;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const missing = /^Option '(.*) <value>' argument missing/.exec(error.message);
      if (missing) return `option '${missing[1]}' needs a value`;
      const flag = /^Option '(.*)' does not take an argument/.exec(error.message);
      if (flag) return `option '${flag[1]}' takes no value`;
      const ambiguous = /^Option '(.*?)' argument is ambiguous[\s\S]*use (.*)\.$/.exec(error.message);
      if (ambiguous) return ambiguousValue(ambiguous[1]!, ambiguous[2]!, beforeDashDash);
      break;
    }
  }
  return oneLine(error.message);
}

/**
 * `-tlb-entries` reaches parseArgs as a group of short options and fails at `-t`: name the word
 * the user typed, and compare it with the long names.
 */
function unknownOption(option: string, argv: readonly string[], names: readonly string[]): string {
  const word = option.startsWith('--') ? option : argv.find((a) => a.startsWith(option) && !a.startsWith('--') && a.length > 2) ?? option;
  const bare = word.replace(/^--?/, '').replace(/=.*$/s, '');
  // A single letter is one edit from every other: no hint.
  const hint = bare.length > 1 ? closestName(bare, names.filter((n) => n.length > 1)) : undefined;
  const shown = word.replace(/=.*$/s, '');
  return `unknown option '${shown}'${hint ? `; did you mean '--${hint}'?` : ''}`;
}

/** `--shard -1/2`: the value reads as an option; say how to give it (parseArgs's own examples). */
function ambiguousValue(option: string, examples: string, argv: readonly string[]): string {
  const at = argv.indexOf(option);
  const value = at >= 0 ? argv[at + 1] : undefined;
  if (value === undefined || !value.startsWith('-')) return `option '${option}' needs a value; one that starts with '-' is written ${examples}`;
  return `option '${option}' needs a value, and '${value}' reads as an option: write ${examples.split('-XYZ').join(value)}`;
}

function oneLine(message: string): string {
  const line = message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ');
  return line.charAt(0).toLowerCase() + line.slice(1);
}
