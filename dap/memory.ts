// Memory for a DAP client: readMemory, writeMemory and disassemble, in the debugger's three
// address spaces. A memory reference is an address as the REPL takes it: guest-virtual by default
// (`0x00400000`, a symbol, `$sp`), `p:` guest-physical, `h:` host-physical. Reads go through the
// engine's reader (no side effects); writes are recorded changes, as `set mem` makes them, so a
// replay (step back) makes them again; instructions come as the REPL's `disas` shows them.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Debugger } from '../debugger/debugger.ts';
import { CommandError, hex8 } from '../debugger/format.ts';
import { readBytes, type Address } from '../debugger/memory.ts';
import { parseAddress } from '../debugger/symbols.ts';
import { sourceOf } from './sources.ts';

/** At most this much per readMemory (a client pages through larger views). */
const MAX_READ_BYTES = 1 << 20;

export function parseReference(dbg: Debugger, reference: string, offset = 0): Address {
  const a = parseAddress(reference, dbg.exprContext());
  return { space: a.space, addr: (a.addr + offset) >>> 0 };
}

/** A reference to an address in the same space as `a` (for the response's `address`). */
function referenceOf(a: Address): string {
  return `${a.space === 'v' ? '' : `${a.space}:`}${hex8(a.addr)}`;
}

export function readMemoryResponse(dbg: Debugger, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const start = parseReference(dbg, args.memoryReference, args.offset ?? 0);
  if (args.count > MAX_READ_BYTES) throw new CommandError(`readMemory reads at most ${MAX_READ_BYTES} bytes at a time`);
  const { bytes, unreadable } = readBytes(dbg.target, dbg.view, start, args.count);
  return { address: referenceOf(start), data: Buffer.from(bytes).toString('base64'), ...(unreadable > 0 ? { unreadableBytes: unreadable } : {}) };
}

/** Write bytes as recorded changes (set mem/b), each checked as the REPL checks it. */
export function writeMemoryRequest(dbg: Debugger, args: DebugProtocol.WriteMemoryArguments): DebugProtocol.WriteMemoryResponse['body'] {
  const start = parseReference(dbg, args.memoryReference, args.offset ?? 0);
  const bytes = Buffer.from(args.data, 'base64');
  let written = 0;
  for (const b of bytes) {
    try {
      dbg.mutate({ kind: 'set-mem', cpu: dbg.focus, space: start.space, addr: (start.addr + written) >>> 0, size: 1, value: b });
    } catch (e) {
      if (!(e instanceof CommandError) || !args.allowPartial || written === 0) throw e;
      break;
    }
    written++;
  }
  return { offset: 0, bytesWritten: written };
}

export function disassembleResponse(dbg: Debugger, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembleResponse['body'] {
  const base = parseReference(dbg, args.memoryReference, args.offset ?? 0);
  if (base.space !== 'v') throw new CommandError('disassemble reads guest-virtual addresses');
  const view = dbg.view;
  const first = (base.addr & ~3) + (args.instructionOffset ?? 0) * 4;
  const instructions: DebugProtocol.DisassembledInstruction[] = [];
  let lastFile: string | undefined;
  for (let i = 0; i < args.instructionCount; i++) {
    const at = first + i * 4;
    if (at < 0 || at > 0xfffffffc) {
      instructions.push({ address: hex8(Math.max(0, Math.min(at, 0xfffffffc))), instruction: '', presentationHint: 'invalid' });
      continue;
    }
    const info = dbg.instructionInfo(view, at);
    const word = info.word;
    const item: DebugProtocol.DisassembledInstruction = {
      address: hex8(at),
      instruction: info.text,
      ...(word !== undefined ? { instructionBytes: [0, 8, 16, 24].map((s) => ((word >>> s) & 0xff).toString(16).padStart(2, '0')).join(' ') } : { presentationHint: 'invalid' }),
    };
    if (args.resolveSymbols !== false && info.symbol !== undefined) item.symbol = info.symbol;
    if (info.location) {
      // The file may be left out where it is the previous instruction's (the protocol says so).
      if (info.location.file !== lastFile || i === 0) item.location = sourceOf(info.location);
      item.line = info.location.line;
      lastFile = info.location.file;
    }
    instructions.push(item);
  }
  return { instructions };
}
