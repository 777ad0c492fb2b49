// The state commands through scripted sessions: regs, x (words, bytes, strings; guest-virtual,
// guest-physical and host-physical), disas with symbols and source lines, set, stats, mode,
// info, help, and user-module symbols labelled with the module's name.

import { describe, expect, it } from 'vitest';
import { kernelArgs, outputOf, session } from './helpers.ts';

describe('debug: state', () => {
  it('x reads words, bytes and strings in three address spaces', async () => {
    const script = ['x _start 4', 'x/b _start 4', 'x/s msg_magic', 'x p:0x1000 2', 'x h:0x1000 2', 'x 0x7ff00000 1', 'x/s 0xfffffff0'].join('\n');
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'), script);
    expect(outputOf(output, 'x _start 4')).toBe('0x00001000 <_start>:  0x6c800014 0x488801a0 0x4b0c0000 0x89f00000');
    expect(outputOf(output, 'x/b _start 4')).toBe('0x00001000 <_start>:  14 00 80 6c');
    expect(outputOf(output, 'x/s msg_magic')).toMatch(/^0x[0-9a-f]{8} <msg_magic>:  "bad boot-information magic \(boot with --module\)"$/);
    expect(outputOf(output, 'x p:0x1000 2')).toBe('p:0x00001000:  0x6c800014 0x488801a0');
    // Host memory: VM frames are wherever the host allocator put them.
    expect(outputOf(output, 'x h:0x1000 2')).toMatch(/^h:0x00001000:  0x[0-9a-f]{8} 0x[0-9a-f]{8}$/);
    // Paging is off before the kernel turns it on: every guest-physical address is mapped, 0x7ff00000 is beyond the VM's 4 MiB.
    expect(outputOf(output, 'x 0x7ff00000 1')).toBe('0x7ff00000:  ----------\n(0x7ff00000 is outside guest memory)');
    expect(outputOf(output, 'x/s 0xfffffff0')).toBe('error: 0xfffffff0 is outside guest memory');
  });

  it('disas shows symbols, the pc marker and source lines; user code is labelled with its module', async () => {
    const { output } = await session(kernelArgs(), 'disas _start 3\nbreak sbrkchurn:main\ncontinue\ndisas $pc 2\ninfo symbols out_\n');
    expect(outputOf(output, 'disas _start 3')).toBe([
      '_start:',
      '=> 0x00001000 <_start>              6c800014  lui sp, 0x14             kernel.s:29  la sp, kstack_top',
      '   0x00001004 <_start+4>            488801a0  addi sp, sp, 416         kernel.s:29  la sp, kstack_top',
      '   0x00001008 <_start+8>            4b0c0000  addi s0, a0, 0           kernel.s:30  mv s0, a0',
    ].join('\n'));
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <sbrkchurn:main>\n/);
    expect(outputOf(output, 'disas $pc 2')).toMatch(/^sbrkchurn:main:\n=> 0x[0-9a-f]{8} <sbrkchurn:main> +[0-9a-f]{8}  addi sp, sp, -4 +sbrkchurn\.s:\d+  addi sp, sp, -4\n/);
    expect(outputOf(output, 'info symbols out_')).toMatch(/0x[0-9a-f]{8}  out_char[\s\S]*0x[0-9a-f]{8}  sbrkchurn:out_char/);
  });

  it('set changes registers and memory; stats, mode and info', async () => {
    const script = ['set reg a0 0x1234', 'set reg pc _start+8', 'regs', 'set mem p:0x2000 0xdeadbeef', 'x p:0x2000 1', 'set mem/b p:0x2000 0x11', 'x p:0x2000 1', 'set reg zero 1', 'stats', 'mode', 'info vms', 'info hash', 'info', 'help step', 'help'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'regs')).toMatch(/^pc 0x00001008 <_start\+8>[\s\S]*a0 +0x00001234/);
    expect(outputOf(output, 'x p:0x2000 1', 0)).toBe('p:0x00002000:  0xdeadbeef');
    expect(outputOf(output, 'x p:0x2000 1', 1)).toBe('p:0x00002000:  0xdeadbe11');
    expect(outputOf(output, 'set reg zero 1')).toBe('error: zero is always 0');
    expect(outputOf(output, 'stats')).toMatch(/^statistics\n +instructions +0\n/);
    expect(outputOf(output, 'mode')).toMatch(/^mode: native \(bare metal[\s\S]*guest: supervisor mode, paging off, interrupts off$/);
    expect(outputOf(output, 'info vms')).toMatch(/^ +\* +machine +native +runnable +0 instructions +0x00001008 <_start\+8>$/);
    expect(outputOf(output, 'info hash')).toMatch(/^machine guest-physical memory hash [0-9a-f]{32}$/);
    expect(outputOf(output, 'info')).toMatch(/^error: info what\?/);
    expect(outputOf(output, 'help step')).toMatch(/^usage: step \[N\] +\(aliases: s, stepi, si\)/);
    const help = outputOf(output, 'help').split('\n');
    // One aligned table: every summary starts in the same column.
    const rows = help.filter((l) => /^  \S/.test(l));
    expect(rows.length).toBeGreaterThan(25);
    const at = (usage: string, summary: string) => rows.find((l) => l.startsWith(`  ${usage}`))!.indexOf(summary);
    expect(at('step [N]', 'execute N')).toBe(at('quit', 'leave the debugger'));
    expect(at('translate VA', 'the page walk')).toBe(at('quit', 'leave the debugger'));
  });
});
