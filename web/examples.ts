// The examples menu: the bare-metal programs, a small paging example, the bundled kernel with
// each of its workloads (the same programs `npm start` and the docs use), and the starters of
// the bare-metal labs.

import type { OptionValues } from '../session/settings.ts';
import { GUEST_FILES } from './guest-files.ts';

export interface Example {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  /** The program's virtual path: its includes resolve from its folder, as on disk. */
  readonly path: string;
  readonly text: string;
  readonly modules: readonly string[];
  readonly options: OptionValues;
  /** Does the example set the mode (else the page keeps the one chosen)? */
  readonly keepMode?: boolean;
}

const KERNEL = 'guest-programs/kernel/kernel.s';

function example(id: string, group: string, label: string, path: string, modules: string[] = []): Example {
  const text = GUEST_FILES[path];
  if (text === undefined) throw new Error(`the playground ships no ${path}`);
  return { id, group, label, path, text, modules, options: {} };
}

export const EXAMPLES: readonly Example[] = [
  example('hello', 'Bare metal', 'hello.s: print a line', 'guest-programs/hello.s'),
  example('paging', 'Bare metal', 'paging.s: a first page table', 'guest-programs/init/paging.s'),
  example('fib', 'Bare metal', 'fib.s: Fibonacci numbers', 'guest-programs/fib.s'),
  example('sieve', 'Bare metal', 'sieve.s: primes below 10000', 'guest-programs/sieve.s'),
  example('traps', 'Bare metal', 'traps.s: three traps and a handler', 'guest-programs/traps.s'),
  example('kernel-primes', 'The kernel (xv6-shaped)', 'primes: compute-bound', KERNEL, ['primes']),
  example('kernel-memwalk', 'The kernel (xv6-shaped)', 'memwalk: a TLB miss on every access', KERNEL, ['memwalk:256,4096,4']),
  example('kernel-ctxswitch', 'The kernel (xv6-shaped)', 'ctxswitch: address-space switches', KERNEL, ['ctxswitch:100']),
  example('kernel-forkstorm', 'The kernel (xv6-shaped)', 'forkstorm: fork and exit', KERNEL, ['forkstorm:10']),
  example('kernel-sbrkchurn', 'The kernel (xv6-shaped)', 'sbrkchurn: grow and shrink the heap', KERNEL, ['sbrkchurn:50']),
  example('kernel-mix', 'The kernel (xv6-shaped)', 'the npm start mix: five workloads', KERNEL, ['primes', 'memwalk:256,4096,4', 'ctxswitch:100', 'forkstorm:10', 'sbrkchurn:50']),
  example('kernel-primes-ctxswitch', 'The kernel (xv6-shaped)', 'primes and ctxswitch together', KERNEL, ['primes', 'ctxswitch:100']),
  example('kernel-echo', 'The kernel (xv6-shaped)', 'echo: read lines from the console', KERNEL, ['echo:2']),
  example('kernel-faulty', 'The kernel (xv6-shaped)', 'faulty: a process the kernel kills', KERNEL, ['faulty', 'primes']),
  // The bare-metal labs' starters (docs/labs/): the program, its other files from beside it.
  example('lab1-traps', 'Labs (docs/labs/)', 'lab 1 starter: a trap handler (kernel.s, trap.s)', 'guest-programs/labs/01-traps/kernel.s'),
  example('lab2-page-table', 'Labs (docs/labs/)', 'lab 2 starter: your first page table (paging.s, vm.s)', 'guest-programs/labs/02-page-table/paging.s'),
];
