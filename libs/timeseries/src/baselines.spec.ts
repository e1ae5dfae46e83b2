import { describe, expect, it } from 'vitest';
import { naive, seasonalNaive } from './baselines';

describe('naive baselines', () => {
  it('seasonal naive repeats the last season, skipping missing values by whole seasons', () => {
    expect(Array.from(seasonalNaive([1, 2, 3, 4, 5, 6, 7], 5, 3))).toEqual([5, 6, 7, 5, 6]);
    expect(Array.from(seasonalNaive([1, 2, 3, 4, NaN, 6, 7], 5, 3))).toEqual([2, 6, 7, 2, 6]);
    expect(Array.from(seasonalNaive([1, 2], 2, 3))).toEqual([NaN, 1]); // phase 0 has no value yet
    expect(() => seasonalNaive([1], 1, 0)).toThrow(/positive integer/);
  });

  it('naive repeats the last finite value', () => {
    expect(Array.from(naive([1, 2, NaN], 2))).toEqual([2, 2]);
    expect(Array.from(naive([null, null], 1))).toEqual([NaN]);
  });
});
