// The environments of the adversarial campaign and how one program is run in each: natively
// (the reference, and a native machine with a tiny TLB), under shadow paging (both sync designs,
// a one-root cache, a page-walk cache without ASID tagging), under EPT (1 to 4 levels, large
// pages, a page-walk cache, VPIDs), under dynamic mode (switched between the two at random
// points) and as one of two VMs sharing a host with a small quantum, so that VM switches (with and
// without VPIDs) and design switches land in the middle of everything.
//
// What is collected is only what the guest can see (isa/README.md): why it stopped, the exit
// code, console output, registers, pc, INSTRET, the control registers STATUS..TIMER and all of
// guest RAM. CYCLE/CYCLEH (which count VM exits, isa/README.md 10), TLB contents and statistics
// legitimately differ and are not collected.
//
// This module drives only the public Machine and Vmm APIs.

import type { Image } from '../../../isa/image.ts';
import { CR, PAGE_SIZE } from '../../../isa/arch.ts';
import { STOP } from '../../../emulator/cpu.ts';
import { Machine } from '../../../emulator/machine.ts';
import { TlbRuleChecker, type TlbRuleViolation } from '../../../emulator/tlb-rules.ts';
import { DEFAULT_MMU, type MmuConfig } from '../../../emulator/mmu.ts';
import type { Vm, VmMode } from '../../../hypervisor/vm.ts';
import { DEFAULT_AGILE } from '../../../hypervisor/agile.ts';
import { DEFAULT_DYNAMIC } from '../../../hypervisor/dynamic.ts';
import { Vmm, type VmmOptions } from '../../../hypervisor/vmm.ts';
import { MiB, WATCHDOG_REASON, installWatchdog } from '../harness.ts';

export { MiB };

/** What the guest can see of a run. */
export interface Seen {
  readonly reason: string;
  readonly exitCode: number;
  readonly console: string;
  /** r0..r15, unsigned. */
  readonly regs: readonly number[];
  readonly pc: number;
  /** INSTRET. */
  readonly instructions: number;
  /** Control registers 0..7 (STATUS, PTBR, EVEC, EPC, CAUSE, BADVA, SCRATCH, TIMER), unsigned. */
  readonly crs: readonly number[];
  /** Guest-physical RAM (views of the machine's or host's memory, not copies: runs are not reused). */
  readonly ram: GuestRam;
  /** Isolation audit of the host (empty natively and when sound). */
  readonly audit: readonly string[];
}

/** Guest RAM, frame by frame: a frame the VM never backed reads as zeros. */
export class GuestRam {
  constructor(readonly sizeBytes: number, private readonly frameBytes: (frame: number) => Uint8Array | undefined) {}

  frame(frame: number): Uint8Array | undefined {
    return this.frameBytes(frame);
  }

  word(address: number): number {
    const bytes = this.frameBytes(address >>> 12);
    if (bytes === undefined) return 0;
    const o = address & 0xfff;
    return (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
  }

  /** Frames whose contents differ (an unbacked frame equals a zero frame). */
  differingFrames(other: GuestRam): number[] {
    const out: number[] = [];
    for (let f = 0; f < this.sizeBytes / PAGE_SIZE; f++) {
      const a = this.frame(f) ?? ZERO_FRAME;
      const b = other.frame(f) ?? ZERO_FRAME;
      if (Buffer.compare(a, b) !== 0) out.push(f);
    }
    return out;
  }
}

const ZERO_FRAME = new Uint8Array(PAGE_SIZE);

export interface Variant {
  readonly label: string;
  readonly kind: 'native' | 'vm' | 'pair';
  /** The VM's mode ('vm'), or the first VM's ('pair'). */
  readonly mode?: VmMode;
  /** The second VM's mode ('pair'): it runs the same program and must see the same. */
  readonly partner?: VmMode;
  readonly vmm?: VmmOptions;
  /** The native machine's MMU ('native'). */
  readonly mmu?: MmuConfig;
}

const TINY_TLB: MmuConfig = { ...DEFAULT_MMU, tlb: { entries: 2, ways: 1, replacement: 'lru', seed: 1 } };
const RANDOM_SPLIT_TLB: MmuConfig = { ...DEFAULT_MMU, splitTlb: true, tlb: { entries: 16, ways: 2, replacement: 'random', seed: 7 } };

/** The reference: a native machine with the default MMU. */
export const NATIVE: Variant = { label: 'native', kind: 'native' };

/** Every other environment, each compared with NATIVE. */
export const VARIANTS: readonly Variant[] = [
  // The core, run by every case (check.ts, variantsFor).
  { label: 'shadow (write-protected tables)', kind: 'vm', mode: 'shadow' },
  { label: 'shadow (out-of-sync tables)', kind: 'vm', mode: 'shadow', vmm: { shadow: { cacheRoots: 16, floodThreshold: 3, sync: 'oos' } } },
  { label: 'EPT, 2 levels', kind: 'vm', mode: 'ept' },
  // The others, in turn.
  { label: 'native, 2-entry direct-mapped TLB', kind: 'native', mmu: TINY_TLB },
  { label: 'shadow, one cached root, flood threshold 1', kind: 'vm', mode: 'shadow', vmm: { shadow: { cacheRoots: 1, floodThreshold: 1, sync: 'wp' } } },
  { label: 'EPT, 1 level', kind: 'vm', mode: 'ept', vmm: { ept: { levels: 1, largePages: false } } },
  { label: 'EPT, 2 levels, large pages', kind: 'vm', mode: 'ept', vmm: { ept: { levels: 2, largePages: true } } },
  { label: 'shadow (oos), 16-entry page-walk cache, no ASID tagging, random split TLB', kind: 'vm', mode: 'shadow', vmm: { shadow: { cacheRoots: 2, floodThreshold: 2, sync: 'oos' }, mmu: { ...RANDOM_SPLIT_TLB, pwcEntries: 16, asidTagging: false } } },
  { label: 'EPT, 3 levels, large pages, 16-entry page-walk cache', kind: 'vm', mode: 'ept', vmm: { ept: { levels: 3, largePages: true }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } },
  { label: 'two VMs on one host (shadow, EPT), quantum 7, VPIDs', kind: 'pair', mode: 'shadow', partner: 'ept', vmm: { vpid: true, quantum: 7 } },
  { label: 'EPT, 4 levels, large pages, VPID, 2-entry TLB', kind: 'vm', mode: 'ept', vmm: { ept: { levels: 4, largePages: true }, vpid: true, mmu: TINY_TLB } },
  { label: 'two VMs on one host (EPT large pages, shadow oos), quantum 13, no VPIDs', kind: 'pair', mode: 'ept', partner: 'shadow', vmm: { vpid: false, quantum: 13, ept: { levels: 2, largePages: true }, shadow: { cacheRoots: 16, floodThreshold: 3, sync: 'oos' } } },
  // Dynamic mode (hypervisor/dynamic.ts), switched between shadow paging and EPT at seeded random points.
  { label: 'dynamic, random switches every ~50 instructions', kind: 'vm', mode: 'dynamic', vmm: { dynamic: { ...DEFAULT_DYNAMIC, policy: 'off', randomEvery: 50, seed: 9 } } },
  { label: 'two VMs on one host (dynamic from shadow, EPT large pages; dynamic), quantum 11, VPIDs', kind: 'pair', mode: 'dynamic', partner: 'dynamic', vmm: { vpid: true, quantum: 11, ept: { levels: 2, largePages: true }, dynamic: { ...DEFAULT_DYNAMIC, start: 'shadow', window: 1000, hysteresis: 1, randomEvery: 70, seed: 3 } } },
  // Agile paging (hypervisor/agile.ts): leaf tables moved between shadow and nested mode at seeded random points.
  { label: 'agile, random moves every ~50 instructions, writes 1', kind: 'vm', mode: 'agile', vmm: { agile: { ...DEFAULT_AGILE, writes: 1, window: 1000, switchEvery: 50, seed: 9 } } },
  { label: 'two VMs on one host (agile, tables starting nested, 3-level EPT, page-walk cache; shadow), quantum 9, VPIDs', kind: 'pair', mode: 'agile', partner: 'shadow', vmm: { vpid: true, quantum: 9, ept: { levels: 3, largePages: false }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 }, agile: { ...DEFAULT_AGILE, start: 'nested', window: 1000, switchEvery: 70, seed: 3 } } },
];

export interface RunSettings {
  readonly memoryBytes: number;
  readonly maxInstructions: number;
  /** Bytes waiting at the console from the start (CONSOLE_RX, the device interrupt). */
  readonly consoleInput?: string;
}

/**
 * Host memory for a variant: the guest's memory, room for EPT large pages (2-level EPT backs guest
 * memory in aligned 4 MiB runs) and for the tables (a 1-level EPT is one 4 MiB table).
 */
function hostBytesFor(v: Variant, memoryBytes: number, vms: number): number {
  const perVm = v.vmm?.ept?.largePages === true ? Math.ceil(memoryBytes / (4 * MiB)) * 4 * MiB + 4 * MiB : memoryBytes + 4 * MiB;
  return vms * perVm + 2 * MiB;
}

/** Run `image` in one environment; for a pair, what each of the two VMs saw. */
export function runVariant(v: Variant, image: Image, s: RunSettings): Seen[] {
  if (v.kind === 'native') return [runNative(image, s, v.mmu)];
  const vms = v.kind === 'pair' ? 2 : 1;
  const host = new Vmm({ hostMemoryBytes: hostBytesFor(v, s.memoryBytes, vms), ...v.vmm });
  const modes = v.kind === 'pair' ? [v.mode!, v.partner!] : [v.mode!];
  const guests = modes.map((mode, i) => {
    const { vm } = host.addVm({ name: `guest${i + 1}`, mode, memoryBytes: s.memoryBytes, kernel: image });
    if (s.consoleInput) vm.devices.console.feed(s.consoleInput);
    return { vm, watchdog: installWatchdog(vm, s.maxInstructions) };
  });
  const results = host.run(s.maxInstructions);
  const audit = host.audit();
  return guests.map(({ vm, watchdog }, i) => seenOfVm(vm, watchdog.tripped ? WATCHDOG_REASON : results[i]!.reason, results[i]!.exitCode, audit));
}

function seenOfVm(vm: Vm, reason: string, exitCode: number, audit: readonly string[]): Seen {
  const hostBytes = vm.host.mem.u8;
  const ram = new GuestRam(vm.sizeBytes, (frame) => {
    const h = vm.p2m[frame] ?? 0;
    return h === 0 ? undefined : hostBytes.subarray(h, h + PAGE_SIZE);
  });
  return {
    reason,
    exitCode,
    console: vm.devices.console.drainText('latin1'),
    regs: Array.from(vm.cpu.regs, (r) => r >>> 0),
    pc: vm.cpu.pc >>> 0,
    instructions: vm.stats.instructions,
    crs: controlRegisters(vm.cpu.cr),
    ram,
    audit,
  };
}

const controlRegisters = (cr: Int32Array): number[] => Array.from(cr.subarray(CR.STATUS, CR.TIMER + 1), (r) => r >>> 0);

/** A native machine loaded as Vmm.addVm loads a VM without modules (segments only, then reset). */
export function nativeMachine(image: Image, s: RunSettings, mmu?: MmuConfig): Machine {
  const machine = new Machine({ memoryBytes: s.memoryBytes, ...(mmu === undefined ? {} : { mmu }) });
  machine.load(image);
  if (s.consoleInput) machine.devices.console.feed(s.consoleInput);
  return machine;
}

export function seenOfMachine(machine: Machine, reason: string): Seen {
  return {
    reason,
    exitCode: machine.devices.exitCode,
    console: machine.devices.console.drainText('latin1'),
    regs: Array.from(machine.cpu.regs, (r) => r >>> 0),
    pc: machine.cpu.pc >>> 0,
    instructions: machine.stats.instructions,
    crs: controlRegisters(machine.cpu.cr),
    ram: new GuestRam(machine.mem.sizeBytes, (frame) => machine.mem.u8.subarray(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE)),
    audit: [],
  };
}

function runNative(image: Image, s: RunSettings, mmu?: MmuConfig): Seen {
  const machine = nativeMachine(image, s, mmu);
  const run = machine.run(s.maxInstructions);
  return seenOfMachine(machine, run.reason);
}

/**
 * Run natively with the TLB-rule checker (emulator/tlb-rules.ts) attached: what it reports (the
 * first access that could have used a stale translation) and what the guest saw, which the
 * checker must not change.
 */
export function runNativeChecked(image: Image, s: RunSettings): { seen: Seen; violation: TlbRuleViolation | undefined; violations: number } {
  const machine = nativeMachine(image, s);
  const mem = machine.mem;
  const checker = new TlbRuleChecker(machine.cpu, machine.stats, (gpa) => (gpa >= 0 && gpa + 4 <= mem.sizeBytes ? mem.i32[gpa >>> 2]! : undefined));
  const run = machine.run(s.maxInstructions);
  checker.detach();
  return { seen: seenOfMachine(machine, run.reason), violation: checker.first, violations: checker.violations };
}

/** One native instruction boundary, for `stepNative`'s observer. */
export interface Boundary {
  readonly machine: Machine;
  /** Instructions retired so far. */
  readonly instructions: number;
}

/**
 * Run natively one step at a time (an instruction retired, or a trap delivered), calling
 * `observe` at every boundary, before the instruction at pc runs. `observe` may return a reason
 * to stop early. The result must equal a plain run's (tests/emulator/fuzz.test.ts, property 3);
 * the campaign checks that too.
 */
export function stepNative(image: Image, s: RunSettings, observe: (b: Boundary) => string | undefined): { seen: Seen; stoppedBy?: string } {
  const machine = nativeMachine(image, s);
  const cpu = machine.cpu;
  cpu.trapHook = () => true;
  let reason = 'max-instructions';
  for (;;) {
    const stoppedBy = observe({ machine, instructions: machine.stats.instructions });
    if (stoppedBy !== undefined) return { seen: seenOfMachine(machine, 'observer'), stoppedBy };
    if (machine.stats.instructions >= s.maxInstructions) break;
    const code = cpu.run(1);
    if (code === STOP.BUDGET || code === STOP.TRAP) continue;
    reason = code === STOP.HALT ? 'halted' : code === STOP.WFI_DEADLOCK ? 'wfi-deadlock' : code === STOP.TRAP_LOOP ? 'trap-loop' : `stop code ${code}`;
    break;
  }
  cpu.trapHook = null;
  return { seen: seenOfMachine(machine, reason) };
}
