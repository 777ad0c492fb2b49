// Memory-management commands: `translate` (a walk step by step, and under EPT the whole
// two-dimensional walk as a grid, with its memory references, cycles and whether the TLB would
// hit), `pt` (guest, shadow or EPT tables as a tree of present entries, runs folded) and `tlb`.
//
// `translate` asks the MMU itself (mmu.probe: the real walk, no side effects) when the MMU holds
// the focused CPU's state; otherwise (a VM that is not loaded) it walks the same tables with its
// own Walker over host memory, and says that the TLB is unknown.

import { ACCESS, ACCESS_NAMES, PTE, STATUS, CR, causeName, type AccessType } from '../isa/arch.ts';
import { permits, type ProbeResult } from '../emulator/mmu.ts';
import { TV32_PAGING, levelShift, type PagingMode } from '../emulator/paging-mode.ts';
import { StageResult, WALK_EPT_VIOLATION, WALK_OK, Walker, type WalkStep } from '../emulator/walker.ts';
import type { Command } from './commands.ts';
import type { Debugger } from './debugger.ts';
import { CommandError, columns, hex8, pageSize, pteBits } from './format.ts';
import { guestWalk, type GuestWalk } from './memory.ts';
import { parseAddress } from './symbols.ts';
import type { CpuView } from './target.ts';

const NOT_PRESENT = [8, 9, 10];

/** The walk of a VM the MMU does not hold, done with our own Walker (EPT or shadow) — the TLB is unknown. */
function softwareProbe(dbg: Debugger, view: CpuView, va: number, access: AccessType): ProbeResult | undefined {
  const ept = dbg.target.ept(view);
  if (!ept) return shadowSoftwareProbe(dbg, view, va, access);
  const nested = { mode: ept.pagingMode, root: ept.rootAddress };
  const walker = new Walker(dbg.target.hostMemory);
  const steps: WalkStep[] = [];
  walker.trace = steps;
  const profile = dbg.target.plan.settings.profile;
  const result = (ok: boolean, hostPhys: number, extra: Partial<ProbeResult>): ProbeResult => ({
    va, access, ok, hostPhys, cause: undefined, faultGuestPhys: undefined, pageShift: 12, leafBits: 0, steps,
    tlbHit: false, tlbIndex: -1, cycles: steps.length ? profile.walkStartCycles + steps.length * profile.walkRefCycles : 0, ...extra,
  });
  const { on, root } = dbg.target.guestPaging(view);
  let gpa = va;
  let bits = PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D;
  let shift = 32;
  if (on) {
    const s1 = new StageResult();
    const status = walker.walk(TV32_PAGING, root, va, 'guest', s1, nested);
    if (status !== WALK_OK) {
      return status === WALK_EPT_VIOLATION ? result(false, -1, { cause: 'ept-violation', faultGuestPhys: s1.faultGuestPhys }) : result(false, -1, { cause: NOT_PRESENT[access] });
    }
    const user = !(view.cpu.cr[CR.STATUS]! & STATUS.MODE);
    if (!permits(s1.leaf, access, user)) return result(false, -1, { cause: NOT_PRESENT[access]! + 3 });
    gpa = s1.output;
    bits = s1.leaf;
    shift = s1.pageShift;
  }
  const s2 = new StageResult();
  const status = walker.walk(nested.mode, nested.root, gpa, 'ept', s2, null);
  if (status !== WALK_OK || !permits(s2.leaf | PTE.U, access, false)) return result(false, -1, { cause: 'ept-violation', faultGuestPhys: gpa });
  return result(true, s2.output, { pageShift: Math.min(shift, s2.pageShift), leafBits: bits });
}

/** The hardware walk of a shadow-mode VM the MMU does not hold: its current shadow tables, walked in software. */
function shadowSoftwareProbe(dbg: Debugger, view: CpuView, va: number, access: AccessType): ProbeResult | undefined {
  const root = dbg.target.shadowRoot(view);
  if (root === undefined) return undefined;
  const walker = new Walker(dbg.target.hostMemory);
  const steps: WalkStep[] = [];
  walker.trace = steps;
  const profile = dbg.target.plan.settings.profile;
  const s1 = new StageResult();
  const status = walker.walk(TV32_PAGING, root, va, 'guest', s1, null);
  const user = !(view.cpu.cr[CR.STATUS]! & STATUS.MODE);
  const ok = status === WALK_OK && permits(s1.leaf, access, user);
  // A shadow walk that fails is a hidden or a true fault: the VMM decides (see the guest's walk above).
  const cause = ok ? undefined : status === WALK_OK ? NOT_PRESENT[access]! + 3 : NOT_PRESENT[access];
  return {
    va, access, ok, hostPhys: ok ? s1.output : -1, cause, faultGuestPhys: undefined, pageShift: ok ? s1.pageShift : 12,
    leafBits: ok ? s1.leaf : 0, steps, tlbHit: false, tlbIndex: -1,
    cycles: steps.length ? profile.walkStartCycles + steps.length * profile.walkRefCycles : 0,
  };
}

/** What a step's entry leads to. */
function next(value: number, level: number, mode: PagingMode, label: (a: number) => string): string {
  if (!(value & PTE.V)) return 'not present';
  const last = level === mode.levelBits.length - 1;
  if (last || ((value & PTE.L) && mode.largeAllowed[level])) {
    const size = 2 ** levelShift(mode, level);
    return `${last ? 'frame' : `${pageSize(size)} page`} ${label((value & PTE.FRAME_MASK) >>> 0)}`;
  }
  return `table ${label((value & PTE.FRAME_MASK) >>> 0)}`;
}

function translate(dbg: Debugger, args: string[]): void {
  if (args.length < 1 || args.length > 2) throw new CommandError('usage: translate VA [fetch|load|store]');
  const address = parseAddress(args[0]!, dbg.exprContext());
  if (address.space !== 'v') throw new CommandError('translate takes a guest-virtual address');
  const accessName = args[1] ?? 'load';
  const access = ACCESS_NAMES.indexOf(accessName as (typeof ACCESS_NAMES)[number]);
  if (access < 0) throw new CommandError(`access must be fetch, load or store (got '${accessName}')`);
  const view = dbg.view;
  const target = dbg.target;
  const va = address.addr >>> 0;
  const native = view.mode === 'native';
  dbg.print(`translate ${dbg.describe(view, va)} for ${accessName} (${view.mode}${dbg.multiple ? `, ${view.name}` : ''}, ${view.cpu.supervisor ? 'supervisor' : 'user'} mode)`);
  const guest = guestWalk(target, view, va);
  if (view.mode === 'shadow') {
    dbg.print('the guest\'s own walk (its tables, guest-physical addresses; the VMM reads them in software):');
    printGuestWalk(dbg, view, guest);
    dbg.print('the hardware walk (the shadow tables the VMM built, host-physical addresses):');
  }
  const holds = target.mmuHolds(view);
  const probe = holds ? target.mmu.probe(va, access as AccessType) : softwareProbe(dbg, view, va, access as AccessType);
  if (!probe) {
    dbg.print(`  (${view.name}'s shadow tables are not loaded in the MMU: ${target.loadedVm ? `it holds ${target.loadedVm.name}'s` : `${view.name} has not run yet`})`);
    return;
  }
  const eptMode = view.vm ? (target.ept(view)?.pagingMode ?? TV32_PAGING) : TV32_PAGING;
  const host = (a: number) => (native ? hex8(a) : `h:${hex8(a)}`);
  if (view.mode === 'ept') printGrid(dbg, probe.steps, eptMode);
  else {
    const rows = [['#', 'level', 'entry at', 'value', 'bits', 'leads to']];
    probe.steps.forEach((s, i) => rows.push([String(i + 1), `L${s.level + 1}`, host(s.entryAddr), hex8(s.value), pteBits(s.value), next(s.value, s.level, TV32_PAGING, host)]));
    if (probe.steps.length > 0) for (const line of columns(rows)) dbg.print(line);
    else dbg.print(`  (no walk: ${native ? 'paging is off, physical = virtual' : 'translation is off'})`);
  }
  printOutcome(dbg, view, probe, guest);
  const refs = probe.steps.length;
  const eptRefs = probe.steps.filter((s) => s.stage === 'ept').length;
  const profile = target.plan.settings.profile;
  const split = eptRefs > 0 ? ` (guest ${refs - eptRefs}, EPT ${eptRefs})` : '';
  const cost = refs > 0 ? `: on a TLB miss ${profile.walkStartCycles} + ${refs} × ${profile.walkRefCycles} = ${probe.cycles} cycles` : '';
  dbg.print(`${refs} memory reference${refs === 1 ? '' : 's'}${split}${cost}`);
  if (!holds) dbg.print(`TLB: unknown (the MMU holds ${target.loadedVm ? `${target.loadedVm.name}'s state` : 'no VM yet'}; walked in software)`);
  else if (!target.mmu.translating) dbg.print('TLB: not used (translation is off)');
  else if (probe.tlbHit) {
    const tlb = access === ACCESS.FETCH ? target.mmu.itlb : target.mmu.dtlb;
    dbg.print(`TLB: would hit (set ${Math.floor(probe.tlbIndex / tlb.ways)}, way ${probe.tlbIndex % tlb.ways}): no walk at all`);
  } else dbg.print('TLB: would miss: this walk would run');
}

function printGuestWalk(dbg: Debugger, view: CpuView, w: GuestWalk): void {
  if (!w.paging) {
    dbg.print(`  paging off: guest-physical = virtual ${hex8(w.guestPhys)}`);
    return;
  }
  const gpa = (a: number) => `gpa ${hex8(a)}`;
  const rows = [['#', 'level', 'entry at', 'value', 'bits', 'leads to']];
  w.steps.forEach((s, i) => rows.push([String(i + 1), `L${s.level + 1}`, gpa(s.entryAddr), hex8(s.value), pteBits(s.value), next(s.value, s.level, TV32_PAGING, gpa)]));
  for (const line of columns(rows)) dbg.print(line);
  if (!w.ok) dbg.print(`  → the guest does not map it: ${w.fault}`);
  else {
    const host = dbg.target.guestPhysToHost(view, w.guestPhys);
    dbg.print(`  → guest-physical ${hex8(w.guestPhys)}${host >= 0 ? `, backed by host ${hex8(host)}` : ' (not backed by a host frame yet)'}`);
  }
}

/** The two-dimensional walk: each row is one guest-physical address translated through the EPT, then read. */
function printGrid(dbg: Debugger, steps: readonly WalkStep[], eptMode: PagingMode): void {
  type Row = { translating: number; ept: WalkStep[]; guest?: WalkStep };
  const rows: Row[] = [];
  for (const s of steps) {
    const cur = rows[rows.length - 1];
    if (s.stage === 'ept') {
      if (!cur || cur.guest || cur.translating !== s.translating) rows.push({ translating: s.translating!, ept: [s] });
      else cur.ept.push(s);
    } else if (cur && !cur.guest && cur.translating === s.entryAddr) cur.guest = s;
    else rows.push({ translating: s.entryAddr, ept: [], guest: s });
  }
  dbg.print('two-dimensional walk: each guest-physical address (a guest table entry, then the data) goes through the EPT first');
  const h = (a: number) => `h:${hex8(a)}`;
  const gpa = (a: number) => `gpa ${hex8(a)}`;
  const table = [['#', 'row', 'column', 'entry at', 'value', 'bits', 'leads to']];
  let n = 0;
  for (const row of rows) {
    const label = row.guest ? `guest L${row.guest.level + 1} entry, ${gpa(row.translating)}` : `data, ${gpa(row.translating)}`;
    row.ept.forEach((s, i) => table.push([String(++n), i === 0 ? label : '', `EPT L${s.level + 1}`, h(s.hostAddr), hex8(s.value), pteBits(s.value), next(s.value, s.level, eptMode, h)]));
    if (row.guest) {
      const s = row.guest;
      table.push([String(++n), row.ept.length === 0 ? label : '', `guest L${s.level + 1}`, `${gpa(s.entryAddr)} = ${h(s.hostAddr)}`, hex8(s.value), pteBits(s.value), next(s.value, s.level, TV32_PAGING, gpa)]);
    }
  }
  if (n > 0) for (const line of columns(table)) dbg.print(line);
}

function printOutcome(dbg: Debugger, view: CpuView, probe: ProbeResult, guest: GuestWalk): void {
  const native = view.mode === 'native';
  if (probe.ok) {
    const where = native ? `physical ${hex8(probe.hostPhys)}` : `host-physical ${hex8(probe.hostPhys)}`;
    const via = view.mode === 'ept' && guest.ok ? `guest-physical ${hex8(guest.guestPhys)} → ` : '';
    dbg.print(`→ ${via}${where}: ${pageSize(2 ** probe.pageShift)} page, leaf ${pteBits(probe.leafBits)}`);
    return;
  }
  if (probe.cause === 'ept-violation') {
    dbg.print(`→ EPT violation: guest-physical ${hex8(probe.faultGuestPhys ?? 0)} has no EPT mapping (an exit: the VMM backs the frame and maps it)`);
    return;
  }
  const cause = causeName(probe.cause ?? 0);
  if (view.mode !== 'shadow') dbg.print(`→ fault: ${cause}`);
  else if (guest.ok) dbg.print(`→ fault in the shadow: ${cause}, a page-fault exit; the guest maps it, so the VMM fills the shadow entry (a hidden fault)`);
  else dbg.print(`→ fault: ${cause}, a page-fault exit; the guest does not map it either, so the VMM injects the fault`);
}

// ------------------------------------------------------------------ page tables

interface Tables {
  readonly title: string;
  readonly mode: PagingMode;
  readonly root: number;
  read(addr: number): number | undefined;
  readonly tableLabel: (a: number) => string;
  /** A frame, or a run of frames from `a` to `end` (inclusive). */
  readonly frameLabel: (a: number, end?: number) => string;
}

/** Present entries as a tree; runs of leaves with the same bits and contiguous frames fold into one line. */
function dumpTables(t: Tables): string[] {
  const out = [t.title];
  const levels = t.mode.levelBits.length;
  const visit = (table: number, level: number, base: number, indent: string): void => {
    const count = 2 ** t.mode.levelBits[level]!;
    const width = Math.ceil(t.mode.levelBits[level]! / 4);
    const idx = (i: number) => i.toString(16).padStart(width, '0');
    const span = 2 ** levelShift(t.mode, level);
    type Run = { first: number; last: number; va: number; frame: number; bits: number; size: number };
    let run: Run | undefined;
    const flush = () => {
      if (!run) return;
      const n = run.last - run.first + 1;
      const unit = run.size > 4096 ? `${pageSize(run.size)} pages` : 'pages';
      const end = (x: number) => hex8(x + n * run!.size - 1);
      out.push(n === 1
        ? `${indent}[${idx(run.first)}]${' '.repeat(width + 1)} ${hex8(run.va)} → ${t.frameLabel(run.frame)}  ${pageSize(run.size)}  ${pteBits(run.bits)}`
        : `${indent}[${idx(run.first)}-${idx(run.last)}] ${hex8(run.va)}-${end(run.va)} → ${t.frameLabel(run.frame, run.frame + n * run.size - 1)}  ${n} ${unit}  ${pteBits(run.bits)}`);
      run = undefined;
    };
    for (let i = 0; i < count; i++) {
      const value = t.read(table + i * 4);
      if (value === undefined) {
        flush();
        out.push(`${indent}(table at ${t.tableLabel(table)} is outside memory)`);
        return;
      }
      if (!(value & PTE.V)) {
        flush();
        continue;
      }
      const va = base + i * span;
      const leaf = level === levels - 1 || ((value & PTE.L) !== 0 && t.mode.largeAllowed[level]);
      const frame = (value & PTE.FRAME_MASK) >>> 0;
      if (!leaf) {
        flush();
        out.push(`${indent}[${idx(i)}]${' '.repeat(width + 1)} ${hex8(va)}-${hex8(va + span - 1)} → table ${t.tableLabel(frame)}  ${pteBits(value)}`);
        visit(frame, level + 1, va, indent + '    ');
        continue;
      }
      const bits = value & 0xff;
      if (run && run.last === i - 1 && run.bits === bits && run.frame + (run.last - run.first + 1) * span === frame) run.last = i;
      else {
        flush();
        run = { first: i, last: i, va, frame, bits, size: span };
      }
    }
    flush();
  };
  visit(t.root, 0, 0, '  ');
  if (out.length === 1) out.push('  (no present entries)');
  return out;
}

function pt(dbg: Debugger, args: string[]): void {
  if (args.length > 1) throw new CommandError('usage: pt [guest|shadow|ept]');
  const which = args[0] ?? 'guest';
  const view = dbg.view;
  const target = dbg.target;
  const h = (a: number) => `h:${hex8(a)}`;
  if (which === 'guest') {
    const { on, root, asid } = target.guestPaging(view);
    if (!on) dbg.print(`guest paging is off (virtual = guest-physical)${root !== 0 ? `; PTBR points at ${hex8(root)}:` : ''}`);
    if (!on && root === 0) return;
    const label = (a: number, end?: number) => `${view.vm ? 'gpa ' : ''}${hex8(a)}${end === undefined ? '' : `-${hex8(end)}`}`;
    for (const line of dumpTables({ title: `guest page tables: root ${label(root)}, asid ${asid}`, mode: TV32_PAGING, root, read: (a) => target.readGuestPhysWord(view, a), tableLabel: label, frameLabel: label })) dbg.print(line);
    return;
  }
  if (which === 'shadow') {
    if (view.mode !== 'shadow') throw new CommandError(`${view.mode} mode has no shadow tables`);
    const root = target.shadowRoot(view);
    if (root === undefined) throw new CommandError(`${view.name} has no shadow tables yet (it has not run)`);
    const reverse = new Map<number, number>();
    view.vm!.p2m.forEach((hostAddr, frame) => hostAddr !== 0 && reverse.set(hostAddr >>> 0, frame * 4096));
    const frameLabel = (a: number, end?: number) => {
      const range = end === undefined ? h(a) : `${h(a)}-${hex8(end)}`;
      return reverse.has(a) ? `${range} (gpa ${hex8(reverse.get(a)!)}${end === undefined ? '' : '…'})` : range;
    };
    const mem = target.hostMemory;
    const which = target.mmuHolds(view) ? 'the real PTBR' : `the real PTBR when ${view.name} runs`;
    for (const line of dumpTables({ title: `shadow page tables of ${view.name}: root ${h(root)} (${which})`, mode: TV32_PAGING, root, read: (a) => (a + 4 <= mem.sizeBytes ? mem.i32[a >>> 2]! : undefined), tableLabel: h, frameLabel })) dbg.print(line);
    return;
  }
  if (which === 'ept') {
    const ept = target.ept(view);
    if (!ept) throw new CommandError(`${view.mode} mode has no EPT`);
    const mem = target.hostMemory;
    const mode = ept.pagingMode;
    const range = (a: number, end?: number) => (end === undefined ? h(a) : `${h(a)}-${hex8(end)}`);
    for (const line of dumpTables({ title: `EPT of ${view.name}: root ${h(ept.rootAddress)}, ${mode.levelBits.length} levels (${mode.levelBits.join('+')} bits); guest-physical → host-physical`, mode, root: ept.rootAddress, read: (a) => (a + 4 <= mem.sizeBytes ? mem.i32[a >>> 2]! : undefined), tableLabel: h, frameLabel: range })) dbg.print(line);
    return;
  }
  throw new CommandError(`pt shows guest, shadow or ept tables (got '${which}')`);
}

function tlb(dbg: Debugger, args: string[]): void {
  if (args.length > 0) throw new CommandError('tlb takes no arguments');
  const mmu = dbg.target.mmu;
  const tlbs = mmu.itlb === mmu.dtlb ? [['TLB', mmu.itlb] as const] : [['instruction TLB', mmu.itlb] as const, ['data TLB', mmu.dtlb] as const];
  for (const [name, t] of tlbs) {
    const entries = t.entries();
    dbg.print(`${name}: ${t.config.entries} entries, ${t.sets} set${t.sets === 1 ? '' : 's'} × ${t.ways} way${t.ways === 1 ? '' : 's'}, ${t.config.replacement} replacement; ${entries.length} valid${dbg.target.session.vmm ? ' (shared by every VM)' : ''}`);
    if (entries.length === 0) continue;
    // LRU order within each set: 0 = most recently used.
    const rank = new Map<number, number>();
    const bySet = new Map<number, typeof entries>();
    for (const e of entries) bySet.set(e.set, [...(bySet.get(e.set) ?? []), e]);
    for (const list of bySet.values()) [...list].sort((a, b) => b.lastUse - a.lastUse).forEach((e, i) => rank.set(e.index, i));
    // Translations made with the guest's paging off (guest-physical identities) are tagged apart.
    const pagingOff = (e: (typeof entries)[number]) => (e as { pagingOff?: boolean }).pagingOff === true;
    const rows = [['set', 'way', 'vpid', 'asid', 'virtual', '', 'physical', 'size', 'bits', 'lru']];
    for (const e of entries) {
      const asid = pagingOff(e) ? 'pg-off' : String(e.asid);
      rows.push([String(e.set), String(e.way), String(e.vpid), asid, hex8(e.va), '→', hex8(e.pa), pageSize(e.pageBytes), pteBits(e.bits), String(rank.get(e.index))]);
    }
    for (const line of columns(rows)) dbg.print(line);
  }
}

export const MMU_COMMANDS: readonly Command[] = [
  {
    name: 'translate', aliases: ['tr'], usage: 'translate VA [fetch|load|store]',
    summary: 'the page walk for VA, step by step, with its cost and the TLB',
    help: 'Each level\'s entry address, value, bits (V W X U G A D L) and where it leads. Under shadow\npaging: the guest\'s walk, then the hardware\'s walk of the shadow. Under EPT: the whole\ntwo-dimensional walk (each guest table address translated through the EPT, then read).\nNothing is changed: no A/D bits, no TLB fill, no statistics.',
    complete: (dbg, args) => (args.length === 1 ? [...ACCESS_NAMES] : dbg.symbols[dbg.focus]!.names()),
    run: translate,
  },
  { name: 'pt', usage: 'pt [guest|shadow|ept]', summary: 'page tables as a tree of present entries (runs folded)', complete: () => ['guest', 'shadow', 'ept'], run: pt },
  { name: 'tlb', usage: 'tlb', summary: 'TLB contents: set, way, VPID/ASID, VA → PA, bits, LRU order', run: tlb },
];
