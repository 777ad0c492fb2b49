// The paravirtual MMU (`--mode pv`, hypervisor/pv.ts, isa/README.md 3.8.1).
//
// 1. The kernel's PV build (-D PV=1) runs every bundled workload with the console output and
//    exit code of the native build on bare metal, frees every frame it allocated, and gets its
//    page tables changed only by hypercalls: no page-table-write exits, no hidden faults for
//    4 KiB mappings, and batches of more than one update where xv6's code loops (fork, unmap).
//    The VMM's audit (every real leaf maps the VM's own frames; no page table is writable; the
//    real tables say what the guest's validated tables say) is clean during and after each run.
// 2. Adversarial PV guests (guests/pv-*.s): frames they do not own, writable page tables, bad
//    batches, set_ptbr raced against updates. Each request is refused with its documented
//    error, the guest checks that nothing changed and prints "done, 0 failed", and the audit
//    stays clean.
// 3. Beside another VM, a PV guest that tries frames past its RAM reaches nothing of it.
//
// Guests that write their page tables with plain stores (the paging guests of the equivalence
// suite, the snooper of the isolation suite) cannot run under PV unmodified, as Xen's PV needs a
// PV-aware kernel: they take a store protection fault on their first write to a table.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_MMU, type MmuConfig } from '../../emulator/mmu.ts';
import type { Image } from '../../isa/image.ts';
import type { PvPager } from '../../hypervisor/pv.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { Vm } from '../../hypervisor/vm.ts';
import { MiB, REPO, guestImage, installWatchdog, runIn } from './harness.ts';

const KERNEL = path.join(REPO, 'guest-programs/kernel/kernel.s');
const USER_DIR = path.join(REPO, 'guest-programs/user');
const EOF = '\x04';

function assembled(file: string, options: { origin?: number; defines?: Record<string, number> } = {}): Image {
  const result = assembleFile(file, options);
  if (!result.image) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.image;
}

const nativeKernel = assembled(KERNEL);
const pvKernel = assembled(KERNEL, { defines: { PV: 1 } });
const programs = new Map<string, Image>();
function modules(specs: readonly string[]): BootModule[] {
  return specs.map((spec) => {
    const [name, args] = spec.split(':') as [string, string | undefined];
    let image = programs.get(name);
    if (!image) programs.set(name, (image = assembled(path.join(USER_DIR, `${name}.s`), { origin: USER_ORIGIN })));
    return { name, image, args: args ? args.split(',').map(Number) : [] };
  });
}

const symbol = (image: Image, name: string): number => {
  const s = image.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.address;
};

interface KernelRun {
  reason: string;
  exitCode: number;
  console: string;
  word(name: string): number;
  vm?: Vm;
  vmm?: Vmm;
  problems: string[];
}

const MEMORY = 16 * MiB;
const BUDGET = 50_000_000;

function bootNative(specs: readonly string[], input?: string): KernelRun {
  const machine = new Machine({ memoryBytes: MEMORY });
  machine.boot(nativeKernel, modules(specs));
  if (input !== undefined) machine.devices.console.feed(input);
  const r = machine.run(BUDGET);
  return { reason: r.reason, exitCode: r.exitCode, console: machine.devices.console.drainText(), word: (n) => machine.mem.readWord(symbol(nativeKernel, n)) >>> 0, problems: [] };
}

/** The PV build under --mode pv, audited every few rounds of the scheduler and at the end. */
function bootPv(specs: readonly string[], input?: string, mmu?: MmuConfig): KernelRun {
  const vmm = new Vmm({ hostMemoryBytes: 64 * MiB, quantum: 20_000, ...(mmu ? { mmu } : {}) });
  const { vm } = vmm.addVm({ name: 'pv', mode: 'pv', memoryBytes: MEMORY, kernel: pvKernel, modules: modules(specs) });
  if (input !== undefined) vm.devices.console.feed(input);
  const problems: string[] = [];
  let rounds = 0;
  vmm.run(BUDGET, () => {
    if (++rounds % 8 === 0) problems.push(...vmm.audit());
    return problems.length === 0;
  });
  problems.push(...vmm.audit());
  const r = vmm.result(vm);
  return { reason: r.reason, exitCode: r.exitCode, console: vm.devices.console.drainText(), word: (n) => (vm.readWord(symbol(pvKernel, n)) ?? 0) >>> 0, vm, vmm, problems };
}

/** The workloads the kernel tests run, with the console input each needs. */
const WORKLOADS: readonly { readonly name: string; readonly specs: readonly string[]; readonly input?: string }[] = [
  { name: 'primes, memwalk and ctxswitch side by side', specs: ['primes', 'memwalk', 'ctxswitch'] },
  { name: 'forkstorm', specs: ['forkstorm:40'] },
  { name: 'sbrkchurn', specs: ['sbrkchurn:200'] },
  { name: 'ctxswitch', specs: ['ctxswitch:500'] },
  { name: 'echo', specs: ['echo:3'], input: `one\ntwo\n${EOF}` },
  // Every way faulty.s dies (kernel.test.ts), beside processes that finish; 11 runs out of memory.
  ...[0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11].map((mode) => ({ name: `faulty:${mode} dies alone`, specs: [`faulty:${mode}`, 'primes:1000', 'forkstorm:3'] })),
  { name: 'memwalk over 512 pages', specs: ['memwalk:512'] },
];

describe('pv: the kernel\'s PV build runs every workload as the native build does', () => {
  it.each(WORKLOADS)('$name', ({ specs, input }) => {
    const native = bootNative(specs, input);
    const pv = bootPv(specs, input);
    expect(pv.problems.slice(0, 5)).toEqual([]);
    expect(pv.reason, pv.console).toBe(native.reason);
    expect(pv.exitCode, pv.console).toBe(native.exitCode);
    expect(pv.console).toBe(native.console);
    expect(native.reason).toBe('halted');
    // Every frame is back on the free list, as natively (page tables unpinned and freed).
    const frames = (pv.word('phystop') - pv.word('freestart')) / 4096;
    expect(pv.word('kmem_nfree')).toBe(frames);
    // Page tables change only through hypercalls, and every refusal would have been a panic.
    const exits = pv.vm!.vmm.exitsByReason;
    expect(exits.get('pt-write') ?? 0).toBe(0);
    expect(exits.get('hidden-fault') ?? 0).toBe(0);
    expect(pv.vm!.vmm.pv!.failures.size).toBe(0);
    expect(pv.vm!.vmm.pv!.writesRefused).toBe(0);
    expect(exits.get('hc-set-ptbr') ?? 0).toBeGreaterThan(0);
  });

  it('batches where xv6 loops: fork copies in few mmu_updates, unmapping ranges is one multicall each', () => {
    const fork = bootPv(['forkstorm:40']).vm!.vmm.pv!;
    expect(fork.largestBatch).toBeGreaterThan(1);
    const churn = bootPv(['sbrkchurn:200']).vm!.vmm.pv!;
    // sbrk shrink unmaps 1 to 8 pages at a time: one multicall [mmu_update, invlpg…] each.
    expect(churn.hypercalls.get('hc-multicall')).toBe(200);
    expect(churn.updates / churn.batches).toBeGreaterThan(1.5);
    expect(churn.largestBatch).toBe(8);
  });

  it('with a page-walk cache and no ASIDs: the same output, every frame freed, a clean audit', () => {
    // Real directory entries that change, and real tables that go back to the host, must not
    // outlive themselves in the walk cache (pv.ts flushes it when they do).
    const specs = ['forkstorm:20', 'sbrkchurn:40', 'ctxswitch:100'];
    const native = bootNative(specs);
    for (const mmu of [{ ...DEFAULT_MMU, pwcEntries: 16 }, { ...DEFAULT_MMU, asidTagging: false }]) {
      const pv = bootPv(specs, undefined, mmu);
      expect(pv.problems.slice(0, 5)).toEqual([]);
      expect(pv.console).toBe(native.console);
      expect(pv.exitCode).toBe(native.exitCode);
      expect(pv.word('kmem_nfree')).toBe((pv.word('phystop') - pv.word('freestart')) / 4096);
    }
  });

  it('is deterministic: the same run twice gives the same statistics', () => {
    const a = bootPv(['forkstorm:10', 'sbrkchurn:20']);
    const b = bootPv(['forkstorm:10', 'sbrkchurn:20']);
    expect(JSON.stringify(b.vm!.vmm.toJSON())).toBe(JSON.stringify(a.vm!.vmm.toJSON()));
    expect(b.vm!.stats.cycles).toBe(a.vm!.stats.cycles);
  });

  it('the PV build needs the paravirtual MMU: elsewhere its first hypercall ends it in a clean panic', () => {
    // Bare metal: hcall is an illegal instruction (isa/README.md 3.8), a kernel-mode trap.
    const machine = new Machine({ memoryBytes: MEMORY });
    machine.boot(pvKernel, modules(['primes:10']));
    const bare = machine.run(1_000_000);
    expect([bare.reason, bare.exitCode]).toEqual(['halted', 255]);
    expect(machine.devices.console.drainText()).toMatch(/^\[kernel\] panic: illegal-instruction at pc 0x[0-9a-f]{8} badva 0xf8010002\n$/);
    // Shadow paging: no hypercall is defined (a0 = -1), which the kernel takes as a refusal.
    const vmm = new Vmm({ hostMemoryBytes: 64 * MiB });
    const { vm } = vmm.addVm({ name: 'shadow', mode: 'shadow', memoryBytes: MEMORY, kernel: pvKernel, modules: modules(['primes:10']) });
    const [r] = vmm.run(1_000_000);
    expect([r!.reason, r!.exitCode]).toEqual(['halted', 255]);
    expect(vm.devices.console.drainText()).toBe('[kernel] panic: pv: the hypervisor refused a page-table hypercall\n');
  });

  it('the native build has no hypercall in it, the PV build has: chosen at assembly time', () => {
    const hcalls = (image: Image) => image.segments.reduce((n, seg) => {
      const bytes = seg.bytes;
      const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let count = 0;
      for (let i = 0; i + 4 <= bytes.length; i += 4) if (((words.getUint32(i, true) & 0xffff0000) >>> 0) === 0xf8010000) count++;
      return n + count;
    }, 0);
    expect(hcalls(nativeKernel)).toBe(0);
    expect(hcalls(pvKernel)).toBeGreaterThan(5);
    // Both builds end at the same page, so they leave the same frames free (pv.inc).
    expect(symbol(pvKernel, 'kernel_end')).toBe(symbol(nativeKernel, 'kernel_end'));
    expect(symbol(pvKernel, 'etext')).toBe(symbol(nativeKernel, 'etext'));
    expect(nativeKernel.symbols.some((s) => s.name === 'pv_flush')).toBe(false);
    expect(pvKernel.symbols.some((s) => s.name === 'pv_flush')).toBe(true);
  });
});

// ---------------------------------------------------------------- adversarial PV guests

const ADVERSARIES: readonly { readonly file: string; readonly refused: Record<string, number>; readonly writesRefused: number }[] = [
  { file: 'pv-foreign.s', refused: { EPERM: 8 }, writesRefused: 0 },
  { file: 'pv-writable-pt.s', refused: { EBUSY: 8 }, writesRefused: 2 },
  { file: 'pv-bad-batch.s', refused: { EBUSY: 2, EFAULT: 3, EINVAL: 9, ENOSYS: 3, EPERM: 1 }, writesRefused: 0 },
  { file: 'pv-ptbr-race.s', refused: { EBUSY: 4 }, writesRefused: 1 },
];

describe('pv: adversarial guests are refused, and the audit stays clean', () => {
  it.each(ADVERSARIES)('$file', ({ file, refused, writesRefused }) => {
    const outcome = runIn('pv', guestImage(`tests/hypervisor/guests/${file}`), { maxInstructions: 2_000_000 });
    expect(outcome.visible.console).toBe('done, 0 failed\n');
    expect(outcome.visible.reason).toBe('halted');
    expect(outcome.visible.exitCode).toBe(0);
    expect(outcome.host!.audit()).toEqual([]);
    const pv = outcome.vmm!.pv!;
    expect(Object.fromEntries(pv.failures)).toEqual(refused);
    expect(pv.writesRefused).toBe(writesRefused);
  });

  it('a guest that is not PV-aware (its tables map themselves writable) gets no address space', () => {
    // paging-kernel.s builds tables that map their own frames writable and loads them with a
    // plain mtcr ptbr: the root fails validation (EBUSY), the guest has no translations, and its
    // first fetch faults into a handler that faults again: a trap loop, with nothing mapped.
    const outcome = runIn('pv', guestImage('tests/hypervisor/guests/paging-kernel.s'), { maxInstructions: 2_000_000 });
    expect(outcome.host!.audit()).toEqual([]);
    expect(Object.fromEntries(outcome.vmm!.pv!.failures)).toEqual({ EBUSY: 1 });
    expect(outcome.visible.reason).toBe('trap-loop');
    expect(outcome.visible.console).toBe('');
  });
});

describe('pv: beside another VM', () => {
  it('a PV guest probing frames past its RAM reaches nothing of a VM under shadow paging', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, quantum: 2000 });
    const { vm: holder } = vmm.addVm({ name: 'holder', mode: 'shadow', memoryBytes: 1 * MiB, kernel: guestImage('tests/hypervisor/guests/holder.s') });
    const { vm: prober } = vmm.addVm({ name: 'prober', mode: 'pv', memoryBytes: 2 * MiB, kernel: guestImage('tests/hypervisor/guests/pv-foreign.s') });
    const watchdogs = [installWatchdog(holder, 10_000_000), installWatchdog(prober, 10_000_000)];
    const problems: string[] = [];
    vmm.run(10_000_000, () => {
      problems.push(...vmm.audit());
      return problems.length === 0;
    });
    expect(problems).toEqual([]);
    expect(watchdogs.map((w) => w.tripped)).toEqual([false, false]);
    expect(holder.devices.console.drainText()).toBe('secret intact\n');
    expect(prober.devices.console.drainText()).toBe('done, 0 failed\n');
    expect(vmm.pagerOf(prober)).toHaveProperty('stats');
    expect((vmm.pagerOf(prober) as PvPager).audit()).toEqual([]);
  });
});
