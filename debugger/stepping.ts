// Source-line steps, as a client that shows source asks for them (a DAP client's step in and step
// over): run the focused CPU until pc reaches another source line. A macro (ENTER, la, LOAD) is one
// line of many instructions; a trap ends a step in at the handler's entry (stepping into the
// kernel); a step over runs calls (jal/jalr writing ra) and system calls until they come back to
// the next instruction in the same context, and traps (a page fault the kernel fixes) until the
// code that trapped runs again. The `step` and `next` commands stay one instruction each.

import type { SourceLocation } from '../isa/image.ts';
import type { Debugger } from './debugger.ts';
import { advance } from './engine.ts';
import type { CpuView } from './target.ts';
import { CR } from '../isa/arch.ts';

const SP = 2;

/** Where the debugger places an address in the source, for comparing lines. */
function lineOf(dbg: Debugger, view: CpuView): string | undefined {
  const loc: SourceLocation | undefined = dbg.symbols[view.index]!.location(view.cpu.pc >>> 0, dbg.wordAt(view));
  return loc ? `${loc.file}:${loc.line}` : undefined;
}

/** The CPU's context: its mode and, in user mode, its address space. */
function contextOf(view: CpuView): string {
  return view.cpu.supervisor ? 'kernel' : `user ${view.cpu.cr[CR.PTBR]! >>> 0}`;
}

/** Step the focused CPU to the next source line: into calls and traps, or (`over`) over them. */
export async function stepLine(dbg: Debugger, over: boolean): Promise<void> {
  const view = dbg.view;
  const startLine = lineOf(dbg, view);
  const context = contextOf(view);
  /** Stepping over a call or a trap: where (and how deep in the stack) the code comes back. */
  let waiting: { readonly pc: number | undefined; readonly sp: number } | undefined;
  let call: { readonly pc: number; readonly sp: number } | undefined;
  await advance(dbg, {
    focusedOnly: true,
    before: (v, p) => {
      call = over && waiting === undefined && (p.isCall || p.mnemonic === 'syscall') && contextOf(v) === context
        ? { pc: (p.pc + 4) >>> 0, sp: v.cpu.regs[SP]! >>> 0 }
        : undefined;
    },
    after: (v, d) => {
      if (waiting === undefined && call !== undefined && (d.retired > 0 || d.traps > 0)) {
        waiting = call;
        if (d.traps === 0 && (v.cpu.pc >>> 0) === call.pc) waiting = undefined;
        else return undefined;
      }
      if (waiting !== undefined) {
        const back = contextOf(v) === context && (v.cpu.regs[SP]! >>> 0) >= waiting.sp && (waiting.pc === undefined || (v.cpu.pc >>> 0) === waiting.pc);
        if (!back) return undefined;
        waiting = undefined;
      } else if (d.traps > 0) {
        // A trap: step in stops at the handler's entry; step over waits for the code that trapped.
        if (!over) return '';
        waiting = { pc: undefined, sp: 0 };
        return undefined;
      }
      const line = lineOf(dbg, v);
      return line !== startLine || line === undefined ? '' : undefined;
    },
  });
}
