import { TimeseriesError } from './errors';

// Pairs where the actual or the forecast is missing (NaN, null, ±Infinity) are excluded and counted.
export type Values = ArrayLike<number | null>;

export const ok = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

function sameLength(a: Values, b: Values): void {
  if (a.length !== b.length) throw new TimeseriesError('INVALID_ARGUMENT', `${a.length} actuals but ${b.length} forecasts`);
}

/** Sum of f(actual, forecast) over the valid pairs, with their count; f returning NaN skips a pair. */
function over(actual: Values, forecast: Values, f: (y: number, p: number) => number): { sum: number; n: number } {
  sameLength(actual, forecast);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i];
    const p = forecast[i];
    if (!ok(y) || !ok(p)) continue;
    const v = f(y, p);
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return { sum, n };
}

const mean = (s: { sum: number; n: number }) => (s.n ? s.sum / s.n : NaN);

export const mae = (actual: Values, forecast: Values) => mean(over(actual, forecast, (y, p) => Math.abs(y - p)));
export const mse = (actual: Values, forecast: Values) => mean(over(actual, forecast, (y, p) => (y - p) ** 2));
export const rmse = (actual: Values, forecast: Values) => Math.sqrt(mse(actual, forecast));
/** Mean forecast minus actual: positive when over-forecasting. */
export const bias = (actual: Values, forecast: Values) => mean(over(actual, forecast, (y, p) => p - y));

/** Mean |y - ŷ| / |y| as a fraction (0.05 = 5%); pairs with y = 0 are left out. */
export function mape(actual: Values, forecast: Values): number {
  return mean(over(actual, forecast, (y, p) => (y === 0 ? NaN : Math.abs(y - p) / Math.abs(y))));
}

/** Mean 2|y - ŷ| / (|y| + |ŷ|) as a fraction in [0, 2] (M4's sMAPE / 100); 0/0 pairs count as 0. */
export function smape(actual: Values, forecast: Values): number {
  return mean(over(actual, forecast, (y, p) => (y === p ? 0 : (2 * Math.abs(y - p)) / (Math.abs(y) + Math.abs(p)))));
}

/** Σ|y - ŷ| / Σ|y|. */
export function wape(actual: Values, forecast: Values): number {
  const err = over(actual, forecast, (y, p) => Math.abs(y - p)).sum;
  const scale = over(actual, forecast, (y) => Math.abs(y)).sum;
  return scale > 0 ? err / scale : NaN;
}

/**
 * In-sample seasonal-naive error mean(|y_t - y_{t-m}|^power) over valid pairs; m falls back to 1
 * when the history is shorter than m + 1. NaN when no pair is valid.
 */
export function seasonalNaiveScale(history: Values, m: number, power: 1 | 2 = 1): number {
  const lag = history.length >= m + 1 ? m : 1;
  let sum = 0;
  let n = 0;
  for (let t = lag; t < history.length; t++) {
    const a = history[t];
    const b = history[t - lag];
    if (ok(a) && ok(b)) {
      sum += Math.abs(a - b) ** power;
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/** MAE over the in-sample seasonal-naive MAE (period m); NaN when that scale is 0 or undefined. */
export function mase(actual: Values, forecast: Values, history: Values, m: number): number {
  const scale = seasonalNaiveScale(history, m, 1);
  return scale > 0 ? mae(actual, forecast) / scale : NaN;
}

/** sqrt(MSE over the in-sample seasonal-naive MSE). */
export function rmsse(actual: Values, forecast: Values, history: Values, m: number): number {
  const scale = seasonalNaiveScale(history, m, 2);
  return scale > 0 ? Math.sqrt(mse(actual, forecast) / scale) : NaN;
}

/** Valid pairs and excluded ones (missing actual or forecast). */
export function pairCounts(actual: Values, forecast: Values): { count: number; excluded: number } {
  const n = over(actual, forecast, () => 0).n;
  return { count: n, excluded: actual.length - n };
}

export interface PointMetrics {
  mae: number;
  rmse: number;
  mape: number;
  smape: number;
  wape: number;
  bias: number;
  /** Present when a history was given. */
  mase?: number;
  rmsse?: number;
  count: number;
  excluded: number;
}

/** All point metrics at once; MASE and RMSSE when the in-sample history and period are given. */
export function pointMetrics(actual: Values, forecast: Values, scaling?: { history: Values; m: number }): PointMetrics {
  const out: PointMetrics = {
    mae: mae(actual, forecast),
    rmse: rmse(actual, forecast),
    mape: mape(actual, forecast),
    smape: smape(actual, forecast),
    wape: wape(actual, forecast),
    bias: bias(actual, forecast),
    ...pairCounts(actual, forecast),
  };
  if (scaling) {
    out.mase = mase(actual, forecast, scaling.history, scaling.m);
    out.rmsse = rmsse(actual, forecast, scaling.history, scaling.m);
  }
  return out;
}
