// The Lab tab: for a lab's example, what to do (the lab's text, the commands, what is checked
// where), and Check lab, which runs `vmmlab lab check N`'s checks (session/labs/) on the
// project's files as edited, in a worker of its own so the machine being debugged is left alone,
// and shows each check ok or FAIL with its details and the summary, as the CLI prints them.
// Lab 4's check is `vmmlab check-pager pager.js`: the worker loads the edited pager.js as a
// module and runs check-pager's suite on it one check per request, and the panel shows the
// scorecard as it grows (each check pass/FAIL with its first difference, then the costs next to
// the built-in shadow pager's and the score), the lines check-pager prints.

import type { Diagnostic } from '../assembler/index.ts';
import { formatDiagnostic } from '../assembler/diagnostics.ts';
import type { Example } from './examples.ts';
import type { WorkerClient } from './main.ts';
import type { LabCheckResult, PagerCheckEnd, PagerCheckStart, PagerCheckStep, SourceText } from './protocol.ts';

type Client = Pick<WorkerClient, 'request' | 'ready' | 'terminate'>;

/** What the panel needs of the page. */
export interface LabHost {
  makeWorker(): Client;
  /** The project's files, as edited. */
  files(): SourceText[];
  showTab(name: string): void;
  setStatus(text: string): void;
  /** A check's diagnostics (files that do not assemble): the page marks them in their tabs. */
  showDiagnostics(diagnostics: readonly Diagnostic[]): void;
  /** Lab 5: run its study.json, with the project's files, in the Experiments tab. */
  runStudy(study: SourceText, files: SourceText[]): Promise<void>;
}

export class LabPanel {
  private example: Example | undefined;

  constructor(private readonly host: LabHost) {
    el('btn-check-lab').addEventListener('click', () => void this.check());
  }

  /** The tab for the example open, and the Check lab button (shown for a lab checked here). */
  show(ex: Example): void {
    this.example = ex;
    el<HTMLButtonElement>('btn-check-lab').hidden = ex.lab === undefined || !ex.labCheck;
    el('lab-result').textContent = '';
    el('lab-diagnostics').textContent = '';
    delete document.body.dataset.labCheck;
    if (ex.lab === undefined) {
      el('lab-intro').innerHTML = '<p>The labs of <code>docs/labs/</code> are among the examples (Labs): open one, edit its files in the tabs above the editor, and <b>Check lab</b> runs the checks <code>vmmlab lab check N</code> runs, on the files as you edited them.</p>';
      return;
    }
    const n = ex.lab;
    const where = n === 4
      ? `<p>Write your pager in <code>pager.js</code> (an ES module, JavaScript: the browser runs no TypeScript, so a <code>pager.ts</code> is checked on the command line, or compiled to .js and pasted here). <b>Check lab</b> loads it in a worker and runs <code>vmmlab check-pager pager.js</code>'s suite on it, check by check: the guests natively and under your pager, 150 random page tables, the isolation suite, then your costs next to the built-in shadow pager's. Build and Run try <code>paging.s</code> under vmmlab's own shadow pager, with its trees, TLB and VM exits drawn, to compare with what yours does; <code>answers.md</code> holds your answers.</p>`
      : n === 5
        ? `<p>Edit <code>misses.s</code>, <code>switches.s</code> and <code>study.json</code> in the tabs above the editor; Build and Run try a workload (Modules: <code>misses.s</code> or <code>switches.s</code>, with its arguments). <b>Check lab</b> runs your study here, cell after cell, and the checks <code>vmmlab lab check 5</code> makes of its result; <button id="btn-lab-study" class="small">Run this lab's study</button> runs it in the Experiments tab, for its table, charts and finding.</p>`
        : `<p>Edit the lab's files in the tabs above the editor (each keeps its edits in this browser; <b>reset</b> puts the shown one back to the starter). Build and Run try them; <b>Check lab</b> runs the checks <code>vmmlab lab check ${n}</code> runs, on your files here, in a worker.</p>`;
    el('lab-intro').innerHTML = `<h3>Lab ${n}: ${esc(ex.label.replace(/^lab \d+: /, ''))}</h3><p>The lab's text: <code>${labText(ex)}</code> (in vmmlab's package). On the command line: <code>vmmlab lab init ${n} lab${n}</code>, then <code>vmmlab lab check ${n} lab${n}</code>.</p>${where}`;
    document.getElementById('btn-lab-study')?.addEventListener('click', () => void this.runStudy());
  }

  /** Check lab: the checks on the files as edited, in a worker of its own. */
  async check(): Promise<void> {
    const n = this.example?.lab;
    if (n === undefined) return;
    this.host.showTab('lab');
    const button = el<HTMLButtonElement>('btn-check-lab');
    button.disabled = true;
    document.body.dataset.labCheck = 'running';
    const out = el('lab-result');
    out.textContent = `checking lab ${n}…`;
    el('lab-diagnostics').textContent = '';
    const worker = this.host.makeWorker();
    if (n === 4) {
      try {
        await worker.ready;
        await this.checkPager(worker);
      } catch (e) {
        out.textContent = (e as Error).message;
        document.body.dataset.labCheck = 'stopped';
      } finally {
        worker.terminate();
        button.disabled = false;
      }
      return;
    }
    try {
      await worker.ready;
      const r = await worker.request<LabCheckResult>({ kind: 'lab-check', lab: n, files: this.host.files() });
      out.innerHTML = resultHtml(r, labText(this.example!));
      if (r.diagnostics.length > 0) {
        el('lab-diagnostics').textContent = r.diagnostics.map((d) => formatDiagnostic(d, false)).join('\n');
        this.host.showDiagnostics(r.diagnostics);
      }
      this.host.setStatus(r.summary ?? r.error ?? '');
      document.body.dataset.labCheck = r.checks ? (r.checks.every((c) => c.ok) ? 'passed' : 'failed') : 'stopped';
    } catch (e) {
      out.textContent = (e as Error).message;
      document.body.dataset.labCheck = 'stopped';
    } finally {
      worker.terminate();
      button.disabled = false;
    }
  }

  /** Lab 4: check-pager's suite on the edited pager.js, one check per request, the scorecard growing as they come. */
  private async checkPager(worker: Client): Promise<void> {
    const out = el('lab-result');
    const pager = this.host.files().find((f) => /\/pager\.(m?js|ts)$/.test(f.path));
    if (!pager) throw new Error('this project has no pager.js');
    const start = await worker.request<PagerCheckStart>({ kind: 'pager-load', source: pager });
    let text = start.intro + '\n';
    const show = (progress?: string) => {
      out.innerHTML = scorecardHtml(text) + (progress ? `<span class="progress">${esc(progress)}\n</span>` : '');
    };
    if (start.error !== undefined || start.header === undefined) {
      text += `vmmlab: error: ${start.error ?? 'the pager does not load'}\n`;
      show();
      this.host.setStatus(start.error ?? '');
      document.body.dataset.labCheck = 'stopped';
      return;
    }
    text += start.header;
    let failed = 0;
    for (const [i, name] of start.names.entries()) {
      show(`check ${i + 1} of ${start.names.length}: ${name}…`);
      this.host.setStatus(`checking lab 4: ${name} (${i + 1} of ${start.names.length})`);
      const step = await worker.request<PagerCheckStep>({ kind: 'pager-check', name });
      if (!step.result.passed) failed++;
      text += step.text;
    }
    const end = await worker.request<PagerCheckEnd>({ kind: 'pager-finish' });
    text += `${end.text}\n${end.summary}; the lab's text: ${labText(this.example!)} (${end.ms.toLocaleString('en-US')} ms here)\n`;
    show();
    this.host.setStatus(end.summary + (failed > 0 ? ` (${failed} failed)` : ''));
    document.body.dataset.labCheck = end.passed ? 'passed' : 'failed';
  }

  /** Lab 5: its study.json, with the lab's programs as edited, in the Experiments tab. */
  private async runStudy(): Promise<void> {
    const files = this.host.files();
    const study = files.find((f) => f.path.endsWith('/study.json'));
    if (study) await this.host.runStudy(study, files);
  }
}

/** The lab's text, as a path in vmmlab's package: docs/labs/NN-name.md. */
function labText(ex: Example): string {
  return `docs/labs/${(ex.root ?? '').split('/').pop()}.md`;
}

/** A lab check's lines as `vmmlab lab check` prints them: the header, ok/FAIL with the details, the summary. */
function resultHtml(r: LabCheckResult, text: string): string {
  // One block per line, so that a long one wraps under its own text (not under the margin); its
  // newline inside, so that the text copied has the CLI's lines.
  const line = (html: string, cls = '') => `<span${cls ? ` class="${cls}"` : ''}>${html}\n</span>`;
  const out = [line(`lab ${r.lab}, ${esc(r.title)}: checking the files here (${r.ms.toLocaleString('en-US')} ms)`)];
  if (!r.checks) return [...out, line(esc(r.error ?? 'not checked'), 'fail')].join('');
  for (const c of r.checks) {
    out.push(line(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${esc(c.name)}`, `check ${c.ok ? 'ok' : 'fail'}`));
    for (const d of c.detail) out.push(line(`        ${esc(d)}`, 'detail'));
  }
  out.push(line(`${esc(r.summary ?? '')}; the lab's text: ${esc(text)}`, 'summary'));
  return out.join('');
}

/** check-pager's text, a block per line, its pass and FAIL lines marked (as resultHtml's). */
function scorecardHtml(text: string): string {
  let inTable = false;
  return text.replace(/\n$/, '').split('\n').map((l) => {
    // The costs table runs from its title to the blank line after it.
    inTable = l.startsWith('costs on the kernel') || (inTable && l !== '');
    const cls = /^  pass  /.test(l) ? 'check ok' : /^  FAIL  /.test(l) ? 'check fail' : /^        /.test(l) ? 'detail' : /^(score|lab 4):/.test(l) ? 'summary' : inTable ? 'table' : '';
    return `<span${cls ? ` class="${cls}"` : ''}>${esc(l)}\n</span>`;
  }).join('');
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
