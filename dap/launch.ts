// A DAP launch request's arguments as `vmmlab debug`'s command line: every option of `vmmlab run`
// is a launch attribute, named in camelCase (`--tlb-entries 16` is "tlbEntries": 16, `--module`
// is "modules": [...], `--vm` is "vms": [...]), so the adapter plans the machine exactly as the
// command line does (cli/commands/debug.ts planTarget, over cli/commands/run.ts planSession).
// "args" passes further command-line words as they are. The attribute list here is what the VS
// Code extension declares (editors/vscode/package.json; a test keeps the two the same).

import { RUN_OPTIONS } from '../cli/commands/run.ts';

/** Options of run that mean nothing under a debugger (the REPL's help says so too). */
const NOT_FOR_DEBUGGING = new Set(['help', 'stats', 'json']);

/** Attribute names that are not the option's camelCase. */
const RENAMED: Readonly<Record<string, string>> = { module: 'modules', vm: 'vms' };

export interface RunAttribute {
  /** The launch attribute. */
  readonly attribute: string;
  /** The command-line option it stands for, without the dashes. */
  readonly option: string;
  readonly type: 'string' | 'boolean';
  readonly multiple: boolean;
}

const camel = (option: string) => option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Every run option as a launch attribute. */
export const RUN_ATTRIBUTES: readonly RunAttribute[] = Object.entries(RUN_OPTIONS)
  .filter(([option]) => !NOT_FOR_DEBUGGING.has(option))
  .map(([option, spec]) => ({
    attribute: RENAMED[option] ?? camel(option),
    option,
    type: spec.type,
    multiple: 'multiple' in spec && spec.multiple === true,
  }));

/** The attributes of the launch request that are the adapter's own. */
export interface LaunchOwn {
  /** The kernel or bare-metal program (FILE.s or an image); optional with "machine". */
  readonly program?: string;
  /** Where relative paths start (VS Code passes the workspace folder). */
  readonly cwd?: string;
  /** Stop before the first instruction (default: run to the first breakpoint). */
  readonly stopOnEntry?: boolean;
  /** More command-line words for vmmlab debug, as typed: ["--set", "walkRefCycles=40"]. */
  readonly args?: readonly string[];
}

export type LaunchArguments = LaunchOwn & Record<string, unknown>;

/** A launch request's arguments → `vmmlab debug`'s argv; a wrong attribute type is an error message. */
export function launchArgv(args: LaunchArguments): { argv: string[] } | { error: string } {
  const argv: string[] = [];
  if (args.program !== undefined) {
    if (typeof args.program !== 'string') return { error: '"program" must be a file name' };
    argv.push(args.program);
  }
  for (const a of RUN_ATTRIBUTES) {
    const value = args[a.attribute];
    if (value === undefined || value === null) continue;
    const flag = `--${a.option}`;
    if (a.type === 'boolean') {
      if (typeof value !== 'boolean') return { error: `"${a.attribute}" must be true or false` };
      if (value) argv.push(flag);
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (!a.multiple && values.length !== 1) return { error: `"${a.attribute}" takes one value` };
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number') return { error: `"${a.attribute}" takes ${a.multiple ? 'strings' : 'a string or a number'}` };
      argv.push(flag, String(v));
    }
  }
  if (args.args !== undefined) {
    if (!Array.isArray(args.args) || !args.args.every((w) => typeof w === 'string')) return { error: '"args" must be a list of strings' };
    argv.push(...args.args);
  }
  return { argv };
}
