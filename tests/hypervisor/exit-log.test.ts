import { describe, expect, it } from 'vitest';
import { EXIT, ExitInfo } from '../../emulator/exits.ts';
import { ACCESS } from '../../isa/arch.ts';
import { EXIT_LOG_SIZE, ExitLog, describeExit } from '../../hypervisor/exit-log.ts';

function invlpg(address: number): ExitInfo {
  const e = new ExitInfo();
  e.reason = EXIT.INVLPG;
  e.pc = 0x1000 + address;
  e.address = address;
  return e;
}

describe('the exit log (a ring written over in place)', () => {
  it('keeps the newest EXIT_LOG_SIZE exits, oldest first, as it fills and wraps', () => {
    const log = new ExitLog();
    const written: number[] = [];
    for (let i = 0; i < EXIT_LOG_SIZE * 2 + 37; i++) {
      log.exit(i * 3, invlpg(i << 12), 'invlpg');
      written.push(i * 3);
      const want = written.slice(-EXIT_LOG_SIZE);
      if (i % 17 === 0 || i >= EXIT_LOG_SIZE - 2) {
        expect(log.newest().map((r) => r.instructions)).toEqual(want);
        expect(log.newest(5).map((r) => r.instructions)).toEqual(want.slice(-5));
      }
    }
    expect(log.length).toBe(EXIT_LOG_SIZE);
    expect(log.newest(0)).toEqual([]);
  });

  it('hands out copies: later exits written over the same slots leave them as they were', () => {
    const log = new ExitLog();
    const e = new ExitInfo();
    e.reason = EXIT.PAGE_FAULT;
    e.pc = 0x2000;
    e.address = 0x00400010;
    e.access = ACCESS.STORE;
    log.exit(7, e, 'hidden-fault');
    const [first] = log.newest();
    const detail = describeExit(e);
    for (let i = 0; i < EXIT_LOG_SIZE + 1; i++) log.exit(100 + i, invlpg(i << 12), 'invlpg');
    e.address = 0;
    expect(first).toMatchObject({ instructions: 7, pc: 0x2000, hardware: 'page-fault', reason: 'hidden-fault' });
    expect(first!.detail).toBe(detail);
    expect(log.newest()[0]!.instructions).toBe(101);
  });

  it('keeps a record given whole with its own words, beside hardware exits', () => {
    const log = new ExitLog();
    log.exit(1, invlpg(0x5000), 'invlpg');
    log.record({ instructions: 2, pc: 0x40, hardware: 'sample', reason: 'dynamic-switch', detail: 'shadow -> ept' });
    log.exit(3, invlpg(0x6000), 'invlpg');
    expect(log.newest().map((r) => [r.instructions, r.reason, r.detail])).toEqual([
      [1, 'invlpg', 'invlpg 0x00005000'],
      [2, 'dynamic-switch', 'shadow -> ept'],
      [3, 'invlpg', 'invlpg 0x00006000'],
    ]);
  });
});
