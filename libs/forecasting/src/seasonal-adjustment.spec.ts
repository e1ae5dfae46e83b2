import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '#model-runtime';
import type { MultiplicativeAdjustmentInfo, SeasonalAdjustmentInfo } from '#timeseries';
import { baselineEntry } from './backtest-baselines';
import { rng } from './finetune/head-math';
import { finishSeries, prepareSeries } from './pipeline';
import { adjustValues, decompose, logProfile, planSeasonalAdjustment, reseasonalize, seasonalityTest } from './seasonal-adjustment';

const PROFILE = [0.7, 0.8, 1.0, 1.3, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9];
/** PROFILE normalised to a geometric mean of 1 (what the decomposition estimates). */
const NORMALISED = (() => {
  const g = Math.exp(PROFILE.reduce((s, v) => s + Math.log(v), 0) / PROFILE.length);
  return PROFILE.map((v) => v / g);
})();

/** level · growth^t · PROFILE[t mod 12] · noise, t = 0..n-1. */
function multiplicative(n: number, growth = 1.002, noise = 0, seed = 1): Float32Array {
  const u = rng(seed);
  return Float32Array.from({ length: n }, (_, t) => 100 * growth ** t * PROFILE[t % 12] * (1 + noise * (u() - 0.5)));
}

/** The plan, which must be multiplicative. */
function multiplicativeOf(a: SeasonalAdjustmentInfo | null): MultiplicativeAdjustmentInfo {
  expect(a?.kind).toBe('multiplicative');
  return a as MultiplicativeAdjustmentInfo;
}

describe('seasonal adjustment', () => {
  it('seasonalityTest: a season passes, white noise does not, too few observations give null', () => {
    const u = rng(7);
    const seasonal = Float32Array.from({ length: 240 }, (_, t) => Math.sin((2 * Math.PI * t) / 12) + 0.5 * (u() - 0.5));
    const s = seasonalityTest(seasonal, 12)!;
    expect(s.passed).toBe(true);
    expect(s.r).toBeGreaterThan(0.8);
    const noise = Float32Array.from({ length: 240 }, () => u());
    const n = seasonalityTest(noise, 12)!;
    expect(n.passed).toBe(false);
    expect(Math.abs(n.r)).toBeLessThan(n.bound);
    expect(seasonalityTest(seasonal.subarray(0, 35), 12)).toBeNull(); // < 3 seasons
    // Missing values: pairs with a missing end are skipped, the count is of observed values.
    const gappy = Float32Array.from(seasonal, (v, t) => (t % 5 === 0 ? NaN : v));
    expect(seasonalityTest(gappy, 12)!.passed).toBe(true);
    expect(seasonalityTest(Float32Array.from(gappy.subarray(0, 44)), 12)).toBeNull(); // 35 observed of 44
  });

  it('logProfile recovers an exact multiplicative profile under exponential growth', () => {
    const x = multiplicative(72);
    const p = logProfile(x, 12)!;
    for (let k = 0; k < 12; k++) expect(p[k]).toBeCloseTo(Math.log(NORMALISED[k]), 5);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    // A phase without a single detrended value: no profile.
    expect(
      logProfile(
        Float32Array.from(x, (v, t) => (t % 12 === 3 ? NaN : v)),
        12,
      ),
    ).toBeNull();
  });

  it('planSeasonalAdjustment: the factors of the forecast steps, and the adjusted values are the trend', () => {
    const n = 200; // 200 % 12 = 8: the first forecast step is phase 8 of the profile
    const x = multiplicative(n);
    const a = multiplicativeOf(planSeasonalAdjustment(x, 1024, 12, 6));
    expect(a.kind).toBe('multiplicative');
    expect([a.period, a.cycles]).toEqual([12, 6]);
    for (let t = 0; t < 12; t++) expect(a.factors[t]).toBeCloseTo(NORMALISED[(n + t) % 12], 5);
    expect(a.autocorrelation).toBeGreaterThan(a.threshold);
    const adj = adjustValues(x, a);
    const g = PROFILE[0] / NORMALISED[0]; // the profile's geometric mean
    for (const t of [0, 5, 100, 199]) expect(adj[t] / (100 * 1.002 ** t * g)).toBeCloseTo(1, 5);
    // The forecast of the adjusted series continued, multiplied back: the series itself.
    const future = Array.from({ length: 24 }, (_, t) => [100 * 1.002 ** (n + t) * g]);
    reseasonalize(future, a).forEach((row, t) => expect(row[0] / (100 * 1.002 ** (n + t) * PROFILE[(n + t) % 12])).toBeCloseTo(1, 5));
  });

  it('planSeasonalAdjustment is null without a season, with a non-positive value or too little data', () => {
    const x = multiplicative(200);
    expect(planSeasonalAdjustment(x, 1024, 1, 6)).toBeNull();
    expect(planSeasonalAdjustment(x, 1024, 2.5, 6)).toBeNull();
    expect(
      planSeasonalAdjustment(
        Float32Array.from(x, (v, t) => (t === 50 ? 0 : v)),
        1024,
        12,
        6,
      ),
    ).toBeNull();
    expect(
      planSeasonalAdjustment(
        Float32Array.from(x, (v, t) => (t === 50 ? -v : v)),
        1024,
        12,
        6,
      ),
    ).toBeNull();
    expect(planSeasonalAdjustment(x.subarray(0, 30), 1024, 12, 6)).toBeNull();
    const u = rng(3);
    expect(
      planSeasonalAdjustment(
        Float32Array.from({ length: 200 }, () => 10 + u()),
        1024,
        12,
        6,
      ),
    ).toBeNull();
    // The test reads the context (the last 30 steps here: fewer than 3 seasons), not the whole grid.
    expect(planSeasonalAdjustment(x, 30, 12, 6)).toBeNull();
  });

  it('additive: a season whose swing does not grow with the level is taken out by subtraction when its fit is clearly better', () => {
    // A temperature-like day: a ±15 swing on a level that wanders from day to day (the weather), plus
    // noise; positive throughout. A multiplicative profile would scale the swing with the level.
    const u = rng(11);
    const m = 24;
    const n = 24 * 20 + 5; // the first forecast step is phase 5
    const wave = (t: number) => 15 * Math.sin((2 * Math.PI * t) / m) + 5 * Math.cos((4 * Math.PI * t) / m);
    const levels: number[] = [];
    let level = 30;
    const x = Float32Array.from({ length: n }, (_, t) => {
      level += 0.4 * (u() - 0.5);
      levels.push(level);
      return level + wave(t) + 0.5 * (u() - 0.5);
    });
    expect(Math.min(...x)).toBeGreaterThan(0);
    const a = planSeasonalAdjustment(x, 1024, m, 6, 0.7)!;
    expect(a.kind).toBe('additive');
    if (a.kind !== 'additive') return;
    expect(a.residualRatio!).toBeLessThan(0.7);
    expect(a.autocorrelation).toBeGreaterThan(a.threshold);
    // The offsets are the wave at the forecast steps' phases (its mean over a day is 0).
    for (let t = 0; t < m; t++) expect(a.offsets[t]).toBeCloseTo(wave(n + t), 0);
    expect(a.offsets).toHaveLength(m);
    // The adjusted values are the level and drift (within the noise), and the season comes back by addition.
    const adj = adjustValues(x, a);
    for (const t of [200, 300, n - 1]) expect(Math.abs(adj[t] - levels[t])).toBeLessThan(1.5);
    const q = Array.from({ length: m }, () => [20, 30, 40]);
    reseasonalize(q, a).forEach((row, t) => {
      expect(row).toEqual([20 + a.offsets[t], 30 + a.offsets[t], 40 + a.offsets[t]]);
    });
    // The quantiles' spread is kept (a multiplicative profile would scale it by its factor, 0.08–2.0 here).
    const mult = multiplicativeOf(planSeasonalAdjustment(x, 1024, m, 6));
    expect(Math.max(...mult.factors) / Math.min(...mult.factors)).toBeGreaterThan(5);
    // Without `additive`, or with a bound the ratio does not reach: multiplicative, the ratio recorded only with `additive`.
    expect(mult.residualRatio).toBeUndefined();
    const kept = multiplicativeOf(planSeasonalAdjustment(x, 1024, m, 6, a.residualRatio! * 0.99));
    expect(kept.residualRatio).toBe(a.residualRatio);
    expect(kept.factors).toEqual(mult.factors);
  });

  it('additive: a season that scales with the level stays multiplicative; non-positive series stay unadjusted', () => {
    const x = multiplicative(200, 1.01, 0.02);
    const a = multiplicativeOf(planSeasonalAdjustment(x, 1024, 12, 6, 1));
    expect(a.residualRatio!).toBeGreaterThan(1);
    expect(a.factors).toEqual(multiplicativeOf(planSeasonalAdjustment(x, 1024, 12, 6)).factors);
    expect(
      planSeasonalAdjustment(
        Float32Array.from(x, (v, t) => (t === 50 ? 0 : v)),
        1024,
        12,
        6,
        1,
      ),
    ).toBeNull();
  });

  it("decompose: the residual sum of squares is zero for an exact decomposition of either kind, in the series' units", () => {
    // A linear trend plus an additive season, and an exponential trend times a multiplicative one: each
    // decomposition is exact on its own kind and not on the other.
    const add = Float32Array.from({ length: 48 }, (_, t) => 10 + 0.5 * t + [1, -1, 2, -2][t % 4]);
    const mul = Float32Array.from({ length: 48 }, (_, t) => 10 * 1.05 ** t * [1.1, 0.9, 1.2, 1 / (1.1 * 0.9 * 1.2)][t % 4]);
    const ss = (x: Float32Array, multiplicative: boolean) => decompose(x, 4, multiplicative)!.residualSS;
    expect(ss(add, false)).toBeLessThan(1e-6);
    expect(ss(mul, true)).toBeLessThan(1e-6);
    expect(ss(add, true)).toBeGreaterThan(0.1);
    expect(ss(mul, false)).toBeGreaterThan(0.1);
  });

  it('reseasonalize keeps the quantiles in order and leaves them alone without an adjustment', () => {
    const a = multiplicativeOf(planSeasonalAdjustment(multiplicative(120, 1.0, 0.05), 1024, 12, 6));
    const q = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ];
    expect(reseasonalize(q, null)).toBe(q);
    const r = reseasonalize(q, a);
    r.forEach((row, t) => {
      expect(row[0]).toBeLessThan(row[1]);
      expect(row[1]).toBeCloseTo(q[t][1] * a.factors[t], 9);
    });
  });
});

describe('prepareSeries / finishSeries with a seasonal adjustment', () => {
  const month = (i: number) => Date.UTC(2010, i, 1);
  const n = 150;
  const ts = Array.from({ length: n }, (_, i) => month(i));
  const vs = Array.from(multiplicative(n, 1.003, 0.02, 9));
  const levels = [0.1, 0.5, 0.9];
  const entry = (over: Partial<ManifestEntry> = {}): ManifestEntry => ({ ...baselineEntry('naive', levels), family: 'xlstm', contextLength: 1024, ...over });
  const opts = { span: { horizon: 12 }, frequency: 'MS', quantiles: levels };

  it('catalog forecasts of a model with the manifest field read the adjusted context, and the forecast is multiplied back', () => {
    const e = entry({ seasonalAdjustment: { cycles: 6 } });
    const p = prepareSeries(ts, vs, e, { ...opts, adjustSeasons: true });
    const a = multiplicativeOf(p.seasonalAdjustment);
    expect(a.period).toBe(12);
    expect(p.metadataBase.seasonalAdjustment).toBe(a);
    // The adjusted context has (almost) no season left: its lag-12 autocorrelation drops below the raw one's,
    // and each value is the raw one divided by its phase's factor.
    const raw = prepareSeries(ts, vs, e, opts);
    expect(raw.seasonalAdjustment).toBeNull();
    const last = raw.request.context.length - 1;
    expect(p.request.context[last]).toBeCloseTo(raw.request.context[last] / a.factors[11], 3);
    expect(p.request.context[last - 5]).toBeCloseTo(raw.request.context[last - 5] / a.factors[6], 3);
    // A flat forecast of the adjusted series comes back with the season of the steps it forecasts.
    const flat = Array.from({ length: 12 }, () => [90, 100, 110]);
    const r = finishSeries(p, flat, levels, levels, 'value');
    r.quantiles.forEach((row, t) => expect(row[1]).toBeCloseTo(100 * a.factors[t], 6));
    // Forecast step t is calendar month (n + t) mod 12 of the series' profile.
    for (let t = 0; t < 12; t++) expect(a.factors[t] / a.factors[0]).toBeCloseTo(PROFILE[(n + t) % 12] / PROFILE[n % 12], 1);
    expect(r.metadata.seasonalAdjustment).toEqual(a);
    expect(finishSeries(raw, flat, levels, levels, 'value').metadata.seasonalAdjustment).toBeNull();
  });

  it('is off without adjustSeasons (fine-tuned heads) and without the manifest field', () => {
    expect(prepareSeries(ts, vs, entry({ seasonalAdjustment: { cycles: 6 } }), { ...opts, adjustSeasons: false }).seasonalAdjustment).toBeNull();
    expect(prepareSeries(ts, vs, entry(), { ...opts, adjustSeasons: true }).seasonalAdjustment).toBeNull();
  });

  it('uses the season of the grid the model reads: 5-minute data on the xlstm 15-minute grid, period 96', () => {
    const min5 = 300_000;
    const t5 = Array.from({ length: 12 * 288 }, (_, i) => Date.UTC(2026, 0, 1) + i * min5);
    const v5 = t5.map((_, i) => 20 + 8 * Math.sin((2 * Math.PI * i) / 288));
    const e = entry({ seasons: [4, 7, 12, 24, 48, 52, 96, 168, 288], seasonalAdjustment: { cycles: 6 }, maxHorizon: 1024 });
    const p = prepareSeries(t5, v5, e, { span: { horizon: 288 }, frequency: '5min', quantiles: levels, coarsen: true, adjustSeasons: true });
    expect(p.coarsening).toBe(3);
    expect(p.seasonalAdjustment!.period).toBe(96);
    expect(multiplicativeOf(p.seasonalAdjustment).factors).toHaveLength(96);
  });
});
