import { describe, expect, it } from 'vitest';
import { parseFrequency } from './frequency';
import { buildGrid, futureGrid, gridIndexAtOrBefore, gridLengthCovering, horizonToCover } from './grid';
import { loadDataset } from './testing/fixture-data';

const H = 3_600_000;
const D = 24 * H;

describe('buildGrid', () => {
  it('pedestrian: the inferred hourly grid runs from the first to the last observation', () => {
    for (const s of loadDataset('tsibble/pedestrian_hourly.csv').values()) {
      const first = s.timestamps[0];
      const last = s.timestamps[s.timestamps.length - 1];
      const g = buildGrid({ timestamps: s.timestamps });
      expect(g).toMatchObject({ step: '1h', anchor: last, chosenBy: 'inferred', length: (last - first) / H + 1 });
      expect([g.timestamps[0], g.timestamps[g.length - 1]]).toEqual([first, last]);
    }
  });

  it('M3 monthly and quarterly: the calendar grid is exactly the observed stamps', () => {
    for (const file of ['m3/m3_monthly.csv', 'm3/m3_quarterly.csv']) {
      for (const s of [...loadDataset(file).values()].slice(0, 200)) expect(buildGrid({ timestamps: s.timestamps }).timestamps).toEqual(s.timestamps);
    }
  });

  it('a declared or requested frequency wins over inference', () => {
    const ts = [0, 1, 2, 3].map((i) => i * H);
    expect(buildGrid({ timestamps: ts, frequency: '30min' })).toMatchObject({ length: 7, step: '30min', chosenBy: 'declared' });
    expect(buildGrid({ timestamps: ts, frequency: '2h', chosenBy: 'requested' })).toMatchObject({ timestamps: [H, 3 * H], chosenBy: 'requested' });
  });

  it('aligns to an anchor, stops at `end`, and extends before the data for a requested length', () => {
    const ts = [Date.UTC(2024, 0, 1, 0, 20), Date.UTC(2024, 0, 1, 10, 30)];
    const g = buildGrid({ timestamps: ts, frequency: '1h', anchor: Date.UTC(2020, 0, 1) });
    expect([g.timestamps[0], g.timestamps[g.length - 1], g.length]).toEqual([Date.UTC(2024, 0, 1, 1), Date.UTC(2024, 0, 1, 10), 10]);
    const h = buildGrid({ timestamps: ts, frequency: '1h', length: 16 });
    expect([h.timestamps[0], h.timestamps[15]]).toEqual([Date.UTC(2023, 11, 31, 19, 30), ts[1]]);
    const e = buildGrid({ timestamps: ts, frequency: '1h', end: Date.UTC(2024, 0, 1, 5, 59), length: 2 });
    expect(e.timestamps).toEqual([Date.UTC(2024, 0, 1, 4, 30), Date.UTC(2024, 0, 1, 5, 30)]);
  });

  it('month-end grids do not drift when stepping back', () => {
    const g = buildGrid({ anchor: Date.UTC(2024, 2, 31), frequency: parseFrequency('1M'), length: 4, chosenBy: 'inferred' });
    expect(g.timestamps).toEqual([Date.UTC(2023, 11, 31), Date.UTC(2024, 0, 31), Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 31)]);
  });

  it('business-day grids skip weekends; a weekend anchor rolls back to Friday', () => {
    const g = buildGrid({ anchor: Date.UTC(2024, 0, 7), frequency: 'B', length: 4 });
    expect(g.timestamps).toEqual([Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3), Date.UTC(2024, 0, 4), Date.UTC(2024, 0, 5)]);
    expect(g.anchor).toBe(Date.UTC(2024, 0, 5));
  });

  it('refuses impossible or oversized grids', () => {
    expect(() => buildGrid({ timestamps: [5] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildGrid({ timestamps: [0, 3650 * D], frequency: '1min' })).toThrow(/limit 1000000/);
    expect(() => buildGrid({ anchor: 0, frequency: '1h', length: 0 })).toThrow(/positive integer/);
    expect(() => buildGrid({ frequency: '1h' })).toThrow(/observations/);
  });
});

describe('grid helpers', () => {
  it('indexes, covers and extends grids', () => {
    const M = parseFrequency('1M');
    expect(gridIndexAtOrBefore(Date.UTC(2024, 0, 31), M, Date.UTC(2024, 3, 29))).toBe(2);
    expect(gridIndexAtOrBefore(Date.UTC(2024, 0, 31), M, Date.UTC(2024, 3, 30))).toBe(3);
    expect(gridIndexAtOrBefore(0, parseFrequency('1h'), -1)).toBe(-1);
    expect(futureGrid(Date.UTC(2024, 2, 31), M, 2)).toEqual([Date.UTC(2024, 3, 30), Date.UTC(2024, 4, 31)]);
    expect(horizonToCover(0, parseFrequency('1h'), [30 * 60_000, 5 * H + 1])).toBe(6);
    expect(horizonToCover(Date.UTC(2024, 0, 5), parseFrequency('B'), [Date.UTC(2024, 0, 8)])).toBe(1);
    expect(horizonToCover(10, parseFrequency('1h'), [5])).toBe(0);
    expect(gridLengthCovering(0, 10 * H, parseFrequency('1h'), 512)).toBe(11);
    expect(gridLengthCovering(0, 10_000 * H, parseFrequency('1h'), 512)).toBe(512);
  });
});
