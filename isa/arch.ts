// TV32 privileged architecture constants: control registers, STATUS bits, trap causes, the
// paging format and the device map. isa/README.md is the prose for every value here.
//
// This file must not import anything from the emulator or the assembler.

/** Control register numbers (the `crn` field of mfcr/mtcr). */
export const CR = {
  STATUS: 0,
  PTBR: 1,
  EVEC: 2,
  EPC: 3,
  CAUSE: 4,
  BADVA: 5,
  SCRATCH: 6,
  TIMER: 7,
  CYCLE: 8,
  CYCLEH: 9,
  INSTRET: 10,
  INSTRETH: 11,
} as const;

export type CrName = keyof typeof CR;
export const CR_COUNT = 32;
export const CR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CR).map(([name, n]) => [n, name.toLowerCase()]),
);
/** Control registers that user mode may read (mfcr); all others trap as privileged. */
export const USER_READABLE_CRS: readonly number[] = [CR.CYCLE, CR.CYCLEH, CR.INSTRET, CR.INSTRETH];
/** Control registers that ignore writes. */
export const READ_ONLY_CRS: readonly number[] = [CR.CYCLE, CR.CYCLEH, CR.INSTRET, CR.INSTRETH];

/** STATUS bits. */
export const STATUS = {
  /** Current mode: 1 = supervisor, 0 = user. */
  MODE: 1 << 0,
  /** Interrupts enabled. */
  IE: 1 << 1,
  /** Mode before the last trap; eret restores MODE from it. */
  PMODE: 1 << 2,
  /** IE before the last trap; eret restores IE from it. */
  PIE: 1 << 3,
  /** Paging enabled. */
  PG: 1 << 4,
} as const;
/** The STATUS bits that exist; writes to the others are ignored and they read as 0. */
export const STATUS_WRITABLE_MASK = 0x1f;

/** Trap causes (the value of CAUSE). Interrupts are 16 and up. */
export const CAUSE = {
  ILLEGAL_INSTRUCTION: 0,
  PRIVILEGED_INSTRUCTION: 1,
  SYSCALL: 2,
  BREAKPOINT: 3,
  MISALIGNED_FETCH: 4,
  MISALIGNED_LOAD: 5,
  MISALIGNED_STORE: 6,
  BUS_ERROR: 7,
  FETCH_PAGE_FAULT: 8,
  LOAD_PAGE_FAULT: 9,
  STORE_PAGE_FAULT: 10,
  FETCH_PROTECTION_FAULT: 11,
  LOAD_PROTECTION_FAULT: 12,
  STORE_PROTECTION_FAULT: 13,
  TIMER_INTERRUPT: 16,
  DEVICE_INTERRUPT: 17,
} as const;

export type CauseName = keyof typeof CAUSE;
export const CAUSE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CAUSE).map(([name, n]) => [n, name.toLowerCase().replace(/_/g, '-')]),
);
export function causeName(cause: number): string {
  return CAUSE_NAMES.get(cause) ?? `cause-${cause}`;
}

/** Memory access types: the MMU and the trap causes tell them apart. */
export const ACCESS = { FETCH: 0, LOAD: 1, STORE: 2 } as const;
export type AccessType = (typeof ACCESS)[keyof typeof ACCESS];
export const ACCESS_NAMES = ['fetch', 'load', 'store'] as const;

/** Paging format: 4 KiB pages, two levels of 10 index bits, 4 MiB superpages at level 1. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const SUPERPAGE_SHIFT = 22;
export const SUPERPAGE_SIZE = 1 << SUPERPAGE_SHIFT;

/** Page-table entry bits. The frame address lives in bits [31:12]. */
export const PTE = {
  V: 1 << 0,
  W: 1 << 1,
  X: 1 << 2,
  U: 1 << 3,
  G: 1 << 4,
  A: 1 << 5,
  D: 1 << 6,
  /** In a level-1 entry: this entry maps a 4 MiB superpage instead of pointing at a table. */
  L: 1 << 7,
  /** Bits [11:8] are ignored by the hardware and left to software. */
  SOFTWARE_MASK: 0xf00,
  FRAME_MASK: 0xfffff000 | 0,
} as const;

/** PTBR: bits [31:12] are the root table's physical address, bits [7:0] the ASID. */
export const PTBR_ROOT_MASK = 0xfffff000 | 0;
export const PTBR_ASID_MASK = 0xff;
/**
 * Written with PTBR, bit 8 (KEEP) asks the MMU to keep the TLB entries of the ASID being
 * written (x86's CR3 no-flush bit does the same for PCIDs). It is an action, not state: PTBR
 * reads it as 0.
 */
export const PTBR_KEEP = 1 << 8;

/** The device region: physical addresses 0xF000_0000 to 0xF000_FFFF. */
export const MMIO_BASE = 0xf0000000;
export const MMIO_SIZE = 0x10000;
export const DEVICE = {
  /** Write: send the low byte to the console. */
  CONSOLE_TX: 0xf0000000,
  /** Read: the next input byte, or -1 (0xffffffff) when none is waiting. */
  CONSOLE_RX: 0xf0000004,
  /** Read: bit 0 = an input byte is waiting, bit 1 = ready to transmit (always 1). */
  CONSOLE_STATUS: 0xf0000008,
  /** Write: power off; the value written is the exit code. */
  POWER_OFF: 0xf0000010,
} as const;

/** Reset state: execution starts in supervisor mode, interrupts and paging off. */
export const RESET_STATUS = STATUS.MODE;
