import { autoEts, autoTheta, normalQuantile, seasonalNaive, seasonalNaiveScale } from '#timeseries';
import { QuantileRows, inverseLossWeights, meanQuantileLoss, vincentize } from './combine';

/**
 * `auto`: per series, the candidates (foundation models, ETS, Theta, seasonal naive) are scored by
 * rolling-origin validation on the series' own history, the last `windows` horizons (cut-offs
 * n - w·h, w = 1..windows, each needing at least `minHistory` points before it), by the mean pinball
 * loss scaled by the in-sample seasonal-naive MAE of the history before the cut-off (a scale-free
 * WQL); the `top` best are combined with inverse-loss weights by Vincentization (combine.ts).
 * A series with no usable window takes the `shortSeries` rule: an equal-weight mix of the named
 * candidates.
 */
export interface AutoSeries {
  /** History on the model grid, oldest first; NaN where missing. */
  values: ArrayLike<number>;
  /** Steps after the end of the history to forecast (1-based); default 1..horizon. */
  steps?: readonly number[];
}

export interface AutoConfig {
  horizon: number;
  /** Season length (1: none). */
  m: number;
  levels: readonly number[];
  /** Validation windows (the last k horizons). */
  windows: number;
  /** Points a validation cut-off needs before it. */
  minHistory: number;
  /** Candidates combined. */
  top: number;
  /** Candidates mixed with equal weights when no window can be validated. */
  shortSeries: readonly string[];
}

/** One foundation-model request: the series' history up to `cutoff` points, forecast at `steps` after it. */
export interface FoundationRequest {
  series: number;
  cutoff: number;
  steps: readonly number[];
}

/**
 * Forecasts a batch of requests with every foundation model: per request, model id -> quantile rows
 * (one per step, at the config's levels); a model that could not forecast a request is left out.
 */
export type FoundationForecaster = (requests: readonly FoundationRequest[]) => Promise<Record<string, number[][]>[]>;

export interface AutoMetadata {
  rule: 'validated' | 'short-series';
  /** Every candidate that produced a final forecast. */
  candidates: string[];
  /** Mean scaled validation loss per candidate (null: not scored on every window). */
  scores: Record<string, number | null>;
  /** Non-zero weights of the combination. */
  weights: Record<string, number>;
  /** Validation windows used (cut-offs n - w·h). */
  windows: number;
}

export interface AutoResult {
  quantiles: number[][];
  metadata: AutoMetadata;
}

/**
 * Chosen on the eval's held-out window 1 (validating on window 2; scripts/eval/run-auto.ts --target 1
 * --grid), 17 datasets: the top 3 beat the top 2 and the best alone (rel MASE 0.742 / 0.748 / 0.768,
 * rel WQL vs probabilistic seasonal naive 0.799 / 0.803 / 0.819); 6 points before a cut-off instead of
 * 10 lowered the WQL of the yearly and quarterly sets (0.875 -> 0.815, geometric mean of 4). One window:
 * a second needs a third held-out window to be judged on, not measured yet.
 */
export const AUTO_DEFAULTS: Omit<AutoConfig, 'horizon' | 'm' | 'levels' | 'shortSeries'> = { windows: 1, minHistory: 6, top: 3 };

/** The statistical candidates, fitted per series (libs/timeseries). */
export const AUTO_STATISTICAL = ['ets', 'theta', 'seasonal_naive'] as const;
const STAT = AUTO_STATISTICAL;

/** Seasonal naive with normal quantiles from its in-sample residuals, σ·√⌈h/m⌉ (as the eval's baseline). */
function seasonalNaiveQuantiles(y: Float64Array, steps: readonly number[], m: number, levels: readonly number[]): number[][] {
  const lag = y.length > m ? m : 1;
  const h = Math.max(...steps);
  const point = seasonalNaive(y, h, lag);
  let ss = 0;
  let n = 0;
  for (let t = lag; t < y.length; t++) {
    const d = y[t] - y[t - lag];
    if (Number.isFinite(d)) {
      ss += d * d;
      n++;
    }
  }
  const sd = n ? Math.sqrt(ss / n) : 0;
  return steps.map((s) => levels.map((q) => point[s - 1] + normalQuantile(q) * sd * Math.sqrt(Math.ceil(s / lag))));
}

/** The statistical candidate's quantile rows at `steps`, or null when it cannot fit this history. */
export function statisticalForecast(name: string, y: Float64Array, steps: readonly number[], m: number, levels: readonly number[]): number[][] | null {
  const h = Math.max(...steps);
  try {
    let rows: number[][];
    if (name === 'ets') rows = autoEts(y, h, m, levels).quantiles;
    else if (name === 'theta') rows = autoTheta(y, h, m, levels).quantiles;
    else return seasonalNaiveQuantiles(y, steps, m, levels);
    const out = steps.map((s) => rows[s - 1]);
    return out.every((r) => r.every(Number.isFinite)) ? out : null;
  } catch {
    return null; // too short or degenerate for this model: the candidate sits this one out
  }
}

function scaleOf(y: Float64Array, m: number): number {
  const s = seasonalNaiveScale(y, m);
  if (s > 0) return s;
  const n1 = seasonalNaiveScale(y, 1);
  if (n1 > 0) return n1;
  let a = 0;
  let k = 0;
  for (const v of y)
    if (Number.isFinite(v)) {
      a += Math.abs(v);
      k++;
    }
  return k && a > 0 ? a / k : 1;
}

/** The validation cut-offs of a history of n points (latest first). */
export function validationCutoffs(n: number, cfg: Pick<AutoConfig, 'horizon' | 'windows' | 'minHistory'>): number[] {
  const out: number[] = [];
  for (let w = 1; w <= cfg.windows; w++) if (n - w * cfg.horizon >= cfg.minHistory) out.push(n - w * cfg.horizon);
  return out;
}

/** A statistical candidate's forecast (statisticalForecast; replaceable by a memoised one when the same fits recur). */
export type StatisticalForecaster = (name: string, y: Float64Array, steps: readonly number[], m: number, levels: readonly number[]) => number[][] | null;

/** `auto` for a chunk of series: one batched foundation-model call for all validation and final requests. */
export async function autoForecast(
  series: readonly AutoSeries[],
  cfg: AutoConfig,
  foundation: FoundationForecaster,
  statistical: StatisticalForecaster = statisticalForecast,
): Promise<AutoResult[]> {
  const hist = series.map((s) => Float64Array.from(s.values, (v) => (v === null || !Number.isFinite(v) ? NaN : v)));
  const finalSteps = series.map((s) => s.steps ?? Array.from({ length: cfg.horizon }, (_, i) => i + 1));
  const valSteps = Array.from({ length: cfg.horizon }, (_, i) => i + 1);
  const requests: FoundationRequest[] = [];
  const cutoffs = hist.map((y) => validationCutoffs(y.length, cfg));
  hist.forEach((y, i) => {
    requests.push({ series: i, cutoff: y.length, steps: finalSteps[i] });
    for (const c of cutoffs[i]) requests.push({ series: i, cutoff: c, steps: valSteps });
  });
  const fm = await foundation(requests);
  let r = 0;
  return hist.map((y, i) => {
    const final = fm[r++];
    const val = cutoffs[i].map(() => fm[r++]);
    return autoOne(y, cfg, finalSteps[i], cutoffs[i], final, val, statistical);
  });
}

function autoOne(
  y: Float64Array,
  cfg: AutoConfig,
  steps: readonly number[],
  cutoffs: number[],
  fmFinal: Record<string, number[][]>,
  fmVal: Record<string, number[][]>[],
  statistical: StatisticalForecaster,
): AutoResult {
  const names = [...Object.keys(fmFinal), ...STAT];
  const final = new Map<string, QuantileRows>();
  for (const name of names) {
    const rows = name in fmFinal ? fmFinal[name] : statistical(name, y, steps, cfg.m, cfg.levels);
    if (rows) final.set(name, rows);
  }
  const candidates = [...final.keys()];
  const scores: Record<string, number | null> = {};
  const sums = new Map<string, number>(candidates.map((c) => [c, 0]));
  cutoffs.forEach((cut, w) => {
    const train = y.subarray(0, cut);
    const actual = y.subarray(cut, cut + cfg.horizon);
    const scale = scaleOf(train, cfg.m);
    const valSteps = Array.from({ length: cfg.horizon }, (_, k) => k + 1);
    for (const name of candidates) {
      if (!sums.has(name)) continue;
      const rows = name in fmFinal ? fmVal[w]?.[name] : statistical(name, train, valSteps, cfg.m, cfg.levels);
      const loss = rows ? meanQuantileLoss(actual, rows, cfg.levels) / scale : NaN;
      if (Number.isFinite(loss)) sums.set(name, sums.get(name)! + loss);
      else sums.delete(name); // not scored on every window: not comparable
    }
  });
  for (const name of candidates) scores[name] = cutoffs.length && sums.has(name) ? sums.get(name)! / cutoffs.length : null;
  let weights: number[];
  let rule: AutoMetadata['rule'] = 'validated';
  const scored = candidates.filter((c) => scores[c] !== null);
  if (scored.length) {
    weights = inverseLossWeights(
      candidates.map((c) => scores[c] ?? NaN),
      cfg.top,
    );
  } else {
    rule = 'short-series';
    const pick = cfg.shortSeries.filter((c) => final.has(c));
    const chosen = pick.length ? pick : candidates.slice(0, 1);
    weights = candidates.map((c) => (chosen.includes(c) ? 1 / chosen.length : 0));
  }
  const quantiles = vincentize(
    candidates.map((c) => final.get(c)!),
    weights,
  );
  const w: Record<string, number> = {};
  candidates.forEach((c, k) => weights[k] > 0 && (w[c] = weights[k]));
  return { quantiles, metadata: { rule, candidates, scores, weights: w, windows: cutoffs.length } };
}
