import { describe, expect, it } from 'vitest';
import { addMonths, civil, isMonthEnd, monthIndex } from './calendar';
import { inferFrequency, parseFrequency, stepForward, stepsBetween } from './frequency';
import { buildGrid, futureGrid, horizonToCover } from './grid';
import { daysFromCivil, parseTimestamp } from './parse-timestamp';
import { countMissingSteps, seriesStats } from './stats';

// Calendar arithmetic over years 1..9999. Dates are proleptic Gregorian: no Julian calendar and no
// 1582 or 1752 switch, so 1700 and 1800 are common years and September 1752 has 30 days.
// Expectations are written as ISO strings, never with Date.UTC (which reads years 0..99 as 19xx).

const t = (iso: string) => parseTimestamp(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

/** First day of each month (step months) from year/month (1-based) for n points, as ISO dates. */
function monthStarts(year: number, month: number, n: number, step = 1): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const m = (month - 1 + k * step) % 12;
    const y = year + Math.floor((month - 1 + k * step) / 12);
    out.push(`${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}-01`);
  }
  return out;
}

describe('calendar arithmetic before 1900 and before year 100', () => {
  it.each(['0001-01-01', '0004-02-29', '0099-12-31', '0100-02-28', '0400-02-29', '1700-02-28', '1752-09-14', '1800-12-31', '9999-12-31'])(
    'civil() inverts daysFromCivil at %s',
    (d) => {
      const [y, m, dd] = d.split('-').map(Number);
      expect(civil(daysFromCivil(y, m, dd) * 86_400_000)).toEqual({ year: y, month: m, day: dd });
      expect(day(t(d))).toBe(d);
    },
  );

  it('adds months across year boundaries, century non-leap years and into year 100', () => {
    expect(iso(addMonths(t('1780-12-01'), 1))).toBe('1781-01-01T00:00:00.000Z');
    expect(iso(addMonths(t('0099-12-01'), 1))).toBe('0100-01-01T00:00:00.000Z');
    expect(iso(addMonths(t('0001-01-01'), 12 * 9998 + 11))).toBe('9999-12-01T00:00:00.000Z');
    // 1700 is a common year in the Gregorian calendar: January's end steps to 28 February.
    expect(iso(addMonths(t('1700-01-31'), 1))).toBe('1700-02-28T00:00:00.000Z');
    expect(iso(addMonths(t('1704-01-31'), 1))).toBe('1704-02-29T00:00:00.000Z');
    expect(isMonthEnd(t('1700-02-28'))).toBe(true);
    expect(monthIndex(t('1781-01-01')) - monthIndex(t('1780-12-01'))).toBe(1);
    expect(stepsBetween(t('1700-01-01'), t('1800-01-01'), parseFrequency('1Y'))).toBe(100);
    expect(stepsBetween(t('0001-01-01'), t('0099-12-01'), parseFrequency('1M'))).toBe(99 * 12 - 1);
  });
});

describe('frequency detection and grids on historical series', () => {
  it('infers monthly 1700-01..1800-12 and yearly 1700..1800, with no missing steps', () => {
    const monthly = monthStarts(1700, 1, 101 * 12).map(t);
    expect(inferFrequency(monthly)).toEqual({ frequency: parseFrequency('1M'), confidence: 1 });
    const yearly = monthStarts(1700, 1, 101, 12).map(t);
    expect(inferFrequency(yearly)).toEqual({ frequency: parseFrequency('1Y'), confidence: 1 });
    const stats = seriesStats(monthly);
    expect(stats).toMatchObject({ inferredFrequency: '1M', regularity: 1, missingSteps: 0 });
    expect(iso(stats.first!)).toBe('1700-01-01T00:00:00.000Z');
    expect(iso(stats.last!)).toBe('1800-12-01T00:00:00.000Z');
  });

  it('infers monthly, quarterly and yearly series inside years 1..99', () => {
    expect(inferFrequency(monthStarts(1, 1, 99 * 12).map(t))?.frequency.label).toBe('1M');
    expect(inferFrequency(monthStarts(1, 1, 99 * 4, 3).map(t))?.frequency.label).toBe('1Q');
    expect(inferFrequency(monthStarts(1, 1, 99, 12).map(t))).toEqual({ frequency: parseFrequency('1Y'), confidence: 1 });
  });

  it('counts a missing 18th-century month', () => {
    const ts = monthStarts(1749, 1, 36)
      .filter((d) => d !== '1750-07-01')
      .map(t);
    expect(countMissingSteps(ts, parseFrequency('1M'))).toBe(1);
  });

  it('builds the monthly grid of 1749..1780 and continues it into 1781', () => {
    const obs = monthStarts(1749, 1, 32 * 12).map(t);
    const g = buildGrid({ timestamps: obs });
    expect(g.step).toBe('1M');
    expect(g.length).toBe(384);
    expect(day(g.timestamps[0])).toBe('1749-01-01');
    expect(day(g.timestamps[383])).toBe('1780-12-01');
    expect(futureGrid(g.anchor, g.frequency, 3).map(iso)).toEqual(['1781-01-01T00:00:00.000Z', '1781-02-01T00:00:00.000Z', '1781-03-01T00:00:00.000Z']);
    expect(horizonToCover(g.anchor, g.frequency, [t('1782-01-01')])).toBe(13);
  });

  it('continues a yearly grid from year 99 to 100 and past 999 to 1000', () => {
    const g = buildGrid({ timestamps: monthStarts(80, 1, 20, 12).map(t) });
    expect(g.step).toBe('1Y');
    expect(day(g.timestamps[0])).toBe('0080-01-01');
    expect(futureGrid(g.anchor, g.frequency, 2).map(day)).toEqual(['0100-01-01', '0101-01-01']);
    const h = buildGrid({ timestamps: monthStarts(800, 1, 200, 12).map(t) });
    expect(futureGrid(h.anchor, h.frequency, 2).map(day)).toEqual(['1000-01-01', '1001-01-01']);
  });

  it('keeps month ends on the 18th-century month-end grid (Feb 1700 has 28 days, Feb 1704 29)', () => {
    const f = parseFrequency('1M');
    const ends = [t('1699-11-30')];
    for (let k = 1; k < 60; k++) ends.push(stepForward(ends[0], f, k));
    expect(ends.slice(2, 4).map(day)).toEqual(['1700-01-31', '1700-02-28']);
    expect(ends.slice(50, 52).map(day)).toEqual(['1704-01-31', '1704-02-29']);
    expect(inferFrequency(ends)).toEqual({ frequency: f, confidence: 1 });
  });
});
