import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';

const SERIES = 10_000;
const POINTS = 200;
const H = 24;
/** Issue #27's bound for a job of any size. */
const CAP_MIB = 1024;

/** Peak RSS (VmHWM) of a child, read from /proc while it runs (every 20 ms; the last read is the peak so far). */
function runMeasured(args: string[]): Promise<{ code: number; stderr: string; peakMiB: number }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/tsfm.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let peak = 0;
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
    } catch {
      // the child has just exited
    }
  }, 20);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code: code ?? 1, stderr, peakMiB: peak });
    }),
  );
}

/**
 * STYLE.md 18 / issue #27 item 5: tsfm forecast over 10,000 series streams them in chunks (read,
 * model batches, write) and stays under a fixed RSS cap. Synthetic hourly series (a daily season,
 * a trend per series, noise), the small xlstm-dev model: the bound is the pipeline's, not a model's.
 */
describe('tsfm forecast: bounded memory', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-memory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`forecasts ${SERIES} series under ${CAP_MIB} MiB peak RSS, every series written`, async () => {
    const input = path.join(dir, 'in.csv');
    const output = path.join(dir, 'out.csv');
    const w = createWriteStream(input);
    w.write('series_id,timestamp,value\n');
    const t0 = Date.UTC(2024, 0, 1);
    let seed = 1;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    for (let s = 0; s < SERIES; s++) {
      const lines: string[] = [];
      for (let i = 0; i < POINTS; i++) {
        const v = 100 + s * 0.01 + 10 * Math.sin((2 * Math.PI * i) / 24) + 0.05 * i + rand();
        lines.push(`s${s},${new Date(t0 + i * 3_600_000).toISOString()},${v.toFixed(3)}`);
      }
      if (!w.write(lines.join('\n') + '\n')) await once(w, 'drain');
    }
    w.end();
    await once(w, 'finish');
    const r = await runMeasured(['forecast', '--input', input, '--output', output, '--horizon', String(H), '--model', 'xlstm-dev']);
    expect(r.stderr).toContain(`${SERIES} series forecast with xlstm-dev`);
    expect(r.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(1 + SERIES * H);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(SERIES);
    expect(r.peakMiB).toBeGreaterThan(50);
    expect(r.peakMiB).toBeLessThan(CAP_MIB);
  }, 600_000);
});
