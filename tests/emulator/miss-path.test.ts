// The TLB-miss path made cheaper (issue 16, section 3) must change no statistic. Three checks:
//   - the stride loop of the bench (bench/guests/stride.s: every load misses) run natively in
//     four TLB geometries, and under shadow paging and EPT in two, gives exactly the statistics
//     recorded before the change;
//   - the same guest and kernel workloads, natively, under shadow paging and under EPT, give the
//     same statistics, console and TLB contents with the MMU's TLBs replaced by the plain scans
//     they replaced (reference-tlb.ts);
//   - a fill drops only the fast-path entry it replaces: a loop whose every load misses fetches
//     through the MMU only when its code page changes, not after every fill.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACCESS } from '../../isa/arch.ts';
import type { Image } from '../../isa/image.ts';
import { USER_ORIGIN } from '../../emulator/boot.ts';
import { Machine } from '../../emulator/machine.ts';
import type { Mmu, MmuConfig } from '../../emulator/mmu.ts';
import type { Tlb } from '../../emulator/tlb.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { assembleFile } from '../../node/files.ts';
import { ScanTlb } from './reference-tlb.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function assembleOrThrow(file: string, options: Parameters<typeof assembleFile>[1] = {}): Image {
  const result = assembleFile(path.join(REPO, file), options);
  if (!result.image) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.image;
}

const stride = (pages: number, rounds: number): Image => assembleOrThrow('bench/guests/stride.s', { defines: { PAGES: pages, ROUNDS: rounds, PAGING: 1 } });

const GEOMETRIES: Record<string, MmuConfig> = {
  '4-way 64': { tlb: { entries: 64, ways: 4, replacement: 'lru', seed: 1 }, splitTlb: false },
  'fully associative 256, random': { tlb: { entries: 256, ways: 256, replacement: 'random', seed: 7 }, splitTlb: false },
  'split 16-way 32, page-walk cache 4': { tlb: { entries: 32, ways: 16, replacement: 'lru', seed: 1 }, splitTlb: true, pwcEntries: 4 },
  'direct-mapped 8': { tlb: { entries: 8, ways: 1, replacement: 'lru', seed: 1 }, splitTlb: false },
};

describe('the miss path changes no statistic', () => {
  // Recorded with the TLB, walker, page-walk cache and fast path as they were before issue 16:
  // [pages, geometry, instructions, cycles, TLB hits (fetch, load, store), misses, evictions,
  //  walks, walk references, page-walk cache hits, misses, A/D updates].
  const RECORDED = [
    [300, '4-way 64', 18947, 84631, [9026, 0, 600], [1, 900, 301], 838, 1202, 3005, 0, 0, 602],
    [300, 'fully associative 256, random', 18947, 66277, [9026, 437, 600], [1, 463, 301], 209, 765, 2131, 0, 0, 602],
    [300, 'split 16-way 32, page-walk cache 4', 18947, 60651, [9026, 0, 600], [1, 900, 301], 869, 1202, 1806, 1199, 3, 602],
    [300, 'direct-mapped 8', 18947, 97399, [8798, 0, 524], [229, 900, 377], 1236, 1506, 3613, 0, 0, 602],
    [1100, '4-way 64', 50147, 287831, [33026, 0, 2200], [1, 3300, 1101], 3238, 4402, 11005, 0, 0, 2202],
    [1100, 'fully associative 256, random', 50147, 287117, [33016, 27, 2200], [11, 3273, 1101], 3029, 4385, 10971, 0, 0, 2202],
    [1100, 'split 16-way 32, page-walk cache 4', 50147, 199871, [33026, 0, 2200], [1, 3300, 1101], 3269, 4402, 6607, 4398, 4, 2202],
    [1100, 'direct-mapped 8', 50147, 334199, [32198, 0, 1924], [829, 3300, 1377], 4536, 5506, 13213, 0, 0, 2202],
  ] as const;

  it.each(RECORDED.map((r, i) => [i + 2, r] as const))('case %i: stride loop natively: the statistics recorded before the change', (_n, recorded) => {
    const [pages, geometry] = recorded;
    const m = new Machine({ memoryBytes: 8 << 20, mmu: GEOMETRIES[geometry]! });
    m.load(stride(pages, 3));
    expect(m.run(1e7).reason).toBe('halted');
    const s = m.stats;
    expect([pages, geometry, s.instructions, s.cycles, Array.from(s.tlbHits), Array.from(s.tlbMisses), s.tlbEvictions, s.walks, s.walkRefs,
      s.pwcHits, s.pwcMisses, s.adUpdates]).toEqual(recorded);
  });
});

/** The plain scans, with the one method the CPU's fast path now calls. */
class ReferenceTlb extends ScanTlb {
  touch(i: number, stamp: number): void {
    this.lastUse[i] = stamp;
  }
}

/** Replace an MMU's TLBs with the plain scans of the same geometry (one object when unified). */
function withReferenceTlbs(mmu: Mmu): void {
  const unified = mmu.itlb === mmu.dtlb;
  const writable = mmu as unknown as { itlb: unknown; dtlb: unknown };
  writable.itlb = new ReferenceTlb(mmu.itlb.config);
  writable.dtlb = unified ? writable.itlb : new ReferenceTlb(mmu.dtlb.config);
}

const tlbOrder = (tlb: Tlb): unknown => tlb.entries().sort((a, b) => a.lastUse - b.lastUse).map(({ lastUse: _l, ...e }) => e);

describe('the miss path changes no statistic under shadow paging and EPT', () => {
  // Recorded before the miss path became one function with the lookup (issue 16, section 3):
  // [pages, mode, geometry, instructions, cycles, TLB hits (fetch, load, store), misses,
  //  evictions, walks, guest-stage and EPT walk references, page-walk cache hits, misses, A/D updates].
  const RECORDED = [
    [300, 'shadow', '4-way 64', 18947, 870039, [19548, 0, 1927], [4, 1200, 607], 838, 1811, 3618, 0, 0, 0, 602],
    [300, 'shadow', 'split 16-way 32, page-walk cache 4', 18947, 833959, [19548, 0, 1927], [4, 1200, 607], 868, 1811, 1814, 0, 1804, 7, 602],
    [300, 'ept', '4-way 64', 18947, 238477, [18950, 0, 1929], [3, 904, 303], 839, 1210, 3013, 7240, 0, 0, 602],
    [300, 'ept', 'split 16-way 32, page-walk cache 4', 18947, 142077, [18950, 0, 1929], [3, 904, 303], 869, 1210, 1811, 3622, 4820, 3626, 602],
    [1100, 'shadow', '4-way 64', 50147, 3141743, [52349, 0, 4326], [4, 4400, 2209], 3239, 6613, 13221, 0, 0, 0, 2202],
    [1100, 'shadow', 'split 16-way 32, page-walk cache 4', 50147, 3009683, [52349, 0, 4326], [4, 4400, 2209], 3269, 6613, 6618, 0, 6603, 10, 2202],
    [1100, 'ept', '4-way 64', 50147, 825677, [50150, 0, 4329], [3, 3304, 1103], 3239, 4410, 11013, 26440, 0, 0, 2202],
    [1100, 'ept', 'split 16-way 32, page-walk cache 4', 50147, 473297, [50150, 0, 4329], [3, 3304, 1103], 3269, 4410, 6612, 13222, 17619, 13227, 2202],
  ] as const;

  it.each(RECORDED.map((r, i) => [i + 2, r] as const))('case %i: stride loop in a VM: the statistics recorded before the change', (_n, recorded) => {
    const [pages, mode, geometry] = recorded;
    const vmm = new Vmm({ hostMemoryBytes: 32 << 20, mmu: GEOMETRIES[geometry]!, ept: { levels: 3, largePages: true } });
    const { vm } = vmm.addVm({ name: 'a', mode, memoryBytes: 8 << 20, kernel: stride(pages, 3) });
    const [r] = vmm.run(1e7);
    expect(r!.reason).toBe('halted');
    const s = vm.stats;
    expect([pages, mode, geometry, s.instructions, s.cycles, Array.from(s.tlbHits), Array.from(s.tlbMisses), s.tlbEvictions, s.walks,
      s.walkGuestRefs, s.walkEptRefs, s.pwcHits, s.pwcMisses, s.adUpdates]).toEqual(recorded);
  });
});

describe('the same runs on the plain scans the TLB replaced', () => {
  const kernel = assembleOrThrow('guest-programs/kernel/kernel.s');
  const user = (name: string): Image => assembleOrThrow(`guest-programs/user/${name}.s`, { origin: USER_ORIGIN });
  const modules = [
    { name: 'memwalk', image: user('memwalk'), args: [96, 4096, 2] },
    { name: 'ctxswitch', image: user('ctxswitch'), args: [20] },
  ];
  const workloads = [['stride loop', stride(300, 2), []], ['kernel: memwalk, ctxswitch', kernel, modules]] as const;

  function run(mode: 'native' | 'shadow' | 'ept', image: Image, mods: typeof modules | readonly [], mmu: MmuConfig, reference: boolean): unknown {
    if (mode === 'native') {
      const m = new Machine({ memoryBytes: 8 << 20, mmu });
      if (reference) withReferenceTlbs(m.mmu);
      if (mods.length > 0) m.boot(image, mods);
      else m.load(image);
      const result = m.run(20_000_000);
      return { result, stats: m.stats.toJSON(), console: m.devices.console.drainText(), itlb: tlbOrder(m.mmu.itlb), dtlb: tlbOrder(m.mmu.dtlb) };
    }
    const vmm = new Vmm({ hostMemoryBytes: 32 << 20, mmu, ept: { levels: 3, largePages: true } });
    if (reference) withReferenceTlbs(vmm.mmu);
    const { vm } = vmm.addVm({ name: 'a', mode, memoryBytes: 8 << 20, kernel: image, modules: mods });
    const [result] = vmm.run(20_000_000);
    return { result, stats: vm.stats.toJSON(), vmm: vm.vmm.toJSON(), console: vm.devices.console.drainText(), itlb: tlbOrder(vmm.mmu.itlb) };
  }

  let n = 1;
  for (const [workload, image, mods] of workloads) {
    for (const mode of ['native', 'shadow', 'ept'] as const) {
      for (const geometry of ['4-way 64', 'fully associative 256, random', 'split 16-way 32, page-walk cache 4'] as const) {
        it(`case ${++n}: ${workload}, ${mode}, ${geometry}: identical statistics, console and TLB contents`, () => {
          const real = run(mode, image, mods, GEOMETRIES[geometry]!, false);
          expect((real as { result: { reason: string } }).result.reason).toBe('halted');
          expect(real).toEqual(run(mode, image, mods, GEOMETRIES[geometry]!, true));
        });
      }
    }
  }
});

describe('a TLB fill keeps the fast-path entries it does not replace', () => {
  it('case 2: every load of the stride loop misses, yet fetches reach the MMU only when the code page changes', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    m.load(stride(256, 8));
    const mmu = m.mmu;
    const translate = mmu.translate.bind(mmu);
    let fetches = 0;
    mmu.translate = (va, access) => {
      if (access === ACCESS.FETCH) fetches++;
      return translate(va, access);
    };
    expect(m.run(1e7).reason).toBe('halted');
    // 2,048 loads missed, each a fill into the unified TLB that also holds the code page.
    expect(m.stats.tlbMisses[ACCESS.LOAD]).toBe(2048);
    // Before issue 16 every fill dropped the fetch fast path: 2,307 fetch translations. Now the
    // fetches come from the MMU when the code page changes and after the first round's 256 stores
    // that set D (a hit without D is dropped and walked again, which drops every fast path).
    expect(fetches).toBeLessThanOrEqual(259);
  });
});
