import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '#model-runtime';
import { parseFrequency } from '#timeseries';
import { baselineEntry } from './backtest-baselines';
import { coarseningFactor, finishSeries, modelInputOf, prepareSeries, scoreableWindows, ssmScalePeriod } from './pipeline';

/** xlstm-small's manifest `seasons` (models/manifest.json). */
const XLSTM_SMALL_SEASONS = [4, 7, 12, 24, 48, 52, 96, 168, 288];

describe('prepareSeries context length', () => {
  const hour = 3_600_000;
  const ts = Array.from({ length: 3000 }, (_, i) => Date.UTC(2026, 0, 1) + i * hour);
  const vs = ts.map((_, i) => Math.sin((2 * Math.PI * i) / 24) + i / 1000);
  const entry = (over: Partial<ManifestEntry>): ManifestEntry => ({ ...baselineEntry('naive', [0.5]), contextLength: 2048, ...over });
  const opts = { span: { horizon: 24 }, frequency: '1h', quantiles: [0.5] };

  it("feeds the model's defaultContext without a contextLength, up to contextLength when asked, the newest points", () => {
    const noDefault = prepareSeries(ts, vs, entry({}), opts);
    expect(noDefault.request.context.length).toBe(2048);
    const withDefault = prepareSeries(ts, vs, entry({ defaultContext: 1024 }), opts);
    expect(withDefault.request.context.length).toBe(1024);
    expect(Array.from(withDefault.request.context.slice(-3))).toEqual(Array.from(Float32Array.from(vs.slice(-3))));
    expect(prepareSeries(ts, vs, entry({ defaultContext: 1024 }), { ...opts, contextLength: 1500 }).request.context.length).toBe(1500);
    expect(prepareSeries(ts, vs, entry({ defaultContext: 1024 }), { ...opts, contextLength: 4000 }).request.context.length).toBe(2048);
    expect(prepareSeries(ts.slice(0, 300), vs.slice(0, 300), entry({ defaultContext: 1024 }), opts).request.context.length).toBe(300);
  });

  it('context selection: a grid over the whole contextLength, the default context its tail, the distinct candidates it allows', () => {
    const e = entry({ defaultContext: 1024, contextSelection: { candidates: [128, 256, 512, 1024, 2048], top: 2 } });
    const p = prepareSeries(ts, vs, e, { ...opts, selectContext: true });
    expect(p.selection!.long.length).toBe(2048);
    expect(p.selection!.candidates).toEqual([128, 256, 512, 1024, 2048]);
    expect(p.selection!.top).toBe(2);
    expect(Array.from(p.request.context)).toEqual(Array.from(p.selection!.long.slice(-1024)));
    expect(Array.from(p.request.context)).toEqual(Array.from(prepareSeries(ts, vs, e, opts).request.context));
    expect(p.metadataBase.grid.length).toBe(2048);
    // 300 points: 512, 1024 and 2048 are all the whole history.
    expect(prepareSeries(ts.slice(0, 300), vs.slice(0, 300), e, { ...opts, selectContext: true }).selection!.candidates).toEqual([128, 256, 300]);
    // No plan: without selectContext, with a contextLength, with a single distinct candidate, without the manifest field.
    expect(prepareSeries(ts, vs, e, opts).selection).toBeNull();
    expect(prepareSeries(ts, vs, e, { ...opts, selectContext: true, contextLength: 2048 }).selection).toBeNull();
    expect(prepareSeries(ts.slice(0, 100), vs.slice(0, 100), e, { ...opts, selectContext: true }).selection).toBeNull();
    expect(prepareSeries(ts, vs, entry({ defaultContext: 1024 }), { ...opts, selectContext: true }).selection).toBeNull();
    // Observed only in the last 3 hours: neither validation window (the last 24 steps, the 24 before)
    // has an observation and two before it. No plan, and the grid and metadata are the default 1,024 steps.
    const sparse = vs.map((v, i) => (i < ts.length - 3 ? null : v));
    const p2 = prepareSeries(
      ts,
      sparse,
      { ...e, contextSelection: { candidates: [128, 2048], top: 1, windows: 2 } },
      { ...opts, selectContext: true, resampling: 'none' },
    );
    expect(p2.selection).toBeNull();
    expect([p2.request.context.length, p2.metadataBase.grid.length]).toEqual([1024, 1024]);
  });

  it('scoreableWindows: newest first, each with an observation and two before it', () => {
    const g = Float32Array.from([1, 2, NaN, NaN, 5, NaN, 7, 8]);
    expect(scoreableWindows(g, 2, 3)).toEqual([
      { prefixEnd: 6, end: 8 },
      { prefixEnd: 4, end: 6 },
    ]); // [2, 4) holds nothing
    expect(scoreableWindows(g, 2, 1)).toEqual([{ prefixEnd: 6, end: 8 }]);
    expect(scoreableWindows(g, 7, 2)).toEqual([]); // 1 point before the window
    expect(scoreableWindows(Float32Array.from([NaN, 1, NaN, 2]), 2, 1)).toEqual([]); // 1 observation before it
  });
});

describe('coarser model grid for long seasons (xlstm)', () => {
  const min5 = 300_000;
  const t0 = Date.UTC(2026, 4, 1);
  const ts = Array.from({ length: 6000 }, (_, i) => t0 + i * min5);
  const vs = ts.map((_, i) => 20 + 10 * Math.sin((2 * Math.PI * i) / 288));
  const xlstm = (over: Partial<ManifestEntry> = {}): ManifestEntry => ({
    ...baselineEntry('naive', [0.1, 0.5, 0.9]),
    contextLength: 1024,
    seasons: XLSTM_SMALL_SEASONS,
    ...over,
  });
  const opts = { span: { horizon: 10 }, declaredFrequency: '5min', quantiles: [0.1, 0.5, 0.9], coarsen: true };

  it('coarseningFactor: the grid on which the season is the next listed one up (else down) that fits 8 times; 1 when the own season does', () => {
    const S = XLSTM_SMALL_SEASONS;
    expect(coarseningFactor(parseFrequency('5min'), 1024, S)).toBe(3); // m = 288 -> 96 (288 does not fit 8 times)
    expect(coarseningFactor(parseFrequency('1min'), 1024, S)).toBe(15); // m = 1440 -> 96, a 15-minute grid
    expect(coarseningFactor(parseFrequency('5min'), 2048, S)).toBe(3); // none above 288 fits; 168 does, but in no whole ms
    expect(coarseningFactor(parseFrequency('5min'), 4096, S)).toBe(1); // 288 is listed and fits
    expect(coarseningFactor(parseFrequency('10min'), 1024, S)).toBe(1.5); // m = 144 -> 96
    expect(coarseningFactor(parseFrequency('20min'), 1024, S)).toBe(0.75); // m = 72 -> 96: a finer grid
    expect(coarseningFactor(parseFrequency('3h'), 1024, S)).toBeCloseTo(2 / 3, 12); // m = 8 -> 12 (7: no whole ms)
    expect(coarseningFactor(parseFrequency('4h'), 1024, S)).toBe(0.5); // m = 6 -> 12 (7: no whole ms)
    expect(coarseningFactor(parseFrequency('12h'), 1024, S)).toBe(0.5); // m = 2 -> 4
    for (const f of ['15min', '30min', '1h', '2h', '6h', '1D', '1W']) expect(coarseningFactor(parseFrequency(f), 1024, S), f).toBe(1);
    expect(coarseningFactor(parseFrequency('1h'), 128, S)).toBe(2); // 24 does not fit 8 times in 128: 12
    expect(coarseningFactor(parseFrequency('1M'), 16, S)).toBe(1); // calendar frequencies and business days never
    expect(coarseningFactor(parseFrequency('B'), 1024, S)).toBe(1);
  });

  it('coarseningFactor without a seasons list: the own grid unless the season does not fit 8 times (then ⌈8m / C⌉); another list moves the grid', () => {
    for (const f of ['20min', '3h', '4h', '12h', '1h', '1D', 'B']) expect(coarseningFactor(parseFrequency(f), 1024), f).toBe(1);
    expect(coarseningFactor(parseFrequency('10min'), 1024)).toBe(2); // 144 does not fit: ⌈8 · 144 / 1024⌉
    expect(coarseningFactor(parseFrequency('5min'), 1024)).toBe(3); // 288 does not fit: ⌈8 · 288 / 1024⌉
    expect(coarseningFactor(parseFrequency('1min'), 1024)).toBe(12); // ⌈8 · 1440 / 1024⌉
    expect(coarseningFactor(parseFrequency('1h'), 128)).toBe(2);
    // A model whose list is 5 and 20: none above 144 or 72, so the largest that fits, 20: 10-minute data
    // (144) on a 72-minute grid (k = 7.2), 20-minute data (72) too (k = 3.6); 4-hourly (6) on 20 above it.
    expect(coarseningFactor(parseFrequency('10min'), 1024, [5, 20])).toBeCloseTo(7.2, 12);
    expect(coarseningFactor(parseFrequency('20min'), 1024, [5, 20])).toBeCloseTo(3.6, 12);
    expect(coarseningFactor(parseFrequency('4h'), 1024, [5, 20])).toBe(0.3); // m = 6 -> 20: a finer grid
  });

  it('reads 10-minute data on a 15-minute grid (k = 1.5) and 20-minute data on a finer 15-minute grid (k = 0.75)', () => {
    const min10 = 600_000;
    const t10 = Array.from({ length: 3000 }, (_, i) => t0 + i * min10);
    const v10 = t10.map((_, i) => 20 + 10 * Math.sin((2 * Math.PI * i) / 144));
    const p = prepareSeries(t10, v10, xlstm(), { ...opts, declaredFrequency: '10min' });
    expect([p.coarsening, p.frequency.label, p.request.horizon]).toEqual([1.5, '15min', 7]); // 100 min = 6.67 grid steps
    // Grid points fall on every observation (even ones) or halfway between two (interpolated).
    const c = p.request.context;
    expect(c[c.length - 1]).toBeCloseTo(v10[2999], 4);
    expect(c[c.length - 2]).toBeCloseTo((v10[2997] + v10[2998]) / 2, 4);
    expect(c[c.length - 3]).toBeCloseTo(v10[2996], 4);
    const r = finishSeries(
      p,
      Array.from({ length: 7 }, (_, i) => [i, i + 1, i + 2]),
      [0.1, 0.5, 0.9],
      [0.5],
      'value',
    );
    expect(r.timestamps).toEqual(Array.from({ length: 10 }, (_, i) => t10[2999] + (i + 1) * min10));
    expect(r.quantiles[2][0]).toBeCloseTo(2, 9); // +30 min = grid step 2 (median 1 + 1)
    expect(r.metadata.modelGrid.coarsening).toEqual({ factor: 1.5, seriesStep: '10min', seasonalPeriod: 144 });
    const min20 = 1_200_000;
    const t20 = Array.from({ length: 1000 }, (_, i) => t0 + i * min20);
    const q = prepareSeries(
      t20,
      t20.map((_, i) => i),
      xlstm(),
      { ...opts, declaredFrequency: '20min' },
    );
    expect([q.coarsening, q.frequency.label, q.request.horizon]).toEqual([0.75, '15min', 14]); // 200 min = 13.3 grid steps
    // A linear series stays linear on the finer grid: steps of 0.75.
    expect(q.request.context[q.request.context.length - 1] - q.request.context[q.request.context.length - 2]).toBeCloseTo(0.75, 3);
    expect(q.request.context.length).toBe(1024);
    // A horizon the finer grid cannot reach within maxHorizon is forecast on the series' own grid.
    const long = prepareSeries(
      t20,
      t20.map((_, i) => i),
      xlstm({ maxHorizon: 100 }),
      { ...opts, declaredFrequency: '20min', span: { horizon: 90 } },
    );
    expect([long.coarsening, long.frequency.label, long.request.horizon, long.metadataBase.coarsening]).toEqual([1, '20min', 90, null]);
    expect(
      prepareSeries(
        t20,
        t20.map((_, i) => i),
        xlstm({ maxHorizon: 100 }),
        { ...opts, declaredFrequency: '20min', span: { horizon: 75 } },
      ).request.horizon,
    ).toBe(100);
    expect(() =>
      prepareSeries(
        t20,
        t20.map((_, i) => i),
        xlstm({ maxHorizon: 100 }),
        { ...opts, declaredFrequency: '20min', span: { horizon: 101 } },
      ),
    ).toThrow(/forecasts at most 100/);
  });

  it('reads every 3rd point of 5-minute data on a 15-minute grid and maps the forecast back onto 5-minute steps', () => {
    const p = prepareSeries(ts, vs, xlstm(), opts);
    expect(p.coarsening).toBe(3);
    expect(p.frequency.label).toBe('15min');
    expect(p.request.horizon).toBe(4); // ⌈10 / 3⌉
    expect(p.request.context.length).toBe(1024);
    // The grid ends at the last observation; its values are the observations at its points.
    expect(Array.from(p.request.context.slice(-3))).toEqual(Array.from(Float32Array.from([vs[5993], vs[5996], vs[5999]])));
    expect(p.metadataBase.coarsening).toEqual({ factor: 3, seriesStep: '5min', seasonalPeriod: 288 });
    // Grid forecasts 100, 130, 160, 190 (one level each) at +15, +30, +45, +60 min.
    const grid = [100, 130, 160, 190].map((v) => [v - 1, v, v + 1]);
    const r = finishSeries(p, grid, [0.1, 0.5, 0.9], [0.1, 0.5, 0.9], 'value');
    expect(r.timestamps).toEqual(Array.from({ length: 10 }, (_, i) => ts[5999] + (i + 1) * min5));
    const last = vs[5999];
    const median = r.quantiles.map((q) => q[1]);
    expect(median[0]).toBeCloseTo(last + (100 - last) / 3, 9); // from the last observation to the first grid step
    expect(median[2]).toBeCloseTo(100, 9);
    expect(median[3]).toBeCloseTo(110, 9);
    expect(median[9]).toBeCloseTo(170, 9); // +50 min: a third of the way from +45 (160) to +60 (190)
    expect(r.metadata.modelGrid).toMatchObject({ step: '15min', length: 1024, coarsening: { factor: 3, seriesStep: '5min', seasonalPeriod: 288 } });
    expect([r.metadata.output.exact, r.metadata.output.interpolated, r.metadata.output.gridSteps]).toEqual([3, 7, 4]); // +15, +30, +45 min are grid steps
    // `until` (what a backtest window asks for) and `at` map the same way onto the series' steps.
    const until = prepareSeries(ts, vs, xlstm(), { ...opts, span: { until: ts[5999] + 10 * min5 } });
    expect([until.request.horizon, until.outputTimes]).toEqual([4, r.timestamps]);
    expect(finishSeries(until, grid, [0.1, 0.5, 0.9], [0.5], 'value').quantiles.map((q) => q[0])).toEqual(median);
    const at = prepareSeries(ts, vs, xlstm(), { ...opts, span: { at: [ts[5999] + 4 * min5] } });
    expect(finishSeries(at, grid.slice(0, at.request.horizon), [0.1, 0.5, 0.9], [0.5], 'value').quantiles[0][0]).toBeCloseTo(110, 9);
  });

  it('keeps the series grid without coarsen, for the ssm family, and when the context holds 8 seasons', () => {
    expect(prepareSeries(ts, vs, xlstm(), { ...opts, coarsen: false }).coarsening).toBe(1);
    expect(prepareSeries(ts, vs, xlstm({ family: 'ssm' }), opts).coarsening).toBe(1);
    expect(prepareSeries(ts, vs, xlstm({ contextLength: 4096 }), opts).coarsening).toBe(1);
    const plain = prepareSeries(ts, vs, xlstm(), { ...opts, coarsen: false });
    expect(plain.metadataBase.coarsening).toBeNull();
    expect(
      finishSeries(
        plain,
        Array.from({ length: 10 }, () => [1, 2, 3]),
        [0.1, 0.5, 0.9],
        [0.5],
        'value',
      ).metadata.modelGrid.coarsening,
    ).toBeNull();
  });
});

describe('padToContext (xlstm heads fine-tuned before contextPadding)', () => {
  it('reaches the xlstm request only when asked', () => {
    const ts = Array.from({ length: 60 }, (_, i) => Date.UTC(2026, 0, 1) + i * 3_600_000);
    const vs = ts.map((_, i) => 10 + (i % 24));
    const x: ManifestEntry = { ...baselineEntry('naive', [0.5]), family: 'xlstm', contextLength: 1024, patchSize: 32 };
    const o = { span: { horizon: 4 }, frequency: '1h', quantiles: [0.5] };
    expect(prepareSeries(ts, vs, x, { ...o, padToContext: true }).request.padToContext).toBe(true);
    expect(prepareSeries(ts, vs, x, o).request.padToContext).toBeUndefined();
    expect(prepareSeries(ts, vs, { ...x, family: 'ssm' }, { ...o, padToContext: true }).request.padToContext).toBeUndefined();
  });
});

describe('ssm scale factor', () => {
  it('ssmScalePeriod: the manifest map first, else the season itself', () => {
    const map = { 2: 4 };
    expect(ssmScalePeriod(2, map)).toBe(4);
    expect([1, 3, 4, 5, 6, 7, 10, 24, 144, 288].map((m) => ssmScalePeriod(m, map))).toEqual([1, 3, 4, 5, 6, 7, 10, 24, 144, 288]);
    expect([2, 3, 5].map((m) => ssmScalePeriod(m, { 3: 6, 5: 10 }))).toEqual([2, 6, 10]);
    expect(ssmScalePeriod(2)).toBe(2);
    expect(ssmScalePeriod(0)).toBe(1);
  });

  it("a 12-hourly series with its daily season (m = 2) gets s = 24 / 4 from the model's map; its metadata keeps the season 2", () => {
    const h12 = 43_200_000;
    const ts = Array.from({ length: 400 }, (_, i) => Date.UTC(2026, 0, 1) + i * h12);
    const vs = ts.map((_, i) => 10 + 3 * (i % 2));
    const ssm: ManifestEntry = { ...baselineEntry('naive', [0.5]), family: 'ssm', contextLength: 2048, scalePeriods: { 2: 4 } };
    const p = prepareSeries(ts, vs, ssm, { span: { horizon: 4 }, frequency: '12h', quantiles: [0.5] });
    expect([p.request.scaleFactor, p.metadataBase.seasonalPeriod]).toEqual([6, 2]);
    const hourly = prepareSeries(
      ts.map((_, i) => Date.UTC(2026, 0, 1) + i * 3_600_000),
      vs,
      ssm,
      { span: { horizon: 4 }, frequency: '1h', quantiles: [0.5] },
    );
    expect(hourly.request.scaleFactor).toBe(1); // season 24: unchanged
    // A model without the map reads the season as itself: s = 24 / 2.
    const { scalePeriods: _, ...plain } = ssm;
    expect(prepareSeries(ts, vs, plain, { span: { horizon: 4 }, frequency: '12h', quantiles: [0.5] }).request.scaleFactor).toBe(12);
  });
});

describe('metadata.modelInput: the context lengths a forecast read and the lengths they were fed at', () => {
  const hour = 3_600_000;
  const series = (n: number) => {
    const ts = Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 1) + i * hour);
    return { ts, vs: ts.map((_, i) => 10 + (i % 24) + i / 100) };
  };
  const o = { span: { horizon: 4 }, frequency: '1h', quantiles: [0.5] };
  const grid = Array.from({ length: 4 }, () => [1, 2, 3]);
  const xlstm: ManifestEntry = {
    ...baselineEntry('naive', [0.5]),
    family: 'xlstm',
    contextLength: 1024,
    patchSize: 32,
    provenance: {},
    contextPadding: { minPatches: 1 },
  };
  const input = (n: number, e: ManifestEntry, extra = {}) => {
    const { ts, vs } = series(n);
    return finishSeries(prepareSeries(ts, vs, e, { ...o, ...extra }), grid, [0.1, 0.5, 0.9], [0.5], 'value').metadata.modelInput;
  };

  it('xlstm with contextPadding: whole patches (at least minPatches), the window at most; padToContext and no contextPadding: the window', () => {
    expect(input(60, xlstm)).toEqual({ rule: 'whole-patches', contextSteps: [60], fedSteps: [64] });
    expect(input(64, xlstm)).toEqual({ rule: 'whole-patches', contextSteps: [64], fedSteps: [64] });
    expect(input(20, xlstm)).toEqual({ rule: 'whole-patches', contextSteps: [20], fedSteps: [32] });
    expect(input(20, { ...xlstm, contextPadding: { minPatches: 4 } })).toEqual({ rule: 'whole-patches', contextSteps: [20], fedSteps: [128] });
    expect(input(3000, xlstm)).toEqual({ rule: 'whole-patches', contextSteps: [1024], fedSteps: [1024] });
    expect(input(60, xlstm, { padToContext: true })).toEqual({ rule: 'window', contextSteps: [60], fedSteps: [1024] });
    const { contextPadding: _, ...plain } = xlstm;
    expect(input(60, plain)).toEqual({ rule: 'window', contextSteps: [60], fedSteps: [1024] });
  });

  it('ssm: the window of ⌊contextLength / scaleFactor⌋ steps; with context selection, one entry per chosen context', () => {
    const ssm: ManifestEntry = { ...xlstm, family: 'ssm', contextLength: 2048, contextPadding: undefined };
    // Hourly, season 24: s = 1, the whole 2,048 steps; a 12-hourly series (season 2) at s = 24 / 2 = 12: ⌊2048 / 12⌋ = 170.
    expect(input(300, ssm)).toEqual({ rule: 'window', contextSteps: [300], fedSteps: [2048] });
    const ts = Array.from({ length: 400 }, (_, i) => Date.UTC(2026, 0, 1) + i * 43_200_000);
    const p = prepareSeries(
      ts,
      ts.map((_, i) => 10 + 3 * (i % 2)),
      ssm,
      { ...o, frequency: '12h' },
    );
    expect(p.request.scaleFactor).toBe(12);
    const sel = { candidates: [128, 256, 400], validationSteps: 4, validationWindows: 1, scores: [3, 1, 2], chosen: [256, 400] };
    expect(finishSeries(p, grid, [0.1, 0.5, 0.9], [0.5], 'value', sel).metadata.modelInput).toEqual({
      rule: 'window',
      contextSteps: [256, 400],
      fedSteps: [170, 170],
    });
    expect(modelInputOf(p, null)).toEqual({ rule: 'window', contextSteps: [400], fedSteps: [170] });
  });

  it('a backtest baseline has none', () => {
    expect(input(60, baselineEntry('naive', [0.5]))).toBeNull();
  });
});
