// The MMU with hand-built page tables (isa/README.md section 6): every permission combination,
// superpages, the Accessed and Dirty bits of walk step 7, ASIDs and Global entries, tlbflush,
// invlpg, stale entries, and what a walk costs in memory references.
//
// Each program runs under a small "kernel" map: the save area (supervisor RW), the code pages
// (user-executable), the devices and the page tables themselves (supervisor RW, so a program can
// rewrite a PTE), all with A and D already set so that only the test pages see A/D updates.

import { describe, expect, it } from 'vitest';
import { ACCESS, CAUSE, CR, PTE, STATUS } from '../../isa/arch.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_PROFILE } from '../../emulator/profile.ts';
import type { Tlb } from '../../emulator/tlb.ts';
import { HARNESS_MEMORY_BYTES, PT_BASE, PageTables, hex, insn, runSnippet, type SnippetResult, type SnippetOptions } from './harness.ts';

const { V, W, X, U, G, A, D, L } = PTE;
const KERNEL = V | W | A | D;
const PT_REGION_BYTES = 0x80000;

/** Virtual pages the tests map, and the frames behind them (VA != PA so translation shows). */
const P = 0x00400000;
const Q = 0x00402000;
const GP = 0x00401000;
const FRAME = { A: 0x00500000, B: 0x00600000, C: 0x00700000, G1: 0x00501000, G2: 0x00601000, Q: 0x00502000 } as const;
const SUPER_VA = 0x00800000;
const SUPER_PA = 0x00400000;

/** Build the kernel part of a page table at `base`. */
function kernelTables(mem: Machine['mem'], base: number): PageTables {
  const pt = new PageTables(mem, base);
  pt.map4k(0x0000, 0x0000, KERNEL);
  for (let va = 0x1000; va < 0x4000; va += 0x1000) pt.map4k(va, va, V | X | U | A | D);
  pt.map4k(0xf0000000, 0xf0000000, KERNEL);
  for (let va = PT_BASE; va < PT_BASE + PT_REGION_BYTES; va += 0x1000) pt.map4k(va, va, KERNEL);
  return pt;
}

interface Mapped {
  readonly r: SnippetResult;
  readonly pt: PageTables;
  readonly pt2: PageTables;
}

interface MappedOptions extends Omit<SnippetOptions, 'setup' | 'env'> {
  /** Add the test's mappings to the first (and second) table. */
  map?: (pt: PageTables, pt2: PageTables, m: Machine) => void;
  asid?: number;
}

/**
 * Run a snippet with paging on under kernel tables at PT_BASE (ASID `asid`, default 1). A second
 * table with the same kernel part is at PT_BASE + 0x40000 for ASID tests. Registers s0 and s1
 * hold the PTBR values of the two tables with ASIDs 1 and 2.
 */
function runMapped(body: string, options: MappedOptions = {}): Mapped {
  let pt!: PageTables;
  let pt2!: PageTables;
  const r = runSnippet(body, {
    ...options,
    setup: (m) => {
      pt = kernelTables(m.mem, PT_BASE);
      pt2 = kernelTables(m.mem, PT_BASE + 0x40000);
      options.map?.(pt, pt2, m);
      m.cpu.regs[12] = pt.root | 1;
      m.cpu.regs[13] = pt2.root | 2;
      m.cpu.writeCr(CR.PTBR, pt.root | (options.asid ?? 1));
      m.cpu.writeCr(CR.STATUS, STATUS.MODE | STATUS.PG);
    },
  });
  return { r, pt, pt2 };
}

/** Entries of a TLB that map the page holding `va`. */
function entriesFor(tlb: Tlb, va: number): { asid: number; global: boolean; pa: number }[] {
  return tlb
    .entries()
    .filter((e) => (va >>> 0) >= e.va && (va >>> 0) < e.va + e.pageBytes)
    .map((e) => ({ asid: e.asid, global: (e.bits & G) !== 0, pa: e.pa }));
}

// ---------------------------------------------------------------- permissions

type Access = 'fetch' | 'load' | 'store';
const ACCESSES: readonly Access[] = ['fetch', 'load', 'store'];
const PROTECTION: Record<Access, number> = {
  fetch: CAUSE.FETCH_PROTECTION_FAULT,
  load: CAUSE.LOAD_PROTECTION_FAULT,
  store: CAUSE.STORE_PROTECTION_FAULT,
};
const NOT_PRESENT: Record<Access, number> = {
  fetch: CAUSE.FETCH_PAGE_FAULT,
  load: CAUSE.LOAD_PAGE_FAULT,
  store: CAUSE.STORE_PAGE_FAULT,
};

/** Step 6 of the walk, written out: the cause of the fault, or undefined for success. */
function expectedCause(leaf: number, user: boolean, access: Access): number | undefined {
  if (!(leaf & V)) return NOT_PRESENT[access];
  if (user && !(leaf & U)) return PROTECTION[access];
  if (access === 'store' && !(leaf & W)) return PROTECTION[access];
  if (access === 'fetch' && !(leaf & X)) return PROTECTION[access];
  return undefined;
}

const DATA_OFFSET = 0x10;
const DATA_WORD = 0x12345678;
const PRECISE = 0x1111;
/** The code placed in the test page: a0 = 0x5a, return. */
const PAGE_CODE = [insn('addi', { rd: 3, rs1: 0, imm18: 0x5a }), insn('jalr', { rd: 0, rs1: 1, imm18: 0 })];

function accessBody(access: Access, va: number, user: boolean): string {
  const op = { fetch: 'jalr ra, 0(t0)', load: `lw a0, ${DATA_OFFSET}(t0)`, store: `sw a1, ${DATA_OFFSET}(t0)` }[access];
  return `
      li t0, ${va}
      li a1, 0x77
      ${user ? 'enter_user' : ''}
fault: ${op}
done: syscall`;
}

/** Put the test page's contents at a frame. */
function fillFrame(m: Machine, frame: number): void {
  PAGE_CODE.forEach((w, i) => { m.mem.i32[(frame >>> 2) + i] = w | 0; });
  m.mem.i32[(frame + DATA_OFFSET) >>> 2] = DATA_WORD;
}

/** Run one access and check it against expectedCause. `mapLeaf` installs the leaf for va and returns the expected leaf bits. */
function checkAccess(access: Access, user: boolean, va: number, frame: number, leaf: number, mapLeaf: (pt: PageTables) => void): void {
  const { r, pt } = runMapped(accessBody(access, va, user), {
    regs: { a0: PRECISE },
    map: (pt, _pt2, m) => {
      mapLeaf(pt);
      fillFrame(m, frame);
    },
  });
  const cause = expectedCause(leaf, user, access);
  const leafAfter = pt.leaf(va);
  if (cause === undefined) {
    expect(r.cr('CAUSE')).toBe(CAUSE.SYSCALL);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('done')));
    if (access === 'fetch') expect(r.reg('a0')).toBe(0x5a);
    if (access === 'load') expect(hex(r.reg('a0'))).toBe(hex(DATA_WORD));
    if (access === 'store') expect(r.word(frame + DATA_OFFSET)).toBe(0x77);
    // Step 7: A set on use, D on a store.
    expect(leafAfter & A).toBe(A);
    expect(leafAfter & D).toBe(access === 'store' ? D : 0);
  } else {
    expect(r.cr('CAUSE')).toBe(cause);
    const faultVa = access === 'fetch' ? va : va + DATA_OFFSET;
    expect(hex(r.cr('EPC'))).toBe(hex(access === 'fetch' ? va : r.symbol('fault')));
    expect(hex(r.cr('BADVA'))).toBe(hex(faultVa));
    expect(hex(r.reg('a0'))).toBe(hex(PRECISE));
    expect(hex(r.word(frame + DATA_OFFSET))).toBe(hex(DATA_WORD));
    // A faulting walk writes nothing.
    expect(hex(leafAfter & 0xfff)).toBe(hex(leaf & 0xfff));
  }
}

describe('permissions: every U/W/X combination x user/supervisor x fetch/load/store (4 KiB pages)', () => {
  const cases: [number, string, number, boolean, Access][] = [];
  let n = 2;
  for (let bits = 0; bits < 8; bits++) {
    const leaf = V | (bits & 1 ? U : 0) | (bits & 2 ? W : 0) | (bits & 4 ? X : 0);
    for (const user of [false, true]) {
      for (const access of ACCESSES) {
        const name = `${user ? 'user' : 'supervisor'} ${access}, leaf ${[leaf & U ? 'U' : '-', leaf & W ? 'W' : '-', leaf & X ? 'X' : '-'].join('')}`;
        cases.push([n++, name, leaf, user, access]);
      }
    }
  }
  it.each(cases)('case %i: %s', (_n, _name, leaf, user, access) => {
    checkAccess(access, user, P, FRAME.A, leaf, (pt) => pt.map4k(P, FRAME.A, leaf));
  });

  it.each(ACCESSES.flatMap((access, i) => [
    [50 + 2 * i, access, false] as const,
    [51 + 2 * i, access, true] as const,
  ]))('case %i: %s with a leaf V = 0 (all other bits set) is a page fault, user=%s', (_n, access, user) => {
    const leaf = (U | W | X | A | D) >>> 0;
    checkAccess(access, user, P, FRAME.A, leaf, (pt) => pt.map4k(P, FRAME.A, leaf));
  });

  it.each(ACCESSES.map((access, i) => [56 + i, access] as const))('case %i: %s with no directory entry (pde.V = 0) is a page fault', (_n, access) => {
    const { r } = runMapped(accessBody(access, 0x01000000, false), { regs: { a0: PRECISE } });
    expect(r.cr('CAUSE')).toBe(NOT_PRESENT[access]);
    expect(hex(r.cr('BADVA'))).toBe(hex(access === 'fetch' ? 0x01000000 : 0x01000000 + DATA_OFFSET));
  });

  it('case 59: W, X and U of a directory entry are ignored: a pde with only V still gives user RWX', () => {
    for (const access of ACCESSES) {
      checkAccess(access, true, P, FRAME.A, V | U | W | X, (pt) => {
        pt.map4k(P, FRAME.A, V | U | W | X);
        expect(pt.read(pt.pdeAddr(P)) & 0xfff).toBe(V);
      });
    }
  });

  it('case 60: the walker never sets A or D in a directory entry', () => {
    const { pt } = runMapped(accessBody('store', P, false), { map: (pt) => pt.map4k(P, FRAME.A, V | W) });
    expect(pt.read(pt.pdeAddr(P)) & (A | D)).toBe(0);
    expect(pt.leaf(P) & (A | D)).toBe(A | D);
  });

  it('case 61: L in a level-0 entry is ignored (a 4 KiB leaf)', () => {
    checkAccess('load', false, P, FRAME.A, V | L, (pt) => pt.map4k(P, FRAME.A, V | L));
  });

  it('case 62: software bits 11..8 survive the A/D write-back', () => {
    const { pt } = runMapped(accessBody('store', P, false), { map: (pt) => pt.map4k(P, FRAME.A, V | W | 0xa00) });
    expect(hex(pt.leaf(P))).toBe(hex(FRAME.A | V | W | A | D | 0xa00));
  });
});

describe('permissions are checked on TLB hits too', () => {
  it('case 2: a user load of a U = 0 page cached by a supervisor load faults', () => {
    const { r } = runMapped(`
      li t0, ${P}
      lw a1, 0(t0)
      enter_user
fault: lw a0, 0(t0)`, { regs: { a0: PRECISE }, map: (pt) => pt.map4k(P, FRAME.A, V | W) });
    expect(r.cr('CAUSE')).toBe(CAUSE.LOAD_PROTECTION_FAULT);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
    expect(hex(r.reg('a0'))).toBe(hex(PRECISE));
  });

  it('case 3: a store to a read-only page cached by a load faults', () => {
    const { r } = runMapped(`
      li t0, ${P}
      lw a1, 0(t0)
      lw a1, 4(t0)
fault: sw a2, 0(t0)`, { regs: { a2: 0x99 }, map: (pt, _p, m) => { pt.map4k(P, FRAME.A, V | A); fillFrame(m, FRAME.A); } });
    expect(r.cr('CAUSE')).toBe(CAUSE.STORE_PROTECTION_FAULT);
    expect(hex(r.cr('BADVA'))).toBe(hex(P));
    expect(r.word(FRAME.A)).toBe(PAGE_CODE[0]);
  });
});

// ---------------------------------------------------------------- superpages

describe('superpages (section 6.3)', () => {
  it('case 2: a 4 MiB leaf maps va[21:0] onto the 4 MiB-aligned frame', () => {
    const { r, pt } = runMapped(`
      li t0, ${SUPER_VA}
      lw a0, 0x10(t0)
      li t1, ${SUPER_VA + 0x3ffffc}
      lw a1, 0(t1)
      li t2, ${SUPER_VA + 0x123458}
      sw a2, 0(t2)`, {
      regs: { a2: 0xabcd },
      map: (pt, _p, m) => {
        pt.mapSuper(SUPER_VA, SUPER_PA, V | W);
        m.mem.i32[(SUPER_PA + 0x10) >>> 2] = 0x5151;
        m.mem.i32[(SUPER_PA + 0x3ffffc) >>> 2] = 0x6262;
      },
    });
    expect(r.ended).toBe('done');
    expect(r.reg('a0')).toBe(0x5151);
    expect(r.reg('a1')).toBe(0x6262);
    expect(r.word(SUPER_PA + 0x123458)).toBe(0xabcd);
    // One TLB entry maps the whole superpage; the pde is the leaf and gets A and D.
    const entries = entriesFor(r.machine.mmu.dtlb, SUPER_VA);
    expect(entries).toHaveLength(1);
    expect(r.machine.mmu.dtlb.entries().find((e) => e.va === SUPER_VA)!.pageBytes).toBe(4 << 20);
    expect(pt.read(pt.pdeAddr(SUPER_VA)) & (A | D)).toBe(A | D);
  });

  it.each(ACCESSES.flatMap((access, i) => [[3 + 2 * i, access, false] as const, [4 + 2 * i, access, true] as const]))(
    'case %i: %s through a superpage with U/W/X all clear, user=%s',
    (_n, access, user) => {
      checkAccess(access, user, SUPER_VA, SUPER_PA, V | L, (pt) => pt.mapSuper(SUPER_VA, SUPER_PA, V));
    },
  );

  it.each(ACCESSES.flatMap((access, i) => [[9 + 2 * i, access, false] as const, [10 + 2 * i, access, true] as const]))(
    'case %i: %s through a superpage with U, W and X set, user=%s',
    (_n, access, user) => {
      checkAccess(access, user, SUPER_VA, SUPER_PA, V | U | W | X | L, (pt) => pt.mapSuper(SUPER_VA, SUPER_PA, V | U | W | X));
    },
  );

  it.each(ACCESSES.map((access, i) => [15 + i, access] as const))('case %i: %s through a superpage whose frame bits 21..12 are not 0 is a page fault', (_n, access) => {
    const misaligned = SUPER_PA | 0x1000;
    const { r, pt } = runMapped(accessBody(access, SUPER_VA, false), {
      regs: { a0: PRECISE },
      map: (pt, _p, m) => {
        pt.mapSuper(SUPER_VA, misaligned, V | W | X);
        fillFrame(m, misaligned);
        fillFrame(m, SUPER_PA);
      },
    });
    expect(r.cr('CAUSE')).toBe(NOT_PRESENT[access]);
    expect(hex(r.cr('BADVA'))).toBe(hex(access === 'fetch' ? SUPER_VA : SUPER_VA + DATA_OFFSET));
    expect(hex(r.reg('a0'))).toBe(hex(PRECISE));
    expect(pt.read(pt.pdeAddr(SUPER_VA)) & A).toBe(0);
  });

  it('case 18: invlpg of any address inside a superpage drops its entry', () => {
    const { r } = runMapped(`
      li t0, ${SUPER_VA}
      lw a0, 0(t0)
      li t1, ${SUPER_VA + 0x2f0000}
      invlpg t1
      wfi`, { map: (pt) => pt.mapSuper(SUPER_VA, SUPER_PA, V) });
    expect(r.run.reason).toBe('wfi-deadlock');
    expect(entriesFor(r.machine.mmu.dtlb, SUPER_VA)).toEqual([]);
  });
});

// ---------------------------------------------------------------- bus errors in walks

describe('page tables and frames outside RAM', () => {
  it.each([
    [2, 'a directory entry pointing outside RAM', 0x80000000],
    [3, 'a directory entry pointing into the device region', 0xf0000000],
  ])('case %i: %s: BUS_ERROR with BADVA = va', (_n, _name, table) => {
    const { r } = runMapped(`li t0, ${P}\nfault: lw a0, 8(t0)`, {
      regs: { a0: PRECISE },
      map: (pt) => pt.write(pt.pdeAddr(P), (table | V) >>> 0),
    });
    expect(r.cr('CAUSE')).toBe(CAUSE.BUS_ERROR);
    expect(hex(r.cr('BADVA'))).toBe(hex(P + 8));
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
    expect(hex(r.reg('a0'))).toBe(hex(PRECISE));
  });

  it('case 4: a leaf whose frame is outside RAM: BUS_ERROR with BADVA = va (the walk itself succeeds)', () => {
    const { r, pt } = runMapped(`li t0, ${P}\nfault: sw a1, 4(t0)`, { map: (pt) => pt.map4k(P, 0x80000000, V | W) });
    expect(r.cr('CAUSE')).toBe(CAUSE.BUS_ERROR);
    expect(hex(r.cr('BADVA'))).toBe(hex(P + 4));
    expect(pt.leaf(P) & (A | D)).toBe(A | D);
  });

  it('case 5: a user-mapped device page reaches the console', () => {
    const { r } = runMapped(`
      li t0, ${P}
      li a1, 0x21
      enter_user
      sw a1, 0(t0)
      syscall`, { map: (pt) => pt.map4k(P, 0xf0000000, V | W | U) });
    expect(r.cr('CAUSE')).toBe(CAUSE.SYSCALL);
    expect(r.machine.devices.console.drainText()).toBe('!');
  });
});

// ---------------------------------------------------------------- A and D

describe('Accessed and Dirty bits (walk step 7)', () => {
  const run = (body: string, leaf: number) =>
    runMapped(`li t0, ${P}\n${body}`, { regs: { a1: 0x42 }, map: (pt, _p, m) => { pt.map4k(P, FRAME.A, leaf); fillFrame(m, FRAME.A); } });

  it.each([
    [2, 'a load sets A', 'lw a0, 0(t0)', V | W, A, 1],
    [3, 'a store sets A and D', 'sw a1, 0(t0)', V | W, A | D, 1],
    [4, 'a fetch sets A', 'jalr ra, 0(t0)', V | X, A, 1],
    [5, 'a load of a page with A set writes nothing', 'lw a0, 0(t0)', V | W | A, A, 0],
    [6, 'a store to a page with A and D set writes nothing', 'sw a1, 0(t0)', V | W | A | D, A | D, 0],
    [7, 'a store to a page with A set and D clear sets D', 'sw a1, 0(t0)', V | W | A, A | D, 1],
    [8, 'two loads set A once', 'lw a0, 0(t0)\nlw a0, 4(t0)', V, A, 1],
    [9, 'a failed store (W = 0) writes nothing', 'sw a1, 0(t0)', V, 0, 0],
  ] as const)('case %i: %s', (_n, _name, body, leaf, ad, updates) => {
    const { r, pt } = run(body, leaf);
    expect(pt.leaf(P) & (A | D)).toBe(ad);
    expect(r.machine.stats.adUpdates).toBe(updates);
  });

  it('case 10: a store through a TLB entry cached by a load walks again and sets D', () => {
    const { r, pt } = run('lw a0, 0(t0)\nlw a0, 4(t0)\nsw a1, 8(t0)\nsw a1, 12(t0)', V | W);
    expect(pt.leaf(P) & (A | D)).toBe(A | D);
    expect(r.machine.stats.adUpdates).toBe(2);
    expect(r.word(FRAME.A + 8)).toBe(0x42);
    // Only the test page was ever missing A or D; it was walked twice (load, first store).
    const entries = entriesFor(r.machine.mmu.dtlb, P);
    expect(entries).toHaveLength(1);
    expect(r.machine.mmu.dtlb.entries().find((e) => e.va === P)!.bits & D).toBe(D);
  });

  it('case 11: a store to a page cached clean rewalks even when the PTE already has D (another writer set it)', () => {
    const { r, pt } = runMapped(`
      li t0, ${P}
      lw a0, 0(t0)
      sw s3, 0(s2)        ; the "other writer": set D in the PTE behind the TLB's back
      sw a1, 4(t0)`, {
      regs: { a1: 0x42 },
      map: (pt, _p, m) => {
        const pteAddr = pt.map4k(P, FRAME.A, V | W);
        m.cpu.regs[14] = pteAddr;
        m.cpu.regs[15] = FRAME.A | V | W | A | D;
      },
    });
    expect(pt.leaf(P) & (A | D)).toBe(A | D);
    // The load's A write-back only: the store's walk found D already set.
    expect(r.machine.stats.adUpdates).toBe(1);
    expect(r.machine.stats.tlbMisses[ACCESS.STORE]).toBeGreaterThanOrEqual(1);
  });

  it('case 12: a misaligned fetch does not translate, so it does not set A (section 5.1 order of checks)', () => {
    // Regression: the CPU translated the fetch address before checking its alignment, so the walk
    // set A in the leaf of a page that was never used.
    const { r, pt } = runMapped(`
      mfcr t0, status
      ori t0, t0, ${STATUS.PMODE}
      mtcr status, t0
      li t1, ${P + 2}
      mtcr epc, t1
      eret`, { map: (pt, _p, m) => { pt.map4k(P, FRAME.A, V | X); fillFrame(m, FRAME.A); } });
    expect(r.cr('CAUSE')).toBe(CAUSE.MISALIGNED_FETCH);
    expect(pt.leaf(P) & A).toBe(0);
    expect(r.machine.stats.tlbMisses[ACCESS.FETCH]).toBe(1); // the code page only
  });
});

// ---------------------------------------------------------------- ASIDs, flushes, stale entries

describe('ASIDs and Global entries (section 6.4)', () => {
  // Table 1 (ASID 1): P → A, GP → G1 (Global). Table 2 (ASID 2): P → B, GP → G2.
  const map = (pt: PageTables, pt2: PageTables, m: Machine): void => {
    pt.map4k(P, FRAME.A, V | W);
    pt.map4k(GP, FRAME.G1, V | W | G);
    pt.map4k(Q, FRAME.Q, V | W);
    pt2.map4k(P, FRAME.B, V | W);
    pt2.map4k(GP, FRAME.G2, V | W);
    m.mem.i32[FRAME.A >>> 2] = 0xa1;
    m.mem.i32[FRAME.B >>> 2] = 0xb2;
    m.mem.i32[FRAME.G1 >>> 2] = 0x61;
    m.mem.i32[FRAME.G2 >>> 2] = 0x62;
    m.mem.i32[FRAME.Q >>> 2] = 0x71;
  };
  const regs = { t0: P, t1: GP, t2: Q };

  it('case 2: a PTBR write drops the non-Global entries of the ASID written; other ASIDs and Global entries survive', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)        ; ASID 1: P
      lw a1, 0(t1)        ; Global: GP
      mtcr ptbr, s1       ; table 2, ASID 2
      lw a2, 0(t0)        ; ASID 2: P
      lw a3, 0(t1)        ; the Global entry matches ASID 2 too: G1, not G2
      mtcr ptbr, s0       ; table 1, ASID 1 again: drops ASID 1's P
      wfi`, { regs, map });
    expect(r.run.reason).toBe('wfi-deadlock');
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2'), r.reg('a3')]).toEqual([0xa1, 0x61, 0xb2, 0x61]);
    const tlb = r.machine.mmu.dtlb;
    expect(entriesFor(tlb, P)).toEqual([{ asid: 2, global: false, pa: FRAME.B }]);
    expect(entriesFor(tlb, GP)).toEqual([{ asid: 1, global: true, pa: FRAME.G1 }]);
    expect(r.machine.stats.ptbrWrites).toBe(3);
  });

  it('case 3: after a PTBR write to the same ASID a changed PTE is seen; a Global entry stays stale', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)
      lw a1, 0(t1)
      sw s2, 0(s3)        ; P → C in table 1
      sw t3, 0(t4)        ; GP → C + 0x1000 in table 1
      mtcr ptbr, s0
      lw a2, 0(t0)        ; walks again: C
      lw a3, 0(t1)        ; Global entry survived: still G1
      tlbflush
      lw s2, 0(t1)        ; now C + 0x1000`, {
      regs,
      map: (pt, pt2, m) => {
        map(pt, pt2, m);
        m.cpu.regs[14] = FRAME.C | V | W;
        m.cpu.regs[15] = pt.leafAddr(P);
        m.cpu.regs[10] = (FRAME.C + 0x1000) | V | W | G;
        m.cpu.regs[11] = pt.leafAddr(GP);
        m.mem.i32[FRAME.C >>> 2] = 0xc3;
        m.mem.i32[(FRAME.C + 0x1000) >>> 2] = 0xc4;
      },
    });
    expect(r.ended).toBe('done');
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2'), r.reg('a3'), r.reg('s2')]).toEqual([0xa1, 0x61, 0xc3, 0x61, 0xc4]);
  });

  it('case 4: entries of each ASID are used only by that ASID', () => {
    // P cached for ASID 2, then ASID 1 (a different table) must not hit it.
    const { r } = runMapped(`
      mtcr ptbr, s1
      lw a0, 0(t0)        ; ASID 2: B
      mtcr ptbr, s0
      lw a1, 0(t0)        ; ASID 1: A (its own walk)
      wfi`, { regs, map });
    expect([r.reg('a0'), r.reg('a1')]).toEqual([0xb2, 0xa1]);
    expect(entriesFor(r.machine.mmu.dtlb, P).sort((x, y) => x.asid - y.asid)).toEqual([
      { asid: 1, global: false, pa: FRAME.A },
      { asid: 2, global: false, pa: FRAME.B },
    ]);
  });

  it('case 5: tlbflush drops every entry, Global ones included', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)
      lw a1, 0(t1)
      mtcr ptbr, s1
      lw a2, 0(t0)
      tlbflush
      wfi`, { regs, map });
    const tlb = r.machine.mmu.dtlb;
    // Only the fetch of the wfi's page was filled after the flush.
    expect(tlb.entries().map((e) => hex(e.va))).toEqual([hex(r.symbol('__done') & ~0xfff)]);
    expect(r.machine.stats.tlbFlushes).toBe(1);
  });

  it('case 6: invlpg drops the page in every ASID, Global included, and nothing else', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)        ; ASID 1: P
      lw a1, 0(t1)        ; Global: GP
      lw a2, 0(t2)        ; ASID 1: Q
      mtcr ptbr, s1
      lw a3, 0(t0)        ; ASID 2: P
      addi t3, t0, 0x123
      invlpg t3           ; any address in the page
      invlpg t1
      wfi`, { regs, map });
    const tlb = r.machine.mmu.dtlb;
    expect(entriesFor(tlb, P)).toEqual([]);
    expect(entriesFor(tlb, GP)).toEqual([]);
    expect(entriesFor(tlb, Q)).toEqual([{ asid: 1, global: false, pa: FRAME.Q }]);
    expect(r.machine.stats.invlpgs).toBe(2);
  });

  it('case 7: changing STATUS.PG does not flush the TLB', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)
      mfcr t3, status
      andi t4, t3, ${~STATUS.PG}
      mtcr status, t4     ; paging off (code is identity-mapped)
      mtcr status, t3     ; and on again
      lw a1, 0(t0)
      wfi`, { regs, map });
    expect(r.reg('a1')).toBe(0xa1);
    expect(r.machine.stats.tlbMisses[ACCESS.LOAD]).toBe(1);
    expect(entriesFor(r.machine.mmu.dtlb, P)).toHaveLength(1);
  });
});

describe('stale translations (section 6.4: nothing else keeps the TLB coherent)', () => {
  const body = (between: string): string => `
      lw a0, 0(t0)        ; P → A, cached
      sw s2, 0(s3)        ; PTE of P now → C, no invlpg
      ${between}
      lw a1, 0(t0)        ; the old translation is still used
      invlpg t0
      lw a2, 0(t0)        ; the new PTE is used`;
  const options: MappedOptions = {
    regs: { t0: P, t2: Q },
    map: (pt, _pt2, m) => {
      pt.map4k(P, FRAME.A, V | W | A | D);
      pt.map4k(Q, FRAME.Q, V | W | A | D);
      m.cpu.regs[14] = FRAME.C | V | W | A | D;
      m.cpu.regs[15] = pt.leafAddr(P);
      m.mem.i32[FRAME.A >>> 2] = 0xa1;
      m.mem.i32[FRAME.C >>> 2] = 0xc3;
    },
  };

  it('case 2: the next load to the same page', () => {
    const { r } = runMapped(body(''), options);
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2')]).toEqual([0xa1, 0xa1, 0xc3]);
  });

  it('case 3: after another page was touched (the TLB itself answers)', () => {
    const { r } = runMapped(body('lw t1, 0(t2)\nsw t1, 4(t2)'), options);
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2')]).toEqual([0xa1, 0xa1, 0xc3]);
  });

  it('case 4: a removed mapping (V = 0) stays usable until invlpg, then faults', () => {
    const { r } = runMapped(`
      lw a0, 0(t0)
      sw zero, 0(s3)
      lw a1, 0(t0)
      invlpg t0
fault: lw a2, 0(t0)`, { ...options, regs: { t0: P, a2: PRECISE } });
    expect([r.reg('a0'), r.reg('a1'), r.reg('a2')]).toEqual([0xa1, 0xa1, PRECISE]);
    expect(r.cr('CAUSE')).toBe(CAUSE.LOAD_PAGE_FAULT);
    expect(hex(r.cr('EPC'))).toBe(hex(r.symbol('fault')));
  });
});

// ---------------------------------------------------------------- walk cost

describe('walk statistics', () => {
  /** A machine with paging on, the MMU driven directly. */
  function mmuMachine(map: (pt: PageTables) => void): { m: Machine; pt: PageTables } {
    const m = new Machine({ memoryBytes: HARNESS_MEMORY_BYTES });
    const pt = new PageTables(m.mem, PT_BASE);
    map(pt);
    m.cpu.writeCr(CR.PTBR, pt.root);
    m.cpu.writeCr(CR.STATUS, STATUS.MODE | STATUS.PG);
    return { m, pt };
  }
  const walkCycles = (refs: number): number => DEFAULT_PROFILE.walkStartCycles + refs * DEFAULT_PROFILE.walkRefCycles;

  it('case 2: a cold 4 KiB load: 2 references + 1 for the A write-back; then a hit', () => {
    const { m } = mmuMachine((pt) => pt.map4k(P, FRAME.A, V | W));
    const s = m.stats;
    expect(hex(m.mmu.translate(P + 0x10, ACCESS.LOAD))).toBe(hex(FRAME.A + 0x10));
    expect([s.walks, s.walkRefs, s.adUpdates, s.cyclesWalk]).toEqual([1, 3, 1, walkCycles(3)]);
    expect(hex(m.mmu.translate(P + 0x20, ACCESS.LOAD))).toBe(hex(FRAME.A + 0x20));
    expect([s.walks, s.walkRefs, s.tlbHits[ACCESS.LOAD], s.tlbMisses[ACCESS.LOAD]]).toEqual([1, 3, 1, 1]);
    // The first store finds D clear in the entry: a second walk, 2 reads + the D write-back.
    m.mmu.translate(P, ACCESS.STORE);
    expect([s.walks, s.walkRefs, s.adUpdates, s.tlbMisses[ACCESS.STORE]]).toEqual([2, 6, 2, 1]);
    m.mmu.translate(P + 4, ACCESS.STORE);
    expect([s.walks, s.tlbHits[ACCESS.STORE]]).toEqual([2, 1]);
  });

  it('case 3: a cold superpage load: 1 reference + 1 for the A write-back', () => {
    const { m } = mmuMachine((pt) => pt.mapSuper(SUPER_VA, SUPER_PA, V | W));
    const s = m.stats;
    expect(hex(m.mmu.translate(SUPER_VA + 0x345678, ACCESS.LOAD))).toBe(hex(SUPER_PA + 0x345678));
    expect([s.walks, s.walkRefs, s.adUpdates]).toEqual([1, 2, 1]);
    m.mmu.translate(SUPER_VA + 0x100, ACCESS.STORE);
    expect([s.walks, s.walkRefs, s.adUpdates]).toEqual([2, 4, 2]);
  });

  it('case 4: with A and D already set there is no write-back', () => {
    const { m } = mmuMachine((pt) => {
      pt.map4k(P, FRAME.A, V | W | A | D);
      pt.mapSuper(SUPER_VA, SUPER_PA, V | W | A | D);
    });
    m.mmu.translate(P, ACCESS.STORE);
    m.mmu.translate(SUPER_VA, ACCESS.STORE);
    expect([m.stats.walks, m.stats.walkRefs, m.stats.adUpdates]).toEqual([2, 3, 0]);
  });

  it.each([
    [5, 'no directory entry', (pt: PageTables) => pt.write(pt.pdeAddr(P), 0), 1, CAUSE.LOAD_PAGE_FAULT],
    [6, 'leaf V = 0', (pt: PageTables) => pt.map4k(P, FRAME.A, W), 2, CAUSE.LOAD_PAGE_FAULT],
    [7, 'misaligned superpage', (pt: PageTables) => pt.mapSuper(P, FRAME.A, V), 1, CAUSE.LOAD_PAGE_FAULT],
  ] as const)('case %i: a faulting walk (%s) costs its reads only', (_n, _name, map, refs, cause) => {
    const { m } = mmuMachine(map);
    expect(m.mmu.translate(P, ACCESS.LOAD)).toBe(-1);
    expect(m.mmu.faultCause).toBe(cause);
    expect(hex(m.mmu.faultAddr)).toBe(hex(P));
    expect([m.stats.walks, m.stats.walkRefs, m.stats.adUpdates]).toEqual([1, refs, 0]);
  });

  it('case 8: a protection fault costs the two reads and writes nothing', () => {
    const { m, pt } = mmuMachine((pt) => pt.map4k(P, FRAME.A, V));
    expect(m.mmu.translate(P, ACCESS.STORE)).toBe(-1);
    expect(m.mmu.faultCause).toBe(CAUSE.STORE_PROTECTION_FAULT);
    expect([m.stats.walkRefs, m.stats.adUpdates]).toEqual([2, 0]);
    expect(pt.leaf(P) & A).toBe(0);
  });

  it.each([
    [9, '4 KiB page', (pt: PageTables) => pt.map4k(P, FRAME.A, V | W), P, 3],
    [10, 'superpage', (pt: PageTables) => pt.mapSuper(SUPER_VA, SUPER_PA, V | W), SUPER_VA, 2],
  ] as const)('case %i: in a program, one cold load of a %s adds %i walk references', (_n, _name, map, va, refs) => {
    const walkRefs = (body: string): number => runMapped(body, { regs: { t0: va }, map: (pt) => map(pt) }).r.machine.stats.walkRefs;
    expect(walkRefs('lw a0, 0(t0)') - walkRefs('nop')).toBe(refs);
  });
});
