// `vmmlab run FILE|IMAGE`: load, run under an instruction budget, stream the guest's console to
// stdout, and report why it stopped and what it cost.

import * as fs from 'node:fs';
import { TRAP_LOOP_LIMIT } from '../../emulator/cpu.ts';
import { Machine, type RunResult } from '../../emulator/machine.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { bold, fmtInt, statsTable, useColor } from '../format.ts';
import { loadModule, loadProgram } from '../load.ts';
import { MACHINE_OPTIONS, MACHINE_OPTIONS_HELP, machineSettings, parseCommandLine } from '../options.ts';

export const RUN_HELP = `Usage: vmmlab run FILE.s|IMAGE [options]

Run a TV32 program on the emulated machine. A .s file is assembled first. The guest's console
goes to stdout; the exit code is the guest's power-off code (124: instruction budget used up,
125: wfi with no interrupt source, 126: trap loop, 130: interrupted, 1: bad input, 2: bad command line).

Options:
  --module PROG.s[:A,B…]    a boot module for a kernel: a user program (assembled at 0x00400000
                            unless it says otherwise) with integer arguments; repeatable
  --stats                   a readable statistics table on stderr
  --json PATH               statistics as JSON to PATH ('-' for stdout; the console then goes to stderr)
  -h, --help                this text

${MACHINE_OPTIONS_HELP}`;

export function runCommand(argv: string[]): number {
  const { values, positionals } = parseCommandLine(argv, {
    ...MACHINE_OPTIONS,
    module: { type: 'string', multiple: true },
    stats: { type: 'boolean' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('run takes one program file (see vmmlab run --help)');
  const settings = machineSettings(values);
  const color = useColor(process.stderr);
  const image = loadProgram(positionals[0]!, color);
  const machine = new Machine({ memoryBytes: settings.memoryBytes, profile: settings.profile, mmu: settings.mmu });
  try {
    const modules = (values.module ?? []).map((spec) => loadModule(spec, color));
    if (modules.length > 0) machine.boot(image, modules);
    else machine.load(image);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${positionals[0]}: ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  const consoleOut = values.json === '-' ? process.stderr : process.stdout;
  const flush = () => {
    const chunk = machine.devices.console.drain();
    if (chunk.length > 0) fs.writeSync(consoleOut.fd, chunk);
  };
  const onSigint = () => machine.cpu.requestStop();
  process.on('SIGINT', onSigint);
  let result: RunResult;
  try {
    result = machine.run(settings.maxInstructions, flush);
  } finally {
    process.off('SIGINT', onSigint);
  }
  flush();
  const message = stopMessage(result, settings.maxInstructions);
  if (message) process.stderr.write(`vmmlab: ${message}\n`);
  if (values.stats) process.stderr.write(`${bold(color, 'statistics')}\n${statsTable(machine.stats)}\n`);
  if (values.json !== undefined) {
    const json = JSON.stringify({ ...resultJson(result), stats: machine.stats.toJSON() }, null, 2) + '\n';
    if (values.json === '-') fs.writeSync(process.stdout.fd, json);
    else fs.writeFileSync(values.json, json);
  }
  return exitCodeFor(result);
}

export function resultJson(result: RunResult): Record<string, unknown> {
  return {
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
