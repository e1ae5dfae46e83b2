import { TimeseriesError } from './errors';
import { normalQuantile } from './spectral-check';

export { normalQuantile };

/**
 * Additive-error exponential smoothing, ETS(A, N|A|Ad, N|A) (Hyndman et al. 2008, class 1):
 *   ŷ_t = l + φb + s_{t-m},  e_t = y_t - ŷ_t
 *   l ← l + φb + αe,  b ← φb + βe,  s_t = s_{t-m} + γe
 * Initial states by the heuristic of Hyndman et al. §2.6 (as statsmodels' `initialization_method=
 * "heuristic"`), smoothing parameters by minimising the SSE with Nelder–Mead, the variant by AICc.
 * A missing value (NaN) contributes no error: the states carry forward one step.
 */
export type EtsTrend = 'N' | 'A' | 'Ad';
export type EtsSeason = 'N' | 'A';

export interface EtsSpec {
  trend: EtsTrend;
  season: EtsSeason;
  /** Season length, used when season = 'A'. */
  m: number;
}

export interface EtsFit {
  spec: EtsSpec;
  name: string;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  sse: number;
  /** Observations that produced an error (non-missing). */
  n: number;
  aicc: number;
  sigma2: number;
  /** Final states: level, trend, the last m seasonal effects (oldest first). */
  level: number;
  slope: number;
  seasonal: number[];
}

export interface EtsForecast {
  mean: Float64Array;
  /** Forecast variance per step. */
  variance: Float64Array;
  fit: EtsFit;
}

const EPS = 1e-4;

function meanOf(a: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    if (a[i] === a[i]) {
      s += a[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Initial level, trend and m seasonal effects (the effect for y[i], i < m, is seasonal[i]). */
export function etsInitialStates(y: ArrayLike<number>, spec: EtsSpec): { level: number; slope: number; seasonal: number[] } {
  let base: number[] = Array.from(y);
  let seasonal: number[] = [];
  if (spec.season === 'A') {
    const m = spec.m;
    const minObs = 10 + 2 * Math.floor(m / 2);
    const cycles = Math.max(Math.min(5, Math.floor(y.length / m)), Math.ceil(minObs / m));
    const len = Math.min(y.length, m * cycles);
    // Centred moving average of width m (2 x m for even m), as pandas rolling(center=True).
    const ma = new Array<number>(len).fill(NaN);
    const half = Math.floor(m / 2);
    for (let i = 0; i < len; i++) if (i - half >= 0 && i - half + m <= len) ma[i] = meanOf(y, i - half, i - half + m);
    let trend = ma;
    if (m % 2 === 0) trend = ma.map((_, i) => (i + 1 < len ? (ma[i] + ma[i + 1]) / 2 : NaN));
    const sums = new Array<number>(m).fill(0);
    const counts = new Array<number>(m).fill(0);
    for (let i = 0; i < len; i++) {
      const d = y[i] - trend[i];
      if (d === d) {
        sums[i % m] += d;
        counts[i % m]++;
      }
    }
    seasonal = sums.map((s, k) => (counts[k] ? s / counts[k] : 0));
    const avg = seasonal.reduce((a, b) => a + b, 0) / m;
    seasonal = seasonal.map((s) => s - avg);
    base = trend.filter((v) => v === v);
  }
  // Least-squares line through the first 10 (deseasonalised) values at x = 1..10.
  const pts = base
    .slice(0, 10)
    .map((v, i) => [i + 1, v] as const)
    .filter(([, v]) => v === v);
  if (pts.length < 2) throw new TimeseriesError('INVALID_ARGUMENT', 'ETS needs at least 2 observed values to initialise');
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, v]) => a + v, 0) / pts.length;
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = pts.reduce((a, [x, v]) => a + (x - mx) * (v - my), 0) / sxx;
  return { level: my - slope * mx, slope: spec.trend === 'N' ? 0 : slope, seasonal };
}

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface RunResult {
  sse: number;
  n: number;
  level: number;
  slope: number;
  seasonal: number[];
}

function run(y: ArrayLike<number>, spec: EtsSpec, p: Params, init: { level: number; slope: number; seasonal: number[] }): RunResult {
  const seasonal = spec.season === 'A';
  const m = seasonal ? spec.m : 1;
  const s = seasonal ? init.seasonal.slice() : [0];
  let l = init.level;
  let b = spec.trend === 'N' ? 0 : init.slope;
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  let sse = 0;
  let n = 0;
  for (let t = 0; t < y.length; t++) {
    const k = t % m;
    const season = seasonal ? s[k] : 0;
    const yhat = l + phi * b + season;
    const e = y[t] === y[t] ? y[t] - yhat : 0;
    if (y[t] === y[t]) {
      sse += e * e;
      n++;
    }
    const lNew = l + phi * b + p.alpha * e;
    if (spec.trend !== 'N') b = phi * b + p.beta * e;
    l = lNew;
    if (seasonal) s[k] = season + p.gamma * e;
  }
  // Rotate so the effects are in time order ending at the last observation.
  const start = y.length % m;
  const ordered = seasonal ? [...s.slice(start), ...s.slice(0, start)] : [];
  return { sse, n, level: l, slope: b, seasonal: ordered };
}

/** Minimises f from x0 with the Nelder–Mead simplex (standard coefficients). */
export function nelderMead(f: (x: number[]) => number, x0: number[], o: { step?: number; maxIter?: number; tol?: number } = {}): { x: number[]; fx: number } {
  const d = x0.length;
  const step = o.step ?? 0.1;
  const maxIter = o.maxIter ?? 200 * d;
  const tol = o.tol ?? 1e-8;
  let pts = [x0.slice(), ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + (v !== 0 ? step * Math.abs(v) + step / 10 : step) : v)))];
  let vals = pts.map(f);
  const add = (a: number[], b: number[], c: number) => a.map((v, i) => v + c * (b[i] - v));
  for (let it = 0; it < maxIter; it++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    pts = order.map((i) => pts[i]);
    vals = order.map((i) => vals[i]);
    if (Math.abs(vals[d] - vals[0]) <= tol * (Math.abs(vals[0]) + tol)) break;
    const centroid = x0.map((_, j) => pts.slice(0, d).reduce((a, p) => a + p[j], 0) / d);
    const xr = add(centroid, pts[d], -1);
    const fr = f(xr);
    if (fr < vals[0]) {
      const xe = add(centroid, pts[d], -2);
      const fe = f(xe);
      [pts[d], vals[d]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < vals[d - 1]) {
      [pts[d], vals[d]] = [xr, fr];
    } else {
      const outside = fr < vals[d];
      const xc = outside ? add(centroid, xr, 0.5) : add(centroid, pts[d], 0.5);
      const fc = f(xc);
      if (fc < (outside ? fr : vals[d])) {
        [pts[d], vals[d]] = [xc, fc];
      } else {
        for (let i = 1; i <= d; i++) {
          pts[i] = add(pts[0], pts[i], 0.5);
          vals[i] = f(pts[i]);
        }
      }
    }
  }
  const best = vals.indexOf(Math.min(...vals));
  return { x: pts[best], fx: vals[best] };
}

export function etsName(spec: EtsSpec): string {
  return `ETS(A,${spec.trend},${spec.season})`;
}

/** Fits one variant: smoothing parameters within the usual admissible box, SSE minimised. */
export function fitEts(values: ArrayLike<number>, spec: EtsSpec): EtsFit {
  const y = Float64Array.from(values as ArrayLike<number>, (v) => (v === null || !Number.isFinite(v) ? NaN : v));
  const init = etsInitialStates(y, spec);
  const hasB = spec.trend !== 'N';
  const hasS = spec.season === 'A';
  const hasPhi = spec.trend === 'Ad';
  const unpack = (x: number[]): Params => {
    let i = 0;
    const alpha = x[i++];
    return { alpha, beta: hasB ? x[i++] : 0, gamma: hasS ? x[i++] : 0, phi: hasPhi ? x[i] : 1 };
  };
  // Bounds as statsmodels: α ∈ (ε, 1-ε), β ∈ (ε, α), γ ∈ (ε, 1-α), φ ∈ [0.8, 0.98].
  const feasible = (p: Params) =>
    p.alpha >= EPS &&
    p.alpha <= 1 - EPS &&
    (!hasB || (p.beta >= EPS && p.beta <= p.alpha)) &&
    (!hasS || (p.gamma >= EPS && p.gamma <= 1 - p.alpha)) &&
    (!hasPhi || (p.phi >= 0.8 && p.phi <= 0.98));
  const objective = (x: number[]) => {
    const p = unpack(x);
    return feasible(p) ? run(y, spec, p, init).sse : Infinity;
  };
  const starts: number[][] = [];
  for (const a of [0.1, 0.5, 0.9, 0.999]) {
    for (const bShare of hasB ? [0.01, 0.5] : [0]) {
      const x = [a];
      if (hasB) x.push(Math.max(EPS, a * bShare));
      if (hasS) x.push(Math.max(EPS, Math.min(0.01, (1 - a) / 2)));
      if (hasPhi) x.push(0.9);
      starts.push(x);
    }
  }
  let best = { x: starts[0], fx: Infinity };
  for (const x0 of starts) {
    let r = nelderMead(objective, x0, { step: 0.05 });
    r = nelderMead(objective, r.x, { step: 0.02 }); // restart: NM stalls on the box edges
    if (r.fx < best.fx) best = r;
  }
  const p = unpack(best.x);
  const res = run(y, spec, p, init);
  // Parameters counted as statsmodels does with heuristic initial states: smoothing ones, φ, and σ².
  const k = 1 + (hasB ? 1 : 0) + (hasS ? 1 : 0) + (hasPhi ? 1 : 0) + 1;
  const n = res.n;
  const loglik = -0.5 * n * (Math.log((2 * Math.PI * res.sse) / n) + 1);
  const aicc = n - k - 1 > 0 ? -2 * loglik + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return { spec, name: etsName(spec), ...p, sse: res.sse, n, aicc, sigma2: res.sse / n, level: res.level, slope: res.slope, seasonal: res.seasonal };
}

/** Point forecast and variance h steps ahead (class-1 variance: σ²(1 + Σ c_j²)). */
export function etsForecast(fit: EtsFit, h: number): EtsForecast {
  const { alpha, beta, gamma, spec } = fit;
  const phi = spec.trend === 'Ad' ? fit.phi : 1;
  const m = spec.season === 'A' ? spec.m : 1;
  const mean = new Float64Array(h);
  const variance = new Float64Array(h);
  let damp = 0;
  let acc = 0;
  for (let i = 1; i <= h; i++) {
    damp += phi ** i;
    const season = spec.season === 'A' ? fit.seasonal[(i - 1) % m] : 0;
    mean[i - 1] = fit.level + (spec.trend === 'N' ? 0 : damp * fit.slope) + season;
    variance[i - 1] = fit.sigma2 * (1 + acc);
    // c_i = α + αβ·(φ + … + φ^i) + γ·[i ≡ 0 mod m], added for the next step
    const c = alpha + (spec.trend === 'N' ? 0 : beta * damp) + (spec.season === 'A' && i % m === 0 ? gamma : 0);
    acc += c * c;
  }
  return { mean, variance, fit };
}

/** The variants worth trying for this history; seasonal ones need two full seasons and the heuristic's minimum. */
export function etsCandidates(n: number, m: number): EtsSpec[] {
  const trends: EtsTrend[] = ['N', 'A', 'Ad'];
  const out: EtsSpec[] = trends.map((trend) => ({ trend, season: 'N' as const, m: 1 }));
  if (m > 1 && n >= 2 * m && n >= 10 + 2 * Math.floor(m / 2)) out.push(...trends.map((trend) => ({ trend, season: 'A' as const, m })));
  return out;
}

/**
 * Fits every admissible variant, keeps the lowest AICc, forecasts h steps with the given quantile
 * levels from the normal predictive distribution. Leading missing values are dropped.
 */
export function autoEts(
  values: ArrayLike<number>,
  h: number,
  m: number,
  levels: readonly number[],
): { fit: EtsFit; mean: Float64Array; quantiles: number[][] } {
  let start = 0;
  while (start < values.length && !Number.isFinite(values[start])) start++;
  const y = Float64Array.from({ length: values.length - start }, (_, i) => (Number.isFinite(values[start + i]) ? values[start + i] : NaN));
  if (y.length < 10) throw new TimeseriesError('INVALID_ARGUMENT', `ETS needs at least 10 values, got ${y.length}`);
  let best: EtsFit | null = null;
  for (const spec of etsCandidates(y.length, m)) {
    const f = fitEts(y, spec);
    if (!best || f.aicc < best.aicc) best = f;
  }
  const fc = etsForecast(best!, h);
  const z = levels.map((q) => normalQuantile(q));
  const quantiles = Array.from(fc.mean, (mu, i) => z.map((zk) => mu + zk * Math.sqrt(fc.variance[i])));
  return { fit: best!, mean: fc.mean, quantiles };
}
