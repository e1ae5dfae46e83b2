import { describe, expect, it } from 'vitest';
import { alignCovariate } from './covariate-align';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const grid = (n: number, step = H, t0 = T0) => Array.from({ length: n }, (_, i) => t0 + i * step);

describe('alignCovariate', () => {
  it('keeps values already on the grid (exact)', () => {
    const g = grid(4);
    const r = alignCovariate('x', g, [1, 2, 3, 4], g);
    expect(r.alignment.rule).toBe('exact');
    expect([...r.values]).toEqual([1, 2, 3, 4]);
    expect(r.alignment.missing).toBe(0);
  });

  it('interpolates an irregular numeric covariate linearly at the grid points, never extrapolating', () => {
    const g = grid(5);
    // observations at 0:20, 1:50 and 3:20
    const ts = [T0 + H / 3, T0 + 1.833333333 * H, T0 + (10 / 3) * H];
    const r = alignCovariate('temp', ts, [10, 19, 10], g);
    expect(r.alignment.rule).toBe('linear');
    expect(Number.isNaN(r.values[0])).toBe(true);
    expect(r.values[1]).toBeCloseTo(10 + (9 * (2 / 3)) / 1.5, 4);
    expect(r.values[2]).toBeCloseTo(19 - (9 * (1 / 6)) / 1.5, 4);
    expect(r.values[3]).toBeCloseTo(19 - (9 * (7 / 6)) / 1.5, 4);
    expect(Number.isNaN(r.values[4])).toBe(true);
    expect(r.alignment.missing).toBe(2);
    expect(r.alignment.firstMissing).toBe(g[0]);
  });

  it('averages a finer numeric covariate over each right-labelled cell, weighted by time', () => {
    const g = grid(3, H, T0 + H);
    // every 15 minutes, values 0..11 from 0:15 to 3:00 (a reading stands for the 15 minutes before it)
    const ts = Array.from({ length: 12 }, (_, i) => T0 + (i + 1) * (H / 4));
    const r = alignCovariate(
      'load',
      ts,
      ts.map((_, i) => i),
      g,
    );
    expect(r.alignment.rule).toBe('time-weighted-mean');
    // cell (1:00, 2:00]: readings at 1:15..2:00 = 4..7; the first cell (0:00, 1:00] has 0..3
    expect([...r.values]).toEqual([1.5, 5.5, 9.5]);
  });

  it('weights irregular readings by the time they stand for', () => {
    const g = [T0, T0 + H];
    // (0:00, 0:10] = 1, (0:10, 1:00] = 7: the mean over the hour is (10 * 1 + 50 * 7) / 60
    const r = alignCovariate('x', [T0, T0 + H / 6, T0 + H], [5, 1, 7], g, { rule: 'time-weighted-mean', maxGapMs: H });
    expect(r.values[1]).toBeCloseTo((10 * 1 + 50 * 7) / 60, 9);
  });

  it('takes the max of a finer flag within the cell, and holds a coarser flag over its step', () => {
    const day = 24 * H;
    const g = grid(3, day);
    const half = Array.from({ length: 144 }, (_, i) => T0 - day + (i + 1) * (H / 2));
    const flags = half.map((t) => (t === T0 + 13 * H ? 1 : 0));
    const r = alignCovariate('promo', half, flags, g, { kind: 'flag' });
    expect(r.alignment.rule).toBe('max');
    expect([...r.values]).toEqual([0, 1, 0]);

    const hg = grid(72, H / 2, T0 + day);
    const daily = alignCovariate('holiday', [T0, T0 + day, T0 + 2 * day], [0, 1, 0], hg, { kind: 'flag' });
    expect(daily.alignment.rule).toBe('hold');
    expect([...daily.values].slice(0, 48).every((v) => v === 1)).toBe(true);
    expect([...daily.values].slice(48).every((v) => v === 0)).toBe(true);
    expect(daily.alignment.missing).toBe(0);
  });

  it('leaves gaps longer than maxGapMs missing and names the first missing grid time', () => {
    const g = grid(10);
    const r = alignCovariate('x', [g[0], g[1], g[8], g[9]], [1, 1, 2, 2], g, { rule: 'linear', maxGapMs: 2 * H });
    expect(r.alignment.missing).toBe(6);
    expect(r.alignment.firstMissing).toBe(g[2]);
  });

  it('ignores null and NaN readings and lets a later duplicate timestamp win', () => {
    const g = grid(3);
    const r = alignCovariate('x', [g[0], g[1], g[1], g[2], g[2]], [1, 5, 2, null, 3], g);
    expect([...r.values]).toEqual([1, 2, 3]);
    expect(r.alignment.sourcePoints).toBe(3);
  });
});
