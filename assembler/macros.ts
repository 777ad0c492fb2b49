// The preprocessor: reads the source and its `.include`s, records `.macro` … `.endm` definitions
// and expands macro invocations, producing a flat list of lexed lines for the parser.
//
// Locations: a line from an included file keeps its own file and line; a line produced by a macro
// expansion is located at the (outermost) invocation line, with the body line it came from noted
// in diagnostics. The source map and the listing therefore show the invocation line for every
// instruction a macro emits. This stage knows no instruction or directive other than the three it
// handles (.include, .macro, .endm, and the conditionals .ifdef/.ifndef/.else/.endif, which test
// only the names defined from outside the source: `-D NAME=VALUE`, AssembleOptions.defines); it
// never evaluates expressions.
//
// It is also where a few lines can ask for unbounded work (macros that invoke each other twice per
// level, includes of includes), so it keeps budgets (limits.ts): past one, it reports a located
// error naming the chain of macros or files, and stops expanding or including for the rest of the
// assembly. The first error is the useful one; thousands of copies of it are not.

import * as path from './paths.ts';
import { SPEC_BY_MNEMONIC } from '../isa/encoding.ts';
import { PSEUDOS } from '../isa/table.ts';
import type { ArgumentSpan, Diagnostics, ExpansionInfo, LineLoc } from './diagnostics.ts';
import { labelPrefixLength, lexLine, splitAtCommas, type Token } from './lexer.ts';
import {
  MAX_EXPANSION_CHARS, MAX_EXPANSION_LINES, MAX_INCLUDE_DEPTH, MAX_INCLUDED_CHARS, MAX_INCLUDES, MAX_MACRO_DEPTH, quoted,
} from './limits.ts';

export interface SourceLine {
  readonly tokens: readonly Token[];
  readonly loc: LineLoc;
}

export interface PreprocessOptions {
  readonly file: string;
  readonly readFile: (path: string) => string;
  /** A path as one key for the include-cycle check (a Node host: path.resolve). */
  readonly resolvePath: (path: string) => string;
  /** Where a relative `.include` is looked for after the including file's directory. */
  readonly includePath: readonly string[];
  readonly diagnostics: Diagnostics;
  /** Names defined from outside (`-D`): what `.ifdef` and `.ifndef` test. */
  readonly defined?: ReadonlySet<string>;
}

/** An open `.ifdef`/`.ifndef`: whether its lines are assembled, and where it was opened. */
interface Conditional {
  /** Lines of the current branch are assembled. */
  active: boolean;
  /** The enclosing region is assembled (an inactive one keeps both branches off). */
  readonly outerActive: boolean;
  seenElse: boolean;
  readonly loc: LineLoc;
  readonly col: number;
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

const CONDITIONALS = new Set(['.ifdef', '.ifndef', '.else', '.endif']);

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
  /** Budgets spent so far (limits.ts), and whether one ran out. */
  private expandedLines = 0;
  private expandedChars = 0;
  private expansionHalted = false;
  private includeCount = 0;
  private includedChars = 0;
  private includeHalted = false;
  private readonly conditionals: Conditional[] = [];

  constructor(private readonly options: PreprocessOptions) {}

  run(source: string): SourceLine[] {
    this.processFile(this.options.file, source);
    return this.out;
  }

  private get diags(): Diagnostics {
    return this.options.diagnostics;
  }

  private processFile(file: string, text: string): void {
    this.includeStack.push(this.options.resolvePath(file));
    const openConditionals = this.conditionals.length;
    // A byte-order mark some editors write is not part of the first line.
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const lines = body.split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((lineText, i) => {
      this.processLine({ text: lineText, textFile: file, loc: { file, line: i + 1, text: lineText, seq: this.seq++ } });
    });
    if (this.collecting) {
      this.diags.error(this.collecting.loc, this.collecting.col, `missing .endm for macro '${this.collecting.def.name}'`);
      this.collecting = undefined;
    }
    // A conditional ends in the file that opened it.
    while (this.conditionals.length > openConditionals) {
      const open = this.conditionals.pop()!;
      this.diags.error(open.loc, open.col, 'missing .endif');
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
    if (word !== undefined && CONDITIONALS.has(word)) return this.conditional(raw, word, head!, tokens.slice(labelEnd + 1), labelEnd);
    if (this.conditionals.length > 0 && !this.conditionals[this.conditionals.length - 1]!.active) return;
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

  /** `.ifdef NAME`, `.ifndef NAME`, `.else`, `.endif`: NAME is defined from outside (-D) or not. */
  private conditional(raw: RawLine, word: string, head: Token, args: readonly Token[], labelEnd: number): void {
    const top = this.conditionals[this.conditionals.length - 1];
    const enclosingActive = top === undefined || top.active;
    if (labelEnd > 0) this.diags.error(raw.loc, head.col, `a label cannot stand before ${word}`);
    if (word === '.ifdef' || word === '.ifndef') {
      const name = args[0];
      const entry: Conditional = { active: false, outerActive: enclosingActive, seenElse: false, loc: raw.loc, col: head.col };
      this.conditionals.push(entry);
      if (args.length !== 1 || name?.kind !== 'ident') return this.diags.error(raw.loc, name?.col ?? head.col, `${word} expects one name (defined with -D NAME=VALUE)`);
      const defined = this.options.defined?.has(name.text) ?? false;
      entry.active = enclosingActive && (word === '.ifdef' ? defined : !defined);
      return;
    }
    if (top === undefined) return this.diags.error(raw.loc, head.col, `${word} without .ifdef or .ifndef`);
    // Reported, then obeyed: one stray operand must not unbalance every conditional after it.
    if (args.length > 0) this.diags.error(raw.loc, args[0]!.col, `${word} takes no operands`);
    if (word === '.endif') {
      this.conditionals.pop();
      return;
    }
    if (top.seenElse) return this.diags.error(raw.loc, head.col, 'a second .else for one .ifdef');
    top.seenElse = true;
    top.active = top.outerActive && !top.active;
  }

  private include(raw: RawLine, head: Token, args: readonly Token[]): void {
    const target = args[0];
    if (args.length !== 1 || target?.kind !== 'string') {
      return this.diags.error(raw.loc, target?.col ?? head.col, '.include expects one quoted path');
    }
    if (this.includeHalted) return;
    const name = new TextDecoder().decode(Uint8Array.from(target.bytes!));
    const found = this.findInclude(name, raw.textFile);
    if ('problem' in found) return this.diags.error(raw.loc, target.col, found.problem);
    const { file, text } = found;
    if (this.includeStack.includes(this.options.resolvePath(file))) {
      return this.diags.error(raw.loc, target.col, `recursive include of '${file}'`);
    }
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
      return this.diags.error(raw.loc, target.col, `includes nested more than ${MAX_INCLUDE_DEPTH} deep: ${chain([...this.includeStack, file])}`);
    }
    if (++this.includeCount > MAX_INCLUDES) {
      this.includeHalted = true;
      return this.diags.error(raw.loc, target.col, `more than ${MAX_INCLUDES} .include directives in one assembly (including ${chain([...this.includeStack, file])})`);
    }
    this.includedChars += text.length;
    if (this.includedChars > MAX_INCLUDED_CHARS) {
      this.includeHalted = true;
      return this.diags.error(raw.loc, target.col, `included files exceed ${MAX_INCLUDED_CHARS / (1024 * 1024)} MiB in total (at '${file}')`);
    }
    this.processFile(file, text);
  }

  /**
   * The file an `.include` names: an absolute path as it is; a relative one in the including
   * file's directory, then in each directory of the include path (cc's -I order), the first that
   * exists. Only a missing file (ENOENT, ENOTDIR) moves the search on: one that exists and cannot
   * be read (a directory, too big) is the answer, an error. Not found: every directory is named.
   */
  private findInclude(name: string, includingFile: string): { file: string; text: string } | { problem: string } {
    const dirs: string[] = [];
    if (!path.isAbsolute(name)) {
      for (const dir of [path.dirname(includingFile), ...this.options.includePath]) {
        if (!dirs.some((d) => this.options.resolvePath(d) === this.options.resolvePath(dir))) dirs.push(dir);
      }
    }
    const files = path.isAbsolute(name) ? [name] : dirs.map((dir) => path.join(dir, name));
    for (const file of files) {
      try {
        return { file, text: this.options.readFile(file) };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        const reason = code === 'EISDIR' ? 'is a directory' : (e as Error).message;
        return { problem: `cannot read include file '${file}': ${reason}` };
      }
    }
    if (files.length === 1) return { problem: `cannot read include file '${files[0]}': file not found` };
    const searched = dirs.map((d) => (d.endsWith('/') ? d : `${d}/`)).join(', ');
    return { problem: `cannot read include file '${name}': not found in ${searched}` };
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
    if (this.expansionHalted) return;
    if (this.macroStack.includes(def.name)) {
      return this.diags.error(raw.loc, head.col, `recursive macro '${quoted(def.name)}' (expanding ${chain([...this.macroStack, def.name])})`);
    }
    if (this.macroStack.length >= MAX_MACRO_DEPTH) {
      return this.diags.error(raw.loc, head.col, `macro expansion nested more than ${MAX_MACRO_DEPTH} deep: ${chain([...this.macroStack, def.name])}`);
    }
    const outermost = this.macroStack.length === 0;
    const firstOutput = this.out.length;
    const unique = String(this.expansionCount++);
    const argCols = parts.map((p) => p[0]?.col ?? head.col);
    const outer = raw.loc.expansion;
    this.macroStack.push(def.name);
    for (const bodyLine of def.body) {
      if (this.expansionHalted) break;
      if (++this.expandedLines > MAX_EXPANSION_LINES) {
        this.haltExpansion(raw, head, `macro expansion exceeds ${MAX_EXPANSION_LINES} lines: ${chain(this.macroStack)}`);
        break;
      }
      const substituted = substituteArguments(bodyLine.text, def.params, values, argCols, unique, MAX_EXPANSION_CHARS - this.expandedChars);
      if (!substituted) {
        this.haltExpansion(raw, head, `macro expansion exceeds ${MAX_EXPANSION_CHARS} characters: ${chain(this.macroStack)}`);
        break;
      }
      this.expandedChars += substituted.text.length;
      const { file, line, text, seq } = raw.loc;
      const expansion: ExpansionInfo = { macro: def.name, col: outer?.col ?? head.col, bodyFile: bodyLine.file, bodyLine: bodyLine.line, argSpans: substituted.argSpans, outer };
      this.processLine({ text: substituted.text, textFile: bodyLine.file, loc: { file, line, text, seq, expansion } });
    }
    this.macroStack.pop();
    // A half-done expansion is dropped, so that the parser and the layout do not spend another
    // 100,000 lines of work on a program that already has its error.
    if (outermost && this.expansionHalted) this.out.length = firstOutput;
  }

  /** Report a spent expansion budget once, at the outermost invocation the user wrote, and stop expanding. */
  private haltExpansion(raw: RawLine, head: Token, message: string): void {
    this.expansionHalted = true;
    const { expansion, ...invocation } = raw.loc;
    this.diags.error(invocation, expansion?.col ?? head.col, message);
  }
}

/** `a → b → c`, eliding the middle of a long chain of macro or file names. */
function chain(names: readonly string[]): string {
  const shown = names.length <= 8 ? names : [...names.slice(0, 4), '…', ...names.slice(-3)];
  return shown.map((n) => (n === '…' ? n : quoted(n))).join(' → ');
}

/**
 * Replace `\param` with the argument text and `\@` with the expansion's number. Unknown `\names`
 * stay (they may be string escapes such as `\n`). Returns, with the text, where in it each
 * argument landed; undefined when the text would be longer than `maxChars`.
 */
function substituteArguments(
  body: string,
  params: readonly string[],
  values: readonly string[],
  valueCols: readonly number[],
  unique: string,
  maxChars: number,
): { text: string; argSpans: ArgumentSpan[] } | undefined {
  const argSpans: ArgumentSpan[] = [];
  let text = '';
  let last = 0;
  for (const m of body.matchAll(/\\(@|[A-Za-z_][A-Za-z0-9_]*)/g)) {
    const index = params.indexOf(m[1]!);
    const replacement = m[1] === '@' ? unique : index >= 0 ? values[index]! : m[0];
    text += body.slice(last, m.index);
    if (index >= 0) argSpans.push({ start: text.length + 1, length: replacement.length, sourceCol: valueCols[index]! });
    text += replacement;
    // Checked as it grows: arguments that double at each level must not build a gigabyte first.
    if (text.length > maxChars) return undefined;
    last = m.index! + m[0].length;
  }
  text += body.slice(last);
  return text.length > maxChars ? undefined : { text, argSpans };
}
