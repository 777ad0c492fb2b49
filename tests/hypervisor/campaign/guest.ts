// What both campaigns' guests share: guest memory size, building image segments from words,
// assembling the kernel source, and PTE descriptions for the readable reproductions.

import * as path from 'node:path';
import { PTE } from '../../../isa/arch.ts';
import type { Image, Segment } from '../../../isa/image.ts';
import { GUESTS_DIR, assembleGuest } from '../harness.ts';
import { hex } from './check.ts';

/**
 * Guest memory: 4 MiB and 64 KiB. The page tables live in the last 64 KiB, so a 4 MiB superpage
 * over physical 0 can map everything else writable without reaching them; and the first 4 MiB
 * can be one EPT large page (2-level EPT), the tail mapped page by page.
 */
export const CAMPAIGN_MEMORY = 0x00410000;
/** First frame past RAM that a PTE may name (a bus error on use). */
export const PAST_RAM = 0x00500000;
export const MMIO = 0xf0000000;
export const DEVICE_PDE_INDEX = MMIO >>> 22;

export function wordsSegment(address: number, values: readonly number[]): Segment {
  return { address, bytes: new Uint8Array(new Int32Array(values.map((v) => v | 0)).buffer) };
}

/** Assemble a campaign kernel (`.include` paths start from tests/hypervisor/guests/). */
export function assembleKernel(source: string, name: string): Image {
  return assembleGuest(source, path.join(GUESTS_DIR, `${name}.s`));
}


/** An entry in words: `0x00006043 page -> 0x00006000 [V W A D]`. */
export function describeEntry(entry: number, level: 'pde' | 'pte'): string {
  if (!(entry & PTE.V)) return entry === 0 ? '0' : `${hex(entry)} (V = 0)`;
  const frame = (entry & PTE.FRAME_MASK) >>> 0;
  const superpage = level === 'pde' && (entry & PTE.L) !== 0;
  const flags = (['W', 'X', 'U', 'G', 'A', 'D'] as const).filter((f) => entry & PTE[f]).join(' ');
  const kind = superpage ? ((frame & 0x003ff000) !== 0 ? 'superpage, MISALIGNED' : 'superpage') : level === 'pde' ? 'table' : 'page';
  return `${hex(entry)} ${kind} -> ${hex(frame)} [V ${flags}]`;
}
