// The parser: preprocessed lines to statements (labels, instruction groups, directives).
//
// Everything that can be checked without knowing addresses is checked here: mnemonics, registers,
// operand counts, directive shapes, expression syntax. Local numeric labels get unique names here
// (`1:` → `1~k`), so that `1b`/`1f` become ordinary symbols for the resolver. Nothing is evaluated.

import { SPEC_BY_MNEMONIC } from '../isa/encoding.ts';
import { INSTRUCTIONS, PSEUDOS } from '../isa/table.ts';
import { closestName, type Diagnostics, type LineLoc } from './diagnostics.ts';
import { ExprError, parseWholeExpression, type Expr, type ExprSyntax } from './expressions.ts';
import { isRegisterName, parseInsn, parsePseudo, PSEUDO_BY_MNEMONIC, type InsnGroup } from './instructions.ts';
import { labelPrefixLength, splitAtCommas, type Token } from './lexer.ts';
import { quoted } from './limits.ts';
import type { SourceLine } from './macros.ts';

export type Directive =
  | { readonly kind: 'org' | 'align' | 'entry'; readonly expr: Expr }
  | { readonly kind: 'data'; readonly unitBytes: 1 | 2 | 4; readonly values: readonly Expr[] }
  | { readonly kind: 'bytes'; readonly bytes: readonly number[] }
  | { readonly kind: 'space'; readonly size: Expr; readonly fill?: Expr }
  | { readonly kind: 'define'; readonly name: string; readonly nameCol: number; readonly expr: Expr; readonly redefinable: boolean }
  | { readonly kind: 'global'; readonly names: readonly { name: string; col: number }[] };

export type Statement = { readonly loc: LineLoc; readonly col: number } & (
  | { readonly kind: 'label'; readonly name: string }
  | { readonly kind: 'insns'; readonly group: InsnGroup }
  | { readonly kind: 'directive'; readonly name: string; readonly directive: Directive }
);

/** Is this symbol name one the parser made up for a local numeric label? */
export function isLocalLabelName(name: string): boolean {
  return name.includes('~');
}

type DirectiveParser = (args: Token[][], head: Token, syntax: ExprSyntax) => Directive;

const one = (args: Token[][], head: Token): Token[] => {
  if (args.length !== 1) throw new ExprError(args[1]?.[0]?.col ?? head.col, `${head.text} expects one operand, got ${args.length}`);
  return args[0]!;
};
const expr1 = (args: Token[][], head: Token, syntax: ExprSyntax): Expr => parseWholeExpression(one(args, head), syntax, head.col);
const stringArg = (args: Token[][], head: Token): readonly number[] => {
  const tokens = one(args, head);
  if (tokens.length !== 1 || tokens[0]!.kind !== 'string') throw new ExprError(tokens[0]?.col ?? head.col, `${head.text} expects a quoted string`);
  return tokens[0]!.bytes!;
};
const data = (unitBytes: 1 | 2 | 4): DirectiveParser => (args, head, syntax) => {
  if (args.length === 0) throw new ExprError(head.col, `${head.text} expects at least one value`);
  return { kind: 'data', unitBytes, values: args.map((a) => parseWholeExpression(a, syntax, head.col)) };
};
const define = (redefinable: boolean): DirectiveParser => (args, head, syntax) => {
  const name = args[0]?.[0];
  if (args.length !== 2 || args[0]!.length !== 1 || name?.kind !== 'ident') {
    throw new ExprError(name?.col ?? head.col, `${head.text} expects a name and a value: ${head.text} NAME, expr`);
  }
  checkSymbolName(name);
  return { kind: 'define', name: name.text, nameCol: name.col, expr: parseWholeExpression(args[1]!, syntax, head.col), redefinable };
};

const DIRECTIVES: Readonly<Record<string, DirectiveParser>> = {
  '.org': (args, head, syntax) => ({ kind: 'org', expr: expr1(args, head, syntax) }),
  '.align': (args, head, syntax) => ({ kind: 'align', expr: expr1(args, head, syntax) }),
  '.entry': (args, head, syntax) => ({ kind: 'entry', expr: expr1(args, head, syntax) }),
  '.word': data(4),
  '.half': data(2),
  '.byte': data(1),
  '.ascii': (args, head) => ({ kind: 'bytes', bytes: stringArg(args, head) }),
  '.asciz': (args, head) => ({ kind: 'bytes', bytes: [...stringArg(args, head), 0] }),
  '.space': (args, head, syntax) => {
    if (args.length < 1 || args.length > 2) throw new ExprError(head.col, '.space expects a size and an optional fill byte');
    const fill = args[1] ? parseWholeExpression(args[1], syntax, head.col) : undefined;
    return { kind: 'space', size: parseWholeExpression(args[0]!, syntax, head.col), ...(fill ? { fill } : {}) };
  },
  '.equ': define(false),
  '.set': define(true),
  '.global': (args, head) => {
    if (args.length === 0) throw new ExprError(head.col, '.global expects symbol names');
    return {
      kind: 'global',
      names: args.map((a) => {
        // `.global a,,b`: an empty name has no column of its own (a fuzzer found this one).
        if (a.length !== 1 || a[0]!.kind !== 'ident') throw new ExprError(a[0]?.col ?? head.col, '.global expects symbol names');
        return { name: a[0]!.text, col: a[0]!.col };
      }),
    };
  },
};

/** Directives the preprocessor handles; listed so that "did you mean" can suggest them. */
const PREPROCESSOR_DIRECTIVES = ['.include', '.macro', '.endm'];

function checkSymbolName(token: Token): void {
  if (isRegisterName(token.text)) throw new ExprError(token.col, `'${token.text}' is a register name and cannot be a symbol`);
  if (token.text === '.') throw new ExprError(token.col, "'.' is the current address and cannot be defined");
}

export function parse(lines: readonly SourceLine[], diagnostics: Diagnostics): Statement[] {
  const statements: Statement[] = [];
  const localCounts = new Map<number, number>();
  const syntax: ExprSyntax = {
    isRegister: isRegisterName,
    localName: (t) => {
      const count = localCounts.get(t.value!) ?? 0;
      return `${t.value}~${t.direction === 'b' ? count : count + 1}`;
    },
  };

  for (const line of lines) {
    const { tokens, loc } = line;
    try {
      const labelEnd = labelPrefixLength(tokens);
      for (let i = 0; i < labelEnd; i += 2) statements.push(parseLabel(tokens[i]!, loc, localCounts));
      if (labelEnd < tokens.length) statements.push(parseStatement(tokens.slice(labelEnd), loc, syntax));
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      diagnostics.error(loc, e.col, e.message);
    }
  }
  return statements;
}

function parseLabel(token: Token, loc: LineLoc, localCounts: Map<number, number>): Statement {
  if (token.kind === 'number') {
    if (!/^[0-9]+$/.test(token.text)) throw new ExprError(token.col, `bad label '${token.text}'`);
    const count = (localCounts.get(token.value!) ?? 0) + 1;
    localCounts.set(token.value!, count);
    return { kind: 'label', name: `${token.value}~${count}`, loc, col: token.col };
  }
  checkSymbolName(token);
  return { kind: 'label', name: token.text, loc, col: token.col };
}

function parseStatement(tokens: readonly Token[], loc: LineLoc, syntax: ExprSyntax): Statement {
  const [head, ...rest] = tokens as [Token, ...Token[]];
  if (head.kind !== 'ident') throw new ExprError(head.col, `expected an instruction or directive, got '${head.text}'`);
  const word = head.text.toLowerCase();
  if (word.startsWith('.') && word.length > 1) {
    const parseDirective = DIRECTIVES[word];
    if (!parseDirective) {
      const hint = closestName(word, [...Object.keys(DIRECTIVES), ...PREPROCESSOR_DIRECTIVES]);
      throw new ExprError(head.col, `unknown directive '${quoted(head.text)}'${hint ? `; did you mean '${hint}'?` : ''}`);
    }
    return { kind: 'directive', name: word, directive: parseDirective(splitAtCommas(rest), head, syntax), loc, col: head.col };
  }
  const spec = SPEC_BY_MNEMONIC.get(word);
  if (spec) return { kind: 'insns', group: { kind: 'code', insns: [parseInsn(spec, head, rest, syntax)] }, loc, col: head.col };
  const pseudo = PSEUDO_BY_MNEMONIC.get(word);
  if (pseudo) return { kind: 'insns', group: parsePseudo(pseudo, head, rest, syntax), loc, col: head.col };
  const hint = closestMnemonic(word);
  if (!hint && rest.length === 0) throw new ExprError(head.col, `unknown instruction '${quoted(head.text)}' (a label needs a ':' after it)`);
  throw new ExprError(head.col, `unknown instruction '${quoted(head.text)}'${hint ? `; did you mean '${hint}'?` : ''}`);
}

const MNEMONICS: readonly string[] = [...INSTRUCTIONS.map((s) => s.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)];

/** Hints already computed: a macro expanded 65,536 times repeats the same unknown word as often. */
const hintByWord = new Map<string, string | undefined>();
const MAX_REMEMBERED_HINTS = 10_000;

function closestMnemonic(word: string): string | undefined {
  if (hintByWord.has(word)) return hintByWord.get(word);
  if (hintByWord.size >= MAX_REMEMBERED_HINTS) hintByWord.clear();
  const hint = closestName(word, MNEMONICS);
  hintByWord.set(word, hint);
  return hint;
}
