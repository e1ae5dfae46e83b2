import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUSINESS_DAY, inferFrequency, nominalStepMs, parseFrequency, stepForward, stepsBetween, uniqueSorted } from './frequency';
import { EVAL_DATA_DIR, FIXTURE_DIR, datasetInfo, loadDataset } from './testing/fixture-data';

const MIN = 60_000;
const H = 3_600_000;
const D = 24 * H;

function labelsOf(file: string, dir: string): { labels: Record<string, number>; minConfidence: number } {
  const labels: Record<string, number> = {};
  let minConfidence = 1;
  for (const s of loadDataset(file, dir).values()) {
    const r = inferFrequency(s.timestamps);
    const l = r?.frequency.label ?? 'none';
    labels[l] = (labels[l] ?? 0) + 1;
    minConfidence = Math.min(minConfidence, r?.confidence ?? 0);
  }
  return { labels, minConfidence };
}

// The fixture subsets always; every series of every set too when TSFM_EVAL_DATA names the full data.
const SOURCES: [string, string][] = [['test/fixtures/data', FIXTURE_DIR], ...(EVAL_DATA_DIR ? [['TSFM_EVAL_DATA', EVAL_DATA_DIR] as [string, string]] : [])];

describe.each(SOURCES)('frequency inference on the real datasets (%s)', (_, dir) => {
  it.each([
    ['m3/m3_monthly.csv', '1M'],
    ['m3/m3_quarterly.csv', '1Q'],
    ['m3/m3_yearly.csv', '1Y'],
    ['tourism/tourism_monthly.csv', '1M'],
    ['tourism/tourism_quarterly.csv', '1Q'],
    ['tourism/tourism_yearly.csv', '1Y'],
    ['m4/m4_hourly.csv', '1h'],
    ['m4/m4_weekly.csv', '1W'],
    ['autoformer/exchange_rate.csv', '1D'],
    ['autoformer/national_illness.csv', '1W'],
    ['nn_competitions/nn5_daily.csv', '1D'],
    ['tsibbledata/vic_elec_halfhourly.csv', '30min'],
    ['prophet/yosemite_temps_5min.csv', '5min'],
  ])('%s is %s for every series (as many as its datasets.csv counts), every step consistent', (file, label) => {
    expect(labelsOf(file, dir)).toEqual({ labels: { [label]: datasetInfo(file, dir).series }, minConfidence: 1 });
  });

  it('gappy series keep their base step with confidence below 1', () => {
    const ped = labelsOf('tsibble/pedestrian_hourly.csv', dir);
    expect(ped.labels).toEqual({ '1h': 4 });
    expect(ped.minConfidence).toBeGreaterThan(0.99);
    expect(ped.minConfidence).toBeLessThan(1);
    const peyton = [...loadDataset('prophet/peyton_manning_daily.csv', dir).values()][0];
    const r = inferFrequency(peyton.timestamps)!;
    expect(r.frequency.label).toBe('1D');
    // 2905 stamps, 2904 steps; the 59 missing days sit in gaps that are not one-day steps.
    const oneDay = peyton.timestamps.slice(1).filter((t, i) => t - peyton.timestamps[i] === D).length;
    expect(r.confidence).toBeCloseTo(oneDay / 2904, 12);
  });

  it('vic_elec stamps carry +10/+11 offsets, yet the UTC steps are all 30 minutes', () => {
    const text = readFileSync(path.join(dir, 'tsibbledata/vic_elec_halfhourly.csv'), 'utf8');
    expect([text.includes('+10:00'), text.includes('+11:00')]).toEqual([true, true]);
    const ts = loadDataset('tsibbledata/vic_elec_halfhourly.csv', dir).get('Demand')!.timestamps;
    expect(ts.slice(1).every((t, i) => t - ts[i] === 30 * MIN)).toBe(true);
  });
});

describe('frequency inference on constructed input', () => {
  it('survives duplicates, unsorted input and gaps', () => {
    const ts = [5, 1, 2, 2, 3, 9, 10, 11].map((i) => i * 15 * MIN);
    const r = inferFrequency(ts)!;
    expect(r.frequency).toEqual({ kind: 'fixed', stepMs: 15 * MIN, label: '15min' });
    expect(r.confidence).toBeCloseTo(4 / 6);
    expect(Array.from(uniqueSorted([3, NaN, 1, 3, 2]))).toEqual([1, 2, 3]);
    expect(inferFrequency([5])).toBeNull();
    expect(inferFrequency([5, 5, 5])).toBeNull();
  });

  it('finds the base step when gaps outnumber single steps', () => {
    // steps: 2h x8, 3h x7, 1h x5 -> every step is a multiple of 1h, only 40% of 2h
    const steps = [...Array(8).fill(2), ...Array(7).fill(3), ...Array(5).fill(1)].sort(() => 0.5 - Math.random());
    const ts = steps.reduce((acc, s) => [...acc, acc[acc.length - 1] + s * H], [0]);
    expect(inferFrequency(ts)!.frequency.label).toBe('1h');
    expect(inferFrequency(ts)!.confidence).toBeCloseTo(5 / 20);
    // a 2-hourly series with a few 4h gaps stays 2h
    const two = Array.from({ length: 50 }, (_, i) => i * 2 * H).filter((_, i) => i % 10 !== 3);
    expect(inferFrequency(two)!.frequency.label).toBe('2h');
  });

  it('recognises business days, not when weekends occur', () => {
    const ts: number[] = [];
    for (let t = Date.UTC(2024, 0, 1); ts.length < 60; t += D) if (![0, 6].includes(new Date(t).getUTCDay())) ts.push(t);
    expect(inferFrequency(ts)).toEqual({ frequency: BUSINESS_DAY, confidence: 1 });
    const holiday = ts.filter((_, i) => i !== 10);
    expect(inferFrequency(holiday)!.confidence).toBeCloseTo(57 / 58);
    expect(inferFrequency([...ts, Date.UTC(2024, 0, 6)])!.frequency.label).toBe('1D');
  });

  it('month-end stamps are calendar months; quarters and years; tolerates a stray stamp', () => {
    const ends = [Date.UTC(2023, 0, 31), Date.UTC(2023, 1, 28), Date.UTC(2023, 2, 31), Date.UTC(2023, 3, 30)];
    expect(inferFrequency(ends)).toEqual({ frequency: { kind: 'calendar', unit: 'month', multiple: 1, label: '1M' }, confidence: 1 });
    expect(inferFrequency([Date.UTC(2020, 0, 1), Date.UTC(2020, 3, 1), Date.UTC(2020, 9, 1)])!).toMatchObject({ frequency: { label: '1Q' }, confidence: 0.5 });
    expect(inferFrequency([Date.UTC(2020, 2, 31), Date.UTC(2020, 5, 30), Date.UTC(2020, 8, 30)])!.frequency.label).toBe('1Q');
    expect(inferFrequency([1990, 1991, 1993, 1994].map((y) => Date.UTC(y, 0, 1)))!.frequency.label).toBe('1Y');
    const months = Array.from({ length: 24 }, (_, i) => Date.UTC(2020, i, 1));
    months[5] += 3 * D;
    expect(inferFrequency(months)).toEqual({ frequency: expect.objectContaining({ label: '1M' }), confidence: 21 / 23 });
  });
});

describe('parseFrequency and stepping', () => {
  it.each([
    ['5T', { kind: 'fixed', stepMs: 5 * MIN, label: '5min' }],
    ['5min', { kind: 'fixed', stepMs: 5 * MIN, label: '5min' }],
    ['H', { kind: 'fixed', stepMs: H, label: '1h' }],
    ['24h', { kind: 'fixed', stepMs: D, label: '1D' }],
    ['90min', { kind: 'fixed', stepMs: 90 * MIN, label: '90min' }],
    ['15s', { kind: 'fixed', stepMs: 15000, label: '15s' }],
    [' 7D ', { kind: 'fixed', stepMs: 7 * D, label: '1W' }],
    ['MS', { kind: 'calendar', unit: 'month', multiple: 1, label: '1M' }],
    ['ME', { kind: 'calendar', unit: 'month', multiple: 1, label: '1M' }],
    ['3M', { kind: 'calendar', unit: 'month', multiple: 3, label: '3M' }],
    ['QS', { kind: 'calendar', unit: 'quarter', multiple: 1, label: '1Q' }],
    ['A', { kind: 'calendar', unit: 'year', multiple: 1, label: '1Y' }],
    ['B', { kind: 'business-day', label: 'B' }],
  ])('%j', (label, f) => {
    expect(parseFrequency(label)).toEqual(f);
    expect(parseFrequency(parseFrequency(label).label)).toEqual(f);
  });

  it.each(['fortnightly', '', '0h', '2B', '1.5h', 'h1', '99999999D'])('rejects %j', (label) => {
    expect(() => parseFrequency(label)).toThrow(expect.objectContaining({ code: 'INVALID_FREQUENCY' }));
  });

  it('steps calendar-aware, forwards and back', () => {
    const M = parseFrequency('1M');
    expect(stepForward(Date.UTC(2023, 0, 31), M)).toBe(Date.UTC(2023, 1, 28));
    expect(stepForward(Date.UTC(2023, 1, 28), M)).toBe(Date.UTC(2023, 2, 31));
    expect(stepForward(Date.UTC(2023, 0, 31), M, 13)).toBe(Date.UTC(2024, 1, 29));
    expect(stepForward(Date.UTC(2023, 2, 31), M, -1)).toBe(Date.UTC(2023, 1, 28));
    expect(stepForward(Date.UTC(2023, 10, 1), parseFrequency('1Q'), 2)).toBe(Date.UTC(2024, 4, 1));
    expect(stepForward(Date.UTC(2024, 1, 29), parseFrequency('1Y'), -4)).toBe(Date.UTC(2020, 1, 29));
    expect(stepForward(Date.UTC(2024, 0, 5), parseFrequency('B'))).toBe(Date.UTC(2024, 0, 8));
    expect(stepForward(Date.UTC(2024, 0, 1), parseFrequency('30min'), -2)).toBe(Date.UTC(2023, 11, 31, 23));
    expect(stepsBetween(Date.UTC(2024, 0, 5), Date.UTC(2024, 0, 15), BUSINESS_DAY)).toBe(6);
    expect(stepsBetween(Date.UTC(2020, 0, 1), Date.UTC(2024, 0, 1), parseFrequency('1Q'))).toBe(16);
    expect(nominalStepMs(parseFrequency('1Y'))).toBe(365.2425 * D);
  });
});
