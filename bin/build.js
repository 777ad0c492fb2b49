// Bundle the CLI into dist/vmmlab.js with esbuild (for installs without the TypeScript sources).
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: 'dist/vmmlab.js',
  sourcemap: true,
});
console.log('built dist/vmmlab.js');
