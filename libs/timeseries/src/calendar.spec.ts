import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessDays, addMonths, businessIndex, civil, fromBusinessIndex, isMonthEnd, isMonthStart, isoWeekday, timeOfDay } from './calendar';

const D = 86_400_000;

describe('calendar arithmetic', () => {
  it('civil() and isoWeekday() agree with Date for any instant 1700..2300', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1700, 0, 1), max: Date.UTC(2300, 0, 1) }), (ms) => {
        const d = new Date(ms);
        expect(civil(ms)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
        expect(isoWeekday(ms)).toBe((d.getUTCDay() + 6) % 7);
        expect(timeOfDay(ms)).toBe(ms - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      }),
      { numRuns: 3000 },
    );
  });

  it('month starts and ends need midnight', () => {
    expect(isMonthStart(Date.UTC(1750, 0, 1))).toBe(true);
    expect(isMonthStart(Date.UTC(2024, 0, 1, 1))).toBe(false);
    expect(isMonthEnd(Date.UTC(2024, 1, 29))).toBe(true);
    expect(isMonthEnd(Date.UTC(2023, 1, 28))).toBe(true);
    expect(isMonthEnd(Date.UTC(2024, 1, 28))).toBe(false);
  });

  it('adds months keeping month ends and the time of day, also before 1970', () => {
    expect(addMonths(Date.UTC(2023, 0, 31), 1)).toBe(Date.UTC(2023, 1, 28));
    expect(addMonths(Date.UTC(2024, 1, 29), 12)).toBe(Date.UTC(2025, 1, 28));
    expect(addMonths(Date.UTC(2024, 3, 30), -2)).toBe(Date.UTC(2024, 1, 29));
    expect(addMonths(Date.UTC(2024, 0, 30), 1)).toBe(Date.UTC(2024, 1, 29)); // day 30 clamps, not an end
    expect(addMonths(Date.UTC(1960, 4, 15, 6, 30), -5)).toBe(Date.UTC(1959, 11, 15, 6, 30));
  });

  it('business days skip weekends both ways, pandas-style from a weekend', () => {
    const fri = Date.UTC(2024, 0, 5, 9);
    const sat = Date.UTC(2024, 0, 6, 9);
    expect(addBusinessDays(fri, 1)).toBe(Date.UTC(2024, 0, 8, 9));
    expect(addBusinessDays(fri, 6)).toBe(Date.UTC(2024, 0, 15, 9));
    expect(addBusinessDays(Date.UTC(2024, 0, 8), -1)).toBe(Date.UTC(2024, 0, 5));
    expect(addBusinessDays(sat, 1)).toBe(Date.UTC(2024, 0, 8, 9));
    expect(addBusinessDays(sat, -1)).toBe(fri);
    expect(addBusinessDays(Date.UTC(1969, 11, 31), 2)).toBe(Date.UTC(1970, 0, 2)); // Wed -> Fri
    for (let b = -20; b < 20; b++) expect(businessIndex(fromBusinessIndex(b, 0))).toBe(b);
    expect(fromBusinessIndex(1, 0) - fromBusinessIndex(0, 0)).toBe(D);
  });
});
