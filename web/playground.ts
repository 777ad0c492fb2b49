// The playground's machine, as its worker holds it (web/worker.ts is only the postMessage edge,
// so this runs in Node too and the tests drive it directly): sources from a map of virtual paths
// (the bundled guest-programs/ and the page's own files), assembled by the same assembler core;
// a machine built from `vmmlab run`'s own option values by the same code the CLI uses
// (session/settings.ts, session/build.ts); the debugger's engine for every run control; and the
// inspection model for the views. Nothing here reads machine internals of its own.

import { assemble, formatDiagnostic, type AssembleResult, type Diagnostic } from '../assembler/index.ts';
import { normalize, join } from '../assembler/paths.ts';
import { BootError, USER_ORIGIN, parseModuleSpec, type BootModule } from '../emulator/boot.ts';
import type { Image } from '../isa/image.ts';
import { Debugger } from '../debugger/debugger.ts';
import { eventSpec } from '../debugger/breakpoints.ts';
import { CommandError } from '../debugger/format.ts';
import type { DebugHost } from '../debugger/host.ts';
import { readMemory } from '../debugger/memory.ts';
import type { CpuView, TargetPlan } from '../debugger/target.ts';
import { statsTable } from '../format/stats.ts';
import { mergeStats, vmStatsJson } from '../hypervisor/report.ts';
import { OutOfHostMemory } from '../hypervisor/host.ts';
import { eptTables, exitLog, guestTables, pagingSetup, realMmu, registers, shadowTables, tlbContents, translate, type AccessName } from '../inspect/index.ts';
import { buildMachine, type VmPlan } from '../session/build.ts';
import { SettingsError, machineSettings, parseMode, type Mode, type OptionValues } from '../session/settings.ts';
import type { BatchResult, CommandResult, Counters, CpuSnapshot, DisasmLine, MachineSpec, MemoryView, OpenResult, Snapshot, SourceText, TablesView, WalkResult } from './protocol.ts';

/** Where the bundled programs are in the virtual file system (as in the package). */
export const BUNDLED = 'guest-programs';
const INCLUDE_PATH = [`${BUNDLED}/lib`, `${BUNDLED}/user`];
/** Disassembly lines shown before and after pc. */
const DISASM_BEFORE = 6;
const DISASM_AFTER = 12;

/** What the debugger's snapshots may hold in a browser tab (the CLI's default is 1 GiB). */
const HISTORY_BYTES = 256 * 1024 * 1024;

/** Instructions a batch run (Compare) runs between yields. */
const BATCH_SLICE = 2_000_000;

export class PlaygroundError extends Error {}

function notFound(path: string): Error {
  return Object.assign(new Error('no such file'), { code: 'ENOENT', path });
}

/** The `vmmlab run` command line of a spec (what the page shows and the share link restores). */
export function commandLine(spec: MachineSpec): string {
  const words = ['vmmlab', 'run', spec.program.path];
  for (const m of spec.modules) words.push('--module', m);
  for (const [key, value] of Object.entries(spec.options)) {
    if (value === undefined || value === false) continue;
    if (value === true) words.push(`--${key}`);
    else for (const v of Array.isArray(value) ? value : [value]) words.push(`--${key}`, v);
  }
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export class Playground {
  /** Virtual path → text: the bundled programs, then the page's own sources over them. */
  private readonly files = new Map<string, string>();
  private dbg: Debugger | undefined;
  private output = '';
  private images: Image[] = [];
  private gutter: number[] = [];
  private events: number[] = [];

  constructor(bundled: Readonly<Record<string, string>>, private readonly onConsole: (cpu: string, text: string) => void = () => {}) {
    for (const [path, text] of Object.entries(bundled)) this.files.set(normalize(path), text);
  }

  // ---------------------------------------------------------------- sources

  private readFile = (path: string): string => {
    const text = this.files.get(normalize(path));
    if (text === undefined) throw notFound(path);
    return text;
  };

  /** Assemble a source (its includes from the virtual files) without keeping it. */
  assemble(source: SourceText, origin?: number): AssembleResult {
    return assemble(source.text, { file: source.path, readFile: this.readFile, resolvePath: normalize, includePath: INCLUDE_PATH, ...(origin === undefined ? {} : { origin }) });
  }

  lint(source: SourceText): Diagnostic[] {
    return this.assemble(source).diagnostics;
  }

  /** A --module spec's file: as given, or a bundled user program by name (`primes`, `primes.s`). */
  private moduleFile(file: string): string {
    const candidates = [file, `${file}.s`, join(`${BUNDLED}/user`, file), join(`${BUNDLED}/user`, `${file}.s`)];
    const found = candidates.find((c) => this.files.has(normalize(c)));
    if (!found) throw new PlaygroundError(`module '${file}': no such program (the bundled ones: ${this.bundledUserPrograms().join(', ')})`);
    return normalize(found);
  }

  bundledUserPrograms(): string[] {
    return [...this.files.keys()].filter((p) => p.startsWith(`${BUNDLED}/user/`) && p.endsWith('.s')).map((p) => p.slice(BUNDLED.length + 6, -2));
  }

  /** The image of a source, or its diagnostics. */
  private image(source: SourceText, origin?: number): { image?: Image; diagnostics: Diagnostic[] } {
    const r = this.assemble(source, origin);
    return { ...(r.image ? { image: r.image } : {}), diagnostics: r.diagnostics };
  }

  /** Plan a machine: the images, the settings, how to build it. Throws PlaygroundError or SettingsError. */
  private plan(spec: MachineSpec): { plan: TargetPlan; diagnostics: Diagnostic[] } | { diagnostics: Diagnostic[] } {
    this.files.set(normalize(spec.program.path), spec.program.text);
    const values: OptionValues = spec.options;
    const settings = machineSettings(values);
    const mode: Mode = parseMode(values.mode as string | undefined);
    const kernel = this.image(spec.program);
    if (!kernel.image) return { diagnostics: kernel.diagnostics };
    const diagnostics = [...kernel.diagnostics];
    const modules: BootModule[] = [];
    for (const text of spec.modules) {
      let parsed: ReturnType<typeof parseModuleSpec>;
      try {
        parsed = parseModuleSpec(text);
      } catch (e) {
        if (e instanceof BootError) throw new PlaygroundError(e.message);
        throw e;
      }
      const file = this.moduleFile(parsed.file);
      const m = this.image({ path: file, text: this.files.get(file)! }, USER_ORIGIN);
      diagnostics.push(...m.diagnostics);
      if (!m.image) return { diagnostics };
      modules.push({ name: parsed.name, args: parsed.args, image: m.image });
    }
    const vmPlans: VmPlan[] = [{ name: mode === 'native' ? 'machine' : 'vm0', mode: mode === 'native' ? 'shadow' : mode, memoryBytes: settings.memoryBytes, kernel: kernel.image, modules }];
    this.images = [kernel.image, ...modules.map((m) => m.image)];
    const plan: TargetPlan = {
      mode,
      plans: vmPlans,
      settings: { profile: settings.profile, maxInstructions: settings.maxInstructions },
      build: () => {
        try {
          return buildMachine(settings, mode, vmPlans, values);
        } catch (e) {
          if (e instanceof BootError || e instanceof RangeError) throw new PlaygroundError(e.message);
          throw e;
        }
      },
    };
    return { plan, diagnostics };
  }

  // ---------------------------------------------------------------- the debugger

  /** Build the machine of `spec` under the debugger, stopped before its first instruction. */
  open(spec: MachineSpec): OpenResult {
    this.dbg = undefined;
    this.gutter = [];
    this.events = [];
    const line = commandLine(spec);
    let planned: ReturnType<Playground['plan']>;
    try {
      planned = this.plan(spec);
    } catch (e) {
      if (e instanceof PlaygroundError || e instanceof SettingsError) return { diagnostics: [], output: `error: ${e.message}`, commandLine: line };
      throw e;
    }
    if (!('plan' in planned)) {
      const errors = planned.diagnostics.filter((d) => d.severity === 'error').length;
      return { diagnostics: planned.diagnostics, output: `${errors} error${errors === 1 ? '' : 's'}; nothing assembled`, commandLine: line };
    }
    this.output = '';
    const host: DebugHost = {
      readText: (file) => {
        const text = this.files.get(normalize(file));
        return text === undefined ? { error: 'no such file' } : { text };
      },
      stackTraces: true,
    };
    try {
      this.dbg = new Debugger(planned.plan, {
        write: (text) => (this.output += text),
        color: false,
        console: (view, text) => this.onConsole(view.name, text),
      }, host, { bytes: HISTORY_BYTES });
    } catch (e) {
      if (e instanceof PlaygroundError || e instanceof SettingsError) return { diagnostics: planned.diagnostics, output: `error: ${e.message}`, commandLine: line };
      throw e;
    }
    const dbg = this.dbg;
    const mode = dbg.target.mode === 'native' ? 'native (bare metal)' : `${dbg.target.mode} (${dbg.target.views.map((v) => v.name).join(', ')})`;
    dbg.print(`${spec.program.path}, ${mode}; stopped before the first instruction`);
    return { diagnostics: planned.diagnostics, snapshot: this.snapshot(), output: this.takeOutput(), commandLine: line };
  }

  private get debugger(): Debugger {
    if (!this.dbg) throw new PlaygroundError('no machine: assemble a program first');
    return this.dbg;
  }

  get hasMachine(): boolean {
    return this.dbg !== undefined;
  }

  private takeOutput(): string {
    const out = this.output;
    this.output = '';
    return out;
  }

  /** One debugger command, as the REPL takes it (step, next, continue, reverse-step, break on exit, …). */
  async command(line: string): Promise<CommandResult> {
    const dbg = this.debugger;
    await dbg.execute(line);
    return { output: this.takeOutput(), snapshot: this.snapshot() };
  }

  /** Stop a running command at its next slice boundary (the Pause button). */
  pause(): void {
    this.dbg?.interrupt();
  }

  /**
   * The breakpoints set in the editor's gutter: one per source line of `file` that holds an
   * instruction (at its first address). They replace the earlier gutter breakpoints; those set by
   * commands stay.
   */
  setGutterBreakpoints(file: string, lines: readonly number[]): { set: number[]; refused: number[] } {
    const dbg = this.debugger;
    for (const id of this.gutter) {
      if (dbg.breakpoints.list.some((b) => b.id === id)) dbg.breakpoints.remove(id);
    }
    this.gutter = [];
    const set: number[] = [];
    const refused: number[] = [];
    const path = normalize(file);
    for (const line of lines) {
      const addr = this.addressOfLine(path, line);
      if (addr === undefined) {
        refused.push(line);
        continue;
      }
      this.gutter.push(dbg.breakpoints.add({ kind: 'pc', addr }).id);
      set.push(line);
    }
    return { set, refused };
  }

  /**
   * The page's "break on" boxes: event breakpoints as `break on EVENT [REASON]` makes them
   * (`['exit', 'ptbr-write']`, `['pagefault']`). They replace the earlier ones from the boxes.
   * Returns why any was refused (a VM exit break on bare metal, say).
   */
  setEventBreakpoints(events: readonly (readonly string[])[]): { refused: string[] } {
    const dbg = this.debugger;
    for (const id of this.events) {
      if (dbg.breakpoints.list.some((b) => b.id === id)) dbg.breakpoints.remove(id);
    }
    this.events = [];
    const refused: string[] = [];
    for (const words of events) {
      try {
        this.events.push(dbg.breakpoints.add(eventSpec(words, dbg.target.mode === 'native', dbg.target.session.tlbRules.length > 0)).id);
      } catch (e) {
        if (!(e instanceof CommandError)) throw e;
        refused.push(e.message);
      }
    }
    return { refused };
  }

  /** The first address the source map gives a line of a file (the kernel's or a module's). */
  private addressOfLine(file: string, line: number): number | undefined {
    for (const image of this.images) {
      const hit = image.sourceMap.find((l) => normalize(l.file) === file && l.line === line);
      if (hit) return hit.address;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- views

  snapshot(): Snapshot {
    const dbg = this.debugger;
    const target = dbg.target;
    const cpus = target.views.map((view) => this.cpuSnapshot(view));
    const loc = dbg.symbols[dbg.focus]!.location(dbg.view.cpu.pc >>> 0, dbg.wordAt(dbg.view));
    return { focus: dbg.focus, cpus, tlb: tlbContents(target), ...(loc ? { pcFile: normalize(loc.file), pcLine: loc.line } : {}) };
  }

  private cpuSnapshot(view: CpuView): CpuSnapshot {
    const dbg = this.debugger;
    const target = dbg.target;
    const stopped = target.stopState(view);
    return {
      name: view.name,
      mode: view.mode,
      registers: registers(target, view),
      realMmu: realMmu(target, view),
      setup: pagingSetup(target, view),
      disasm: this.disasm(view),
      ...(stopped === undefined ? {} : { stopped }),
      exitCode: target.exitCode(view),
      statsText: statsTable(view.stats, view.vmmStats),
      counters: counters(view),
      exits: exitLog(view, 200),
    };
  }

  private disasm(view: CpuView): DisasmLine[] {
    const dbg = this.debugger;
    const pc = view.cpu.pc >>> 0;
    const lines: DisasmLine[] = [];
    const start = Math.max(0, pc - DISASM_BEFORE * 4);
    for (let addr = start; addr <= pc + DISASM_AFTER * 4; addr += 4) {
      const w = readMemory(dbg.target, view, { space: 'v', addr }, 4);
      if (typeof w !== 'number' && addr !== pc) continue;
      const loc = dbg.symbols[view.index]!.location(addr, dbg.wordAt(view));
      lines.push({
        addr,
        text: dbg.instructionLine(view, addr, addr === pc ? '=> ' : '   '),
        current: addr === pc,
        ...(loc ? { file: normalize(loc.file), line: loc.line } : {}),
      });
    }
    return lines;
  }

  tables(which: 'guest' | 'shadow' | 'ept'): TablesView {
    const dbg = this.debugger;
    const view = dbg.view;
    if (which === 'guest') return guestTables(dbg.target, view);
    return which === 'shadow' ? shadowTables(dbg.target, view) : eptTables(dbg.target, view);
  }

  walk(vaText: string, access: AccessName): WalkResult {
    const dbg = this.debugger;
    try {
      const va = dbg.evaluateValue(vaText);
      return { translation: translate(dbg.target, dbg.view, va, access) };
    } catch (e) {
      if (e instanceof CommandError) return { error: e.message };
      throw e;
    }
  }

  memory(space: 'v' | 'p' | 'h', addrText: string, rows: number): MemoryView {
    const dbg = this.debugger;
    let base: number;
    try {
      base = dbg.evaluateValue(addrText) & ~15;
    } catch (e) {
      if (e instanceof CommandError) return { space, rows: [], error: e.message };
      throw e;
    }
    const out = [];
    for (let r = 0; r < rows; r++) {
      const addr = (base + r * 16) >>> 0;
      const words = [0, 4, 8, 12].map((o) => {
        const w = readMemory(dbg.target, dbg.view, { space, addr: (addr + o) >>> 0 }, 4);
        return typeof w === 'number' ? w >>> 0 : null;
      });
      out.push({ addr, words });
    }
    return { space, rows: out };
  }

  // ---------------------------------------------------------------- batch runs (Compare)

  /**
   * Run `spec` to its end, as `vmmlab run` would (the same slices of the same loop), yielding
   * between slices; `stop()` true ends it early.
   */
  async batch(spec: MachineSpec, yieldNow: () => Promise<void>, stop: () => boolean): Promise<BatchResult> {
    const planned = this.plan(spec);
    if (!('plan' in planned)) throw new PlaygroundError(planned.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    const built = planned.plan.build();
    const max = planned.plan.settings.maxInstructions;
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let consoleText = '';
    try {
      if (built.machine) {
        const machine = built.machine;
        const endAt = machine.stats.instructions + max;
        let r = machine.run(Math.min(BATCH_SLICE, max));
        while (r.reason === 'max-instructions' && machine.stats.instructions < endAt && !stop()) {
          consoleText += decoder.decode(machine.devices.console.drain(), { stream: true });
          await yieldNow();
          r = machine.run(Math.min(BATCH_SLICE, endAt - machine.stats.instructions));
        }
        consoleText += decoder.decode(machine.devices.console.drain());
        return { mode: 'native', console: consoleText, exitCode: r.exitCode, reason: r.reason, stats: machine.stats, statsJson: mergeStats(machine.stats) };
      }
      const vmm = built.vmm!;
      const vm = vmm.vms[0]!;
      let rounds = 0;
      while (vmm.runRound(max)) {
        if (++rounds % 16 === 0) {
          consoleText += decoder.decode(vm.devices.console.drain(), { stream: true });
          await yieldNow();
          if (stop()) vmm.stopAll();
        }
      }
      consoleText += decoder.decode(vm.devices.console.drain());
      const r = vmm.result(vm);
      return { mode: vm.mode, console: consoleText, exitCode: r.exitCode, reason: r.reason, stats: vm.stats, vmm: vm.vmm, statsJson: vmStatsJson(vm) };
    } catch (e) {
      if (e instanceof OutOfHostMemory) throw new PlaygroundError(`${e.message}: the VM and its shadow/EPT tables need more (raise host memory)`);
      throw e;
    }
  }
}

function counters(view: CpuView): Counters {
  const s = view.stats;
  return {
    instructions: s.instructions,
    cycles: s.cycles,
    tlbMisses: s.tlbMisses.reduce((a, b) => a + b, 0),
    walkRefs: s.walkRefs,
    pageFaults: s.pageFaults,
    vmExits: view.vmmStats?.exitsTotal ?? 0,
  };
}
