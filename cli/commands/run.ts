// `vmmlab run FILE|IMAGE`: load, run under an instruction budget (natively, or in VMs under
// shadow paging or EPT), stream the guest's console to stdout, and report why it stopped and
// what it cost.

import * as fs from 'node:fs';
import { TRAP_LOOP_LIMIT } from '../../emulator/cpu.ts';
import type { RunResult } from '../../emulator/machine.ts';
import { BootError } from '../../emulator/boot.ts';
import { OutOfHostMemory } from '../../hypervisor/host.ts';
import { PagerError } from '../../hypervisor/pager-host.ts';
import type { LoadedPager } from '../../node/pager-loader.ts';
import { parseModeWithPager } from '../../session/settings.ts';
import { connectStdin } from '../console-input.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { loadMachineFile } from '../machine-file.ts';
import { bold, fmtInt, statsTable, useColor } from '../format.ts';
import { DEFINE_OPTIONS, DEFINE_OPTIONS_HELP, INCLUDE_OPTIONS, INCLUDE_OPTIONS_HELP, MACHINE_OPTIONS, MACHINE_OPTIONS_HELP, machineSettings, parseCommandLine, type MachineSettings } from '../options.ts';
import { stdinWasRead } from '../stdin.ts';
import { CHECK_TLB_RULES_HELP, describeTlbRules, tlbRulesJson } from '../../debugger/tlb-rules-report.ts';
import { HYPERVISOR_OPTIONS, HYPERVISOR_OPTIONS_HELP, Session, loadPagerFile, parseMode, planVms, type Mode, type SessionResult, type VmPlan } from '../session.ts';
import type { BuildHooks } from '../../session/build.ts';

export const RUN_HELP = `Usage: vmmlab run FILE.s|IMAGE|- [options]

Run a TV32 program on the emulated machine. A .s file is assembled first. FILE - reads the
program (a source, or an image) from stdin, named <stdin> in errors, its .includes found from
the current directory. The guest's console goes to stdout; the exit code is the guest's
power-off code (124: instruction budget used up, 125: wfi with no interrupt source, 126: trap
loop, 130: interrupted, 1: bad input or a --pager that failed, 2: bad command line). With
several VMs it is 0 when every VM powered off with 0.

stdin is the console's input. A pipe or a file is read to its end before the run starts and
queued whole, then a ^D (end of input) if it was not empty: the same input always gives the
same output and statistics (a pipe that never closes keeps the run from starting; redirect
</dev/null). A terminal's lines are queued as they are typed, Ctrl-D queues the ^D, and the run
waits while the guest waits for input: such a run is not reproducible. With several VMs the
input goes to the first. With 'run -' the program takes stdin, and the console gets no input.

Options:
  --module PROG.s[:A,B…]    a boot module for a kernel: a user program (assembled at 0x00400000
                            unless it says otherwise) with integer arguments; repeatable. Bare
                            names are also looked up in guest-programs/user/
${INCLUDE_OPTIONS_HELP}
${DEFINE_OPTIONS_HELP}
  --stats                   a readable statistics table on stderr
  --json PATH               statistics as JSON to PATH ('-' for stdout; the console then goes to stderr)
${CHECK_TLB_RULES_HELP}
  -h, --help                this text

${MACHINE_OPTIONS_HELP}

${HYPERVISOR_OPTIONS_HELP}`;

export const RUN_OPTIONS = {
  ...MACHINE_OPTIONS,
  ...HYPERVISOR_OPTIONS,
  ...INCLUDE_OPTIONS,
  ...DEFINE_OPTIONS,
  module: { type: 'string', multiple: true },
  stats: { type: 'boolean' },
  json: { type: 'string' },
  'check-tlb-rules': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

/** What run and debug build from their options: the settings, the mode and every VM's plan. */
export function planSession(given: Values, program: string | undefined, color: boolean, pager?: LoadedPager): { settings: MachineSettings; mode: Mode; plans: VmPlan[]; values: Values } {
  const values = withMachineFileOptions(given, program);
  if (typeof values.pager === 'string' && !pager) throw new CliError('--pager: the pager was not loaded (loadPagerOf first)');
  const settings = machineSettings(values);
  const mode = pager ? parseModeWithPager(values.mode as string | undefined, pager.translation, values.pager as string) : parseMode(values.mode as string | undefined);
  const plans = planVms(values, mode, program, settings.memoryBytes, color, pager);
  const effectiveMode = plans.length > 1 || values.vm !== undefined || values.machine !== undefined ? plans[0]!.mode : mode;
  return { settings, mode: effectiveMode, plans, values };
}

/** The --pager of run and debug (or of the --machine file), loaded; undefined without one. */
export async function loadPagerOf(given: Values, program: string | undefined): Promise<LoadedPager | undefined> {
  const file = withMachineFileOptions(given, program).pager;
  return typeof file === 'string' ? loadPagerFile(file) : undefined;
}

/** Build a session from parsed run/debug options; input problems become CliErrors. */
export function sessionFrom(given: Values, program: string | undefined, color: boolean, pager?: LoadedPager, hooks: BuildHooks = {}): Session {
  const { settings, mode, plans, values } = planSession(given, program, color, pager);
  return buildSession(() => new Session(settings, mode, plans, values, hooks));
}

/** A session built: a kernel that does not load, or a pager whose factory fails, is bad input (exit 1). */
export function buildSession(build: () => Session): Session {
  try {
    return build();
  } catch (e) {
    if (e instanceof BootError || e instanceof RangeError || e instanceof PagerError) throw new CliError(e.message, EXIT_CODES.INPUT);
    throw e;
  }
}

/**
 * A --machine file may also set the host: "vpid", "quantum", "hostMemory" and "pager". The command line
 * wins where both say something. The file is checked here, before anything else is built.
 */
function withMachineFileOptions(values: Values, program: string | undefined): Values {
  if (typeof values.machine !== 'string') return values;
  if (values.vm !== undefined) throw new CliError('--machine and --vm exclude each other: list every VM in the machine file');
  const spec = loadMachineFile(values.machine, program);
  const out = { ...values };
  if (out.vpid === undefined && spec.vpid !== undefined) out.vpid = spec.vpid;
  if (out.quantum === undefined && spec.quantum !== undefined) out.quantum = String(spec.quantum);
  if (out['host-memory'] === undefined && spec.hostMemory !== undefined) out['host-memory'] = String(spec.hostMemory);
  if (out.pager === undefined && spec.pager !== undefined) out.pager = spec.pager;
  return out;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, RUN_OPTIONS);
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new CliError('run takes one program file (see vmmlab run --help)');
  if (positionals.length === 0 && values.machine === undefined) throw new CliError('run needs a program file (see vmmlab run --help)');
  const color = useColor(process.stderr);
  const pager = await loadPagerOf(values, positionals[0]);
  const session = sessionFrom(values, positionals[0], color, pager);
  const consoleOut = values.json === '-' ? process.stderr : process.stdout;
  // `run -`: stdin was the program; the console gets no input (as with an empty stdin).
  const terminal = stdinWasRead() ? undefined : await connectStdin(process.stdin, session.inputConsole);
  const onSigint = () => session.requestStop();
  process.on('SIGINT', onSigint);
  let results: SessionResult[];
  try {
    results = await session.runAsync(session.settings.maxInstructions, () => session.flushConsoles(consoleOut), terminal);
  } catch (e) {
    if (e instanceof OutOfHostMemory) {
      session.flushConsoles(consoleOut);
      const hint = session.vmm?.reclaim?.policy === 'balloon'
        ? 'the balloons could not take back enough (ballooning alone has no fallback: use --reclaim balloon-swap, or raise --host-memory)'
        : 'the VMs and their shadow/EPT tables need more (raise --host-memory)';
      throw new CliError(`${e.message}: ${hint}`, EXIT_CODES.INPUT);
    }
    if (e instanceof PagerError) {
      // The guest stopped where its pager failed: what it printed until then, then the pager's error.
      session.flushConsoles(consoleOut);
      session.flushPartialLines(consoleOut);
      throw new CliError(e.message, EXIT_CODES.INPUT);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    terminal?.close();
  }
  session.flushConsoles(consoleOut);
  session.flushPartialLines(consoleOut);
  for (const r of results) {
    const message = stopMessage(r, session.settings.maxInstructions);
    if (message) process.stderr.write(`vmmlab: ${session.multiple ? `${r.name}: ` : ''}${message}\n`);
  }
  for (const checked of session.tlbRules) {
    const prefix = `vmmlab: tlb rules: ${session.multiple ? `${checked.name}: ` : ''}`;
    process.stderr.write(describeTlbRules(checked).map((line) => `${prefix}${line}\n`).join(''));
  }
  if (values.stats) printStats(session, color);
  if (values.json !== undefined) {
    const tlbRules = session.tlbRules.length === 0 ? {} : {
      tlbRules: session.multiple ? Object.fromEntries(session.tlbRules.map((c) => [c.name, tlbRulesJson(c)])) : tlbRulesJson(session.tlbRules[0]!),
    };
    const host = hostMemoryJson(session);
    const hostMemory = host ? { hostMemory: host } : {};
    const summary = session.multiple
      ? { vms: results.map(resultJson), stats: session.statsJson(), ...tlbRules, ...hostMemory }
      : { ...resultJson(results[0]!), stats: session.statsJson(), ...tlbRules, ...hostMemory };
    const json = JSON.stringify(summary, null, 2) + '\n';
    if (values.json === '-') fs.writeSync(process.stdout.fd, json);
    else fs.writeFileSync(values.json, json);
  }
  const failed = results.find((r) => exitCodeFor(r) !== 0);
  return failed ? exitCodeFor(failed) : 0;
}

function printStats(session: Session, color: boolean): void {
  if (session.machine) {
    process.stderr.write(`${bold(color, 'statistics')}\n${statsTable(session.machine.stats)}\n`);
    return;
  }
  for (const vm of session.vmm!.vms) {
    const design = vm.pagerName === vm.mode ? vm.mode : `${vm.mode}, pager ${vm.pagerName}`;
    process.stderr.write(`${bold(color, `statistics: ${vm.name} (${design})`)}\n${statsTable(vm.stats, vm.vmm)}\n`);
  }
  const host = hostMemoryJson(session);
  if (host) {
    process.stderr.write(`${bold(color, 'host memory')}: ${fmtInt(host.inUse)} of ${fmtInt(host.frames)} frames in use (peak ${fmtInt(host.peakInUse)}), ${fmtInt(host.sharedFrames)} of them shared\n`);
  }
}

/** Host memory with page sharing, host swapping or ballooning on (docs/host-memory.md): frames now, at the peak, shared, and the series over time. */
function hostMemoryJson(session: Session) {
  const vmm = session.vmm;
  if (!vmm || (!vmm.sharing && !vmm.swap && !vmm.balloon)) return undefined;
  const reclaim = vmm.reclaim ? { reclaim: { policy: vmm.reclaim.policy, ...vmm.reclaim.stats } } : {};
  return { frames: vmm.host.frames - 1, inUse: vmm.host.inUse, peakInUse: vmm.host.peakInUse, sharedFrames: vmm.host.sharers.size, ...reclaim, series: vmm.memorySeries };
}

export function resultJson(result: RunResult & { name?: string; mode?: string }): Record<string, unknown> {
  return {
    ...(result.name !== undefined && result.name !== 'machine' ? { name: result.name } : {}),
    ...(result.mode !== undefined ? { mode: result.mode } : {}),
    reason: result.reason,
    exitCode: result.exitCode,
    instructions: result.instructions,
    cycles: result.cycles,
  };
}

export function stopMessage(result: RunResult, maxInstructions: number): string | undefined {
  switch (result.reason) {
    case 'max-instructions':
      return `stopped: the guest used up its budget of ${fmtInt(maxInstructions)} instructions (raise it with --max-instructions)`;
    case 'wfi-deadlock':
      return 'stopped: the guest waits for an interrupt (wfi) but no interrupt can ever come (timer off, no input)';
    case 'trap-loop':
      return `stopped: trap loop: ${TRAP_LOOP_LIMIT} traps in a row without an instruction retiring (the trap handler itself faults; is EVEC set?)`;
    case 'stopped':
      return `interrupted after ${fmtInt(result.instructions)} instructions`;
    default:
      return undefined;
  }
}

export function exitCodeFor(result: RunResult): number {
  switch (result.reason) {
    case 'halted': {
      const code = result.exitCode;
      // Process exit codes are 8 bits: a guest code that does not fit shows as 1, never as 0.
      return code >= 0 && code <= 255 ? code : 1;
    }
    case 'max-instructions': return EXIT_CODES.MAX_INSTRUCTIONS;
    case 'wfi-deadlock': return EXIT_CODES.WFI_DEADLOCK;
    case 'trap-loop': return EXIT_CODES.TRAP_LOOP;
    default: return EXIT_CODES.INTERRUPTED;
  }
}
