import type { Frequency } from './frequency';

const H = 3_600_000;
const D = 24 * H;

/** The conventional season length of a frequency (GIFT-Eval / fev defaults). */
export function defaultSeasonalPeriod(f: Frequency): number {
  if (f.kind === 'business-day') return 5;
  if (f.kind === 'calendar') return f.unit === 'month' ? Math.max(1, Math.round(12 / f.multiple)) : f.unit === 'quarter' ? Math.max(1, Math.round(4 / f.multiple)) : 1;
  const s = f.stepMs;
  if (s < D && D % s === 0) return D / s; // sub-daily: a day's worth of steps
  if (s === D) return 7;
  if (s === 7 * D) return 52;
  return 1;
}

/** NaN-aware autocorrelation of a linearly detrended series at lags 1..maxLag. */
export function acf(values: ArrayLike<number>, maxLag: number): Float64Array {
  const n = values.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    sx += i; sy += v; sxx += i * i; sxy += i * v; m++;
  }
  const slope = m > 1 ? (m * sxy - sx * sy) / (m * sxx - sx * sx || 1) : 0;
  const icpt = m ? (sy - slope * sx) / m : 0;
  const r = new Float64Array(n);
  let mean = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    r[i] = values[i] - (icpt + slope * i);
    if (!Number.isNaN(r[i])) { mean += r[i]; cnt++; }
  }
  mean = cnt ? mean / cnt : 0;
  let v0 = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(r[i])) { r[i] -= mean; v0 += r[i] * r[i]; }
  v0 = cnt ? v0 / cnt : 0;
  const out = new Float64Array(maxLag + 1);
  out[0] = 1;
  for (let lag = 1; lag <= maxLag; lag++) {
    let s = 0, k = 0;
    for (let i = lag; i < n; i++) {
      const a = r[i], b = r[i - lag];
      if (!Number.isNaN(a) && !Number.isNaN(b)) { s += a * b; k++; }
    }
    out[lag] = k > 2 && v0 > 0 ? s / k / v0 : 0;
  }
  return out;
}

export interface Seasonality {
  period: number;
  /** Autocorrelation at the period (0 when none was found). */
  strength: number;
  detected: boolean;
}

/**
 * The dominant seasonal period by ACF: the lag (≥ 2) with the highest autocorrelation that is a
 * local peak above max(0.2, 2/sqrt(n)); the frequency's conventional period wins near-ties (within
 * 0.05), so hourly data says 24 rather than 23 or 25. Period 1 when nothing is significant.
 */
export function detectSeasonalPeriod(values: ArrayLike<number>, opts: { maxPeriod?: number; preferred?: number[] } = {}): Seasonality {
  const n = values.length;
  const maxLag = Math.min(opts.maxPeriod ?? 400, Math.floor(n / 2));
  if (maxLag < 2) return { period: 1, strength: 0, detected: false };
  const r = acf(values, maxLag);
  const threshold = Math.max(0.2, 2 / Math.sqrt(n));
  let best = -1;
  for (let lag = 2; lag < maxLag; lag++) {
    if (r[lag] > threshold && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && (best < 0 || r[lag] > r[best])) best = lag;
  }
  if (best < 0) return { period: 1, strength: 0, detected: false };
  for (const p of opts.preferred ?? []) {
    if (p >= 2 && p <= maxLag && r[p] >= r[best] - 0.05 && r[p] > threshold) return { period: p, strength: r[p], detected: true };
  }
  return { period: best, strength: r[best], detected: true };
}
