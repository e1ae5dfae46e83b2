import { InvalidInputError } from '#common';
import { RidgeFit, contribution, fitRidge } from './ridge';

/**
 * Zero-shot covariates: regression with foundation-model errors. Per series, a ridge regression of
 * the target on its covariates over the history (GCV penalty, standardised covariates); the foundation
 * models forecast what the regression leaves (target − covariate effect), and the forecast adds the
 * effect over the horizon back to every quantile. A holdout guard on the end of the history keeps the
 * covariates only where they improve a cheap forecast of it, so irrelevant covariates cost nothing.
 */

/**
 * `future`: values known over the horizon (stored future observations, request values, a weather
 * forecast); `calendar`: generated (calendarColumns); `past`: observed up to the origin only, entered
 * lagged by the horizon so each horizon step reads a value from before the origin.
 */
export type CovariateRole = 'past' | 'future' | 'calendar';

export interface CovariateColumn {
  name: string;
  role: CovariateRole;
  /** On the model grid: history then horizon (history.length + horizon values; NaN = missing; a past covariate's horizon is ignored). */
  values: ArrayLike<number>;
}

export interface CovariateSeries {
  /** Model grid timestamps, history then horizon. */
  timestamps: readonly number[];
  /** Target on the history part of the grid. */
  history: readonly (number | null)[];
  horizon: number;
  /** Seasonal period in grid steps of the guard's seasonal-naive proxy (1: none). */
  season: number;
  covariates: readonly CovariateColumn[];
}

/** Forecasts a batch of series on the model grid: per series `horizon` rows of quantiles at the caller's levels. */
export type GridForecaster = (series: { timestamps: number[]; values: (number | null)[] }[], horizon: number) => Promise<number[][][]>;

export interface CovariateEffect {
  name: string;
  role: CovariateRole;
  /** Per unit of the covariate, on the target's scale (a past covariate: per unit `lag` steps earlier). */
  coefficient: number;
  /** Per standard deviation of the covariate. */
  standardized: number;
  /** |standardized| over the sum of them: the covariate's share of the effect. */
  importance: number;
  lag?: number;
}

export interface CovariateMetadata {
  /** Whether the forecast used the covariates (false: the guard fell back to the target alone). */
  used: boolean;
  reason: 'improved-holdout' | 'no-holdout-gain' | 'history-too-short' | 'no-covariates';
  effects: CovariateEffect[];
  lambda: number | null;
  r2: number | null;
  /** Holdout absolute errors of the guard's proxy with the covariates' effect and without, and their ratio (holdoutScore). */
  holdout: { windows: number; withCovariates: number; without: number; ratio: number } | null;
}

export interface CovariateForecast {
  quantiles: number[][];
  metadata: CovariateMetadata;
}

export interface CovariateOptions {
  /** Keep the covariates when the holdout error ratio is below 1 − margin. */
  margin?: number;
  holdoutWindows?: number;
  /** The guard's stand-in for the foundation model on the holdout (holdoutScore). */
  proxy?: 'naive' | 'seasonal';
  /**
   * `differences`: the coefficients from the steps' changes (Δy on Δx), as a regression with
   * integrated errors is fitted, so a covariate that only shares a trend with the target (a random
   * walk) gets none of it; `levels`: from the values themselves.
   */
  fit?: 'levels' | 'differences';
  /** The regression fits the last `fitHorizons` × horizon steps of the history (a local relation: demand on temperature turns from heating to cooling over a year). */
  fitHorizons?: number;
}

/** Chosen on held-out windows of the eval's training parts (docs/ACCURACY.md, covariates). */
export const DEFAULT_MARGIN = 0.1;
export const DEFAULT_PROXY: 'naive' | 'seasonal' = 'naive';
export const DEFAULT_FIT: 'levels' | 'differences' = 'levels';
export const DEFAULT_FIT_HORIZONS = 28;

const fitRows = (s: CovariateSeries, o: CovariateOptions) => Math.max(1, o.fitHorizons ?? DEFAULT_FIT_HORIZONS) * s.horizon;

const diff = (v: ArrayLike<number>) => Float64Array.from({ length: v.length }, (_, i) => (i > 0 ? v[i] - v[i - 1] : NaN));

/** Ridge coefficients (per CovariateOptions.fit), centred at the covariates' means over the rows fitted. */
function fitEffect(x: readonly Float64Array[], y: Float64Array, o: CovariateOptions): RidgeFit {
  if ((o.fit ?? DEFAULT_FIT) === 'levels') return fitRidge(x, y);
  const f = fitRidge(x.map(diff), diff(y));
  const ok = Array.from(y, (v, i) => Number.isFinite(v) && x.every((c) => Number.isFinite(c[i])));
  const mean = x.map((c) => {
    let sum = 0;
    let k = 0;
    for (let i = 0; i < c.length; i++)
      if (ok[i]) {
        sum += c[i];
        k++;
      }
    return k ? sum / k : 0;
  });
  return { ...f, mean, intercept: NaN };
}
const DEFAULT_HOLDOUT_WINDOWS = 4;

/** The columns the regression sees, history and horizon, past covariates lagged; 422 for a missing future value. */
export function designMatrix(s: CovariateSeries): { x: Float64Array[]; lags: (number | undefined)[] } {
  const n = s.history.length;
  const total = n + s.horizon;
  if (s.timestamps.length !== total) throw new InvalidInputError('INVALID_ARGUMENT', `covariate grid has ${s.timestamps.length} timestamps, expected ${total}`);
  const x: Float64Array[] = [];
  const lags: (number | undefined)[] = [];
  for (const c of s.covariates) {
    if (c.values.length < (c.role === 'past' ? n : total))
      throw new InvalidInputError('INVALID_ARGUMENT', `covariate ${c.name} has ${c.values.length} grid values, expected ${c.role === 'past' ? n : total}`);
    if (c.role === 'past') {
      const lag = s.horizon;
      x.push(Float64Array.from({ length: total }, (_, i) => (i - lag >= 0 ? c.values[i - lag] : NaN)));
      lags.push(lag);
      continue;
    }
    for (let i = n; i < total; i++)
      if (!Number.isFinite(c.values[i]))
        throw new InvalidInputError(
          'COVARIATE_FUTURE_MISSING',
          `covariate ${c.name} has no value at ${new Date(s.timestamps[i]).toISOString()} (step ${i - n + 1} of the horizon)`,
          {
            covariate: c.name,
            timestamp: new Date(s.timestamps[i]).toISOString(),
          },
        );
    x.push(Float64Array.from({ length: total }, (_, i) => c.values[i]));
    lags.push(undefined);
  }
  return { x, lags };
}

function effects(fit: RidgeFit, s: CovariateSeries, lags: (number | undefined)[]): CovariateEffect[] {
  const total = fit.standardized.reduce((a, b) => a + Math.abs(b), 0) || 1;
  return s.covariates.map((c, j) => ({
    name: c.name,
    role: c.role,
    coefficient: fit.coef[j],
    standardized: fit.standardized[j],
    importance: Math.abs(fit.standardized[j]) / total,
    ...(lags[j] !== undefined ? { lag: lags[j] } : {}),
  }));
}

/**
 * The guard's holdout: coefficients fitted on the history before the last `windows` blocks of
 * `horizon` steps, then each block forecast from its origin by a cheap proxy of the foundation model,
 * once on the target and once on what the effect leaves plus the effect: the proxy repeats the value
 * `lag` steps back (`proxy` 'naive': the origin's value; 'seasonal': one season back), so the ratio
 * says whether the covariates explain how the target moves away from what it already shows.
 */
export function holdoutScore(
  s: CovariateSeries,
  x: readonly Float64Array[],
  y: Float64Array,
  o: CovariateOptions = {},
): { windows: number; withCovariates: number; without: number; ratio: number } | null {
  const n = y.length;
  const m = (o.proxy ?? DEFAULT_PROXY) === 'naive' ? 1 : Math.max(1, Math.round(s.season));
  const windows = Math.min(o.holdoutWindows ?? DEFAULT_HOLDOUT_WINDOWS, Math.floor((n - 4 * x.length - 2 * Math.max(1, s.season)) / s.horizon));
  if (windows < 1) return null;
  const cut = n - windows * s.horizon;
  const from = Math.max(0, cut - fitRows(s, o));
  const early = fitEffect(
    x.map((c) => c.subarray(from, cut)),
    y.subarray(from, cut),
    o,
  );
  const eff = contribution(early, x, n);
  let withSum = 0;
  let withoutSum = 0;
  for (let w = windows; w >= 1; w--) {
    const origin = n - w * s.horizon;
    for (let h = 0; h < s.horizon; h++) {
      const t = origin + h;
      const src = t - m * Math.ceil((h + 1) / m);
      if (src < 0) continue;
      const a = Math.abs(y[t] - y[src]);
      const b = Math.abs(y[t] - (y[src] - eff[src] + eff[t]));
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      withoutSum += a;
      withSum += b;
    }
  }
  if (!(withoutSum > 0)) return null;
  return { windows, withCovariates: withSum, without: withoutSum, ratio: withSum / withoutSum };
}

interface Plan {
  residual: (number | null)[];
  effect: Float64Array | null;
  metadata: CovariateMetadata;
}

/** Fits and guards one series: what the foundation models get and what the forecast adds back. */
export function planCovariates(s: CovariateSeries, o: CovariateOptions = {}): Plan {
  const n = s.history.length;
  const y = Float64Array.from(s.history, (v) => v ?? NaN);
  const keep = (reason: CovariateMetadata['reason'], extra: Partial<CovariateMetadata> = {}): Plan => ({
    residual: [...s.history],
    effect: null,
    metadata: { used: false, reason, effects: [], lambda: null, r2: null, holdout: null, ...extra },
  });
  if (s.covariates.length === 0) return keep('no-covariates');
  const { x, lags } = designMatrix(s);
  const holdout = holdoutScore(s, x, y, o);
  if (!holdout) return keep('history-too-short');
  const from = Math.max(0, n - fitRows(s, o));
  const full = fitEffect(
    x.map((c) => c.subarray(from, n)),
    y.subarray(from),
    o,
  );
  if (!(holdout.ratio < 1 - (o.margin ?? DEFAULT_MARGIN)))
    return keep('no-holdout-gain', { holdout, effects: effects(full, s, lags), lambda: full.lambda, r2: full.r2 });
  const effect = contribution(full, x, n + s.horizon);
  return {
    residual: s.history.map((v, i) => (v === null || !Number.isFinite(effect[i]) ? null : v - effect[i])),
    effect: effect.subarray(n),
    metadata: { used: true, reason: 'improved-holdout', effects: effects(full, s, lags), lambda: full.lambda, r2: full.r2, holdout },
  };
}

/**
 * Forecasts a batch of series with their covariates: one call to `forecast` for the whole batch
 * (residuals where the covariates are kept, the target where not), quantiles = covariate effect over
 * the horizon + the foundation models' quantiles of the residual.
 */
export async function forecastWithCovariates(
  series: readonly CovariateSeries[],
  forecast: GridForecaster,
  o: CovariateOptions = {},
): Promise<CovariateForecast[]> {
  if (series.length === 0) return [];
  const horizon = series[0].horizon;
  if (series.some((s) => s.horizon !== horizon)) throw new InvalidInputError('INVALID_ARGUMENT', 'one horizon per batch');
  const plans = series.map((s) => planCovariates(s, o));
  const out = await forecast(
    series.map((s, i) => ({ timestamps: s.timestamps.slice(0, s.history.length), values: plans[i].residual })),
    horizon,
  );
  return plans.map((p, i) => ({
    quantiles: out[i].map((row, h) => (p.effect ? row.map((q) => q + p.effect![h]) : row)),
    metadata: p.metadata,
  }));
}
