// The boot loader: places a kernel image and its boot modules (user programs with a name and
// integer arguments) in guest-physical memory and writes the boot-information block whose
// address the kernel receives in a0 (isa/README.md, "Boot information"), in the way multiboot
// hands modules to a kernel.
//
// It writes through a `GuestPhysicalWriter`, so the same code boots bare metal and a VM.

import type { Image } from '../isa/image.ts';

export const BOOT_MAGIC = 0x54564249; // "TVBI"
export const BOOT_INFO_WORDS = 8;
export const MODULE_ENTRY_WORDS = 8;
/** User programs are assembled at this virtual address unless their source says otherwise. */
export const USER_ORIGIN = 0x00400000;

export interface GuestPhysicalWriter {
  readonly sizeBytes: number;
  load(addr: number, bytes: Uint8Array): void;
}

export interface BootModule {
  readonly name: string;
  readonly image: Image;
  readonly args: readonly number[];
}

export interface BootLayout {
  /** Guest-physical address of the boot-information block (the kernel's a0). */
  bootInfo: number;
  /** First free guest-physical byte after everything the loader placed (page-aligned). */
  freeStart: number;
  modules: { name: string; physStart: number; sizeBytes: number; vaBase: number; entry: number }[];
}

export class BootError extends Error {}

/**
 * A boot-module spec as users write it: `PROG.s[:ARG,ARG…]`. The name is the file name without
 * its extension; the arguments are 32-bit integers (decimal or 0x hex). Throws BootError.
 */
export function parseModuleSpec(spec: string): { file: string; name: string; args: number[] } {
  const colon = spec.lastIndexOf(':');
  const file = colon > 0 ? spec.slice(0, colon) : spec;
  const argText = colon > 0 ? spec.slice(colon + 1) : '';
  const args = argText === '' ? [] : argText.split(',').map((a) => {
    const t = a.trim();
    const v = /^-?0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^-?\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(v) || v < -0x80000000 || v > 0xffffffff) {
      throw new BootError(`module '${spec}': argument '${a}' is not a 32-bit integer`);
    }
    return v;
  });
  const base = file.split(/[\\/]/).pop() ?? file;
  return { file, name: base.replace(/\.[^.]*$/, ''), args };
}

const PAGE = 4096;
const pageUp = (n: number) => Math.ceil(n / PAGE) * PAGE;

/** A module's image as one contiguous block from its lowest to its highest byte. */
export function flattenImage(image: Image): { base: number; bytes: Uint8Array } {
  if (image.segments.length === 0) return { base: USER_ORIGIN, bytes: new Uint8Array(0) };
  const base = Math.min(...image.segments.map((s) => s.address));
  const end = Math.max(...image.segments.map((s) => s.address + s.bytes.length));
  const bytes = new Uint8Array(end - base);
  for (const s of image.segments) bytes.set(s.bytes, s.address - base);
  return { base, bytes };
}

/**
 * Load the kernel's segments, then after the kernel (page-aligned) each module's bytes, the
 * module table, argument arrays and names, and the boot-information block. Returns the layout.
 */
export interface BootOptions {
  /** Boot-info word 6: the timer interval the kernel should use (0: its own default). */
  readonly timerInterval?: number;
}

/**
 * Copy an image's segments to their (guest-)physical addresses; every byte must land in memory.
 * Returns the end of the highest segment. This is all a program without modules gets.
 */
export function loadSegments(mem: GuestPhysicalWriter, image: Image): number {
  let end = 0;
  for (const seg of image.segments) {
    if (seg.address + seg.bytes.length > mem.sizeBytes) {
      throw new BootError(`segment at 0x${seg.address.toString(16)} (${seg.bytes.length} bytes) does not fit in ${mem.sizeBytes} bytes of memory`);
    }
    mem.load(seg.address, seg.bytes);
    end = Math.max(end, seg.address + seg.bytes.length);
  }
  return end;
}

export function bootLoad(mem: GuestPhysicalWriter, kernel: Image, modules: readonly BootModule[], options: BootOptions = {}): BootLayout {
  const kernelEnd = loadSegments(mem, kernel);
  let cursor = pageUp(kernelEnd);
  const placed: BootLayout['modules'] = [];
  for (const m of modules) {
    const { base, bytes } = flattenImage(m.image);
    if (base % PAGE !== 0) throw new BootError(`module '${m.name}' starts at 0x${base.toString(16)}, not on a page boundary`);
    placed.push({ name: m.name, physStart: cursor, sizeBytes: bytes.length, vaBase: base, entry: m.image.entry });
    if (cursor + bytes.length > mem.sizeBytes) throw new BootError(`module '${m.name}' does not fit in memory`);
    mem.load(cursor, bytes);
    cursor = pageUp(cursor + bytes.length);
  }
  // The boot-information block, module table, argument words and names share the next pages.
  const bootInfo = cursor;
  const tableAddr = bootInfo + BOOT_INFO_WORDS * 4;
  let dataAddr = tableAddr + modules.length * MODULE_ENTRY_WORDS * 4;
  const words: number[] = [];
  const strings: { addr: number; bytes: Uint8Array }[] = [];
  const table: number[] = [];
  modules.forEach((m, i) => {
    const argvAddr = dataAddr;
    dataAddr += m.args.length * 4;
    const nameBytes = new TextEncoder().encode(m.name + '\0');
    const nameAddr = dataAddr;
    dataAddr = (dataAddr + nameBytes.length + 3) & ~3;
    strings.push({ addr: argvAddr, bytes: new Uint8Array(new Int32Array(m.args.map((a) => a | 0)).buffer) });
    strings.push({ addr: nameAddr, bytes: new Uint8Array(nameBytes) });
    const p = placed[i]!;
    table.push(p.physStart, p.sizeBytes, p.vaBase, p.entry, nameAddr, m.args.length, argvAddr, 0);
  });
  const freeStart = pageUp(dataAddr);
  if (freeStart > mem.sizeBytes) throw new BootError('boot modules do not fit in memory');
  words.push(BOOT_MAGIC, mem.sizeBytes, freeStart, modules.length, tableAddr, pageUp(kernelEnd), options.timerInterval ?? 0, 0);
  mem.load(bootInfo, new Uint8Array(new Int32Array([...words, ...table].map((w) => w | 0)).buffer));
  for (const s of strings) mem.load(s.addr, s.bytes);
  return { bootInfo, freeStart, modules: placed };
}
