// Helpers for the debugger's tests: the bundled kernel's command line, scripted sessions through
// the library (runScript: the same code path as `vmmlab debug --batch` with stdin), and a live
// debugger whose output can be read between commands (for tests that need a value printed by
// one command in the next).

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDebugger, runScript } from '../../cli/commands/debug.ts';
import type { Debugger } from '../../debugger/debugger.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KERNEL = path.join(REPO, 'guest-programs/kernel/kernel.s');

/** The kernel with one user program; small memory keeps boot short (kinit frees every frame). */
export function kernelArgs(module = 'sbrkchurn.s:2', ...more: string[]): string[] {
  return [KERNEL, '--module', module, '--memory', '4M', ...more];
}

export async function session(argv: string[], script: string): Promise<{ output: string; exitCode: number }> {
  return runScript(argv, script);
}

/** A debugger to drive command by command; `run` returns what that command printed. */
export function live(argv: string[]): { dbg: Debugger; run(line: string): Promise<string>; all(): string } {
  let output = '';
  const dbg = openDebugger(argv, { write: (t) => void (output += t), color: false });
  return {
    dbg,
    async run(line: string) {
      const start = output.length;
      await dbg.execute(line);
      return output.slice(start);
    },
    all: () => output,
  };
}

/** The text a command printed in a transcript: the lines after its echoed prompt line, up to the next prompt. */
export function outputOf(transcript: string, command: string, nth = 0): string {
  const lines = transcript.split('\n');
  let seen = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^vmmlab\[[^\]]*\]> /.test(lines[i]!) && lines[i]!.replace(/^vmmlab\[[^\]]*\]> /, '') === command && ++seen === nth) {
      const out: string[] = [];
      for (let j = i + 1; j < lines.length && !/^vmmlab\[[^\]]*\]> /.test(lines[j]!); j++) out.push(lines[j]!);
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      return out.join('\n');
    }
  }
  throw new Error(`command '${command}' (#${nth}) not in the transcript:\n${transcript}`);
}
