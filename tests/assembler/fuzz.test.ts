// Mutation fuzzing of the assembler (issue 9 §5): the shipped sources, mutated (fuzz/mutate.ts),
// must each end in an image or in diagnostics that are all located (file:line:col, on the line
// they quote) and none internal, within a time and a memory bound.
//
// Cases run in a worker (fuzz/sandbox.ts) with a heap cap, so that a hang or a runaway allocation
// fails the case that caused it instead of hanging or killing vitest (typed arrays are outside
// the heap; the image limit bounds those). A case over CASE_LIMIT_MS is run again, and counts as
// slow only if it is also over SLOWDOWN times the most work the limits allow on purpose (a macro
// bomb that spends the whole expansion budget), timed then and there: ten jobs on two cores make
// every case four times slower, a bug that goes quadratic makes one case fifty times slower.
// One over DEADLINE_MS is stopped.
// Each case has a number; a failure names it and its mutations. Environment:
//   VMMLAB_CAMPAIGN_SCALE  multiplies the number of cases (default 1)
//   VMMLAB_CAMPAIGN_SEED   the campaign seed (default fixed)
//   VMMLAB_ASM_FUZZ_CASE   run only this case number (prints its source's first lines)

import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../assembler/index.ts';
import { generateCase, loadCorpus, type FuzzCase } from './fuzz/mutate.ts';
import { AssemblerSandbox, type SandboxOutcome } from './fuzz/sandbox.ts';

const SCALE = Number(process.env.VMMLAB_CAMPAIGN_SCALE ?? 1);
const SEED = Number(process.env.VMMLAB_CAMPAIGN_SEED ?? 0xa55e) >>> 0;
const ONLY = process.env.VMMLAB_ASM_FUZZ_CASE;
const CASES = Math.round(150 * SCALE);
/** The bound a case must meet (generous: a mutated kernel assembles in tens of milliseconds). */
const CASE_LIMIT_MS = 2000;
/** Past this the case is stopped: it would otherwise never end. */
const DEADLINE_MS = 20_000;
/** How many times the budgeted worst case (BUDGET_SPENDER) a slow case may take. */
const SLOWDOWN = 5;
const HEAP_LIMIT_MB = 512;

/** 2^30 lines asked for: it spends the whole macro expansion budget, the most work limits.ts allows on purpose. */
const BUDGET_SPENDER = ['.macro m0', 'nop', '.endm', ...Array.from({ length: 30 }, (_, k) => [`.macro m${k + 1}`, `m${k}`, `m${k}`, '.endm']).flat(), 'm30'].join('\n') + '\n';
const MAX_REPORTS = 10;

const corpus = loadCorpus();
const sandbox = new AssemblerSandbox({ files: Object.fromEntries(corpus), heapLimitMb: HEAP_LIMIT_MB });
afterAll(() => sandbox.close());

/** Lines as the assembler numbers them: no byte-order mark, no `\r` before the `\n`. */
function linesOf(text: string): string[] {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n').map((l) => l.replace(/\r$/, ''));
}

/** What is wrong with one diagnostic: undefined when it is located on a line it quotes truly. */
function misplaced(d: Diagnostic, textOf: (file: string) => string | undefined): string | undefined {
  if (d.message.includes('internal')) return 'an internal error';
  if (!Number.isInteger(d.line) || !Number.isInteger(d.col) || d.line < 1 || d.col < 1) return 'no line and column';
  const text = textOf(d.file);
  if (text === undefined) return `a file the case does not have (${d.file})`;
  const line = linesOf(text)[d.line - 1];
  if (line === undefined) return `line ${d.line} past the end of ${path.basename(d.file)}`;
  if (d.sourceLine !== line.slice(0, d.sourceLine.length) || (line.length <= 1000 && d.sourceLine !== line)) return 'a source line that is not the line it names';
  if (d.col > line.length + 1) return `column ${d.col} past the end of its line (${line.length} characters)`;
  return undefined;
}

/** Everything wrong with a case's outcome (nothing for a pass). */
function problems(c: FuzzCase, outcome: Timed): string[] {
  if (outcome.kind === 'timeout') return [`did not finish in ${DEADLINE_MS / 1000} s`];
  if (outcome.kind === 'crashed') return [`the worker died (heap cap ${HEAP_LIMIT_MB} MB): ${outcome.error}`];
  const found: string[] = [];
  const textOf = (file: string): string | undefined => (path.resolve(file) === path.resolve(c.file) ? c.source : corpus.get(path.resolve(file)));
  for (const d of outcome.diagnostics) {
    const wrong = misplaced(d, textOf);
    if (wrong) found.push(`${wrong}: ${d.file}:${d.line}:${d.col}: ${d.message.slice(0, 300)}`);
  }
  const errors = outcome.diagnostics.filter((d) => d.severity === 'error').length;
  if ((outcome.imageBytes === undefined) !== (errors > 0)) found.push(`${errors} errors but ${outcome.imageBytes === undefined ? 'no image' : 'an image'}`);
  if (slow(outcome)) found.push(`took ${Math.round(outcome.elapsedMs)} ms (twice), over the ${CASE_LIMIT_MS} ms bound and ${SLOWDOWN} times the budgeted worst case (${Math.round(outcome.referenceMs!)} ms)`);
  return found.slice(0, 5);
}

type Timed = SandboxOutcome & { readonly referenceMs?: number };

const slow = (outcome: Timed): boolean => outcome.referenceMs !== undefined && outcome.elapsedMs > Math.max(CASE_LIMIT_MS, SLOWDOWN * outcome.referenceMs);

async function runCase(c: FuzzCase): Promise<Timed> {
  const first = await sandbox.run(c.source, c.file, DEADLINE_MS);
  if (first.kind !== 'done' || first.elapsedMs <= CASE_LIMIT_MS) return first;
  const again = await sandbox.run(c.source, c.file, DEADLINE_MS);
  if (again.kind !== 'done' || again.elapsedMs <= CASE_LIMIT_MS) return again;
  const reference = await sandbox.run(BUDGET_SPENDER, '/virtual/budget.s', DEADLINE_MS);
  return { ...again, referenceMs: reference.elapsedMs };
}

/** A message without its particulars, for the tally: "unknown instruction '…'", "'…' expects N operands". */
const kindOf = (message: string): string =>
  message.replace(/'[^']*'/g, "'…'").replace(/[0-9]+/g, 'N').split(/[:;(]/)[0]!.trim().split(' ').slice(0, 5).join(' ');

describe('mutation fuzzing: every mutated source ends in an image or in located diagnostics', () => {
  const numbers = ONLY !== undefined ? [Number(ONLY)] : Array.from({ length: CASES }, (_, i) => i + 1);
  const timeoutMs = Math.max(120_000, 60_000 * SCALE);

  it(`${numbers.length} case(s), seed ${SEED.toString(16)} (VMMLAB_CAMPAIGN_SCALE ${SCALE})`, async () => {
    const failures: string[] = [];
    const tally = new Map<string, number>();
    const count = (key: string): void => void tally.set(key, (tally.get(key) ?? 0) + 1);
    let slowest = { ms: 0, number: 0 };
    for (const n of numbers) {
      const c = generateCase(n, SEED, corpus);
      if (ONLY !== undefined) console.log(`case ${n}: ${c.file}, ${c.mutations.join(', ')}\n${c.source.slice(0, 2000)}`);
      const outcome = await runCase(c);
      const found = problems(c, outcome);
      if (found.length > 0) failures.push(`case ${n} (${path.relative(process.cwd(), c.file)}; ${c.mutations.join(', ')}):\n  ${found.join('\n  ')}`);
      if (outcome.kind === 'done') {
        count(outcome.imageBytes !== undefined ? 'image' : `error: ${kindOf(outcome.diagnostics.find((d) => d.severity === 'error')!.message)}`);
        if (outcome.elapsedMs > slowest.ms) slowest = { ms: outcome.elapsedMs, number: n };
      }
    }
    const summary = `${numbers.length} cases, ${failures.length} failed; slowest case ${slowest.number} (${Math.round(slowest.ms)} ms); ` +
      [...tally].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(summary);
    expect(failures.length, `${summary}\n(replay one with VMMLAB_ASM_FUZZ_CASE=<n>)\n\n${failures.slice(0, MAX_REPORTS).join('\n\n')}`).toBe(0);
    // A generator drifting into inputs that all fail at the first line would test little.
    if (ONLY === undefined) expect(tally.size, 'kinds of outcome').toBeGreaterThan(5);
  }, timeoutMs);
});
