#!/usr/bin/env node
// The vmmlab command. In a checkout it runs the TypeScript sources through tsx (so what runs is
// always what is in the tree); an installed package without sources runs the esbuild bundle.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(new URL('../dist/vmmlab.js', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
