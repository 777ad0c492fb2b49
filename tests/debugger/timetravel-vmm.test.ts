// Time travel over the VMM's own work on host memory: page sharing's merges and copy-on-write
// breaks, host swapping's evictions and page-ins, ballooning, dirty logging and a whole live
// migration (its rounds, the stop-and-copy and the switch to new host frames), and agile paging's
// switch at the root. Snapshots save everything reachable from the session (debugger/snapshots.ts),
// the VMM's p2m, swap store, logs and pager state included, so stepping back over any of it and
// forward again reaches the identical state, and the state stepped back to is what a fresh run to
// that point has.

import { describe, expect, it } from 'vitest';
import { KERNEL, live } from './helpers.ts';

/** Everything a state comparison looks at. */
const STATE = ['regs', 'stats', 'info hash', 'tlb'];
const FIRST = 150_000;
const SECOND = 150_000;

const CASES: readonly { readonly name: string; readonly args: readonly string[]; readonly did: RegExp }[] = [
  { name: 'page sharing (EPT)', args: ['--module', 'primes.s:30000', '--mode', 'ept', '--memory', '2M', '--share-pages', '512', '--share-every', '2000'], did: /page sharing +[\d,]+ frames scanned, [1-9]\d* merged, [1-9]\d* copy-on-write breaks/ },
  { name: 'page sharing (shadow)', args: ['--module', 'primes.s:30000', '--mode', 'shadow', '--memory', '2M', '--share-pages', '512', '--share-every', '2000'], did: /page sharing +[\d,]+ frames scanned, [1-9]\d* merged, [1-9]\d* copy-on-write breaks/ },
  { name: 'host swapping', args: ['--module', 'memwalk.s:64,4096,400', '--mode', 'shadow', '--memory', '2M', '--host-memory', '160K', '--host-swap', 'random'], did: /host swapping +[1-9][\d,]* pages out, [1-9][\d,]* in/ },
  { name: 'ballooning', args: ['--module', 'memwalk.s:64,4096,400', '--mode', 'ept', '--memory', '4M', '--balloon-target', '100'], did: /ballooning +100 frames in the balloon now/ },
  { name: 'a live migration with PML', args: ['--module', 'memwalk.s:64,4096,400', '--mode', 'ept', '--memory', '4M', '--migrate-at', '200000', '--migrate-bandwidth', '20000', '--migrate-max-rounds', '3'], did: /migration +(converged|did not converge)/ },
  { name: 'a live migration with write protection', args: ['--module', 'memwalk.s:64,4096,400', '--mode', 'shadow', '--memory', '4M', '--migrate-at', '200000', '--migrate-bandwidth', '20000', '--migrate-max-rounds', '3'], did: /migration +(converged|did not converge)/ },
  { name: 'agile paging\'s switch at the root', args: ['--module', 'ctxswitch.s:3000', '--mode', 'agile', '--memory', '4M'], did: /agile root +1 switches to nested/ },
];

describe.each(CASES)('debug: time travel over $name', ({ args, did }) => {
  it('reverse-step back over it and forward again is exact, and a fresh run to the same point agrees', async () => {
    const d = live([KERNEL, ...args]);
    await d.run(`step ${FIRST}`);
    const before = await Promise.all(STATE.map((c) => d.run(c)));
    await d.run(`step ${SECOND}`);
    const after = await Promise.all(STATE.map((c) => d.run(c)));
    // The VMM's work happened in the stretch stepped back over (it had not begun, or not ended, before).
    expect(after[1]).toMatch(did);
    expect(after[1]).not.toEqual(before[1]);
    await d.run(`reverse-step ${SECOND}`);
    expect(await Promise.all(STATE.map((c) => d.run(c))), 'back').toEqual(before);
    await d.run(`step ${SECOND}`);
    expect(await Promise.all(STATE.map((c) => d.run(c))), 'forward').toEqual(after);
    const fresh = live([KERNEL, ...args]);
    await fresh.run(`step ${FIRST}`);
    expect(await Promise.all(STATE.map((c) => fresh.run(c))), 'fresh').toEqual(before);
  });
});
