// Ballooning (hypervisor/balloon.ts, guest-programs/kernel/balloon.s, isa/README.md 3.8.2): the
// kernel's balloon build (-D BALLOON=1) gives free frames to the VMM at its timer ticks; the VMM
// frees the host frames behind them (zeroed before anyone gets them again) and gives them back
// when the target falls. The workload sees nothing: its console output is the plain build's.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { BALLOONED } from '../../hypervisor/vm.ts';
import { PAGE_SIZE } from '../../isa/arch.ts';
import { MiB, REPO } from './harness.ts';

const KERNEL = path.join(REPO, 'guest-programs/kernel/kernel.s');
function assembled(file: string, options: { origin?: number; defines?: Record<string, number> } = {}): Image {
  const result = assembleFile(file, options);
  if (!result.image) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.image;
}
const plainKernel = assembled(KERNEL);
const balloonKernel = assembled(KERNEL, { defines: { BALLOON: 1 } });
const primes = assembled(path.join(REPO, 'guest-programs/user/primes.s'), { origin: USER_ORIGIN });
const memwalk = assembled(path.join(REPO, 'guest-programs/user/memwalk.s'), { origin: USER_ORIGIN });
const modules = (): BootModule[] => [{ name: 'primes', image: primes, args: [] }, { name: 'memwalk', image: memwalk, args: [128, 4096, 400] }];
const MEMORY = 4 * MiB;
const BUDGET = 40_000_000;



function boot(mode: 'shadow' | 'ept' | 'dynamic' | 'agile', balloon: number | undefined, kernel = balloon === undefined ? plainKernel : balloonKernel) {
  const vmm = new Vmm({ hostMemoryBytes: 16 * MiB, quantum: 20_000, ...(balloon !== undefined ? { balloon: { targetFrames: balloon } } : {}) });
  const { vm } = vmm.addVm({ name: 'g', mode, memoryBytes: MEMORY, kernel, modules: modules() });
  return { vmm, vm };
}

describe('ballooning', () => {
  for (const mode of ['shadow', 'ept', 'dynamic', 'agile'] as const) {
    it(`${mode}: inflating frees host frames, deflating returns them, the workload sees nothing`, () => {
      const plain = boot(mode, undefined);
      plain.vmm.run(BUDGET);
      const expected = plain.vm.devices.console.drainText();
      expect(plain.vmm.result(plain.vm).reason).toBe('halted');

      const { vmm, vm } = boot(mode, 200);
      const problems: string[] = [];
      let rounds = 0;
      let deflating = false;
      let peakFreed = 0;
      vmm.run(BUDGET, () => {
        const st = vm.vmm.balloon!;
        if (++rounds % 8 === 0) problems.push(...vmm.audit());
        // Once the balloon is full, let it go again.
        if (!deflating && st.ballooned >= 200) {
          peakFreed = vmm.host.freeFrames();
          vmm.balloon!.setTarget(vm, 0);
          deflating = true;
        }
        return problems.length === 0;
      });
      problems.push(...vmm.audit());
      expect(problems).toEqual([]);
      expect(vmm.result(vm).reason).toBe('halted');
      expect(vm.devices.console.drainText()).toBe(expected);
      const st = vm.vmm.balloon!;
      expect(st.peakBallooned).toBe(200);
      // The driver gives frames without zeroing them (balloon_alloc): a never-used frame it gives
      // was never backed, so only the frames the host did back are freed.
      expect(st.framesInflated).toBe(200);
      expect(st.hostFramesFreed).toBeLessThanOrEqual(st.framesInflated);
      expect(st.framesDeflated).toBe(200);
      expect(st.cycles).toBeGreaterThan(0);
      expect(deflating).toBe(true);
      expect(peakFreed).toBeGreaterThan(0);
      expect(st.targetCalls).toBeGreaterThan(0);
      expect(st.deflates).toBeGreaterThan(0);
      expect(st.ballooned).toBe(0);
      expect(st.touches).toBe(0);
      expect(st.refused).toBe(0);
      // Every exit of the balloon is counted by name.
      expect(vm.vmm.exitsByReason.get('hc-balloon-inflate')).toBe(st.inflates);
    });
  }

  it('holds its target while the workload runs, and the host frames it freed come back zeroed', () => {
    const { vmm, vm } = boot('ept', 300);
    vmm.run(BUDGET);
    const st = vm.vmm.balloon!;
    expect(st.ballooned).toBe(300);
    let inP2m = 0;
    for (let i = 0; i < vm.p2m.length; i++) if (vm.p2m[i] === BALLOONED) inP2m++;
    expect(inP2m).toBe(300);
    // Every free host frame (the ballooned ones among them) is zero when a new owner gets it.
    const free = vmm.host.freeFrames();
    for (let i = 0; i < free; i++) {
      const addr = vmm.host.allocFrame(200);
      const words = new Int32Array(vmm.host.mem.u8.buffer, addr, PAGE_SIZE / 4);
      expect(words.every((w) => w === 0)).toBe(true);
    }
  });

  it('a guest touching a frame it gave away gets a fresh zeroed one, counted', () => {
    const { vmm, vm } = boot('shadow', 50);
    vmm.run(BUDGET);
    const gfn = vm.ballooned[vm.ballooned.length - 1]!;
    expect(vm.p2m[gfn]).toBe(BALLOONED);
    expect(vm.peekWord(gfn * PAGE_SIZE)).toBe(0);
    expect(vm.readWord(gfn * PAGE_SIZE + 8)).toBe(0);
    expect(vm.vmm.balloon!.touches).toBe(1);
    expect(vm.p2m[gfn]!).toBeGreaterThan(0);
  });

  it('the plain kernel ignores the balloon; pv VMs are refused', () => {
    const { vmm, vm } = boot('ept', 100, plainKernel);
    vmm.run(BUDGET);
    expect(vm.vmm.balloon!.targetCalls).toBe(0);
    expect(vm.vmm.balloon!.ballooned).toBe(0);
    const v = new Vmm({ balloon: { targetFrames: 10 } });
    expect(() => v.addVm({ name: 'p', mode: 'pv', memoryBytes: MEMORY, kernel: balloonKernel, modules: modules() })).toThrow(/ballooning is not offered to pv VMs/);
    const large = new Vmm({ balloon: { targetFrames: 10 }, ept: { ...new Vmm().options.ept, largePages: true } });
    expect(() => large.addVm({ name: 'l', mode: 'ept', memoryBytes: MEMORY, kernel: balloonKernel, modules: modules() })).toThrow(/large pages/);
  });
});
