import { describe, expect, it } from 'vitest';
import { normalQuantile } from '#timeseries';
import { loadDataset } from '../../../timeseries/src/testing/fixture-data';
import { AutoConfig, FoundationRequest, autoForecast, statisticalForecast, validationCutoffs } from './auto';
import { inverseLossWeights, meanQuantileLoss, vincentize } from './combine';

const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

function rng(seed: number): () => number {
  let s = seed;
  // Box–Muller over a Park–Miller generator: reproducible N(0,1) draws
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function empiricalQuantiles(draws: number[], levels: readonly number[]): number[] {
  const s = [...draws].sort((a, b) => a - b);
  return levels.map((q) => s[Math.min(s.length - 1, Math.floor(q * s.length))]);
}

describe('quantile combination (Vincentization)', () => {
  it('averaging the quantile functions of N(-1,1) and N(1,1) gives N(0,1), not the wider mixture', () => {
    const a = [LEVELS.map((q) => -1 + normalQuantile(q))];
    const b = [LEVELS.map((q) => 1 + normalQuantile(q))];
    vincentize([a, b], [1, 1])[0].forEach((v, j) => expect(v).toBeCloseTo(normalQuantile(LEVELS[j]), 12));
  });

  it('calibrated on N(0,1): candidates estimated from 3 independent samples of 300 draws, combined 10/90 % cover 0.78-0.82 of fresh draws; monotone', () => {
    const draw = rng(7);
    const cands = [0, 1, 2].map(() => [empiricalQuantiles(Array.from({ length: 300 }, draw), LEVELS)]);
    const q = vincentize(cands, inverseLossWeights([0.3, 0.2, 0.25], 3))[0];
    for (let j = 1; j < q.length; j++) expect(q[j]).toBeGreaterThanOrEqual(q[j - 1]);
    const fresh = Array.from({ length: 100_000 }, draw);
    const cover = fresh.filter((x) => x >= q[0] && x <= q[8]).length / fresh.length;
    expect(cover).toBeGreaterThan(0.78);
    expect(cover).toBeLessThan(0.82);
  });

  it('unsorted candidate rows are sorted before averaging: the result is monotone', () => {
    const q = vincentize([[[3, 1, 2]], [[0, 5, 4]]], [0.5, 0.5])[0];
    expect(q).toEqual([0.5, 3, 4]); // [1, 2, 3] and [0, 4, 5] averaged
  });

  it('inverse-loss weights keep the top T, sum to 1; a zero loss takes everything; NaN losses are out', () => {
    expect(inverseLossWeights([1, 2, 4, NaN], 2)).toEqual([2 / 3, 1 / 3, 0, 0]);
    expect(inverseLossWeights([0.5, 0, 1], 3)).toEqual([0, 1, 0]);
    expect(inverseLossWeights([NaN, NaN], 2)).toEqual([0, 0]);
  });

  it('mean quantile loss: 2 × pinball averaged over levels and finite actuals', () => {
    expect(
      meanQuantileLoss(
        [1, NaN],
        [
          [0, 1, 2],
          [9, 9, 9],
        ],
        [0.1, 0.5, 0.9],
      ),
    ).toBeCloseTo((2 * (0.1 * 1 + 0 + 0.1 * 1)) / 3, 12);
  });
});

// Real quarterly series (M3, test/fixtures/data), statistical candidates only: no foundation model is
// injected here (test/models/auto.spec.ts runs auto with the real ones).
const quarterly = [...loadDataset('m3/m3_quarterly.csv').values()].slice(0, 8).map((s) => Array.from(s.values));
const noFoundation = async (reqs: readonly FoundationRequest[]) => reqs.map(() => ({}));

describe('auto on real series', () => {
  const cfg: AutoConfig = { horizon: 8, m: 4, levels: LEVELS, windows: 2, minHistory: 10, top: 2, shortSeries: ['theta', 'ets'] };

  it('validation cut-offs: the last k horizons that leave minHistory points', () => {
    expect(validationCutoffs(40, cfg)).toEqual([32, 24]);
    expect(validationCutoffs(20, cfg)).toEqual([12]);
    expect(validationCutoffs(17, cfg)).toEqual([]);
  });

  it('metadata: candidates, scores (the validation loss recomputed here), weights of the top 2 summing to 1', async () => {
    const res = await autoForecast(
      quarterly.map((values) => ({ values })),
      cfg,
      noFoundation,
    );
    res.forEach((r, i) => {
      const y = Float64Array.from(quarterly[i]);
      expect(r.metadata.rule).toBe('validated');
      expect(r.metadata.windows).toBe(2);
      expect(r.metadata.candidates).toEqual(['ets', 'theta', 'seasonal_naive']);
      const w = Object.values(r.metadata.weights);
      expect(w.length).toBe(2);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      // the best-scored candidate has the largest weight
      const best = Object.entries(r.metadata.scores).sort((a, b) => a[1]! - b[1]!)[0][0];
      expect(Math.max(...w)).toBe(r.metadata.weights[best]);
      // theta's score: its scaled loss on the two windows, recomputed
      const loss = [y.length - 8, y.length - 16].map((cut) => {
        const train = y.subarray(0, cut);
        let s = 0;
        for (let t = 4; t < cut; t++) s += Math.abs(train[t] - train[t - 4]);
        const rows = statisticalForecast('theta', train, [1, 2, 3, 4, 5, 6, 7, 8], 4, LEVELS)!;
        return meanQuantileLoss(y.subarray(cut, cut + 8), rows, LEVELS) / (s / (cut - 4));
      });
      expect(r.metadata.scores.theta).toBeCloseTo((loss[0] + loss[1]) / 2, 10);
      expect(r.quantiles.length).toBe(8);
      for (const row of r.quantiles) for (let j = 1; j < row.length; j++) expect(row[j]).toBeGreaterThanOrEqual(row[j - 1]);
    });
  });

  it('a series too short to validate follows the short-series rule: equal weights of the named candidates', async () => {
    const y = quarterly[0].slice(0, 16);
    const [r] = await autoForecast([{ values: y }], cfg, noFoundation);
    expect(r.metadata.rule).toBe('short-series');
    expect(r.metadata.windows).toBe(0);
    expect(r.metadata.weights).toEqual({ theta: 0.5, ets: 0.5 });
    expect(Object.values(r.metadata.scores).every((s) => s === null)).toBe(true);
    const theta = statisticalForecast('theta', Float64Array.from(y), [1, 2, 3, 4, 5, 6, 7, 8], 4, LEVELS)!;
    const ets = statisticalForecast('ets', Float64Array.from(y), [1, 2, 3, 4, 5, 6, 7, 8], 4, LEVELS)!;
    r.quantiles.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((theta[i][j] + ets[i][j]) / 2, 9)));
  });

  it('foundation-model requests: one final request per series plus one per validation cut-off, in one batch', async () => {
    const seen: FoundationRequest[][] = [];
    await autoForecast([{ values: quarterly[0] }, { values: quarterly[1].slice(0, 20) }], cfg, async (reqs) => {
      seen.push([...reqs]);
      return reqs.map(() => ({}));
    });
    expect(seen.length).toBe(1);
    const n0 = quarterly[0].length;
    expect(seen[0].map((r) => [r.series, r.cutoff])).toEqual([
      [0, n0],
      [0, n0 - 8],
      [0, n0 - 16],
      [1, 20],
      [1, 12],
    ]);
  });
});
