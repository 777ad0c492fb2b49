// The resolver: repeat layout passes until every symbol keeps its value from one pass to the next.
//
// Code size never depends on label values (`li` of a label always takes two words), so two passes
// normally settle; `.equ` chains defined after their use, or `.space`/`.org` computed from labels,
// may need more. The number of passes is capped and an unsettled layout is an error. Only the
// settled pass's diagnostics are reported: earlier passes saw forward references as unknown.

import { Diagnostics } from './diagnostics.ts';
import { runPass, type PassResult, type SymbolDef } from './layout.ts';
import type { Statement } from './parser.ts';

export const MAX_PASSES = 10;

export interface ResolveOptions {
  readonly origin: number;
  readonly defines: Readonly<Record<string, number>>;
}

export function resolve(statements: readonly Statement[], options: ResolveOptions, diagnostics: Diagnostics): PassResult {
  const predefined = new Map<string, SymbolDef>(
    Object.entries(options.defines).map(([name, value]) => [name, { value: value | 0, addressLike: false, kind: 'predefined' }]),
  );
  let previous: PassResult | undefined;
  let last: PassResult | undefined;
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    previous = last;
    last = runPass(statements, options.origin, predefined, previous?.symbols);
    if (previous && changedSymbol(previous.symbols, last.symbols) === undefined) break;
  }
  diagnostics.addAll(last!.diagnostics);
  const moving = changedSymbol(previous!.symbols, last!.symbols);
  const def = moving === undefined ? undefined : last!.symbols.get(moving) ?? previous!.symbols.get(moving);
  if (def?.loc) diagnostics.error(def.loc, 1, `symbol values did not settle after ${MAX_PASSES} passes ('${moving}' keeps moving)`);
  return last!;
}

/** A symbol whose value (or existence) differs between two passes, if any. */
function changedSymbol(before: ReadonlyMap<string, SymbolDef>, after: ReadonlyMap<string, SymbolDef>): string | undefined {
  for (const [name, def] of after) if (before.get(name)?.value !== def.value) return name;
  for (const name of before.keys()) if (!after.has(name)) return name;
  return undefined;
}
