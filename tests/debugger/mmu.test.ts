// The memory-management commands through scripted sessions: translate natively, under shadow
// paging (the guest's walk and the shadow's) and under EPT (the two-dimensional grid: a cold
// walk of a 4 KiB guest page through a 2-level EPT makes 8 references, 2 guest and 6 EPT);
// pt and tlb; a watchpoint on a page-table entry catching the kernel writing it; event breaks
// (a PTBR-write exit under shadow paging, TLB misses, a trap cause); exits.

import { describe, expect, it } from 'vitest';
import { kernelArgs, live, outputOf, session } from './helpers.ts';

describe('debug: translate', () => {
  it('native: the walk of a page not yet mapped, then mapped', async () => {
    const { output } = await session(kernelArgs(), 'break on pagefault\ncontinue\ntranslate $badva\ndelete\nuntil $epc\ntranslate 0x00401000 store\n');
    const cold = outputOf(output, 'translate $badva');
    expect(cold).toMatch(/^translate 0x00401000 for load \(native, supervisor mode\)/);
    expect(cold).toMatch(/ 1 +L1 +0x[0-9a-f]{8} +0x[0-9a-f]{8} +V------- +table 0x[0-9a-f]{8}/);
    expect(cold).toMatch(/ 2 +L2 +0x[0-9a-f]{8} +0x00000000 +-------- +not present/);
    expect(cold).toMatch(/→ fault: load-page-fault\n2 memory references: on a TLB miss 2 \+ 2 × 20 = 42 cycles\nTLB: would miss/);
    const warm = outputOf(output, 'translate 0x00401000 store');
    // Mapped by the kernel; A and D are set by the first access, which has not happened yet.
    expect(warm).toMatch(/^translate 0x00401000 for store \(native, user mode\)/);
    expect(warm).toMatch(/ 2 +L2 +0x[0-9a-f]{8} +0x[0-9a-f]{8} +VW-U---- +frame 0x[0-9a-f]{8}/);
    expect(warm).toMatch(/→ physical 0x[0-9a-f]{8}: 4 KiB page, leaf VW-U----/);
  });

  it('shadow: the guest\'s walk, then the hardware walk of the shadow tables', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'), 'break on pagefault\ncontinue\ntranslate $epc fetch\nregs\n');
    const t = outputOf(output, 'translate $epc fetch');
    expect(t).toMatch(/^translate 0x[0-9a-f]{8} <sbrkchurn:main\+\d+> for fetch \(shadow, supervisor mode\)/);
    expect(t).toMatch(/the guest's own walk[^\n]*\n.*\n +1 +L1 +gpa 0x[0-9a-f]{8}.*table gpa[\s\S]*→ guest-physical 0x[0-9a-f]{8}, backed by host 0x[0-9a-f]{8}/);
    expect(t).toMatch(/the hardware walk \(the shadow tables[\s\S]* 2 +L2 +h:0x[0-9a-f]{8} .*frame h:0x[0-9a-f]{8}\n→ host-physical/);
    expect(t).toMatch(/TLB: would hit \(set \d+, way \d\): no walk at all/);
    expect(outputOf(output, 'regs')).toMatch(/real MMU \(shadow, hardware state for vm0\)\n +stage 1 +on +root 0x[0-9a-f]{8} \(host-physical: the shadow page directory\)\n +context +0x0001 +vpid 0, asid 1/);
  });

  it('EPT: a cold walk of a 4 KiB page is a grid of 8 references, 2 guest and 6 EPT', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'ept'), 'break on pagefault\ncontinue\ntranslate 0x00401000\ndelete\nuntil $epc\ntranslate 0x00401000\nregs\n');
    const absent = outputOf(output, 'translate 0x00401000', 0);
    expect(absent).toMatch(/6 memory references \(guest 2, EPT 4\)/);
    const grid = outputOf(output, 'translate 0x00401000', 1);
    const rows = grid.split('\n').filter((l) => /^ +\d+ /.test(l));
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.match(/ (EPT L\d|guest L\d) +(h:|gpa)/)![1])).toEqual(['EPT L1', 'EPT L2', 'guest L1', 'EPT L1', 'EPT L2', 'guest L2', 'EPT L1', 'EPT L2']);
    expect(rows[0]).toMatch(/guest L1 entry, gpa 0x[0-9a-f]{8} +EPT L1 +h:0x/);
    expect(rows[3]).toMatch(/guest L2 entry, gpa/);
    expect(rows[6]).toMatch(/data, gpa 0x[0-9a-f]{8} +EPT L1/);
    expect(rows[2]).toMatch(/guest L1 +gpa 0x[0-9a-f]{8} = h:0x[0-9a-f]{8}/);
    expect(grid).toMatch(/→ guest-physical 0x[0-9a-f]{8} → host-physical 0x[0-9a-f]{8}: 4 KiB page/);
    expect(grid).toMatch(/8 memory references \(guest 2, EPT 6\): on a TLB miss 2 \+ 8 × 20 = 162 cycles/);
    expect(outputOf(output, 'regs')).toMatch(/nested +EPT root 0x[0-9a-f]{8} +host-physical, 2 levels \(10\+10 bits\)/);
  });

  it('EPT before the VM has run: walked in software, the TLB unknown', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'ept'), 'translate 0x1000 fetch\n');
    expect(output).toMatch(/1 +data, gpa 0x00001000 +EPT L1 .*not present\n→ EPT violation: guest-physical 0x00001000 has no EPT mapping/);
    expect(output).toMatch(/TLB: unknown \(the MMU holds no VM yet; walked in software\)/);
  });
});

describe('debug: a shadow-mode VM the shared MMU does not hold', () => {
  it('translate and pt shadow walk its current shadow tables in software', async () => {
    const args = [kernelArgs()[0]!, '--vm', 'a mode=shadow module=primes.s', '--vm', 'b mode=shadow module=ctxswitch.s:5', '--memory', '8M'];
    const { output } = await session(args, 'vm b\nstep 30000\nvm a\nstep 10\nvm b\ntranslate 0x00400000 fetch\npt shadow\n');
    const walk = outputOf(output, 'translate 0x00400000 fetch');
    expect(walk).toMatch(/the hardware walk \(the shadow tables the VMM built, host-physical addresses\):\n +# +level[^\n]*\n +1 +L1 +h:0x[0-9a-f]{8} .*\n +2 +L2 +h:0x[0-9a-f]{8} +0x[0-9a-f]{8} +VWXU-AD-/);
    expect(walk).toMatch(/TLB: unknown \(the MMU holds a's state; walked in software\)/);
    const pt = outputOf(output, 'pt shadow');
    expect(pt).toMatch(/^shadow page tables of b: root h:0x[0-9a-f]{8} \(the real PTBR when b runs\)/);
    expect(pt).toMatch(/0x00400000 → h:0x[0-9a-f]{8} \(gpa 0x[0-9a-f]{8}\) +4 KiB +VWXU-AD-/);
  });
});

describe('debug: pt, tlb, watchpoints, events', () => {
  it('pt dumps guest, shadow and EPT tables as trees with runs folded', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'), 'pt\nbreak on exit ptbr-write\ncontinue\ncontinue\npt guest\npt shadow\ndelete\nbreak on exit hidden-fault\ncontinue\npt shadow\npt ept\n');
    expect(outputOf(output, 'pt')).toBe('guest paging is off (virtual = guest-physical)');
    const guest = outputOf(output, 'pt guest');
    expect(guest).toMatch(/^guest page tables: root gpa 0x[0-9a-f]{8}, asid 1/);
    expect(guest).toMatch(/\n  \[000\] +0x00000000-0x003fffff → table gpa 0x[0-9a-f]{8}/);
    expect(guest).toMatch(/\n      \[001-003\] 0x00001000-0x00003fff → gpa 0x00001000-0x00003fff  3 pages  V-X-GA--/);
    expect(guest).toMatch(/\n  \[001\] +0x00400000-0x007fffff → table gpa 0x[0-9a-f]{8}  V-------\n      \[000\] +0x00400000 → gpa 0x[0-9a-f]{8}  4 KiB  VWXU----/);
    expect(guest).toMatch(/\n  \[300\] +0xc0000000 → gpa 0x00000000  4 MiB  VW--GADL/);
    // A new shadow root right after the switch is empty (kernel pages stay in the TLB: they are
    // Global); the VMM fills it on hidden faults.
    expect(outputOf(output, 'pt shadow', 0)).toMatch(/^shadow page tables of vm0: root h:0x[0-9a-f]{8} \(the real PTBR\)\n  \(no present entries\)$/);
    // The first hidden fault is the program's first fetch: its text page, host frame and guest frame.
    expect(outputOf(output, 'pt shadow', 1)).toMatch(/^shadow page tables of vm0: root h:0x[0-9a-f]{8} \(the real PTBR\)\n  \[001\] +0x00400000-0x007fffff → table h:0x[0-9a-f]{8}  V-------\n {6}\[000\] +0x00400000 → h:0x[0-9a-f]{8} \(gpa 0x[0-9a-f]{8}\)  4 KiB  V-XU-AD-$/);
    expect(outputOf(output, 'pt ept')).toBe('error: shadow mode has no EPT');
  });

  it('tlb lists entries with set, way, context, mapping, bits and LRU order', async () => {
    const { output } = await session(kernelArgs(), 'until scheduler\ntlb\n');
    const t = outputOf(output, 'tlb');
    expect(t).toMatch(/^TLB: 64 entries, 16 sets × 4 ways, lru replacement; \d+ valid\n +set +way +vpid +asid +virtual +physical +size +bits +lru/);
    expect(t).toMatch(/\n +1 +0 +0 +0 +0x00001000 +→ +0x00001000 +4 KiB +V-X-GA-- +0/);
  });

  it('a watchpoint on a page-table entry catches the kernel writing it', async () => {
    const d = live(kernelArgs());
    await d.run('break on pagefault');
    await d.run('continue');
    const walk = await d.run('translate $badva');
    const pteAddr = walk.match(/ 2 +L2 +(0x[0-9a-f]{8}) +0x00000000/)![1]!;
    await d.run('delete');
    expect(await d.run(`watch p:${pteAddr}`)).toBe(`watchpoint 2: write watchpoint on 4 bytes at guest-physical ${pteAddr}\n`);
    let hit = await d.run('continue');
    // kalloc zeroes the new page-table page first, then mappages writes the entry (through the direct map).
    while (/→ 0x00000000\n/.test(hit)) hit = await d.run('continue');
    expect(hit).toMatch(new RegExp(`^watchpoint 2, p:${pteAddr}: 4-byte store at 0xc0[0-9a-f]{6}: 0x00000000 → 0x[0-9a-f]{5}00b\\n0x[0-9a-f]{8} <mappages\\+\\d+>`));
    expect(await d.run('info breakpoints')).toMatch(/2 +y +\d +write watchpoint on 4 bytes at guest-physical/);
  });

  it('shadow: break on exit ptbr-write stops at the PTBR-write exits; exits lists them', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'shadow'), 'break on exit ptbr-write\ncontinue\ncontinue\nexits 2\nstats\n');
    expect(outputOf(output, 'continue', 0)).toMatch(/^breakpoint 1, VM exit ptbr-write \(cr-write\): write ptbr = 0x[0-9a-f]{8} at pc 0x[0-9a-f]{8} <kvminithart\+8>/);
    expect(outputOf(output, 'continue', 1)).toMatch(/^breakpoint 1, VM exit ptbr-write \(cr-write\): write ptbr = 0x[0-9a-f]{5}001 at pc 0x[0-9a-f]{8} <scheduler\+\d+>/);
    const exits = outputOf(output, 'exits 2');
    expect(exits).toMatch(/^vm0: [\d,]+ VM exits; the last 2:\n +# +instructions +pc +exit +reason +detail/);
    expect(exits).toMatch(/<scheduler\+\d+> +cr-write +ptbr-write +write ptbr = 0x[0-9a-f]{5}001$/);
    expect(outputOf(output, 'stats')).toMatch(/^statistics: vm0 \(shadow\)\n[\s\S]*VM exits +[\d,]+ \(.*ptbr-write 2/);
  });

  it('break on tlb-miss, on a trap cause, and at a guest-physical address', async () => {
    const { output } = await session(kernelArgs(), 'break on tlb-miss\ncontinue\ndelete\nbreak on trap syscall\ncontinue\nregs\ndelete\nbreak phys scheduler\ncontinue\nbreak on exit\n');
    expect(outputOf(output, 'continue', 0)).toMatch(/^breakpoint 1, TLB miss \(fetch\)/);
    expect(outputOf(output, 'continue', 1)).toMatch(/^breakpoint 2, trap: syscall at epc 0x[0-9a-f]{8} <sbrkchurn:[a-z_]+\+\d+> → handler/);
    expect(outputOf(output, 'regs')).toMatch(/cause +0x00000002 +syscall/);
    expect(outputOf(output, 'continue', 2)).toMatch(/^breakpoint 3, guest-physical 0x[0-9a-f]{8} \(pc 0x[0-9a-f]{8} <scheduler>\)/);
    expect(outputOf(output, 'break on exit')).toBe('error: there are no VM exits on bare metal (run with --mode shadow or ept)');
  });
});
