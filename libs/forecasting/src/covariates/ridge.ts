/**
 * Ridge regression of a target on covariates with the penalty chosen by generalised cross-validation.
 * Covariates are standardised (constant ones get a zero coefficient), so one penalty fits all scales
 * and collinear duplicates share their effect instead of blowing up in opposite directions.
 */
export interface RidgeFit {
  /** Coefficients on the covariates' original scale (per unit of each covariate). */
  coef: number[];
  /** Coefficients on the standardised covariates (per standard deviation): comparable importances. */
  standardized: number[];
  mean: number[];
  scale: number[];
  /** Intercept on the original scale: y ≈ intercept + Σ coef·x. */
  intercept: number;
  lambda: number;
  /** In-sample R² and effective degrees of freedom at the chosen penalty. */
  r2: number;
  df: number;
  rows: number;
}

/** Penalties tried, per row (the Gram matrix is divided by n, so 1 is a penalty equal to a unit-variance covariate's own). */
const LAMBDAS = Array.from({ length: 25 }, (_, i) => 10 ** (-5 + i * 0.3));

/** Cholesky factor of a symmetric positive definite p×p matrix (row-major); null when it is not. */
function cholesky(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j];
    }
  return l;
}

function cholSolve(l: Float64Array, p: number, b: Float64Array): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * y[k];
    y[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * y[k];
    y[i] = s / l[i * p + i];
  }
  return y;
}

/**
 * Fits y on the columns of x over the rows where y and every column are finite. `lambdas` overrides
 * the GCV grid (one value: a fixed penalty).
 */
export function fitRidge(x: readonly ArrayLike<number>[], y: ArrayLike<number>, lambdas: readonly number[] = LAMBDAS): RidgeFit {
  const p = x.length;
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]) && x.every((c) => Number.isFinite(c[i]))) rows.push(i);
  const n = rows.length;
  let ym = 0;
  for (const i of rows) ym += y[i];
  ym /= Math.max(n, 1);
  const mean = x.map((c) => rows.reduce((a, i) => a + c[i], 0) / Math.max(n, 1));
  const scale = x.map((c, j) => Math.sqrt(rows.reduce((a, i) => a + (c[i] - mean[j]) ** 2, 0) / Math.max(n, 1)));
  const live = scale.map((s, j) => s > 1e-12 * Math.max(1, Math.abs(mean[j])));
  const z = x.map((c, j) => Float64Array.from(rows, (i) => (live[j] ? (c[i] - mean[j]) / scale[j] : 0)));
  const yc = Float64Array.from(rows, (i) => y[i] - ym);
  const g = new Float64Array(p * p);
  const c = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += z[a][r] * z[b][r];
      g[a * p + b] = g[b * p + a] = s / n;
    }
    let s = 0;
    for (let r = 0; r < n; r++) s += z[a][r] * yc[r];
    c[a] = s / n;
  }
  const yy = yc.reduce((a, v) => a + v * v, 0) / Math.max(n, 1);
  let best: { beta: Float64Array; lambda: number; gcv: number; rss: number; df: number } | null = null;
  for (const lambda of lambdas) {
    const a = Float64Array.from(g, (v, k) => v + (k % (p + 1) === 0 ? lambda : 0));
    const l = cholesky(a, p);
    if (!l) continue;
    const beta = cholSolve(l, p, c);
    // rss/n = y'y/n - 2 beta'c + beta'G beta; df = tr(G (G + lambda I)^-1) = p - lambda tr((G + lambda I)^-1)
    let bc = 0;
    let bgb = 0;
    for (let i = 0; i < p; i++) {
      bc += beta[i] * c[i];
      let s = 0;
      for (let k = 0; k < p; k++) s += g[i * p + k] * beta[k];
      bgb += beta[i] * s;
    }
    let trInv = 0;
    for (let i = 0; i < p; i++) {
      const e = new Float64Array(p);
      e[i] = 1;
      trInv += cholSolve(l, p, e)[i];
    }
    const df = p - lambda * trInv + 1; // + the intercept
    const rss = Math.max(yy - 2 * bc + bgb, 0);
    const gcv = df < n ? rss / (1 - df / n) ** 2 : Infinity;
    if (!best || gcv < best.gcv) best = { beta, lambda, gcv, rss, df };
  }
  const beta = best?.beta ?? new Float64Array(p);
  const coef = x.map((_, j) => (live[j] ? beta[j] / scale[j] : 0));
  return {
    coef,
    standardized: [...beta],
    mean,
    scale,
    intercept: ym - coef.reduce((a, b, j) => a + b * mean[j], 0),
    lambda: best?.lambda ?? Infinity,
    r2: best && yy > 0 ? 1 - best.rss / yy : 0,
    df: best?.df ?? 1,
    rows: n,
  };
}

/** Σ coef·(x − mean) at every grid point: the covariates' contribution around their history means (NaN where a covariate is). */
export function contribution(fit: Pick<RidgeFit, 'coef' | 'mean'>, x: readonly ArrayLike<number>[], length: number): Float64Array {
  const out = new Float64Array(length);
  for (let j = 0; j < x.length; j++) if (fit.coef[j] !== 0) for (let i = 0; i < length; i++) out[i] += fit.coef[j] * (x[j][i] - fit.mean[j]);
  return out;
}
