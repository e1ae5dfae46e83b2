import { daysInMonth } from './parse-timestamp';

export type Frequency =
  | { kind: 'fixed'; stepMs: number; label: string }
  | { kind: 'calendar'; unit: 'month' | 'quarter' | 'year'; multiple: number; label: string }
  | { kind: 'business-day'; label: 'B' };

export interface InferredFrequency {
  frequency: Frequency;
  /** Share of consecutive steps consistent with the frequency (0..1). */
  confidence: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: MINUTE, T: MINUTE, h: HOUR, H: HOUR, D: DAY, W: 7 * DAY };

/** Canonical label of a fixed step: 5min, 30min, 1h, 6h, 1D, 1W, 15s, 250ms. */
export function fixedLabel(stepMs: number): string {
  if (stepMs % (7 * DAY) === 0) return `${stepMs / (7 * DAY)}W`;
  if (stepMs % DAY === 0) return `${stepMs / DAY}D`;
  if (stepMs % HOUR === 0) return `${stepMs / HOUR}h`;
  if (stepMs % MINUTE === 0) return `${stepMs / MINUTE}min`;
  if (stepMs % 1000 === 0) return `${stepMs / 1000}s`;
  return `${stepMs}ms`;
}

function calendar(unit: 'month' | 'quarter' | 'year', multiple: number): Frequency {
  return { kind: 'calendar', unit, multiple, label: `${multiple}${unit === 'month' ? 'M' : unit === 'quarter' ? 'Q' : 'Y'}` };
}

/** Parses a declared frequency: 5min (or 5T), 1h, 1D, B, 1W, 1M (MS), 1Q (QS), 1Y (A). */
export function parseFrequency(label: string): Frequency {
  const m = /^(\d{0,6})(ms|s|min|T|h|H|D|B|W|M|MS|Q|QS|Y|A|YS|AS)$/.exec(label.trim());
  if (!m) throw new Error(`unknown frequency ${JSON.stringify(label)}`);
  const n = m[1] === '' ? 1 : Number(m[1]);
  if (n < 1) throw new Error('a frequency multiple must be at least 1');
  const u = m[2];
  if (u === 'B') {
    if (n !== 1) throw new Error('only 1 business day (B) is supported');
    return { kind: 'business-day', label: 'B' };
  }
  if (u === 'M' || u === 'MS') return calendar('month', n);
  if (u === 'Q' || u === 'QS') return calendar('quarter', n);
  if (u === 'Y' || u === 'A' || u === 'YS' || u === 'AS') return calendar('year', n);
  const stepMs = n * UNIT_MS[u];
  return { kind: 'fixed', stepMs, label: fixedLabel(stepMs) };
}

function monthIndex(ts: number): number {
  const d = new Date(ts);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function isMonthStart(ts: number): boolean {
  const d = new Date(ts);
  return d.getUTCDate() === 1 && ts % DAY === 0;
}

function isMonthEnd(ts: number): boolean {
  const d = new Date(ts);
  return d.getUTCDate() === daysInMonth(d.getUTCFullYear(), d.getUTCMonth() + 1) && ts % DAY === 0;
}

/** Adds n steps; calendar steps keep month ends at month ends, business days skip weekends. */
export function stepForward(ts: number, f: Frequency, n = 1): number {
  if (f.kind === 'fixed') return ts + n * f.stepMs;
  if (f.kind === 'business-day') {
    let t = ts;
    let left = Math.abs(n);
    const dir = Math.sign(n);
    while (left > 0) {
      t += dir * DAY;
      const wd = new Date(t).getUTCDay();
      if (wd !== 0 && wd !== 6) left--;
    }
    return t;
  }
  const months = n * f.multiple * (f.unit === 'month' ? 1 : f.unit === 'quarter' ? 3 : 12);
  const d = new Date(ts);
  const end = isMonthEnd(ts) && d.getUTCDate() !== 1;
  const target = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const y = Math.floor(target / 12);
  const mo = target - y * 12;
  const day = end ? daysInMonth(y, mo + 1) : Math.min(d.getUTCDate(), daysInMonth(y, mo + 1));
  return Date.UTC(y, mo, day) + (ts % DAY);
}

function mode(xs: number[]): { value: number; count: number } {
  const counts = new Map<number, number>();
  let best = { value: xs[0], count: 0 };
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (c > best.count || (c === best.count && x < best.value)) best = { value: x, count: c };
  }
  return best;
}

/** Sorted, de-duplicated copy. */
export function uniqueSorted(timestamps: readonly number[]): number[] {
  const s = Float64Array.from(timestamps).sort();
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) out.push(s[i]);
  return out;
}

/**
 * Infers the sampling frequency of (possibly unsorted, duplicated, gappy) timestamps: calendar
 * months/quarters/years by calendar arithmetic, business days, else the most common step.
 */
export function inferFrequency(timestamps: readonly number[]): InferredFrequency | null {
  const ts = uniqueSorted(timestamps);
  if (ts.length < 2) return null;
  const steps = ts.slice(1).map((t, i) => t - ts[i]);
  if (ts.every(isMonthStart) || ts.every(isMonthEnd)) {
    const dm = ts.slice(1).map((t, i) => monthIndex(t) - monthIndex(ts[i]));
    const m = mode(dm);
    if (m.value >= 1 && m.count / dm.length >= 0.5) {
      const f = m.value % 12 === 0 ? calendar('year', m.value / 12) : m.value % 3 === 0 ? calendar('quarter', m.value / 3) : calendar('month', m.value);
      return { frequency: f, confidence: m.count / dm.length };
    }
  }
  const common = mode(steps);
  if (common.value === DAY && ts.length >= 10) {
    const weekdaysOnly = ts.every((t) => new Date(t).getUTCDay() % 6 !== 0);
    const weekendJumps = steps.filter((s, i) => s === 3 * DAY && new Date(ts[i]).getUTCDay() === 5).length;
    if (weekdaysOnly && weekendJumps > 0) {
      return { frequency: { kind: 'business-day', label: 'B' }, confidence: (common.count + weekendJumps) / steps.length };
    }
  }
  return { frequency: { kind: 'fixed', stepMs: common.value, label: fixedLabel(common.value) }, confidence: common.count / steps.length };
}

/** Number of frequency steps from a to b (b >= a), fractional when off-grid. */
export function stepsBetween(a: number, b: number, f: Frequency): number {
  if (f.kind === 'fixed') return (b - a) / f.stepMs;
  if (f.kind === 'calendar') {
    const per = f.multiple * (f.unit === 'month' ? 1 : f.unit === 'quarter' ? 3 : 12);
    return (monthIndex(b) - monthIndex(a)) / per;
  }
  let n = 0;
  for (let t = a; t < b; t = stepForward(t, f)) n++;
  return n;
}
