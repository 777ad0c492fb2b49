// Lab 2, a first page table (docs/labs/02-page-table.md): its text, its starter and its
// reference solution (tests/labs/lab-suite.ts), and an unmap with its invlpg left out.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLines, solutionDir, tempDir, vmmlab } from './helpers.ts';
import { describeLab } from './lab-suite.ts';

describeLab({
  number: 2,
  id: '02-page-table',
  starterFiles: ['lab2.inc', 'paging.dbg', 'paging.s', 'vm.s'],
  starterFails: [
    'walk(va, 1) takes a table', 'walk finds the same table', 'map writes the leaf', 'map refuses', 'map in another 4 MiB region', 'lookup returns 0',
    'the hardware translates', 'lookup shows the accessed and dirty bits', 'unmap zeroes the leaf', 'unmap takes the page out of the TLB',
    'paging.s runs its five steps', 'paging.s takes exactly one trap',
  ],
});

describe('lab 2: a seeded bug fails the check that should catch it', () => {
  const dir = tempDir('lab2-bug');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('case 4: an unmap without invlpg fails the TLB check, step 4, and the comparison with shadow paging', () => {
    expect(vmmlab(['lab', 'init', '2', 'bug'], dir).code).toBe(0);
    const folder = path.join(dir, 'bug');
    const solution = fs.readFileSync(path.join(solutionDir('02-page-table'), 'vm.s'), 'utf8');
    const buggy = solution.replace(/^ {4}invlpg s0.*$/m, '    nop');
    expect(buggy).not.toBe(solution);
    fs.writeFileSync(path.join(folder, 'vm.s'), buggy);
    const r = vmmlab(['lab', 'check', '2'], folder);
    expect(r.code).toBe(3);
    const failed = [...checkLines(r.stdout)].filter(([, ok]) => !ok).map(([name]) => name);
    expect(failed, r.stdout).toEqual([
      'unmap takes the page out of the TLB: the next access faults (natively)',
      'paging.s runs its five steps and prints what docs/labs/02-page-table.md shows',
      'paging.s takes exactly one trap: the page fault of step 4',
      'the same console, exit code and traps under shadow paging and EPT',
    ]);
    expect(r.stdout).toContain('the load did not fault (it loaded 0x00005678)');
    expect(r.stdout).toContain('--check-tlb-rules');
  });
});
