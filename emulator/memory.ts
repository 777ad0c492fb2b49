// Physical memory: one ArrayBuffer seen as bytes, halves and words. Host byte order must be
// little-endian (TV32 is), which every platform Node.js 20 and every browser runs on is; we check
// once, with a typed array (no node:os: the core runs in a web worker too).
//
// This module knows nothing of translation or devices: callers give it in-range physical
// addresses with the alignment their view needs.

import { PAGE_SIZE } from '../isa/arch.ts';

if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) throw new Error('vmmlab needs a little-endian host');

export class PhysicalMemory {
  readonly sizeBytes: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly i8: Int8Array;
  /**
   * One byte per 4 KiB page: 1 once the page has been written since the map was last cleared.
   * Every writer of memory marks it (the CPU when its store path moves to a new page, the walker's
   * A/D updates, the VMM and the loaders); the debugger's snapshots read and clear it, to keep
   * only the pages that changed between two of them.
   */
  readonly dirty: Uint8Array;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % PAGE_SIZE !== 0 || sizeBytes > 0xf0000000) {
      throw new RangeError(`memory size must be a positive multiple of ${PAGE_SIZE} bytes below 0xF0000000 (got ${sizeBytes})`);
    }
    this.sizeBytes = sizeBytes;
    const buffer = new ArrayBuffer(sizeBytes);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.dirty = new Uint8Array(sizeBytes / PAGE_SIZE);
  }

  /** Note that the bytes [addr, addr + length) were written. */
  markDirty(addr: number, length = 1): void {
    const last = Math.min(this.dirty.length - 1, (addr + Math.max(1, length) - 1) >>> 12);
    for (let p = addr >>> 12; p <= last; p++) this.dirty[p] = 1;
  }

  readWord(addr: number): number {
    return this.i32[addr >>> 2]!;
  }

  writeWord(addr: number, value: number): void {
    this.i32[addr >>> 2] = value;
    this.dirty[addr >>> 12] = 1;
  }

  load(addr: number, bytes: Uint8Array): void {
    this.u8.set(bytes, addr);
    this.markDirty(addr, bytes.length);
  }
}
