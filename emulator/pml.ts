// The Page Modification Log of the EPT's accessed/dirty flags (Intel SDM vol. 3C, "Page-Modification
// Logging"; isa/README.md 6.7): while a VM runs with one, the EPT walk sets A in each EPT leaf it
// uses and D on a write, and each 0 -> 1 transition of a D bit appends the guest-physical page
// address to the log. When the log is already full, the write that would append exits instead
// (`pml-full`, before anything is set) and the VMM drains it; the access is then retried.
//
// This is hardware state of the VM (a VMCS field pair: the log's address and its index), loaded
// into the MMU at VM entry (Mmu.pml); null when PML is off, and then the walk does no A/D work.

/** Intel's log: one 4 KiB page of 512 eight-byte entries. */
export const DEFAULT_PML_SIZE = 512;

export class PmlLog {
  /** Guest-physical page addresses (low 12 bits zero), in the order their D bits were set. */
  readonly entries: Int32Array;
  /** Entries in use (Intel's PML index counts down from 511; this counts up: the same log). */
  count = 0;

  constructor(readonly size: number = DEFAULT_PML_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a PML log holds at least 1 entry (got ${size})`);
    this.entries = new Int32Array(size);
  }
}
