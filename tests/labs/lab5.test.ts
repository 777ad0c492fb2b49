// Lab 5, shadow paging against EPT measured (docs/labs/05-trade-off.md): its text, its starter
// (two stub workloads, a study without a finding) and its reference solution
// (tests/labs/lab-suite.ts).

import { describeLab } from './lab-suite.ts';

describeLab({
  number: 5,
  id: '05-trade-off',
  starterFiles: ['answers.md', 'misses.s', 'study.json', 'study.schema.json', 'switches.s'],
  starterFails: [
    'a workload of yours is at least 1.5 times slower under EPT', 'a workload of yours is at least 1.5 times slower under shadow paging', 'the study\'s finding holds',
  ],
});
