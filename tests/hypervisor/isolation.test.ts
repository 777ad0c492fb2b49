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
  // Agile VMs sharing host memory: switched guest tables are the VMs' own frames (writableBacking), every other frame may be merged or evicted.
  { holder: 'agile', snoop: 'agile', vpid: true, extra: { name: 'page sharing and host swapping, random moves', options: { agile: { ...TEST_AGILE, switchEvery: 5_000 }, sharing: { pages: 256, every: 2000 }, swap: { policy: 'random', seed: 7, reserve: 8 }, hostMemoryBytes: 88 * 1024 } } },
  { holder: 'agile', snoop: 'shadow', vpid: false, extra: { name: 'page sharing, random moves', options: { agile: { ...TEST_AGILE, switchEvery: 5_000 }, sharing: { pages: 256, every: 2000 } } } },
  // Reclaim policies (hypervisor/reclaim.ts) on a host smaller than the VMs: frames evicted, a balloon device offered.
  { holder: 'ept', snoop: 'shadow', vpid: false, extra: { name: 'reclaim swap on a host smaller than the VMs', options: { reclaim: { policy: 'swap' }, swap: { policy: undefined, seed: 1, reserve: 8 }, hostMemoryBytes: 80 * 1024 } } },
  // Live migration (hypervisor/migration.ts): both VMs move to new host frames mid-run (pml logging under EPT, wp otherwise); the old frames go back to the host, zeroed.
  { holder: 'ept', snoop: 'shadow', vpid: true, extra: { name: 'both VMs live-migrated', options: { migration: { at: 200_000, bandwidth: 5000, maxRounds: 30, stopPages: 50 } } } },
  { holder: 'dynamic', snoop: 'ept', vpid: false, extra: { name: 'both VMs live-migrated with wp logging, random switches', options: { migration: { at: 300_000, bandwidth: 5000, maxRounds: 30, stopPages: 50 }, dirtyLog: { method: 'wp', pmlSize: 512, every: 100_000 }, dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } } } },
  { holder: 'dynamic', snoop: 'ept', vpid: true, extra: { name: 'reclaim balloon-swap, random switches', options: { reclaim: { policy: 'balloon-swap' }, swap: { policy: undefined, seed: 1, reserve: 8 }, hostMemoryBytes: 88 * 1024, dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } } } },
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
    // Both VMs really finished on the destination frames.
    if (config.extra?.options.migration) for (const vm of [holder, snoop]) expect(vm.vmm.migration!.completed, vm.name).toBe(true);
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

// ---------------------------------------------------------------- frames reclaimed from one VM, given to another

/**
 * Ballooning and host swapping take frames from one VM and give them to another (issue 14
 * section 4): a frame must carry nothing of its old owner. The spy (guests/balloon-spy.s) writes a
 * secret into 8 pages, balloons them away and reads two back (zeros, never the secret); the
 * holder keeps a secret that the host swaps out and back. Meanwhile the scanner
 * (guests/fresh-scan.s) touches 64 fresh pages, which the host backs with the frames just freed,
 * and must read only zeros. Under shadow, EPT and dynamic VMs, with every reclaim policy.
 */
const SPY = guestImage('tests/hypervisor/guests/balloon-spy.s');
const SCAN = guestImage('tests/hypervisor/guests/fresh-scan.s');
const RECLAIM_CASES = [
  ...(['shadow', 'ept', 'dynamic', 'agile'] as const).map((mode) => ({ name: `ballooned frames (${mode})`, victim: SPY, mode, reclaim: 'balloon' as const, host: 2 * MiB })),
  ...(['shadow', 'ept', 'dynamic'] as const).map((mode) => ({ name: `ballooned frames, swapping on (${mode})`, victim: SPY, mode, reclaim: 'balloon-swap' as const, host: 96 * 1024 })),
  ...(['shadow', 'ept', 'dynamic'] as const).map((mode) => ({ name: `swapped-out frames (${mode})`, victim: HOLDER, mode, reclaim: 'swap' as const, host: 96 * 1024 })),
  { name: 'swapped-out frames (agile)', victim: HOLDER, mode: 'agile' as const, reclaim: 'swap' as const, host: 128 * 1024 },
];
describe.each(RECLAIM_CASES)('reclaim: $name', ({ victim, mode, reclaim, host }) => {
  it('the next owner of a reclaimed frame sees zeros, the victim sees zeros or its own data', () => {
    const vmm = new Vmm({ hostMemoryBytes: host, quantum: QUANTUM, reclaim: { policy: reclaim }, swap: { policy: undefined, seed: 1, reserve: 4 }, dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } });
    const a = vmm.addVm({ name: 'victim', mode, memoryBytes: GUEST_MEMORY, kernel: victim }).vm;
    const b = vmm.addVm({ name: 'scanner', mode: mode === 'ept' ? 'shadow' : 'ept', memoryBytes: GUEST_MEMORY, kernel: SCAN }).vm;
    const watchdogs = [a, b].map((vm) => installWatchdog(vm, MAX_INSTRUCTIONS));
    // Host frames that held the victim's secret pages, whenever they were backed.
    const secretFrames = new Set<number>();
    const problems: string[] = [];
    let rounds = 0;
    vmm.run(MAX_INSTRUCTIONS, () => {
      for (let gfn = 0x40; gfn < 0x48; gfn++) if (a.p2m[gfn]! > 0) secretFrames.add(a.p2m[gfn]! >>> 12);
      if (++rounds % AUDIT_EVERY === 0) problems.push(...vmm.audit());
      return problems.length === 0;
    });
    problems.push(...vmm.audit());
    expect(problems.slice(0, 10)).toEqual([]);
    expect(watchdogs.map((w) => w.tripped)).toEqual([false, false]);
    expect(output(b)).toBe('fresh pages zero\n');
    if (victim === SPY) {
      expect(output(a)).toBe('given pages zero\n');
      expect(a.vmm.balloon!.framesInflated).toBe(8);
      expect(a.vmm.balloon!.touches).toBe(2);
    } else {
      expect(output(a)).toBe('secret intact\n');
      expect(a.vmm.swap!.pagesOut).toBeGreaterThan(0);
    }
    // The scanner really was given frames that had held the secret.
    const scannerFrames = new Set(Array.from(b.p2m.subarray(0x80, 0xc0), (h) => h >>> 12));
    expect([...secretFrames].some((f) => scannerFrames.has(f)), 'a secret frame went to the scanner').toBe(true);
  });
});
