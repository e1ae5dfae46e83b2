import { TimeseriesError } from './errors';
import { Values, ok } from './metrics';

/** Quantile forecasts as rows [t][level index], the layout models and mapForecast produce. */
export type QuantileRows = ArrayLike<ArrayLike<number>>;

function check(actual: Values, rows: QuantileRows, levels: readonly number[]): void {
  if (actual.length !== rows.length) throw new TimeseriesError('INVALID_ARGUMENT', `${actual.length} actuals but ${rows.length} forecast rows`);
  for (const q of levels) if (!(q > 0 && q < 1)) throw new TimeseriesError('INVALID_ARGUMENT', `quantile level ${q} is not in (0, 1)`);
}

/** Pinball (quantile) loss of one forecast: q·(y - ŷ) above the quantile, (1 - q)·(ŷ - y) below. */
export function pinball(y: number, yhat: number, q: number): number {
  const u = y - yhat;
  return u >= 0 ? q * u : (q - 1) * u;
}

export interface QuantileLoss {
  levels: number[];
  /** Mean pinball loss per level over the valid steps. */
  pinball: number[];
  /** Weighted quantile loss per level: 2·Σ pinball / Σ|y|. */
  wql: number[];
  /** Mean of the per-level WQL. */
  meanWql: number;
  count: number;
  /** Steps left out: missing actual, or any missing quantile. */
  excluded: number;
}

export function quantileLoss(actual: Values, rows: QuantileRows, levels: readonly number[]): QuantileLoss {
  check(actual, rows, levels);
  const sums = new Float64Array(levels.length);
  let scale = 0;
  let n = 0;
  for (let t = 0; t < actual.length; t++) {
    const y = actual[t];
    const row = rows[t];
    if (!ok(y) || row.length !== levels.length || !Array.prototype.every.call(row, (v: number) => Number.isFinite(v))) continue;
    for (let k = 0; k < levels.length; k++) sums[k] += pinball(y, row[k], levels[k]);
    scale += Math.abs(y);
    n++;
  }
  const wql = Array.from(sums, (s) => (scale > 0 ? (2 * s) / scale : NaN));
  return {
    levels: [...levels],
    pinball: Array.from(sums, (s) => (n ? s / n : NaN)),
    wql,
    meanWql: wql.length ? wql.reduce((a, b) => a + b, 0) / wql.length : NaN,
    count: n,
    excluded: actual.length - n,
  };
}

export interface IntervalScore {
  /** Share of valid steps with lower <= y <= upper. */
  coverage: number;
  /** Mean upper - lower over the valid steps. */
  meanWidth: number;
  count: number;
  excluded: number;
}

export function intervalScore(actual: Values, lower: Values, upper: Values): IntervalScore {
  if (lower.length !== actual.length || upper.length !== actual.length)
    throw new TimeseriesError('INVALID_ARGUMENT', 'actual, lower and upper differ in length');
  let inside = 0;
  let width = 0;
  let n = 0;
  for (let t = 0; t < actual.length; t++) {
    const [y, lo, hi] = [actual[t], lower[t], upper[t]];
    if (!ok(y) || !ok(lo) || !ok(hi)) continue;
    if (y >= lo && y <= hi) inside++;
    width += hi - lo;
    n++;
  }
  return { coverage: n ? inside / n : NaN, meanWidth: n ? width / n : NaN, count: n, excluded: actual.length - n };
}
