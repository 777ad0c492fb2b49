// Isolation between VMs: an adversarial guest cannot read another VM's memory. Two VMs share one
// VMM and one host, interleaved with a small quantum. "holder" (guests/holder.s) fills 8 pages
// with a secret word and keeps checking it; "snoop" (guests/snoop.s) looks for the secret
// everywhere it can name: guest-physical addresses past its RAM with paging off, page-table
// entries and superpages naming frames past its RAM, its own tables rewritten through writable
// aliases, the device region by words and bytes. It counts every load that returns the secret
// (a self-test first finds the secret in its own memory, so the detector is known to work).
//
// Every configuration: both VMs under shadow paging, both under EPT, one of each (both ways),
// with and without VPID-tagged TLB entries; and dynamic VMs (switched between the two designs
// at random points, and by the cost policy) beside each other and beside a static one. Expected: the snooper finds nothing, the secret stays
// intact, the VMM refused the snooper's out-of-RAM accesses, and at every check during the run
// (every few quanta, and at the end) the VMM's isolation audit is clean: no shadow or EPT entry
// of a VM leads to a host frame the VM does not own. With VPIDs, the TLB entries tagged with a
// VM's VPID are also checked against the owner of the host frame they map.

import { describe, expect, it } from 'vitest';
import type { Vm } from '../../hypervisor/vm.ts';
import { Vmm, type VmmOptions } from '../../hypervisor/vmm.ts';
import { DEFAULT_MMU } from '../../emulator/mmu.ts';
import { MiB, TEST_AGILE, TEST_DYNAMIC, guestImage, installWatchdog } from './harness.ts';

const HOLDER = guestImage('tests/hypervisor/guests/holder.s');
const SNOOP = guestImage('tests/hypervisor/guests/snoop.s');
const GUEST_MEMORY = 1 * MiB;
const HOST_MEMORY = 8 * MiB;
const QUANTUM = 5000;
const MAX_INSTRUCTIONS = 10_000_000;
/** Audit every this many rounds of the scheduler (an audit walks every shadow and EPT table). */
const AUDIT_EVERY = 4;

type Mode = 'shadow' | 'ept' | 'dynamic' | 'pv' | 'agile';
interface Config {
  readonly holder: Mode;
  readonly snoop: Mode;
  readonly vpid: boolean;
  /** Other VMM settings, and their name. */
  readonly extra?: { readonly name: string; readonly options: VmmOptions };
}

const CONFIGS: readonly Config[] = [
  ...([['shadow', 'shadow'], ['ept', 'ept'], ['shadow', 'ept'], ['ept', 'shadow']] as const)
    .flatMap(([holder, snoop]) => [false, true].map((vpid) => ({ holder, snoop, vpid }))),
  // The victim under the paravirtual MMU (it runs with paging off, as PV allows); the snooper
  // writes its own tables with stores, so it is not a PV guest: pv.test.ts has PV adversaries.
  { holder: 'pv', snoop: 'shadow', vpid: false },
  { holder: 'pv', snoop: 'ept', vpid: true },
  // EPT large pages back guest memory in aligned 4 MiB runs, more than a 1 MiB VM has.
  { holder: 'ept', snoop: 'ept', vpid: true, extra: { name: 'EPT large pages', options: { ept: { levels: 2, largePages: true }, hostMemoryBytes: 16 * MiB } } },
  { holder: 'shadow', snoop: 'ept', vpid: true, extra: { name: 'a page-walk cache', options: { mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } } },
  { holder: 'ept', snoop: 'shadow', vpid: false, extra: { name: 'out-of-sync shadows', options: { shadow: { cacheRoots: 2, floodThreshold: 3, sync: 'oos' } } } },
  // Dynamic VMs: switches forced at random points (a few hundred each over the run) on top of the policy.
  ...([['dynamic', 'dynamic'], ['shadow', 'dynamic'], ['dynamic', 'ept']] as const).flatMap(([holder, snoop]) => [false, true].map((vpid) => ({
    holder, snoop, vpid, extra: { name: 'random switches', options: { dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } } },
  }))),
  { holder: 'dynamic', snoop: 'dynamic', vpid: true, extra: { name: 'starting under shadow, a page-walk cache', options: { dynamic: { ...TEST_DYNAMIC, start: 'shadow', randomEvery: 7_000, seed: 5 }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } } },
  // Agile VMs: leaf tables moved between shadow and nested mode at random points on top of the policy.
  ...([['agile', 'agile'], ['shadow', 'agile'], ['agile', 'ept']] as const).flatMap(([holder, snoop]) => [false, true].map((vpid) => ({
    holder, snoop, vpid, extra: { name: 'random moves', options: { agile: { ...TEST_AGILE, switchEvery: 5_000 } } },
  }))),
  // Sharing host memory (hypervisor/sharing.ts, swap.ts): frames merged across the VMs, evicted and read back.
  { holder: 'ept', snoop: 'shadow', vpid: true, extra: { name: 'page sharing', options: { sharing: { pages: 256, every: 2000 } } } },
  { holder: 'shadow', snoop: 'ept', vpid: true, extra: { name: 'page sharing and host swapping on a host smaller than the VMs', options: { sharing: { pages: 256, every: 2000 }, swap: { policy: 'random', seed: 5, reserve: 8 }, hostMemoryBytes: 80 * 1024 } } },
  { holder: 'dynamic', snoop: 'dynamic', vpid: false, extra: { name: 'host swapping (fifo), random switches', options: { swap: { policy: 'fifo', seed: 1, reserve: 8 }, hostMemoryBytes: 128 * 1024, dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } } } },
  { holder: 'agile', snoop: 'agile', vpid: true, extra: { name: 'tables starting nested, a page-walk cache', options: { agile: { ...TEST_AGILE, start: 'nested', switchEvery: 3_000, seed: 5 }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } } },
];

/** TLB entries tagged with a VM's VPID must map host frames that VM owns (VPIDs only). */
function tlbProblems(vmm: Vmm): string[] {
  const problems: string[] = [];
  const tlbs = vmm.mmu.itlb === vmm.mmu.dtlb ? [vmm.mmu.itlb] : [vmm.mmu.itlb, vmm.mmu.dtlb];
  for (const tlb of tlbs) {
    for (const e of tlb.entries()) {
      const vm = vmm.vms.find((v) => v.id === e.vpid);
      if (!vm) continue;
      const owner = vmm.host.ownerOf(e.pa);
      // (A frame shared read-only by page sharing is the VM's to map too, when its guest frames use it.)
      if (!vmm.host.mappableBy(e.pa, vm.id)) problems.push(`TLB entry of ${vm.name} (VPID ${e.vpid}) maps va 0x${e.va.toString(16)} to host 0x${e.pa.toString(16)}, owned by ${owner}`);
    }
  }
  return problems;
}

const output = (vm: Vm): string => vm.devices.console.drainText('latin1');

describe.each(CONFIGS.map((c) => ({ ...c, with: c.extra ? `, ${c.extra.name}` : '' })))('holder under $holder, snooper under $snoop, VPIDs $vpid$with', (config) => {
  it('the snooper finds no secret, the secret is intact, and no translation of a VM reaches the other', () => {
    const vmm = new Vmm({ hostMemoryBytes: HOST_MEMORY, quantum: QUANTUM, vpid: config.vpid, ...config.extra?.options });
    const { vm: holder } = vmm.addVm({ name: 'holder', mode: config.holder, memoryBytes: GUEST_MEMORY, kernel: HOLDER });
    const { vm: snoop } = vmm.addVm({ name: 'snoop', mode: config.snoop, memoryBytes: GUEST_MEMORY, kernel: SNOOP });
    const watchdogs = [installWatchdog(holder, MAX_INSTRUCTIONS), installWatchdog(snoop, MAX_INSTRUCTIONS)];

    const problems: string[] = [];
    let rounds = 0;
    let roundsBothRunning = 0;
    const check = (): void => {
      problems.push(...vmm.audit());
      if (config.vpid) problems.push(...tlbProblems(vmm));
    };
    const results = vmm.run(MAX_INSTRUCTIONS, () => {
      rounds++;
      if (holder.stopped === undefined && snoop.stopped === undefined) roundsBothRunning++;
      if (rounds % AUDIT_EVERY === 0) check();
      // Stop at the first problem: the report is clearer, and the rest of the run adds nothing.
      return problems.length === 0;
    });
    check();

    const holderOut = output(holder);
    const snoopOut = output(snoop);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(watchdogs.map((w) => w.tripped)).toEqual([false, false]);
    expect(results.map((r) => [r.name, r.reason])).toEqual([['holder', 'halted'], ['snoop', 'halted']]);
    expect(snoopOut).toMatch(/^self-test 2 found 0 faults \d+\n$/);
    expect(snoop.devices.exitCode).toBe(0);
    expect(holderOut).toBe('secret intact\n');
    expect(snoop.vmm.refusedAccesses).toBeGreaterThan(50_000);
    expect(holder.vmm.refusedAccesses).toBe(0);
    // The two really ran interleaved: the snooper worked while the secret was in place.
    expect(roundsBothRunning).toBeGreaterThan(50);
    // A dynamic VM really moved between the designs, both ways, many times.
    for (const vm of [holder, snoop].filter((v) => v.mode === 'dynamic')) {
      expect(vm.vmm.dynamic!.toShadow, vm.name).toBeGreaterThan(10);
      expect(vm.vmm.dynamic!.toNested, vm.name).toBeGreaterThan(10);
    }
    // Sharing host memory really merged frames, and really swapped them out and in.
    if (config.extra?.options.sharing) expect(holder.vmm.sharing!.merged + snoop.vmm.sharing!.merged).toBeGreaterThan(0);
    if (config.extra?.options.swap) {
      expect(holder.vmm.swap!.pagesOut + snoop.vmm.swap!.pagesOut).toBeGreaterThan(0);
      expect(holder.vmm.swap!.pagesIn + snoop.vmm.swap!.pagesIn).toBeGreaterThan(0);
    }
    // An agile snooper really moved its leaf tables both ways (the holder runs with paging off: it has none).
    for (const vm of [snoop].filter((v) => v.mode === 'agile')) {
      expect(vm.vmm.agile!.toShadow, vm.name).toBeGreaterThan(0);
      expect(vm.vmm.agile!.toNested, vm.name).toBeGreaterThan(0);
    }
  });
});
