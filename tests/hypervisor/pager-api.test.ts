// The pager API (hypervisor/pager.ts, pager-host.ts; docs/pager-api.md): the built-in pagers are
// written against it and nothing else; a pager of one's own runs through it exactly as they do;
// and the services enforce its rules, so that a pager that breaks one (maps a frame it does not
// own, writes a table not its own, frees a table still in use, completes an exit twice, returns
// the wrong thing, throws, makes no progress) stops the guest with a PagerError naming the pager
// and the event, and never reaches another VM's memory.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CONTROL } from '../../emulator/exits.ts';
import { CR, STATUS } from '../../isa/arch.ts';
import type { Pager, PagerModule, PagerServices } from '../../hypervisor/pager.ts';
import { NO_PROGRESS_EXITS, PagerError, VMM_EVENTS, exitControlsOf } from '../../hypervisor/pager-host.ts';
import { SHADOW_PAGER, ShadowPager } from '../../hypervisor/shadow.ts';
import { EPT_PAGER } from '../../hypervisor/ept.ts';
import { Vmm, pagerTranslation } from '../../hypervisor/vmm.ts';
import { PagerLoadError, loadPager } from '../../node/pager-loader.ts';
import { MiB, REPO, guestImage, runIn } from './harness.ts';
// @ts-expect-error a plain JavaScript module without declarations
import { makeShadowPager } from './pagers/simple-shadow.js';

const HELLO = guestImage('guest-programs/hello.s');
const PAGING = guestImage('tests/hypervisor/guests/paging-kernel.s');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-pager-api-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const simple: PagerModule = { name: 'simple-shadow.js', create: (vmm) => makeShadowPager(vmm) as Pager };

/** A pager made by `make`, named 'hostile' in messages (not built in: its exceptions are wrapped). */
const hostile = (make: (vmm: PagerServices) => Pager): PagerModule => ({ name: 'hostile', create: make });

/** Two VMs on one host: `victim` (built-in shadow) first, then `attacker` under `pager`. Runs until both stop or the attacker fails. */
function attack(pager: PagerModule): { error: PagerError | undefined; vmm: Vmm; victimFrame: number } {
  const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, quantum: 5000 });
  const { vm: victim } = vmm.addVm({ name: 'victim', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO });
  const victimFrame = victim.backed(0x1000);
  (globalThis as { victimFrame?: number }).victimFrame = victimFrame;
  let error: PagerError | undefined;
  const attempt = (body: () => void) => {
    try {
      body();
    } catch (e) {
      if (!(e instanceof PagerError)) throw e;
      error ??= e;
    }
  };
  attempt(() => vmm.addVm({ name: 'attacker', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO, pager }));
  // The attacker stops at its failure; the victim runs on to its end.
  for (let i = 0; i < 3 && vmm.vms.some((vm) => vm.stopped === undefined); i++) attempt(() => vmm.run(1_000_000));
  return { error, vmm, victimFrame };
}

/** A shadow pager with one root, whose pageFault does `fault` (after loading the root). */
function withRoot(fault: (vmm: PagerServices, root: number, e: { va: number }) => unknown, extra: Partial<Pager> = {}): PagerModule {
  return hostile((vmm) => {
    const root = vmm.allocTable(0);
    return { translation: 'shadow', vmEntry: () => vmm.loadRoot(root, { pagingOff: true }), pageFault: (e) => fault(vmm, root, e) as string, ...extra };
  });
}

describe('the built-in pagers are written against the pager API and nothing else', () => {
  it('case 1: shadow.ts and ept.ts import only the ISA, the paging-mode descriptor and the API', () => {
    for (const file of ['hypervisor/shadow.ts', 'hypervisor/ept.ts']) {
      const imports = [...fs.readFileSync(path.join(REPO, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      expect(imports.every((i) => ['../isa/arch.ts', '../emulator/paging-mode.ts', './pager.ts'].includes(i!)), `${file}: ${imports.join(', ')}`).toBe(true);
    }
  });

  it('case 2: the exits a pager takes are its handlers: the built-in shadow pager takes what VT-x shadow paging does, EPT only wfi and hcall', () => {
    const probe = new Vmm({ hostMemoryBytes: 4 * MiB });
    const { vm } = probe.addVm({ name: 's', mode: 'shadow', memoryBytes: 64 * 1024, kernel: HELLO });
    expect(exitControlsOf(probe.pagerOf(vm))).toEqual({
      crReadExits: 1 << CR.PTBR,
      crWriteExits: (1 << CR.PTBR) | (1 << CR.STATUS),
      statusWriteMask: STATUS.PG,
      events: EXIT_CONTROL.PAGE_FAULT | EXIT_CONTROL.INVLPG | EXIT_CONTROL.TLBFLUSH | VMM_EVENTS,
    });
    expect(probe.pagerOf(vm)).toBeInstanceOf(ShadowPager);
    const { vm: e } = probe.addVm({ name: 'e', mode: 'ept', memoryBytes: 64 * 1024, kernel: HELLO });
    expect(exitControlsOf(probe.pagerOf(e))).toEqual({ crReadExits: 0, crWriteExits: 0, statusWriteMask: 0, events: VMM_EVENTS });
  });

  it('case 3: a built-in pager given as a module is the same as the default one, statistic for statistic', () => {
    for (const [mode, pager] of [['shadow', SHADOW_PAGER], ['ept', EPT_PAGER]] as const) {
      const plain = new Vmm({ hostMemoryBytes: 8 * MiB });
      const given = new Vmm({ hostMemoryBytes: 8 * MiB });
      const a = plain.addVm({ name: 'g', mode, memoryBytes: 2 * MiB, kernel: PAGING }).vm;
      const b = given.addVm({ name: 'g', mode, memoryBytes: 2 * MiB, kernel: PAGING, pager }).vm;
      plain.run(5_000_000);
      given.run(5_000_000);
      expect(b.stats.toJSON()).toEqual(a.stats.toJSON());
      expect(b.vmm.toJSON()).toEqual(a.vmm.toJSON());
      expect(b.pagerName).toBe(mode);
    }
  });
});

describe('a pager of one\'s own runs through the same API', () => {
  it('case 1: a simple shadow pager in plain JavaScript sees what the guest sees natively, with a clean audit', () => {
    for (const image of [HELLO, PAGING]) {
      const native = runIn('native', image);
      const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
      const { vm } = vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: image, pager: simple });
      const [r] = vmm.run(5_000_000);
      expect(r!.reason).toBe(native.visible.reason);
      expect(vm.devices.console.drainText('latin1')).toBe(native.visible.console);
      expect(vm.memoryHash()).toBe(native.visible.memoryHash);
      expect(vmm.audit()).toEqual([]);
      expect(vm.pagerName).toBe('simple-shadow.js');
    }
  });

  it('case 2: an event without a handler does not exit: a pager without invlpg lets the guest\'s invlpg run in hardware', () => {
    const withInvlpg = new Vmm({ hostMemoryBytes: 8 * MiB });
    const a = withInvlpg.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: PAGING, pager: simple }).vm;
    withInvlpg.run(5_000_000);
    expect(a.vmm.exitsByReason.get('invlpg')).toBeGreaterThan(0);
    const without: PagerModule = { name: 'no-invlpg', create: (vmm) => ({ ...(makeShadowPager(vmm) as Pager), invlpg: undefined }) };
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    const b = vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: PAGING, pager: without }).vm;
    vmm.run(5_000_000);
    expect(b.vmm.exitsByReason.get('invlpg')).toBeUndefined();
  });

  it('case 4: a pager may take its services apart and keep its events; the host behind them is out of its reach', () => {
    const kept: { va: number; instret: number }[] = [];
    let own: string[] = [];
    const apart: PagerModule = {
      name: 'apart',
      create: (vmm) => {
        const { readGuestCr, writeEntry, readEntry, backing } = vmm;
        const inner = makeShadowPager({ ...vmm, readGuestCr, writeEntry, readEntry, backing }) as Pager;
        own = Object.keys(vmm);
        return { ...inner, pageFault: (e) => { kept.push(e); return inner.pageFault!(e); } };
      },
    };
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    const { vm } = vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: PAGING, pager: apart });
    const [r] = vmm.run(5_000_000);
    expect(r!.reason).toBe(runIn('native', PAGING).visible.reason);
    expect(vmm.audit()).toEqual([]);
    // Every event kept is its own object, unchanged by the exits after it.
    expect(kept.length).toBeGreaterThan(2);
    expect(new Set(kept).size).toBe(kept.length);
    expect(kept.map((e) => e.instret)).toEqual([...kept.map((e) => e.instret)].sort((a, b) => a - b));
    expect(vm.stopped).toBeDefined();
    // A user's pager sees every service as an own member; nothing names the VMM's host.
    expect(own).toContain('writeEntry');
    expect(own.filter((k) => /host/i.test(k))).toEqual([]);
  });

  it('case 5: the built-in pagers of two VMs call the same service functions (one prototype; nothing made per VM)', () => {
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    const a = vmm.addVm({ name: 'a', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO }).vm;
    const b = vmm.addVm({ name: 'b', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO }).vm;
    const services = (vm: typeof a) => (vmm.pagerOf(vm) as unknown as { vmm: PagerServices }).vmm;
    const [sa, sb] = [services(a), services(b)];
    expect(sa).not.toBe(sb);
    expect(Object.isFrozen(sa)).toBe(true);
    for (const name of ['readGuestCr', 'readGuestPte', 'writeEntry', 'backing', 'flushTlbPage', 'switchRoot'] as const) expect(sa[name]).toBe(sb[name]);
    expect(Object.keys(sa).filter((k) => /host/i.test(k))).toEqual([]);
    expect(sa.vmName).toBe('a');
    vmm.run(1_000_000);
    expect(vmm.audit()).toEqual([]);
  });

  it('case 3: pagerTranslation learns how a pager translates from a VM of its own', () => {
    expect(pagerTranslation(simple)).toBe('shadow');
    expect(pagerTranslation(EPT_PAGER)).toBe('nested');
  });
});

describe('the services enforce the rules: a broken pager stops the guest with a message naming it and the event', () => {
  const cases: [string, PagerModule, RegExp][] = [
    ['case 1: a leaf mapping another VM\'s frame', withRoot((vmm, root) => {
      const table = vmm.allocTable(1);
      vmm.writeEntry(root, 0, table | 1);
      vmm.writeEntry(table, 1, (globalThis as { victimFrame?: number }).victimFrame! | 1);
    }), /^pager 'hostile' broke the pager API on page-fault \(fetch of va 0x000010cc, fetch-page-fault; pc 0x000010cc, instruction 1\): writeEntry: entry 1 of the level-1 table 0x[0-9a-f]{8} would map host frame 0x[0-9a-f]{8}, a frame of another VM \(VM 1\); a leaf maps only this VM's frames/],
    ['case 2: a leaf mapping a free frame', withRoot((vmm, root) => {
      const table = vmm.allocTable(1);
      vmm.writeEntry(root, 0, table | 1);
      vmm.writeEntry(table, 1, 0x00700000 | 1);
    }), /would map host frame 0x00700000, a free frame/],
    ['case 3: a leaf mapping the pager\'s own table', withRoot((vmm, root) => {
      const table = vmm.allocTable(1);
      vmm.writeEntry(root, 0, table | 1);
      vmm.writeEntry(table, 1, root | 1);
    }), /would map host frame 0x[0-9a-f]{8}, this pager's level-0 table/],
    ['case 4: an entry in a table it did not allocate', withRoot((vmm) => vmm.writeEntry(0x00100000, 0, 0)), /writeEntry: 0x00100000 is not a table of this pager \(allocTable gives them\)/],
    ['case 5: a directory entry leading to something not one of its tables', withRoot((vmm, root) => vmm.writeEntry(root, 0, vmm.backing(0) | 1)),
      /a non-leaf entry leads to one of this pager's level-1 tables/],
    ['case 6: freeing a table still pointed at', withRoot((vmm, root) => {
      const table = vmm.allocTable(1);
      vmm.writeEntry(root, 0, table | 1);
      vmm.freeTable(table);
    }), /freeTable\(0x[0-9a-f]{8}\): the table is still pointed at by 1 entry/],
    ['case 7: an index past the table', withRoot((vmm, root) => vmm.writeEntry(root, 1024, 0)), /writeEntry\(0x[0-9a-f]{8}, 1024 \(0x00000400\)\): a level-0 table has entries 0 to 1023/],
    ['case 8: completing an exit twice', withRoot((vmm, _root, e) => {
      vmm.injectFault(8, e.va);
      return vmm.injectFault(8, e.va);
    }), /injectFault: this exit was already completed \(guest-fault\)/],
    ['case 9: a cause that is not an exception', withRoot((vmm, _root, e) => vmm.injectFault(16, e.va)), /injectFault\(16\): the cause is a TV32 exception, 0 to 13/],
    ['case 10: a wrong return value', withRoot(() => 42), /returned 42; a handler returns nothing or the exit's name/],
    // Names once accepted are remembered (pager-host.ts); one that is not a lowercase word still is not.
    ['case 10b: a name that is not a lowercase word', withRoot(() => 'Hidden-Fault'), /returned .Hidden-Fault.; a handler returns nothing or the exit's name/],
    ['case 10c: a name of 33 characters', withRoot(() => 'a'.repeat(33)), /returned .a{33}.; a handler returns nothing/],
    ['case 11: an async handler', withRoot(async () => 'hidden-fault'), /returned a Promise: pager handlers run synchronously/],
    ['case 12: an exception', withRoot(() => {
      throw new RangeError('boom');
    }), /^pager 'hostile' threw on page-fault \(fetch of va 0x000010cc, fetch-page-fault; pc 0x000010cc, instruction 1\): RangeError: boom$/],
    ['case 13: no progress (a page-fault handler that does nothing)', withRoot(() => undefined),
      new RegExp(`^pager 'hostile' made no progress on page-fault \\(fetch of va 0x000010cc.*\\): ${NO_PROGRESS_EXITS.toLocaleString('en-US')} exits in a row, and not one instruction retired: does pageFault fill`)],
    ['case 14: a vmEntry that loads no root', hostile(() => ({ translation: 'shadow', vmEntry() {}, pageFault: () => undefined })), /^pager 'hostile' broke the pager API on vm-entry: vmEntry loaded no root/],
    ['case 15: a factory that returns no pager', hostile(() => null as unknown as Pager), /^pager 'hostile' broke the pager API on create \(making the pager for VM attacker\): the factory returned null/],
    ['case 16: a nested pager given to a shadow VM', hostile((vmm) => ({ translation: 'nested', eptViolation: () => undefined, vmEntry: () => vmm.loadRoot(vmm.allocTable(0)) })),
      /the pager's translation is 'nested', so its VMs run with --mode ept, not shadow/],
    ['case 17: a shadow pager without pageFault', hostile(() => ({ translation: 'shadow' }) as Pager), /a 'shadow' pager needs a pageFault handler/],
  ];

  it.each(cases)('%s', (_name, pager, message) => {
    const { error, vmm, victimFrame } = attack(pager);
    expect(error?.message).toMatch(message);
    expect(error!.pager).toBe('hostile');
    // The victim's memory is untouched, the attacker stopped, and no translation of it leads outside it.
    expect(vmm.vms[0]!.devices.console.drainText()).toBe('Hello from TV32!\n');
    expect(vmm.host.ownerOf(victimFrame)).toBe(1);
    if (vmm.vms[1]) expect(vmm.vms[1].stopped).toBe('stopped');
    expect(vmm.audit()).toEqual([]);
  });

  it('case 18: injecting a fault from an invlpg handler is refused', () => {
    const pager: PagerModule = { name: 'hostile', create: (vmm) => ({ ...(makeShadowPager(vmm) as Pager), invlpg: (e) => vmm.injectFault(9, e.va) }) };
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: PAGING, pager });
    expect(() => vmm.run(5_000_000)).toThrow(/broke the pager API on invlpg \(va 0x[0-9a-f]{8}; pc .*\): injectFault completes a page fault or an EPT violation; this is invlpg/);
  });

  it('case 19: a pager that catches the PagerError and goes on is stopped all the same; the VMM can throw it as an error of its own', () => {
    const pager = withRoot((vmm) => {
      try {
        vmm.writeEntry(0x00100000, 0, 0);
      } catch {
        // swallowed
      }
      return 'hidden-fault';
    });
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB, pagerFailure: (e) => new SyntaxError(`wrapped: ${e.message}`) });
    const { vm } = vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO, pager });
    expect(() => vmm.run(1_000_000)).toThrow(/^wrapped: pager 'hostile' broke the pager API on page-fault .*is not a table of this pager/);
    expect(vm.stopped).toBe('stopped');
    expect(vm.failure).toMatch(/^pager 'hostile' broke the pager API/);
  });

  it('case 20: a built-in pager\'s own exception is vmmlab\'s bug and is not wrapped', () => {
    const buggy: PagerModule = { name: 'buggy', builtIn: true, create: (vmm) => ({ ...(makeShadowPager(vmm) as Pager), pageFault: () => { throw new TypeError('a vmmlab bug'); } }) };
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO, pager: buggy });
    expect(() => vmm.run(1_000_000)).toThrow(TypeError);
  });
});

describe('loading a pager module (node/pager-loader.ts)', () => {
  const write = (name: string, text: string): string => {
    const file = path.join(tmp, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  const simpleUrl = new URL('./pagers/simple-shadow.js', import.meta.url).href;

  it('case 1: a .js ES module in a folder without "type": "module" loads, its default export the factory', async () => {
    const file = write('plain/pager.js', `import { makeShadowPager } from '${simpleUrl}';\nexport default function createPager(vmm) { return makeShadowPager(vmm); }\n`);
    const loaded = await loadPager(file);
    expect(loaded.translation).toBe('shadow');
    expect(loaded.module.name).toBe(file);
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    const { vm } = vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 2 * MiB, kernel: HELLO, pager: loaded.module });
    vmm.run(1_000_000);
    expect(vm.devices.console.drainText()).toBe('Hello from TV32!\n');
  });

  it('case 2: a class as the default export, and a named createPager, are factories too', async () => {
    const cls = write('cls.mjs', `import { makeShadowPager } from '${simpleUrl}';\nexport default class P { constructor(vmm) { Object.assign(this, makeShadowPager(vmm)); } }\n`);
    expect((await loadPager(cls)).translation).toBe('shadow');
    const named = write('named.mjs', `export function createPager(vmm) { return { translation: 'nested', vmEntry() { this.r ??= vmm.allocTable(0); vmm.loadRoot(this.r); }, eptViolation() {} }; }\n`);
    expect((await loadPager(named)).translation).toBe('nested');
  });

  // Under vitest, imports go through vite's own loader, which rewrites stacks: the line an error
  // names, and a syntax error's wording, are checked on real processes (tests/cli/pager.test.ts).
  it('case 3: a .ts pager is compiled (here by the TypeScript compiler beside vmmlab) and runs', async () => {
    const file = write('typed.ts', [
      'interface Services { readonly arch: unknown }',
      'type Made = { translation: "shadow"; pageFault(e: { va: number }): unknown; vmEntry(): void };',
      '',
      'export default function createPager(vmm: Services & Record<string, any>): Made {',
      '  const root: number = vmm.allocTable(0);',
      '  return {',
      '    translation: "shadow",',
      '    vmEntry(): void { vmm.loadRoot(root, { pagingOff: true }); },',
      '    pageFault(e: { va: number }): unknown {',
      '      const missing = undefined as unknown as { x: number };',
      '      return missing.x + e.va;',
      '    },',
      '  };',
      '}',
    ].join('\n'));
    const loaded = await loadPager(file);
    const vmm = new Vmm({ hostMemoryBytes: 8 * MiB });
    vmm.addVm({ name: 'g', mode: 'shadow', memoryBytes: 1 * MiB, kernel: HELLO, pager: loaded.module });
    expect(() => vmm.run(1_000_000)).toThrow(/^pager '.*typed\.ts' threw on page-fault \(.*\): TypeError: Cannot read properties of undefined \(reading 'x'\)/);
  });

  it('case 4: without a TypeScript compiler, a .ts pager is an error saying how to get one, or to compile it', async () => {
    const file = write('nocompiler.ts', 'export default () => ({ translation: "shadow" as const });\n');
    await expect(loadPager(file, [])).rejects.toThrow(/cannot load TypeScript by itself, and no TypeScript compiler was found .*npm install --save-dev typescript.*npx tsc --target es2022 --module esnext/);
  });

  it('case 5: files that are not pagers are one-line PagerLoadErrors naming them', async () => {
    await expect(loadPager(path.join(tmp, 'missing.js'))).rejects.toThrow(PagerLoadError);
    await expect(loadPager(path.join(tmp, 'missing.js'))).rejects.toThrow(/^pager '.*missing\.js': no such file$/);
    await expect(loadPager(write('nofactory.mjs', 'export const x = 1;\n'))).rejects.toThrow(/exports no factory: export default function createPager\(vmm\).*\(it exports x\)/);
    await expect(loadPager(write('syntax.mjs', 'export default function (vmm) {\n  return {\n'))).rejects.toThrow(/^pager '.*syntax\.mjs' does not load/);
    await expect(loadPager(write('throws.mjs', 'export default () => { throw new Error("no pager today"); };\n'))).rejects.toThrow(/^pager '.*throws\.mjs' threw on create \(making the pager for VM probe\): Error: no pager today/);
    await expect(loadPager(write('bad-shape.mjs', 'export default () => ({ translation: "sideways" });\n'))).rejects.toThrow(/the pager's translation is "sideways"; it is 'shadow', 'nested' or 'agile'/);
    await expect(loadPager(write('pager.txt', ''))).rejects.toThrow(/a pager is a \.js, \.mjs or \.ts file/);
  });
});
