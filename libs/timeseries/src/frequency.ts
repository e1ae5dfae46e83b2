import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS, addBusinessDays, addMonths, businessIndex, isMonthEnd, isMonthStart, isWeekend, monthIndex } from './calendar';
import { TimeseriesError } from './errors';

export type CalendarUnit = 'month' | 'quarter' | 'year';

export type Frequency =
  | { kind: 'fixed'; stepMs: number; label: string }
  | { kind: 'calendar'; unit: CalendarUnit; multiple: number; label: string }
  | { kind: 'business-day'; label: 'B' };

const UNIT_MS: Record<string, number> = {
  ms: 1,
  L: 1,
  s: 1000,
  S: 1000,
  min: MINUTE_MS,
  T: MINUTE_MS,
  h: HOUR_MS,
  H: HOUR_MS,
  D: DAY_MS,
  d: DAY_MS,
  W: WEEK_MS,
  w: WEEK_MS,
};
const CALENDAR_UNITS: Record<string, CalendarUnit> = {
  M: 'month',
  MS: 'month',
  ME: 'month',
  Q: 'quarter',
  QS: 'quarter',
  QE: 'quarter',
  Y: 'year',
  YS: 'year',
  YE: 'year',
  A: 'year',
  AS: 'year',
};
const MONTHS_PER: Record<CalendarUnit, number> = { month: 1, quarter: 3, year: 12 };

/** Canonical label of a fixed step: 250ms, 15s, 5min, 30min, 1h, 6h, 1D, 1W. */
export function fixedLabel(stepMs: number): string {
  if (stepMs % WEEK_MS === 0) return `${stepMs / WEEK_MS}W`;
  if (stepMs % DAY_MS === 0) return `${stepMs / DAY_MS}D`;
  if (stepMs % HOUR_MS === 0) return `${stepMs / HOUR_MS}h`;
  if (stepMs % MINUTE_MS === 0) return `${stepMs / MINUTE_MS}min`;
  if (stepMs % 1000 === 0) return `${stepMs / 1000}s`;
  return `${stepMs}ms`;
}

export function fixedFrequency(stepMs: number): Frequency {
  if (!(Number.isInteger(stepMs) && stepMs > 0)) throw new TimeseriesError('INVALID_FREQUENCY', `a step must be a positive whole number of ms, got ${stepMs}`);
  return { kind: 'fixed', stepMs, label: fixedLabel(stepMs) };
}

export function calendarFrequency(unit: CalendarUnit, multiple = 1): Frequency {
  return { kind: 'calendar', unit, multiple, label: `${multiple}${unit === 'month' ? 'M' : unit === 'quarter' ? 'Q' : 'Y'}` };
}

export const BUSINESS_DAY: Frequency = Object.freeze({ kind: 'business-day', label: 'B' });

/**
 * Parses a declared frequency: an optional multiple and a unit, pandas aliases included
 * (5min/5T, 15s, 1h/H, 1D, B, 1W, 1M/MS/ME, 1Q/QS/QE, 1Y/YS/YE/A). Returns the canonical form.
 */
export function parseFrequency(label: string | Frequency): Frequency {
  if (typeof label !== 'string') return label;
  const s = label.trim();
  let i = 0;
  while (i < s.length && i < 7 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const n = i === 0 ? 1 : Number(s.slice(0, i));
  const unit = s.slice(i);
  const bad = (why: string) => new TimeseriesError('INVALID_FREQUENCY', `frequency ${JSON.stringify(label)}: ${why}`);
  if (n < 1) throw bad('the multiple must be at least 1');
  if (unit === 'B') {
    if (n !== 1) throw bad('only 1 business day (B) is supported');
    return BUSINESS_DAY;
  }
  if (unit in CALENDAR_UNITS) return calendarFrequency(CALENDAR_UNITS[unit], n);
  if (unit in UNIT_MS) return fixedFrequency(n * UNIT_MS[unit]);
  throw bad('unknown unit (use ms, s, min, h, D, B, W, M, Q or Y)');
}

/** Typical length of one step in ms (calendar units by their mean length); for ordering and tolerances. */
export function nominalStepMs(f: Frequency): number {
  if (f.kind === 'fixed') return f.stepMs;
  if (f.kind === 'business-day') return DAY_MS;
  return f.multiple * MONTHS_PER[f.unit] * 30.436875 * DAY_MS;
}

/** Adds n steps (n may be negative); month ends stay month ends, business days skip weekends. */
export function stepForward(ts: number, f: Frequency, n = 1): number {
  if (f.kind === 'fixed') return ts + n * f.stepMs;
  if (f.kind === 'business-day') return addBusinessDays(ts, n);
  return addMonths(ts, n * f.multiple * MONTHS_PER[f.unit]);
}

/** Steps of `f` from a to b; fractional for fixed steps off the grid, whole for calendar units. */
export function stepsBetween(a: number, b: number, f: Frequency): number {
  if (f.kind === 'fixed') return (b - a) / f.stepMs;
  if (f.kind === 'business-day') return businessIndex(b) - businessIndex(a);
  return (monthIndex(b) - monthIndex(a)) / (f.multiple * MONTHS_PER[f.unit]);
}

/** Sorted, de-duplicated copy; non-finite values are dropped. */
export function uniqueSorted(timestamps: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(timestamps).sort();
  let k = 0;
  for (let i = 0; i < s.length; i++) if (Number.isFinite(s[i]) && (k === 0 || s[i] !== s[k - 1])) s[k++] = s[i];
  return s.subarray(0, k);
}

export interface InferredFrequency {
  frequency: Frequency;
  /** Share of consecutive (de-duplicated) steps that are exactly one step of `frequency` (0..1). */
  confidence: number;
}

/** Distinct values of a sorted array with their counts, most frequent first (ties: smaller first). */
function histogram(sorted: Float64Array): { value: number; count: number }[] {
  const out: { value: number; count: number }[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    out.push({ value: sorted[i], count: j - i });
    i = j;
  }
  return out.sort((a, b) => b.count - a.count || a.value - b.value);
}

function shareWhere(ts: Float64Array, consistent: (a: number, b: number) => boolean): number {
  let k = 0;
  for (let i = 1; i < ts.length; i++) if (consistent(ts[i - 1], ts[i])) k++;
  return k / (ts.length - 1);
}

function inferCalendar(ts: Float64Array, onCalendar: (t: number) => boolean): InferredFrequency | null {
  const dm: number[] = [];
  for (let i = 1; i < ts.length; i++) if (onCalendar(ts[i - 1]) && onCalendar(ts[i])) dm.push(monthIndex(ts[i]) - monthIndex(ts[i - 1]));
  if (dm.length === 0) return null;
  const top = histogram(Float64Array.from(dm).sort())[0];
  if (top.value < 1 || top.count < 0.5 * dm.length) return null;
  const f =
    top.value % 12 === 0
      ? calendarFrequency('year', top.value / 12)
      : top.value % 3 === 0
        ? calendarFrequency('quarter', top.value / 3)
        : calendarFrequency('month', top.value);
  return { frequency: f, confidence: shareWhere(ts, (a, b) => onCalendar(a) && stepForward(a, f) === b) };
}

/**
 * Infers the sampling frequency of (possibly unsorted, duplicated, gappy) epoch-ms timestamps.
 * Calendar months/quarters/years by calendar arithmetic when at least 90% of the stamps are UTC
 * month starts (or month ends); business days when only weekdays occur with Friday-to-Monday jumps;
 * otherwise the largest frequent step that at least 90% of all steps are whole multiples of (so
 * gaps do not shrink it), falling back to the most frequent step. Null with fewer than 2 stamps.
 */
export function inferFrequency(timestamps: ArrayLike<number>): InferredFrequency | null {
  const ts = uniqueSorted(timestamps);
  if (ts.length < 2) return null;
  let starts = 0;
  let ends = 0;
  for (const t of ts) {
    if (isMonthStart(t)) starts++;
    else if (isMonthEnd(t)) ends++;
  }
  if (Math.max(starts, ends) >= 0.9 * ts.length) {
    const cal = inferCalendar(ts, starts >= ends ? isMonthStart : isMonthEnd);
    if (cal) return cal;
  }
  const steps = new Float64Array(ts.length - 1);
  for (let i = 1; i < ts.length; i++) steps[i - 1] = ts[i] - ts[i - 1];
  const hist = histogram(steps.slice().sort());
  const minCount = Math.max(2, 0.05 * steps.length);
  const multiplesShare = (s: number) => steps.reduce((k, x) => (x % s === 0 ? k + 1 : k), 0) / steps.length;
  // The base step: the largest candidate that (nearly) all steps are multiples of, else the best-explaining one.
  let best = { value: hist[0].value, share: -1, ok: false };
  for (const c of hist.slice(0, 8)) {
    if (c !== hist[0] && c.count < minCount) continue;
    const share = multiplesShare(c.value);
    const ok = share >= 0.9;
    if ((ok && (!best.ok || c.value > best.value)) || (!ok && !best.ok && share > best.share)) best = { value: c.value, share, ok };
  }
  const step = best.value;
  if (step === DAY_MS && ts.length >= 6 && !ts.some(isWeekend) && shareWhere(ts, (a, b) => b - a === 3 * DAY_MS) > 0) {
    return { frequency: BUSINESS_DAY, confidence: shareWhere(ts, (a, b) => addBusinessDays(a, 1) === b) };
  }
  const count = hist.find((c) => c.value === step)!.count;
  return { frequency: fixedFrequency(step), confidence: count / steps.length };
}
