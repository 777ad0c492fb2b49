// The debugger's state and its command loop body: the machine (target.ts), symbols per CPU,
// breakpoints, the replay log and checkpoints, which CPU has the focus, and the output. One
// line of input goes through `execute`: it finds the command in the table (commands.ts), runs
// it, and turns a CommandError into one `error:` line, so a bad command never ends a session.
//
// The debugger attaches from outside: it runs the machine through Target and reads its state;
// the emulator and the VMM know nothing of it. Files (scripts, source lines) come in through a
// DebugHost, so the engine runs with no file system behind it (a web worker) as well as in Node.

import { CR } from '../isa/arch.ts';
import { REGISTER_NUMBERS } from '../isa/table.ts';
import { disassemble } from '../assembler/disassembler.ts';
import { red } from '../format/text.ts';
import { Breakpoints, type CheckContext } from './breakpoints.ts';
import { findCommand } from './commands.ts';
import { describeTlbRules } from './tlb-rules-report.ts';
import { CommandError, hex8 } from './format.ts';
import { NO_FILES, type DebugHost } from './host.ts';
import { History, type LogEntry, type Mutation } from './history.ts';
import type { StopInfo } from './engine.ts';
import { readMemory, writeMemory } from './memory.ts';
import { SourceFiles, SymbolTable, isRegisterName, parseAddress, shortLocation, type ExprContext, type WordAt } from './symbols.ts';
import type { SourceLocation } from '../isa/image.ts';
import { Target, type CpuView, type TargetPlan } from './target.ts';

/** Console bytes as text, as Buffer's toString('utf8') decodes them (a byte-order mark stays). */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Where the debugger writes (stdout, or a string in tests). */
export interface DebugOutput {
  write(text: string): void;
  readonly color: boolean;
  /**
   * Where guest console output goes when it is kept apart from the debugger's (the playground's
   * console pane). Without it, it is written inline, prefixed by the VM's name with several VMs.
   */
  console?(view: CpuView, text: string): void;
}

/** One instruction as data: what `disas`, `x/i` and a DAP client's disassembly show. */
export interface InstructionInfo {
  readonly addr: number;
  /** The word there, or why it cannot be read (unmapped, outside memory). */
  readonly word: number | undefined;
  readonly error?: string;
  /** Disassembly with symbols for branch targets. */
  readonly text: string;
  /** `scheduler+12`, `primes:main`. */
  readonly symbol: string | undefined;
  /** The image the address belongs to: 'kernel' or a module's name. */
  readonly image: string | undefined;
  readonly location: SourceLocation | undefined;
}

/** An expression shown after every stop (`display`). */
export interface Display {
  readonly id: number;
  readonly expr: string;
  /** The /FMT given: '' (hex and decimal), x, d, u, or anything x takes (i, s, counts, units). */
  readonly format: string;
  enabled: boolean;
}

/** How much of the machine's past the debugger keeps (target.ts, snapshots.ts). */
export interface HistoryOptions {
  /** The most bytes the snapshots may hold together (default: DEFAULT_HISTORY_BYTES). */
  readonly bytes?: number;
  /** Instructions between snapshots, before the budget thins them (default: SNAPSHOT_INTERVAL). */
  readonly interval?: number;
}

export interface Checkpoint {
  readonly id: number;
  readonly log: readonly LogEntry[];
  readonly focus: number;
  readonly where: string;
}

export class Debugger {
  readonly target: Target;
  readonly symbols: SymbolTable[];
  readonly breakpoints = new Breakpoints();
  readonly history = new History();
  readonly checkpoints: Checkpoint[] = [];
  nextCheckpoint = 1;
  /** Index of the CPU commands look at. */
  focus = 0;
  /** Round-robin position of `continue` across VMs: the VM whose turn it is and what it used. */
  turn = { index: 0, used: 0 };
  /** Set by Ctrl-C (interrupt()); a running command stops at its next slice boundary. */
  interrupted = false;
  running = false;
  /** The command an empty line repeats. */
  lastRepeatable: string | undefined;
  /** What an empty line runs after this command instead of its own text (x and disas go on where they stopped). */
  repeatAs: string | undefined;
  /** The values `print` showed, `$1` first (gdb's value history). */
  readonly values: number[] = [];
  /** Commands that failed (the exit status of a script). */
  errors = 0;
  /** Why the machine last stopped (every movement sets it), and how many stops there were. */
  lastStop: StopInfo | undefined;
  stops = 0;
  /** Print where a CPU stopped after each movement (a DAP client shows it in its editor instead). */
  printLocations = true;
  /** `display` expressions, shown after every stop. */
  readonly displays: Display[] = [];
  nextDisplay = 1;
  private atLineStart = true;
  /** What breakpoint checks need: the machine and how to name an address. */
  readonly checkContext: CheckContext;

  /** Source lines for listings, read through the host. */
  readonly sources: SourceFiles;

  constructor(plan: TargetPlan, readonly out: DebugOutput, readonly host: DebugHost = NO_FILES, history: HistoryOptions = {}) {
    this.target = new Target(plan, history.bytes, history.interval);
    this.symbols = plan.plans.map((p) => new SymbolTable(p));
    this.sources = new SourceFiles((file) => {
      const r = host.readText(file);
      return 'text' in r ? r.text : undefined;
    });
    this.checkContext = {
      target: this.target,
      describe: (view, addr) => this.describe(view, addr),
      imageAt: (view, addr) => this.symbols[view.index]!.tableFor(addr, this.wordAt(view))?.name,
      evaluate: (view, text) => this.evaluateValue(text, view),
    };
  }

  get view(): CpuView {
    return this.target.views[this.focus]!;
  }

  get multiple(): boolean {
    return this.target.views.length > 1;
  }

  // ---------------------------------------------------------------- output

  print(text = ''): void {
    this.write(text + '\n');
  }

  private write(text: string): void {
    if (!this.atLineStart) text = '\n' + text;
    this.out.write(text);
    this.atLineStart = true;
  }

  /** Guest console output since the last call, as it came (prefixed by VM name with several VMs). */
  flushConsole(): void {
    for (const view of this.target.views) {
      const chunk = UTF8.decode(this.target.drainConsole(view));
      if (chunk === '') continue;
      if (this.out.console) {
        this.out.console(view, chunk);
        continue;
      }
      const text = this.multiple ? chunk.replace(/^(?=.)/gm, `[${view.name}] `) : chunk;
      this.out.write(text);
      this.atLineStart = text.endsWith('\n');
    }
  }

  // ---------------------------------------------------------------- naming addresses

  /** Reads code at a virtual address of a CPU (to tell user modules apart). */
  wordAt(view: CpuView): WordAt {
    return (va) => {
      const w = readMemory(this.target, view, { space: 'v', addr: va }, 4);
      return typeof w === 'number' ? w : undefined;
    };
  }

  /** `scheduler+12`, or undefined; with `image`, in that image's symbols if it covers the address. */
  symbolFor(view: CpuView, addr: number, image?: string): string | undefined {
    return this.symbols[view.index]!.describe(addr, this.wordAt(view), image);
  }

  /** `0x00002f10 <scheduler+12>`. */
  describe(view: CpuView, addr: number, image?: string): string {
    const name = this.symbolFor(view, addr, image);
    return name ? `${hex8(addr)} <${name}>` : hex8(addr);
  }

  /** One instruction as data: the word, its disassembly, symbol, image and source line. */
  instructionInfo(view: CpuView, addr: number): InstructionInfo {
    addr >>>= 0;
    const wordAt = this.wordAt(view);
    const w = readMemory(this.target, view, { space: 'v', addr }, 4);
    const symbols = this.symbols[view.index]!;
    const table = symbols.tableFor(addr, wordAt);
    const word = typeof w === 'number' ? w : undefined;
    return {
      addr,
      word,
      ...(typeof w === 'number' ? {} : { error: w.error }),
      text: typeof w === 'number' ? disassemble(w, addr, table?.byAddress) : `(${w.error})`,
      symbol: symbols.describe(addr, wordAt),
      image: table?.name,
      location: symbols.location(addr, wordAt),
    };
  }

  /** One instruction: address, symbol, disassembly, source line. */
  instructionLine(view: CpuView, addr: number, marker = ''): string {
    const info = this.instructionInfo(view, addr);
    const word = info.word !== undefined ? info.word.toString(16).padStart(8, '0') : '--------';
    const loc = info.location;
    const source = loc ? `${shortLocation(loc)}  ${this.sources.line(loc) ?? ''}`.trimEnd() : '';
    const where = info.symbol ? `${hex8(addr)} <${info.symbol}>` : hex8(addr);
    return `${marker}${where.padEnd(32)} ${word}  ${info.text.padEnd(24)} ${source}`.trimEnd();
  }

  /** Where a CPU is stopped. */
  location(view: CpuView): string {
    const prefix = this.multiple ? `[${view.name}] ` : '';
    return prefix + this.instructionLine(view, view.cpu.pc >>> 0);
  }

  prompt(): string {
    const view = this.view;
    const pc = view.cpu.pc >>> 0;
    const name = this.symbolFor(view, pc);
    return `vmmlab[${this.multiple ? `${view.name} ` : ''}${hex8(pc)}${name ? ` ${name}` : ''}]> `;
  }

  // ---------------------------------------------------------------- expressions and changes

  exprContext(view: CpuView = this.view): ExprContext {
    return { symbols: this.symbols[view.index]!, register: (name) => readRegister(view, name) };
  }

  /**
   * A value for `print` and breakpoint conditions: an address expression (symbols, `$reg`, sums)
   * where a bare register name (`a0`) reads the register unless a symbol has that name, `$N` is
   * the value `print` showed as $N, and a leading `*` reads the 32-bit word at the address the
   * rest names (with its space prefix: `*p:0x2000`). `A == B` and `A != B` are 1 or 0.
   * With `readWords` false a `*ADDR` is 0: the text is checked, memory that may be mapped by the
   * time it counts is not read.
   */
  evaluateValue(text: string, view: CpuView = this.view, readWords = true): number {
    const comparison = /^(.*?)(==|!=)(.*)$/.exec(text);
    if (comparison) {
      const equal = this.evaluateValue(comparison[1]!, view, readWords) === this.evaluateValue(comparison[3]!, view, readWords);
      return equal === (comparison[2] === '==') ? 1 : 0;
    }
    let src = text.trim();
    if (src.startsWith('*')) {
      const address = parseAddress(this.valueTerms(src.slice(1).trim().replace(/^\((.*)\)$/, '$1'), view), this.exprContext(view));
      if (!readWords) return 0;
      if ((address.addr & 3) !== 0) throw new CommandError(`${hex8(address.addr)} is not aligned to 4 bytes`);
      const w = readMemory(this.target, view, address, 4);
      if (typeof w !== 'number') throw new CommandError(w.error);
      return w;
    }
    src = this.valueTerms(src, view);
    const m = /^([vph]):(.*)$/.exec(src);
    return parseAddress(m ? m[2]! : src, this.exprContext(view)).addr;
  }

  /** `$N` to its value, a bare register name to `$name` (when no symbol has the name). */
  private valueTerms(text: string, view: CpuView): string {
    const symbols = this.symbols[view.index]!;
    return text
      .replace(/\$(\d+)\b/g, (_, n: string) => {
        const v = this.values[Number(n) - 1];
        if (v === undefined) throw new CommandError(`history has no value $${n}${this.values.length ? ` (have $1-$${this.values.length})` : ''}`);
        return hex8(v);
      })
      .replace(/(?<![\w$.:])([A-Za-z_]\w*)(?![\w.:])/g, (name: string) => {
        const lower = name.toLowerCase();
        if (!isRegisterName(lower)) return name;
        try {
          symbols.lookup(name);
          return name;
        } catch {
          return `$${lower}`;
        }
      });
  }

  /** Apply a change the user made and record it, so replays make it again. */
  mutate(m: Mutation): void {
    this.apply(m);
    this.history.recordMutation(m);
  }

  readonly apply = (m: Mutation): void => {
    const view = this.target.views[m.cpu]!;
    if (m.kind === 'set-reg') {
      if (m.reg === 'pc') view.cpu.pc = m.value >>> 0;
      else if (typeof m.reg === 'number') view.cpu.regs[m.reg] = m.reg === 0 ? 0 : m.value;
      else view.cpu.cr[Number(m.reg.slice(2))] = m.value;
    } else if (m.kind === 'console-input') {
      this.target.feedConsole(view, m.bytes);
    } else {
      writeMemory(this.target, view, { space: m.space, addr: m.addr }, m.value, m.size);
    }
  };

  // ---------------------------------------------------------------- stops and displays

  /** Record why the machine stopped (engine.ts calls it after every movement). */
  noteStop(info: StopInfo): void {
    this.lastStop = info;
    this.stops++;
  }

  /** Show every enabled `display` (after a stop, and for `display` alone), or the ones given. */
  showDisplays(which: readonly Display[] = this.displays): void {
    const repeatAs = this.repeatAs;
    try {
      for (const d of which) if (d.enabled) showDisplay(this, d);
    } finally {
      // A display through x must not change what an empty line repeats.
      this.repeatAs = repeatAs;
    }
  }

  // ---------------------------------------------------------------- the loop body

  /** Stop a running command at its next slice boundary (Ctrl-C). */
  interrupt(): void {
    this.interrupted = true;
  }

  /** Run one line of input. Returns 'quit' when the session should end. */
  async execute(line: string): Promise<'quit' | undefined> {
    let text = line.trim();
    if (text.startsWith('#')) return undefined;
    if (text === '') {
      if (this.lastRepeatable === undefined) return undefined;
      text = this.lastRepeatable;
    }
    const [word, ...words] = text.split(/\s+/);
    const slash = word!.indexOf('/');
    const name = slash > 0 ? word!.slice(0, slash) : word!;
    const suffix = slash > 0 ? word!.slice(slash + 1) : '';
    const command = findCommand(name);
    try {
      if (!command) throw new CommandError(`unknown command '${name}' (try 'help')`);
      const rest = text.slice(word!.length).trimStart();
      const args = command.verbatim ? (rest === '' ? [] : [rest]) : words;
      this.repeatAs = undefined;
      const result = await command.run(this, args, suffix);
      if (command.repeats) this.lastRepeatable = this.repeatAs ?? text;
      return result === 'quit' ? 'quit' : undefined;
    } catch (e) {
      this.errors++;
      const label = red(this.out.color, e instanceof CommandError ? 'error:' : 'internal error:');
      const detail = e instanceof CommandError || !this.host.stackTraces ? (e as Error).message : (e as Error).stack;
      this.print(`${label} ${detail}`);
      return undefined;
    } finally {
      this.flushConsole();
      this.reportTlbRules();
    }
  }

  /** With --check-tlb-rules: say once when a CPU first uses a stale translation (a replay finds it again). */
  private reportTlbRules(): void {
    for (const checked of this.target.session.tlbRules) {
      const first = checked.checker.first;
      if (first === undefined) continue;
      const key = `${checked.name}@${first.access.instret}`;
      if (this.tlbRulesReported.has(key)) continue;
      this.tlbRulesReported.add(key);
      const prefix = `tlb rules: ${this.target.views.length > 1 ? `${checked.name}: ` : ''}`;
      for (const line of describeTlbRules(checked)) this.print(`${prefix}${line}`);
    }
  }

  private readonly tlbRulesReported = new Set<string>();
}

/** One display: `1: a0 = 0x0000002a (42)`, or `1: x/2i $pc` and what x shows. */
function showDisplay(dbg: Debugger, d: Display): void {
  const label = `${d.id}: ${d.format && !VALUE_FORMATS.includes(d.format) ? `x/${d.format} ` : ''}${d.expr}`;
  try {
    if (VALUE_FORMATS.includes(d.format)) {
      const value = dbg.evaluateValue(d.expr) >>> 0;
      dbg.print(`${label} = ${formatValue(value, d.format)}`);
      return;
    }
    const x = findCommand('x')!;
    dbg.print(label);
    void x.run(dbg, [d.expr], d.format);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    dbg.print(`${label}: error: ${e.message}`);
  }
}

/** Display formats that show a value, not memory: as print (''), hex, signed or unsigned decimal. */
export const VALUE_FORMATS: readonly string[] = ['', 'x', 'd', 'u'];

/** A 32-bit value as print shows it (hex and decimal), or in one display format. */
export function formatValue(value: number, format = ''): string {
  const signed = value | 0;
  if (format === 'x') return hex8(value);
  if (format === 'd') return String(signed);
  if (format === 'u') return String(value >>> 0);
  return `${hex8(value)} (${value >>> 0}${signed < 0 ? `, ${signed}` : ''})`;
}

/** A register by name: pc, general (r0-r15, ABI names), control (status, ptbr, …). */
export function readRegister(view: CpuView, name: string): number | undefined {
  if (name === 'pc') return view.cpu.pc >>> 0;
  const n = REGISTER_NUMBERS.get(name);
  if (n !== undefined) return view.cpu.regs[n]! >>> 0;
  const crn = (CR as Record<string, number>)[name.toUpperCase()];
  return crn === undefined ? undefined : view.cpu.readCr(crn) >>> 0;
}
