import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionRunner } from '#db';
import { BacktestService } from '#forecasting';
import { parseCsv } from '#timeseries';
import { readSeries } from '../support/data';
import { Stack, startStack, waitForJob } from '../support/stack';

// Real M4 hourly series, the real api + worker, a dev model in onnxruntime-node and the baselines.
// Every metric is recomputed here with plain loops from the stored per-window forecasts and the raw
// CSV values (independently of libs/timeseries/src/metrics.ts).
const H = 24;
const W = 3;
const STEP = 12;
const M = 24;
const LEVELS = [0.1, 0.5, 0.9];
const MODELS = ['xlstm-dev', 'seasonal_naive', 'naive', 'ets'];
const SCALARS = ['mae', 'rmse', 'mape', 'smape', 'wape', 'mase', 'rmsse', 'bias', 'meanWql'] as const;

type Pair = { y: number | null; q: number[]; s1: number; s2: number };

function close(actual: number | null, expected: number, rel = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

/** In-sample seasonal-naive mean |e| and mean e² over raw[0..last], lag M, pairs with a missing value skipped. */
function scales(raw: (number | null)[], last: number): { s1: number; s2: number } {
  let a = 0,
    b = 0,
    n = 0;
  for (let t = M; t <= last; t++) {
    const x = raw[t],
      z = raw[t - M];
    if (x === null || z === null) continue;
    a += Math.abs(x - z);
    b += (x - z) ** 2;
    n++;
  }
  return { s1: a / n, s2: b / n };
}

function expected(pairs: Pair[]) {
  let n = 0,
    abs = 0,
    sq = 0,
    ape = 0,
    nApe = 0,
    sape = 0,
    absY = 0,
    err = 0,
    sc1 = 0,
    sc2 = 0,
    in80 = 0,
    width = 0;
  const pin = LEVELS.map(() => 0);
  for (const { y, q, s1, s2 } of pairs) {
    if (y === null) continue;
    const p = q[1];
    n++;
    abs += Math.abs(y - p);
    sq += (y - p) ** 2;
    if (y !== 0) {
      ape += Math.abs(y - p) / Math.abs(y);
      nApe++;
    }
    sape += y === p ? 0 : (2 * Math.abs(y - p)) / (Math.abs(y) + Math.abs(p));
    absY += Math.abs(y);
    err += p - y;
    sc1 += Math.abs(y - p) / s1;
    sc2 += (y - p) ** 2 / s2;
    LEVELS.forEach((l, k) => (pin[k] += y >= q[k] ? l * (y - q[k]) : (1 - l) * (q[k] - y)));
    if (y >= q[0] && y <= q[2]) in80++;
    width += q[2] - q[0];
  }
  const wql = pin.map((s) => (2 * s) / absY);
  return {
    count: n,
    excluded: pairs.length - n,
    mae: abs / n,
    rmse: Math.sqrt(sq / n),
    mape: ape / nApe,
    smape: sape / n,
    wape: abs / absY,
    mase: sc1 / n,
    rmsse: Math.sqrt(sc2 / n),
    bias: err / n,
    meanWql: wql.reduce((a, b) => a + b, 0) / wql.length,
    wql: Object.fromEntries(LEVELS.map((l, k) => [String(l), wql[k]])),
    coverage: { '80': in80 / n },
    width: { '80': width / n },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON; the test reads the fields it expects
function expectMetrics(got: any, exp: ReturnType<typeof expected>): void {
  expect(got.count).toBe(exp.count);
  expect(got.excluded).toBe(exp.excluded);
  for (const k of SCALARS) close(got[k], exp[k]);
  for (const l of Object.keys(exp.wql)) close(got.wql[l], exp.wql[l]);
  close(got.coverage['80'], exp.coverage['80']);
  close(got.width['80'], exp.width['80']);
}

describe('backtests end to end (real data, real api + worker)', () => {
  let stack: Stack;
  let key: string;
  let other: string;
  let tenantId: string;
  const raw: Record<string, { timestamps: string[]; values: (number | null)[] }> = {};
  const ids: Record<string, string> = {};
  let backtest: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON; the test reads the fields it expects
  let forecasts: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON; the test reads the fields it expects

  async function upload(name: string, s: { timestamps: string[]; values: (number | null)[] }, tags: string[]): Promise<string> {
    const c = await stack.request('POST', '/v1/series', { key, json: { name, tags } });
    expect(c.status).toBe(201);
    const up = await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    expect(up.status).toBe(200);
    return c.body.id;
  }

  beforeAll(async () => {
    stack = await startStack();
    ({ key, tenantId } = await stack.tenant());
    other = (await stack.tenant()).key;
    for (const s of readSeries('m4/m4_hourly.csv', { limit: 2, tail: 400 })) {
      raw[s.id] = s;
      ids[s.id] = await upload(s.id, s, ['bt']);
    }
    // Missing actuals inside the test windows (and one in the context) are excluded and counted.
    const base = readSeries('m4/m4_hourly.csv', { ids: ['H3'], tail: 400 })[0];
    const gappy = { timestamps: base.timestamps, values: base.values.map((v, i) => ([399, 395, 380, 370, 100].includes(i) ? null : v)) };
    raw.gappy = gappy;
    ids.gappy = await upload('gappy', gappy, ['bt']);
    // Too short for 3 windows of 24 every 12 (48 test steps) plus context: fails alone.
    raw.short = { timestamps: base.timestamps.slice(0, 50), values: base.values.slice(0, 50) };
    ids.short = await upload('short', raw.short, ['bt']);
    await upload('untagged', { timestamps: base.timestamps.slice(0, 40), values: base.values.slice(0, 40) }, ['other']);

    const r = await stack.request('POST', '/v1/backtests', {
      key,
      json: { tag: 'bt', models: MODELS, horizon: H, windows: W, step: STEP, quantiles: LEVELS, seasonalPeriod: M },
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/backtests/${r.body.id}`);
    expect(r.body).toMatchObject({ status: 'QUEUED', models: MODELS, horizon: H, windows: W, step: STEP, quantiles: LEVELS, seasonalPeriod: M, metrics: null });
    expect(r.body.seriesIds.sort()).toEqual(Object.values(ids).sort());
    const job = await waitForJob(stack, key, r.body.jobId, 120_000);
    expect(job.state).toBe('PARTIALLY_SUCCEEDED');
    backtest = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;
    forecasts = (await stack.request('GET', `/v1/backtests/${r.body.id}/forecasts`, { key })).body.items;
  });
  afterAll(() => stack?.close());

  const seriesOf = (name: string) => backtest.series.find((s: { seriesId: string }) => s.seriesId === ids[name]);
  const fc = (model: string, name: string, w: number) => forecasts.find((f) => f.model === model && f.seriesId === ids[name] && f.window === w);
  const okNames = ['H1', 'H2', 'gappy'];

  /** The pairs of one window: actual from the raw CSV, quantiles from the stored forecast, window scales. */
  function pairs(model: string, name: string, w: number): Pair[] {
    const s = raw[name].values;
    const origin = s.length - 1 - H - (W - 1 - w) * STEP;
    const f = fc(model, name, w);
    const { s1, s2 } = scales(s, origin);
    return Array.from({ length: H }, (_, k) => ({ y: s[origin + 1 + k], q: LEVELS.map((l) => f.quantiles[String(l)][k]), s1, s2 }));
  }

  it('a series too short for the windows reports SERIES_TOO_SHORT and the others succeed', () => {
    expect(backtest.status).toBe('PARTIALLY_SUCCEEDED');
    expect(seriesOf('short')).toMatchObject({ status: 'FAILED', error: { code: 'SERIES_TOO_SHORT' } });
    for (const n of okNames) expect(seriesOf(n)).toMatchObject({ status: 'SUCCEEDED', error: null, frequency: '1h', seasonalPeriod: M });
    expect(forecasts).toHaveLength(MODELS.length * okNames.length * W);
  });

  it('windows: rolling origins, expanding context, test timestamps and actuals straight from the data', () => {
    for (const n of okNames) {
      const s = raw[n];
      for (let w = 0; w < W; w++) {
        const origin = s.values.length - 1 - H - (W - 1 - w) * STEP;
        const f = fc('ets', n, w);
        expect(Date.parse(f.origin)).toBe(Date.parse(`${s.timestamps[origin]}Z`));
        expect(f.timestamps.map(Date.parse)).toEqual(s.timestamps.slice(origin + 1, origin + 1 + H).map((t) => Date.parse(`${t}Z`)));
        expect(f.actuals).toEqual(s.values.slice(origin + 1, origin + 1 + H));
        expect(seriesOf(n).windows[w]).toEqual({ index: w, origin: f.origin, start: f.timestamps[0], end: f.timestamps[H - 1] });
      }
    }
  });

  it('seasonal naive repeats the value one season (24 h) earlier, at full precision', () => {
    for (const n of ['H1', 'H2']) {
      const s = raw[n].values;
      for (let w = 0; w < W; w++) {
        const origin = s.length - 1 - H - (W - 1 - w) * STEP;
        expect(fc('seasonal_naive', n, w).quantiles['0.5']).toEqual(s.slice(origin + 1 - M, origin + 1 - M + H));
        expect(fc('naive', n, w).quantiles['0.5']).toEqual(new Array(H).fill(s[origin]));
      }
    }
  });

  it('every metric per window, per series and overall matches a plain-loop computation', () => {
    for (const model of MODELS) {
      const all: Pair[] = [];
      for (const n of okNames) {
        const res = seriesOf(n).models[model];
        expect(res.status).toBe('SUCCEEDED');
        const series: Pair[] = [];
        for (let w = 0; w < W; w++) {
          const p = pairs(model, n, w);
          expectMetrics(res.windows[w].metrics, expected(p));
          series.push(...p);
        }
        expectMetrics(res.metrics, expected(series));
        all.push(...series);
      }
      expectMetrics(backtest.metrics[model].metrics, expected(all));
    }
  });

  it('missing actuals are excluded and counted', () => {
    const g = seriesOf('gappy').models.ets;
    // Nulls at rows 399, 395, 380, 370: window 0 covers rows 352..375, window 1 364..387, window 2 376..399.
    expect(g.windows.map((w: { metrics: { excluded: number } }) => w.metrics.excluded)).toEqual([1, 2, 3]);
    expect(g.metrics).toMatchObject({ excluded: 6, count: W * H - 6 });
    expect(seriesOf('H1').models.ets.metrics).toMatchObject({ excluded: 0, count: W * H });
  });

  it('relative metrics are the ratio to seasonal naive on the same windows; seasonal naive is exactly 1', () => {
    const sn = backtest.metrics.seasonal_naive;
    for (const k of SCALARS) if (sn.metrics[k] !== 0) expect(sn.relative[k]).toBe(1);
    expect(sn.relative.wql).toEqual({ '0.1': 1, '0.5': 1, '0.9': 1 });
    for (const model of MODELS) {
      for (const k of SCALARS) close(backtest.metrics[model].relative[k], backtest.metrics[model].metrics[k] / sn.metrics[k]);
      for (const n of okNames) {
        const m = seriesOf(n).models[model];
        const ref = seriesOf(n).models.seasonal_naive;
        close(m.relative.mase, m.metrics.mase / ref.metrics.mase);
        m.windows.forEach((w: any, i: number) => close(w.relative.meanWql, w.metrics.meanWql / ref.windows[i].metrics.meanWql)); // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON; the test reads the fields it expects
      }
    }
  });

  it('metrics.csv (and ?format=csv) carries every metric with its relative value', async () => {
    const r = await stack.request('GET', `/v1/backtests/${backtest.id}/metrics.csv`, { key });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = r.text.trim().split('\n');
    expect(lines[0]).toBe('model,scope,series_id,channel,window,metric,value,relative_to_seasonal_naive,count,excluded');
    // 9 scalars + 3 WQL levels + coverage_80 + width_80 per scope; scopes per model: 1 overall + 3 series + 9 windows.
    expect(lines.length - 1).toBe(MODELS.length * 14 * (1 + okNames.length * (1 + W)));
    const rows = lines.slice(1).map((l) => l.split(','));
    const find = (model: string, scope: string, sid: string, win: string, metric: string) =>
      rows.find((c) => c[0] === model && c[1] === scope && c[2] === sid && c[4] === win && c[5] === metric)!;
    expect(Number(find('ets', 'overall', '', '', 'mae')[6])).toBe(backtest.metrics.ets.metrics.mae);
    expect(Number(find('ets', 'overall', '', '', 'mae')[7])).toBe(backtest.metrics.ets.relative.mae);
    const w1 = find('xlstm-dev', 'window', ids.gappy, '1', 'coverage_80');
    expect(Number(w1[6])).toBe(seriesOf('gappy').models['xlstm-dev'].windows[1].metrics.coverage['80']);
    expect(w1.slice(8).map(Number)).toEqual([H - 2, 2]);
    expect(find('seasonal_naive', 'series', ids.H1, '', 'wql_0.9')[7]).toBe('1');
    const alt = await stack.request('GET', `/v1/backtests/${backtest.id}?format=csv`, { key });
    expect(alt.text).toBe(r.text);
  });

  it('per-window forecasts filter by model, series and window, in keyset pages', async () => {
    const r = await stack.request('GET', `/v1/backtests/${backtest.id}/forecasts?model=ets&seriesId=${ids.H2}&window=2`, { key });
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).toMatchObject({ model: 'ets', seriesId: ids.H2, channel: 'value', window: 2 });
    expect(Object.keys(r.body.items[0].quantiles)).toEqual(['0.1', '0.5', '0.9']);
    const bad = await stack.request('GET', `/v1/backtests/${backtest.id}/forecasts?model=gpt-5`, { key });
    expect(bad.status).toBe(404);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await stack.request('GET', `/v1/backtests/${backtest.id}/forecasts?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.items.map((f: any) => `${f.model}/${f.seriesId}/${f.window}`)); // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON; the test reads the fields it expects
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(seen.sort()).toEqual(forecasts.map((f) => `${f.model}/${f.seriesId}/${f.window}`).sort());
    const badCursor = await stack.request('GET', `/v1/backtests/${backtest.id}/forecasts?cursor=bm9wZQ`, { key });
    expect([badCursor.status, badCursor.body.error.code]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('a retried job rewrites the same rows (delete-then-insert in the final transaction): no duplicates', async () => {
    const svc = stack.worker!.get(BacktestService);
    const tx = stack.worker!.get(TransactionRunner);
    const before = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtest_forecasts WHERE backtest_id = $1`, [backtest.id]);
    const out = await svc.run({ jobId: backtest.jobId, tenantId, backtestId: backtest.id });
    await tx.run((em) => out.write!(em));
    const after = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtest_forecasts WHERE backtest_id = $1`, [backtest.id]);
    expect(after[0].n).toBe(before[0].n);
    expect(after[0].n).toBe(MODELS.length * okNames.length * W);
    const again = (await stack.request('GET', `/v1/backtests/${backtest.id}`, { key })).body;
    expect(again.metrics.seasonal_naive.metrics).toEqual(backtest.metrics.seasonal_naive.metrics);
  });

  it('tenant isolation: another tenant gets 404 for the backtest, its forecasts and CSV, and does not list it', async () => {
    for (const path of ['', '/forecasts', '/metrics.csv']) {
      const r = await stack.request('GET', `/v1/backtests/${backtest.id}${path}`, { key: other });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('BACKTEST_NOT_FOUND');
    }
    expect((await stack.request('GET', '/v1/backtests', { key: other })).body.items).toEqual([]);
    const r = await stack.request('POST', '/v1/backtests', { key: other, json: { seriesIds: [ids.H1], models: ['naive'], horizon: 4 } });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('SERIES_NOT_FOUND');
  });

  it.each([
    [{ models: ['gpt-5'], horizon: 4 }, 404, 'MODEL_NOT_FOUND'],
    [{ models: ['xlstm-dev'], horizon: 100000 }, 400, 'VALIDATION_FAILED'],
    [{ models: ['xlstm-dev'], horizon: 5000 }, 422, 'HORIZON_TOO_LONG'],
    [{ models: ['naive'], horizon: 1000, windows: 100, step: 5000 }, 422, 'BACKTEST_SPAN_TOO_LONG'],
    [{ models: ['naive'], horizon: 4, colour: 'red' }, 400, 'VALIDATION_FAILED'],
    [{ models: ['naive'], horizon: 4, quantiles: [0.1, 1.5] }, 422, 'INVALID_QUANTILE'],
    [{ models: ['naive'], horizon: 0 }, 400, 'VALIDATION_FAILED'],
    [{ models: ['naive', 'naive'], horizon: 4 }, 400, 'VALIDATION_FAILED'],
  ])('rejects %j with %i %s and writes nothing', async (body, status, code) => {
    const before = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtests`);
    const r = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [ids.H1], ...body } });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect((await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtests`))[0].n).toBe(before[0].n);
  });

  it('a series without the requested channel reports CHANNEL_NOT_FOUND; with none left the backtest FAILED', async () => {
    const r = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [ids.H1], channels: ['load'], models: ['naive'], horizon: 4 } });
    expect((await waitForJob(stack, key, r.body.jobId, 60_000)).state).toBe('FAILED');
    const got = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;
    expect(got).toMatchObject({ status: 'FAILED', error: { code: 'CHANNEL_NOT_FOUND' } });
    expect(got.series).toEqual([
      expect.objectContaining({ seriesId: ids.H1, channel: null, status: 'FAILED', error: expect.objectContaining({ code: 'CHANNEL_NOT_FOUND' }) }),
    ]);
    expect(got.metrics).toEqual({ naive: null });
  });

  it('series selection: exactly one of seriesIds or tag; a tag matching nothing is 422', async () => {
    const both = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [ids.H1], tag: 'bt', models: ['naive'], horizon: 4 } });
    expect([both.status, both.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const none = await stack.request('POST', '/v1/backtests', { key, json: { models: ['naive'], horizon: 4 } });
    expect([none.status, none.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const nomatch = await stack.request('POST', '/v1/backtests', { key, json: { tag: 'nope', models: ['naive'], horizon: 4 } });
    expect([nomatch.status, nomatch.body.error.code]).toEqual([422, 'NO_SERIES_MATCH']);
  });

  it('Idempotency-Key: a repeated POST replays the first answer with one backtest', async () => {
    const body = { seriesIds: [ids.H1], models: ['naive'], horizon: 6, windows: 2 };
    const a = await stack.request('POST', '/v1/backtests', { key, json: body, headers: { 'idempotency-key': 'bt-once' } });
    const b = await stack.request('POST', '/v1/backtests', { key, json: body, headers: { 'idempotency-key': 'bt-once' } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtests WHERE request->>'horizon' = '6'`);
    expect(rows[0].n).toBe(1);
    expect((await waitForJob(stack, key, a.body.jobId, 60_000)).state).toBe('SUCCEEDED');
  });

  it('cancel: a queued backtest is cancelled at once, a running one at its next model; nothing is written', async () => {
    const r = await stack.request('POST', '/v1/backtests', {
      key,
      json: { seriesIds: [ids.H1, ids.H2], models: ['ets', 'naive'], horizon: 24, windows: 10, step: 24 },
    });
    expect(r.status).toBe(202);
    const c = await stack.request('POST', `/v1/jobs/${r.body.jobId}/cancel`, { key });
    expect([200, 202]).toContain(c.status);
    const job = await waitForJob(stack, key, r.body.jobId, 60_000);
    expect(job.errorCode).toBe('CANCELLED');
    const got = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;
    expect(['CANCELLED', 'FAILED']).toContain(got.status);
    expect(got.error.code).toBe('CANCELLED');
    expect(got.metrics).toBeNull();
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM backtest_forecasts WHERE backtest_id = $1`, [r.body.id]);
    expect(rows[0].n).toBe(0);
  });

  it('lists with keyset pages, oldest first, and seasonal period detection when not given', async () => {
    const r = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [ids.H2], models: ['seasonal_naive'], horizon: 24, windows: 1 } });
    expect((await waitForJob(stack, key, r.body.jobId, 60_000)).state).toBe('SUCCEEDED');
    const got = (await stack.request('GET', `/v1/backtests/${r.body.id}`, { key })).body;
    expect(got.seasonalPeriod).toBeNull();
    expect(got.series[0].seasonalPeriod).toBe(24); // detected on the hourly context
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await stack.request('GET', `/v1/backtests?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(seen[0]).toBe(backtest.id);
    expect(seen).toContain(r.body.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(5);
  });

  it('a catalog model with context selection (ssm-small) forecasts each window as POST /v1/forecasts does from the same history', async () => {
    const r = await stack.request('POST', '/v1/backtests', {
      key,
      json: { seriesIds: [ids.H1], models: ['ssm-small'], horizon: H, windows: 1, quantiles: LEVELS },
    });
    expect((await waitForJob(stack, key, r.body.jobId, 120_000)).state).toBe('SUCCEEDED');
    const items = (await stack.request('GET', `/v1/backtests/${r.body.id}/forecasts`, { key })).body.items;
    expect(items).toHaveLength(1);
    // The same 376 points (400 minus the window) as inline data: context selection picks among 128, 256 and 376.
    const s = raw.H1;
    const n = s.values.length - H;
    const f = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: s.timestamps.slice(0, n), values: [s.values.slice(0, n)] }, horizon: H, model: 'ssm-small', quantiles: LEVELS, wait: 60 },
    });
    expect([f.status, f.body.status]).toEqual([200, 'SUCCEEDED']);
    const out = f.body.series[0];
    expect(out.metadata.contextSelection).toMatchObject({ candidates: [128, 256, n], validationSteps: H, validationWindows: 2 });
    for (const l of LEVELS) {
      const a = items[0].quantiles[String(l)] as number[];
      const b = out.quantiles[String(l)] as number[];
      a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b[k]))));
    }
  });

  it('metrics.csv guards a channel name that starts like a formula (-load), numbers untouched', async () => {
    const base = raw.H1;
    const c = await stack.request('POST', '/v1/series', { key, json: { name: 'guarded', channels: ['-load'] } });
    await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: base.timestamps, values: [base.values] } });
    const r = await stack.request('POST', '/v1/backtests', {
      key,
      json: { seriesIds: [c.body.id], models: ['naive'], horizon: H, windows: 1, seasonalPeriod: M },
    });
    expect((await waitForJob(stack, key, r.body.jobId, 120_000)).state).toBe('SUCCEEDED');
    const csv = await stack.request('GET', `/v1/backtests/${r.body.id}/metrics.csv`, { key });
    const rows = parseCsv(csv.text).map((x) => x.fields);
    const series = rows.filter((f) => f[0] === 'naive' && f[1] === 'series');
    expect(series.length).toBeGreaterThan(0);
    expect(series.every((f) => f[3] === "'-load")).toBe(true);
    expect(rows.some((f) => f[6].startsWith("'"))).toBe(false);
  });
});
