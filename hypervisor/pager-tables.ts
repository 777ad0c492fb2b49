// The tables of one pager (pager-host.ts): the host frames the VMM allocated for it, each a
// table of some level of the hardware's format, and who points at whom. This is where the pager
// API's ownership rules live: a pager writes entries only in its own tables; a valid entry leads
// to one of its tables of the next level or, a leaf, maps host frames its VM owns (every frame of
// a large page); a table is given back to the host only when no entry (and not the hardware's
// root register) points at it any more, so that no frame the hardware may still walk can go to
// another VM. Each rule broken calls `violation`, which throws. An agile pager's shadow tables
// (`agile`) may also hold switched directory entries (AGILE_SWITCH), which lead to a guest leaf
// table: a host frame of this VM, checked as a leaf's frame is, and no reference to a table.

import { PAGE_SIZE, PTE } from '../isa/arch.ts';
import { AGILE_SWITCH, levelShift, tableBytes, type PagingMode } from '../emulator/paging-mode.ts';
import type { MachineProfile } from '../emulator/profile.ts';
import { SHARED_OWNER, VMM_OWNER, VMM_WRITE_PROTECT, type HostMemory } from './host.ts';
import type { Vm } from './vm.ts';

/** One of the pager's tables. */
interface Table {
  readonly level: number;
  readonly frames: number;
  /** Valid entries of the pager's tables leading here, plus 1 while it is the hardware's root. */
  refs: number;
  /** Freed by the pager: its frames go back to the host once refs reaches 0. */
  dead: boolean;
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** `revoke` actions per host frame: drop the mappings, or take write access away. */
export const ZAP = 2;
export const WRITE_PROTECT = 1;

export class PagerTables {
  private readonly tables = new Map<number, Table>();
  /** Freed tables still referenced: each must be released before the event ends. */
  private readonly dying = new Set<number>();
  /** The root the hardware was last given (-1: none yet). */
  root = -1;
  private readonly shadowKind: boolean;

  constructor(
    private readonly host: HostMemory,
    private readonly vm: Vm,
    readonly format: PagingMode,
    private readonly profile: MachineProfile,
    private readonly violation: (what: string) => never,
    shadowKind: boolean,
    /** An agile pager's shadow tables: switched directory entries are allowed. */
    private readonly agile = false,
  ) {
    this.shadowKind = shadowKind;
  }

  /** A valid entry that leads to one of this pager's tables (not a leaf, not a switched entry). */
  private leadsToTable(level: number, entry: number): boolean {
    return (entry & PTE.V) !== 0 && !this.isLeaf(level, entry) && !this.isSwitched(level, entry);
  }

  /** An agile directory entry with the switch bit: it leads to a guest leaf table (a frame of this VM). */
  private isSwitched(level: number, entry: number): boolean {
    return this.agile && level === 0 && (entry & PTE.V) !== 0 && (entry & PTE.L) === 0 && (entry & AGILE_SWITCH) !== 0;
  }

  /** At the end of an event: a table freed while still pointed at must have been let go of by now. */
  settle(): void {
    if (this.dying.size === 0) return;
    const [table] = this.dying;
    const t = this.tables.get(table!)!;
    const what = table === this.root ? 'the root the hardware uses' : `still pointed at by ${t.refs} entr${t.refs === 1 ? 'y' : 'ies'}`;
    this.violation(`freeTable(${hex(table!)}): the table is ${what}; clear every entry leading to it (and load another root) before the event ends`);
  }

  tableFrames(level: number): number {
    return Math.max(1, tableBytes(this.format, level) / PAGE_SIZE);
  }

  private isLeaf(level: number, entry: number): boolean {
    return level === this.format.levelBits.length - 1 || ((entry & PTE.L) !== 0 && this.format.largeAllowed[level] === true);
  }

  private tableAt(table: unknown, service: string): Table {
    const t = typeof table === 'number' ? this.tables.get(table) : undefined;
    if (!t) this.violation(`${service}: ${typeof table === 'number' ? hex(table) : show(table)} is not a table of this pager (allocTable gives them)`);
    if (t.dead) this.violation(`${service}: the table at ${hex(table as number)} was freed`);
    return t;
  }

  /** allocTable: a zeroed table for `level`, in frames the VMM owns for this pager. */
  alloc(level: unknown): number {
    const levels = this.format.levelBits.length;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level >= levels) {
      this.violation(`allocTable(${show(level)}): the level is 0 (the root) to ${levels - 1}`);
    }
    const frames = this.tableFrames(level);
    const table = frames === 1 ? this.host.allocFrame(VMM_OWNER) : this.host.allocRun(frames, 1, VMM_OWNER);
    this.tables.set(table, { level, frames, refs: 0, dead: false });
    if (this.shadowKind) this.vm.vmm.addShadowPages(frames);
    else this.vm.vmm.eptPages += frames;
    return table;
  }

  /** freeTable: released now, or when the last entry pointing at it goes. */
  free(table: unknown): void {
    const t = this.tableAt(table, 'freeTable');
    t.dead = true;
    if (t.refs === 0) this.destroy(table as number, t);
    else this.dying.add(table as number);
  }

  /** A dead table nothing points at: drop what it points at, and give its frames back. */
  private destroy(table: number, t: Table): void {
    this.dying.delete(table);
    if (t.level < this.format.levelBits.length - 1) {
      const mem = this.host.mem.i32;
      const entries = 1 << this.format.levelBits[t.level]!;
      for (let i = 0; i < entries; i++) {
        const entry = mem[(table + i * 4) >>> 2]!;
        if (this.leadsToTable(t.level, entry)) this.release((entry & PTE.FRAME_MASK) >>> 0);
      }
    }
    this.tables.delete(table);
    for (let f = 0; f < t.frames; f++) this.host.freeFrame(table + f * PAGE_SIZE);
    if (this.shadowKind) this.vm.vmm.addShadowPages(-t.frames);
    else this.vm.vmm.eptPages -= t.frames;
  }

  private release(table: number): void {
    const t = this.tables.get(table);
    if (!t) return;
    t.refs--;
    if (t.dead && t.refs === 0) this.destroy(table, t);
  }

  read(table: unknown, index: unknown): number {
    const t = this.tableAt(table, 'readEntry');
    this.checkIndex(t, index, 'readEntry', table as number);
    return this.host.mem.i32[((table as number) + (index as number) * 4) >>> 2]!;
  }

  private checkIndex(t: Table, index: unknown, service: string, table: number): void {
    const entries = 1 << this.format.levelBits[t.level]!;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= entries) {
      this.violation(`${service}(${hex(table)}, ${show(index)}): a level-${t.level} table has entries 0 to ${entries - 1}`);
    }
  }

  /** writeEntry: a valid entry leads to a table of the next level, or maps this VM's frames. */
  write(table: unknown, index: unknown, value: unknown): void {
    const t = this.tableAt(table, 'writeEntry');
    this.checkIndex(t, index, 'writeEntry', table as number);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
      this.violation(`writeEntry(${hex(table as number)}, ${String(index)}, ${show(value)}): an entry is a 32-bit number`);
    }
    let entry = value | 0;
    const addr = ((table as number) + (index as number) * 4) >>> 0;
    const mem = this.host.mem.i32;
    const old = mem[addr >>> 2]!;
    if (entry & PTE.V) {
      const frame = (entry & PTE.FRAME_MASK) >>> 0;
      if (this.isLeaf(t.level, entry)) {
        this.checkLeaf(t.level, frame, table as number, index as number);
        // Bit 11 of a leaf is the VMM's (host.ts VMM_WRITE_PROTECT): a shared frame is mapped
        // read-only whatever the pager asks, so that a store to it exits to the VMM (copy-on-write).
        entry &= ~VMM_WRITE_PROTECT;
        // So is a frame write-protection dirty logging waits for the first store to (dirty-log.ts).
        if ((entry & PTE.W) && (this.host.owner[frame >>> 12] === SHARED_OWNER || this.vm.logTrap?.[frame >>> 12] === 1)) entry = (entry & ~PTE.W) | VMM_WRITE_PROTECT;
        // With page-modification logging the EPT's A and D are the hardware's: a new leaf starts clean (pml.ts).
        if (!this.shadowKind && this.vm.pmlLog !== undefined) entry &= ~(PTE.A | PTE.D);
      } else if (this.isSwitched(t.level, entry)) {
        // The guest leaf table the walk switches to: a frame this VM owns alone (the hardware writes A/D there).
        if (this.host.ownerOf(frame) !== this.vm.id) {
          this.violation(`writeEntry: switched entry ${String(index)} of the directory ${hex(table as number)} would lead to host frame ${hex(frame)}, ${this.frameOwner(frame)}; a switched entry leads to the backing frame of one of this VM's page tables (vmm.backing(guestPhys))`);
        }
      } else {
        const next = this.tables.get(frame);
        if (!next || next.dead || next.level !== t.level + 1) {
          this.violation(`writeEntry: entry ${String(index)} of the level-${t.level} table ${hex(table as number)} would lead to host ${hex(frame)}, ${this.frameOwner(frame)}; a non-leaf entry leads to one of this pager's level-${t.level + 1} tables (allocTable(${t.level + 1}))`);
        }
        next.refs++;
      }
    }
    if (this.leadsToTable(t.level, old)) this.release((old & PTE.FRAME_MASK) >>> 0);
    mem[addr >>> 2] = entry;
    this.host.mem.dirty[addr >>> 12] = 1;
    this.vm.stats.cyclesVmm += this.profile.vmmPteWriteCycles;
  }

  /** A leaf maps host frames: every frame of its page must be this VM's. */
  private checkLeaf(level: number, frame: number, table: number, index: number): void {
    const shift = levelShift(this.format, level);
    const base = (frame & ~((2 ** shift - 1) >>> 0)) >>> 0;
    const vmId = this.vm.id;
    for (let f = 0; f < 2 ** (shift - 12); f++) {
      const hostFrame = base + f * PAGE_SIZE;
      if (!this.host.mappableBy(hostFrame, vmId)) {
        this.violation(`writeEntry: entry ${index} of the level-${level} table ${hex(table)} would map host frame ${hex(hostFrame)}, ${this.frameOwner(hostFrame)}; a leaf maps only this VM's frames (vmm.backing(guestPhys))`);
      }
    }
  }

  /** Who owns a host frame, in words. */
  private frameOwner(hostPhys: number): string {
    if (hostPhys >= this.host.mem.sizeBytes) return 'past the end of host memory';
    const owner = this.host.ownerOf(hostPhys);
    if (owner === 0) return 'a free frame';
    if (owner === VMM_OWNER) {
      const t = this.tables.get((hostPhys & ~0xfff) >>> 0);
      return t && !t.dead ? `this pager's level-${t.level} table` : 'a table of the VMM (not this pager\'s, or freed)';
    }
    if (owner === this.vm.id) return `a frame of this VM`;
    return `a frame of another VM (VM ${owner})`;
  }

  /** The hardware's root register now holds `root` (a level-0 table), which counts as a reference to it. */
  setRoot(root: unknown, service: string): number {
    const t = this.tableAt(root, service);
    if (t.level !== 0) this.violation(`${service}(${hex(root as number)}): a root is a level-0 table, this one is level ${t.level}`);
    const r = root as number;
    if (r !== this.root) {
      t.refs++;
      const old = this.root;
      this.root = r;
      if (old >= 0) this.release(old);
    }
    return r;
  }

  /** The hardware's root register no longer holds one of these tables (an agile pager switched at the root). */
  clearRoot(): void {
    const old = this.root;
    this.root = -1;
    if (old >= 0) this.release(old);
  }

  /**
   * Give every table back to the host at once, whatever points at it: the VMM discards this
   * pager (dynamic mode, leaving shadow paging). The hardware must no longer use the root.
   * Returns what was dropped: tables, and the valid entries they held (the work of zapping them).
   */
  releaseAll(): { tables: number; entries: number } {
    const mem = this.host.mem.i32;
    let entries = 0;
    const count = this.tables.size;
    for (const [table, t] of this.tables) {
      const n = 1 << this.format.levelBits[t.level]!;
      for (let i = 0; i < n; i++) if (mem[(table + i * 4) >>> 2]! & PTE.V) entries++;
      for (let f = 0; f < t.frames; f++) this.host.freeFrame(table + f * PAGE_SIZE);
      if (this.shadowKind) this.vm.vmm.addShadowPages(-t.frames);
      else this.vm.vmm.eptPages -= t.frames;
    }
    this.tables.clear();
    this.dying.clear();
    this.root = -1;
    return { tables: count, entries };
  }

  /**
   * Isolation audit: every leaf reachable from one of the pager's roots maps host frames this VM
   * owns (and, for an EPT, guest-physical addresses inside the VM's memory).
   */
  audit(): string[] {
    const problems: string[] = [];
    const mem = this.host.mem.i32;
    const mode = this.format;
    const vm = this.vm;
    const visit = (table: number, level: number, base: number): void => {
      for (let f = 0; f < this.tableFrames(level); f++) {
        if (this.host.ownerOf(table + f * PAGE_SIZE) !== VMM_OWNER) problems.push(`${this.kind} table at ${hex(table)} not owned by the VMM`);
      }
      const entries = 1 << mode.levelBits[level]!;
      const shift = levelShift(mode, level);
      for (let i = 0; i < entries; i++) {
        const entry = mem[(table + i * 4) >>> 2]!;
        if (!(entry & PTE.V)) continue;
        const frame = (entry & PTE.FRAME_MASK) >>> 0;
        const address = base + i * 2 ** shift;
        if (this.isSwitched(level, entry)) {
          if (this.host.ownerOf(frame) !== vm.id) problems.push(`shadow entry for va ${hex(address)} switches to host frame 0x${frame.toString(16)} not owned by VM ${vm.name}`);
          continue;
        }
        if (!this.isLeaf(level, entry)) {
          // A table freed but still pointed at (the pager failed before releasing it) is still the pager's.
          const next = this.tables.get(frame);
          if (!next || next.level !== level + 1) problems.push(`${this.kind} entry for ${this.space} ${hex(address)} leads to host 0x${frame.toString(16)}, not one of the pager's tables`);
          else visit(frame, level + 1, address);
          continue;
        }
        if (!this.shadowKind && address >= vm.sizeBytes) problems.push(`EPT maps guest-physical 0x${address.toString(16)} beyond the VM's memory`);
        const base4k = (frame & ~((2 ** shift - 1) >>> 0)) >>> 0;
        if ((entry & PTE.W) && this.host.ownerOf(base4k) === SHARED_OWNER) problems.push(`${this.kind} entry for ${this.space} 0x${address.toString(16)} maps the shared host frame 0x${base4k.toString(16)} writable`);
        for (let f = 0; f < 2 ** (shift - 12); f++) {
          if (!this.host.mappableBy(base4k + f * PAGE_SIZE, vm.id)) {
            problems.push(`${this.kind} entry for ${this.space} 0x${address.toString(16)} maps host frame 0x${(base4k + f * PAGE_SIZE).toString(16)} not owned by VM ${vm.name}`);
            break;
          }
        }
      }
    };
    for (const [table, t] of this.tables) if (t.level === 0 && !t.dead) visit(table, 0, 0);
    return problems;
  }

  /**
   * The VMM takes mappings away (host.ts, sharing.ts: the MMU-notifier step of KVM, done here for
   * any pager): every valid leaf of the pager's tables mapping a host frame `action` marks is
   * dropped (ZAP: the next access is a hidden fault or EPT violation the pager fills again through
   * `backing`) or made read-only with the VMM's bit (WRITE_PROTECT). Non-leaf entries are left
   * alone, so the pager's table structure and reference counts stay as they were. The caller
   * flushes the TLB. Returns the entries visited (the cost of the scan) and changed.
   */
  revoke(action: Uint8Array): { visited: number; changed: number } {
    const mem = this.host.mem.i32;
    let visited = 0;
    let changed = 0;
    for (const [table, t] of this.tables) {
      const n = 1 << this.format.levelBits[t.level]!;
      const last = t.level === this.format.levelBits.length - 1;
      if (!last && !this.format.largeAllowed[t.level]) continue;
      for (let i = 0; i < n; i++) {
        const at = (table + i * 4) >>> 2;
        const entry = mem[at]!;
        if (!(entry & PTE.V)) continue;
        // An agile switched entry hands the hardware a guest table's frame, which the walk reads and
        // writes A/D into: whatever the VMM does to that frame, the entry goes (the pager switches
        // it again on the next fault there, to the frame backing the table then: pager.ts writableBacking).
        if (this.isSwitched(t.level, entry)) {
          visited++;
          if (!action[((entry & PTE.FRAME_MASK) >>> 0) >>> 12]) continue;
          mem[at] = 0;
          this.host.mem.dirty[at >>> 10] = 1;
          changed++;
          continue;
        }
        if (!this.isLeaf(t.level, entry)) continue;
        visited++;
        const shift = levelShift(this.format, t.level);
        const base = ((entry & PTE.FRAME_MASK) >>> 0) >>> 12;
        let act = 0;
        for (let f = 0; f < 2 ** (shift - 12) && act !== ZAP; f++) act = Math.max(act, action[base + f] ?? 0);
        if (act === 0) continue;
        if (act === ZAP || t.frames > 1 || shift > 12) mem[at] = 0;
        else if (entry & PTE.W) mem[at] = (entry & ~PTE.W) | VMM_WRITE_PROTECT;
        else continue;
        this.host.mem.dirty[at >>> 10] = 1;
        changed++;
      }
    }
    return { visited, changed };
  }

  /**
   * The valid leaf the hardware meets for `addr` (a guest-virtual address under shadow paging, a
   * guest-physical one under EPT) walking from the loaded root; -1 when there is none.
   */
  leafFor(addr: number): number {
    const at = this.leafAddress(addr);
    return at < 0 ? -1 : this.host.mem.i32[at >>> 2]!;
  }

  /**
   * Write-protection dirty logging (dirty-log.ts): give back W to the leaf met for `addr` if the
   * VMM took it (bit 11 set, W clear), clearing bit 11. Whether it did. No TLB flush is needed:
   * a TLB entry without W is dropped and walked again by the store that needs it.
   */
  unprotectLeafFor(addr: number): boolean {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    const entry = this.host.mem.i32[at >>> 2]!;
    if ((entry & PTE.W) || !(entry & VMM_WRITE_PROTECT)) return false;
    this.host.mem.i32[at >>> 2] = (entry | PTE.W) & ~VMM_WRITE_PROTECT;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }

  /** Page-modification logging: clear the EPT D bit of the leaf met for guest-physical `addr`; whether it was set. The caller flushes the TLB. */
  cleanLeafFor(addr: number): boolean {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    const entry = this.host.mem.i32[at >>> 2]!;
    if (!(entry & PTE.D)) return false;
    this.host.mem.i32[at >>> 2] = entry & ~PTE.D;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }

  /** Page-modification logging starts: clear A and D in every valid leaf; returns the leaves visited. The caller flushes the TLB. */
  cleanAll(): number {
    const mem = this.host.mem.i32;
    let visited = 0;
    for (const [table, t] of this.tables) {
      const n = 1 << this.format.levelBits[t.level]!;
      for (let i = 0; i < n; i++) {
        const at = (table + i * 4) >>> 2;
        const entry = mem[at]!;
        if (!(entry & PTE.V) || !this.isLeaf(t.level, entry)) continue;
        visited++;
        mem[at] = entry & ~(PTE.A | PTE.D);
        this.host.mem.dirty[at >>> 10] = 1;
      }
    }
    return visited;
  }

  /** Drop the valid leaf the hardware meets for `addr` (as `revoke` would); whether there was one. */
  zapLeafFor(addr: number): boolean {
    const at = this.leafAddress(addr);
    if (at < 0) return false;
    this.host.mem.i32[at >>> 2] = 0;
    this.host.mem.dirty[at >>> 12] = 1;
    return true;
  }

  /** Host address of the valid leaf met for `addr`, or -1. */
  private leafAddress(addr: number): number {
    if (this.root < 0) return -1;
    const mem = this.host.mem.i32;
    const levels = this.format.levelBits.length;
    let table = this.root;
    for (let level = 0; level < levels; level++) {
      const shift = levelShift(this.format, level);
      const index = Math.floor((addr >>> 0) / 2 ** shift) & ((1 << this.format.levelBits[level]!) - 1);
      const entry = mem[(table + index * 4) >>> 2]!;
      if (!(entry & PTE.V)) return -1;
      if (this.isLeaf(level, entry)) return (table + index * 4) >>> 0;
      table = (entry & PTE.FRAME_MASK) >>> 0;
      if (!this.tables.has(table)) return -1;
    }
    return -1;
  }

  private get kind(): string {
    return this.shadowKind ? 'shadow' : 'EPT';
  }

  private get space(): string {
    return this.shadowKind ? 'va' : 'guest-physical';
  }
}

/** A value in a message (pager-host.ts has the full one). */
function show(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) > 255 ? `${value} (${hex(value)})` : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}
