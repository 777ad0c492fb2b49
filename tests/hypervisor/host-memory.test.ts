// Sharing host memory (docs/host-memory.md): content-based page sharing (hypervisor/sharing.ts)
// and host swapping (hypervisor/swap.ts), for isolation and no data loss. Two VMs run guests/share-probe.s: both fill 16 pages with the same contents and leave 16
// zero, the scanner merges them (within and across the VMs), then one VM writes into every one of
// those pages while the other keeps checking its own: no write of one VM may show in the other,
// and the writer must read its own writes back. Under shadow paging, EPT and dynamic mode (with
// switches forced at random), with and without VPIDs; the isolation audit is clean at every
// check during the run, no shared frame is ever mapped writable, and frames the VMM freed are
// zero when they are handed out again. Then the same pair on a host with less memory than the two
// VMs (host swapping, both victim policies, with and without sharing): every word survives its trip
// to the swap device and back, in each VM.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_OWNER } from '../../hypervisor/host.ts';
import { Vmm, type VmmOptions } from '../../hypervisor/vmm.ts';
import { MiB, TEST_DYNAMIC, assembleGuest, installWatchdog } from './harness.ts';

const FILE = path.join(import.meta.dirname, 'guests', 'share-probe.s');
const SOURCE = readFileSync(FILE, 'utf8');
const image = (writer: 0 | 1) => assembleGuest(`.equ WRITER, ${writer}\n${SOURCE}`, FILE);
const WRITER = image(1);
const CHECKER = image(0);
const SHARING = { pages: 256, every: 2000 };

type Mode = 'shadow' | 'ept' | 'dynamic';
interface Case { writer: Mode; checker: Mode; vpid: boolean; extra?: VmmOptions }
const CASES: Case[] = [
  { writer: 'shadow', checker: 'shadow', vpid: false },
  { writer: 'ept', checker: 'ept', vpid: true },
  { writer: 'shadow', checker: 'ept', vpid: true },
  { writer: 'ept', checker: 'shadow', vpid: false },
  { writer: 'dynamic', checker: 'dynamic', vpid: true, extra: { dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 } } },
];

/** Run the writer and the checker to the end, auditing as they go; the audit's problems, and the peak of shared frames. */
function runPair(c: Case, options: VmmOptions) {
  const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, quantum: 5000, vpid: c.vpid, ...options, ...c.extra });
  const { vm: w } = vmm.addVm({ name: 'writer', mode: c.writer, memoryBytes: 1 * MiB, kernel: WRITER });
  const { vm: k } = vmm.addVm({ name: 'checker', mode: c.checker, memoryBytes: 1 * MiB, kernel: CHECKER });
  installWatchdog(w, 20_000_000);
  installWatchdog(k, 20_000_000);
  let rounds = 0;
  let peakShared = 0;
  const problems: string[] = [];
  while (vmm.runRound(20_000_000)) {
    peakShared = Math.max(peakShared, vmm.sharing?.sharedFrames() ?? 0);
    if (++rounds % 8 === 0) problems.push(...vmm.audit());
  }
  problems.push(...vmm.audit());
  expect(problems).toEqual([]);
  expect(w.devices.console.drainText('latin1')).toBe('writer: wrong 0\n');
  expect(k.devices.console.drainText('latin1')).toBe('checker: wrong 0\n');
  expect([w.devices.exitCode, k.devices.exitCode]).toEqual([0, 0]);
  return { vmm, w, k, peakShared };
}

describe.each(CASES)('page sharing: writer $writer, checker $checker, vpid $vpid', (c) => {
  it('merges, never carries one VM\'s write to the other, and keeps the audit clean', () => {
    const { vmm, w, k, peakShared } = runPair(c, { sharing: SHARING });
    // Sharing happened, and the writer's stores broke it.
    expect(peakShared).toBeGreaterThan(0);
    expect(w.vmm.sharing!.merged + k.vmm.sharing!.merged).toBeGreaterThan(32);
    expect(w.vmm.sharing!.cowExits).toBeGreaterThanOrEqual(16);
    expect(k.vmm.sharing!.cowBreaks).toBe(0);
    // The accounting adds up: every backed guest frame is private or on a shared frame.
    for (const vm of [w, k]) {
      let priv = 0;
      let shared = 0;
      for (const h of vm.p2m) {
        if (h === 0) continue;
        const owner = vmm.host.ownerOf(h);
        if (owner === vm.id) priv++;
        else if (owner === SHARED_OWNER) shared++;
        else throw new Error(`VM ${vm.name} backed by a frame of owner ${owner}`);
      }
      expect([priv, shared]).toEqual([vm.vmm.guestFrames, vm.vmm.sharing!.sharedNow]);
    }
  });
});

describe.each(CASES.flatMap((c) => (['fifo', 'random'] as const).map((policy) => ({ ...c, policy }))))('host swapping ($policy): writer $writer, checker $checker', (c) => {
  it.each([false, true])('on a host smaller than its VMs (sharing %s), every word comes back', (sharing) => {
    // The two VMs touch about 70 frames; the host has 40, the VMM's tables included.
    const { w, k } = runPair(c, { hostMemoryBytes: 160 * 1024, swap: { policy: c.policy, seed: 7, reserve: 16 }, ...(sharing ? { sharing: SHARING } : {}) });
    // Sharing leaves less to evict (the checker's 32 pages merge into two frames), but the host is still short.
    expect(w.vmm.swap!.pagesOut + k.vmm.swap!.pagesOut).toBeGreaterThan(10);
    expect(w.vmm.swap!.pagesIn + k.vmm.swap!.pagesIn).toBeGreaterThan(0);
    for (const vm of [w, k]) {
      if (!sharing) expect(vm.vmm.swap!.pagesOut, vm.name).toBeGreaterThan(10);
      expect(vm.vmm.swap!.swappedNow).toBe(vm.swapStore.size);
    }
  });
});

// guests/share-ad.s: the two VMs' page tables are merged, then one VM's walk sets an Accessed bit.
const AD_FILE = path.join(import.meta.dirname, 'guests', 'share-ad.s');
const AD_SOURCE = readFileSync(AD_FILE, 'utf8');
describe.each(['shadow', 'ept', 'dynamic'] as const)('page sharing: a merged page table under %s', (mode) => {
  it('takes no Accessed bit from the other VM\'s walks', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, quantum: 5000, sharing: SHARING, dynamic: { ...TEST_DYNAMIC, randomEvery: 50_000 } });
    const { vm: w } = vmm.addVm({ name: 'writer', mode, memoryBytes: 1 * MiB, kernel: assembleGuest(`.equ WRITER, 1\n${AD_SOURCE}`, AD_FILE) });
    const { vm: k } = vmm.addVm({ name: 'checker', mode, memoryBytes: 1 * MiB, kernel: assembleGuest(`.equ WRITER, 0\n${AD_SOURCE}`, AD_FILE) });
    installWatchdog(w, 5_000_000);
    installWatchdog(k, 5_000_000);
    let sharedTable = false;
    while (vmm.runRound(5_000_000)) sharedTable ||= vmm.host.ownerOf(w.p2m[0x8000 >>> 12]!) === SHARED_OWNER && w.p2m[8] === k.p2m[8];
    expect(sharedTable, 'the page tables were merged').toBe(true);
    expect(w.devices.console.drainText('latin1')).toBe('loaded\n');
    expect(k.devices.console.drainText('latin1')).toBe('A clear\n');
    expect(vmm.audit()).toEqual([]);
  });
});

describe('page sharing: frames the VMM frees', () => {
  it('are zero when another VM gets them', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, quantum: 5000, sharing: SHARING });
    vmm.addVm({ name: 'a', mode: 'shadow', memoryBytes: 1 * MiB, kernel: CHECKER });
    vmm.addVm({ name: 'b', mode: 'ept', memoryBytes: 1 * MiB, kernel: CHECKER });
    vmm.run(20_000_000);
    const freed = vmm.sharing!.series.length;
    expect(freed).toBeGreaterThan(0);
    // Frames merged away went back to the host with their contents; a new VM's frames come out zeroed.
    const { vm: c } = vmm.addVm({ name: 'c', mode: 'shadow', memoryBytes: 1 * MiB, kernel: CHECKER });
    for (let gfn = 0; gfn < c.p2m.length; gfn++) {
      const h = c.backing(gfn * 4096);
      if (gfn * 4096 >= 0x40000) expect(vmm.host.mem.u8.subarray(h, h + 4096).every((b) => b === 0), `frame ${gfn}`).toBe(true);
    }
  });

  it('pv VMs are refused, with the reason', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, sharing: SHARING });
    expect(() => vmm.addVm({ name: 'p', mode: 'pv', memoryBytes: 1 * MiB, kernel: CHECKER })).toThrow(/page sharing is not offered to pv VMs: direct paging/);
  });
});
