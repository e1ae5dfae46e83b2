import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';

/**
 * A one-series `tsfm forecast` (the built CLI) loads only what it uses and ends when its work ends.
 * Speed itself is measured by `npm run bench -- cli-start`; this checks the structure behind it.
 */
describe('tsfm forecast start and stop', () => {
  it('forecasts one series without loading NestJS, TypeORM or pg, and sets no timeout to wait on at shutdown', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-start-'));
    const [s] = readSeries('m4/m4_hourly.csv', { limit: 1 });
    const input = path.join(dir, 'one.csv');
    writeFileSync(input, ['series_id,timestamp,value', ...s.timestamps.map((t, i) => `${s.id},${t},${s.values[i] ?? ''}`)].join('\n') + '\n');
    const output = path.join(dir, 'out.csv');
    const report = path.join(dir, 'report.json');
    // Preloaded into the CLI process (-r): records every timer of 100 ms or more the process sets
    // (a shutdown raced against a timeout keeps the process alive until it fires) and, at exit, the
    // modules loaded.
    const hook = path.join(dir, 'hook.js');
    writeFileSync(
      hook,
      `if (require('node:worker_threads').isMainThread) {
  const timers = [];
  const set = globalThis.setTimeout;
  globalThis.setTimeout = function (fn, ms, ...rest) { if (ms >= 100) timers.push(ms); return set.call(this, fn, ms, ...rest); };
  process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ modules: Object.keys(require.cache), timers })));
}`,
    );
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['-r', hook, path.join(REPO_ROOT, 'bin/tsfm.js'), 'forecast', '--input', input, '--horizon', '12', '--model', 'xlstm-small', '--output', output],
        { env: { PATH: process.env.PATH }, timeout: 60_000 },
        (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(stderr).toBe('out.csv: 1 series forecast with xlstm-small\n');
    expect(code).toBe(0);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(13);
    const r = JSON.parse(readFileSync(report, 'utf8')) as { modules: string[]; timers: number[] };
    expect(r.modules.some((m) => m.includes('/onnxruntime-node/'))).toBe(false); // loaded by the inference thread only
    expect(r.modules.filter((m) => /node_modules\/(@nestjs|typeorm|pg|rxjs|bullmq)\//.test(m))).toEqual([]);
    expect(r.timers).toEqual([]);
  });
});
