import { describe, expect, it } from 'vitest';
import { OutputMapError, mapForecast } from './output-map';

const grid = [10, 20, 30];
const q = [
  [1, 2, 3],
  [2, 4, 6],
  [3, 6, 9],
];

describe('mapForecast', () => {
  it('copies grid hits and interpolates between steps, from the last observation before the first', () => {
    const m = mapForecast(grid, q, [20, 25, 5], { t: 0, value: 0 });
    expect(m.values).toEqual([[2, 4, 6], [2.5, 5, 7.5], [0.5, 1, 1.5]]);
    expect(m.how).toEqual(['exact', 'interpolated', 'interpolated']);
  });

  it('keeps quantiles monotone after interpolation', () => {
    const m = mapForecast([10, 20], [[0, 1, 2], [10, 0.5, 11]], [15], { t: 0, value: 0 });
    const v = m.values[0];
    expect([...v]).toEqual([...v].sort((a, b) => a - b));
  });

  it('refuses points beyond the horizon or not in the future', () => {
    expect(() => mapForecast(grid, q, [31], { t: 0, value: 0 })).toThrow(OutputMapError);
    expect(() => mapForecast(grid, q, [0], { t: 0, value: 0 })).toThrow(/not after/);
  });
});
