// Sizes as configuration files and flags write them: a number of bytes, or digits with K, M or G
// (KiB, MiB, GiB; `KB`, `MiB`, `kib` are read the same).

/** The JSON Schema pattern of a size given as text. */
export const SIZE_PATTERN = '^\\s*\\d+\\s*([kKmMgG]([iI]?[bB])?)?\\s*$';

/** Bytes of a size; NaN when it is not one. */
export function sizeBytes(raw: number | string): number {
  if (typeof raw === 'number') return raw;
  const m = /^\s*(\d+)\s*([kmg]i?b?)?\s*$/i.exec(raw);
  if (!m) return NaN;
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

/** Is `bytes` a whole number of 4 KiB pages from `min` to `max`? */
export function pagesInRange(bytes: number, min: number, max: number): boolean {
  return Number.isSafeInteger(bytes) && bytes >= min && bytes <= max && bytes % 4096 === 0;
}
