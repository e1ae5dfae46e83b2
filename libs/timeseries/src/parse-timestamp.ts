import { TimeseriesError } from './errors';

/** A value that is not a timestamp; `index` is its position when parsing many. */
export class TimestampError extends TimeseriesError {
  constructor(
    message: string,
    readonly index?: number,
  ) {
    super('INVALID_TIMESTAMP', message, index === undefined ? undefined : { index });
  }
}

export interface TimestampBounds {
  minYear: number;
  maxYear: number;
}

/**
 * Years 1..9999: every date ISO 8601's plain YYYY form can write and `Date#toISOString` prints
 * with four digits (it signs and widens years outside), so a stored timestamp always reads back
 * as it was sent. Dates are proleptic Gregorian throughout: no Julian calendar before 1582/1752.
 */
export const DEFAULT_TIMESTAMP_BOUNDS: Readonly<TimestampBounds> = { minYear: 1, maxYear: 9999 };
const DAY_MS = 86_400_000;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const year4 = (y: number) => String(y).padStart(4, '0');

/** The default bounds as a person reads them in an error message: "0001..9999". */
export const TIMESTAMP_YEARS = `${year4(DEFAULT_TIMESTAMP_BOUNDS.minYear)}..${year4(DEFAULT_TIMESTAMP_BOUNDS.maxYear)}`;
/** First and last instants (epoch ms) the default bounds admit: 0001-01-01T00:00:00.000Z, 9999-12-31T23:59:59.999Z. */
export const FIRST_TIMESTAMP_MS = daysFromCivil(DEFAULT_TIMESTAMP_BOUNDS.minYear, 1, 1) * DAY_MS;
export const LAST_TIMESTAMP_MS = daysFromCivil(DEFAULT_TIMESTAMP_BOUNDS.maxYear + 1, 1, 1) * DAY_MS - 1;

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month1: number): number {
  return month1 === 2 && isLeapYear(year) ? 29 : DAYS[month1 - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): any year, no Date. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

// Why the last parse failed; read only on the (slow) error path.
let failure = '';

function fail(why: string): number {
  failure = why;
  return NaN;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1e6; // poisons any sum it enters
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

/** Parses s[i..end) as ISO 8601 by a single forward scan (no regex, no allocation). */
function scanIso(s: string, i: number, end: number): number {
  const y = digit(s, i) * 1000 + digit(s, i + 1) * 100 + two(s, i + 2);
  if (y < 0 || s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45) return fail('expected YYYY-MM-DD');
  const mo = two(s, i + 5);
  const d = two(s, i + 8);
  if (mo < 0 || d < 0) return fail('expected YYYY-MM-DD');
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return fail('impossible date');
  let ms = daysFromCivil(y, mo, d) * DAY_MS;
  i += 10;
  if (i === end) return ms;
  const sep = s.charCodeAt(i);
  if (sep !== 84 && sep !== 116 && sep !== 32) return fail('expected T or a space after the date'); // T t ' '
  const h = two(s, i + 1);
  const mi = two(s, i + 4);
  if (h < 0 || mi < 0 || s.charCodeAt(i + 3) !== 58) return fail('expected hh:mm');
  let sec = 0;
  i += 6;
  if (s.charCodeAt(i) === 58) {
    sec = two(s, i + 1);
    if (sec < 0) return fail('expected hh:mm:ss');
    i += 3;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) {
      // fraction: up to 9 digits, truncated to milliseconds
      let frac = 0;
      let k = 0;
      for (i++; k < 9 && digit(s, i) >= 0; i++, k++) if (k < 3) frac = frac * 10 + digit(s, i);
      if (k === 0) return fail('empty fraction of a second');
      ms += k === 1 ? frac * 100 : k === 2 ? frac * 10 : frac;
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return fail('impossible time of day');
  ms += h * 3_600_000 + mi * 60_000 + sec * 1000;
  if (i < end && s.charCodeAt(i) === 32) i++;
  if (i === end) return ms;
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i + 1 === end) return ms; // Z z
  if (z !== 43 && z !== 45) return fail('unexpected characters after the time');
  const oh = two(s, i + 1);
  let om = 0;
  i += 3;
  if (i < end) {
    if (s.charCodeAt(i) === 58) i++;
    om = two(s, i);
    i += 2;
  }
  if (oh < 0 || om < 0 || i !== end) return fail('malformed UTC offset');
  if (oh > 18 || om > 59) return fail('UTC offset out of range');
  return ms - (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
}

// ISO 8601's expanded years (+010000-01-01, -0044-03-15) are refused with the reason, not as "not ISO".
const EXPANDED_YEAR = /^([+-]?)(\d{4,})-\d\d-\d\d/;

function notEpoch(s: string, start: number, end: number): number {
  const m = EXPANDED_YEAR.exec(s.slice(start, end));
  if (!m) return fail('not ISO 8601 or epoch milliseconds');
  const y = (m[1] === '-' ? -1 : 1) * Number(m[2]);
  const inside = y >= DEFAULT_TIMESTAMP_BOUNDS.minYear && y <= DEFAULT_TIMESTAMP_BOUNDS.maxYear;
  return fail(inside ? 'a year has exactly four digits and no sign' : `year outside ${TIMESTAMP_YEARS} (a year has exactly four digits)`);
}

function scanEpoch(s: string, i: number, end: number): number {
  const start = i;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  if (i === end || end - i > 16) return notEpoch(s, start, end);
  let v = 0;
  for (; i < end; i++) {
    const c = digit(s, i);
    if (c < 0) return notEpoch(s, start, end);
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** ISO 8601's reduced precisions: "YYYY" (a year) and "YYYY-MM" (a month), at their first instant. */
function scanReduced(s: string, i: number, end: number): number {
  const y = digit(s, i) * 1000 + digit(s, i + 1) * 100 + two(s, i + 2);
  if (y < 0) return fail('expected YYYY or YYYY-MM');
  if (end - i === 4) return daysFromCivil(y, 1, 1) * DAY_MS;
  const mo = two(s, i + 5);
  if (mo < 0) return fail('expected YYYY-MM');
  if (mo < 1 || mo > 12) return fail('impossible month');
  return daysFromCivil(y, mo, 1) * DAY_MS;
}

function isDigits(s: string, i: number, end: number): boolean {
  for (; i < end; i++) if (digit(s, i) < 0) return false;
  return true;
}

/**
 * ISO 8601 (date, or date-time with optional seconds, fraction and offset; naive = UTC; also the
 * reduced precisions YYYY and YYYY-MM) or epoch milliseconds (a number, or a digit string of other
 * than four digits) to epoch ms; NaN when invalid or outside the year bounds. A string of exactly
 * four digits is a year, as in ISO 8601 and in the CSVs of yearly data ("1750" is 1750-01-01; as
 * epoch ms it would be the first 10 s of 1970, never a real timestamp); a JSON number is always
 * epoch ms. ISO years have exactly four digits (0800-01-01).
 */
export function tryParseTimestamp(raw: string | number, bounds: TimestampBounds = DEFAULT_TIMESTAMP_BOUNDS): number {
  let ms: number;
  if (typeof raw === 'number') {
    ms = Number.isInteger(raw) ? raw : fail('epoch milliseconds must be a finite integer');
  } else if (typeof raw === 'string') {
    let i = 0;
    let end = raw.length;
    while (i < end && raw.charCodeAt(i) <= 32) i++;
    while (end > i && raw.charCodeAt(end - 1) <= 32) end--;
    if (i === end) return fail('empty timestamp');
    const n = end - i;
    if (n >= 10 && raw.charCodeAt(i + 4) === 45) ms = scanIso(raw, i, end);
    else if ((n === 4 && isDigits(raw, i, end)) || (n === 7 && raw.charCodeAt(i + 4) === 45)) ms = scanReduced(raw, i, end);
    else ms = scanEpoch(raw, i, end);
  } else {
    return fail('expected a string or a number');
  }
  if (ms !== ms) return NaN;
  const lo = daysFromCivil(bounds.minYear, 1, 1) * DAY_MS;
  const hi = daysFromCivil(bounds.maxYear + 1, 1, 1) * DAY_MS;
  return ms >= lo && ms < hi ? ms : fail(`year outside ${year4(bounds.minYear)}..${year4(bounds.maxYear)}`);
}

/** Like tryParseTimestamp but throws TimestampError (code INVALID_TIMESTAMP) with the reason. */
export function parseTimestamp(raw: string | number, bounds: TimestampBounds = DEFAULT_TIMESTAMP_BOUNDS, index?: number): number {
  const ms = tryParseTimestamp(raw, bounds);
  if (ms !== ms) throw new TimestampError(`${JSON.stringify(String(raw).slice(0, 40))}: ${failure}`, index);
  return ms;
}

/** Parses many values; the error carries the index of the first bad one. */
export function parseTimestamps(raws: ArrayLike<string | number>, bounds: TimestampBounds = DEFAULT_TIMESTAMP_BOUNDS): Float64Array {
  const out = new Float64Array(raws.length);
  for (let k = 0; k < raws.length; k++) {
    const ms = tryParseTimestamp(raws[k], bounds);
    if (ms !== ms) throw new TimestampError(`row ${k}: ${failure}`, k);
    out[k] = ms;
  }
  return out;
}
