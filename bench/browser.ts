// The playground's engine in Chromium against Node's, in one bench run: the ALU loop of the mips
// part (bench/guests/alu.s, paging on, bare metal) timed by web/bench-guest.ts inside the built
// site's worker in headless Chromium (Debian's chromium, CHROMIUM_PATH) and in this Node process,
// alternately, median of RUNS after a warm-up each. Target: Chromium at least 70% of Node.

import * as fs from 'node:fs';
import { chromium } from 'playwright-core';
import { WEB_DIR, webServer } from '../cli/commands/web.ts';
import { benchAluLoop } from '../web/bench-guest.ts';
import type { BenchResult } from '../web/protocol.ts';

const INSTRUCTIONS = 40_000_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function browserTable(runs: number): Promise<void> {
  console.log(`\nThe playground's engine: the ALU loop (paging on) in a Web Worker in headless Chromium and in Node, alternately, median of ${runs} runs after a warm-up (target: Chromium at least 70% of Node)\n`);
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(`${WEB_DIR}/index.html`) || !fs.existsSync(executablePath)) {
    console.log(`skipped: needs the built site (npm run build) and Chromium at ${executablePath}`);
    return;
  }
  const server = webServer(WEB_DIR);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`);
    await page.waitForSelector('body[data-ready=true]');
    // A worker of its own, spoken to in the playground's protocol (web/protocol.ts).
    await page.evaluate(() => {
      const w = new Worker('worker.js');
      let id = 1000;
      const waiting = new Map<number, (r: unknown) => void>();
      w.onmessage = (e: MessageEvent) => {
        const m = e.data as { id?: number; result?: unknown };
        if (m.id !== undefined) waiting.get(m.id)?.(m.result);
      };
      (window as unknown as { bench: (n: number) => Promise<unknown> }).bench = (n: number) => new Promise((resolve) => {
        const my = id++;
        waiting.set(my, resolve);
        w.postMessage({ id: my, request: { kind: 'bench', instructions: n } });
      });
    });
    const inBrowser = () => page.evaluate((n) => (window as unknown as { bench: (n: number) => Promise<BenchResult> }).bench(n), INSTRUCTIONS);
    await inBrowser();
    benchAluLoop(INSTRUCTIONS);
    const chrome: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < runs; i++) {
      chrome.push((await inBrowser()).mips);
      node.push(benchAluLoop(INSTRUCTIONS).mips);
    }
    const version = browser.version();
    const c = median(chrome);
    const n = median(node);
    const rows = [['Node ' + process.version, n.toFixed(1), '1.00'], [`Chromium ${version} (worker)`, c.toFixed(1), (c / n).toFixed(2)]];
    const widths = [0, 1, 2].map((i) => Math.max(...[['host', 'MIPS', 'vs Node'], ...rows].map((r) => r[i]!.length)));
    for (const r of [['host', 'MIPS', 'vs Node'], widths.map((w) => '-'.repeat(w)), ...rows]) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
    console.log(`\nper run, Chromium: ${chrome.map((x) => x.toFixed(1)).join(' ')}; Node: ${node.map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await browser.close();
    server.close();
  }
}
