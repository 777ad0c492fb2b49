// The labs of docs/labs/, as plain data both `vmmlab lab` (cli/commands/lab.ts) and the
// playground (web/) read: number, folder, title, what the check runs, the files it needs, and
// the check itself: labs 1-3 run programs, lab 5 a study (in this thread: the CLI runs it on Node
// its own way, with the same checks of its result). Lab 4 is graded by `vmmlab check-pager`'s
// suite (session/check-pager.ts): the CLI and the playground each load the pager their own way.

import { checkLab1, checkLab2 } from './bare.ts';
import { checkLab3 } from './kernel.ts';
import { checkLab5InMemory } from './study.ts';
import type { Check, LabContext } from './kit.ts';

export interface LabInfo {
  readonly number: number;
  /** Its folder under guest-programs/labs/ (and tests/labs/solutions/), and its text's name. */
  readonly id: string;
  readonly title: string;
  /** What the check runs, for `lab list`. */
  readonly checks: string;
  /** Files the check needs in the student's folder. */
  readonly required: readonly string[];
  /** Its check of a folder's files (labs 1-3, 5): the playground's worker, and (1-3) the command line. Lab 4's is check-pager. */
  readonly check?: (ctx: LabContext) => Check[];
}

export const LAB_INFO: readonly LabInfo[] = [
  {
    number: 1, id: '01-traps', title: 'traps and the privileged architecture, on bare metal',
    checks: 'your trap.s with kernel.s and with check programs: system calls, the timer, faults; natively, under shadow paging and EPT',
    required: ['kernel.s', 'trap.s', 'user.s', 'lab1.inc'], check: checkLab1,
  },
  {
    number: 2, id: '02-page-table', title: 'your first page table, on bare metal',
    checks: 'your vm.s against its contracts (walk, map, lookup, unmap), then paging.s: map, alias, A/D bits, unmap and the fault; in every mode',
    required: ['paging.s', 'vm.s', 'lab2.inc'], check: checkLab2,
  },
  {
    number: 3, id: '03-address-spaces', title: 'the kernel\'s address spaces: a system call of your own',
    checks: 'your kernel/ with a pgstat check program and with your pages.s: the call\'s contract, demand paging, fork, sbrk; in every mode',
    required: ['kernel/kernel.s', 'pages.s'], check: checkLab3,
  },
  {
    number: 4, id: '04-shadow-pager', title: 'a shadow pager of your own, against the pager API',
    checks: 'vmmlab check-pager pager.js: the equivalence, random and isolation suites, and the costs',
    required: [],
  },
  {
    number: 5, id: '05-trade-off', title: 'shadow paging against EPT, measured on workloads of your own',
    checks: 'your study.json: two workloads of your own, one each design loses on, and a finding that holds',
    required: ['study.json'], check: checkLab5InMemory,
  },
];

export function labInfo(number: number): LabInfo | undefined {
  return LAB_INFO.find((l) => l.number === number);
}

/** The summary line `vmmlab lab check` ends with (before the lab's text is named). */
export function summaryOf(number: number, checks: readonly Check[]): string {
  const passed = checks.filter((c) => c.ok).length;
  return `lab ${number}: ${passed === checks.length ? `every check passes (${checks.length} checks)` : `${passed} of ${checks.length} checks pass`}`;
}
