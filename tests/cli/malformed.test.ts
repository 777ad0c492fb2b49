// The malformed-input corpus: every kind of bad input a user can type or write (study files,
// machine files, profiles, shard results, flags) gives one clear line per error and the exit
// code of its kind (1: bad input file, 2: bad command line), never an internal error (70) or a
// stack trace. The CLI runs in process (as in tests/experiments/cli.test.ts), so the table stays
// fast; no case runs a guest.
//
// In a case, `@name` (in the arguments and the expected line) is the file `name` the case writes.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../cli/errors.ts';
import { parseVmFlag } from '../../cli/machine-file.ts';
import { main } from '../../cli/main.ts';
import { parseJson } from '../../config/json.ts';
import { mergeResults, readResult } from '../../experiments/merge.ts';
import { csv, findingText, textTable, warnings } from '../../experiments/report.ts';
import { studySvg } from '../../experiments/svg.ts';
import { StudyError, withDefaults } from '../../experiments/params.ts';
import { RESULT_FORMAT, VMMLAB_VERSION } from '../../experiments/runner.ts';
import { expandCells, parseStudy, studyProfile } from '../../experiments/study.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-malformed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true }));

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { stdout += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { stderr += String(chunk); return true; });
  vi.spyOn(console, 'log').mockImplementation((text) => { stdout += `${String(text)}\n`; });
});
afterEach(() => vi.restoreAllMocks());

const KERNEL = path.resolve('guest-programs/kernel/kernel.s');
const W = { workloads: [{ name: 'p', modules: ['primes.s:10'] }], memory: '2M' };
const study = (extra: Record<string, unknown>) => JSON.stringify({ ...W, ...extra });
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const scale = Math.max(1, Number(process.env.VMMLAB_CAMPAIGN_SCALE ?? 1) || 1);

// A result file as `exp --json` writes it, with counters that are all zero: readable, mergeable, cheap.
const SHARD_STUDY = parseStudy({ workloads: [{ name: 'p', modules: ['primes.s'] }], grid: { mode: ['native', 'ept'], pwc: [0, 8] }, memory: '2M' });
const ZERO_STATS = {
  instructions: 0, ptbrWrites: 0,
  cycles: { total: 0, insn: 0, walk: 0, trap: 0, mmio: 0, idle: 0, exit: 0, vmm: 0 },
  tlb: { hits: 0, misses: 0 },
  walk: { walks: 0, refs: 0, guestRefs: 0, eptRefs: 0, adUpdates: 0, pwcHits: 0, pwcMisses: 0 },
  faults: { page: 0 },
};
function shardResult(index: number, count: number, edit: (r: Record<string, unknown>) => void = () => {}): string {
  const all = expandCells(SHARD_STUDY);
  const cells = all.filter((c) => c.index % count === index - 1).map((c) => ({
    ...c, config: { params: withDefaults(c.params) }, reason: 'halted', exitCode: 0, console: '', stats: ZERO_STATS,
  }));
  const result: Record<string, unknown> = {
    vmmlab: { version: VMMLAB_VERSION, format: RESULT_FORMAT }, study: SHARD_STUDY, profile: studyProfile(SHARD_STUDY),
    totalCells: all.length, ...(count > 1 ? { shard: { index, count } } : {}), cells, timing: { wallMs: 1, jobs: 1, cellMs: {} },
  };
  edit(result);
  return JSON.stringify(result, null, 1);
}

interface Case {
  readonly what: string;
  readonly argv: readonly string[];
  readonly files?: Readonly<Record<string, string>>;
  readonly code: 1 | 2;
  /** The first line on stderr, exactly (a string) or a pattern. */
  readonly first: string | RegExp;
  /** How many `FILE: error:` lines, when the case checks that every error is reported. */
  readonly errors?: number;
}

const STUDIES: Case[] = [
  { what: 'a TLB of 2^31 entries', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { tlbEntries: [2147483648] } }) }, code: 1,
    first: '@s.json: error: /grid/tlbEntries/0: must be a power of two from 1 to 65536 (got 2147483648)' },
  { what: 'a grid of 120 million cells', argv: ['exp', '@s.json'], code: 1,
    files: { 's.json': study({ grid: { mode: ['shadow'], pwc: range(100), timerInterval: range(100), quantum: range(100, 1), exitLatency: range(120) } }) },
    first: '@s.json: error: /grid: the study has 120,000,000 cells (1 workload x the grid x 1 repetition); at most 100,000 are allowed: sweep fewer values, or split the study' },
  { what: 'a billion repetitions', argv: ['exp', '@s.json'], files: { 's.json': study({ repetitions: 1e9 }) }, code: 1,
    first: '@s.json: error: /repetitions: must be a whole number from 1 to 1000 (got 1000000000)' },
  { what: 'a name that is a number', argv: ['exp', '@s.json'], files: { 's.json': study({ name: 5 }) }, code: 1,
    first: '@s.json: error: /name: must be a string (got 5)' },
  { what: 'a trailing comma', argv: ['exp', '@s.json'], files: { 's.json': '{\n  "workloads": [{ "modules": ["primes.s"] }],\n}\n' }, code: 1,
    first: "@s.json:3:1: error: a comma before '}' (JSON has no trailing commas)" },
  { what: 'a missing comma', argv: ['exp', '@s.json'], files: { 's.json': '{\n  "name": "a"\n  "workloads": []\n}\n' }, code: 1,
    first: "@s.json:3:3: error: expected ',' or '}' after the value of 'name', found '\"'" },
  { what: 'single quotes', argv: ['exp', '@s.json'], files: { 's.json': "{'name': 'a'}" }, code: 1,
    first: '@s.json:1:2: error: a key in single quotes (JSON needs double quotes)' },
  { what: 'a string cut by a line break', argv: ['exp', '@s.json'], files: { 's.json': '{"name": "a\nb"}' }, code: 1,
    first: '@s.json:1:12: error: a string runs to the end of the line (missing ", or write \\n)' },
  { what: 'a file cut short', argv: ['exp', '@s.json'], files: { 's.json': '{"workloads": [{"modules": ["primes.s"' }, code: 1,
    first: "@s.json:1:39: error: expected ',' or ']' after a list element, found the end of the file" },
  { what: 'text after the object', argv: ['exp', '@s.json'], files: { 's.json': '{"workloads": []} {}' }, code: 1,
    first: "@s.json:1:19: error: unexpected '{' after the end of the JSON value" },
  { what: 'an empty file', argv: ['exp', '@s.json'], files: { 's.json': '' }, code: 1,
    first: '@s.json:1:1: error: the file is empty (expected a JSON object)' },
  { what: 'a file of blanks', argv: ['exp', '@s.json'], files: { 's.json': '  \n\n ' }, code: 1,
    first: '@s.json:1:1: error: the file is empty (expected a JSON object)' },
  { what: 'NaN', argv: ['exp', '@s.json'], files: { 's.json': '{"repetitions": NaN}' }, code: 1,
    first: "@s.json:1:17: error: expected a value, found 'NaN' (not JSON: write a number or a string)" },
  { what: 'a key written twice', argv: ['exp', '@s.json'], files: { 's.json': '{"workloads": [{"modules": ["primes.s"]}], "repetitions": 1, "repetitions": 5}' }, code: 1,
    first: "@s.json:1:62: error: /repetitions: the key 'repetitions' appears twice in one object" },
  { what: 'nesting without end', argv: ['exp', '@s.json'], files: { 's.json': '['.repeat(5000) + ']'.repeat(5000) }, code: 1,
    first: '@s.json:1:102: error: nested more than 100 levels deep' },
  { what: 'a list, not an object', argv: ['exp', '@s.json'], files: { 's.json': '[1, 2]' }, code: 1,
    first: '@s.json: error: a study is a JSON object (got a list)' },
  { what: 'null', argv: ['exp', '@s.json'], files: { 's.json': 'null' }, code: 1, first: '@s.json: error: a study is a JSON object (got null)' },
  { what: 'a misspelt key', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ worklods: W.workloads }) }, code: 1,
    first: "@s.json: error: /worklods: unknown key 'worklods'; did you mean 'workloads'?", errors: 2 },
  { what: 'a misspelt parameter', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { eptLevel: [2] } }) }, code: 1,
    first: "@s.json: error: /grid/eptLevel: unknown key 'eptLevel'; did you mean 'eptLevels'?" },
  { what: 'an unknown parameter', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { cpus: [2] } }) }, code: 1,
    first: /^@s\.json: error: \/grid\/cpus: unknown key 'cpus' \(known: mode, tlbEntries, tlbWays, .*, eptLargePages, dynamicStart, dynamicWindow, dynamicMargin, dynamicHysteresis, sharePages, shareEvery.*\)$/ },
  { what: 'a negative page-walk cache', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { pwc: [-1] } }) }, code: 1,
    first: '@s.json: error: /grid/pwc/0: must be a whole number from 0 to 65536 (got -1)' },
  { what: 'a number given as a string', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { tlbEntries: ['64'] } }) }, code: 1,
    first: '@s.json: error: /grid/tlbEntries/0: must be a power of two from 1 to 65536 (got "64")' },
  { what: 'a boolean given as a number', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { asid: [1] } }) }, code: 1,
    first: '@s.json: error: /grid/asid/0: must be true or false (got 1)' },
  { what: 'a grid value that is not a list', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { pwc: 16 } }) }, code: 1,
    first: '@s.json: error: /grid/pwc: must be a list (got 16)' },
  { what: 'an empty list', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { mode: [] } }) }, code: 1,
    first: '@s.json: error: /grid/mode: must not be empty' },
  { what: 'a value listed twice', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: { mode: ['ept', 'ept'] } }) }, code: 1,
    first: '@s.json: error: /grid/mode: lists "ept" twice' },
  { what: 'the string NaN', argv: ['exp', '@s.json'], files: { 's.json': study({ repetitions: 'NaN' }) }, code: 1,
    first: '@s.json: error: /repetitions: must be a whole number from 1 to 1000 (got "NaN")' },
  { what: 'a number too large for a double', argv: ['exp', '@s.json'], files: { 's.json': '{"workloads": [{"modules": ["primes.s"]}], "maxInstructions": 1e400}' }, code: 1,
    first: '@s.json: error: /maxInstructions: must be a whole number from 1 to 10000000000 (got Infinity)' },
  { what: 'a budget of zero', argv: ['exp', '@s.json'], files: { 's.json': study({ maxInstructions: 0 }) }, code: 1,
    first: '@s.json: error: /maxInstructions: must be a whole number from 1 to 10000000000 (got 0)' },
  { what: 'modules as a string', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ modules: 'primes.s' }] }) }, code: 1,
    first: '@s.json: error: /workloads/0/modules: must be a list (got "primes.s")' },
  { what: 'workloads as an object', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: { modules: ['primes.s'] } }) }, code: 1,
    first: '@s.json: error: /workloads: must be a list (got {"modules":["primes.s"]})' },
  { what: 'no workloads', argv: ['exp', '@s.json'], files: { 's.json': '{}' }, code: 1, first: '@s.json: error: /workloads: is required' },
  { what: 'a bad module argument', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ modules: ['primes.s:1,zz'] }] }) }, code: 1,
    first: "@s.json: error: /workloads/0/modules/0: module 'primes.s:1,zz': argument 'zz' is not a 32-bit integer" },
  { what: 'too many modules for the kernel', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ name: 'm', modules: range(17).map(() => 'primes.s') }] }) }, code: 1,
    first: '@s.json: error: /workloads/0/modules: the bundled kernel starts at most 16 modules (NPROC; got 17)' },
  { what: 'two workloads of one name', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ modules: ['primes.s'] }, { name: 'primes', modules: ['fib.s'] }] }) }, code: 1,
    first: "@s.json: error: /workloads/1/name: two workloads are named 'primes' (workload 0 too)" },
  { what: 'a workload named like a mode', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ name: 'ept', modules: ['primes.s'] }] }) }, code: 1,
    first: "@s.json: error: /workloads/0/name: 'ept' is a mode; a workload needs another name" },
  { what: 'a workload name with a space', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ name: 'my load', modules: ['primes.s'] }] }) }, code: 1,
    first: '@s.json: error: /workloads/0/name: must be a word: a letter or _, then letters, digits, _ . + (got "my load")' },
  { what: 'memory in words', argv: ['exp', '@s.json'], files: { 's.json': study({ memory: 'lots' }) }, code: 1,
    first: '@s.json: error: /memory: must be a multiple of 4 KiB from 64K to 1G, such as 16M (got "lots")' },
  { what: 'too little memory', argv: ['exp', '@s.json'], files: { 's.json': study({ memory: '3K' }) }, code: 1,
    first: '@s.json: error: /memory: must be a multiple of 4 KiB from 64K to 1G, such as 16M (got "3K")' },
  { what: 'VMs whose host would not fit', argv: ['exp', '@s.json'], files: { 's.json': study({ memory: '1G', grid: { vms: [16] } }) }, code: 1,
    first: "@s.json: error: /memory: with vms=16 a virtualized cell's host needs 17424 MiB, more than the 3840 MiB the emulator can build: lower memory or vms" },
  { what: 'an unknown cost', argv: ['exp', '@s.json'], files: { 's.json': study({ profile: { walkRefCycle: 3 } }) }, code: 1,
    first: "@s.json: error: /profile/walkRefCycle: unknown key 'walkRefCycle'; did you mean 'walkRefCycles'?" },
  { what: 'a cost too large', argv: ['exp', '@s.json'], files: { 's.json': study({ profile: { 'insn.mul': 1e7 } }) }, code: 1,
    first: '@s.json: error: /profile/insn.mul: must be a whole number of cycles from 0 to 1000000 (got 10000000)' },
  { what: 'an unknown metric', argv: ['exp', '@s.json'], files: { 's.json': study({ finding: { claim: 'c', checks: ['speed{p} < 1'] } }) }, code: 1,
    first: "@s.json: error: /finding/checks/0: 'speed{p} < 1': unknown metric 'speed'" },
  { what: 'a selector that picks no cell', argv: ['exp', '@s.json'], files: { 's.json': study({ finding: { claim: 'c', checks: ['cycles{p, ept, pwc=3} < 1'] } }) }, code: 1,
    first: "@s.json: error: /finding/checks/0: 'cycles{p, ept, pwc=3} < 1': cycles{p, ept, pwc=3} picks no cell" },
  { what: 'a finding without checks', argv: ['exp', '@s.json'], files: { 's.json': study({ finding: { claim: 'c' } }) }, code: 1,
    first: '@s.json: error: /finding/checks: is required' },
  { what: 'a grid that is a list', argv: ['exp', '@s.json'], files: { 's.json': study({ grid: ['pwc'] }) }, code: 1, first: '@s.json: error: /grid: must be an object (got ["pwc"])' },
  { what: 'a finding that is a string', argv: ['exp', '@s.json'], files: { 's.json': study({ finding: 'EPT wins' }) }, code: 1, first: '@s.json: error: /finding: must be an object (got "EPT wins")' },
  { what: 'a workload that is a number', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [5] }) }, code: 1, first: '@s.json: error: /workloads/0: must be an object (got 5)' },
  { what: 'a profile that is a list', argv: ['exp', '@s.json'], files: { 's.json': study({ profile: [1] }) }, code: 1, first: '@s.json: error: /profile: must be an object (got [1])' },
  { what: 'memory as a boolean', argv: ['exp', '@s.json'], files: { 's.json': study({ memory: true }) }, code: 1,
    first: '@s.json: error: /memory: must be a multiple of 4 KiB from 64K to 1G, such as 16M (got true)' },
  { what: 'an empty kernel name', argv: ['exp', '@s.json'], files: { 's.json': study({ kernel: '' }) }, code: 1, first: '@s.json: error: /kernel: must not be empty' },
  { what: 'an empty module', argv: ['exp', '@s.json'], files: { 's.json': JSON.stringify({ workloads: [{ modules: [''] }] }) }, code: 1,
    first: '@s.json: error: /workloads/0/modules/0: must be a module: PROG.s[:ARG,ARG…] (got "")' },
  { what: 'every error of a file at once', argv: ['exp', '@s.json'], code: 1, errors: 6,
    files: { 's.json': JSON.stringify({ name: 5, workloads: [{ modules: 'primes.s' }], grid: { tlbEntries: [48], eptLevel: [2] }, repetitions: 0, extra: true }) },
    first: '@s.json: error: /name: must be a string (got 5)' },
  { what: 'a huge list of bad values', argv: ['exp', '@s.json'], code: 1, errors: 51,
    files: { 's.json': study({ grid: { tlbEntries: range(Math.min(20_000 * scale, 100_000)).map((i) => 2 * i + 3) } }) },
    first: '@s.json: error: /grid/tlbEntries/0: must be a power of two from 1 to 65536 (got 3)' },
  { what: 'a list longer than any study', argv: ['exp', '@s.json'], code: 1,
    files: { 's.json': study({ grid: { timerInterval: range(100_001) } }) }, first: '@s.json: error: /grid/timerInterval: must list at most 100000 values (got 100001)' },
  { what: 'no such study', argv: ['exp', '@nope.json'], code: 1, first: "vmmlab: error: cannot read study '@nope.json': no such file" },
  { what: 'a directory for a study', argv: ['exp', '@'], code: 1, first: /^vmmlab: error: cannot read study '.*': it is a directory$/ },
];

const EXP_FLAGS: Case[] = [
  ...['1/99999999999999999999', '0/2', '3/2', 'a/b', '1/0', '-1/2', '1/200000', '1.5/2', ' 1/2/3'].map((shard): Case => ({
    what: `--shard=${shard}`, argv: ['exp', '--workload', 'primes.s', `--shard=${shard}`], code: 2,
    first: `vmmlab: error: --shard takes I/N with 1 <= I <= N <= 100000 (got '${shard}')`,
  })),
  { what: 'a value that reads as an option', argv: ['exp', '--workload', 'primes.s', '--shard', '-1/2'], code: 2,
    first: "vmmlab: error: option '--shard' needs a value, and '-1/2' reads as an option: write '--shard=-1/2'" },
  { what: '--jobs 0', argv: ['exp', '--workload', 'primes.s', '--jobs', '0'], code: 2, first: "vmmlab: error: --jobs takes a whole number of at least 1 (got '0')" },
  { what: '--jobs abc', argv: ['exp', '--workload', 'primes.s', '--jobs', 'abc'], code: 2, first: "vmmlab: error: --jobs takes a whole number of at least 1 (got 'abc')" },
  { what: '--jobs 5000', argv: ['exp', '--workload', 'primes.s', '--jobs', '5000'], code: 2, first: "vmmlab: error: --jobs takes a whole number from 1 to 1024 (got '5000')" },
  { what: '--repetitions 1e9', argv: ['exp', '--workload', 'primes.s', '--repetitions', '1e9'], code: 2, first: "vmmlab: error: --repetitions takes a whole number from 1 to 1000 (got '1e9')" },
  { what: '--max-instructions 1e12', argv: ['exp', '--workload', 'primes.s', '--max-instructions', '1e12'], code: 2,
    first: "vmmlab: error: --max-instructions takes a whole number from 1 to 10000000000 (got '1e12')" },
  { what: '--memory 3K', argv: ['exp', '--workload', 'primes.s', '--memory', '3K'], code: 2, first: "vmmlab: error: --memory must be a multiple of 4 KiB from 64K to 1G, such as 16M (got '3K')" },
  { what: '--name ""', argv: ['exp', '--workload', 'primes.s', '--name', ''], code: 2, first: 'vmmlab: error: --name takes a non-empty name' },
  { what: '--mode kvm', argv: ['exp', '--workload', 'primes.s', '--mode', 'native,kvm'], code: 2, first: 'vmmlab: error: --mode native,kvm: mode must be native, shadow, ept, pv, dynamic or agile (got "kvm")' },
  { what: '--param with a misspelt name', argv: ['exp', '--workload', 'primes.s', '--param', 'tlbEntrie=4'], code: 2,
    first: "vmmlab: error: --param takes NAME=V,V… with NAME a parameter (got 'tlbEntrie=4'; did you mean 'tlbEntries'?); see vmmlab exp --help" },
  { what: '--param without =', argv: ['exp', '--workload', 'primes.s', '--param', 'pwc'], code: 2, first: /^vmmlab: error: --param takes NAME=V,V… with NAME a parameter \(got 'pwc'\)/ },
  { what: '--param with a bad value', argv: ['exp', '--workload', 'primes.s', '--param', 'tlbEntries=48'], code: 2,
    first: 'vmmlab: error: --param tlbEntries=48: tlbEntries must be a power of two from 1 to 65536 (got "48")' },
  { what: '--param with an empty value', argv: ['exp', '--workload', 'primes.s', '--param', 'pwc='], code: 2,
    first: 'vmmlab: error: --param pwc=: pwc must be a whole number from 0 to 65536 (got "")' },
  { what: '--param listing a value twice', argv: ['exp', '--workload', 'primes.s', '--param', 'pwc=1,1'], code: 2, first: "vmmlab: error: --param pwc=1,1: '1' is listed twice" },
  { what: '--param given twice', argv: ['exp', '--workload', 'primes.s', '--param', 'pwc=1', '--param', 'pwc=2'], code: 2, first: 'vmmlab: error: --param pwc is given twice' },
  { what: '--set without a value', argv: ['exp', '--workload', 'primes.s', '--set', 'walkRefCycles'], code: 2,
    first: "vmmlab: error: --set takes key=value with a non-negative integer value (got 'walkRefCycles')" },
  { what: '--set NaN', argv: ['exp', '--workload', 'primes.s', '--set', 'walkRefCycles=NaN'], code: 2,
    first: "vmmlab: error: --set takes key=value with a non-negative integer value (got 'walkRefCycles=NaN')" },
  { what: '--set an unknown cost', argv: ['exp', '--workload', 'primes.s', '--set', 'warpCycles=3'], code: 2, first: /^vmmlab: error: --set 'warpCycles=3': unknown profile key 'warpCycles'/ },
  { what: '--set a cost too large', argv: ['exp', '--workload', 'primes.s', '--set', 'walkRefCycles=99999999999999999999'], code: 2,
    first: "vmmlab: error: --set 'walkRefCycles=99999999999999999999': 'walkRefCycles' must be at most 1,000,000 cycles (got 100000000000000000000)" },
  { what: '--workload ""', argv: ['exp', '--workload', ''], code: 2, first: "vmmlab: error: --workload '': no modules" },
  { what: '--workload named like a mode', argv: ['exp', '--workload', 'ept=primes.s'], code: 1, first: "command line: error: /workloads/0/name: 'ept' is a mode; a workload needs another name" },
  { what: '--partial without merge', argv: ['exp', '--workload', 'primes.s', '--partial'], code: 2, first: 'vmmlab: error: --partial is an option of exp merge' },
  { what: 'two study files', argv: ['exp', 'a.json', 'b.json'], code: 2, first: 'vmmlab: error: exp takes one study file (see vmmlab exp --help)' },
  { what: 'an unknown option', argv: ['exp', '--workload', 'primes.s', '--frobnicate'], code: 2, first: "vmmlab: error: unknown option '--frobnicate'" },
];

const MERGES: Case[] = [
  { what: 'the same shard twice', argv: ['exp', 'merge', '@a.json', '@b.json'], files: { 'a.json': shardResult(1, 2), 'b.json': shardResult(1, 2) }, code: 1,
    first: 'vmmlab: error: @a.json and @b.json are both shard 1/2: give each shard once' },
  { what: 'one file twice', argv: ['exp', 'merge', '@a.json', '@a.json'], files: { 'a.json': shardResult(1, 2) }, code: 1,
    first: 'vmmlab: error: @a.json and @a.json are both shard 1/2: give each shard once' },
  { what: 'shards of two splits', argv: ['exp', 'merge', '@a.json', '@b.json'], files: { 'a.json': shardResult(1, 2), 'b.json': shardResult(1, 3) }, code: 1,
    first: 'vmmlab: error: @b.json is shard 1/3 but @a.json is shard 1/2: the parts of a merge come from one --shard I/N split' },
  { what: 'a whole run and a shard', argv: ['exp', 'merge', '@a.json', '@b.json'], files: { 'a.json': shardResult(1, 1), 'b.json': shardResult(2, 2) }, code: 1,
    first: 'vmmlab: error: @b.json is shard 2/2 but @a.json is a whole run: the parts of a merge come from one --shard I/N split' },
  { what: 'a shard missing', argv: ['exp', 'merge', '@a.json', '@c.json'], files: { 'a.json': shardResult(1, 3), 'c.json': shardResult(3, 3) }, code: 1,
    first: 'vmmlab: error: shard 2/3 missing (1 of 4 cells); nothing merged (--partial merges what there is)' },
  { what: 'a study, not a result', argv: ['exp', 'merge', '@s.json'], files: { 's.json': study({}) }, code: 1,
    first: '@s.json: error: not a result of vmmlab exp --json (it looks like a study: run it with vmmlab exp)' },
  { what: 'a JSON file that is no result', argv: ['exp', 'merge', '@x.json'], files: { 'x.json': '[1, 2, 3]' }, code: 1, first: '@x.json: error: not a result of vmmlab exp --json' },
  { what: 'a CSV file', argv: ['exp', 'merge', '@x.csv'], files: { 'x.csv': 'index,workload,mode\n0,p,native\n' }, code: 1, first: "@x.csv:1:1: error: expected a value, found 'index'" },
  { what: 'a result cut short', argv: ['exp', 'merge', '@a.json'], files: { 'a.json': shardResult(1, 1).slice(0, 300) }, code: 1, first: /^@a\.json:\d+:\d+: error: / },
  { what: 'a result of another format', argv: ['exp', 'merge', '@a.json'], files: { 'a.json': shardResult(1, 1, (r) => { r.vmmlab = { version: '9', format: 99 }; }) }, code: 1,
    first: `@a.json: error: /vmmlab/format: result format 99; this vmmlab reads format ${RESULT_FORMAT}` },
  { what: 'a result whose vmmlab is null', argv: ['exp', 'merge', '@a.json'], files: { 'a.json': shardResult(1, 1, (r) => { r.vmmlab = null; }) }, code: 1,
    first: `@a.json: error: /vmmlab/format: result format undefined; this vmmlab reads format ${RESULT_FORMAT}` },
  { what: 'a result without cells', argv: ['exp', 'merge', '@a.json'], files: { 'a.json': shardResult(1, 1, (r) => { delete r.cells; }) }, code: 1,
    first: '@a.json: error: /cells: is required' },
  { what: 'a cell without statistics', argv: ['exp', 'merge', '@a.json'], code: 1,
    files: { 'a.json': shardResult(1, 1, (r) => { (r.cells as Record<string, unknown>[])[2]!.stats = {}; }) }, first: '@a.json: error: /cells/2/stats/instructions: is required' },
  { what: 'a cell of another grid', argv: ['exp', 'merge', '@a.json'], code: 1,
    files: { 'a.json': shardResult(1, 1, (r) => { (r.cells as Record<string, unknown>[])[1]!.mode = 'shadow'; }) },
    first: '@a.json: error: /cells/1: cell 1 is not the study\'s cell 1 (p, native, {"pwc":8}, rep 0)' },
  { what: 'a cell outside its shard', argv: ['exp', 'merge', '@a.json', '@b.json'], code: 1,
    files: { 'a.json': shardResult(1, 2, (r) => { (r.cells as Record<string, unknown>[])[0]!.index = 1; }), 'b.json': shardResult(2, 2) },
    first: '@a.json: error: /cells/0: cell 1 is not the study\'s cell 1 (p, native, {"pwc":8}, rep 0)' },
  { what: 'a result whose study is bad', argv: ['exp', 'merge', '@a.json'], code: 1,
    files: { 'a.json': shardResult(1, 1, (r) => { r.study = { workloads: [] }; }) }, first: '@a.json: error: /study/workloads: must not be empty' },
  { what: 'a wrong cell count', argv: ['exp', 'merge', '@a.json'], code: 1,
    files: { 'a.json': shardResult(1, 1, (r) => { r.totalCells = 5; }) }, first: '@a.json: error: /totalCells: the study has 4 cells (got 5)' },
  { what: 'study flags with merge', argv: ['exp', 'merge', '@a.json', '--workload', 'primes.s'], files: { 'a.json': shardResult(1, 1) }, code: 2,
    first: 'vmmlab: error: exp merge takes result files and output options, not --workload' },
  { what: 'no such result', argv: ['exp', 'merge', '@nope.json'], code: 1, first: "vmmlab: error: cannot read result '@nope.json': no such file" },
];

const vm = (fields: Record<string, unknown>) => ({ kernel: KERNEL, ...fields });
const machine = (extra: Record<string, unknown>) => JSON.stringify({ vms: [vm({ name: 'a' })], ...extra });

const RUNS: Case[] = [
  { what: 'modules as a string', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a', modules: 'primes.s' })] }) }, code: 1,
    first: '@m.json: error: /vms/0/modules: must be a list (got "primes.s")' },
  { what: 'a VM with no name', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({})] }) }, code: 1,
    first: '@m.json: error: /vms/0/name: is required' },
  { what: 'two VMs of one name', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a' }), vm({ name: 'a' })] }) }, code: 1,
    first: "@m.json: error: /vms/1/name: two VMs are named 'a' (VM 0 too)" },
  { what: 'an unknown key', argv: ['run', '--machine', '@m.json'], files: { 'm.json': machine({ vpids: true }) }, code: 1,
    first: "@m.json: error: /vpids: unknown key 'vpids'; did you mean 'vpid'?" },
  { what: 'an unknown VM key', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a', module: ['primes.s'] })] }) }, code: 1,
    first: "@m.json: error: /vms/0/module: unknown key 'module'; did you mean 'modules'?" },
  { what: 'vpid as a string', argv: ['run', '--machine', '@m.json'], files: { 'm.json': machine({ vpid: 'yes' }) }, code: 1, first: '@m.json: error: /vpid: must be true or false (got "yes")' },
  { what: 'a native VM', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a', mode: 'native' })] }) }, code: 1,
    first: '@m.json: error: /vms/0/mode: must be shadow, ept, pv, dynamic or agile; a VM does not run native (got "native")' },
  { what: 'a VM of 3K', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a', memory: '3K' })] }) }, code: 1,
    first: '@m.json: error: /vms/0/memory: must be a multiple of 4 KiB from 4K to 3840M, such as 8M (got "3K")' },
  { what: 'a host of 9G', argv: ['run', '--machine', '@m.json'], files: { 'm.json': machine({ hostMemory: '9G' }) }, code: 1,
    first: '@m.json: error: /hostMemory: must be a multiple of 4 KiB from 4K to 3840M, such as 8M (got "9G")' },
  { what: 'a quantum of 0', argv: ['run', '--machine', '@m.json'], files: { 'm.json': machine({ quantum: 0 }) }, code: 1,
    first: '@m.json: error: /quantum: must be a whole number from 1 to 10000000000 (got 0)' },
  { what: 'a bad module argument', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [vm({ name: 'a', modules: ['primes.s:0x'] })] }) }, code: 1,
    first: "@m.json: error: /vms/0/modules/0: module 'primes.s:0x': argument '0x' is not a 32-bit integer" },
  { what: 'a VM without a kernel', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: [{ name: 'a' }] }) }, code: 1,
    first: '@m.json: error: /vms/0/kernel: is required (no program FILE on the command line)' },
  { what: 'no VMs', argv: ['run', '--machine', '@m.json'], files: { 'm.json': '{"vms": []}' }, code: 1, first: '@m.json: error: /vms: must not be empty' },
  { what: 'more VMs than VPIDs', argv: ['run', '--machine', '@m.json'], files: { 'm.json': JSON.stringify({ vms: range(256).map((i) => vm({ name: `v${i}` })) }) }, code: 1,
    first: '@m.json: error: /vms: must list at most 255 values (got 256)' },
  { what: 'a machine file that is a list', argv: ['run', '--machine', '@m.json'], files: { 'm.json': '[]' }, code: 1,
    first: '@m.json: error: a machine file is a JSON object {"vms": [{"name": …}, …]} (got a list)' },
  { what: 'a machine file with a syntax error', argv: ['run', '--machine', '@m.json'], files: { 'm.json': '{"vms": [}' }, code: 1,
    first: "@m.json:1:10: error: expected a value, found '}'" },
  { what: 'an empty machine file', argv: ['run', '--machine', '@m.json'], files: { 'm.json': '' }, code: 1, first: '@m.json:1:1: error: the file is empty (expected a JSON object)' },
  { what: 'no such machine file', argv: ['run', '--machine', '@nope.json'], code: 1, first: "vmmlab: error: cannot read machine file '@nope.json': no such file" },
  { what: 'every error of a machine file at once', argv: ['run', '--machine', '@m.json'], code: 1, errors: 5,
    files: { 'm.json': JSON.stringify({ vms: [vm({}), vm({ name: 'b', memory: 'x' }), vm({ name: 'b' })], vpid: 1, cpus: 2 }) },
    first: '@m.json: error: /vms/0/name: is required' },
  { what: '--machine with --vm', argv: ['run', '--machine', '@m.json', '--vm', 'b'], files: { 'm.json': machine({}) }, code: 2,
    first: 'vmmlab: error: --machine and --vm exclude each other: list every VM in the machine file' },
  { what: "--vm ''", argv: ['run', KERNEL, '--vm', ''], code: 2, first: "vmmlab: error: --vm '': a VM needs a name first, as in --vm 'a mode=ept module=primes.s'" },
  { what: "--vm '='", argv: ['run', KERNEL, '--vm', '='], code: 2, first: "vmmlab: error: --vm '=': a VM needs a name first, not '='" },
  { what: '--vm without a name', argv: ['run', KERNEL, '--vm', 'mode=ept module=primes.s'], code: 2,
    first: "vmmlab: error: --vm 'mode=ept module=primes.s': a VM needs a name first, as in --vm 'a mode=ept module=primes.s'" },
  { what: '--vm with a bad name', argv: ['run', KERNEL, '--vm', '[a] mode=ept'], code: 2,
    first: "vmmlab: error: --vm '[a] mode=ept': name must be a name: a letter or _, then letters, digits, _ . + - (got \"[a]\")" },
  { what: '--vm with an unknown key', argv: ['run', KERNEL, '--vm', 'a cpus=2'], code: 2, first: "vmmlab: error: --vm 'a cpus=2': unknown key 'cpus' (mode, memory, kernel, module)" },
  { what: '--vm with a key twice', argv: ['run', KERNEL, '--vm', 'a mode=ept mode=shadow'], code: 2, first: "vmmlab: error: --vm 'a mode=ept mode=shadow': mode= is given twice" },
  { what: '--vm with bad values', argv: ['run', KERNEL, '--vm', 'a mode=native memory=3K module=primes.s:q'], code: 2,
    first: "vmmlab: error: --vm 'a mode=native memory=3K module=primes.s:q': mode must be shadow, ept, pv, dynamic or agile; a VM does not run native (got \"native\"); memory must be a multiple of 4 KiB from 4K to 3840M, such as 8M (got \"3K\"); module 'primes.s:q': argument 'q' is not a 32-bit integer" },
  { what: '--vm twice with one name', argv: ['run', KERNEL, '--vm', 'a', '--vm', 'a'], code: 2, first: "vmmlab: error: --vm 'a': two VMs are named 'a'" },
  { what: 'a profile with mistakes', argv: ['run', KERNEL, '--profile', '@p.json'], code: 1, errors: 4,
    files: { 'p.json': JSON.stringify({ walkRefCycles: -1, walkStartCycle: 2, insn: { mull: 2, add: '3' } }) },
    first: '@p.json: error: /walkRefCycles: must be a whole number of cycles from 0 to 1000000 (got -1)' },
  { what: 'a profile that is a list', argv: ['run', KERNEL, '--profile', '@p.json'], files: { 'p.json': '[40]' }, code: 1,
    first: '@p.json: error: a profile is a JSON object of cycle costs, such as {"walkRefCycles": 40} (got a list)' },
  { what: 'a profile with insn not an object', argv: ['run', KERNEL, '--profile', '@p.json'], files: { 'p.json': '{"insn": 3}' }, code: 1,
    first: '@p.json: error: /insn: must be an object (got 3)' },
  { what: 'a profile with a syntax error', argv: ['run', KERNEL, '--profile', '@p.json'], files: { 'p.json': '{"walkRefCycles": 40,}' }, code: 1,
    first: "@p.json:1:22: error: a comma before '}' (JSON has no trailing commas)" },
  { what: 'no such profile', argv: ['run', KERNEL, '--profile', '@nope.json'], code: 1, first: "vmmlab: error: cannot read profile '@nope.json': no such file" },
  { what: '--set a cost too large (run)', argv: ['run', KERNEL, '--set', 'vmExitCycles=1000001'], code: 2,
    first: "vmmlab: error: 'vmExitCycles' must be at most 1,000,000 cycles (got 1000001)" },
];

/** Every line of stderr is an error line of a file or of vmmlab (or a warning): never a stack or an internal error. */
function checkLines(text: string): void {
  expect(text).not.toMatch(/internal error/);
  expect(text).not.toMatch(/\n\s+at .*:\d+:\d+/);
  for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(vmmlab: (error|warning): |(\S+?|command line)(:\d+:\d+)?: error: )/);
}

async function runCase(c: Case, dir: string): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(c.files ?? {})) fs.writeFileSync(path.join(dir, name), text);
  const at = (s: string) => s.replace(/@([\w.]*)/g, (_, name: string) => path.join(dir, name));
  return main(c.argv.map(at));
}

for (const [group, cases] of [['study files', STUDIES], ['exp flags', EXP_FLAGS], ['exp merge', MERGES], ['run: machine files, --vm, profiles', RUNS]] as const) {
  describe(`malformed input: ${group}`, () => {
    it.each(cases.map((c, i) => [i + 1, c.what, c] as const))('case %i: %s', async (n, _what, c) => {
      const dir = path.join(tmp, `${group.split(/\W/)[0]}-${n}`);
      const code = await runCase(c, dir);
      const first = stderr.split('\n')[0]!;
      const expected = typeof c.first === 'string' ? c.first.replace(/@([\w.]*)/g, (_, name: string) => path.join(dir, name)) : c.first;
      if (typeof expected === 'string') expect(first).toBe(expected);
      else expect(first.split(`${dir}/`).join('@')).toMatch(expected);
      expect(code, stderr).toBe(c.code);
      checkLines(stderr);
      if (c.errors !== undefined) expect(stderr.split('\n').filter((l) => / error: /.test(l) && !l.startsWith('vmmlab:'))).toHaveLength(c.errors);
      if (c.code === 1 && c.files && typeof c.first === 'string' && !c.first.startsWith('vmmlab:')) {
        expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^vmmlab: error: .*: (\d+ errors?|more than \d+ errors); nothing (run|merged)$/);
      }
      expect(stdout).toBe('');
    });
  });
}

// Random malformed input: any JSON value put anywhere in a valid file, files cut at any byte, any
// --vm text. Each is either accepted or refused with issues; nothing else may escape. Scaled by
// VMMLAB_CAMPAIGN_SCALE (default 1).
describe('malformed input: random', () => {
  const runs = 150 * scale;
  const VALID_STUDY = {
    $schema: '../../schemas/study.schema.json', name: 'r', workloads: [{ name: 'p', modules: ['primes.s:10'] }, { modules: ['memwalk.s:4,4096,1'] }],
    grid: { mode: ['native', 'ept'], pwc: [0, 8], eptLevels: [2, 3] }, repetitions: 2, memory: '2M', maxInstructions: 1000,
    profile: { walkRefCycles: 30 }, finding: { claim: 'c', checks: ['cycles{p, ept, pwc=0, eptLevels=2} > 1'] },
  };
  /** Every path of a JSON value, '' included. */
  const paths = (v: unknown, at = ''): string[] => [at, ...(v !== null && typeof v === 'object'
    ? Object.entries(v).flatMap(([k, x]) => paths(x, `${at}/${k}`)) : [])];
  const put = (doc: unknown, at: string, value: unknown): unknown => {
    if (at === '') return value;
    const copy = structuredClone(doc) as Record<string, unknown>;
    const keys = at.split('/').slice(1);
    let node = copy;
    for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
    node[keys.at(-1)!] = value;
    return copy;
  };
  const refusedWell = (e: unknown) => {
    expect(e).toBeInstanceOf(StudyError);
    const issues = (e as StudyError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) expect(i.path === '' || i.path.startsWith('/')).toBe(true);
    expect((e as Error).message.split('\n')).toHaveLength(issues.length);
  };

  it('case 1: any value anywhere in a study is accepted or refused with issues', () => {
    fc.assert(fc.property(fc.constantFrom(...paths(VALID_STUDY)), fc.jsonValue({ maxDepth: 3 }), (at, value) => {
      try {
        parseStudy(put(VALID_STUDY, at, value), 'r');
      } catch (e) {
        refusedWell(e);
      }
    }), { numRuns: runs * 4 });
  });

  it('case 2: a study, machine or result file cut at any byte is a syntax error with its line and column', () => {
    const texts = [fs.readFileSync('guest-programs/studies/tlb-pressure.json', 'utf8'), machine({ vpid: true }), shardResult(1, 2).slice(0, 4000)];
    for (const text of texts) {
      for (let end = 0; end < text.length; end += Math.max(1, Math.floor(text.length / (100 * scale)))) {
        const read = parseJson(text.slice(0, end));
        if (read.ok) continue;
        for (const i of read.issues) expect(i.line).toBeGreaterThan(0);
      }
    }
  });

  it('case 3: any --vm text is a VM or one usage error', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom('a', 'mode=', 'ept', 'native', 'memory=', '8M', 'module=', 'primes.s:1', '=', ' ', 'kernel=', 'x')).map((p) => p.join(''))), (text) => {
      try {
        parseVmFlag(text);
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(2);
        expect((e as Error).message).not.toContain('\n');
      }
    }), { numRuns: runs * 4 });
  });

  it('case 4: any value anywhere in a result is read, merged, or refused with issues', () => {
    const part = JSON.parse(shardResult(1, 1));
    const places = paths(part).filter((p) => !p.startsWith('/study/') && !p.startsWith('/profile/'));
    const file = path.join(tmp, 'random-result.json');
    fc.assert(fc.property(fc.constantFrom(...places), fc.jsonValue({ maxDepth: 2 }), (at, value) => {
      fs.writeFileSync(file, JSON.stringify(put(part, at, value)));
      try {
        const { result } = mergeResults([readResult(file)], [file]);
        // What exp merge then prints and writes.
        textTable(result);
        csv(result);
        studySvg(result);
        findingText(result.finding, result);
        warnings(result);
      } catch (e) {
        expect(e).toBeInstanceOf(StudyError);
      }
    }), { numRuns: runs * 3 });
  });

  it('case 5: any value anywhere in a machine file or a profile ends in exit 1 or 2, one line per error', async () => {
    const machineDoc = { vms: [{ name: 'a', mode: 'ept', memory: '8M', kernel: 'no-such-kernel.s', modules: ['primes.s:5'] }], vpid: true, quantum: 100, hostMemory: '64M' };
    const profileDoc = { walkRefCycles: 30, insn: { mul: 3 } };
    const file = path.join(tmp, 'random-config.json');
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.nat(), fc.jsonValue({ maxDepth: 2 }), async (isMachine, pick, value) => {
      const doc = isMachine ? machineDoc : profileDoc;
      const places = paths(doc);
      fs.writeFileSync(file, JSON.stringify(put(doc, places[pick % places.length]!, value)));
      stderr = '';
      // A profile that survives is used with the missing kernel: every path ends before a guest runs.
      const code = await main(isMachine ? ['run', '--machine', file] : ['run', 'no-such-kernel.s', '--profile', file]);
      expect([1, 2]).toContain(code);
      checkLines(stderr);
    }), { numRuns: runs });
  });
});
