// Shared pieces of the experiments tests: a tiny study (12 quick cells: two small workloads, three
// modes, two TLB sizes), a way to compare results without their wall-clock timings, and a small
// XML well-formedness check for the SVG output.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, vi } from 'vitest';
import { loadStudy, parseStudy, type Study } from '../../experiments/study.ts';
import { runStudy, type StudyResult } from '../../experiments/runner.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STUDIES_DIR = path.join(REPO, 'guest-programs/studies');

/**
 * The shipped studies whose own test file runs them whole, from the study file as `vmmlab exp`
 * does (`runShippedStudy`), checks their finding and more; studies.test.ts runs the others.
 */
export const STUDIES_WITH_OWN_TEST: Readonly<Record<string, string>> = {
  'dirty-logging.json': 'dirty-logging.test.ts',
  'migration.json': 'migration.test.ts',
  'overcommit.json': 'overcommit.test.ts',
  'page-sharing.json': 'page-sharing.test.ts',
  'pv-mmu.json': 'pv.test.ts',
};

/** Run a shipped study (guest-programs/studies/FILE) as `vmmlab exp FILE --jobs 2` does. */
export function runShippedStudy(file: string): Promise<StudyResult> {
  return runStudy(loadStudy(path.join(STUDIES_DIR, file)), { jobs: 2 });
}

export const TINY_STUDY_JSON = {
  name: 'tiny',
  description: 'two small workloads, three modes, two TLB sizes',
  workloads: [
    { name: 'primes', modules: ['primes.s:300'] },
    { name: 'memwalk', modules: ['memwalk.s:32,4096,2'] },
  ],
  grid: { mode: ['native', 'shadow', 'ept'], tlbEntries: [16, 64] },
  memory: '2M',
  maxInstructions: 5_000_000,
  finding: {
    claim: 'the virtualized runs cost more than native',
    checks: ['slowdown{memwalk, shadow, tlbEntries=16} > 1', 'cycles{primes, ept, tlbEntries=64} > cycles{primes, native, tlbEntries=64}'],
  },
};

export function tinyStudy(): Study {
  return parseStudy(structuredClone(TINY_STUDY_JSON), 'tiny');
}

/** A result as JSON without `timing`, the only part that changes from run to run. */
export function withoutTiming(result: StudyResult): string {
  const { timing: _timing, ...rest } = result;
  return JSON.stringify(rest);
}

/**
 * Is `text` well-formed XML (as far as SVG output needs): one root, every tag closed in order,
 * attributes quoted, no stray '<' or unescaped '&'? Returns the problem, or undefined.
 */
export function xmlProblem(text: string): string | undefined {
  const stack: string[] = [];
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  let roots = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (between.includes('<')) return `stray '<' near ${JSON.stringify(between.slice(between.indexOf('<'), between.indexOf('<') + 30))}`;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(between)) return `unescaped '&' in ${JSON.stringify(between.slice(0, 40))}`;
    last = m.index + m[0].length;
    if (m[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = m;
    if (stack.length === 0 && !closing) roots++;
    if (closing) {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open ?? 'nothing'}>`;
    } else if (!selfClosing) {
      stack.push(name!);
    }
  }
  if (body.slice(last).trim() !== '') return 'text after the root element';
  if (stack.length > 0) return `unclosed <${stack[stack.length - 1]}>`;
  if (roots !== 1) return `${roots} root elements`;
  return undefined;
}

/**
 * What the code under test prints, captured per test (process.stdout/stderr writes and
 * console.log; call at the top of a file or a describe). Reset before each test; tests may also
 * clear a field between two commands.
 */
export function captureOutput(): { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '' };
  beforeEach(() => {
    io.stdout = '';
    io.stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { io.stdout += String(chunk); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { io.stderr += String(chunk); return true; });
    vi.spyOn(console, 'log').mockImplementation((text) => { io.stdout += `${String(text)}\n`; });
  });
  afterEach(() => vi.restoreAllMocks());
  return io;
}
