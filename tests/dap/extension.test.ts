// The VS Code extension in editors/vscode/ (issue 15 §3): its manifest is a valid extension
// manifest whose launch attributes are every option of `vmmlab run` (as the adapter reads them),
// its snippets launch, its grammar is current with the instruction table and matches TV32 lines
// as it should, and extension.js starts `vmmlab dap` for a debug session.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTRUCTIONS, PSEUDOS } from '../../isa/table.ts';
import { launchArgv, RUN_ATTRIBUTES } from '../../dap/launch.ts';
import { EXCEPTION_FILTERS } from '../../dap/session.ts';
import { DIRECTIVES, EXTENSION_DIR, GRAMMAR_FILE, MANIFEST_FILE, grammar, json, launchProperties, mnemonics } from '../../editors/vscode/scripts/generate.mts';
import { REPO } from './helpers.ts';

const STALE = 'stale: run node --import tsx editors/vscode/scripts/generate.mts';

interface Manifest {
  name: string; publisher: string; version: string; license: string; main: string; engines: { vscode: string };
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    breakpoints: { language: string }[];
    debuggers: { type: string; languages: string[]; configurationAttributes: { launch: { properties: Record<string, { type: unknown }> } }; initialConfigurations: Record<string, unknown>[]; configurationSnippets: { body: Record<string, unknown> }[] }[];
  };
}

const manifest = JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;

describe('the extension\'s manifest', () => {
  it('1: names a publisher, a version, a VS Code engine, and files that exist', () => {
    expect(manifest).toMatchObject({ name: 'vmmlab-tv32', publisher: 'vmmlab', license: 'MIT', engines: { vscode: expect.stringMatching(/^\^1\.\d+\.\d+$/) } });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const file of [manifest.main, manifest.contributes.languages[0]!.configuration, manifest.contributes.grammars[0]!.path, 'README.md', 'LICENSE']) {
      expect(fs.existsSync(path.join(EXTENSION_DIR, file)), file).toBe(true);
    }
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'tv32-asm', extensions: ['.s', '.inc'] });
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: 'tv32-asm', scopeName: 'source.tv32' });
    expect(manifest.contributes.breakpoints).toEqual([{ language: 'tv32-asm' }]);
    expect(manifest.contributes.debuggers[0]).toMatchObject({ type: 'vmmlab', languages: ['tv32-asm'] });
    JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, manifest.contributes.languages[0]!.configuration), 'utf8'));
  });

  it('2: its launch attributes are every run option, as generated', () => {
    const props = manifest.contributes.debuggers[0]!.configurationAttributes.launch.properties;
    expect(props, STALE).toEqual(launchProperties());
    for (const a of RUN_ATTRIBUTES) expect(props[a.attribute]?.type, a.attribute).toEqual(a.type === 'boolean' ? 'boolean' : a.multiple ? 'array' : expect.anything());
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['program', 'cwd', 'stopOnEntry', 'commands', 'args', 'mode', 'modules', 'vms', 'tlbEntries', 'eptLevels', 'checkTlbRules']));
  });

  it('3: the initial configuration and the snippets launch (their attributes are all known)', () => {
    const dbg = manifest.contributes.debuggers[0]!;
    const known = new Set([...Object.keys(dbg.configurationAttributes.launch.properties), 'type', 'request', 'name']);
    const snippetValue = (v: unknown) => (typeof v === 'string' ? v.replace(/^\^"(.*)"$/, '$1').replace(/\\\$\{/g, '${') : v);
    for (const config of [...dbg.initialConfigurations, ...dbg.configurationSnippets.map((s) => s.body)]) {
      expect(Object.keys(config).filter((k) => !known.has(k)), JSON.stringify(config)).toEqual([]);
      const args = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, Array.isArray(v) ? v.map(snippetValue) : snippetValue(v)]));
      expect(launchArgv(args), JSON.stringify(config)).toHaveProperty('argv');
    }
  });
});

describe('the TextMate grammar', () => {
  const g = grammar() as { repository: Record<string, { match?: string; begin?: string; patterns?: { match: string }[] }> };

  it('4: is current, and has every mnemonic of the instruction table', () => {
    expect(fs.readFileSync(GRAMMAR_FILE, 'utf8'), STALE).toBe(json(grammar()));
    const names = [...INSTRUCTIONS.map((i) => i.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)];
    expect(mnemonics()).toEqual([...new Set(names)].sort());
    const statement = new RegExp(g.repository.statement!.match!);
    for (const m of names) expect(statement.exec(`    ${m} a0`)?.[2], m).toBe(m);
  });

  it('5: its patterns compile and tell labels, mnemonics, macros and operands apart', () => {
    const all = Object.values(g.repository).flatMap((r) => [r.match, r.begin, ...(r.patterns ?? []).map((p) => p.match)]).filter((x): x is string => x !== undefined);
    for (const re of all) expect(() => new RegExp(re), re).not.toThrow();
    const statement = new RegExp(g.repository.statement!.match!);
    const parts = (line: string) => statement.exec(line)!.slice(1, 4);
    expect(parts('1:  bge s1, s0, 5f')).toEqual(['1:  ', 'bge', undefined]);
    expect(parts('main:')).toEqual(['main:', undefined, undefined]);
    expect(parts('    ENTER')).toEqual(['', undefined, 'ENTER']);
    expect(parts('sbrk:   SYS SYS_SBRK')).toEqual(['sbrk:   ', undefined, 'SYS']);
    expect(parts('    addi sp, sp, -4')).toEqual(['', 'addi', undefined]);
    expect(parts('    .word 4')).toEqual(['', undefined, undefined]);
    expect(new RegExp(g.repository.register!.match!).exec('lw ra, 0(sp)')![0]).toBe('ra');
    expect(new RegExp(g.repository['control-register']!.match!).exec('mfcr t0, epc')![0]).toBe('epc');
    expect(new RegExp(g.repository['local-label']!.match!).exec('j 1b')![0]).toBe('1b');
  });

  it('6: knows every directive the bundled programs use', () => {
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, e.name);
        if (e.isDirectory()) walk(file);
        else if (/\.(s|inc)$/.test(e.name)) for (const m of fs.readFileSync(file, 'utf8').replace(/;.*$/gm, '').matchAll(/(?<![\w.])\.[a-z]+\b/g)) used.add(m[0]);
      }
    };
    walk(path.join(REPO, 'guest-programs'));
    expect([...used].filter((d) => !DIRECTIVES.includes(d))).toEqual([]);
  });
});

describe('extension.js', () => {
  it('7: registers the debug type, and runs vmmlab dap from the workspace', async () => {
    const registered: Record<string, unknown> = {};
    const vscode = {
      workspace: { getConfiguration: () => ({ get: () => [] }) },
      window: { activeTextEditor: undefined, showInformationMessage: () => Promise.resolve(undefined) },
      debug: {
        registerDebugConfigurationProvider: (type: string, p: unknown) => ((registered[`config:${type}`] = p), { dispose() {} }),
        registerDebugAdapterDescriptorFactory: (type: string, f: unknown) => ((registered[`adapter:${type}`] = f), { dispose() {} }),
      },
      DebugAdapterExecutable: class { constructor(readonly command: string, readonly args: string[], readonly options: unknown) {} },
    };
    const require = createRequire(import.meta.url);
    const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    Module._load = (request, ...rest) => (request === 'vscode' ? vscode : load(request, ...rest));
    let extension: { activate(c: { subscriptions: unknown[] }): void };
    try {
      extension = require(path.join(EXTENSION_DIR, 'extension.js')) as typeof extension;
    } finally {
      Module._load = load;
    }
    const context = { subscriptions: [] as unknown[] };
    extension.activate(context);
    expect(context.subscriptions).toHaveLength(2);
    const factory = registered['adapter:vmmlab'] as { createDebugAdapterDescriptor(s: unknown): { command: string; args: string[]; options: { cwd?: string } } };
    const inCheckout = factory.createDebugAdapterDescriptor({ workspaceFolder: { uri: { fsPath: REPO } } });
    expect(inCheckout).toMatchObject({ command: 'node', args: [path.join(REPO, 'bin/vmmlab.js'), 'dap'], options: { cwd: REPO } });
    expect(factory.createDebugAdapterDescriptor({ workspaceFolder: undefined })).toMatchObject({ command: 'npx', args: ['--no', 'vmmlab', 'dap'] });
    const provider = registered['config:vmmlab'] as { resolveDebugConfiguration(f: unknown, c: Record<string, unknown>): unknown };
    expect(provider.resolveDebugConfiguration(undefined, { type: 'vmmlab', request: 'launch', name: 'x', program: 'a.s' })).toEqual({ type: 'vmmlab', request: 'launch', name: 'x', program: 'a.s' });
  });

  it('8: the exception filters the adapter offers are the debugger\'s event breaks', () => {
    expect(EXCEPTION_FILTERS.map((f) => f.filter)).toEqual(['pagefault', 'exit', 'ptbr-write', 'trap', 'tlb-miss', 'tlb-rules']);
  });
});
