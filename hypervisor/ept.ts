// EPT (nested paging): memory virtualization in hardware.
//
// The guest owns PTBR and its page tables: PTBR writes, invlpg, tlbflush and guest page faults
// never exit. On a TLB miss the MMU walks the guest's tables and translates every guest-physical
// address it touches through this EPT (emulator/walker.ts, the two-dimensional walk). The EPT is
// built lazily: a guest-physical address without a mapping exits as an EPT violation and the VMM
// backs it with a host frame (or emulates the device register it names). Levels are 1 to 4; with
// large pages, the level above the leaf maps whole aligned runs of guest memory.

import { CAUSE, CR, PAGE_SIZE, PTE } from '../isa/arch.ts';
import { EXIT, type ExitControls, type ExitInfo } from '../emulator/exits.ts';
import { eptPagingMode, levelShift, tableBytes, type PagingMode } from '../emulator/paging-mode.ts';
import type { NestedStage } from '../emulator/walker.ts';
import { VMM_OWNER } from './host.ts';
import { PagerBase, VMM_EVENTS, type Pager } from './pager.ts';

export interface EptOptions {
  /** 1 to 4. */
  readonly levels: number;
  /** Map guest memory with large pages at the level above the leaf. */
  readonly largePages: boolean;
}

export const DEFAULT_EPT: EptOptions = { levels: 2, largePages: false };

export class EptPager extends PagerBase implements Pager {
  readonly exitControls: ExitControls = { crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: VMM_EVENTS };
  private mode!: PagingMode;
  private root = 0;
  /** Host addresses of the EPT's tables, with their frame counts. */
  private readonly tables = new Map<number, number>();
  private nested!: NestedStage;
  /** The level whose entries map large pages (-1 without large pages). */
  private largeLevel = -1;

  configure(options: EptOptions): void {
    this.mode = eptPagingMode(options.levels, options.largePages);
    this.largeLevel = options.largePages && options.levels > 1 ? options.levels - 2 : -1;
    this.root = this.allocTable(0);
    this.nested = { mode: this.mode, root: this.root };
    // Large pages need each run of guest memory backed contiguously.
    if (this.largeLevel >= 0) this.vm.allocGranuleFrames = 2 ** (levelShift(this.mode, this.largeLevel) - 12);
  }

  get pagingMode(): PagingMode {
    return this.mode;
  }

  get rootAddress(): number {
    return this.root;
  }

  enter(vpid: number): void {
    const cpu = this.vm.cpu;
    cpu.exitControls = this.exitControls;
    cpu.vmmOwnsTranslation = false;
    this.mmu.pagingOffSpace = false;
    this.mmu.configure(this.mmu.stage1On, this.mmu.stage1Root, (vpid << 8) | (cpu.cr[CR.PTBR]! & this.mmu.asidMask), this.nested);
    cpu.syncMmuMode();
  }

  afterCrWrite(): void {
    // The guest owns its control registers under EPT: nothing to resynchronise.
  }

  handleExit(e: ExitInfo): string | undefined {
    if (e.reason !== EXIT.EPT_VIOLATION) return undefined;
    const vm = this.vm;
    const gpa = e.guestPhys >>> 0;
    if (vm.isMmio(gpa)) {
      // A device register as the final address is emulated; a page table there is a bus error, as natively.
      if (e.inTableWalk) return this.inject(CAUSE.BUS_ERROR, e.address);
      return this.emulateMmio(e, gpa);
    }
    if (!vm.isGuestRam(gpa)) return this.refuse(e.address);
    this.map(gpa);
    return 'ept-violation';
  }

  /** Back the guest frame holding gpa and enter it in the EPT (a large page when enabled). */
  private map(gpa: number): void {
    const mode = this.mode;
    const levels = mode.levelBits.length;
    const hostAddr = this.vm.backing(gpa);
    // A large page only where all of it is guest RAM: past the end of RAM the guest must still
    // get bus errors, so the last partial run is mapped page by page.
    const largeBytes = this.largeLevel >= 0 ? 2 ** levelShift(mode, this.largeLevel) : 0;
    const largeFits = largeBytes > 0 && gpa - (gpa % largeBytes) + largeBytes <= this.vm.sizeBytes;
    const leafLevel = largeFits ? this.largeLevel : levels - 1;
    const mem = this.host.mem.i32;
    let table = this.root;
    for (let level = 0; level <= leafLevel; level++) {
      const shift = levelShift(mode, level);
      const index = (gpa >>> shift) & ((1 << mode.levelBits[level]!) - 1);
      const entryAddr = table + index * 4;
      this.chargePteReads(1);
      const entry = mem[entryAddr >>> 2]!;
      if (level === leafLevel) {
        const pageBase = (hostAddr - (gpa % 2 ** shift)) >>> 0;
        mem[entryAddr >>> 2] = pageBase | PTE.V | PTE.W | PTE.X | (level < levels - 1 ? PTE.L : 0);
        this.chargePteWrites(1);
        return;
      }
      if (entry & PTE.V) {
        table = (entry & PTE.FRAME_MASK) >>> 0;
      } else {
        const next = this.allocTable(level + 1);
        mem[entryAddr >>> 2] = next | PTE.V;
        this.chargePteWrites(1);
        table = next;
      }
    }
  }

  private allocTable(level: number): number {
    const frames = Math.max(1, tableBytes(this.mode, level) / PAGE_SIZE);
    const addr = frames === 1 ? this.host.allocFrame(VMM_OWNER) : this.host.allocRun(frames, 1, VMM_OWNER);
    this.tables.set(addr, frames);
    this.vm.vmm.eptPages += frames;
    return addr;
  }

  audit(): string[] {
    const problems: string[] = [];
    const mem = this.host.mem.i32;
    const visit = (table: number, level: number, base: number): void => {
      if (this.host.ownerOf(table) !== VMM_OWNER) problems.push(`EPT table at 0x${table.toString(16)} not owned by the VMM`);
      const entries = 1 << this.mode.levelBits[level]!;
      const shift = levelShift(this.mode, level);
      for (let i = 0; i < entries; i++) {
        const entry = mem[(table + i * 4) >>> 2]!;
        if (!(entry & PTE.V)) continue;
        const frame = (entry & PTE.FRAME_MASK) >>> 0;
        const gpa = base + i * 2 ** shift;
        const leaf = level === this.mode.levelBits.length - 1 || (entry & PTE.L) !== 0;
        if (!leaf) {
          visit(frame, level + 1, gpa);
          continue;
        }
        if (gpa >= this.vm.sizeBytes) problems.push(`EPT maps guest-physical 0x${gpa.toString(16)} beyond the VM's memory`);
        for (let f = 0; f < 2 ** (shift - 12); f++) {
          if (this.host.ownerOf(frame + f * PAGE_SIZE) !== this.vm.id) {
            problems.push(`EPT maps guest-physical 0x${gpa.toString(16)} to host frame 0x${(frame + f * PAGE_SIZE).toString(16)} not owned by VM ${this.vm.name}`);
            break;
          }
        }
      }
    };
    visit(this.root, 0, 0);
    return problems;
  }
}
