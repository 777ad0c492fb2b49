// The translating engine (emulator/jit/): targeted cases that always run on both engines and must
// agree exactly (registers, memory, every statistic, the TLB with its LRU stamps), and give the
// value the ISA says: self-modifying code in the running block, stores through an alias, writes
// from outside the CPU between runs (a loader, the VMM's emulated stores), remapping the code's
// page with and without invlpg, two CPUs on one memory, every budget around a timer interrupt,
// the bounded code cache, and the block source dump.

import { describe, expect, it } from 'vitest';
import { ACCESS, CR, PTE, STATUS } from '../../isa/arch.ts';
import { Cpu, STOP, type Engine } from '../../emulator/cpu.ts';
import { Machine } from '../../emulator/machine.ts';
import { PhysicalMemory } from '../../emulator/memory.ts';
import { Mmu } from '../../emulator/mmu.ts';
import { Devices } from '../../emulator/devices.ts';
import { Stats } from '../../emulator/stats.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';
import { CODE_BIT } from '../../emulator/jit/code-cache.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { SettingsError, machineSettings } from '../../session/settings.ts';
import { ENVS, ORIGIN, assembleOrThrow, insn, regNumber, runSnippet, type Env, type SnippetOptions } from './harness.ts';
import { fingerprint } from './jit-fingerprint.ts';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { assembleFile } from '../../node/files.ts';
import { Snapshots } from '../../debugger/snapshots.ts';
import type { Image } from '../../isa/image.ts';

const ENGINES: Engine[] = ['interp', 'jit'];

/** Run a snippet on both engines (the jit compiling every entry at once); they must agree. */
function onBoth(body: string, options: SnippetOptions & { hot?: number }): ReturnType<typeof runSnippet> {
  const runs = ENGINES.map((engine) => {
    const r = runSnippet(body, {
      ...options,
      machine: { ...options.machine, engine },
      setup: (m, pt) => {
        m.cpu.jitHotThreshold = options.hot ?? 1; m.cpu.jitMinBudget = 1;
        options.setup?.(m, pt);
      },
    });
    return { r, print: fingerprint(r.machine.cpu, r.machine.stats, r.machine.mmu, r.machine.mem, { ended: r.ended, run: r.run }) };
  });
  expect(runs[1]!.print).toBe(runs[0]!.print);
  const jit = runs[1]!.r.machine.cpu.jitStats;
  expect(jit?.blocksCompiled ?? 0, 'the jit compiled blocks').toBeGreaterThan(0);
  return runs[1]!.r;
}

// A loop whose body rewrites its own first instruction: each pass adds one more than the last.
const SELF_MODIFYING = `
      li a0, 0
      li t1, 10
      la t0, patch
loop:
patch: addi a0, a0, 1
      lw t2, 0(t0)
      addi t2, t2, 1
      sw t2, STORE_OFFSET(t0)
      addi t1, t1, -1
      bne t1, zero, loop`;

describe('self-modifying code', () => {
  it.each(ENVS)('%s: a store into the running block is seen by the next pass (1 + 2 + … + 10)', (env: Env) => {
    const r = onBoth(SELF_MODIFYING.replace('STORE_OFFSET', '0'), { env });
    expect(r.reg('a0')).toBe(55);
    expect(r.machine.cpu.jitStats!.pagesInvalidated).toBeGreaterThan(0);
  });

  it.each(['paged-4k', 'paged-4m'] as const)('%s: a store through another virtual alias of the code page', (env) => {
    // ALIAS maps the code's physical page a second time; the store goes through it.
    const ALIAS = 0x00a00000;
    const body = SELF_MODIFYING.replace('la t0, patch', `la t0, patch\n      li t3, ${ALIAS - ORIGIN}`).replace('sw t2, STORE_OFFSET(t0)', 'add t4, t0, t3\n      sw t2, 0(t4)');
    const r = onBoth(body, {
      env,
      setup: (m, pt) => {
        pt!.map4k(ALIAS, ORIGIN, PTE.V | PTE.W | PTE.X | PTE.A | PTE.D);
      },
    });
    expect(r.reg('a0')).toBe(55);
  });

  it.each(ENVS)('%s: stores to data beside the code (in its page) keep its blocks, and the page reads as written', (env: Env) => {
    // A small program's variables share its code page: only a store to a word a translation
    // depends on may drop the page's blocks (a word store and a byte store, through the fast path).
    const body = `
      li a0, 0
      li t1, 50
      la t0, counter
loop: addi a0, a0, 3
      sw a0, 0(t0)
      sb t1, 5(t0)
      addi t1, t1, -1
      bne t1, zero, loop
      lw a1, 0(t0)
      lbu a2, 5(t0)
      j past
counter: .word 0, 0
past:`;
    const r = onBoth(body, { env });
    expect(r.reg('a1')).toBe(150);
    expect(r.reg('a2')).toBe(1);
    expect(r.machine.cpu.jitStats!.pagesInvalidated).toBe(0);
    if (env === 'bare') {
      const frame = r.symbol('counter') >>> 12;
      expect(r.machine.mem.dirty[frame]! & CODE_BIT, 'the page still holds translations').toBe(CODE_BIT);
      expect(r.machine.mem.dirty[frame]! & 1, 'the page reads as written').toBe(1);
    }
  });

  it('a hot loop (compiled after a few passes) patched by a store from a later block', () => {
    const body = `
      li a0, 0
      li t1, 40
      la t0, patch
loop:
patch: addi a0, a0, 1
      addi t1, t1, -1
      j next
next:
      li t2, 20
      bne t1, t2, skip
      lw t2, 0(t0)
      addi t2, t2, 99
      sw t2, 0(t0)
skip:
      bne t1, zero, loop`;
    const r = onBoth(body, { env: 'paged-4k', hot: 4 });
    expect(r.reg('a0')).toBe(20 * 1 + 20 * 100);
  });
});

describe('writes from outside the CPU', () => {
  const LOOP = `
      li a0, 0
      li t1, 1000
loop:
patch: addi a0, a0, 1
      addi t1, t1, -1
      bne t1, zero, loop
      li t0, 0xfff0
      sw a0, 0(t0)
halt: j halt`;

  for (const engine of ENGINES) {
    it(`${engine}: a word written into memory between two runs (a loader, the debugger) is executed`, () => {
      const image = assembleOrThrow(LOOP);
      const m = new Machine({ memoryBytes: 1 << 20, engine });
      m.cpu.jitHotThreshold = 1; m.cpu.jitMinBudget = 1;
      m.load(image);
      m.cpu.run(2 + 3 * 500);
      const patch = image.symbols.find((s) => s.name === 'patch')!.address;
      m.mem.writeWord(patch, insn('addi', { rd: 3, rs1: 3, imm18: 3 }));
      m.cpu.run(3 * 500 + 2);
      expect(m.mem.i32[0xfff0 >>> 2]).toBe(500 + 3 * 500);
    });

    it(`${engine}: the VMM's emulated store into a VM's code between runs is executed`, () => {
      const image = assembleOrThrow(LOOP);
      const vmm = new Vmm({ hostMemoryBytes: 16 << 20 });
      const { vm } = vmm.addVm({ name: 'g', mode: 'ept', memoryBytes: 4 << 20, kernel: image });
      vm.cpu.engine = engine;
      vm.cpu.jitHotThreshold = 1; vm.cpu.jitMinBudget = 1;
      vmm.runSlice(vm, 2 + 3 * 500);
      expect(vm.cpu.regs[3]).toBe(500);
      const patch = image.symbols.find((s) => s.name === 'patch')!.address;
      vm.writeWord(patch, insn('addi', { rd: 3, rs1: 3, imm18: 3 }));
      vmm.runSlice(vm, 3 * 500 + 2);
      expect(vm.cpu.regs[3]).toBe(500 + 3 * 500);
    });
  }

  it('two CPUs on one memory: one rewrites and recompiles a page, the other does not run its stale translation', () => {
    const mem = new PhysicalMemory(1 << 20);
    const image = assembleOrThrow(LOOP);
    for (const seg of image.segments) mem.load(seg.address, seg.bytes);
    const cpus = [0, 1].map(() => {
      const stats = new Stats();
      const cpu = new Cpu(mem, new Mmu(mem, stats, DEFAULT_PROFILE), new Devices(), stats, DEFAULT_PROFILE);
      cpu.engine = 'jit';
      cpu.jitHotThreshold = 1; cpu.jitMinBudget = 1;
      cpu.reset(image.entry, 1 << 20);
      return cpu;
    });
    const patch = image.symbols.find((s) => s.name === 'patch')!.address;
    cpus[0]!.run(2 + 3 * 10);
    expect(cpus[0]!.regs[3]).toBe(10);
    // The other CPU stores a new word (its own store path), then runs the page (translating it again).
    cpus[1]!.regs[5] = insn('addi', { rd: 3, rs1: 3, imm18: 7 });
    cpus[1]!.regs[6] = patch;
    const store = assembleOrThrow('sw r5, 0(r6)', 0x8000);
    mem.load(0x8000, store.segments[0]!.bytes);
    cpus[1]!.pc = 0x8000;
    cpus[1]!.run(1);
    expect(mem.dirty[patch >>> 12]! & CODE_BIT).toBe(0);
    cpus[1]!.pc = image.entry;
    cpus[1]!.run(2 + 3 * 10);
    expect(cpus[1]!.regs[3]).toBe(70);
    expect(mem.dirty[patch >>> 12]! & CODE_BIT).toBe(CODE_BIT);
    cpus[0]!.run(3 * 10);
    expect(cpus[0]!.regs[3]).toBe(10 + 70);
  });
});

describe('remapping the code page', () => {
  const FN_VA = 0x00b00000;
  const PAGE_A = 0x00005000;
  const PAGE_B = 0x00006000;
  // Call the routine at FN_VA 20 times; after the 10th, point its PTE at the other page.
  const body = (flush: string) => `
      li a0, 0
      li s1, 20
again:
      li t0, ${FN_VA}
      jalr ra, 0(t0)
      addi s1, s1, -1
      li t1, 10
      bne s1, t1, cont
      sw s2, 0(s3)
      ${flush}
cont:
      bne s1, zero, again`;
  const data = `
.org ${PAGE_A}
      addi a0, a0, 1
      ret
.org ${PAGE_B}
      addi a0, a0, 100
      ret`;
  const setup: SnippetOptions['setup'] = (m, pt) => {
    const pte = pt!.map4k(FN_VA, PAGE_A, PTE.V | PTE.X | PTE.A);
    // The page table itself, mapped where it is, so the snippet can rewrite the PTE.
    pt!.map4k(pte & ~0xfff, pte & ~0xfff, PTE.V | PTE.W | PTE.A | PTE.D);
    m.cpu.regs[regNumber('s2')] = (PAGE_B | PTE.V | PTE.X | PTE.A) | 0;
    m.cpu.regs[regNumber('s3')] = pte;
  };

  it('with invlpg: the new page runs from the next call', () => {
    const r = onBoth(body(`li t2, ${FN_VA}\n      invlpg t2`), { env: 'paged-4k', data, setup });
    expect(r.reg('a0')).toBe(10 + 100 * 10);
  });

  it('without invlpg: both engines keep using the translation the TLB still holds', () => {
    const r = onBoth(body(''), { env: 'paged-4k', data, setup });
    expect(r.reg('a0')).toBe(20);
  });

  it('with a tlbflush and a tiny TLB (fills evicting the fetch entry mid-block)', () => {
    const r = onBoth(body('tlbflush'), { env: 'paged-4k', data, setup, machine: { mmu: { tlb: { entries: 2, ways: 1, replacement: 'lru', seed: 1 }, splitTlb: false } } });
    expect(r.reg('a0')).toBe(10 + 100 * 10);
  });
});

describe('a store to the page a load just translated', () => {
  // Both engines let a store through the load's translation, with no lookup, when its TLB entry
  // takes stores (W, and D) and the page is marked written already; the hit is counted and
  // stamped as the lookup's would be. An entry without W or D goes the full way (a protection
  // fault, a Dirty-bit walk), and so does a store after the load slot moved on.
  const CLEAN = 0x00c00000;
  const RO = 0x00c01000;
  const OTHER = 0x00c02000;
  const DIRTY = 0x00c03000;
  const setup: SnippetOptions['setup'] = (m, pt) => {
    pt!.map4k(CLEAN, 0x00007000, PTE.V | PTE.W | PTE.A);
    pt!.map4k(RO, 0x00008000, PTE.V | PTE.A);
    pt!.map4k(OTHER, 0x00009000, PTE.V | PTE.W | PTE.A | PTE.D);
    pt!.map4k(DIRTY, 0x0000a000, PTE.V | PTE.W | PTE.A | PTE.D);
  };
  /** Count the stores to OTHER and DIRTY that reach the MMU's lookup, per engine run (one entry per call). */
  const countingStores = (counts: number[]): SnippetOptions['setup'] => (m, pt) => {
    setup(m, pt);
    const k = counts.push(0) - 1;
    const mmu = m.mmu;
    const translate = mmu.translate.bind(mmu);
    mmu.translate = (va, access) => {
      if (access === ACCESS.STORE && (va >>> 12 === OTHER >>> 12 || va >>> 12 === DIRTY >>> 12)) counts[k]!++;
      return translate(va, access);
    };
  };
  const loop = (between: string, target: number) => `
      la t0, handler
      mtcr evec, t0
      li s0, ${target}
      li s1, ${OTHER}
      li a0, 0
      li t1, 40
loop:
      lw t2, 0(s0)
      ${between}
      addi t2, t2, 1
      sw t2, 4(s0)
      add a0, a0, t2
      invlpg s0
      addi t1, t1, -1
      bne t1, zero, loop
      j __done
handler:
      addi a1, a1, 1
      mfcr t3, epc
      addi t3, t3, 4
      mtcr epc, t3
      eret`;

  it('a clean page: the store walks again for D, every time its entry was refilled', () => {
    const r = onBoth(loop('', CLEAN), { env: 'paged-4k', setup });
    expect(r.reg('a1')).toBe(0);
  });
  it('a read-only page: the store faults', () => {
    const r = onBoth(loop('', RO), { env: 'paged-4k', setup });
    expect(r.reg('a1')).toBe(40);
  });
  it('another load between them (the TLB moved on): the store looks its entry up', () => {
    const r = onBoth(loop('lw t4, 0(s1)', CLEAN), { env: 'paged-4k', setup });
    expect(r.reg('a1')).toBe(0);
  });
  it('a written page with D: the store goes through the load\'s translation, the store slot keeps its own page', () => {
    // Each pass: the load misses (invlpg), a store to OTHER looks it up (invlpg dropped every
    // fast-path entry), then the store to DIRTY takes the load's entry, except in the first pass,
    // when its page is not yet marked written.
    const counts: number[] = [];
    const r = onBoth(loop('sw t2, 0(s1)', DIRTY), { env: 'paged-4k', setup: countingStores(counts) });
    expect(r.reg('a1')).toBe(0);
    expect(r.reg('a0')).toBe(40);
    expect(counts).toEqual([41, 41]);
  });
});

describe('budgets and the timer', () => {
  const TIMER_LOOP = `
      la t0, handler
      mtcr evec, t0
      li t0, 37
      mtcr timer, t0
      mfcr t0, status
      ori t0, t0, ${STATUS.IE}
      mtcr status, t0
      li a0, 0
      li t1, 300
loop:
      addi a0, a0, 1
      lw t2, 0(sp)
      sw t2, -4(sp)
      addi t1, t1, -1
      bne t1, zero, loop
      j __done
handler:
      addi a1, a1, 1
      eret`;

  it('every budget from 1 to 60, then every 5th to 150, stops both engines at the same instruction, timer interrupts included', () => {
    for (let budget = 1; budget <= 150; budget += budget < 60 ? 1 : 5) {
      const prints = ENGINES.map((engine) => {
        const r = runSnippet(TIMER_LOOP, { env: 'paged-4k', machine: { engine }, maxInstructions: budget, setup: (m) => { m.cpu.jitHotThreshold = 1; m.cpu.jitMinBudget = 1; m.cpu.regs[2] = 0x4000; } });
        return fingerprint(r.machine.cpu, r.machine.stats, r.machine.mmu, r.machine.mem, { run: r.run });
      });
      expect(prints[1], `budget ${budget}`).toBe(prints[0]);
    }
  });

  it('the whole run takes the same interrupts at the same instructions', () => {
    const r = onBoth(TIMER_LOOP, { env: 'paged-4m', setup: (m) => { m.cpu.regs[2] = 0x4000; } });
    expect(r.reg('a0')).toBe(300);
    expect(r.reg('a1')).toBeGreaterThan(20);
    expect(r.machine.stats.interrupts).toBe(r.reg('a1'));
  });
});

describe('the code cache', () => {
  it('stays within its bound (flushing) and the results do not change', () => {
    // A chain of eight blocks (each ends at its jr) run 50 times over, in a cache of two.
    const chain = Array.from({ length: 8 }, (_, i) => `b${i}: addi a0, a0, 1\n      la t0, b${i + 1}\n      jr t0`).join('\n');
    const r = onBoth(`li t1, 50\nloop:\n${chain}\nb8: addi t1, t1, -1\n      bne t1, zero, loop`, {
      env: 'paged-4k',
      setup: (m) => { m.cpu.jitMaxBlocks = 2; },
    });
    expect(r.reg('a0')).toBe(400);
    expect(r.machine.cpu.jitStats!.flushes).toBeGreaterThan(100);
    expect(r.machine.cpu.jitCacheSize.blocks).toBeLessThanOrEqual(2);
  });

  it('keeps each block printable: the source reads like the interpreter', () => {
    const m = new Machine({ memoryBytes: 1 << 20, engine: 'jit' });
    m.cpu.jitHotThreshold = 1; m.cpu.jitMinBudget = 1;
    m.cpu.jitKeepSource = true;
    m.load(assembleOrThrow('addi a0, zero, 5\n lw a1, 0x100(zero)\n add a2, a0, a1\nx: beq a0, a0, x'));
    m.cpu.run(50);
    const source = [...m.cpu.jitBlockSources().values()].join('\n');
    expect(source).toContain('R[3] = R[0] + 5;');
    expect(source).toContain('cpu.jitAccess(');
    expect(m.cpu.jitStats!.blockInstructions).toBeGreaterThan(40);
    expect(m.cpu.jitCacheSize.sourceBytes).toBeGreaterThan(0);
  });

  it('a new machine meeting the same code at the same address installs its blocks at once; other code there does not', () => {
    // A threshold no other test uses, so that only this test's blocks are known at it.
    const hot = 37;
    const loop = (step: number) => `li a0, 0\n      li t1, 200\nloop: addi a0, a0, ${step}\n      lw t2, 0x800(zero)\n      addi t1, t1, -1\n      bne t1, zero, loop`;
    const run = (step: number, engine: Engine) => runSnippet(loop(step), { env: 'paged-4k', machine: { engine }, setup: (m) => { m.cpu.jitHotThreshold = hot; m.cpu.jitMinBudget = 1; } });
    const print = (r: ReturnType<typeof runSnippet>) => fingerprint(r.machine.cpu, r.machine.stats, r.machine.mmu, r.machine.mem, { ended: r.ended, run: r.run });
    const first = run(1, 'jit');
    const second = run(1, 'jit');
    const other = run(2, 'jit');
    expect(print(first)).toBe(print(run(1, 'interp')));
    expect(print(second)).toBe(print(first));
    expect(print(other)).toBe(print(run(2, 'interp')));
    expect(first.reg('a0')).toBe(200);
    expect(other.reg('a0')).toBe(400);
    expect(second.machine.cpu.jitStats!.blocksReused).toBeGreaterThan(0);
    expect(second.machine.cpu.jitStats!.steppedInstructions, 'no warming up in the interpreter again').toBeLessThan(first.machine.cpu.jitStats!.steppedInstructions);
    // The loop's words differ (addi a0, a0, 2): its block is compiled afresh, not reused.
    expect(other.machine.cpu.jitStats!.steppedInstructions).toBe(first.machine.cpu.jitStats!.steppedInstructions);
  });

  it('a clean code page reads as non-zero in the dirty map only through CODE_BIT', () => {
    const m = new Machine({ memoryBytes: 1 << 20, engine: 'jit' });
    m.cpu.jitHotThreshold = 1; m.cpu.jitMinBudget = 1;
    m.load(assembleOrThrow('x: j x'));
    m.mem.dirty.fill(0);
    m.cpu.run(10);
    expect(m.mem.dirty[ORIGIN >>> 12]).toBe(CODE_BIT);
    void CR;
  });
});

describe('choosing the engine', () => {
  it('--engine interp|jit in the machine settings; anything else is a clear error', () => {
    // The default: the translating engine, unless VMMLAB_ENGINE (tests/engine-setup.ts) chose another.
    expect(machineSettings({}).engine).toBe(process.env.VMMLAB_ENGINE ?? 'jit');
    expect(machineSettings({ engine: 'jit' }).engine).toBe('jit');
    expect(() => machineSettings({ engine: 'fast' })).toThrow(SettingsError);
    expect(() => machineSettings({ engine: 'fast' })).toThrow("--engine takes interp or jit (got 'fast')");
  });

  it('outside the tests (no VMMLAB_ENGINE), a new Machine and a VM run the translating engine', () => {
    const env = { ...process.env };
    delete env.VMMLAB_ENGINE;
    const script = "import { Machine } from './emulator/machine.ts'; import { Vmm } from './hypervisor/vmm.ts'; import { assemble } from './assembler/index.ts';"
      + " const kernel = assemble('x: j x', { origin: 0x1000 }).image; const vmm = new Vmm({ hostMemoryBytes: 4 << 20 });"
      + " console.log(new Machine({ memoryBytes: 1 << 20 }).cpu.engine, vmm.addVm({ name: 'a', mode: 'ept', memoryBytes: 1 << 20, kernel }).vm.cpu.engine);";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('jit jit');
  });

  it('new Machine({ engine }) and cpu.engine select it; the default is the translating engine', () => {
    expect(new Machine({ memoryBytes: 1 << 20 }).cpu.engine).toBe(process.env.VMMLAB_ENGINE ?? 'jit');
    expect(new Machine({ memoryBytes: 1 << 20, engine: 'interp' }).cpu.engine).toBe('interp');
    expect(new Machine({ memoryBytes: 1 << 20, engine: 'jit' }).cpu.engine).toBe('jit');
  });
});

describe('the translating engine on the miss path and across a restore', () => {
  // bench/guests/stride.s: every load misses the TLB, and the store after it to the same page
  // drops and walks its entry again for the Dirty bit (a generation bump that drops the fetch
  // slot too). Blocks translate the next fetch themselves and go on (jitRefetch).
  const stride = (): Image => {
    const r = assembleFile(fileURLToPath(new URL('../../bench/guests/stride.s', import.meta.url)), { defines: { PAGES: 512, ROUNDS: 2, PAGING: 1 } });
    if (!r.image) throw new Error('stride.s did not assemble');
    return r.image;
  };
  const jitRuns: Machine[] = [];
  const nativeStride = (engine: Engine, hot: number): string => {
    const m = new Machine({ memoryBytes: 8 << 20, engine });
    m.cpu.jitHotThreshold = hot; m.cpu.jitMinBudget = 1;
    m.load(stride());
    const prints: string[] = [];
    // In slices, so that passes end at many places inside the blocks.
    let code: number = STOP.BUDGET;
    for (let i = 0; i < 400 && code === STOP.BUDGET; i++) {
      code = m.cpu.run(37 + (i % 7) * 101);
      prints.push(fingerprint(m.cpu, m.stats, m.mmu, i % 50 === 0 ? m.mem : null));
    }
    prints.push(fingerprint(m.cpu, m.stats, m.mmu, m.mem));
    if (engine === 'jit') jitRuns.push(m);
    return prints.join('\n');
  };

  it('natively: the stride loop is identical on both engines, and its blocks run on past the misses', () => {
    const ref = nativeStride('interp', 1);
    for (const hot of [1, 3, 32]) expect(nativeStride('jit', hot), `hot ${hot}`).toBe(ref);
    const m = jitRuns.at(-1)!;
    const s = m.cpu.jitStats!;
    expect(m.stats.instructions).toBeGreaterThan(512 * 2 * 9);
    expect(s.blockInstructions, 'most instructions run in blocks').toBeGreaterThan(0.9 * m.stats.instructions);
    // The loop body is 9 instructions with a load miss in every pass, and in the first round a
    // Dirty-bit refill too: blocks ending at each refill would average about 20 instructions.
    expect(s.blockInstructions / s.blockRuns).toBeGreaterThan(100);
    expect(m.stats.walks).toBeGreaterThan(512 * 2);
  });

  for (const mode of ['shadow', 'ept'] as const) {
    it(`${mode}: the stride loop is identical on both engines`, () => {
      const prints = ENGINES.map((engine) => {
        const vmm = new Vmm({ hostMemoryBytes: 24 << 20 });
        const { vm } = vmm.addVm({ name: 'g', mode, memoryBytes: 8 << 20, kernel: stride() });
        vm.cpu.engine = engine;
        vm.cpu.jitHotThreshold = 2; vm.cpu.jitMinBudget = 1;
        const results = vmm.run(200_000);
        return JSON.stringify(results) + fingerprint(vm.cpu, vm.stats, vm.cpu.mmu, vmm.host.mem);
      });
      expect(prints[1]).toBe(prints[0]);
    });
  }

  it('a debugger restore to before the first run (the CPU object graph put back) runs on exactly', () => {
    const LOOP = 'li t0, 0x8000\n li t1, 3000\nl: sw t1, 0(t0)\n lw t2, 0(t0)\n add a0, a0, t2\n addi t0, t0, 4\n addi t1, t1, -1\n bne t1, zero, l\nh: j h';
    const fresh = (engine: Engine, budget: number): Machine => {
      const m = new Machine({ memoryBytes: 1 << 20, engine });
      m.cpu.jitHotThreshold = 2; m.cpu.jitMinBudget = 1;
      m.load(assembleOrThrow(LOOP));
      m.cpu.run(budget);
      return m;
    };
    const m = new Machine({ memoryBytes: 1 << 20, engine: 'jit' });
    m.cpu.jitHotThreshold = 2; m.cpu.jitMinBudget = 1;
    m.load(assembleOrThrow(LOOP));
    const snaps = new Snapshots<number>(() => [m], [m.mem], 64 << 20);
    snaps.take(0, 0);
    m.cpu.run(5000);
    snaps.restore(0);
    m.cpu.run(7000);
    const ref = fresh('interp', 7000);
    expect(fingerprint(m.cpu, m.stats, m.mmu, m.mem)).toBe(fingerprint(ref.cpu, ref.stats, ref.mmu, ref.mem));
    expect(m.cpu.jitStats!.blockInstructions).toBeGreaterThan(0);
  });
});
