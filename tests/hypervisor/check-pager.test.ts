// `vmmlab check-pager`'s suite (node/check-pager.ts): the built-in shadow and EPT pagers score full
// marks through the public API, and so does a simple shadow pager of one's own in plain
// JavaScript; three seeded-bug pagers (tests/hypervisor/pagers/: no write protection of guest page
// tables, no A/D update, no flush on a PTBR write) each fail the check that targets their bug,
// with a message that says what differs first, where, and what to fix; a pager that throws fails
// cleanly, naming itself, the event and its line. Random cases run at a fifth of the default
// count here (the CLI's default run is timed in tests/cli/check-pager.test.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PAGERS, CHECK_GUESTS_DIR, checkPager, type CheckResult, type Scorecard } from '../../node/check-pager.ts';
import { loadPager } from '../../node/pager-loader.ts';
import { REPO } from './harness.ts';

const SCALE = 0.2;
const pagerFile = (name: string) => path.join(REPO, 'tests/hypervisor/pagers', name);
const byName = (card: Scorecard) => new Map(card.checks.map((c) => [c.name, c]));
const failed = (card: Scorecard) => card.checks.filter((c) => !c.passed).map((c) => c.name);

function fullMarks(card: Scorecard): void {
  expect(failed(card), card.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail.join('\n')}`).join('\n\n')).toEqual([]);
  expect(card.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['pt-write', 'ad-bits', 'ptbr-switch', 'paging-kernel', 'hello', 'kernel ctxswitch', 'random', 'isolation snoop', 'isolation both']));
  expect(card.costs.map((c) => c.name)).toEqual(['primes', 'memwalk', 'ctxswitch', 'forkstorm', 'sbrkchurn']);
}

describe('full marks through the public API', () => {
  it('case 1: the built-in shadow pager, at the same cost as itself', () => {
    const card = checkPager(BUILT_IN_PAGERS.shadow!, { scale: SCALE });
    fullMarks(card);
    expect(card.mode).toBe('shadow');
    for (const row of card.costs) expect(row.pager, row.name).toEqual(row.builtIn);
  }, 180_000);

  it('case 2: the built-in EPT pager, compared with EPT', () => {
    const card = checkPager(BUILT_IN_PAGERS.ept!, { scale: SCALE });
    fullMarks(card);
    expect(card.mode).toBe('ept');
    expect(card.costs.every((row) => row.builtIn.tablePages > 0 && row.builtIn.hiddenFaults === 0)).toBe(true);
  }, 180_000);

  it('case 3: a simple shadow pager in plain JavaScript (rebuilt on every address-space switch: more exits than the built-in one)', async () => {
    const card = checkPager(await loadPager(pagerFile('simple-shadow.js')), { scale: SCALE });
    fullMarks(card);
    const ctx = card.costs.find((c) => c.name === 'ctxswitch')!;
    expect(ctx.pager!.exits).toBeGreaterThan(ctx.builtIn.exits);
  }, 180_000);
});

/** The seeded bugs: each fails the check that targets it, with the first difference and the fix. */
const SEEDED: readonly { file: string; check: string; detail: RegExp[]; hint: RegExp; alsoPasses: string[] }[] = [
  {
    file: 'no-write-protect.js', check: 'pt-write',
    detail: [/^console line 1: "remapped 0x22222222, unmapped: 1 fault" natively, "remapped 0x11111111, unmapped: 0 fault" under the pager$/,
      /^first difference after instruction \d+, `lw s2, 0\(s0\)` at 0x[0-9a-f]{8} \(_start\+\d+, pt-write\.s:\d+\): s2 = 0x22222222 natively, 0x11111111 under the pager$/],
    hint: /map the guest's page-table frames read-only .*vmm\.emulateStore/, alsoPasses: ['ad-bits', 'ptbr-switch', 'hello'],
  },
  {
    file: 'no-accessed-dirty.js', check: 'ad-bits',
    detail: [/^console line 1: "read: A -" natively, "read: - -" under the pager$/,
      /^first difference after instruction \d+, `lw a0, 0\(s0\)` at 0x[0-9a-f]{8} \(_start\+\d+, ad-bits\.s:\d+\): a0 = 0x00010023 natively, 0x00010003 under the pager: only the A bit differs \(a page-table entry's Accessed bit\)$/],
    hint: /set the Accessed bit in the guest's leaf entry .*isa\/README\.md 6\.2, step 7/, alsoPasses: ['hello'],
  },
  {
    file: 'no-flush-on-ptbr-write.js', check: 'ptbr-switch',
    detail: [/^console line 1: "10 switches, 0 stale reads" natively, "10 switches, 10 stale reads" under the pager$/,
      /^first difference after instruction \d+, `lw t1, 0\(s2\)` at 0x[0-9a-f]{8} \(_start\+\d+, ptbr-switch\.s:\d+\): t1 = 0xbbbbbbbb natively, 0xaaaaaaaa under the pager$/],
    hint: /in ptbrWrite, load the new root with vmm\.switchRoot\(root, \{ keep: \(e\.value & PTBR_KEEP\) !== 0 \}\)/, alsoPasses: ['pt-write', 'ad-bits', 'hello', 'kernel ctxswitch', 'isolation snoop'],
  },
];

describe('seeded bugs fail the check that should catch them, with a message a student can act on', () => {
  it.each(SEEDED)('$file fails $check', async ({ file, check, detail, hint, alsoPasses }) => {
    const card = checkPager(await loadPager(pagerFile(file)), { only: [check, ...alsoPasses] });
    const checks = byName(card);
    const target = checks.get(check)!;
    expect(target.passed).toBe(false);
    for (const d of detail) expect(target.detail, target.detail.join('\n')).toEqual(expect.arrayContaining([expect.stringMatching(d)]));
    expect(target.hint).toMatch(hint);
    for (const name of alsoPasses) expect(checks.get(name)?.passed, `${name}: ${checks.get(name)?.detail.join('\n')}`).toBe(true);
  }, 120_000);

  it('a missing A/D update is pointed at wherever it shows: the guest memory\'s A and D bits, with the same fix', async () => {
    const card = checkPager(await loadPager(pagerFile('no-accessed-dirty.js')), { only: ['pg-off-to-on', 'kernel primes'] });
    for (const c of card.checks) {
      expect(c.passed).toBe(false);
      expect(c.hint).toMatch(/set the Accessed bit/);
    }
    expect(byName(card).get('kernel primes')!.detail.join('\n')).toMatch(/only the A and D bits differ \(a page-table entry's Accessed and Dirty bits\)/);
  }, 120_000);

  it('random cases catch a missing write protection too, and show the case', async () => {
    const card = checkPager(await loadPager(pagerFile('no-write-protect.js')), { only: ['random'] });
    const random = card.checks[0]!;
    expect(random.passed).toBe(false);
    expect(random.detail[0]).toMatch(/^case \d+ of seed 0x00007e32 differs:$/);
    expect(random.detail.join('\n')).toMatch(/^access \d+ \((user|supervisor) \w+ 0x[0-9a-f]{8}.*\): natively .*, under the pager .*$/m);
    expect(random.detail.join('\n')).toMatch(/^ +PD\[1\] = /m);
  }, 120_000);
});

describe('a pager that throws', () => {
  it('fails every check with its own error: the pager, the event, the line; nothing of vmmlab\'s stack', async () => {
    const card = checkPager(await loadPager(pagerFile('throws.js')), { only: ['pt-write', 'hello', 'isolation snoop', 'kernel primes'] });
    expect(failed(card)).toEqual(['pt-write', 'hello', 'kernel primes', 'isolation snoop']);
    for (const c of card.checks) {
      const text = c.detail.join('\n');
      expect(text).toMatch(/^pager '.*throws\.js' threw on page-fault \(fetch of va 0x[0-9a-f]{8}, fetch-page-fault; pc 0x[0-9a-f]{8}, instruction 1\): TypeError: Cannot read properties of undefined \(reading 'lookup'\)/);
      expect(text).not.toMatch(/\n\s+at |internal error|(hypervisor|emulator|node|cli)\/[\w-]+\.ts/);
      expect(c.hint).toBeUndefined();
    }
    expect(card.costs.every((row) => row.pager === undefined)).toBe(true);
  }, 120_000);
});

describe('check-pager\'s guests', () => {
  it('the copies of tests/hypervisor/guests/ it ships are the same programs (only their .include line differs)', () => {
    const guests = fs.readdirSync(CHECK_GUESTS_DIR).filter((f) => fs.existsSync(path.join(REPO, 'tests/hypervisor/guests', f)));
    expect(guests.sort()).toEqual(['holder.s', 'paging-kernel.s', 'past-ram.s', 'pg-global-off.s', 'pg-off-to-on.s', 'pwc-stale-pde.s', 'snoop.s', 'superpage-invlpg.s', 'trap-loop.s']);
    for (const f of guests) {
      const original = fs.readFileSync(path.join(REPO, 'tests/hypervisor/guests', f), 'utf8').replace(/\.include "\.\.\/\.\.\/\.\.\/guest-programs\/lib\/(\w+\.inc)"/g, '.include "$1"');
      expect(fs.readFileSync(path.join(CHECK_GUESTS_DIR, f), 'utf8'), f).toBe(original);
    }
  });

  it('every check names what it checks, and a result is plain data', () => {
    const card = checkPager(BUILT_IN_PAGERS.shadow!, { only: ['hello'] });
    const r: CheckResult = card.checks[0]!;
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
    expect(r).toMatchObject({ group: 'equivalence', name: 'hello', passed: true, detail: [] });
    expect(r.what).toMatch(/^bare metal/);
  });
});
