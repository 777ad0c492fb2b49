// `vmmlab run --reclaim` and `vmmlab exp` with the reclaim parameters (hypervisor/reclaim.ts,
// docs/host-memory.md): overcommit allowed only with a reclaim policy, the balloon's statistics in
// --stats and --json, host memory over time in --json and `exp --series`, and bad values refused
// in words with exit code 2.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureOutput } from '../experiments/fixtures.ts';

const KERNEL = 'guest-programs/kernel/kernel.s';
const ROOT = path.resolve(import.meta.dirname, '../..');

/** `vmmlab ARGS` from the sources in a process of its own, its console input empty (not bin/vmmlab.js: that rebuilds dist/). */
function vmmlab(args: string[]): { code: number; stdout: string; stderr: string } {
  const entry = `const { main } = await import(${JSON.stringify(path.join(ROOT, 'cli/main.ts'))}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], { cwd: ROOT, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const VMS = ['--vm', 'a mode=ept memory=2M module=phases.s:320,2,40', '--vm', 'b mode=shadow memory=2M module=phases.s:320,2,40', '--host-memory', '2M'];

describe('vmmlab run --reclaim', () => {
  const io = captureOutput();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-reclaim-'));
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('case 1: overcommit needs a reclaim policy (or host swapping), and says so', async () => {
    expect(await main(['run', KERNEL, ...VMS])).toBe(2);
    expect(io.stderr).toMatch(/is more than the host's 2 MiB \(--host-memory\); to overcommit, set a reclaim policy \(--reclaim swap\|balloon\|balloon-swap\)/);
  });

  it('case 2: a bad policy, or a fixed balloon target beside a policy that sets targets, is refused', async () => {
    expect(await main(['run', KERNEL, ...VMS, '--reclaim', 'balloon+swap'])).toBe(2);
    expect(io.stderr).toMatch(/--reclaim takes swap, balloon, balloon-swap \(got 'balloon\+swap'\)/);
    io.stderr = '';
    expect(await main(['run', KERNEL, ...VMS, '--reclaim', 'balloon', '--balloon-target', '10'])).toBe(2);
    expect(io.stderr).toMatch(/--reclaim balloon sets the balloon targets itself: leave out --balloon-target/);
  });

  it('case 3: balloon-swap runs the workload, with the balloon and host memory over time in --stats and --json', async () => {
    const json = path.join(dir, 'run.json');
    const r = vmmlab(['run', KERNEL, ...VMS, '--reclaim', 'balloon-swap', '--stats', '--json', json]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[a] phases: tlb 320 x 2 checksum 0x00025760, fork 40 children checksum 0xa7c5dec0');
    expect(r.stderr).toMatch(/ballooning +\d+ frames in the balloon now \(target \d+, peak \d+\); \d+ inflated, \d+ deflated/);
    expect(r.stderr).toMatch(/balloon calls +\d+ hypercalls \(target \d+, inflate \d+, deflate \d+\), 0 refused, 0 touches of given frames; [\d,]+ cycles/);
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as { stats: { vms: Record<string, { balloon: { framesInflated: number } }> } | Record<string, unknown>; hostMemory: { series: { instructions: number; hostFrames: number; ballooned: number }[] } };
    expect(out.hostMemory.series.length).toBeGreaterThan(100);
    expect(Math.max(...out.hostMemory.series.map((s) => s.ballooned))).toBeGreaterThan(0);
    expect(JSON.stringify(out.stats)).toMatch(/"balloon":\{[^}]*"framesInflated":[1-9]/);
  });

  it('case 4: ballooning alone, when the guests cannot give enough, ends in a clear error (not an internal one)', async () => {
    const r = vmmlab(['run', KERNEL, ...VMS, '--reclaim', 'balloon']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host memory exhausted \(512 frames\): the balloons could not take back enough \(ballooning alone has no fallback: use --reclaim balloon-swap, or raise --host-memory\)/);
  });
});

describe('vmmlab exp with hostMemory and reclaim', () => {
  const io = captureOutput();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-reclaim-exp-'));
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('case 5: the parameters sweep, and --series writes host memory over time as CSV', async () => {
    const series = path.join(dir, 'series.csv');
    const code = await main(['exp', '--workload', 'walk=memwalk.s:100,4096,4', '--mode', 'ept', '--param', 'vms=2', '--param', 'hostMemory=0,40',
      '--param', 'reclaim=swap', '--memory', '1M', '--jobs', '1', '--no-progress', '--quiet', '--series', series]);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const lines = fs.readFileSync(series, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('index,workload,mode,rep,hostMemory,instructions,hostFrames,sharedFrames,ballooned,swapped,vm0Frames,vm1Frames');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(['0', '1']));
    // On the small host (40% of the VMs' 2 MiB: 204 frames) host frames in use never pass it, and frames went out.
    const small = rows.filter((r) => r[4] === '40');
    expect(small.length).toBeGreaterThan(10);
    expect(Math.max(...small.map((r) => Number(r[6])))).toBeLessThanOrEqual(204);
    expect(Math.max(...small.map((r) => Number(r[9])))).toBeGreaterThan(0);
  });

  it('case 6: a bad reclaim value is refused in words', async () => {
    expect(await main(['exp', '--workload', 'primes.s:10', '--mode', 'ept', '--param', 'reclaim=evict', '--no-progress'])).toBe(2);
    expect(io.stderr).toMatch(/reclaim must be none or swap or balloon or balloon-swap \(got "evict"\)/);
  });
});
