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
// The CPU engines (MachineOptions.engine, vm.cpu.engine, RunOptions.engine): the same results on either.
export { ENGINES, getDefaultEngine, setDefaultEngine, parseEngine } from './emulator/cpu.ts';
export type { Engine } from './emulator/cpu.ts';

// The hypervisor: VMs under shadow paging, EPT or switching between them, on one host.
export { Vmm, DEFAULT_HOST_MEMORY, DEFAULT_QUANTUM } from './hypervisor/vmm.ts';
export type { VmmOptions, VmSpec, VmResult } from './hypervisor/vmm.ts';
export type { Vm, VmMode } from './hypervisor/vm.ts';
export { VmmStats } from './hypervisor/vmstats.ts';
export { vmStatsJson, mergeStats } from './hypervisor/report.ts';
export { DEFAULT_SHADOW } from './hypervisor/shadow.ts';
export type { ShadowOptions } from './hypervisor/shadow.ts';
export { DEFAULT_EPT } from './hypervisor/ept.ts';
export type { EptOptions } from './hypervisor/ept.ts';
// Dynamic switching between shadow and EPT (`mode: 'dynamic'`, VmmOptions.dynamic).
export { DEFAULT_DYNAMIC, checkDynamicOptions } from './hypervisor/dynamic.ts';
export type { DynamicOptions, DynamicSwitch, DynamicWindow } from './hypervisor/dynamic.ts';
export type { DynamicStats } from './hypervisor/vmstats.ts';

// The pager API (docs/pager-api.md): the interface every memory-virtualization design implements,
// the built-in shadow and EPT pagers written against it, and the loader `--pager FILE` uses.
export { PAGER_API_VERSION, EVENT_NAMES } from './hypervisor/pager.ts';
export type {
  Pager, PagerFactory, PagerModule, PagerServices, PagerSettings, PagerCounter, Translation, ExitName, AccessType, Arch, VmmCosts,
  PtbrRead, PtbrWrite, PagingChange, PageFault, Invlpg, TlbFlush, EptViolation,
} from './hypervisor/pager.ts';
export { PagerError } from './hypervisor/pager-host.ts';
export { SHADOW_PAGER } from './hypervisor/shadow.ts';
export { EPT_PAGER } from './hypervisor/ept.ts';
export { loadPager, PagerLoadError } from './node/pager-loader.ts';
export type { LoadedPager } from './node/pager-loader.ts';

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
// The same studies without a file system (the playground's worker runs them so): plan a study from
// its text and a map of files, run its cells one by one (anywhere: a worker pool, a queue), finish.
export { planStudy, runPlannedCell, finishStudy, mapFileSource, studyFilesOf } from './experiments/in-memory.ts';
export type { FileSource, PlanOptions, StudyPlan, StudyOutputs } from './experiments/in-memory.ts';
