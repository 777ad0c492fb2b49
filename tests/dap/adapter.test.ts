// The DAP adapter (issue 15 §3), driven by @vscode/debugadapter-testsupport's DebugClient as a
// client would drive it: launch the bundled kernel with a user module under EPT, hit a line
// breakpoint in the module, read registers and memory, step back, evaluate REPL commands in the
// debug console, stop on a VM exit, disconnect; then breakpoints of every kind, line steps,
// memory and disassembly, pause, reverse continue, several VMs as threads, launch errors, and the
// real `vmmlab dap` process on stdio. Cases are numbered so a failure names its case.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connect, kernelLaunch, KERNEL, launchAndStop, moveAndStop, REPO, scopeVariables, topFrame, USER } from './helpers.ts';

const SBRKCHURN = USER('sbrkchurn.s');
const ULIB = USER('ulib.inc');
/** sbrkchurn.s line 25: `call sbrk`, the first call of a round (0x004002e8); line 24 is the instruction before it. */
const CALL_SBRK = 25;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function client(): Promise<DebugClient> {
  const c = await connect();
  close = c.close;
  return c.dc;
}

async function evaluate(dc: DebugClient, expression: string, context = 'repl'): Promise<string> {
  return (await dc.evaluateRequest({ expression, context })).body.result;
}

describe('dap: the issue\'s walk through, under EPT', () => {
  it('1: launch, a line breakpoint in a user module, registers and memory, step back, translate, a VM exit, disconnect', async () => {
    const dc = await client();
    let bp: DebugProtocol.SetBreakpointsResponse | undefined;
    const hit = await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2', { mode: 'ept' }), async () => {
      bp = await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: CALL_SBRK }] });
    });
    expect(bp!.body.breakpoints).toEqual([{ id: 1, verified: true, line: CALL_SBRK, source: { path: SBRKCHURN }, instructionReference: '0x004002e8' }]);
    expect(hit.body).toMatchObject({ reason: 'breakpoint', threadId: 1, hitBreakpointIds: [1] });

    expect((await dc.threadsRequest()).body.threads).toEqual([{ id: 1, name: 'vm0 (ept)' }]);
    const stack = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    expect(stack.map((f) => [f.name, f.source?.path, f.line])).toEqual([
      ['sbrkchurn:main+56', SBRKCHURN, CALL_SBRK],
      ['sbrkchurn:_start', ULIB, 50],
    ]);
    const frame = stack[0]!;
    expect(frame.instructionPointerReference).toBe('0x004002e8');

    const regs = await scopeVariables(dc, frame.id, 'Registers');
    expect(regs.get('pc')!.value).toBe('0x004002e8 <sbrkchurn:main+56>');
    expect(regs.get('pc')!.memoryReference).toBe('0x004002e8');
    expect([...regs.keys()]).toEqual(['pc', 'zero', 'ra', 'sp', 'a0', 'a1', 'a2', 'a3', 't0', 't1', 't2', 't3', 't4', 's0', 's1', 's2', 's3']);
    const control = await scopeVariables(dc, frame.id, 'Guest control registers (virtual)');
    expect(control.get('status')!.value).toMatch(/^0x[0-9a-f]{8} \(IE PIE PG\)$/);
    expect(control.get('ptbr')!.value).toMatch(/root 0x[0-9a-f]{8}, asid 1\)$/);
    const mmu = await scopeVariables(dc, frame.id, 'Real MMU (ept)');
    expect(mmu.get('nested')!.value).toMatch(/^EPT root 0x[0-9a-f]{8}, 2 levels \(10\+10 bits\)$/);
    expect(mmu.get('stage 1 root')!.value).toMatch(/guest-physical: the guest's own table/);
    const stats = await scopeVariables(dc, frame.id, 'Statistics');
    expect(Number(stats.get('instructions')!.value.replace(/,/g, ''))).toBeGreaterThan(10_000);
    expect(stats.get('vmm')!.variablesReference).toBeGreaterThan(0);

    // The instruction at pc, read as memory through the guest's tables and at its guest-physical address.
    const word = (await evaluate(dc, 'x/1xw $pc')).split(/\s+/).pop()!;
    expect(word).toBe('0xc07fff54');
    const bytes = (await dc.customRequest('readMemory', { memoryReference: frame.instructionPointerReference, count: 4 })).body as DebugProtocol.ReadMemoryResponse['body'];
    expect(Buffer.from(bytes!.data!, 'base64').readUInt32LE(0)).toBe(0xc07fff54);
    const gpa = (await evaluate(dc, 'translate $pc fetch')).match(/→ guest-physical (0x[0-9a-f]{8})/)![1]!;
    const physical = (await dc.customRequest('readMemory', { memoryReference: `p:${gpa}-8`, offset: 8, count: 4 })).body as DebugProtocol.ReadMemoryResponse['body'];
    expect(physical!.address).toBe(`p:${gpa}`);
    expect(Buffer.from(physical!.data!, 'base64').readUInt32LE(0)).toBe(0xc07fff54);

    const back = await moveAndStop(dc, () => dc.stepBackRequest({ threadId: 1 }));
    expect(back.body.reason).toBe('step');
    const before = await topFrame(dc);
    expect([before.instructionPointerReference, before.line]).toEqual(['0x004002e4', CALL_SBRK - 1]);

    expect(await evaluate(dc, 'translate $pc fetch')).toMatch(/^translate 0x004002e4 <sbrkchurn:main\+52> for fetch \(ept, user mode\)\ntwo-dimensional walk/);
    expect(await evaluate(dc, 'pt ept')).toMatch(/^EPT of vm0: root h:0x[0-9a-f]{8}, 2 levels/);
    expect(await evaluate(dc, 'tlb')).toMatch(/^TLB: 64 entries/);
    expect(await evaluate(dc, 'exits 2')).toMatch(/^vm0: [\d,]+ VM exits; the last 2:/);
    expect(await evaluate(dc, '$sp + 4')).toMatch(/^\$1 = 0x[0-9a-f]{8} \(\d+\)$/);
    await expect(dc.evaluateRequest({ expression: 'pt shadow', context: 'repl' })).rejects.toThrow(/ept mode has no shadow tables/);

    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [] });
    const exits = await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'exit', condition: 'ept-violation, mmio' }] });
    expect(exits.body?.breakpoints).toEqual([{ id: 2, verified: true }]);
    const exit = await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    expect(exit.body.reason).toBe('exception');
    expect(exit.body.description).toMatch(/^breakpoint \d+, VM exit (ept-violation|mmio)/);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    expect(info.body).toMatchObject({ exceptionId: 'VM exits', breakMode: 'always', details: { typeName: 'exit' } });

    await dc.disconnectRequest({});
  });
});

describe('dap: breakpoints', () => {
  it('2: function breakpoints with hit counts, conditional line breakpoints, and the ones that cannot be', async () => {
    const dc = await client();
    let fn: DebugProtocol.SetFunctionBreakpointsResponse | undefined;
    let lines: DebugProtocol.SetBreakpointsResponse | undefined;
    const hit = await launchAndStop(dc, kernelLaunch('sbrkchurn.s:8'), async () => {
      fn = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'sbrkchurn:sbrk', hitCondition: '3' }, { name: 'nosuch' }] });
      lines = await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: 21, condition: 's1 == 5' }, { line: 1 }, { line: 22, condition: 'nosuch == 1' }, { line: 23, hitCondition: 'often' }] });
    });
    expect(fn!.body.breakpoints[0]).toMatchObject({ verified: true, source: { path: ULIB }, instructionReference: expect.stringMatching(/^0x004/) });
    expect(fn!.body.breakpoints[1]).toEqual({ verified: false, message: "no symbol 'nosuch'" });
    expect(lines!.body.breakpoints.map((b) => [b.verified, b.line])).toEqual([[true, 21], [true, 11], [false, 22], [false, 23]]);
    expect(lines!.body.breakpoints[2]!.message).toBe("no symbol 'nosuch'");
    expect(lines!.body.breakpoints[3]!.message).toMatch(/^hit count 'often': give N/);
    // Line 1 is a comment: its breakpoint moved to the first line with code, main's first instruction.
    expect(hit.body.reason).toBe('breakpoint');
    expect((await topFrame(dc)).line).toBe(11);
    // The function breakpoint's third hit: the second round's growing sbrk (the first grows and shrinks).
    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: 21, condition: 's1 == 5' }] });
    const third = await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    expect(third.body).toMatchObject({ reason: 'function breakpoint', hitBreakpointIds: [fn!.body.breakpoints[0]!.id] });
    expect(await evaluate(dc, 'p s1')).toMatch(/^\$1 = 0x00000001 \(1\)$/);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const conditional = await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    expect(conditional.body.reason).toBe('breakpoint');
    expect([(await topFrame(dc)).line, await evaluate(dc, 'p s1')]).toEqual([21, '$2 = 0x00000005 (5)']);
    expect(await evaluate(dc, 'info breakpoints')).toMatch(/^ +#  on  hits  what\n +\d+ +y +\d+ +breakpoint at 0x[0-9a-f]{8} <sbrkchurn:main\+\d+> if s1 == 5$/);
  });

  it('3: instruction breakpoints, breakpoint locations, and exception filters that do not apply', async () => {
    const dc = await client();
    const hit = await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2'), async () => {
      const r = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x004002e8' }] });
      expect(r.body.breakpoints).toEqual([{ id: 1, verified: true, instructionReference: '0x004002e8' }]);
      const ex = await dc.setExceptionBreakpointsRequest({ filters: ['exit', 'tlb-rules'] });
      expect(ex.body?.breakpoints).toEqual([
        { verified: false, message: 'there are no VM exits on bare metal (run with --mode shadow or ept)' },
        { verified: false, message: 'break on tlb-rules needs the checker: start the debugger with --check-tlb-rules' },
      ]);
    });
    expect(hit.body.reason).toBe('instruction breakpoint');
    const locations = await dc.customRequest('breakpointLocations', { source: { path: SBRKCHURN }, line: 8, endLine: 14 });
    expect(locations.body.breakpoints).toEqual([{ line: 11 }, { line: 12 }, { line: 13 }, { line: 14 }]);
  });
});

describe('dap: exception breakpoints', () => {
  it('12: PTBR writes and page faults stop as exceptions, saying which; exceptionInfo repeats it', async () => {
    const dc = await client();
    const first = await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2'), () => dc.setExceptionBreakpointsRequest({ filters: ['ptbr-write', 'pagefault'] }));
    expect(first.body).toMatchObject({ reason: 'exception', description: expect.stringMatching(/^breakpoint \d+, PTBR write: ptbr = 0x00006000/) });
    expect((await dc.exceptionInfoRequest({ threadId: 1 })).body).toMatchObject({ exceptionId: 'PTBR writes', details: { typeName: 'ptbr-write' } });
    expect((await topFrame(dc)).name).toBe('kvminithart+12');
    const second = await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    expect(second.body.description).toMatch(/PTBR write: ptbr = 0x0000c001 \(root 0x0000c000, asid 1\)/);
    const fault = await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    expect(fault.body.description).toMatch(/page fault: load-page-fault, badva 0x00401000/);
    expect((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId).toBe('Page faults');
    const stack = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => f.name);
    expect(stack).toEqual(['trap_entry', 'trap: load-page-fault', expect.stringMatching(/^sbrkchurn:main\+\d+$/), 'sbrkchurn:_start']);
  });
});

describe('dap: moving', () => {
  it('4: step over a call line, step into it, step out, an instruction step, and the stop on entry', async () => {
    const dc = await client();
    const entry = await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2', { stopOnEntry: true }));
    expect(entry.body.reason).toBe('entry');
    expect(await topFrame(dc)).toMatchObject({ name: '_start', line: 29, instructionPointerReference: '0x00001000' });
    // la sp, kstack_top is one line of two instructions: a line step runs both.
    await moveAndStop(dc, () => dc.stepInRequest({ threadId: 1 }));
    expect(await topFrame(dc)).toMatchObject({ line: 30, instructionPointerReference: '0x00001008' });
    await moveAndStop(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    expect((await topFrame(dc)).instructionPointerReference).toBe('0x0000100c');

    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: CALL_SBRK }] });
    await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [] });
    const over = await moveAndStop(dc, () => dc.nextRequest({ threadId: 1 }));
    expect(over.body.reason).toBe('step');
    expect(await topFrame(dc)).toMatchObject({ line: CALL_SBRK + 1, source: { path: SBRKCHURN } });
    // Step back is one instruction back in time: the library's ret that ended the call.
    await moveAndStop(dc, () => dc.stepBackRequest({ threadId: 1 }));
    expect(await topFrame(dc)).toMatchObject({ name: 'sbrkchurn:sbrk+8', source: { path: ULIB } });
    // Into the call of the next round: sbrk is in the library, and its system call traps into the kernel.
    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: CALL_SBRK }] });
    await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [] });
    expect((await topFrame(dc)).line).toBe(CALL_SBRK);
    await moveAndStop(dc, () => dc.stepInRequest({ threadId: 1 }));
    const inside = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    expect(inside.map((f) => f.name)).toEqual(['sbrkchurn:sbrk', 'sbrkchurn:main+56', 'sbrkchurn:_start']);
    expect(inside[0]!.source?.path).toBe(ULIB);
    // sbrk's one line is li and syscall (the SYS macro): the step ends at the trap's entry.
    await moveAndStop(dc, () => dc.stepInRequest({ threadId: 1 }));
    const kernel = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    expect(kernel.map((f) => [f.name, f.presentationHint])).toEqual([
      ['trap_entry', undefined], ['trap: syscall', 'label'], ['sbrkchurn:sbrk+4', undefined], ['sbrkchurn:main+56', undefined], ['sbrkchurn:_start', undefined],
    ]);
    // Out of the kernel's entry is no return; step back to the library and step out of it.
    await moveAndStop(dc, () => dc.stepBackRequest({ threadId: 1 }));
    await moveAndStop(dc, () => dc.stepOutRequest({ threadId: 1 }));
    expect(await topFrame(dc)).toMatchObject({ name: 'sbrkchurn:main+60', line: CALL_SBRK + 1 });
  });

  it('5: pause stops a running guest; reverse continue goes back to the last breakpoint hit', async () => {
    const dc = await client();
    await launchAndStop(dc, kernelLaunch('sbrkchurn.s:100000', { stopOnEntry: true }));
    const running = moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await dc.pauseRequest({ threadId: 1 });
    const paused = await running;
    expect(paused.body.reason).toBe('pause');
    expect(paused.body.threadId).toBe(1);

    await dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: CALL_SBRK }] });
    await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    const first = await evaluate(dc, 'p $instret');
    await moveAndStop(dc, () => dc.continueRequest({ threadId: 1 }));
    const second = await evaluate(dc, 'p $instret');
    const back = await moveAndStop(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    expect(back.body).toMatchObject({ reason: 'breakpoint', hitBreakpointIds: [expect.any(Number)] });
    const again = await evaluate(dc, 'p $instret');
    expect(again.replace(/^\$\d+/, '')).toBe(first.replace(/^\$\d+/, ''));
    expect(again).not.toBe(second);
  });

  it('6: a movement typed in the debug console tells the client, which sees the new place', async () => {
    const dc = await client();
    await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2', { stopOnEntry: true }));
    const continued = dc.waitForEvent('continued');
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    expect(await evaluate(dc, 'until kvminit')).toBe('');
    await continued;
    expect((await stopped).body.reason).toBe('step');
    expect((await topFrame(dc)).name).toBe('kvminit');
    const bt = await evaluate(dc, 'bt');
    expect(bt).toMatch(/^#0  0x[0-9a-f]{8} in kvminit at vm\.s:\d+\n#1  0x0000108c in _start\+140/);
  });
});

describe('dap: memory, variables and the console', () => {
  it('7: disassemble around pc, write and read memory, set a register, hover, complete', async () => {
    const dc = await client();
    await launchAndStop(dc, kernelLaunch('sbrkchurn.s:2'), () => dc.setBreakpointsRequest({ source: { path: SBRKCHURN }, breakpoints: [{ line: CALL_SBRK }] }));
    const d = await dc.disassembleRequest({ memoryReference: '0x004002e8', instructionOffset: -2, instructionCount: 5, resolveSymbols: true });
    const rows = d.body!.instructions;
    expect(rows.map((r) => r.address)).toEqual(['0x004002e0', '0x004002e4', '0x004002e8', '0x004002ec', '0x004002f0']);
    expect(rows[2]).toMatchObject({ instruction: 'jal ra, sbrkchurn:sbrk', instructionBytes: '54 ff 7f c0', symbol: 'sbrkchurn:main+56', line: CALL_SBRK });
    expect(rows[0]!.location?.path).toBe(SBRKCHURN);

    const w = await dc.customRequest('writeMemory', { memoryReference: 'p:0x7000', data: Buffer.from([1, 2, 3, 4]).toString('base64') });
    expect(w.body).toEqual({ offset: 0, bytesWritten: 4 });
    const r = await dc.customRequest('readMemory', { memoryReference: 'p:0x7000', count: 4 });
    expect(Buffer.from(r.body.data, 'base64')).toEqual(Buffer.from([1, 2, 3, 4]));
    const unmapped = await dc.customRequest('readMemory', { memoryReference: '0x70000000', count: 16 });
    expect(unmapped.body).toEqual({ address: '0x70000000', data: '', unreadableBytes: 16 });

    const frame = await topFrame(dc);
    const regs = await scopeVariables(dc, frame.id, 'Registers');
    const scopes = await dc.scopesRequest({ frameId: frame.id });
    const registersRef = scopes.body.scopes[0]!.variablesReference;
    expect((await dc.setVariableRequest({ variablesReference: registersRef, name: 'a0', value: '42' })).body.value).toBe('0x0000002a');
    await expect(dc.setVariableRequest({ variablesReference: registersRef, name: 'zero', value: '1' })).rejects.toThrow(/zero cannot be set here/);
    expect(regs.get('zero')!.presentationHint).toEqual({ attributes: ['readOnly'] });
    expect(await evaluate(dc, 'a0', 'hover')).toBe('0x0000002a (42)');
    expect(await evaluate(dc, 'sbrkchurn:main', 'watch')).toBe('0x004002b0 (4194992)');
    await expect(dc.evaluateRequest({ expression: 'nosuch', context: 'hover' })).rejects.toThrow(/no symbol 'nosuch'/);

    const c = await dc.completionsRequest({ text: 'trans', column: 6 });
    expect(c.body.targets).toEqual([{ label: 'translate', start: 0, length: 5 }]);
    const sources = await dc.customRequest('loadedSources', {});
    const paths = (sources.body.sources as DebugProtocol.Source[]).map((s) => s.path);
    expect(paths).toContain(SBRKCHURN);
    expect(paths).toContain(KERNEL);
  });

  it('8: several VMs are several threads, each with its own stack and registers', async () => {
    const dc = await client();
    await launchAndStop(dc, { program: KERNEL, memory: '4M', vms: ['a mode=shadow module=sbrkchurn.s:1', 'b mode=ept module=sbrkchurn.s:1'], stopOnEntry: true });
    expect((await dc.threadsRequest()).body.threads).toEqual([{ id: 1, name: 'a (shadow)' }, { id: 2, name: 'b (ept)' }]);
    await moveAndStop(dc, () => dc.stepInRequest({ threadId: 2, granularity: 'instruction' }));
    expect((await topFrame(dc, 2)).instructionPointerReference).toBe('0x00001004');
    expect((await topFrame(dc, 1)).instructionPointerReference).toBe('0x00001000');
    const frame = await topFrame(dc, 1);
    expect((await dc.scopesRequest({ frameId: frame.id })).body.scopes.map((s) => s.name)).toEqual(['Registers', 'Guest control registers (virtual)', 'Real MMU (shadow)', 'Statistics']);
  });
});

describe('dap: launching', () => {
  it('9: bad launch attributes and programs are errors the client shows; assembler errors reach the console', async () => {
    const dc = await client();
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: KERNEL, tlbEntries: true } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow('launch: "tlbEntries" takes a string or a number');
    const errors: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => void (e.body.category === 'stderr' && errors.push(e.body.output)));
    await expect(dc.launchRequest({ program: path.join(REPO, 'tests/debugger/no-such.s') } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/no-such\.s/);
    await expect(dc.launchRequest({ program: KERNEL, modules: ['nosuch.s'] } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/nosuch/);
    await expect(dc.launchRequest({ program: KERNEL, mode: 'bogus' } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/bogus/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-dap-'));
    const broken = path.join(dir, 'broken.s');
    fs.writeFileSync(broken, '    ad a0, a0, a1\n');
    await expect(dc.launchRequest({ program: broken } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/broken\.s: 1 error; nothing assembled/);
    expect(errors.join('')).toMatch(/broken\.s:1:5: error: unknown instruction 'ad'; did you mean 'add'\?/);
    fs.rmSync(dir, { recursive: true });
  });

  it('10: `vmmlab dap` on stdio: launch with run options and debugger commands, stop on entry, disconnect', async () => {
    const adapter = spawn(process.execPath, [path.join(REPO, 'bin/vmmlab.js'), 'dap'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const dc = new DebugClient('node', 'unused', 'vmmlab');
    dc.defaultTimeout = 120_000;
    (dc as unknown as { connect(r: NodeJS.ReadableStream, w: NodeJS.WritableStream): void }).connect(adapter.stdout, adapter.stdin);
    const exited = new Promise<number | null>((resolve) => adapter.on('exit', resolve));
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => void output.push(e.body.output));
    const stop = await launchAndStop(dc, { program: 'guest-programs/kernel/kernel.s', cwd: REPO, modules: ['primes.s'], mode: 'shadow', tlbEntries: 16, tlbWays: 2, stopOnEntry: true, commands: ['tlb'] });
    expect(stop.body.reason).toBe('entry');
    expect(output.join('')).toMatch(/vmmlab debug: guest-programs\/kernel\/kernel\.s, shadow \(vm0\)/);
    expect(output.join('')).toMatch(/> tlb\nTLB: 16 entries, 8 sets × 2 ways/);
    expect(await evaluate(dc, 'mode')).toMatch(/^mode: shadow paging/);
    await dc.disconnectRequest({});
    expect(await exited).toBe(0);
  });

  it('11: run without debugging: the guest runs to its end, its console is stdout, the session ends with its exit code', async () => {
    const dc = await client();
    const out: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => void (e.body.category === 'stdout' && out.push(e.body.output)));
    const exited = dc.waitForEvent('exited') as Promise<DebugProtocol.ExitedEvent>;
    const terminated = dc.waitForEvent('terminated');
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()), dc.launch({ program: path.join(REPO, 'guest-programs/hello.s'), noDebug: true })]);
    expect((await exited).body.exitCode).toBe(0);
    await terminated;
    expect(out.join('')).toBe('Hello from TV32!\n');
  });
});
