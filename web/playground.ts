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
import { labInfo, summaryOf } from '../session/labs/catalog.ts';
import { LabStopped, type LabContext } from '../session/labs/kit.ts';
import { ScorecardPrinter, pagerCheckNames, runPagerCheck, scorecardOf, type CheckOutcome, type GradedPager, type PagerSuiteFiles } from '../session/check-pager.ts';
import { PagerLoadError, loadPagerText, type ModuleImporter } from './pager-module.ts';
import type { BatchResult, CommandResult, Counters, CpuSnapshot, DisasmLine, LabCheckResult, LintRequest, MachineSpec, MemoryView, OpenResult, PagerCheckEnd, PagerCheckStart, PagerCheckStep, Snapshot, SourceText, TablesView, WalkResult } from './protocol.ts';

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
  /** The bundled programs alone (what a path holds again when the page's copy is taken away). */
  private readonly bundled = new Map<string, string>();
  /** The paths the page's own sources are over now. */
  private overlaid = new Set<string>();
  private dbg: Debugger | undefined;
  private output = '';
  private images: Image[] = [];
  /** Gutter breakpoint ids, by the file whose gutter set them. */
  private gutter = new Map<string, number[]>();
  private events: number[] = [];

  constructor(bundled: Readonly<Record<string, string>>, private readonly onConsole: (cpu: string, text: string) => void = () => {}) {
    for (const [path, text] of Object.entries(bundled)) {
      this.files.set(normalize(path), text);
      this.bundled.set(normalize(path), text);
    }
  }

  // ---------------------------------------------------------------- sources

  /**
   * Put the page's sources over the bundled files: these and only these (a path the page no
   * longer sends holds its bundled text again, or nothing). An `.include` then reads the edited
   * copy of a file first, the bundled one where the page has none.
   */
  setFiles(sources: readonly SourceText[]): void {
    for (const path of this.overlaid) {
      const bundled = this.bundled.get(path);
      if (bundled === undefined) this.files.delete(path);
      else this.files.set(path, bundled);
    }
    this.overlaid = new Set();
    for (const s of sources) {
      const path = normalize(s.path);
      this.files.set(path, s.text);
      this.overlaid.add(path);
    }
  }

  /**
   * Run `fn` with other sources over the bundled files (a lint, a lab check), then put back the
   * ones the machine was built from: the debugger's listings show the text it runs.
   */
  private within<T>(sources: readonly SourceText[], fn: () => T): T {
    this.setFiles(sources);
    try {
      return fn();
    } finally {
      this.setFiles(this.machineSources);
    }
  }

  /** The sources the machine was built from (its program, a project's files). */
  private machineSources: readonly SourceText[] = [];

  /** A spec's sources: its files, and its program over them. */
  private specSources(spec: { program: SourceText; files?: readonly SourceText[] | undefined }): SourceText[] {
    return [...(spec.files ?? []).filter((f) => normalize(f.path) !== normalize(spec.program.path)), spec.program];
  }

  /** While a lint assembles: the files it read. */
  private reads: Set<string> | undefined;

  private readFile = (path: string): string => {
    this.reads?.add(normalize(path));
    const text = this.files.get(normalize(path));
    if (text === undefined) throw notFound(path);
    return text;
  };

  /** Assemble a source (its includes from the virtual files) without keeping it. */
  assemble(source: SourceText, origin?: number): AssembleResult {
    return assemble(source.text, { file: source.path, readFile: this.readFile, resolvePath: normalize, includePath: INCLUDE_PATH, ...(origin === undefined ? {} : { origin }) });
  }

  /**
   * The diagnostics of the editor's file. Alone, a source is assembled by itself; in a project
   * (`project`: a lab's kernel.s with trap.s, say) the project's program and its modules are, with
   * every file as edited and `source` over them, and the diagnostics of every file come back
   * (each names its file: the page shows each in its own tab).
   */
  lint(source: SourceText, project?: LintRequest): Diagnostic[] {
    if (!project) return this.within([], () => this.assemble(source).diagnostics);
    const files = [...(project.files ?? []).filter((f) => normalize(f.path) !== normalize(source.path)), source];
    return this.within(files, () => this.lintProject(source, project));
  }

  private lintProject(source: SourceText, project: LintRequest): Diagnostic[] {
    const programPath = normalize(project.program.path);
    const program = { path: programPath, text: this.files.get(programPath) ?? project.program.text };
    const reads = new Set<string>();
    this.reads = reads;
    const out = [...this.assemble(program).diagnostics];
    const seen = new Set([programPath]);
    for (const spec of project.modules ?? []) {
      let file: string;
      try {
        file = this.moduleFile(parseModuleSpec(spec).file, project.root);
      } catch (e) {
        if (e instanceof BootError || e instanceof PlaygroundError) continue;
        throw e;
      }
      if (seen.has(file)) continue;
      seen.add(file);
      out.push(...this.assemble({ path: file, text: this.files.get(file)! }, USER_ORIGIN).diagnostics);
    }
    this.reads = undefined;
    // A file of the project that neither the program nor a module reaches is assembled alone.
    if (!seen.has(normalize(source.path)) && !reads.has(normalize(source.path))) out.push(...this.assemble(source).diagnostics);
    const key = (d: Diagnostic) => `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
    return [...new Map(out.map((d) => [key(d), d])).values()];
  }

  /** A --module spec's file: as given, in the project's folder, or a bundled user program by name (`primes`, `primes.s`). */
  private moduleFile(file: string, root?: string): string {
    const candidates = [file, `${file}.s`, ...(root === undefined ? [] : [join(root, file), join(root, `${file}.s`)]), join(`${BUNDLED}/user`, file), join(`${BUNDLED}/user`, `${file}.s`)];
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
    this.machineSources = this.specSources(spec);
    this.setFiles(this.machineSources);
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
      const file = this.moduleFile(parsed.file, spec.root);
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
    this.gutter = new Map();
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
   * The breakpoints set in the gutter of the editor's `file`: one per source line that holds an
   * instruction (at its first address). They replace the earlier gutter breakpoints of that file;
   * other files' (a project's) and those set by commands stay.
   */
  setGutterBreakpoints(file: string, lines: readonly number[]): { set: number[]; refused: number[] } {
    const dbg = this.debugger;
    const path = normalize(file);
    for (const id of this.gutter.get(path) ?? []) {
      if (dbg.breakpoints.list.some((b) => b.id === id)) dbg.breakpoints.remove(id);
    }
    const ids: number[] = [];
    this.gutter.set(path, ids);
    const set: number[] = [];
    const refused: number[] = [];
    for (const line of lines) {
      const addr = this.addressOfLine(path, line);
      if (addr === undefined) {
        refused.push(line);
        continue;
      }
      ids.push(dbg.breakpoints.add({ kind: 'pc', addr }).id);
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

  // ---------------------------------------------------------------- lab checks

  /**
   * `vmmlab lab check N` on the page's files: lab N's checks (session/labs/, the code the CLI
   * runs) with the lab's folder (guest-programs/labs/NN-name/) holding the edited files over the
   * starter's, and the check programs of its check/ folder as shipped (lab 5: its study, run here
   * cell after cell). Lab 4 is graded by check-pager, check by check (beginPagerCheck): here its
   * result says so.
   */
  checkLab(number: number, sources: readonly SourceText[]): LabCheckResult {
    const lab = labInfo(number);
    if (!lab) throw new PlaygroundError(`no lab ${number}`);
    const started = Date.now();
    const base = { lab: number, title: lab.title, diagnostics: [] as Diagnostic[] };
    if (!lab.check) {
      return { ...base, error: `lab ${number} is graded by check-pager, one check at a time: beginPagerCheck, pagerCheck, finishPagerCheck`, ms: 0 };
    }
    const diagnostics: Diagnostic[] = [];
    const ctx: LabContext = {
      files: { readFile: this.readFile, resolvePath: normalize, join },
      dir: `${BUNDLED}/labs/${lab.id}`,
      bundledDir: BUNDLED,
      diagnostics: (d) => diagnostics.push(...d),
    };
    const check = lab.check;
    try {
      const checks = this.within(sources, () => check(ctx));
      return { ...base, checks, summary: summaryOf(number, checks), diagnostics, ms: Date.now() - started };
    } catch (e) {
      if (e instanceof LabStopped) return { ...base, error: e.message, diagnostics, ms: Date.now() - started };
      throw e;
    }
  }

  // ---------------------------------------------------------------- lab 4: check-pager

  /** Lab 4's check under way: the pager, the scorecard printed so far, the outcomes. */
  private pagerCheck: { pager: GradedPager; printer: ScorecardPrinter; outcomes: CheckOutcome[]; scale: number; started: number } | undefined;

  /** check-pager's guests: the bundled files (a pager's check reads none of the project's). */
  private readonly pagerSuiteFiles: PagerSuiteFiles = { files: { readFile: (p) => this.readFile(p), resolvePath: normalize, join }, bundledDir: BUNDLED };

  /**
   * `vmmlab lab check 4`, that is `vmmlab check-pager pager.js`, on the page's pager.js: load the
   * module from its text (web/pager-module.ts), and name the checks; pagerCheck runs each (the
   * suite of session/check-pager.ts, the CLI's), finishPagerCheck prints the costs and the score.
   * One check per request, so that the page shows progress and a long one can be waited for.
   * `scale` multiplies the random cases, as VMMLAB_CHECK_SCALE does.
   */
  async beginPagerCheck(source: SourceText, scale = 1, importer?: ModuleImporter): Promise<PagerCheckStart> {
    const lab = labInfo(4)!;
    const name = source.path.slice(source.path.lastIndexOf('/') + 1);
    const intro = `lab 4, ${lab.title}: checking ${name} with vmmlab check-pager ${name}\n`;
    this.pagerCheck = undefined;
    if (!/\.(m?js)$/.test(name)) {
      return { intro, names: [], error: `pager '${name}': the playground loads a JavaScript pager (.js, an ES module); a TypeScript one is checked on the command line (vmmlab check-pager ${name}), or compiled to .js first` };
    }
    let pager: GradedPager;
    try {
      pager = await loadPagerText(name, source.text, importer);
    } catch (e) {
      if (e instanceof PagerLoadError) return { intro, names: [], error: e.message };
      throw e;
    }
    const printer = new ScorecardPrinter(name);
    this.pagerCheck = { pager, printer, outcomes: [], scale, started: Date.now() };
    return { intro, header: printer.header(pager), names: pagerCheckNames() };
  }

  /** One check of the suite, by name: its result and its scorecard lines. */
  runPagerCheck(name: string): PagerCheckStep {
    const run = this.pagerCheck;
    if (!run) throw new PlaygroundError('no pager is being checked');
    const outcome = runPagerCheck(this.pagerSuiteFiles, run.pager, name, { scale: run.scale });
    run.outcomes.push(outcome);
    return { result: outcome.result, text: run.printer.result(outcome.result) };
  }

  /** The costs table and the score, and the lab's summary line (as `vmmlab lab check 4` ends). */
  finishPagerCheck(): PagerCheckEnd {
    const run = this.pagerCheck;
    if (!run) throw new PlaygroundError('no pager is being checked');
    this.pagerCheck = undefined;
    const card = scorecardOf(run.pager, run.outcomes, { scale: run.scale });
    const passed = card.checks.every((c) => c.passed);
    return {
      text: run.printer.end(card), passed, ms: Date.now() - run.started,
      summary: `lab 4: ${passed ? 'every check passes' : 'not every check passes: the scorecard above says which, and what differs'}`,
    };
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
