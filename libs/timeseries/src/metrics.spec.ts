import { describe, expect, it } from 'vitest';
import { seasonalNaive } from './baselines';
import { bias, mae, mape, mase, pairCounts, pointMetrics, rmse, rmsse, seasonalNaiveScale, smape, wape } from './metrics';
import { EVAL_DATA_DIR, loadDataset, loadMeta } from './testing/fixture-data';

describe('point metrics (hand-computed)', () => {
  // valid pairs (1,2) (2,2) (4,3) (0,1); the NaN actual is excluded
  const y = [1, 2, NaN, 4, 0];
  const f = [2, 2, 5, 3, 1];

  it('MAE, RMSE, bias, MAPE, sMAPE, WAPE', () => {
    expect(mae(y, f)).toBe(0.75);
    expect(rmse(y, f)).toBeCloseTo(Math.sqrt(0.75), 15);
    expect(bias(y, f)).toBe(0.25); // forecast minus actual
    expect(mape(y, f)).toBeCloseTo((1 + 0 + 0.25) / 3, 15); // y = 0 left out
    expect(smape(y, f)).toBeCloseTo((2 / 3 + 0 + 2 / 7 + 2) / 4, 15);
    expect(wape(y, f)).toBeCloseTo(3 / 7, 15);
    expect(pairCounts(y, f)).toEqual({ count: 4, excluded: 1 });
    expect(smape([0], [0])).toBe(0);
  });

  it('MASE and RMSSE scale by the in-sample seasonal-naive error, m = 1 when the history is short', () => {
    const history = [1, 3, 2, 4, 3, 5]; // |y_t - y_{t-2}| = 1, 1, 1, 1
    expect(seasonalNaiveScale(history, 2)).toBe(1);
    expect(mase(y, f, history, 2)).toBe(0.75);
    expect(rmsse(y, f, history, 2)).toBeCloseTo(Math.sqrt(0.75), 15);
    expect(seasonalNaiveScale([1, 3], 4)).toBe(2); // falls back to lag 1
    expect(mase(y, f, [1, 3], 4)).toBe(0.375);
    expect(seasonalNaiveScale([1, NaN, 2, 5], 1)).toBe(3);
    expect(seasonalNaiveScale([1, 7, 1, 7], 2, 2)).toBe(0);
    expect(mase(y, f, [1, 7, 1, 7], 2)).toBeNaN(); // a zero scale makes MASE undefined
  });

  it('pointMetrics bundles them; empty or fully missing input gives NaN', () => {
    expect(pointMetrics(y, f, { history: [1, 3, 2, 4, 3, 5], m: 2 })).toEqual({
      mae: 0.75,
      rmse: Math.sqrt(0.75),
      mape: 1.25 / 3,
      smape: (2 / 3 + 2 / 7 + 2) / 4,
      wape: 3 / 7,
      bias: 0.25,
      mase: 0.75,
      rmsse: Math.sqrt(0.75),
      count: 4,
      excluded: 1,
    });
    expect(mae([NaN, null], [1, 2])).toBeNaN();
    expect(pairCounts([NaN, null], [1, 2])).toEqual({ count: 0, excluded: 2 });
    expect(() => mae([1], [1, 2])).toThrow(/1 actuals but 2 forecasts/);
  });
});

// The published figures are over every series of a set, so this runs on the full data only
// (TSFM_EVAL_DATA); the fixtures hold a few series of each. The metrics themselves are checked above.
describe.runIf(EVAL_DATA_DIR)('M4 benchmarks reproduced on the full data (TSFM_EVAL_DATA)', () => {
  function score(file: string, meta: string, m: number) {
    const info = loadMeta(meta, EVAL_DATA_DIR);
    let s = 0;
    let k = 0;
    let n = 0;
    for (const [id, series] of loadDataset(file, EVAL_DATA_DIR)) {
      const { nTrain, h } = info.get(id)!;
      const train = series.values.slice(0, nTrain);
      const test = series.values.slice(nTrain, nTrain + h);
      const fc = seasonalNaive(train, h, m);
      s += smape(test, fc);
      k += mase(test, fc, train, m);
      n++;
    }
    return { smape: (100 * s) / n, mase: k / n, n };
  }

  it("hourly seasonal naive: sMAPE 13.912, MASE 1.193 (the M4 paper's sNaive)", () => {
    const r = score('m4/m4_hourly.csv', 'm4/m4_hourly_meta.csv', 24);
    expect(r.n).toBe(414);
    expect(r.smape).toBeCloseTo(13.912, 3);
    expect(r.mase).toBeCloseTo(1.193, 3);
  });

  it("weekly naive: sMAPE 9.161, MASE 2.777 (the M4 paper's Naive1)", () => {
    const r = score('m4/m4_weekly.csv', 'm4/m4_weekly_meta.csv', 1);
    expect(r.n).toBe(359);
    expect(r.smape).toBeCloseTo(9.161, 3);
    expect(r.mase).toBeCloseTo(2.777, 3);
  });
});
