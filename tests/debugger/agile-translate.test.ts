// `translate` under agile paging (isa/README.md 6.6): the guest's own walk, then the hardware's,
// each reference with its stage: the shadow directory entry with the switch bit, the guest's
// entry below it and the EPT references of the data's guest-physical address (2 + m in all),
// or a fault in the guest's entry that reaches the guest without an exit.

import { describe, expect, it } from 'vitest';
import { kernelArgs, outputOf, session } from './helpers.ts';

describe('debug: translate under agile paging', () => {
  it('case 1: a switched walk shows shadow, guest and EPT references, and a direct guest fault', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'agile', '--agile-start', 'nested'), 'break on pagefault\ncontinue\ntranslate $epc fetch\ntranslate $badva store\n');
    const t = outputOf(output, 'translate $epc fetch');
    expect(t).toMatch(/^translate 0x[0-9a-f]{8} <sbrkchurn:main\+\d+> for fetch \(agile, supervisor mode\)/);
    expect(t).toMatch(/the guest's own walk[\s\S]*→ guest-physical 0x[0-9a-f]{8}, backed by host/);
    const rows = t.split('\n').filter((l) => /^ +\d+ +(shadow|guest|EPT)/.test(l));
    expect(rows.map((r) => r.trim().split(/ {2,}/)[1])).toEqual(['shadow, switch', 'guest (nested)', 'EPT', 'EPT']);
    expect(rows[0]).toMatch(/guest table h:0x[0-9a-f]{8}$/);
    expect(rows[1]).toMatch(/frame gpa 0x[0-9a-f]{8}$/);
    expect(t).toMatch(/4 memory references \(guest 2, EPT 2\): on a TLB miss 2 \+ 4 × 20 = 82 cycles/);
    expect(t).toMatch(/agile: switched to nested below L1: 1 shadow, 1 guest and 2 EPT entries \(2 \+ m with an m-level EPT\)/);
    const fault = outputOf(output, 'translate $badva store');
    expect(fault).toMatch(/→ fault: store-page-fault in the guest's own entry below the switch: delivered to the guest directly, no exit/);
  });

  it('case 2: a walk through a shadowed leaf table is 2 shadow references, as native', async () => {
    const { output } = await session(kernelArgs('sbrkchurn.s:2', '--mode', 'agile'), 'break on pagefault\ncontinue\ntranslate $epc fetch\n');
    const t = outputOf(output, 'translate $epc fetch');
    const rows = t.split('\n').filter((l) => /^ +\d+ +(shadow|guest|EPT)/.test(l));
    expect(rows.map((r) => r.trim().split(/ {2,}/)[1])).toEqual(['shadow', 'shadow']);
    expect(t).toMatch(/agile: not switched: 2 shadow entries, as a native walk/);
  });
});
