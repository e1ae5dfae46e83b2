import { describe, expect, it } from 'vitest';
import { buildGrid } from './grid';
import { chooseMethod, onGridShare, resample, resampleChannels } from './resample';
import { seriesStats } from './stats';
import { loadDataset } from './testing/fixture-data';

const MIN = 60_000;
const H = 3_600_000;

describe('resample on constructed input', () => {
  const ts = [0, 1, 3, 4].map((i) => i * H);
  const vs = [1, 2, 4, NaN];
  const grid = [0, 1, 2, 3, 4].map((i) => i * H);

  it('none keeps gaps as NaN', () => {
    const r = resample(ts, vs, grid, 'none');
    expect(Array.from(r.values)).toEqual([1, 2, NaN, 4, NaN]);
    expect(Array.from(r.observed)).toEqual([1, 1, 0, 1, 0]);
    expect([r.imputedCount, r.missingCount]).toEqual([0, 2]);
  });

  it('linear interpolates inside the observed range only, optionally not across long gaps', () => {
    const r = resample(ts, vs, grid, 'linear');
    expect(Array.from(r.values)).toEqual([1, 2, 3, 4, NaN]);
    expect(Array.from(r.observed)).toEqual([1, 1, 0, 1, 0]);
    expect([r.imputedCount, r.missingCount]).toEqual([1, 1]);
    expect(Array.from(resample([0, 3 * H], [0, 3], [-H, 0, H, 2 * H, 3 * H, 4 * H], 'linear').values)).toEqual([NaN, 0, 1, 2, 3, NaN]);
    expect(resample(ts, vs, grid, 'linear', { maxGapMs: H }).missingCount).toBe(2);
  });

  it('last carries forward within the staleness bound', () => {
    const r = resample(ts, vs, grid, 'last', { maxStalenessMs: H });
    expect(Array.from(r.values)).toEqual([1, 2, 2, 4, 4]);
    expect([r.imputedCount, r.missingCount]).toEqual([2, 0]);
    expect(Array.from(resample(ts, vs, grid, 'last', { maxStalenessMs: 0 }).values)).toEqual([1, 2, NaN, 4, NaN]);
    // off-grid readings inside a cell count as observed for last
    const off = resample([50 * MIN, 110 * MIN], [5, 6], [H, 2 * H, 3 * H], 'last');
    expect([Array.from(off.values), Array.from(off.observed)]).toEqual([
      [5, 6, 6],
      [1, 1, 0],
    ]);
  });

  it('mean aggregates right-labelled cells (previous point, this point]', () => {
    const minute = Array.from({ length: 120 }, (_, i) => i * MIN);
    const r = resample(
      minute,
      minute.map((_, i) => i),
      [59 * MIN, 119 * MIN],
      'mean',
    );
    expect(Array.from(r.values)).toEqual([29.5, 89.5]); // first cell (-1 min, 59 min] holds minutes 0..59
    const gappy = resample([10 * MIN, 70 * MIN, 80 * MIN], [1, 2, 4], [H, 2 * H, 3 * H], 'mean');
    expect([Array.from(gappy.values), Array.from(gappy.observed), gappy.missingCount]).toEqual([[1, 3, NaN], [1, 1, 0], 1]);
  });

  it('accepts null, unsorted input and duplicates', () => {
    const r = resample([3 * H, H, 0, H], [4, 1, 0, null], grid, 'linear');
    expect(Array.from(r.values)).toEqual([0, 1, 2.5, 4, NaN]); // the null at 1h is ignored
    const d = resample([H, 0, H], [2, 0, 4], [0, H], 'none');
    expect(Array.from(d.values)).toEqual([0, 3]); // duplicates averaged
    expect(Array.from(resample([H, 0, H], [2, 0, 4], [0, H], 'last').values)).toEqual([0, 4]); // last given wins
    expect(Array.from(resample([H, H], [2, 4], [H], 'mean').values)).toEqual([3]);
  });

  it('refuses a grid that is not strictly increasing, and mismatched lengths', () => {
    expect(() => resample(ts, vs, [0, 0], 'none')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resample(ts, [1], grid, 'none')).toThrow(/4 timestamps but 1 values/);
  });

  it('resamples channels with their own methods and totals the counts', () => {
    const r = resampleChannels(
      ts,
      [
        { name: 'a', values: vs, method: 'linear' },
        { name: 'b', values: [1, null, 3, 4], method: 'last', maxStalenessMs: H },
      ],
      grid,
    );
    expect(r.method).toEqual({ a: 'linear', b: 'last' });
    expect(Array.from(r.channels.get('b')!.values)).toEqual([1, 1, NaN, 3, 4]); // at 2h the last value is 2h old
    expect([r.imputedCount, r.missingCount]).toEqual([1 + 1, 1 + 1]);
    expect(() =>
      resampleChannels(
        ts,
        [
          { name: 'a', values: vs, method: 'none' },
          { name: 'a', values: vs, method: 'none' },
        ],
        grid,
      ),
    ).toThrow(/twice/);
  });

  it('chooses a default method', () => {
    expect(onGridShare([0, 30 * MIN, H, H], [0, H])).toBeCloseTo(2 / 3);
    expect(chooseMethod(1, MIN, H)).toBe('mean');
    expect(chooseMethod(0.99, H, H)).toBe('none');
    expect(chooseMethod(0.2, 50 * MIN, H)).toBe('linear');
  });
});

describe('resample on the real datasets', () => {
  it('pedestrian onto its hourly grid: linear imputes exactly the missing hours, none leaves them NaN, last obeys staleness', () => {
    for (const [id, s] of loadDataset('tsibble/pedestrian_hourly.csv')) {
      const missing = seriesStats(s.timestamps).missingSteps!;
      const grid = buildGrid({ timestamps: s.timestamps }).timestamps;
      const lin = resample(s.timestamps, s.values, grid, 'linear');
      expect([lin.imputedCount, lin.missingCount], id).toEqual([missing, 0]);
      const none = resample(s.timestamps, s.values, grid, 'none');
      expect([none.imputedCount, none.missingCount], id).toEqual([0, missing]);
      // independently: in a gap of k missing hours, `last` with 2h staleness fills the first min(k, 2)
      let filled = 0;
      for (let i = 1; i < s.timestamps.length; i++) filled += Math.min(2, (s.timestamps[i] - s.timestamps[i - 1]) / H - 1);
      const last = resample(s.timestamps, s.values, grid, 'last', { maxStalenessMs: 2 * H });
      expect([last.imputedCount, last.missingCount], id).toEqual([filled, missing - filled]);
      // the first gap's interpolated values lie on the line between its neighbours
      const gap = s.timestamps.findIndex((t, i) => i > 0 && t - s.timestamps[i - 1] > H);
      const [t0, t1, v0, v1] = [s.timestamps[gap - 1], s.timestamps[gap], s.values[gap - 1], s.values[gap]];
      const g = grid.indexOf(t0 + H);
      expect(lin.values[g]).toBeCloseTo(v0 + ((v1 - v0) * H) / (t1 - t0), 9);
      expect(lin.observed[g]).toBe(0);
    }
  });

  it('vic_elec: half-hourly demand averaged onto an hourly grid pairs (t - 30min, t]', () => {
    const s = loadDataset('tsibbledata/vic_elec_halfhourly.csv').get('Demand')!;
    const grid = buildGrid({ timestamps: s.timestamps, frequency: '1h' });
    expect(grid.length).toBe(s.timestamps.length / 2);
    const r = resample(s.timestamps, s.values, grid.timestamps, 'mean');
    expect([r.imputedCount, r.missingCount]).toEqual([0, 0]);
    const n = s.values.length;
    // 600 hours back lies before the end of daylight saving inside the four fixture weeks.
    for (const k of [1, 2, 600]) expect(r.values[grid.length - k]).toBeCloseTo((s.values[n - 2 * k] + s.values[n - 2 * k + 1]) / 2, 9);
  });

  it('yosemite: its 12 missing values stay missing with none and are interpolated with linear', () => {
    const s = loadDataset('prophet/yosemite_temps_5min.csv').values().next().value!;
    const grid = buildGrid({ timestamps: s.timestamps }).timestamps;
    expect(grid.length).toBe(s.timestamps.length);
    expect(resample(s.timestamps, s.values, grid, 'none')).toMatchObject({ imputedCount: 0, missingCount: 12 });
    expect(resample(s.timestamps, s.values, grid, 'linear')).toMatchObject({ imputedCount: 12, missingCount: 0 });
  });
});
