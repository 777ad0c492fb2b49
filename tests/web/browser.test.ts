// The playground in a real browser: Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium;
// .ci/run installs it when it is missing, and sets VMMLAB_REQUIRE_BROWSER=1 so that CI never
// skips these; elsewhere, without a Chromium, they are skipped with a note) driven by
// playwright-core, against the built site
// (dist/web/, served by `vmmlab web`'s own server). Screenshots of the views the README shows
// are taken on the way: into docs/screenshots/ with VMMLAB_UPDATE_SCREENSHOTS=1, else into a
// temporary folder.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIR, webServer } from '../../cli/commands/web.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.VMMLAB_UPDATE_SCREENSHOTS === '1' ? path.join(root, 'docs/screenshots') : fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-shots-'));
const KERNEL = 'guest-programs/kernel/kernel.s';
const HAVE_BROWSER = fs.existsSync(CHROMIUM);
if (!HAVE_BROWSER && process.env.VMMLAB_REQUIRE_BROWSER !== '1') {
  console.warn(`tests/web/browser.test.ts: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

let browser: Browser;
let base = '';
const server = webServer(WEB_DIR);

beforeAll(async () => {
  if (!HAVE_BROWSER && process.env.VMMLAB_REQUIRE_BROWSER !== '1') return;
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) {
    const built = spawnSync(process.execPath, [path.join(root, 'bin/build.js'), '--if-stale'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the site does not build:\n${built.stderr}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (server.listening) server.close();
});

interface Opened {
  page: Page;
  /** Console errors, page errors, failed requests and HTTP errors, as they happen. */
  problems: string[];
}

async function open(hash = '', width = 1400, height = 950): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width, height } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(base + hash);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  await idle(page);
  return { page, problems };
}

/** Wait until no command is running and the views are drawn. */
async function idle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === 'false', null, { timeout });
}

async function click(page: Page, selector: string): Promise<void> {
  await page.evaluate(() => (document.body.dataset.busy = 'true'));
  await page.click(selector);
  await idle(page);
}

/** Open the machine options (a closed <details> at first). */
async function showOptions(page: Page): Promise<void> {
  await page.evaluate(() => ((document.querySelector('#options-panel') as HTMLDetailsElement).open = true));
}

async function choose(page: Page, example: string, mode: string, options: Record<string, string> = {}): Promise<void> {
  await showOptions(page);
  await page.selectOption('#examples', example);
  await page.selectOption('#mode', mode);
  for (const [id, value] of Object.entries(options)) {
    if (await page.locator(`#${id}`).evaluate((e) => e.tagName === 'SELECT')) await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  await click(page, '#btn-build');
}

/** A command typed in the Debugger tab; then back to the tab `back` (its views redraw). */
async function repl(page: Page, line: string, back: string): Promise<void> {
  await page.click('#tabs button[data-tab=debugger]');
  await page.fill('#repl-input', line);
  await page.evaluate(() => (document.body.dataset.busy = 'true'));
  await page.press('#repl-input', 'Enter');
  await idle(page);
  await page.click(`#tabs button[data-tab=${back}]`);
}

/** A screenshot of the page as a user sees it: the machine options folded away. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => ((document.querySelector('#options-panel') as HTMLDetailsElement).open = false));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

describe.skipIf(!HAVE_BROWSER && process.env.VMMLAB_REQUIRE_BROWSER !== '1')('the playground in Chromium', () => {
  it('loads with no console errors or failed requests, and hello runs and prints', async () => {
    const { page, problems } = await open();
    expect(await page.textContent('#editor-path')).toBe('guest-programs/hello.s');
    await click(page, '#btn-run');
    expect(await page.textContent('#console')).toBe('Hello from TV32!\n');
    expect(await page.textContent('#status')).toMatch(/^halted, exit code 0/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('runs the kernel with primes and ctxswitch with the console output, counts and statistics of the CLI, in each mode', async () => {
    const { page, problems } = await open();
    const jsonFile = path.join(os.tmpdir(), `vmmlab-browser-${process.pid}.json`);
    for (const mode of ['native', 'shadow', 'ept']) {
      const cli = spawnSync(process.execPath, [path.join(root, 'bin/vmmlab.js'), 'run', KERNEL, '--module', 'primes.s', '--module', 'ctxswitch.s:100', '--mode', mode, '--stats', '--json', jsonFile], { cwd: root, encoding: 'utf8' });
      const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { instructions: number; cycles: number };
      await choose(page, 'kernel-primes-ctxswitch', mode);
      await click(page, '#btn-run');
      expect(await page.textContent('#console'), mode).toBe(cli.stdout);
      expect(Number(await page.evaluate(() => document.body.dataset.instructions)), mode).toBe(json.instructions);
      expect(Number(await page.evaluate(() => document.body.dataset.cycles)), mode).toBe(json.cycles);
      // The State tab's statistics are the table run --stats prints.
      const heading = mode === 'native' ? 'statistics' : `statistics: vm0 (${mode})`;
      expect(cli.stderr, mode).toContain(`${heading}\n${await page.textContent('#stats')}\n`);
      if (mode === 'shadow') await shot(page, 'state');
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('gives the console input: the kernel\'s echo answers each line typed', async () => {
    const { page, problems } = await open();
    await choose(page, 'kernel-echo', 'shadow');
    await click(page, '#btn-run');
    expect(await page.textContent('#status')).toMatch(/^waiting for console input/);
    await page.fill('#console-input', 'hello there');
    await page.evaluate(() => (document.body.dataset.busy = 'true'));
    await page.press('#console-input', 'Enter');
    await page.waitForFunction(() => document.querySelector('#console')!.textContent!.includes('you said: hello there'));
    await idle(page);
    await page.fill('#console-input', 'and again');
    await page.press('#console-input', 'Enter');
    await page.waitForFunction(() => document.body.dataset.stopped === 'halted', null, { timeout: 30_000 });
    expect(await page.textContent('#console')).toBe('you said: hello there\nyou said: and again\n');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('steps: pc and the registers change', async () => {
    const { page } = await open();
    const pc0 = await page.textContent('#reg-pc');
    const a0 = await page.textContent('#reg-a0');
    await click(page, '#btn-step');
    await click(page, '#btn-step');
    expect(await page.textContent('#reg-pc')).not.toBe(pc0);
    expect(await page.textContent('#reg-a0')).not.toBe(a0);
    expect(await page.evaluate(() => document.body.dataset.instructions)).toBe('2');
    expect(await page.locator('#registers tr.changed').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('stops at a breakpoint set in the gutter', async () => {
    const { page } = await open();
    // hello.s line 7 is `poweroff 0`: click the breakpoint gutter beside its line number.
    const number = page.locator('.cm-lineNumbers .cm-gutterElement', { hasText: /^7$/ });
    const box = (await number.boundingBox())!;
    const gutter = (await page.locator('.cm-breakpoint-gutter').boundingBox())!;
    await page.mouse.click(gutter.x + gutter.width / 2, box.y + box.height / 2);
    await page.waitForSelector('.cm-breakpoint-gutter .cm-breakpoint');
    await click(page, '#btn-run');
    expect(await page.evaluate(() => document.body.dataset.stopped)).toBe('');
    expect(await page.textContent('#console')).toBe('Hello from TV32!\n');
    expect(await page.locator('.cm-pc-line').textContent()).toMatch(/poweroff 0/);
    expect(await page.textContent('#repl-output')).toMatch(/breakpoint 1/);
    await shot(page, 'editor-breakpoint');
    await page.close();
  });

  it('shows the EPT walk with 5, 8, 11 and 14 references for EPT levels 1 to 4 on a cold miss', async () => {
    const { page } = await open();
    await page.click('#tabs button[data-tab=translation]');
    const counts: number[] = [];
    for (const levels of ['1', '2', '3', '4']) {
      await choose(page, 'paging', 'ept', { 'opt-ept-levels': levels });
      await repl(page, 'until paging_on', 'translation');
      await page.fill('#walk-va', '0x10000');
      await page.selectOption('#walk-access', 'load');
      await page.click('#btn-walk');
      await page.waitForFunction(() => document.querySelector('#walk-view')?.textContent?.includes('0x00010000'));
      expect(await page.textContent('#walk-view')).toMatch(/a TLB miss/);
      counts.push(Number(await page.getAttribute('#walk-refs', 'data-refs')));
      expect(await page.locator('#walk-view td.ref').count()).toBe(counts.at(-1));
      if (levels === '4') await shot(page, 'walk-ept');
    }
    expect(counts).toEqual([5, 8, 11, 14]);
    await page.close();
  });

  it('the TLB view gains an entry after a miss; the trees and the exit log show the shadow', async () => {
    const { page } = await open();
    await choose(page, 'kernel-primes', 'shadow');
    await page.click('#tabs button[data-tab=translation]');
    await idle(page);
    const before = await page.locator('#tlb-view .tlb-entry').count();
    await click(page, '#btn-step');
    const after = await page.locator('#tlb-view .tlb-entry').count();
    expect(after).toBeGreaterThan(before);
    expect(await page.locator('#tlb-view .tlb-entry.filled').count()).toBeGreaterThan(0);
    // Into the kernel's own address space: the shadow tree links back to the guest's entries.
    await repl(page, 'step 30000', 'translation');
    await page.selectOption('#tables-which', 'shadow');
    await page.waitForSelector('#tables-view .tree');
    expect(await page.locator('#tables-view [data-guest-entry]').count()).toBeGreaterThan(0);
    expect(await page.locator('#exits-view tr').count()).toBeGreaterThan(1);
    await shot(page, 'translation-shadow');
    await page.locator('#tables-view .leaf [data-guest-entry]').first().click();
    await page.waitForSelector('#tables-view .highlight');
    expect(await page.inputValue('#tables-which')).toBe('guest');
    await page.close();
  });

  it('shows each located diagnostic of a program with mistakes in the editor', async () => {
    const { page } = await open();
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('_start:\n    addi a0, a0\n    bogus t0, t1\n    li a1, nowhere\n');
    await page.waitForFunction(() => document.querySelectorAll('.cm-lintRange-error').length >= 3, null, { timeout: 15_000 });
    expect(await page.textContent('#diagnostic-count')).toBe('3 errors, 0 warnings');
    const markers = await page.locator('.cm-lint-marker-error').count();
    expect(markers).toBe(3);
    await page.locator('.cm-lintRange-error').first().hover();
    await page.waitForSelector('.cm-tooltip-lint');
    expect(await page.textContent('.cm-tooltip-lint')).toMatch(/addi/);
    await shot(page, 'diagnostics');
    await click(page, '#btn-build');
    expect(await page.textContent('#status')).toBe('3 errors; nothing assembled');
    await page.close();
  });

  it('a shared URL restores the program and the settings', async () => {
    const first = await open();
    await first.page.selectOption('#examples', 'kernel-memwalk');
    await first.page.selectOption('#mode', 'ept');
    await showOptions(first.page);
    await first.page.fill('#opt-tlb-entries', '16');
    await first.page.check('#opt-vpid');
    await first.page.fill('#modules', 'memwalk:64,4096,2');
    await first.page.click('#btn-share');
    await first.page.waitForFunction(() => location.hash.startsWith('#s='));
    const hash = await first.page.evaluate(() => location.hash);
    await first.page.close();
    const { page, problems } = await open(hash);
    expect(await page.inputValue('#mode')).toBe('ept');
    expect(await page.inputValue('#opt-tlb-entries')).toBe('16');
    expect(await page.isChecked('#opt-vpid')).toBe(true);
    expect(await page.inputValue('#modules')).toBe('memwalk:64,4096,2');
    expect(await page.textContent('#editor-path')).toBe(KERNEL);
    expect(await page.textContent('#command-line')).toBe(`vmmlab run ${KERNEL} --module memwalk:64,4096,2 --mode ept --tlb-entries 16 --vpid`);
    // An edited program travels in the link too.
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n; edited\n');
    await page.click('#btn-share');
    await page.waitForFunction((old) => location.hash !== old, hash);
    const edited = await page.evaluate(() => location.hash);
    const again = await open(edited);
    expect(await again.page.textContent('.cm-content')).toMatch(/; edited/);
    expect(problems).toEqual([]);
    await page.close();
    await again.page.close();
  });

  it('Pause stops a runaway guest within a second, and the page stays responsive', async () => {
    const { page } = await open();
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('_start:\n    addi a0, a0, 1\n    j _start\n');
    await showOptions(page);
    await page.fill('#opt-max-instructions', '100000000000');
    await click(page, '#btn-build');
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: false });
    });
    await page.evaluate(() => (document.body.dataset.busy = 'true'));
    await page.click('#btn-run');
    await page.waitForSelector('#status.running');
    await page.waitForTimeout(1500);
    // The page answers while the guest runs.
    const t0 = Date.now();
    await page.evaluate(() => document.querySelector('#btn-pause')!.getAttribute('disabled'));
    expect(Date.now() - t0).toBeLessThan(1000);
    const paused = Date.now();
    await page.click('#btn-pause');
    await idle(page, 5_000);
    expect(Date.now() - paused).toBeLessThan(1000);
    expect(await page.textContent('#repl-output')).toMatch(/interrupted/);
    expect(Number(await page.evaluate(() => document.body.dataset.instructions))).toBeGreaterThan(1_000_000);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    expect(longTasks.filter((d) => d > 100)).toEqual([]);
    await page.close();
  });

  it('compares the three modes side by side, with the cost table and the bars', async () => {
    const { page, problems } = await open();
    await choose(page, 'kernel-mix', 'native');
    await page.click('#tabs button[data-tab=compare]');
    await page.click('#btn-compare');
    await page.waitForFunction(() => document.body.dataset.compared !== undefined, null, { timeout: 120_000 });
    expect(await page.textContent('#compare-status')).toMatch(/identical in all three modes/);
    const table = (await page.textContent('#compare-table'))!;
    expect(table).toMatch(/slowdown vs native/);
    expect(table).toMatch(/hidden faults/);
    expect(await page.locator('#compare-bars .bar-row').count()).toBe(3);
    await shot(page, 'compare');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lab 1 as a project: trap.s edited in its tab, kept across a reload, and Check lab passes every check', async () => {
    const { page, problems } = await open();
    await page.selectOption('#examples', 'lab1-traps');
    expect(await page.textContent('#editor-path')).toBe('guest-programs/labs/01-traps/trap.s');
    expect(await page.locator('#file-tabs button').allTextContents()).toEqual(['kernel.s', 'trap.s', 'user.s', 'lab1.inc']);
    // The solution goes in as a student's paste would.
    const solution = fs.readFileSync(path.join(root, 'tests/labs/solutions/01-traps/trap.s'), 'utf8');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('.cm-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, solution);
    await page.waitForFunction(() => document.querySelector('#file-tabs button.active')?.textContent === 'trap.s •');
    // Kept in the browser: a reload opens lab 1 again, trap.s as edited (its reset puts the starter back).
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
    await idle(page);
    expect(await page.inputValue('#examples')).toBe('lab1-traps');
    expect(await page.textContent('#file-tabs button.active')).toBe('trap.s •');
    expect(await page.isDisabled('#btn-reset-file')).toBe(false);
    // The kernel runs the edited trap.s: user.s's greeting, and a power-off with 0.
    await click(page, '#btn-run');
    expect(await page.textContent('#console')).toMatch(/^hello from user mode\n/);
    expect(await page.textContent('#status')).toMatch(/^halted, exit code 0/);
    await page.click('#btn-check-lab');
    await page.waitForFunction(() => ['passed', 'failed', 'stopped'].includes(document.body.dataset.labCheck ?? ''), null, { timeout: 60_000 });
    const result = (await page.textContent('#lab-result'))!;
    expect(result).toMatch(/^lab 1: every check passes \(\d+ checks\); the lab's text: docs\/labs\/01-traps\.md$/m);
    expect(await page.evaluate(() => document.body.dataset.labCheck)).toBe('passed');
    expect(await page.locator('#lab-result .check.ok').count()).toBeGreaterThan(10);
    expect(await page.locator('#lab-result .check.fail').count()).toBe(0);
    await shot(page, 'lab-check');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lab 4: the reference pager pasted into pager.js, and Check lab runs check-pager\'s suite on it in a worker: every check passes', async () => {
    const { page, problems } = await open();
    await page.selectOption('#examples', 'lab4-shadow-pager');
    expect(await page.textContent('#editor-path')).toBe('guest-programs/labs/04-shadow-pager/pager.js');
    expect(await page.locator('#file-tabs button').allTextContents()).toEqual(['answers.md', 'pager.js', 'paging.s']);
    const solution = fs.readFileSync(path.join(root, 'tests/labs/solutions/04-shadow-pager/pager.js'), 'utf8');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('.cm-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, solution);
    await page.waitForFunction(() => document.querySelector('#file-tabs button.active')?.textContent === 'pager.js •');
    const started = Date.now();
    await page.click('#btn-check-lab');
    await page.waitForFunction(() => ['passed', 'failed', 'stopped'].includes(document.body.dataset.labCheck ?? ''), null, { timeout: 120_000 });
    const ms = Date.now() - started;
    const result = (await page.textContent('#lab-result'))!;
    expect(result, result).toMatch(/^score: 22 of 22 checks pass$/m);
    expect(result).toMatch(/^lab 4: every check passes; the lab's text: docs\/labs\/04-shadow-pager\.md \([\d,]+ ms here\)$/m);
    expect(result).toMatch(/^costs on the kernel's workloads: pager\.js \/ the built-in shadow pager$/m);
    expect(await page.evaluate(() => document.body.dataset.labCheck)).toBe('passed');
    expect(await page.locator('#lab-result .check.ok').count()).toBe(22);
    expect(await page.locator('#lab-result .check.fail').count()).toBe(0);
    console.log(`lab 4's Check lab in Chromium: ${ms} ms`);
    // The end of the scorecard in view: the costs next to the built-in pager's, and the score.
    await page.evaluate(() => document.querySelector('#lab-result span:last-child')!.scrollIntoView({ block: 'end' }));
    await shot(page, 'lab4-check');
    expect(problems).toEqual([]);
    await page.close();
  }, 150_000);

  it('runs a shipped study in workers, with the table, the chart and the downloads', async () => {
    const { page, problems } = await open();
    await page.click('#tabs button[data-tab=experiments]');
    await page.selectOption('#study-select', 'guest-programs/studies/ept-levels.json');
    await page.click('#btn-study');
    await page.waitForFunction(() => document.body.dataset.study === 'done', null, { timeout: 300_000 });
    expect(await page.textContent('#study-table')).toMatch(/ept/);
    expect(await page.locator('#study-charts svg').count()).toBeGreaterThan(0);
    expect(await page.locator('#study-downloads a').allTextContents()).toEqual(['download ept-levels.json', 'download ept-levels.csv', 'download ept-levels.svg']);
    await shot(page, 'experiments');
    expect(problems).toEqual([]);
    await page.close();
  });
});
