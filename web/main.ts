// The playground page: the editor, the controls and the views. The emulator runs in a worker
// (web/worker.ts); this thread only sends requests and draws the plain data that comes back
// (web/protocol.ts), so the page stays responsive while a guest runs. An example is a project of
// one file or several (a lab's): each is edited in its own tab, kept in localStorage as edited,
// and sent to the worker with every request, where it is put over the bundled file of its path.

import type { Diagnostic } from '../assembler/index.ts';
import { EXIT_REASONS } from '../debugger/breakpoints.ts';
import type { GridRow, Translation, TreeNode, WalkRef, TlbEntryInfo, TlbContents, ExitLog } from '../inspect/index.ts';
import { comparisonTable, type ModeRun } from '../session/compare.ts';
import { Stats } from '../emulator/stats.ts';
import { VmmStats } from '../hypervisor/vmstats.ts';
import type { OptionValues } from '../session/settings.ts';
import { Editor, isAssembly } from './editor.ts';
import { EXAMPLES, type Example } from './examples.ts';
import { LabPanel } from './lab-panel.ts';
import type { BatchResult, CommandResult, CpuSnapshot, FromWorker, LintRequest, MachineSpec, MemoryView, OpenResult, Request, Snapshot, SourceText, TablesView, ToWorker, WalkResult } from './protocol.ts';
import { decodeShare, encodeShare, type Shared } from './share.ts';
import { StudyPanel } from './studies.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id} in the page`);
  return el as T;
};
const hex8 = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const fmt = (n: number) => n.toLocaleString('en-US');
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

// ------------------------------------------------------------------ the worker

export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(onConsole: (text: string, cpu: string) => void = () => {}) {
    this.worker = new Worker('worker.js');
    let ready!: () => void;
    this.ready = new Promise((resolve) => (ready = resolve));
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if ('ready' in m) return ready();
      if ('console' in m) return onConsole(m.console, m.cpu);
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    };
  }

  request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    const message: ToWorker = { id, request };
    this.worker.postMessage(message);
    return new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  pause(): void {
    this.worker.postMessage({ pause: true } satisfies ToWorker);
  }

  terminate(): void {
    this.worker.terminate();
  }
}

// ------------------------------------------------------------------ settings

const OPTION_INPUTS: [string, 'text' | 'flag'][] = [
  ['tlb-entries', 'text'], ['tlb-ways', 'text'], ['tlb-replacement', 'text'], ['split-tlb', 'flag'], ['no-asid', 'flag'], ['pwc', 'text'],
  ['vpid', 'flag'], ['ept-levels', 'text'], ['ept-large-pages', 'flag'], ['shadow-sync', 'text'], ['shadow-cache', 'text'],
  ['memory', 'text'], ['max-instructions', 'text'],
];

function readOptions(): OptionValues {
  const values: OptionValues = {};
  const mode = $<HTMLSelectElement>('mode').value;
  if (mode !== 'native') values.mode = mode;
  for (const [name, kind] of OPTION_INPUTS) {
    const el = $<HTMLInputElement>(`opt-${name}`);
    if (kind === 'flag') {
      if (el.checked) values[name] = true;
    } else if (el.value.trim() !== '') values[name] = el.value.trim();
  }
  return values;
}

function writeOptions(values: OptionValues): void {
  $<HTMLSelectElement>('mode').value = typeof values.mode === 'string' ? values.mode : 'native';
  for (const [name, kind] of OPTION_INPUTS) {
    const el = $<HTMLInputElement>(`opt-${name}`);
    if (kind === 'flag') el.checked = values[name] === true;
    else el.value = typeof values[name] === 'string' ? (values[name] as string) : '';
  }
}

const readModules = () => $<HTMLInputElement>('modules').value.split(/\s+/).filter((m) => m !== '');

// ------------------------------------------------------------------ the edits, kept

const STORE = 'vmmlab.playground';

/** The files of an example as the student left them (those that differ from the starter), by path. */
function storedEdits(example: string): Record<string, string> {
  try {
    const raw = localStorage.getItem(`${STORE}.edits.${example}`);
    const o = raw ? (JSON.parse(raw) as unknown) : {};
    return o && typeof o === 'object' ? Object.fromEntries(Object.entries(o as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
  } catch {
    return {};
  }
}

function storeEdits(example: string, edits: Record<string, string>): void {
  try {
    if (Object.keys(edits).length === 0) localStorage.removeItem(`${STORE}.edits.${example}`);
    else localStorage.setItem(`${STORE}.edits.${example}`, JSON.stringify(edits));
    localStorage.setItem(`${STORE}.example`, example);
  } catch {
    // Storage full or refused (a private window): the edits live as long as the page.
  }
}

function storedExample(): Example | undefined {
  try {
    const id = localStorage.getItem(`${STORE}.example`);
    return EXAMPLES.find((e) => e.id === id);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ the page

class Page {
  readonly client: WorkerClient;
  readonly editor: Editor;
  /** The example open: its files' starter texts, its lab. */
  private example: Example = EXAMPLES[0]!;
  /** The program's path (the example's, or a shared link's). */
  private path = EXAMPLES[0]!.path;
  /** The last lint's diagnostics, of every file of the project. */
  private diagnostics: readonly Diagnostic[] = [];
  /** Where the focused pc is, in source, after the last command. */
  private pcFile: string | undefined;
  private pcLine: number | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Are the files the ones to keep for the example (not a shared link's that nobody edited)? */
  private keep = true;
  private snapshot: Snapshot | undefined;
  private previousTlb: TlbContents | undefined;
  private built = false;
  private dirty = true;
  private busy = false;
  private running = false;
  private lastWalk: Translation | undefined;
  private consoleText = '';
  private lastControl = '';

  constructor() {
    this.client = new WorkerClient((text) => this.appendConsole(text));
    this.editor = new Editor($('editor'), '', {
      lint: (text) => this.lint(text),
      breakpointsChanged: (lines) => void this.syncGutter(this.editor.path, lines),
      changed: () => {
        this.dirty = true;
        this.keep = true;
        this.updateButtons();
        this.drawFileTabs();
        clearTimeout(this.saveTimer);
        this.saveTimer = setTimeout(() => this.saveEdits(), 250);
      },
    });
    this.fillSelects();
    this.wire();
  }

  // ---------------------------------------------------------------- set-up

  private fillSelects(): void {
    const examples = $<HTMLSelectElement>('examples');
    let group: HTMLOptGroupElement | undefined;
    for (const ex of EXAMPLES) {
      if (!group || group.label !== ex.group) {
        group = document.createElement('optgroup');
        group.label = ex.group;
        examples.append(group);
      }
      group.append(new Option(ex.label, ex.id));
    }
    const reasons = $<HTMLSelectElement>('brk-exit-reason');
    for (const r of EXIT_REASONS) reasons.append(new Option(r, r));
    const filter = $<HTMLSelectElement>('exits-filter');
    for (const r of EXIT_REASONS) filter.append(new Option(r, r));
  }

  private wire(): void {
    $('examples').addEventListener('change', () => this.loadExample(EXAMPLES.find((e) => e.id === $<HTMLSelectElement>('examples').value)!));
    $('btn-build').addEventListener('click', () => void this.build());
    $('btn-run').addEventListener('click', () => void this.control('continue'));
    $('btn-step').addEventListener('click', () => void this.control('step'));
    $('btn-next').addEventListener('click', () => void this.control('next'));
    $('btn-rstep').addEventListener('click', () => void this.control('reverse-step'));
    $('btn-rcont').addEventListener('click', () => void this.control('reverse-continue'));
    $('btn-pause').addEventListener('click', () => this.client.pause());
    $('btn-share').addEventListener('click', () => void this.share());
    // The edits are saved a moment after each change, and at once when the page goes away.
    window.addEventListener('pagehide', () => {
      clearTimeout(this.saveTimer);
      this.saveEdits();
    });
    $('btn-reset-file').addEventListener('click', () => this.resetFile());
    $('file-tabs').addEventListener('click', (e) => {
      const path = (e.target as HTMLElement).closest<HTMLElement>('[data-path]')?.dataset.path;
      if (path) this.showFile(path);
    });
    for (const id of ['mode', 'modules', ...OPTION_INPUTS.map(([n]) => `opt-${n}`)]) {
      $(id).addEventListener('change', () => {
        this.dirty = true;
        this.showCommandLine();
        this.updateButtons();
      });
    }
    for (const id of ['brk-pagefault', 'brk-exit', 'brk-exit-reason', 'brk-ptbr', 'brk-tlbmiss']) $(id).addEventListener('change', () => void this.syncEvents());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.build();
      }
    });
    $('btn-clear-console').addEventListener('click', () => {
      this.consoleText = '';
      $('console').textContent = '';
    });
    $<HTMLInputElement>('console-input').addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      const input = e.target as HTMLInputElement;
      const text = input.value;
      input.value = '';
      void this.sendInput(text);
    });
    for (const tab of document.querySelectorAll<HTMLButtonElement>('#tabs button')) tab.addEventListener('click', () => this.showTab(tab.dataset.tab!));
    $('btn-walk').addEventListener('click', () => void this.walk());
    $('walk-va').addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && void this.walk());
    $('walk-access').addEventListener('change', () => void this.walk());
    $('tables-which').addEventListener('change', () => void this.tables());
    $('btn-memory').addEventListener('click', () => void this.memory());
    $('memory-addr').addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && void this.memory());
    $('memory-space').addEventListener('change', () => void this.memory());
    $('exits-filter').addEventListener('change', () => this.snapshot && this.drawExits(this.snapshot.cpus[this.snapshot.focus]!));
    $<HTMLInputElement>('repl-input').addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      const input = e.target as HTMLInputElement;
      const line = input.value;
      input.value = '';
      void this.replCommand(line);
    });
    $('btn-compare').addEventListener('click', () => void this.compare());
  }

  async start(): Promise<void> {
    await this.client.ready;
    const shared = location.hash.startsWith('#s=') ? await decodeShare(location.hash.slice(3)).catch(() => undefined) : undefined;
    if (shared) await this.restore(shared);
    else this.loadExample(storedExample() ?? EXAMPLES[0]!);
    await this.build();
    this.studies = new StudyPanel(this.client, () => new WorkerClient());
    document.body.dataset.ready = 'true';
  }

  private studies: StudyPanel | undefined;
  /** The Lab tab and Check lab. */
  private readonly lab = new LabPanel({
    makeWorker: () => new WorkerClient(),
    files: () => this.projectFiles(),
    showTab: (name) => this.showTab(name),
    setStatus: (text) => this.setStatus(text),
    showDiagnostics: (d) => {
      this.diagnostics = d;
      this.showDiagnosticCount(d);
      this.drawFileTabs();
    },
    runStudy: async (study, files) => {
      if (!this.studies) return;
      this.showTab('experiments');
      await this.studies.runProject(study.text, study.path, files);
    },
  });

  /**
   * Open an example: its files with the edits kept for it, its modules and options; or, from a
   * shared link, with the link's `edits` (the edits kept here are left as they are until a file
   * is edited).
   */
  private loadExample(ex: Example, edits?: Record<string, string>): void {
    const shared = edits !== undefined;
    edits ??= storedEdits(ex.id);
    $<HTMLSelectElement>('examples').value = ex.id;
    this.example = ex;
    this.path = ex.path;
    this.diagnostics = [];
    this.pcFile = undefined;
    this.editor.openFiles(ex.files.map((f) => ({ path: f.path, text: edits[f.path] ?? f.text })), ex.open);
    this.showFile(ex.open);
    this.lab.show(ex);
    this.keep = !shared;
    this.saveEdits();
    $<HTMLInputElement>('modules').value = ex.modules.join(' ');
    writeOptions({ ...ex.options, ...(ex.keepMode ? {} : { mode: $<HTMLSelectElement>('mode').value }) });
    this.dirty = true;
    this.showCommandLine();
    this.updateButtons();
  }

  /** Is the example a project of several files (a lab)? Its files then go with every request. */
  private get isProject(): boolean {
    return this.example.files.length > 1 || this.example.lab !== undefined;
  }

  /** Every file of the project, as edited. */
  private projectFiles(): SourceText[] {
    return this.editor.paths.map((path) => ({ path, text: this.editor.textOf(path)! }));
  }

  /** The program as edited (or, when the project does not hold it, the example's: lab 5's kernel). */
  private program(): SourceText {
    return { path: this.path, text: this.editor.textOf(this.path) ?? this.example.text };
  }

  private spec(): MachineSpec {
    const project = this.isProject ? { files: this.projectFiles(), ...(this.example.root ? { root: this.example.root } : {}) } : {};
    return { program: this.program(), modules: readModules(), options: readOptions(), ...project };
  }

  /** The files that differ from their starter text, by path. */
  private edits(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.example.files) {
      const text = this.editor.textOf(f.path);
      if (text !== undefined && text !== f.text) out[f.path] = text;
    }
    return out;
  }

  private saveEdits(): void {
    if (this.keep && this.example.id) storeEdits(this.example.id, this.edits());
  }

  /** The editor's diagnostics: the shown file alone, or in a project the program and modules with every file as edited. */
  private async lint(text: string): Promise<readonly Diagnostic[]> {
    const path = this.editor.path;
    if (!isAssembly(path)) return [];
    let project: LintRequest | undefined;
    if (this.isProject) {
      const files = this.projectFiles().map((f) => (f.path === path ? { path, text } : f));
      project = { program: files.find((f) => f.path === this.path) ?? this.program(), modules: readModules(), files, ...(this.example.root ? { root: this.example.root } : {}) };
    }
    const d = await this.client.request<Diagnostic[]>({ kind: 'lint', source: { path, text }, ...(project ? { project } : {}) });
    this.diagnostics = d;
    this.showDiagnosticCount(d);
    this.drawFileTabs();
    return d;
  }

  /** Show a file of the project in the editor, with its pc mark. */
  private showFile(path: string): void {
    this.editor.show(path);
    $('editor-path').textContent = path;
    this.editor.markPc(this.pcFile === path && this.pcLine !== undefined ? this.pcLine : null);
    this.showDiagnosticCount(this.diagnostics);
    this.drawFileTabs();
  }

  /** The project's files as tabs: the shown one, those edited (•), those with errors; and the reset button. */
  private drawFileTabs(): void {
    const tabs = $('file-tabs');
    const root = this.example.root ? `${this.example.root}/` : '';
    const starter = new Map(this.example.files.map((f) => [f.path, f.text]));
    const paths = this.editor.paths;
    tabs.hidden = paths.length < 2;
    tabs.innerHTML = paths.map((path) => {
      const edited = starter.has(path) && this.editor.textOf(path) !== starter.get(path);
      const errors = this.diagnostics.filter((d) => d.severity === 'error' && d.file === path).length;
      const name = path.startsWith(root) ? path.slice(root.length) : path;
      const cls = [path === this.editor.path ? 'active' : '', edited ? 'edited' : '', errors ? 'errors' : ''].filter(Boolean).join(' ');
      return `<button class="${cls}" data-path="${esc(path)}" title="${esc(path)}${edited ? ' (edited)' : ''}">${esc(name)}${edited ? ' •' : ''}${errors ? ` <span class="count">${errors}</span>` : ''}</button>`;
    }).join('');
    const current = starter.get(this.editor.path);
    const reset = $<HTMLButtonElement>('btn-reset-file');
    reset.disabled = current === undefined || this.editor.text === current;
  }

  /** Put the shown file back to its starter text (one change: Undo takes it back). */
  private resetFile(): void {
    const starter = this.example.files.find((f) => f.path === this.editor.path);
    if (!starter) return;
    this.editor.setTextOf(starter.path, starter.text);
    this.saveEdits();
    this.drawFileTabs();
  }

  private showCommandLine(): void {
    const s = this.spec();
    const words = ['vmmlab', 'run', s.program.path, ...s.modules.flatMap((m) => ['--module', m])];
    for (const [k, v] of Object.entries(s.options)) words.push(v === true ? `--${k}` : `--${k} ${String(v)}`);
    $('command-line').textContent = words.join(' ');
  }

  private showDiagnosticCount(d: readonly Diagnostic[]): void {
    const path = this.editor.path;
    const errors = d.filter((x) => x.severity === 'error' && x.file === path).length;
    const warnings = d.filter((x) => x.severity === 'warning' && x.file === path).length;
    const elsewhere = d.filter((x) => x.severity === 'error' && x.file !== path).length;
    const el = $('diagnostic-count');
    el.textContent = !isAssembly(path) ? ''
      : `${errors || warnings ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` : 'assembles cleanly'}${elsewhere ? ` · ${elsewhere} error${elsewhere === 1 ? '' : 's'} in other files` : ''}`;
    el.classList.toggle('errors', errors + elsewhere > 0);
  }

  private showTab(name: string): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
    for (const t of document.querySelectorAll<HTMLElement>('.tab')) t.classList.toggle('active', t.id === `tab-${name}`);
    if (name === 'translation') void this.refreshTranslation();
  }

  private updateButtons(): void {
    const canRun = this.built && !this.busy;
    for (const id of ['btn-run', 'btn-step', 'btn-next', 'btn-rstep', 'btn-rcont']) $<HTMLButtonElement>(id).disabled = !canRun;
    $<HTMLButtonElement>('btn-pause').disabled = !this.running;
    $<HTMLButtonElement>('btn-build').disabled = this.busy;
    $('btn-build').textContent = this.dirty || !this.built ? 'Build' : 'Reset';
  }

  private setStatus(text: string, running = false): void {
    const el = $('status');
    el.textContent = text;
    el.classList.toggle('running', running);
  }

  // ---------------------------------------------------------------- actions

  async build(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    document.body.dataset.busy = 'true';
    this.updateButtons();
    this.consoleText = '';
    $('console').textContent = '';
    this.previousTlb = undefined;
    try {
      const r = await this.client.request<OpenResult>({ kind: 'open', spec: this.spec() });
      $('command-line').textContent = r.commandLine;
      this.replAppend(r.output);
      this.built = r.snapshot !== undefined;
      this.dirty = false;
      if (!r.snapshot && r.diagnostics.length > 0) {
        this.diagnostics = r.diagnostics;
        this.drawFileTabs();
        this.showDiagnosticCount(r.diagnostics);
      }
      if (r.snapshot) {
        for (const path of this.editor.paths) {
          const lines = this.editor.breakpointLines(path);
          if (lines.length > 0 || path === this.editor.path) await this.syncGutter(path, lines);
        }
        await this.syncEvents();
        this.draw(r.snapshot);
        this.setStatus('stopped before the first instruction');
      } else {
        this.setStatus(r.output.split('\n')[0] ?? 'not built');
      }
    } finally {
      this.busy = false;
      this.updateButtons();
    }
    if (this.built) await this.refreshViews();
    else document.body.dataset.busy = 'false';
  }

  /** A run control: continue, step, next, reverse-step, reverse-continue. */
  async control(command: string): Promise<void> {
    if (this.busy || !this.built) return;
    this.lastControl = command;
    if (this.dirty) {
      await this.build();
      if (!this.built) return;
    }
    this.busy = true;
    document.body.dataset.busy = 'true';
    this.running = command === 'continue' || command === 'reverse-continue';
    this.updateButtons();
    if (this.running) this.setStatus(`${command === 'continue' ? 'running' : 'replaying'}…`, true);
    try {
      const r = await this.client.request<CommandResult>({ kind: 'command', line: command });
      this.replAppend(`> ${command}\n${r.output}`);
      this.draw(r.snapshot, true);
      const last = r.output.trim().split('\n').filter((l) => l !== '');
      this.setStatus(this.stopText(r.snapshot, last[0] ?? ''));
    } catch (e) {
      this.setStatus((e as Error).message);
    } finally {
      this.busy = false;
      this.running = false;
      this.updateButtons();
    }
    await this.refreshViews();
  }

  private stopText(s: Snapshot, firstLine: string): string {
    const cpu = s.cpus[s.focus]!;
    const where = cpu.stopped === 'wfi-deadlock' ? 'waiting for console input: type a line below the console'
      : cpu.stopped ? `${cpu.stopped}, exit code ${cpu.exitCode}` : firstLine.replace(/^error: /, '');
    return `${where} · ${fmt(cpu.counters.instructions)} instructions · ${fmt(cpu.counters.cycles)} cycles`;
  }

  async replCommand(line: string): Promise<void> {
    if (!this.built) return this.replAppend('build a program first\n');
    if (this.busy) return this.replAppend('busy: wait for the running command, or Pause\n');
    this.busy = true;
    document.body.dataset.busy = 'true';
    this.running = /^\s*(c|continue|rc|reverse-continue|until|u|finish)\b/.test(line);
    this.updateButtons();
    try {
      const r = await this.client.request<CommandResult>({ kind: 'command', line });
      this.replAppend(`> ${line}\n${r.output}`);
      this.draw(r.snapshot, true);
      this.setStatus(this.stopText(r.snapshot, r.output.trim().split('\n').find((l) => l !== '') ?? ''));
    } finally {
      this.busy = false;
      this.running = false;
      this.updateButtons();
    }
    await this.refreshViews();
  }

  private async sendInput(text: string): Promise<void> {
    if (!this.built) return;
    const escaped = `${text}\n`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    this.appendConsole('');
    const wasRunning = this.running;
    const waiting = this.snapshot?.cpus[this.snapshot.focus]?.stopped === 'wfi-deadlock';
    if (wasRunning) this.client.pause();
    // Requests run in order: the input goes in when the run has stopped.
    const r = await this.client.request<CommandResult>({ kind: 'command', line: `input "${escaped}"` });
    this.draw(r.snapshot);
    // The guest was running, or was waiting for this input after Run: it goes on.
    if (wasRunning || (waiting && this.lastControl === 'continue')) {
      while (this.busy) await new Promise((resolve) => setTimeout(resolve, 10));
      void this.control('continue');
    }
  }

  private async syncGutter(file: string, lines: number[]): Promise<void> {
    if (!this.built) return;
    const r = await this.client.request<{ set: number[]; refused: number[] }>({ kind: 'breakpoints', file, lines });
    if (r.refused.length > 0) this.replAppend(`no instruction on line${r.refused.length === 1 ? '' : 's'} ${r.refused.join(', ')}${this.editor.paths.length > 1 ? ` of ${file.split('/').pop()}` : ''}: no breakpoint there\n`);
  }

  private async syncEvents(): Promise<void> {
    if (!this.built) return;
    const events: string[][] = [];
    if ($<HTMLInputElement>('brk-pagefault').checked) events.push(['pagefault']);
    if ($<HTMLInputElement>('brk-exit').checked) {
      const reason = $<HTMLSelectElement>('brk-exit-reason').value;
      events.push(reason ? ['exit', reason] : ['exit']);
    }
    if ($<HTMLInputElement>('brk-ptbr').checked) events.push(['ptbr-write']);
    if ($<HTMLInputElement>('brk-tlbmiss').checked) events.push(['tlb-miss']);
    const r = await this.client.request<{ refused: string[] }>({ kind: 'events', events });
    for (const why of r.refused) this.replAppend(`break on: ${why}\n`);
  }

  private async share(): Promise<void> {
    const s = this.spec();
    const ex = EXAMPLES.find((e) => e.id === this.example.id);
    const edits = this.edits();
    const shared: Shared = {
      example: ex?.id ?? '',
      path: s.program.path,
      // One file: its text when changed (as links always had it); a project: each file changed.
      ...(this.isProject ? (Object.keys(edits).length > 0 ? { files: edits } : {}) : ex && ex.text === s.program.text ? {} : { text: s.program.text }),
      ...(this.editor.path !== s.program.path ? { open: this.editor.path } : {}),
      modules: s.modules,
      options: s.options,
      breakpoints: this.editor.breakpointLines(),
    };
    const url = `${location.origin}${location.pathname}#s=${await encodeShare(shared)}`;
    history.replaceState(null, '', url);
    try {
      await navigator.clipboard.writeText(url);
      this.setStatus('link copied to the clipboard');
    } catch {
      this.setStatus('link in the address bar');
    }
  }

  /** A shared link: its example with the files as shared (over the starter; edits kept here for it are not used). */
  private async restore(shared: Shared): Promise<void> {
    const known = EXAMPLES.find((e) => e.id === shared.example);
    const text = shared.text ?? known?.text ?? '';
    const ex: Example = known && known.path === shared.path ? known
      : { ...EXAMPLES[0]!, id: '', label: shared.path, path: shared.path, text, modules: shared.modules, files: [{ path: shared.path, text }], open: shared.path };
    const edits = { ...(shared.files ?? {}), ...(shared.text !== undefined ? { [shared.path]: shared.text } : {}) };
    this.loadExample(ex, edits);
    if (shared.open !== undefined) this.showFile(shared.open);
    // The shown file opens where the link's copy first differs from the starter.
    const starter = ex.files.find((f) => f.path === this.editor.path)?.text;
    if (starter !== undefined && edits[this.editor.path] !== undefined) {
      const mine = this.editor.text.split('\n');
      const theirs = starter.split('\n');
      const first = mine.findIndex((line, i) => line !== theirs[i]);
      if (first >= 0) this.editor.scrollToLine(first + 1);
    }
    $<HTMLInputElement>('modules').value = shared.modules.join(' ');
    writeOptions(shared.options);
    this.editor.setBreakpointLines(shared.breakpoints);
    this.showCommandLine();
  }

  // ---------------------------------------------------------------- drawing

  private appendConsole(text: string): void {
    this.consoleText += text;
    const el = $('console');
    el.textContent = this.consoleText;
    el.scrollTop = el.scrollHeight;
  }

  private replAppend(text: string): void {
    const el = $('repl-output');
    el.textContent += text.endsWith('\n') || text === '' ? text : `${text}\n`;
    el.scrollTop = el.scrollHeight;
  }

  /** Draw a snapshot; `follow`: after a run control, show the project's file the pc stopped in. */
  private draw(s: Snapshot, follow = false): void {
    const before = this.snapshot?.cpus[this.snapshot.focus];
    this.snapshot = s;
    this.pcFile = s.pcFile;
    this.pcLine = s.pcLine;
    if (follow && s.pcFile !== undefined && s.pcFile !== this.editor.path && this.editor.paths.includes(s.pcFile)) this.showFile(s.pcFile);
    const cpu = s.cpus[s.focus]!;
    $('cpu-name').textContent = `${cpu.name} · ${cpu.mode}`;
    this.drawRegisters(cpu, before);
    $('disasm').innerHTML = cpu.disasm.map((l) => `<span class="line${l.current ? ' current' : ''}">${esc(l.text)}</span>`).join('');
    $('stats').textContent = cpu.statsText;
    this.editor.markPc(s.pcFile === this.editor.path && s.pcLine !== undefined ? s.pcLine : null);
    this.drawTlb(s.tlb);
    this.drawExits(cpu);
    document.body.dataset.pc = hex8(cpu.registers.pc);
    document.body.dataset.instructions = String(cpu.counters.instructions);
    document.body.dataset.cycles = String(cpu.counters.cycles);
    document.body.dataset.stopped = cpu.stopped ?? '';
  }

  /** The views drawn on request (the walk, the trees, memory), once the worker is free again. */
  private async refreshViews(): Promise<void> {
    if ($('tab-translation').classList.contains('active')) await this.refreshTranslation();
    await this.memory();
    document.body.dataset.busy = 'false';
  }

  private drawRegisters(cpu: CpuSnapshot, before: CpuSnapshot | undefined): void {
    const r = cpu.registers;
    const old = before?.registers;
    const rows = [`<tr${old && old.pc !== r.pc ? ' class="changed"' : ''}><th>pc</th><td id="reg-pc">${hex8(r.pc)}</td><td>${r.supervisor ? 'supervisor' : 'user'}${r.paging ? ', paging' : ''}</td></tr>`];
    r.general.forEach((g, i) => {
      const changed = old && old.general[i]!.value !== g.value;
      rows.push(`<tr${changed ? ' class="changed"' : ''}><th>${g.name}</th><td id="reg-${g.name}">${hex8(g.value)}</td><td>${g.value | 0}</td></tr>`);
    });
    $('registers').innerHTML = rows.join('');
    const c = r.control;
    const cr: [string, string][] = [
      ['status', `${hex8(c.status)} ${c.statusFlags.join(' ')}`],
      ['ptbr', `${hex8(c.ptbr)} root ${hex8(c.ptbrRoot)} asid ${c.ptbrAsid}`],
      ['evec', hex8(c.evec)],
      ['epc', hex8(c.epc)],
      ['cause', c.trapped ? `${c.cause} ${c.causeName}` : '—'],
      ['badva', hex8(c.badva)],
      ['timer', c.timer ? `${fmt(c.timer)}${c.timerPending ? ' (pending)' : ''}` : 'off'],
      ['instret', fmt(r.instructions)],
    ];
    $('control-registers').innerHTML = cr.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('');
    const m = cpu.realMmu;
    let text: string;
    if (!cpu.setup.vmm) text = 'bare metal: the control registers above are the real ones';
    else if (!m.loaded) text = `holds ${m.loadedVm ?? 'no VM'}'s state`;
    else {
      text = `PTBR ${hex8(m.stage1Root)} (${m.stage1RootSpace}) ${m.stage1On ? 'on' : 'off'} · VPID ${m.vpid} ASID ${m.asid} · ${m.userMode ? 'user' : 'supervisor'}`;
      if (m.nested) text += ` · EPT root ${hex8(m.nested.root)}, ${m.nested.levelBits.length} levels`;
    }
    $('real-mmu').textContent = text;
  }

  private drawTlb(tlb: TlbContents): void {
    const prev = this.previousTlb;
    this.previousTlb = tlb;
    const key = (e: TlbEntryInfo) => `${e.index}:${e.va}:${e.pa}:${e.asid}:${e.vpid}:${e.pagingOff}`;
    const html = tlb.tlbs.map((t, ti) => {
      const old = prev?.tlbs[ti];
      const oldByKey = new Map((old?.valid ?? []).map((e) => [key(e), e]));
      const now = new Set(t.valid.map(key));
      const evicted = (old?.valid ?? []).filter((e) => !now.has(key(e)));
      const bySlot = new Map(t.valid.map((e) => [e.index, e]));
      const rows: string[] = [];
      for (let set = 0; set < t.sets; set++) {
        const cells: string[] = [];
        for (let way = 0; way < t.ways; way++) {
          const e = bySlot.get(set * t.ways + way);
          if (!e) {
            cells.push('<td class="empty">—</td>');
            continue;
          }
          const was = oldByKey.get(key(e));
          const cls = !was ? 'filled' : was.lastUse !== e.lastUse ? 'hit' : '';
          const ctx = e.pagingOff ? 'off' : `${e.vpid ? `v${e.vpid} ` : ''}a${e.asid}${e.global ? ' G' : ''}`;
          cells.push(`<td class="tlb-entry ${cls}" title="LRU rank ${e.lruRank}, bits ${bitsText(e.bits)}">${hex8(e.va)} → ${hex8(e.pa)}<br><small>${ctx} · ${sizeText(e.pageBytes)} · lru ${e.lruRank}</small></td>`);
        }
        rows.push(`<tr><th>${set}</th>${cells.join('')}</tr>`);
      }
      const head = `<tr><th>set</th>${Array.from({ length: t.ways }, (_, w) => `<th>way ${w}</th>`).join('')}</tr>`;
      const gone = evicted.length ? `<div class="evicted-list">evicted: ${evicted.map((e) => `${hex8(e.va)} → ${hex8(e.pa)}`).join(', ')}</div>` : '';
      return `<p>${t.kind} TLB: ${t.capacity} entries, ${t.sets} set${t.sets === 1 ? '' : 's'} × ${t.ways} ways, ${t.replacement}; <span class="tlb-count">${t.valid.length}</span> valid${tlb.sharedByVms ? ' (shared by the VMs)' : ''}</p><table class="tlb">${head}${rows.join('')}</table>${gone}`;
    });
    $('tlb-view').innerHTML = html.join('');
  }

  private drawExits(cpu: CpuSnapshot): void {
    const log = cpu.exits;
    if ('unavailable' in log) {
      $('exits-view').textContent = 'bare metal: no VM exits';
      $('exits-total').textContent = '';
      return;
    }
    const filter = $<HTMLSelectElement>('exits-filter').value;
    const records = (log as ExitLog).records.filter((r) => !filter || r.reason === filter || r.hardware === filter);
    $('exits-total').textContent = `${fmt(log.total)} in all; the last ${log.records.length} kept`;
    const rows = records.slice(-100).reverse().map((r) => `<tr><td>#${r.n}</td><td>${fmt(r.instructions)}</td><td><a data-pc="${r.pc}">${hex8(r.pc)}</a></td><td>${esc(r.reason)}</td><td>${esc(r.hardware)}</td><td>${esc(r.detail)}</td></tr>`);
    $('exits-view').innerHTML = `<table class="exits"><tr><th>exit</th><th>instructions</th><th>pc</th><th>reason</th><th>hardware</th><th>qualification</th></tr>${rows.join('')}</table>`;
    for (const a of $('exits-view').querySelectorAll<HTMLAnchorElement>('a[data-pc]')) {
      a.addEventListener('click', () => void this.replCommand(`disas ${hex8(Number(a.dataset.pc))} 3`).then(() => this.showTab('debugger')));
    }
  }

  private async refreshTranslation(): Promise<void> {
    if (!this.built || this.busy) return;
    await this.walk();
    await this.tables();
  }

  async walk(): Promise<void> {
    if (!this.built) return;
    const r = await this.client.request<WalkResult>({ kind: 'walk', va: $<HTMLInputElement>('walk-va').value || 'pc', access: $<HTMLSelectElement>('walk-access').value as 'fetch' });
    const el = $('walk-view');
    if (!r.translation) {
      el.innerHTML = `<p class="error">${esc(r.error ?? 'no walk')}</p>`;
      return;
    }
    this.lastWalk = r.translation;
    el.innerHTML = walkHtml(r.translation);
    await this.tables();
  }

  async tables(): Promise<void> {
    if (!this.built) return;
    const which = $<HTMLSelectElement>('tables-which').value as 'guest' | 'shadow' | 'ept';
    const t = await this.client.request<TablesView>({ kind: 'tables', which });
    const el = $('tables-view');
    el.innerHTML = tablesHtml(t, walkedEntries(this.lastWalk, which));
    for (const link of el.querySelectorAll<HTMLElement>('[data-guest-entry]')) {
      link.addEventListener('click', () => void this.showGuestEntry(Number(link.dataset.guestEntry)));
    }
  }

  private async showGuestEntry(entry: number): Promise<void> {
    $<HTMLSelectElement>('tables-which').value = 'guest';
    await this.tables();
    const target = $('tables-view').querySelector<HTMLElement>(`[data-entry="${entry}"]`);
    if (!target) return;
    for (let p = target.parentElement; p; p = p.parentElement) if (p instanceof HTMLDetailsElement) p.open = true;
    target.classList.add('highlight');
    target.scrollIntoView({ block: 'center' });
  }

  async memory(): Promise<void> {
    if (!this.built || this.busy) return;
    const space = $<HTMLSelectElement>('memory-space').value as 'v';
    const m = await this.client.request<MemoryView>({ kind: 'memory', space, addr: $<HTMLInputElement>('memory-addr').value || 'pc', rows: 8 });
    $('memory').textContent = m.error ?? m.rows.map((r) => `${space}:${hex8(r.addr)}  ${r.words.map((w) => (w === null ? '--------' : w.toString(16).padStart(8, '0'))).join(' ')}  ${ascii(r.words)}`).join('\n');
  }

  // ---------------------------------------------------------------- compare

  async compare(): Promise<void> {
    const spec = this.spec();
    const status = $('compare-status');
    status.textContent = 'running in three workers…';
    $<HTMLButtonElement>('btn-compare').disabled = true;
    const modes = ['native', 'shadow', 'ept'] as const;
    const workers = modes.map(() => new WorkerClient());
    try {
      const results = await Promise.all(modes.map(async (mode, i) => {
        await workers[i]!.ready;
        const options = { ...spec.options };
        if (mode === 'native') delete options.mode;
        else options.mode = mode;
        return workers[i]!.request<BatchResult>({ kind: 'batch', spec: { ...spec, options } });
      }));
      const runs = results.map(revive);
      $('compare-table').textContent = comparisonTable(runs);
      $('compare-bars').innerHTML = barsHtml(runs);
      const same = results.every((r) => r.console === results[0]!.console && r.exitCode === results[0]!.exitCode);
      status.textContent = same ? `the console output and exit code (${results[0]!.exitCode}) are identical in all three modes` : `the modes disagree: ${results.map((r) => `${r.mode} exit ${r.exitCode} (${r.reason})`).join(', ')}`;
      document.body.dataset.compared = JSON.stringify(results.map((r) => ({ mode: r.mode, instructions: (r.statsJson as { instructions: number }).instructions, console: r.console })));
    } catch (e) {
      status.textContent = (e as Error).message;
    } finally {
      for (const w of workers) w.terminate();
      $<HTMLButtonElement>('btn-compare').disabled = false;
    }
  }
}

// ------------------------------------------------------------------ view helpers

const BIT_NAMES = ['V', 'W', 'X', 'U', 'G', 'A', 'D', 'L'];
function bitsText(bits: number): string {
  return BIT_NAMES.filter((_, i) => bits & (1 << i)).join('') || '-';
}
function sizeText(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes >>> 20} MiB` : `${bytes >>> 10} KiB`;
}
function ascii(words: readonly (number | null)[]): string {
  return words.map((w) => (w === null ? '....' : [0, 8, 16, 24].map((s) => {
    const c = (w >>> s) & 0xff;
    return c >= 32 && c < 127 ? String.fromCharCode(c) : '.';
  }).join(''))).join('');
}

function refCell(ref: WalkRef | undefined, mode: string): string {
  if (!ref) return '<td></td>';
  // Under shadow paging the hardware walks the shadow tables, not the guest's.
  const stage = mode === 'shadow' && ref.stage === 'guest' ? 'shadow' : ref.stage;
  const lead = ref.leadsTo.kind === 'not-present' ? 'not present' : ref.leadsTo.kind === 'table' ? `→ table ${hex8(ref.leadsTo.addr)}` : `→ frame ${hex8(ref.leadsTo.addr)}`;
  return `<td class="ref ${ref.stage}${ref.cached ? ' cached' : ''}" data-ref="${ref.n}"><span class="n">${ref.n}</span>${stage} L${ref.level} ${hex8(ref.entryAddr)}<small>= ${hex8(ref.value)} ${bitsText(ref.bits)} ${lead}${ref.cached ? ' · PWC hit, no reference' : ''}</small></td>`;
}

function walkHtml(t: Translation): string {
  const parts: string[] = [];
  const g = t.guest;
  parts.push(`<p class="walk-summary">${esc(t.cpu)} (${t.mode}), ${t.access} of ${hex8(t.va)}: the guest's own walk ${g.paging ? (g.ok ? `gives guest-physical ${hex8(g.guestPhys)}` : `faults: ${esc(g.fault ?? '')}`) : 'is off (virtual = physical)'}</p>`);
  const hw = t.hardware;
  if (!hw) {
    parts.push(`<p>No hardware walk to show: the MMU holds ${esc(t.loadedVm ?? 'no VM')}'s state and this VM has no shadow yet.</p>`);
    return parts.join('');
  }
  const tlb = hw.tlb.kind === 'hit' ? `the TLB hits (${hw.tlb.tlb}, set ${hw.tlb.set}, way ${hw.tlb.way}): the walk below is what a miss would make` : hw.tlb.kind === 'miss' ? 'a TLB miss: the hardware walks' : hw.tlb.kind === 'not-used' ? 'translation is off' : 'the TLB is another VM\'s now';
  parts.push(`<p>${tlb}${hw.source === 'software' ? ' (walked in software: the MMU holds another VM)' : ''}</p>`);
  if (hw.grid) {
    const eptLevels = Math.max(0, ...hw.refs.filter((r) => r.stage === 'ept').map((r) => r.level + 1));
    const byN = new Map(hw.refs.map((r) => [r.n, r]));
    const head = `<tr><th>guest-physical address</th>${Array.from({ length: eptLevels }, (_, i) => `<th>EPT L${i}</th>`).join('')}<th>guest entry</th></tr>`;
    const rows = hw.grid.map((row: GridRow) => {
      const ept = Array.from({ length: eptLevels }, (_, i) => refCell(row.eptRefs[i] !== undefined ? byN.get(row.eptRefs[i]!) : undefined, t.mode)).join('');
      const guest = row.guestRef !== undefined ? refCell(byN.get(row.guestRef), t.mode) : `<td>${row.kind === 'data' ? 'the data' : ''}</td>`;
      return `<tr><th>${row.kind === 'data' ? 'data' : `guest L${row.guestLevel}`} ${hex8(row.guestPhys)}</th>${ept}${guest}</tr>`;
    });
    parts.push(`<table class="walk grid">${head}${rows.join('')}</table>`);
  } else {
    parts.push(`<table class="walk"><tr>${hw.refs.map((r) => refCell(r, t.mode)).join('')}</tr></table>`);
  }
  const c = hw.cost;
  const cold = c.coldWalk ? ` · a cold 2-D walk of ${c.coldWalk.guestLevels} guest × ${c.coldWalk.eptLevels} EPT levels makes (${c.coldWalk.guestLevels}+1)(${c.coldWalk.eptLevels}+1)−1 = ${c.coldWalk.refs}` : '';
  parts.push(`<p class="walk-total${c.coldWalk && c.memoryRefs === c.coldWalk.refs ? ' cold' : ''}"><span id="walk-refs" data-refs="${c.memoryRefs}">${c.memoryRefs}</span> memory reference${c.memoryRefs === 1 ? '' : 's'} (${c.guestEntries} ${t.mode === 'shadow' ? 'shadow' : 'guest'}, ${c.eptEntries} EPT entries${c.entries > c.memoryRefs ? `, ${c.entries - c.memoryRefs} from the page-walk cache` : ''}) · ${fmt(c.cycles)} cycles = ${c.startCycles} + ${c.memoryRefs} × ${c.refCycles}${cold}</p>`);
  const o = hw.outcome;
  parts.push(o.kind === 'ok'
    ? `<p class="outcome ok">→ ${hex8(o.hostPhys)} (${sizeText(o.pageBytes)} page, ${bitsText(o.leafBits)})${o.guestPhys !== undefined ? ` via guest-physical ${hex8(o.guestPhys)}` : ''}</p>`
    : o.kind === 'ept-violation' ? `<p class="outcome fault">EPT violation at guest-physical ${hex8(o.guestPhys)}: an exit, the VMM backs it</p>`
      : `<p class="outcome fault">${esc(o.causeName)}${o.shadow ? ` (${o.shadow === 'hidden' ? 'a hidden fault: the VMM fills the shadow' : 'a true fault: injected into the guest'})` : ''}</p>`);
  return parts.join('');
}

/** Entry addresses (in the tree's own space) the last walk read, for the tree `which`. */
function walkedEntries(t: Translation | undefined, which: string): Set<number> {
  const out = new Set<number>();
  if (!t) return out;
  if (which === 'guest') for (const s of t.guest.steps) out.add(s.entryAddr);
  else for (const r of t.hardware?.refs ?? []) if ((which === 'ept') === (r.stage === 'ept')) out.add(which === 'ept' ? r.hostAddr : r.entryAddr);
  return out;
}

function tablesHtml(t: TablesView, walked: Set<number>): string {
  if ('unavailable' in t) {
    const why = { 'bare-metal': 'bare metal: no shadow and no EPT', 'not-shadow-mode': 'this VM does not run under shadow paging', 'not-ept-mode': 'this VM does not run under EPT', 'no-shadow-yet': 'no shadow tables yet: run the guest' }[t.unavailable];
    return `<p>${why}</p>`;
  }
  let head: string;
  let tree;
  if (t.kind === 'guest') {
    head = `${esc(t.cpu)}: PTBR root ${hex8(t.root)} ASID ${t.asid}, paging ${t.paging ? 'on' : 'off'} (${t.guestPhysical ? 'guest-physical' : 'physical'} addresses)`;
    tree = t.tree;
  } else if (t.kind === 'shadow') {
    head = `${esc(t.cpu)}: shadow root ${hex8(t.root)} (host-physical)${t.loaded ? ', loaded in the MMU' : ''}${t.guestRoot ? `, shadows the guest directory ${hex8(t.guestRoot)}` : t.guestRoot === null ? ', the paging-off shadow' : ''}`;
    tree = t;
  } else {
    head = `${esc(t.cpu)}: EPT root ${hex8(t.root)} (host-physical), ${t.levelBits.length} levels`;
    tree = t;
  }
  if (!tree) return `<p>${head}</p><p>no tables</p>`;
  return `<p>${head}</p><div class="tree">${nodesHtml(tree.entries, tree.root, walked, t.kind)}</div>`;
}

function nodesHtml(nodes: readonly TreeNode[], table: number, walked: Set<number>, kind: string): string {
  return nodes.map((n) => {
    if (n.kind === 'outside-memory') return `<div class="leaf">table ${hex8(n.table)} lies outside memory</div>`;
    if (n.kind === 'table') {
      const entry = (table + n.index * 4) >>> 0;
      const link = n.shadowOf ? shadowLink(n.shadowOf) : '';
      const open = walked.has(entry) ? ' open' : '';
      return `<details class="${walked.has(entry) ? 'walked' : ''}"${open} data-entry="${entry}"><summary>[${n.index}] ${hex8(n.va)}–${hex8(n.vaEnd)} → table ${hex8(n.table)} <span class="bits">${bitsText(n.bits)}</span>${link}</summary>${nodesHtml(n.entries, n.table, walked, kind)}</details>`;
    }
    const first = (table + n.first * 4) >>> 0;
    const last = (table + n.last * 4) >>> 0;
    const hit = [...walked].some((a) => a >= first && a <= last);
    const idx = n.count === 1 ? `[${n.first}]` : `[${n.first}–${n.last}] ×${n.count}`;
    const link = n.guestEntry !== undefined ? `<span class="link" data-guest-entry="${n.guestEntry}" title="the guest entry this shadow leaf was derived from">← guest PTE ${hex8(n.guestEntry)}</span>` : '';
    return `<div class="leaf${hit ? ' walked' : ''}" data-entry="${first}">${idx} ${hex8(n.va)}–${hex8(n.vaEnd)} → ${hex8(n.frame)}${n.count > 1 ? `–${hex8(n.frameEnd)}` : ''} ${sizeText(n.pageBytes)} <span class="bits">${bitsText(n.bits)}</span>${link}</div>`;
  }).join('');
}

function shadowLink(l: NonNullable<Extract<TreeNode, { kind: 'table' }>['shadowOf']>): string {
  if (l.kind === 'paging-off') return '<span class="link">← guest paging off</span>';
  if (l.kind === 'guest-superpage') return `<span class="link" data-guest-entry="${l.guestEntry}">← splits the guest superpage at ${hex8(l.guestEntry)}</span>`;
  return `<span class="link" data-guest-entry="${l.guestEntry}">← guest table ${hex8(l.guestTable)} (entry ${hex8(l.guestEntry)})</span>`;
}

/** Stats and VmmStats as structured clone left them, with their prototypes back (their getters). */
function revive(r: BatchResult): ModeRun {
  const stats = Object.assign(Object.create(Stats.prototype) as Stats, r.stats);
  const vmm = r.vmm ? Object.assign(Object.create(VmmStats.prototype) as VmmStats, r.vmm) : undefined;
  return { mode: r.mode as ModeRun['mode'], console: r.console, exitCode: r.exitCode, reason: r.reason, stats, ...(vmm ? { vmm } : {}) };
}

const PARTS: [string, (s: Stats) => number][] = [
  ['instructions', (s) => s.cyclesInsn],
  ['page walks', (s) => s.cyclesWalk],
  ['VM exits/entries', (s) => s.cyclesExit],
  ['VMM work', (s) => s.cyclesVmm],
  ['traps, devices, idle', (s) => s.cyclesTrap + s.cyclesMmio + s.cyclesIdle],
];

function barsHtml(runs: readonly ModeRun[]): string {
  const max = Math.max(...runs.map((r) => r.stats.cycles), 1);
  const legend = `<div class="bar-legend">${PARTS.map(([label], i) => `<span class="part-${i}">${label}</span>`).join('')}</div>`;
  const rows = runs.map((r) => {
    const spans = PARTS.map(([label, of], i) => {
      const v = of(r.stats);
      return v > 0 ? `<span class="part-${i}" style="width:${(100 * v) / max}%" title="${label}: ${fmt(v)} cycles (${((100 * v) / r.stats.cycles).toFixed(1)}%)"></span>` : '';
    }).join('');
    return `<div class="bar-row"><span class="label">${r.mode}</span><div class="bar" style="width:calc((100% - 200px) * ${r.stats.cycles / max})">${spans}</div><span>${fmt(r.stats.cycles)} cycles</span></div>`;
  });
  return `<h3>Where the cycles went</h3>${legend}${rows.join('')}`;
}

const page = new Page();
void page.start();
