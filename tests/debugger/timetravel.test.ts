// Time travel through deterministic replay: reverse-step back over a trap and forward again
// reaches the identical state (registers, memory hash, statistics) natively, under shadow paging
// and under EPT; checkpoints; reverse-continue to the previous breakpoint hit; user changes
// (set) replayed; and single-stepping under the debugger giving the same statistics as a plain
// run (the debugger does not perturb what it measures).

import { describe, expect, it } from 'vitest';
import { Machine } from '../../emulator/machine.ts';
import { statsTable } from '../../format/stats.ts';
import { loadModule, loadProgram } from '../../cli/load.ts';
import { KERNEL, kernelArgs, live, outputOf, session } from './helpers.ts';

/** Everything a state comparison looks at. */
const STATE = ['regs', 'stats', 'info hash', 'tlb'];

describe.each(['native', 'shadow', 'ept'])('debug: time travel (%s)', (mode) => {
  const argv = kernelArgs('sbrkchurn.s:2', '--mode', mode);

  it('reverse-step back over a trap, then forward, reaches the identical state', async () => {
    const d = live(argv);
    await d.run('break on pagefault');
    expect(await d.run('continue')).toMatch(/page fault: load-page-fault/);
    const before = await Promise.all(STATE.map((c) => d.run(c)));
    // Back over the trap: the faulting load has not run, no trap taken.
    expect(await d.run('reverse-step')).toMatch(/<sbrkchurn:main\+\d+> .*lw t1, 0\(t0\)/);
    expect(await d.run('regs')).not.toMatch(/load-page-fault/);
    await d.run('reverse-step 50');
    await d.run('step 50');
    expect(await d.run('step')).toMatch(/page fault: load-page-fault/);
    const after = await Promise.all(STATE.map((c) => d.run(c)));
    expect(after).toEqual(before);
  });

  it('stops at the handler entry of a fault; reverse-step over the trap entry and forward is exact', async () => {
    const d = live(argv);
    await d.run('break on pagefault');
    expect(await d.run('continue')).toMatch(/page fault: load-page-fault.*\n(\[vm0\] )?0x[0-9a-f]{8} <trap_entry> /);
    expect(await d.run('regs')).toMatch(/cause +0x00000009 +load-page-fault +badva +0x00401000/);
    const atEntry = await Promise.all(STATE.map((c) => d.run(c)));
    await d.run('delete');
    // From the handler's entry: one step back is before the faulting load, one step on is the entry again.
    await d.run('reverse-step');
    expect(await d.run('step')).toMatch(/^trap: load-page-fault/m);
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(atEntry);
    // Through the handler and back over the trap entry, then forward again.
    await d.run('step 5');
    const inHandler = await Promise.all(STATE.map((c) => d.run(c)));
    expect(await d.run('reverse-step 7')).not.toMatch(/trap_entry/);
    await d.run('step 2');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(atEntry);
    await d.run('step 5');
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(inHandler);
    // The last fault's handler entry, forward with the break on...
    let last = atEntry;
    await d.run('break on pagefault');
    while (/page fault/.test(await d.run('continue'))) last = await Promise.all(STATE.map((c) => d.run(c)));
    // ...is where reverse-continue goes after a run without stops (the trap entry merged into it).
    const e = live(argv);
    expect(await e.run('continue')).toMatch(/powered off/);
    await e.run('break on pagefault');
    expect(await e.run('reverse-continue')).toMatch(/page fault: load-page-fault.*\n(\[vm0\] )?0x[0-9a-f]{8} <trap_entry> /);
    expect(await Promise.all(STATE.map((c) => e.run(c)))).toEqual(last);
  });

  it('checkpoint and restore go back and forth exactly; set is replayed', async () => {
    const d = live(argv);
    await d.run('until scheduler');
    expect(await d.run('checkpoint')).toMatch(/^checkpoint 1: (vm0 )?instruction [\d,]+, 0x[0-9a-f]{8} <scheduler>$/m);
    await d.run('set reg s3 0x5eed');
    await d.run('step 1000');
    const at1000 = await Promise.all(STATE.map((c) => d.run(c)));
    await d.run('checkpoint');
    await d.run('continue');
    expect(await d.run('restore 2')).toMatch(/^restored checkpoint 2/);
    expect(await Promise.all(STATE.map((c) => d.run(c)))).toEqual(at1000);
    expect(await d.run('restore 1')).toMatch(/<scheduler>/);
    expect(await d.run('regs')).not.toMatch(/s3 +0x00005eed/);
    expect(await d.run('info checkpoints')).toMatch(/^ +1 +.*\n +2 +/);
  });
});

describe('debug: reverse-continue and replay', () => {
  it('reverse-continue goes back to the previous breakpoint hit', async () => {
    const script = 'break on pagefault\ncontinue\nregs\ncontinue\nregs\ncontinue\nreverse-continue\nregs\nreverse-continue\nregs\nreverse-continue\nreverse-continue\n';
    const { output } = await session(kernelArgs('sbrkchurn.s:3'), script);
    const firstHit = outputOf(output, 'continue', 0).split('\n')[0];
    const secondHit = outputOf(output, 'continue', 1).split('\n')[0];
    expect(firstHit).not.toBe(secondHit);
    expect(outputOf(output, 'reverse-continue', 0).split('\n')[0]).toBe(secondHit);
    expect(outputOf(output, 'regs', 2)).toBe(outputOf(output, 'regs', 1));
    expect(outputOf(output, 'reverse-continue', 1).split('\n')[0]).toBe(firstHit);
    expect(outputOf(output, 'regs', 3)).toBe(outputOf(output, 'regs', 0));
    expect(outputOf(output, 'reverse-continue', 2)).toMatch(/^reached the start of the recorded history \(no breakpoint fires before now\)\n0x00001000 <_start>/);
    expect(outputOf(output, 'reverse-continue', 3)).toMatch(/^reached the start/);
  });

  it('reverse-step at the start says so', async () => {
    const { output } = await session(kernelArgs(), 'reverse-step\nstep 3\nreverse-step 10\n');
    expect(outputOf(output, 'reverse-step')).toBe('error: at the start of the recorded history: nothing to undo');
    expect(outputOf(output, 'reverse-step 10')).toMatch(/^reached the start of the recorded history\n0x00001000 <_start>/);
  });

  it('single steps under the debugger give the same statistics as a plain run', async () => {
    // A breakpoint that never fires makes the debugger run one instruction at a time, checking each.
    const { output } = await session(kernelArgs('sbrkchurn.s:2'), 'break 0xfffffff0\ncontinue\nstats\n');
    expect(outputOf(output, 'continue')).toMatch(/powered off: exit code 0/);
    const machine = new Machine({ memoryBytes: 4 * 1024 * 1024 });
    machine.boot(loadProgram(KERNEL, false), [loadModule('sbrkchurn.s:2', false)]);
    machine.run();
    expect(outputOf(output, 'stats')).toBe(`statistics\n${statsTable(machine.stats)}`);
  });

  it('several VMs: focus, continue in turns, reverse-step the focused VM', async () => {
    const argv = [KERNEL, '--module', 'sbrkchurn.s:2', '--memory', '4M', '--host-memory', '32M', '--quantum', '5000', '--vm', 'a mode=shadow', '--vm', 'b mode=ept'];
    const d = live(argv);
    expect(d.all()).toMatch(/shadow \(a, b\)/);
    expect(await d.run('vm b')).toMatch(/^\[b\] 0x00001000 <_start>/);
    await d.run('break on ptbr-write');
    const hit = await d.run('continue');
    expect(hit).toMatch(/^breakpoint 1, PTBR write: ptbr = 0x[0-9a-f]{8} .*\n\[[ab]\] 0x[0-9a-f]{8} <kvminithart\+12>/);
    expect(await d.run('info vms')).toMatch(/ a +shadow +runnable +[\d,]+ instructions[\s\S]* b +ept +runnable/);
    const regs = await d.run('regs');
    await d.run('step 10');
    await d.run('reverse-step 10');
    expect(await d.run('regs')).toBe(regs);
    expect(await d.run('exits 1')).toMatch(/VM exits; the last 1:/);
  });
});
