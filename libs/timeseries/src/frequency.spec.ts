import { describe, expect, it } from 'vitest';
import { inferFrequency, parseFrequency, stepForward } from './frequency';
import { seriesStats } from './stats';
import { loadDataset } from './testing/shared-data';

const H = 3_600_000;
const D = 24 * H;

function labelsOf(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of loadDataset(file).values()) {
    const l = inferFrequency(s.timestamps)?.frequency.label ?? 'none';
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return counts;
}

describe('frequency inference on the real datasets', () => {
  it.each([
    ['m3/m3_monthly.csv', '1M', 1428],
    ['m3/m3_quarterly.csv', '1Q', 756],
    ['m3/m3_yearly.csv', '1Y', 645],
    ['tourism/tourism_quarterly.csv', '1Q', 427],
    ['m4/m4_hourly.csv', '1h', 414],
    ['m4/m4_weekly.csv', '1W', 359],
    ['autoformer/exchange_rate.csv', '1D', 8],
    ['tsibbledata/vic_elec_halfhourly.csv', '30min', 2],
    ['prophet/yosemite_temps_5min.csv', '5min', 1],
    ['tsibble/pedestrian_hourly.csv', '1h', 4],
    ['prophet/peyton_manning_daily.csv', '1D', 1],
  ])('%s is %s for all %i series', (file, label, n) => {
    expect(Object.fromEntries(labelsOf(file))).toEqual({ [label]: n });
  });

  it('pedestrian (irregular, UTC offsets with DST): missing hours match an independent count', () => {
    let total = 0;
    for (const s of loadDataset('tsibble/pedestrian_hourly.csv').values()) {
      const st = seriesStats(s.timestamps);
      const expected = (s.timestamps[s.timestamps.length - 1] - s.timestamps[0]) / H + 1 - s.timestamps.length;
      expect(st.missingSteps).toBe(expected);
      expect(st.regularity).toBeLessThan(1);
      expect(st.regularity).toBeGreaterThan(0.9);
      total += st.missingSteps!;
    }
    expect(total).toBe(3011);
  });

  it('peyton_manning: 59 missing days', () => {
    const s = [...loadDataset('prophet/peyton_manning_daily.csv').values()][0];
    expect(seriesStats(s.timestamps)).toMatchObject({ count: 2905, inferredFrequency: '1D', missingSteps: 59, duplicates: 0, medianStepMs: D });
  });

  it('M3 monthly is perfectly regular with calendar months', () => {
    for (const s of [...loadDataset('m3/m3_monthly.csv').values()].slice(0, 50)) {
      expect(seriesStats(s.timestamps)).toMatchObject({ regularity: 1, missingSteps: 0 });
    }
  });
});

describe('frequency inference on constructed input', () => {
  it('survives duplicates, unsorted input and gaps', () => {
    const ts = [5, 1, 2, 2, 3, 9, 10, 11].map((i) => i * 15 * 60_000);
    const r = inferFrequency(ts)!;
    expect(r.frequency.label).toBe('15min');
    expect(r.confidence).toBeCloseTo(4 / 6);
    expect(seriesStats(ts)).toMatchObject({ count: 8, duplicates: 1, missingSteps: 4 });
  });

  it('recognises business days', () => {
    const ts: number[] = [];
    for (let t = Date.UTC(2024, 0, 1); ts.length < 60; t += D) if (![0, 6].includes(new Date(t).getUTCDay())) ts.push(t);
    expect(inferFrequency(ts)!.frequency).toEqual({ kind: 'business-day', label: 'B' });
    expect(seriesStats(ts)).toMatchObject({ regularity: 1, missingSteps: 0 });
    expect(seriesStats(ts.filter((_, i) => i !== 10)).missingSteps).toBe(1);
  });

  it('month-end stamps are calendar months; quarters and years too', () => {
    const ends = [Date.UTC(2023, 0, 31), Date.UTC(2023, 1, 28), Date.UTC(2023, 2, 31), Date.UTC(2023, 3, 30)];
    expect(inferFrequency(ends)!.frequency.label).toBe('1M');
    expect(inferFrequency([Date.UTC(2020, 0, 1), Date.UTC(2020, 3, 1), Date.UTC(2020, 9, 1)])!.frequency.label).toBe('1Q');
  });

  it('parses declared labels and steps calendar-aware', () => {
    expect(parseFrequency('5T')).toEqual({ kind: 'fixed', stepMs: 300_000, label: '5min' });
    expect(parseFrequency('24h').label).toBe('1D');
    expect(parseFrequency('MS')).toEqual({ kind: 'calendar', unit: 'month', multiple: 1, label: '1M' });
    expect(() => parseFrequency('fortnightly')).toThrow();
    expect(stepForward(Date.UTC(2023, 0, 31), parseFrequency('1M'))).toBe(Date.UTC(2023, 1, 28));
    expect(stepForward(Date.UTC(2023, 1, 28), parseFrequency('1M'))).toBe(Date.UTC(2023, 2, 31));
    expect(stepForward(Date.UTC(2023, 10, 1), parseFrequency('1Q'), 2)).toBe(Date.UTC(2024, 4, 1));
    expect(stepForward(Date.UTC(2024, 0, 5), parseFrequency('B'))).toBe(Date.UTC(2024, 0, 8));
  });
});
