// The playground's editor: CodeMirror 6 with TV32 highlighting (mnemonics, pseudo-instructions
// and registers from the ISA table), assembler diagnostics inline (asked of the worker as you
// type), a breakpoint gutter, and a mark on the line of the focused pc.

import { EditorState, RangeSet, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, GutterMarker, gutter, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, StreamLanguage, bracketMatching, syntaxHighlighting, type StreamParser } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { INSTRUCTIONS, PSEUDOS, REGISTER_ABI_NAMES } from '../isa/table.ts';
import type { Diagnostic } from '../assembler/index.ts';

const MNEMONICS = new Set([...INSTRUCTIONS.map((i) => i.mnemonic), ...PSEUDOS.map((p) => p.mnemonic)].map((m) => m.toLowerCase()));
const REGISTERS = new Set([...REGISTER_ABI_NAMES, ...Array.from({ length: 16 }, (_, i) => `r${i}`)].map((r) => r.toLowerCase()));

interface TvState {
  /** Has the line's first word (the mnemonic position) been seen? */
  sawMnemonic: boolean;
}

/** TV32 assembly, token by token (isa/README.md, the assembler's syntax). */
const tv32: StreamParser<TvState> = {
  name: 'tv32',
  startState: () => ({ sawMnemonic: false }),
  token(stream, state) {
    if (stream.sol()) state.sawMnemonic = false;
    if (stream.eatSpace()) return null;
    if (stream.match(';') || stream.match('//') || stream.match('#')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return 'string';
    if (stream.match(/^\.[A-Za-z_]\w*/)) {
      state.sawMnemonic = true;
      return 'keyword';
    }
    if (stream.match(/^[A-Za-z_.$][\w.$]*:/) || stream.match(/^\d+:/)) return 'labelName';
    if (stream.match(/^0x[0-9a-f_]+/i) || stream.match(/^0b[01_]+/i) || stream.match(/^\d+[bf]\b/) || stream.match(/^\d[\d_]*/)) return 'number';
    const word = stream.match(/^[A-Za-z_$][\w.$]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0].toLowerCase();
      if (!state.sawMnemonic && MNEMONICS.has(w)) {
        state.sawMnemonic = true;
        return 'operatorKeyword';
      }
      state.sawMnemonic = true;
      if (REGISTERS.has(w)) return 'variableName.special';
      return 'variableName';
    }
    stream.next();
    return 'punctuation';
  },
  languageData: { commentTokens: { line: ';' } },
};

const style = HighlightStyle.define([
  { tag: tags.comment, color: '#6a737d', fontStyle: 'italic' },
  { tag: tags.string, color: '#032f62' },
  { tag: tags.keyword, color: '#6f42c1' },
  { tag: tags.labelName, color: '#005cc5', fontWeight: 'bold' },
  { tag: tags.number, color: '#b31d28' },
  { tag: tags.operatorKeyword, color: '#d73a49', fontWeight: 'bold' },
  { tag: tags.special(tags.variableName), color: '#22863a' },
]);

// ---------------------------------------------------------------- breakpoints in the gutter

const toggleBreakpoint = StateEffect.define<{ pos: number; on: boolean }>();
const clearBreakpoints = StateEffect.define<null>();

class BreakpointMarker extends GutterMarker {
  override toDOM(): Node {
    const dot = document.createElement('span');
    dot.className = 'cm-breakpoint';
    dot.textContent = '●';
    return dot;
  }
}
const BREAKPOINT = new BreakpointMarker();

/** The gutter's width holder (CodeMirror draws it hidden): not a breakpoint. */
class SpacerMarker extends GutterMarker {
  override toDOM(): Node {
    const dot = document.createElement('span');
    dot.className = 'cm-breakpoint-spacer';
    dot.textContent = '●';
    return dot;
  }
}

const breakpointField = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(set, tr) {
    set = set.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(clearBreakpoints)) set = RangeSet.empty;
      if (e.is(toggleBreakpoint)) {
        set = e.value.on ? set.update({ add: [BREAKPOINT.range(e.value.pos)] }) : set.update({ filter: (from) => from !== e.value.pos });
      }
    }
    return set;
  },
});

function hasBreakpoint(view: EditorView, pos: number): boolean {
  let found = false;
  view.state.field(breakpointField).between(pos, pos, () => {
    found = true;
  });
  return found;
}

// ---------------------------------------------------------------- the pc line

const setPcLine = StateEffect.define<number | null>();
const pcLineDecoration = Decoration.line({ class: 'cm-pc-line' });

const pcField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setPcLine)) continue;
      if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) deco = Decoration.none;
      else deco = Decoration.set([pcLineDecoration.range(tr.state.doc.line(e.value).from)]);
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export interface EditorHooks {
  /** Diagnostics of the text (the worker assembles it). */
  lint(text: string): Promise<readonly Diagnostic[]>;
  /** The gutter's breakpoints changed: the 1-based lines that have one. */
  breakpointsChanged(lines: number[]): void;
  changed(): void;
}

export class Editor {
  readonly view: EditorView;

  constructor(parent: HTMLElement, text: string, private readonly hooks: EditorHooks) {
    const breakpointGutter = gutter({
      class: 'cm-breakpoint-gutter',
      markers: (v) => v.state.field(breakpointField),
      initialSpacer: () => new SpacerMarker(),
      domEventHandlers: {
        mousedown: (view, line) => {
          view.dispatch({ effects: toggleBreakpoint.of({ pos: line.from, on: !hasBreakpoint(view, line.from) }) });
          this.hooks.breakpointsChanged(this.breakpointLines());
          return true;
        },
      },
    });
    const extensions: Extension[] = [
      breakpointField,
      breakpointGutter,
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      bracketMatching(),
      StreamLanguage.define(tv32),
      syntaxHighlighting(style),
      lintGutter(),
      linter(async (view) => this.lint(view), { delay: 300 }),
      pcField,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) this.hooks.changed();
      }),
    ];
    this.view = new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) });
  }

  private async lint(view: EditorView): Promise<LintDiagnostic[]> {
    const text = view.state.doc.toString();
    const diagnostics = await this.hooks.lint(text);
    const doc = view.state.doc;
    return diagnostics.flatMap((d) => {
      if (!this.isOwnFile(d.file) || d.line < 1 || d.line > doc.lines) return [];
      const line = doc.line(d.line);
      const from = Math.min(line.to, line.from + Math.max(0, d.col - 1));
      // To the end of the word at the column (at least one character when there is one).
      const rest = line.text.slice(from - line.from);
      const word = /^\S+/.exec(rest)?.[0].length ?? 0;
      return [{ from, to: Math.min(line.to, from + Math.max(word, from < line.to ? 1 : 0)), severity: d.severity, message: d.message, source: 'tv32' }];
    });
  }

  /** The path diagnostics of this document carry (set by the page). */
  path = 'playground/main.s';

  private isOwnFile(file: string): boolean {
    return file === this.path;
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  setText(text: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, effects: [clearBreakpoints.of(null), setPcLine.of(null)] });
  }

  breakpointLines(): number[] {
    const lines: number[] = [];
    const set = this.view.state.field(breakpointField);
    const iter = set.iter();
    while (iter.value) {
      lines.push(this.view.state.doc.lineAt(iter.from).number);
      iter.next();
    }
    return lines;
  }

  setBreakpointLines(lines: readonly number[]): void {
    const doc = this.view.state.doc;
    const effects = [clearBreakpoints.of(null), ...lines.filter((l) => l >= 1 && l <= doc.lines).map((l) => toggleBreakpoint.of({ pos: doc.line(l).from, on: true }))];
    this.view.dispatch({ effects });
  }

  /** Mark the line of the focused pc (null: none), and scroll to it. */
  markPc(line: number | null): void {
    const doc = this.view.state.doc;
    const valid = line !== null && line >= 1 && line <= doc.lines;
    this.view.dispatch({
      effects: [setPcLine.of(valid ? line : null), ...(valid ? [EditorView.scrollIntoView(doc.line(line).from, { y: 'nearest' })] : [])],
    });
  }
}
