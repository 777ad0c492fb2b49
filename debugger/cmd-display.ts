// gdb's automatic display and its backtrace: `display[/FMT] EXPR` shows EXPR after every stop
// (debugger.ts showDisplays; the engine calls it once a movement ends), `undisplay` and
// `info display` manage the list; `backtrace` (bt, where) formats the frames backtrace.ts finds.

import type { Command } from './commands.ts';
import type { Debugger } from './debugger.ts';
import { VALUE_FORMATS } from './debugger.ts';
import { backtrace, type Frame } from './backtrace.ts';
import { CommandError, columns, hex8, parseCount, plural } from './format.ts';
import { shortLocation } from './symbols.ts';

/** The display formats x takes: a count, a format letter (x d u c i s) and a unit (b h w). */
const X_FORMAT = /^\d*[xducisbhw]*$/;

function display(dbg: Debugger, args: string[], suffix: string): void {
  if (args.length === 0) {
    if (suffix !== '') throw new CommandError('usage: display[/FMT] EXPR');
    dbg.showDisplays();
    return;
  }
  if (!X_FORMAT.test(suffix)) throw new CommandError(`display/${suffix}: FMT is as x takes it (x/N F U), or x, d or u for a value`);
  const expr = args[0]!;
  // Check it now, as break … if does: a typo is an error here, not at every stop.
  if (VALUE_FORMATS.includes(suffix)) dbg.evaluateValue(expr, dbg.view, false);
  const d = { id: dbg.nextDisplay++, expr, format: suffix, enabled: true };
  dbg.displays.push(d);
  // Show the new one at once, as gdb does.
  dbg.showDisplays([d]);
}

export function undisplay(dbg: Debugger, args: string[]): void {
  if (args.length === 0) {
    const n = dbg.displays.length;
    dbg.displays.length = 0;
    dbg.print(`deleted ${plural(n, 'display')}`);
    return;
  }
  const wanted = args.flatMap((a) => {
    const range = /^(\d+)-(\d+)$/.exec(a);
    if (range) return Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i);
    if (!/^\d+$/.test(a)) throw new CommandError(`'${a}' is not a display number`);
    return [Number(a)];
  });
  for (const id of wanted) if (!dbg.displays.some((d) => d.id === id)) throw new CommandError(`no display ${id}`);
  for (const id of wanted) dbg.displays.splice(dbg.displays.findIndex((d) => d.id === id), 1);
}

/** `info display`. */
export function infoDisplay(dbg: Debugger): void {
  if (dbg.displays.length === 0) return dbg.print('no displays');
  const rows = [['#', 'on', 'expression']];
  for (const d of dbg.displays) rows.push([String(d.id), d.enabled ? 'y' : 'n', `${d.format ? `/${d.format} ` : ''}${d.expr}`]);
  for (const line of columns(rows)) dbg.print(line);
}

/** One frame as bt prints it: `#1  0x00001a10 in uvmalloc+40 at vm.s:200`. */
export function frameLine(frame: Frame): string {
  const where = frame.symbol ? ` in ${frame.symbol}` : '';
  const at = frame.location ? ` at ${shortLocation(frame.location)}` : '';
  return `#${frame.level}  ${hex8(frame.pc)}${where}${at}`;
}

function bt(dbg: Debugger, args: string[]): void {
  if (args.length > 1) throw new CommandError('usage: backtrace [N]');
  const limit = parseCount(args[0], 'backtrace N', 64);
  const view = dbg.view;
  const trace = backtrace(dbg, view, limit);
  for (const frame of trace.frames) {
    if (frame.trap) dbg.print(`    -- trap: ${frame.trap.causeName}; the handler was entered from here --`);
    dbg.print(frameLine(frame));
  }
  dbg.print(`(${trace.end})`);
}

export const DISPLAY_COMMANDS: readonly Command[] = [
  {
    name: 'display', usage: 'display[/FMT] [EXPR]', verbatim: true, summary: 'show EXPR after every stop (alone: show them all now)',
    help: 'display EXPR        its value as print shows it (hex and decimal): display a0, display *$sp\n' +
      'display/x EXPR      hex only (/d signed, /u unsigned decimal)\n' +
      'display/FMT ADDR    memory as x/FMT shows it: display/i $pc, display/4xw $sp, display/s msg\n' +
      'Each display is numbered; undisplay N deletes one, info display lists them, disable display N\nand enable display N turn one off and on.',
    complete: (dbg) => dbg.symbols[dbg.focus]!.names(), run: display,
  },
  { name: 'undisplay', usage: 'undisplay [N…]', summary: 'delete displays (all without N; also delete display N…)', run: undisplay },
  {
    name: 'backtrace', aliases: ['bt', 'where'], usage: 'backtrace [N]', summary: 'the call stack: each frame\'s routine and source line',
    help: 'Frames are found from the code, as the TV32 calling convention makes them (ENTER/LEAVE in the\nkernel, addi sp/sw ra in user programs): frame 0 is where pc is, each caller is shown at its\ncall instruction. A frame entered by a trap is marked, and the walk goes on in the code the trap\ninterrupted (at EPC) when its registers can be found: at the handler\'s entry, or from the\nbundled kernel\'s trap frame. The last line says why the walk ends. N: at most N frames.',
    run: bt,
  },
];
