import Holidays from 'date-holidays';
import { InvalidInputError } from '#common';
import { DAY_MS, civil, isoWeekday } from '#timeseries';

/** Which generated calendar covariates; `holidays` as COUNTRY or COUNTRY-REGION (ISO 3166, date-holidays codes). */
export interface CalendarSpec {
  hourOfDay?: boolean;
  dayOfWeek?: boolean;
  month?: boolean;
  holidays?: string;
  /** IANA zone the hour, weekday and month are read in (sub-daily grids); default the holiday country's first zone, else UTC. */
  timeZone?: string;
  /** Fourier pairs (sin/cos of the first `harmonics` multiples of the cycle) or one indicator per level (first level dropped). */
  encoding?: 'fourier' | 'one-hot';
}

export interface CalendarColumn {
  name: string;
  kind: 'numeric' | 'flag';
  values: Float64Array;
}

/** Harmonics per cycle for the Fourier encoding. */
const HARMONICS = { hourOfDay: 3, dayOfWeek: 2, month: 2 };
/** date-holidays types counted as holidays: days most businesses close (not observances, school or optional ones). */
const HOLIDAY_TYPES = new Set(['public', 'bank']);

/** Parses COUNTRY[-REGION] and checks that date-holidays knows it (422 otherwise). */
export function holidayCalendar(code: string): Holidays {
  const m = /^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,4}))?$/.exec(code.trim());
  const hd = new Holidays();
  const country = m?.[1].toUpperCase();
  const region = m?.[2]?.toUpperCase();
  // init() accepts unknown codes (and then knows no holidays), so the code is checked against the lists first.
  const known = country !== undefined && country in hd.getCountries() && (region === undefined || region in (hd.getStates(country) ?? {}));
  if (!known)
    throw new InvalidInputError(
      'UNKNOWN_HOLIDAY_CALENDAR',
      `no public holiday calendar for ${JSON.stringify(code)} (COUNTRY or COUNTRY-REGION, e.g. AU-VIC, US)`,
      {
        holidays: code,
      },
    );
  if (region) hd.init(country, region);
  else hd.init(country);
  return hd;
}

interface Local {
  hour: number;
  weekday: number;
  month: number;
}

/** Local wall-clock parts in a zone; the offset is looked up once per UTC day and again only where DST changes it. */
function localParts(ts: readonly number[], timeZone: string): Local[] {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const offset = (t: number): number => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - Math.floor(t / 60_000) * 60_000;
  };
  const byDay = new Map<number, [number, number]>();
  return ts.map((t) => {
    const d = Math.floor(t / DAY_MS);
    let o = byDay.get(d);
    if (!o) byDay.set(d, (o = [offset(d * DAY_MS), offset((d + 1) * DAY_MS - 1)]));
    const local = t + (o[0] === o[1] ? o[0] : offset(t));
    return { hour: (local - Math.floor(local / DAY_MS) * DAY_MS) / 3_600_000, weekday: isoWeekday(local), month: civil(local).month - 1 };
  });
}

function cyclic(name: string, phase: number[], period: number, levels: number, harmonics: number, encoding: 'fourier' | 'one-hot'): CalendarColumn[] {
  const out: CalendarColumn[] = [];
  if (encoding === 'one-hot') {
    for (let l = 1; l < levels; l++) out.push({ name: `${name}=${l}`, kind: 'flag', values: Float64Array.from(phase, (p) => (Math.floor(p) === l ? 1 : 0)) });
    return out;
  }
  for (let k = 1; k <= harmonics; k++) {
    out.push({ name: `${name}:sin${k}`, kind: 'numeric', values: Float64Array.from(phase, (p) => Math.sin((2 * Math.PI * k * p) / period)) });
    out.push({ name: `${name}:cos${k}`, kind: 'numeric', values: Float64Array.from(phase, (p) => Math.cos((2 * Math.PI * k * p) / period)) });
  }
  return out;
}

/**
 * Holiday column on the grid. Sub-daily grids: 1 while a holiday lasts in the country's local time
 * (date-holidays' start/end, DST included). Daily and coarser grids, whose timestamps label dates:
 * the number of holiday dates in the cell (previous grid point, this one], so 0/1 per day and a
 * count per week or month.
 */
function holidayColumn(grid: readonly number[], hd: Holidays, stepMs: number): Float64Array {
  const y0 = civil(grid[0] - 31 * DAY_MS).year;
  const y1 = civil(grid[grid.length - 1] + 31 * DAY_MS).year;
  const days: { start: number; end: number; day: number }[] = [];
  for (let y = y0; y <= y1; y++)
    for (const h of hd.getHolidays(y)) {
      if (!HOLIDAY_TYPES.has(h.type)) continue;
      const [yy, mm, dd] = h.date.slice(0, 10).split('-').map(Number);
      days.push({ start: h.start.getTime(), end: h.end.getTime(), day: Date.UTC(yy, mm - 1, dd) });
    }
  if (stepMs < DAY_MS) return Float64Array.from(grid, (t) => (days.some((h) => t >= h.start && t < h.end) ? 1 : 0));
  const dates = new Set(days.map((h) => h.day));
  return Float64Array.from(grid, (t, g) => {
    const from = g > 0 ? grid[g - 1] : t - stepMs;
    let n = 0;
    for (const d of dates) if (d > from && d <= t) n++;
    return n;
  });
}

/**
 * Calendar covariates on the model grid (history and horizon alike, nothing to forecast). Cycles the
 * grid cannot resolve are left out: hour of day needs a sub-daily grid, day of week a sub-weekly
 * one, month a grid finer than a month.
 */
export function calendarColumns(grid: readonly number[], spec: CalendarSpec): CalendarColumn[] {
  if (grid.length === 0) return [];
  const stepMs = grid.length > 1 ? (grid[grid.length - 1] - grid[0]) / (grid.length - 1) : DAY_MS;
  const hd = spec.holidays ? holidayCalendar(spec.holidays) : null;
  const zone = spec.timeZone ?? hd?.getTimezones()?.[0] ?? 'UTC';
  const encoding = spec.encoding ?? 'fourier';
  // Daily and coarser timestamps are dates: their UTC parts are the local calendar.
  const parts = stepMs < DAY_MS ? localParts(grid, zone) : grid.map((t) => ({ hour: 0, weekday: isoWeekday(t), month: civil(t).month - 1 }));
  const out: CalendarColumn[] = [];
  if (spec.hourOfDay && stepMs < DAY_MS)
    out.push(
      ...cyclic(
        'hourOfDay',
        parts.map((p) => p.hour),
        24,
        24,
        HARMONICS.hourOfDay,
        encoding,
      ),
    );
  if (spec.dayOfWeek && stepMs < 7 * DAY_MS)
    out.push(
      ...cyclic(
        'dayOfWeek',
        parts.map((p) => p.weekday + (stepMs < DAY_MS ? p.hour / 24 : 0)),
        7,
        7,
        HARMONICS.dayOfWeek,
        encoding,
      ),
    );
  if (spec.month && stepMs < 28 * DAY_MS)
    out.push(
      ...cyclic(
        'month',
        parts.map((p) => p.month),
        12,
        12,
        HARMONICS.month,
        encoding,
      ),
    );
  if (hd) out.push({ name: `holiday:${spec.holidays!.toUpperCase()}`, kind: 'flag', values: holidayColumn(grid, hd, stepMs) });
  return out;
}
