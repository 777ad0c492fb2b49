// Build the machine a session runs from its settings and VM plans: one bare-metal Machine
// (native, one program) or a VMM with its VMs. This is the platform-neutral part of cli/session.ts's
// Session, shared with the playground's worker (web/worker.ts), so that the same options and
// images build the same machine, and give the same counts, in the CLI and in the browser.

import type { Image } from '../isa/image.ts';
import type { BootModule } from '../emulator/boot.ts';
import { Machine } from '../emulator/machine.ts';
import type { PagerModule } from '../hypervisor/pager.ts';
import type { PagerError } from '../hypervisor/pager-host.ts';
import type { VmMode } from '../hypervisor/vm.ts';
import { Vmm } from '../hypervisor/vmm.ts';
import { checkMachine, checkVm, type CheckedCpu } from '../debugger/tlb-rules-report.ts';
import { SettingsError, vmmOptions, type MachineSettings, type Mode, type OptionValues } from './settings.ts';

export interface VmPlan {
  name: string;
  mode: VmMode;
  memoryBytes: number;
  kernel: Image;
  modules: BootModule[];
  /** A pager of one's own for this VM (hypervisor/pager.ts); it must translate as `mode` says. Default: the built-in one. */
  pager?: PagerModule;
}

/** What the caller adds to the VMM: how a pager's failure is thrown (the debugger's command error). */
export interface BuildHooks {
  readonly pagerFailure?: (error: PagerError) => Error;
}

export interface BuiltMachine {
  readonly machine?: Machine;
  readonly vmm?: Vmm;
  /** With check-tlb-rules: a checker on the machine or on each VM. */
  readonly tlbRules: CheckedCpu[];
}

/**
 * The machine of `plans` under `mode`. `values` carries the hypervisor options (host-memory,
 * vpid, quantum, shadow-*, ept-*) and check-tlb-rules. Throws SettingsError for bad options, and
 * BootError or RangeError for images that cannot be loaded.
 */
export function buildMachine(settings: MachineSettings, mode: Mode, plans: readonly VmPlan[], values: OptionValues, hooks: BuildHooks = {}): BuiltMachine {
  const tlbRules: CheckedCpu[] = [];
  const checking = values['check-tlb-rules'] === true;
  const asids = settings.mmu.asidTagging !== false;
  if (mode === 'native' && plans.length === 1) {
    // Dirty logging and migration are the VMM's (hypervisor/migration.ts): a bare machine has none.
    for (const name of ['migrate-at', 'dirty-log']) if (values[name] !== undefined) throw new SettingsError(`--${name} needs a VM: add --mode shadow, ept or dynamic`);
    const plan = plans[0]!;
    const machine = new Machine({ memoryBytes: plan.memoryBytes, profile: settings.profile, mmu: settings.mmu, ...(settings.engine ? { engine: settings.engine } : {}) });
    if (plan.modules.length > 0) machine.boot(plan.kernel, plan.modules);
    else machine.load(plan.kernel);
    if (checking) tlbRules.push(checkMachine(machine, plan.kernel, plan.modules, asids));
    return { machine, tlbRules };
  }
  const vmm = new Vmm({ ...vmmOptions(settings, values), ...(hooks.pagerFailure ? { pagerFailure: hooks.pagerFailure } : {}) });
  const guestTotal = plans.reduce((sum, p) => sum + p.memoryBytes, 0);
  if (guestTotal > vmm.host.mem.sizeBytes && vmm.swap === undefined && vmm.reclaim === undefined) {
    throw new SettingsError(`the VMs' guest memory (${guestTotal / 2 ** 20} MiB in all) is more than the host's ${vmm.host.mem.sizeBytes / 2 ** 20} MiB (--host-memory); to overcommit, set a reclaim policy (--reclaim swap|balloon|balloon-swap) or turn host swapping on (--host-swap fifo|random)`);
  }
  // Page sharing and host swapping take mappings back through hidden faults (docs/host-memory.md).
  for (const plan of plans) {
    const what = vmm.sharing ? '--share-pages' : vmm.swap ? (vmm.reclaim ? '--reclaim' : '--host-swap') : undefined;
    if (what && (plan.mode as string) === 'agile') throw new SettingsError(`VM ${plan.name}: ${what} is not offered to agile VMs yet (their switched guest tables are read in place, behind the EPT); use --mode shadow, ept or dynamic`);
    if (what && plan.mode === 'pv') throw new SettingsError(`VM ${plan.name}: ${what} is not offered to pv VMs (direct paging has no hidden faults for the VMM to take a mapping back through, as Xen shares and pages memory only of HVM guests); use --mode shadow, ept or dynamic`);
    if (what && plan.mode === 'agile') throw new SettingsError(`VM ${plan.name}: ${what} is not offered to agile VMs yet (a switched directory entry hands the hardware a guest page-table frame, which it writes A/D bits into: taking that frame back is not built, docs/agile-design.md); use --mode shadow, ept or dynamic`);
    if (vmm.swap && vmm.options.ept.largePages && (plan.mode === 'ept' || plan.mode === 'dynamic')) throw new SettingsError(`VM ${plan.name}: ${vmm.reclaim ? `--reclaim ${vmm.reclaim.policy}` : '--host-swap'} evicts 4 KiB guest frames and --ept-large-pages backs guest memory in large runs: use one or the other`);
  }
  for (const plan of plans) {
    const { vm } = vmm.addVm({ name: plan.name, mode: plan.mode, memoryBytes: plan.memoryBytes, kernel: plan.kernel, modules: plan.modules, ...(plan.pager ? { pager: plan.pager } : {}) });
    if (settings.engine) vm.cpu.engine = settings.engine;
    if (checking) tlbRules.push(checkVm(vm, plan.kernel, plan.modules, asids));
  }
  return { vmm, tlbRules };
}
