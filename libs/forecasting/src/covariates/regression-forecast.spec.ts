import { describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { quantileLoss, seasonalNaive } from '#timeseries';
import { CovariateSeries, GridForecaster, forecastWithCovariates, planCovariates } from './regression-forecast';
import { fitRidge } from './ridge';

const LEVELS = [0.1, 0.5, 0.9];
const H = 24;
const M = 24;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Seasonal naive with quantiles from the spread of its in-sample one-season errors: a real baseline forecaster. */
const snaive: GridForecaster = async (series, horizon) =>
  series.map((s) => {
    const y = Float64Array.from(s.values, (v) => v ?? NaN);
    const errs = Array.from(y.subarray(M), (v, i) => v - y[i]).filter(Number.isFinite);
    const sd = Math.sqrt(errs.reduce((a, e) => a + e * e, 0) / errs.length);
    return Array.from(seasonalNaive(y, horizon, M), (v) => LEVELS.map((q) => v + sd * (q === 0.5 ? 0 : q < 0.5 ? -1.2816 : 1.2816)));
  });

/** y = 3·x + daily cycle + noise, x a smooth temperature-like signal; n history + H horizon steps. */
function synthetic(n: number, seed: number, beta = 3): { t: number[]; x: Float64Array; y: Float64Array } {
  const r = rng(seed);
  const total = n + H;
  const x = new Float64Array(total);
  for (let i = 0; i < total; i++) x[i] = 20 + 5 * Math.sin((2 * Math.PI * i) / 173) + 3 * Math.sin((2 * Math.PI * i) / 61) + gauss(r);
  const y = Float64Array.from(x, (v, i) => 100 + beta * v + 10 * Math.sin((2 * Math.PI * i) / M) + gauss(r));
  return { t: Array.from({ length: total }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000), x, y };
}

function series(d: ReturnType<typeof synthetic>, n: number, covariates: CovariateSeries['covariates']): CovariateSeries {
  return { timestamps: d.t, history: Array.from(d.y.subarray(0, n)), horizon: H, season: M, covariates };
}

describe('fitRidge', () => {
  it('recovers a known coefficient within 5 % (y = 3x + seasonal + noise)', () => {
    const d = synthetic(1000, 1);
    const fit = fitRidge([d.x.subarray(0, 1000)], d.y.subarray(0, 1000));
    expect(fit.coef[0]).toBeGreaterThan(3 * 0.95);
    expect(fit.coef[0]).toBeLessThan(3 * 1.05);
    expect(fit.intercept).toBeCloseTo(100, -1);
  });

  it('splits an effect between collinear duplicates instead of blowing up', () => {
    const d = synthetic(1000, 2);
    const x = d.x.subarray(0, 1000);
    const fit = fitRidge([x, Float64Array.from(x), Float64Array.from(x, (v) => 2 * v + 1)], d.y.subarray(0, 1000));
    // 3·x spread over x, x and 2x+1: the total effect per unit of x stays 3
    const total = fit.coef[0] + fit.coef[1] + 2 * fit.coef[2];
    expect(total).toBeGreaterThan(2.85);
    expect(total).toBeLessThan(3.15);
    for (const c of fit.coef) expect(Math.abs(c)).toBeLessThan(3);
  });

  it('gives a constant covariate a zero coefficient', () => {
    const d = synthetic(300, 3);
    const fit = fitRidge([d.x.subarray(0, 300), new Float64Array(300).fill(7)], d.y.subarray(0, 300));
    expect(fit.coef[1]).toBe(0);
    expect(fit.coef[0]).toBeGreaterThan(2.8);
  });
});

describe('forecastWithCovariates', () => {
  it('uses an informative future covariate and reports its effect', async () => {
    const n = 1000;
    const d = synthetic(n, 4);
    const s = series(d, n, [{ name: 'temperature', role: 'future', values: d.x }]);
    const [withCov] = await forecastWithCovariates([s], snaive);
    const [without] = await forecastWithCovariates([{ ...s, covariates: [] }], snaive);
    expect(withCov.metadata.used).toBe(true);
    expect(withCov.metadata.effects[0].name).toBe('temperature');
    expect(withCov.metadata.effects[0].coefficient).toBeGreaterThan(2.85);
    expect(withCov.metadata.effects[0].coefficient).toBeLessThan(3.15);
    const actual = d.y.subarray(n);
    const a = quantileLoss(actual, withCov.quantiles, LEVELS).meanWql;
    const b = quantileLoss(actual, without.quantiles, LEVELS).meanWql;
    expect(a).toBeLessThan(0.7 * b);
  });

  it('random-walk covariates change the forecast by at most 2 % WQL', async () => {
    const n = 1000;
    for (const seed of [5, 6, 7, 8]) {
      const d = synthetic(n, seed, 0);
      const r = rng(seed * 31);
      const walks = [0, 1, 2].map(() => {
        const w = new Float64Array(n + H);
        for (let i = 1; i < w.length; i++) w[i] = w[i - 1] + gauss(r);
        return w;
      });
      const s = series(
        d,
        n,
        walks.map((w, k) => ({ name: `walk${k}`, role: 'future' as const, values: w })),
      );
      const [withCov] = await forecastWithCovariates([s], snaive);
      const [without] = await forecastWithCovariates([{ ...s, covariates: [] }], snaive);
      const actual = d.y.subarray(n);
      const a = quantileLoss(actual, withCov.quantiles, LEVELS).meanWql;
      const b = quantileLoss(actual, without.quantiles, LEVELS).meanWql;
      expect(a).toBeLessThanOrEqual(1.02 * b);
    }
  });

  it('lags past covariates by the horizon so the horizon reads only values before the origin', () => {
    const n = 500;
    const d = synthetic(n, 9);
    // y follows x H steps later: a past covariate with a lag of exactly the horizon
    const y = Float64Array.from(d.x, (_, i) => (i >= H ? 50 + 4 * d.x[i - H] : NaN));
    const past = Float64Array.from(d.x, (v, i) => (i < n ? v : NaN));
    const plan = planCovariates({
      timestamps: d.t,
      history: Array.from(y.subarray(0, n), (v) => (Number.isNaN(v) ? null : v)),
      horizon: H,
      season: M,
      covariates: [{ name: 'lead', role: 'past', values: past }],
    });
    expect(plan.metadata.used).toBe(true);
    expect(plan.metadata.effects[0].lag).toBe(H);
    expect(plan.metadata.effects[0].coefficient).toBeCloseTo(4, 1);
    expect(plan.effect!.every(Number.isFinite)).toBe(true);
  });

  it('a missing future value of a covariate is a 422 naming it and the first missing timestamp', () => {
    const n = 200;
    const d = synthetic(n, 10);
    const values = Float64Array.from(d.x);
    values[n + 5] = NaN;
    values[n + 7] = NaN;
    try {
      planCovariates(series(d, n, [{ name: 'price', role: 'future', values }]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).status).toBe(422);
      expect((e as DomainError).code).toBe('COVARIATE_FUTURE_MISSING');
      expect((e as DomainError).details).toEqual({ covariate: 'price', timestamp: new Date(d.t[n + 5]).toISOString() });
    }
  });
});
