import { describe, expect, it } from 'vitest';
import { nextTick, scheduleFrequencyError, scheduleTimingError, shortestGapMs, ticksBetween } from './schedule-timing';

describe('schedule timing', () => {
  it.each([
    ['0 2 * * *', 'Europe/Berlin', null],
    ['*/2 * * * * *', 'UTC', null],
    ['0 25 * * *', 'UTC', 'INVALID_CRON'],
    ['61 * * * *', 'UTC', 'INVALID_CRON'],
    ['* * * *', 'UTC', 'INVALID_CRON'],
    ['every day', 'UTC', 'INVALID_CRON'],
    ['0 2 * * *', 'Mars/Base', 'INVALID_TIMEZONE'],
    ['0 2 * * *', '', 'INVALID_TIMEZONE'],
  ])('%s in %s -> %s', (cron, tz, code) => {
    expect(scheduleTimingError(cron, tz)?.code ?? null).toBe(code);
  });

  it('follows daylight saving: 02:30 Berlin is 01:30 UTC in winter and 00:30 UTC in summer', () => {
    expect(new Date(nextTick('30 2 * * *', 'Europe/Berlin', Date.UTC(2024, 0, 10))).toISOString()).toBe('2024-01-10T01:30:00.000Z');
    expect(new Date(nextTick('30 2 * * *', 'Europe/Berlin', Date.UTC(2024, 6, 10))).toISOString()).toBe('2024-07-10T00:30:00.000Z');
  });

  it('lists ticks in (after, until], oldest first, keeping the newest max', () => {
    const t0 = Date.UTC(2024, 0, 1);
    expect(ticksBetween('0 * * * *', 'UTC', t0, t0 + 3 * 3600_000, 10)).toEqual([1, 2, 3].map((h) => t0 + h * 3600_000));
    expect(ticksBetween('0 * * * *', 'UTC', t0, t0 + 48 * 3600_000, 5)).toEqual([44, 45, 46, 47, 48].map((h) => t0 + h * 3600_000));
    expect(ticksBetween('0 0 1 1 *', 'UTC', t0, t0 + 1000, 10)).toEqual([]);
  });

  it('stays fast after a year-long outage of a per-second cron', () => {
    const until = Date.UTC(2025, 0, 1);
    const started = performance.now();
    const ticks = ticksBetween('* * * * * *', 'UTC', until - 365 * 86400_000, until, 10);
    expect(ticks).toEqual(Array.from({ length: 10 }, (_, i) => until - (9 - i) * 1000));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  describe('minimum interval between runs', () => {
    const jan = Date.UTC(2024, 0, 10, 12, 0, 0);
    it.each([
      ['* * * * * *', 1],
      ['*/30 * * * * *', 30],
      ['0,10 * * * * *', 10],
      ['* * * * *', 60],
      ['0,1 * * * *', 60],
      ['*/5 * * * *', 300],
      ['0 2 * * *', 86_400],
    ])('%s: shortest gap %i s', (cron, seconds) => {
      expect(shortestGapMs(cron, 'UTC', jan)).toBe(seconds * 1000);
    });

    it('finds a short gap that only occurs late in the window (two ticks a minute apart, once a day)', () => {
      expect(shortestGapMs('0,1 3 * * *', 'Europe/Berlin', jan)).toBe(60_000);
    });

    it('refuses every-second and every-30-second crons at the 60 s default, naming the minimum; accepts every minute', () => {
      expect(scheduleFrequencyError('* * * * * *', 'UTC', 60, jan)).toEqual({
        code: 'SCHEDULE_TOO_FREQUENT',
        message: '"* * * * * *" has ticks 1 s apart; schedules may run at most once every 60 s',
        details: { minIntervalSeconds: 60, gapSeconds: 1 },
      });
      expect(scheduleFrequencyError('*/30 * * * * *', 'UTC', 60, jan)?.details).toEqual({ minIntervalSeconds: 60, gapSeconds: 30 });
      expect(scheduleFrequencyError('* * * * *', 'UTC', 60, jan)).toBeNull();
      expect(scheduleFrequencyError('0 * * * * *', 'UTC', 60, jan)).toBeNull();
      expect(scheduleFrequencyError('*/5 * * * *', 'UTC', 600, jan)?.code).toBe('SCHEDULE_TOO_FREQUENT');
    });

    it('0 turns the floor off', () => {
      expect(scheduleFrequencyError('* * * * * *', 'UTC', 0, jan)).toBeNull();
    });

    it('measures a yearly cron quickly', () => {
      const t0 = performance.now();
      expect(shortestGapMs('0 0 1 1 *', 'UTC', jan)).toBeGreaterThanOrEqual(365 * 86_400_000);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  });
});
