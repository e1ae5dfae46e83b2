import { TimeseriesError } from './errors';

export type MappingKind = 'exact' | 'interpolated';

/** A requested timestamp the forecast cannot answer; `details.index` is its position in the request. */
export class OutputMapError extends TimeseriesError {}

/** The last observation: forecasts start after `t`; with a value, points before the first step interpolate from it. */
export interface ForecastAnchor {
  t: number;
  value?: number;
}

export interface MappedForecast {
  timestamps: number[];
  /** [point][quantile]; interpolated points are re-sorted so quantiles stay monotone. */
  values: number[][];
  how: MappingKind[];
  counts: Record<MappingKind, number>;
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));

/** Index of the first grid time >= t (grid.length when none). */
function lowerBound(grid: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (grid[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Evaluates model-grid quantile forecasts (`quantiles[step][q]` at `gridTimes[step]`, increasing)
 * at arbitrary requested times, in request order: a grid hit copies the step; a time between two
 * steps interpolates each quantile linearly in time; a time between the anchor (last observation)
 * and the first step interpolates from the anchor value, where every quantile starts. Times after
 * the last step are TIMESTAMP_BEYOND_HORIZON; times at or before the anchor TIMESTAMP_NOT_IN_FUTURE.
 */
export function mapForecast(
  gridTimes: ArrayLike<number>,
  quantiles: ArrayLike<ArrayLike<number>>,
  requested: ArrayLike<number>,
  anchor?: ForecastAnchor,
): MappedForecast {
  const steps = gridTimes.length;
  if (steps === 0 || quantiles.length !== steps) throw new TimeseriesError('INVALID_ARGUMENT', `${steps} forecast steps but ${quantiles.length} quantile rows`);
  const first = gridTimes[0];
  const last = gridTimes[steps - 1];
  const out: MappedForecast = { timestamps: [], values: [], how: [], counts: { exact: 0, interpolated: 0 } };
  for (let i = 0; i < requested.length; i++) {
    const t = requested[i];
    const where = { index: i, timestamp: iso(t) };
    if (!Number.isFinite(t)) throw new OutputMapError('INVALID_TIMESTAMP', `requested timestamp ${i} is not a number`, where);
    if (anchor && t <= anchor.t) throw new OutputMapError('TIMESTAMP_NOT_IN_FUTURE', `${iso(t)} is not after the last observation ${iso(anchor.t)}`, where);
    if (t > last) throw new OutputMapError('TIMESTAMP_BEYOND_HORIZON', `${iso(t)} is beyond the forecast horizon ending ${iso(last)}`, where);
    const k = lowerBound(gridTimes, t);
    let row: number[];
    if (gridTimes[k] === t) {
      row = Array.from(quantiles[k]);
      out.how.push('exact');
      out.counts.exact++;
    } else {
      let t0: number;
      let q0: (j: number) => number;
      if (k > 0) {
        t0 = gridTimes[k - 1];
        q0 = (j) => quantiles[k - 1][j];
      } else if (anchor?.value !== undefined && Number.isFinite(anchor.value)) {
        t0 = anchor.t;
        q0 = () => anchor.value!;
      } else {
        throw new OutputMapError(
          'TIMESTAMP_NOT_IN_FUTURE',
          `${iso(t)} is before the first forecast step ${iso(first)} and no last observed value was given`,
          where,
        );
      }
      const w = (t - t0) / (gridTimes[k] - t0);
      const q1 = quantiles[k];
      row = Array.from({ length: q1.length }, (_, j) => q0(j) + w * (q1[j] - q0(j))).sort((a, b) => a - b);
      out.how.push('interpolated');
      out.counts.interpolated++;
    }
    out.timestamps.push(t);
    out.values.push(row);
  }
  return out;
}
