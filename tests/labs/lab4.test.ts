// Lab 4, a shadow pager of one's own (docs/labs/04-shadow-pager.md), graded by check-pager: its
// text, its starter (vmmlab init's pager.js, which fails every check) and its reference
// solution, which passes every one (tests/labs/lab-suite.ts). check-pager's random check runs a
// fifth of its cases here (VMMLAB_CHECK_SCALE): the same checks, in a third of the time; the
// suite of check-pager itself (tests/hypervisor/) runs them all.

import { describeLab } from './lab-suite.ts';

describeLab({
  number: 4,
  id: '04-shadow-pager',
  starterFiles: ['answers.md', 'pager.js', 'paging.s'],
  starterFails: 'every',
  env: { VMMLAB_CHECK_SCALE: '0.2' },
});
