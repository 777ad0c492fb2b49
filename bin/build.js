// Build what the package runs from the TypeScript sources, into dist/:
//
//   vmmlab.js     the CLI (bin/vmmlab.js runs it)
//   index.js      the library, package.json "exports" (index.ts; bundled devDependencies inside)
//   worker.js     an experiment worker thread (experiments/runner.ts starts it beside itself)
//   chunk-*.js    code the three share (esbuild's code splitting, so the core ships once)
//   web/          the playground, a static site (index.html, style.css, main.js, worker.js, with
//                 the guest programs inside): `vmmlab web` serves it, any static host can
//   types/        the library's .d.ts declarations (tsc), for the package only
//   inputs.json   every file the bundles were built from, with its size and mtime (for the
//                 dependencies' files, npm's record of node_modules/)
//
//   node bin/build.js              everything (npm run build, prepack)
//   node bin/build.js --if-stale   the bundles, only if a source changed (prepare, npm test)
//   node bin/build.js --web [DIR]  the playground alone, into DIR (default dist/web; npm run build:web)
//
// The checkout's bin/vmmlab.js calls ensureBundle() before every run: the bundle is rebuilt
// whenever a file it was built from differs from inputs.json, so it never runs stale code.
// This file is for the checkout only; the package does not ship it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const MANIFEST = path.join(DIST, 'inputs.json');
const ENTRIES = { vmmlab: 'cli/main.ts', index: 'index.ts', worker: 'experiments/worker.ts' };
/** Not bundled but part of the build: a change to them rebuilds too. */
const BUILD_FILES = ['bin/build.js', 'package.json'];
/**
 * npm rewrites this whenever it changes node_modules/, so it stands for the bundled files of
 * dependencies (TypeBox's run to hundreds): one stat instead of one per file on every start.
 */
const NPM_TREE = 'node_modules/.package-lock.json';
/**
 * A file whose mtime falls in the build's time (widened by this margin: file system clocks are
 * coarse, a kernel tick) may have changed while esbuild read it; it is recorded as unknown, so
 * the next check rebuilds. (An mtime in the future, from a skewed clock, is recorded as it is:
 * any edit changes it.)
 */
const RACE_MARGIN_MS = 100;

/** [size, mtimeMs] of a file, or null if it is gone. */
function stamp(rel) {
  const s = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
  return s ? [s.size, s.mtimeMs] : null;
}

/** Why the bundles must be rebuilt, or null when every input and output is as recorded. */
export function staleReason() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return 'no dist/inputs.json';
  }
  for (const out of manifest.outputs) {
    if (!fs.existsSync(path.join(ROOT, out))) return `${out} is missing`;
  }
  for (const [rel, recorded] of Object.entries(manifest.inputs)) {
    const now = stamp(rel);
    if (!now || now[0] !== recorded[0] || now[1] !== recorded[1]) return `${rel} changed`;
  }
  return null;
}

/** Write a file so that a concurrent reader sees the old or the new contents, never half. */
function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/** The folders the playground ships (web/guest-files-node.ts lists the same), and the file kinds in them. */
const PLAYGROUND_DIRS = ['guest-programs', 'bench/guests'];
const PLAYGROUND_KINDS = /\.(s|inc|json|dbg|md|js)$/;
/** The playground's page and style, copied as they are. */
const WEB_STATIC = ['web/index.html', 'web/style.css'];

function playgroundFiles() {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (PLAYGROUND_KINDS.test(e.name)) out.push(child);
    }
  };
  for (const dir of PLAYGROUND_DIRS) walk(dir);
  return out.sort();
}

/**
 * The playground as files in memory: [{ path (absolute, under outDir), contents }], and the
 * source files it was built from (relative to ROOT). The guest programs go into the bundle in
 * place of web/guest-files.ts, which reads them from disk.
 */
export async function buildWeb(outDir) {
  const { build } = await import('esbuild');
  const guestFiles = playgroundFiles();
  const embed = {
    name: 'guest-files',
    setup(b) {
      b.onResolve({ filter: /\/guest-files\.ts$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path), namespace: 'guest-files' }));
      b.onLoad({ filter: /.*/, namespace: 'guest-files' }, () => {
        const files = Object.fromEntries(guestFiles.map((rel) => [rel, fs.readFileSync(path.join(ROOT, rel), 'utf8')]));
        return { contents: `export const GUEST_FILES = ${JSON.stringify(files)};`, loader: 'js' };
      });
    },
  };
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'web/main.ts', worker: 'web/worker.ts' },
    bundle: true,
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    format: 'iife',
    outdir: outDir,
    minify: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [embed],
  });
  const files = result.outputFiles.map((f) => ({ path: f.path, contents: f.contents }));
  for (const rel of WEB_STATIC) files.push({ path: path.join(outDir, path.basename(rel)), contents: fs.readFileSync(path.join(ROOT, rel)) });
  const inputs = Object.keys(result.metafile.inputs).filter((rel) => !rel.startsWith('guest-files:'));
  return { files, inputs: [...inputs, ...WEB_STATIC, ...guestFiles] };
}

/** Bundle the three entries into dist/ and the playground into dist/web/, and record their inputs. */
export async function buildBundles() {
  const { build } = await import('esbuild');
  const startedMs = Date.now();
  const web = await buildWeb(path.join(DIST, 'web'));
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outdir: DIST,
    chunkNames: 'chunk-[hash]',
    // For VMMLAB_DEBUG=1 stack traces in the checkout; the package leaves the maps out.
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  fs.mkdirSync(path.join(DIST, 'web'), { recursive: true });
  // Chunks before the entries that import them, the manifest last: a process starting meanwhile
  // either finds the bundle stale or finds all of it.
  const entryFiles = new Set(Object.keys(ENTRIES).map((name) => path.join(DIST, `${name}.js`)));
  const files = [...web.files, ...[...result.outputFiles].sort((a, b) => Number(entryFiles.has(a.path)) - Number(entryFiles.has(b.path)))];
  for (const f of files) writeAtomically(f.path, f.contents);
  const outputs = files.map((f) => path.relative(ROOT, f.path).split(path.sep).join('/'));
  // Whatever else is there is from an earlier build (chunks by other hashes, say): it goes, so
  // that the package's "dist/*.js" holds this build only.
  // (A .tmp file is another build's, about to be renamed.)
  for (const old of fs.readdirSync(DIST, { withFileTypes: true })) {
    const ours = outputs.includes(`dist/${old.name}`) || old.name === 'inputs.json' || old.name.endsWith('.tmp');
    if (old.isFile() && !ours) fs.rmSync(path.join(DIST, old.name), { force: true });
  }
  for (const old of fs.readdirSync(path.join(DIST, 'web'))) {
    if (!outputs.includes(`dist/web/${old}`) && !old.endsWith('.tmp')) fs.rmSync(path.join(DIST, 'web', old), { recursive: true, force: true });
  }
  const finishedMs = Date.now();
  const inputs = {};
  const tracked = [...new Set([...Object.keys(result.metafile.inputs), ...web.inputs])];
  const dependencies = fs.existsSync(path.join(ROOT, NPM_TREE)) ? tracked.filter((rel) => rel.includes('node_modules/')) : [];
  const sources = tracked.filter((rel) => !dependencies.includes(rel));
  for (const rel of [...sources, ...(dependencies.length ? [NPM_TREE] : []), ...BUILD_FILES]) {
    const s = stamp(rel);
    const duringBuild = s && s[1] >= startedMs - RACE_MARGIN_MS && s[1] <= finishedMs + RACE_MARGIN_MS;
    inputs[rel] = s && !duringBuild ? s : [-1, -1];
  }
  writeAtomically(MANIFEST, `${JSON.stringify({ outputs, inputs }, null, 1)}\n`);
}

/** Rebuild the bundles if they are stale; true if it did. */
export async function ensureBundle() {
  if (staleReason() === null) return false;
  await buildBundles();
  return true;
}

/** The module specifiers a declaration file imports (import … from, export … from, import("…")). */
function specifiers(text) {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)(['"])([^'"]+)\1/g)].map((m) => m[2]);
}

/**
 * The library's declarations: tsc emits them (tsconfig.build.json) into dist/types/; the relative
 * imports, which the sources write with .ts, become .js, which a consumer's TypeScript resolves to
 * the .d.ts beside it; and only the files index.d.ts reaches are kept. Returns what those files
 * import from outside the package (a consumer may not have it: the package test forbids it).
 */
export async function buildDeclarations() {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const typesDir = path.join(DIST, 'types');
  fs.rmSync(typesDir, { recursive: true, force: true });
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc could not emit the declarations');
  const reached = new Set();
  const external = new Set();
  const visit = (file) => {
    if (reached.has(file)) return;
    reached.add(file);
    const text = fs.readFileSync(file, 'utf8').replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.\.?\/[^'"]*)\.ts\2/g, '$1$2$3.js$2');
    fs.writeFileSync(file, text);
    for (const spec of specifiers(text)) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.d.ts')));
      else external.add(`${path.relative(typesDir, file)}: ${spec}`);
    }
  };
  visit(path.join(typesDir, 'index.d.ts'));
  for (const rel of fs.readdirSync(typesDir, { recursive: true })) {
    const file = path.join(typesDir, rel);
    if (rel.endsWith('.d.ts') && !reached.has(file)) fs.rmSync(file);
  }
  for (const rel of fs.readdirSync(typesDir, { recursive: true }).sort().reverse()) {
    const dir = path.join(typesDir, rel);
    if (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
  return [...external];
}

async function cli(argv) {
  if (argv[0] === '--web') {
    const outDir = path.resolve(argv[1] ?? path.join(DIST, 'web'));
    const { files } = await buildWeb(outDir);
    fs.mkdirSync(outDir, { recursive: true });
    for (const f of files) fs.writeFileSync(f.path, f.contents);
    const bytes = files.reduce((n, f) => n + f.contents.length, 0);
    console.error(`built the playground in ${path.relative(process.cwd(), outDir) || '.'}/: ${files.map((f) => path.basename(f.path)).join(', ')} (${Math.round(bytes / 1024)} KiB); serve the folder from any static host`);
    return;
  }
  if (argv.includes('--if-stale')) {
    const reason = staleReason();
    if (reason === null) return;
    await buildBundles();
    console.error(`built dist/ (${reason})`);
    return;
  }
  // Not from an empty dist/: the bundles are replaced file by file (see buildBundles), so that
  // a vmmlab command running meanwhile in this checkout never finds them missing.
  await buildBundles();
  const external = await buildDeclarations();
  console.error('built dist/: vmmlab.js, index.js, worker.js, web/, types/');
  if (external.length) {
    console.error(`warning: the declarations import what a consumer may not have installed:\n  ${external.join('\n  ')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await cli(process.argv.slice(2));
  } catch (e) {
    // esbuild has printed its errors, located (logLevel); other failures say so here.
    console.error(`bin/build.js: ${Array.isArray(e.errors) ? 'the build failed (errors above)' : e.message}`);
    process.exitCode = 1;
  }
}
