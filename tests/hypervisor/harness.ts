// Test harness for the hypervisor: run one guest image natively (bare-metal Machine), under
// shadow paging and under EPT, and collect what the guest can see (console output, exit code,
// why it stopped, registers, pc, INSTRET and a hash of its memory) so that a test can expect the
// same outcome in every environment (STYLE.md lesson 8: one test body, several environments).
//
// Native runs use a Machine whose memory is exactly the VM's memory size, so that the reset
// stack pointer, the bus-error boundary and the memory hash are the same in all three.
//
// A watchdog stops a VM the VMM keeps resuming without progress (a guest stuck in injected
// faults never uses up its budget, and Vmm.run would not return): see installWatchdog.
// This module drives only the public Machine and Vmm APIs; it never reaches into the CPU's loop.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../assembler/index.ts';
import { assemble } from '../../node/files.ts';
import type { Image } from '../../isa/image.ts';
import { Machine } from '../../emulator/machine.ts';
import type { MmuConfig } from '../../emulator/mmu.ts';
import type { Stats } from '../../emulator/stats.ts';
import { DEFAULT_AGILE, type AgileOptions } from '../../hypervisor/agile.ts';
import { DEFAULT_DYNAMIC, type DynamicOptions } from '../../hypervisor/dynamic.ts';
import type { EptOptions } from '../../hypervisor/ept.ts';
import type { ShadowOptions } from '../../hypervisor/shadow.ts';
import type { SharingOptions } from '../../hypervisor/sharing.ts';
import type { SwapOptions } from '../../hypervisor/swap.ts';
import type { DirtyLogOptions, MigrationOptions } from '../../hypervisor/migration.ts';
import { hashFrames, type Vm } from '../../hypervisor/vm.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { VmmStats } from '../../hypervisor/vmstats.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GUESTS_DIR = path.join(REPO, 'tests/hypervisor/guests');

export const MiB = 1024 * 1024;
export const DEFAULT_GUEST_MEMORY = 2 * MiB;
export const DEFAULT_HOST_MEMORY = 8 * MiB;

/** 'pv' runs only PV-aware guests (tests/hypervisor/pv.test.ts), so it is not one of ENVS. */
export type Env = 'native' | 'shadow' | 'ept' | 'dynamic' | 'pv' | 'agile';
export const ENVS: readonly Env[] = ['native', 'shadow', 'ept', 'dynamic', 'agile'];

/**
 * Dynamic mode as the suites run it: the cost policy on short windows, and on top switches forced
 * at random instruction counts (seeded, so a failure reproduces), so that every guest is moved
 * between shadow paging and EPT many times at points nobody chose.
 */
export const TEST_DYNAMIC: DynamicOptions = { ...DEFAULT_DYNAMIC, window: 2000, hysteresis: 1, randomEvery: 1500, seed: 13 };

/**
 * Agile mode as the suites run it: the policy on short windows with a low write threshold, and
 * on top a random half of the leaf tables moved between shadow and nested mode at random
 * instruction counts (seeded), so that every guest runs on mixed walks that nobody chose.
 */
export const TEST_AGILE: AgileOptions = { ...DEFAULT_AGILE, writes: 2, window: 2000, switchEvery: 1500, seed: 13 };

export const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * Assemble guest source. `file` names the source for diagnostics and is where `.include` paths
 * start from: give a path in tests/hypervisor/guests/ so that `../../../guest-programs/lib/...`
 * resolves.
 */
export function assembleGuest(source: string, file = path.join(GUESTS_DIR, 'generated.s'), origin?: number): Image {
  const result = assemble(source, origin === undefined ? { file } : { file, origin });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.image || errors.length > 0) {
    throw new Error(`guest does not assemble:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  }
  return result.image;
}

const imageCache = new Map<string, Image>();

/** Assemble a guest file once per test file (paths relative to the repository). */
export function guestImage(repoPath: string): Image {
  let image = imageCache.get(repoPath);
  if (!image) {
    const file = path.join(REPO, repoPath);
    image = assembleGuest(readText(file), file);
    imageCache.set(repoPath, image);
  }
  return image;
}

const readText = (file: string): string => readFileSync(file, 'utf8');

export function symbolOf(image: Image, name: string): number {
  const s = image.symbols.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no symbol '${name}'`);
  return s.address;
}

export interface RunOptions {
  /** Guest memory (the native machine's memory); default 2 MiB. */
  readonly memoryBytes?: number;
  /** Host memory of the VMM; default 8 MiB. */
  readonly hostMemoryBytes?: number;
  readonly maxInstructions?: number;
  readonly shadow?: ShadowOptions;
  readonly ept?: EptOptions;
  /** Dynamic mode's options (default TEST_DYNAMIC). */
  readonly dynamic?: DynamicOptions;
  /** Agile mode's options (default TEST_AGILE). */
  readonly agile?: AgileOptions;
  /** Content-based page sharing (hypervisor/sharing.ts); default off. */
  readonly sharing?: SharingOptions;
  /** Host swapping (hypervisor/swap.ts); default off. */
  readonly swap?: SwapOptions;
  /** Dirty logging and live migration (hypervisor/migration.ts); default off. */
  readonly dirtyLog?: DirtyLogOptions;
  readonly migration?: MigrationOptions;
  readonly vpid?: boolean;
  /** The MMU (TLB geometry, page-walk cache, ASID tagging): the VMM's, or the native machine's. */
  readonly mmu?: MmuConfig;
  /**
   * How the native machine is loaded: 'like-vmm' (default) starts it from exactly the state
   * Vmm.addVm gives a VM without modules (its memory and registers, copied from a throwaway VM),
   * or 'machine-load' as `vmmlab run` loads a program natively (Machine.load). The default keeps
   * a difference in loading (tested once, in equivalence.test.ts, "boot") from masking others.
   */
  readonly nativeLoad?: 'like-vmm' | 'machine-load';
  /** Hash guest memory into `visible.memoryHash` (default true; false leaves it ''). */
  readonly hashMemory?: boolean;
  /** Bytes queued to the guest's console input before it starts. */
  readonly consoleInput?: string | Uint8Array;
}

/** Start a native machine from the state Vmm.addVm gives a VM (no modules) loaded with `image`. */
export function loadLikeVmm(machine: Machine, image: Image): void {
  const memoryBytes = machine.mem.sizeBytes;
  const vmm = new Vmm({ hostMemoryBytes: memoryBytes + 64 * 1024 });
  const { vm } = vmm.addVm({ name: 'loader', mode: 'shadow', memoryBytes, kernel: image });
  machine.cpu.reset(image.entry, memoryBytes);
  for (let frame = 0; frame < memoryBytes / 4096; frame++) {
    const host = vm.backed(frame * 4096);
    if (host >= 0) machine.mem.u8.set(vmm.host.mem.u8.subarray(host, host + 4096), frame * 4096);
  }
  machine.cpu.regs.set(vm.cpu.regs);
  machine.cpu.pc = vm.cpu.pc;
}

/** What the guest can see of a run, compared across environments. */
export interface Visible {
  readonly reason: string;
  readonly exitCode: number;
  readonly console: string;
  /** r0..r15, unsigned. */
  readonly regs: readonly number[];
  readonly pc: number;
  /** INSTRET: guest-visible, so the same everywhere. */
  readonly instructions: number;
  readonly memoryHash: string;
}

export interface Outcome {
  readonly env: Env;
  readonly visible: Visible;
  readonly stats: Stats;
  /** Under a VMM: its counters for the VM, the VM and the VMM. */
  readonly vmm?: VmmStats;
  readonly vm?: Vm;
  readonly host?: Vmm;
  readonly machine?: Machine;
  /** Guest-physical memory as words (the native machine's, or read through the VM's p2m). */
  word(guestPhys: number): number;
}

/** Run `image` in one environment to power-off (or the instruction budget). */
export function runIn(env: Env, image: Image, options: RunOptions = {}): Outcome {
  const memoryBytes = options.memoryBytes ?? DEFAULT_GUEST_MEMORY;
  const maxInstructions = options.maxInstructions ?? 5_000_000;
  if (env === 'native') {
    const machine = new Machine({ memoryBytes, ...(options.mmu === undefined ? {} : { mmu: options.mmu }) });
    if (options.nativeLoad === 'machine-load') machine.load(image);
    else loadLikeVmm(machine, image);
    if (options.consoleInput !== undefined) machine.devices.console.feed(options.consoleInput);
    const run = machine.run(maxInstructions);
    const mem = machine.mem;
    return {
      env,
      visible: {
        reason: run.reason,
        exitCode: run.exitCode,
        console: machine.devices.console.drainText('latin1'),
        regs: Array.from(machine.cpu.regs, (r) => r >>> 0),
        pc: machine.cpu.pc >>> 0,
        instructions: run.instructions,
        memoryHash: options.hashMemory === false ? '' : hashFrames(mem.sizeBytes / 4096, (i) => mem.u8.subarray(i * 4096, (i + 1) * 4096)),
      },
      stats: machine.stats,
      machine,
      word: (gpa) => mem.i32[gpa >>> 2]! >>> 0,
    };
  }
  const host = new Vmm({
    hostMemoryBytes: options.hostMemoryBytes ?? DEFAULT_HOST_MEMORY,
    ...(options.vpid === undefined ? {} : { vpid: options.vpid }),
    ...(options.shadow === undefined ? {} : { shadow: options.shadow }),
    ...(options.ept === undefined ? {} : { ept: options.ept }),
    ...(options.mmu === undefined ? {} : { mmu: options.mmu }),
    dynamic: options.dynamic ?? TEST_DYNAMIC,
    agile: options.agile ?? TEST_AGILE,
    ...(options.sharing === undefined ? {} : { sharing: options.sharing }),
    ...(options.swap === undefined ? {} : { swap: options.swap }),
    ...(options.dirtyLog === undefined ? {} : { dirtyLog: options.dirtyLog }),
    ...(options.migration === undefined ? {} : { migration: options.migration }),
  });
  const { vm } = host.addVm({ name: 'guest', mode: env, memoryBytes, kernel: image });
  if (options.consoleInput !== undefined) vm.devices.console.feed(options.consoleInput);
  const watchdog = installWatchdog(vm, maxInstructions);
  const [result] = host.run(maxInstructions);
  return {
    env,
    visible: {
      reason: watchdog.tripped ? WATCHDOG_REASON : result!.reason,
      exitCode: result!.exitCode,
      console: vm.devices.console.drainText('latin1'),
      regs: Array.from(vm.cpu.regs, (r) => r >>> 0),
      pc: vm.cpu.pc >>> 0,
      instructions: result!.instructions,
      memoryHash: options.hashMemory === false ? '' : vm.memoryHash(),
    },
    stats: vm.stats,
    vmm: vm.vmm,
    vm,
    host,
    word: (gpa) => (vm.readWord(gpa) ?? 0) >>> 0,
  };
}

/** The reason reported when the watchdog had to stop a VM (no environment reports it itself). */
export const WATCHDOG_REASON = 'host-watchdog: the VMM kept resuming a guest that made no progress';

/**
 * A VM whose every resumption ends in an exit that retires nothing (say, a fault the VMM injects
 * into a handler that faults again) never uses up its instruction budget, so Vmm.run would not
 * return and the test would hang (a synchronous loop: vitest's timeout cannot stop it). Count
 * the times the VMM resumes the vCPU, and stop the VM when that exceeds anything a guest within
 * its budget could need. Only the public `cpu.run` and `vm.stopped` are touched.
 */
export function installWatchdog(vm: Vm, maxInstructions: number, limit = Math.max(200_000, 4 * maxInstructions)): { tripped: boolean } {
  const state = { tripped: false };
  const cpu = vm.cpu;
  const run = cpu.run.bind(cpu);
  let resumptions = 0;
  cpu.run = (budget: number) => {
    if (++resumptions > limit) {
      state.tripped = true;
      vm.stopped = 'stopped';
    }
    return run(budget);
  };
  return state;
}
