// The image format: what the assembler writes and the loader reads. An image is JSON text so
// that a person can open it; segment bytes are base64.
//
// This file must not import anything from the emulator or the assembler.

export interface Segment {
  /** Load address (physical when the image is loaded at boot). */
  readonly address: number;
  readonly bytes: Uint8Array;
}

export interface ImageSymbol {
  readonly name: string;
  readonly address: number;
  /** Exported with `.global`. */
  readonly global: boolean;
}

/** One entry of the source map: the bytes from `address` on came from file:line. */
export interface SourceLocation {
  readonly address: number;
  readonly file: string;
  readonly line: number;
}

export interface Image {
  readonly entry: number;
  readonly segments: readonly Segment[];
  readonly symbols: readonly ImageSymbol[];
  /** Sorted by address; one entry per emitted instruction or data directive. */
  readonly sourceMap: readonly SourceLocation[];
}

export const IMAGE_MAGIC = 'vmmlab-image';
export const IMAGE_VERSION = 1;

export class ImageFormatError extends Error {}

export function serializeImage(image: Image): string {
  return JSON.stringify(
    {
      format: IMAGE_MAGIC,
      version: IMAGE_VERSION,
      entry: image.entry,
      segments: image.segments.map((s) => ({
        address: s.address,
        size: s.bytes.length,
        data: toBase64(s.bytes),
      })),
      symbols: image.symbols,
      sourceMap: image.sourceMap,
    },
    null,
    1,
  ) + '\n';
}

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** Parse an image file; throws ImageFormatError with a readable reason. */
export function parseImage(text: string): Image {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ImageFormatError('not a vmmlab image (not JSON)');
  }
  const o = raw as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || o.format !== IMAGE_MAGIC) {
    throw new ImageFormatError('not a vmmlab image (no "format": "vmmlab-image")');
  }
  if (o.version !== IMAGE_VERSION) throw new ImageFormatError(`unsupported image version ${String(o.version)}`);
  if (!isUint32(o.entry)) throw new ImageFormatError('image entry point is not a 32-bit address');
  if (!Array.isArray(o.segments)) throw new ImageFormatError('image has no segments array');
  const segments = o.segments.map((s: Record<string, unknown>, i: number) => {
    if (!isUint32(s.address) || typeof s.data !== 'string') {
      throw new ImageFormatError(`segment ${i} needs an address and base64 data`);
    }
    const bytes = fromBase64(s.data);
    if (bytes === undefined) throw new ImageFormatError(`segment ${i}: its data is not base64`);
    if (s.size !== undefined && s.size !== bytes.length) {
      throw new ImageFormatError(`segment ${i}: size ${String(s.size)} does not match its data (${bytes.length} bytes)`);
    }
    return { address: s.address, bytes };
  });
  const symbols = Array.isArray(o.symbols) ? (o.symbols as ImageSymbol[]) : [];
  const sourceMap = Array.isArray(o.sourceMap) ? (o.sourceMap as SourceLocation[]) : [];
  return { entry: o.entry, segments, symbols, sourceMap };
}

// Base64 through atob/btoa, which Node and browsers both have (no Buffer in the core).
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
