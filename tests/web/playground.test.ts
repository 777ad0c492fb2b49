// The playground's worker model in Node (web/playground.ts; the browser tests drive the page):
// it builds from `vmmlab run`'s own option values and gives the CLI's counts, console and stop;
// run controls, gutter and event breakpoints, walks, trees and memory views; bad input is
// reported, never thrown. And `vmmlab web` serves the built site, and only it.

import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Playground, commandLine } from '../../web/playground.ts';
import { GUEST_FILES } from '../../web/guest-files.ts';
import { EXAMPLES } from '../../web/examples.ts';
import { benchAluLoop } from '../../web/bench-guest.ts';
import { webServer } from '../../cli/commands/web.ts';
import type { MachineSpec } from '../../web/protocol.ts';

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
      const r = pg.open({ program: { path: ex.path, text: ex.text }, modules: ex.modules, options: ex.options });
      expect(r.snapshot, `${ex.id}: ${r.output}`).toBeDefined();
    }
    expect(benchAluLoop(80_000).instructions).toBeGreaterThan(80_000);
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
