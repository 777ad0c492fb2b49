// `vmmlab dap`: the Debug Adapter Protocol over the debugger's engine (debugger/), with
// @vscode/debugadapter speaking the protocol. The adapter is a third front end beside the REPL and
// the playground: it launches the machine exactly as `vmmlab debug` does (its launch attributes
// are run's options), moves it with the engine's commands (continue, step, next, finish,
// reverse-step, reverse-continue) and line steps (debugger/stepping.ts), and formats the
// engine's data and the inspection model (backtrace, registers, the real MMU, statistics) for the
// client. It reads no machine internals of its own. The debug console is the REPL: any command
// typed there runs in the engine, and its output is the answer.
//
// Requests are handled one at a time, in order (a movement runs to its stop before the next
// request is looked at), except pause, disconnect, terminate and threads, which are answered at
// once: pause stops a running guest at the engine's next slice boundary, as Ctrl-C does.

import './node-require.ts';
import { ContinuedEvent, DebugSession, ExitedEvent, Handles, InitializedEvent, InvalidatedEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CliError } from '../cli/errors.ts';
import { NODE_HOST, openDebugger } from '../cli/commands/debug.ts';
import { backtrace, type Frame } from '../debugger/backtrace.ts';
import type { Breakpoint } from '../debugger/breakpoints.ts';
import { eventSpec } from '../debugger/breakpoints.ts';
import { complete, findCommand } from '../debugger/commands.ts';
import { formatValue, type Debugger } from '../debugger/debugger.ts';
import { CommandError, hex8 } from '../debugger/format.ts';
import { stepLine } from '../debugger/stepping.ts';
import { parseAddress } from '../debugger/symbols.ts';
import type { CpuView } from '../debugger/target.ts';
import { launchArgv, type LaunchArguments } from './launch.ts';
import { disassembleResponse, readMemoryResponse, writeMemoryRequest } from './memory.ts';
import { addressesOfLine, linesWithCode, samePath, sourceFiles, sourceOf } from './sources.ts';
import { scopesOf, type VariableItem } from './variables.ts';

/** The exception breakpoints: the debugger's event breaks (`break on …`). */
export const EXCEPTION_FILTERS: readonly DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'pagefault', label: 'Page faults', description: 'The guest takes a page or protection fault: stop at the handler\'s entry.' },
  {
    filter: 'exit', label: 'VM exits', description: 'A VM exit to the VMM (shadow and EPT modes).',
    supportsCondition: true, conditionDescription: 'Exit reasons, separated by commas: ptbr-write, hidden-fault, guest-fault, pt-write, ept-violation, mmio, invlpg, … (empty: every exit)',
  },
  { filter: 'ptbr-write', label: 'PTBR writes', description: 'The guest writes PTBR: an address-space switch.' },
  {
    filter: 'trap', label: 'Traps', description: 'Any trap or interrupt the guest takes.',
    supportsCondition: true, conditionDescription: 'Trap causes, separated by commas: syscall, timer, load-page-fault, … (empty: every trap)',
  },
  { filter: 'tlb-miss', label: 'TLB misses', description: 'Any TLB miss (slow: every instruction is checked).' },
  { filter: 'tlb-rules', label: 'Stale translations', description: 'An access used a translation made stale by a page-table store never invalidated (launch with "checkTlbRules": true).' },
];

/** Commands that move the machine: typed in the debug console, the client is told it runs, then where it stopped. */
const MOVEMENTS = new Set(['step', 'next', 'finish', 'until', 'continue', 'reverse-step', 'reverse-continue', 'restore', 'source']);

type BreakpointKind = 'line' | 'function' | 'instruction' | 'exception';

interface FrameRef {
  readonly cpu: number;
  readonly frame: Frame | undefined;
}

/** Thrown for a request that cannot be done; the client shows the message. */
class RequestError extends Error {}

export class VmmlabDebugSession extends DebugSession {
  private dbg: Debugger | undefined;
  private queue: Promise<void> = Promise.resolve();
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => (this.configured = resolve));
  /** While set, the debugger's output is collected for an evaluate's answer instead of the console. */
  private captured: string | undefined;
  private readonly frameHandles = new Handles<FrameRef>();
  private readonly variableHandles = new Handles<() => VariableItem[]>();
  /** Engine breakpoints this adapter made: their DAP id and what kind of client breakpoint they are. */
  private readonly made = new Map<number, { readonly dapId: number; readonly kind: BreakpointKind; readonly filter?: string }>();
  /** Line breakpoints by file (resolved path), as the engine ids the client's last setBreakpoints made. */
  private readonly lineBreakpoints = new Map<string, number[]>();
  private readonly others: Record<Exclude<BreakpointKind, 'line'>, number[]> = { function: [], instruction: [], exception: [] };
  /** Run without debugging (Ctrl+F5): the session ends when the guest powers off. */
  private noDebug = false;
  /** The last stop on an exception breakpoint (for exceptionInfo). */
  private lastException: { filter: string; description: string } | undefined;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---------------------------------------------------------------- plumbing

  /** Run a request's work after the ones before it; a RequestError or CommandError is an error response. */
  private serially(response: DebugProtocol.Response, work: () => void | Promise<void>): void {
    this.queue = this.queue.then(async () => {
      try {
        await work();
      } catch (e) {
        if (!(e instanceof RequestError || e instanceof CommandError || e instanceof CliError)) throw e;
        this.sendErrorResponse(response, { id: 1, format: e.message.replace(/[{}]/g, ''), showUser: true });
      }
    }).catch((e: unknown) => {
      this.sendErrorResponse(response, { id: 2, format: `internal error: ${(e as Error).message}`.replace(/[{}]/g, ''), showUser: true });
    });
  }

  private get debugger(): Debugger {
    if (!this.dbg) throw new RequestError('no program has been launched');
    return this.dbg;
  }

  private view(threadId: number | undefined): CpuView {
    const views = this.debugger.target.views;
    const view = threadId === undefined ? this.debugger.view : views[threadId - 1];
    if (!view) throw new RequestError(`no thread ${threadId} (threads are 1-${views.length})`);
    return view;
  }

  /** Focus the thread a request names (commands act on the focused CPU). */
  private focus(threadId: number | undefined): void {
    this.debugger.focus = this.view(threadId).index;
  }

  private output(text: string, category: 'console' | 'stdout' | 'stderr' = 'console'): void {
    if (text !== '') this.sendEvent(new OutputEvent(text, category));
  }

  /** One REPL command; its output goes to the console (or the capture). False if it failed. */
  private async command(line: string): Promise<boolean> {
    const dbg = this.debugger;
    const errors = dbg.errors;
    await dbg.execute(line);
    return dbg.errors === errors;
  }

  /** A REPL command whose output is the answer (an error is a RequestError with it). */
  private async answer(line: string): Promise<string> {
    this.captured = '';
    let ok: boolean;
    let text: string;
    try {
      ok = await this.command(line);
    } finally {
      text = this.captured ?? '';
      this.captured = undefined;
    }
    if (!ok) throw new RequestError(text.trim().replace(/^(internal )?error: /m, ''));
    return text.replace(/\n$/, '');
  }

  /** Move the machine (the client was already answered), then say where it stopped. */
  private async move(work: () => Promise<unknown>): Promise<void> {
    const dbg = this.debugger;
    const stops = dbg.stops;
    try {
      await work();
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      this.output(`error: ${e.message}\n`, 'stderr');
    }
    this.reportStop(dbg.stops === stops);
  }

  /** The stopped event for the debugger's last stop (`again`: nothing moved; say so as it was). */
  private reportStop(again = false): void {
    const dbg = this.debugger;
    this.frameHandles.reset();
    this.variableHandles.reset();
    const stop = dbg.lastStop;
    const threadId = (stop?.cpu ?? dbg.focus) + 1;
    let reason = 'step';
    let description: string | undefined;
    const hitIds: number[] = [];
    if (!stop) reason = 'entry';
    else if (stop.hits.length > 0) {
      const first = stop.hits[0]!.bp;
      const made = this.made.get(first.id);
      reason = breakpointReason(first, made?.kind);
      description = stop.hits.map((h) => h.message).join('; ');
      for (const h of stop.hits) {
        const id = this.made.get(h.bp.id)?.dapId;
        if (id !== undefined && !hitIds.includes(id)) hitIds.push(id);
      }
      if (first.kind === 'event') this.lastException = { filter: made?.filter ?? first.event, description };
    } else if (stop.reason === 'interrupted') reason = 'pause';
    else if (stop.reason === 'stopped') {
      const view = dbg.target.views[stop.cpu]!;
      const state = dbg.target.stopState(view);
      if (this.noDebug && dbg.target.views.every((v) => dbg.target.stopState(v) === 'halted')) {
        this.sendEvent(new ExitedEvent(dbg.target.exitCode(view)));
        this.sendEvent(new TerminatedEvent());
        return;
      }
      reason = state === 'halted' ? 'power-off' : state === 'trap-loop' ? 'trap loop' : state === 'wfi-deadlock' ? 'wfi deadlock' : 'stopped';
      description = state === 'halted' ? `powered off: exit code ${dbg.target.exitCode(view)} (step back or reverse-continue to look at the past)` : `${state}`;
    } else if (stop.reason === 'limit') reason = 'instruction budget';
    else if (again) reason = 'pause';
    const event = new StoppedEvent(reason, threadId) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    if (description !== undefined) {
      event.body.description = description;
      event.body.text = description;
    }
    if (hitIds.length > 0) event.body.hitBreakpointIds = hitIds;
    this.sendEvent(event);
  }

  // ---------------------------------------------------------------- the session

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      exceptionBreakpointFilters: [...EXCEPTION_FILTERS],
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsStepBack: true,
      supportsSetVariable: true,
      supportsCompletionsRequest: true,
      supportsLoadedSourcesRequest: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsSteppingGranularity: true,
      supportsInstructionBreakpoints: true,
      supportsBreakpointLocationsRequest: true,
      supportsClipboardContext: true,
      supportsDelayedStackTraceLoading: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, given: DebugProtocol.LaunchRequestArguments): void {
    const args = given as LaunchArguments & { commands?: unknown };
    this.serially(response, async () => {
      const planned = launchArgv(args);
      if ('error' in planned) throw new RequestError(`launch: ${planned.error}`);
      if (args.cwd !== undefined) {
        try {
          process.chdir(String(args.cwd));
        } catch (e) {
          throw new RequestError(`launch: cannot change to "cwd" ${String(args.cwd)}: ${(e as Error).message}`);
        }
      }
      // The assembler reports a program's errors on stderr, where a client shows nothing: they go
      // to the debug console too.
      const stderrWrite = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array) => {
        this.output(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'), 'stderr');
        return true;
      }) as typeof process.stderr.write;
      try {
        this.dbg = this.open(planned.argv);
      } finally {
        process.stderr.write = stderrWrite;
      }
      this.dbg.printLocations = false;
      this.sendEvent(new InitializedEvent());
      // The client now sets breakpoints (queued behind this) and then says configurationDone.
      void this.configurationDone.then(() => this.serially(response, () => this.begin(response, args)));
    });
  }

  /** After the configuration: the launch's commands, its response, then run or stop at the entry. */
  private async begin(response: DebugProtocol.LaunchResponse, args: LaunchArguments & { commands?: unknown }): Promise<void> {
    {
      const commands = args.commands;
      if (commands !== undefined) {
        if (!Array.isArray(commands) || !commands.every((c) => typeof c === 'string')) throw new RequestError('launch: "commands" must be a list of debugger commands');
        for (const c of commands) {
          this.output(`${this.debugger.prompt()}${c}\n`);
          await this.command(c);
        }
      }
      this.sendResponse(response);
      this.noDebug = args.noDebug === true;
      if (args.stopOnEntry === true && !this.noDebug) this.reportStop();
      else await this.move(() => this.debugger.execute('continue'));
    }
  }

  /** The debugger on the machine `argv` describes, writing to the debug console (the guest's console as stdout). */
  private open(argv: string[]): Debugger {
    return openDebugger(argv, {
      write: (text) => {
        if (this.captured !== undefined) this.captured += text;
        else this.output(text);
      },
      color: false,
      console: (view, text) => this.output(this.dbg?.multiple ? text.replace(/^(?=.)/gm, `[${view.name}] `) : text, 'stdout'),
    }, false, NODE_HOST);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.dbg?.interrupt();
    super.disconnectRequest(response, args);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.dbg?.interrupt();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const views = this.dbg?.target.views ?? [];
    response.body = { threads: views.map((v) => ({ id: v.index + 1, name: views.length > 1 || v.vm ? `${v.name} (${v.mode})` : 'machine' })) };
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- running

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    const dbg = this.dbg;
    this.sendResponse(response);
    if (dbg?.running) dbg.interrupt();
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.serially(response, async () => {
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      await this.move(() => this.debugger.execute('continue'));
    });
  }

  private stepRequest(response: DebugProtocol.Response, threadId: number, command: string, line?: boolean): void {
    this.serially(response, async () => {
      this.focus(threadId);
      this.sendResponse(response);
      await this.move(() => (line !== undefined ? stepLine(this.debugger, line) : this.debugger.execute(command)));
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    if (args.granularity === 'instruction') this.stepRequest(response, args.threadId, 'next');
    else this.stepRequest(response, args.threadId, '', true);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    if (args.granularity === 'instruction') this.stepRequest(response, args.threadId, 'step');
    else this.stepRequest(response, args.threadId, '', false);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.stepRequest(response, args.threadId, 'finish');
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.stepRequest(response, args.threadId, 'reverse-step');
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.stepRequest(response, args.threadId, 'reverse-continue');
  }

  // ---------------------------------------------------------------- breakpoints

  /** Breakpoint options from a client's condition and hit condition, checked as the REPL checks them. */
  private options(condition: string | undefined, hitCondition: string | undefined): { condition?: string; ignore: number } {
    const dbg = this.debugger;
    const out: { condition?: string; ignore: number } = { ignore: 0 };
    if (condition !== undefined && condition.trim() !== '') {
      dbg.evaluateValue(condition, dbg.view, false);
      out.condition = condition.trim();
    }
    if (hitCondition !== undefined && hitCondition.trim() !== '') {
      const m = /^\s*(>=|==|>|=)?\s*(\d+)\s*$/.exec(hitCondition);
      if (!m) throw new CommandError(`hit count '${hitCondition}': give N (stop from the Nth hit on), >= N or > N`);
      const n = Number(m[2]);
      out.ignore = m[1] === '>' ? n : Math.max(0, n - 1);
    }
    return out;
  }

  private forget(ids: readonly number[]): void {
    for (const id of ids) {
      if (this.debugger.breakpoints.list.some((b) => b.id === id)) this.debugger.breakpoints.remove(id);
      this.made.delete(id);
    }
  }

  /** Engine breakpoints at addresses, as one client breakpoint of `kind`. */
  private addAt(kind: BreakpointKind, at: readonly { addr: number; module: string | undefined }[], condition?: string, hitCondition?: string): number[] {
    const { ignore, ...options } = this.options(condition, hitCondition);
    const made = at.map(({ addr, module }) => this.debugger.breakpoints.add({ kind: 'pc', addr, ...(module !== undefined ? { image: module } : {}) }, options));
    for (const bp of made) {
      bp.ignore = ignore;
      this.made.set(bp.id, { dapId: made[0]!.id, kind });
    }
    return made.map((b) => b.id);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.serially(response, () => {
      const file = args.source.path;
      if (file === undefined) throw new RequestError('breakpoints need a source file path');
      const key = [...this.lineBreakpoints.keys()].find((k) => samePath(k, file)) ?? file;
      this.forget(this.lineBreakpoints.get(key) ?? []);
      const ids: number[] = [];
      const breakpoints: DebugProtocol.Breakpoint[] = (args.breakpoints ?? []).map((wanted) => {
        const at = addressesOfLine(this.debugger, file, wanted.line);
        if (at.length === 0) return { verified: false, line: wanted.line, message: `no code from line ${wanted.line} of this file in the kernel or its modules` };
        try {
          const made = this.addAt('line', at, wanted.condition, wanted.hitCondition);
          ids.push(...made);
          return { id: made[0]!, verified: true, source: args.source, line: at[0]!.line, instructionReference: hex8(at[0]!.addr) };
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          return { verified: false, line: wanted.line, message: e.message };
        }
      });
      this.lineBreakpoints.set(key, ids);
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    this.serially(response, () => {
      const file = args.source.path;
      response.body = { breakpoints: file === undefined ? [] : linesWithCode(this.debugger, file, args.line, args.endLine ?? args.line).map((line) => ({ line })) };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.serially(response, () => {
      const dbg = this.debugger;
      this.forget(this.others.function);
      this.others.function = [];
      const breakpoints = args.breakpoints.map((wanted): DebugProtocol.Breakpoint => {
        try {
          const a = parseAddress(wanted.name, dbg.exprContext());
          if (a.space !== 'v') throw new CommandError('a function breakpoint takes a symbol or a guest-virtual address');
          const module = dbg.symbols[dbg.focus]!.moduleOf(wanted.name);
          const made = this.addAt('function', [{ addr: a.addr, module }], wanted.condition, wanted.hitCondition);
          this.others.function.push(...made);
          const loc = dbg.symbols[dbg.focus]!.location(a.addr, undefined, module);
          return { id: made[0]!, verified: true, instructionReference: hex8(a.addr), ...(loc ? { source: sourceOf(loc), line: loc.line } : {}) };
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          return { verified: false, message: e.message };
        }
      });
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.serially(response, () => {
      const dbg = this.debugger;
      this.forget(this.others.instruction);
      this.others.instruction = [];
      const breakpoints = args.breakpoints.map((wanted): DebugProtocol.Breakpoint => {
        try {
          const a = parseAddress(wanted.instructionReference, dbg.exprContext());
          const addr = (a.addr + (wanted.offset ?? 0)) >>> 0;
          const made = this.addAt('instruction', [{ addr, module: undefined }], wanted.condition, wanted.hitCondition);
          this.others.instruction.push(...made);
          return { id: made[0]!, verified: true, instructionReference: hex8(addr) };
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          return { verified: false, message: e.message };
        }
      });
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.serially(response, () => {
      const dbg = this.debugger;
      this.forget(this.others.exception);
      this.others.exception = [];
      const wanted = [...args.filters.map((filter) => ({ filter, condition: undefined as string | undefined })), ...(args.filterOptions ?? []).map((o) => ({ filter: o.filterId, condition: o.condition }))];
      const breakpoints = wanted.map(({ filter, condition }): DebugProtocol.Breakpoint => {
        try {
          const args = condition?.split(',').map((c) => c.trim()).filter((c) => c !== '') ?? [];
          const specs = (args.length > 0 ? args : [undefined]).map((arg) => eventSpec(arg === undefined ? [filter] : [filter, arg], dbg.target.mode === 'native', dbg.target.session.tlbRules.length > 0));
          const made = specs.map((spec) => dbg.breakpoints.add(spec));
          for (const bp of made) this.made.set(bp.id, { dapId: made[0]!.id, kind: 'exception', filter });
          this.others.exception.push(...made.map((b) => b.id));
          return { id: made[0]!.id, verified: true };
        } catch (e) {
          if (!(e instanceof CommandError)) throw e;
          return { verified: false, message: e.message };
        }
      });
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.serially(response, () => {
      const e = this.lastException;
      if (!e) throw new RequestError('the machine has not stopped on an exception breakpoint');
      const label = EXCEPTION_FILTERS.find((f) => f.filter === e.filter)?.label ?? e.filter;
      response.body = { exceptionId: label, description: e.description, breakMode: 'always', details: { message: e.description, typeName: e.filter } };
      this.sendResponse(response);
    });
  }

  // ---------------------------------------------------------------- looking

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.serially(response, () => {
      const view = this.view(args.threadId);
      const trace = backtrace(this.debugger, view);
      const frames: DebugProtocol.StackFrame[] = [];
      const label = (name: string): DebugProtocol.StackFrame => ({ id: this.frameHandles.create({ cpu: view.index, frame: undefined }), name, line: 0, column: 0, presentationHint: 'label' });
      for (const frame of trace.frames) {
        if (frame.trap) frames.push(label(`trap: ${frame.trap.causeName}`));
        frames.push({
          id: this.frameHandles.create({ cpu: view.index, frame }),
          name: frame.symbol ?? hex8(frame.pc),
          line: frame.location?.line ?? 0,
          column: frame.location ? 1 : 0,
          instructionPointerReference: hex8(frame.pc),
          ...(frame.location ? { source: sourceOf(frame.location) } : { presentationHint: 'subtle' as const }),
        });
      }
      if (!trace.end.startsWith('outermost')) frames.push(label(`(${trace.end})`));
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : frames.length;
      response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.serially(response, () => {
      const ref = this.frameHandles.get(args.frameId);
      if (!ref?.frame) {
        response.body = { scopes: [] };
        return this.sendResponse(response);
      }
      const view = this.view(ref.cpu + 1);
      response.body = {
        scopes: scopesOf(this.debugger, view, ref.frame).map((s) => ({
          name: s.name,
          variablesReference: this.variableHandles.create(s.variables),
          expensive: s.expensive,
          ...(s.presentationHint ? { presentationHint: s.presentationHint } : {}),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.serially(response, () => {
      const items = this.variableHandles.get(args.variablesReference)?.() ?? [];
      response.body = {
        variables: items.map((v) => ({
          name: v.name,
          value: v.value,
          variablesReference: v.children ? this.variableHandles.create(v.children) : 0,
          ...(v.memoryReference ? { memoryReference: v.memoryReference } : {}),
          ...(v.evaluateName ? { evaluateName: v.evaluateName } : {}),
          ...(v.settable ? {} : { presentationHint: { attributes: ['readOnly'] } }),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.serially(response, async () => {
      const items = this.variableHandles.get(args.variablesReference)?.() ?? [];
      const item = items.find((v) => v.name === args.name);
      if (!item?.settable) throw new RequestError(`${args.name} cannot be set here`);
      await this.answer(`set reg ${item.settable} ${args.value}`);
      const now = this.variableHandles.get(args.variablesReference)?.().find((v) => v.name === args.name);
      response.body = { value: now?.value ?? args.value };
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.serially(response, async () => {
      const dbg = this.debugger;
      const context = args.context ?? 'repl';
      if (args.frameId !== undefined) {
        const ref = this.frameHandles.get(args.frameId);
        if (ref) dbg.focus = ref.cpu;
      }
      if (context !== 'repl') {
        const value = dbg.evaluateValue(args.expression) >>> 0;
        response.body = { result: context === 'clipboard' ? hex8(value) : formatValue(value), variablesReference: 0, memoryReference: hex8(value) };
        return this.sendResponse(response);
      }
      // The debug console is the REPL; a bare expression (`$sp+8`) is printed.
      const word = args.expression.trim().split(/\s+/)[0]!.split('/')[0]!;
      const command = findCommand(word);
      const line = command || args.expression.trim() === '' ? args.expression : `print ${args.expression}`;
      const moves = command !== undefined && MOVEMENTS.has(command.name);
      const stops = dbg.stops;
      if (moves) this.sendEvent(new ContinuedEvent(dbg.focus + 1, true));
      let result: string;
      try {
        result = await this.answer(line);
      } finally {
        if (moves || dbg.stops !== stops) this.reportStop(dbg.stops === stops);
      }
      response.body = { result, variablesReference: 0 };
      this.sendResponse(response);
      if (!moves) this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.serially(response, () => {
      const before = args.text.slice(0, Math.max(0, args.column - 1));
      const [candidates, word] = complete(this.debugger, before);
      response.body = { targets: candidates.slice(0, 200).map((label) => ({ label, start: before.length - word.length, length: word.length })) };
      this.sendResponse(response);
    });
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    this.serially(response, () => {
      response.body = { sources: sourceFiles(this.debugger).map((file) => sourceOf({ address: 0, file, line: 1 })) };
      this.sendResponse(response);
    });
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.serially(response, () => {
      response.body = readMemoryResponse(this.debugger, args);
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.serially(response, () => {
      response.body = writeMemoryRequest(this.debugger, args);
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.serially(response, () => {
      response.body = disassembleResponse(this.debugger, args);
      this.sendResponse(response);
    });
  }
}

/** The stopped event's reason for a breakpoint hit, by what the client set. */
function breakpointReason(bp: Breakpoint, kind: BreakpointKind | undefined): string {
  if (kind === 'function') return 'function breakpoint';
  if (kind === 'instruction') return 'instruction breakpoint';
  if (bp.kind === 'event') return 'exception';
  if (bp.kind === 'watch') return 'data breakpoint';
  return 'breakpoint';
}
