import { describe, expect, it } from 'vitest';
import { inferFrequency, parseFrequency, uniqueSorted } from './frequency';
import { buildGrid, futureGrid, gridLengthCovering } from './grid';
import { chooseMethod, resample } from './resample';
import { seriesStats } from './stats';
import { loadDataset } from './testing/shared-data';

const H = 3_600_000;

describe('grid', () => {
  it('ends at the anchor and steps calendar-aware', () => {
    const g = buildGrid({ anchor: Date.UTC(2024, 2, 31), frequency: parseFrequency('1M'), length: 3, chosenBy: 'inferred' });
    expect(g.timestamps).toEqual([Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 31)]);
    expect(futureGrid(Date.UTC(2024, 2, 31), parseFrequency('1M'), 2)).toEqual([Date.UTC(2024, 3, 30), Date.UTC(2024, 4, 31)]);
    expect(gridLengthCovering(0, 10 * H, parseFrequency('1h'), 512)).toBe(11);
    expect(gridLengthCovering(0, 10_000 * H, parseFrequency('1h'), 512)).toBe(512);
  });
});

describe('resample', () => {
  const ts = [0, 1, 3, 4].map((i) => i * H);
  const vs = [1, 2, 4, NaN];
  const grid = [0, 1, 2, 3, 4].map((i) => i * H);

  it('none keeps gaps as NaN', () => {
    const r = resample(ts, vs, grid, 'none');
    expect(Array.from(r.values)).toEqual([1, 2, NaN, 4, NaN]);
    expect(Array.from(r.observed)).toEqual([1, 1, 0, 1, 0]);
    expect([r.imputedCount, r.missingCount]).toEqual([0, 2]);
  });

  it('linear interpolates inside the observed range only', () => {
    const r = resample(ts, vs, grid, 'linear');
    expect(Array.from(r.values)).toEqual([1, 2, 3, 4, NaN]);
    expect([r.imputedCount, r.missingCount]).toEqual([1, 1]);
  });

  it('last carries forward within the staleness bound', () => {
    expect(Array.from(resample(ts, vs, grid, 'last', { maxStalenessMs: H }).values)).toEqual([1, 2, 2, 4, 4]);
    expect(Array.from(resample(ts, vs, grid, 'last', { maxStalenessMs: 0 }).values)).toEqual([1, 2, NaN, 4, NaN]);
  });

  it('mean aggregates right-labelled cells when downsampling', () => {
    const minute = Array.from({ length: 120 }, (_, i) => i * 60_000);
    const r = resample(minute, minute.map((_, i) => i), [59 * 60_000, 119 * 60_000], 'mean');
    expect(Array.from(r.values)).toEqual([29.5, 89.5]);
    expect(chooseMethod(1, 60_000, H)).toBe('mean');
    expect(chooseMethod(0.99, H, H)).toBe('none');
    expect(chooseMethod(0.2, 50 * 60_000, H)).toBe('linear');
  });

  it('pedestrian (irregular hourly): linear imputes exactly the missing hours, none leaves them NaN', () => {
    for (const s of loadDataset('tsibble/pedestrian_hourly.csv').values()) {
      const stats = seriesStats(s.timestamps);
      const f = inferFrequency(s.timestamps)!.frequency;
      const last = s.timestamps[s.timestamps.length - 1];
      const grid = buildGrid({ anchor: last, frequency: f, length: (last - s.timestamps[0]) / H + 1, chosenBy: 'inferred' });
      const lin = resample(s.timestamps, s.values, grid.timestamps, 'linear');
      expect(lin.imputedCount).toBe(stats.missingSteps);
      expect(lin.missingCount).toBe(0);
      const none = resample(s.timestamps, s.values, grid.timestamps, 'none');
      expect(none.missingCount).toBe(stats.missingSteps);
      expect(uniqueSorted(s.timestamps).length + none.missingCount).toBe(grid.length);
    }
  });
});
