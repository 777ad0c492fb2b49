// One lab's tests, the same for every lab: its text's commands run as shown (in a new folder, in
// the starter folder `lab init` made, and with the reference solution over it); `lab check N` on
// the starter fails exactly where the starter is unfinished, and passes every check on the
// solution. Each lab's test file calls describeLab.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLines, copyOver, docCommands, initFolderOf, matchesShown, readDoc, runDocCommand, solutionDir, tempDir, vmmlab, type Ran } from './helpers.ts';

export interface LabExpectations {
  readonly number: number;
  readonly id: string;
  /** The files `lab init` makes, in the order it names them. */
  readonly starterFiles: readonly string[];
  /** Checks the starter must fail (each name's beginning), every other check passing; or 'every' check. */
  readonly starterFails: readonly string[] | 'every';
  /** Environment of every command (lab 4: fewer random cases, to keep the test short). */
  readonly env?: Record<string, string>;
}

export function describeLab(lab: LabExpectations): void {
  describe(`lab ${lab.number} (${lab.id})`, () => {
    const parent = tempDir(`lab${lab.number}`);
    afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));
    const commands = docCommands(readDoc(lab.id));
    const folder = path.join(parent, initFolderOf(commands));
    const checkCommand = `npx vmmlab lab check ${lab.number}`;

    it('case 1: the text\'s commands in a new folder make the starter folder, and its starter commands run as shown', () => {
      for (const c of commands.filter((c) => c.where !== 'solution')) {
        const r = runDocCommand(c, c.where === 'new' ? parent : folder, lab.env);
        expect({ command: r.command, status: r.status, matches: r.matches }, `${r.command}\n${r.shown}`).toEqual({ command: c.command, status: c.exit, matches: true });
      }
      expect(fs.readdirSync(folder).sort()).toEqual([...lab.starterFiles].sort());
    });

    it('case 2: lab check on the starter fails the checks of what is unfinished, and only those', () => {
      const r = vmmlab(['lab', 'check', String(lab.number)], folder, '', lab.env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(3);
      const lines = checkLines(r.stdout);
      const failed = [...lines].filter(([, ok]) => !ok).map(([name]) => name);
      if (lab.starterFails === 'every') {
        expect(failed.length, r.stdout).toBeGreaterThan(0);
        expect(failed.length, r.stdout).toBe(lines.size);
        expect(r.stdout).toMatch(new RegExp(`^lab ${lab.number}: not every check passes`, 'm'));
      } else {
        for (const name of lab.starterFails) expect(failed.filter((f) => f.startsWith(name)), `${name}\n${r.stdout}`).toHaveLength(1);
        expect(failed.length, r.stdout).toBe(lab.starterFails.length);
        expect(r.stdout).toMatch(new RegExp(`^lab ${lab.number}: ${lines.size - failed.length} of ${lines.size} checks pass`, 'm'));
      }
      // Every failure says what to do about it.
      expect(r.stdout).toMatch(/^ {8}\S/m);
    });

    it('case 3: the reference solution passes every check, and the text\'s commands show what it prints', () => {
      copyOver(solutionDir(lab.id), folder);
      const solved: Ran = vmmlab(['lab', 'check', String(lab.number)], folder, '', lab.env);
      expect(solved.stderr).toBe('');
      expect(solved.stdout).toMatch(new RegExp(`^lab ${lab.number}: every check passes`, 'm'));
      expect([...checkLines(solved.stdout).values()].every(Boolean), solved.stdout).toBe(true);
      expect(solved.code).toBe(0);
      expect(commands.some((c) => c.where === 'solution' && c.command === checkCommand), 'the text shows the check on a finished lab').toBe(true);
      for (const c of commands.filter((c) => c.where === 'solution')) {
        if (c.command === checkCommand) {
          // Run above already: compare with what the text shows.
          const lines = solved.stdout.replace(/\n$/, '').split('\n');
          expect(matchesShown(c.expected, lines), `${c.command}\n--- shown:\n${c.expected.join('\n')}\n--- got:\n${lines.join('\n')}`).toBe(true);
          continue;
        }
        const r = runDocCommand(c, folder, lab.env);
        expect({ command: r.command, status: r.status, matches: r.matches }, `${r.command}\n${r.shown}`).toEqual({ command: c.command, status: c.exit, matches: true });
      }
    });
  });
}
