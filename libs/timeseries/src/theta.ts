import { TimeseriesError } from './errors';
import { nelderMead, normalQuantile } from './ets';

/**
 * The standard Theta method (Assimakopoulos & Nikolopoulos 2000, as Hyndman & Billah 2003 showed it:
 * SES with drift), computed as statsmodels' `ThetaModel(period=m, deseasonalize=True, method='auto')`
 * `.fit()` (two-step estimation, not MLE) and `.forecast(h, theta=2)`:
 *   1. seasonality test: n·ρ_m² / Σ_{k<m} ρ_k² > χ²₁(0.9) = 2.7055 (ρ: sample ACF);
 *   2. if seasonal, classical decomposition (centred moving average of width m, 2×m when m is even),
 *      multiplicative when the series is positive and every seasonal index is positive, else additive;
 *   3. b0 = OLS slope of the adjusted series on t = 0..n-1; SES with level₀ = y₀ and α minimising
 *      the SSE on [0, 1];
 *   4. ŷ(h) = ℓ_n + (θ-1)/θ · b0 · (h - 1 + 1/α - (1-α)ⁿ/α), reseasonalised.
 * Prediction intervals as statsmodels' `prediction_intervals`: ŷ(h) ± z·σ·√(1 + (h-1)(1 + (α-1)²)),
 * σ² the MLE innovation variance of an ARIMA(0,1,1) with drift on the original (unadjusted) series.
 * Only θ = 2 (the standard method); the optimised variant (OTM) is not implemented.
 */
export interface ThetaFit {
  n: number;
  /** Season length tested; 1 when the series was not deseasonalised. */
  m: number;
  /** 'none' when no seasonal decomposition was applied. */
  method: 'mul' | 'add' | 'none';
  /** Seasonal indices for phases 0..m-1 (phase of index i = i mod m); empty when method is 'none'. */
  seasonal: number[];
  b0: number;
  alpha: number;
  /** SES level after the last observation: the one-step SES forecast. */
  level: number;
  sigma2: number;
}

/** Sample ACF at lags 0..maxLag (demeaned, biased denominator), as statsmodels' acf. */
function acf(y: Float64Array, maxLag: number): number[] {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const out: number[] = [];
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += (y[t] - mean) * (y[t + k] - mean);
    out.push(s);
  }
  return out.map((v) => v / out[0]);
}

/** The 90 % seasonality test of statsmodels' ThetaModel (use_test=True). */
export function thetaSeasonalityTest(y: Float64Array, m: number): boolean {
  if (m <= 1 || y.length <= m) return false;
  const rho = acf(y, m);
  if (!rho.every(Number.isFinite)) return false; // a constant series: no season
  let denom = 0;
  for (let k = 0; k < m; k++) denom += rho[k] ** 2;
  return (y.length * rho[m] ** 2) / denom > 2.705543454095404;
}

/** Seasonal indices of statsmodels' seasonal_decompose (two-sided MA trend, phase means, normalised). */
export function classicalSeasonal(y: Float64Array, m: number, kind: 'mul' | 'add'): number[] {
  const n = y.length;
  const filt = m % 2 === 0 ? [0.5, ...new Array<number>(m - 1).fill(1), 0.5].map((w) => w / m) : new Array<number>(m).fill(1 / m);
  const half = Math.floor(filt.length / 2);
  const sums = new Array<number>(m).fill(0);
  const counts = new Array<number>(m).fill(0);
  for (let i = half; i + filt.length - half - 1 < n; i++) {
    let trend = 0;
    for (let j = 0; j < filt.length; j++) trend += filt[j] * y[i - half + j];
    const d = kind === 'mul' ? y[i] / trend : y[i] - trend;
    if (Number.isFinite(d)) {
      sums[i % m] += d;
      counts[i % m]++;
    }
  }
  const avg = sums.map((s, k) => s / counts[k]);
  const centre = avg.reduce((a, b) => a + b, 0) / m;
  return avg.map((v) => (kind === 'mul' ? v / centre : v - centre));
}

/** SES with level₀ = y₀ (statsmodels' initialization_method='known'): SSE and final level. */
function ses(y: Float64Array, alpha: number): { sse: number; level: number } {
  let level = y[0];
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const e = y[t] - level;
    sse += e * e;
    level += alpha * e;
  }
  return { sse, level };
}

/** α ∈ [0, 1] minimising the SSE: a grid for the basin, then golden-section refinement. */
function fitSes(y: Float64Array): number {
  let best = 0;
  let bestSse = Infinity;
  for (let i = 0; i <= 100; i++) {
    const s = ses(y, i / 100).sse;
    if (s < bestSse) [best, bestSse] = [i / 100, s];
  }
  let lo = Math.max(0, best - 0.01);
  let hi = Math.min(1, best + 0.01);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (ses(y, a).sse <= ses(y, b).sse) hi = b;
    else lo = a;
  }
  const mid = (lo + hi) / 2;
  return ses(y, mid).sse <= bestSse ? mid : best;
}

/**
 * Innovation variance of ARIMA(0,1,1) with drift by exact Gaussian MLE: the differences are an
 * MA(1) with mean c, whose likelihood the innovations algorithm gives exactly; σ² concentrated out.
 */
export function arima011Sigma2(y: Float64Array): number {
  const w = y.subarray(1).map((v, i) => v - y[i]);
  const n = w.length;
  if (n < 2) return n === 1 ? 0 : NaN;
  const evaluate = (theta: number, c: number) => {
    let r = 1 + theta * theta;
    let e = w[0] - c;
    let s = (e * e) / r;
    let logdet = Math.log(r);
    for (let t = 1; t < n; t++) {
      const coef = theta / r;
      e = w[t] - c - coef * e;
      r = 1 + theta * theta - (theta * theta) / r;
      s += (e * e) / r;
      logdet += Math.log(r);
    }
    return { sigma2: s / n, nll: n * Math.log(s / n) + logdet };
  };
  const mean = w.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
  // SARIMAX enforces invertibility: θ = tanh(u) keeps the search inside (-1, 1).
  const obj = (x: number[]) => evaluate(Math.tanh(x[0]), mean + x[1] * sd).nll;
  let best = { x: [0, 0], fx: Infinity };
  for (const u0 of [-1.5, -0.5, 0.5]) {
    const r = nelderMead(obj, nelderMead(obj, [u0, 0], { step: 0.3 }).x, { step: 0.05 });
    if (r.fx < best.fx) best = r;
  }
  return evaluate(Math.tanh(best.x[0]), mean + best.x[1] * sd).sigma2;
}

/**
 * Fits the Theta method to a history (missing values carried forward, leading ones dropped).
 * Deseasonalised when m > 1, two full seasons are present and the test finds the season.
 */
export function fitTheta(values: ArrayLike<number>, m: number): ThetaFit {
  let start = 0;
  while (start < values.length && !Number.isFinite(values[start])) start++;
  const y = new Float64Array(values.length - start);
  for (let i = 0; i < y.length; i++) {
    const v = values[start + i];
    y[i] = Number.isFinite(v) ? v : y[i - 1];
  }
  const n = y.length;
  if (n < 2) throw new TimeseriesError('INVALID_ARGUMENT', `Theta needs at least 2 observed values, got ${n}`);
  let method: ThetaFit['method'] = 'none';
  let seasonal: number[] = [];
  let adj = y;
  if (m > 1 && n >= 2 * m && thetaSeasonalityTest(y, m)) {
    method = y.every((v) => v > 0) ? 'mul' : 'add';
    seasonal = classicalSeasonal(y, m, method);
    if (method === 'mul' && Math.min(...seasonal) <= 0) {
      method = 'add';
      seasonal = classicalSeasonal(y, m, 'add');
    }
    adj = y.map((v, i) => (method === 'mul' ? v / seasonal[i % m] : v - seasonal[i % m]));
  }
  // OLS slope on t = 0..n-1
  const tm = (n - 1) / 2;
  const ym = adj.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - tm) * (adj[t] - ym);
    sxx += (t - tm) ** 2;
  }
  const alpha = fitSes(adj);
  return { n, m: method === 'none' ? 1 : m, method, seasonal, b0: sxy / sxx, alpha, level: ses(adj, alpha).level, sigma2: arima011Sigma2(y) };
}

/** Point forecast (θ = 2 by default) and its variance h steps ahead. */
export function thetaForecast(fit: ThetaFit, h: number, theta = 2): { mean: Float64Array; variance: Float64Array } {
  const { alpha, b0, n } = fit;
  const mean = new Float64Array(h);
  const variance = new Float64Array(h);
  const w = (theta - 1) / theta;
  for (let i = 0; i < h; i++) {
    const steps = i + (alpha > 0 ? 1 / alpha - (1 - alpha) ** n / alpha : 0);
    let f = fit.level + w * b0 * steps;
    if (fit.method !== 'none') {
      const s = fit.seasonal[(n + i) % fit.m];
      f = fit.method === 'mul' ? f * s : f + s;
    }
    mean[i] = f;
    variance[i] = fit.sigma2 * (1 + i * (1 + (alpha - 1) ** 2));
  }
  return { mean, variance };
}

/** Theta forecast of h steps with normal quantiles at the given levels (rows: steps). */
export function autoTheta(
  values: ArrayLike<number>,
  h: number,
  m: number,
  levels: readonly number[],
): { fit: ThetaFit; mean: Float64Array; quantiles: number[][] } {
  const fit = fitTheta(values, m);
  const fc = thetaForecast(fit, h);
  const z = levels.map((q) => normalQuantile(q));
  const quantiles = Array.from(fc.mean, (mu, i) => z.map((zk) => mu + zk * Math.sqrt(fc.variance[i])));
  return { fit, mean: fc.mean, quantiles };
}
