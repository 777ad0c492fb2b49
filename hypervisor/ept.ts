// EPT (nested paging): memory virtualization in hardware.
//
// The guest owns PTBR and its page tables: PTBR writes, invlpg, tlbflush and guest page faults
// never exit. On a TLB miss the MMU walks the guest's tables and translates every guest-physical
// address it touches through this EPT (emulator/walker.ts, the two-dimensional walk). The EPT is
// built lazily: a guest-physical address without a mapping exits as an EPT violation and the VMM
// backs it with a host frame (or emulates the device register it names). Levels are 1 to 4; with
// large pages, the level above the leaf maps whole aligned runs of guest memory.
//
// Written against the pager API (pager.ts) and nothing else: its tables, the guest frames it
// maps and the faults it injects all go through the services the VMM hands it.

import { CAUSE, PTE } from '../isa/arch.ts';
import { levelShift, type PagingMode } from '../emulator/paging-mode.ts';
import type { EptViolation, Pager, PagerModule, PagerServices } from './pager.ts';

export interface EptOptions {
  /** 1 to 4. */
  readonly levels: number;
  /** Map guest memory with large pages at the level above the leaf. */
  readonly largePages: boolean;
}

export const DEFAULT_EPT: EptOptions = { levels: 2, largePages: false };

/** The built-in EPT pager, as the VMM is given it (`--mode ept`). Its format (levels, large pages) is the VMM's `vmm.format`. */
export const EPT_PAGER: PagerModule = {
  name: 'ept',
  builtIn: true,
  create: (vmm) => new EptPager(vmm),
};

export class EptPager implements Pager {
  readonly translation = 'nested';
  private readonly mode: PagingMode;
  private readonly root: number;
  /** The level whose entries map large pages (-1 without large pages). */
  private readonly largeLevel: number;

  constructor(private readonly vmm: PagerServices) {
    const mode = vmm.format;
    const levels = mode.levelBits.length;
    this.mode = mode;
    this.largeLevel = levels > 1 && mode.largeAllowed[levels - 2] ? levels - 2 : -1;
    this.root = vmm.allocTable(0);
    // Large pages need each run of guest memory backed contiguously.
    if (this.largeLevel >= 0) vmm.backGuestInRuns(2 ** (levelShift(mode, this.largeLevel) - 12));
  }

  get pagingMode(): PagingMode {
    return this.mode;
  }

  get rootAddress(): number {
    return this.root;
  }

  vmEntry(): void {
    this.vmm.loadRoot(this.root);
  }

  eptViolation(e: EptViolation): string {
    const vmm = this.vmm;
    const gpa = e.guestPhys;
    if (vmm.isMmio(gpa)) {
      // A device register as the final address is emulated; a page table there is a bus error, as natively.
      if (e.inTableWalk) return vmm.injectFault(CAUSE.BUS_ERROR, e.va);
      return vmm.emulateMmio(gpa);
    }
    if (!vmm.isGuestRam(gpa)) return vmm.refuse(e.va);
    this.map(gpa);
    return 'ept-violation';
  }

  /** Back the guest frame holding gpa and enter it in the EPT (a large page when enabled). */
  private map(gpa: number): void {
    const vmm = this.vmm;
    const mode = this.mode;
    const levels = mode.levelBits.length;
    const hostAddr = vmm.backing(gpa);
    // A large page only where all of it is guest RAM: past the end of RAM the guest must still
    // get bus errors, so the last partial run is mapped page by page.
    const largeBytes = this.largeLevel >= 0 ? 2 ** levelShift(mode, this.largeLevel) : 0;
    const largeFits = largeBytes > 0 && gpa - (gpa % largeBytes) + largeBytes <= vmm.guestMemoryBytes;
    const leafLevel = largeFits ? this.largeLevel : levels - 1;
    let table = this.root;
    for (let level = 0; level <= leafLevel; level++) {
      const shift = levelShift(mode, level);
      const index = (gpa >>> shift) & ((1 << mode.levelBits[level]!) - 1);
      vmm.chargeVmm(vmm.costs.pteRead);
      const entry = vmm.readEntry(table, index);
      if (level === leafLevel) {
        const pageBase = (hostAddr - (gpa % 2 ** shift)) >>> 0;
        vmm.writeEntry(table, index, pageBase | PTE.V | PTE.W | PTE.X | (level < levels - 1 ? PTE.L : 0));
        return;
      }
      if (entry & PTE.V) {
        table = (entry & PTE.FRAME_MASK) >>> 0;
      } else {
        const next = vmm.allocTable(level + 1);
        vmm.writeEntry(table, index, next | PTE.V);
        table = next;
      }
    }
  }
}
