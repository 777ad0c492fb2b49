// xorshift32 (Marsaglia 2003): the VMM's deterministic random numbers (dynamic mode's and agile
// paging's forced switches, host swapping's random victims). A given seed gives the same sequence
// everywhere; the state must not be 0.

/** The state after `x` (an unsigned 32-bit number, never 0 for a non-zero `x`). */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
