// Conditional assembly: `.ifdef NAME` / `.ifndef NAME` … `.else` … `.endif`, testing the names
// defined from outside the source (AssembleOptions.defines, the CLI's -D NAME=VALUE). The
// kernel's PV build is chosen this way (guest-programs/kernel/pv.inc), so a build without the
// name must be byte for byte the source without the conditional parts.

import { describe, expect, it } from 'vitest';
import { assemble } from '../../assembler/index.ts';

const words = (source: string, defines?: Record<string, number>): number[] => {
  const r = assemble(source, defines ? { defines } : {});
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const bytes = r.image!.segments[0]?.bytes ?? new Uint8Array();
  return Array.from({ length: bytes.length / 4 }, (_, i) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(i * 4, true));
};
const errors = (source: string, defines?: Record<string, number>) =>
  assemble(source, defines ? { defines } : {}).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col}: ${d.message}`);

const SOURCE = `
    .word 1
.ifdef PV
    .word 2
.else
    .word 3
.endif
.ifndef PV
    .word 4
.endif
    .word 5
`;

describe('.ifdef / .ifndef / .else / .endif', () => {
  it('case 1: without the name, the .else and .ifndef parts are assembled', () => {
    expect(words(SOURCE)).toEqual([1, 3, 4, 5]);
  });

  it('case 2: with -D PV=1, the .ifdef part (the value does not matter: 0 is defined too)', () => {
    expect(words(SOURCE, { PV: 1 })).toEqual([1, 2, 5]);
    expect(words(SOURCE, { PV: 0 })).toEqual([1, 2, 5]);
  });

  it('case 3: a define is also a symbol the program can use', () => {
    expect(words('.ifdef N\n    .word N * 2\n.endif\n', { N: 21 })).toEqual([42]);
  });

  it('case 4: nested conditionals; an inactive region keeps both branches of the inner one off', () => {
    const nested = `
.ifdef A
  .ifdef B
    .word 1
  .else
    .word 2
  .endif
.else
  .ifdef B
    .word 3
  .else
    .word 4
  .endif
.endif
`;
    expect(words(nested, { A: 1, B: 1 })).toEqual([1]);
    expect(words(nested, { A: 1 })).toEqual([2]);
    expect(words(nested, { B: 1 })).toEqual([3]);
    expect(words(nested)).toEqual([4]);
  });

  it('case 5: inside a macro body, tested at each expansion; labels and macros in a skipped part do not exist', () => {
    const source = `
.macro M
.ifdef PV
    .word 7
.else
    .word 8
.endif
.endm
    M
.ifdef PV
only_pv:
    .word only_pv
.endif
`;
    expect(words(source)).toEqual([8]);
    expect(words(source, { PV: 1 })).toEqual([7, 0x1004]);
  });

  it('case 6: mistakes are located errors', () => {
    expect(errors('.endif\n')).toEqual(['1:1: .endif without .ifdef or .ifndef']);
    expect(errors('.else\n')).toEqual(['1:1: .else without .ifdef or .ifndef']);
    expect(errors('.ifdef A\n.word 1\n')).toEqual(['1:1: missing .endif']);
    expect(errors('.ifdef\n.endif\n')).toEqual(['1:1: .ifdef expects one name (defined with -D NAME=VALUE)']);
    expect(errors('.ifdef A B\n.endif\n')).toEqual(['1:8: .ifdef expects one name (defined with -D NAME=VALUE)']);
    expect(errors('.ifdef A\n.else\n.else\n.endif\n')).toEqual(['3:1: a second .else for one .ifdef']);
    expect(errors('.ifdef A\n.endif extra\n')).toEqual(['2:8: .endif takes no operands']);
    expect(errors('x: .ifdef A\n.endif\n')).toEqual(['1:4: a label cannot stand before .ifdef']);
  });
});
