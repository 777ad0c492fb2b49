// The playground's worker model in Node (web/playground.ts; the browser tests drive the page):
// it builds from `vmmlab run`'s own option values and gives the CLI's counts, console and stop;
// run controls, gutter and event breakpoints, walks, trees and memory views; bad input is
// reported, never thrown. Projects of several files (the labs): the edited copies are what
// `.include` reads, diagnostics and breakpoints are in their own file, and Check lab gives the
// check lines of `vmmlab lab check N`. And `vmmlab web` serves the built site, and only it.

import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Playground, commandLine } from '../../web/playground.ts';
import { importViaDataUrl } from '../../web/pager-module.ts';
import { GUEST_FILES } from '../../web/guest-files.ts';
import { EXAMPLES, type Example } from '../../web/examples.ts';
import { benchAluLoop } from '../../web/bench-guest.ts';
import { decodeShare, encodeShare } from '../../web/share.ts';
import { webServer } from '../../cli/commands/web.ts';
import type { LabCheckResult, MachineSpec, SourceText } from '../../web/protocol.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KERNEL = 'guest-programs/kernel/kernel.s';

function spec(program: string, modules: string[], options: MachineSpec['options'] = {}, text?: string): MachineSpec {
  return { program: { path: program, text: text ?? GUEST_FILES[program]! }, modules, options };
}

function cliRun(args: string[]): { json: Record<string, unknown>; stdout: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), 'run', ...args, '--json', path.join(os.tmpdir(), `vmmlab-web-${process.pid}.json`)], { cwd: root, encoding: 'utf8' });
  const json = JSON.parse(fs.readFileSync(path.join(os.tmpdir(), `vmmlab-web-${process.pid}.json`), 'utf8')) as Record<string, unknown>;
  return { json, stdout: r.stdout };
}

describe('the playground model', () => {
  it('runs the kernel with primes and ctxswitch as the CLI does, in each mode', async () => {
    for (const mode of ['native', 'shadow', 'ept']) {
      const options = mode === 'native' ? {} : { mode };
      const cli = cliRun([KERNEL, '--module', 'primes.s', '--module', 'ctxswitch.s:100', ...(mode === 'native' ? [] : ['--mode', mode])]);
      // Batch (Compare) and the debugger's continue both give the CLI's numbers.
      const batch = await new Playground(GUEST_FILES).batch(spec(KERNEL, ['primes', 'ctxswitch:100'], options), async () => {}, () => false);
      expect(batch.console).toBe(cli.stdout);
      expect(batch.statsJson).toEqual(cli.json.stats);
      let consoleText = '';
      const pg = new Playground(GUEST_FILES, (_cpu, text) => (consoleText += text));
      expect(pg.open(spec(KERNEL, ['primes', 'ctxswitch:100'], options)).snapshot).toBeDefined();
      const r = await pg.command('continue');
      expect(consoleText).toBe(cli.stdout);
      expect(r.snapshot.cpus[0]!.counters.instructions).toBe(cli.json.instructions);
      expect(r.snapshot.cpus[0]!.counters.cycles).toBe(cli.json.cycles);
      expect(r.snapshot.cpus[0]!.stopped).toBe('halted');
    }
  });

  it('says which command line builds the same machine', () => {
    expect(commandLine(spec(KERNEL, ['memwalk:256,4096,4'], { mode: 'ept', 'ept-levels': '4', vpid: true }))).toBe(
      'vmmlab run guest-programs/kernel/kernel.s --module memwalk:256,4096,4 --mode ept --ept-levels 4 --vpid');
  });

  it('steps, stops at a gutter breakpoint and on an event, and goes back', async () => {
    const pg = new Playground(GUEST_FILES);
    const hello = 'guest-programs/hello.s';
    const opened = pg.open(spec(hello, []));
    const pc0 = opened.snapshot!.cpus[0]!.registers.pc;
    const stepped = await pg.command('step');
    expect(stepped.snapshot.cpus[0]!.registers.pc).not.toBe(pc0);
    expect(stepped.snapshot.cpus[0]!.counters.instructions).toBe(1);
    // Line 7 is `poweroff 0`; line 3 is blank (refused).
    expect(pg.setGutterBreakpoints(hello, [7, 3])).toEqual({ set: [7], refused: [3] });
    const hit = await pg.command('continue');
    expect(hit.snapshot.pcFile).toBe(hello);
    expect(hit.snapshot.pcLine).toBe(7);
    expect(hit.snapshot.cpus[0]!.stopped).toBeUndefined();
    const back = await pg.command('reverse-step');
    expect(back.snapshot.cpus[0]!.counters.instructions).toBe(hit.snapshot.cpus[0]!.counters.instructions - 1);
    // Event breaks: a VM exit on bare metal is refused with the reason.
    expect(pg.setEventBreakpoints([['exit']]).refused[0]).toMatch(/no VM exits on bare metal/);
    const vm = new Playground(GUEST_FILES);
    vm.open(spec(KERNEL, ['primes'], { mode: 'shadow' }));
    expect(vm.setEventBreakpoints([['exit', 'ptbr-write']]).refused).toEqual([]);
    const exit = await vm.command('continue');
    expect(exit.output).toMatch(/VM exit .*ptbr-write/);
  });

  it('shows the EPT walk of (n+1)(m+1)-1 references on a cold miss, for 1 to 4 EPT levels', async () => {
    const refs = [];
    for (const levels of ['1', '2', '3', '4']) {
      const pg = new Playground(GUEST_FILES);
      pg.open(spec('guest-programs/init/paging.s', [], { mode: 'ept', 'ept-levels': levels }));
      await pg.command('until paging_on');
      // The page directory, identity-mapped and backed, never loaded through a paged TLB entry.
      const t = pg.walk('0x10000', 'load').translation!;
      expect(t.hardware!.tlb.kind).toBe('miss');
      expect(t.hardware!.outcome.kind).toBe('ok');
      refs.push(t.hardware!.cost.memoryRefs);
    }
    expect(refs).toEqual([5, 8, 11, 14]);
  });

  it('draws trees, the TLB and memory by address space', async () => {
    const pg = new Playground(GUEST_FILES);
    pg.open(spec(KERNEL, ['primes'], { mode: 'shadow' }));
    expect(pg.tables('shadow')).toEqual({ unavailable: 'no-shadow-yet' });
    expect(pg.tables('ept')).toEqual({ unavailable: 'not-ept-mode' });
    const r = await pg.command('step 20000');
    expect(r.snapshot.tlb.tlbs[0]!.valid.length).toBeGreaterThan(0);
    const shadow = pg.tables('shadow');
    expect('kind' in shadow && shadow.kind).toBe('shadow');
    const guest = pg.tables('guest');
    expect('kind' in guest && guest.kind === 'guest' && guest.paging).toBe(true);
    const m = pg.memory('v', 'pc', 2);
    expect(m.rows).toHaveLength(2);
    expect(m.rows[0]!.words.every((w) => typeof w === 'number')).toBe(true);
    expect(pg.memory('v', 'no_such_symbol', 1).error).toMatch(/no_such_symbol/);
  });

  it('reports mistakes in the program, the options and the modules, and builds nothing', () => {
    const pg = new Playground(GUEST_FILES);
    const bad = pg.open(spec('playground/main.s', [], {}, '_start:\n    addi a0, a0\n    bogus t0\n'));
    expect(bad.snapshot).toBeUndefined();
    expect(bad.diagnostics.map((d) => `${d.file}:${d.line}`)).toEqual(['playground/main.s:2', 'playground/main.s:3']);
    expect(bad.output).toBe('2 errors; nothing assembled');
    expect(pg.hasMachine).toBe(false);
    expect(pg.open(spec('guest-programs/hello.s', [], { 'tlb-entries': '3' })).output).toMatch(/^error: .*power of two/);
    expect(pg.open(spec(KERNEL, ['nosuch'])).output).toMatch(/^error: module 'nosuch': no such program \(the bundled ones: .*primes/);
    expect(pg.open(spec(KERNEL, ['primes:x'])).output).toMatch(/^error: module 'primes:x': argument 'x'/);
    expect(pg.lint({ path: 'playground/main.s', text: '    .include "nothere.inc"\n' })[0]!.message).toMatch(/nothere\.inc/);
  });

  it('ships examples that all assemble, and a bench guest that halts', () => {
    const pg = new Playground(GUEST_FILES);
    for (const ex of EXAMPLES) {
      const r = pg.open({ program: { path: ex.path, text: ex.text }, modules: ex.modules, options: ex.options, files: ex.files, ...(ex.root ? { root: ex.root } : {}) });
      expect(r.snapshot, `${ex.id}: ${r.output}`).toBeDefined();
    }
    expect(benchAluLoop(80_000).instructions).toBeGreaterThan(80_000);
  });
});

/** An example's project with some files replaced: what the page sends when the student edited them. */
function project(id: string, edits: Record<string, string> = {}): { ex: Example; files: SourceText[]; spec: MachineSpec } {
  const ex = EXAMPLES.find((e) => e.id === id)!;
  const files = ex.files.map((f) => ({ path: f.path, text: edits[f.path.slice(ex.root!.length + 1)] ?? f.text }));
  const program = files.find((f) => f.path === ex.path) ?? { path: ex.path, text: ex.text };
  return { ex, files, spec: { program, modules: ex.modules, options: ex.options, files, root: ex.root! } };
}

/** A lab's reference solution (tests/labs/solutions/NN-name/), by the path inside the lab's folder. */
function solution(id: string): Record<string, string> {
  const dir = path.join(root, 'tests/labs/solutions', id);
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(name);
      else out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
    }
  };
  walk('');
  return out;
}

/** `vmmlab lab check N` in a folder `lab init N` made, with `edits` written over it: its check lines, as printed. */
function cliLabCheck(n: number, edits: Record<string, string>): { code: number | null; lines: string[]; summary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vmmlab-weblab${n}-`));
  try {
    const bin = path.join(root, 'bin/vmmlab.js');
    spawnSync(process.execPath, [bin, 'lab', 'init', String(n), 'lab'], { cwd: dir, encoding: 'utf8' });
    for (const [name, text] of Object.entries(edits)) fs.writeFileSync(path.join(dir, 'lab', name), text);
    const r = spawnSync(process.execPath, [bin, 'lab', 'check', String(n)], { cwd: path.join(dir, 'lab'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const out = r.stdout.replace(/\n$/, '').split('\n');
    return { code: r.status, lines: out.slice(1, -1), summary: out.at(-1)!.replace(/; the lab's text: .*$/, '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The playground's check result, printed as `vmmlab lab check` prints its lines. */
/** Check lab for lab 4, as the panel runs it: load, each check, the end; the text with its timings taken out. */
async function playgroundLab4(text: string): Promise<{ lines: string[]; failed: string[] }> {
  const pg = new Playground(GUEST_FILES);
  const start = await pg.beginPagerCheck({ path: 'guest-programs/labs/04-shadow-pager/pager.js', text }, LAB4_SCALE, importViaDataUrl);
  expect(start.error).toBeUndefined();
  let out = start.intro + '\n' + start.header!;
  const failed: string[] = [];
  for (const name of start.names) {
    const step = pg.runPagerCheck(name);
    if (!step.result.passed) failed.push(name);
    out += step.text;
  }
  const end = pg.finishPagerCheck();
  out += `${end.text}\n${end.summary}\n`;
  return { lines: untimed(out), failed };
}

/** Random cases at a fifth of the default in both (VMMLAB_CHECK_SCALE), as tests/labs/lab4.test.ts runs them. */
const LAB4_SCALE = 0.2;
const untimed = (text: string) => text.replace(/\n$/, '').split('\n').map((l) => l.replace(/ \(\d+\.\d s\)$/, ''));

/** `vmmlab lab check 4` in a folder `lab init 4` made, with edits: its lines, timings and the text's path taken out. */
function cliLab4(edits: Record<string, string>): { code: number | null; lines: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-weblab4-'));
  try {
    const bin = path.join(root, 'bin/vmmlab.js');
    spawnSync(process.execPath, [bin, 'lab', 'init', '4', 'lab'], { cwd: dir, encoding: 'utf8' });
    for (const [name, text] of Object.entries(edits)) fs.writeFileSync(path.join(dir, 'lab', name), text);
    const r = spawnSync(process.execPath, [bin, 'lab', 'check', '4'], { cwd: path.join(dir, 'lab'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', VMMLAB_CHECK_SCALE: String(LAB4_SCALE) } });
    return { code: r.status, lines: untimed(r.stdout.replace(/; the lab's text: .*\n?$/, '')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printed(r: LabCheckResult): string[] {
  return (r.checks ?? []).flatMap((c) => [`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}`, ...c.detail.map((d) => `        ${d}`)]);
}

describe('projects of several files (the labs)', () => {
  it('builds a lab from its edited files: an .include takes the edited copy, the others the starter', async () => {
    const starter = project('lab1-traps');
    expect(starter.ex.files.map((f) => f.path.split('/').pop())).toEqual(['kernel.s', 'trap.s', 'user.s', 'lab1.inc']);
    expect(starter.ex.open).toBe('guest-programs/labs/01-traps/trap.s');
    let before = '';
    const pg = new Playground(GUEST_FILES, (_cpu, text) => (before += text));
    pg.open(starter.spec);
    await pg.command('continue');
    expect(before).not.toMatch(/^hello from user mode/);
    const solved = project('lab1-traps', solution('01-traps'));
    let after = '';
    const pg2 = new Playground(GUEST_FILES, (_cpu, text) => (after += text));
    pg2.open(solved.spec);
    const r = await pg2.command('continue');
    expect(after).toMatch(/^hello from user mode\n/);
    expect(r.snapshot.cpus[0]!.stopped).toBe('halted');
    expect(r.snapshot.cpus[0]!.exitCode).toBe(0);
    // A lint of other texts (the editor's, as typed) leaves the machine's sources alone: the
    // debugger's listing shows the trap.s it runs.
    const trapPath = 'guest-programs/labs/01-traps/trap.s';
    pg2.lint({ path: trapPath, text: '; typed\n' }, { program: solved.spec.program, files: starter.files });
    pg2.checkLab(1, starter.files);
    const listing = (await pg2.command('disas trap_entry 1')).output;
    const line = Number(/trap\.s:(\d+)/.exec(listing)![1]);
    expect(listing).toContain(solution('01-traps')['trap.s']!.split('\n')[line - 1]!.trim());
    // The same Playground, the starter again: the edited copy is gone, the bundled one is back.
    let again = '';
    const pg3 = new Playground(GUEST_FILES, (_cpu, text) => (again += text));
    pg3.open(solved.spec);
    pg3.open(starter.spec);
    await pg3.command('continue');
    expect(again).toBe(before);
  });

  it('lints the project: a mistake in trap.s is located in trap.s, from any file\'s editor', () => {
    const { ex, files } = project('lab1-traps', { 'trap.s': `${GUEST_FILES['guest-programs/labs/01-traps/trap.s']}\n    bogus t0\n` });
    const trap = files.find((f) => f.path.endsWith('/trap.s'))!;
    const kernel = files.find((f) => f.path.endsWith('/kernel.s'))!;
    const lines = trap.text.split('\n').length - 1;
    const pg = new Playground(GUEST_FILES);
    const req = { program: kernel, modules: ex.modules, files, root: ex.root! };
    for (const source of [trap, kernel]) {
      const d = pg.lint(source, req).filter((x) => x.severity === 'error');
      expect(d.map((x) => `${x.file}:${x.line}`)).toEqual([`${trap.path}:${lines}`]);
      expect(d[0]!.message).toMatch(/bogus/);
    }
    // Alone (no project), trap.s does not assemble: it needs kernel.s's symbols.
    expect(pg.lint(trap).some((x) => x.severity === 'error' && /undefined|unknown/i.test(x.message))).toBe(true);
    // Lab 3: pages.s is a module (pages.s:2, beside the project's kernel/), linted with the kernel.
    const lab3 = project('lab3-address-spaces', { 'pages.s': 'main:\n    bogus a0\n' });
    const pages = lab3.files.find((f) => f.path.endsWith('/pages.s'))!;
    const d3 = pg.lint(pages, { program: lab3.spec.program, modules: lab3.ex.modules, files: lab3.files, root: lab3.ex.root! });
    expect(d3.filter((x) => x.severity === 'error').map((x) => `${x.file}:${x.line}`)).toEqual([`${pages.path}:2`]);
  });

  it('stops at a gutter breakpoint in a file the program includes, and marks the pc there', async () => {
    const { spec: s } = project('lab1-traps', solution('01-traps'));
    const trap = s.files!.find((f) => f.path.endsWith('/trap.s'))!;
    const line = trap.text.split('\n').findIndex((l) => /^trap_entry:/.test(l)) + 2;
    const pg = new Playground(GUEST_FILES);
    pg.open(s);
    expect(pg.setGutterBreakpoints(trap.path, [line]).set).toEqual([line]);
    // A breakpoint in kernel.s's gutter does not take trap.s's away.
    expect(pg.setGutterBreakpoints(s.program.path, []).set).toEqual([]);
    const hit = await pg.command('continue');
    expect(hit.snapshot.pcFile).toBe(trap.path);
    expect(hit.snapshot.pcLine).toBe(line);
  });

  it('lab 1: the starter fails and the reference solution passes, with the check texts of vmmlab lab check', () => {
    const pg = new Playground(GUEST_FILES);
    for (const edits of [{}, solution('01-traps')]) {
      const r = pg.checkLab(1, project('lab1-traps', edits).files);
      const cli = cliLabCheck(1, edits);
      expect(r.error).toBeUndefined();
      expect(printed(r)).toEqual(cli.lines);
      expect(r.summary).toBe(cli.summary);
      expect(r.checks!.every((c) => c.ok)).toBe(cli.code === 0);
    }
    expect(pg.checkLab(1, project('lab1-traps', solution('01-traps')).files).summary).toMatch(/^lab 1: every check passes \(\d+ checks\)$/);
  });

  it('lab 2 and lab 3: the starter fails, the reference solution passes, as on the command line', () => {
    const pg = new Playground(GUEST_FILES);
    const two = pg.checkLab(2, project('lab2-page-table').files);
    const cliTwo = cliLabCheck(2, {});
    expect(printed(two)).toEqual(cliTwo.lines);
    expect(two.summary).toBe(cliTwo.summary);
    expect(two.checks!.some((c) => !c.ok)).toBe(true);
    expect(pg.checkLab(2, project('lab2-page-table', solution('02-page-table')).files).checks!.every((c) => c.ok)).toBe(true);
    const three = pg.checkLab(3, project('lab3-address-spaces').files);
    expect(three.checks!.filter((c) => !c.ok).map((c) => c.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^pgstat is system call 10/)]));
    const solved = solution('03-address-spaces');
    const cliThree = cliLabCheck(3, solved);
    const threeSolved = pg.checkLab(3, project('lab3-address-spaces', solved).files);
    expect(printed(threeSolved)).toEqual(cliThree.lines);
    expect(threeSolved.summary).toBe(cliThree.summary);
    expect(threeSolved.checks!.every((c) => c.ok)).toBe(true);
  });

  it('lab 5: its study runs in this thread, and the checks of its result are vmmlab lab check 5\'s', () => {
    const pg = new Playground(GUEST_FILES);
    const starter = pg.checkLab(5, project('lab5-trade-off').files);
    expect(starter.checks!.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      expect.stringMatching(/^a workload of yours is at least 1\.5 times slower under EPT/),
      expect.stringMatching(/^a workload of yours is at least 1\.5 times slower under shadow paging/),
      expect.stringMatching(/^the study's finding holds/),
    ]);
    const solved = solution('05-trade-off');
    const cli = cliLabCheck(5, solved);
    const r = pg.checkLab(5, project('lab5-trade-off', solved).files);
    expect(printed(r)).toEqual(cli.lines);
    expect(r.summary).toBe(cli.summary);
    expect(r.checks!.every((c) => c.ok)).toBe(true);
    // A study that is not one: its issues located, and nothing checked.
    const bad = pg.checkLab(5, project('lab5-trade-off', { 'study.json': '{ "name": "x", "workloads": 3 }' }).files);
    expect(bad.checks).toBeUndefined();
    expect(bad.error).toMatch(/^guest-programs\/labs\/05-trade-off\/study\.json(:\d+:\d+)?: error: .*workloads/m);
    expect(bad.error).toMatch(/errors?; nothing checked$/);
  });

  it('a shared link carries a project\'s edited files and the file shown', async () => {
    const shared = { example: 'lab1-traps', path: 'guest-programs/labs/01-traps/kernel.s', files: { 'guest-programs/labs/01-traps/trap.s': solution('01-traps')['trap.s']! }, open: 'guest-programs/labs/01-traps/trap.s', modules: [], options: {}, breakpoints: [3] };
    expect(await decodeShare(await encodeShare(shared))).toEqual(shared);
    // Links made before projects (one file's text) still open.
    const old = { example: 'hello', path: 'guest-programs/hello.s', text: 'x', modules: [], options: {}, breakpoints: [] };
    expect(await decodeShare(await encodeShare(old))).toEqual(old);
  });

  it('a lab that does not assemble is one error, its diagnostics located', () => {
    const pg = new Playground(GUEST_FILES);
    const r = pg.checkLab(1, project('lab1-traps', { 'trap.s': 'trap_init:\n    bogus t0\n' }).files);
    expect(r.checks).toBeUndefined();
    expect(r.error).toMatch(/^kernel\.s \(with your trap\.s\): \d+ errors?; nothing assembled, nothing checked$/);
    expect(r.diagnostics.find((d) => d.severity === 'error' && /bogus/.test(d.message))).toMatchObject({ file: 'guest-programs/labs/01-traps/trap.s', line: 2 });
  });

  it('lab 4: check-pager\'s suite on the edited pager.js, check by check, prints what vmmlab lab check 4 prints', async () => {
    const ex = project('lab4-shadow-pager').ex;
    expect(ex.files.map((f) => f.path.split('/').pop())).toEqual(['answers.md', 'pager.js', 'paging.s']);
    expect(ex.open).toBe('guest-programs/labs/04-shadow-pager/pager.js');
    expect(ex.labCheck).toBe(true);
    const starter = await playgroundLab4(ex.files.find((f) => f.path.endsWith('/pager.js'))!.text);
    const cliStarter = cliLab4({});
    expect(starter.lines).toEqual(cliStarter.lines);
    expect(starter.failed).toEqual(['pt-write', 'ad-bits', 'ptbr-switch', 'paging-kernel', 'pg-off-to-on', 'pg-global-off', 'past-ram', 'superpage-invlpg', 'pwc-stale-pde', 'trap-loop', 'hello', 'fib', 'sieve', 'traps', 'kernel primes', 'kernel memwalk', 'kernel ctxswitch', 'kernel forkstorm', 'kernel sbrkchurn', 'random', 'isolation snoop', 'isolation both']);
    expect(starter.lines.join('\n')).toMatch(/pager 'pager\.js' made no progress on page-fault/);
    const solved = solution('04-shadow-pager')['pager.js']!;
    const r = await playgroundLab4(solved);
    const cli = cliLab4({ 'pager.js': solved });
    expect(cli.code).toBe(0);
    expect(r.lines).toEqual(cli.lines);
    expect(r.failed).toEqual([]);
    expect(r.lines).toContain('score: 22 of 22 checks pass');
    expect(r.lines.at(-1)).toBe('lab 4: every check passes');
  }, 120_000);

  it('lab 4: a pager that does not load is one line, as the CLI says it, never a stack', async () => {
    const pg = new Playground(GUEST_FILES);
    const load = (text: string, name = 'pager.js') => pg.beginPagerCheck({ path: `guest-programs/labs/04-shadow-pager/${name}`, text }, 0.2, importViaDataUrl);
    expect((await load('export default function createPager(vmm) {\n  return {\n')).error).toMatch(/^pager 'pager\.js' does not load: SyntaxError: /);
    expect((await load('export const x = 1;\n')).error).toBe('pager \'pager.js\' exports no factory: export default function createPager(vmm) { return { translation: \'shadow\', … } } (it exports x); docs/pager-api.md');
    expect((await load('\nthrow new TypeError("boom");\n')).error).toBe('pager \'pager.js\' does not load (line 2): TypeError: boom');
    expect((await load('export default function () { return { translation: \'sideways\' }; }\n')).error).toMatch(/^pager 'pager\.js'.*translation/);
    expect((await load('export default 1;', 'pager.ts')).error).toMatch(/^pager 'pager\.ts': the playground loads a JavaScript pager/);
    // A pager that throws on an event: the check fails naming the pager, the event and its line, as on the command line.
    const throwing = solution('04-shadow-pager')['pager.js']!.replace(/pageFault\(e\) \{\n/, (m) => `${m}      if (e.va >= 0x1000) return undefined.lookup;\n`);
    expect((await load(throwing)).error).toBeUndefined();
    expect(pg.runPagerCheck('hello').result.detail).toEqual([
      'pager \'pager.js\' threw on page-fault (fetch of va 0x000010cc, fetch-page-fault; pc 0x000010cc, instruction 1): TypeError: Cannot read properties of undefined (reading \'lookup\') (pager.js:124:44)',
    ]);
    // One file: an import of another does not resolve here, and the message says so in a line.
    expect((await load('import { x } from \'./other.js\';\nexport default x;\n')).error).toMatch(/^pager 'pager\.js' does not load: TypeError: [^\n]*\.\/other\.js[^\n]*: the playground loads pager\.js alone/);
    expect((await load('import { x } from \'./other.js\';\nexport default x;\n')).error).not.toMatch(/data:/);
    for (const text of ['export default function () { return { translation: \'sideways\' }; }\n', 'export const x = 1;\n']) {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-webpager-')), 'pager.mjs');
      fs.writeFileSync(file, text);
      const cli = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), 'check-pager', 'pager.mjs'], { cwd: path.dirname(file), encoding: 'utf8' });
      expect(cli.status).toBe(1);
      expect(cli.stderr.trim()).toBe(`vmmlab: error: ${(await load(text, 'pager.mjs')).error}`);
    }
  });
});

describe('vmmlab web', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-site-'));
  const server = webServer(dir);
  let base = '';
  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>hi');
    fs.writeFileSync(path.join(dir, 'main.js'), 'void 0;');
    fs.writeFileSync(path.join(os.tmpdir(), 'vmmlab-secret.txt'), 'secret');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const get = (p: string, method = 'GET') => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = http.request(`${base}${p}`, { method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });

  it('serves the folder: / is index.html, types by extension, 404 for the rest', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html>hi' });
    expect(await get('/main.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect((await get('/nothere.js')).status).toBe(404);
    expect((await get('/', 'POST')).status).toBe(405);
  });

  it('serves nothing outside the folder', async () => {
    expect([403, 404]).toContain((await get('/../vmmlab-secret.txt')).status);
    expect([403, 404]).toContain((await get('/%2e%2e/vmmlab-secret.txt')).status);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it('is a command with its help, and refuses bad options', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), ...args], { cwd: root, encoding: 'utf8' });
    expect(run(['help', 'web']).stdout).toMatch(/^Usage: vmmlab web \[--port N\]/);
    const bad = run(['web', '--port', '70000']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port takes 0 to 65535/);
  });
});
