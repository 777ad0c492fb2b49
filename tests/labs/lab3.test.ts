// Lab 3, the kernel's address spaces (docs/labs/03-address-spaces.md): its text, its starter (a
// copy of the kernel, pages.s stubbed) and its reference solution (tests/labs/lab-suite.ts).

import { describeLab } from './lab-suite.ts';

describeLab({
  number: 3,
  id: '03-address-spaces',
  starterFiles: ['kernel', 'pages.s'],
  starterFails: [
    'pgstat of an address outside user space', 'pgstat of mapped pages', 'pgstat of a page not touched yet', 'pgstat shows A after a load',
    'fork gives the child', 'pgstat is system call 10', 'pages.s:N prints', 'each new heap page costs one page fault',
  ],
});
