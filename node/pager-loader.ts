// Loading a user's pager module (`--pager FILE.js|FILE.ts`, `vmmlab check-pager FILE`) on Node:
// the file is imported as an ES module and its factory (the default export, or `createPager`)
// becomes a PagerModule for the VMM (hypervisor/pager.ts). Problems with the file itself (not
// found, a syntax error, no factory, a factory that throws) are PagerLoadErrors: one line naming
// the file, for the CLI to report with exit status 1.
//
// JavaScript (.js, .mjs) is imported as it is. A .js file in a folder whose package.json does not
// say "type": "module" (a `vmmlab init` folder has none) would be read by Node as CommonJS and
// fail on `export`: such a file is imported again as an ES module from a copy in a temporary
// folder (so a pager in one file just works; one of several files needs "type": "module" or
// .mjs names, for its relative imports).
//
// TypeScript (.ts, .mts): Node 20 cannot run it (type stripping came in Node 22.6, and behind a
// flag until 23.6), and vmmlab ships no compiler: tsx and esbuild are its devDependencies only,
// and a package that needed them at run time would make every user download them. So a .ts pager
// is compiled, in memory, by a compiler that is already there:
//   1. Node's own `module.stripTypeScriptTypes` (Node 22.13 and later), else
//   2. the TypeScript compiler (`typescript`), from the pager's own folder or its parents (a
//      project that writes TypeScript has it: `npm install --save-dev typescript`), else from
//      beside vmmlab;
// and when there is none the error says to install it or to compile the pager to .js first.
// The compiled module goes to a temporary folder (relative imports of other .ts files are not
// followed: a pager of several files is compiled first). Stack positions are mapped back to the
// .ts source for messages.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PagerModule } from '../hypervisor/pager.ts';
import type { Translation } from '../hypervisor/pager.ts';
import type { CellPager, CellPagerModule } from '../experiments/run-cell.ts';
import { StudyError } from '../experiments/params.ts';

/** A pager file that cannot be used: the message names it. */
import { PagerLoadError, factoryOf, translationOf } from '../session/pager-module.ts';

export { PagerLoadError };

/** A loaded pager: the module for the VMM, and how it translates (so which mode its VMs run in). */
export interface LoadedPager {
  readonly module: PagerModule;
  readonly translation: Translation;
  /** The file, absolute. */
  readonly file: string;
}

/** Which TypeScript compilers to try, in order (tests leave some out). */
export type TsCompiler = 'node' | 'typescript';
export const TS_COMPILERS: readonly TsCompiler[] = ['node', 'typescript'];

const loaded = new Map<string, Promise<LoadedPager>>();

/**
 * Load the pager in `file` (as given on the command line, relative to the working directory),
 * once per process: later calls return the same module.
 */
export function loadPager(file: string, compilers: readonly TsCompiler[] = TS_COMPILERS): Promise<LoadedPager> {
  const absolute = path.resolve(file);
  let pending = loaded.get(absolute);
  if (!pending) {
    pending = load(file, absolute, compilers);
    loaded.set(absolute, pending);
    pending.catch(() => loaded.delete(absolute));
  }
  return pending;
}

async function load(file: string, absolute: string, compilers: readonly TsCompiler[]): Promise<LoadedPager> {
  const stat = fs.statSync(absolute, { throwIfNoEntry: false });
  if (!stat) throw new PagerLoadError(`pager '${file}': no such file`);
  if (!stat.isFile()) throw new PagerLoadError(`pager '${file}': not a file`);
  const ext = path.extname(absolute).toLowerCase();
  let exports: Record<string, unknown>;
  let locations: Locations = { urls: [pathToFileURL(absolute).href, absolute], name: file };
  if (ext === '.ts' || ext === '.mts') {
    const { url, located } = compileTypeScript(file, absolute, compilers);
    locations = { ...locations, urls: [url, ...locations.urls], ...located };
    exports = await importModule(url, file);
  } else if (ext === '.js' || ext === '.mjs') {
    exports = await importJavaScript(file, absolute, (url) => (locations = { ...locations, urls: [url, ...locations.urls] }));
  } else {
    throw new PagerLoadError(`pager '${file}': a pager is a .js, .mjs or .ts file (an ES module)`);
  }
  const factory = factoryOf(exports, file);
  const module: PagerModule = { name: file, create: factory, locate: (error) => locate(error, locations) };
  const translation = translationOf(module);
  return { module, translation, file: absolute };
}

// ------------------------------------------------------------------ JavaScript

async function importJavaScript(file: string, absolute: string, usedCopy: (url: string) => void): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (e) {
    // ES module syntax in a file Node reads as CommonJS: import it as what it is.
    if (!isCommonJsMisread(e)) throw loadError(e, file);
    const url = temporaryModule(absolute, fs.readFileSync(absolute, 'utf8'));
    usedCopy(url);
    return importModule(url, file);
  }
}

function isCommonJsMisread(e: unknown): boolean {
  const message = (e as Error | undefined)?.message ?? '';
  return e instanceof SyntaxError && /Unexpected token 'export'|Cannot use import statement outside a module|import\.meta.*outside a module/.test(message);
}

async function importModule(url: string, file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw loadError(e, file);
  }
}

/** A module that does not load: its error in one line, with the position when Node gives one. */
function loadError(e: unknown, file: string): PagerLoadError {
  const error = e as Error & { code?: string };
  if (error?.code === 'ERR_MODULE_NOT_FOUND') return new PagerLoadError(`pager '${file}' does not load: ${error.message.split('\n')[0]}`);
  const where = typeof error?.stack === 'string' ? /^(?:file:\/\/)?([^\n]*?):(\d+)\n/.exec(error.stack) : null;
  const line = where ? ` (line ${where[2]})` : '';
  // Node 20 keeps a module's syntax error position to itself: `node --check` prints it.
  const check = !where && error instanceof SyntaxError ? ` (node --check ${file} shows where)` : '';
  return new PagerLoadError(`pager '${file}' does not load${line}: ${error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(e)}${check}`);
}

/** Write module text to a temporary .mjs file (named after the original), and return its URL. */
function temporaryModule(absolute: string, text: string): string {
  const hash = crypto.createHash('sha256').update(absolute).update('\0').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `vmmlab-pager-${hash}`);
  const target = path.join(dir, `${path.basename(absolute).replace(/\.[^.]+$/, '')}.mjs`);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, target);
  }
  return pathToFileURL(target).href;
}

// ------------------------------------------------------------------ TypeScript

type Strip = (code: string, options?: { mode?: 'strip' | 'transform'; sourceMap?: boolean; sourceUrl?: string }) => string;
interface TypeScriptCompiler {
  transpileModule(input: string, options: { compilerOptions: Record<string, unknown>; fileName: string; reportDiagnostics?: boolean }): { outputText: string; diagnostics?: { messageText: unknown; start?: number }[] };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2022: number };
  flattenDiagnosticMessageText(message: unknown, newline: string): string;
  version: string;
}

function compileTypeScript(file: string, absolute: string, compilers: readonly TsCompiler[]): { url: string; located: Partial<Locations> } {
  const source = fs.readFileSync(absolute, 'utf8');
  const strip = compilers.includes('node') ? (nodeModule as unknown as { stripTypeScriptTypes?: Strip }).stripTypeScriptTypes : undefined;
  if (typeof strip === 'function') {
    let js: string;
    try {
      // Type stripping keeps every position: a stack's line and column are the source's.
      js = strip(source, { mode: 'strip' });
    } catch (e) {
      throw new PagerLoadError(`pager '${file}' does not compile: ${(e as Error).message.split('\n')[0]} (Node strips types only: no enums or namespaces)`);
    }
    return { url: temporaryModule(absolute, js), located: {} };
  }
  const ts = compilers.includes('typescript') ? findTypeScript(absolute) : undefined;
  if (!ts) {
    throw new PagerLoadError(`pager '${file}': Node ${process.versions.node} cannot load TypeScript by itself, and no TypeScript compiler was found from ${path.dirname(absolute)}: `
      + `install one in your project (npm install --save-dev typescript), or compile the pager (npx tsc --target es2022 --module esnext ${file}) and give the .js`);
  }
  const out = ts.transpileModule(source, {
    fileName: absolute,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, inlineSources: false, removeComments: false },
  });
  const syntax = out.diagnostics?.[0];
  if (syntax) {
    const line = syntax.start === undefined ? '' : ` (line ${source.slice(0, syntax.start).split('\n').length})`;
    throw new PagerLoadError(`pager '${file}' does not compile${line}: ${ts.flattenDiagnosticMessageText(syntax.messageText, ' ')}`);
  }
  return { url: temporaryModule(absolute, out.outputText), located: { lineMap: sourceMapLines(out.outputText) } };
}

/** The TypeScript compiler from the pager's folder (or its parents), else from beside vmmlab. */
function findTypeScript(absolute: string): TypeScriptCompiler | undefined {
  for (const from of [absolute, fileOfThisModule()]) {
    try {
      const required = createRequire(from)('typescript') as TypeScriptCompiler;
      if (typeof required?.transpileModule === 'function') return required;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

function fileOfThisModule(): string {
  return new URL(import.meta.url).protocol === 'file:' ? new URL(import.meta.url).pathname : path.join(process.cwd(), 'noop.js');
}

// ------------------------------------------------------------------ where an error was thrown

interface Locations {
  /** How the pager's code appears in stacks: the copy's URL, the file's URL and path. */
  readonly urls: readonly string[];
  /** The name messages use. */
  readonly name: string;
  /** Compiled TypeScript: generated line → source line (from the inline source map). */
  readonly lineMap?: readonly number[];
}

/** 'pager.js:42:7': the first frame of the stack in the pager's own code. */
function locate(error: unknown, where: Locations): string | undefined {
  const stack = (error as Error | undefined)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n').slice(1)) {
    for (const url of where.urls) {
      const at = line.indexOf(url);
      if (at < 0) continue;
      const m = /^:(\d+):(\d+)/.exec(line.slice(at + url.length));
      if (!m) continue;
      const generated = Number(m[1]);
      const sourceLine = where.lineMap?.[generated] ?? generated;
      return `${where.name}:${sourceLine}${where.lineMap ? '' : `:${m[2]}`}`;
    }
  }
  return undefined;
}

/**
 * Generated line → source line, from a module's inline source map (its `mappings`, VLQ): the
 * source line of each generated line's first segment. Enough to name the line an error came from.
 */
function sourceMapLines(js: string): number[] {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
  if (!m) return [];
  let map: { mappings?: string };
  try {
    map = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { mappings?: string };
  } catch {
    return [];
  }
  const lines: number[] = [0];
  let sourceLine = 0;
  for (const group of (map.mappings ?? '').split(';')) {
    let first: number | undefined;
    for (const segment of group.split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      if (fields.length >= 4) {
        sourceLine += fields[2]!;
        first ??= sourceLine;
      }
    }
    lines.push(first === undefined ? (lines.at(-1) ?? 0) : first + 1);
  }
  return lines;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** A study cell's pager (`exp --pager`), loaded in this thread; a file that cannot be used is a StudyError. */
export async function loadCellPager(pager: CellPager): Promise<CellPagerModule> {
  try {
    const loaded = await loadPager(pager.file);
    return { module: { ...loaded.module, name: pager.name }, mode: pager.mode };
  } catch (e) {
    if (e instanceof PagerLoadError) throw new StudyError(e.message);
    throw e;
  }
}
