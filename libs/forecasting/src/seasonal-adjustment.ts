import { MultiplicativeAdjustmentInfo, SeasonalAdjustmentInfo, autocorrelation } from '#timeseries';

/** Observed steps the context must hold, in seasons, before a season is tested and divided out. */
export const MIN_ADJUSTMENT_CYCLES = 3;

/** z of the one-sided 90 % bound of the lag-m autocorrelation test (the M4 competition's Theta benchmark). */
const Z90 = 1.645;

/**
 * Multiplicative seasonal adjustment (manifest `seasonalAdjustment`: catalog models, and their fine-tunes,
 * whose windows are cut the same way, finetune.service.ts): the model reads
 * the context divided by a seasonal profile, and its quantiles are multiplied by the profile's
 * factors of the steps they forecast. Classical decomposition, as the M4 competition's benchmarks
 * deseasonalise:
 *
 * 1. only a season m >= 2 on the model grid, a context whose observed values are all > 0 and number
 *    at least MIN_ADJUSTMENT_CYCLES × m, and whose lag-m autocorrelation passes the 90 % test
 *    |r_m| > 1.645 √((1 + 2 Σ_{k<m} r_k²) / n) are adjusted;
 * 2. on the log of the last `cycles` × m grid steps (all of them when fewer): a centred moving
 *    average of order m (2×m when m is even, needing every value of its window) is the trend; the
 *    mean of log value − trend per phase of the season, centred to sum 0, is the log profile;
 * 3. every grid value is divided by exp(profile) of its phase, forecast step t (0 = the first step
 *    after the anchor) multiplied by factors[t mod m].
 *
 * Null when any of it does not hold (a phase with no detrended value included): the model reads the
 * series as it is. The xlstm family reads a season poorly from its context (it has no time-scale
 * input); both shipped models measured better with it on the held-out windows (xlstm-small 0.881,
 * ssm-small 0.945 relative WQL; models/toolchain/training/HISTORY.md).
 *
 * With `additive` (manifest `seasonalAdjustment.additive`), the same decomposition on the values
 * themselves (an additive profile, the trend a centred moving average of the values) is fitted too,
 * and used instead when its residual sum of squares over the span is below `additive` times the
 * multiplicative one's (fitted value exp(log trend + log profile)): the context minus the offsets of
 * its phases, forecast step t plus offsets[t mod m]. A season whose swing does not grow with the level
 * (a temperature's day: 10 to 48 °F) divided out multiplicatively amplifies the noise of its low
 * phases and widens the quantiles of its high ones; an additive profile keeps the noise as it is.
 */
export function planSeasonalAdjustment(long: Float32Array, contextLength: number, m: number, cycles: number, additive?: number): SeasonalAdjustmentInfo | null {
  if (!Number.isInteger(m) || m < 2) return null;
  let positive = true;
  for (let i = 0; i < long.length && positive; i++) if (Number.isFinite(long[i]) && long[i] <= 0) positive = false;
  if (!positive) return null;
  const context = long.subarray(Math.max(0, long.length - contextLength));
  const test = seasonalityTest(context, m);
  if (!test || !test.passed) return null;
  const span = long.subarray(Math.max(0, long.length - cycles * m));
  const mul = decompose(span, m, true);
  if (!mul) return null;
  // profile[p] is the phase p of `span` from its start; forecast step t sits at span position span.length + t.
  const atSteps = (profile: number[], f: (v: number) => number) =>
    Array.from({ length: m }, (_, t) => Number(f(profile[(span.length + t) % m]).toPrecision(7)));
  const base = { period: m, cycles, autocorrelation: round(test.r), threshold: round(test.bound) };
  // An exact multiplicative fit (no residual) stays multiplicative, without a ratio.
  const add = additive !== undefined && mul.residualSS > 0 ? decompose(span, m, false) : null;
  if (!add) return { kind: 'multiplicative', ...base, factors: atSteps(mul.profile, Math.exp) };
  const residualRatio = round(add.residualSS / mul.residualSS);
  return residualRatio < additive!
    ? { kind: 'additive', ...base, residualRatio, offsets: atSteps(add.profile, (v) => v) }
    : { kind: 'multiplicative', ...base, residualRatio, factors: atSteps(mul.profile, Math.exp) };
}

/** The grid values without the profile of their phases (the last grid value is step −1). */
export function adjustValues(long: Float32Array, a: SeasonalAdjustmentInfo): Float32Array {
  const m = a.period;
  const L = long.length;
  const at = (i: number) => (((i - L) % m) + m) % m;
  return a.kind === 'additive' ? Float32Array.from(long, (v, i) => v - a.offsets[at(i)]) : Float32Array.from(long, (v, i) => v / a.factors[at(i)]);
}

/** The factor of model-grid forecast step t (0 = the first step after the anchor). */
export function stepFactor(a: MultiplicativeAdjustmentInfo, t: number): number {
  return a.factors[t % a.period];
}

/** Model-grid quantiles (row t = forecast step t) with the profile of their step put back. */
export function reseasonalize(q: number[][], a: SeasonalAdjustmentInfo | null): number[][] {
  if (!a) return q;
  if (a.kind === 'additive') return q.map((row, t) => row.map((v) => v + a.offsets[t % a.period]));
  return q.map((row, t) => row.map((v) => v * stepFactor(a, t)));
}

/**
 * The lag-m autocorrelation of the observed values (pairs with both ends observed; the mean and the
 * variance over all observed) and its 90 % bound; null with fewer than MIN_ADJUSTMENT_CYCLES × m observations.
 */
export function seasonalityTest(x: ArrayLike<number>, m: number): { r: number; bound: number; passed: boolean } | null {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) n++;
  if (n < MIN_ADJUSTMENT_CYCLES * m) return null;
  // #timeseries' autocorrelation of the mean-removed values: a pair with a missing end adds nothing.
  const acf = autocorrelation(x, m, 'mean');
  if (acf[0] === 0) return null; // no variance
  let sq = 0;
  for (let k = 1; k < m; k++) sq += acf[k] ** 2;
  const r = acf[m];
  const bound = Z90 * Math.sqrt((1 + 2 * sq) / n);
  return { r, bound, passed: Math.abs(r) > bound };
}

/**
 * The centred moving average of order m (2×m when m is even: the two ends of the m + 1 window weigh a
 * half) at every position whose whole window is observed, else NaN; from prefix sums (and prefix
 * counts of missing values).
 */
function centredTrend(x: Float64Array, m: number): Float64Array {
  const half = (m % 2 === 0 ? m : m - 1) / 2;
  const sum = new Float64Array(x.length + 1);
  const gaps = new Int32Array(x.length + 1);
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isFinite(x[i]);
    sum[i + 1] = sum[i] + (ok ? x[i] : 0);
    gaps[i + 1] = gaps[i] + (ok ? 0 : 1);
  }
  const trend = new Float64Array(x.length).fill(NaN);
  for (let i = half; i < x.length - half; i++) {
    const [a, b] = [i - half, i + half + 1];
    if (gaps[b] - gaps[a] > 0) continue;
    const window = sum[b] - sum[a];
    trend[i] = (m % 2 === 0 ? window - 0.5 * (x[a] + x[b - 1]) : window) / m;
  }
  return trend;
}

/**
 * Classical decomposition of `x` with season m, on log x (`multiplicative`) or on x (additive): the
 * profile by phase from the start of `x` (the mean of value − trend per phase, centred to sum 0; in
 * logs when multiplicative), and the residual sum of squares Σ (x − fitted)² in the series' units over
 * the positions with a trend, fitted = trend + profile or exp(trend + profile). Null when a phase has
 * no value.
 */
export function decompose(x: Float32Array, m: number, multiplicative: boolean): { profile: number[]; residualSS: number } | null {
  const v = Float64Array.from(x, (y) => (Number.isFinite(y) && (!multiplicative || y > 0) ? (multiplicative ? Math.log(y) : y) : NaN));
  const trend = centredTrend(v, m);
  const sums = Array<number>(m).fill(0);
  const counts = Array<number>(m).fill(0);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(trend[i])) continue;
    sums[i % m] += v[i] - trend[i];
    counts[i % m]++;
  }
  if (counts.some((c) => c === 0)) return null;
  const idx = sums.map((s, p) => s / counts[p]);
  const mean = idx.reduce((a, b) => a + b, 0) / m;
  const profile = idx.map((p) => p - mean);
  let residualSS = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(trend[i])) continue;
    const fitted = trend[i] + profile[i % m];
    residualSS += (x[i] - (multiplicative ? Math.exp(fitted) : fitted)) ** 2;
  }
  return { profile, residualSS };
}

/** Log seasonal profile by phase from the start of `x` (classical decomposition on log x); null when a phase has no value. */
export function logProfile(x: Float32Array, m: number): number[] | null {
  return decompose(x, m, true)?.profile ?? null;
}

const round = (v: number) => Number(v.toPrecision(6));
