// The command that gives the guest console input: under the debugger stdin carries commands,
// so the console's input comes from `input` instead. The bytes go to the focused CPU's console
// (with several VMs, the focused VM's) and are recorded in the history like `set`, so replays
// (reverse-step, restore) queue them again at the same point. A CPU stopped in wfi for want of
// an interrupt can run again once it has input.

import { END_OF_INPUT } from '../emulator/devices.ts';
import type { Command } from './commands.ts';
import type { Debugger } from './debugger.ts';
import { CommandError, plural } from './format.ts';

const ESCAPES: Readonly<Record<string, number>> = {
  n: 0x0a, t: 0x09, r: 0x0d, '0': 0x00, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b, e: 0x1b, '\\': 0x5c, '"': 0x22, "'": 0x27,
};

/**
 * The bytes TEXT stands for: UTF-8, with C escapes (\n \t \r \0 \a \b \f \v \e \\ \" \' and
 * \xHH for any byte); a TEXT in double quotes loses them (to give leading or trailing blanks).
 */
export function decodeInputText(text: string): number[] {
  const body = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const code = body.codePointAt(i)!;
      const char = String.fromCodePoint(code);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new CommandError('input: a \\ at the end of the text (write \\\\ for a backslash)');
    if (e === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1))?.[0];
      if (hex === undefined) throw new CommandError('input: \\x takes one or two hex digits');
      bytes.push(parseInt(hex, 16));
      i += hex.length;
      continue;
    }
    const byte = ESCAPES[e];
    if (byte === undefined) throw new CommandError(`input: unknown escape \\${e} (see 'help input')`);
    bytes.push(byte);
  }
  return bytes;
}

/** Bytes as the user would type them back: printable ASCII as is, the rest as escapes. */
export function showInputBytes(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const named = Object.entries(ESCAPES).find(([k, v]) => v === b && k !== "'" && k !== '0' && k !== 'e');
    if (b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x22) out += String.fromCharCode(b);
    else if (named) out += `\\${named[0]}`;
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `"${out}"`;
}

function input(dbg: Debugger, args: string[]): void {
  const view = dbg.view;
  const who = dbg.multiple ? `${view.name}'s console` : 'the console';
  if (args.length === 0) {
    const waiting = dbg.target.pendingConsoleInput(view);
    dbg.print(waiting.length === 0 ? `${who}: no input waiting` : `${who}: ${plural(waiting.length, 'byte')} waiting, not read yet: ${showInputBytes(waiting)}`);
    return;
  }
  const text = args[0]!;
  const bytes = text === '-' ? [END_OF_INPUT] : decodeInputText(text);
  if (bytes.length === 0) throw new CommandError('input: no bytes (input TEXT, or input - for the end of input)');
  const wasWaiting = dbg.target.stopState(view) === 'wfi-deadlock';
  dbg.mutate({ kind: 'console-input', cpu: view.index, bytes });
  const what = text === '-' ? 'the end of input (^D)' : `${plural(bytes.length, 'byte')} ${showInputBytes(bytes)}`;
  dbg.print(`queued ${what} for ${who}${wasWaiting ? `; ${dbg.multiple ? view.name : 'the machine'} was waiting for it in wfi and can go on` : ''}`);
}

export const CONSOLE_COMMANDS: readonly Command[] = [
  {
    name: 'input', usage: 'input [TEXT|-]', verbatim: true,
    summary: 'queue console input for the focused CPU (- : the end of input)',
    help: `input TEXT   queue TEXT's bytes (UTF-8) for the guest's console: the rest of the line as
             typed, with C escapes (\\n \\t \\r \\0 \\\\ \\" \\xHH …); no newline is added, so a
             line for the bundled kernel's read() ends in \\n. In "double quotes", leading and
             trailing blanks count.
input -      queue a ^D: the end of input, as vmmlab run sends it after piped input
input        show the bytes queued and not read by the guest yet
The bytes are recorded: replays (reverse-step, restore) queue them again at the same point.`,
    run: input,
  },
];
