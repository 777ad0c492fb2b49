// The examples menu: the bare-metal programs, a small paging example, the bundled kernel with
// each of its workloads (the same programs `npm start` and the docs use), and the five labs of
// docs/labs/, each a small project of the files `vmmlab lab init N` makes (the page edits every
// one of them, and Check lab runs `vmmlab lab check N`'s checks on them: lab 4's, check-pager).

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
  /** Every file it opens, with its starter text, in the order the page lists them: the program alone, or a lab's files. */
  readonly files: readonly ProjectFile[];
  /** The file the editor shows first (a lab: the student's file). */
  readonly open: string;
  /** The project's folder: a module given by a relative path (`pages.s:2`) is looked for there. */
  readonly root?: string;
  /** The lab whose starter it is (docs/labs/NN-name.md). */
  readonly lab?: number;
  /** Does Check lab run its check here (every lab does; lab 4's is check-pager's suite)? */
  readonly labCheck?: boolean;
}

/** One file of an example's project: its virtual path and the text it starts with. */
export interface ProjectFile {
  readonly path: string;
  readonly text: string;
}

const KERNEL = 'guest-programs/kernel/kernel.s';

function shipped(path: string): string {
  const text = GUEST_FILES[path];
  if (text === undefined) throw new Error(`the playground ships no ${path}`);
  return text;
}

function example(id: string, group: string, label: string, path: string, modules: string[] = []): Example {
  const text = shipped(path);
  return { id, group, label, path, text, modules, options: {}, files: [{ path, text }], open: path };
}

const LABS_DIR = 'guest-programs/labs';
const LABS_GROUP = 'Labs (docs/labs/)';

/**
 * A lab's project: its starter folder's files (guest-programs/labs/NN-name/, as `vmmlab lab init`
 * copies them), named by their path there, and any it adds (`copies`: lab 3's kernel/, from the
 * bundled kernel). Its check/ programs are not among them: they are the check's, as on disk.
 */
function lab(number: number, id: string, label: string, o: { program: string; open: string; files: string[]; copies?: [string, string][]; modules?: string[]; options?: Example['options']; checkedHere?: false }): Example {
  const root = `${LABS_DIR}/${id}`;
  const files: ProjectFile[] = [
    ...o.files.map((name) => ({ path: `${root}/${name}`, text: shipped(`${root}/${name}`) })),
    ...(o.copies ?? []).map(([name, from]) => ({ path: `${root}/${name}`, text: shipped(from) })),
  ];
  const program = o.program.startsWith('guest-programs/') ? o.program : `${root}/${o.program}`;
  const text = files.find((f) => f.path === program)?.text ?? shipped(program);
  return {
    id: `lab${number}-${id.replace(/^\d+-/, '')}`, group: LABS_GROUP, label, path: program, text, modules: o.modules ?? [], options: o.options ?? {},
    ...(o.options?.mode ? { keepMode: true } : {}), files, open: `${root}/${o.open}`, root, lab: number, labCheck: o.checkedHere ?? true,
  };
}

/** Lab 3's copy of the kernel (kernel/, as `vmmlab lab init 3` makes it): the sources, not the README. */
const KERNEL_COPY: [string, string][] = Object.keys(GUEST_FILES)
  .filter((p) => p.startsWith('guest-programs/kernel/') && /\.(s|inc)$/.test(p))
  .sort()
  .map((p) => [`kernel/${p.slice('guest-programs/kernel/'.length)}`, p]);

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
  lab(1, '01-traps', 'lab 1: traps and the privileged architecture (trap.s)', {
    program: 'kernel.s', open: 'trap.s', files: ['kernel.s', 'trap.s', 'user.s', 'lab1.inc'],
  }),
  lab(2, '02-page-table', 'lab 2: your first page table (vm.s)', {
    program: 'paging.s', open: 'vm.s', files: ['paging.s', 'vm.s', 'lab2.inc'],
  }),
  lab(3, '03-address-spaces', 'lab 3: a system call of your own (kernel/, pages.s)', {
    program: 'kernel/kernel.s', open: 'pages.s', files: ['pages.s'], copies: KERNEL_COPY, modules: ['pages.s:2'],
  }),
  // Lab 4's pager is JavaScript (vmmlab init's starter), graded by check-pager's suite in a
  // worker; Build and Run try the guest, paging.s, under vmmlab's own shadow pager.
  lab(4, '04-shadow-pager', 'lab 4: a shadow pager (pager.js)', {
    program: 'paging.s', open: 'pager.js', files: ['answers.md'], copies: [['pager.js', 'guest-programs/init/pager.js'], ['paging.s', 'guest-programs/init/paging.s']], options: { mode: 'shadow' },
  }),
  lab(5, '05-trade-off', 'lab 5: shadow paging against EPT (misses.s, switches.s, study.json)', {
    program: KERNEL, open: 'misses.s', files: ['misses.s', 'switches.s', 'study.json', 'answers.md'], modules: ['misses.s'],
  }),
];
