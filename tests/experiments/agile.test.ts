// The agile-paging study (guest-programs/studies/agile.json): its finding is checked with every
// shipped study in studies.test.ts; here, that the policy's parameters sweep from `vmmlab exp`
// (and apply to agile cells only), and that a bad value is refused in words.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureOutput } from './fixtures.ts';

describe('vmmlab exp with agile mode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-agile-'));
  const io = captureOutput();
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('case 1: agileWrites sweeps, applies to agile cells only, and the policy off keeps every table shadowed', async () => {
    const json = path.join(dir, 'sweep.json');
    const code = await main(['exp', '--workload', 'sbrk=sbrkchurn.s:20', '--mode', 'shadow,agile', '--param', 'agileWrites=0,2',
      '--memory', '4M', '--jobs', '1', '--no-progress', '--json', json]);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const cells = JSON.parse(fs.readFileSync(json, 'utf8')).cells as { mode: string; params: Record<string, unknown>; stats: { agile?: { toNested: number }; exits: { byReason: Record<string, number> } } }[];
    expect(cells.map((c) => [c.mode, c.params.agileWrites ?? '-'])).toEqual([['shadow', '-'], ['agile', 0], ['agile', 2]]);
    expect(cells[0]!.stats.agile).toBeUndefined();
    expect(cells[1]!.stats.agile!.toNested).toBe(0);
    expect(cells[2]!.stats.agile!.toNested).toBeGreaterThan(0);
    // Switched tables stop the page-table-write exits that every write costs with the policy off.
    expect(cells[2]!.stats.exits.byReason['pt-write'] ?? 0).toBeLessThan(cells[1]!.stats.exits.byReason['pt-write']!);
  });

  it('case 2: a bad value of a policy parameter is refused in words', async () => {
    expect(await main(['exp', '--workload', 'primes.s:10', '--mode', 'agile', '--param', 'agileWindow=10', '--no-progress'])).toBe(2);
    expect(io.stderr).toMatch(/agileWindow must be a whole number from 1000 to 1000000000 \(got "10"\)/);
  });
});
