import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The suites that run a second time on the translating engine (project `jit`, issue 16: the tests
 * of instruction semantics, traps, the MMU and TLB, the kernel, the hypervisor's equivalence,
 * random page tables and isolation, and the debugger's stepping and reverse execution, on both
 * engines). Left out, to keep `npm test` well under 15 minutes on 2 cores, and why:
 * tests/emulator/jit*.test.ts compare the two engines themselves (fuzz.test.ts's random words are
 * jit-differential.test.ts's, on both engines); the CLI, assembler, DAP, web, labs, package and
 * experiments suites drive processes, files and reports over the same CPU; the hypervisor's
 * campaign (its programs are the differential test's), check-pager, pager-api and tlb-rules
 * suites check pagers and the TLB-rule checker, and remap.property.test.ts repeats
 * translation.property's random page tables with remaps (jit.test.ts remaps the code page on both
 * engines); the debugger's backtrace, CLI, console, gdb, MMU-view and snapshot suites are views
 * and front ends over runs that execution, timetravel and history take (jit.test.ts restores a
 * snapshot under the translating engine).
 */
const JIT_SUITES = [
  'tests/emulator/{alu,branch,mem,traps,mmu,tlb,tlb-model,miss-path,pwc-model}.test.ts',
  'tests/kernel/*.test.ts',
  'tests/hypervisor/{equivalence,translation.property,isolation,pv,dynamic,ept-walk,console,dirty-log,migration,agile}.test.ts',
  'tests/debugger/{execution,timetravel,timetravel-vmm,state,history.property,dynamic}.test.ts',
];

export default defineConfig({
  // `import … from 'vmmlab'` in a test means the sources, as in tsconfig.json's "paths" (the
  // package's "exports" point at dist/, which tests/package/ checks as installed).
  resolve: { alias: [{ find: /^vmmlab$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) }] },
  test: {
    // VMMLAB_ENGINE picks the engine of every CPU a test creates (tests/engine-setup.ts).
    setupFiles: ['tests/engine-setup.ts'],
    // Guest-level tests run whole kernels: give them room, but no test asserts on time.
    testTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on the 2-core machines CI and we use,
    // that is one file at a time. Most test files are the emulator computing (and the rest wait
    // on child processes), so two at a time use both cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // `vitest run` runs both projects (`npm test`); `--project interp` or `--project jit` runs one.
    // (Each sets its own include: a project's arrays are appended to the root's.)
    projects: [
      // The interpreter is the reference: every suite runs on it (unless VMMLAB_ENGINE says
      // otherwise). Processes the tests start, the CLI's, the package's and the browser's, run the
      // default engine, the translating one.
      { extends: true, test: { name: 'interp', include: ['tests/**/*.test.ts'], env: { VMMLAB_ENGINE: process.env.VMMLAB_ENGINE ?? 'interp' } } },
      { extends: true, test: { name: 'jit', include: JIT_SUITES, env: { VMMLAB_ENGINE: 'jit' } } },
    ],
  },
});
