// The TLB-rule checker (emulator/tlb-rules.ts): it finds a seeded missing `invlpg` and names
// the store and the access, the same in every mode; it is silent on a guest that invalidates,
// and on the bundled kernel's workloads; attaching it changes nothing the guest can see.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TlbRuleChecker, TlbRuleViolation } from '../../emulator/tlb-rules.ts';
import { checkMachine, checkVm } from '../../debugger/tlb-rules-report.ts';
import { Machine } from '../../emulator/machine.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import type { Vm } from '../../hypervisor/vm.ts';
import { assembleFile } from '../../node/files.ts';
import { USER_ORIGIN, type BootModule } from '../../emulator/boot.ts';
import type { Image } from '../../isa/image.ts';
import { ENVS, GUESTS_DIR, MiB, REPO, assembleGuest, loadLikeVmm, symbolOf, type Env } from './harness.ts';

const SOURCE_FILE = path.join(GUESTS_DIR, 'missing-invlpg.s');
const BROKEN = readFileSync(SOURCE_FILE, 'utf8');
const FIXED = BROKEN.replace(/nop(\s*); FIX: (invlpg t2)/, '$2$1;');

interface Checked {
  checker: TlbRuleChecker;
  reason: string;
  instructions: number;
  regs: number[];
}

// The checkers as the CLI attaches them (debugger/tlb-rules-report.ts); symbols are not needed here.
const NO_IMAGE: Image = { entry: 0, segments: [], symbols: [], sourceMap: [] };
const machineChecker = (machine: Machine): TlbRuleChecker => checkMachine(machine, NO_IMAGE, [], true).checker;
const vmChecker = (vm: Vm): TlbRuleChecker => checkVm(vm, NO_IMAGE, [], true).checker;

function runChecked(env: Env, source: string, memoryBytes = 2 * MiB): Checked & { image: ReturnType<typeof assembleGuest> } {
  const image = assembleGuest(source, SOURCE_FILE);
  if (env === 'native') {
    const machine = new Machine({ memoryBytes });
    loadLikeVmm(machine, image);
    const checker = machineChecker(machine);
    const r = machine.run(100_000);
    return { checker, reason: r.reason, instructions: r.instructions, regs: Array.from(machine.cpu.regs), image };
  }
  const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
  const { vm } = vmm.addVm({ name: 'g', mode: env, memoryBytes, kernel: image });
  const checker = vmChecker(vm);
  const [r] = vmm.run(100_000);
  return { checker, reason: r!.reason, instructions: r!.instructions, regs: Array.from(vm.cpu.regs), image };
}

describe('a kernel that forgets invlpg', () => {
  it.each(ENVS)('%s: the checker names the store and the stale access', (env) => {
    const { checker, reason, image } = runChecked(env, BROKEN);
    expect(reason).toBe('halted');
    const v = checker.first as TlbRuleViolation;
    expect(v).toBeDefined();
    expect(checker.violations).toBe(1);
    expect(v.access).toMatchObject({ pc: symbolOf(image, 'stale_read'), va: 0x5000, kind: 'load' });
    expect(v.pteAddress).toBe(0x8014);
    expect(v.store).toMatchObject({ pc: symbolOf(image, 'remap'), va: 0x8014, pteAddress: 0x8014 });
    expect(v.store!.oldValue & ~0xfff).toBe(0x10000);
    expect(v.store!.newValue & ~0xfff).toBe(0x11000);
    expect(v.cached.guestPhys).toBe(0x10000);
    expect(v.now.guestPhys).toBe(0x11000);
  });

  it.each(ENVS)('%s: with the invlpg put back, the checker is silent', (env) => {
    const { checker, reason } = runChecked(env, FIXED);
    expect(reason).toBe('halted');
    expect(checker.first).toBeUndefined();
    expect(checker.violations).toBe(0);
  });
});

// ---------------------------------------------------------------- the bundled kernel

function assembled(file: string, origin?: number): Image {
  const result = assembleFile(path.join(REPO, file), origin === undefined ? {} : { origin });
  if (!result.image) throw new Error(`${file} does not assemble`);
  return result.image;
}
const KERNEL = assembled('guest-programs/kernel/kernel.s');
const WORKLOADS: readonly (readonly string[])[] = [
  ['primes', 'memwalk:64,4096,3', 'ctxswitch:200'],
  ['forkstorm', 'sbrkchurn:40'],
  ['faulty', 'primes'],
];
const modules = (specs: readonly string[]): BootModule[] => specs.map((spec) => {
  const [name, args] = spec.split(':') as [string, string | undefined];
  return { name, image: assembled(`guest-programs/user/${name}.s`, USER_ORIGIN), args: args ? args.split(',').map(Number) : [] };
});

function bootChecked(env: Env, specs: readonly string[], check: boolean) {
  if (env === 'native') {
    const machine = new Machine({ memoryBytes: 16 * MiB });
    machine.boot(KERNEL, modules(specs));
    const checker = check ? machineChecker(machine) : undefined;
    const r = machine.run(20_000_000);
    return { checker, r, console: machine.devices.console.drainText(), stats: { ...machine.stats } };
  }
  const vmm = new Vmm({ hostMemoryBytes: 48 * MiB });
  const { vm } = vmm.addVm({ name: 'g', mode: env, memoryBytes: 16 * MiB, kernel: KERNEL, modules: modules(specs) });
  const checker = check ? vmChecker(vm) : undefined;
  const [r] = vmm.run(20_000_000);
  return { checker, r: r!, console: vm.devices.console.drainText(), stats: { ...vm.stats } };
}

describe('the bundled kernel keeps the TLB rules', () => {
  it.each(WORKLOADS.flatMap((w) => ENVS.map((env) => ({ env, w: w.join(' ') }))))('$env: $w', ({ env, w }) => {
    const checked = bootChecked(env, w.split(' '), true);
    expect(checked.r.reason).toBe('halted');
    expect(checked.checker!.first).toBeUndefined();
  });

  it.each(ENVS)('%s: attaching the checker changes no statistic and nothing the guest sees', (env) => {
    const plain = bootChecked(env, WORKLOADS[0]!, false);
    const checked = bootChecked(env, WORKLOADS[0]!, true);
    expect(checked.r).toEqual(plain.r);
    expect(checked.console).toBe(plain.console);
    expect(JSON.stringify(checked.stats)).toBe(JSON.stringify(plain.stats));
  });
});
