// Campaign 2: random privileged programs. A case is a kernel, generated as readable assembly,
// that runs a random sequence of operations over two address spaces:
//   - loads, stores and fetches (jumps) of 1, 2 and 4 bytes, from supervisor mode or from user
//     mode (entered with eret, left with syscall), through 4 KiB pages and superpages, to data,
//     devices, frames past RAM, unmapped and misaligned addresses;
//   - page-table stores (PTEs and directory entries, superpage <-> table), each followed by the
//     invalidation the ISA asks for (invlpg of every page whose translation changed, or tlbflush);
//   - PTBR switches between the two spaces and a third (ASID, root) pair, with and without KEEP;
//   - control registers read and written (STATUS with junk bits, PTBR with junk bits, EVEC with its
//     low bits set, EPC, CAUSE, BADVA, SCRATCH, TIMER, INSTRET, reserved numbers), mxcr;
//   - paging turned off and on, interrupts enabled and disabled, the timer armed (interrupts
//     strike anywhere, in user mode too), wfi, eret back into the kernel, privileged instructions
//     and syscall/break/illegal words from user mode, invlpg/tlbflush for nothing.
// The handler logs every trap (CAUSE, EPC, BADVA, s2) and resumes exceptions at the operation's
// continuation (s0) in the kernel's own STATUS (s3), and interrupts where they struck; the
// kernel logs the values it reads. At the end it powers off with 0x600d.
//
// Guest-physical layout:
//   0x1000-0x7fff kernel code (V X U, identity; user snippets run in it)   0x8000 handler
//   0x9000 kernel data (saved t0-t2, log pointer)   0xa000-0xdfff the log (16-byte entries)
//   0x10000-0x17fff data frames D0-D7 (identity V W U, and what the random entries map)
//   0x400000 PD_A   0x401000 PD_B   0x402000 PT_K (VA 0-4 MiB: the kernel, shared, maybe Global)
//   0x403000 PT_T (VA 0x400000: the page tables themselves, identity, supervisor read/write)
//   0x404000 PT_S (VA 0x800000, shared by both spaces, random entries, Global allowed)
//   0x405000 PT_A3, 0x406000 PT_B3 (VA 0xc00000, one per space)
//   0x407000-0x409000 T4a-T4c (what directory entry 4, VA 0x1000000, may point at, per space)
//   0x40a000 T5 (what directory entry 5, VA 0x1400000, the same in both spaces, may point at)
//   VA 0xf0000000: the device superpage.
//
// Rules that keep the ISA's permitted differences out (isa/README.md 6.4: stale TLB entries may
// be used until invalidated; "correct software must not depend on" the TLB's geometry):
//   - every change of a valid entry is followed by invlpg of each page it translated (for a
//     directory entry over a table: each valid page of that table, and an address in its 4 MiB
//     even if none was valid: 6.5 says "every change", and a page-walk cache keeps directory
//     entries, campaign/repro/pwc-stale-pde.s) or by tlbflush; changes of invalid entries may go
//     without (nothing can be cached through them);
//   - leaves never map a page-table frame writable (superpages over 0x400000 are read-only), data
//     accesses never store to the page tables (or, with paging off, to any kernel frame);
//   - Global only where both spaces map the same (PT_K, PT_T, PT_S, directory entry 5 and T5),
//     and in directory entry 5 (two copies of one entry) with A and D already set;
//   - KEEP only when the ASID written has been used with that root alone since its last flush;
//   - no hcall (isa/README.md 3.8) and no CYCLE reads (10); wfi only with the timer armed.

import { MMIO_BASE, PTBR_KEEP, PTE, STATUS } from '../../../isa/arch.ts';
import type { Image } from '../../../isa/image.ts';
import { hex, type CampaignCase } from './check.ts';
import { CAMPAIGN_MEMORY, DEVICE_PDE_INDEX, PAST_RAM, assembleKernel, describeEntry, wordsSegment } from './guest.ts';
import {
  DATA, EXIT_OK, HANDLER, HANDLER_SOURCE, KCODE, KCODE_END, KERNEL_LOG_TAG, LOG, LOG_END, LOGPTR, MAX_INSTRUCTIONS, MUTABLE_TABLES,
  OFFSETS, PD_A, PD_B, PD_OF, POPULATED, PT3_OF, PT_K, PT_S, PT_T, SPACES, T5, VA_3, VA_4, VA_5, VA_ABSENT, VA_S, bit, directoryEntry,
  entryAt, fixedTables, inertWord, leafEntry, tableName, translate, type Model, type Space,
} from './kernel-model.ts';
import type { Seen } from './modes.ts';
import { Rng, caseSeed } from './rng.ts';

export interface PrivilegedCase {
  readonly n: number;
  readonly seed: number;
  readonly source: string;
  /** Initial contents of the tables and data frames. */
  readonly segments: readonly { address: number; values: readonly number[] }[];
  /** (root, ASID) pairs the program switches between. */
  readonly spaces: readonly (readonly [number, number])[];
  readonly opCount: number;
  /** Bytes waiting at the console from the start. */
  readonly consoleInput: string;
}

// ---------------------------------------------------------------- the generator


class Generator {
  readonly lines: string[] = [];
  private label = 0;
  ops = 0;

  constructor(private readonly rng: Rng, private readonly m: Model, private readonly pairs: readonly (readonly [number, number])[]) {}

  private emit(...lines: string[]): void {
    this.lines.push(...lines.map((l) => (l.endsWith(':') ? l : `    ${l}`)));
  }

  private fresh(prefix: string): string {
    return `${prefix}_${++this.label}`;
  }

  private comment(text: string): void {
    this.lines.push('', `; ${++this.ops}. ${text}`);
  }

  /** Log `reg` with a tag, as the kernel: one 16-byte entry [tag, value, 0, 0]. */
  private klog(tag: number, reg: string): void {
    const skip = this.fresh('logged');
    this.emit(
      `lw    t2, ${LOGPTR}(zero)`,
      `li    t1, ${LOG_END}`,
      `bgeu  t2, t1, ${skip}`,
      `li    t1, ${KERNEL_LOG_TAG + tag}`,
      'sw    t1, 0(t2)',
      `sw    ${reg}, 4(t2)`,
      'sw    zero, 8(t2)',
      'sw    zero, 12(t2)',
      'addi  t2, t2, 16',
      `sw    t2, ${LOGPTR}(zero)`,
      `${skip}:`,
    );
  }

  /** Set the kernel's STATUS (s3 mirrors it for the handler). */
  private setStatus(status: number): void {
    this.emit(`li    s3, ${hex(status)}`, 'mtcr  status, s3');
    this.m.pg = (status & STATUS.PG) !== 0;
    this.m.ie = (status & STATUS.IE) !== 0;
  }

  private kernelStatus(): number {
    return STATUS.MODE | (this.m.pg ? STATUS.PG : 0) | (this.m.ie ? STATUS.IE : 0);
  }

  // ---- choosing addresses

  /** Addresses accessed so far: accesses come back to them, so that a changed entry is noticed. */
  private readonly history: number[] = [];

  /** A virtual address to access, with what may be done there. */
  private target(kind: 'load' | 'store' | 'fetch'): number {
    const rng = this.rng;
    for (let attempt = 0; attempt < 20; attempt++) {
      const again = this.history.length > 0 && rng.chance(40);
      const va = again ? rng.pick(this.history.slice(-12)) : this.m.pg ? this.pagedVa() : this.physicalVa();
      if (this.safe(va, kind)) {
        if (!again) this.history.push(va);
        return va;
      }
    }
    return (VA_ABSENT + rng.pick(OFFSETS)) >>> 0;
  }

  private pagedVa(): number {
    const rng = this.rng;
    const page = (): number => rng.int(0, POPULATED) << 12;
    // In a superpage over RAM: mostly the data frames' offsets (stores elsewhere are refused by safe()).
    const superOffset = (): number => rng.weighted([[6, rng.pick(DATA)], [1, rng.int(0, 15) << 12], [1, rng.int(0, 1023) << 12]] as const);
    return (rng.weighted<() => number>([
      [4, () => VA_S + page()],
      [3, () => VA_3 + page()],
      [4, () => VA_4 + (this.isSuperpage(4) ? superOffset() : page())],
      [3, () => VA_5 + (this.isSuperpage(5) ? superOffset() : page())],
      [2, () => rng.pick(DATA)],
      [1, () => rng.pick([KCODE, LOG, 0, PD_A, PT_S, VA_ABSENT, 0x00400000 + 0xf000])],
      [1, () => MMIO_BASE],
    ])() + rng.pick(OFFSETS)) >>> 0;
  }

  private physicalVa(): number {
    const rng = this.rng;
    return (rng.weighted<() => number>([
      [5, () => rng.pick(DATA)],
      [1, () => rng.pick([KCODE, LOG, PD_A, PT_S, PAST_RAM, VA_S, CAMPAIGN_MEMORY])],
      [1, () => MMIO_BASE],
    ])() + rng.pick(OFFSETS)) >>> 0;
  }

  private isSuperpage(index: 4 | 5): boolean {
    const pde = entryAt(this.m, this.m.root, index) ?? 0;
    return (pde & PTE.V) !== 0 && (pde & PTE.L) !== 0;
  }

  /**
   * May the program do this at va without breaking the rules of the header? Stores must not reach
   * the page tables or the kernel (through any mapping, whatever the rights: a store that is
   * allowed would change them) nor power off; fetches must reach data, not code.
   */
  private safe(va: number, kind: 'load' | 'store' | 'fetch'): boolean {
    if (kind === 'load') return true;
    const t = translate(this.m, va);
    if (!t.ok) return true;
    const pa = t.pa;
    const page = (pa & ~0xfff) >>> 0;
    if (pa >= MMIO_BASE) return kind === 'fetch' || (pa & 0xffff) !== 0x10; // never POWER_OFF
    if (pa >= CAMPAIGN_MEMORY) return true;
    const isData = DATA.includes(page);
    // The tables hold only entries whose top six bits are an unassigned opcode (frames below
    // 64 MiB, or 0xf0000000): a fetch there traps like a fetch from data. Never the kernel's code.
    if (kind === 'fetch') return isData || page >= PD_A;
    if (isData) return true;
    // A store elsewhere in RAM must fault for sure: only a leaf without W, from the model.
    return this.m.pg && !(t.leaf & PTE.W);
  }

  // ---- operations

  /** One load, store or fetch: at a random address, or at `at` when that is safe for it. */
  access(at?: number): void {
    const rng = this.rng;
    const op = rng.weighted([[3, 'lw'], [1, 'lh'], [1, 'lhu'], [1, 'lb'], [1, 'lbu'], [3, 'sw'], [1, 'sh'], [1, 'sb'], [1, 'jx']] as const);
    const kind = op === 'jx' ? 'fetch' : op.startsWith('s') ? 'store' : 'load';
    const aligned = at === undefined ? undefined : op.endsWith('w') || op === 'jx' ? at & ~3 : op.endsWith('h') || op === 'lhu' ? at & ~1 : at;
    const va = aligned !== undefined && this.safe(aligned >>> 0, kind) ? aligned >>> 0 : this.target(kind);
    const user = rng.chance(45);
    const value = inertWord(rng);
    this.comment(`${user ? 'user' : 'kernel'} ${op} ${hex(va)}${kind === 'store' ? ` <- ${hex(value)}` : ''}`);
    const insn = op === 'jx' ? 'jalr  zero, 0(s1)' : `${op.padEnd(5)} s2, 0(s1)`;
    this.emit(`li    s1, ${hex(va)}`, `li    s2, ${hex(kind === 'store' ? value : 0x5eed0000 + this.ops)}`);
    this.trapping([insn], user);
  }

  /**
   * Run `insns` then syscall, in the kernel or in user mode (eret there, IE maybe on): the handler
   * logs the fault or the syscall and comes back at the continuation in the kernel's STATUS.
   */
  private trapping(insns: readonly string[], user: boolean): void {
    const next = this.fresh('next');
    this.emit(`la    s0, ${next}`);
    if (user) {
      const entry = this.fresh('user');
      const userIe = this.rng.chance(this.m.timer > 0 ? 50 : 10);
      // IE off first, so that no interrupt overwrites EPC between mtcr and eret.
      this.emit(`li    t0, ${hex(STATUS.MODE | (this.m.pg ? STATUS.PG : 0) | (userIe ? STATUS.PIE : 0))}`, 'mtcr  status, t0', `la    t0, ${entry}`, 'mtcr  epc, t0', 'eret', `${entry}:`);
    }
    this.emit(...insns, 'syscall', `${next}:`);
  }

  /**
   * Access a few pages through one entry, rewrite the entry (invalidating as the ISA asks), and
   * access them again: what a stale translation would show, if one survived.
   */
  remap(): void {
    const rng = this.rng;
    const space: Space = this.m.root === PD_A ? 'A' : 'B';
    const choice = rng.weighted([[2, 'pte'], [2, 'pde4'], [1, 'pde5']] as const);
    let vas: number[] = [];
    let rewrite: () => void;
    if (choice === 'pte') {
      const pdIndex = rng.pick([2, 3, 4, 5]);
      const pde = entryAt(this.m, PD_OF[space], pdIndex) ?? 0;
      if (!(pde & PTE.V) || (pde & PTE.L) || !this.m.tables.has((pde & PTE.FRAME_MASK) >>> 0)) return this.tableStore();
      const table = (pde & PTE.FRAME_MASK) >>> 0;
      const index = rng.int(0, POPULATED - 1);
      vas = [((pdIndex << 22) | (index << 12) | rng.pick(OFFSETS)) >>> 0];
      rewrite = () => this.rewrite([[table, index]], leafEntry(rng, table === PT_S || table === T5), `${tableName(table)}[${index}]`);
    } else {
      const index = choice === 'pde4' ? 4 : 5;
      const pde = entryAt(this.m, PD_OF[space], index) ?? 0;
      const base = index << 22;
      const superpage = (pde & PTE.V) !== 0 && (pde & PTE.L) !== 0;
      // Several pages of the region: pieces of one superpage, or pages of one table.
      const pages = superpage ? DATA.map((d) => base + d) : Array.from({ length: POPULATED }, (_, i) => base + (i << 12));
      vas = Array.from({ length: rng.int(2, 4) }, () => rng.pick(pages) + rng.pick(OFFSETS));
      const value = directoryEntry(rng, index);
      rewrite = index === 4
        ? () => this.rewrite([[PD_OF[space], 4]], value, `PD_${space}[4]`)
        : () => this.rewrite([[PD_A, 5], [PD_B, 5]], value, 'PD_A[5] and PD_B[5]');
    }
    for (const va of vas) this.access(va);
    rewrite();
    for (const va of vas) this.access(va);
  }

  /** Rewrite a mutable entry, then invalidate what the ISA asks for. */
  tableStore(): void {
    const rng = this.rng;
    const which = rng.weighted([[3, 'pte'], [2, 'pde4'], [1, 'pde5']] as const);
    if (which === 'pte') {
      const table = rng.pick(MUTABLE_TABLES);
      const index = rng.int(0, POPULATED - 1);
      const global = table === PT_S || table === T5;
      this.rewrite([[table, index]], leafEntry(rng, global), `${tableName(table)}[${index}]`);
    } else if (which === 'pde4') {
      const space = rng.pick(SPACES);
      this.rewrite([[PD_OF[space], 4]], directoryEntry(rng, 4), `PD_${space}[4]`);
    } else {
      this.rewrite([[PD_A, 5], [PD_B, 5]], directoryEntry(rng, 5), 'PD_A[5] and PD_B[5]');
    }
  }

  private rewrite(entries: readonly (readonly [number, number])[], value: number, name: string): void {
    const rng = this.rng;
    const level = name.startsWith('PD') ? 'pde' : 'pte';
    this.comment(`${name} <- ${describeEntry(value, level)}`);
    // Before: every virtual page whose translation may change (in either space).
    const stale = new Set<number>();
    for (const [table, index] of entries) for (const va of this.pagesThrough(table, index)) stale.add(va);
    // A directory entry pointing at a table is invalidated even when no page was ever translated
    // through it: isa/README.md 6.5 asks for it after "every change", and a page-walk cache keeps
    // such entries (the campaign found it; see campaign/repro/pwc-stale-pde.s).
    for (const [table, index] of entries) {
      const old = entryAt(this.m, table, index) ?? 0;
      if ((table === PD_A || table === PD_B) && (old & PTE.V) && !(old & PTE.L)) stale.add(((index << 22) | 1) >>> 0);
    }
    for (const [table, index] of entries) {
      // The tables are mapped at their own addresses (PT_T), so this works with paging on or off.
      this.emit(`li    t0, ${hex(table + index * 4)}`, `li    t1, ${hex(value)}`, 'sw    t1, 0(t0)');
      this.m.tables.get(table)![index] = value;
    }
    const invalidations = [...stale];
    if (invalidations.length === 0) {
      // Only invalid entries changed: nothing was cached through them (isa/README.md 6.4).
      if (rng.chance(70)) this.emit('; nothing was cached through it: no invalidation needed');
      else this.emit('tlbflush');
      return;
    }
    if (rng.chance(30) || invalidations.length > 6) {
      this.emit('tlbflush');
      return;
    }
    for (const va of invalidations) {
      // Any address in the page (or superpage, or a table's 4 MiB) will do: try the middle too.
      const size = (va & 1) !== 0 ? 0x400000 : 0x1000;
      const base = (va & ~1) >>> 0;
      const at = rng.chance(50) ? base : base + rng.int(0, size / 4 - 1) * 4;
      this.emit(`li    t0, ${hex(at)}`, 'invlpg t0');
    }
  }

  /**
   * The pages whose translation goes through entry `index` of `table` now, in either space, as
   * virtual page addresses (bit 0 set: a superpage). Invalid entries translate nothing.
   */
  private pagesThrough(table: number, index: number): number[] {
    const out: number[] = [];
    for (const pd of [PD_A, PD_B]) {
      for (const pdIndex of [2, 3, 4, 5]) {
        const pde = entryAt(this.m, pd, pdIndex) ?? 0;
        if (!(pde & PTE.V)) continue;
        const base = pdIndex << 22;
        if (pd === table && pdIndex === index) {
          if (pde & PTE.L) out.push(base | 1);
          else {
            const t = this.m.tables.get((pde & PTE.FRAME_MASK) >>> 0);
            t?.forEach((e, i) => { if (e & PTE.V) out.push(base + (i << 12)); });
          }
        } else if (!(pde & PTE.L) && ((pde & PTE.FRAME_MASK) >>> 0) === table) {
          const e = this.m.tables.get(table)?.[index] ?? 0;
          if (e & PTE.V) out.push(base + (index << 12));
        }
      }
    }
    return [...new Set(out)];
  }

  /** Write PTBR: another space, the same one, junk in bits 9-11, KEEP when allowed; read it back. */
  switchSpace(): void {
    const rng = this.rng;
    const [root, asid] = rng.pick(this.pairs);
    const keepAllowed = (this.m.asidRoot.get(asid) ?? root) === root;
    const keep = keepAllowed && rng.chance(50) ? PTBR_KEEP : 0;
    const junk = rng.chance(25) ? rng.int(1, 7) << 9 : 0;
    const value = (root | asid | keep | junk) >>> 0;
    this.comment(`PTBR <- ${hex(value)} (${root === PD_A ? 'PD_A' : 'PD_B'}, ASID ${asid}${keep ? ', KEEP' : ''})`);
    this.emit(`li    t0, ${hex(value)}`, rng.chance(30) ? 'mxcr  t0, ptbr, t0' : 'mtcr  ptbr, t0');
    this.klog(1, 't0');
    this.emit('mfcr  t0, ptbr');
    this.klog(2, 't0');
    this.m.root = root;
    this.m.asid = asid;
    // Without KEEP the ASID's entries go: from now on they come from this root. With ASID tagging
    // off (an emulator setting) every write flushes, which only drops more.
    this.m.asidRoot.set(asid, root);
  }

  /** Read and write control registers (never CYCLE: it counts VM exits, isa/README.md 10). */
  controlRegisters(): void {
    const rng = this.rng;
    const kind = rng.weighted([[3, 'read'], [2, 'write'], [1, 'evec'], [1, 'timer'], [1, 'status-junk'], [1, 'reserved']] as const);
    if (kind === 'read') {
      const cr = rng.pick(['status', 'ptbr', 'evec', 'epc', 'cause', 'badva', 'scratch', 'timer', 'instret', 'instreth']);
      this.comment(`read ${cr}`);
      this.emit(`mfcr  t0, ${cr}`);
      this.klog(3, 't0');
    } else if (kind === 'write') {
      const cr = rng.pick(['epc', 'cause', 'badva', 'scratch', 'instret', 'cycle', 'cycleh']);
      const value = rng.u32();
      this.comment(`write ${cr} <- ${hex(value)} and read it back${cr.startsWith('cycle') ? ' (read-only: the write is ignored; not read back)' : ''}`);
      this.emit(`li    t0, ${hex(value)}`);
      if (rng.chance(50)) this.emit(`mtcr  ${cr}, t0`);
      else if (cr.startsWith('cycle')) this.emit(`mtcr  ${cr}, t0`); // mxcr would read CYCLE
      else {
        this.emit(`mxcr  t1, ${cr}, t0`);
        this.klog(4, 't1');
      }
      if (!cr.startsWith('cycle')) {
        this.emit(`mfcr  t0, ${cr}`);
        this.klog(5, 't0');
      }
    } else if (kind === 'evec') {
      const low = rng.int(0, 3);
      this.comment(`EVEC <- handler + ${low} (trap entry ignores the low two bits)`);
      this.emit(`li    t0, handler + ${low}`, 'mxcr  t0, evec, t0');
      this.klog(6, 't0');
    } else if (kind === 'timer') {
      // Longer than the handler, so the kernel always gets on between two interrupts.
      const interval = rng.chance(25) ? 0 : rng.int(40, 150);
      this.comment(interval === 0 ? 'timer off' : `timer every ${interval} instructions`);
      this.emit(`li    t0, ${interval}`, 'mtcr  timer, t0', 'mfcr  t0, timer');
      this.klog(7, 't0');
      this.m.timer = interval;
    } else if (kind === 'status-junk') {
      const junk = (rng.u32() & ~0x1f) >>> 0;
      this.comment(`STATUS <- kernel status | junk ${hex(junk)} (the junk bits read 0)`);
      this.emit(`li    t0, ${hex(this.kernelStatus() | junk)}`, 'mtcr  status, t0', 'mfcr  t0, status');
      this.klog(8, 't0');
    } else {
      const crn = rng.int(12, 31);
      this.comment(`mfcr of reserved register ${crn}: illegal instruction`);
      this.trapping([rng.chance(50) ? `mfcr  t0, ${crn}` : `mtcr  ${crn}, t0`], false);
    }
  }

  /** Paging and interrupts on or off; eret back into the kernel; wfi. */
  modes(): void {
    const rng = this.rng;
    const kind = rng.weighted([[1, 'pg'], [2, 'ie'], [1, 'eret'], [1, 'wfi']] as const);
    if (kind === 'pg') {
      this.comment(`paging ${this.m.pg ? 'off' : 'on'}`);
      this.m.pg = !this.m.pg;
      this.setStatus(this.kernelStatus());
    } else if (kind === 'ie') {
      this.comment(`interrupts ${this.m.ie ? 'off' : 'on'}`);
      this.m.ie = !this.m.ie;
      this.setStatus(this.kernelStatus());
    } else if (kind === 'eret') {
      const ie = rng.chance(50);
      const resume = this.fresh('resume');
      this.comment(`eret into the kernel with IE = ${ie ? 1 : 0}`);
      this.emit(`li    t0, ${hex(STATUS.MODE | STATUS.PMODE | (this.m.pg ? STATUS.PG : 0) | (ie ? STATUS.PIE : 0))}`, 'mtcr  status, t0');
      this.emit(`la    t0, ${resume}`, 'mtcr  epc, t0');
      this.m.ie = ie;
      this.emit(`li    s3, ${hex(this.kernelStatus())}`, 'eret', `${resume}:`, 'mfcr  t0, status');
      this.klog(9, 't0');
    } else if (this.m.timer > 0) {
      this.comment('wfi (the timer is armed)');
      this.emit('wfi', 'mfcr  t0, instret');
      this.klog(10, 't0');
    } else {
      this.comment('tlbflush and invlpg of nothing in particular');
      this.emit('tlbflush', `li    t0, ${hex(this.rng.pick([VA_S, VA_4, 0x12345678, DATA[0]!]))}`, 'invlpg t0');
    }
  }

  /** Privileged and trapping instructions, from user mode or the kernel. */
  traps(): void {
    const rng = this.rng;
    const user = rng.chance(70);
    const insn = rng.pick([
      'mtcr  status, zero', 'mfcr  t0, status', 'mfcr  s2, instret', 'mfcr  s2, instreth', 'mxcr  t0, ptbr, t0', 'tlbflush', 'invlpg s1',
      'eret', 'wfi', 'break', '.word 0x00000000', '.word 0xffffffff', '.word 0x04000001', 'lw    s2, 2(zero)', 'sh    s2, 1(zero)',
    ]);
    // In the kernel, eret, wfi and mtcr status would leave the program; there only traps are tried.
    const kernelOk = ['break', '.word 0x00000000', '.word 0xffffffff', '.word 0x04000001', 'lw    s2, 2(zero)', 'sh    s2, 1(zero)', 'mfcr  s2, instret'];
    if (!user && !kernelOk.includes(insn)) return this.traps();
    this.comment(`${user ? 'user' : 'kernel'}: ${insn.trim()}`);
    this.emit(`li    s1, ${hex(VA_S)}`, 'li    s2, 0');
    this.trapping([insn], user);
  }

  finish(): void {
    this.lines.push('', '; the end');
    if (this.m.ie) this.setStatus(this.kernelStatus() & ~STATUS.IE);
    this.emit('mfcr  t0, instret');
    this.klog(11, 't0');
    this.emit('li    t0, POWER_OFF', `li    t1, ${EXIT_OK}`, 'sw    t1, 0(t0)', '1:  j     1b');
  }
}

export function generatePrivilegedCase(n: number, campaignSeed: number): PrivilegedCase {
  const seed = caseSeed('privileged', n, campaignSeed);
  const rng = new Rng(seed);
  const fixed = fixedTables(rng);
  const tables = new Map<number, number[]>();
  for (const t of MUTABLE_TABLES) tables.set(t, Array.from({ length: POPULATED }, () => leafEntry(rng, t === PT_S || t === T5)));
  const pd5 = directoryEntry(rng, 5);
  for (const space of SPACES) {
    const pd = new Array<number>(1024).fill(0);
    pd[0] = PT_K | PTE.V;
    pd[1] = PT_T | PTE.V;
    pd[2] = PT_S | PTE.V;
    pd[3] = PT3_OF[space] | PTE.V;
    pd[4] = directoryEntry(rng, 4);
    pd[5] = pd5;
    pd[DEVICE_PDE_INDEX] = (MMIO_BASE | PTE.V | PTE.L | PTE.W | PTE.U | bit(rng, PTE.A, 50) | bit(rng, PTE.D, 50)) >>> 0;
    tables.set(PD_OF[space], pd);
  }
  const asidA = rng.int(0, 255);
  const asidB = rng.chance(20) ? asidA : rng.int(0, 255);
  const asidC = rng.chance(30) ? asidB : rng.int(0, 255);
  const pairs: (readonly [number, number])[] = [[PD_A, asidA], [PD_B, asidB], [PD_A, asidC]];
  const m: Model = {
    tables, fixed: new Map([[PT_K, fixed.k], [PT_T, fixed.t]]), root: PD_A, asid: asidA, pg: false, ie: false, timer: 0, asidRoot: new Map(),
  };
  const initialTables = new Map([...tables].map(([k, v]) => [k, [...v]]));

  const g = new Generator(rng, m, pairs);
  g.lines.push(
    '.include "../../../guest-programs/lib/arch.inc"',
    `.org ${KCODE}`,
    '_start:',
    '    la    t0, handler',
    '    mtcr  evec, t0',
    `    li    t0, ${LOG}`,
    `    sw    t0, ${LOGPTR}(zero)`,
    `    li    t0, ${hex(PD_A | asidA)}`,
    '    mtcr  ptbr, t0',
  );
  m.asidRoot.set(asidA, PD_A);
  const ops = rng.int(10, 60);
  m.pg = true;
  g.lines.push(`    li    s3, ${hex(STATUS.MODE | STATUS.PG)}`, '    mtcr  status, s3');
  for (let i = 0; i < ops; i++) {
    rng.weighted<() => void>([
      [8, () => g.access()],
      [3, () => g.tableStore()],
      [4, () => g.remap()],
      [2, () => g.switchSpace()],
      [3, () => g.controlRegisters()],
      [2, () => g.modes()],
      [2, () => g.traps()],
    ])();
  }
  g.finish();
  g.lines.push(HANDLER_SOURCE);
  const segments = [
    ...[...initialTables].map(([address, values]) => ({ address, values })),
    { address: PT_K, values: fixed.k },
    { address: PT_T, values: fixed.t },
    ...DATA.map((address) => ({ address, values: Array.from({ length: 1024 }, () => inertWord(rng)) })),
  ];
  const consoleInput = rng.chance(25) ? String.fromCharCode(...Array.from({ length: rng.int(1, 4) }, () => rng.int(0x20, 0x7e))) : '';
  return { n, seed, source: g.lines.join('\n'), segments, spaces: pairs, opCount: g.ops, consoleInput };
}

export function privilegedImage(c: PrivilegedCase): Image {
  const code = assembleKernel(c.source, 'campaign-privileged');
  const end = Math.max(...code.segments.filter((s) => s.address < HANDLER).map((s) => s.address + s.bytes.length));
  if (end > KCODE_END) throw new Error(`privileged #${c.n}: the kernel's code overflows its pages (ends at ${hex(end)})`);
  return { ...code, segments: [...code.segments, ...c.segments.map((s) => wordsSegment(s.address, s.values))] };
}

// ---------------------------------------------------------------- reading a case

export function privilegedLog(seen: Seen): string[] {
  const end = Math.min(seen.ram.word(LOGPTR), LOG_END);
  const out: string[] = [];
  for (let a = LOG; a + 16 <= end; a += 16) {
    const tag = seen.ram.word(a);
    const i = (a - LOG) / 16;
    if (tag >= KERNEL_LOG_TAG) out.push(`${i}. kernel log ${tag - KERNEL_LOG_TAG}: ${hex(seen.ram.word(a + 4))}`);
    else out.push(`${i}. trap cause ${tag} epc ${hex(seen.ram.word(a + 4))} badva ${hex(seen.ram.word(a + 8))} s2 ${hex(seen.ram.word(a + 12))}`);
  }
  return out;
}

function describeAddress(pa: number): string {
  const frame = (pa & ~0xfff) >>> 0;
  const index = (pa & 0xfff) >>> 2;
  const name = tableName(frame);
  if (!name.startsWith('0x')) return `${name}[${index}]`;
  if (pa >= LOG && pa < LOG_END) return `log entry ${Math.floor((pa - LOG) / 16)}`;
  if (pa === LOGPTR) return 'log pointer';
  const d = DATA.indexOf(frame);
  if (d >= 0) return `D${d}`;
  if (pa >= KCODE && pa < KCODE_END) return 'kernel code';
  return '';
}

function describeTables(c: PrivilegedCase): string {
  const lines = [`spaces (root, ASID): ${c.spaces.map(([r, a]) => `(${tableName(r)}, ${a})`).join(' ')}`, 'initial random entries:'];
  for (const { address, values } of c.segments) {
    const name = tableName(address);
    if (!MUTABLE_TABLES.includes(address) && address !== PD_A && address !== PD_B) continue;
    values.forEach((e, i) => {
      if ((address === PD_A || address === PD_B) && i !== 4 && i !== 5) return;
      lines.push(`  ${name}[${i}] = ${describeEntry(e, address === PD_A || address === PD_B ? 'pde' : 'pte')}`);
    });
  }
  return lines.join('\n');
}

export function privilegedCampaignCase(c: PrivilegedCase): CampaignCase {
  return {
    id: `privileged #${c.n}`,
    seed: c.seed,
    image: privilegedImage(c),
    settings: { memoryBytes: CAMPAIGN_MEMORY, maxInstructions: MAX_INSTRUCTIONS, consoleInput: c.consoleInput },
    listing: `console input ${JSON.stringify(c.consoleInput)}\n${describeTables(c)}\n${c.source}`,
    log: privilegedLog,
    describeAddress,
  };
}

/** The exit code of a kernel that ran to its end. */
export const PRIVILEGED_EXIT = EXIT_OK;
