import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `import … from 'vmmlab'` in a test means the sources, as in tsconfig.json's "paths" (the
  // package's "exports" point at dist/, which tests/package/ checks as installed).
  resolve: { alias: [{ find: /^vmmlab$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) }] },
  test: {
    include: ['tests/**/*.test.ts'],
    // Guest-level tests run whole kernels: give them room, but no test asserts on time.
    testTimeout: 120_000,
    pool: 'forks',
  },
});
