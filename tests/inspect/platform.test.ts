// Platform at the edge (STYLE.md lesson 14): the inspection model, the shared text formatting,
// the debugger's engine and the experiments core must load in a web worker, so nothing they load
// at run time may be a node: module or come from cli/ (the command line). This follows their
// static imports (type-only imports are erased and do not count) from each entry, and reads the
// sources for Node globals; the experiments' browser entry is also bundled as a browser would.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../debugger/helpers.ts';

/** The specifiers a module imports at run time (not `import type`, not all-`type` braces). */
function runtimeImports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)';?$|^import\s+'([^']+)';?$/gm;
  for (const m of src.matchAll(re)) {
    if (m[4] !== undefined) out.push(m[4]);
    else if (m[1] === undefined) {
      const braces = /^\{([\s\S]*)\}$/.exec(m[2]!.trim());
      const names = braces ? braces[1]!.split(',').map((x) => x.trim()).filter(Boolean) : [];
      if (!braces || !names.every((x) => x.startsWith('type '))) out.push(m[3]!);
    }
  }
  return out;
}

/** Every module reached from `entry` at run time, with what it imports: paths relative to the repository. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    const rel = path.relative(REPO, file);
    if (seen.has(rel)) return;
    const specs = runtimeImports(file);
    seen.set(rel, specs.map((s) => (s.startsWith('.') ? path.relative(REPO, path.resolve(path.dirname(file), s)) : s)));
    for (const s of specs) if (s.startsWith('.')) visit(path.resolve(path.dirname(file), s));
  };
  visit(path.join(REPO, entry));
  return seen;
}

/** Edges `from → to` where `to` is a node: module or under cli/. */
function platformEdges(g: Map<string, string[]>): string[] {
  return [...g].flatMap(([from, to]) => to.filter((t) => t.startsWith('node:') || t.startsWith('cli/')).map((t) => `${from} → ${t}`));
}

const NODE_GLOBALS = /\bprocess\.|\bBuffer\b|\brequire\(/;

describe('platform at the edge', () => {
  it('the inspection model and format/ load no node: module, nothing from cli/ or debugger/', () => {
    for (const entry of ['inspect/index.ts', 'format/text.ts', 'format/stats.ts']) {
      const g = graph(entry);
      expect(platformEdges(g), entry).toEqual([]);
      expect([...g.keys()].filter((f) => f.startsWith('debugger/')), entry).toEqual([]);
    }
    for (const dir of ['inspect', 'format']) {
      for (const f of fs.readdirSync(path.join(REPO, dir))) {
        const code = fs.readFileSync(path.join(REPO, dir, f), 'utf8').replace(/^\s*\/\/.*$/gm, '');
        expect(NODE_GLOBALS.test(code), `${dir}/${f}`).toBe(false);
      }
    }
  });

  it('the debugger\'s engine loads no cli/ module and no node: module of its own', () => {
    const g = graph('debugger/debugger.ts');
    expect(g.has('debugger/target.ts') && g.has('debugger/cmd-mmu.ts') && g.has('inspect/walk.ts')).toBe(true);
    const known: string[] = [];
    expect(platformEdges(g).filter((e) => !known.includes(e))).toEqual([]);
    for (const f of [...g.keys()].filter((k) => k.startsWith('debugger/'))) {
      const code = fs.readFileSync(path.join(REPO, f), 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*\*[\s\S]*?\*\//g, '');
      expect(NODE_GLOBALS.test(code), f).toBe(false);
    }
  });
});

describe('the playground\'s worker', () => {
  it('web/playground.ts and session/ load no node: module and nothing from cli/', () => {
    for (const entry of ['web/playground.ts', 'session/settings.ts', 'session/build.ts', 'session/compare.ts', 'session/check-pager.ts', 'web/pager-module.ts', ...fs.readdirSync(path.join(REPO, 'session/labs')).map((f) => `session/labs/${f}`)]) {
      const g = graph(entry);
      expect(platformEdges(g), entry).toEqual([]);
      for (const f of [...g.keys()].filter((k) => k.startsWith('web/') || k.startsWith('session/'))) {
        const code = fs.readFileSync(path.join(REPO, f), 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*\*[\s\S]*?\*\//g, '');
        expect(NODE_GLOBALS.test(code), f).toBe(false);
      }
    }
  });
});

describe('the core (STYLE.md lesson 14)', () => {
  it('isa/, assembler/, emulator/ and hypervisor/ load no node: module and use no Node global', () => {
    for (const dir of ['isa', 'assembler', 'emulator', 'hypervisor']) {
      for (const f of fs.readdirSync(path.join(REPO, dir)).filter((x) => x.endsWith('.ts'))) {
        const file = path.join(REPO, dir, f);
        expect(runtimeImports(file).filter((s) => s.startsWith('node:') || !s.startsWith('.')), `${dir}/${f}`).toEqual([]);
        const code = fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*\*[\s\S]*?\*\//g, '');
        expect(NODE_GLOBALS.test(code), `${dir}/${f}`).toBe(false);
      }
    }
  });

  it('the assembler without a file reader assembles, and an include names what is missing', async () => {
    const { assemble } = await import('../../assembler/index.ts');
    expect(assemble('    addi a0, a0, 1\n').image).toBeDefined();
    const r = assemble('    .include "console.inc"\n', { file: 'prog.s' });
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/no file reader was given to the assembler/);
  });
});

describe('the engine without the CLI', () => {
  it('a Debugger over a hand-built Machine, with no files: step, regs, translate, pt, tlb', async () => {
    const { assembleFile } = await import('../../node/files.ts');
    const { Machine } = await import('../../emulator/machine.ts');
    const { DEFAULT_PROFILE } = await import('../../emulator/profile.ts');
    const { Debugger } = await import('../../debugger/debugger.ts');
    const { image } = assembleFile(path.join(REPO, 'guest-programs/hello.s'));
    const build = () => {
      const machine = new Machine({ memoryBytes: 1 << 20 });
      machine.load(image!);
      return { machine, tlbRules: [] };
    };
    let output = '';
    const dbg = new Debugger({ mode: 'native', plans: [{ kernel: image!, modules: [] }], settings: { profile: DEFAULT_PROFILE, maxInstructions: 1e6 }, build }, { write: (t) => void (output += t), color: false });
    for (const line of ['step 3', 'regs', 'translate $pc fetch', 'pt', 'tlb', 'reverse-step', 'source nowhere.gdb', 'continue']) await dbg.execute(line);
    expect(output).toMatch(/^pc 0x[0-9a-f]{8} <[a-z_]+(\+\d+)?> +supervisor mode, paging off/m);
    expect(output).toMatch(/\(no walk: paging is off, physical = virtual\)/);
    expect(output).toMatch(/TLB: not used \(translation is off\)/);
    expect(output).toMatch(/^guest paging is off \(virtual = guest-physical\)$/m);
    // No host: listings name the source line but carry no text, and scripts cannot be read.
    expect(output).toMatch(/^0x[0-9a-f]{8} <[a-z_]+(\+\d+)?> +[0-9a-f]{8}  \S.* [a-z]+\.(s|inc):\d+$/m);
    expect(output).toMatch(/^error: cannot read 'nowhere\.gdb': no files here$/m);
    expect(output).toMatch(/Hello/);
    expect(output).toMatch(/the machine powered off: exit code 0/);
    expect(dbg.errors).toBe(1);
  });
});

/** The experiments modules that are Node's (worker threads, the disk, the terminal): the rest is the platform-neutral core. */
const EXPERIMENTS_NODE_ONLY = ['cell.ts', 'merge.ts', 'progress.ts', 'runner.ts', 'study.ts', 'worker.ts'];
/** Node globals a browser does not have, beyond NODE_GLOBALS (Node's types, NodeJS.*, are erased and do not count). */
const MORE_NODE_GLOBALS = /\bsetImmediate\b|\b__dirname\b|\b__filename\b|\bimport\.meta\.url\b/;

describe('the experiments core', () => {
  const core = fs.readdirSync(path.join(REPO, 'experiments')).filter((f) => f.endsWith('.ts') && !EXPERIMENTS_NODE_ONLY.includes(f));

  it('every experiments module but the Node ones loads no node: module, nothing from cli/ or node/, and uses no Node global', () => {
    expect(core).toEqual(expect.arrayContaining(['in-memory.ts', 'plan.ts', 'images.ts', 'run-cell.ts', 'result.ts', 'report.ts', 'svg.ts', 'shards.ts']));
    for (const f of core) {
      const g = graph(`experiments/${f}`);
      expect(platformEdges(g), f).toEqual([]);
      expect([...g.keys()].filter((m) => m.startsWith('node/') || m.startsWith('cli/')), f).toEqual([]);
      for (const m of g.keys()) {
        const code = fs.readFileSync(path.join(REPO, m), 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*\*[\s\S]*?\*\//g, '');
        expect(NODE_GLOBALS.test(code) || MORE_NODE_GLOBALS.test(code), `${m} (from experiments/${f})`).toBe(false);
      }
    }
  });

  it('esbuild bundles experiments/in-memory.ts for the browser', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      absWorkingDir: REPO, entryPoints: ['experiments/in-memory.ts'], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
      write: false, metafile: true, logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => f.startsWith('node/') || f.startsWith('cli/') || f.startsWith('node:'))).toEqual([]);
    expect(inputs).toEqual(expect.arrayContaining(['experiments/run-cell.ts', 'emulator/machine.ts', 'hypervisor/vmm.ts', 'assembler/index.ts']));
    const code = result.outputFiles[0]!.text;
    expect(code).toMatch(/export\s*\{[^}]*\bplanStudy\b/);
  });
});
