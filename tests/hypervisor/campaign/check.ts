// Running one campaign case everywhere and saying what differs: the case's program runs natively
// (the reference) and in every variant of modes.ts, and any difference in what the guest can see
// becomes a failure that names the case and its seed, the variant, the fields that differ (the
// trap logs side by side, the first RAM words that differ) and the program itself, so that the
// failure is its own reproduction.

import type { Image } from '../../../isa/image.ts';
import { NATIVE, VARIANTS, runVariant, type GuestRam, type RunSettings, type Seen, type Variant } from './modes.ts';

export const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** One generated case, whatever campaign it comes from. */
export interface CampaignCase {
  /** "words #17": the campaign and the case number. */
  readonly id: string;
  readonly seed: number;
  readonly image: Image;
  readonly settings: RunSettings;
  /** The program as a reader wants it: assembly source with the layout, or a disassembly. */
  readonly listing: string;
  /** The case's log (traps and values) as lines, from what a run left in guest RAM. */
  log(seen: Seen): string[];
  /** A name for a guest-physical address (a page table, the log, a data page), or ''. */
  describeAddress(guestPhys: number): string;
}

export interface CaseResult {
  /** The native run (undefined when it threw). */
  readonly native: Seen | undefined;
  /** Set when the case failed: the readable report. */
  readonly failure?: string;
}

/** Variants every case runs in. */
const CORE = 3;

/**
 * The variants case `n` runs in: the first CORE (shadow in both designs, default EPT) always, and
 * `extra` of the others in turn, so that a campaign spreads its cases over all of them at a third
 * of the cost. `all` (reproducing one case) runs every variant.
 */
export function variantsFor(n: number, all: boolean, extra = 3): Variant[] {
  if (all) return [...VARIANTS];
  const rest = VARIANTS.slice(CORE);
  return [...VARIANTS.slice(0, CORE), ...Array.from({ length: Math.min(extra, rest.length) }, (_, j) => rest[(n * extra + j) % rest.length]!)];
}

/** Run a case natively and in `variants`; report the first variant that differs. */
export function checkCase(c: CampaignCase, native: Seen | undefined, variants: readonly Variant[] = VARIANTS, extraReport: () => string = () => ''): CaseResult {
  let reference: Seen;
  try {
    reference = native ?? runVariant(NATIVE, c.image, c.settings)[0]!;
  } catch (e) {
    return { native: undefined, failure: crashReport(c, NATIVE, e, extraReport) };
  }
  for (const v of variants) {
    let seens: Seen[];
    try {
      seens = runVariant(v, c.image, c.settings);
    } catch (e) {
      return { native: reference, failure: crashReport(c, v, e, extraReport) };
    }
    for (const [i, seen] of seens.entries()) {
      const label = seens.length > 1 ? `${v.label}, VM ${i + 1}` : v.label;
      const diff = differences(c, reference, seen, label);
      if (diff.length > 0) return { native: reference, failure: report(c, label, diff, extraReport) };
    }
  }
  return { native: reference };
}

function header(c: CampaignCase): string {
  return `${c.id} (seed ${hex(c.seed)}; reproduce with VMMLAB_CAMPAIGN_CASE='${c.id.replace(' #', ':')}')`;
}

function crashReport(c: CampaignCase, v: Variant, e: unknown, extra: () => string): string {
  const stack = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return [`${header(c)}: ${v.label} THREW`, stack.split('\n').slice(0, 8).join('\n'), extra(), 'program:', c.listing].join('\n');
}

function report(c: CampaignCase, label: string, diff: string[], extra: () => string): string {
  return [`${header(c)}: ${label} differs from native`, ...diff, extra(), 'program:', c.listing].filter((l) => l !== '').join('\n');
}

/** What differs between the native run and another, as readable lines (empty when nothing does). */
export function differences(c: CampaignCase, native: Seen, other: Seen, label: string): string[] {
  const lines: string[] = [];
  const scalar = (name: string, a: string | number, b: string | number): void => {
    if (a !== b) lines.push(`${name}: native ${JSON.stringify(a)}, ${label} ${JSON.stringify(b)}`);
  };
  scalar('reason', native.reason, other.reason);
  scalar('exit code', native.exitCode, other.exitCode);
  scalar('console', native.console, other.console);
  scalar('pc', hex(native.pc), hex(other.pc));
  scalar('instructions retired', native.instructions, other.instructions);
  if (native.regs.join() !== other.regs.join()) {
    lines.push('registers (r0..r15):', `  native ${native.regs.map(hex).join(' ')}`, `  other  ${other.regs.map(hex).join(' ')}`);
  }
  const crNames = ['status', 'ptbr', 'evec', 'epc', 'cause', 'badva', 'scratch', 'timer'];
  native.crs.forEach((v, i) => scalar(crNames[i]!, hex(v), hex(other.crs[i]!)));
  if (other.audit.length > 0) lines.push(`isolation audit: ${other.audit.slice(0, 4).join('; ')}`);
  const frames = native.ram.differingFrames(other.ram);
  if (frames.length > 0) lines.push('guest RAM differs:', ...ramDifferences(c, native.ram, other.ram, frames));
  if (lines.length > 0) {
    const a = c.log(native);
    const b = c.log(other);
    lines.push(`log (native | ${label}):`);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const mark = a[i] === b[i] ? '   ' : '>> ';
      lines.push(`${mark}${(a[i] ?? '-').padEnd(58)} | ${b[i] ?? '-'}`);
    }
  }
  return lines;
}

function ramDifferences(c: CampaignCase, a: GuestRam, b: GuestRam, frames: readonly number[]): string[] {
  const out: string[] = [];
  let count = 0;
  for (const frame of frames) {
    for (let address = frame * 4096; address < (frame + 1) * 4096; address += 4) {
      const wa = a.word(address);
      const wb = b.word(address);
      if (wa === wb) continue;
      if (++count <= 12) {
        const name = c.describeAddress(address);
        out.push(`  ${hex(address)}${name ? ` (${name})` : ''}: native ${hex(wa)}, other ${hex(wb)}`);
      }
    }
  }
  if (count > 12) out.push(`  ... ${count} words in all`);
  return out;
}
