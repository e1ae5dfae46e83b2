/**
 * Typical periodogram level at bin c judged from bins lo..hi outside [c - w, c + w]: a straight line
 * fitted to log power against log frequency (so red spectra and one-sided bands near 0 are fair),
 * shifted from the mean log to the median of an exponential ordinate (ln 2 · e^γ). NaN with < 6 bins.
 */
function background(power: Float64Array, lo: number, hi: number, c: number, w: number): number {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let j = Math.max(1, lo); j <= Math.min(power.length - 1, hi); j++) {
    if (Math.abs(j - c) <= w || !(power[j] > 0)) continue;
    const x = Math.log(j);
    const y = Math.log(power[j]);
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  if (n < 6) return NaN;
  const den = n * sxx - sx * sx;
  const slope = den > 0 ? (n * sxy - sx * sy) / den : 0;
  return Math.exp((sy - slope * sx) / n + slope * Math.log(c)) * Math.LN2 * Math.exp(0.5772156649);
}

/**
 * Spectral cross-check: the peak power near h·size/p (h = 1..3) over the background level of the
 * neighbouring bins (±40% of the frequency, at least ±10 resolution cells; the peak's own ±2 cells
 * left out).
 */
export function spectralRatio(power: Float64Array, size: number, n: number, p: number): number {
  let best = 0;
  const w = Math.max(1, Math.ceil(size / n)); // the unpadded resolution, in padded bins
  for (let h = 1; h <= 3; h++) {
    const c = Math.round((h * size) / p);
    if (c >= power.length) break;
    let peak = 0;
    for (let j = Math.max(1, c - w); j <= Math.min(power.length - 1, c + w); j++) peak = Math.max(peak, power[j]);
    const half = Math.max(10 * w, Math.round(0.4 * c));
    const bg = background(power, c - half, c + half, c, 2 * w);
    if (bg > 0) best = Math.max(best, peak / bg);
  }
  return best;
}

/** Standard normal quantile (P. J. Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
