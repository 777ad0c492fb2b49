// Running one guest natively and under a pager, and saying how they differ: the machinery of
// `vmmlab check-pager` (node/check-pager.ts lists the checks). What is compared is only what the
// guest can see (isa/README.md 6.5): why it stopped, its exit code, console output, registers,
// pc, INSTRET, the control registers STATUS..TIMER, and all of guest RAM. Cycles and every other
// statistic legitimately differ, and are the pager's costs.
//
// When two runs differ, `firstDivergence` runs both again one instruction at a time, in lockstep,
// and returns the first instruction after which the guest's state differs (a register, the pc, a
// trap taken on one side only), or, for a difference in memory alone, the first instruction
// after which the first differing word differs. A guest that reads CYCLE would differ there too;
// none of the checked guests does.
//
// Platform-neutral: images come in assembled, results go out as plain data.

import { CR, PAGE_SIZE } from '../isa/arch.ts';
import type { Image } from '../isa/image.ts';
import { ACCESS } from '../isa/arch.ts';
import type { BootModule } from '../emulator/boot.ts';
import { STOP } from '../emulator/cpu.ts';
import { Machine } from '../emulator/machine.ts';
import type { PagerModule } from './pager.ts';
import { PagerError } from './pager-host.ts';
import { hashFrames, type Vm } from './vm.ts';
import { Vmm, type VmmOptions } from './vmm.ts';

/** One guest to run: a bare-metal program (no modules), or the kernel with boot modules. */
export interface GuestSpec {
  readonly name: string;
  readonly kernel: Image;
  readonly modules: readonly BootModule[];
  readonly memoryBytes: number;
  readonly maxInstructions: number;
}

/** What the guest can see of a run. */
export interface Seen {
  readonly reason: string;
  readonly exitCode: number;
  readonly console: string;
  /** r0..r15, unsigned. */
  readonly regs: readonly number[];
  readonly pc: number;
  readonly instructions: number;
  /** STATUS..TIMER (control registers 0 to 7), unsigned. */
  readonly crs: readonly number[];
  readonly memoryHash: string;
}

export interface NativeRun {
  readonly seen: Seen;
  readonly machine: Machine;
}

export interface VmRun {
  readonly seen: Seen;
  readonly vm: Vm;
  readonly vmm: Vmm;
  /** The pager's failure (PagerError message), when it stopped the guest. */
  readonly failure?: string;
  /** The VMM's isolation audit after the run. */
  readonly audit: readonly string[];
}

const CONTROL_REGISTERS = 8;

function seenOf(regs: Int32Array, pc: number, cr: Int32Array, rest: Pick<Seen, 'reason' | 'exitCode' | 'console' | 'instructions' | 'memoryHash'>): Seen {
  return { ...rest, regs: Array.from(regs, (r) => r >>> 0), pc: pc >>> 0, crs: Array.from(cr.subarray(0, CONTROL_REGISTERS), (r) => r >>> 0) };
}

/** A native machine in the state Vmm.addVm gives a VM of the guest: booted with its modules, or its segments loaded. */
export function nativeMachine(g: GuestSpec): Machine {
  const machine = new Machine({ memoryBytes: g.memoryBytes });
  if (g.modules.length > 0) {
    machine.boot(g.kernel, g.modules);
    return machine;
  }
  // As addVm loads a program without modules (segments only, then reset): copy that state.
  const vmm = new Vmm({ hostMemoryBytes: g.memoryBytes + 64 * 1024 });
  const { vm } = vmm.addVm({ name: 'loader', mode: 'shadow', memoryBytes: g.memoryBytes, kernel: g.kernel });
  machine.cpu.reset(g.kernel.entry, g.memoryBytes);
  for (let frame = 0; frame < g.memoryBytes / PAGE_SIZE; frame++) {
    const host = vm.backed(frame * PAGE_SIZE);
    if (host >= 0) machine.mem.u8.set(vmm.host.mem.u8.subarray(host, host + PAGE_SIZE), frame * PAGE_SIZE);
  }
  machine.cpu.regs.set(vm.cpu.regs);
  machine.cpu.pc = vm.cpu.pc;
  return machine;
}

export function runNative(g: GuestSpec): NativeRun {
  const machine = nativeMachine(g);
  const r = machine.run(g.maxInstructions);
  const mem = machine.mem;
  return {
    machine,
    seen: seenOf(machine.cpu.regs, machine.cpu.pc, machine.cpu.cr, {
      reason: r.reason,
      exitCode: r.exitCode,
      console: machine.devices.console.drainText('latin1'),
      instructions: r.instructions,
      memoryHash: hashFrames(mem.sizeBytes / PAGE_SIZE, (i) => mem.u8.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)),
    }),
  };
}

/** The VMM a check runs a guest on: room for the guest, its tables, and EPT large pages. */
export function checkVmm(g: GuestSpec, options: VmmOptions = {}): Vmm {
  return new Vmm({ hostMemoryBytes: g.memoryBytes * 2 + 16 * 1024 * 1024, ...options });
}

/** A VM of the guest under `pager` (default: the built-in pager of `mode`). A factory's failure throws PagerError. */
export function guestVm(g: GuestSpec, mode: 'shadow' | 'ept' | 'agile', pager: PagerModule | undefined, options: VmmOptions = {}): { vm: Vm; vmm: Vmm } {
  const vmm = checkVmm(g, options);
  const { vm } = vmm.addVm({ name: 'guest', mode, memoryBytes: g.memoryBytes, kernel: g.kernel, modules: g.modules, ...(pager ? { pager } : {}) });
  return { vm, vmm };
}

/**
 * Run the guest in a VM; a pager that fails while the guest runs stops it, and the failure is
 * part of the run. (A factory that fails throws its PagerError: nothing ran.)
 */
export function runVm(g: GuestSpec, mode: 'shadow' | 'ept' | 'agile', pager: PagerModule | undefined, options: VmmOptions = {}): VmRun {
  const { vm, vmm } = guestVm(g, mode, pager, options);
  let failure: string | undefined;
  let reason: string;
  try {
    reason = vmm.run(g.maxInstructions)[0]!.reason;
  } catch (e) {
    if (!(e instanceof PagerError)) throw e;
    failure = e.message;
    reason = 'stopped';
  }
  return { ...vmRun(vm, vmm, reason), ...(failure ? { failure } : {}) };
}

function vmRun(vm: Vm, vmm: Vmm, reason: string): VmRun {
  return {
    vm,
    vmm,
    audit: vmm.audit(),
    seen: seenOf(vm.cpu.regs, vm.cpu.pc, vm.cpu.cr, {
      reason,
      exitCode: vm.devices.exitCode,
      console: vm.devices.console.drainText('latin1'),
      instructions: vm.stats.instructions,
      memoryHash: vm.memoryHash(),
    }),
  };
}

/** What differs between two runs' views, by field ('reason', 'console', 'regs', …); empty when the guest saw the same. */
export function differences(native: Seen, other: Seen): string[] {
  const out: string[] = [];
  for (const key of ['reason', 'exitCode', 'console', 'pc', 'instructions', 'memoryHash'] as const) if (native[key] !== other[key]) out.push(key);
  if (native.regs.join() !== other.regs.join()) out.push('regs');
  if (native.crs.join() !== other.crs.join()) out.push('crs');
  return out;
}

/** The first word of guest RAM whose final value differs. */
export function firstMemoryDifference(machine: Machine, vm: Vm): { guestPhys: number; native: number; actual: number } | undefined {
  const mem = machine.mem.i32;
  for (let a = 0; a < vm.sizeBytes; a += 4) {
    const native = mem[a >>> 2]! >>> 0;
    const actual = (vm.peekWord(a) ?? 0) >>> 0;
    if (native !== actual) return { guestPhys: a, native, actual };
  }
  return undefined;
}

// ------------------------------------------------------------------ the first divergence

/** A trap one side took in the step. */
export interface TrapTaken {
  readonly cause: number;
  readonly badva: number;
}

export type Divergence =
  /** After instruction `instret` (the one at `pc`), a register, the pc or a control register differs. */
  | { readonly kind: 'state'; readonly instret: number; readonly pc: number; readonly word: number | undefined; readonly field: string; readonly native: number; readonly actual: number; readonly nativeTrap?: TrapTaken; readonly actualTrap?: TrapTaken }
  /** After instruction `instret`, the guest-physical word watched differs. */
  | { readonly kind: 'memory'; readonly instret: number; readonly pc: number; readonly word: number | undefined; readonly guestPhys: number; readonly native: number; readonly actual: number }
  /** One side stopped (halted, trap loop, …) and the other did not, or not the same way. */
  | { readonly kind: 'stop'; readonly instret: number; readonly pc: number; readonly native: string; readonly actual: string }
  /** The pager failed (PagerError) before any difference. */
  | { readonly kind: 'failure'; readonly instret: number; readonly message: string };

const REGISTER_NAMES = ['zero', 'ra', 'sp', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 's0', 's1', 's2', 's3'];
const CR_FIELD_NAMES = ['status', 'ptbr', 'evec', 'epc', 'cause', 'badva', 'scratch', 'timer'];

function trapsOf(stats: { readonly traps: ArrayLike<number> }): number {
  let n = 0;
  for (let i = 0; i < stats.traps.length; i++) n += stats.traps[i]!;
  return n;
}

function nativeStop(code: number): string | undefined {
  switch (code) {
    case STOP.HALT: return 'halted';
    case STOP.TRAP_LOOP: return 'trap-loop';
    case STOP.WFI_DEADLOCK: return 'wfi-deadlock';
    case STOP.REQUESTED: return 'stopped';
    default: return undefined;
  }
}

/** The instruction word at a virtual pc of the native machine, without side effects. */
function nativeWordAt(machine: Machine, pc: number): number | undefined {
  const p = machine.mmu.probe(pc, ACCESS.FETCH);
  return p.ok && p.hostPhys + 4 <= machine.mem.sizeBytes ? machine.mem.i32[p.hostPhys >>> 2]! >>> 0 : undefined;
}

/**
 * Run the guest natively and in a VM one instruction at a time, and return the first
 * difference: in the registers, pc and control registers, or (with `watch`, a guest-physical
 * word address) in that word. Undefined when the two agree to the end.
 */
export function firstDivergence(g: GuestSpec, mode: 'shadow' | 'ept' | 'agile', pager: PagerModule | undefined, options: VmmOptions = {}, watch?: number): Divergence | undefined {
  const machine = nativeMachine(g);
  let built: { vm: Vm; vmm: Vmm };
  try {
    built = guestVm(g, mode, pager, options);
  } catch (e) {
    if (e instanceof PagerError) return { kind: 'failure', instret: 0, message: e.message };
    throw e;
  }
  const { vm, vmm } = built;
  const n = machine.cpu;
  const v = vm.cpu;
  const watched = (): [number, number] => [machine.mem.i32[watch! >>> 2]! >>> 0, (vm.peekWord(watch!) ?? 0) >>> 0];
  for (let step = 0; step < g.maxInstructions; step++) {
    const pc = n.pc >>> 0;
    const word = nativeWordAt(machine, pc);
    const instret = machine.stats.instructions + 1;
    const nativeTraps = trapsOf(machine.stats);
    const vmTraps = trapsOf(vm.stats);
    const stopped = nativeStop(n.run(1));
    try {
      vmm.runSlice(vm, 1);
    } catch (e) {
      if (e instanceof PagerError) return { kind: 'failure', instret, message: e.message };
      throw e;
    }
    const trapN = trapsOf(machine.stats) > nativeTraps ? { cause: n.cr[CR.CAUSE]! >>> 0, badva: n.cr[CR.BADVA]! >>> 0 } : undefined;
    const trapV = trapsOf(vm.stats) > vmTraps ? { cause: v.cr[CR.CAUSE]! >>> 0, badva: v.cr[CR.BADVA]! >>> 0 } : undefined;
    const state = (field: string, a: number, b: number): Divergence => ({
      kind: 'state', instret, pc, word, field, native: a >>> 0, actual: b >>> 0, ...(trapN ? { nativeTrap: trapN } : {}), ...(trapV ? { actualTrap: trapV } : {}),
    });
    if ((n.pc >>> 0) !== (v.pc >>> 0)) return state('pc', n.pc, v.pc);
    for (let r = 1; r < 16; r++) if (n.regs[r] !== v.regs[r]) return state(REGISTER_NAMES[r]!, n.regs[r]!, v.regs[r]!);
    for (let c = 0; c < CONTROL_REGISTERS; c++) if (n.cr[c] !== v.cr[c]) return state(CR_FIELD_NAMES[c]!, n.cr[c]!, v.cr[c]!);
    if (watch !== undefined) {
      const [a, b] = watched();
      if (a !== b) return { kind: 'memory', instret, pc, word, guestPhys: watch, native: a, actual: b };
    }
    const vmStopped = vm.stopped === 'max-instructions' ? undefined : vm.stopped;
    if (stopped !== undefined || vmStopped !== undefined) {
      if (stopped === vmStopped) return undefined;
      return { kind: 'stop', instret, pc, native: stopped ?? 'running', actual: vmStopped ?? 'running' };
    }
  }
  return undefined;
}
