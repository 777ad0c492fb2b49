// The playground's editor: CodeMirror 6 with TV32 highlighting (mnemonics, pseudo-instructions
// and registers from the ISA table), assembler diagnostics inline (asked of the worker as you
// type), a breakpoint gutter, and a mark on the line of the focused pc. It holds a project's
// files (a lab's kernel.s, trap.s, …) as one CodeMirror state each, shown one at a time: each
// keeps its own text, undo history, breakpoints and pc mark.

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

/** Is a file assembly (highlighted and linted as TV32), or text (a lab's answers.md, a study.json)? */
export function isAssembly(path: string): boolean {
  return /\.(s|inc)$/i.test(path);
}

export class Editor {
  readonly view: EditorView;
  /** The files of the project, by path: the shown one's state is the view's, the others' are kept here. */
  private readonly states = new Map<string, EditorState>();
  private readonly extensions: Extension[];
  private readonly plainExtensions: Extension[];

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
    const common: Extension[] = [
      breakpointField,
      breakpointGutter,
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      bracketMatching(),
      pcField,
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) this.hooks.changed();
      }),
    ];
    this.extensions = [...common, StreamLanguage.define(tv32), syntaxHighlighting(style), lintGutter(), linter(async (view) => this.lint(view), { delay: 300 })];
    this.plainExtensions = common;
    this.view = new EditorView({ parent, state: this.newState(this.path, text) });
  }

  private newState(path: string, text: string): EditorState {
    return EditorState.create({ doc: text, extensions: isAssembly(path) ? this.extensions : this.plainExtensions });
  }

  /** Open a project: its files (the shown one first of all, `show`), each a state of its own; the earlier ones are dropped. */
  openFiles(files: readonly { path: string; text: string }[], show: string): void {
    this.states.clear();
    for (const f of files) this.states.set(f.path, this.newState(f.path, f.text));
    if (!this.states.has(show)) this.states.set(show, this.newState(show, ''));
    this.path = show;
    this.view.setState(this.states.get(show)!);
  }

  /** Show another file of the project (its text, history and breakpoints as it was left). */
  show(path: string): void {
    if (path === this.path || !this.states.has(path)) return;
    this.states.set(this.path, this.view.state);
    this.path = path;
    this.view.setState(this.states.get(path)!);
  }

  /** The project's files, in the order they were opened. */
  get paths(): string[] {
    return [...this.states.keys()];
  }

  /** A file's text as edited (the shown one from the view). */
  textOf(path: string): string | undefined {
    if (path === this.path) return this.text;
    return this.states.get(path)?.doc.toString();
  }

  /** Replace a file's text (reset to the starter; a shared link's copy): one change, so Undo brings the old text back. */
  setTextOf(path: string, text: string): void {
    if (path === this.path) return this.setText(text, false);
    const state = this.states.get(path);
    if (state) this.states.set(path, state.update({ changes: { from: 0, to: state.doc.length, insert: text } }).state);
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

  /** Replace the shown file's text; `clear` takes its breakpoints and pc mark away too. */
  setText(text: string, clear = true): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, ...(clear ? { effects: [clearBreakpoints.of(null), setPcLine.of(null)] } : {}) });
  }

  /** The 1-based lines of a file (default: the shown one) that have a breakpoint. */
  breakpointLines(path = this.path): number[] {
    const state = path === this.path ? this.view.state : this.states.get(path);
    if (!state) return [];
    const lines: number[] = [];
    const iter = state.field(breakpointField).iter();
    while (iter.value) {
      lines.push(state.doc.lineAt(iter.from).number);
      iter.next();
    }
    return lines;
  }

  setBreakpointLines(lines: readonly number[]): void {
    const doc = this.view.state.doc;
    const effects = [clearBreakpoints.of(null), ...lines.filter((l) => l >= 1 && l <= doc.lines).map((l) => toggleBreakpoint.of({ pos: doc.line(l).from, on: true }))];
    this.view.dispatch({ effects });
  }

  /** Scroll the shown file to a line (1-based). */
  scrollToLine(line: number): void {
    const doc = this.view.state.doc;
    if (line >= 1 && line <= doc.lines) this.view.dispatch({ effects: EditorView.scrollIntoView(doc.line(line).from, { y: 'center' }) });
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
