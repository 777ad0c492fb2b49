// Page-table trees as data: the guest's tables, a shadow-mode VM's shadow tables and an EPT, as
// nested lists of present entries. Runs of leaves with the same bits that map contiguous frames
// fold into one run. Shadow tables carry their links back to what the shadow pager built them
// from: the guest directory behind the root, the guest page table behind each shadow table, the
// guest entry behind each shadow leaf, and the guest frame behind each host frame.

import { PTE } from '../isa/arch.ts';
import { TV32_PAGING, levelShift, type PagingMode } from '../emulator/paging-mode.ts';
import type { ShadowRootInfo } from '../hypervisor/shadow.ts';
import type { CpuView, InspectTarget, Unavailable } from './target.ts';

/** Where a shadow entry came from (guest-physical addresses). */
export type ShadowLink =
  /** A shadow page table shadowing a guest page table; `guestEntry` is the guest directory entry pointing at it. */
  | { readonly kind: 'guest-table'; readonly guestTable: number; readonly guestEntry: number }
  /** A shadow page table splitting the guest's 4 MiB superpage mapped by `guestEntry`. */
  | { readonly kind: 'guest-superpage'; readonly guestEntry: number }
  /** The guest's paging is off: the shadow maps guest-virtual = guest-physical, from no guest entry. */
  | { readonly kind: 'paging-off' };

/** A present entry pointing at a next-level table, with that table's present entries. */
export interface TableNode {
  readonly kind: 'table';
  readonly index: number;
  /** The addresses the entry covers: [va, vaEnd] (guest-physical ones in an EPT). */
  readonly va: number;
  readonly vaEnd: number;
  readonly table: number;
  readonly bits: number;
  readonly entries: readonly TreeNode[];
  /** Shadow tables only: what the shadow table under this entry was built from. */
  readonly shadowOf?: ShadowLink;
}

/** One leaf, or a run of leaves at indexes first..last with the same bits mapping contiguous frames. */
export interface RunNode {
  readonly kind: 'run';
  readonly first: number;
  readonly last: number;
  readonly count: number;
  readonly va: number;
  readonly vaEnd: number;
  readonly frame: number;
  readonly frameEnd: number;
  /** Bytes each entry maps. */
  readonly pageBytes: number;
  readonly bits: number;
  /** Shadow tables: the guest frame the first host frame backs (the frames after it need not be contiguous in the guest). */
  readonly guestFrame?: number;
  /** Shadow tables: the guest entry (guest-physical) the first leaf was derived from; the run's follow it. */
  readonly guestEntry?: number;
}

/** A table the tree points at that lies outside memory: nothing after it in that table is read. */
export interface OutsideNode {
  readonly kind: 'outside-memory';
  readonly table: number;
}

export type TreeNode = TableNode | RunNode | OutsideNode;

export interface PageTableTree {
  readonly root: number;
  readonly levelBits: readonly number[];
  /** The present entries of the root table, in index order. */
  readonly entries: readonly TreeNode[];
}

export interface GuestTables {
  readonly kind: 'guest';
  readonly cpu: string;
  readonly paging: boolean;
  /** The guest's PTBR: root and ASID. */
  readonly root: number;
  readonly asid: number;
  /** Are the tables' addresses guest-physical (under a VMM) or physical (bare metal)? */
  readonly guestPhysical: boolean;
  /** The tables PTBR points at (even with paging off); none with paging off and PTBR 0. */
  readonly tree?: PageTableTree;
}

export interface ShadowTablesView extends PageTableTree {
  readonly kind: 'shadow';
  readonly cpu: string;
  /** Does the MMU hold this root now (is it the real PTBR)? */
  readonly loaded: boolean;
  /** The guest directory this root shadows (guest-physical): null for the paging-off shadow, undefined when unknown. */
  readonly guestRoot?: number | null;
}

export interface EptTablesView extends PageTableTree {
  readonly kind: 'ept';
  readonly cpu: string;
}

/** How to read one table's entries and, for shadows, what each one came from. */
interface Source {
  readonly mode: PagingMode;
  read(addr: number): number | undefined;
  /** Shadow tables: the link of the table under root entry `index`, and of leaf `index` under it. */
  tableLink?(index: number, table: number): ShadowLink | undefined;
  leafLink?(link: ShadowLink, index: number): number | undefined;
  guestFrameOf?(hostFrame: number): number | undefined;
}

/** Present entries as a tree; runs of leaves with the same bits and contiguous frames fold into one node. */
function treeOf(src: Source, root: number): PageTableTree {
  const levels = src.mode.levelBits.length;
  const visit = (table: number, level: number, base: number, parent: ShadowLink | undefined): TreeNode[] => {
    const out: TreeNode[] = [];
    const count = 2 ** src.mode.levelBits[level]!;
    const span = 2 ** levelShift(src.mode, level);
    type Run = { first: number; last: number; va: number; frame: number; bits: number };
    let run: Run | undefined;
    const flush = () => {
      if (!run) return;
      const n = run.last - run.first + 1;
      const guestFrame = src.guestFrameOf?.(run.frame);
      const guestEntry = parent && src.leafLink ? src.leafLink(parent, run.first) : undefined;
      out.push({
        kind: 'run', first: run.first, last: run.last, count: n, va: run.va, vaEnd: (run.va + n * span - 1) >>> 0,
        frame: run.frame, frameEnd: (run.frame + n * span - 1) >>> 0, pageBytes: span, bits: run.bits,
        ...(guestFrame === undefined ? {} : { guestFrame }), ...(guestEntry === undefined ? {} : { guestEntry }),
      });
      run = undefined;
    };
    for (let i = 0; i < count; i++) {
      const value = src.read(table + i * 4);
      if (value === undefined) {
        flush();
        out.push({ kind: 'outside-memory', table });
        return out;
      }
      if (!(value & PTE.V)) {
        flush();
        continue;
      }
      const va = base + i * span;
      const leaf = level === levels - 1 || ((value & PTE.L) !== 0 && src.mode.largeAllowed[level]);
      const frame = (value & PTE.FRAME_MASK) >>> 0;
      if (!leaf) {
        flush();
        const link = level === 0 ? src.tableLink?.(i, frame) : undefined;
        const entries = visit(frame, level + 1, va, link);
        out.push({ kind: 'table', index: i, va, vaEnd: (va + span - 1) >>> 0, table: frame, bits: value & 0xff, entries, ...(link ? { shadowOf: link } : {}) });
        continue;
      }
      const bits = value & 0xff;
      if (run && run.last === i - 1 && run.bits === bits && run.frame + (run.last - run.first + 1) * span === frame) run.last = i;
      else {
        flush();
        run = { first: i, last: i, va, frame, bits };
      }
    }
    flush();
    return out;
  };
  return { root, levelBits: [...src.mode.levelBits], entries: visit(root, 0, 0, undefined) };
}

function hostReader(target: InspectTarget): (addr: number) => number | undefined {
  const mem = target.hostMemory;
  return (a) => (a + 4 <= mem.sizeBytes ? mem.i32[a >>> 2]! >>> 0 : undefined);
}

/** The guest's own tables (guest-physical), from its PTBR; with paging off, still the tables PTBR points at (if any). */
export function guestTables(target: InspectTarget, view: CpuView): GuestTables {
  const { on, root, asid } = target.guestPaging(view);
  const head = { kind: 'guest', cpu: view.name, paging: on, root, asid, guestPhysical: view.vm !== undefined } as const;
  if (!on && root === 0) return head;
  return { ...head, tree: treeOf({ mode: TV32_PAGING, read: (a) => target.readGuestPhysWord(view, a) }, root) };
}

/** The shadow tables a shadow-mode VM runs on (the real PTBR's, or the one it would load), linked to the guest's. */
export function shadowTables(target: InspectTarget, view: CpuView): ShadowTablesView | Unavailable {
  if (view.mode !== 'shadow') return { unavailable: view.vm ? 'not-shadow-mode' : 'bare-metal' };
  const root = target.shadowRoot(view);
  if (root === undefined) return { unavailable: 'no-shadow-yet' };
  const reverse = new Map<number, number>();
  view.vm!.p2m.forEach((hostAddr, frame) => hostAddr !== 0 && reverse.set(hostAddr >>> 0, frame * 4096));
  const info: ShadowRootInfo | undefined = target.shadow(view)?.shadowRoots().find((r) => r.directory === root >>> 0);
  const src: Source = {
    mode: TV32_PAGING,
    read: hostReader(target),
    guestFrameOf: (hostFrame) => reverse.get(hostFrame),
    tableLink: (index, table) => {
      const t = info?.tables.find((x) => x.index === index && x.table === table);
      if (!t || !info) return undefined;
      if (t.from === 'paging-off' || info.guestRoot === null) return { kind: 'paging-off' };
      const guestEntry = (info.guestRoot + index * 4) >>> 0;
      return t.from === 'superpage' ? { kind: 'guest-superpage', guestEntry } : { kind: 'guest-table', guestTable: t.from, guestEntry };
    },
    leafLink: (link, index) => (link.kind === 'guest-table' ? (link.guestTable + index * 4) >>> 0 : link.kind === 'guest-superpage' ? link.guestEntry : undefined),
  };
  return {
    kind: 'shadow', cpu: view.name, loaded: target.mmuHolds(view), ...treeOf(src, root),
    ...(info ? { guestRoot: info.guestRoot } : {}),
  };
}

/** A VM's EPT: guest-physical → host-physical. */
export function eptTables(target: InspectTarget, view: CpuView): EptTablesView | Unavailable {
  const ept = target.ept(view);
  if (!ept) return { unavailable: view.vm ? 'not-ept-mode' : 'bare-metal' };
  return { kind: 'ept', cpu: view.name, ...treeOf({ mode: ept.pagingMode, read: hostReader(target) }, ept.rootAddress) };
}
