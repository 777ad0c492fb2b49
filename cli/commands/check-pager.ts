// `vmmlab check-pager FILE|shadow|ept|agile`: grade a pager (docs/pager-api.md) against the
// equivalence suite (the bundled guests and random page tables, natively and under the pager)
// and the isolation suite (an adversarial guest beside a VM with a secret), print a scorecard,
// each check passed or failed with the first difference located and a hint where one helps, and
// what the pager costs next to the built-in pager of its kind. session/check-pager.ts runs the checks
// and prints the scorecard (the playground's Check lab prints the same); node/check-pager.ts reads
// their guests from disk.

import * as fs from 'node:fs';
import { BUILT_IN_PAGERS, DEFAULT_SEED, RANDOM_CASES, ScorecardPrinter, checkGuestsPresent, checkPager } from '../../node/check-pager.ts';
import { CliError, EXIT_CODES } from '../errors.ts';
import { useColor } from '../format.ts';
import { parseCommandLine } from '../options.ts';
import { loadPagerFile } from '../session.ts';

/** Exit status when a check fails (as `exp --check` when a finding does not hold). */
export const CHECK_FAILED = 3;

export const CHECK_PAGER_HELP = `Usage: vmmlab check-pager FILE.js|FILE.ts|shadow|ept|agile [options]

Grade a pager written against the pager API (docs/pager-api.md): run the guests of the
equivalence suite natively and under the pager, and the isolation suite, and print a
scorecard. Each check passes or fails; a failure shows the first difference (the instruction,
the address, the value natively and under the pager) and, for the checks that target one
duty of a pager, what to fix. Last, what the pager cost on the kernel's workloads (cycles, VM
exits, hidden faults, the memory of its tables) next to the built-in pager of its kind
('shadow' pagers against the built-in shadow pager, 'nested' ones against EPT, 'agile' ones
against agile paging). The names shadow, ept and agile grade the built-in pagers themselves.

The checks:
  equivalence   guests of guest-programs/check-pager/ (pt-write: guest page tables are
                write-protected; ad-bits: A and D are set; ptbr-switch: a PTBR write flushes;
                paging-kernel and others from vmmlab's own tests), the bare-metal programs, and
                the bundled kernel with each of its workloads: the guest must see what it sees
                natively (console, exit, registers, memory), and no translation may lead
                outside its VM
  random        ${RANDOM_CASES} random page tables and access sequences (VMMLAB_CHECK_SCALE=N for N times
                as many; --seed to change them)
  isolation     snoop.s looks for holder.s's secret from under the pager: it must find nothing

Options:
  --only NAME           run only the checks whose names contain NAME (repeatable), e.g.
                        --only pt-write --only random
  --seed N              the random cases' seed (default ${DEFAULT_SEED})
  --json FILE           the scorecard as JSON ('-' for stdout; the scorecard then goes to stderr)
  -h, --help            this text

Exit status: 0 when every check passes, ${CHECK_FAILED} when one fails, 1 when the pager cannot be
loaded, 2 for a bad command line.`;

const OPTIONS = {
  only: { type: 'string', multiple: true },
  seed: { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function checkPagerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    console.log(CHECK_PAGER_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('check-pager takes one pager: a .js or .ts file, or shadow or ept (see vmmlab check-pager --help)');
  const file = positionals[0]!;
  const seed = values.seed === undefined ? DEFAULT_SEED : parseSeed(values.seed);
  const scale = parseScale(process.env.VMMLAB_CHECK_SCALE);
  if (!checkGuestsPresent()) throw new CliError('check-pager: its guests (guest-programs/check-pager/) are not installed', EXIT_CODES.INPUT);
  const builtIn = Object.hasOwn(BUILT_IN_PAGERS, file) && !fs.existsSync(file) ? BUILT_IN_PAGERS[file]! : undefined;
  const pager = builtIn ?? (await loadPagerFile(file));
  const out = values.json === '-' ? process.stderr : process.stdout;
  const color = useColor(out);
  const mode = pager.translation === 'shadow' ? 'shadow' : 'ept';
  const label = builtIn ? `the built-in ${mode} pager` : file;
  const printer = new ScorecardPrinter(label, color);
  out.write(printer.header(pager));
  const card = checkPager(pager, {
    seed, scale, ...(values.only ? { only: values.only } : {}),
    onResult: (r) => out.write(printer.result(r)),
  });
  if (card.checks.length === 0) throw new CliError(`--only ${values.only!.join(', ')}: no check has that name`);
  out.write(printer.end(card));
  const failed = card.checks.filter((c) => !c.passed);
  if (values.json !== undefined) {
    const json = JSON.stringify(card, null, 1) + '\n';
    if (values.json === '-') fs.writeSync(process.stdout.fd, json);
    else {
      try {
        fs.writeFileSync(values.json, json);
      } catch (e) {
        throw new CliError(`cannot write '${values.json}': ${(e as Error).message}`, EXIT_CODES.INPUT);
      }
    }
  }
  return failed.length === 0 ? 0 : CHECK_FAILED;
}

function parseSeed(text: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new CliError(`--seed takes a whole number from 0 to 4294967295 (got '${text}')`);
  return n;
}

function parseScale(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new CliError(`VMMLAB_CHECK_SCALE takes a number above 0, at most 1000 (got '${text}')`);
  return n;
}
