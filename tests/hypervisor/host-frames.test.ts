// HostMemory hands out zeroed frames: a frame never handed out before is zero as the memory was
// created (not cleared again), unless something wrote it; a freed frame is cleared when reused.

import { describe, expect, it } from 'vitest';
import { HostMemory } from '../../hypervisor/host.ts';

const zero = (host: HostMemory, addr: number): boolean => host.mem.i32.subarray(addr >>> 2, (addr >>> 2) + 1024).every((w) => w === 0);

describe('host frames come out zeroed', () => {
  it('case 2: a fresh frame, a fresh frame written before (marked in the dirty map), a run, and a reused frame', () => {
    const host = new HostMemory(64 * 4096);
    const a = host.allocFrame(1);
    expect(zero(host, a)).toBe(true);
    // The next fresh frame, written before it is handed out (through the memory's own writer, which marks it).
    const next = a + 4096;
    host.mem.writeWord(next + 8, 0x1234);
    const b = host.allocFrame(1);
    expect(b).toBe(next);
    expect(zero(host, b)).toBe(true);
    // A run past frames written the same way.
    host.mem.writeWord(b + 4096 * 5 + 4, 7);
    const run = host.allocRun(4, 4, 1);
    for (let f = 0; f < 4; f++) expect(zero(host, run + 4096 * f)).toBe(true);
    // A frame freed with data in it, then handed out again.
    host.mem.writeWord(a + 12, 99);
    host.freeFrame(a);
    const again = host.allocFrame(2);
    expect(again).toBe(a);
    expect(zero(host, again)).toBe(true);
    // The alignment gap of the run went to the free list and comes out zeroed too.
    const gap = host.allocFrame(3);
    expect(zero(host, gap)).toBe(true);
  });
});
