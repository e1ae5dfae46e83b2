import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST_TIMESTAMP_MS, LAST_TIMESTAMP_MS, TimestampError, daysFromCivil, parseTimestamp, parseTimestamps, tryParseTimestamp } from './parse-timestamp';

// Date.UTC(y, ...) reads years 0..99 as 1900..1999; setUTCFullYear takes the year as given.
function utc(y: number, m1: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, h, mi, s, ms));
  date.setUTCFullYear(y, m1 - 1, d);
  return date.getTime();
}

describe('parseTimestamp', () => {
  it.each([
    ['2024-03-01', Date.UTC(2024, 2, 1)],
    ['2024-03-01T10:17', Date.UTC(2024, 2, 1, 10, 17)],
    ['2024-03-01T10:17:05Z', Date.UTC(2024, 2, 1, 10, 17, 5)],
    ['2024-03-01t10:17:05z', Date.UTC(2024, 2, 1, 10, 17, 5)],
    ['2024-03-01 10:17:05.25', Date.UTC(2024, 2, 1, 10, 17, 5, 250)],
    ['2024-03-01 10:17:05,5', Date.UTC(2024, 2, 1, 10, 17, 5, 500)],
    ['2024-03-01T10:17:05.123456789+02:00', Date.UTC(2024, 2, 1, 8, 17, 5, 123)],
    ['2024-03-01T10:17:05.9999Z', Date.UTC(2024, 2, 1, 10, 17, 5, 999)],
    ['2024-03-01T10:17:05+1000', Date.UTC(2024, 2, 1, 0, 17, 5)],
    ['2024-03-01T10:17:05-05', Date.UTC(2024, 2, 1, 15, 17, 5)],
    ['2024-03-01T10:17:05 +05:30', Date.UTC(2024, 2, 1, 4, 47, 5)],
    ['2015-01-01T00:00:00+11:00', Date.UTC(2014, 11, 31, 13)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['  2024-03-01\r', Date.UTC(2024, 2, 1)],
    ['1709280000000', 1709280000000],
    [1709280000000, 1709280000000],
    ['-1000', -1000],
    ['1900-01-01', Date.UTC(1900, 0, 1)],
    ['2200-12-31T23:59:59.999Z', Date.UTC(2200, 11, 31, 23, 59, 59, 999)],
    ['0001-01-01', -62_135_596_800_000],
    ['0001-01-01T00:00:00.000Z', utc(1, 1, 1)],
    ['0099-12-31', utc(99, 12, 31)],
    ['0800-02-29T06:30:00+02:00', utc(800, 2, 29, 4, 30)],
    ['1700-01-01', utc(1700, 1, 1)],
    ['1750-06-15T12:00:00Z', utc(1750, 6, 15, 12)],
    ['9999-12-31T23:59:59.999Z', 253_402_300_799_999],
    ['0002-01-01T00:00:00+01:00', utc(1, 12, 31, 23)],
    [-62_135_596_800_000, utc(1, 1, 1)],
    ['253402300799999', utc(9999, 12, 31, 23, 59, 59, 999)],
    // ISO 8601's reduced precisions: a four-digit string is a year, YYYY-MM a month.
    ['1750', utc(1750, 1, 1)],
    [' 0800 ', utc(800, 1, 1)],
    ['1750-03', utc(1750, 3, 1)],
    // A JSON number, or a digit string of any other length, is epoch milliseconds.
    [1750, 1750],
    ['17500', 17_500],
    ['175', 175],
  ])('%j', (raw, expected) => {
    expect(parseTimestamp(raw)).toBe(expected);
  });

  it.each([
    '2021-02-29',
    '2024-02-30',
    '1900-02-29',
    '2024-13-01',
    '2024-13',
    '2024-1x',
    '0000',
    '2024-00-10',
    '2024-01-00',
    '2024-01-01T24:00',
    '2024-01-01T10:60',
    '2024-01-01T10:00:60',
    '2024-01-01T10',
    '2024-01-01T10:00.5',
    '2024-01-01T10:00:00.',
    '2024-01-01T10:00:00+10:0',
    '2024-01-01T10:00:00+1',
    '2024-01-01T10:00:00Zx',
    '2024-01-01X10:00',
    'yesterday',
    '',
    '   ',
    '-',
    '2024-1-1',
    '2O24-01-01',
    'NaN',
    '1e12',
    '2024-01-01T00:00:00+25:00',
    '12345678901234567',
    '0000-01-01',
    '0000-12-31T23:59:59.999Z',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:00:00-05:00',
    '10000-01-01',
    '+010000-01-01T00:00:00.000Z',
    '-0001-01-01',
    '-000044-03-15',
    '+001750-01-01',
    '750-01-01',
    '0100-02-29',
    '1700-02-29',
    '-62135596800001',
    '253402300800000',
  ])('rejects %j', (raw) => {
    expect(() => parseTimestamp(raw)).toThrow(TimestampError);
    expect(tryParseTimestamp(raw)).toBeNaN();
  });

  it.each([NaN, Infinity, 1.5, -5e15, -62_135_596_800_001, 253_402_300_800_000])('rejects the number %s', (n) => {
    expect(() => parseTimestamp(n)).toThrow(TimestampError);
  });

  it('carries the code, the reason and the index', () => {
    const e = (() => {
      try {
        parseTimestamps(['2024-01-01', 1709280000000, '2023-02-29', 'x']);
      } catch (err) {
        return err as TimestampError;
      }
    })();
    expect(e).toBeInstanceOf(TimestampError);
    expect(e).toMatchObject({ code: 'INVALID_TIMESTAMP', index: 2, details: { index: 2 } });
    expect(e!.message).toContain('impossible date');
    expect(() => parseTimestamp('2024-01-01T10:61', undefined, 7)).toThrow(
      expect.objectContaining({ index: 7, message: expect.stringContaining('time of day') }),
    );
  });

  it('says why a year is refused', () => {
    expect(() => parseTimestamp('0000-06-01')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMESTAMP', message: '"0000-06-01": year outside 0001..9999' }),
    );
    expect(() => parseTimestamp('10000-01-01')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMESTAMP', message: expect.stringContaining('year outside 0001..9999 (a year has exactly four digits)') }),
    );
    expect(() => parseTimestamp('-0044-03-15')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMESTAMP', message: expect.stringContaining('year outside 0001..9999') }),
    );
    expect(() => parseTimestamp('+001750-01-01')).toThrow(expect.objectContaining({ message: '"+001750-01-01": a year has exactly four digits and no sign' }));
    expect(() => parseTimestamp('17500-01-01')).toThrow(expect.objectContaining({ message: expect.stringContaining('year outside') }));
    expect(() => parseTimestamp('1750-1-1')).toThrow(expect.objectContaining({ message: '"1750-1-1": not ISO 8601 or epoch milliseconds' }));
  });

  it('formats back what it parsed, four-digit years included (toISOString writes years 0..9999 as YYYY)', () => {
    expect(new Date(FIRST_TIMESTAMP_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(LAST_TIMESTAMP_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    // 1752-09: the month Britain dropped 11 days; here dates are proleptic Gregorian, so it has all 30.
    for (const iso of ['0001-01-01', '0099-12-31', '0100-03-01', '0800-02-29', '1700-01-01', '1752-09-03', '1752-09-13', '1752-09-30', '9999-12-31']) {
      expect(new Date(parseTimestamp(iso)).toISOString()).toBe(`${iso}T00:00:00.000Z`);
    }
    expect(parseTimestamp('1752-09-14') - parseTimestamp('1752-09-02')).toBe(12 * 86_400_000);
    expect(FIRST_TIMESTAMP_MS).toBe(parseTimestamp('0001-01-01'));
    expect(LAST_TIMESTAMP_MS).toBe(parseTimestamp('9999-12-31T23:59:59.999Z'));
  });

  it('honours custom year bounds', () => {
    expect(parseTimestamp('1750-01-01', { minYear: 1700, maxYear: 2200 })).toBe(Date.UTC(1750, 0, 1));
    expect(tryParseTimestamp('2150-01-01', { minYear: 1900, maxYear: 2100 })).toBeNaN();
  });

  it('agrees with Date on every round-tripped instant and date of years 1..9999', () => {
    const range = { min: FIRST_TIMESTAMP_MS, max: LAST_TIMESTAMP_MS };
    fc.assert(
      fc.property(fc.integer(range), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(iso).toMatch(/^\d{4}-/);
        expect(parseTimestamp(iso)).toBe(ms);
        expect(parseTimestamp(String(ms))).toBe(ms);
        expect(parseTimestamp(iso.slice(0, 10))).toBe(utc(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10)));
      }),
      { numRuns: 2000 },
    );
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1600, 3, 1) * 86_400_000).toBe(Date.UTC(1600, 2, 1));
  });

  it('is linear on adversarial input', () => {
    const t = performance.now();
    expect(() => parseTimestamp('2024-01-01T' + '1'.repeat(100_000))).toThrow();
    expect(() => parseTimestamp('1'.repeat(100_000))).toThrow();
    expect(performance.now() - t).toBeLessThan(50);
  });

  it('parses 200k stamps quickly', () => {
    const raws = Array.from({ length: 200_000 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 1_800_000).toISOString().replace('.000Z', '+10:00'));
    const t = performance.now();
    const ms = parseTimestamps(raws);
    const elapsed = performance.now() - t;
    expect(ms[199_999] - ms[0]).toBe(199_999 * 1_800_000);
    expect(elapsed).toBeLessThan(1000); // ~60 ms measured (about Date.parse's speed); generous for a shared box
  });
});
