import { spectrum } from './fft';
import { normalQuantile, spectralRatio } from './spectral-check';
import { DAY_MS, WEEK_MS } from './calendar';
import { Frequency, parseFrequency } from './frequency';

/** The conventional season length of a frequency: a day of sub-daily steps, a week of days, a year otherwise. */
export function defaultSeasonalPeriod(freq: Frequency | string): number {
  const f = parseFrequency(freq);
  if (f.kind === 'business-day') return 5;
  if (f.kind === 'calendar') {
    const perYear = f.unit === 'month' ? 12 : f.unit === 'quarter' ? 4 : 1;
    return Number.isInteger(perYear / f.multiple) ? perYear / f.multiple : 1;
  }
  const s = f.stepMs;
  if (s < DAY_MS && DAY_MS % s === 0) return DAY_MS / s;
  if (s === DAY_MS) return 7;
  if (s === WEEK_MS) return 52;
  return 1;
}

/** Periods worth testing for a frequency: the default and, for sub-daily and daily data, the week and year. */
export function seasonalCandidates(freq: Frequency | string): number[] {
  const f = parseFrequency(freq);
  const m = defaultSeasonalPeriod(f);
  if (f.kind === 'fixed' && f.stepMs < DAY_MS && m > 1) return [m, 7 * m];
  if (f.kind === 'fixed' && f.stepMs === DAY_MS) return [7, 30, 365];
  if (f.kind === 'business-day') return [5, 21, 261];
  return m > 1 ? [m] : [];
}

export type Detrend = 'linear' | 'difference' | 'mean';

/** Removes a least-squares line (or takes first differences, or nothing: 'mean'), then the mean; NaN stays NaN. */
export function detrend(values: ArrayLike<number>, how: Detrend = 'linear'): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (how === 'difference') {
    out[0] = NaN;
    for (let i = 1; i < n; i++) out[i] = values[i] - values[i - 1];
  } else if (how === 'mean') {
    for (let i = 0; i < n; i++) out[i] = values[i];
  } else {
    let sx = 0,
      sy = 0,
      sxx = 0,
      sxy = 0,
      m = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== v) continue;
      sx += i;
      sy += v;
      sxx += i * i;
      sxy += i * v;
      m++;
    }
    const den = m * sxx - sx * sx;
    const slope = m > 1 && den !== 0 ? (m * sxy - sx * sy) / den : 0;
    const icpt = m ? (sy - slope * sx) / m : 0;
    for (let i = 0; i < n; i++) out[i] = values[i] - (icpt + slope * i);
  }
  let sum = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    if (out[i] === out[i]) {
      sum += out[i];
      cnt++;
    }
  }
  for (let i = 0; i < n; i++) out[i] -= cnt ? sum / cnt : 0;
  return out;
}

/**
 * Sample autocorrelation at lags 0..maxLag (biased estimator: pairs with a NaN contribute 0),
 * computed through the FFT, of the detrended series.
 */
export function autocorrelation(values: ArrayLike<number>, maxLag: number, how: Detrend = 'linear'): Float64Array {
  const { autocov } = spectrum(detrend(values, how));
  const out = new Float64Array(maxLag + 1);
  for (let k = 0; k <= maxLag && k < autocov.length; k++) out[k] = autocov[0] > 0 ? autocov[k] / autocov[0] : 0;
  return out;
}

export interface SeasonalityOptions {
  /** Only these periods are considered (each still has to be a significant ACF peak). */
  candidates?: number[];
  /** Longest period considered without candidates; default min(n/3, 1000): at least three cycles. */
  maxPeriod?: number;
  /** How to remove the trend before the ACF (default 'linear'). */
  detrend?: Detrend;
}

export interface Seasonality {
  /** 1 when nothing is significant. */
  period: number;
  /** Autocorrelation of the detrended series at the period (0 when none was found). */
  strength: number;
  detected: boolean;
  /** Spectral peak at the period (or a harmonic) over the local background (0 when none was found). */
  spectralRatio: number;
}

/** Tunables, exported for the spec's documentation of what "significant" means. */
export const SEASONALITY_THRESHOLDS = Object.freeze({
  alpha: 0.05,
  minAcf: 0.1,
  minSpectralRatio: 10,
  maxContenders: 5,
  divisorShare: 0.8,
  fewRepeatsShare: 0.9,
  manyRepeats: 5,
});

/**
 * A trend or slowly decaying autocorrelation tilts ACF peaks towards shorter lags (23 instead of
 * 24); the lag next to a peak whose multiples line up best with the ACF is the true period.
 */
function refinePeak(r: (k: number) => number, p0: number, maxLag: number): number {
  const k = Math.max(1, Math.min(4, Math.floor(maxLag / (p0 + 1))));
  let best = p0;
  let bestScore = -Infinity;
  for (let p = Math.max(2, p0 - 1); p <= p0 + 1; p++) {
    let score = 0;
    for (let j = 1; j <= k; j++) score += r(j * p);
    if (score > bestScore + 1e-12) [best, bestScore] = [p, score];
  }
  return best;
}

/**
 * The dominant seasonal period of a series (NaN = missing).
 * 1. Contenders: without candidates, every local ACF peak of the detrended series up to n/3 (its
 *    location refined by its multiples); with candidates, each one with an ACF peak within ±2%.
 * 2. Significance: the ACF must beat a Bonferroni bound for white noise over the lags tried, and
 *    (for the 5 strongest) the periodogram at 1/p or a harmonic must stand out of its local level
 *    by a factor that grows with the number of frequencies searched (spectral cross-check).
 * 3. The highest ACF wins, except that a qualifying divisor with >= 80% of its ACF (>= 90% when it
 *    repeats fewer than 5 times) is preferred: 24 over 168, but not 6 over 12 for mere harmonics.
 * Period 1 when nothing qualifies. Measured false-positive rates are in the spec.
 */
export function detectSeasonalPeriod(values: ArrayLike<number>, opts: SeasonalityOptions = {}): Seasonality {
  const none: Seasonality = { period: 1, strength: 0, detected: false, spectralRatio: 0 };
  const n = values.length;
  let finite = 0;
  for (let i = 0; i < n; i++) if (values[i] === values[i]) finite++;
  const maxLag = Math.floor(n / 2);
  const top = opts.candidates ? maxLag - 1 : Math.min(opts.maxPeriod ?? 1000, Math.floor(n / 3), maxLag - 1);
  if (top < 2 || finite < 8) return none;
  const { size, power, autocov } = spectrum(detrend(values, opts.detrend));
  if (!(autocov[0] > 0)) return none;
  const r = (k: number) => (k < maxLag ? autocov[k] / autocov[0] : 0);
  const isPeak = (k: number) => k >= 2 && r(k) >= r(k - 1) && r(k) >= r(k + 1);
  const contenders = new Set<number>();
  if (opts.candidates) {
    for (const p of opts.candidates) {
      if (!Number.isInteger(p) || p < 2 || p > top) continue;
      const w = Math.max(1, Math.round(0.02 * p));
      for (let k = p - w; k <= p + w; k++) if (isPeak(k)) contenders.add(p);
    }
  } else {
    for (let k = 2; k <= top; k++) if (isPeak(k)) contenders.add(Math.min(top, refinePeak(r, k, maxLag)));
  }
  // Under no autocorrelation r(k) ~ N(0, 1/n); z grows with the number of lags tried (a Bonferroni-like bound).
  const tried = opts.candidates ? Math.max(1, opts.candidates.length) : top - 1;
  const minAcf = Math.max(SEASONALITY_THRESHOLDS.minAcf, normalQuantile(1 - SEASONALITY_THRESHOLDS.alpha / tried) / Math.sqrt(finite));
  // A padded periodogram ordinate exceeds T x its median with probability ~2.5·2^-T; a free search
  // covers n/2 frequencies (3 harmonics each), hence T = log2(2.5 · 3 · searched / alpha), at least 10.
  const searched = opts.candidates ? Math.max(1, opts.candidates.length) : n / 2;
  const minRatio = Math.max(SEASONALITY_THRESHOLDS.minSpectralRatio, Math.log2((7.5 * searched) / SEASONALITY_THRESHOLDS.alpha));
  const peaks: { p: number; acf: number; ratio: number }[] = [];
  // Only the strongest few ACF peaks face the spectral test: fewer chances for a chance peak.
  const strongest = [...contenders]
    .filter((p) => r(p) > minAcf)
    .sort((a, b) => r(b) - r(a))
    .slice(0, SEASONALITY_THRESHOLDS.maxContenders);
  for (const p of strongest.sort((a, b) => a - b)) {
    const acf = r(p);
    const ratio = spectralRatio(power, size, n, p);
    if (ratio >= minRatio) peaks.push({ p, acf, ratio });
  }
  if (peaks.length === 0) return none;
  let best = peaks.reduce((a, b) => (b.acf > a.acf ? b : a));
  const { divisorShare, fewRepeatsShare, manyRepeats } = SEASONALITY_THRESHOLDS;
  const divisor = peaks.find((d) => {
    const repeats = best.p / d.p;
    return d.p < best.p && Number.isInteger(repeats) && d.acf >= (repeats >= manyRepeats ? divisorShare : fewRepeatsShare) * best.acf;
  });
  if (divisor) best = divisor;
  return { period: best.p, strength: best.acf, detected: true, spectralRatio: best.ratio };
}
