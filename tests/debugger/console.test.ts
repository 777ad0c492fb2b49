// The debugger's `input` command through scripted sessions on the bundled kernel with echo.s:
// the guest waits for input in wfi, `input TEXT` (C escapes, quotes) queues bytes and lets it
// go on, `input -` is the end of input, `input` alone shows what is waiting, time travel queues
// the input again, and with several VMs the focused one gets it.

import { describe, expect, it } from 'vitest';
import { decodeInputText, showInputBytes } from '../../debugger/cmd-console.ts';
import { kernelArgs, outputOf, session } from './helpers.ts';

describe('debug: console input', () => {
  it('case 1: the reader waits in wfi; input lets it go on; input - ends its input', async () => {
    const script = ['continue', 'input', 'input hello  world\\n', 'input', 'continue', 'input -', 'continue'].join('\n');
    const { output, exitCode } = await session(kernelArgs('echo.s:3'), script);
    expect(exitCode).toBe(0);
    expect(outputOf(output, 'continue', 0)).toMatch(/^the machine stopped: wfi with interrupts impossible .*'input TEXT' gives it some\)\n0x[0-9a-f]{8} <kidle\+\d+> .* wfi/);
    expect(outputOf(output, 'input', 0)).toBe('the console: no input waiting');
    expect(outputOf(output, 'input hello  world\\n')).toBe('queued 13 bytes "hello  world\\n" for the console; the machine was waiting for it in wfi and can go on');
    expect(outputOf(output, 'input', 1)).toBe('the console: 13 bytes waiting, not read yet: "hello  world\\n"');
    expect(outputOf(output, 'continue', 1)).toMatch(/^you said: hello  world\nthe machine stopped: wfi/);
    expect(outputOf(output, 'input -')).toMatch(/^queued the end of input \(\^D\) for the console/);
    expect(outputOf(output, 'continue', 2)).toMatch(/^echo: end of input\nthe machine powered off: exit code 0/);
  });

  it('case 2: replays queue the input again at the same point; going back before it undoes it', async () => {
    const script = ['continue', 'input again\\n', 'checkpoint', 'continue', 'restore 1', 'input', 'continue', 'reverse-step 5000', 'input'].join('\n');
    const { output } = await session(kernelArgs('echo.s:2', '--mode', 'ept'), script);
    expect(outputOf(output, 'continue', 1)).toMatch(/^you said: again\nthe machine stopped: wfi/);
    expect(outputOf(output, 'input', 0)).toBe('the console: 6 bytes waiting, not read yet: "again\\n"');
    expect(outputOf(output, 'continue', 2)).toMatch(/^you said: again\nthe machine stopped: wfi/);
    // 5,000 instructions back is before the first wfi, so before the input was given.
    expect(outputOf(output, 'input', 1)).toBe('the console: no input waiting');
  });

  it('case 3: with several VMs the focused VM gets the input', async () => {
    const args = kernelArgs('echo.s', '--vm', 'a mode=shadow module=primes.s:100', '--vm', 'b mode=ept');
    const { output } = await session(args, ['vm b', 'input to b\\n', 'continue', 'continue'].join('\n'));
    expect(outputOf(output, 'input to b\\n')).toBe('queued 5 bytes "to b\\n" for b\'s console');
    expect(output).toContain('[b] you said: to b');
    expect(output).toContain('[a] primes: 25 below 100');
  });

  it('case 4: bad escapes are one error line; help input explains the command', async () => {
    const { output, exitCode } = await session(kernelArgs('echo.s'), 'input a\\qb\ninput \\x\nhelp input\n');
    expect(exitCode).toBe(1);
    expect(outputOf(output, 'input a\\qb')).toBe("error: input: unknown escape \\q (see 'help input')");
    expect(outputOf(output, 'input \\x')).toBe('error: input: \\x takes one or two hex digits');
    expect(outputOf(output, 'help input')).toMatch(/^usage: input \[TEXT\|-\]\nqueue console input/);
  });

  it('case 5: TEXT decoding: UTF-8, C escapes, quotes keep blanks', () => {
    expect(decodeInputText('a\\tb\\n')).toEqual([0x61, 0x09, 0x62, 0x0a]);
    expect(decodeInputText('"  x  "')).toEqual([0x20, 0x20, 0x78, 0x20, 0x20]);
    expect(decodeInputText('\\x41\\x7\\0\\\\\\"')).toEqual([0x41, 0x07, 0x00, 0x5c, 0x22]);
    expect(decodeInputText('é')).toEqual([0xc3, 0xa9]);
    expect(showInputBytes([0x61, 0x0a, 0x04, 0x5c, 0x22])).toBe('"a\\n\\x04\\\\\\""');
  });
});
