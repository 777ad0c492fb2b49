// What the lab tests share: vmmlab as a real process (bin/vmmlab.js), a lab folder made by
// `vmmlab lab init` with the reference solution (tests/labs/solutions/NN-name/, which the package
// does not ship) copied over it, and the commands of a lab's text (docs/labs/NN-name.md) run
// exactly as it shows them.
//
// A lab text's ```console blocks are each preceded by a marker comment saying where their
// commands run and what they exit with:
//     <!-- lab-doc: new -->              in an empty folder (lab init)
//     <!-- lab-doc: starter; exit 3 -->  in a folder lab init made
//     <!-- lab-doc: solution -->         in that folder with the reference solution over it
// The output shown after each `$ ` line must match what the command prints (stdout and stderr),
// `…` standing for any lines (a line of its own) or any text (inside a line).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/vmmlab.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function vmmlab(args: string[], cwd: string, input = '', env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * vmmlab's main() in this process, for the cheap cases (bad command lines, missing files), which
 * would otherwise spend most of their time starting Node: its stdout, stderr and exit status.
 */
export async function vmmlabHere(args: string[], cwd: string): Promise<Ran> {
  const { main } = await import('../../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const log = console.log;
  const write = process.stderr.write;
  const here = process.cwd();
  const noColor = process.env.NO_COLOR;
  console.log = (...parts: unknown[]) => { stdout += `${parts.join(' ')}\n`; };
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  process.env.NO_COLOR = '1';
  process.chdir(cwd);
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.chdir(here);
    console.log = log;
    process.stderr.write = write;
    if (noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = noColor;
  }
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `vmmlab-${name}-`));
}

/** Copy a folder's files (recursively) over another's. */
export function copyOver(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      copyOver(source, target);
    } else fs.copyFileSync(source, target);
  }
}

/** The reference solution's files of a lab. */
export function solutionDir(id: string): string {
  return path.join(ROOT, 'tests/labs/solutions', id);
}

/** The check lines of `lab check`'s output (ok/FAIL, or check-pager's pass/FAIL for lab 4): name → passed. */
export function checkLines(stdout: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of stdout.matchAll(/^ {2}(ok {2}|pass|FAIL) {2}(.*)$/gm)) out.set(m[2]!, m[1] !== 'FAIL');
  return out;
}

export type Where = 'new' | 'starter' | 'solution';

export interface DocCommand {
  readonly where: Where;
  readonly exit: number;
  readonly command: string;
  readonly expected: string[];
}

/** The commands of a lab text's console blocks, each with where it runs and the output shown. */
export function docCommands(text: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const block = /(?:<!-- lab-doc: (new|starter|solution)(?:; exit (\d+))? -->\n\s*)?```console\n([\s\S]*?)^\s*```$/gm;
  for (const m of text.matchAll(block)) {
    if (m[1] === undefined) throw new Error(`a console block without a lab-doc marker: ${m[3]!.split('\n')[0]}`);
    const indent = /^(\s*)/.exec(m[3]!)![1]!.length;
    for (const raw of m[3]!.replace(/\n\s*$/, '').split('\n')) {
      const line = raw.slice(indent);
      if (line.startsWith('$ ')) commands.push({ where: m[1] as Where, exit: Number(m[2] ?? 0), command: line.slice(2), expected: [] });
      else commands.at(-1)!.expected.push(line);
    }
  }
  return commands;
}

/** Whether output lines match the lines shown (`…` alone: any lines; inside a line: any text). */
export function matchesShown(expected: readonly string[], actual: readonly string[]): boolean {
  const patterns = expected.map((e) => (e === '…' ? undefined : new RegExp(`^${e.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)));
  const memo = new Map<string, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    let ok: boolean;
    if (i === patterns.length) ok = j === actual.length;
    else if (patterns[i] === undefined) ok = from(i + 1, j) || (j < actual.length && from(i, j + 1));
    else ok = j < actual.length && patterns[i]!.test(actual[j]!) && from(i + 1, j + 1);
    memo.set(key, ok);
    return ok;
  };
  return from(0, 0);
}

/** Run one of a lab text's commands in `cwd` (`npx vmmlab` is this checkout's); what to compare. */
export function runDocCommand(c: DocCommand, cwd: string, env: Record<string, string> = {}): { command: string; status: number | null; matches: boolean; shown: string } {
  const here = `'${process.execPath}' '${BIN}'`;
  if (!c.command.startsWith('npx vmmlab ')) throw new Error(`a lab text's command is not a vmmlab command: ${c.command}`);
  const r = spawnSync('sh', ['-c', c.command.replace(/^npx vmmlab /, `${here} `)], { cwd, input: '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  const lines = (r.stdout + r.stderr).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return { command: c.command, status: r.status, matches: matchesShown(c.expected, lines), shown: `--- shown:\n${c.expected.join('\n')}\n--- got:\n${lines.join('\n')}` };
}

/** The folder the lab text's init command makes, inside `parent` (its `lab init N DIR`). */
export function initFolderOf(commands: readonly DocCommand[]): string {
  const init = commands.find((c) => c.where === 'new' && /^npx vmmlab lab init \d+ /.test(c.command));
  if (!init) throw new Error('the lab text shows no `npx vmmlab lab init N DIR`');
  return init.command.split(' ').at(-1)!;
}

export function readDoc(id: string): string {
  return fs.readFileSync(path.join(ROOT, 'docs/labs', `${id}.md`), 'utf8');
}
