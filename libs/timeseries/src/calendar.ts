import { daysFromCivil, daysInMonth } from './parse-timestamp';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** Whole days since 1970-01-01 (floored, also before 1970). */
export function dayNumber(ts: number): number {
  return Math.floor(ts / DAY_MS);
}

/** Milliseconds since UTC midnight, always 0..DAY_MS-1. */
export function timeOfDay(ts: number): number {
  return ts - dayNumber(ts) * DAY_MS;
}

/** UTC calendar date of a timestamp (month 1..12), without a Date (H. Hinnant's civil_from_days). */
export function civil(ts: number): { year: number; month: number; day: number } {
  const z = dayNumber(ts) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(ts: number): number {
  return (((dayNumber(ts) + 3) % 7) + 7) % 7;
}

export function isWeekend(ts: number): boolean {
  return isoWeekday(ts) >= 5;
}

/** Months since year 0, so that differences count calendar months. */
export function monthIndex(ts: number): number {
  const c = civil(ts);
  return c.year * 12 + c.month - 1;
}

export function isMonthStart(ts: number): boolean {
  return timeOfDay(ts) === 0 && civil(ts).day === 1;
}

export function isMonthEnd(ts: number): boolean {
  if (timeOfDay(ts) !== 0) return false;
  const c = civil(ts);
  return c.day === daysInMonth(c.year, c.month);
}

/** Adds calendar months; a month-end stays a month-end, other days clamp to the month's length. */
export function addMonths(ts: number, months: number): number {
  const c = civil(ts);
  const keepEnd = c.day !== 1 && c.day === daysInMonth(c.year, c.month);
  const target = c.year * 12 + c.month - 1 + months;
  const y = Math.floor(target / 12);
  const m = target - y * 12 + 1;
  const day = keepEnd ? daysInMonth(y, m) : Math.min(c.day, daysInMonth(y, m));
  return daysFromCivil(y, m, day) * DAY_MS + timeOfDay(ts);
}

/**
 * Business-day index: consecutive weekdays get consecutive integers. A weekend day maps to the
 * Friday before (`rollForward` false) or the Monday after (`rollForward` true).
 */
export function businessIndex(ts: number, rollForward = false): number {
  const s = dayNumber(ts) + 3; // Monday ≡ 0 (mod 7)
  const w = Math.floor(s / 7);
  const r = s - 7 * w;
  if (r <= 4) return 5 * w + r;
  return rollForward ? 5 * w + 5 : 5 * w + 4;
}

/** Inverse of businessIndex at a given time of day. */
export function fromBusinessIndex(b: number, tod: number): number {
  const w = Math.floor(b / 5);
  return (7 * w + (b - 5 * w) - 3) * DAY_MS + tod;
}

/** Adds n business days in O(1); from a weekend, +1 is Monday and -1 is Friday (as pandas BDay). */
export function addBusinessDays(ts: number, n: number): number {
  if (n === 0) return ts;
  return fromBusinessIndex(businessIndex(ts, n < 0) + n, timeOfDay(ts));
}
