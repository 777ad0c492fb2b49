// Dirty logging (hypervisor/dirty-log.ts, emulator/pml.ts): the frames a harvest returns are the
// frames the guest (and the VMM for it) really wrote since the one before, under shadow paging
// with write protection, EPT with write protection and EPT with page-modification logging. The
// reference is guest memory itself: each frame's bytes before and after an interval. Then the PML
// log's size: a guest writing K distinct pages with a log of S entries takes a pml-full exit each
// time a write finds the log full (Intel's rule: the (S+1)th, (2S+1)th… newly dirty page).

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import { PAGE_SIZE } from '../../isa/arch.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { Vm } from '../../hypervisor/vm.ts';
import type { DirtyLogMethod } from '../../hypervisor/dirty-log.ts';
import { MiB, REPO, TEST_DYNAMIC, assembleGuest } from './harness.ts';

function assembled(file: string, origin?: number): Image {
  const result = assembleFile(file, origin === undefined ? {} : { origin });
  if (!result.image) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.image;
}
const kernel = assembled(path.join(REPO, 'guest-programs/kernel/kernel.s'));
const user = (name: string) => assembled(path.join(REPO, `guest-programs/user/${name}.s`), USER_ORIGIN);
const memwalk = user('memwalk');
const forkstorm = user('forkstorm');

/** Logging alone, on from the first instruction, harvested only when the test says (`every` past the run). */
function boot(mode: 'shadow' | 'ept' | 'dynamic', method: DirtyLogMethod, modules: { name: string; image: Image; args: readonly number[] }[], pmlSize = 512) {
  const vmm = new Vmm({ hostMemoryBytes: 32 * MiB, dirtyLog: { method, pmlSize, every: 1e12 }, ...(mode === 'dynamic' ? { dynamic: TEST_DYNAMIC } : {}) });
  const { vm } = vmm.addVm({ name: 'g', mode, memoryBytes: 4 * MiB, kernel, modules: modules.map((m) => ({ ...m, args: [...m.args] })) });
  return { vmm, vm, log: vmm.migration!.logOf(vm)! };
}

/** Every guest frame's bytes now (undefined: not backed). */
function snapshot(vm: Vm): (Uint8Array | undefined)[] {
  return Array.from(vm.p2m, (h) => (h > 0 ? vm.host.mem.u8.slice(h, h + PAGE_SIZE) : undefined));
}

/** Guest frames whose contents differ between two snapshots (a frame backed since counts when not all zero). */
function changed(before: (Uint8Array | undefined)[], after: (Uint8Array | undefined)[]): number[] {
  const out: number[] = [];
  for (let gfn = 0; gfn < after.length; gfn++) {
    const a = before[gfn];
    const b = after[gfn];
    if (b === undefined) continue;
    if (a === undefined ? b.some((x) => x !== 0) : a.some((x, i) => x !== b[i])) out.push(gfn);
  }
  return out;
}

function runTo(vmm: Vmm, vm: Vm, instructions: number): void {
  while (vm.stopped === undefined && vm.stats.instructions < instructions) vmm.runSlice(vm, instructions - vm.stats.instructions);
}

const CONFIGS = [
  { n: 1, mode: 'shadow', method: 'wp' },
  { n: 2, mode: 'ept', method: 'wp' },
  { n: 3, mode: 'ept', method: 'pml' },
  { n: 4, mode: 'dynamic', method: 'wp' },
] as const;

describe('dirty logging: a harvest returns exactly the frames written', () => {
  for (const c of CONFIGS) {
    for (const [w, modules] of [
      ['memwalk', [{ name: 'memwalk', image: memwalk, args: [1024, 64, 40] }]],
      ['forkstorm', [{ name: 'forkstorm', image: forkstorm, args: [] }]],
    ] as const) {
      it(`${c.n}. ${c.mode} ${c.method}, ${w}: every frame whose contents changed is logged; nothing else but frames rewritten`, () => {
        const { vmm, vm, log } = boot(c.mode, c.method, [...modules]);
        runTo(vmm, vm, 1);
        expect(log.on).toBe(true);
        let checked = 0;
        let at = 200_000;
        log.harvest();
        let before = snapshot(vm);
        while (vm.stopped === undefined && at <= 3_000_000) {
          runTo(vmm, vm, at);
          const logged = log.harvest();
          const after = snapshot(vm);
          const written = changed(before, after);
          const missed = written.filter((g) => !logged.includes(g));
          expect(missed, `interval ending at ${at}: written but not logged`).toEqual([]);
          // Logged but unchanged: stores of the value already there (the kernel's, or memwalk's none). Few.
          expect(logged.length - written.length, `interval ending at ${at}: logged ${logged.length}, changed ${written.length}`).toBeLessThanOrEqual(Math.max(4, written.length / 4));
          checked += written.length;
          before = after;
          at += 150_000 + (at % 7) * 1000;
        }
        expect(checked).toBeGreaterThan(50);
        expect(vmm.audit()).toEqual([]);
        const stats = vm.vmm.dirtyLog!;
        expect(stats.harvests).toBeGreaterThan(3);
        if (c.method === 'wp') expect(stats.wpExits).toBeGreaterThan(0);
        else expect(stats.wpExits).toBe(0);
        expect(stats.cycles).toBeGreaterThan(0);
      });
    }
  }

  it('5. logging changes nothing the guest sees (console, exit code, registers, memory) in each configuration', () => {
    const modules = [{ name: 'memwalk', image: memwalk, args: [256, 4096, 30] }];
    const plain = new Vmm({ hostMemoryBytes: 32 * MiB });
    const { vm: ref } = plain.addVm({ name: 'g', mode: 'ept', memoryBytes: 4 * MiB, kernel, modules });
    plain.run(20_000_000);
    const console0 = ref.devices.console.drainText();
    expect(console0).toContain('memwalk');
    for (const c of CONFIGS) {
      const vmm = new Vmm({ hostMemoryBytes: 32 * MiB, dirtyLog: { method: c.method, pmlSize: 64, every: 20_000 } });
      const { vm } = vmm.addVm({ name: 'g', mode: c.mode, memoryBytes: 4 * MiB, kernel, modules });
      vmm.run(20_000_000);
      expect(vm.stopped).toBe('halted');
      expect(vm.devices.console.drainText()).toBe(console0);
      expect(vm.devices.exitCode).toBe(ref.devices.exitCode);
      expect(Array.from(vm.cpu.regs)).toEqual(Array.from(ref.cpu.regs));
      expect(vm.memoryHash()).toBe(ref.memoryHash());
      expect(vm.stats.instructions).toBe(ref.stats.instructions);
      if (c.method === 'pml') expect(vm.vmm.dirtyLog!.pmlFullExits).toBeGreaterThan(0);
    }
  });
});

/** A bare-metal guest (paging off) that stores one word into each of K pages from 1 MiB, then powers off. */
function pageWriter(pages: number): Image {
  return assembleGuest(`
    .include "../../../guest-programs/lib/console.inc"
    .global _start
_start:
    li t0, 0x100000
    li t1, ${pages}
1:  sw t1, 0(t0)
    li t2, 4096
    add t0, t0, t2
    addi t1, t1, -1
    bne t1, zero, 1b
    poweroff 0
`);
}

/**
 * A paging guest whose page table is written by nobody but the walk after a while: it builds its
 * tables (data PTEs with A = D = 0), reads its 12 data frames once with paging off (so that they
 * are backed), turns paging on, idles, then loads from 8 pages and stores to 4 others. The walk's A/D writes land in the page-table frame at 0x8000; the stores in their pages.
 */
const AD_GUEST = assembleGuest(`
    .include "../../../guest-programs/lib/console.inc"
    .equ PD, 0x7000
    .equ PT, 0x8000
    .global _start
_start:
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)
    li t0, PT
    li t1, 0x1000 | PTE_V | PTE_X
    sw t1, 4(t0)
    li t1, 0x2000 | PTE_V | PTE_X
    sw t1, 8(t0)
    li t2, 0x20000 | PTE_V | PTE_W
    li t3, 12
    li t4, 0x40
1:  add s0, t0, t4
    sw t2, 0(s0)
    li s0, 0x1000
    add t2, t2, s0
    addi t4, t4, 4
    addi t3, t3, -1
    bne t3, zero, 1b
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L
    li t1, PD + 0x3c0 * 4
    sw t0, 0(t1)
    li t0, 0x20000
    li t3, 12
5:  lw t1, 0(t0)
    li s0, 0x1000
    add t0, t0, s0
    addi t3, t3, -1
    bne t3, zero, 5b
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li t2, 3000
2:  addi t2, t2, -1
    bne t2, zero, 2b
    li t0, 0x10000
    li t3, 8
3:  lw t1, 0(t0)
    li s0, 0x1000
    add t0, t0, s0
    addi t3, t3, -1
    bne t3, zero, 3b
    li t3, 4
4:  sw t3, 0(t0)
    add t0, t0, s0
    addi t3, t3, -1
    bne t3, zero, 4b
    poweroff 0
`);

describe('dirty logging: the walk\'s A/D writes to a guest page table are writes', () => {
  for (const c of CONFIGS.filter((c) => c.mode !== 'dynamic')) {
    it(`${c.n}. ${c.mode} ${c.method}: the page-table frames written only by A/D updates are logged, the pages only loaded are not`, () => {
      const vmm = new Vmm({ hostMemoryBytes: 16 * MiB, dirtyLog: { method: c.method, pmlSize: 512, every: 1e12 } });
      const { vm } = vmm.addVm({ name: 'g', mode: c.mode, memoryBytes: 2 * MiB, kernel: AD_GUEST });
      const log = vmm.migration!.logOf(vm)!;
      runTo(vmm, vm, 3000);
      expect(vm.stopped).toBeUndefined();
      log.harvest();
      const before = snapshot(vm);
      runTo(vmm, vm, 100_000);
      expect(vm.stopped).toBe('halted');
      const logged = log.harvest();
      const written = changed(before, snapshot(vm));
      // The directory (frame 7: the devices' superpage entry gets A and D at the power-off store),
      // the page table (frame 8: A, and D for the stores) and the four pages stored to (0x28-0x2b).
      expect(written).toEqual([0x7, 0x8, 0x28, 0x29, 0x2a, 0x2b]);
      expect(logged).toEqual(written);
    });
  }
});

describe('page-modification logging: the log size', () => {
  for (const [n, pages, size] of [[1, 1, 1], [2, 2, 1], [3, 100, 1], [4, 64, 64], [5, 65, 64], [6, 200, 64], [7, 512, 512], [8, 513, 512], [9, 1000, 7]] as const) {
    it(`${n}. ${pages} distinct pages written with a log of ${size}: ${Math.floor((pages - 1) / size)} pml-full exits, every page logged once`, () => {
      const vmm = new Vmm({ hostMemoryBytes: 16 * MiB, dirtyLog: { method: 'pml', pmlSize: size, every: 1e12 } });
      const { vm } = vmm.addVm({ name: 'g', mode: 'ept', memoryBytes: 8 * MiB, kernel: pageWriter(pages) });
      vmm.run(1_000_000);
      expect(vm.stopped).toBe('halted');
      const stats = vm.vmm.dirtyLog!;
      expect(stats.pmlFullExits).toBe(Math.floor((pages - 1) / size));
      expect(vm.vmm.exitsByReason.get('pml-full') ?? 0).toBe(stats.pmlFullExits);
      const logged = vmm.migration!.logOf(vm)!.harvest();
      const expected = Array.from({ length: pages }, (_, i) => 0x100 + i);
      expect(logged).toEqual(expected);
      // Each pml-full exit drained a full log.
      expect(stats.pagesLogged).toBe(pages);
    });
  }

  it('10. a second pass over the same pages logs nothing: their EPT D bits are set until a harvest clears them', () => {
    const vmm = new Vmm({ hostMemoryBytes: 16 * MiB, dirtyLog: { method: 'pml', pmlSize: 16, every: 1e12 } });
    const source = `
    .include "../../../guest-programs/lib/console.inc"
    .global _start
_start:
    li s0, 2
2:  li t0, 0x100000
    li t1, 40
1:  sw t1, 0(t0)
    li t2, 4096
    add t0, t0, t2
    addi t1, t1, -1
    bne t1, zero, 1b
    addi s0, s0, -1
    bne s0, zero, 2b
    poweroff 0
`;
    const { vm } = vmm.addVm({ name: 'g', mode: 'ept', memoryBytes: 8 * MiB, kernel: assembleGuest(source) });
    vmm.run(1_000_000);
    expect(vm.stopped).toBe('halted');
    expect(vm.vmm.dirtyLog!.pmlFullExits).toBe(2);
    expect(vm.vmm.dirtyLog!.pagesLogged).toBe(40);
  });

  it('11. refused where it cannot work: pml without EPT, pv and agile VMs, EPT large pages', () => {
    const image = pageWriter(1);
    expect(() => new Vmm({ dirtyLog: { method: 'pml', pmlSize: 512, every: 1e5 } }).addVm({ name: 's', mode: 'shadow', memoryBytes: MiB, kernel: image })).toThrow(/pml needs EPT/);
    for (const mode of ['pv', 'agile'] as const) {
      expect(() => new Vmm({ dirtyLog: { method: 'wp', pmlSize: 512, every: 1e5 } }).addVm({ name: 'x', mode, memoryBytes: MiB, kernel: image })).toThrow(new RegExp(`not offered to ${mode} VMs`));
    }
    expect(() => new Vmm({ ept: { levels: 2, largePages: true }, dirtyLog: { method: 'pml', pmlSize: 512, every: 1e5 } }).addVm({ name: 'l', mode: 'ept', memoryBytes: 4 * MiB, kernel: image })).toThrow(/large pages/);
  });
});
