// The library API, used the way a user of the package would: only through `import … from 'vmmlab'`
// (in the checkout tsconfig.json and vitest.config.ts map it to index.ts; tests/package/ runs the
// same kind of script against the built, installed package).

import { expect, it } from 'vitest';
import { assemble, Machine, parseStudy, runStudy, metric, nativeCycles, Vmm } from 'vmmlab';

it('assembles and runs a program, and runs a small study', async () => {
  const { image, diagnostics } = assemble(`
    li t0, 6
    li t1, 7
    mul a0, t0, t1
    li t2, 0xf0000010      ; the power-off register
    sw a0, 0(t2)
  `);
  expect(diagnostics).toEqual([]);
  const machine = new Machine({ memoryBytes: 1 << 20 });
  machine.load(image!);
  const run = machine.run(1000);
  expect(run).toMatchObject({ reason: 'halted', exitCode: 42 });
  expect(typeof Vmm).toBe('function');

  const study = parseStudy({
    name: 'api',
    workloads: [{ name: 'ctxswitch', modules: ['ctxswitch.s:50'] }],
    grid: { mode: ['native', 'shadow', 'ept'] },
    memory: '2M',
  });
  const result = await runStudy(study, { jobs: 1 });
  const [native, shadow, ept] = result.cells;
  expect(metric(native!, 'exits')).toBe(0);
  expect(metric(shadow!, 'exits.ptbr-write')).toBeGreaterThan(100);
  expect(metric(ept!, 'exits.ptbr-write')).toBe(0);
  expect(metric(shadow!, 'slowdown', nativeCycles(shadow!, result.cells))).toBeGreaterThan(1);
});
