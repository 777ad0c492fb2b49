// `--check-tlb-rules` as a user runs it (run and debug): the report names the store and the
// access with their source lines, the same in every mode, goes to stderr, leaves the exit code
// to the guest, and appears in --json.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GUEST = 'tests/hypervisor/guests/missing-invlpg.s';

function vmmlab(args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], {
    cwd: root, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const REPORT = [
  'vmmlab: tlb rules: the load at 0x00001134 (stale_read, missing-invlpg.s:48) of VA 0x00005000 (ASID 0, instruction 26) may use a stale translation: it was cached as guest-physical 0x00010000, the tables now say 0x00011000',
  'vmmlab: tlb rules:   the entry at guest-physical 0x00008014 was changed from 0x00010023 to 0x00011003 by the store to VA 0x00008014 at 0x0000112c (remap, missing-invlpg.s:45), instruction 24',
  'vmmlab: tlb rules:   and no invlpg of the page, tlbflush or PTBR write without KEEP came between (isa/README.md 6.4)',
  '',
].join('\n');

describe('vmmlab run --check-tlb-rules', () => {
  it.each(['native', 'shadow', 'ept'])('case 1 (%s): a missing invlpg is reported with both source lines', (mode) => {
    const r = vmmlab(['run', GUEST, '--mode', mode, '--check-tlb-rules']);
    expect(r.stderr).toBe(REPORT);
    expect(r.code).toBe(0);
  });

  it('case 2: the bundled kernel with three workloads uses no stale translation', () => {
    const r = vmmlab(['run', 'guest-programs/kernel/kernel.s', '--module', 'primes.s', '--module', 'ctxswitch.s:100', '--module', 'sbrkchurn.s:20', '--mode', 'shadow', '--check-tlb-rules']);
    expect(r.stderr).toBe('vmmlab: tlb rules: no stale translation was used\n');
    expect(r.code).toBe(0);
  });

  it('case 3: --json carries the violation as data', () => {
    const r = vmmlab(['run', GUEST, '--check-tlb-rules', '--json', '-']);
    const json = JSON.parse(r.stdout) as { tlbRules: { violations: number; first: { access: { va: number }; store: { pc: number } } } };
    expect(json.tlbRules.violations).toBe(1);
    expect(json.tlbRules.first.access.va).toBe(0x5000);
    expect(json.tlbRules.first.store.pc).toBe(0x112c);
  });

  it('case 4: without the option nothing is checked or printed', () => {
    const r = vmmlab(['run', GUEST]);
    expect(r.stderr).toBe('');
  });
});

describe('vmmlab debug --check-tlb-rules', () => {
  it('case 5: the report appears once, after the command during which the stale translation was used', () => {
    const r = vmmlab(['debug', GUEST, '--mode', 'ept', '--check-tlb-rules', '--batch'], 'until stale_read\nstep\nstep\nreverse-step\nstep\n');
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('tlb rules: the load at 0x00001134'));
    expect(at).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('tlb rules: the load')).length).toBe(1);
    expect(r.code).toBe(0);
  });

  it.each(['native', 'shadow', 'ept'])('case 6 (%s): break on tlb-rules stops right after the access that used the stale translation', (mode) => {
    const r = vmmlab(['debug', GUEST, '--mode', mode, '--check-tlb-rules', '--batch'], 'break on tlb-rules\ncontinue\n');
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('breakpoint 1, a stale translation was used (the tlb rules report says which)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^0x00001138 <stale_read\+4>/);
    expect(lines[at + 2]).toMatch(/^tlb rules: the load at 0x00001134/);
    expect(r.code).toBe(0);
  });

  it('case 7: without --check-tlb-rules the break is refused with the reason', () => {
    const r = vmmlab(['debug', GUEST, '--batch'], 'break on tlb-rules\n');
    expect(r.stdout).toContain('error: break on tlb-rules needs the checker: start the debugger with --check-tlb-rules');
    expect(r.code).toBe(1);
  });
});
