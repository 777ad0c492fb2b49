// The Experiments tab: a shipped study (or one pasted in) checked and assembled in one worker
// (experiments/in-memory.ts's planStudy), its cells run in a pool of workers, each taking the
// next cell when it is done, with a progress bar; then the report, the table and the chart, and
// the JSON, CSV and SVG files `vmmlab exp` writes, as downloads.

import type { WorkerClient } from './main.ts';
import type { StudyOutputs, StudyPlan, CellResult } from '../experiments/in-memory.ts';
import { GUEST_FILES } from './guest-files.ts';
import type { SourceText } from './protocol.ts';

const STUDY_DIR = 'guest-programs/studies/';
/** The name a pasted study's paths start from (bare module names find the bundled programs). */
const PASTED = 'playground/study.json';

type Client = Pick<WorkerClient, 'request' | 'ready' | 'terminate' | 'pause'>;

export class StudyPanel {
  private pool: Client[] = [];
  /** The files of the last project study run (its Run button runs it again with them). */
  private projectFiles: readonly SourceText[] | undefined;
  private stopped = false;
  private readonly urls: string[] = [];

  constructor(private readonly main: Client, private readonly makeWorker: () => Client) {
    const select = el<HTMLSelectElement>('study-select');
    for (const path of Object.keys(GUEST_FILES).filter((p) => p.startsWith(STUDY_DIR) && p.endsWith('.json')).sort()) {
      select.append(new Option(path.slice(STUDY_DIR.length), path));
    }
    select.append(new Option('(pasted below)', PASTED));
    const show = () => {
      if (select.value !== PASTED) el<HTMLTextAreaElement>('study-text').value = GUEST_FILES[select.value] ?? '';
    };
    select.addEventListener('change', show);
    el<HTMLTextAreaElement>('study-text').addEventListener('input', () => (select.value = PASTED));
    show();
    el('btn-study').addEventListener('click', () => void this.run(this.projectFiles));
    el('btn-study-stop').addEventListener('click', () => this.stop());
  }

  private stop(): void {
    this.stopped = true;
    for (const w of this.pool) w.terminate();
    this.pool = [];
    status('stopped');
  }

  /**
   * Run a project's study (lab 5's study.json) with the project's files as edited: the study's
   * own path, so that its modules (`misses.s`) are the project's files beside it.
   */
  async runProject(text: string, fileName: string, files: readonly SourceText[]): Promise<void> {
    const select = el<HTMLSelectElement>('study-select');
    if (![...select.options].some((o) => o.value === fileName)) select.append(new Option(fileName.split('/').slice(-2).join('/'), fileName));
    select.value = fileName;
    el<HTMLTextAreaElement>('study-text').value = text;
    this.projectFiles = files;
    await this.run(files);
  }

  async run(files?: readonly SourceText[]): Promise<void> {
    const select = el<HTMLSelectElement>('study-select');
    const text = el<HTMLTextAreaElement>('study-text').value;
    const project = files !== undefined && files.some((f) => f.path === select.value);
    const fileName = project ? select.value : select.value === PASTED || text !== GUEST_FILES[select.value] ? PASTED : select.value;
    el<HTMLButtonElement>('btn-study').disabled = true;
    el('study-table').textContent = '';
    el('study-charts').innerHTML = '';
    el('study-downloads').innerHTML = '';
    this.stopped = false;
    const started = performance.now();
    try {
      status('checking and assembling…');
      const plan = await this.main.request<StudyPlan>({ kind: 'study-plan', text, fileName, ...(project ? { files } : {}) });
      const total = plan.cells.length;
      const progress = el<HTMLProgressElement>('study-progress');
      progress.max = total;
      progress.value = 0;
      const jobs = Math.max(1, Math.min(total, navigator.hardwareConcurrency || 2, 4));
      this.pool = Array.from({ length: jobs }, () => this.makeWorker());
      const results: CellResult[] = [];
      const cellMs: Record<number, number> = {};
      let next = 0;
      status(`0 of ${total} cells, ${jobs} worker${jobs === 1 ? '' : 's'}`);
      await Promise.all(this.pool.map(async (w) => {
        await w.ready;
        while (next < total && !this.stopped) {
          const index = next++;
          const t0 = performance.now();
          const r = await w.request<CellResult>({ kind: 'study-cell', plan, index });
          cellMs[index] = Math.round(performance.now() - t0);
          results.push(r);
          progress.value = results.length;
          status(`${results.length} of ${total} cells, ${jobs} worker${jobs === 1 ? '' : 's'}`);
        }
      }));
      if (this.stopped) return;
      const out = await this.main.request<StudyOutputs>({ kind: 'study-finish', plan, results, timing: { wallMs: Math.round(performance.now() - started), jobs, cellMs } });
      el('study-table').textContent = out.report;
      el('study-charts').innerHTML = out.svg;
      const base = (fileName.split('/').pop() ?? 'study').replace(/\.json$/, '');
      this.offer(`${base}.json`, out.json, 'application/json');
      this.offer(`${base}.csv`, out.csv, 'text/csv');
      this.offer(`${base}.svg`, out.svg, 'image/svg+xml');
      status(`${total} cells in ${((performance.now() - started) / 1000).toFixed(1)} s${out.warnings.length ? ` · ${out.warnings.join('; ')}` : ''}`);
      document.body.dataset.study = 'done';
    } catch (e) {
      el('study-table').textContent = (e as Error).message;
      status('the study did not run');
    } finally {
      for (const w of this.pool) w.terminate();
      this.pool = [];
      el<HTMLButtonElement>('btn-study').disabled = false;
    }
  }

  private offer(name: string, text: string, type: string): void {
    const url = URL.createObjectURL(new Blob([text], { type }));
    this.urls.push(url);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.textContent = `download ${name}`;
    el('study-downloads').append(a);
  }
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function status(text: string): void {
  el('study-status').textContent = text;
}
