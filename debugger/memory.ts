// Memory as the debugger sees it, in three address spaces: guest-virtual (through the guest's own
// page tables, walked here in software), guest-physical (`p:`) and host-physical (`h:`). On bare
// metal guest-physical and host-physical are both physical memory.
//
// Guest-virtual addresses go through the guest's own walk (inspect/walk.ts: the TV32 walk of
// isa/README.md section 6.2 without the permission check, a debugger may look at supervisor pages
// from anywhere) and without side effects: no A/D bits, no TLB, no statistics, no backing of
// guest frames. For what the hardware would do, with its TLB and its costs, see `translate`.

import { MMIO_BASE, MMIO_SIZE } from '../isa/arch.ts';
import { guestWalk } from '../inspect/walk.ts';
import { CommandError, hex8 } from './format.ts';
import type { CpuView, Target } from './target.ts';

export type Space = 'v' | 'p' | 'h';

export interface Address {
  readonly space: Space;
  readonly addr: number;
}

export const SPACE_NAMES: Record<Space, string> = { v: 'guest-virtual', p: 'guest-physical', h: 'host-physical' };

/** Guest-physical address of a virtual one (any permissions), or undefined when unmapped. */
export function virtualToGuestPhys(target: Target, view: CpuView, va: number): number | undefined {
  const walk = guestWalk(target, view, va);
  return walk.ok ? walk.guestPhys : undefined;
}

/** Where a debugger access lands: a host address (-1: an unbacked guest frame, reads as zero), or why it cannot. */
export type Resolved = { host: number } | { error: string };

export function resolve(target: Target, view: CpuView, address: Address): Resolved {
  const addr = address.addr >>> 0;
  if (address.space === 'h') {
    return addr < target.hostMemory.sizeBytes ? { host: addr } : { error: `${hex8(addr)} is outside host memory` };
  }
  let guestPhys = addr;
  if (address.space === 'v') {
    const walk = guestWalk(target, view, addr);
    if (!walk.ok) return { error: `${hex8(addr)} is not mapped: ${walk.fault}` };
    guestPhys = walk.guestPhys;
  }
  if (guestPhys >= MMIO_BASE && guestPhys < MMIO_BASE + MMIO_SIZE) return { error: `${hex8(addr)} is a device register (the debugger does not read devices)` };
  if (guestPhys >= target.memoryBytes(view)) return { error: `${hex8(addr)} is outside guest memory` };
  return { host: target.guestPhysToHost(view, guestPhys) };
}

/** A word (4-aligned below the address) or a byte, or the reason it cannot be read. */
export function readMemory(target: Target, view: CpuView, address: Address, size: 1 | 4): number | { error: string } {
  const r = resolve(target, view, size === 4 ? { space: address.space, addr: address.addr & ~3 } : address);
  if ('error' in r) return r;
  if (r.host < 0) return 0;
  const mem = target.hostMemory;
  return size === 4 ? mem.i32[r.host >>> 2]! >>> 0 : mem.u8[r.host]!;
}

/** A NUL-terminated string of at most `max` bytes. */
export function readString(target: Target, view: CpuView, address: Address, max = 256): string | { error: string } {
  let text = '';
  for (let i = 0; i < max; i++) {
    const b = readMemory(target, view, { space: address.space, addr: address.addr + i }, 1);
    if (typeof b !== 'number') return i === 0 ? b : text;
    if (b === 0) return text;
    text += String.fromCharCode(b);
  }
  return text;
}

/** A debugger store of 1, 2 or 4 bytes (aligned), bypassing the MMU and the VMM's write protection. */
export function writeMemory(target: Target, view: CpuView, address: Address, value: number, size: 1 | 2 | 4): void {
  if ((address.addr & (size - 1)) !== 0) throw new CommandError(`${hex8(address.addr)} is not aligned to ${size} bytes`);
  const r = resolve(target, view, address);
  if ('error' in r) throw new CommandError(r.error);
  let host = r.host;
  if (host < 0) {
    // An unbacked guest frame: back it now (the write is recorded, so a replay backs it the same way).
    const gpa = address.space === 'v' ? guestWalk(target, view, address.addr).guestPhys : address.addr >>> 0;
    host = target.guestPhysForWrite(view, gpa);
  }
  const mem = target.hostMemory;
  if (size === 1) mem.u8[host] = value;
  else if (size === 2) mem.u16[host >>> 1] = value;
  else mem.i32[host >>> 2] = value;
  mem.dirty[host >>> 12] = 1;
}

/**
 * Up to `count` bytes from an address on, page by page, as far as they can be read, and how
 * many unreadable bytes follow them (up to the next readable page or the end): what a client's
 * memory view asks for (DAP readMemory's data and `unreadableBytes`).
 */
export function readBytes(target: Target, view: CpuView, address: Address, count: number): { readonly bytes: Uint8Array; readonly unreadable: number } {
  const PAGE = 4096;
  const start = address.addr >>> 0;
  const end = start + count;
  const out: number[] = [];
  let unreadable = 0;
  for (let addr = start; addr < end;) {
    const pageEnd = Math.min(end, (Math.floor(addr / PAGE) + 1) * PAGE);
    const r = resolve(target, view, { space: address.space, addr });
    if ('error' in r) unreadable += pageEnd - addr;
    else if (unreadable > 0) break;
    else {
      const mem = target.hostMemory;
      for (let a = addr; a < pageEnd; a++) out.push(r.host < 0 ? 0 : mem.u8[r.host + (a - addr)]!);
    }
    addr = pageEnd;
  }
  return { bytes: Uint8Array.from(out), unreadable };
}
