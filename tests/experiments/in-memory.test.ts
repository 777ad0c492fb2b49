// The browser's entry (experiments/in-memory.ts) against the command line: a shipped study run
// cell by cell from a map of the guest-programs/ folder, the plan posted to a "worker" (a
// structured clone) and the cells run out of order, gives byte for byte the JSON, CSV, SVG and
// printed report that `vmmlab exp` writes for the same study; a bad study is the same list of
// issues; and the bundled programs are found where the CLI finds them.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { BUNDLED_DIR, BUNDLED_INCLUDE_DIRS, BUNDLED_KERNEL, BUNDLED_LIB_DIR, BUNDLED_USER_DIR } from '../../config/bundled.ts';
import { bundledPaths } from '../../config/bundled-layout.ts';
import { finishStudy, mapFileSource, planStudy, runPlannedCell, StudyError, type FileSource } from '../../experiments/in-memory.ts';
import { captureOutput, REPO } from './fixtures.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-in-memory-'));
const file = (name: string) => path.join(dir, name);
const STUDY = 'guest-programs/studies/vm-switch.json';
const io = captureOutput();

/** Every file of the checkout's guest-programs/, under 'guest-programs/…', as a web page would hand them to its worker. */
function guestPrograms(): Map<string, string> {
  const files = new Map<string, string>();
  for (const rel of fs.readdirSync(BUNDLED_DIR, { recursive: true }) as string[]) {
    const full = path.join(BUNDLED_DIR, rel);
    if (fs.statSync(full).isFile()) files.set(`guest-programs/${rel.split(path.sep).join('/')}`, fs.readFileSync(full, 'utf8'));
  }
  return files;
}

let source: FileSource;

beforeAll(() => {
  source = mapFileSource(guestPrograms());
});
afterAll(() => fs.rmSync(dir, { recursive: true }));

describe('experiments/in-memory.ts', () => {
  it('case 1: runs a shipped study into the same JSON, CSV, SVG, report and Markdown as vmmlab exp', async () => {
    const outputs = ['--json', file('cli.json'), '--csv', file('cli.csv'), '--svg', file('cli.svg')];
    expect(await main(['exp', path.join(REPO, STUDY), '--jobs', '2', '--no-progress', ...outputs])).toBe(0);
    expect(io.stderr).toBe('');
    const printed = io.stdout;
    const cliJson = fs.readFileSync(file('cli.json'), 'utf8');

    const plan = planStudy(source.readText(STUDY)!, STUDY, source);
    expect(plan.cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // What a worker gets: the plan posted (structured clone); the cells in any order.
    const posted = structuredClone(plan);
    const results = [...plan.cells].reverse().map((c) => runPlannedCell(posted, c.index));
    const out = finishStudy(plan, results, JSON.parse(cliJson).timing);

    expect(out.json).toBe(cliJson);
    expect(out.csv).toBe(fs.readFileSync(file('cli.csv'), 'utf8'));
    expect(out.svg).toBe(fs.readFileSync(file('cli.svg'), 'utf8'));
    expect(out.report).toBe(printed);
    expect(out.warnings).toEqual([]);
    expect(out.finding?.holds).toBe(true);
    expect(out.report).toContain(out.table);
    expect(out.report).toContain(out.findingText);

    // --markdown (through exp merge, which prints the result of the file as it is).
    io.stdout = '';
    expect(await main(['exp', 'merge', file('cli.json'), '--markdown'])).toBe(0);
    expect(out.markdown).toBe(io.stdout);
  });

  it('case 2: a partial set of cells is a result without the finding; a cell given twice or not in the study is an error; the TLB-rule checker', () => {
    const text = JSON.stringify({
      name: 'small', workloads: [{ name: 'p', modules: ['primes.s:50'] }], grid: { mode: ['native', 'ept'] }, memory: '2M',
      finding: { claim: 'EPT costs more', checks: ['cycles{p, ept} > cycles{p, native}'] },
    });
    const plan = planStudy(text, 'work/small.json', source);
    const native = runPlannedCell(plan, 0);
    const partial = finishStudy(plan, [native]);
    expect(partial.result.cells).toHaveLength(1);
    expect(partial.finding).toBeUndefined();
    expect(partial.findingText).toMatch(/^finding: not evaluated \(1 of 2 cells/);
    expect(finishStudy(plan, [runPlannedCell(plan, 1), native]).finding?.holds).toBe(true);
    expect(() => finishStudy(plan, [native, native])).toThrow(/cell 0 is given twice/);
    expect(() => runPlannedCell(plan, 2)).toThrow(/the study has no cell 2 \(it has 2\)/);
    // --check-tlb-rules: the bundled kernel keeps the TLB rules.
    const checked = planStudy(text, 'work/small.json', source, { checkTlbRules: true });
    expect(runPlannedCell(checked, 1).tlbRules).toEqual({ violations: 0, report: [] });
  });

  it('case 3: a bad study is every issue at its JSON path, the same lines as the CLI prints', async () => {
    const bad = '{ "workloads": [{ "modules": ["primes.s"] }], "grid": { "tlbEntries": [3], "eptLevel": [1] }, "repetitions": 0 }';
    fs.writeFileSync(file('bad.json'), bad);
    expect(await main(['exp', file('bad.json')])).toBe(1);
    let error: unknown;
    try {
      planStudy(bad, file('bad.json'), source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StudyError);
    const issues = (error as StudyError).issues;
    expect(issues.map((i) => i.path)).toEqual(['/grid/tlbEntries/0', '/grid/eptLevel', '/repetitions']);
    expect(io.stderr).toBe(`${(error as StudyError).message}\nvmmlab: error: ${file('bad.json')}: 3 errors; nothing run\n`);
    // A syntax error, with its line and column.
    expect(() => planStudy('{\n  "workloads": [],\n}', 'trailing.json', source)).toThrow(/^trailing\.json:3:1: error: a comma before '}'/);
  });

  it('case 4: a module that is missing or does not assemble is named when the study is planned', () => {
    const study = (modules: string[]) => JSON.stringify({ workloads: [{ name: 'w', modules }], grid: { mode: ['native'] } });
    expect(() => planStudy(study(['nosuch.s']), 'work/s.json', source))
      .toThrow("'nosuch.s' not found (looked beside the study in work and in guest-programs/user)");
    const withBad = mapFileSource({ ...Object.fromEntries(guestPrograms()), 'work/bad.s': '    .include "ulib.inc"\nmain:\n    ad a0, a0, a1\n' });
    expect(() => planStudy(study(['bad.s']), 'work/s.json', withBad))
      .toThrow(/^work\/bad\.s does not assemble:\nwork\/bad\.s:3:5: error: unknown instruction 'ad'; did you mean 'add'\?/);
    // Beside the study, with its own include, from a source whose paths start inside guest-programs/.
    const inside = new Map([...guestPrograms()].map(([p, text]) => [p.replace(/^guest-programs\//, ''), text]));
    inside.set('mine/hi.s', '    .include "ulib.inc"\n    .include "hi.inc"\n');
    inside.set('mine/hi.inc', 'main:\n    li a0, 0\n    ret\n');
    const plan = planStudy(study(['hi.s']), 'mine/s.json', mapFileSource(inside), { bundledDir: '.' });
    expect(runPlannedCell(plan, 0)).toMatchObject({ reason: 'halted', exitCode: 0 });
  });

  it('case 5: the bundled layout is the one the CLI uses on disk', () => {
    expect(bundledPaths(BUNDLED_DIR, path.join)).toEqual({
      kernel: BUNDLED_KERNEL, kernelDir: path.dirname(BUNDLED_KERNEL), userDir: BUNDLED_USER_DIR, libDir: BUNDLED_LIB_DIR, includeDirs: BUNDLED_INCLUDE_DIRS,
    });
    expect(BUNDLED_KERNEL).toBe(path.join(REPO, 'guest-programs/kernel/kernel.s'));
    expect(BUNDLED_INCLUDE_DIRS).toEqual([path.join(REPO, 'guest-programs/lib'), path.join(REPO, 'guest-programs/user')]);
  });
});
