// Statistics of VMs as JSON: one VM's machine counters and VMM counters merged, and the total
// over all VMs (sums of every counter).

import type { Stats } from '../emulator/stats.ts';
import type { Vm } from './vm.ts';

type Json = Record<string, unknown>;

/** A VM's statistics: the machine's counters and the VMM's, in one object. */
export function vmStatsJson(vm: Vm): Json {
  return mergeStats(vm.stats, vm.vmm.toJSON());
}

export function mergeStats(stats: Stats, vmm?: Json): Json {
  const machine = stats.toJSON();
  if (!vmm) return machine;
  const { faults: vmmFaults, ...rest } = vmm as { faults: Json };
  return { ...machine, ...rest, faults: { ...(machine.faults as Json), ...vmmFaults } };
}

/** Sum JSON statistics key by key (numbers add, objects recurse). */
export function sumStats(items: readonly Json[]): Json {
  const out: Json = {};
  for (const item of items) {
    for (const [k, v] of Object.entries(item)) {
      if (typeof v === 'number') out[k] = ((out[k] as number | undefined) ?? 0) + v;
      else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = sumStats([(out[k] as Json | undefined) ?? {}, v as Json]);
    }
  }
  return out;
}
