// vmmlab as a library: `import { assemble, Machine, Vmm, runStudy } from 'vmmlab'`. What this file
// exports is the supported API (the assembler, a bare machine, the VMM, and experiments); modules
// it does not export are internals and may change. It only re-exports: no code lives here.
//
// An install gets it built: package.json's "exports" point at dist/index.js (esbuild, ESM) and
// its declarations in dist/types/ (bin/build.js). Inside the checkout, tsconfig.json's "paths"
// and vitest.config.ts's alias map `vmmlab` to this file.

// The assembler: TV32 source to an image.
// assemble and assembleFile read `.include`s (and files) from disk: the Node entry gives the core its files.
export { assemble, assembleFile, readSourceFile } from './node/files.ts';
export { formatDiagnostic, disassemble, disassembleImage, DEFAULT_ORIGIN } from './assembler/index.ts';
export type { AssembleOptions, AssembleResult, Diagnostic } from './assembler/index.ts';
export { parseImage, serializeImage } from './isa/image.ts';
export type { Image, Segment } from './isa/image.ts';

// A bare-metal machine, its boot loader, cost model and counters.
export { Machine, DEFAULT_MEMORY_BYTES, DEFAULT_MAX_INSTRUCTIONS } from './emulator/machine.ts';
export type { MachineOptions, RunResult, StopReason } from './emulator/machine.ts';
export { USER_ORIGIN } from './emulator/boot.ts';
export type { BootModule, BootOptions, BootLayout } from './emulator/boot.ts';
export { DEFAULT_PROFILE, applySettings, parseProfile } from './emulator/profile.ts';
export type { MachineProfile } from './emulator/profile.ts';
export { DEFAULT_MMU } from './emulator/mmu.ts';
export type { MmuConfig } from './emulator/mmu.ts';
export { DEFAULT_TLB } from './emulator/tlb.ts';
export type { TlbConfig } from './emulator/tlb.ts';
export { Stats } from './emulator/stats.ts';

// The hypervisor: VMs under shadow paging or EPT on one host.
export { Vmm, DEFAULT_HOST_MEMORY, DEFAULT_QUANTUM } from './hypervisor/vmm.ts';
export type { VmmOptions, VmSpec, VmResult } from './hypervisor/vmm.ts';
export type { Vm, VmMode } from './hypervisor/vm.ts';
export { VmmStats } from './hypervisor/vmstats.ts';
export { vmStatsJson, mergeStats } from './hypervisor/report.ts';
export { DEFAULT_SHADOW } from './hypervisor/shadow.ts';
export type { ShadowOptions } from './hypervisor/shadow.ts';
export { DEFAULT_EPT } from './hypervisor/ept.ts';
export type { EptOptions } from './hypervisor/ept.ts';

// Experiments: studies of workloads × modes × parameters.
export { loadStudy, parseStudy, expandCells, baselineOf } from './experiments/study.ts';
export type { Study, StudySource, Workload, Cell } from './experiments/study.ts';
export { PARAMS, MODES, StudyError } from './experiments/params.ts';
export type { Mode, ParamSpec, ParamValue } from './experiments/params.ts';
export { runCell } from './experiments/cell.ts';
export type { CellResult, CellConfig, CellJob } from './experiments/cell.ts';
export { runStudy, nativeCycles, evaluateStudyFinding, VMMLAB_VERSION } from './experiments/runner.ts';
export type { StudyResult, RunOptions, Shard, Progress } from './experiments/runner.ts';
export { evaluateFinding, parseCheck } from './experiments/finding.ts';
export type { Finding, FindingOutcome, CheckOutcome } from './experiments/finding.ts';
export { metric, METRICS, CYCLE_PARTS } from './experiments/metrics.ts';
export { mergeResults, readResult } from './experiments/merge.ts';
export { textTable, markdownTable, csv, findingText, warnings } from './experiments/report.ts';
export { studySvg } from './experiments/svg.ts';
