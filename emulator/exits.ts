// VM exits: which guest events leave guest mode, and what an exit tells the VMM. This is the
// machine's side of the VT-x/SVM-style interface; the VMM (hypervisor/) configures the controls
// and handles the exits, and never reaches into the CPU's loop.

/** Hardware exit reasons. */
export const EXIT = {
  /** mfcr of a control register whose bit is set in crReadExits. Qualification: crn, rd. */
  CR_READ: 1,
  /** mtcr/mxcr of a control register in crWriteExits (STATUS: only bits in statusWriteMask changing). Qualification: crn, value, rd. */
  CR_WRITE: 2,
  TLBFLUSH: 3,
  /** Qualification: the virtual address. */
  INVLPG: 4,
  /** A page or protection fault (or bus error in a walk) the guest raised. Qualification: cause, address. */
  PAGE_FAULT: 5,
  /** A guest-physical address without an EPT mapping (or without the right). Qualification: guest-physical address, access, virtual address. */
  EPT_VIOLATION: 6,
  WFI: 7,
  /** Qualification: the hcall code. */
  HCALL: 8,
  /**
   * Page-modification logging (pml.ts, isa/README.md 6.7): a write needed an EPT D bit set while
   * the log was full. Nothing was set; the access is retried once the VMM drained the log.
   * Qualification: guest-physical address, access, virtual address.
   */
  PML_FULL: 9,
} as const;

export type ExitReason = (typeof EXIT)[keyof typeof EXIT];

/** Exit-control bits (which events exit). */
export const EXIT_CONTROL = {
  TLBFLUSH: 1 << 0,
  INVLPG: 1 << 1,
  PAGE_FAULT: 1 << 2,
  WFI: 1 << 3,
  HCALL: 1 << 4,
} as const;

export interface ExitControls {
  /** Bit n set: mfcr of control register n exits. */
  crReadExits: number;
  /** Bit n set: mtcr/mxcr of control register n exits (STATUS is filtered by statusWriteMask). */
  crWriteExits: number;
  /** A STATUS write exits only when it changes one of these bits (like VT-x's CR0 guest/host mask). */
  statusWriteMask: number;
  /** EXIT_CONTROL bits. */
  events: number;
}

/** The qualification of the last exit. One object per CPU, overwritten in place. */
export class ExitInfo {
  reason: number = 0;
  /** pc of the instruction that exited; it has not retired. */
  pc = 0;
  /** The instruction word. */
  word = 0;
  crn = 0;
  /** Register written by mfcr/mxcr (the VMM puts the emulated value there). */
  rd = 0;
  /** The value a CR write would have written. */
  value = 0;
  /** Virtual address (invlpg, faults). */
  address = 0;
  guestPhys = 0;
  /** EPT violations: met while reading a guest page table, not for the final address. */
  inTableWalk = false;
  /** ACCESS type of a fault or EPT violation. */
  access = 0;
  /** TV32 cause of a PAGE_FAULT exit. */
  cause = 0;
  code = 0;

  /** Take every field of another exit's qualification (the exit log's copy, field by field rather than Object.assign's generic walk). */
  copyFrom(e: ExitInfo): void {
    this.reason = e.reason;
    this.pc = e.pc;
    this.word = e.word;
    this.crn = e.crn;
    this.rd = e.rd;
    this.value = e.value;
    this.address = e.address;
    this.guestPhys = e.guestPhys;
    this.inTableWalk = e.inTableWalk;
    this.access = e.access;
    this.cause = e.cause;
    this.code = e.code;
  }
}

export const EXIT_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(EXIT).map(([name, n]) => [n, name.toLowerCase().replace(/_/g, '-')]),
);
