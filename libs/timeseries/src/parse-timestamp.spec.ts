import { describe, expect, it } from 'vitest';
import { TimestampError, parseTimestamp } from './parse-timestamp';

describe('parseTimestamp', () => {
  it.each([
    ['2024-03-01', Date.UTC(2024, 2, 1)],
    ['2024-03-01T10:17', Date.UTC(2024, 2, 1, 10, 17)],
    ['2024-03-01T10:17:05Z', Date.UTC(2024, 2, 1, 10, 17, 5)],
    ['2024-03-01 10:17:05.25', Date.UTC(2024, 2, 1, 10, 17, 5, 250)],
    ['2024-03-01T10:17:05.123456789+02:00', Date.UTC(2024, 2, 1, 8, 17, 5, 123)],
    ['2024-03-01T10:17:05+1000', Date.UTC(2024, 2, 1, 0, 17, 5)],
    ['2024-03-01T10:17:05-05', Date.UTC(2024, 2, 1, 15, 17, 5)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['1709280000000', 1709280000000],
    [1709280000000, 1709280000000],
    ['1900-01-01', Date.UTC(1900, 0, 1)],
  ])('%s', (raw, expected) => {
    expect(parseTimestamp(raw)).toBe(expected);
  });

  it.each(['2021-02-29', '2024-02-30', '2024-13-01', '2024-01-01T24:00', '2024-01-01T10:60', 'yesterday', '', '2024-1-1', '1899-12-31', '2201-01-01', 'NaN', '2024-01-01T00:00:00+25:00'])(
    'rejects %j',
    (raw) => {
      expect(() => parseTimestamp(raw)).toThrow(TimestampError);
    },
  );

  it.each([NaN, Infinity, 1.5, -5e15])('rejects the number %s', (n) => {
    expect(() => parseTimestamp(n)).toThrow(TimestampError);
  });

  it('honours custom year bounds', () => {
    expect(parseTimestamp('1750-01-01', { minYear: 1700, maxYear: 2200 })).toBe(Date.UTC(1750, 0, 1));
  });

  it('is linear on adversarial input', () => {
    const t = performance.now();
    expect(() => parseTimestamp('2024-01-01T' + '1'.repeat(100_000))).toThrow();
    expect(performance.now() - t).toBeLessThan(200);
  });
});
