// The backtrace (issue 15 §2): frames found from the code through the TV32 calling convention,
// checked against the truth. The truth is a shadow call stack kept by watching every instruction
// retire (a call pushes its return address, a return pops it; the kernel's stack starts afresh at
// each trap entry), per address space; at every step the return addresses bt finds, kernel and
// user side of the trap boundary, must be exactly that stack. Then the `bt` command's text, and
// the same walk under shadow paging and EPT.

import { describe, expect, it } from 'vitest';
import { CR, STATUS } from '../../isa/arch.ts';
import { backtrace } from '../../debugger/backtrace.ts';
import { peek } from '../../debugger/events.ts';
import { kernelArgs, live, outputOf, session } from './helpers.ts';

interface Mismatch {
  step: number;
  pc: string;
  side: string;
  expected: string[];
  found: string[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Step `steps` instructions; at each, compare bt's return addresses with the shadow stacks. */
function checkAgainstShadowStack(argv: string[], steps: number): { checked: number; userChecked: number; mismatches: Mismatch[] } {
  const { dbg } = live(argv);
  const target = dbg.target;
  const view = dbg.view;
  const entries = new Set(dbg.target.plan.plans[0]!.modules.map((m) => m.image.entry));
  let kernel: number[] | undefined = [];
  const user = new Map<number, number[] | undefined>();
  const mismatches: Mismatch[] = [];
  let checked = 0;
  let userChecked = 0;
  for (let step = 0; step < steps && target.stopState(view) === undefined; step++) {
    const p = peek(target, view);
    const supervisor = view.cpu.supervisor;
    const ptbr = view.cpu.cr[CR.PTBR]! >>> 0;
    const r = target.run(view, 1, true);
    if (r.retired > 0) {
      const stack = supervisor ? kernel : user.get(ptbr);
      if (stack && p.isCall) stack.push((p.pc + 4) >>> 0);
      else if (stack && p.isReturn) {
        if (stack.pop() !== view.cpu.pc >>> 0) {
          if (supervisor) kernel = undefined;
          else user.set(ptbr, undefined);
        }
      }
    }
    // A trap entry: the kernel starts again on an empty stack (trap.s: la sp, kstack_top).
    if (r.trapped) kernel = [];
    const nowSupervisor = view.cpu.supervisor;
    const nowPtbr = view.cpu.cr[CR.PTBR]! >>> 0;
    // A user address space first seen at its program's entry starts with nothing on its stack;
    // one first seen elsewhere (a forked child) is not known.
    if (!nowSupervisor && !user.has(nowPtbr)) user.set(nowPtbr, entries.has(view.cpu.pc >>> 0) ? [] : undefined);
    const trace = backtrace(dbg, view);
    const trapAt = trace.frames.findIndex((f) => f.trap !== undefined);
    const ownFrames = trace.frames.slice(1, trapAt < 0 ? undefined : trapAt);
    const ownStack = nowSupervisor ? kernel : user.get(nowPtbr);
    const compare = (side: string, expected: number[], frames: typeof trace.frames) => {
      const want = [...expected].reverse().map(hex);
      const found = frames.map((f) => hex(f.returnAddress ?? 0));
      if (want.join() !== found.join()) mismatches.push({ step, pc: hex(view.cpu.pc), side, expected: want, found });
    };
    if (ownStack) {
      compare(nowSupervisor ? 'kernel' : 'user', ownStack, ownFrames);
      checked++;
    }
    // Across the boundary: the interrupted user code's callers. The trap frame's process is the
    // running one while the kernel handles its trap (before the scheduler picks another).
    if (trapAt >= 0 && nowSupervisor && (view.cpu.cr[CR.STATUS]! & STATUS.PMODE) === 0) {
      const interrupted = user.get(nowPtbr);
      if (interrupted) {
        compare('user, across the trap', interrupted, trace.frames.slice(trapAt + 1));
        userChecked++;
      }
    }
  }
  return { checked, userChecked, mismatches };
}

describe('debug: backtrace against a shadow call stack', () => {
  it.each([
    ['sbrkchurn.s:2', 25_000],
    ['ctxswitch.s:20', 25_000],
    ['forkstorm.s:2', 25_000],
    ['memwalk.s:64,4096,2', 25_000],
  ])('1: %s: every step\'s frames are the calls in progress, both sides of the trap boundary', (module, steps) => {
    const r = checkAgainstShadowStack(kernelArgs(module), steps);
    expect(r.mismatches.slice(0, 3)).toEqual([]);
    expect(r.checked).toBeGreaterThan(steps / 2);
    expect(r.userChecked).toBeGreaterThan(100);
  });
});

describe('debug: the bt command', () => {
  it.each(['native', 'shadow', 'ept'])('2: %s: bt from a kernel routine called for a page fault reaches the user program\'s _start', async (mode) => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', mode), 'break on pagefault\ncontinue\nbt\ndelete\nbreak kalloc\ncontinue\nbacktrace\nwhere 2\n');
    const atEntry = outputOf(output, 'bt').split('\n');
    expect(atEntry[0]).toBe('#0  0x00002c28 in trap_entry at trap.s:12');
    expect(atEntry[1]).toBe('    -- trap: load-page-fault; the handler was entered from here --');
    expect(atEntry[2]).toMatch(/^#1  0x004003[0-9a-f]{2} in sbrkchurn:main\+\d+ at sbrkchurn\.s:\d+$/);
    expect(atEntry.slice(3)).toEqual(['#2  0x00400000 in sbrkchurn:_start at ulib.inc:50', '(outermost: _start is not called by anything)']);
    const bt = outputOf(output, 'backtrace').split('\n');
    expect(bt[0]).toMatch(/^#0  0x[0-9a-f]{8} in kalloc at kalloc\.s:\d+$/);
    expect(bt[1]).toMatch(/^#1  0x[0-9a-f]{8} in vmfault\+\d+ at vm\.s:\d+$/);
    expect(bt[2]).toMatch(/^#2  0x[0-9a-f]{8} in usertrap\+\d+ at trap\.s:\d+$/);
    expect(bt[3]).toMatch(/^#3  0x[0-9a-f]{8} in trap_entry\+\d+ at trap\.s:\d+$/);
    expect(bt[4]).toBe('    -- trap: load-page-fault; the handler was entered from here --');
    expect(bt[5]).toMatch(/^#4  0x004003[0-9a-f]{2} in sbrkchurn:main\+\d+ at sbrkchurn\.s:\d+$/);
    expect(bt[6]).toBe('#5  0x00400000 in sbrkchurn:_start at ulib.inc:50');
    expect(bt[7]).toBe('(outermost: _start is not called by anything)');
    expect(outputOf(output, 'where 2').split('\n')).toEqual([bt[0], bt[1], '(the first 2 frames)']);
  });

  it('3: at boot the walk ends at the kernel\'s _start; a bad count is an error', async () => {
    const { output } = await session(kernelArgs(), 'break kvminit\ncontinue\nbt\nbt 0\nbt 1 2\n');
    expect(outputOf(output, 'bt')).toMatch(/^#0  0x[0-9a-f]{8} in kvminit at vm\.s:\d+\n#1  0x0000108c in _start\+140 at kernel\.s:\d+\n\(outermost: _start is not called by anything\)$/);
    expect(outputOf(output, 'bt 0')).toMatch(/^error: backtrace N must be a whole number of at least 1/);
    expect(outputOf(output, 'bt 1 2')).toBe('error: usage: backtrace [N]');
  });
});

describe('debug: the tour\'s transcript of bt and display', () => {
  it('4: docs/debugging-tour.md "gdb habits" is what the debugger prints', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { REPO } = await import('./helpers.ts');
    const { runScript } = await import('../../cli/commands/debug.ts');
    const doc = fs.readFileSync(path.join(REPO, 'docs/debugging-tour.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## gdb habits: where a fault came from'));
    const block = /```\n\$ vmmlab debug (.*) --batch <<'EOF'\n([\s\S]*?)EOF\n([\s\S]*?)```/.exec(section)!;
    const argv = [...block[1]!.split(' '), '--batch'];
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      const { output } = await runScript(argv, block[2]!);
      expect(output).toBe(block[3]);
    } finally {
      process.chdir(cwd);
    }
  });
});
