// `--pager FILE` on run, debug and exp, a machine file's "pager", and `vmmlab check-pager`, as real
// processes through bin/vmmlab.js (docs/pager-api.md): a pager of one's own runs the guest as the
// built-in one of its mode would; a broken one stops it with one line naming the pager, the event
// and the pager's own line (exit 1, never vmmlab's stack, never exit 70); a .ts pager loads; and
// check-pager prints a scorecard and exits 0 only when every check passes.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(root, 'bin/vmmlab.js');
const PAGERS = path.join(root, 'tests/hypervisor/pagers');
const KERNEL = path.join(root, 'guest-programs/kernel/kernel.s');
const PAGING = path.join(root, 'guest-programs/init/paging.s');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-pager-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function vmmlab(args: string[], cwd = tmp, input = '', env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const pager = (name: string) => path.join(PAGERS, name);
const STACK = /\n\s+at |internal error|\.ts:\d+:\d+\)?\n/;

describe('--pager on run', () => {
  it('case 1: a pager of one\'s own runs the guest as the built-in shadow pager does; --stats names it', () => {
    const builtIn = vmmlab(['run', KERNEL, '--module', 'ctxswitch.s', '--mode', 'shadow']);
    const mine = vmmlab(['run', KERNEL, '--module', 'ctxswitch.s', '--pager', pager('simple-shadow.js'), '--stats']);
    expect(mine.code).toBe(0);
    expect(mine.stdout).toBe(builtIn.stdout);
    expect(mine.stderr).toMatch(/^statistics: vm0 \(shadow, pager .*simple-shadow\.js\)$/m);
    expect(mine.stderr).toMatch(/^ {2}VM exits /m);
  });

  it('case 1b: an agile pager of one\'s own (pager API 3) runs under --mode agile by default; a mode of another translation is one line', () => {
    const builtIn = vmmlab(['run', KERNEL, '--module', 'forkstorm.s:4', '--mode', 'ept']);
    const mine = vmmlab(['run', KERNEL, '--module', 'forkstorm.s:4', '--pager', pager('agile-root.js'), '--stats']);
    expect(mine.code).toBe(0);
    expect(mine.stdout).toBe(builtIn.stdout);
    expect(mine.stderr).toMatch(/^statistics: vm0 \(agile, pager .*agile-root\.js\)$/m);
    expect(vmmlab(['run', KERNEL, '--pager', pager('agile-root.js'), '--mode', 'ept'])).toEqual({
      code: 2, stdout: '', stderr: `vmmlab: error: --pager ${pager('agile-root.js')} is an agile pager: give --mode agile, or leave --mode out\n`,
    });
    expect(vmmlab(['run', KERNEL, '--pager', pager('simple-shadow.js'), '--mode', 'agile'])).toEqual({
      code: 2, stdout: '', stderr: `vmmlab: error: --pager ${pager('simple-shadow.js')} is a shadow pager: give --mode shadow, or leave --mode out\n`,
    });
  });

  it('case 2: a pager that throws stops the guest: what it printed, then one line naming the pager, the event and its line; exit 1', () => {
    const r = vmmlab(['run', PAGING, '--pager', pager('throws.js')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`vmmlab: error: pager '${pager('throws.js')}' threw on page-fault (fetch of va 0x000010cc, fetch-page-fault; pc 0x000010cc, instruction 1): TypeError: Cannot read properties of undefined (reading 'lookup') (${pager('throws.js')}:11:41)\n`);
  });

  it('case 3: a pager that makes no progress is stopped with what to look at', () => {
    fs.copyFileSync(path.join(root, 'guest-programs/init/pager.js'), path.join(tmp, 'starter.js'));
    const r = vmmlab(['run', PAGING, '--pager', 'starter.js']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vmmlab: error: pager 'starter\.js' made no progress on page-fault \(fetch of va 0x[0-9a-f]{8}, fetch-page-fault; pc 0x[0-9a-f]{8}, instruction 1\): 100,000 exits in a row, and not one instruction retired: does pageFault fill the entry the guest's tables allow, or inject the fault they give\?\n$/);
  });

  it('case 4: a .ts pager loads (compiled in memory) and its error names the .ts line', () => {
    fs.writeFileSync(path.join(tmp, 'typed.ts'), [
      `import { makeShadowPager } from ${JSON.stringify(pager('simple-shadow.js'))};`,
      'interface Fault { va: number; access: 0 | 1 | 2 }',
      '',
      'export default function createPager(vmm: unknown): object {',
      '  const inner = makeShadowPager(vmm) as { pageFault(e: Fault): unknown };',
      '  let faults: number = 0;',
      '  return {',
      '    ...inner,',
      '    pageFault(e: Fault): unknown {',
      '      if (++faults > 40) {',
      '        const gone = undefined as unknown as { root: number };',
      '        return gone.root;',
      '      }',
      '      return inner.pageFault(e);',
      '    },',
      '  };',
      '}',
    ].join('\n'));
    const r = vmmlab(['run', PAGING, '--pager', 'typed.ts']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^paging is on\n/);
    expect(r.stderr).toMatch(/^vmmlab: error: pager 'typed\.ts' threw on page-fault \(.*\): TypeError: Cannot read properties of undefined \(reading 'root'\) \(typed\.ts:12\)\n$/);
  });

  it('case 5: files that are not pagers, and --pager with --mode native, are one-line errors', () => {
    expect(vmmlab(['run', PAGING, '--pager', 'nosuch.js'])).toEqual({ code: 1, stdout: '', stderr: "vmmlab: error: pager 'nosuch.js': no such file\n" });
    fs.writeFileSync(path.join(tmp, 'broken.mjs'), 'export default function (vmm) {\n  return {\n');
    const broken = vmmlab(['run', PAGING, '--pager', 'broken.mjs']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe("vmmlab: error: pager 'broken.mjs' does not load: SyntaxError: Unexpected end of input (node --check broken.mjs shows where)\n");
    expect(vmmlab(['run', PAGING, '--pager', pager('simple-shadow.js'), '--mode', 'native'])).toEqual({
      code: 2, stdout: '', stderr: `vmmlab: error: --pager ${pager('simple-shadow.js')} runs the guest in a VM under that pager: give --mode shadow, or leave --mode out\n`,
    });
    for (const r of [broken]) expect(r.stderr).not.toMatch(STACK);
  });

  it('case 6: a machine file may name the pager; with two VMs, the other mode keeps its built-in pager', () => {
    fs.writeFileSync(path.join(tmp, 'machine.json'), JSON.stringify({
      vms: [{ name: 'a', mode: 'shadow', modules: ['primes.s'] }, { name: 'b', mode: 'ept', modules: ['primes.s'] }],
      pager: pager('simple-shadow.js'),
    }));
    const r = vmmlab(['run', KERNEL, '--machine', 'machine.json', '--stats']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^statistics: a \(shadow, pager .*simple-shadow\.js\)$/m);
    expect(r.stderr).toMatch(/^statistics: b \(ept\)$/m);
  });
});

describe('--pager on debug and exp', () => {
  it('case 1: the debugger runs the guest under the pager; a pager\'s failure is an error of the command, and the machine stays stopped', () => {
    const ok = vmmlab(['debug', PAGING, '--pager', pager('simple-shadow.js'), '--batch'], tmp, 'continue\n');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^vmmlab debug: .*paging\.s, shadow \(vm0\)/);
    expect(ok.stdout).toMatch(/powered off: exit code 0/);
    const bad = vmmlab(['debug', PAGING, '--pager', pager('throws.js'), '--batch'], tmp, 'continue\ncontinue\n');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^error: pager '.*throws\.js' threw on page-fault \(fetch of va 0x000010cc.*\(reading 'lookup'\) \(.*throws\.js:11:41\)$/m);
    expect(bad.stdout).toMatch(/^error: the machine has stopped$/m);
    expect(bad.stdout).not.toMatch(/internal error/);
  });

  it('case 2: exp runs the cells of the pager\'s mode under it, in every worker thread, and says so', () => {
    fs.writeFileSync(path.join(tmp, 'study.json'), JSON.stringify({ name: 'mine', workloads: [{ name: 'primes', modules: ['primes.s'] }], memory: '4M', grid: { tlbEntries: [8, 64] } }));
    const r = vmmlab(['exp', 'study.json', '--pager', pager('simple-shadow.js'), '--jobs', '2', '--no-progress', '--json', 'out.json', '--quiet']);
    expect(r.stderr).toMatch(/^vmmlab: the 2 shadow cells ran under the pager .*simple-shadow\.js; the others under the built-in pagers\n$/);
    expect(r.code).toBe(0);
    const cells = (JSON.parse(fs.readFileSync(path.join(tmp, 'out.json'), 'utf8')) as { cells: { mode: string; console: string; config: { pager?: string } }[] }).cells;
    expect(cells.map((c) => [c.mode, c.config.pager !== undefined])).toEqual([['native', false], ['shadow', true], ['ept', false], ['native', false], ['shadow', true], ['ept', false]]);
    expect(new Set(cells.map((c) => c.console)).size).toBe(1);
    const bad = vmmlab(['exp', 'study.json', '--pager', pager('throws.js'), '--jobs', '1', '--no-progress', '--quiet']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^vmmlab: error: cell 1 \(primes, shadow\): pager '.*throws\.js' threw on page-fault/m);
    expect(bad.stderr).not.toMatch(STACK);
  });
});

describe('vmmlab check-pager', () => {
  it('case 1: the built-in shadow pager passes (--only), with its scorecard; exit 0', () => {
    const r = vmmlab(['check-pager', 'shadow', '--only', 'pt-write', '--only', 'kernel primes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^check-pager: the built-in shadow pager, a 'shadow' pager: its VMs compared with native; costs against the built-in shadow pager\n\nequivalence: the guest sees what it sees natively\n {2}pass {2}pt-write {12}stores to the guest's own page tables/);
    expect(r.stdout).toMatch(/^costs on the kernel's workloads: the built-in shadow pager \/ the built-in shadow pager\nworkload +cycles +VM exits +hidden faults +shadow pages \(peak\)\nprimes +[\d,]+ \/ [\d,]+ 1\.00x/m);
    expect(r.stdout).toMatch(/\nscore: 2 of 2 checks pass\n$/);
  });

  it('case 1b: an agile pager is graded against the built-in agile pager', () => {
    const r = vmmlab(['check-pager', pager('agile-root.js'), '--only', 'kernel ctxswitch', '--only', 'isolation both']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a 'agile' pager: its VMs compared with native; costs against the built-in agile pager\n/);
    expect(r.stdout).toMatch(/\nscore: 2 of 2 checks pass\n$/);
    const builtIn = vmmlab(['check-pager', 'agile', '--only', 'pt-write']);
    expect(builtIn.code).toBe(0);
    expect(builtIn.stdout).toMatch(/\nscore: 1 of 1 checks pass\n$/);
  });

  it('case 2: a seeded bug fails the check aimed at it, with the first difference and what to fix; exit 3', () => {
    const r = vmmlab(['check-pager', pager('no-flush-on-ptbr-write.js'), '--only', 'ptbr-switch', '--only', 'hello']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^ {2}FAIL {2}ptbr-switch .*\n {8}console line 1: "10 switches, 0 stale reads" natively, "10 switches, 10 stale reads" under the pager\n {8}first difference after instruction \d+, `lw t1, 0\(s2\)` at 0x[0-9a-f]{8} \(_start\+\d+, ptbr-switch\.s:\d+\): t1 = 0xbbbbbbbb natively, 0xaaaaaaaa under the pager\n {8}to fix: a PTBR write without KEEP/m);
    expect(r.stdout).toMatch(/^ {2}pass {2}hello /m);
    expect(r.stdout).toMatch(/\nscore: 1 of 2 checks pass; failed: ptbr-switch\n$/);
  });

  it('case 3: a pager that throws is reported cleanly, once, and the later checks point back at it', () => {
    const r = vmmlab(['check-pager', pager('throws.js'), '--only', 'pt-write', '--only', 'hello']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ {8}pager '.*throws\.js' threw on page-fault .*\(.*throws\.js:11:41\)$/m);
    expect(r.stdout).toMatch(/^ {8}the same failure as pt-write$/m);
    expect(r.stdout).not.toMatch(STACK);
  });

  it('case 4: --json writes the scorecard; bad command lines and missing pagers are one line', () => {
    const r = vmmlab(['check-pager', 'ept', '--only', 'hello', '--json', '-']);
    expect(r.code).toBe(0);
    const card = JSON.parse(r.stdout) as { translation: string; mode: string; checks: { name: string; passed: boolean }[] };
    expect(card).toMatchObject({ translation: 'nested', mode: 'ept', checks: [{ name: 'hello', passed: true }] });
    expect(r.stderr).toMatch(/^check-pager: the built-in ept pager/);
    expect(vmmlab(['check-pager'])).toEqual({ code: 2, stdout: '', stderr: 'vmmlab: error: check-pager takes one pager: a .js or .ts file, or shadow or ept (see vmmlab check-pager --help)\n' });
    expect(vmmlab(['check-pager', 'nosuch.js'])).toEqual({ code: 1, stdout: '', stderr: "vmmlab: error: pager 'nosuch.js': no such file\n" });
    expect(vmmlab(['check-pager', 'shadow', '--only', 'nosuch']).stderr).toMatch(/--only nosuch: no check has that name\n$/);
    expect(vmmlab(['check-pager', 'shadow', '--seed', 'x']).code).toBe(2);
    const help = vmmlab(['help', 'check-pager']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vmmlab check-pager FILE\.js\|FILE\.ts\|shadow\|ept\|agile \[options\]\n/);
    expect(help.stdout).toMatch(/VMMLAB_CHECK_SCALE/);
    expect(vmmlab(['--help']).stdout).toMatch(/^ {2}check-pager FILE +grade a pager of your own/m);
  });

  it('case 5: the default run of a correct pager takes well under a minute, and passes every check', () => {
    const started = Date.now();
    const r = vmmlab(['check-pager', pager('simple-shadow.js')]);
    const seconds = (Date.now() - started) / 1000;
    expect(r.stdout).toMatch(/\nscore: (\d+) of \1 checks pass\n$/);
    expect(r.code).toBe(0);
    expect(seconds).toBeLessThan(90);
  }, 180_000);
});
