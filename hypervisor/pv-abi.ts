// The paravirtual MMU's hypercall ABI (`--mode pv`, isa/README.md 3.8.1): the numbers a guest
// puts in `hcall`'s code, the errors it gets back in a0, and the limits of a batch. A PV guest
// asks the VMM for page-table changes instead of writing its (read-only) tables, as a Xen PV
// guest does with HYPERVISOR_mmu_update and friends (Barham et al., SOSP 2003).
//
// Constants and types only: the hypercalls are carried out by the PV pager (pv.ts).

/** Hypercall numbers: the 16-bit code of `hcall`. */
export const HC = {
  /** a0 = guest-physical address of a list of (PTE guest-physical address, new value) pairs, a1 = count. */
  MMU_UPDATE: 1,
  /** a0 = the new PTBR value (root, ASID, KEEP), as `mtcr ptbr` takes it. */
  SET_PTBR: 2,
  /** a0 = a virtual address: `invlpg` of it. */
  INVLPG: 3,
  /** `tlbflush`. */
  TLBFLUSH: 4,
  /** a0 = guest-physical address of a frame, a1 = level (1: a page directory, 0: a page table): validate it and pin it as that type. */
  PIN_TABLE: 5,
  /** a0 = guest-physical address of a pinned frame: drop the pin (the frame is data again once nothing else refers to it). */
  UNPIN_TABLE: 6,
  /** a0 = guest-physical address of a list of entries of four words (number, arg0, arg1, result), a1 = count. */
  MULTICALL: 7,
  /** Ballooning (any mode but pv and agile, when the VMM balloons; isa/README.md 3.8.2): a0 = 0, a1 = frames to give (> 0) or take back (< 0). */
  BALLOON_TARGET: 16,
  /** a0 = guest-physical address of a free frame the guest gives to the VMM: a0 = 0 or an error. */
  BALLOON_INFLATE: 17,
  /** a0 = guest-physical address of a frame the VMM gives back (unbacked, it reads 0), or 0 when it holds none. */
  BALLOON_DEFLATE: 18,
} as const;

/** A hypercall's name by number: how `--stats` and the debugger's `exits` count it ('hc-mmu-update', …). */
export const HC_NAMES: ReadonlyMap<number, string> = new Map([
  [HC.MMU_UPDATE, 'mmu-update'],
  [HC.SET_PTBR, 'set-ptbr'],
  [HC.INVLPG, 'invlpg'],
  [HC.TLBFLUSH, 'tlbflush'],
  [HC.PIN_TABLE, 'pin-table'],
  [HC.UNPIN_TABLE, 'unpin-table'],
  [HC.MULTICALL, 'multicall'],
  [HC.BALLOON_TARGET, 'balloon-target'],
  [HC.BALLOON_INFLATE, 'balloon-inflate'],
  [HC.BALLOON_DEFLATE, 'balloon-deflate'],
]);

/** Results in a0: 0 for success, else one of these (negative, as a kernel's errno). */
export const HC_ERR = {
  /** No such hypercall (or one a multicall may not contain: multicall itself). */
  ENOSYS: -1,
  /** A malformed request: a misaligned address, a count over the limit, a level that is not 0 or 1, a misaligned superpage, a table entry in a frame that is not a pinned table. */
  EINVAL: -2,
  /** A list (of an mmu_update or multicall) that is not wholly in guest RAM. */
  EFAULT: -3,
  /** A frame the guest does not own: outside its RAM (and not its device window). */
  EPERM: -4,
  /** A type conflict: a writable mapping of a page table, a table made of a frame with writable mappings or of the other type, unpinning what is not pinned. */
  EBUSY: -5,
} as const;

export const HC_ERROR_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(HC_ERR).map(([name, value]) => [value, name]));

/** The most entries one mmu_update or multicall may carry: a larger count is EINVAL, and nothing is done. */
export const MAX_BATCH = 512;

/** What a hypercall exit gives the PV pager (pager-host.ts builds it from the vCPU). */
export interface HypercallEvent {
  readonly code: number;
  readonly pc: number;
  readonly instret: number;
  /** a0–a3 (r3–r6) when the guest executed `hcall`. */
  readonly args: readonly [number, number, number, number];
  /** Write the guest's own (virtual) PTBR, as its `mtcr ptbr` would: set_ptbr does. */
  setGuestPtbr(value: number): void;
}

/** What the guest gets back: a0 = result; a1 = done, for the batches (entries completed). */
export interface HypercallResult {
  /** The exit's name ('hc-mmu-update', …). */
  readonly name: string;
  readonly result: number;
  readonly done?: number;
}
