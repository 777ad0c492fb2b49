// gdb-style commands through scripted sessions (issue 15 §2): print with its value history,
// info registers/tlb/vm, tbreak, ignore, conditional breakpoints, x/Nfu, and which commands an
// empty line repeats. Cases are numbered so a failure names its case.

import { describe, expect, it } from 'vitest';
import { kernelArgs, outputOf, session } from './helpers.ts';

describe('debug: gdb-style commands', () => {
  it('1: print evaluates registers, symbols, sums and *ADDR, numbering values $N', async () => {
    const script = ['set reg a0 42', 'p a0', 'print $a0+1', 'p _start', 'p *_start', 'p *p:0x1000', 'p $1 + $2', 'p 0-1', 'p a0 == 42', 'p nosuch', 'p *0x1002'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'p a0')).toBe('$1 = 0x0000002a (42)');
    expect(outputOf(output, 'print $a0+1')).toBe('$2 = 0x0000002b (43)');
    expect(outputOf(output, 'p _start')).toBe('$3 = 0x00001000 (4096)');
    expect(outputOf(output, 'p *_start')).toBe('$4 = 0x6c800014 (1820327956)');
    expect(outputOf(output, 'p *p:0x1000')).toBe('$5 = 0x6c800014 (1820327956)');
    expect(outputOf(output, 'p $1 + $2')).toBe('$6 = 0x00000055 (85)');
    expect(outputOf(output, 'p 0-1')).toBe('$7 = 0xffffffff (4294967295, -1)');
    expect(outputOf(output, 'p a0 == 42')).toBe('$8 = 0x00000001 (1)');
    expect(outputOf(output, 'p nosuch')).toBe("error: no symbol 'nosuch'");
    expect(outputOf(output, 'p *0x1002')).toBe('error: 0x00001002 is not aligned to 4 bytes');
  });

  it('2: info registers, info tlb and info vm are regs, tlb and vm', async () => {
    const script = ['regs', 'info registers', 'i r', 'tlb', 'info tlb', 'vm', 'info vm'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'info registers')).toBe(outputOf(output, 'regs'));
    expect(outputOf(output, 'i r')).toBe(outputOf(output, 'regs'));
    expect(outputOf(output, 'info tlb')).toBe(outputOf(output, 'tlb'));
    expect(outputOf(output, 'info vm')).toBe(outputOf(output, 'vm'));
  });

  it('3: tbreak stops once and is deleted', async () => {
    const { output } = await session(kernelArgs(), 'tbreak kvminit\ninfo breakpoints\ncontinue\ninfo breakpoints\n');
    expect(outputOf(output, 'tbreak kvminit')).toMatch(/^temporary breakpoint 1: breakpoint at 0x[0-9a-f]{8} <kvminit>$/);
    expect(outputOf(output, 'info breakpoints', 0)).toMatch(/1 +y +0 +breakpoint at .*<kvminit> \(temporary\)$/);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <kvminit>\ntemporary breakpoint 1 deleted\n0x[0-9a-f]{8} <kvminit> /);
    expect(outputOf(output, 'info breakpoints', 1)).toBe('no breakpoints');
  });

  it('4: a conditional breakpoint stops only when its condition is non-zero', async () => {
    const script = ['break kvminit if pc != kvminit', 'tbreak kvminit if pc == kvminit', 'info breakpoints', 'continue', 'p pc', 'break scheduler if nosuch', 'break scheduler if'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'break kvminit if pc != kvminit')).toMatch(/^breakpoint 1: breakpoint at 0x[0-9a-f]{8} <kvminit> if pc != kvminit$/);
    expect(outputOf(output, 'info breakpoints')).toMatch(/2 +y +0 +breakpoint at .*<kvminit> if pc == kvminit \(temporary\)$/);
    // Only breakpoint 2's condition holds.
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 2, 0x[0-9a-f]{8} <kvminit>\ntemporary breakpoint 2 deleted\n/);
    expect(outputOf(output, 'break scheduler if nosuch')).toBe("error: no symbol 'nosuch'");
    expect(outputOf(output, 'break scheduler if')).toBe('error: break … if: which condition?');
  });

  it('5: ignore N COUNT lets COUNT hits pass, which still count', async () => {
    const script = ['break on trap syscall', 'ignore 1 2', 'info breakpoints', 'continue', 'info breakpoints', 'ignore 1 x', 'ignore 9 1'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'ignore 1 2')).toBe('breakpoint 1 will pass its next 2 hits');
    expect(outputOf(output, 'info breakpoints', 0)).toMatch(/1 +y +0 +break on trap syscall \(ignore next 2 hits\)$/);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, trap: syscall /);
    expect(outputOf(output, 'info breakpoints', 1)).toMatch(/1 +y +3 +break on trap syscall$/);
    expect(outputOf(output, 'ignore 1 x')).toMatch(/^error: ignore COUNT must be a whole number/);
    expect(outputOf(output, 'ignore 9 1')).toBe('error: no breakpoint 9');
  });

  it('6: help lists the new commands', async () => {
    const { output } = await session(kernelArgs(), 'help\nhelp p\nhelp tbreak\nhelp info\n');
    const help = outputOf(output, 'help');
    for (const usage of ['print EXPR', 'tbreak [ADDR', 'ignore N COUNT', 'break [ADDR|phys ADDR|on EVENT] [if EXPR]']) expect(help).toContain(`  ${usage}`);
    expect(outputOf(output, 'help p')).toMatch(/^usage: print EXPR +\(aliases: p\)/);
    expect(outputOf(output, 'help tbreak')).toMatch(/^usage: tbreak /);
    expect(outputOf(output, 'help info')).toMatch(/info registers +as regs/);
  });

  it('7: an empty line after regs, info or print does not run them again', async () => {
    const { output } = await session(kernelArgs(), 'regs\n\np 1\n\ninfo vms\n\n');
    expect(output.match(/^pc 0x/gm)).toHaveLength(1);
    expect(output.match(/\$\d+ = /g)).toHaveLength(1);
    expect(output.match(/\* +machine/g)).toHaveLength(1);
  });
});

describe('debug: x/NFU', () => {
  it('8: x/NFU takes a count, a format and a unit, in any address space', async () => {
    const script = ['x/2xw _start', 'x/4xb _start', 'x/2xh p:0x1000', 'x/2dw _start', 'x/2uh _start', 'x/2db _start+3', 'x/3c msg_magic', 'x/2i _start', 'x/2s msg_magic', 'x/3w _start 2', 'x/q _start', 'x/2i p:0x1000'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'x/2xw _start')).toBe('0x00001000 <_start>:  0x6c800014 0x488801a0');
    expect(outputOf(output, 'x/4xb _start')).toBe('0x00001000 <_start>:  14 00 80 6c');
    expect(outputOf(output, 'x/2xh p:0x1000')).toBe('p:0x00001000:  0x0014 0x6c80');
    expect(outputOf(output, 'x/2dw _start')).toBe('0x00001000 <_start>:  1820327956 1216872864');
    expect(outputOf(output, 'x/2uh _start')).toBe('0x00001000 <_start>:  20 27776');
    expect(outputOf(output, 'x/2db _start+3')).toBe('0x00001003 <_start+3>:  108 -96');
    expect(outputOf(output, 'x/3c msg_magic')).toMatch(/^0x[0-9a-f]{8} <msg_magic>:  'b' 'a' 'd'$/);
    expect(outputOf(output, 'x/2i _start')).toBe([
      '=> 0x00001000 <_start>              6c800014  lui sp, 0x14             kernel.s:29  la sp, kstack_top',
      '   0x00001004 <_start+4>            488801a0  addi sp, sp, 416         kernel.s:29  la sp, kstack_top',
    ].join('\n'));
    expect(outputOf(output, 'x/2s msg_magic')).toMatch(/^0x[0-9a-f]{8} <msg_magic>:  "bad boot-information magic \(boot with --module\)"\n0x[0-9a-f]{8} <[^>]+>:  ".*"$/);
    expect(outputOf(output, 'x/3w _start 2')).toBe('error: x: give the count once (x/N ADDR or x ADDR N)');
    expect(outputOf(output, 'x/q _start')).toMatch(/^error: x\/q: x\/N F U: /);
    expect(outputOf(output, 'x/2i p:0x1000')).toBe('error: x/i reads guest-virtual addresses');
  });
});

describe('debug: repeating on an empty line', () => {
  it('9: x and disas go on where they stopped; regs in between leaves a step to repeat', async () => {
    const script = ['x/2xw _start', '', 'disas _start 1', '', 'x/1i p:0x1000', '', 'x/1i _start', '', 'step', 'regs', ''].join('\n') + '\n';
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, '', 0)).toBe('0x00001008 <_start+8>:  0x4b0c0000 0x89f00000');
    expect(outputOf(output, '', 1)).toMatch(/^   0x00001004 <_start\+4> +488801a0  addi sp, sp, 416/);
    // A failed x leaves the last repeatable command as it was: disas goes on.
    expect(outputOf(output, '', 2)).toMatch(/^   0x00001008 <_start\+8> +4b0c0000  addi s0, a0, 0/);
    expect(outputOf(output, '', 3)).toMatch(/^   0x00001004 <_start\+4> +488801a0  addi sp, sp, 416/);
    expect(outputOf(output, '', 4)).toMatch(/^0x00001008 <_start\+8> /);
  });
});

describe('debug: conditions that read memory', () => {
  it('10: a condition is checked when set but reads memory only at the hit; a failing one stops', async () => {
    const { output } = await session(kernelArgs(), 'break kvminit if *0x7ff00000 == 0\ncontinue\nbreak kvminit if *\n');
    expect(outputOf(output, 'break kvminit if *0x7ff00000 == 0')).toMatch(/^breakpoint 1: breakpoint at 0x[0-9a-f]{8} <kvminit> if \*0x7ff00000 == 0$/);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <kvminit> \(condition '\*0x7ff00000 == 0' failed: 0x7ff00000 is outside guest memory\)\n/);
    expect(outputOf(output, 'break kvminit if *')).toBe('error: missing address');
  });
});

describe('debug: display (gdb\'s automatic display)', () => {
  it('11: display EXPR shows at once and after every stop; /FMT as x takes it; info display; undisplay', async () => {
    const script = ['display a0', 'display/i $pc', 'display/x sp', 'info display', 'step', 'undisplay 2', 'step', 'display', 'undisplay 7', 'undisplay', 'info display', 'step'].join('\n');
    const { output, exitCode } = await session(kernelArgs(), script);
    expect(outputOf(output, 'display a0')).toBe('1: a0 = 0x0000b000 (45056)');
    expect(outputOf(output, 'display/i $pc')).toBe('2: x/i $pc\n=> 0x00001000 <_start>              6c800014  lui sp, 0x14             kernel.s:29  la sp, kstack_top');
    expect(outputOf(output, 'display/x sp')).toBe('3: sp = 0x00400000');
    expect(outputOf(output, 'info display')).toBe(['  #  on  expression', '  1  y   a0', '  2  y   /i $pc', '  3  y   /x sp'].join('\n'));
    expect(outputOf(output, 'step', 0).split('\n')).toEqual([
      '0x00001004 <_start+4>            488801a0  addi sp, sp, 416         kernel.s:29  la sp, kstack_top',
      '1: a0 = 0x0000b000 (45056)',
      '2: x/i $pc',
      '=> 0x00001004 <_start+4>            488801a0  addi sp, sp, 416         kernel.s:29  la sp, kstack_top',
      '3: sp = 0x00005000',
    ]);
    expect(outputOf(output, 'step', 1).split('\n').slice(1)).toEqual(['1: a0 = 0x0000b000 (45056)', '3: sp = 0x000051a0']);
    expect(outputOf(output, 'display')).toBe('1: a0 = 0x0000b000 (45056)\n3: sp = 0x000051a0');
    expect(outputOf(output, 'undisplay 7')).toBe('error: no display 7');
    expect(outputOf(output, 'undisplay')).toBe('deleted 2 displays');
    expect(outputOf(output, 'info display', 1)).toBe('no displays');
    expect(outputOf(output, 'step', 2).split('\n')).toHaveLength(1);
    expect(exitCode).toBe(1);
  });

  it('12: displays follow every stop (continue, reverse-step, restore); a failing one says why; bad ones are refused', async () => {
    const script = ['break kvminit', 'display *0x7ff00000', 'display/2xw $sp', 'continue', 'checkpoint', 'reverse-step', 'restore 1', 'display nosuch', 'display/q a0', 'disable display 2', 'step', 'enable display', 'delete display 1', 'info display'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <kvminit>\n0x[0-9a-f]{8} <kvminit> .*\n1: \*0x7ff00000: error: 0x7ff00000 is outside guest memory\n2: x\/2xw \$sp\n0x[0-9a-f]{8}( <\w+>)?:  0x[0-9a-f]{8} 0x[0-9a-f]{8}$/);
    expect(outputOf(output, 'reverse-step')).toMatch(/\n1: \*0x7ff00000: error: .*\n2: x\/2xw \$sp\n/);
    expect(outputOf(output, 'restore 1')).toMatch(/^restored checkpoint 1: .*\n0x[0-9a-f]{8} <kvminit> .*\n1: \*0x7ff00000: error/);
    expect(outputOf(output, 'display nosuch')).toBe("error: no symbol 'nosuch'");
    expect(outputOf(output, 'display/q a0')).toMatch(/^error: display\/q: FMT is as x takes it/);
    expect(outputOf(output, 'step')).not.toMatch(/^2: /m);
    expect(outputOf(output, 'info display')).toBe(['  #  on  expression', '  2  y   /2xw $sp'].join('\n'));
  });

  it('13: a display through x does not change what an empty line repeats', async () => {
    const { output } = await session(kernelArgs(), 'display/2xw _start\nstep\n\n');
    expect(outputOf(output, '')).toMatch(/^0x00001008 <_start\+8> /);
  });
});

describe('debug: the breakpoint list, delete, gdb\'s set and watch forms', () => {
  it('14: info watchpoints lists the watchpoints alone; delete takes ranges and gdb\'s forms', async () => {
    const script = ['break kvminit', 'watch p:0x1000', 'rwatch _start 8', 'awatch p:0x2000', 'break on ptbr-write', 'info watchpoints', 'info breakpoints', 'delete 2-3', 'info watchpoints', 'delete breakpoints 1', 'delete 9', 'delete 3-1', 'info breakpoints', 'rwatch _start r'].join('\n');
    const { output } = await session(kernelArgs(), script);
    expect(outputOf(output, 'rwatch _start 8')).toBe('watchpoint 3: read watchpoint on 8 bytes at 0x00001000 <_start>');
    expect(outputOf(output, 'awatch p:0x2000')).toBe('watchpoint 4: read/write watchpoint on 4 bytes at guest-physical 0x00002000');
    expect(outputOf(output, 'info watchpoints').split('\n')).toEqual([
      '  #  on  hits  what',
      '  2  y   0     write watchpoint on 4 bytes at guest-physical 0x00001000',
      '  3  y   0     read watchpoint on 8 bytes at 0x00001000 <_start>',
      '  4  y   0     read/write watchpoint on 4 bytes at guest-physical 0x00002000',
    ]);
    expect(outputOf(output, 'info breakpoints').split('\n')).toHaveLength(6);
    expect(outputOf(output, 'info watchpoints', 1).split('\n').slice(1)).toEqual(['  4  y   0     read/write watchpoint on 4 bytes at guest-physical 0x00002000']);
    expect(outputOf(output, 'delete 9')).toBe('error: no breakpoint 9');
    expect(outputOf(output, 'delete 3-1')).toBe("error: '3-1' is not a range of breakpoint numbers");
    expect(outputOf(output, 'info breakpoints', 1).split('\n').slice(1).map((l) => l.trim().split(/ +/)[0])).toEqual(['4', '5']);
    expect(outputOf(output, 'rwatch _start r')).toBe('error: usage: rwatch ADDR [LEN]');
  });

  it('15: set $REG = VALUE, set var and set *ADDR = VALUE are set reg and set mem', async () => {
    const { output } = await session(kernelArgs(), 'set $a0 = 42\nset var $a1 = 0x10\nset *p:0x7000 = 7\np a0\np a1\nx/1xw p:0x7000\nset $nosuch = 1\n');
    expect(outputOf(output, 'p a0')).toBe('$1 = 0x0000002a (42)');
    expect(outputOf(output, 'p a1')).toBe('$2 = 0x00000010 (16)');
    expect(outputOf(output, 'x/1xw p:0x7000')).toBe('p:0x00007000:  0x00000007');
    expect(outputOf(output, 'set $nosuch = 1')).toBe("error: no register '$nosuch'");
  });

  it('16: a breakpoint on a module\'s symbol stops only in that module\'s code', async () => {
    // Two modules, both assembled at the same user addresses: the address of sbrkchurn:main is in
    // memwalk's code too, which runs first.
    const argv = [...kernelArgs('memwalk.s:16,4096,1'), '--module', 'sbrkchurn.s:1'];
    const { output } = await session(argv, 'break sbrkchurn:main\ninfo breakpoints\ncontinue\nbt\n');
    expect(outputOf(output, 'break sbrkchurn:main')).toMatch(/^breakpoint 1: breakpoint at 0x[0-9a-f]{8} <sbrkchurn:main>$/);
    expect(outputOf(output, 'continue')).toMatch(/^breakpoint 1, 0x[0-9a-f]{8} <sbrkchurn:main>\n/);
    expect(outputOf(output, 'bt')).toMatch(/^#0  0x[0-9a-f]{8} in sbrkchurn:main at sbrkchurn\.s:\d+\n#1  0x00400000 in sbrkchurn:_start/);
  });
});

describe('debug: help for every form', () => {
  it('17: help NAME works for every command and alias; help WORDS shows that form\'s lines', async () => {
    const { COMMANDS, GDB_FORMS } = await import('../../debugger/commands.ts');
    const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    const { output, exitCode } = await session(kernelArgs(), names.map((n) => `help ${n}`).join('\n') + '\nhelp info watchpoints\nhelp delete display\nhelp x/4xw\nhelp bogus\nhelp\n');
    for (const c of COMMANDS) for (const n of [c.name, ...(c.aliases ?? [])]) expect(outputOf(output, `help ${n}`), n).toMatch(new RegExp(`^usage: ${c.usage.replace(/[[\]().*+?|\\^$]/g, '\\$&')}`));
    expect(outputOf(output, 'help info watchpoints')).toBe('usage: info WHAT   (aliases: i)\ninfo watchpoints       the watchpoints alone');
    expect(outputOf(output, 'help delete display')).toMatch(/delete display N… \(as undisplay\)/);
    expect(outputOf(output, 'help x/4xw')).toMatch(/^usage: x\[\/NFU\] ADDR \[N\]/);
    expect(outputOf(output, 'help bogus')).toBe("error: unknown command 'bogus' (try 'help')");
    const help = outputOf(output, 'help');
    for (const [gdb] of GDB_FORMS) expect(help).toContain(gdb);
    for (const usage of ['display[/FMT] [EXPR]', 'undisplay [N…]', 'backtrace [N]', 'rwatch ADDR [LEN]', 'awatch ADDR [LEN]']) expect(help).toContain(`  ${usage}`);
    expect(exitCode).toBe(1);
  });

  it('18: every gdb form named in the help runs in a --batch script', async () => {
    const script = ['si', 'ni', 'info registers', 'info reg', 'i r', 'info breakpoints', 'info watchpoints', 'info display', 'rwatch p:0x3000', 'awatch p:0x3000',
      'display a0', 'delete display 1', 'bt', 'where', 'disassemble', 'list', 'reverse-stepi', 'rsi', 'set $a0 = 1', 'set var $a0 = 2', 'set *p:0x7000 = 3', 'advance kvminit'].join('\n');
    const { output, exitCode } = await session(kernelArgs(), script);
    expect(output).not.toMatch(/^error:/m);
    expect(exitCode).toBe(0);
  });
});
