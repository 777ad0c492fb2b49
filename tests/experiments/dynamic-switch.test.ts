// The dynamic-switching study (guest-programs/studies/dynamic-switch.json): its finding is checked
// with every shipped study in studies.test.ts; here, that the phase-changing workload changes
// design where its phases change (so the study's win comes from following the phases, not from
// luck), and that the policy's parameters sweep from `vmmlab exp` like any other.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { loadModule } from '../../cli/load.ts';
import { Machine } from '../../emulator/machine.ts';
import { DEFAULT_DYNAMIC } from '../../hypervisor/dynamic.ts';
import { Vmm } from '../../hypervisor/vmm.ts';
import { loadStudy } from '../../experiments/study.ts';
import { assembleFile } from '../../node/files.ts';
import { captureOutput, REPO, STUDIES_DIR } from './fixtures.ts';

const MiB = 1024 * 1024;
const KERNEL = assembleFile(path.join(REPO, 'guest-programs/kernel/kernel.s')).image!;

/** Guest instructions of a native run of phases.s with these arguments. */
function nativeInstructions(args: string): number {
  const machine = new Machine({ memoryBytes: 16 * MiB });
  machine.boot(KERNEL, [loadModule(`phases.s:${args}`, false)]);
  const run = machine.run(60_000_000);
  expect(run.reason).toBe('halted');
  return run.instructions;
}

describe('the dynamic-switch study', () => {
  it('case 1: phases.s is shadowed for its TLB-heavy walk and nested for its forks', () => {
    const { study } = loadStudy(path.join(STUDIES_DIR, 'dynamic-switch.json'));
    const spec = study.workloads.find((w) => w.name === 'phases')!.modules[0]!;
    const [pages, rounds, forks] = spec.split(':')[1]!.split(',');
    // Where the phases are: a run with one round of the walk and no forks ends where the steady
    // walk starts (the first round faults the pages in: a phase that favours EPT, every fault a
    // page-table write); one without the forks, where they start. Each is within the few thousand
    // instructions of giving the heap back (a thousand pages) and exiting of the point it marks.
    const walkStart = nativeInstructions(`${pages},1,0`);
    const forksStart = nativeInstructions(`${pages},${rounds},0`);
    const walk = forksStart - walkStart;
    expect(walk).toBeGreaterThan(1_000_000);

    const vmm = new Vmm({ hostMemoryBytes: 64 * MiB, dynamic: DEFAULT_DYNAMIC });
    const { vm } = vmm.addVm({ name: 'phases', mode: 'dynamic', memoryBytes: 16 * MiB, kernel: KERNEL, modules: [loadModule(spec, false)] });
    const [result] = vmm.run(study.maxInstructions);
    expect(result!.reason).toBe('halted');
    expect(vm.devices.console.drainText('latin1')).toMatch(new RegExp(`^phases: tlb ${pages} x ${rounds} checksum 0x[0-9a-f]{8}, fork ${forks} children checksum`));
    const switches = vmm.dynamicOf(vm)!.switchLog;
    expect(switches.map((s) => [s.to, s.forced])).toEqual([['shadow', false], ['nested', false]]);
    // Into shadow paging early in the steady walk (the markers overshoot by the heap's release and
    // the exit: give each a window's slack)...
    expect(switches[0]!.instructions).toBeGreaterThan(walkStart - DEFAULT_DYNAMIC.window);
    expect(switches[0]!.instructions).toBeLessThan(walkStart + 0.2 * walk);
    // ...and back into EPT within a few windows of the forks starting: one to measure, two to vote.
    expect(switches[1]!.instructions).toBeGreaterThan(forksStart - DEFAULT_DYNAMIC.window);
    expect(switches[1]!.instructions).toBeLessThan(forksStart + 4 * DEFAULT_DYNAMIC.window);
    expect(vmm.audit()).toEqual([]);
  });
});

describe('vmmlab exp with dynamic mode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-dynamic-'));
  const io = captureOutput();
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('case 2: the policy\'s parameters sweep, and apply to dynamic cells only', async () => {
    const json = path.join(dir, 'sweep.json');
    const code = await main(['exp', '--workload', 'ctx=ctxswitch.s:300', '--mode', 'shadow,dynamic', '--param', 'dynamicStart=shadow',
      '--param', 'dynamicWindow=5000,500000', '--memory', '4M', '--jobs', '1', '--no-progress', '--json', json]);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const cells = JSON.parse(fs.readFileSync(json, 'utf8')).cells as { mode: string; params: Record<string, unknown>; stats: { dynamic?: { toNested: number; switches: number } } }[];
    expect(cells.map((c) => [c.mode, c.params.dynamicWindow ?? '-'])).toEqual([['shadow', '-'], ['dynamic', 5000], ['dynamic', 500000]]);
    expect(cells[0]!.stats.dynamic).toBeUndefined();
    // A short window notices the context switches within the run (about 220,000 instructions); a long one never ends.
    expect(cells[1]!.stats.dynamic!.toNested).toBe(1);
    expect(cells[2]!.stats.dynamic!.switches).toBe(0);
  });

  it('case 3: a bad value of a policy parameter is refused in words', async () => {
    expect(await main(['exp', '--workload', 'primes.s:10', '--mode', 'dynamic', '--param', 'dynamicMargin=150', '--no-progress'])).toBe(2);
    expect(io.stderr).toMatch(/dynamicMargin must be a whole number from 0 to 100 \(got "150"\)/);
  });
});
