import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestEntry, ModelRuntime, loadManifest } from '#model-runtime';
import { forecastPrepared, meanPinball, rankCandidates } from './context-selection';
import { PreparedSeries, finishSeries, prepareSeries } from './pipeline';

const MODELS = path.resolve(__dirname, '../../../models');
const HOUR = 3_600_000;
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

function hourly(n: number, f: (i: number) => number | null): { ts: number[]; vs: (number | null)[] } {
  const ts = Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 1) + i * HOUR);
  return { ts, vs: ts.map((_, i) => f(i)) };
}

const closeRows = (a: number[][], b: number[][], tol = 1e-4) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, t) => row.forEach((v, l) => expect(Math.abs(v - b[t][l])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[t][l])))));
};

describe('meanPinball', () => {
  it('averages the pinball loss over the observed steps and the levels', () => {
    // y = 10, q = [8, 10, 13] at levels 0.1 / 0.5 / 0.9: 0.1·2, 0, 0.1·3 -> (0.2 + 0 + 0.3) / 3
    expect(
      meanPinball(
        [
          [8, 10, 13],
          [0, 0, 0],
        ],
        [10, NaN],
        [0.1, 0.5, 0.9],
      ),
    ).toBeCloseTo(0.5 / 3, 12);
    expect(meanPinball([[1, 2, 3]], [NaN], [0.1, 0.5, 0.9])).toBe(Infinity);
    expect(meanPinball([[1, NaN, 3]], [2], [0.1, 0.5, 0.9])).toBe(Infinity);
  });
});

describe('rankCandidates', () => {
  it('orders by score; ties go to the default context length, then to the longer candidate', () => {
    expect(rankCandidates([64, 128, 256, 512], [3, 1, 2, 0.5], 512)).toEqual([512, 128, 256, 64]);
    expect(rankCandidates([64, 128, 256, 512], [1, 1, 1, 1], 512)).toEqual([512, 256, 128, 64]);
    expect(rankCandidates([64, 128, 256, 512], [1, 1, 1, 1], 128)).toEqual([128, 512, 256, 64]);
    expect(rankCandidates([64, 128, 256, 512], [2, 1, 2, 1], 64)).toEqual([512, 128, 64, 256]);
    expect(rankCandidates([64, 128, 256], [Infinity, 1, Infinity], 256)).toEqual([128, 256, 64]);
  });
});

describe('per-series context selection through the runtime (ssm-dev)', () => {
  let rt: ModelRuntime;
  let entry: ManifestEntry;
  const opts = { span: { horizon: 24 }, frequency: '1h', quantiles: LEVELS, selectContext: true };

  beforeAll(async () => {
    const base = (await loadManifest(MODELS)).models.find((m) => m.id === 'ssm-dev')!;
    // ssm-dev's manifest has no contextSelection: the plan comes from this entry, the runtime serves ssm-dev.
    entry = { ...base, contextSelection: { candidates: [64, 128, 256, 512], top: 2 } };
    rt = await ModelRuntime.start({ modelsDir: MODELS, providers: ['cpu'], intraOpThreads: 1, maxBatch: 64, maxWaitMs: 2, maxQueue: 10_000 });
  });
  afterAll(() => rt?.close());

  it('scores every candidate on held-out horizons at the end of the history and averages the two best on the whole history', async () => {
    // A daily cycle whose amplitude changed 150 hours ago: candidates disagree.
    const s = hourly(1200, (i) => 50 + (i < 1050 ? 3 : 12) * Math.sin((2 * Math.PI * i) / 24) + 0.01 * i);
    const two = { ...entry, contextSelection: { candidates: [64, 128, 256, 512], top: 2, windows: 2 } };
    const p = prepareSeries(s.ts, s.vs, two, opts);
    expect(p.selection).not.toBeNull();
    expect(p.selection!.candidates).toEqual([64, 128, 256, 512]);
    expect(p.selection!.long.length).toBe(512);
    const [out] = await forecastPrepared(rt, 'ssm-dev', [p], two.quantiles);
    const sel = out.selection!;
    expect([sel.validationSteps, sel.validationWindows]).toEqual([24, 2]);
    // Independently: each candidate forecasts the last 24 steps from the history before them, and the
    // 24 before those from the history before those; the scores add up.
    const long = p.selection!.long;
    const scores = [0, 0, 0, 0];
    for (const end of [long.length, long.length - 24]) {
      const prefix = long.slice(0, end - 24);
      const heldOut = long.slice(end - 24, end);
      const val = await rt.forecast(
        'ssm-dev',
        [64, 128, 256, 512].map((c) => ({ ...p.request, context: prefix.slice(-c) })),
      );
      val.forEach((v, k) => (scores[k] += meanPinball(v.quantiles, heldOut, two.quantiles)));
    }
    sel.scores.forEach((v, k) => expect(v).toBeCloseTo(scores[k], 4));
    const best = [0, 1, 2, 3]
      .sort((a, b) => scores[a] - scores[b])
      .slice(0, 2)
      .map((k) => [64, 128, 256, 512][k]);
    expect(sel.chosen).toEqual(best);
    const finals = await rt.forecast(
      'ssm-dev',
      best.map((c) => ({ ...p.request, context: long.slice(-c) })),
    );
    closeRows(
      out.forecast.quantiles,
      finals[0].quantiles.map((row, t) => row.map((v, l) => (v + finals[1].quantiles[t][l]) / 2)),
    );
    // Still monotone, and the metadata says what was done.
    for (const row of out.forecast.quantiles) for (let l = 1; l < row.length; l++) expect(row[l]).toBeGreaterThanOrEqual(row[l - 1]);
    const r = finishSeries(p, out.forecast.quantiles, two.quantiles, LEVELS, 'value', out.selection);
    expect(r.metadata.contextSelection).toEqual({
      candidates: [64, 128, 256, 512],
      validationSteps: 24,
      validationWindows: 2,
      scores: sel.scores.map((v) => Number(v.toPrecision(6))),
      chosen: best,
    });
    expect(r.metadata.modelGrid.length).toBe(512);
    // One window (the manifest's default): the last 24 steps alone.
    const [one] = await forecastPrepared(rt, 'ssm-dev', [prepareSeries(s.ts, s.vs, entry, opts)], entry.quantiles);
    expect(one.selection!.validationWindows).toBe(1);
    const val1 = await rt.forecast(
      'ssm-dev',
      [64, 128, 256, 512].map((c) => ({ ...p.request, context: long.slice(0, long.length - 24).slice(-c) })),
    );
    one.selection!.scores.forEach((v, k) => expect(v).toBeCloseTo(meanPinball(val1[k].quantiles, long.slice(-24), entry.quantiles), 4));
  });

  it('top 1 picks the best candidate alone', async () => {
    const s = hourly(900, (i) => 10 + Math.sin((2 * Math.PI * i) / 24));
    const one = { ...entry, contextSelection: { candidates: [64, 128, 256, 512], top: 1 } };
    const p = prepareSeries(s.ts, s.vs, one, opts);
    const [out] = await forecastPrepared(rt, 'ssm-dev', [p], one.quantiles);
    const k = out.selection!.scores.indexOf(Math.min(...out.selection!.scores));
    expect(out.selection!.chosen).toEqual([[64, 128, 256, 512][k]]);
    const [alone] = await rt.forecast('ssm-dev', [{ ...p.request, context: p.selection!.long.slice(-out.selection!.chosen[0]) }]);
    closeRows(out.forecast.quantiles, alone.quantiles);
  });

  it('uses the default context unchanged without a plan: contextLength named, selectContext off, one distinct candidate, nothing to score on', async () => {
    const s = hourly(1200, (i) => 50 + 5 * Math.sin((2 * Math.PI * i) / 24));
    const cases: PreparedSeries[] = [
      prepareSeries(s.ts, s.vs, entry, { ...opts, contextLength: 300 }),
      prepareSeries(s.ts, s.vs, entry, { ...opts, selectContext: false }),
      prepareSeries(s.ts.slice(0, 60), s.vs.slice(0, 60), entry, opts),
      prepareSeries(s.ts, s.vs, { ...entry, contextSelection: undefined }, opts),
    ];
    for (const p of cases) expect(p.selection).toBeNull();
    // Fewer than two observations before either held-out window: nothing to score, no plan.
    const late = hourly(100, (i) => (i < 77 ? null : 10 + Math.sin(i)));
    const pg = prepareSeries(late.ts, late.vs, { ...entry, contextSelection: { candidates: [64, 128], top: 1, windows: 2 } }, { ...opts, resampling: 'none' });
    expect(pg.selection).toBeNull();
    const all = [...cases, pg];
    const out = await forecastPrepared(rt, 'ssm-dev', all, entry.quantiles);
    const plain = await rt.forecast(
      'ssm-dev',
      all.map((p) => p.request),
    );
    out.forEach((o, i) => {
      expect(o.selection).toBeNull();
      closeRows(o.forecast.quantiles, plain[i].quantiles);
    });
  });

  it('keeps the order of a mixed batch and the same default context as without selection', async () => {
    const a = hourly(1000, (i) => 20 + 4 * Math.sin((2 * Math.PI * i) / 24));
    const b = hourly(1000, (i) => 100 - 0.05 * i + 2 * Math.cos((2 * Math.PI * i) / 12));
    const e = { ...entry, defaultContext: 256 };
    const planned = [prepareSeries(a.ts, a.vs, e, opts), prepareSeries(b.ts, b.vs, e, { ...opts, selectContext: false }), prepareSeries(b.ts, b.vs, e, opts)];
    expect([planned[2].selection!.long.length, planned[2].request.context.length, planned[1].request.context.length]).toEqual([512, 256, 256]);
    // The default context and scale factor do not depend on the plan.
    expect(Array.from(planned[2].request.context)).toEqual(Array.from(planned[1].request.context));
    expect(planned[2].request.scaleFactor).toBe(planned[1].request.scaleFactor);
    const mixed = await forecastPrepared(rt, 'ssm-dev', planned, e.quantiles);
    const single = await Promise.all(planned.map((p) => forecastPrepared(rt, 'ssm-dev', [p], e.quantiles)));
    mixed.forEach((m, i) => {
      expect(m.selection?.chosen ?? null).toEqual(single[i][0].selection?.chosen ?? null);
      closeRows(m.forecast.quantiles, single[i][0].forecast.quantiles);
    });
    expect(mixed[1].selection).toBeNull();
    expect(mixed[2].selection).not.toBeNull();
  });
});
