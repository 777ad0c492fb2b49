// A VM's log of its most recent exits: a ring of records the VMM writes over in place, so that
// handling an exit allocates nothing and moves nothing (a shadow-paged kernel exits thousands of
// times a run). Readers (the debugger, the playground, tests) get copies, oldest first, which
// later exits do not change.

import { ACCESS_NAMES, CR_NAMES, causeName } from '../isa/arch.ts';
import { EXIT, EXIT_NAMES, ExitInfo } from '../emulator/exits.ts';

/** One VM exit as the debugger's `exits` shows it. */
export interface ExitRecord {
  /** Guest instructions retired when it happened. */
  instructions: number;
  pc: number;
  /** Hardware reason (cr-write, page-fault, ept-violation, …). */
  hardware: string;
  /** The VMM's classification (ptbr-write, hidden-fault, pt-write, mmio, …). */
  reason: string;
  /** A readable qualification: address, access, value. */
  detail: string;
}

/** How many recent exits a VM remembers. */
export const EXIT_LOG_SIZE = 256;

/**
 * An exit as the log keeps it: a copy of its qualification, put into words only when someone
 * reads `detail`, so that handling an exit formats nothing. A record given whole (the dynamic and
 * agile designs' own events) keeps its words instead.
 */
class LoggedExit implements ExitRecord {
  instructions = 0;
  pc = 0;
  hardware = '';
  reason = '';
  /** The detail of a record given whole; undefined for a hardware exit (described from info). */
  words: string | undefined = undefined;
  readonly info = new ExitInfo();

  get detail(): string {
    return this.words ?? describeExit(this.info);
  }

  copyFrom(other: LoggedExit): this {
    this.instructions = other.instructions;
    this.pc = other.pc;
    this.hardware = other.hardware;
    this.reason = other.reason;
    this.words = other.words;
    this.info.copyFrom(other.info);
    return this;
  }
}

/**
 * A record alive as long as this module, so that V8's hidden class for records lives on between
 * VMs: the log makes its records at a VM's first exits, and when a full collection takes the
 * last VM's records before the next VM's first exit, the code optimized against their class is
 * thrown away and warms up again (see MAP_KEEPER in emulator/jit/engine.ts).
 */
export const RECORD_KEEPER = new LoggedExit();

export class ExitLog {
  private readonly slots: LoggedExit[] = [];
  /** Where the next record goes once the ring is full (the oldest one). */
  private next = 0;

  get length(): number {
    return this.slots.length;
  }

  /** A hardware exit the VMM handled, classified as `reason`. */
  exit(instructions: number, e: ExitInfo, reason: string): void {
    const r = this.slot();
    r.instructions = instructions;
    r.pc = e.pc;
    r.hardware = EXIT_NAMES.get(e.reason) ?? String(e.reason);
    r.reason = reason;
    r.words = undefined;
    r.info.copyFrom(e);
  }

  /** A record given whole. */
  record(record: ExitRecord): void {
    const r = this.slot();
    r.instructions = record.instructions;
    r.pc = record.pc;
    r.hardware = record.hardware;
    r.reason = record.reason;
    r.words = record.detail;
  }

  /** The newest `count` records (all of them by default), oldest first, as copies. */
  newest(count = Infinity): ExitRecord[] {
    const n = this.slots.length;
    const shown = Math.max(0, Math.min(n, count));
    const out: ExitRecord[] = [];
    // Full, the oldest record is at `next`; until then the slots are in order from 0.
    const oldest = n < EXIT_LOG_SIZE ? 0 : this.next;
    for (let k = n - shown; k < n; k++) out.push(new LoggedExit().copyFrom(this.slots[(oldest + k) % n]!));
    return out;
  }

  private slot(): LoggedExit {
    if (this.slots.length < EXIT_LOG_SIZE) {
      const r = new LoggedExit();
      this.slots.push(r);
      return r;
    }
    const r = this.slots[this.next]!;
    this.next = (this.next + 1) % EXIT_LOG_SIZE;
    return r;
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** The qualification of an exit in words. */
export function describeExit(e: ExitInfo): string {
  switch (e.reason) {
    case EXIT.CR_READ: return `mfcr ${CR_NAMES.get(e.crn) ?? e.crn}`;
    case EXIT.CR_WRITE: return `write ${CR_NAMES.get(e.crn) ?? e.crn} = ${hex(e.value)}`;
    case EXIT.INVLPG: return `invlpg ${hex(e.address)}`;
    case EXIT.TLBFLUSH: return 'tlbflush';
    case EXIT.PAGE_FAULT: return `${causeName(e.cause)} at ${hex(e.address)} (${ACCESS_NAMES[e.access]})`;
    case EXIT.EPT_VIOLATION: return `guest-physical ${hex(e.guestPhys)}${e.inTableWalk ? ' (a guest page table)' : ''} for ${ACCESS_NAMES[e.access]} of ${hex(e.address)}`;
    case EXIT.WFI: return 'wfi';
    case EXIT.HCALL: return `hcall ${e.code}`;
    case EXIT.PML_FULL: return `page-modification log full at guest-physical ${hex(e.guestPhys)} for ${ACCESS_NAMES[e.access]} of ${hex(e.address)}`;
    default: return '';
  }
}
