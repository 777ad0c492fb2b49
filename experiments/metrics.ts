// The numbers a study compares, derived from a cell's statistics JSON alone (so a merged shard
// file gives the same numbers as the run that wrote it). Each metric has a name the findings,
// the CSV header and the tables share; `exits.REASON` names the VM exits of one reason.
//
// Nothing here runs or prints anything.

import type { CellResult, Json } from './run-cell.ts';

interface StatsView {
  instructions: number;
  cycles: { total: number; insn: number; walk: number; trap: number; mmio: number; idle: number; exit: number; vmm: number };
  tlb: { hits: number; misses: number };
  walk: { walks: number; refs: number; guestRefs: number; eptRefs: number; adUpdates: number; pwcHits: number; pwcMisses: number };
  faults: { page: number; hidden?: number };
  ptbrWrites: number;
  exits?: { total: number; byReason: Record<string, number> };
  shadow?: { peakPages: number };
  ept?: { pages: number };
  pv?: { batches: number; updates: number; failures: Record<string, number> };
  dynamic?: { switches: number; toShadow: number; toNested: number; instructionsShadow: number };
  agile?: { toNested: number; toShadow: number; windows: number; dirtySamples: number; rootToNested?: number; rootToShadow?: number; instructionsRootNested?: number };
  guestFrames?: number;
  sharing?: { scanned: number; merged: number; cowBreaks: number; cowExits: number; sharedNow: number; savedFrames: number; scanCycles: number; cowCycles: number };
  swap?: { pagesOut: number; pagesIn: number; pageInsOnStore: number; outCycles: number; inCycles: number };
  dirtyLog?: { pagesLogged: number; wpExits: number; pmlFullExits: number; harvests: number; cycles: number };
  migration?: { started: boolean | number; completed: boolean | number; converged: boolean | number; rounds: number; stopCopyPages: number; pagesSent: number; totalCycles: number; downtimeCycles: number; loggingCycles: number; slowdown: number };
  balloon?: { ballooned: number; peakBallooned: number; framesInflated: number; framesDeflated: number; pressureDeflates: number; touches: number; hostFramesFreed: number; cycles: number; targetCalls: number; inflates: number; deflates: number };
}

const view = (stats: Json) => stats as unknown as StatsView;
const ratio = (a: number, b: number) => (b > 0 ? a / b : undefined);

/** Metric name → how to compute it from a cell (and the cycles of its native baseline, if any). */
export const METRICS: Record<string, { help: string; of: (s: StatsView, nativeCycles?: number) => number | undefined }> = {
  instructions: { help: 'guest instructions retired', of: (s) => s.instructions },
  cycles: { help: 'cycles, everything included', of: (s) => s.cycles.total },
  cpi: { help: 'cycles per instruction', of: (s) => ratio(s.cycles.total, s.instructions) },
  slowdown: { help: 'cycles / the native cycles of the same workload and parameters', of: (s, n) => (n === undefined ? undefined : ratio(s.cycles.total, n)) },
  tlbMisses: { help: 'TLB misses', of: (s) => s.tlb.misses },
  tlbMissRate: { help: 'TLB misses / TLB lookups', of: (s) => ratio(s.tlb.misses, s.tlb.hits + s.tlb.misses) },
  walkRefs: { help: 'memory references of page walks', of: (s) => s.walk.refs },
  refsPerMiss: { help: 'page-walk references per TLB miss', of: (s) => ratio(s.walk.refs, s.tlb.misses) },
  guestRefsPerMiss: { help: 'guest-dimension (or native/shadow) references per miss', of: (s) => ratio(s.walk.guestRefs, s.tlb.misses) },
  eptRefsPerMiss: { help: 'EPT-dimension references per miss', of: (s) => ratio(s.walk.eptRefs, s.tlb.misses) },
  refsPerWalk: { help: 'page-walk references per walk, A/D write-backs excluded', of: (s) => ratio(s.walk.refs - s.walk.adUpdates, s.walk.walks) },
  pwcHitRate: { help: 'page-walk cache hits / lookups', of: (s) => ratio(s.walk.pwcHits, s.walk.pwcHits + s.walk.pwcMisses) },
  pageFaults: { help: 'page faults the guest saw', of: (s) => s.faults.page },
  hiddenFaults: { help: 'faults the VMM handled without the guest seeing them', of: (s) => s.faults.hidden ?? 0 },
  exits: { help: 'VM exits', of: (s) => s.exits?.total ?? 0 },
  ptbrWrites: { help: 'PTBR writes (context switches)', of: (s) => s.ptbrWrites },
  vmmShare: { help: 'share of cycles in VM exits/entries and VMM work', of: (s) => ratio(s.cycles.exit + s.cycles.vmm, s.cycles.total) },
  walkShare: { help: 'share of cycles in page walks', of: (s) => ratio(s.cycles.walk, s.cycles.total) },
  shadowPages: { help: 'shadow page-table pages at the peak', of: (s) => s.shadow?.peakPages ?? 0 },
  eptPages: { help: 'EPT pages', of: (s) => s.ept?.pages ?? 0 },
  pvUpdates: { help: 'page-table updates the paravirtual guest asked for (mmu_update entries)', of: (s) => s.pv?.updates ?? 0 },
  pvUpdatesPerBatch: { help: 'mmu_update entries per hypercall batch (pv)', of: (s) => (s.pv ? ratio(s.pv.updates, s.pv.batches) : undefined) },
  pvRefusals: { help: 'hypercalls the VMM refused (pv)', of: (s) => Object.values(s.pv?.failures ?? {}).reduce((a, b) => a + b, 0) },
  insnCycles: { help: 'cycles executing instructions', of: (s) => s.cycles.insn },
  walkCycles: { help: 'cycles in page walks', of: (s) => s.cycles.walk },
  exitCycles: { help: 'cycles of VM exit/entry transitions', of: (s) => s.cycles.exit },
  vmmCycles: { help: 'cycles of VMM software', of: (s) => s.cycles.vmm },
  otherCycles: { help: 'cycles in traps, device accesses and idle', of: (s) => s.cycles.trap + s.cycles.mmio + s.cycles.idle },
  switches: { help: 'dynamic mode: switches between shadow paging and EPT', of: (s) => s.dynamic?.switches ?? 0 },
  switchesToShadow: { help: 'dynamic mode: switches into shadow paging', of: (s) => s.dynamic?.toShadow ?? 0 },
  switchesToEpt: { help: 'dynamic mode: switches into EPT', of: (s) => s.dynamic?.toNested ?? 0 },
  agileToNested: { help: 'agile mode: leaf tables moved to nested mode', of: (s) => s.agile?.toNested ?? 0 },
  agileToShadow: { help: 'agile mode: leaf tables moved back to shadow mode', of: (s) => s.agile?.toShadow ?? 0 },
  agileRootToNested: { help: 'agile mode: switches at the root to a fully nested walk', of: (s) => s.agile?.rootToNested ?? 0 },
  agileRootToShadow: { help: 'agile mode: switches at the root back to a shadowed root', of: (s) => s.agile?.rootToShadow ?? 0 },
  agileRootNestedShare: { help: 'agile mode: share of guest instructions retired with the root nested', of: (s) => (s.instructions > 0 ? (s.agile?.instructionsRootNested ?? 0) / s.instructions : 0) },
  guestFrames: { help: 'host frames backing guest memory privately (not shared)', of: (s) => s.guestFrames ?? 0 },
  sharedGuestFrames: { help: 'page sharing: guest frames backed by a shared frame', of: (s) => s.sharing?.sharedNow ?? 0 },
  savedFrames: { help: 'page sharing: host frames saved (guest frames on shared frames less the shared frames)', of: (s) => s.sharing?.savedFrames ?? 0 },
  memorySaving: { help: 'page sharing: host frames saved / guest frames backed', of: (s) => ratio(s.sharing?.savedFrames ?? 0, (s.guestFrames ?? 0) + (s.sharing?.sharedNow ?? 0)) },
  cowBreaks: { help: 'page sharing: copy-on-write breaks', of: (s) => s.sharing?.cowBreaks ?? 0 },
  scanCycles: { help: 'page sharing: cycles of scanning (hashing, comparing, revoking mappings)', of: (s) => s.sharing?.scanCycles ?? 0 },
  swapOuts: { help: 'host swapping: pages written to the swap device', of: (s) => s.swap?.pagesOut ?? 0 },
  swapIns: { help: 'host swapping: pages read back', of: (s) => s.swap?.pagesIn ?? 0 },
  swapInsOnStore: { help: 'host swapping: page-ins the guest caused with a store (double paging: it rewrites what the host paid to read)', of: (s) => s.swap?.pageInsOnStore ?? 0 },
  swapCycles: { help: 'host swapping: cycles of page-outs and page-ins', of: (s) => (s.swap?.outCycles ?? 0) + (s.swap?.inCycles ?? 0) },
  balloonFrames: { help: 'ballooning: guest frames in the balloon at the end', of: (s) => s.balloon?.ballooned ?? 0 },
  balloonPeak: { help: 'ballooning: guest frames in the balloon at the peak', of: (s) => s.balloon?.peakBallooned ?? 0 },
  balloonInflated: { help: 'ballooning: frames given to the VMM, in all', of: (s) => s.balloon?.framesInflated ?? 0 },
  balloonDeflated: { help: 'ballooning: frames given back to the guest, in all', of: (s) => s.balloon?.framesDeflated ?? 0 },
  balloonHostFreed: { help: 'ballooning: host frames freed by inflating', of: (s) => s.balloon?.hostFramesFreed ?? 0 },
  balloonCalls: { help: 'ballooning: hypercalls (target, inflate, deflate)', of: (s) => (s.balloon ? s.balloon.targetCalls + s.balloon.inflates + s.balloon.deflates : 0) },
  balloonCycles: { help: "ballooning: cycles of its hypercalls' exits and the VMM's work", of: (s) => s.balloon?.cycles ?? 0 },
  pagesLogged: { help: 'dirty logging: guest frames logged dirty (once per frame between two harvests)', of: (s) => s.dirtyLog?.pagesLogged ?? 0 },
  wpExits: { help: 'dirty logging: write-protection exits (the first store to a protected frame)', of: (s) => s.dirtyLog?.wpExits ?? 0 },
  pmlFullExits: { help: 'dirty logging: exits on a full page-modification log', of: (s) => s.dirtyLog?.pmlFullExits ?? 0 },
  harvests: { help: 'dirty logging: harvests of the dirty set', of: (s) => s.dirtyLog?.harvests ?? 0 },
  loggingCycles: { help: 'dirty logging: cycles charged to it (its exits, arming, harvests, TLB flushes)', of: (s) => s.dirtyLog?.cycles ?? 0 },
  loggingShare: { help: "dirty logging: its cycles / the run's cycles", of: (s) => ratio(s.dirtyLog?.cycles ?? 0, s.cycles.total) },
  migrated: { help: 'migration: 1 if the VM finished on the destination, else 0', of: (s) => (s.migration ? Number(s.migration.completed) : undefined) },
  converged: { help: 'migration: 1 if a round left at most migrateStopPages dirty pages (else the round limit stopped it)', of: (s) => (s.migration ? Number(s.migration.converged) : undefined) },
  migrationRounds: { help: 'migration: rounds made, the full copy included', of: (s) => s.migration?.rounds },
  pagesSent: { help: 'migration: pages sent in all (rounds and stop-and-copy)', of: (s) => s.migration?.pagesSent },
  stopCopyPages: { help: 'migration: pages sent while the VM was paused', of: (s) => s.migration?.stopCopyPages },
  migrationCycles: { help: 'migration: cycles from its start to the resume on the destination', of: (s) => s.migration?.totalCycles },
  downtimeCycles: { help: 'migration: cycles the VM was paused (stop-and-copy and switch)', of: (s) => s.migration?.downtimeCycles },
  migrationSlowdown: { help: "migration: logging's cycles over the VM's other cycles while it ran logged", of: (s) => s.migration?.slowdown },
  shadowShare: { help: 'dynamic mode: share of guest instructions run under shadow paging', of: (s) => (s.dynamic ? ratio(s.dynamic.instructionsShadow, s.instructions) : undefined) },
};

/** Is `name` a metric (including `exits.REASON`)? */
export function isMetric(name: string): boolean {
  return name in METRICS || /^exits\.[a-z][a-z-]*$/.test(name);
}

/** One metric of a cell; `nativeCycles` is its baseline's cycles (for slowdown). */
export function metric(cell: CellResult, name: string, nativeCycles?: number): number | undefined {
  const s = view(cell.stats);
  if (name.startsWith('exits.')) return s.exits?.byReason[name.slice(6)] ?? 0;
  const m = METRICS[name];
  if (!m) throw new Error(`unknown metric '${name}'`);
  return m.of(s, nativeCycles);
}

/** Exit reasons seen in any of the cells, sorted. */
export function exitReasons(cells: readonly CellResult[]): string[] {
  const all = new Set<string>();
  for (const c of cells) for (const k of Object.keys(view(c.stats).exits?.byReason ?? {})) all.add(k);
  return [...all].sort();
}

/** Exits of a cell by reason, most frequent first. */
export function exitsByReason(cell: CellResult): [string, number][] {
  return Object.entries(view(cell.stats).exits?.byReason ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Where the cycles went, in the order the stacked chart draws them. */
export const CYCLE_PARTS = [
  { metric: 'insnCycles', label: 'instructions' },
  { metric: 'walkCycles', label: 'page walks' },
  { metric: 'exitCycles', label: 'VM exits/entries' },
  { metric: 'vmmCycles', label: 'VMM work' },
  { metric: 'otherCycles', label: 'traps, devices, idle' },
] as const;
