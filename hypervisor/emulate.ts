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

/**
 * Words decoded before, and what they encode (null: not a load or store). A shadow VMM emulates
 * the same few stores to page tables thousands of times a second; the answer depends on the
 * word alone. Emptied when it reaches DECODED_MAX words.
 */
const DECODED = new Map<number, MemoryAccess | null>();
const DECODED_MAX = 4096;

/** The load or store a word encodes, or undefined when it is not one. */
export function decodeAccess(word: number): MemoryAccess | undefined {
  word >>>= 0;
  let access = DECODED.get(word);
  if (access === undefined) {
    if (DECODED.size >= DECODED_MAX) DECODED.clear();
    access = decodeWord(word);
    DECODED.set(word, access);
  }
  return access ?? undefined;
}

function decodeWord(word: number): MemoryAccess | null {
  const d = decode(word);
  if (!d) return null;
  const a = ACCESSES[d.spec.mnemonic];
  if (!a) return null;
  const dataReg = a.isStore ? d.operands.srcA! : d.operands.rd!;
  return Object.freeze({ ...a, dataReg });
}
