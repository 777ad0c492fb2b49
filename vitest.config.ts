import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Guest-level tests run whole kernels: give them room, but no test asserts on time.
    testTimeout: 120_000,
    pool: 'forks',
  },
});
