import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

const CANDIDATES = ['ssm-small', 'xlstm-small', 'ets', 'theta', 'seasonal_naive'];

interface AutoMeta {
  rule: string;
  candidates: string[];
  scores: Record<string, number | null>;
  weights: Record<string, number>;
  windows: number;
}

/**
 * Issue #28 item 2, step one: `model: "auto"` forecasts through the Forecaster's auto procedure
 * (opt-in, not the default) on real M3 yearly and M4 hourly series, and says in metadata.auto what
 * it weighed; schedules and backtests refuse it for now.
 */
describe('model auto end to end (real data, real models)', () => {
  let stack: Stack;
  let key: string;
  const yearly: string[] = [];
  let hourly: string;

  async function upload(name: string, s: { timestamps: string[]; values: (number | null)[] }): Promise<string> {
    const c = await stack.request('POST', '/v1/series', { key, json: { name } });
    const up = await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    expect(up.status).toBe(200);
    return c.body.id;
  }

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    for (const s of readSeries('m3/m3_yearly.csv', { limit: 3 })) yearly.push(await upload(s.id, s));
    hourly = await upload('H1', readSeries('m4/m4_hourly.csv', { limit: 1, tail: 400 })[0]);
  });
  afterAll(() => stack.close());

  /** The result's auto metadata checked against the rule: inverse-loss weights of the best three scored candidates. */
  function checkSeries(s: { status: string; quantiles: Record<string, number[]>; timestamps: string[]; metadata: { auto: AutoMeta } }, steps: number) {
    expect(s.status).toBe('SUCCEEDED');
    expect(s.timestamps).toHaveLength(steps);
    const levels = Object.keys(s.quantiles);
    for (let i = 0; i < steps; i++) {
      const row = levels.map((l) => s.quantiles[l][i]);
      expect(row.every(Number.isFinite)).toBe(true);
      for (let j = 1; j < row.length; j++) expect(row[j]).toBeGreaterThanOrEqual(row[j - 1]);
    }
    const a = s.metadata.auto;
    expect([...a.candidates].sort()).toEqual([...CANDIDATES].sort());
    expect(a.rule).toBe('validated');
    expect(a.windows).toBe(1);
    for (const c of CANDIDATES) expect(Number.isFinite(a.scores[c]) && a.scores[c]! >= 0).toBe(true);
    const w = Object.values(a.weights);
    expect(Math.abs(w.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-9);
    const best = [...CANDIDATES].sort((x, y) => a.scores[x]! - a.scores[y]!).slice(0, 3);
    expect(Object.keys(a.weights).sort()).toEqual([...best].sort());
    const inv = best.reduce((t, c) => t + 1 / a.scores[c]!, 0);
    for (const c of best) expect(Math.abs(a.weights[c] - 1 / a.scores[c]! / inv)).toBeLessThan(1e-9);
  }

  it('forecasts M3 yearly series with auto: five candidates scored, the best three weighted by inverse loss', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: yearly, horizon: 6, model: 'auto', wait: 60 } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCEEDED');
    expect(r.body.model).toBe('auto');
    expect(r.body.series).toHaveLength(3);
    for (const s of r.body.series) checkSeries(s, 6);
    // The combination is a weighted mean of sorted candidate rows: its median lies within the data's
    // order of magnitude, and a series whose history is all positive keeps a positive median.
    for (const s of r.body.series) expect(Math.min(...s.quantiles['0.5'])).toBeGreaterThan(0);
  }, 180_000);

  it('forecasts an hourly M4 series with auto (daily season), quantile subset as asked', async () => {
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: [hourly], horizon: 24, model: 'auto', quantiles: [0.1, 0.5, 0.9], wait: 60 },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCEEDED');
    const s = r.body.series[0];
    expect(Object.keys(s.quantiles)).toEqual(['0.1', '0.5', '0.9']);
    checkSeries(s, 24);
    expect(s.metadata.auto.seasonalPeriod).toBe(24);
  }, 180_000);

  it('a series too short to validate (10 yearly points, horizon 6) mixes the foundation models and Theta equally', async () => {
    const s = readSeries('m3/m3_yearly.csv', { limit: 1 })[0];
    const data = { timestamps: s.timestamps.slice(0, 10), values: [s.values.slice(0, 10)] };
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { data, horizon: 6, model: 'auto', wait: 60 } });
    expect(r.status).toBe(200);
    const a = r.body.series[0].metadata.auto as AutoMeta;
    expect([a.rule, a.windows]).toEqual(['short-series', 0]);
    expect(Object.values(a.scores).every((x) => x === null)).toBe(true);
    expect(Object.keys(a.weights).sort()).toEqual(['ssm-small', 'theta', 'xlstm-small']);
    for (const w of Object.values(a.weights)) expect(w).toBeCloseTo(1 / 3, 12);
  }, 180_000);

  it('GET /v1/models lists auto with its candidates, not as the default and without ONNX fields', async () => {
    const r = await stack.request('GET', '/v1/models', { key });
    const a = r.body.find((m: { id: string }) => m.id === 'auto');
    expect(a).toMatchObject({ family: 'ensemble', isDefault: false, candidates: CANDIDATES, finetuned: false });
    expect(a.sha256).toBeUndefined();
    expect(r.body.filter((m: { isDefault: boolean }) => m.isDefault).map((m: { id: string }) => m.id)).not.toContain('auto');
  });

  it('backtests, schedules and fine-tunes refuse auto for now (422 AUTO_NOT_SUPPORTED); no fine-tune may be named auto', async () => {
    const f = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'mine', baseModel: 'auto', seriesIds: [hourly], horizon: 24 } });
    expect([f.status, f.body.error.code]).toEqual([422, 'AUTO_NOT_SUPPORTED']);
    const n = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'auto', baseModel: 'xlstm-dev', seriesIds: [hourly], horizon: 24 } });
    expect([n.status, n.body.error.code]).toEqual([409, 'MODEL_NAME_TAKEN']);
    const b = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [hourly], horizon: 24, windows: 2, models: ['auto'] } });
    expect(b.status).toBe(422);
    expect(b.body.error.code).toBe('AUTO_NOT_SUPPORTED');
    const s = await stack.request('POST', '/v1/schedules', {
      key,
      json: { name: 'auto', cron: '0 2 * * *', seriesIds: [hourly], forecast: { model: 'auto', horizon: 24 } },
    });
    expect(s.status).toBe(422);
    expect(s.body.error.code).toBe('AUTO_NOT_SUPPORTED');
  });

  it('tsfm forecast --model auto writes every series its rows', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-auto-'));
    const input = path.join(dir, 'in.csv');
    const rows = readSeries('m3/m3_yearly.csv', { limit: 2 }).flatMap((s) => s.timestamps.map((t, i) => `${s.id},${t},${s.values[i]}`));
    writeFileSync(input, ['series_id,timestamp,value', ...rows].join('\n') + '\n');
    const out = path.join(dir, 'out.csv');
    const res = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/tsfm.js'), 'forecast', '--input', input, '--model', 'auto', '--horizon', '4', '--quantiles', '0.1,0.5,0.9', '--output', out],
        { timeout: 120_000 },
        (err, _o, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(res.code, res.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('series_id,timestamp,q0.1,q0.5,q0.9');
    expect(lines).toHaveLength(1 + 2 * 4);
    for (const l of lines.slice(1)) {
      const q = l.split(',').slice(2).map(Number);
      expect(q.every(Number.isFinite) && q[0] <= q[1] && q[1] <= q[2]).toBe(true);
    }
    expect(res.stderr).toContain('2 series forecast with auto');
  }, 180_000);
});
