// The translating engine against the interpreter (issue 16 §2): random programs (the adversarial
// campaign's random words and structured privileged kernels: page-table writes, PTBR switches,
// paging and interrupt toggles, traps, timer and console interrupts) run on both engines, natively
// and under shadow paging and EPT, must leave everything identical: registers, pc, control
// registers, memory, console, exit, every statistic, the TLB contents with their LRU stamps and
// the MMU's clock. Native runs are compared after every slice of a random slice sequence (the
// same on both engines), so a difference is caught at the instruction boundary where it appears.
//
//   VMMLAB_FUZZ_RUNS  cases per campaign (default 5; each case runs in 3 native and 5 VMM setups)

import { describe, expect, it } from 'vitest';
import { STOP, type Engine } from '../../emulator/cpu.ts';
import type { Cpu } from '../../emulator/cpu.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_MMU, type MmuConfig } from '../../emulator/mmu.ts';
import { fingerprint } from './jit-fingerprint.ts';
import { Vmm, type VmmOptions } from '../../hypervisor/vmm.ts';
import type { VmMode } from '../../hypervisor/vm.ts';
import { generateWordsCase, wordsCampaignCase } from '../hypervisor/campaign/words.ts';
import { generatePrivilegedCase, privilegedCampaignCase } from '../hypervisor/campaign/privileged.ts';
import type { CampaignCase } from '../hypervisor/campaign/check.ts';
import { MiB } from '../hypervisor/harness.ts';

const RUNS = Number(process.env.VMMLAB_FUZZ_RUNS ?? 5);
const SEED = 0x1e16;

const TINY_TLB: MmuConfig = { ...DEFAULT_MMU, tlb: { entries: 2, ways: 1, replacement: 'lru', seed: 1 } };
const SPLIT_RANDOM: MmuConfig = { ...DEFAULT_MMU, splitTlb: true, pwcEntries: 16, tlb: { entries: 16, ways: 2, replacement: 'random', seed: 7 } };

/** A deterministic slice sequence (1 to 60 instructions, sometimes 1 for many boundaries in a row). */
function slices(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % 4 === 0 ? 1 : 1 + (x % 60);
  };
}

function nativeRun(c: CampaignCase, engine: Engine, mmu: MmuConfig | undefined, hot: number): string[] {
  const m = new Machine({ memoryBytes: c.settings.memoryBytes, ...(mmu ? { mmu } : {}) });
  m.cpu.engine = engine;
  m.cpu.jitHotThreshold = hot; m.cpu.jitMinBudget = 1;
  m.load(c.image);
  if (c.settings.consoleInput) m.devices.console.feed(c.settings.consoleInput);
  const next = slices(c.seed);
  const prints: string[] = [];
  let code: number = STOP.BUDGET;
  // Memory is hashed every 8th slice and at the end (hashing it at every slice costs more than the runs).
  for (let slice = 0; m.stats.instructions < c.settings.maxInstructions && (code === STOP.BUDGET || code === STOP.TRAP); slice++) {
    code = m.cpu.run(Math.min(next(), c.settings.maxInstructions - m.stats.instructions));
    prints.push(fingerprint(m.cpu, m.stats, m.mmu, slice % 8 === 0 ? m.mem : null, { code, console: m.devices.console.drainText('latin1'), exit: m.devices.exitCode }));
  }
  prints.push(fingerprint(m.cpu, m.stats, m.mmu, m.mem));
  if (engine === 'jit') jitTotals.add(m.cpu);
  return prints;
}

interface VmVariant { label: string; modes: VmMode[]; vmm?: VmmOptions }
const VM_VARIANTS: VmVariant[] = [
  { label: 'shadow', modes: ['shadow'] },
  { label: 'shadow oos, split random TLB', modes: ['shadow'], vmm: { shadow: { cacheRoots: 2, floodThreshold: 2, sync: 'oos' }, mmu: SPLIT_RANDOM } },
  { label: 'EPT', modes: ['ept'] },
  { label: 'EPT 4 levels, large pages, tiny TLB', modes: ['ept'], vmm: { ept: { levels: 4, largePages: true }, vpid: true, mmu: TINY_TLB } },
  { label: 'two VMs (shadow, EPT), quantum 7', modes: ['shadow', 'ept'], vmm: { vpid: true, quantum: 7 } },
];

const vmCpus: Cpu[] = [];
/** What the translating engine did over a test: it must have run blocks, not only stepped. */
const jitTotals = {
  blocks: 0,
  inBlocks: 0,
  stepped: 0,
  add(cpu: Cpu): void {
    const s = cpu.jitStats;
    if (s === null) return;
    this.blocks += s.blocksCompiled;
    this.inBlocks += s.blockInstructions;
    this.stepped += s.steppedInstructions;
  },
  reset(): void {
    this.blocks = this.inBlocks = this.stepped = 0;
  },
};

function vmRun(c: CampaignCase, engine: Engine, v: VmVariant, hot: number): string {
  const perVm = v.vmm?.ept?.largePages ? Math.ceil(c.settings.memoryBytes / (4 * MiB)) * 4 * MiB + 4 * MiB : c.settings.memoryBytes + 4 * MiB;
  const host = new Vmm({ hostMemoryBytes: v.modes.length * perVm + 2 * MiB, ...v.vmm });
  const vms = v.modes.map((mode, i) => {
    const { vm } = host.addVm({ name: `g${i}`, mode, memoryBytes: c.settings.memoryBytes, kernel: c.image });
    vm.cpu.engine = engine;
    vm.cpu.jitHotThreshold = hot; vm.cpu.jitMinBudget = 1;
    if (engine === 'jit') vmCpus.push(vm.cpu);
    if (c.settings.consoleInput) vm.devices.console.feed(c.settings.consoleInput);
    return vm;
  });
  let results: unknown;
  try {
    results = host.run(c.settings.maxInstructions);
  } catch (e) {
    results = `threw ${e instanceof Error ? e.message : String(e)}`;
  }
  for (const cpu of vmCpus.splice(0)) jitTotals.add(cpu);
  return JSON.stringify({
    results,
    vms: vms.map((vm) => fingerprint(vm.cpu, vm.stats, vm.cpu.mmu, host.host.mem, { console: vm.devices.console.drainText('latin1') })),
  });
}

function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const x = a[i] ?? '(none)', y = b[i] ?? '(none)';
    let j = 0;
    while (j < x.length && x[j] === y[j]) j++;
    return `slice ${i}: interp …${x.slice(Math.max(0, j - 120), j + 200)}\n          jit    …${y.slice(Math.max(0, j - 120), j + 200)}`;
  }
  return undefined;
}

const CAMPAIGNS: [string, (n: number) => CampaignCase][] = [
  ['random words', (n) => wordsCampaignCase(generateWordsCase(n, SEED))],
  ['privileged programs', (n) => privilegedCampaignCase(generatePrivilegedCase(n, SEED))],
];

describe('jit = interp on the campaign programs', () => {
  for (const [name, make] of CAMPAIGNS) {
    it(`${name}: native (default, tiny, split random TLB), slice by slice, ${RUNS} cases`, () => {
      jitTotals.reset();
      for (let n = 1; n <= RUNS; n++) {
        const c = make(n);
        for (const mmu of [undefined, TINY_TLB, SPLIT_RANDOM]) {
          const ref = nativeRun(c, 'interp', mmu, 1);
          for (const hot of [1, 4]) {
            const diff = firstDifference(ref, nativeRun(c, 'jit', mmu, hot));
            expect(diff, `${c.id} mmu ${JSON.stringify(mmu?.tlb ?? 'default')} hot ${hot}\n${diff}\n${c.listing}`).toBeUndefined();
          }
        }
      }
      console.log(`${name} natively: ${jitTotals.blocks} blocks compiled, ${jitTotals.inBlocks} instructions in blocks, ${jitTotals.stepped} stepped`);
      expect(jitTotals.inBlocks, 'instructions run in compiled blocks').toBeGreaterThan(jitTotals.stepped);
    }, 300_000);
    it(`${name}: under shadow and EPT, ${RUNS} cases`, () => {
      jitTotals.reset();
      for (let n = 1; n <= RUNS; n++) {
        const c = make(n);
        for (const v of VM_VARIANTS) {
          const ref = vmRun(c, 'interp', v, 1);
          const jit = vmRun(c, 'jit', v, 1);
          expect(firstDifference([ref], [jit]), `${c.id} ${v.label}\n${c.listing}`).toBeUndefined();
        }
      }
      console.log(`${name} under a VMM: ${jitTotals.blocks} blocks compiled, ${jitTotals.inBlocks} instructions in blocks, ${jitTotals.stepped} stepped`);
      expect(jitTotals.inBlocks, 'instructions run in compiled blocks').toBeGreaterThan(jitTotals.stepped);
    }, 300_000);
  }
});
