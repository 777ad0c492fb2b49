// The progress bar of long experiment runs, on stderr and only on a terminal: cells done, elapsed
// time and an estimate of the time left (the mean time per cell so far times the cells left). It
// appears only after the run has taken a moment, redraws at most ten times a second, and erases
// itself at the end so the table that follows starts on a clean line.

import type { Progress } from './result.ts';

const SHOW_AFTER_MS = 700;
const REDRAW_MS = 100;
const WIDTH = 28;

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of the bar, e.g. `[########------] 12/40 cells  0:07 elapsed, ~0:21 left`. */
export function progressLine(p: Progress): string {
  const filled = p.total > 0 ? Math.round((WIDTH * p.done) / p.total) : WIDTH;
  const left = p.done > 0 && p.done < p.total ? `, ~${formatDuration((p.elapsedMs / p.done) * (p.total - p.done))} left` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${p.done}/${p.total} cells, ${formatDuration(p.elapsedMs)} elapsed${left}`;
}

export interface ProgressBar {
  update(p: Progress): void;
  /** Erase the bar (if it was ever drawn). */
  done(): void;
}

/** A bar on `stream` if it is a terminal, else one that draws nothing. */
export function progressBar(stream: NodeJS.WriteStream, enabled = true): ProgressBar {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  let drawn = false;
  let lastDraw = 0;
  let last: Progress | undefined;
  const startedAt = performance.now();
  const draw = (p: Progress) => {
    stream.write(`\r\x1b[2K${progressLine(p)}`);
    drawn = true;
    lastDraw = p.elapsedMs;
  };
  // Cells can take seconds each: a timer keeps the elapsed time moving between them.
  const timer = setInterval(() => {
    if (last && (drawn || performance.now() - startedAt >= SHOW_AFTER_MS)) draw({ ...last, elapsedMs: performance.now() - startedAt });
  }, 500);
  timer.unref();
  return {
    update(p) {
      last = p;
      if (p.elapsedMs < SHOW_AFTER_MS || (p.elapsedMs - lastDraw < REDRAW_MS && p.done < p.total)) return;
      draw(p);
    },
    done() {
      clearInterval(timer);
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
