// The scopes of a stack frame and their variables, formatted from the inspection model as the
// REPL's `regs`, `mode` and `stats` format it (STYLE.md lesson 13): the frame's registers, the
// guest's control registers (under a VMM the VM's virtual ones), the real MMU (what the hardware
// holds for the VM: the shadow root or the EPT, the context) with the paging setup, and the
// statistics. Nothing here reads the machine except through inspect/ and the debugger's engine.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { pagingSetup } from '../inspect/machine.ts';
import { registers } from '../inspect/registers.ts';
import type { Frame } from '../debugger/backtrace.ts';
import type { Debugger } from '../debugger/debugger.ts';
import { hex8 } from '../debugger/format.ts';
import type { CpuView } from '../debugger/target.ts';

/** A variable before it has a handle: children are made on demand. */
export interface VariableItem {
  readonly name: string;
  readonly value: string;
  readonly memoryReference?: string;
  readonly evaluateName?: string;
  /** Which REPL `set reg` name sets it, when it can be set. */
  readonly settable?: string;
  readonly children?: () => VariableItem[];
}

export interface ScopeItem {
  readonly name: string;
  readonly presentationHint?: DebugProtocol.Scope['presentationHint'];
  readonly expensive: boolean;
  readonly variables: () => VariableItem[];
}

/** Control registers `set reg` accepts (debugger/cmd-state.ts SETTABLE_CRS). */
const SETTABLE = new Set(['evec', 'epc', 'cause', 'badva', 'scratch']);

/** An address with its symbol: `0x00001000 <_start>`. */
function addressValue(dbg: Debugger, view: CpuView, value: number): string {
  const name = dbg.symbolFor(view, value);
  return name ? `${hex8(value)} <${name}>` : hex8(value);
}

function register(dbg: Debugger, view: CpuView, name: string, value: number, settable = true): VariableItem {
  return { name, value: addressValue(dbg, view, value), memoryReference: hex8(value), evaluateName: `$${name}`, ...(settable ? { settable: name } : {}) };
}

/** The frame's registers: all of them in frame 0; in a caller, the ones the walk recovered. */
function frameRegisters(dbg: Debugger, view: CpuView, frame: Frame): VariableItem[] {
  if (frame.level === 0) {
    const r = registers(dbg.target, view);
    return [register(dbg, view, 'pc', r.pc), ...r.general.map((g) => register(dbg, view, g.name, g.value, g.name !== 'zero'))];
  }
  const known: VariableItem[] = [register(dbg, view, 'pc', frame.pc, false), register(dbg, view, 'sp', frame.sp, false)];
  if (frame.ra !== undefined) known.push(register(dbg, view, 'ra', frame.ra, false));
  known.push({ name: '(others)', value: 'not saved by the calling convention: see frame 0' });
  return known;
}

function controlRegisters(dbg: Debugger, view: CpuView): VariableItem[] {
  const c = registers(dbg.target, view).control;
  const cr = (name: string, value: number, detail: string): VariableItem => ({
    name,
    value: detail ? `${hex8(value)} (${detail})` : hex8(value),
    memoryReference: hex8(value),
    evaluateName: `$${name}`,
    ...(SETTABLE.has(name) ? { settable: name } : {}),
  });
  return [
    cr('status', c.status, c.statusFlags.join(' ') || '-'),
    cr('ptbr', c.ptbr, `root ${hex8(c.ptbrRoot)}, asid ${c.ptbrAsid}`),
    cr('evec', c.evec, dbg.symbolFor(view, c.evec) ?? ''),
    cr('epc', c.epc, dbg.symbolFor(view, c.epc) ?? ''),
    cr('cause', c.cause, c.trapped ? c.causeName : 'no trap yet'),
    cr('badva', c.badva, ''),
    cr('scratch', c.scratch, ''),
    cr('timer', c.timer, c.timer === 0 ? 'off' : `next at tick ${c.timerDeadline ?? 'none'}${c.timerPending ? ', pending' : ''}`),
    { name: 'cycle', value: String(c.cycle) },
    { name: 'instret', value: String(c.instret) },
  ];
}

/** What the hardware MMU holds for this VM, and how its memory is virtualized. */
function realMmuVariables(dbg: Debugger, view: CpuView): VariableItem[] {
  const r = registers(dbg.target, view);
  const m = r.realMmu;
  const setup = pagingSetup(dbg.target, view);
  const out: VariableItem[] = [{ name: 'mode', value: view.mode }];
  if (!m || !m.loaded) {
    out.push({ name: 'loaded', value: m?.loadedVm ? `no: the MMU holds ${m.loadedVm}'s state` : `no: ${view.name} has not run yet` });
  } else {
    out.push(
      { name: 'stage 1', value: m.stage1On ? 'on' : 'off' },
      { name: 'stage 1 root', value: `${hex8(m.stage1Root)} (${m.stage1RootSpace === 'host-physical' ? 'host-physical: the shadow page directory' : 'guest-physical: the guest\'s own table'})`, memoryReference: `${m.stage1RootSpace === 'host-physical' ? 'h' : 'p'}:${hex8(m.stage1Root)}` },
      { name: 'context', value: `0x${m.context.toString(16).padStart(4, '0')} (vpid ${m.vpid}, asid ${m.asid})` },
      { name: 'nested', value: m.nested ? `EPT root ${hex8(m.nested.root)}, ${m.nested.levelBits.length} levels (${m.nested.levelBits.join('+')} bits)` : 'none', ...(m.nested ? { memoryReference: `h:${hex8(m.nested.root)}` } : {}) },
      { name: 'user mode', value: m.userMode ? 'yes' : 'no' },
    );
  }
  const vmm = setup.vmm;
  if (vmm) {
    out.push({
      name: 'setup',
      value: `VM ${vmm.index + 1} of ${vmm.count}`,
      children: () => [
        { name: 'vpid', value: vmm.vpid ? 'on' : 'off' },
        { name: 'quantum', value: String(vmm.quantum) },
        ...(view.mode === 'ept'
          ? [{ name: 'EPT levels', value: String(vmm.ept.levels) }, { name: 'EPT large pages', value: vmm.ept.largePages ? 'yes' : 'no' }]
          : [{ name: 'shadow roots cached', value: String(vmm.shadow.cacheRoots) }, { name: 'unshadow after writes', value: String(vmm.shadow.floodThreshold) }, { name: 'shadow sync', value: vmm.shadow.sync }]),
      ],
    });
  }
  return out;
}

/** Plain data as a tree of variables. */
function tree(value: unknown): Pick<VariableItem, 'value' | 'children'> {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return { value: Array.isArray(value) ? `[${entries.length}]` : `{${entries.length === 0 ? '' : '…'}}`, children: () => entries.map(([k, v]) => ({ name: k, ...tree(v) })) };
  }
  return { value: typeof value === 'number' ? value.toLocaleString('en-US') : String(value) };
}

function statistics(view: CpuView): VariableItem[] {
  const stats = tree(view.stats.toJSON()).children!();
  if (!view.vmmStats) return stats;
  return [...stats, { name: 'vmm', ...tree(view.vmmStats.toJSON()) }];
}

export function scopesOf(dbg: Debugger, view: CpuView, frame: Frame): ScopeItem[] {
  const scopes: ScopeItem[] = [
    { name: 'Registers', presentationHint: 'registers', expensive: false, variables: () => frameRegisters(dbg, view, frame) },
    { name: view.vm ? 'Guest control registers (virtual)' : 'Control registers', presentationHint: 'registers', expensive: false, variables: () => controlRegisters(dbg, view) },
  ];
  if (view.vm) scopes.push({ name: `Real MMU (${view.mode})`, expensive: false, variables: () => realMmuVariables(dbg, view) });
  scopes.push({ name: 'Statistics', expensive: false, variables: () => statistics(view) });
  return scopes;
}
