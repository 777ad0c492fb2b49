// A full garbage collection on demand, for the benchmarks (no --expose-gc needed on the command line).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, just before a timed run: every run builds a machine with tens of MiB
 * of memory, and the previous runs' machines, now garbage, would otherwise be collected (V8 is
 * pushed by their external memory) inside whichever run comes next, a fixed cost that weighs most
 * on the fastest side.
 */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
