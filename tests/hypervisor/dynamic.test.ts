// Dynamic mode (hypervisor/dynamic.ts): a VM moved between shadow paging and EPT at run time.
// What a switch does (drops the shadows, keeps the EPT, charges and counts itself, logs an exit),
// that forced switches fall exactly where asked and random ones where the seed says, that the
// cost policy picks the design a workload favours (and holds still under hysteresis), and that
// bad options are refused in words. The equivalence, property and isolation suites run dynamic
// mode with random switches beside shadow and EPT; this file tests the mechanism itself.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModule } from '../../cli/load.ts';
import { Machine } from '../../emulator/machine.ts';
import type { BootModule } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import { DEFAULT_DYNAMIC, checkDynamicOptions, type DynamicOptions } from '../../hypervisor/dynamic.ts';
import { EptPager } from '../../hypervisor/ept.ts';
import { vmStatsJson } from '../../hypervisor/report.ts';
import { SHADOW_PAGER, ShadowPager } from '../../hypervisor/shadow.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { assembleFile } from '../../node/files.ts';
import { dynamicOptions, SettingsError } from '../../session/settings.ts';
import { statsTable } from '../../format/stats.ts';
import { MiB, REPO, guestImage, runIn } from './harness.ts';

const KERNEL: Image = (() => {
  const r = assembleFile(path.join(REPO, 'guest-programs/kernel/kernel.s'));
  if (!r.image) throw new Error('the kernel does not assemble');
  return r.image;
})();
const modules = (...specs: string[]): BootModule[] => specs.map((spec) => loadModule(spec, false));

function boot(specs: readonly string[], dynamic: Partial<DynamicOptions>, maxInstructions = 30_000_000) {
  const vmm = new Vmm({ hostMemoryBytes: 48 * MiB, dynamic: { ...DEFAULT_DYNAMIC, ...dynamic } });
  const { vm } = vmm.addVm({ name: 'g', mode: 'dynamic', memoryBytes: 16 * MiB, kernel: KERNEL, modules: modules(...specs) });
  const [result] = vmm.run(maxInstructions);
  return { vmm, vm, result: result!, console: vm.devices.console.drainText('latin1'), dynamic: vmm.dynamicOf(vm)! };
}

describe('dynamic mode: a switch', () => {
  it('case 1: forced switches fall at exactly the counts asked, alternate designs, and are counted, charged and logged', () => {
    const at = [20_000, 20_001, 150_000, 400_000];
    const run = boot(['forkstorm.s:8'], { policy: 'off', switchAt: at });
    expect(run.result.reason).toBe('halted');
    const native = new Machine({ memoryBytes: 16 * MiB });
    native.boot(KERNEL, modules('forkstorm.s:8'));
    const reference = native.run(30_000_000);
    expect(run.console).toBe(native.devices.console.drainText('latin1'));
    expect(run.result.instructions).toBe(reference.instructions);
    const log = run.dynamic.switchLog;
    expect(log.map((s) => s.instructions)).toEqual(at);
    expect(log.map((s) => `${s.from}>${s.to}`)).toEqual(['nested>shadow', 'shadow>nested', 'nested>shadow', 'shadow>nested']);
    expect(log.every((s) => s.forced)).toBe(true);
    const d = run.vm.vmm.dynamic!;
    expect(d).toMatchObject({ switches: 4, toShadow: 2, toNested: 2, forced: 4, windows: 0 });
    expect(d.switchCycles).toBe(log.reduce((sum, s) => sum + s.cycles, 0));
    // The fixed part (an exit and entry, the VMM's reconfiguration, a TLB flush) at the least.
    expect(Math.min(...log.map((s) => s.cycles))).toBeGreaterThanOrEqual(600 + 400 + 2 * 150 + 10);
    expect(d.instructionsShadow + d.instructionsNested).toBe(run.result.instructions);
    expect(d.instructionsShadow).toBe(20_001 - 20_000 + 400_000 - 150_000);
    expect(run.vm.vmm.exitsByReason.get('dynamic-switch')).toBe(4);
    expect(vmStatsJson(run.vm).dynamic).toEqual(d);
    expect(statsTable(run.vm.stats, run.vm.vmm)).toMatch(/design switches\s+4 \(to shadow 2, to EPT 2, 4 forced\)/);
  });

  it('case 2: into EPT the shadow tables go back to the host; the EPT is kept for the way back', () => {
    const run = boot(['forkstorm.s:4'], { policy: 'off', start: 'shadow', switchAt: [100_000, 200_000] });
    const log = run.dynamic.switchLog;
    expect(log.map((s) => s.to)).toEqual(['nested', 'shadow']);
    // Ended under shadow paging (a fresh shadow pager) with the EPT built at the first switch still there.
    expect(run.dynamic.translation).toBe('shadow');
    expect(run.vmm.pagerOf(run.vm)).toBeInstanceOf(ShadowPager);
    expect(run.vm.vmm.eptPages).toBeGreaterThan(0);
    expect(run.vm.vmm.dynamic!.shadowTablesDropped).toBeGreaterThan(2);
    expect(run.vmm.audit()).toEqual([]);
    // Every host frame in use is the guest's, a live shadow table or an EPT table: none leaked.
    expect(run.vmm.host.inUse).toBe(run.vm.vmm.guestFrames + run.vm.vmm.shadowPages + run.vm.vmm.eptPages);
  });

  it('case 3: the pager the VMM names is the one in use', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, dynamic: { ...DEFAULT_DYNAMIC, policy: 'off', switchAt: [500] } });
    const { vm } = vmm.addVm({ name: 'g', mode: 'dynamic', memoryBytes: 2 * MiB, kernel: guestImage('guest-programs/sieve.s') });
    expect(vmm.pagerOf(vm)).toBeInstanceOf(EptPager);
    vmm.run(1000);
    expect(vm.stats.instructions).toBe(1000);
    expect(vmm.pagerOf(vm)).toBeInstanceOf(ShadowPager);
    const switches = vm.exitLog.filter((e) => e.reason === 'dynamic-switch');
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ instructions: 500, hardware: 'preemption-timer' });
    expect(switches[0]!.detail).toMatch(/^ept → shadow \(forced by the test hook\)$/);
  });

  it('case 4: random switches are the seed\'s: the same seed gives the same run, another seed other points and the same guest', () => {
    const a = runIn('dynamic', guestImage('tests/hypervisor/guests/paging-kernel.s'), { dynamic: { ...DEFAULT_DYNAMIC, policy: 'off', randomEvery: 300, seed: 4 } });
    const b = runIn('dynamic', guestImage('tests/hypervisor/guests/paging-kernel.s'), { dynamic: { ...DEFAULT_DYNAMIC, policy: 'off', randomEvery: 300, seed: 4 } });
    const c = runIn('dynamic', guestImage('tests/hypervisor/guests/paging-kernel.s'), { dynamic: { ...DEFAULT_DYNAMIC, policy: 'off', randomEvery: 300, seed: 5 } });
    expect(a.vmm!.dynamic!.switches).toBeGreaterThan(10);
    expect(JSON.stringify(vmStatsJson(a.vm!))).toBe(JSON.stringify(vmStatsJson(b.vm!)));
    expect(a.host!.dynamicOf(a.vm!)!.switchLog).toEqual(b.host!.dynamicOf(b.vm!)!.switchLog);
    expect(c.host!.dynamicOf(c.vm!)!.switchLog.map((s) => s.instructions)).not.toEqual(a.host!.dynamicOf(a.vm!)!.switchLog.map((s) => s.instructions));
    expect(c.visible).toEqual(a.visible);
  });

  it('case 5: dynamic mode runs the built-in pagers; a pager of one\'s own is refused in words', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    expect(() => vmm.addVm({ name: 'g', mode: 'dynamic', memoryBytes: 2 * MiB, kernel: guestImage('guest-programs/hello.s'), pager: SHADOW_PAGER }))
      .toThrow(/dynamic mode runs the built-in shadow and EPT pagers/);
  });
});

describe('dynamic mode: every bundled workload', () => {
  /** The user programs (guest-programs/user/), small, several at once where they are quick; echo with input. */
  const WORKLOADS: readonly { readonly specs: readonly string[]; readonly input?: string }[] = [
    { specs: ['primes.s:3000', 'memwalk.s:96,4096,4'] },
    { specs: ['forkstorm.s:6', 'sbrkchurn.s:30'] },
    { specs: ['ctxswitch.s:150'] },
    { specs: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((mode) => `faulty.s:${mode}`) },
    { specs: ['echo.s:2'], input: 'first line\nsecond\n' },
    { specs: ['phases.s:96,6,5'] },
  ];
  it.each(WORKLOADS.map((w) => ({ ...w, name: w.specs.join(' ') })))('case 12: $name under dynamic mode, switched at random, prints what it prints natively', ({ specs, input }) => {
    const native = new Machine({ memoryBytes: 16 * MiB });
    native.boot(KERNEL, modules(...specs));
    if (input) native.devices.console.feed(input);
    const reference = native.run(30_000_000);
    const vmm = new Vmm({ hostMemoryBytes: 48 * MiB, dynamic: { ...DEFAULT_DYNAMIC, window: 5000, randomEvery: 4000, seed: 3 } });
    const { vm } = vmm.addVm({ name: 'g', mode: 'dynamic', memoryBytes: 16 * MiB, kernel: KERNEL, modules: modules(...specs) });
    if (input) vm.devices.console.feed(input);
    const [result] = vmm.run(30_000_000);
    expect(result!.reason).toBe(reference.reason);
    expect(result!.exitCode).toBe(reference.exitCode);
    expect(vm.devices.console.drainText('latin1')).toBe(native.devices.console.drainText('latin1'));
    expect(result!.instructions).toBe(reference.instructions);
    expect(vm.vmm.dynamic!.switches).toBeGreaterThan(3);
    expect(vmm.audit()).toEqual([]);
  });
});

describe('dynamic mode: the cost policy', () => {
  it('case 6: a TLB-heavy walk started under EPT moves to shadow paging, and stays', () => {
    const run = boot(['memwalk.s:1024,4096,100'], {});
    expect(run.console).toMatch(/^memwalk: 1024 x 4096 x 100 pages 1024 checksum/);
    expect(run.dynamic.switchLog.map((s) => s.to)).toEqual(['shadow']);
    expect(run.dynamic.switchLog[0]!.forced).toBe(false);
    expect(run.vm.vmm.dynamic!.windows).toBeGreaterThan(10);
  });

  it('case 7: context switches started under shadow paging move to EPT', () => {
    const run = boot(['ctxswitch.s:2000'], { start: 'shadow' });
    expect(run.console).toMatch(/^ctxswitch: 2 x 2000 yields checksum/);
    expect(run.dynamic.switchLog.map((s) => s.to)).toEqual(['nested']);
    // Within the first few windows: the hysteresis (2) plus the window that measured.
    expect(run.dynamic.switchLog[0]!.instructions).toBeLessThanOrEqual(4 * DEFAULT_DYNAMIC.window);
  });

  it('case 8: hysteresis and margin hold a VM still', () => {
    expect(boot(['ctxswitch.s:2000'], { start: 'shadow', hysteresis: 1000 }).dynamic.switchLog).toEqual([]);
    expect(boot(['ctxswitch.s:2000'], { start: 'shadow', margin: 100 }).dynamic.switchLog).toEqual([]);
    // A compute-bound workload has nothing to gain: it stays under EPT.
    expect(boot(['primes.s:20000'], {}).dynamic.switchLog).toEqual([]);
  });
});

describe('dynamic mode: options', () => {
  const bad: readonly [Record<string, string>, RegExp][] = [
    [{ 'dynamic-start': 'nested' }, /^--dynamic-start takes shadow or ept \(got 'nested'\)$/],
    [{ 'dynamic-policy': 'always' }, /^--dynamic-policy takes cost or off/],
    [{ 'dynamic-window': '999' }, /^--dynamic-window takes a whole number of at least 1000/],
    [{ 'dynamic-window': '1e12' }, /^--dynamic-window takes 1000 to 1000000000 guest instructions/],
    [{ 'dynamic-margin': '101' }, /^--dynamic-margin takes a percentage, 0 to 100 \(got 101\)$/],
    [{ 'dynamic-hysteresis': '0' }, /^--dynamic-hysteresis takes a whole number of at least 1/],
    [{ 'dynamic-switch-at': '500,20' }, /^--dynamic-switch-at takes counts in ascending order \(500 then 20\)$/],
    [{ 'dynamic-switch-at': '10,x' }, /^--dynamic-switch-at takes a whole number/],
    [{ 'dynamic-switch-every': '-3' }, /^--dynamic-switch-every takes a whole number/],
  ];
  it.each(bad)('case 9: %o is refused: %s', (values, message) => {
    expect(() => dynamicOptions(values)).toThrow(SettingsError);
    expect(() => dynamicOptions(values)).toThrow(message);
  });

  it('case 10: the defaults, and good values, pass', () => {
    expect(dynamicOptions({})).toEqual(DEFAULT_DYNAMIC);
    expect(checkDynamicOptions(DEFAULT_DYNAMIC)).toBeUndefined();
    expect(dynamicOptions({ 'dynamic-start': 'shadow', 'dynamic-window': '20_000', 'dynamic-switch-at': '5, 9,100', 'dynamic-switch-every': '0', 'dynamic-seed': '7' }))
      .toEqual({ ...DEFAULT_DYNAMIC, start: 'shadow', window: 20_000, switchAt: [5, 9, 100], seed: 7 });
  });

  it('case 11: a VMM refuses options the library is given directly, in words', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, dynamic: { ...DEFAULT_DYNAMIC, window: 10 } });
    expect(() => vmm.addVm({ name: 'g', mode: 'dynamic', memoryBytes: 2 * MiB, kernel: guestImage('guest-programs/hello.s') })).toThrow(/^dynamic window takes 1000 to/);
  });
});
