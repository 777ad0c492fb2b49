import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `import … from 'vmmlab'` in a test means the sources, as in tsconfig.json's "paths" (the
  // package's "exports" point at dist/, which tests/package/ checks as installed).
  resolve: { alias: [{ find: /^vmmlab$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) }] },
  test: {
    include: ['tests/**/*.test.ts'],
    // VMMLAB_ENGINE=jit runs every suite on the translating engine (tests/engine-setup.ts).
    setupFiles: ['tests/engine-setup.ts'],
    // Guest-level tests run whole kernels: give them room, but no test asserts on time.
    testTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on the 2-core machines CI and we use,
    // that is one file at a time. Most test files are the emulator computing (and the rest wait
    // on child processes), so two at a time use both cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
