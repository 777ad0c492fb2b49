// Instruction emulation by the VMM: decoding the load or store that exited (through the ISA
// table, like any disassembler would) so the VMM can perform it on the guest's behalf: device
// registers (MMIO) and stores to write-protected guest page tables.

import { decode } from '../isa/encoding.ts';

export interface MemoryAccess {
  readonly isStore: boolean;
  readonly size: 1 | 2 | 4;
  readonly signed: boolean;
  /** Loads: the destination register. Stores: the register holding the value. */
  readonly dataReg: number;
}

const ACCESSES: Record<string, Omit<MemoryAccess, 'dataReg'>> = {
  lb: { isStore: false, size: 1, signed: true },
  lh: { isStore: false, size: 2, signed: true },
  lw: { isStore: false, size: 4, signed: true },
  lbu: { isStore: false, size: 1, signed: false },
  lhu: { isStore: false, size: 2, signed: false },
  sb: { isStore: true, size: 1, signed: false },
  sh: { isStore: true, size: 2, signed: false },
  sw: { isStore: true, size: 4, signed: false },
};

/** The load or store a word encodes, or undefined when it is not one. */
export function decodeAccess(word: number): MemoryAccess | undefined {
  const d = decode(word);
  if (!d) return undefined;
  const a = ACCESSES[d.spec.mnemonic];
  if (!a) return undefined;
  const dataReg = a.isStore ? d.operands.srcA! : d.operands.rd!;
  return { ...a, dataReg };
}
