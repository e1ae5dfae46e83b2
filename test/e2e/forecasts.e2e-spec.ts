import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsRepository } from '#db';
import { ForecastService } from '#forecasting';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

const H = 3_600_000;

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('forecasts end to end (real data, real models in onnxruntime-node)', () => {
  let stack: Stack;
  let key: string;
  let other: string;
  const ids: Record<string, string> = {};

  async function upload(name: string, s: { timestamps: string[]; values: (number | null)[] }, frequency?: string): Promise<string> {
    const c = await stack.request('POST', '/v1/series', { key, json: { name, ...(frequency ? { frequency } : {}) } });
    const up = await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    expect(up.status).toBe(200);
    return c.body.id;
  }

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    other = (await stack.tenant()).key;
    for (const s of readSeries('m4/m4_hourly.csv', { limit: 3, tail: 600 })) ids[s.id] = await upload(s.id, s);
    // Birrarung Marr has a month-long gap 792 rows before its end: end the upload 300 hours after
    // it, so the gap falls inside the model's 512-hour context window.
    const ped = readSeries('tsibble/pedestrian_hourly.csv', { limit: 1 })[0];
    const cut = ped.timestamps.length - 792 + 300;
    ids.pedestrian = await upload('pedestrian', { timestamps: ped.timestamps.slice(cut - 2000, cut), values: ped.values.slice(cut - 2000, cut) });
    ids.peyton = await upload('peyton', readSeries('prophet/peyton_manning_daily.csv')[0]);
  });
  afterAll(() => stack.close());

  const m4 = () =>
    Object.entries(ids)
      .filter(([k]) => k.startsWith('H'))
      .map(([, v]) => v);

  it('xlstm: M4 hourly, horizon 48, synchronous 200 with shapes, runtime record and stored rows', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: m4(), horizon: 48, model: 'xlstm-dev', wait: 60 } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCEEDED');
    expect(r.body.series).toHaveLength(3);
    for (const s of r.body.series) {
      expect(s.status).toBe('SUCCEEDED');
      expect(s.timestamps).toHaveLength(48);
      const t = s.timestamps.map(Date.parse);
      expect(t.slice(1).map((x: number, i: number) => x - t[i])).toEqual(Array(47).fill(H));
      expect(Date.parse(s.metadata.sourceGrid.last) + H).toBe(t[0]);
      expect(Object.keys(s.quantiles)).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
      expect(s.median).toEqual(s.quantiles['0.5']);
      for (let i = 0; i < 48; i++) expect(s.quantiles['0.1'][i]).toBeLessThanOrEqual(s.quantiles['0.9'][i]);
      expect(s.metadata.modelGrid).toMatchObject({ step: '1h', chosenBy: 'inferred', length: 512 });
      expect(s.metadata.output).toMatchObject({ mode: 'horizon', requested: 48, exact: 48, gridSteps: 48 });
    }
    expect(r.body.runtime).toMatchObject({ modelId: 'xlstm-dev', executionProvider: 'cpu', onnxruntimeVersion: '1.30.0' });
    expect(r.body.runtime.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(r.body.runtime.durationsMs)).toEqual(expect.arrayContaining(['queue', 'preprocess', 'model', 'postprocess']));
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecast_results WHERE forecast_id = $1`, [r.body.id]);
    expect(rows[0].n).toBe(3);
  });

  it('ssm: scale factor from the detected daily season, recorded in the metadata', async () => {
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: [m4()[0]], horizon: 30, model: 'ssm-dev', quantiles: [0.1, 0.5, 0.9], wait: 60 },
    });
    expect(r.status).toBe(200);
    const s = r.body.series[0];
    expect(s.metadata.seasonalPeriod).toBe(24);
    expect(s.metadata.scaleFactor).toBe(1);
    expect(Object.keys(s.quantiles)).toEqual(['0.1', '0.5', '0.9']);
    expect(s.timestamps).toHaveLength(30);
  });

  it('irregular pedestrian and peyton_manning: source and model grid metadata', async () => {
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: [ids.pedestrian, ids.peyton], horizon: 24, model: 'xlstm-dev', wait: 60 },
    });
    expect(r.body.status).toBe('SUCCEEDED');
    const [ped, pey] = [ids.pedestrian, ids.peyton].map((id) => r.body.series.find((s: { seriesId: string }) => s.seriesId === id));
    expect(ped.metadata.sourceGrid.inferredFrequency).toBe('1h');
    expect(ped.metadata.sourceGrid.missingSteps).toBeGreaterThan(0);
    expect(ped.metadata.modelGrid.step).toBe('1h');
    expect(ped.metadata.method).toEqual({ value: 'none' });
    // The gap (2016-10-28 23:00 to 2016-11-29 00:00 local) holds 744 missing hours, 212 of them in the window.
    expect(ped.metadata.imputed).toMatchObject({ count: 0, missing: 212 });
    // The worker loads the newest 4 x contextLength rows: 2048 days from 2010-05-27, 17 days missing.
    expect(pey.metadata.sourceGrid).toMatchObject({ inferredFrequency: '1D', missingSteps: 17, observations: 2048, first: '2010-05-27T00:00:00.000Z' });
    expect(pey.metadata.modelGrid).toMatchObject({ step: '1D', length: 512 });
    expect(Date.parse(pey.timestamps[0])).toBe(Date.parse('2016-01-21T00:00:00Z'));
  });

  it('at: returns exactly the requested timestamps, between grid steps too', async () => {
    const last = Date.parse((await stack.request('GET', `/v1/series/${m4()[1]}`, { key })).body.stats.last);
    const at = [last + 30 * 60_000, last + 5 * H, last + 10.25 * H].map((t) => new Date(t).toISOString());
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [m4()[1]], at, model: 'xlstm-dev', wait: 60 } });
    expect(r.status).toBe(200);
    const s = r.body.series[0];
    expect(s.timestamps).toEqual(at.map((t) => new Date(t).toISOString()));
    expect(s.metadata.output).toMatchObject({ mode: 'at', requested: 3, exact: 1, interpolated: 2, gridSteps: 11 });
  });

  it('inline data (stateless) with two channels', async () => {
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 300 })[0];
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: {
        data: { timestamps: s.timestamps, values: [s.values, s.values.map((v) => (v === null ? null : v * 2))], channels: ['a', 'b'] },
        horizon: 12,
        model: 'ssm-dev',
        wait: 60,
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.series.map((x: { channel: string; seriesId: string | null }) => [x.channel, x.seriesId])).toEqual([
      ['a', null],
      ['b', null],
    ]);
  });

  it('xlstm-small on 5-minute data reads a 15-minute grid (8 daily cycles in its context) and answers on 5-minute steps', async () => {
    // Yosemite temperatures (Prophet's example data), the last day held out.
    const s = readSeries('prophet/yosemite_temps_5min.csv', { limit: 1 })[0];
    const day = 288;
    const end = s.values.length - day;
    const train = s.values.slice(end - 4096, end);
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: s.timestamps.slice(end - 4096, end), values: [train] }, horizon: day, model: 'xlstm-small', wait: 60 },
    });
    expect([r.status, r.body.error]).toEqual([200, null]);
    const out = r.body.series[0];
    expect(out.metadata.modelGrid).toMatchObject({ step: '15min', length: 1024, coarsening: { factor: 3, seriesStep: '5min', seasonalPeriod: 288 } });
    expect(out.metadata.output).toMatchObject({ mode: 'horizon', requested: day, exact: 96, interpolated: 192, gridSteps: 96 });
    const last = Date.parse(`${s.timestamps[end - 1]}Z`);
    expect(out.timestamps).toEqual(Array.from({ length: day }, (_, i) => new Date(last + (i + 1) * 300_000).toISOString()));
    // MASE on the held-out day (scale: the in-sample daily seasonal-naive error of these 4,096 points).
    // Measured 0.796 with the small14 weights (small8's 1.038, small7's 1.063, small5's 1.43; seasonal naive 0.378); the same request
    // read on the 5-minute grid (no coarsening) measured 5.29 with earlier weights: there the forecast decays to the mean after about two patches.
    const x = train.map((v) => (v === null ? NaN : v));
    const diffs = x
      .slice(day)
      .map((v, i) => Math.abs(v - x[i]))
      .filter(Number.isFinite);
    const scale = diffs.reduce((a, v) => a + v, 0) / diffs.length;
    const y = s.values.slice(end);
    const med = out.quantiles['0.5'] as number[];
    const errs = y.map((v, i) => (v === null ? NaN : Math.abs(v - med[i]))).filter(Number.isFinite);
    const mase = errs.reduce((a, v) => a + v, 0) / errs.length / scale;
    const sn = y
      .map((v, i) => (v === null || x[x.length - day + i] !== x[x.length - day + i] ? NaN : Math.abs(v - x[x.length - day + i])))
      .filter(Number.isFinite);
    console.log(
      `xlstm-small on the held-out yosemite day: MASE ${mase.toFixed(3)} (seasonal naive ${(sn.reduce((a, v) => a + v, 0) / sn.length / scale).toFixed(3)})`,
    );
    expect(mase).toBeLessThan(1.0);
  }, 120_000);

  it('one bad series out of several: PARTIALLY_SUCCEEDED with a per-series error', async () => {
    const lone = await upload('lone', { timestamps: ['2020-01-01T00:00:00Z'], values: [5] });
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [m4()[0], lone], horizon: 4, model: 'xlstm-dev', wait: 60 } });
    expect(r.body.status).toBe('PARTIALLY_SUCCEEDED');
    const bad = r.body.series.find((s: { seriesId: string }) => s.seriesId === lone);
    expect(bad).toMatchObject({ status: 'FAILED', error: { code: 'INSUFFICIENT_DATA' }, timestamps: [] });
    expect(r.body.series.find((s: { seriesId: string }) => s.seriesId === m4()[0]).timestamps).toHaveLength(4);
    const job = await waitForJob(stack, key, r.body.jobId);
    expect(job.state).toBe('PARTIALLY_SUCCEEDED');
    const only = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [lone], horizon: 4, model: 'xlstm-dev', wait: 60 } });
    expect(only.body).toMatchObject({ status: 'FAILED', error: { code: 'INSUFFICIENT_DATA' } });
  });

  it('answers 429 with Retry-After when too many forecasts are waiting; a cancelled job settles its forecast', async () => {
    const limited = await startStack({ worker: false, env: { TSFM_MAX_QUEUED_FORECASTS: '3' } });
    try {
      const k = (await limited.tenant()).key;
      const c = await limited.request('POST', '/v1/series', { key: k, json: { name: 'x' } });
      await limited.request('POST', `/v1/series/${c.body.id}/observations`, {
        key: k,
        json: { timestamps: [0, 3_600_000, 7_200_000].map((t) => t + Date.UTC(2024, 0, 1)), values: [[1, 2, 3]] },
      });
      const codes: number[] = [];
      const accepted: { id: string; jobId: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const p = await limited.request('POST', '/v1/forecasts', { key: k, json: { seriesIds: [c.body.id], horizon: 2, model: 'xlstm-dev', wait: 0 } });
        codes.push(p.status);
        if (p.status === 202) accepted.push(p.body);
      }
      expect(codes).toEqual([202, 202, 202, 429, 429]);
      expect((await limited.request('POST', `/v1/jobs/${accepted[0].jobId}/cancel`, { key: k })).body.state).toBe('CANCELLED');
      const f = await limited.request('GET', `/v1/forecasts/${accepted[0].id}`, { key: k });
      expect(f.body).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED' } });
      const r = await limited.request('POST', '/v1/forecasts', { key: k, json: { seriesIds: [c.body.id], horizon: 2, model: 'xlstm-dev', wait: 0 } });
      expect(r.body.error.code).toBe('OVERLOADED');
      expect(r.headers.get('retry-after')).toBe('2');
    } finally {
      await limited.close();
    }
  });

  it('202 with the URL when wait is 0, then GET, CSV and SVG', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [m4()[2]], horizon: 6, model: 'xlstm-dev', wait: 0 } });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/forecasts/${r.body.id}`);
    const job = await waitForJob(stack, key, r.body.jobId);
    expect(job.state).toBe('SUCCEEDED');
    const g = await stack.request('GET', `/v1/forecasts/${r.body.id}`, { key });
    expect(g.body.series[0].timestamps).toHaveLength(6);
    const csv = await stack.request('GET', `/v1/forecasts/${r.body.id}?format=csv`, { key });
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('series_id,channel,timestamp,q0.1,q0.2,q0.3,q0.4,q0.5,q0.6,q0.7,q0.8,q0.9');
    expect(lines).toHaveLength(7);
    const svg = await stack.request('GET', `/v1/forecasts/${r.body.id}/plot.svg`, { key });
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(svg.text).toMatch(/^<svg/);
    expect(svg.text).toContain('time (UTC)');
    expect((svg.text.match(/<path /g) ?? []).length).toBeGreaterThanOrEqual(6);
    const list = await stack.request('GET', `/v1/forecasts?seriesId=${m4()[2]}`, { key });
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(r.body.id);
    const latest = await stack.request('GET', `/v1/series/${m4()[2]}/forecasts/latest`, { key });
    expect(latest.body.id).toBe(r.body.id);
  });

  it.each([
    [{ horizon: 5, quantiles: [0.05] }, 422, 'QUANTILE_NOT_AVAILABLE'],
    [{ horizon: 100000 }, 422, 'HORIZON_TOO_LONG'],
    [{ horizon: 5, until: '2030-01-01' }, 400, 'VALIDATION_FAILED'],
    [{ horizon: 5, model: 'gpt-5' }, 404, 'MODEL_NOT_FOUND'],
    [{ horizon: 5, colour: 'red' }, 400, 'VALIDATION_FAILED'],
  ])('rejects %j with %i %s', async (extra, status, code) => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [m4()[0]], model: 'xlstm-dev', ...extra } });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    if (code === 'QUANTILE_NOT_AVAILABLE') expect(r.body.error.message).toContain('0.1, 0.2, 0.3');
  });

  it("another tenant's series and forecasts are not found", async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key: other, json: { seriesIds: [m4()[0]], horizon: 5 } });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('SERIES_NOT_FOUND');
    const mine = await stack.request('GET', '/v1/forecasts', { key });
    const id = mine.body.items[0].id;
    expect((await stack.request('GET', `/v1/forecasts/${id}`, { key: other })).status).toBe(404);
    expect((await stack.request('GET', `/v1/forecasts/${id}/plot.svg`, { key: other })).status).toBe(404);
    expect((await stack.request('GET', `/v1/series/${m4()[0]}/forecasts/latest`, { key: other })).status).toBe(404);
  });

  it('GET /v1/models lists limits and the execution provider the workers use', async () => {
    const r = await stack.request('GET', '/v1/models', { key });
    const x = r.body.find((m: { id: string }) => m.id === 'xlstm-dev');
    expect(x).toMatchObject({ family: 'xlstm', maxContext: 512, quantiles: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], supportsMissingValues: true });
    expect(x.runtime.workers[0].provider.active).toBe('cpu');
    // The manifest's negationEnsemble: on for the shipped trained models, off for the parity models.
    const flags = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; negationEnsemble: boolean }) => [m.id, m.negationEnsemble]),
    );
    expect(flags).toEqual({ 'ssm-dev': false, 'ssm-small': true, 'xlstm-dev': false, 'xlstm-small': true });
    const selection = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; contextSelection: unknown }) => [m.id, m.contextSelection]),
    );
    expect(selection).toEqual({
      'ssm-dev': null,
      'ssm-small': { candidates: [128, 256, 512, 1024, 2048], top: 2, windows: 2 },
      'xlstm-dev': null,
      'xlstm-small': null,
    });
    // The manifest's seasons: the xlstm grid rule's list, from xlstm-small's training config; none elsewhere.
    const seasons = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; seasons: unknown }) => [m.id, m.seasons]),
    );
    expect(seasons).toEqual({ 'ssm-dev': null, 'ssm-small': null, 'xlstm-dev': null, 'xlstm-small': [4, 7, 12, 24, 48, 52, 96, 168, 288] });
    // The manifest's scalePeriods: ssm-small reads a season of 2 at the scale factor of 4 (measured for it); none elsewhere.
    const scales = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; scalePeriods: unknown }) => [m.id, m.scalePeriods]),
    );
    expect(scales).toEqual({ 'ssm-dev': null, 'ssm-small': { 2: 4 }, 'xlstm-dev': null, 'xlstm-small': null });
    // The manifest's contextPadding: xlstm-small pads a short context to whole patches, as its pre-training did.
    const padding = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; contextPadding: unknown }) => [m.id, m.contextPadding]),
    );
    expect(padding).toEqual({ 'ssm-dev': null, 'ssm-small': null, 'xlstm-dev': null, 'xlstm-small': { minPatches: 1 } });
    const adjustment = Object.fromEntries(
      r.body
        .filter((m: { finetuned: boolean; family: string }) => !m.finetuned && m.family !== 'ensemble')
        .map((m: { id: string; seasonalAdjustment: unknown }) => [m.id, m.seasonalAdjustment]),
    );
    expect(adjustment).toEqual({ 'ssm-dev': null, 'ssm-small': { cycles: 6, additive: 0.7 }, 'xlstm-dev': null, 'xlstm-small': { cycles: 6, additive: 0.7 } });
  });

  it('xlstm-small reads a positive seasonal series seasonally adjusted and multiplies the forecast back; the stored metadata says how', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids.peyton], horizon: 28, model: 'xlstm-small', wait: 60 } });
    expect([r.status, r.body.status]).toEqual([200, 'SUCCEEDED']);
    const sa = r.body.series[0].metadata.seasonalAdjustment;
    expect(sa).toMatchObject({ kind: 'multiplicative', period: 7, cycles: 6 });
    // 2,905 days: the last 1,024 fill the window, fed as they are.
    expect(r.body.series[0].metadata.modelInput).toEqual({ rule: 'whole-patches', contextSteps: [1024], fedSteps: [1024] });
    expect(sa.factors).toHaveLength(7);
    expect(Math.abs(sa.autocorrelation)).toBeGreaterThan(sa.threshold);
    // The factors' geometric mean is 1, and the weekly profile of log page views is not flat.
    expect(sa.factors.reduce((a: number, f: number) => a + Math.log(f), 0)).toBeCloseTo(0, 5);
    expect(Math.max(...sa.factors) / Math.min(...sa.factors)).toBeGreaterThan(1.01);
    // Multiplied back: the forecast's week-over-week shape follows the factors (step t and t + 7 share a factor).
    const med: number[] = r.body.series[0].median;
    const weekly = sa.factors.map((_: number, p: number) => [0, 1, 2, 3].reduce((a, w) => a + med[p + 7 * w], 0) / 4);
    const corr = (a: number[], b: number[]) => {
      const ma = a.reduce((x, y) => x + y, 0) / a.length;
      const mb = b.reduce((x, y) => x + y, 0) / b.length;
      const c = a.reduce((x, _, i) => x + (a[i] - ma) * (b[i] - mb), 0);
      return c / Math.sqrt(a.reduce((x, v) => x + (v - ma) ** 2, 0) * b.reduce((x, v) => x + (v - mb) ** 2, 0));
    };
    expect(corr(weekly, sa.factors)).toBeGreaterThan(0.9);
    // Stored with the forecast.
    const stored = await stack.request('GET', `/v1/forecasts/${r.body.id}`, { key });
    expect(stored.body.series[0].metadata.seasonalAdjustment).toEqual(sa);
    // A model without the manifest field reads the values as they are.
    const dev = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids.peyton], horizon: 28, model: 'xlstm-dev', wait: 60 } });
    expect(dev.body.series[0].metadata.seasonalAdjustment).toBeNull();
  });

  it("ssm-small picks its context per series on the history's last horizon, unless the request names a contextLength", async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids.peyton], horizon: 30, model: 'ssm-small', wait: 60 } });
    expect([r.status, r.body.status]).toEqual([200, 'SUCCEEDED']);
    const md = r.body.series[0].metadata;
    // The worker loads 4 x 2,048 rows (all 2,905 days); the grid spans the model's whole 2,048-step context.
    expect(md.modelGrid).toMatchObject({ step: '1D', length: 2048 });
    const cs = md.contextSelection;
    expect(cs.candidates).toEqual([128, 256, 512, 1024, 2048]);
    expect([cs.validationSteps, cs.validationWindows]).toEqual([30, 2]);
    expect(cs.scores).toHaveLength(5);
    for (const v of cs.scores) expect(v).toBeGreaterThan(0);
    // The two lowest scores are the averaged candidates, best first.
    const ranked = cs.candidates
      .map((c: number, k: number) => [cs.scores[k], c])
      .sort((a: number[], b: number[]) => a[0] - b[0])
      .map((x: number[]) => x[1]);
    expect(cs.chosen).toEqual(ranked.slice(0, 2));
    // Each chosen context fed at the ssm's window of ⌊2048 / s⌋ steps (s = 24 / the detected season).
    expect(md.scaleFactor).toBeGreaterThan(1);
    expect(md.modelInput).toEqual({ rule: 'window', contextSteps: cs.chosen, fedSteps: cs.chosen.map(() => Math.floor(2048 / md.scaleFactor)) });
    const fixed = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: [ids.peyton], horizon: 30, model: 'ssm-small', contextLength: 1024, wait: 60 },
    });
    expect(fixed.body.series[0].metadata.contextSelection).toBeNull();
    expect(fixed.body.series[0].metadata.modelGrid.length).toBe(1024);
    // A 1,024-step context is one of the candidates: its forecast differs from the averaged one unless it was picked alone.
    expect(fixed.body.series[0].median).not.toEqual(r.body.series[0].median);
  });

  it('200 concurrent single-series forecasts all succeed and are batched', async () => {
    const posts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [m4()[i % 3]], horizon: 8, model: 'xlstm-dev', wait: 0 } }),
      ),
    );
    expect(posts.every((p) => p.status === 202)).toBe(true);
    const jobs = await Promise.all(posts.map((p) => waitForJob(stack, key, p.body.jobId, 120_000)));
    expect(jobs.every((j) => j.state === 'SUCCEEDED')).toBe(true);
    const rows = await stack.sql<{ b: number }>(`SELECT (runtime->>'batchSize')::int AS b FROM forecasts WHERE id = ANY($1)`, [posts.map((p) => p.body.id)]);
    const mean = rows.reduce((a, r) => a + r.b, 0) / rows.length;
    expect(mean).toBeGreaterThan(1);
  });

  it('tsfm forecast (CLI, in-process) matches the API for the same data and model', async () => {
    const series = readSeries('m4/m4_hourly.csv', { limit: 3, tail: 600 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-'));
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'series_id,timestamp,value\n' + series.flatMap((s) => s.timestamps.map((t, i) => `${s.id},${t},${s.values[i] ?? ''}`)).join('\n'));
    const out = path.join(dir, 'out.csv');
    // Async, so the api in this process keeps serving while the CLI runs.
    const r = await run(process.execPath, [
      path.join(REPO_ROOT, 'bin/tsfm.js'),
      'forecast',
      '--input',
      input,
      '--horizon',
      '24',
      '--model',
      'xlstm-dev',
      '--output',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('series_id,timestamp,q0.1,q0.2,q0.3,q0.4,q0.5,q0.6,q0.7,q0.8,q0.9');
    expect(lines).toHaveLength(1 + 3 * 24);
    const api = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: series.map((s) => ids[s.id]), horizon: 24, model: 'xlstm-dev', wait: 60 },
    });
    for (const s of api.body.series) {
      const name = series.find((x) => ids[x.id] === s.seriesId)!.id;
      const rows = lines
        .slice(1)
        .filter((l) => l.startsWith(`${name},`))
        .map((l) => l.split(','));
      expect(rows.map((x) => x[1])).toEqual(s.timestamps);
      rows.forEach((row, i) =>
        row.slice(2).forEach((v, k) => expect(Number(v)).toBeCloseTo(s.quantiles[['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'][k]][i], 3)),
      );
    }
    const bad = await run(process.execPath, [path.join(REPO_ROOT, 'bin/tsfm.js'), 'forecast', '--input', input, '--output', out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['tsfm: give exactly one of --horizon or --at']);
  });

  it('running the same job again leaves one result', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: m4(), horizon: 4, model: 'xlstm-dev', wait: 60 } });
    const job = (
      await stack.sql<{ payload: { jobId: string; tenantId: string; forecastId: string } }>(`SELECT payload FROM jobs WHERE id = $1`, [r.body.jobId])
    )[0];
    const before = await stack.sql(`SELECT finished_at, runtime FROM forecasts WHERE id = $1`, [r.body.id]);
    // A second execution (a redelivered job) computes again, but its write is rolled back.
    const outcome = await stack.worker!.get(ForecastService).run(job.payload);
    expect(outcome.state).toBe('SUCCEEDED');
    expect(await stack.worker!.get(JobsRepository).complete(r.body.jobId, outcome.state, { result: outcome.result }, outcome.write)).toBe(false);
    expect(await stack.sql(`SELECT finished_at, runtime FROM forecasts WHERE id = $1`, [r.body.id])).toEqual(before);
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecast_results WHERE forecast_id = $1`, [r.body.id]);
    expect(rows[0].n).toBe(3);
  });
});
