// How a CPU's memory is virtualized, as data: native, or a VM under shadow paging or EPT with the
// VMM's settings that shape its translation (VPID tagging, the quantum, EPT levels and large
// pages, the shadow root cache and its unshadowing threshold and sync design).

import type { CpuView, InspectTarget, Mode } from './target.ts';

export interface PagingSetup {
  readonly mode: Mode;
  readonly cpu: string;
  /** Under a VMM. */
  readonly vmm?: {
    /** This VM's position among the VMM's VMs (0-based) and how many there are. */
    readonly index: number;
    readonly count: number;
    readonly vpid: boolean;
    readonly quantum: number;
    readonly ept: { readonly levels: number; readonly largePages: boolean };
    readonly shadow: { readonly cacheRoots: number; readonly floodThreshold: number; readonly sync: 'wp' | 'oos' };
  };
}

export function pagingSetup(target: InspectTarget, view: CpuView): PagingSetup {
  const vmm = target.vmm;
  if (!vmm) return { mode: view.mode, cpu: view.name };
  const o = vmm.options;
  return {
    mode: view.mode,
    cpu: view.name,
    vmm: {
      index: view.index,
      count: target.views.length,
      vpid: o.vpid,
      quantum: o.quantum,
      ept: { levels: o.ept.levels, largePages: o.ept.largePages },
      shadow: { cacheRoots: o.shadow.cacheRoots, floodThreshold: o.shadow.floodThreshold, sync: o.shadow.sync ?? 'wp' },
    },
  };
}
