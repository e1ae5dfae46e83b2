import { describe, expect, it } from 'vitest';
import { parseFrequency } from './frequency';
import { futureGrid, horizonToCover } from './grid';
import { OutputMapError, mapForecast } from './output-map';

const H = 3_600_000;
const grid = [10, 20, 30];
const q = [
  [1, 2, 3],
  [2, 4, 6],
  [3, 6, 9],
];

describe('mapForecast', () => {
  it('copies grid hits and interpolates between steps, from the anchor value before the first', () => {
    const m = mapForecast(grid, q, [20, 25, 5, 30], { t: 0, value: 0 });
    expect(m.values).toEqual([
      [2, 4, 6],
      [2.5, 5, 7.5],
      [0.5, 1, 1.5],
      [3, 6, 9],
    ]);
    expect(m.how).toEqual(['exact', 'interpolated', 'interpolated', 'exact']);
    expect(m.counts).toEqual({ exact: 2, interpolated: 2 });
    expect(m.timestamps).toEqual([20, 25, 5, 30]);
  });

  it('interpolates from the anchor with a quarter weight', () => {
    const m = mapForecast([4], [[8, 10, 12]], [1], { t: 0, value: 4 });
    expect(m.values[0]).toEqual([5, 5.5, 6]);
  });

  it('keeps quantiles monotone after interpolating crossing rows; exact rows are copied as given', () => {
    const rows = [
      [0, 1, 2],
      [10, 0.5, 11],
    ];
    const m = mapForecast([10, 20], rows, [15, 20]);
    expect(m.values[0]).toEqual([0.75, 5, 6.5]);
    expect(m.values[1]).toEqual([10, 0.5, 11]);
  });

  it('maps hourly-grid quantiles onto half-hour and calendar-odd requests', () => {
    const last = Date.UTC(2024, 0, 1, 23);
    const f = parseFrequency('1h');
    const requested = [last + 30 * 60_000, last + 2 * H, last + 2.75 * H];
    const h = horizonToCover(last, f, requested);
    expect(h).toBe(3);
    const steps = futureGrid(last, f, h);
    const rows = steps.map((_, i) => [10 * i, 10 * i + 5]);
    const m = mapForecast(steps, rows, requested, { t: last, value: -10 });
    expect(m.values).toEqual([
      [-5, -2.5],
      [10, 15],
      [17.5, 22.5],
    ]);
    expect(m.how).toEqual(['interpolated', 'exact', 'interpolated']);
  });

  it('refuses points beyond the horizon, not in the future, or before the first step without a value', () => {
    expect(() => mapForecast(grid, q, [10, 31], { t: 0, value: 0 })).toThrow(
      expect.objectContaining({ code: 'TIMESTAMP_BEYOND_HORIZON', details: expect.objectContaining({ index: 1 }) }),
    );
    expect(() => mapForecast(grid, q, [0], { t: 0, value: 0 })).toThrow(expect.objectContaining({ code: 'TIMESTAMP_NOT_IN_FUTURE' }));
    expect(() => mapForecast(grid, q, [5], { t: 0 })).toThrow(/no last observed value/);
    expect(() => mapForecast(grid, q, [5])).toThrow(OutputMapError);
    expect(() => mapForecast(grid, q, [NaN])).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP' }));
    expect(() => mapForecast(grid, q.slice(1), [10])).toThrow(/3 forecast steps but 2/);
  });
});
