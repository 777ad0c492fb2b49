// The encoder: one parsed instruction at a known address to its 32-bit word.
//
// Operand values are evaluated here and checked against the field ranges the table gives
// (fieldRange in isa/encoding.ts); word-offset fields take an absolute target and store
// (target - pc) / 4, wrapping modulo 2^32. Mistakes become ExprErrors with the operand's column;
// the caller turns them into diagnostics.

import { encode, EncodeError, fieldRange, type Operands } from '../isa/encoding.ts';
import { FIELDS } from '../isa/table.ts';
import { evaluate, ExprError, type EvalEnv } from './expressions.ts';
import type { Insn, Operand } from './instructions.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/**
 * Encode `insn` at `address`. Every operand is checked even after one fails, so that all its
 * mistakes are reported; `report` receives each one. Returns 0 for the word when any failed.
 */
export function encodeInsn(insn: Insn, address: number, env: EvalEnv, report: (e: ExprError) => void): number {
  const operands: Operands = {};
  let failed = false;
  for (const operand of insn.operands) {
    try {
      operands[operand.field] = operandValue(insn, operand, address, env);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      report(e);
      failed = true;
    }
  }
  if (failed) return 0;
  try {
    return encode(insn.spec, operands);
  } catch (e) {
    if (!(e instanceof EncodeError)) throw e;
    report(new ExprError(insn.col, e.message));
    return 0;
  }
}

function operandValue(insn: Insn, operand: Operand, address: number, env: EvalEnv): number {
  if (operand.kind === 'number') return operand.value;
  const { value } = evaluate(operand.expr, env);
  const { min, max } = fieldRange(operand.field);
  if (FIELDS[operand.field].kind === 'woff') {
    const what = insn.spec.cls === 'branch' ? 'branch' : 'jump';
    const offsetBytes = (value - address) | 0;
    if (offsetBytes % 4 !== 0) {
      throw new ExprError(operand.col, `${what} target ${hex(value)} is misaligned: offset ${offsetBytes} bytes from ${hex(address)} is not a multiple of 4`);
    }
    if (offsetBytes / 4 < min || offsetBytes / 4 > max) {
      throw new ExprError(operand.col, `${what} target ${hex(value)} out of range: offset ${offsetBytes} bytes not in ${min * 4}..${max * 4}`);
    }
    return offsetBytes / 4;
  }
  if (value < min || value > max) throw new ExprError(operand.col, `immediate ${value} out of range ${min}..${max}`);
  return value;
}
