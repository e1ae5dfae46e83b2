import { describe, expect, it } from 'vitest';
import { DomainError } from '#common';
import { calendarColumns } from './calendar-features';

const DAY = 86_400_000;
const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => Date.parse(`${from}T00:00:00Z`) + i * DAY);
const col = (cols: ReturnType<typeof calendarColumns>, name: string) => cols.find((c) => c.name === name)!.values;

describe('calendarColumns', () => {
  it('flags public holidays on known dates of a daily grid (AU-VIC, US)', () => {
    const au = days('2024-01-24', 5); // 24..28 January: Australia Day is Friday the 26th
    expect([...col(calendarColumns(au, { holidays: 'AU-VIC' }), 'holiday:AU-VIC')]).toEqual([0, 0, 1, 0, 0]);
    const xmas = days('2024-12-24', 3);
    expect([...col(calendarColumns(xmas, { holidays: 'AU-VIC' }), 'holiday:AU-VIC')]).toEqual([0, 1, 1]); // Christmas, Boxing Day
    const us = days('2024-07-03', 3);
    expect([...col(calendarColumns(us, { holidays: 'us' }), 'holiday:US')]).toEqual([0, 1, 0]);
    // Melbourne Cup (first Tuesday of November) is a Victorian holiday, not a New South Wales one.
    const cup = days('2024-11-05', 1);
    expect(col(calendarColumns(cup, { holidays: 'AU-VIC' }), 'holiday:AU-VIC')[0]).toBe(1);
    expect(col(calendarColumns(cup, { holidays: 'AU-NSW' }), 'holiday:AU-NSW')[0]).toBe(0);
  });

  it('follows local time on a sub-daily grid: Christmas in Melbourne starts at 13:00 UTC the day before', () => {
    const t0 = Date.parse('2024-12-24T12:00:00Z');
    const grid = Array.from({ length: 4 }, (_, i) => t0 + i * 1_800_000); // 23:00 .. 00:30 local (UTC+11)
    const cols = calendarColumns(grid, { holidays: 'AU-VIC', hourOfDay: true });
    expect([...col(cols, 'holiday:AU-VIC')]).toEqual([0, 0, 1, 1]);
    // hour of day in Australia/Melbourne: 23:00 -> phase 23/24
    expect(col(cols, 'hourOfDay:sin1')[0]).toBeCloseTo(Math.sin((2 * Math.PI * 23) / 24), 9);
    expect(col(cols, 'hourOfDay:cos1')[2]).toBeCloseTo(1, 9);
  });

  it('counts holidays per week on a weekly grid and leaves out cycles the grid cannot resolve', () => {
    const weeks = Array.from({ length: 3 }, (_, i) => Date.parse('2024-12-22T00:00:00Z') + i * 7 * DAY); // Sundays
    const cols = calendarColumns(weeks, { holidays: 'AU-VIC', hourOfDay: true, dayOfWeek: true, month: true });
    expect(cols.map((c) => c.name)).toEqual(['month:sin1', 'month:cos1', 'month:sin2', 'month:cos2', 'holiday:AU-VIC']);
    // week to 29 Dec: Christmas and Boxing Day; to 5 Jan: New Year's Day
    expect([...col(cols, 'holiday:AU-VIC')].slice(1)).toEqual([2, 1]);
  });

  it('one-hot encodes the weekday without the first level', () => {
    const cols = calendarColumns(days('2024-01-01', 7), { dayOfWeek: true, encoding: 'one-hot' });
    expect(cols).toHaveLength(6);
    expect([...col(cols, 'dayOfWeek=6')]).toEqual([0, 0, 0, 0, 0, 0, 1]); // 2024-01-07 was a Sunday
  });

  it('rejects an unknown calendar with a 422', () => {
    for (const bad of ['XX', 'AU-ZZZ', 'Australia']) {
      try {
        calendarColumns(days('2024-01-01', 2), { holidays: bad });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).status).toBe(422);
        expect((e as DomainError).code).toBe('UNKNOWN_HOLIDAY_CALENDAR');
      }
    }
  });
});
