// `vmmlab exp` and `vmmlab exp merge` end to end, in process: a study from flags, its output
// files, shards merged by the command into the same files as one run, and the errors a user sees.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureOutput, REPO, xmlProblem } from './fixtures.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-exp-cli-'));
const file = (name: string) => path.join(dir, name);
const io = captureOutput();

afterAll(() => fs.rmSync(dir, { recursive: true }));

const FLAGS = ['--workload', 'ctx=ctxswitch.s:20', '--workload', 'primes.s:200', '--mode', 'native,shadow,ept', '--param', 'asid=true,false',
  '--memory', '2M', '--no-progress'];
const stripTiming = (text: string) => JSON.stringify({ ...JSON.parse(text), timing: undefined });

describe('vmmlab exp', () => {
  it('runs a study given by flags and writes JSON, CSV and SVG', async () => {
    const code = await main(['exp', ...FLAGS, '--jobs', '2', '--json', file('all.json'), '--csv', file('all.csv'), '--svg', file('all.svg')]);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/^study cli: 12 of 12 cells/);
    expect(io.stdout).toMatch(/\n\s*#\s+workload\s+mode\s+asid\s+instructions/);
    const json = JSON.parse(fs.readFileSync(file('all.json'), 'utf8'));
    expect(json.cells).toHaveLength(12);
    expect(json.study.workloads.map((w: { name: string }) => w.name)).toEqual(['ctx', 'primes']);
    expect(fs.readFileSync(file('all.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(13);
    expect(xmlProblem(fs.readFileSync(file('all.svg'), 'utf8'))).toBeUndefined();
  });

  it('prints Markdown with --markdown', async () => {
    expect(await main(['exp', ...FLAGS, '--jobs', '1', '--markdown', '--shard', '1/4'])).toBe(0);
    expect(io.stdout).toMatch(/^### cli\n/);
    expect(io.stdout).toMatch(/\n\| # \| workload \| mode \| asid \|/);
  });

  it('merges shards into the same outputs as one run', async () => {
    const parts = [1, 2, 3].map((i) => file(`part-${i}.json`));
    for (const [i, part] of parts.entries()) {
      expect(await main(['exp', ...FLAGS, '--jobs', '1', '--shard', `${i + 1}/3`, '--json', part, '--quiet'])).toBe(0);
    }
    expect(await main(['exp', 'merge', ...parts, '--json', file('merged.json'), '--csv', file('merged.csv'), '--svg', file('merged.svg'), '--quiet'])).toBe(0);
    expect(stripTiming(fs.readFileSync(file('merged.json'), 'utf8'))).toBe(stripTiming(fs.readFileSync(file('all.json'), 'utf8')));
    expect(fs.readFileSync(file('merged.csv'), 'utf8')).toBe(fs.readFileSync(file('all.csv'), 'utf8'));
    expect(fs.readFileSync(file('merged.svg'), 'utf8')).toBe(fs.readFileSync(file('all.svg'), 'utf8'));
  });

  it('refuses a merge that lacks shards (exit 1, nothing written), unless --partial', async () => {
    expect(await main(['exp', 'merge', file('part-1.json'), '--json', file('lacking.json'), '--quiet'])).toBe(1);
    expect(io.stderr).toBe('vmmlab: error: shards 2/3, 3/3 missing (8 of 12 cells); nothing merged (--partial merges what there is)\n');
    expect(fs.existsSync(file('lacking.json'))).toBe(false);
    io.stderr = '';
    expect(await main(['exp', 'merge', file('part-1.json'), '--partial', '--json', file('lacking.json'), '--quiet'])).toBe(0);
    expect(io.stderr).toMatch(/warning: partial merge: shards 2\/3, 3\/3 missing \(8 of 12 cells\)/);
    expect(JSON.parse(fs.readFileSync(file('lacking.json'), 'utf8')).cells).toHaveLength(4);
  });

  it('with --check, exits 3 when the finding does not hold', async () => {
    const study = {
      workloads: [{ name: 'p', modules: ['primes.s:100'] }], memory: '2M', grid: { mode: ['native', 'ept'] },
      finding: { claim: 'EPT is free (it is not)', checks: ['cycles{p, ept} < cycles{p, native}'] },
    };
    fs.writeFileSync(file('free.json'), JSON.stringify(study));
    expect(await main(['exp', file('free.json'), '--jobs', '1', '--check', '--no-progress'])).toBe(3);
    expect(io.stdout).toMatch(/finding DOES NOT HOLD: EPT is free/);
    expect(io.stdout).toMatch(/FAIL cycles\{p, ept\} < cycles\{p, native\}/);
  });

  it('runs a shipped study on a changed grid without the finding that no longer fits', async () => {
    const study = path.join(REPO, 'guest-programs/studies/compute-bound.json');
    expect(await main(['exp', study, '--param', 'exitLatency=2000', '--mode', 'native,ept', '--jobs', '1', '--no-progress', '--json', file('regrid.json')])).toBe(0);
    expect(io.stderr).toMatch(/warning: the study's finding does not fit the grid changed on the command line/);
    const json = JSON.parse(fs.readFileSync(file('regrid.json'), 'utf8'));
    expect(json.cells.map((c: { mode: string }) => c.mode)).toEqual(['native', 'ept']);
    expect(json.finding).toBeUndefined();
  });

  it('--engine jit gives the same result as the interpreter, inline and on worker threads', async () => {
    const flags = ['--workload', 'ctx=ctxswitch.s:20', '--workload', 'primes.s:200', '--mode', 'native,shadow,ept', '--memory', '2M', '--no-progress', '--quiet'];
    expect(await main(['exp', ...flags, '--jobs', '1', '--json', file('interp.json')])).toBe(0);
    expect(await main(['exp', ...flags, '--jobs', '1', '--engine', 'jit', '--json', file('jit-1.json')])).toBe(0);
    expect(await main(['exp', ...flags, '--jobs', '2', '--engine', 'jit', '--json', file('jit-2.json')])).toBe(0);
    const interp = stripTiming(fs.readFileSync(file('interp.json'), 'utf8'));
    expect(stripTiming(fs.readFileSync(file('jit-1.json'), 'utf8'))).toBe(interp);
    expect(stripTiming(fs.readFileSync(file('jit-2.json'), 'utf8'))).toBe(interp);
  });

  it.each([
    [['exp', '--workload', 'primes.s', '--engine', 'fast'], 2, /--engine takes interp or jit \(got 'fast'\)/],
    [['exp', 'merge', 'part.json', '--engine', 'jit'], 2, /exp merge takes result files and output options, not --engine/],
    [['exp'], 2, /needs a study file or --workload/],
    [['exp', '--workload', 'primes.s', '--param', 'tlb=4'], 2, /--param takes NAME=V/],
    [['exp', '--workload', 'primes.s', '--param', 'eptLevels=9'], 2, /--param eptLevels=9: eptLevels must be a whole number from 1 to 4 \(got "9"\)/],
    [['exp', '--workload', 'nosuch.s'], 1, /'nosuch.s' not found/],
    [['exp', '--workload', 'primes.s', '--shard', '4/3'], 2, /--shard takes I\/N/],
    [['exp', 'missing-study.json'], 1, /cannot read study 'missing-study.json'/],
    [['exp', 'merge'], 2, /needs the result files/],
  ])('%j fails with exit code %i', async (argv, code, message) => {
    expect(await main(argv as string[])).toBe(code);
    expect(io.stderr).toMatch(message);
  });

  it('has help that lists every parameter', async () => {
    expect(await main(['exp', '--help'])).toBe(0);
    for (const name of ['tlbEntries', 'tlbWays', 'asid', 'vpid', 'shadowCache', 'shadowSync', 'eptLevels', 'eptLargePages', 'pwc', 'exitLatency', 'timerInterval']) {
      expect(io.stdout).toContain(name);
    }
  });
});
