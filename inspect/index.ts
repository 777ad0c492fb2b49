// The inspection model (STYLE.md lesson 13): walks, page-table trees, the TLB, VM exits and
// register files, computed once as plain data from a machine seen through InspectTarget. The
// debugger's REPL formats them (debugger/cmd-*.ts); a web playground or a DAP adapter formats the
// same data. Platform-neutral: no Node built-in, nothing from cli/ or debugger/, so it runs in
// Node and in a web worker alike (tests/inspect/platform.test.ts checks).

export type { AddressSpace, CpuView, EptTables, InspectTarget, Mode, ShadowTables, Unavailable, UnavailableReason } from './target.ts';
export { isUnavailable } from './target.ts';
export { guestWalk, leadsTo, translate } from './walk.ts';
export type { AccessName, GridRow, GuestWalk, GuestWalkStep, HardwareWalk, LeadsTo, TlbVerdict, Translation, WalkCost, WalkOutcome, WalkRef } from './walk.ts';
export { eptTables, guestTables, shadowTables } from './tables.ts';
export type { EptTablesView, GuestTables, OutsideNode, PageTableTree, RunNode, ShadowLink, ShadowTablesView, TableNode, TreeNode } from './tables.ts';
export { tlbContents } from './tlb.ts';
export type { TlbContents, TlbEntryInfo, TlbInfo } from './tlb.ts';
export { exitLog } from './exits.ts';
export type { ExitLog, ExitRecordInfo } from './exits.ts';
export { realMmu, registers } from './registers.ts';
export type { ControlRegisters, RealMmu, RegisterFile } from './registers.ts';
export { pagingSetup } from './machine.ts';
export type { PagingSetup } from './machine.ts';
