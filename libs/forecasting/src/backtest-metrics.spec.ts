import { describe, expect, it } from 'vitest';
import { baselineForecast } from './backtest-baselines';
import { intervals, pooledMetrics, relativeMetrics, windowScales } from './backtest-metrics';

describe('backtest metrics', () => {
  it('symmetric intervals from the levels present', () => {
    expect(intervals([0.1, 0.2, 0.5, 0.8, 0.9])).toEqual([
      { name: '80', lo: 0, hi: 4 },
      { name: '60', lo: 1, hi: 3 },
    ]);
    expect(intervals([0.1, 0.5, 0.8])).toEqual([]);
  });

  it('one window: MASE = MAE / in-sample seasonal-naive MAE, RMSSE = sqrt(MSE / its MSE); missing actuals counted', () => {
    const history = [1, 2, 3, 5, 4, 6, 7, 9];
    const { scale1, scale2 } = windowScales(history, 2); // lag-2 differences: 2,3,1,1,3,3 -> MAE 13/6, MSE 33/6
    expect(scale1).toBeCloseTo(13 / 6, 12);
    expect(scale2).toBeCloseTo(33 / 6, 12);
    const m = pooledMetrics([
      {
        actuals: [10, null, 12],
        rows: [
          [8, 9, 10],
          [9, 10, 11],
          [11, 13, 15],
        ],
        levels: [0.1, 0.5, 0.9],
        scale1,
        scale2,
      },
    ]);
    expect(m).toMatchObject({ count: 2, excluded: 1, mae: 1, bias: 0, coverage: { '80': 1 }, width: { '80': 3 } });
    expect(m.mase).toBeCloseTo(1 / (13 / 6), 12);
    expect(m.rmsse).toBeCloseTo(Math.sqrt(1 / (33 / 6)), 12);
  });

  it('pooling weights every pair equally and scales each by its own window', () => {
    const a = { actuals: [10], rows: [[12]], levels: [0.5], scale1: 1, scale2: 1 };
    const b = { actuals: [20], rows: [[16]], levels: [0.5], scale1: 4, scale2: 16 };
    const m = pooledMetrics([a, b]);
    expect(m.mae).toBe(3);
    expect(m.mase).toBe((2 / 1 + 4 / 4) / 2);
    expect(m.rmsse).toBeCloseTo(Math.sqrt((4 / 1 + 16 / 16) / 2), 12);
    expect(m.wape).toBeCloseTo(6 / 30, 12);
  });

  it('undefined values are null; relative to itself is 1, to a zero reference null', () => {
    const m = pooledMetrics([{ actuals: [null, null], rows: [[1], [2]], levels: [0.5], scale1: 1, scale2: 1 }]);
    expect(m).toMatchObject({ count: 0, excluded: 2, mae: null, mase: null, meanWql: null });
    const x = pooledMetrics([{ actuals: [3, 4], rows: [[2], [4]], levels: [0.5], scale1: 1, scale2: 1 }]);
    expect(relativeMetrics(x, x)).toMatchObject({ mae: 1, rmse: 1, mase: 1, wql: { '0.5': 1 } });
    const perfect = pooledMetrics([{ actuals: [3, 4], rows: [[3], [4]], levels: [0.5], scale1: 1, scale2: 1 }]);
    expect(relativeMetrics(x, perfect).mae).toBeNull();
  });
});

describe('baselines', () => {
  it('seasonal naive quantiles widen with whole seasons ahead: sigma * sqrt(floor((h-1)/m) + 1)', () => {
    const history = Float64Array.from({ length: 12 }, (_, i) => [10, 20, 30][i % 3] + (i >= 6 ? 1 : 0));
    const rows = baselineForecast('seasonal_naive', history, 6, 3, [0.1, 0.5, 0.9]);
    expect(rows.map((r) => r[1])).toEqual([11, 21, 31, 11, 21, 31]);
    const w = rows.map((r) => r[2] - r[0]);
    expect(w[1]).toBeCloseTo(w[0], 12);
    expect(w[3] / w[0]).toBeCloseTo(Math.SQRT2, 12);
  });

  it('naive repeats the last value; its sigma grows with sqrt(h)', () => {
    const rows = baselineForecast('naive', Float64Array.from([1, 3, 2, 4, 3]), 4, 1, [0.1, 0.5, 0.9]);
    expect(rows.map((r) => r[1])).toEqual([3, 3, 3, 3]);
    expect((rows[3][2] - rows[3][1]) / (rows[0][2] - rows[0][1])).toBeCloseTo(2, 12);
  });
});
