// The VMM's helpers on the exit path: the exit log's copy of an exit's qualification takes every
// field, and the memoized decoding of the instruction that exited answers as the ISA table does.

import { describe, expect, it } from 'vitest';
import { assemble } from '../../assembler/index.ts';
import { decode } from '../../isa/encoding.ts';
import { ExitInfo } from '../../emulator/exits.ts';
import { decodeAccess } from '../../hypervisor/emulate.ts';

describe('the exit path helpers', () => {
  it('case 2: ExitInfo.copyFrom copies every field an ExitInfo has', () => {
    const from = new ExitInfo();
    let n = 1;
    for (const key of Object.keys(from) as (keyof ExitInfo)[]) {
      const value = from[key];
      (from as unknown as Record<string, unknown>)[key] = typeof value === 'boolean' ? true : n++;
    }
    const to = new ExitInfo();
    to.copyFrom(from);
    expect(to).toEqual(from);
  });

  it('case 3: decodeAccess answers for a word seen before what the ISA table says of it, for every load, store and other word', () => {
    const source = ['lw t0, 4(sp)', 'lh t1, -2(a0)', 'lhu t2, 6(a1)', 'lb s0, 1(s1)', 'lbu s1, 0(t0)', 'sw t0, 8(sp)', 'sh a0, 2(a1)', 'sb a1, 3(a0)', 'add t0, t1, t2', 'jalr zero, 0(ra)'];
    const result = assemble(source.join('\n') + '\n', { file: 'access.s' });
    expect(result.image, JSON.stringify(result.diagnostics)).toBeDefined();
    const bytes = result.image!.segments[0]!.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const words = source.map((_, i) => view.getUint32(4 * i, true));
    const SIZES: Record<string, [boolean, number, boolean]> = {
      lb: [false, 1, true], lh: [false, 2, true], lw: [false, 4, true], lbu: [false, 1, false], lhu: [false, 2, false],
      sb: [true, 1, false], sh: [true, 2, false], sw: [true, 4, false],
    };
    for (let round = 0; round < 2; round++) {
      for (const word of [...words, 0xffffffff, 0]) {
        const d = decode(word);
        const kind = d === undefined ? undefined : SIZES[d.spec.mnemonic];
        const expected = kind === undefined ? undefined
          : { isStore: kind[0], size: kind[1], signed: kind[2], dataReg: kind[0] ? d!.operands.srcA : d!.operands.rd };
        expect(decodeAccess(word), `${word.toString(16)}, round ${round}`).toEqual(expected);
        expect(decodeAccess(word | 0)).toBe(decodeAccess(word));
      }
    }
    expect(words.filter((w) => decodeAccess(w) !== undefined)).toHaveLength(8);
  });
});
