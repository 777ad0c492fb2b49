// The debugger on a VM under --mode dynamic: its views follow the design the VM runs under at the
// moment (info vm, mode, translate), across switches and across time travel.

import { describe, expect, it } from 'vitest';
import { kernelArgs, live } from './helpers.ts';

describe('debug: a dynamic VM', () => {
  it('shows the design it runs under now, before and after a forced switch, and after a reverse step back over it', async () => {
    const d = live(kernelArgs('memwalk.s:64,4096,100000', '--mode', 'dynamic', '--dynamic-policy', 'off', '--dynamic-start', 'shadow', '--dynamic-switch-at', '300000'));
    await d.run('step 200000');
    expect(await d.run('info vm')).toMatch(/vm0 +shadow +runnable/);
    expect(await d.run('mode')).toMatch(/^mode: dynamic, now under shadow paging/);
    expect(await d.run('translate 0x1000')).toMatch(/\(shadow, (supervisor|user) mode\)/);
    await d.run('step 200000');
    expect(await d.run('info vm')).toMatch(/vm0 +ept +runnable/);
    expect(await d.run('mode')).toMatch(/^mode: dynamic, now under EPT/);
    expect(await d.run('translate 0x1000')).toMatch(/\(ept, (supervisor|user) mode\)\ntwo-dimensional walk/);
    await d.run('reverse-step 150000');
    expect(await d.run('info vm')).toMatch(/vm0 +shadow +runnable/);
    expect(await d.run('translate 0x1000')).toMatch(/\(shadow, (supervisor|user) mode\)/);
  });
});
