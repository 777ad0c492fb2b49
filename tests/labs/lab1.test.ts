// Lab 1, traps and the privileged architecture (docs/labs/01-traps.md): its text, its starter
// and its reference solution (tests/labs/lab-suite.ts), and a handler with one seeded bug.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLines, solutionDir, tempDir, vmmlab } from './helpers.ts';
import { describeLab } from './lab-suite.ts';

describeLab({
  number: 1,
  id: '01-traps',
  starterFiles: ['kernel.s', 'lab1.inc', 'trap.dbg', 'trap.s', 'user.s'],
  starterFails: [
    'kernel.s runs user.s to its end', 'puts(str)', 'putdec(n)', 'an unknown system call', 'a system call leaves every register', 'exit(code)',
    'the timer interrupts user mode', 'ticks() counts', 'a timer interrupt leaves every register', 'a privileged instruction', 'a misaligned load',
  ],
});

describe('lab 1: a seeded bug fails the check that should catch it', () => {
  const dir = tempDir('lab1-bug');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('case 4: a handler that does not restore t0 fails the register checks, and passes the rest', () => {
    expect(vmmlab(['lab', 'init', '1', 'bug'], dir).code).toBe(0);
    const folder = path.join(dir, 'bug');
    const solution = fs.readFileSync(path.join(solutionDir('01-traps'), 'trap.s'), 'utf8');
    const buggy = solution.replace('    lw t0, 28(sp)\n    lw t1, 32(sp)', '    lw t1, 32(sp)');
    expect(buggy).not.toBe(solution);
    fs.writeFileSync(path.join(folder, 'trap.s'), buggy);
    const r = vmmlab(['lab', 'check', '1'], folder);
    expect(r.code).toBe(3);
    const failed = [...checkLines(r.stdout)].filter(([, ok]) => !ok).map(([name]) => name);
    expect(failed, r.stdout).toEqual(['a system call leaves every register but a0 as it was (t0 and sp included)', 'a timer interrupt leaves every register as it was']);
    expect(r.stdout).toContain('registers-changed: expected 0x00000000, got 0x00000080: t0 came back changed');
  });
});
