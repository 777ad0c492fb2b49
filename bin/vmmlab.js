#!/usr/bin/env node
// The vmmlab command: runs the CLI bundle, dist/vmmlab.js. An installed package runs the bundle
// it shipped with. In a checkout (bin/build.js is there) the bundle is first checked against the
// sources it was built from and rebuilt if any has changed, so what runs is always what is in the
// tree, at the speed of plain JavaScript: no TypeScript loader starts.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1 and later keep V8's compiled code between runs; Node 20 has no such cache.
module.enableCompileCache?.();
// A VMMLAB_DEBUG=1 stack trace then names the TypeScript sources (the checkout has the maps).
if (process.env.VMMLAB_DEBUG) process.setSourceMapsEnabled(true);

const buildScript = new URL('./build.js', import.meta.url);
if (existsSync(buildScript)) {
  const { ensureBundle } = await import(buildScript.href);
  try {
    await ensureBundle();
  } catch (e) {
    // esbuild has printed its errors, located; other failures (dist/ not writable, say) say so here.
    const why = Array.isArray(e.errors) ? `${e.errors.length} error${e.errors.length === 1 ? '' : 's'} above` : e.message;
    process.stderr.write(`vmmlab: the sources do not build (${why}); dist/ is unchanged\n`);
    process.exit(1);
  }
}
const { main } = await import(new URL('../dist/vmmlab.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
