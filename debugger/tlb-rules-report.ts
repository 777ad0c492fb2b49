// `--check-tlb-rules` for run, debug and exp: attach a TLB-rule checker (emulator/tlb-rules.ts)
// to the machine or to every VM, and say what it found in the words of the guest's source: the
// access that used a stale translation and the page-table store that made it stale, each with its
// pc, symbol and source line.

import type { Machine } from '../emulator/machine.ts';
import { TlbRuleChecker, type TlbRuleViolation } from '../emulator/tlb-rules.ts';
import type { Vm } from '../hypervisor/vm.ts';
import type { Image } from '../isa/image.ts';
import type { BootModule } from '../emulator/boot.ts';
import { SymbolTable, shortLocation } from './symbols.ts';

export const CHECK_TLB_RULES_HELP = `  --check-tlb-rules         report the first access that used a translation made stale by a
                            page-table store that was never invalidated (invlpg, tlbflush or a PTBR
                            write), with both pcs and source lines; the same in every mode`;

/** One checked CPU: the machine, or a VM. */
export interface CheckedCpu {
  readonly name: string;
  readonly checker: TlbRuleChecker;
  readonly symbols: SymbolTable;
}

export function checkMachine(machine: Machine, kernel: Image, modules: readonly BootModule[], asidTagging: boolean): CheckedCpu {
  const mem = machine.mem;
  const read = (gpa: number): number | undefined => (gpa >= 0 && gpa + 4 <= mem.sizeBytes ? mem.i32[gpa >>> 2]! : undefined);
  return { name: 'machine', checker: new TlbRuleChecker(machine.cpu, machine.stats, read, asidTagging), symbols: new SymbolTable({ kernel, modules: [...modules] }) };
}

export function checkVm(vm: Vm, kernel: Image, modules: readonly BootModule[], asidTagging: boolean): CheckedCpu {
  const checker = new TlbRuleChecker(vm.cpu, vm.stats, (gpa) => vm.peekWord(gpa), asidTagging);
  return { name: vm.name, checker, symbols: new SymbolTable({ kernel, modules: [...modules] }) };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** `0x00400124 (primes:main+12, primes.s:31)` */
function where(symbols: SymbolTable, pc: number, word: number | undefined): string {
  const wordAt = (va: number): number | undefined => ((va & ~3) === (pc & ~3) ? word : undefined);
  const name = symbols.describe(pc, wordAt);
  const loc = symbols.location(pc, wordAt);
  const parts = [name, loc ? shortLocation(loc) : undefined].filter((x) => x !== undefined);
  return parts.length > 0 ? `${hex(pc)} (${parts.join(', ')})` : hex(pc);
}

/** The report's lines, without a prefix. */
export function describeTlbRules(cpu: CheckedCpu): string[] {
  const v: TlbRuleViolation | undefined = cpu.checker.first;
  if (v === undefined) return ['no stale translation was used'];
  const { access, store } = v;
  const now = v.now.guestPhys < 0 ? 'the tables now say it faults' : `the tables now say ${hex(v.now.guestPhys)}`;
  const lines = [
    `the ${access.kind} at ${where(cpu.symbols, access.pc, access.word)} of VA ${hex(access.va)} (ASID ${access.asid}, instruction ${access.instret}) may use a stale translation: it was cached as guest-physical ${hex(v.cached.guestPhys)}, ${now}`,
  ];
  if (store) {
    lines.push(`  the entry at guest-physical ${hex(v.pteAddress)} was changed from ${hex(store.oldValue)} to ${hex(store.newValue)} by the store to VA ${hex(store.va)} at ${where(cpu.symbols, store.pc, store.word)}, instruction ${store.instret}`);
  } else {
    lines.push(`  the entry at guest-physical ${hex(v.pteAddress)} changed, but not by a guest store the checker saw`);
  }
  lines.push('  and no invlpg of the page, tlbflush or PTBR write without KEEP came between (isa/README.md 6.4)');
  if (cpu.checker.violations > 1) lines.push(`  ${cpu.checker.violations} stale translations were used in all`);
  return lines;
}

/** For --json: plain data. */
export function tlbRulesJson(cpu: CheckedCpu): Record<string, unknown> {
  return { violations: cpu.checker.violations, ...(cpu.checker.first ? { first: cpu.checker.first } : {}) };
}
