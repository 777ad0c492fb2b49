// `vmmlab exp --check-tlb-rules`: every cell's guest is checked against the TLB rules; a kernel
// that forgets invlpg is reported in every mode's cell (the same report), with one or two
// workers alike, and the bundled kernel's cells are clean.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-tlbrules-'));

function vmmlab(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('vmmlab exp --check-tlb-rules', () => {
  const study = path.join(tmp, 'stale.json');
  fs.writeFileSync(study, JSON.stringify({
    name: 'stale', kernel: path.join(root, 'tests/hypervisor/guests/missing-invlpg.s'),
    workloads: [{ name: 'bare', modules: ['primes.s'] }], grid: { mode: ['native', 'shadow', 'ept'] },
  }));

  it.each(['1', '2'])('case 1 (--jobs %s): each mode\'s cell reports the missing invlpg, with the same words', (jobs) => {
    const r = vmmlab(['exp', study, '--check-tlb-rules', '--quiet', '--jobs', jobs, '--json', path.join(tmp, `stale-${jobs}.json`)]);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(9);
    const words = (cell: number, mode: string) => lines.filter((l) => l.startsWith(`vmmlab: tlb rules: cell ${cell} (bare, ${mode}): `)).map((l) => l.replace(/^.*?\): /, ''));
    expect(words(0, 'native')[0]).toMatch(/^the load at 0x00001134 \(stale_read, missing-invlpg\.s:48\) of VA 0x00005000/);
    expect(words(1, 'shadow')).toEqual(words(0, 'native'));
    expect(words(2, 'ept')).toEqual(words(0, 'native'));
    const json = JSON.parse(fs.readFileSync(path.join(tmp, `stale-${jobs}.json`), 'utf8')) as { cells: { tlbRules: { violations: number } }[] };
    expect(json.cells.map((c) => c.tlbRules.violations)).toEqual([1, 1, 1]);
  });

  it('case 2: the bundled kernel\'s cells use no stale translation', () => {
    const r = vmmlab(['exp', '--workload', 'k=primes.s ctxswitch.s:100', '--mode', 'native,shadow,ept', '--check-tlb-rules', '--quiet', '--jobs', '1']);
    expect(r.stderr).toBe('vmmlab: tlb rules: no stale translation was used in any of the 3 cells\n');
    expect(r.code).toBe(0);
  });

  it('case 3: exp merge refuses the option (it runs nothing)', () => {
    const r = vmmlab(['exp', 'merge', path.join(tmp, 'stale-1.json'), '--check-tlb-rules']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--check-tlb-rules/);
  });
});
