// The remap property: a guest that follows the TLB rules (isa/README.md 6.4: after changing a
// PTE, `invlpg` the page or superpage, or `tlbflush`) reads the same values natively, under
// shadow paging (wp and oos) and under EPT (1 to 4 levels, large pages, a page-walk cache,
// VPIDs), however its superpages and small pages are remapped.
//
// This is the property that caught EPT keeping stale 4 KiB pieces of a guest superpage after
// `invlpg` (the TLB holds a guest superpage over 4 KiB EPT pages as several entries): so every
// case reads several pieces of a superpage before remapping it, and invalidates it by an address
// anywhere in it, not only by its base.
//
// One guest per case, generated as assembly. Guest-physical layout (16 MiB of RAM):
//   0x0000-0x6fff code, 0x7000 PD, 0x8000 PT0 (identity map of 0..64 KiB, supervisor),
//   0x9000 and 0xa000 the two tables a region may use, 0xb000 the log, 0xc000 the trap stack;
//   0x20000-0x27000 eight small frames; 0x400000, 0x800000, 0xc00000 three superpage frames.
// Directory entries 1 and 2 (VA 0x400000-0xbfffff) are the random part: each is absent, a
// superpage (writable or not) or one of the two tables, whose entries at six page indices map
// small frames (writable or not) or nothing. Every page that a read can reach holds a marker
// word at its start (its own physical address, plus 1). Steps read and write those pages, remap
// directory and table entries (then invalidate as the rules require: one `invlpg` anywhere in a
// superpage; every page of a table that was in use; or a `tlbflush`), flush, or reload PTBR.
// Each read logs its value; a fault logs 0xfa000000 | CAUSE (the handler skips the access).
//
// Runs: VMMLAB_PROPERTY_RUNS (default 40; each case runs in 23 configurations, dynamic mode with
// random switches among them, about 15 s),
// times VMMLAB_CAMPAIGN_SCALE; seed VMMLAB_PROPERTY_SEED. A failure prints the generated program and the two logs side by side.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../isa/image.ts';
import { DEFAULT_MMU } from '../../emulator/mmu.ts';
import { MiB, TEST_AGILE, TEST_DYNAMIC, assembleGuest, hex, runIn, type Env, type Outcome, type RunOptions } from './harness.ts';

const RUNS = Math.max(1, Math.round(Number(process.env.VMMLAB_PROPERTY_RUNS ?? 40) * Number(process.env.VMMLAB_CAMPAIGN_SCALE ?? 1)));
const SEED = Number(process.env.VMMLAB_PROPERTY_SEED ?? 0x5e9a);

const MEMORY_BYTES = 16 * MiB;
const HOST_MEMORY_BYTES = 40 * MiB;
const PD = 0x7000;
const PT0 = 0x8000;
const TABLES = [0x9000, 0xa000] as const;
const LOG = 0xb000;
const SMALL_FRAMES = Array.from({ length: 8 }, (_, i) => 0x20000 + i * 0x1000);
const SUPER_FRAMES = [0x400000, 0x800000, 0xc00000] as const;
/** The page indices (VPN0) within a region that reads, writes and table entries use. */
const PIECES = [0, 1, 2, 3, 0x100, 0x3ff] as const;
const REGIONS = [1, 2] as const;
const V = 0x01, W = 0x02, L = 0x80;

type Pde = { kind: 'none' } | { kind: 'super'; frame: number; writable: boolean } | { kind: 'table'; table: 0 | 1 };
type Pte = { frame: number; writable: boolean } | null;

type Step =
  | { op: 'read'; region: 1 | 2; piece: number; offset: number }
  | { op: 'write'; region: 1 | 2; piece: number; value: number }
  | { op: 'pde'; region: 1 | 2; to: Pde; by: 'invlpg' | 'tlbflush'; anywhere: number }
  | { op: 'pte'; table: 0 | 1; piece: number; to: Pte; by: 'invlpg' | 'tlbflush' }
  | { op: 'tlbflush' }
  | { op: 'ptbr'; keep: boolean };

interface Case {
  readonly pdes: readonly Pde[];
  readonly tables: readonly (readonly Pte[])[];
  readonly steps: readonly Step[];
}

const region = fc.constantFrom(...REGIONS);
const piece = fc.constantFrom(...PIECES);
const pde: fc.Arbitrary<Pde> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Pde>({ kind: 'none' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('super' as const), frame: fc.constantFrom(...SUPER_FRAMES), writable: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('table' as const), table: fc.constantFrom(0 as const, 1 as const) }) },
);
const pte: fc.Arbitrary<Pte> = fc.option(fc.record({ frame: fc.constantFrom(...SMALL_FRAMES), writable: fc.boolean() }), { freq: 5 });
const by = fc.constantFrom('invlpg' as const, 'invlpg' as const, 'tlbflush' as const);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('read' as const), region, piece, offset: fc.constantFrom(0, 4, 0xffc) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), region, piece, value: fc.integer({ min: 1, max: 0x7fffffff }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pde' as const), region, to: pde, by, anywhere: fc.integer({ min: 0, max: 0x3fffff }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pte' as const), table: fc.constantFrom(0 as const, 1 as const), piece, to: pte, by }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'tlbflush' }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ptbr' as const), keep: fc.boolean() }) },
);
const caseArb: fc.Arbitrary<Case> = fc.record({
  pdes: fc.tuple(pde, pde),
  tables: fc.tuple(fc.array(pte, { minLength: PIECES.length, maxLength: PIECES.length }), fc.array(pte, { minLength: PIECES.length, maxLength: PIECES.length })),
  steps: fc.array(step, { minLength: 4, maxLength: 40 }),
});

// ---------------------------------------------------------------- the guest

const regionBase = (r: number): number => r * 0x400000;
const pdeValue = (p: Pde): number =>
  p.kind === 'none' ? 0 : p.kind === 'super' ? p.frame | V | L | (p.writable ? W : 0) : TABLES[p.table] | V;
const pteValue = (p: Pte): number => (p === null ? 0 : p.frame | V | (p.writable ? W : 0));
const pteAddr = (table: number, pieceIndex: number): number => TABLES[table]! + pieceIndex * 4;

/** The generated program; the generator keeps the TLB rules, so every configuration must agree. */
function guestSource(c: Case): string {
  const lines: string[] = [];
  const emit = (...xs: string[]): void => void lines.push(...xs.map((x) => `    ${x}`));
  const store = (addr: number, value: number): void => emit(`li t0, ${hex(addr)}`, `li t1, ${hex(value)}`, 'sw t1, 0(t0)');
  const invlpg = (va: number): void => emit(`li t0, ${hex(va)}`, 'invlpg t0');
  lines.push('    .include "../../../guest-programs/lib/console.inc"', '    .global _start', '_start:');
  // Markers, the identity map, the random tables: all with paging off.
  for (const f of SMALL_FRAMES) store(f, f + 1);
  for (const f of SUPER_FRAMES) for (const p of PIECES) store(f + p * 0x1000, f + p * 0x1000 + 1);
  for (let page = 0; page < 16; page++) store(PT0 + page * 4, (page << 12) | V | W | 0x04);
  store(PD, PT0 | V);
  c.tables.forEach((entries, t) => entries.forEach((e, i) => store(pteAddr(t, PIECES[i]!), pteValue(e))));
  const pdes = [...c.pdes];
  pdes.forEach((p, i) => store(PD + REGIONS[i]! * 4, pdeValue(p)));
  emit('la t0, trap', 'mtcr evec, t0', `li s3, ${hex(LOG)}`, `li t0, ${hex(PD)}`, 'mtcr ptbr, t0', 'li t0, STATUS_MODE | STATUS_PG', 'mtcr status, t0');
  // The pages of the table each region uses now, for the invalidations the rules require.
  const pieceIndex = (p: number): number => PIECES.indexOf(p as (typeof PIECES)[number]);
  for (const s of c.steps) {
    switch (s.op) {
      case 'read':
        emit(`li t0, ${hex(regionBase(s.region) + s.piece * 0x1000 + s.offset)}`, 'li t1, 0', 'lw t1, 0(t0)', 'sw t1, 0(s3)', 'addi s3, s3, 4');
        break;
      case 'write':
        emit(`li t0, ${hex(regionBase(s.region) + s.piece * 0x1000 + 8)}`, `li t1, ${hex(s.value)}`, 'sw t1, 0(t0)');
        break;
      case 'pde': {
        const i = REGIONS.indexOf(s.region);
        const old = pdes[i]!;
        store(PD + s.region * 4, pdeValue(s.to));
        pdes[i] = s.to;
        if (s.by === 'tlbflush') emit('tlbflush');
        else if (old.kind === 'table') for (const p of PIECES) invlpg(regionBase(s.region) + p * 0x1000);
        else invlpg(regionBase(s.region) + s.anywhere); // one invlpg anywhere in a superpage drops it all
        break;
      }
      case 'pte': {
        store(pteAddr(s.table, s.piece), pteValue(s.to));
        if (s.by === 'tlbflush') emit('tlbflush');
        else REGIONS.forEach((r, i) => {
          const p = pdes[i]!;
          if (p.kind === 'table' && p.table === s.table) invlpg(regionBase(r) + s.piece * 0x1000 + (pieceIndex(s.piece) % 3) * 0x400);
        });
        break;
      }
      case 'tlbflush':
        emit('tlbflush');
        break;
      case 'ptbr':
        emit(`li t0, ${hex(PD | (s.keep ? 0x100 : 0))}`, 'mtcr ptbr, t0');
        break;
    }
  }
  emit('li t0, STATUS_MODE', 'mtcr status, t0', 'poweroff 0');
  lines.push(
    'trap:',
    '    mfcr t0, cause',
    '    li t1, 0xfa000000',
    '    or t0, t0, t1',
    '    sw t0, 0(s3)',
    '    addi s3, s3, 4',
    '    mfcr t0, epc',
    '    addi t0, t0, 4',
    '    mtcr epc, t0',
    '    eret',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- the configurations

interface Config {
  readonly name: string;
  readonly env: Env;
  readonly options: RunOptions;
}

const CONFIGS: readonly Config[] = [
  { name: 'shadow wp', env: 'shadow', options: { shadow: { cacheRoots: 16, floodThreshold: 3, sync: 'wp' } } },
  { name: 'shadow oos', env: 'shadow', options: { shadow: { cacheRoots: 16, floodThreshold: 3, sync: 'oos' } } },
  ...[1, 2, 3, 4].flatMap((levels) => [false, true].flatMap((largePages) => [
    { name: `EPT ${levels} level(s)${largePages ? ', large pages' : ''}`, env: 'ept' as const, options: { ept: { levels, largePages } } },
    {
      name: `EPT ${levels} level(s)${largePages ? ', large pages' : ''}, PWC, VPID`,
      env: 'ept' as const,
      options: { ept: { levels, largePages }, vpid: true, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } },
    },
  ])),
  { name: 'native, an 8-entry 2-way TLB and a PWC', env: 'native', options: { mmu: { ...DEFAULT_MMU, tlb: { entries: 8, ways: 2, replacement: 'lru', seed: 1 }, pwcEntries: 4 } } },
  { name: 'shadow wp, an 8-entry 2-way TLB', env: 'shadow', options: { mmu: { ...DEFAULT_MMU, tlb: { entries: 8, ways: 2, replacement: 'lru', seed: 1 } } } },
  // Switched between shadow paging and EPT every hundred or so instructions, at seeded random points.
  { name: 'dynamic, random switches', env: 'dynamic', options: { dynamic: { ...TEST_DYNAMIC, policy: 'off', randomEvery: 100 } } },
  { name: 'dynamic, random switches, EPT large pages, PWC', env: 'dynamic', options: { dynamic: { ...TEST_DYNAMIC, start: 'shadow', policy: 'off', randomEvery: 100, seed: 2 }, ept: { levels: 2, largePages: true }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } },
  // Agile: leaf tables moved between shadow and nested mode every few hundred instructions.
  { name: 'agile, tables starting nested, random moves, 3-level EPT, PWC', env: 'agile', options: { agile: { ...TEST_AGILE, start: 'nested', writes: 1, window: 1000, switchEvery: 300, seed: 2 }, ept: { levels: 3, largePages: false }, mmu: { ...DEFAULT_MMU, pwcEntries: 16 } } },
];

interface Result {
  readonly reason: string;
  readonly log: readonly string[];
}

function run(image: Image, config: Config): Result {
  const outcome: Outcome = runIn(config.env, image, { memoryBytes: MEMORY_BYTES, hostMemoryBytes: HOST_MEMORY_BYTES, maxInstructions: 200_000, hashMemory: false, ...config.options });
  const end = outcome.visible.regs[15]!; // s3: the log pointer
  const log: string[] = [];
  for (let a = LOG; a < end && a < LOG + 0x1000; a += 4) log.push(hex(outcome.word(a)));
  if (outcome.host) expect(outcome.host.audit()).toEqual([]);
  return { reason: outcome.visible.reason, log };
}

describe('remapping superpages and small pages, invalidated as the ISA requires', () => {
  it(`reads the same values in every mode and configuration (${RUNS} cases, seed ${SEED})`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const source = guestSource(c);
        const image = assembleGuest(source);
        const native = run(image, { name: 'native', env: 'native', options: {} });
        expect(native.reason).toBe('halted');
        for (const config of CONFIGS) {
          const got = run(image, config);
          if (got.reason !== native.reason || got.log.join() !== native.log.join()) {
            const rows = native.log.map((n, i) => `${String(i).padStart(3)}  ${n}  ${got.log[i] ?? '-'}${n === got.log[i] ? '' : '   <-'}`);
            throw new Error(`${config.name} differs from native (${got.reason}):\n read  native      ${config.name}\n${rows.join('\n')}\n--- program ---\n${source}`);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
