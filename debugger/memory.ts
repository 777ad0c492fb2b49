// Memory as the debugger sees it, in three address spaces: guest-virtual (through the guest's own
// page tables, walked here in software), guest-physical (`p:`) and host-physical (`h:`). On bare
// metal guest-physical and host-physical are both physical memory.
//
// The walk here is the TV32 walk of isa/README.md section 6.2 without the permission check (a
// debugger may look at supervisor pages from anywhere) and without side effects: no A/D bits,
// no TLB, no statistics, no backing of guest frames. For what the hardware would do, with its
// TLB and its costs, the `translate` command asks the MMU itself (mmu.probe).

import { MMIO_BASE, MMIO_SIZE, PTE } from '../isa/arch.ts';
import { CommandError, hex8 } from './format.ts';
import type { CpuView, Target } from './target.ts';

export type Space = 'v' | 'p' | 'h';

export interface Address {
  readonly space: Space;
  readonly addr: number;
}

export const SPACE_NAMES: Record<Space, string> = { v: 'guest-virtual', p: 'guest-physical', h: 'host-physical' };

export interface GuestWalkStep {
  readonly level: number;
  /** Guest-physical address of the entry. */
  readonly entryAddr: number;
  readonly value: number;
}

export interface GuestWalk {
  /** Guest paging on (STATUS.PG)? Off: virtual = guest-physical. */
  readonly paging: boolean;
  readonly root: number;
  readonly steps: GuestWalkStep[];
  readonly ok: boolean;
  readonly guestPhys: number;
  readonly pageShift: number;
  /** The leaf entry (all of V W X U G A D with paging off). */
  readonly leaf: number;
  /** Why the walk failed, in words. */
  readonly fault?: string;
}

const PAGING_OFF_LEAF = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;

/** The guest's own two-level walk for `va`, read from guest-physical memory. */
export function guestWalk(target: Target, view: CpuView, va: number): GuestWalk {
  va >>>= 0;
  const { on, root } = target.guestPaging(view);
  if (!on) return { paging: false, root, steps: [], ok: true, guestPhys: va, pageShift: 12, leaf: PAGING_OFF_LEAF };
  const steps: GuestWalkStep[] = [];
  const fail = (fault: string): GuestWalk => ({ paging: true, root, steps, ok: false, guestPhys: 0, pageShift: 12, leaf: 0, fault });
  // Steps 1-3: the level-1 entry.
  const pdeAddr = (root + (va >>> 22) * 4) >>> 0;
  const pde = target.readGuestPhysWord(view, pdeAddr);
  if (pde === undefined) return fail(`level-1 entry at ${hex8(pdeAddr)} is outside guest memory (bus error)`);
  steps.push({ level: 0, entryAddr: pdeAddr, value: pde >>> 0 });
  if (!(pde & PTE.V)) return fail('level-1 entry not present (V = 0)');
  if (pde & PTE.L) {
    if (pde & 0x003ff000) return fail('superpage entry with a misaligned frame');
    const gpa = ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0;
    return { paging: true, root, steps, ok: true, guestPhys: gpa, pageShift: 22, leaf: pde };
  }
  // Steps 4-5: the level-2 entry.
  const pteAddr = ((pde & PTE.FRAME_MASK) + ((va >>> 12) & 1023) * 4) >>> 0;
  const pte = target.readGuestPhysWord(view, pteAddr);
  if (pte === undefined) return fail(`level-2 entry at ${hex8(pteAddr)} is outside guest memory (bus error)`);
  steps.push({ level: 1, entryAddr: pteAddr, value: pte >>> 0 });
  if (!(pte & PTE.V)) return fail('level-2 entry not present (V = 0)');
  return { paging: true, root, steps, ok: true, guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0, pageShift: 12, leaf: pte };
}

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
}
