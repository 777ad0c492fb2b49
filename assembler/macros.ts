// The preprocessor: reads the source and its `.include`s, records `.macro` … `.endm` definitions
// and expands macro invocations, producing a flat list of lexed lines for the parser.
//
// Locations: a line from an included file keeps its own file and line; a line produced by a macro
// expansion is located at the (outermost) invocation line, with the body line it came from noted
// in diagnostics. The source map and the listing therefore show the invocation line for every
// instruction a macro emits. This stage knows no instruction or directive other than the three it
// handles (.include, .macro, .endm); it never evaluates expressions.

import * as path from 'node:path';
import { SPEC_BY_MNEMONIC } from '../isa/encoding.ts';
import { PSEUDOS } from '../isa/table.ts';
import type { Diagnostics, ExpansionInfo, LineLoc } from './diagnostics.ts';
import { labelPrefixLength, lexLine, splitAtCommas, type Token } from './lexer.ts';

export interface SourceLine {
  readonly tokens: readonly Token[];
  readonly loc: LineLoc;
}

export interface PreprocessOptions {
  readonly file: string;
  readonly readFile: (path: string) => string;
  readonly diagnostics: Diagnostics;
}

/** A line of text before lexing, and where it will be reported. */
interface RawLine {
  readonly text: string;
  readonly loc: LineLoc;
  /** The file the text itself lives in (an include's path, or a macro body's file). */
  readonly textFile: string;
}

interface MacroDef {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: { text: string; file: string; line: number }[];
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_MACRO_DEPTH = 32;

export function preprocess(source: string, options: PreprocessOptions): SourceLine[] {
  return new Preprocessor(options).run(source);
}

class Preprocessor {
  private readonly out: SourceLine[] = [];
  private readonly macros = new Map<string, MacroDef>();
  private readonly includeStack: string[] = [];
  private readonly macroStack: string[] = [];
  private collecting: { def: MacroDef; loc: LineLoc; col: number } | undefined;
  private seq = 0;
  private expansionCount = 0;

  constructor(private readonly options: PreprocessOptions) {}

  run(source: string): SourceLine[] {
    this.processFile(this.options.file, source);
    return this.out;
  }

  private get diags(): Diagnostics {
    return this.options.diagnostics;
  }

  private processFile(file: string, text: string): void {
    this.includeStack.push(path.resolve(file));
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((lineText, i) => {
      this.processLine({ text: lineText, textFile: file, loc: { file, line: i + 1, text: lineText, seq: this.seq++ } });
    });
    if (this.collecting) {
      this.diags.error(this.collecting.loc, this.collecting.col, `missing .endm for macro '${this.collecting.def.name}'`);
      this.collecting = undefined;
    }
    this.includeStack.pop();
  }

  private processLine(raw: RawLine): void {
    if (this.collecting) return this.collectBodyLine(raw);
    const lexed = lexLine(raw.text);
    if (lexed.error) return this.diags.error(raw.loc, lexed.error.col, lexed.error.message);
    const tokens = lexed.tokens;
    const labelEnd = labelPrefixLength(tokens);
    const head = tokens[labelEnd];
    const word = head?.kind === 'ident' ? head.text.toLowerCase() : undefined;
    const handled = word === '.include' || word === '.macro' || word === '.endm' || (word !== undefined && this.macros.has(word));
    if (!handled) {
      if (tokens.length > 0) this.out.push({ tokens, loc: raw.loc });
      return;
    }
    // Labels in front of a handled line still name the address it starts at.
    if (labelEnd > 0) this.out.push({ tokens: tokens.slice(0, labelEnd), loc: raw.loc });
    const args = tokens.slice(labelEnd + 1);
    if (word === '.include') this.include(raw, head!, args);
    else if (word === '.macro') this.beginMacro(raw, head!, args);
    else if (word === '.endm') this.diags.error(raw.loc, head!.col, '.endm without .macro');
    else this.expand(raw, this.macros.get(word!)!, head!, args);
  }

  private include(raw: RawLine, head: Token, args: readonly Token[]): void {
    const target = args[0];
    if (args.length !== 1 || target?.kind !== 'string') {
      return this.diags.error(raw.loc, target?.col ?? head.col, '.include expects one quoted path');
    }
    const name = Buffer.from(target.bytes!).toString('utf8');
    const file = path.isAbsolute(name) ? name : path.join(path.dirname(raw.textFile), name);
    if (this.includeStack.includes(path.resolve(file))) {
      return this.diags.error(raw.loc, target.col, `recursive include of '${file}'`);
    }
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
      return this.diags.error(raw.loc, target.col, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
    }
    let text: string;
    try {
      text = this.options.readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
      return this.diags.error(raw.loc, target.col, `cannot read include file '${file}': ${reason}`);
    }
    this.processFile(file, text);
  }

  private beginMacro(raw: RawLine, head: Token, args: readonly Token[]): void {
    const nameToken = args[0];
    if (nameToken?.kind !== 'ident') return this.diags.error(raw.loc, nameToken?.col ?? head.col, '.macro expects a name');
    const name = nameToken.text.toLowerCase();
    const params: string[] = [];
    let bad: Token | undefined;
    for (const t of args.slice(1)) {
      if (t.kind === 'punct' && t.text === ',') continue;
      if (t.kind !== 'ident' || params.includes(t.text)) bad ??= t;
      else params.push(t.text);
    }
    // Collect the body even after an error, so that its lines are not assembled as code.
    const def: MacroDef = { name, params, body: [] };
    this.collecting = { def, loc: raw.loc, col: head.col };
    if (bad) this.diags.error(raw.loc, bad.col, `bad macro parameter '${bad.text}'`);
    else if (this.macros.has(name)) this.diags.error(raw.loc, nameToken.col, `macro '${name}' is already defined`);
    else if (SPEC_BY_MNEMONIC.has(name) || PSEUDOS.some((p) => p.mnemonic === name)) {
      this.diags.error(raw.loc, nameToken.col, `macro '${name}' would hide the instruction '${name}'`);
    } else this.macros.set(name, def);
  }

  private collectBodyLine(raw: RawLine): void {
    const collecting = this.collecting!;
    if (/^\s*\.endm\b/i.test(raw.text)) {
      this.collecting = undefined;
    } else if (/^\s*\.macro\b/i.test(raw.text)) {
      this.diags.error(raw.loc, raw.text.indexOf('.') + 1, `.macro inside the definition of '${collecting.def.name}' (missing .endm?)`);
    } else {
      collecting.def.body.push({ text: raw.text, file: raw.textFile, line: raw.loc.expansion?.bodyLine ?? raw.loc.line });
    }
  }

  private expand(raw: RawLine, def: MacroDef, head: Token, args: readonly Token[]): void {
    const parts = splitAtCommas(args);
    const values = parts.map((part) => {
      const last = part[part.length - 1];
      return part.length === 0 ? '' : raw.text.slice(part[0]!.col - 1, last!.col - 1 + last!.text.length);
    });
    if (values.length !== def.params.length) {
      const plural = def.params.length === 1 ? '' : 's';
      return this.diags.error(raw.loc, head.col, `macro '${def.name}' expects ${def.params.length} argument${plural}, got ${values.length}`);
    }
    if (this.macroStack.includes(def.name)) {
      return this.diags.error(raw.loc, head.col, `recursive macro '${def.name}' (expanding ${[...this.macroStack, def.name].join(' -> ')})`);
    }
    if (this.macroStack.length >= MAX_MACRO_DEPTH) {
      return this.diags.error(raw.loc, head.col, `macro expansion nested more than ${MAX_MACRO_DEPTH} deep`);
    }
    const unique = String(this.expansionCount++);
    // Columns of raw.text in the line the user sees (raw.text is itself an expansion when nested).
    const outer = raw.loc.expansion;
    const toUser = (col: number): number | undefined => (outer ? outer.mapCol?.(col) : col);
    this.macroStack.push(def.name);
    for (const bodyLine of def.body) {
      const { text, mapCol } = substituteArguments(bodyLine.text, def.params, values, parts.map((p) => p[0]?.col ?? head.col), unique);
      const expansion: ExpansionInfo = {
        macro: def.name,
        col: outer?.col ?? head.col,
        bodyFile: bodyLine.file,
        bodyLine: bodyLine.line,
        mapCol: (col) => {
          const rawCol = mapCol(col);
          return rawCol === undefined ? undefined : toUser(rawCol);
        },
      };
      this.processLine({ text, textFile: bodyLine.file, loc: { ...raw.loc, expansion } });
    }
    this.macroStack.pop();
  }
}

/**
 * Replace `\param` with the argument text and `\@` with the expansion's number. Unknown `\names`
 * stay (they may be string escapes such as `\n`). Returns a map from columns of the result that
 * came from an argument to the argument's column on the invocation line.
 */
function substituteArguments(
  body: string,
  params: readonly string[],
  values: readonly string[],
  valueCols: readonly number[],
  unique: string,
): { text: string; mapCol: (col: number) => number | undefined } {
  const spans: { start: number; length: number; sourceCol: number }[] = [];
  let text = '';
  let last = 0;
  for (const m of body.matchAll(/\\(@|[A-Za-z_][A-Za-z0-9_]*)/g)) {
    const index = params.indexOf(m[1]!);
    const replacement = m[1] === '@' ? unique : index >= 0 ? values[index]! : m[0];
    text += body.slice(last, m.index);
    if (index >= 0) spans.push({ start: text.length + 1, length: replacement.length, sourceCol: valueCols[index]! });
    text += replacement;
    last = m.index! + m[0].length;
  }
  text += body.slice(last);
  const mapCol = (col: number): number | undefined => {
    const span = spans.find((s) => col >= s.start && col < s.start + Math.max(1, s.length));
    return span ? span.sourceCol + (col - span.start) : undefined;
  };
  return { text, mapCol };
}
