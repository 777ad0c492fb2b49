// A Machine: physical memory, devices, the MMU and the CPU, loaded with an image and run under
// an instruction budget. This is bare metal; the VMM (hypervisor/) builds VMs from the same parts.

import type { Image } from '../isa/image.ts';
import { bootLoad, loadSegments, type BootLayout, type BootModule, type BootOptions } from './boot.ts';
import { Devices } from './devices.ts';
import { STOP, Cpu, type Engine, type StopCode } from './cpu.ts';
import { PhysicalMemory } from './memory.ts';
import { DEFAULT_MMU, Mmu, type MmuConfig } from './mmu.ts';
import { DEFAULT_PROFILE, type MachineProfile } from './profile.ts';
import { Stats } from './stats.ts';

export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_INSTRUCTIONS = 100_000_000;

export interface MachineOptions {
  memoryBytes?: number;
  profile?: MachineProfile;
  mmu?: MmuConfig;
  /** The CPU engine: the interpreter or the translating engine (same results). Default: setDefaultEngine's, 'interp'. */
  engine?: Engine;
}

/** Why a run ended. */
export type StopReason = 'halted' | 'max-instructions' | 'wfi-deadlock' | 'trap-loop' | 'stopped';

export interface RunResult {
  reason: StopReason;
  /** The guest's power-off code; meaningful when reason is 'halted'. */
  exitCode: number;
  instructions: number;
  cycles: number;
}

export class Machine {
  readonly mem: PhysicalMemory;
  readonly devices = new Devices();
  readonly stats = new Stats();
  readonly profile: MachineProfile;
  readonly mmu: Mmu;
  readonly cpu: Cpu;

  constructor(options: MachineOptions = {}) {
    this.mem = new PhysicalMemory(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.mmu = new Mmu(this.mem, this.stats, this.profile, options.mmu ?? DEFAULT_MMU);
    this.cpu = new Cpu(this.mem, this.mmu, this.devices, this.stats, this.profile);
    if (options.engine !== undefined) this.cpu.engine = options.engine;
  }

  /** Load an image and reset the CPU to its entry point with sp at the top of RAM. */
  load(image: Image): void {
    loadSegments(this.mem, image);
    this.cpu.reset(image.entry, this.mem.sizeBytes);
  }

  /**
   * Boot a kernel with modules: the loader places everything and the kernel starts at its entry
   * with a0 = the boot-information block (isa/README.md, "Boot information").
   */
  boot(kernel: Image, modules: readonly BootModule[], options: BootOptions = {}): BootLayout {
    const layout = bootLoad(this.mem, kernel, modules, options);
    this.cpu.reset(kernel.entry, this.mem.sizeBytes);
    this.cpu.regs[3] = layout.bootInfo;
    return layout;
  }

  /**
   * Run until the guest powers off or `maxInstructions` more instructions have retired.
   * `onSlice` is called between slices (to stream console output); it may return false to stop.
   */
  run(maxInstructions = DEFAULT_MAX_INSTRUCTIONS, onSlice?: () => boolean | void, sliceInstructions = 1_000_000): RunResult {
    const endAt = this.stats.instructions + maxInstructions;
    let code: StopCode = STOP.BUDGET;
    while (this.stats.instructions < endAt) {
      code = this.cpu.run(Math.min(sliceInstructions, endAt - this.stats.instructions));
      if (onSlice && onSlice() === false) return this.result('stopped');
      if (code !== STOP.BUDGET && code !== STOP.TRAP) break;
    }
    switch (code) {
      case STOP.HALT: return this.result('halted');
      case STOP.WFI_DEADLOCK: return this.result('wfi-deadlock');
      case STOP.TRAP_LOOP: return this.result('trap-loop');
      case STOP.REQUESTED: return this.result('stopped');
      case STOP.EXIT: throw new Error('a VM exit on bare metal: exit controls are set without a VMM');
      default: return this.result('max-instructions');
    }
  }

  private result(reason: StopReason): RunResult {
    return {
      reason,
      exitCode: this.devices.exitCode,
      instructions: this.stats.instructions,
      cycles: this.stats.cycles,
    };
  }
}
