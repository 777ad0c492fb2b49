// Pre-copy live migration (hypervisor/migration.ts): every bundled workload, migrated partway
// under shadow paging (wp logging), EPT (pml, and wp) and dynamic mode (wp), ends with the console,
// exit code, registers, pc, instruction count and guest memory of the unmigrated run: the copy is
// real (the VM finishes on the destination frames), so a write dirty logging missed would show.
// Test 3 checks that it would: a harvest that loses its frames makes the run diverge. Then the
// rounds themselves: a slow dirtier converges, a fast one hits the round limit; the source frames
// are zeroed and freed; bad combinations are refused.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import { PAGE_SIZE } from '../../isa/arch.ts';
import { FREE } from '../../hypervisor/host.ts';
import type { DirtyLogMethod } from '../../hypervisor/dirty-log.ts';
import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION, type MigrationOptions } from '../../hypervisor/migration.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { Vm } from '../../hypervisor/vm.ts';
import { dirtyLogOptions, migrationOptions } from '../../session/settings.ts';
import { MiB, REPO } from './harness.ts';

function assembled(file: string, origin?: number): Image {
  const result = assembleFile(file, origin === undefined ? {} : { origin });
  if (!result.image) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.image;
}
const kernel = assembled(path.join(REPO, 'guest-programs/kernel/kernel.s'));
const USER_DIR = path.join(REPO, 'guest-programs/user');
/** Every bundled user program. */
const WORKLOADS = fs.readdirSync(USER_DIR).filter((f) => f.endsWith('.s')).map((f) => f.slice(0, -2)).sort();
const images = new Map(WORKLOADS.map((w) => [w, assembled(path.join(USER_DIR, `${w}.s`), USER_ORIGIN)]));
const INPUT = 'hello from the source host\n';

interface Seen { console: string; exitCode: number; reason: string | undefined; regs: number[]; pc: number; instructions: number; memory: string }

function boot(mode: 'shadow' | 'ept' | 'dynamic', modules: BootModule[], migration?: Partial<MigrationOptions>, method?: DirtyLogMethod) {
  const vmm = new Vmm({
    hostMemoryBytes: 32 * MiB,
    ...(migration ? { migration: { ...DEFAULT_MIGRATION, ...migration }, dirtyLog: { ...DEFAULT_DIRTY_LOG, method } } : {}),
  });
  const { vm } = vmm.addVm({ name: 'g', mode, memoryBytes: 4 * MiB, kernel, modules });
  vm.devices.console.feed(INPUT);
  return { vmm, vm };
}

function seen(vm: Vm): Seen {
  return {
    console: vm.devices.console.drainText('latin1'), exitCode: vm.devices.exitCode, reason: vm.stopped,
    regs: Array.from(vm.cpu.regs, (r) => r >>> 0), pc: vm.cpu.pc >>> 0, instructions: vm.stats.instructions, memory: vm.memoryHash(),
  };
}

const module = (w: string, args: number[] = []): BootModule[] => [{ name: w, image: images.get(w)!, args }];
const CONFIGS = [
  { n: 1, mode: 'shadow', method: 'wp' },
  { n: 2, mode: 'ept', method: 'pml' },
  { n: 3, mode: 'ept', method: 'wp' },
  { n: 4, mode: 'dynamic', method: 'wp' },
] as const;

describe('live migration: the migrated VM sees exactly what an unmigrated one sees', () => {
  it('covers every bundled workload', () => {
    expect(WORKLOADS).toEqual(expect.arrayContaining(['primes', 'memwalk', 'forkstorm', 'sbrkchurn', 'phases', 'ctxswitch', 'echo', 'faulty']));
  });
  for (const c of CONFIGS) {
    for (const w of WORKLOADS) {
      it(`${c.n}. ${c.mode} ${c.method}: ${w}`, () => {
        const plain = boot(c.mode, module(w));
        plain.vmm.run(50_000_000);
        const expected = seen(plain.vm);
        expect(expected.reason).toBe('halted');
        // Start a third of the way in; a fast link so that it finishes before the workload does.
        const at = Math.floor(expected.instructions / 3);
        const { vmm, vm } = boot(c.mode, module(w), { at, bandwidth: 5000, stopPages: 8 }, c.method);
        vmm.run(50_000_000);
        const stats = vm.vmm.migration!;
        expect(stats.completed, `${w}: migration finished`).toBe(true);
        expect(seen(vm)).toEqual(expected);
        expect(vm.vmm.dirtyLog!.method).toBe(c.method);
        expect(stats.pagesSent).toBeGreaterThanOrEqual(stats.pagesPerRound[0]!);
        expect(stats.downtimeCycles).toBeGreaterThan(0);
        expect(vmm.audit()).toEqual([]);
      });
    }
  }
});

describe('live migration: the model', () => {
  it('5. a harvest that loses its frames (a missed write) makes the run diverge: the test above would see it', () => {
    const plain = boot('ept', module('memwalk', [256, 4096, 400]));
    plain.vmm.run(50_000_000);
    const expected = seen(plain.vm);
    const { vmm, vm } = boot('ept', module('memwalk', [256, 4096, 400]), { at: 600_000, bandwidth: 2000, stopPages: 1000 }, 'pml');
    const log = vmm.migration!.logOf(vm)!;
    const harvest = log.harvest.bind(log);
    log.harvest = (rearm?: boolean) => { harvest(rearm); return []; };
    vmm.run(50_000_000);
    expect(vm.vmm.migration!.completed).toBe(true);
    expect(vm.memoryHash()).not.toBe(expected.memory);
  });

  it('6. a slow dirtier converges, a fast one does not (the dirty set stays above the threshold until the round limit)', () => {
    // memwalk over 1 MiB: a stride of 16 bytes writes a page every 256 accesses, 4096 bytes every access.
    const slow = boot('ept', module('memwalk', [65536, 16, 24]), { at: 4_000_000, bandwidth: 250, maxRounds: 30, stopPages: 50 }, 'wp');
    slow.vmm.run(100_000_000);
    const s = slow.vm.vmm.migration!;
    expect(s.completed && s.converged).toBe(true);
    expect(s.rounds).toBeLessThan(30);
    // Each round sends fewer pages than the one before.
    for (let i = 2; i < s.pagesPerRound.length; i++) expect(s.pagesPerRound[i]!).toBeLessThan(s.pagesPerRound[i - 1]!);
    const fast = boot('ept', module('memwalk', [256, 4096, 4000]), { at: 4_000_000, bandwidth: 250, maxRounds: 10, stopPages: 50 }, 'pml');
    fast.vmm.run(100_000_000);
    const f = fast.vm.vmm.migration!;
    expect(f.completed).toBe(true);
    expect(f.converged).toBe(false);
    expect(f.rounds).toBe(10);
    expect(f.stopCopyPages).toBeGreaterThan(250);
    expect(f.downtimeCycles).toBeGreaterThan(s.downtimeCycles);
  });

  it('7. the VM ends on new frames: the source frames are zeroed and free, the destination is the VM\'s', () => {
    const { vmm, vm } = boot('shadow', module('memwalk', [64, 4096, 2000]), { at: 300_000, bandwidth: 5000 }, 'wp');
    let source: number[] = [];
    const migration = vmm.migration!;
    const checkpoint = migration.checkpoint.bind(migration);
    migration.checkpoint = (v: Vm) => {
      if (v.vmm.migration!.rounds === 0) source = Array.from(v.p2m).filter((h) => h > 0);
      checkpoint(v);
    };
    vmm.run(50_000_000);
    expect(vm.vmm.migration!.completed).toBe(true);
    expect(source.length).toBeGreaterThan(30);
    const now = new Set(Array.from(vm.p2m).filter((h) => h > 0));
    for (const h of source) {
      expect(now.has(h)).toBe(false);
      const owner = vmm.host.owner[h / PAGE_SIZE];
      // Freed and zeroed, unless reused since (then it belongs to someone, and was zeroed when taken).
      if (owner === FREE) expect(vmm.host.mem.u8.subarray(h, h + PAGE_SIZE).every((b) => b === 0)).toBe(true);
    }
    for (const h of now) expect(vmm.host.owner[h / PAGE_SIZE]).toBe(vm.id);
    expect(vmm.audit()).toEqual([]);
  });

  it('8. a VM that stops before the migration ends stays on the source, and the destination frames go back', () => {
    const { vmm, vm } = boot('ept', module('memwalk', [256, 4096, 200]), { at: 300_000, bandwidth: 1, maxRounds: 30 }, 'pml');
    const before = vmm.host.inUse;
    vmm.run(50_000_000);
    const m = vm.vmm.migration!;
    expect(m.started).toBe(true);
    expect(m.completed).toBe(false);
    expect(vm.stopped).toBe('halted');
    expect(vmm.host.inUse).toBeLessThanOrEqual(before + vm.vmm.guestFrames + vm.vmm.eptPages);
  });

  it('10. both engines give identical statistics and migration figures (shadow wp, EPT pml)', () => {
    for (const [mode, method] of [['shadow', 'wp'], ['ept', 'pml']] as const) {
      const runs = (['interp', 'jit'] as const).map((engine) => {
        const { vmm, vm } = boot(mode, module('memwalk', [4096, 64, 30]), { at: 500_000, bandwidth: 1000, stopPages: 20 }, method);
        vm.cpu.engine = engine;
        vmm.run(50_000_000);
        return { stats: JSON.stringify(vm.stats), vmm: JSON.stringify(vm.vmm.toJSON()), seen: seen(vm) };
      });
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[0]!.vmm).toContain('"completed":true');
    }
  });

  it('11. the options are validated, each error naming its option', () => {
    expect(migrationOptions({ 'migrate-at': '1000' })).toEqual({ ...DEFAULT_MIGRATION, at: 1000 });
    expect(dirtyLogOptions({ 'dirty-log': 'pml', 'pml-size': '64' })).toEqual({ ...DEFAULT_DIRTY_LOG, method: 'pml', pmlSize: 64 });
    expect(() => dirtyLogOptions({ 'dirty-log': 'ept' })).toThrow("--dirty-log takes wp or pml (got 'ept')");
    expect(() => dirtyLogOptions({ 'pml-size': '0' })).toThrow(/--pml-size takes a whole number of at least 1/);
    expect(() => dirtyLogOptions({ 'dirty-log-every': '10' })).toThrow(/--dirty-log-every takes a whole number of at least 1000/);
    expect(() => migrationOptions({ 'migrate-bandwidth': '100' })).toThrow('--migrate-bandwidth sets up a live migration: give --migrate-at N too');
    expect(() => migrationOptions({ 'migrate-at': '1', 'migrate-bandwidth': '0' })).toThrow(/--migrate-bandwidth takes a whole number of at least 1/);
    expect(() => migrationOptions({ 'migrate-at': '1', 'migrate-max-rounds': '5000' })).toThrow(/--migrate-max-rounds takes 1 to 1000/);
    expect(() => migrationOptions({ 'migrate-at': 'soon' })).toThrow(/--migrate-at takes a whole number/);
  });

  it('9. refused with swapping, ballooning or page sharing, and for pv and agile VMs', () => {
    const migration = { ...DEFAULT_MIGRATION, at: 1000 };
    expect(() => new Vmm({ migration, swap: { policy: 'fifo', seed: 1, reserve: 32 } })).toThrow(/not offered with host swapping/);
    expect(() => new Vmm({ migration, sharing: { pages: 64, every: 10_000 } })).toThrow(/page sharing/);
    for (const mode of ['pv', 'agile'] as const) {
      expect(() => new Vmm({ migration }).addVm({ name: 'x', mode, memoryBytes: MiB, kernel })).toThrow(new RegExp(`live migration is not offered to ${mode} VMs`));
    }
  });
});
