// The package as a new user gets it: `npm pack` (its prepack build) on a copy of the checkout,
// `npm install` of the tarball into an empty folder without the network (the package has no
// runtime dependencies), and there the CLI through npx, a plain-Node ESM script using the library,
// and a strict TypeScript consumer checked against the shipped declarations.
//
// The copy keeps the checkout's dist/ untouched while other suites run its CLI; the last cases
// edit the copy's sources to check that the checkout's command never runs a stale bundle.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const SETUP_MS = 240_000;

let work: string;
let source: string;
let consumer: string;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

function sh(command: string, args: readonly string[], cwd: string, input = ''): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: SETUP_MS });
}

function ok(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The installed command, the way a user starts it. */
const npx = (...args: string[]) => sh('npx', ['--offline', '--no', '--', 'vmmlab', ...args], consumer);
/** The same command without npm in front, for the checks that need not go through npx. */
const vmmlab = (args: string[], input = '') => sh(process.execPath, [path.join(consumer, 'node_modules/.bin/vmmlab'), ...args], consumer, input);

/** A result file without its wall-clock times, the only part that may differ between runs. */
function resultWithoutTiming(file: string): unknown {
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete result.timing;
  return result;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-package-'));
  source = path.join(work, 'source');
  const skip = new Set(['node_modules', '.git', 'dist', 'coverage']);
  fs.cpSync(ROOT, source, { recursive: true, filter: (from) => {
    const rel = path.relative(ROOT, from);
    return !skip.has(rel.split(path.sep)[0]!) && !/^[^/]*\.tgz$/.test(rel);
  } });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  const pack = ok(sh('npm', ['pack', '--json', '--pack-destination', work], source), 'npm pack');
  packed = (JSON.parse(pack.stdout) as typeof packed[])[0]!;

  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  ok(sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(work, packed.filename)], consumer), 'npm install');
}, SETUP_MS);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('case 1: holds the build, declarations, programs, studies, docs, README and LICENSE; no tests, sources or CI', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/vmmlab.js', 'dist/vmmlab.js', 'dist/index.js', 'dist/worker.js',
      'dist/types/index.d.ts', 'guest-programs/hello.s', 'guest-programs/kernel/kernel.s', 'guest-programs/user/primes.s',
      'guest-programs/lib/console.inc', 'guest-programs/studies/tlb-pressure.json', 'guest-programs/init/README.md', 'guest-programs/init/sum.s',
      'isa/README.md', 'docs/experiments.md', 'dist/web/index.html', 'dist/web/main.js', 'dist/web/worker.js', 'dist/web/style.css']) {
      expect(files).toContain(f);
    }
    if (fs.existsSync(path.join(ROOT, 'schemas'))) expect(files.some((f) => f.startsWith('schemas/'))).toBe(true);
    const sourceDirs = /^(tests|\.ci|bench|scripts|cli|debugger|inspect|format|emulator|hypervisor|assembler|experiments|config|session|web|node)\//;
    const unwanted = files.filter((f) => sourceDirs.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map')
      || f === 'bin/build.js' || f.startsWith('tsconfig'));
    expect(unwanted).toEqual([]);
  });

  it('case 2: declares no dependencies, and its declarations import nothing from outside the package', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules/vmmlab/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    const types = path.join(consumer, 'node_modules/vmmlab/dist/types');
    const outside: string[] = [];
    for (const rel of fs.readdirSync(types, { recursive: true }) as string[]) {
      if (!rel.endsWith('.d.ts')) continue;
      const text = fs.readFileSync(path.join(types, rel), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)(['"])([^'"]+)\1/g)) {
        if (!m[2]!.startsWith('.')) outside.push(`${rel}: ${m[2]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});

describe('the installed command', () => {
  it('case 3: npx vmmlab run hello.s prints the greeting', () => {
    const r = npx('run', 'node_modules/vmmlab/guest-programs/hello.s');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Hello from TV32!\n');
    expect(r.status).toBe(0);
  });

  it('case 4: npx vmmlab runs the bundled kernel with a bundled module under EPT', () => {
    const r = npx('run', 'node_modules/vmmlab/guest-programs/kernel/kernel.s', '--module', 'primes.s', '--mode', 'ept', '--stats');
    expect(r.stdout).toMatch(/^primes: 1229 below 10000/m);
    expect(r.stderr).toMatch(/ept/i);
    expect(r.status).toBe(0);
  });

  it('case 5: npx vmmlab exp --jobs 2 runs worker threads from the build, with the results of --jobs 1', () => {
    fs.writeFileSync(path.join(consumer, 'tiny.json'), JSON.stringify({
      name: 'tiny', workloads: [{ name: 'ctxswitch', modules: ['ctxswitch.s:50'] }], grid: { mode: ['native', 'shadow', 'ept'] }, memory: '2M',
    }));
    const two = npx('exp', 'tiny.json', '--jobs', '2', '--no-progress', '--json', 'two.json');
    expect(two.stderr).toBe('');
    expect(two.status).toBe(0);
    expect(ok(vmmlab(['exp', 'tiny.json', '--jobs', '1', '--no-progress', '--json', 'one.json']), 'exp --jobs 1').status).toBe(0);
    expect((JSON.parse(fs.readFileSync(path.join(consumer, 'two.json'), 'utf8')) as { timing: { jobs: number } }).timing.jobs).toBe(2);
    expect(resultWithoutTiming(path.join(consumer, 'two.json'))).toEqual(resultWithoutTiming(path.join(consumer, 'one.json')));
  });

  it('case 12: vmmlab web serves the playground from the install', async () => {
    const { spawn } = await import('node:child_process');
    // The installed command itself (not through npx, so that the signal reaches the server).
    const server = spawn(process.execPath, [path.join(consumer, 'node_modules/vmmlab/bin/vmmlab.js'), 'web', '--port', '0'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`vmmlab web exited (${code}): ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<title>vmmlab playground<\/title>/);
      const worker = await fetch(`${url}worker.js`);
      expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await worker.text()).length).toBeGreaterThan(100_000);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('case 6: asm, disasm and the debugger work from the install', () => {
    const hello = 'node_modules/vmmlab/guest-programs/hello.s';
    expect(ok(vmmlab(['asm', hello, '-o', 'hello.img']), 'asm').status).toBe(0);
    expect(ok(vmmlab(['disasm', 'hello.img']), 'disasm').stdout).toMatch(/_start/);
    const debug = vmmlab(['debug', hello, '--batch'], 'step\nregs\ncontinue\n');
    expect(debug.stderr).toBe('');
    expect(debug.stdout).toMatch(/Hello from TV32!/);
    expect(debug.status).toBe(0);
    expect(vmmlab(['--version']).stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('the installed library', () => {
  it('case 7: a plain-Node ESM script assembles and runs a program and a study with two worker threads', () => {
    fs.writeFileSync(path.join(consumer, 'script.mjs'), `
      import { assemble, Machine, parseStudy, runStudy, metric, PAGER_API_VERSION, SHADOW_PAGER, EPT_PAGER, PagerError, loadPager, planStudy, mapFileSource } from 'vmmlab';
      const { image, diagnostics } = assemble('li a0, 42\\nli t0, 0xf0000010\\nsw a0, 0(t0)');
      if (!image) throw new Error(diagnostics.map((d) => d.message).join('\\n'));
      const machine = new Machine({ memoryBytes: 1 << 20 });
      machine.load(image);
      const run = machine.run(1000);
      const study = parseStudy({ name: 'api', workloads: [{ name: 'ctxswitch', modules: ['ctxswitch.s:50'] }], grid: { mode: ['native', 'ept'] }, memory: '2M' });
      const result = await runStudy(study, { jobs: 2 });
      // The pager API and the in-memory studies are part of the library too (the files come as a map: here the package's guest programs).
      const { readdirSync, readFileSync } = await import('node:fs');
      const { fileURLToPath } = await import('node:url');
      const pkg = fileURLToPath(new URL('.', import.meta.resolve('vmmlab/package.json')));
      const files = {};
      for (const f of readdirSync(pkg + 'guest-programs', { recursive: true })) if (String(f).endsWith('.s') || String(f).endsWith('.inc')) files['guest-programs/' + f] = readFileSync(pkg + 'guest-programs/' + f, 'utf8');
      const plan = planStudy(JSON.stringify({ name: 'mem', workloads: [{ name: 'ctxswitch', modules: ['ctxswitch.s:5'] }], grid: { mode: ['shadow'] }, memory: '2M' }), 'mem.json', mapFileSource(files));
      const pagers = { api: PAGER_API_VERSION, shadow: SHADOW_PAGER.name, ept: EPT_PAGER.name, error: typeof PagerError, load: typeof loadPager, cells: plan.cells.length };
      console.log(JSON.stringify({ reason: run.reason, exitCode: run.exitCode, jobs: result.timing.jobs, exits: result.cells.map((c) => metric(c, 'exits')), pagers }));
    `);
    const r = ok(sh(process.execPath, ['script.mjs'], consumer), 'node script.mjs');
    const out = JSON.parse(r.stdout) as { reason: string; exitCode: number; jobs: number; exits: number[] };
    expect(out).toMatchObject({ reason: 'halted', exitCode: 42, jobs: 2 });
    expect(out.exits[0]).toBe(0);
    expect(out.exits[1]).toBeGreaterThan(0);
    expect((out as unknown as { pagers: unknown }).pagers).toEqual({ api: 3, shadow: 'shadow', ept: 'ept', error: 'function', load: 'function', cells: 1 });
  });

  it('case 8: a strict TypeScript consumer (tsc --init defaults) type-checks against the declarations', () => {
    ok(sh(process.execPath, [TSC, '--init'], consumer), 'tsc --init');
    fs.writeFileSync(path.join(consumer, 'consumer.ts'), `
      import { assemble, Machine, parseStudy, runStudy, textTable, type RunResult, type StudyResult } from 'vmmlab';

      const { image, diagnostics } = assemble('li a0, 42');
      if (!image) throw new Error(diagnostics.map((d) => d.message).join('\\n'));
      const machine = new Machine({ memoryBytes: 1 << 20 });
      machine.load(image);
      const run: RunResult = machine.run(1000);
      export const reason: string = run.reason;
      export const later: Promise<string> = runStudy(parseStudy({ name: 'x', workloads: [], grid: {} }), { jobs: 2 })
        .then((result: StudyResult) => textTable(result));

      // The declarations carry real types, not any:
      // @ts-expect-error a run is bounded by a number of instructions
      machine.run('forever');
      // @ts-expect-error a stop reason is not a number
      export const wrong: number = run.reason;
    `);
    const r = sh(process.execPath, [TSC, '--noEmit', '-p', '.'], consumer);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('a folder of ones own, from the install', () => {
  it('case 11: vmmlab init makes one where .include "ulib.inc" and "console.inc" come from the package, its README naming the installed kernel', () => {
    expect(ok(npx('init', 'student'), 'vmmlab init').stdout).toMatch(/^vmmlab: made student: /);
    const student = path.join(consumer, 'student');
    const kernel = '../node_modules/vmmlab/guest-programs/kernel/kernel.s';
    expect(fs.readFileSync(path.join(student, 'README.md'), 'utf8')).toContain(`$ npx vmmlab run ${kernel} --module sum.s:1,2,3\n`);
    const there = (args: string[], input = '') => sh(process.execPath, [path.join(consumer, 'node_modules/.bin/vmmlab'), ...args], student, input);
    expect(there(['run', kernel, '--module', 'sum.s:1,2,3', '--mode', 'ept'])).toMatchObject({ status: 0, stdout: 'sum: 6\n', stderr: '' });
    expect(there(['run', 'paging.s', '--mode', 'shadow'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^paging is on\n/), stderr: '' });
    const missing = there(['asm', '-'], '.include "nope.inc"\n');
    const bundled = path.join(fs.realpathSync(path.join(consumer, 'node_modules/vmmlab')), 'guest-programs');
    expect(missing.stderr).toContain(`<stdin>:1:10: error: cannot read include file 'nope.inc': not found in ./, ${bundled}/lib/, ${bundled}/user/`);
    expect(missing.status).toBe(1);
  });
});

describe("the checkout's command", () => {
  const checkout = (args: string[]) => sh(process.execPath, [path.join(source, 'bin/vmmlab.js'), ...args], source);

  it('case 9: runs the bundle as built while no source changes, and rebuilds it when one does', () => {
    const bundle = path.join(source, 'dist/vmmlab.js');
    const builtAt = fs.statSync(bundle).mtimeMs;
    expect(ok(checkout(['run', 'guest-programs/hello.s']), 'run').stdout).toBe('Hello from TV32!\n');
    expect(fs.statSync(bundle).mtimeMs).toBe(builtAt);
    fs.appendFileSync(path.join(source, 'cli/main.ts'), "\nconsole.log('the edited sources');\n");
    const r = ok(checkout(['run', 'guest-programs/hello.s']), 'run after an edit');
    expect(r.stdout).toBe('the edited sources\nHello from TV32!\n');
    expect(r.stderr).toBe('');
  });

  it('case 10: sources that do not build are one error, and nothing runs', () => {
    fs.appendFileSync(path.join(source, 'cli/main.ts'), '\nexport const broken = ;\n');
    const r = checkout(['run', 'guest-programs/hello.s']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cli\/main\.ts:\d+:\d+/);
    expect(r.stderr).toMatch(/\nvmmlab: the sources do not build \(1 error above\); dist\/ is unchanged\n$/);
    expect(r.status).toBe(1);
  });
});
