// Paging-mode descriptors: how many levels a table walk has and how many index bits each level
// takes. One walker (walker.ts) serves every kind of translation by reading one of these: the
// TV32 guest format (native, shadow and the guest stage of EPT) and the EPT format with 1 to 4
// levels. Both use the TV32 entry layout (isa/README.md, "Page-table entries"): V, W, X, L and the
// frame in bits [31:12]; in EPT entries U, G, A and D are ignored.

export interface PagingMode {
  readonly name: string;
  /** Index bits per level, top level first; they add up to 20 (a 32-bit address, 4 KiB pages). */
  readonly levelBits: readonly number[];
  /** Per level: may an entry with L set end the walk there as a large page? */
  readonly largeAllowed: readonly boolean[];
  /**
   * Agile paging (Gandhi et al., ISCA 2016): the tables are the VMM's shadow tables, and a
   * non-leaf entry with the switch bit (AGILE_SWITCH) leads to a *guest* table in host memory:
   * from there down the walk reads guest entries, and its output is guest-physical (the MMU
   * then translates it through the nested stage). Without `agile` the bit is ignored. Only
   * AGILE_PAGING has it, and the walker knows that descriptor by identity (a property test on
   * every walk's descriptor slowed the native and EPT walks by 15 to 35%).
   */
  readonly agile?: boolean;
}

/** The switch bit of an agile walk: software bit 8 of a shadow directory entry (isa/README.md 6.6). */
export const AGILE_SWITCH = 1 << 8;

/** The TV32 format: 10 + 10 bits, 4 MiB superpages at the first level (isa/README.md, "Virtual memory"). */
export const TV32_PAGING: PagingMode = { name: 'tv32', levelBits: [10, 10], largeAllowed: [true, false] };

/** The TV32 format walked the agile way: shadow entries until a switch bit, guest entries below it. */
export const AGILE_PAGING: PagingMode = { name: 'tv32-agile', levelBits: [10, 10], largeAllowed: [true, false], agile: true };

/**
 * The EPT format with `levels` levels (1 to 4). The 20 bits of a guest-physical page number are
 * split as evenly as possible, larger parts first: 1 → [20], 2 → [10, 10], 3 → [7, 7, 6],
 * 4 → [5, 5, 5, 5]. With `largePages`, every level but the last may map a large page.
 */
export function eptPagingMode(levels: number, largePages: boolean): PagingMode {
  if (!Number.isInteger(levels) || levels < 1 || levels > 4) throw new RangeError(`EPT levels must be 1 to 4 (got ${levels})`);
  const levelBits: number[] = [];
  let remaining = 20;
  for (let l = 0; l < levels; l++) {
    const bits = Math.ceil(remaining / (levels - l));
    levelBits.push(bits);
    remaining -= bits;
  }
  const largeAllowed = levelBits.map((_, l) => largePages && l < levels - 1);
  return { name: `ept${levels}${largePages ? '-large' : ''}`, levelBits, largeAllowed };
}

/** Bytes of one table at a level (4-byte entries). Tables smaller than a page still take a page. */
export function tableBytes(mode: PagingMode, level: number): number {
  return 4 << mode.levelBits[level]!;
}

/** log2 of the bytes one entry at a level maps. */
export function levelShift(mode: PagingMode, level: number): number {
  let shift = 12;
  for (let l = mode.levelBits.length - 1; l > level; l--) shift += mode.levelBits[l]!;
  return shift;
}
