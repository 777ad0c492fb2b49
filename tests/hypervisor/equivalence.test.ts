// The same guest natively, under shadow paging and under EPT: what the guest can see (console
// output, exit code, why it stopped, registers, pc, INSTRET, a hash of its memory) must not
// depend on how its MMU is virtualized. One test body runs in the three environments (STYLE.md
// lesson 8); the native run is the reference. Then the hypervisors' own settings (EPT levels,
// EPT large pages, the shadow-root cache size) must not change what the guest sees either.
//
// Guests: the bare-metal programs of guest-programs/ and the paging guests of guests/ (each
// file's header says what it checks). Each guest also has its own expectation, checked first,
// so that a failure says what went wrong in the guest's terms before the diff of outcomes.

import { describe, expect, it } from 'vitest';
import type { DynamicOptions } from '../../hypervisor/dynamic.ts';
import type { EptOptions } from '../../hypervisor/ept.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_MMU, type MmuConfig } from '../../emulator/mmu.ts';
import { hashFrames } from '../../hypervisor/vm.ts';
import {
  DEFAULT_GUEST_MEMORY, ENVS, MiB, TEST_DYNAMIC, guestImage, runIn, type Env, type Outcome, type RunOptions, type Visible,
} from './harness.ts';

interface GuestCase {
  readonly n: number;
  readonly name: string;
  /** Repository path of the source. */
  readonly file: string;
  /** The guest's own expectation, checked in every environment. */
  readonly expect: (v: Visible) => void;
  readonly maxInstructions?: number;
}

const fib = Array.from({ length: 20 }, (_, i) => i).reduce<number[]>((acc, i) => [...acc, i < 2 ? i : acc[i - 1]! + acc[i - 2]!], []);

const halts = (v: Visible, exitCode: number): void => {
  expect(v.reason, v.console).toBe('halted');
  expect(v.exitCode, v.console).toBe(exitCode);
};

const GUESTS: readonly GuestCase[] = [
  {
    n: 1, name: 'hello (bare metal)', file: 'guest-programs/hello.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe('Hello from TV32!\n'); },
  },
  {
    n: 2, name: 'fib (bare metal)', file: 'guest-programs/fib.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe(fib.map((x) => `${x}\n`).join('')); },
  },
  {
    n: 3, name: 'sieve (bare metal)', file: 'guest-programs/sieve.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe('primes up to 10000: 1229, the largest is 9973\n'); },
  },
  {
    n: 4, name: 'traps (bare metal)', file: 'guest-programs/traps.s',
    expect: (v) => {
      halts(v, 0);
      expect(v.console).toBe('trap: cause 2\ntrap: cause 0\ntrap: cause 5, badva 0x00001002\nall traps handled\n');
    },
  },
  {
    n: 5, name: 'paging kernel: two processes, ASIDs, demand paging, COW, superpage', file: 'tests/hypervisor/guests/paging-kernel.s',
    expect: (v) => {
      halts(v, 140);
      expect(v.console).toContain('P1 exit 0\nP2 exit 140\n');
      expect(v.console).toContain('fault 9 0x00801008\nfault 13 0x00802010\n0x00000005\n0x3a61c5e7\n0x600df00d\nfault 7 0x01300000\nfault 9 0x00c00000\n');
      expect(v.console).toContain('kernel done\n');
    },
  },
  {
    n: 6, name: 'paging turned on after reads with paging off', file: 'tests/hypervisor/guests/pg-off-to-on.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe('fresh\n'); },
  },
  {
    n: 7, name: 'paging turned off after Global and non-Global translations', file: 'tests/hypervisor/guests/pg-global-off.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe('global: physical\nlocal: physical\n'); },
  },
  {
    n: 8, name: 'bus errors past the end of RAM', file: 'tests/hypervisor/guests/past-ram.s',
    // 96 probes from 2 MiB to 8 MiB, a load and a store each: all bus errors, no load returns data.
    expect: (v) => { halts(v, 0); expect(v.console).toBe('96 192 0\n'); },
  },
  {
    n: 9, name: 'a trap handler that can never run', file: 'tests/hypervisor/guests/trap-loop.s',
    expect: (v) => expect(v.reason).toBe('trap-loop'),
    maxInstructions: 100_000,
  },
  {
    n: 10, name: 'invlpg drops every piece of a remapped superpage', file: 'tests/hypervisor/guests/superpage-invlpg.s',
    expect: (v) => {
      halts(v, 0);
      expect(v.console).toBe([
        '0xa1a1a1a1 0xa2a2a2a2', '0xb1b1b1b1 0xb2b2b2b2', '0xa1a1a1a1 0xa2a2a2a2', '0xb1b1b1b1 0xb2b2b2b2', '0xa1a1a1a1 0xb1b1b1b1', '',
      ].join('\n'));
    },
  },
  {
    n: 11, name: 'a directory entry that only led to a fault is not cached', file: 'tests/hypervisor/guests/pwc-stale-pde.s',
    expect: (v) => { halts(v, 0); expect(v.console).toBe('0x00000009\nok\n'); },
  },
];

const references = new Map<number, Outcome>();
/** The native run of a guest, once per guest. */
function native(g: GuestCase): Outcome {
  let o = references.get(g.n);
  if (!o) {
    o = runIn('native', guestImage(g.file), runOptions(g));
    references.set(g.n, o);
  }
  return o;
}

function runOptions(g: GuestCase, extra: RunOptions = {}): RunOptions {
  return { ...(g.maxInstructions === undefined ? {} : { maxInstructions: g.maxInstructions }), ...extra };
}

describe.each(GUESTS)('guest $n: $name', (g) => {
  it.each(ENVS)('%s: the guest sees what it sees natively', (env: Env) => {
    const outcome = runIn(env, guestImage(g.file), runOptions(g));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
    if (env === 'dynamic') {
      expect(outcome.host!.audit()).toEqual([]);
      // Random switches every 1,500 instructions on average: a guest this long was really switched.
      if (outcome.visible.instructions > 10_000) expect(outcome.vmm!.dynamic!.switches).toBeGreaterThan(2);
    }
  });
});

// The paravirtual MMU (--mode pv) runs only guests that ask for their page-table changes by
// hypercall (Xen's PV needs a PV-aware kernel): here the bare-metal guests, which never turn
// paging on, and in pv.test.ts the kernel's PV build on every workload and the adversarial PV
// guests. The paging guests (5 on) write their tables with stores and cannot run under PV unmodified.
describe.each(GUESTS.filter((g) => g.n <= 4))('guest $n ($name) under the paravirtual MMU', (g) => {
  it('pv: the guest sees what it sees natively', () => {
    const outcome = runIn('pv', guestImage(g.file), runOptions(g));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
    expect(outcome.host!.audit()).toEqual([]);
  });
});

// ---------------------------------------------------------------- host memory: page sharing

/**
 * Content-based page sharing (hypervisor/sharing.ts) scanning the whole of guest memory every
 * 1,000 guest instructions: frames merge (zero pages and copies alike), every store to one is a
 * copy-on-write break, and the guest must not see any of it. Dynamic VMs switch at random too.
 */
const SHARING_GUESTS = GUESTS.filter((g) => [3, 5, 6, 7, 10, 11].includes(g.n));
describe.each(SHARING_GUESTS)('guest $n ($name) with page sharing on', (g) => {
  it.each(['shadow', 'ept', 'dynamic', 'agile'] as const)('%s: the guest sees what it sees natively', (env) => {
    const outcome = runIn(env, guestImage(g.file), runOptions(g, { sharing: { pages: 512, every: 1000 } }));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
    expect(outcome.host!.audit()).toEqual([]);
    if (outcome.visible.instructions > 20_000) expect(outcome.vmm!.sharing!.merged).toBeGreaterThan(0);
  });
});

/**
 * Host swapping (hypervisor/swap.ts) on a host of 64 KiB (16 frames, the VMM's tables included;
 * 112 KiB with shadow tables), less than the paging kernel touches: frames go to the swap device and come back, under both
 * victim policies, with sharing on as well. (The other guests touch fewer frames than the smallest
 * host they can run on at all: the frames of the last few exits are never evicted, swap.ts.)
 */
describe.each(GUESTS.filter((g) => g.n === 5))('guest $n ($name) on a host too small for it (host swapping)', (g) => {
  it.each([['shadow', 'fifo', false], ['shadow', 'random', true], ['ept', 'random', false], ['ept', 'fifo', true], ['dynamic', 'fifo', true], ['agile', 'random', true]] as const)('%s, %s, sharing %s: the guest sees what it sees natively', (env, policy, sharing) => {
    const outcome = runIn(env, guestImage(g.file), runOptions(g, {
      // Shadow tables (a root per address space; agile paging's and its EPT) take frames the guest's memory cannot have.
      hostMemoryBytes: (env === 'ept' ? 64 : env === 'agile' ? 144 : 112) * 1024, swap: { policy, seed: 3, reserve: 2 }, ...(sharing ? { sharing: { pages: 512, every: 5000 } } : {}),
    }));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
    expect(outcome.host!.audit()).toEqual([]);
    expect(outcome.vmm!.swap!.pagesOut).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- dynamic mode's switch points

/**
 * Dynamic mode: wherever the switches fall, the guest sees what it sees natively. Seeds move the
 * random points; very frequent switches catch state a switch loses between two nearby exits; a
 * start under shadow paging, and the cost policy alone, cover the other paths.
 */
const DYNAMIC_CONFIGS: readonly { readonly name: string; readonly dynamic: DynamicOptions; readonly options?: RunOptions }[] = [
  ...[1, 2, 3].map((seed) => ({ name: `random switches every ~400 (seed ${seed})`, dynamic: { ...TEST_DYNAMIC, policy: 'off' as const, randomEvery: 400, seed } })),
  { name: 'random switches every ~60, starting under shadow', dynamic: { ...TEST_DYNAMIC, start: 'shadow', policy: 'off', randomEvery: 60, seed: 7 } },
  { name: 'switches at given counts', dynamic: { ...TEST_DYNAMIC, policy: 'off', randomEvery: 0, switchAt: [1, 2, 3, 100, 101, 5000, 5001, 20_000] } },
  { name: 'the cost policy alone, short windows', dynamic: { ...TEST_DYNAMIC, randomEvery: 0, window: 1000, margin: 0 } },
  // EPT large pages need guest memory backed in aligned runs from the first frame, even starting under shadow.
  {
    name: 'random switches, starting under shadow, EPT large pages and 3 levels', dynamic: { ...TEST_DYNAMIC, start: 'shadow', policy: 'off', randomEvery: 300, seed: 11 },
    options: { ept: { levels: 3, largePages: true }, hostMemoryBytes: 16 * MiB },
  },
];
/** Every guest that pages or traps (the plain compute guests 1 and 2 add nothing here). */
const DYNAMIC_GUESTS = GUESTS.filter((g) => [3, 4, 5, 6, 7, 8, 10, 11].includes(g.n));
describe.each(DYNAMIC_GUESTS)('guest $n ($name) under dynamic mode: where the switches fall does not change what it sees', (g) => {
  it.each(DYNAMIC_CONFIGS)('$name', ({ dynamic, options }) => {
    const outcome = runIn('dynamic', guestImage(g.file), runOptions(g, { dynamic, ...options }));
    expect(outcome.host!.audit()).toEqual([]);
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
  });
});

// ---------------------------------------------------------------- the hypervisors' settings

/**
 * Guests whose paging the settings below could affect, compared with the native run. Guests 6
 * and 7 are left out: they isolate bugs of the default settings that the matrix above reports,
 * and would only repeat them here.
 */
const SETTINGS_GUESTS = GUESTS.filter((g) => [3, 5, 8, 10, 11].includes(g.n));
const EPT_CONFIGS: readonly EptOptions[] = [1, 2, 3, 4].flatMap((levels) => [false, true].map((largePages) => ({ levels, largePages })));
/** Room for EPT large pages: a 4 MiB-aligned run of host frames for the 2-level format. */
const SETTINGS_HOST_MEMORY = 16 * MiB;

describe.each(SETTINGS_GUESTS)('guest $n ($name) under EPT: levels and large pages do not change what it sees', (g) => {
  it.each(EPT_CONFIGS)('EPT with $levels level(s), large pages $largePages', (ept) => {
    const outcome = runIn('ept', guestImage(g.file), runOptions(g, { hostMemoryBytes: SETTINGS_HOST_MEMORY, ept }));
    expect(outcome.host!.audit()).toEqual([]);
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
  });
});

describe.each(SETTINGS_GUESTS)('guest $n ($name) under shadow paging: the root cache and the sync design do not change what it sees', (g) => {
  const settings = [1, 2, 16].flatMap((cacheRoots) => (['wp', 'oos'] as const).map((sync) => ({ cacheRoots, sync })));
  it.each(settings)('a cache of $cacheRoots shadow root(s), sync $sync', ({ cacheRoots, sync }) => {
    const outcome = runIn('shadow', guestImage(g.file), runOptions(g, {
      hostMemoryBytes: SETTINGS_HOST_MEMORY,
      shadow: { cacheRoots, floodThreshold: 3, sync },
    }));
    expect(outcome.host!.audit()).toEqual([]);
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
    // The kernel uses three address spaces (paging off, two processes): one root cannot hold them.
    if (cacheRoots === 1 && g.n === 5) expect(outcome.vmm!.shadowRootsReclaimed).toBeGreaterThan(0);
    if (sync === 'oos' && g.n === 5) expect(outcome.vmm!.ptUnsyncs).toBeGreaterThan(0);
  });
});

describe.each(SETTINGS_GUESTS)('guest $n ($name): the MMU\'s page-walk cache and ASID tagging do not change what it sees', (g) => {
  const mmus: { name: string; mmu: MmuConfig }[] = [
    { name: 'a 16-entry page-walk cache', mmu: { ...DEFAULT_MMU, pwcEntries: 16 } },
    { name: 'no ASID tagging', mmu: { ...DEFAULT_MMU, asidTagging: false } },
  ];
  it.each(mmus.flatMap((m) => (['native', 'shadow', 'ept'] as const).map((mode) => ({ ...m, mode }))))('$mode with $name', ({ mode, mmu }) => {
    const outcome = runIn(mode, guestImage(g.file), runOptions(g, { hostMemoryBytes: SETTINGS_HOST_MEMORY, mmu }));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(native(g).visible);
  });
});

// ---------------------------------------------------------------- boot

describe('boot: a VM starts with the memory a native machine starts with', () => {
  // `vmmlab run` loads a kernel without modules with Machine.load (segments only); Vmm.addVm
  // always runs the boot loader, which also writes a boot-information block after the kernel.
  // The other tests here load the native machine like the VMM, so this difference is tested once.
  const image = guestImage('guest-programs/hello.s');
  const nativeHash = (): string => {
    const machine = new Machine({ memoryBytes: DEFAULT_GUEST_MEMORY });
    machine.load(image);
    return hashFrames(machine.mem.sizeBytes / 4096, (i) => machine.mem.u8.subarray(i * 4096, (i + 1) * 4096));
  };
  it.each(['shadow', 'ept'] as const)('%s: no boot-information block without modules', (mode) => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    const { vm } = vmm.addVm({ name: 'guest', mode, memoryBytes: DEFAULT_GUEST_MEMORY, kernel: image });
    expect(vm.memoryHash()).toBe(nativeHash());
  });
});

// ---------------------------------------------------------------- reclaim policies

/**
 * The bundled kernel under every reclaim policy (hypervisor/reclaim.ts) on an overcommitted host
 * (issue 14 section 4): two VMs of 2 MiB run memwalk, sbrkchurn, forkstorm and primes at once;
 * with reclaim=swap and balloon-swap on a host of 30% of their memory (frames evicted and read
 * back, the balloon build's driver inflating and deflating), with reclaim=balloon on one of 50%
 * (ballooning alone must fit). Each VM prints exactly what the plain kernel prints on a roomy host,
 * under shadow paging, EPT and dynamic mode, and the isolation audit stays clean.
 */
const reclaimKernel = (defines?: Record<string, number>) => {
  const result = assembleFile(path.join(REPO, 'guest-programs/kernel/kernel.s'), defines ? { defines } : {});
  if (!result.image) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.image;
};
const userModule = (name: string, args: number[]): BootModule => {
  const result = assembleFile(path.join(REPO, `guest-programs/user/${name}.s`), { origin: USER_ORIGIN });
  if (!result.image) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return { name, image: result.image, args };
};
describe('the bundled kernel under every reclaim policy', () => {
  const plain = reclaimKernel();
  const balloon = reclaimKernel({ BALLOON: 1 });
  const modules = (memwalkPages: number) => [userModule('memwalk', [memwalkPages, 4096, 6]), userModule('sbrkchurn', [40]), userModule('forkstorm', [8]), userModule('primes', [300])];
  const run = (mode: 'shadow' | 'ept' | 'dynamic', policy: ReclaimPolicy | undefined, memwalkPages: number, hostPercent: number) => {
    const memoryBytes = 2 * MiB;
    const vmm = new Vmm({
      hostMemoryBytes: policy === undefined ? 16 * MiB : Math.floor((2 * memoryBytes * hostPercent) / 100 / 4096) * 4096,
      quantum: 20_000, dynamic: { ...TEST_DYNAMIC, randomEvery: 20_000 }, ...(policy ? { reclaim: { policy } } : {}),
    });
    const kernel = policy === 'balloon' || policy === 'balloon-swap' ? balloon : plain;
    const vms = ['a', 'b'].map((name) => vmm.addVm({ name, mode, memoryBytes, kernel, modules: modules(memwalkPages) }).vm);
    vmm.run(50_000_000);
    return { vmm, vms, seen: vms.map((vm) => ({ reason: vm.stopped, exitCode: vm.devices.exitCode, console: vm.devices.console.drainText() })) };
  };
  const cases = (['shadow', 'ept', 'dynamic'] as const).flatMap((mode) => ([['swap', 160, 30], ['balloon-swap', 160, 30], ['balloon', 100, 50]] as const).map(([policy, pages, percent]) => ({ mode, policy, pages, percent })));
  const references = new Map<string, ReturnType<typeof run>['seen']>();
  it.each(cases)('$mode, reclaim $policy on a host of $percent% of the VMs: the guests print what they print on a roomy host', ({ mode, policy, pages, percent }) => {
    const key = `${mode} ${pages}`;
    if (!references.has(key)) references.set(key, run(mode, undefined, pages, 0).seen);
    const reference = references.get(key)!;
    expect(reference[0]!.reason).toBe('halted');
    expect(reference[0]!.exitCode).toBe(0);
    const { vmm, vms, seen } = run(mode, policy, pages, percent);
    expect(seen).toEqual(reference);
    expect(vmm.audit()).toEqual([]);
    if (policy !== 'balloon') expect(vms.reduce((n, vm) => n + vm.vmm.swap!.pagesOut, 0)).toBeGreaterThan(0);
    if (policy !== 'swap') expect(vms.reduce((n, vm) => n + vm.vmm.balloon!.framesInflated, 0)).toBeGreaterThan(0);
  });
});

import * as path from 'node:path';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import type { ReclaimPolicy } from '../../hypervisor/reclaim.ts';
import { REPO } from './harness.ts';

// ---------------------------------------------------------------- dirty logging and live migration

import { DEFAULT_DIRTY_LOG, DEFAULT_MIGRATION } from '../../hypervisor/migration.ts';

/**
 * Pre-copy live migration (hypervisor/migration.ts) a third of the way in, logging with write
 * protection (shadow, EPT, dynamic) or page-modification logging (EPT): the guest finishes on the
 * copy of its memory and must see what it sees natively.
 */
describe.each(SHARING_GUESTS)('guest $n ($name) live-migrated partway', (g) => {
  it.each([['shadow', 'wp'], ['ept', 'pml'], ['ept', 'wp'], ['dynamic', 'wp']] as const)('%s, %s logging: the guest sees what it sees natively', (env, method) => {
    const reference = native(g).visible;
    const at = Math.max(1, Math.floor(reference.instructions / 3));
    const outcome = runIn(env, guestImage(g.file), runOptions(g, {
      migration: { ...DEFAULT_MIGRATION, at, bandwidth: 20_000, stopPages: 4 }, dirtyLog: { ...DEFAULT_DIRTY_LOG, method },
    }));
    g.expect(outcome.visible);
    expect(outcome.visible).toEqual(reference);
    expect(outcome.host!.audit()).toEqual([]);
    // Guests 6, 7 and 11 end within a few hundred instructions, before a migration can: they run logged.
    if (![6, 7, 11].includes(g.n)) expect(outcome.vmm!.migration!.completed).toBe(true);
    else expect(outcome.vmm!.migration!.started).toBe(true);
  });
});
