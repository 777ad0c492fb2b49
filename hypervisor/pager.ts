// What every memory-virtualization design shares: the interface the VMM drives (enter the VM,
// handle its paging exits, audit isolation) and the services both designs use: injecting a fault
// into the guest, emulating a device access, charging the VMM's software work in cycles.

import { ACCESS, CAUSE, DEVICE } from '../isa/arch.ts';
import { EXIT_CONTROL, type ExitControls, type ExitInfo } from '../emulator/exits.ts';
import type { Mmu } from '../emulator/mmu.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { decodeAccess } from './emulate.ts';
import type { HostMemory } from './host.ts';
import type { Vm } from './vm.ts';

/** Exits every design takes, which the VMM handles itself: wfi (so the host may run someone else) and hypercalls. */
export const VMM_EVENTS = EXIT_CONTROL.WFI | EXIT_CONTROL.HCALL;

export interface Pager {
  readonly exitControls: ExitControls;
  /** Point the MMU at this VM's translation (every VM entry). `vpid` tags its TLB entries. */
  enter(vpid: number): void;
  /** A control register changed (the VMM emulated the write of `value`): resynchronise translation. */
  afterCrWrite(crn: number, value: number): void;
  /** Handle a paging exit; returns the exit's classification, or undefined when it is not one. */
  handleExit(e: ExitInfo): string | undefined;
  /** Isolation audit: every problem found (empty when the VM reaches only its own frames). */
  audit(): string[];
}

export abstract class PagerBase {
  constructor(
    protected readonly vm: Vm,
    protected readonly host: HostMemory,
    protected readonly mmu: Mmu,
    protected readonly profile: MachineProfile,
  ) {}

  protected chargeVmm(cycles: number): void {
    this.vm.stats.cyclesVmm += cycles;
  }

  protected chargePteReads(n: number): void {
    this.vm.stats.cyclesVmm += n * this.profile.vmmPteReadCycles;
  }

  protected chargePteWrites(n: number): void {
    this.vm.stats.cyclesVmm += n * this.profile.vmmPteWriteCycles;
  }

  /** Hand the guest the trap it would have taken natively, at the exiting instruction. */
  protected inject(cause: number, badva: number): string {
    this.vm.vmm.faultsInjected++;
    this.chargeVmm(this.profile.vmmInjectCycles);
    this.vm.cpu.deliverTrap(cause, badva);
    return 'guest-fault';
  }

  /** A guest-physical address outside the VM's memory and devices: refused, as a bus error. */
  protected refuse(va: number): string {
    this.vm.vmm.refusedAccesses++;
    this.inject(CAUSE.BUS_ERROR, va);
    return 'guest-fault';
  }

  /**
   * Emulate the load or store at the exiting pc against the VM's devices, as the hardware would
   * have done natively (isa/README.md, "Devices"): words only, unknown registers are bus errors.
   */
  protected emulateMmio(e: ExitInfo, guestPhys: number): string {
    const vm = this.vm;
    const cpu = vm.cpu;
    const access = decodeAccess(e.word);
    if (e.access === ACCESS.FETCH || !access || access.size !== 4) {
      this.inject(CAUSE.BUS_ERROR, e.address);
      return 'mmio';
    }
    vm.vmm.mmioEmulated++;
    this.chargeVmm(this.profile.vmmEmulateCycles);
    if (access.isStore) {
      if (!vm.devices.write(guestPhys, cpu.regs[access.dataReg]!)) return this.busErrorMmio(e);
      if (guestPhys === DEVICE.POWER_OFF && vm.devices.poweredOff) vm.stopped = 'halted';
    } else {
      const value = vm.devices.read(guestPhys);
      if (value === undefined) return this.busErrorMmio(e);
      if (access.dataReg !== 0) cpu.regs[access.dataReg] = value;
    }
    vm.stats.mmioAccesses++;
    vm.stats.cyclesMmio += this.profile.mmioCycles;
    cpu.retireEmulated(e.word);
    return 'mmio';
  }

  private busErrorMmio(e: ExitInfo): string {
    this.inject(CAUSE.BUS_ERROR, e.address);
    return 'mmio';
  }
}
