// Agile paging's policy (hypervisor/agile.ts) on the bundled kernel: a leaf table the guest writes
// often moves to nested mode (its writes then stop exiting), goes back to shadow once it stops
// changing, and every move, window and dirty sample is counted and charged; the test hook moves
// tables at random points without the guest seeing anything; bad options are refused clearly.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModule } from '../../cli/load.ts';
import { Machine } from '../../emulator/machine.ts';
import { AgilePager, DEFAULT_AGILE, checkAgileOptions, type AgileOptions } from '../../hypervisor/agile.ts';
import type { PagerModule } from '../../hypervisor/pager.ts';
import { PagerError } from '../../hypervisor/pager-host.ts';
import { pagerTranslation } from '../../hypervisor/vmm.ts';
import { vmStatsJson } from '../../hypervisor/report.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { assembleFile } from '../../node/files.ts';
import { SettingsError, agileOptions, parseMode } from '../../session/settings.ts';
import { REPO } from './harness.ts';

const MiB = 1024 * 1024;
const KERNEL = assembleFile(path.join(REPO, 'guest-programs/kernel/kernel.s')).image!;

function nativeRun(module: string | string[]): { console: string; exitCode: number } {
  const machine = new Machine({ memoryBytes: 16 * MiB });
  machine.boot(KERNEL, (Array.isArray(module) ? module : [module]).map((m) => loadModule(m, false)));
  const run = machine.run(20_000_000);
  return { console: machine.devices.console.drainText('latin1'), exitCode: run.exitCode };
}

function agileRun(module: string | string[], agile: Partial<AgileOptions> = {}, pager?: PagerModule) {
  const vmm = new Vmm({ hostMemoryBytes: 48 * MiB, agile: { ...DEFAULT_AGILE, ...agile } });
  const modules = (Array.isArray(module) ? module : [module]).map((m) => loadModule(m, false));
  const { vm } = vmm.addVm({ name: 'g', mode: 'agile', memoryBytes: 16 * MiB, kernel: KERNEL, modules, ...(pager ? { pager } : {}) });
  const [result] = vmm.run(20_000_000);
  return { vmm, vm, result: result!, console: vm.devices.console.drainText('latin1'), pager: vmm.pagerOf(vm) as AgilePager };
}

describe('agile paging: the policy', () => {
  it('case 1: a leaf table written often goes nested, its writes stop exiting, and it goes back to shadow when stable', () => {
    // memwalk faults 512 pages in (every fault a write to the same few leaf tables), then walks them.
    const module = 'memwalk.s:512,4096,40';
    const native = nativeRun(module);
    const writesOnly = agileRun(module, { writes: 0 });
    const agile = agileRun(module);
    expect(agile.console).toBe(native.console);
    expect(agile.result.exitCode).toBe(native.exitCode);
    const stats = agile.vm.vmm.agile!;
    expect(stats.toNested).toBeGreaterThanOrEqual(1);
    expect(stats.toShadow).toBeGreaterThanOrEqual(1);
    expect(stats.entriesRebuilt).toBeGreaterThan(0);
    expect(stats.windows).toBeGreaterThan(0);
    // With the policy off (writes 0) every page-table write of the fault-ins exits; with it, few do.
    const ptWrites = (r: ReturnType<typeof agileRun>) => r.vm.vmm.exitsByReason.get('pt-write') ?? 0;
    expect(ptWrites(writesOnly)).toBeGreaterThan(500);
    expect(ptWrites(agile)).toBeLessThan(ptWrites(writesOnly) / 10);
    expect(writesOnly.vm.vmm.agile!.toNested).toBe(0);
    // The guest's page faults in a nested table reach it without an exit: it took 512 faults, the VMM injected few.
    expect(agile.vm.stats.traps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(512);
    expect(agile.vm.vmm.faultsInjected).toBeLessThan(100);
    // Back in shadow for most of the walk: few EPT references per miss (a 2-D walk makes about 6).
    const misses = agile.vm.stats.tlbMisses.reduce((a, b) => a + b, 0);
    expect(agile.vm.stats.walkEptRefs / misses).toBeLessThan(1.5);
    expect(agile.pager.nestedTables().length).toBe(stats.nestedTables);
    expect(agile.vmm.audit()).toEqual([]);
  });

  it('case 2: windows, dirty samples and moves are counted and charged, and appear in the statistics JSON', () => {
    const agile = agileRun('sbrkchurn.s:30');
    const stats = agile.vm.vmm.agile!;
    const exits = agile.vm.vmm.exitsByReason;
    expect(exits.get('agile-sample') ?? 0).toBe(stats.windows);
    expect(exits.get('agile-dirty') ?? 0).toBe(stats.dirtySamples);
    expect(stats.dirtySamples).toBeGreaterThan(0);
    // No invlpg or tlbflush exits: agile paging keeps its shadows in sync by write protection.
    expect(exits.get('invlpg') ?? 0).toBe(0);
    const json = vmStatsJson(agile.vm) as { agile?: Record<string, number> };
    expect(json.agile).toEqual({ ...stats });
    expect(agile.vm.stats.cyclesExit).toBeGreaterThanOrEqual(agile.vm.vmm.exitsTotal * 1000);
    expect(agile.vmm.audit()).toEqual([]);
  });

  it('case 3: the test hook moves random halves of the tables both ways, and the guest sees nothing', () => {
    const module = 'forkstorm.s:8';
    const native = nativeRun(module);
    const forced = agileRun(module, { writes: 0, window: 2000, switchEvery: 1500, seed: 7 });
    expect(forced.console).toBe(native.console);
    expect(forced.result.exitCode).toBe(native.exitCode);
    const stats = forced.vm.vmm.agile!;
    expect(stats.forced).toBeGreaterThan(10);
    expect(stats.toNested).toBeGreaterThan(5);
    expect(stats.toShadow).toBeGreaterThan(5);
    expect(forced.vm.vmm.exitsByReason.get('agile-switch') ?? 0).toBeGreaterThan(0);
    expect(forced.vmm.audit()).toEqual([]);
  });

  it("case 4: start 'nested' meets each leaf table in nested mode and shadows it once stable", () => {
    const module = 'primes.s:5000';
    const run = agileRun(module, { start: 'nested' });
    expect(run.console).toBe(nativeRun(module).console);
    expect(run.vm.vmm.agile!.toNested).toBeGreaterThan(0);
    expect(run.vm.vmm.agile!.toShadow).toBeGreaterThan(0);
  });
});

describe('agile paging: options', () => {
  it('case 5: out-of-range options are refused with the option and what it takes', () => {
    expect(checkAgileOptions(DEFAULT_AGILE)).toBeUndefined();
    expect(checkAgileOptions({ ...DEFAULT_AGILE, window: 10 })?.option).toBe('window');
    expect(checkAgileOptions({ ...DEFAULT_AGILE, writes: 5000 })?.option).toBe('writes');
    expect(checkAgileOptions({ ...DEFAULT_AGILE, start: 'x' as 'shadow' })?.option).toBe('start');
    expect(() => agileOptions({ 'agile-window': '10' })).toThrow(new SettingsError('--agile-window takes a whole number of at least 1000 (got \'10\')'));
    expect(() => agileOptions({ 'agile-writes': 'many' })).toThrow(/--agile-writes takes a whole number/);
    expect(() => agileOptions({ 'agile-writes': '2000' })).toThrow(/--agile-writes takes 0 \(never\) to 1024/);
    expect(() => agileOptions({ 'agile-switch-every': '-1' })).toThrow(/--agile-switch-every/);
    expect(() => agileOptions({ 'agile-start': 'ept' })).toThrow(/--agile-start takes shadow or nested/);
    expect(agileOptions({ 'agile-writes': '3', 'agile-window': '20000' })).toEqual({ ...DEFAULT_AGILE, writes: 3, window: 20000 });
    expect(parseMode('agile')).toBe('agile');
  });

  it('case 6: an agile VM with a pager of another translation is refused; with page sharing, host swapping or ballooning it is made', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    expect(() => vmm.addVm({ name: 'g', mode: 'agile', memoryBytes: MiB, kernel: KERNEL, pager: { name: 'x.js', create: () => ({ translation: 'shadow', pageFault: () => undefined }) } }))
      .toThrow(/the pager's translation is 'shadow', so its VMs run with --mode shadow, not agile/);
    expect(checkAgileOptions({ ...DEFAULT_AGILE, root: 'x' as 'cost' })?.option).toBe('root');
    expect(() => agileOptions({ 'agile-root': 'nested' })).toThrow(/--agile-root takes cost or shadow \(got 'nested'\)/);
    expect(agileOptions({ 'agile-root': 'shadow' })).toEqual({ ...DEFAULT_AGILE, root: 'shadow' });
    const sharing = new Vmm({ hostMemoryBytes: 8 * MiB, sharing: { pages: 16, every: 10_000 } });
    expect(sharing.addVm({ name: 'g', mode: 'agile', memoryBytes: MiB, kernel: KERNEL }).vm.mode).toBe('agile');
  });
});

const agilePagerFile = async (name: string): Promise<PagerModule> => {
  const mod = (await import(`./pagers/${name}`)) as { default: PagerModule['create'] };
  return { name, create: mod.default };
};

describe('agile paging: the switch at the root', () => {
  it('case 7: PTBR writes that cost more than longer walks move the root to nested: they stop exiting, and the guest sees nothing', () => {
    const module = 'ctxswitch.s:500';
    const native = nativeRun(module);
    const agile = agileRun(module);
    const shadowRoot = agileRun(module, { root: 'shadow' });
    for (const run of [agile, shadowRoot]) {
      expect(run.console).toBe(native.console);
      expect(run.result.exitCode).toBe(native.exitCode);
      expect(run.vmm.audit()).toEqual([]);
    }
    const stats = agile.vm.vmm.agile!;
    expect(stats.rootToNested).toBe(1);
    expect(stats.rootNested).toBe(1);
    expect(stats.instructionsRootNested).toBeGreaterThan(0.8 * agile.vm.stats.instructions);
    expect(agile.pager.rootIsNested).toBe(true);
    expect(agile.pager.currentRootAddress).toBeUndefined();
    // Every guest PTBR write exits with the root shadowed; once it is nested, none does.
    const ptbrExits = (r: ReturnType<typeof agileRun>) => r.vm.vmm.exitsByReason.get('ptbr-write') ?? 0;
    expect(ptbrExits(shadowRoot)).toBe(shadowRoot.vm.stats.ptbrWrites);
    expect(agile.vm.stats.ptbrWrites).toBe(shadowRoot.vm.stats.ptbrWrites);
    expect(ptbrExits(agile)).toBeLessThan(40);
    expect(agile.vm.vmm.exitsByReason.get('agile-root')).toBe(1);
    expect(agile.vm.stats.cycles).toBeLessThan(0.5 * shadowRoot.vm.stats.cycles);
    // The shadow tables went back to the host; the VMM keeps only its EPT.
    expect(agile.vm.vmm.shadowPages).toBe(0);
    expect(shadowRoot.vm.vmm.agile!.rootToNested).toBe(0);
    expect(shadowRoot.vm.vmm.agile!.rootWindows).toBe(0);
    // With no PTBR writes to speak of, the root stays shadowed.
    expect(agileRun('memwalk.s:256,4096,20').vm.vmm.agile!.rootToNested).toBe(0);
  });

  it('case 8: once the PTBR writes stop and TLB misses dominate, the root goes back to shadow', () => {
    // ctxswitch alongside memwalk: the root goes nested while the switches last, and back when memwalk's misses are the cost.
    const modules = ['ctxswitch.s:2000', 'memwalk.s:1024,4096,100'];
    const native = nativeRun(modules);
    const agile = agileRun(modules);
    expect(agile.console).toBe(native.console);
    expect(agile.result.exitCode).toBe(native.exitCode);
    const stats = agile.vm.vmm.agile!;
    expect(stats.rootToNested).toBeGreaterThanOrEqual(1);
    expect(stats.rootToShadow).toBeGreaterThanOrEqual(1);
    expect(stats.rootSwitchCycles).toBeGreaterThan(0);
    expect(agile.vm.vmm.exitsByReason.get('agile-root')).toBe(stats.rootToNested + stats.rootToShadow);
    expect(vmStatsJson(agile.vm)).toMatchObject({ agile: { rootToNested: stats.rootToNested, rootToShadow: stats.rootToShadow } });
    expect(agile.vmm.audit()).toEqual([]);
  });

  it('case 9: the test hook also switches the root both ways at random points, and the guest sees nothing', () => {
    const module = 'forkstorm.s:8';
    const native = nativeRun(module);
    const forced = agileRun(module, { writes: 0, window: 2000, switchEvery: 1500, seed: 3 });
    expect(forced.console).toBe(native.console);
    expect(forced.result.exitCode).toBe(native.exitCode);
    const stats = forced.vm.vmm.agile!;
    expect(stats.rootToNested).toBeGreaterThan(2);
    expect(stats.rootToShadow).toBeGreaterThan(2);
    expect(forced.vmm.audit()).toEqual([]);
  });

  it('case 10: an agile pager of one\'s own switches at the root with vmm.nested.loadGuestRoot (pager API 3), and one that breaks its rule is stopped', async () => {
    const module = 'forkstorm.s:6';
    const native = nativeRun(module);
    for (const name of ['agile-root.js', 'agile-shadow-first.js']) {
      const pager = await agilePagerFile(name);
      expect(pagerTranslation(pager)).toBe('agile');
      const run = agileRun(module, {}, pager);
      expect(run.console, name).toBe(native.console);
      expect(run.result.exitCode).toBe(native.exitCode);
      // Nothing of the guest's paging exits: its PTBR writes and faults run as under EPT.
      expect(run.vm.vmm.exitsByReason.get('ptbr-write') ?? 0).toBe(0);
      expect(run.vm.vmm.exitsByReason.get('ept-violation')).toBeGreaterThan(0);
      expect(run.vm.vmm.agile).toBeNull();
      expect(run.vmm.audit()).toEqual([]);
    }
    const broken = await agilePagerFile('agile-switchroot-after-guest-root.js');
    expect(() => agileRun(module, {}, broken)).toThrow(PagerError);
    expect(() => agileRun(module, {}, broken)).toThrow(/switchRoot: the pager switched at the root \(loadGuestRoot\); load a shadow root with loadRoot first/);
  });
});
