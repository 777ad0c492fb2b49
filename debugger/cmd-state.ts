// Commands that show or change state: registers (with, under a VMM, the real MMU state beside
// the guest's virtual control registers), memory in three address spaces, disassembly with
// symbols and source lines, statistics, VM exits, the VMs and the mode, and `set`. Registers,
// exits and the mode are formatted from the inspection model (inspect/registers.ts, exits.ts,
// machine.ts); symbols, which only the debugger knows, are added here.

import { CR, CR_NAMES } from '../isa/arch.ts';
import { REGISTER_NUMBERS } from '../isa/table.ts';
import { statsTable } from '../format/stats.ts';
import { exitLog } from '../inspect/exits.ts';
import { pagingSetup } from '../inspect/machine.ts';
import { registers, type RealMmu, type RegisterFile } from '../inspect/registers.ts';
import { isUnavailable } from '../inspect/target.ts';
import { findCommand, type Command } from './commands.ts';
import { infoDisplay } from './cmd-display.ts';
import { breakpointOptions, describeBreakpoint } from './breakpoints.ts';
import { tlb } from './cmd-mmu.ts';
import type { Debugger } from './debugger.ts';
import { CommandError, columns, hex8, parseCount, parseNumber } from './format.ts';
import { readMemory, readString, SPACE_NAMES, type Address } from './memory.ts';
import { parseAddress } from './symbols.ts';

/** One line on the CPU: mode, paging, interrupts. */
export function cpuSummary(r: RegisterFile): string {
  return `${r.supervisor ? 'supervisor' : 'user'} mode, paging ${r.paging ? 'on' : 'off'}, interrupts ${r.interrupts ? 'on' : 'off'}`;
}

function regs(dbg: Debugger, args: string[]): void {
  if (args.length > 0) throw new CommandError('regs takes no arguments');
  const view = dbg.view;
  const r = registers(dbg.target, view);
  dbg.print(`pc ${dbg.describe(view, r.pc)}   ${cpuSummary(r)}   instructions ${r.instructions.toLocaleString('en-US')}`);
  const cells = r.general.map(({ name, value }) => [name, hex8(value)]);
  const rows: string[][] = [];
  for (let i = 0; i < 16; i += 4) rows.push(cells.slice(i, i + 4).flat());
  for (const line of columns(rows)) dbg.print(line);
  const c = r.control;
  dbg.print(r.virtual ? 'guest control registers (virtual: the VM\'s own values)' : 'control registers');
  const timer = c.timer === 0 ? 'off' : `next at tick ${c.timerDeadline ?? Infinity}${c.timerPending ? ', pending' : ''}`;
  const crRows = [
    ['status', hex8(c.status), c.statusFlags.length ? c.statusFlags.join(' ') : '-', 'ptbr', hex8(c.ptbr), `root ${hex8(c.ptbrRoot)}, asid ${c.ptbrAsid}`],
    ['evec', hex8(c.evec), dbg.symbolFor(view, c.evec) ?? '', 'epc', hex8(c.epc), dbg.symbolFor(view, c.epc) ?? ''],
    ['cause', hex8(c.cause), c.trapped ? c.causeName : '(no trap yet)', 'badva', hex8(c.badva), ''],
    ['scratch', hex8(c.scratch), '', 'timer', hex8(c.timer), timer],
    ['cycle', String(c.cycle), '', 'instret', String(c.instret), ''],
  ];
  for (const line of columns(crRows)) dbg.print(line);
  if (r.realMmu) for (const line of realMmuLines(r, r.realMmu)) dbg.print(line);
}

/** Under a VMM: what the hardware MMU holds for this VM (shadow root, context, EPT). */
function realMmuLines(r: RegisterFile, m: RealMmu): string[] {
  if (!m.loaded) return [`real MMU: ${m.loadedVm ? `holds ${m.loadedVm}'s state (${r.cpu} is not loaded)` : `not set up yet (${r.cpu} has not run)`}`];
  const rows: string[][] = [
    ['stage 1', m.stage1On ? 'on' : 'off', m.stage1RootSpace === 'host-physical'
      ? `root ${hex8(m.stage1Root)} (host-physical: the shadow page directory)`
      : `root ${hex8(m.stage1Root)} (guest-physical: the guest's own table)`],
    ['context', `0x${m.context.toString(16).padStart(4, '0')}`, `vpid ${m.vpid}, asid ${m.asid}`],
    ['nested', m.nested ? `EPT root ${hex8(m.nested.root)}` : 'none', m.nested ? `host-physical, ${m.nested.levelBits.length} levels (${m.nested.levelBits.join('+')} bits)` : ''],
    ['user mode', m.userMode ? 'yes' : 'no', ''],
  ];
  return [`real MMU (${r.mode}, hardware state for ${r.cpu})`, ...columns(rows)];
}

/** What `x/NFU` asks for: a count, a format (x d u c i s) and a unit size (b h w). */
interface ExamineFormat {
  readonly count: number | undefined;
  readonly format: 'x' | 'd' | 'u' | 'c' | 'i' | 's';
  readonly size: 1 | 2 | 4;
}

const X_FORMATS = 'x/N F U: N a count; F x (hex), d (signed), u (unsigned), c (characters), i (instructions), s (string); U b (bytes), h (halves), w (words)';

function examineFormat(suffix: string): ExamineFormat {
  const m = /^(\d*)([a-z]*)$/.exec(suffix);
  if (!m) throw new CommandError(`x/${suffix}: ${X_FORMATS}`);
  let format: ExamineFormat['format'] = 'x';
  let size: ExamineFormat['size'] = 4;
  for (const letter of m[2]!) {
    if (letter === 'b') size = 1;
    else if (letter === 'h') size = 2;
    else if (letter === 'w') size = 4;
    else if ('xduics'.includes(letter)) format = letter as ExamineFormat['format'];
    else throw new CommandError(`x/${suffix}: ${X_FORMATS}`);
  }
  if (format === 'c') size = 1;
  const count = m[1] === '' ? undefined : Number(m[1]);
  if (count === 0) throw new CommandError(`x/${suffix}: the count must be at least 1`);
  return { count, format, size };
}

/** One unit of memory (1, 2 or 4 bytes, aligned), or why it cannot be read. */
function readUnit(dbg: Debugger, address: Address, size: 1 | 2 | 4): number | { error: string } {
  if (size !== 2) return readMemory(dbg.target, dbg.view, address, size);
  const lo = readMemory(dbg.target, dbg.view, address, 1);
  if (typeof lo !== 'number') return lo;
  const hi = readMemory(dbg.target, dbg.view, { space: address.space, addr: address.addr + 1 }, 1);
  return typeof hi === 'number' ? lo | (hi << 8) : hi;
}

function unitText(v: number, f: ExamineFormat): string {
  const bits = f.size * 8;
  switch (f.format) {
    case 'd': return String(bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits));
    case 'u': return String(v >>> 0);
    case 'c': return v >= 0x20 && v < 0x7f ? `'${String.fromCharCode(v)}'` : `'\\x${v.toString(16).padStart(2, '0')}'`;
    default: return f.size === 4 ? hex8(v) : f.size === 2 ? `0x${v.toString(16).padStart(4, '0')}` : v.toString(16).padStart(2, '0');
  }
}

/** `x[/NFU] ADDR [N]`: memory in any address space as numbers, characters, instructions or strings. */
function examine(dbg: Debugger, args: string[], suffix: string): void {
  const f = examineFormat(suffix);
  if (args.length < 1 || args.length > 2) throw new CommandError('usage: x[/w|/b|/s] ADDR [N]');
  if (f.count !== undefined && args.length > 1) throw new CommandError('x: give the count once (x/N ADDR or x ADDR N)');
  const view = dbg.view;
  const address = parseAddress(args[0]!, dbg.exprContext());
  const space = address.space;
  const label = (addr: number) => (space === 'v' ? dbg.describe(view, addr) : `${space}:${hex8(addr)}`);
  if (f.format === 's') {
    let addr = address.addr;
    for (let i = 0; i < (f.count ?? parseCount(args[1], 'x N', 1)); i++) {
      const s = readString(dbg.target, view, { space, addr });
      if (typeof s !== 'string') throw new CommandError(s.error);
      dbg.print(`${label(addr)}:  ${JSON.stringify(s)}`);
      addr += s.length + 1;
    }
    dbg.repeatAs = `x/${f.count ?? parseCount(args[1], 'x N', 1)}s ${spaceText(space, addr)}`;
    return;
  }
  const n = f.count ?? parseCount(args[1], 'x N', f.format === 'i' ? 1 : f.size === 1 ? 16 : 8);
  if (n > 4096) throw new CommandError('x shows at most 4096 units at a time');
  if (f.format === 'i') {
    if (space !== 'v') throw new CommandError('x/i reads guest-virtual addresses');
    const start = address.addr & ~3;
    for (let i = 0; i < n; i++) {
      const addr = (start + i * 4) >>> 0;
      dbg.print(dbg.instructionLine(view, addr, addr === view.cpu.pc >>> 0 ? '=> ' : '   '));
    }
    dbg.repeatAs = `x/${n}i ${spaceText(space, start + n * 4)}`;
    return;
  }
  const size = f.size;
  const perLine = f.format === 'x' ? 16 / size : size === 4 ? 4 : 8;
  const missing = f.format === 'x' ? '-'.repeat(size === 4 ? 10 : size === 2 ? 6 : 2) : '--';
  let firstError: string | undefined;
  const start = address.addr & ~(size - 1);
  for (let i = 0; i < n; i += perLine) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(n, i + perLine); j++) {
      const v = readUnit(dbg, { space, addr: start + j * size }, size);
      if (typeof v === 'number') cells.push(unitText(v, f));
      else {
        firstError ??= v.error;
        cells.push(missing);
      }
    }
    dbg.print(`${label(start + i * size)}:  ${cells.join(' ')}`);
  }
  if (firstError) dbg.print(`(${firstError})`);
  dbg.repeatAs = `x/${n}${f.format}${UNIT_LETTERS[size]} ${spaceText(space, start + n * size)}`;
}

const UNIT_LETTERS = { 1: 'b', 2: 'h', 4: 'w' } as const;

/** An address as `parseAddress` reads it back: `0x…`, `p:0x…`, `h:0x…`. */
function spaceText(space: Address['space'], addr: number): string {
  return `${space === 'v' ? '' : `${space}:`}${hex8(addr)}`;
}

function disas(dbg: Debugger, args: string[]): void {
  if (args.length > 2) throw new CommandError('usage: disas [ADDR] [N]');
  const view = dbg.view;
  const start = args[0] === undefined ? view.cpu.pc >>> 0 : parseAddress(args[0], dbg.exprContext()).addr & ~3;
  if (args[0] !== undefined && parseAddress(args[0], dbg.exprContext()).space !== 'v') throw new CommandError('disas reads guest-virtual addresses');
  const n = parseCount(args[1], 'disas N', 10);
  const symbols = dbg.symbols[view.index]!;
  for (let i = 0; i < n; i++) {
    const addr = (start + i * 4) >>> 0;
    const table = symbols.tableFor(addr, dbg.wordAt(view));
    const name = table?.byAddress.get(addr);
    if (name) dbg.print(`${name}:`);
    dbg.print(dbg.instructionLine(view, addr, addr === view.cpu.pc >>> 0 ? '=> ' : '   '));
  }
  dbg.repeatAs = `disas ${hex8((start + n * 4) >>> 0)} ${n}`;
}

/** Control registers the debugger may set: the ones with no effect on translation or the VMM. */
const SETTABLE_CRS = [CR.EVEC, CR.EPC, CR.CAUSE, CR.BADVA, CR.SCRATCH];

/** gdb's forms of set: `set $REG = VALUE`, `set var $REG = VALUE`, `set *ADDR = VALUE` (a word). */
function gdbSet(args: string[]): string[] | undefined {
  const text = (args[0] === 'var' || args[0] === 'variable' ? args.slice(1) : args).join(' ');
  const m = /^\s*(\$?[A-Za-z_]\w*|\*.+?)\s*=\s*(\S+)\s*$/.exec(text);
  if (!m || (!m[1]!.startsWith('$') && !m[1]!.startsWith('*') && args[0] !== 'var' && args[0] !== 'variable')) return undefined;
  return m[1]!.startsWith('*') ? ['mem', m[1]!.slice(1).trim().replace(/^\((.*)\)$/, '$1').replace(/\s+/g, ''), m[2]!] : ['reg', m[1]!, m[2]!];
}

function set(dbg: Debugger, given: string[]): void {
  const args = gdbSet(given) ?? given;
  const [what, where, valueText, extra] = args;
  const [kind, sizeSuffix] = (what ?? '').split('/');
  if (extra !== undefined || valueText === undefined || (kind !== 'reg' && kind !== 'mem')) {
    throw new CommandError('usage: set reg NAME VALUE | set mem[/b|/h|/w] ADDR VALUE');
  }
  const value = parseNumber(valueText) ?? parseAddress(valueText, dbg.exprContext()).addr;
  const cpu = dbg.focus;
  if (kind === 'reg') {
    const name = where!.replace(/^\$/, '').toLowerCase();
    if (name === 'pc') return dbg.mutate({ kind: 'set-reg', cpu, reg: 'pc', value });
    const n = REGISTER_NUMBERS.get(name);
    if (n !== undefined) {
      if (n === 0) throw new CommandError('zero is always 0');
      return dbg.mutate({ kind: 'set-reg', cpu, reg: n, value });
    }
    const crn = [...CR_NAMES].find(([, crName]) => crName === name)?.[0];
    if (crn === undefined) throw new CommandError(`no register '${where}'`);
    if (!SETTABLE_CRS.includes(crn as (typeof SETTABLE_CRS)[number])) {
      throw new CommandError(`${name} cannot be set from the debugger (it drives translation or the VMM); settable: ${SETTABLE_CRS.map((c) => CR_NAMES.get(c)).join(', ')}`);
    }
    return dbg.mutate({ kind: 'set-reg', cpu, reg: `cr${crn}`, value });
  }
  const size = sizeSuffix === undefined || sizeSuffix === 'w' ? 4 : sizeSuffix === 'h' ? 2 : sizeSuffix === 'b' ? 1 : 0;
  if (size === 0) throw new CommandError(`set mem/${sizeSuffix}: the sizes are /b, /h and /w`);
  const address = parseAddress(where!, dbg.exprContext());
  dbg.mutate({ kind: 'set-mem', cpu, space: address.space, addr: address.addr, size, value });
}

function stats(dbg: Debugger, args: string[]): void {
  if (args.length > 1 || (args[0] !== undefined && args[0] !== 'all')) throw new CommandError('usage: stats [all]');
  const views = args[0] === 'all' ? dbg.target.views : [dbg.view];
  for (const view of views) {
    dbg.print(view.vm ? `statistics: ${view.name} (${view.mode})` : 'statistics');
    dbg.print(statsTable(view.stats, view.vmmStats));
  }
}

function exits(dbg: Debugger, args: string[]): void {
  if (args.length > 1) throw new CommandError('usage: exits [N]');
  const view = dbg.view;
  const bareMetal = 'there are no VM exits on bare metal (run with --mode shadow or ept)';
  if (!view.vm) throw new CommandError(bareMetal);
  const log = exitLog(view, parseCount(args[0], 'exits N', 10));
  if (isUnavailable(log)) throw new CommandError(bareMetal);
  dbg.print(`${log.cpu}: ${log.total.toLocaleString('en-US')} VM exits; the last ${log.records.length}:`);
  const rows = [['#', 'instructions', 'pc', 'exit', 'reason', 'detail']];
  for (const r of log.records) rows.push([String(r.n), r.instructions.toLocaleString('en-US'), dbg.describe(view, r.pc), r.hardware, r.reason, r.detail || '-']);
  if (log.records.length > 0) for (const line of columns(rows)) dbg.print(line);
}

function vmCmd(dbg: Debugger, args: string[]): void {
  if (args.length > 1) throw new CommandError('usage: vm [NAME]');
  if (args.length === 1) {
    const view = dbg.target.views.find((v) => v.name === args[0]);
    if (!view) throw new CommandError(`no VM '${args[0]}' (${dbg.target.views.map((v) => v.name).join(', ')})`);
    dbg.focus = view.index;
    dbg.print(dbg.location(view));
    return;
  }
  for (const line of vmList(dbg)) dbg.print(line);
}

function vmList(dbg: Debugger): string[] {
  return columns(dbg.target.views.map((v) => [
    v.index === dbg.focus ? '*' : ' ',
    v.name,
    v.mode,
    dbg.target.stopState(v) ?? 'runnable',
    `${v.stats.instructions.toLocaleString('en-US')} instructions`,
    dbg.describe(v, v.cpu.pc),
  ]));
}

function mode(dbg: Debugger, args: string[]): void {
  if (args.length > 0) throw new CommandError('mode takes no arguments');
  const view = dbg.view;
  const setup = pagingSetup(dbg.target, view);
  const vmm = setup.vmm;
  if (!vmm) dbg.print('mode: native (bare metal: the guest\'s page tables are the hardware\'s)');
  else {
    const what = view.mode === 'shadow' ? 'shadow paging (the VMM builds shadow tables from the guest\'s; PTBR writes and faults exit)'
      : view.mode === 'agile' ? 'agile paging (shadow tables, switched to the guest\'s own leaf tables and the EPT below busy ones; PTBR writes and shadow-level faults exit)'
      : 'EPT (nested paging: the hardware walks guest tables and the EPT)';
    dbg.print(`mode: ${view.vm?.mode === 'dynamic' ? `dynamic, now under ${what}` : what}`);
    dbg.print(`VM ${view.name} (${vmm.index + 1} of ${vmm.count}), VPID ${vmm.vpid ? 'on' : 'off'}, quantum ${vmm.quantum.toLocaleString('en-US')}`);
    if (view.mode === 'ept') dbg.print(`EPT: ${vmm.ept.levels} levels${vmm.ept.largePages ? ', large pages' : ''}`);
    else dbg.print(`shadow: ${vmm.shadow.cacheRoots} cached roots, unshadow after ${vmm.shadow.floodThreshold} writes`);
  }
  const r = registers(dbg.target, view);
  const c = r.control;
  dbg.print(`guest: ${cpuSummary(r)}${r.paging ? `, root ${hex8(c.ptbrRoot)}, asid ${c.ptbrAsid}` : ''}`);
}

/** `print EXPR`: a value as hex and decimal, numbered as gdb numbers its value history. */
function print(dbg: Debugger, args: string[], suffix: string): void {
  if (suffix !== '') throw new CommandError('print takes no /FORMAT (it shows hex and decimal)');
  if (args.length === 0) throw new CommandError('usage: print EXPR');
  const value = dbg.evaluateValue(args[0]!) >>> 0;
  dbg.values.push(value);
  const signed = value | 0;
  dbg.print(`$${dbg.values.length} = ${hex8(value)} (${value}${signed < 0 ? `, ${signed}` : ''})`);
}

function info(dbg: Debugger, args: string[]): void {
  const [what, ...rest] = args;
  const view = dbg.view;
  switch (what) {
    case 'registers': case 'reg': case 'r':
      return regs(dbg, rest);
    case 'tlb':
      return tlb(dbg, rest);
    case 'vm':
      return vmCmd(dbg, rest);
    case 'display':
      return infoDisplay(dbg);
    case 'stack': case 's':
      return void findCommand('backtrace')!.run(dbg, rest, '');
    case 'breakpoints': case 'b': case 'break': case 'watchpoints': {
      // gdb's info watchpoints lists the watchpoints alone.
      const watchOnly = what === 'watchpoints';
      const list = dbg.breakpoints.list.filter((bp) => !watchOnly || bp.kind === 'watch');
      if (list.length === 0) return dbg.print(watchOnly ? 'no watchpoints' : 'no breakpoints');
      const rows = [['#', 'on', 'hits', 'what']];
      for (const bp of list) rows.push([String(bp.id), bp.enabled ? 'y' : 'n', String(bp.hits), describeBreakpoint(bp, (a) => dbg.describe(view, a)) + breakpointOptions(bp)]);
      for (const line of columns(rows)) dbg.print(line);
      return;
    }
    case 'checkpoints':
      if (dbg.checkpoints.length === 0) return dbg.print('no checkpoints');
      for (const cp of dbg.checkpoints) dbg.print(`  ${cp.id}  ${cp.where}`);
      return;
    case 'vms':
      for (const line of vmList(dbg)) dbg.print(line);
      return;
    case 'hash':
      dbg.print(`${view.name} guest-physical memory hash ${dbg.target.memoryHash(view)}`);
      return;
    case 'symbols': case 'symbol': {
      const pattern = rest[0];
      const names = dbg.symbols[view.index]!.names().filter((n) => pattern === undefined || n.includes(pattern));
      for (const n of names) dbg.print(`  ${hex8(dbg.symbols[view.index]!.lookup(n))}  ${n}`);
      return;
    }
    case 'spaces':
      for (const [k, v] of Object.entries(SPACE_NAMES)) dbg.print(`  ${k}:ADDR  ${v}`);
      return;
    default:
      throw new CommandError(`info what? (breakpoints, watchpoints, display, checkpoints, vms, hash, symbols [PATTERN], spaces, registers, tlb, vm, stack)`);
  }
}

export const STATE_COMMANDS: readonly Command[] = [
  { name: 'regs', aliases: ['r', 'registers', 'info-registers'], usage: 'regs', summary: 'registers; under a VMM also the real MMU state', run: regs },
  {
    name: 'x', usage: 'x[/NFU] ADDR [N]', repeats: true, summary: 'memory as words, bytes or a string',
    help: 'ADDR is guest-virtual (through the guest\'s tables), p:ADDR guest-physical or h:ADDR\nhost-physical; expressions such as $sp+8 or proc+64 work. x/w N words (default 8), x/b N\nbytes (default 16), x/s a NUL-terminated string.\n' +
      'As gdb\'s x/NFU: N the count; F x (hex, the default), d (signed), u (unsigned), c (characters),\ni (instructions, default 1), s (strings); U b, h (2 bytes) or w. x/4dw $sp, x/3i $pc, x/8c msg.',
    complete: (dbg) => dbg.symbols[dbg.focus]!.names(), run: examine,
  },
  { name: 'disas', aliases: ['disassemble', 'l', 'list'], usage: 'disas [ADDR] [N]', repeats: true, summary: 'N instructions (default 10) from ADDR (default pc), with source', complete: (dbg) => dbg.symbols[dbg.focus]!.names(), run: disas },
  { name: 'set', usage: 'set reg|mem[/b|/h] WHERE VALUE', summary: 'change a register or memory word (recorded: replays redo it)',
    help: 'set reg NAME VALUE             a general register, pc, or evec/epc/cause/badva/scratch\nset mem[/b|/h|/w] ADDR VALUE   a byte, half or word of memory (any address space)\nset $NAME = VALUE              gdb\'s form of set reg (also set var $NAME = VALUE)\nset *ADDR = VALUE              gdb\'s form of set mem (a word)\nA memory write goes around the MMU and the VMM: no TLB flush, and a shadow built from a\npage table it changes is not updated. Both are recorded, so replays (reverse-step) redo them.', complete: (_dbg, args) => (args.length === 0 ? ['reg', 'mem'] : []), run: set },
  { name: 'stats', usage: 'stats [all]', summary: 'statistics, as run --stats prints them', complete: () => ['all'], run: stats },
  { name: 'exits', usage: 'exits [N]', summary: 'the last N VM exits (default 10) with reason and qualification', run: exits },
  { name: 'vm', usage: 'vm [NAME]', summary: 'list the VMs, or focus one', complete: (dbg) => dbg.target.views.map((v) => v.name), run: vmCmd },
  { name: 'mode', usage: 'mode', summary: 'native, shadow or EPT, and the guest\'s paging state', run: mode },
  { name: 'info', aliases: ['i'], usage: 'info WHAT', summary: 'breakpoints, watchpoints, display, checkpoints, vms, hash (a memory fingerprint), symbols, …',
    help: 'info breakpoints       the breakpoints, watchpoints and event breaks, with hit counts\ninfo watchpoints       the watchpoints alone\ninfo display           the display expressions (see display)\ninfo stack             as backtrace (also: info s)\ninfo checkpoints       the checkpoints (see restore)\ninfo vms               the VMs (as vm)\ninfo hash              a fingerprint of guest-physical memory\ninfo symbols [PATTERN] symbols and their addresses\ninfo spaces            the address-space prefixes\ninfo registers         as regs (also: info reg, info r)\ninfo tlb               as tlb\ninfo vm [NAME]         as vm: list the VMs, or focus one',
    complete: () => ['breakpoints', 'watchpoints', 'display', 'stack', 'checkpoints', 'vms', 'hash', 'symbols', 'spaces', 'registers', 'tlb', 'vm'], run: info },
  {
    name: 'print', aliases: ['p'], usage: 'print EXPR', verbatim: true, summary: 'the value of EXPR in hex and decimal, as $N',
    help: 'EXPR: numbers, symbols, registers ($a0 or a0, pc, control registers), sums and differences\n(proc+64, $sp-4), $N for the value printed as $N, and *ADDR for the 32-bit word at ADDR\n(guest-virtual, p:ADDR guest-physical, h:ADDR host-physical: *$sp+8, *p:0x2000).\nA == B and A != B give 1 or 0 (for break LOC if EXPR).',
    complete: (dbg) => dbg.symbols[dbg.focus]!.names(), run: print,
  },
];
