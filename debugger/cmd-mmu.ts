// Memory-management commands: `translate` (a walk step by step, and under EPT the whole
// two-dimensional walk as a grid; under agile paging each reference's stage, shadow, guest or
// EPT, and where the walk switched; with its memory references, cycles and whether the TLB would
// hit), `pt` (guest, shadow or EPT tables as a tree of present entries, runs folded) and `tlb`.
//
// These only format: the walks, trees and TLB contents come from the inspection model
// (inspect/walk.ts, inspect/tables.ts, inspect/tlb.ts), which the web playground formats too.

import { ACCESS_NAMES } from '../isa/arch.ts';
import { translate as inspectTranslate, type AccessName, type GuestWalk, type LeadsTo, type Translation, type WalkRef } from '../inspect/walk.ts';
import { eptTables, guestTables, shadowTables, type PageTableTree, type RunNode, type TreeNode } from '../inspect/tables.ts';
import { isUnavailable, type AddressSpace } from '../inspect/target.ts';
import { tlbContents } from '../inspect/tlb.ts';
import type { Command } from './commands.ts';
import type { Debugger } from './debugger.ts';
import { CommandError, columns, hex8, pageSize, pteBits } from './format.ts';
import { parseAddress } from './symbols.ts';

const h = (a: number) => `h:${hex8(a)}`;
const gpa = (a: number) => `gpa ${hex8(a)}`;

/** An address as the walk tables print it: bare physical, `h:` host-physical, `gpa` guest-physical. */
function label(space: AddressSpace, a: number): string {
  return space === 'physical' ? hex8(a) : space === 'host-physical' ? h(a) : gpa(a);
}

function leadsToText(to: LeadsTo, name: (a: number) => string): string {
  if (to.kind === 'not-present') return 'not present';
  if (to.kind === 'table') return `table ${name(to.addr)}`;
  return `${to.large ? `${pageSize(to.pageBytes)} page` : 'frame'} ${name(to.addr)}`;
}

function translate(dbg: Debugger, args: string[]): void {
  if (args.length < 1 || args.length > 2) throw new CommandError('usage: translate VA [fetch|load|store]');
  const address = parseAddress(args[0]!, dbg.exprContext());
  if (address.space !== 'v') throw new CommandError('translate takes a guest-virtual address');
  const accessName = args[1] ?? 'load';
  if (!ACCESS_NAMES.includes(accessName as AccessName)) throw new CommandError(`access must be fetch, load or store (got '${accessName}')`);
  const view = dbg.view;
  const t = inspectTranslate(dbg.target, view, address.addr, accessName as AccessName);
  const native = view.mode === 'native';
  dbg.print(`translate ${dbg.describe(view, t.va)} for ${accessName} (${view.mode}${dbg.multiple ? `, ${view.name}` : ''}, ${t.supervisor ? 'supervisor' : 'user'} mode)`);
  const agile = view.mode === 'agile' && t.agileRootNested !== true;
  if (t.agileRootNested) dbg.print('agile, switched at the root: the hardware walks the guest\'s own tables from its PTBR, every guest-physical address through the EPT (as under EPT)');
  else if (view.mode === 'shadow' || agile) {
    dbg.print('the guest\'s own walk (its tables, guest-physical addresses; the VMM reads them in software):');
    printGuestWalk(dbg, t);
    dbg.print(agile
      ? 'the hardware walk (agile: the shadow tables the VMM built until an entry with the switch bit, then the guest\'s own entry and the EPT; host-physical addresses):'
      : 'the hardware walk (the shadow tables the VMM built, host-physical addresses):');
  }
  const hw = t.hardware;
  if (!hw) {
    dbg.print(`  (${view.name}'s shadow tables are not loaded in the MMU: ${t.loadedVm ? `it holds ${t.loadedVm}'s` : `${view.name} has not run yet`})`);
    return;
  }
  if (hw.grid) printGrid(dbg, t);
  else if (agile) printAgileWalk(dbg, t);
  else {
    const rows = [['#', 'level', 'entry at', 'value', 'bits', 'leads to']];
    for (const r of hw.refs) rows.push([String(r.n), `L${r.level + 1}`, label(r.space, r.entryAddr), hex8(r.value), pteBits(r.value), leadsToText(r.leadsTo, (a) => label(r.space, a))]);
    if (hw.refs.length > 0) for (const line of columns(rows)) dbg.print(line);
    else dbg.print(`  (no walk: ${native ? 'paging is off, physical = virtual' : 'translation is off'})`);
  }
  printOutcome(dbg, t);
  const { entries: refs, memoryRefs, eptEntries, startCycles, refCycles, cycles } = hw.cost;
  const split = eptEntries > 0 ? ` (guest ${refs - eptEntries}, EPT ${eptEntries})` : '';
  const cost = refs > 0 ? `: on a TLB miss ${startCycles} + ${memoryRefs} × ${refCycles} = ${cycles} cycles` : '';
  // Entries the page-walk cache serves cost no memory reference.
  const cached = refs - memoryRefs;
  const count = cached > 0 ? `${refs} entries, ${memoryRefs} read from memory and ${cached} from the page-walk cache` : `${refs} memory reference${refs === 1 ? '' : 's'}`;
  dbg.print(`${count}${split}${cost}`);
  const a = hw.cost.agile;
  if (a) {
    dbg.print(a.switched
      ? `agile: switched to nested below L1: ${a.shadowEntries} shadow, ${a.guestEntries} guest and ${eptEntries} EPT entr${eptEntries === 1 ? 'y' : 'ies'}${hw.outcome.kind === 'ok' ? ' (2 + m with an m-level EPT)' : ''}`
      : `agile: not switched: ${a.shadowEntries} shadow entr${a.shadowEntries === 1 ? 'y' : 'ies'}, as a native walk`);
  }
  const tlb = hw.tlb;
  if (tlb.kind === 'unknown') dbg.print(`TLB: unknown (the MMU holds ${tlb.loadedVm ? `${tlb.loadedVm}'s state` : 'no VM yet'}; walked in software)`);
  else if (tlb.kind === 'not-used') dbg.print('TLB: not used (translation is off)');
  else if (tlb.kind === 'hit') dbg.print(`TLB: would hit (set ${tlb.set}, way ${tlb.way}): no walk at all`);
  else dbg.print('TLB: would miss: this walk would run');
}

function printGuestWalk(dbg: Debugger, t: Translation): void {
  const w: GuestWalk = t.guest;
  if (!w.paging) {
    dbg.print(`  paging off: guest-physical = virtual ${hex8(w.guestPhys)}`);
    return;
  }
  const rows = [['#', 'level', 'entry at', 'value', 'bits', 'leads to']];
  w.steps.forEach((s, i) => rows.push([String(i + 1), `L${s.level + 1}`, gpa(s.entryAddr), hex8(s.value), pteBits(s.value), leadsToText(s.leadsTo, gpa)]));
  for (const line of columns(rows)) dbg.print(line);
  if (!w.ok) dbg.print(`  → the guest does not map it: ${w.fault}`);
  else {
    const host = t.guestBacking ?? -1;
    dbg.print(`  → guest-physical ${hex8(w.guestPhys)}${host >= 0 ? `, backed by host ${hex8(host)}` : ' (not backed by a host frame yet)'}`);
  }
}

/** The two-dimensional walk: each row is one guest-physical address translated through the EPT, then read. */
function printGrid(dbg: Debugger, t: Translation): void {
  const { refs, grid } = t.hardware!;
  dbg.print('two-dimensional walk: each guest-physical address (a guest table entry, then the data) goes through the EPT first');
  const table = [['#', 'row', 'column', 'entry at', 'value', 'bits', 'leads to']];
  const ref = (n: number): WalkRef => refs[n - 1]!;
  for (const row of grid!) {
    const title = row.kind === 'guest-entry' ? `guest L${row.guestLevel! + 1} entry, ${gpa(row.guestPhys)}` : `data, ${gpa(row.guestPhys)}`;
    row.eptRefs.forEach((n, i) => {
      const s = ref(n);
      table.push([String(n), i === 0 ? title : '', `EPT L${s.level + 1}`, h(s.hostAddr), hex8(s.value), pteBits(s.value), leadsToText(s.leadsTo, h)]);
    });
    if (row.guestRef !== undefined) {
      const s = ref(row.guestRef);
      table.push([String(s.n), row.eptRefs.length === 0 ? title : '', `guest L${s.level + 1}`, `${gpa(s.entryAddr)} = ${h(s.hostAddr)}`, hex8(s.value), pteBits(s.value), leadsToText(s.leadsTo, gpa)]);
    }
  }
  if (refs.length > 0) for (const line of columns(table)) dbg.print(line);
}

/** An agile walk: each reference with its stage; the guest's entries below the switch lead to guest-physical frames. */
function printAgileWalk(dbg: Debugger, t: Translation): void {
  const refs = t.hardware!.refs;
  const rows = [['#', 'stage', 'level', 'entry at', 'value', 'bits', 'leads to']];
  for (const r of refs) {
    const stage = r.stage === 'shadow' ? (r.switches ? 'shadow, switch' : 'shadow') : r.stage === 'guest' ? 'guest (nested)' : 'EPT';
    const to = r.stage === 'guest' ? leadsToText(r.leadsTo, gpa) : r.switches ? `guest table ${leadsToText(r.leadsTo, h).replace(/^table /, '')}` : leadsToText(r.leadsTo, h);
    const at = r.stage === 'ept' ? `${h(r.hostAddr)} (for ${gpa(r.translating ?? 0)})` : h(r.entryAddr);
    rows.push([String(r.n), stage, `${r.stage === 'ept' ? 'EPT ' : ''}L${r.level + 1}`, at, hex8(r.value), pteBits(r.value), to]);
  }
  if (refs.length > 0) for (const line of columns(rows)) dbg.print(line);
}

function printOutcome(dbg: Debugger, t: Translation): void {
  const o = t.hardware!.outcome;
  if (o.kind === 'ok') {
    const where = t.mode === 'native' ? `physical ${hex8(o.hostPhys)}` : `host-physical ${hex8(o.hostPhys)}`;
    const via = o.guestPhys !== undefined ? `guest-physical ${hex8(o.guestPhys)} → ` : '';
    dbg.print(`→ ${via}${where}: ${pageSize(o.pageBytes)} page, leaf ${pteBits(o.leafBits)}`);
    return;
  }
  if (o.kind === 'ept-violation') {
    dbg.print(`→ EPT violation: guest-physical ${hex8(o.guestPhys)} has no EPT mapping (an exit: the VMM backs the frame and maps it)`);
    return;
  }
  if (o.shadow === undefined) dbg.print(`→ fault: ${o.causeName}`);
  else if (o.shadow === 'direct') dbg.print(`→ fault: ${o.causeName} in the guest's own entry below the switch: delivered to the guest directly, no exit (as under EPT)`);
  else if (o.shadow === 'hidden') dbg.print(`→ fault in the shadow: ${o.causeName}, a page-fault exit; the guest maps it, so the VMM fills the shadow entry (a hidden fault)`);
  else dbg.print(`→ fault: ${o.causeName}, a page-fault exit; the guest does not map it either, so the VMM injects the fault`);
}

// ------------------------------------------------------------------ page tables

interface TreeLabels {
  readonly table: (a: number) => string;
  /** A leaf's frame, or a run's frames (then `frameEnd` is set). */
  readonly frame: (run: RunNode, range: boolean) => string;
}

/** A tree as lines under its title: indexes in hex at each level's width, runs of leaves on one line. */
function treeLines(title: string, tree: PageTableTree, labels: TreeLabels): string[] {
  const out = [title];
  const visit = (nodes: readonly TreeNode[], level: number, indent: string): void => {
    const width = Math.ceil(tree.levelBits[level]! / 4);
    const idx = (i: number) => i.toString(16).padStart(width, '0');
    for (const node of nodes) {
      if (node.kind === 'outside-memory') out.push(`${indent}(table at ${labels.table(node.table)} is outside memory)`);
      else if (node.kind === 'table') {
        out.push(`${indent}[${idx(node.index)}]${' '.repeat(width + 1)} ${hex8(node.va)}-${hex8(node.vaEnd)} → table ${labels.table(node.table)}  ${pteBits(node.bits)}`);
        visit(node.entries, level + 1, indent + '    ');
      } else if (node.count === 1) {
        out.push(`${indent}[${idx(node.first)}]${' '.repeat(width + 1)} ${hex8(node.va)} → ${labels.frame(node, false)}  ${pageSize(node.pageBytes)}  ${pteBits(node.bits)}`);
      } else {
        const unit = node.pageBytes > 4096 ? `${pageSize(node.pageBytes)} pages` : 'pages';
        out.push(`${indent}[${idx(node.first)}-${idx(node.last)}] ${hex8(node.va)}-${hex8(node.vaEnd)} → ${labels.frame(node, true)}  ${node.count} ${unit}  ${pteBits(node.bits)}`);
      }
    }
  };
  visit(tree.entries, 0, '  ');
  if (out.length === 1) out.push('  (no present entries)');
  return out;
}

const hostRange = (run: RunNode, range: boolean) => (range ? `${h(run.frame)}-${hex8(run.frameEnd)}` : h(run.frame));

function pt(dbg: Debugger, args: string[]): void {
  if (args.length > 1) throw new CommandError('usage: pt [guest|shadow|ept]');
  const which = args[0] ?? 'guest';
  const view = dbg.view;
  const target = dbg.target;
  let lines: string[];
  if (which === 'guest') {
    const g = guestTables(target, view);
    if (!g.paging) dbg.print(`guest paging is off (virtual = guest-physical)${g.root !== 0 ? `; PTBR points at ${hex8(g.root)}:` : ''}`);
    if (g.tree === undefined) return;
    const name = (a: number) => `${g.guestPhysical ? 'gpa ' : ''}${hex8(a)}`;
    lines = treeLines(`guest page tables: root ${name(g.root)}, asid ${g.asid}`, g.tree, {
      table: name,
      frame: (run, range) => (range ? `${name(run.frame)}-${hex8(run.frameEnd)}` : name(run.frame)),
    });
  } else if (which === 'shadow') {
    const s = shadowTables(target, view);
    if (isUnavailable(s)) throw new CommandError(s.unavailable === 'no-shadow-yet' ? `${view.name} has no shadow tables yet (it has not run)` : `${view.mode} mode has no shadow tables`);
    const real = s.loaded ? 'the real PTBR' : `the real PTBR when ${view.name} runs`;
    lines = treeLines(`shadow page tables of ${view.name}: root ${h(s.root)} (${real})`, s, {
      table: h,
      frame: (run, range) => (run.guestFrame === undefined ? hostRange(run, range) : `${hostRange(run, range)} (gpa ${hex8(run.guestFrame)}${range ? '…' : ''})`),
    });
  } else if (which === 'ept') {
    const e = eptTables(target, view);
    if (isUnavailable(e)) throw new CommandError(`${view.mode} mode has no EPT`);
    const bits = e.levelBits;
    lines = treeLines(`EPT of ${view.name}: root ${h(e.root)}, ${bits.length} levels (${bits.join('+')} bits); guest-physical → host-physical`, e, { table: h, frame: hostRange });
  } else throw new CommandError(`pt shows guest, shadow or ept tables (got '${which}')`);
  for (const line of lines) dbg.print(line);
}

const TLB_NAMES = { unified: 'TLB', instruction: 'instruction TLB', data: 'data TLB' } as const;

export function tlb(dbg: Debugger, args: string[]): void {
  if (args.length > 0) throw new CommandError('tlb takes no arguments');
  const contents = tlbContents(dbg.target);
  for (const t of contents.tlbs) {
    const s = (n: number) => (n === 1 ? '' : 's');
    dbg.print(`${TLB_NAMES[t.kind]}: ${t.capacity} entries, ${t.sets} set${s(t.sets)} × ${t.ways} way${s(t.ways)}, ${t.replacement} replacement; ${t.valid.length} valid${contents.sharedByVms ? ' (shared by every VM)' : ''}`);
    if (t.valid.length === 0) continue;
    // Translations made with the guest's paging off (guest-physical identities) are tagged apart.
    const rows = [['set', 'way', 'vpid', 'asid', 'virtual', '', 'physical', 'size', 'bits', 'lru']];
    for (const e of t.valid) {
      rows.push([String(e.set), String(e.way), String(e.vpid), e.pagingOff ? 'pg-off' : String(e.asid), hex8(e.va), '→', hex8(e.pa), pageSize(e.pageBytes), pteBits(e.bits), String(e.lruRank)]);
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
