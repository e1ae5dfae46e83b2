import { describe, expect, it } from 'vitest';
import { inferFrequency } from './frequency';
import { defaultSeasonalPeriod, detectSeasonalPeriod } from './seasonality';
import { loadDataset } from './testing/shared-data';

function periods(file: string, limit = Infinity): number[] {
  const out: number[] = [];
  for (const s of loadDataset(file).values()) {
    if (out.length >= limit) break;
    const f = inferFrequency(s.timestamps)!.frequency;
    const def = defaultSeasonalPeriod(f);
    out.push(detectSeasonalPeriod(s.values, { maxPeriod: Math.min(400, def * 8), preferred: [def] }).period);
  }
  return out;
}

const share = (xs: number[], ok: number[]) => xs.filter((x) => ok.includes(x)).length / xs.length;

describe('seasonal period detection on real data', () => {
  it('M4 hourly: daily (24) or weekly (168) for most series', () => {
    expect(share(periods('m4/m4_hourly.csv'), [24, 168])).toBeGreaterThan(0.9);
  });
  it('vic_elec half-hourly: 48 or 336', () => {
    expect(share(periods('tsibbledata/vic_elec_halfhourly.csv'), [48, 336])).toBe(1);
  });
  it('peyton_manning daily: 7 (or 365)', () => {
    expect(periods('prophet/peyton_manning_daily.csv')[0]).toBe(7);
  });
  it('tourism monthly: 12 for most series', () => {
    expect(share(periods('tourism/tourism_monthly.csv'), [12])).toBeGreaterThan(0.8);
  });
  it('white noise has no period', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    expect(detectSeasonalPeriod(Array.from({ length: 500 }, rnd))).toMatchObject({ period: 1, detected: false });
  });
});
