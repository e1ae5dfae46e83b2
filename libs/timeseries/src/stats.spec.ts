import { describe, expect, it } from 'vitest';
import { parseFrequency } from './frequency';
import { countMissingSteps, median, seriesStats } from './stats';
import { EVAL_DATA_DIR, FIXTURE_DIR, datasetInfo, loadDataset } from './testing/fixture-data';

const H = 3_600_000;
const D = 24 * H;

// The fixture subsets always; every series of every set too when TSFM_EVAL_DATA names the full data.
const SOURCES: [string, string][] = [['test/fixtures/data', FIXTURE_DIR], ...(EVAL_DATA_DIR ? [['TSFM_EVAL_DATA', EVAL_DATA_DIR] as [string, string]] : [])];

describe.each(SOURCES)('seriesStats on the real datasets (%s)', (_, dir) => {
  it('pedestrian (irregular hourly, UTC offsets with DST): missing hours match an independent count', () => {
    let total = 0;
    for (const [id, s] of loadDataset('tsibble/pedestrian_hourly.csv', dir)) {
      const st = seriesStats(s.timestamps);
      const present = new Set(s.timestamps);
      let absent = 0;
      for (let t = s.timestamps[0]; t <= s.timestamps[s.timestamps.length - 1]; t += H) if (!present.has(t)) absent++;
      expect(st, id).toMatchObject({
        count: s.timestamps.length,
        inferredFrequency: '1h',
        missingSteps: absent,
        duplicates: 0,
        medianStepMs: H,
        stepDispersion: 0,
      });
      expect(st.regularity).toBeLessThan(1);
      expect(st.regularity).toBeGreaterThan(0.99);
      total += absent;
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBe(datasetInfo('tsibble/pedestrian_hourly.csv', dir).missingTimestamps); // the data index's count of missing stamps
  });

  it('peyton_manning: daily with 59 missing days', () => {
    const s = [...loadDataset('prophet/peyton_manning_daily.csv', dir).values()][0];
    const st = seriesStats(s.timestamps);
    expect(st).toMatchObject({
      count: 2905,
      first: Date.UTC(2007, 11, 10),
      last: Date.UTC(2016, 0, 20),
      inferredFrequency: '1D',
      missingSteps: 59,
      duplicates: 0,
      medianStepMs: D,
    });
    expect(st.regularity).toBeCloseTo(2875 / 2904, 12); // 29 gaps leave 2875 one-day steps
  });

  it.each([
    ['m3/m3_monthly.csv', '1M'],
    ['m3/m3_quarterly.csv', '1Q'],
    ['m3/m3_yearly.csv', '1Y'],
    ['tourism/tourism_quarterly.csv', '1Q'],
    ['m4/m4_weekly.csv', '1W'],
  ])('%s: calendar-regular (%s), nothing missing', (file, label) => {
    for (const s of loadDataset(file, dir).values()) {
      expect(seriesStats(s.timestamps)).toMatchObject({ inferredFrequency: label, regularity: 1, missingSteps: 0, duplicates: 0 });
    }
  });

  it('monthly steps vary in ms (28..31 days) but are regular by calendar', () => {
    const s = loadDataset('tourism/tourism_monthly.csv', dir).values().next().value!;
    const st = seriesStats(s.timestamps);
    expect(st.medianStepMs).toBe(31 * D);
    expect(st.stepDispersion).toBe(0); // 7 of 12 months have 31 days, so the MAD is 0
    expect(st.regularity).toBe(1);
  });
});

describe('seriesStats on constructed input', () => {
  it('counts duplicates and missing grid points in unsorted input', () => {
    const ts = [5, 1, 2, 2, 3, 9, 10, 11].map((i) => i * 15 * 60_000);
    expect(seriesStats(ts)).toMatchObject({ count: 8, duplicates: 1, missingSteps: 4, first: 15 * 60_000, last: 165 * 60_000, inferredFrequency: '15min' });
  });

  it('handles empty, single and two-point series', () => {
    expect(seriesStats([])).toEqual({
      count: 0,
      duplicates: 0,
      first: null,
      last: null,
      inferredFrequency: null,
      regularity: null,
      medianStepMs: null,
      stepDispersion: null,
      missingSteps: null,
    });
    expect(seriesStats([7, 7])).toMatchObject({ count: 2, duplicates: 1, first: 7, last: 7, inferredFrequency: null, missingSteps: 0 });
    expect(seriesStats([0, H])).toMatchObject({ inferredFrequency: '1h', regularity: 1, missingSteps: 0, stepDispersion: 0 });
  });

  it('counts missing business days and calendar months', () => {
    const ts: number[] = [];
    for (let t = Date.UTC(2024, 0, 1); ts.length < 60; t += D) if (![0, 6].includes(new Date(t).getUTCDay())) ts.push(t);
    expect(seriesStats(ts)).toMatchObject({ inferredFrequency: 'B', regularity: 1, missingSteps: 0 });
    expect(seriesStats(ts.filter((_, i) => i !== 10 && i !== 11)).missingSteps).toBe(2);
    const ends = Array.from({ length: 30 }, (_, i) => Date.UTC(2020, i + 1, 0)).filter((_, i) => i % 7 !== 3);
    expect(seriesStats(ends)).toMatchObject({ inferredFrequency: '1M', missingSteps: 4 });
    expect(countMissingSteps([Date.UTC(2020, 0, 31), Date.UTC(2020, 5, 30)], parseFrequency('1M'))).toBe(4);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
