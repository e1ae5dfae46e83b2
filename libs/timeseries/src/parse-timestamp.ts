export class TimestampError extends Error {
  readonly code = 'INVALID_TIMESTAMP';
  constructor(message: string) {
    super(message);
  }
}

export interface TimestampBounds {
  minYear: number;
  maxYear: number;
}

const DEFAULT_BOUNDS: TimestampBounds = { minYear: 1900, maxYear: 2200 };
// Anchored, no nested quantifiers: linear time on any input.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month1: number): number {
  return month1 === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : DAYS[month1 - 1];
}

function offsetMinutes(tz: string | undefined): number {
  if (!tz || tz === 'Z' || tz === 'z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 18 || m > 59) throw new TimestampError(`invalid UTC offset ${tz}`);
  return sign * (h * 60 + m);
}

/**
 * ISO 8601 (date, or date-time with optional seconds, fraction and offset; naive = UTC) or epoch
 * milliseconds (number or digit string) to epoch milliseconds. Impossible dates and years outside
 * the bounds are rejected.
 */
export function parseTimestamp(raw: string | number, bounds: TimestampBounds = DEFAULT_BOUNDS): number {
  let ms: number;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) throw new TimestampError('epoch milliseconds must be a finite integer');
    ms = raw;
  } else if (typeof raw === 'string') {
    const s = raw.trim();
    if (/^-?\d{1,16}$/.test(s)) {
      ms = Number(s);
    } else {
      const m = ISO_RE.exec(s);
      if (!m) throw new TimestampError('not ISO 8601 or epoch milliseconds');
      const [y, mo, d, h = 0, mi = 0, sec = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new TimestampError('impossible date');
      if (h > 23 || mi > 59 || sec > 59) throw new TimestampError('impossible time of day');
      const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
      ms = Date.UTC(y, mo - 1, d, h, mi, sec, frac) - offsetMinutes(m[8]) * 60_000;
      if (y < 100) ms = new Date(ms).setUTCFullYear(y); // Date.UTC maps 0-99 to 1900-1999
    }
  } else {
    throw new TimestampError('expected a string or a number');
  }
  const year = new Date(ms).getUTCFullYear();
  if (!(year >= bounds.minYear && year <= bounds.maxYear)) {
    throw new TimestampError(`year ${Number.isNaN(year) ? '?' : year} is outside ${bounds.minYear}..${bounds.maxYear}`);
  }
  return ms;
}
