// The cost of a TLB miss, counted in memory references by the walker's statistics (stats.walkRefs,
// walkGuestRefs, walkEptRefs). Natively a miss on a 4 KiB page costs n = 2 references (directory
// and table entry), on a superpage n = 1. Under EPT every guest-physical address the walk uses
// (each of the n guest entries, and the final address) is itself translated by an m-level EPT
// walk: the two-dimensional walk costs n + (n + 1)·m = (n + 1)(m + 1) − 1 references. With EPT
// large pages the EPT walk stops one level early (m − 1). An A/D write-back into the guest leaf is
// one more guest reference. Under shadow paging the hardware walks the shadow, always 4 KiB pages:
// 2 references, superpage or not.
//
// The guest is guests/ept-walk.s: it has touched every page first (so no EPT violation happens
// during the measured walk) and flushed the TLB; the test steps it one instruction at a time and
// reads the counters around the loads at its `measure_*` labels.
//
// Then: writing PTBR exits under shadow paging (the VMM switches shadows) and never under EPT.

import { describe, expect, it } from 'vitest';
import type { Image } from '../../isa/image.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_MMU } from '../../emulator/mmu.ts';
import type { Stats } from '../../emulator/stats.ts';
import type { EptOptions } from '../../hypervisor/ept.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { MiB, guestImage, installWatchdog, loadLikeVmm, runIn, symbolOf } from './harness.ts';

const image = guestImage('tests/hypervisor/guests/ept-walk.s');
/** A whole 4 MiB: EPT large pages (up to 4 MiB, with 2 levels) map only pages that are all RAM. */
const GUEST_MEMORY = 4 * MiB;

interface WalkCost {
  walks: number;
  refs: number;
  guestRefs: number;
  eptRefs: number;
}

const costOf = (s: Stats): WalkCost => ({ walks: s.walks, refs: s.walkRefs, guestRefs: s.walkGuestRefs, eptRefs: s.walkEptRefs });
const minus = (a: WalkCost, b: WalkCost): WalkCost => ({
  walks: a.walks - b.walks, refs: a.refs - b.refs, guestRefs: a.guestRefs - b.guestRefs, eptRefs: a.eptRefs - b.eptRefs,
});

/** A machine or VM the test can step: one instruction, its pc and its statistics. */
interface Stepper {
  step(): void;
  pc(): number;
  readonly stats: Stats;
}

/** Cold walks: no page-walk cache, whatever the default becomes. */
const NO_PWC = { ...DEFAULT_MMU, pwcEntries: 0 };

function nativeStepper(img: Image): Stepper {
  const machine = new Machine({ memoryBytes: GUEST_MEMORY, mmu: NO_PWC });
  loadLikeVmm(machine, img);
  return { step: () => void machine.run(1), pc: () => machine.cpu.pc >>> 0, stats: machine.stats };
}

function vmStepper(img: Image, mode: 'shadow' | 'ept', ept?: EptOptions): Stepper {
  const vmm = new Vmm({ hostMemoryBytes: 16 * MiB, mmu: NO_PWC, ...(ept ? { ept } : {}) });
  const { vm } = vmm.addVm({ name: 'walker', mode, memoryBytes: GUEST_MEMORY, kernel: img });
  installWatchdog(vm, 1000);
  return { step: () => vmm.runSlice(vm, 1), pc: () => vm.cpu.pc >>> 0, stats: vm.stats };
}

/** Step to the label, then measure the walk cost of the one instruction there. */
function measure(stepper: Stepper, label: string): WalkCost {
  const at = symbolOf(image, label);
  for (let i = 0; i < 1000 && stepper.pc() !== at; i++) stepper.step();
  expect(stepper.pc(), `reached ${label}`).toBe(at);
  const before = costOf(stepper.stats);
  stepper.step();
  expect(stepper.pc(), `the instruction at ${label} retired`).toBe(at + 4);
  return minus(costOf(stepper.stats), before);
}

const LABELS = ['measure_4k', 'measure_super', 'measure_4k_no_a'] as const;
/** Guest levels walked (n) and A/D write-backs (w) for each measured load. */
const GUEST_WALK = { measure_4k: { n: 2, w: 0 }, measure_super: { n: 1, w: 0 }, measure_4k_no_a: { n: 2, w: 1 } } as const;

/** References of one EPT walk: its levels, one fewer when large pages end it early. */
const eptDepth = (e: EptOptions): number => (e.largePages && e.levels > 1 ? e.levels - 1 : e.levels);

describe('the cost of a TLB miss, in memory references', () => {
  it('natively: n references (2 for a 4 KiB page, 1 for a superpage), plus 1 for an A/D write-back', () => {
    const stepper = nativeStepper(image);
    for (const label of LABELS) {
      const { n, w } = GUEST_WALK[label];
      expect(measure(stepper, label), label).toEqual({ walks: 1, refs: n + w, guestRefs: n + w, eptRefs: 0 });
    }
  });

  const configs: EptOptions[] = [1, 2, 3, 4].flatMap((levels) => [false, true].map((largePages) => ({ levels, largePages })));
  it.each(configs)('under EPT ($levels levels, large pages $largePages): (n + 1)(m + 1) - 1', (ept) => {
    const stepper = vmStepper(image, 'ept', ept);
    const m = eptDepth(ept);
    for (const label of LABELS) {
      const { n, w } = GUEST_WALK[label];
      const expected = { walks: 1, refs: (n + 1) * (m + 1) - 1 + w, guestRefs: n + w, eptRefs: (n + 1) * m };
      expect(measure(stepper, label), `${label}: n = ${n}, m = ${m}`).toEqual(expected);
    }
  });

  it('under shadow paging: the shadow is walked, 2 references, superpages split into 4 KiB pages', () => {
    const stepper = vmStepper(image, 'shadow');
    for (const label of ['measure_4k', 'measure_super'] as const) {
      expect(measure(stepper, label), label).toEqual({ walks: 1, refs: 2, guestRefs: 2, eptRefs: 0 });
    }
  });
});

describe('PTBR writes exit under shadow paging, never under EPT', () => {
  const ptbrLoop = guestImage('tests/hypervisor/guests/ptbr-loop.s');

  it('shadow: every one of the 201 PTBR writes exits (ptbr-write)', () => {
    const o = runIn('shadow', ptbrLoop);
    expect(o.visible.console).toBe('700\n');
    expect(o.vmm!.exitsByReason.get('ptbr-write')).toBe(201);
    expect(o.stats.ptbrWrites).toBe(201);
  });

  it('EPT: the guest owns PTBR, no ptbr-write exit', () => {
    const o = runIn('ept', ptbrLoop);
    expect(o.visible.console).toBe('700\n');
    expect(o.vmm!.exitsByReason.has('ptbr-write')).toBe(false);
    expect(o.stats.ptbrWrites).toBe(201);
    expect(o.visible).toEqual(runIn('native', ptbrLoop).visible);
  });
});
