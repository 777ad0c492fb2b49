// @vscode/debugadapter is a CommonJS package that requires Node's built-ins (events, net, fs).
// Bundled into the CLI's ES module (bin/build.js: esbuild, format esm), those requires go through
// esbuild's shim, which calls a global `require` and fails where there is none, as in any ES
// module. This gives it Node's own, before the package's code first runs: dap/session.ts imports
// this module ahead of the package (ES modules evaluate in import order, and esbuild keeps it).
// Under tsx or vitest the package is loaded by Node and this changes nothing.

import { createRequire } from 'node:module';

const global = globalThis as { require?: unknown };
global.require ??= createRequire(import.meta.url);
