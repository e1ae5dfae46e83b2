import { describe, expect, it } from 'vitest';
import { wape } from './metrics';
import { intervalScore, pinball, quantileLoss } from './quantile-metrics';

describe('quantile metrics (hand-computed)', () => {
  it('pinball loss', () => {
    expect(pinball(10, 8, 0.1)).toBeCloseTo(0.2, 15);
    expect(pinball(10, 13, 0.9)).toBeCloseTo(0.3, 15);
    expect(pinball(20, 22, 0.5)).toBe(1);
  });

  it('pinball per level, WQL = 2·Σpinball/Σ|y| and its mean; a missing actual is excluded', () => {
    const y = [10, 20, NaN];
    const rows = [
      [8, 10, 13],
      [15, 22, 30],
      [1, 2, 3],
    ];
    const r = quantileLoss(y, rows, [0.1, 0.5, 0.9]);
    // sums over t: 0.1 -> 0.2 + 0.5; 0.5 -> 0 + 1; 0.9 -> 0.3 + 1
    r.pinball.forEach((v, k) => expect(v).toBeCloseTo([0.35, 0.5, 0.65][k], 15));
    r.wql.forEach((v, k) => expect(v).toBeCloseTo([1.4 / 30, 2 / 30, 2.6 / 30][k], 15));
    expect(r.meanWql).toBeCloseTo(2 / 30, 15);
    expect([r.count, r.excluded]).toEqual([2, 1]);
    // at the median, WQL equals the WAPE of the median forecast
    expect(r.wql[1]).toBeCloseTo(wape([10, 20], [10, 22]), 15);
  });

  it('skips steps with a missing quantile and rejects bad levels', () => {
    expect(quantileLoss([1, 2], [[1], [NaN]], [0.5])).toMatchObject({ count: 1, excluded: 1, pinball: [0] });
    expect(() => quantileLoss([1], [[1]], [1])).toThrow(/not in \(0, 1\)/);
    expect(() => quantileLoss([1, 2], [[1]], [0.5])).toThrow(/2 actuals but 1/);
  });

  it('interval coverage and mean width', () => {
    const r = intervalScore([10, 20, 30, NaN], [8, 21, 25, 0], [12, 25, 30, 1]);
    expect(r.coverage).toBeCloseTo(2 / 3, 15);
    expect(r.meanWidth).toBeCloseTo(13 / 3, 15);
    expect([r.count, r.excluded]).toEqual([3, 1]);
  });
});
