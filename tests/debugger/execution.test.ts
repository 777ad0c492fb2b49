// The debugger's execution commands through scripted sessions on the bundled kernel: break at a
// symbol and continue to it, step, next, finish, until, an empty line repeating a step, a page
// fault stepped into (break on pagefault, then regs shows CAUSE and BADVA), bad commands that
// print one line while the session goes on, and Ctrl-C (interrupt) returning to the prompt.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelArgs, live, outputOf, session } from './helpers.ts';

describe('debug: execution', () => {
  it('opens stopped before the first instruction, with pc and symbol in the prompt', async () => {
    const { output, exitCode } = await session(kernelArgs(), 'regs\n');
    expect(exitCode).toBe(0);
    expect(output).toMatch(/stopped before the first instruction/);
    expect(output).toMatch(/^0x00001000 <_start> +6c800014 +lui sp, 0x14 +kernel\.s:29 +la sp, kstack_top$/m);
    expect(output).toContain('vmmlab[0x00001000 _start]> regs');
    expect(outputOf(output, 'regs')).toMatch(/instructions 0/);
  });

  it('breaks at a symbol and continues to it', async () => {
    const { output } = await session(kernelArgs(), 'break scheduler\ncontinue\ninfo breakpoints\n');
    expect(outputOf(output, 'break scheduler')).toMatch(/^breakpoint 1: breakpoint at 0x[0-9a-f]{8} <scheduler>$/);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <scheduler>\n0x[0-9a-f]{8} <scheduler> .*addi sp, sp, -20 +proc\.s:\d+ +ENTER$/);
    expect(output).toContain('vmmlab[');
    expect(outputOf(output, 'info breakpoints')).toMatch(/1 +y +1 +breakpoint at .*<scheduler>/);
  });

  it('steps N and repeats the last step on an empty line', async () => {
    const { output } = await session(kernelArgs(), 'step\nstep 5\n\nuntil kvminithart\nstep 2\n');
    expect(outputOf(output, 'step')).toMatch(/^0x00001004 <_start\+4>/);
    expect(outputOf(output, 'step 5')).toMatch(/^0x00001018 <_start\+24>/);
    expect(outputOf(output, '')).toMatch(/^0x0000103c <_start\+60>/); // the empty line: 5 more (a branch is taken)
    expect(outputOf(output, 'until kvminithart')).toMatch(/^0x[0-9a-f]{8} <kvminithart>/);
  });

  it('next steps over a call; finish runs to the return', async () => {
    const { output } = await session(kernelArgs(), 'until kvminit\nfinish\nnext\nnext\n');
    expect(outputOf(output, 'finish')).toMatch(/^run till exit from kvminit\nreturned from kvminit: a0 = 0x[0-9a-f]{8}\n0x[0-9a-f]{8} <_start\+\d+> .*call kvminithart/m);
    // The next line is `call kvminithart`: next runs the whole routine.
    expect(outputOf(output, 'next', 0)).toMatch(/^0x[0-9a-f]{8} <_start\+\d+> .*call kinit/m);
    expect(outputOf(output, 'next', 1)).toMatch(/call userinit/);
  });

  it('steps into a user page fault: break on pagefault, then CAUSE and BADVA', async () => {
    const { output } = await session(kernelArgs(), 'break on pagefault\ncontinue\nregs\nstep 3\ndelete\nreverse-step 4\nstep\n');
    const hit = outputOf(output, 'continue');
    expect(hit).toMatch(/^breakpoint 1, page fault: load-page-fault, badva 0x00401000 at epc 0x[0-9a-f]{8} <sbrkchurn:main\+\d+> → handler 0x[0-9a-f]{8} <trap_entry>/);
    // Stopped at the handler's entry, its first instruction not yet run.
    expect(hit.split('\n')[1]).toMatch(/^0x[0-9a-f]{8} <trap_entry> /);
    const regs = outputOf(output, 'regs');
    expect(regs).toMatch(/cause +0x00000009 +load-page-fault +badva +0x00401000/);
    expect(regs).toMatch(/epc +0x[0-9a-f]{8} +sbrkchurn:main\+\d+/);
    expect(regs).toMatch(/supervisor mode, paging on/);
    expect(regs).toMatch(/^pc 0x[0-9a-f]{8} <trap_entry> /);
    expect(outputOf(output, 'step 3')).toMatch(/<trap_entry\+12>/);
    // Back before the faulting load (three instructions and the trap entry): a single step says
    // which trap it took and stops at the handler's entry.
    expect(outputOf(output, 'reverse-step 4')).toMatch(/<sbrkchurn:main\+\d+> .*lw t1, 0\(t0\)/);
    expect(outputOf(output, 'step')).toMatch(/^trap: load-page-fault, badva 0x00401000 at epc .* → handler 0x[0-9a-f]{8} <trap_entry>\n0x[0-9a-f]{8} <trap_entry> /);
  });

  it('step on a syscall stops at the trap entry; the next step runs the handler\'s first instruction', async () => {
    const { output } = await session(kernelArgs(), 'break on trap syscall\ncontinue\nreverse-step\nstep\nregs\nstep\n');
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, trap: syscall .*\n0x[0-9a-f]{8} <trap_entry> /);
    expect(outputOf(output, 'reverse-step')).toMatch(/^0x[0-9a-f]{8} <[^>]+> +[0-9a-f]{8} +syscall/);
    expect(outputOf(output, 'step', 0)).toMatch(/^(breakpoint 1, )?trap: syscall .*\n0x[0-9a-f]{8} <trap_entry> /);
    expect(outputOf(output, 'regs')).toMatch(/^pc 0x[0-9a-f]{8} <trap_entry> [\s\S]*epc +0x0040003c +sbrkchurn:sbrk\+4[\s\S]*cause +0x[0-9a-f]{8} +syscall/);
    expect(outputOf(output, 'step', 1)).toMatch(/^0x[0-9a-f]{8} <trap_entry\+4> /);
  });

  it('reports a stopped guest and lives on', async () => {
    const { output, exitCode } = await session(kernelArgs('sbrkchurn.s:1'), 'continue\ncontinue\nstep\nregs\n');
    expect(outputOf(output, 'continue')).toMatch(/sbrkchurn: 1 rounds 1 pages checksum[\s\S]*the machine powered off: exit code 0 after [\d,]+ instructions/);
    expect(outputOf(output, 'continue', 1)).toMatch(/^error: the machine powered off \(exit code 0\): reverse-step, restore a checkpoint, or quit$/);
    expect(outputOf(output, 'step')).toMatch(/^error: /);
    expect(outputOf(output, 'regs')).toMatch(/^pc /);
    expect(exitCode).toBe(1);
  });

  it('a trap loop stops the machine; reverse-step goes back to the instruction that started it', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-debug-')), 'loop.s');
    fs.writeFileSync(file, '    nop\n    .word 0      ; illegal, and EVEC is 0: the handler is illegal too\n');
    const { output } = await session([file], 'continue\nreverse-step\nregs\nreverse-step\n');
    expect(outputOf(output, 'continue')).toMatch(/^the machine stopped: trap loop \(64 traps in a row, nothing retired\): illegal-instruction at epc 0x00000000/);
    expect(outputOf(output, 'reverse-step', 0)).toMatch(/^0x00001004 +00000000 +\.word 0x00000000 +loop\.s:2/);
    expect(outputOf(output, 'regs')).toMatch(/instructions 1/);
    expect(outputOf(output, 'reverse-step', 1)).toMatch(/^0x00001000 /);
  });

  it('a bad command or argument prints one line and the session goes on', async () => {
    const script = ['frobnicate', 'step x', 'break nosuchsymbol', 'x', 'translate 0x1000 jump', 'break on coffee', 'delete 9', 'x/q 0', 'set reg ptbr 1', 'restore 4', 'step'].join('\n');
    const { output, exitCode } = await session(kernelArgs(), script);
    const errors = [
      ['frobnicate', "error: unknown command 'frobnicate' (try 'help')"],
      ['step x', "error: step N must be a whole number of at least 1 (got 'x')"],
      ['break nosuchsymbol', "error: no symbol 'nosuchsymbol'"],
      ['x', 'error: usage: x[/w|/b|/s] ADDR [N]'],
      ['translate 0x1000 jump', "error: access must be fetch, load or store (got 'jump')"],
      ['delete 9', 'error: no breakpoint 9'],
      ['restore 4', 'error: no checkpoint 4'],
    ];
    for (const [command, message] of errors) expect(outputOf(output, command!)).toBe(message);
    for (const command of ['break on coffee', 'x/q 0', 'set reg ptbr 1']) expect(outputOf(output, command).split('\n')).toHaveLength(1);
    expect(outputOf(output, 'step')).toMatch(/^0x00001004 <_start\+4>/);
    expect(exitCode).toBe(1);
  });

  it('Ctrl-C (interrupt) stops a running guest and returns to the prompt', async () => {
    const d = live(kernelArgs('primes.s:10000000', '--max-instructions', '1e9'));
    const running = d.run('continue');
    setTimeout(() => d.dbg.interrupt(), 150);
    const out = await running;
    expect(out).toMatch(/^interrupted \(Ctrl-C\) after [\d,]+ instructions\n0x[0-9a-f]{8} /);
    expect(d.dbg.running).toBe(false);
    expect(await d.run('step')).toMatch(/^0x[0-9a-f]{8} /);
  });
});
