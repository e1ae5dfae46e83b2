export class OutputMapError extends Error {
  constructor(readonly code: 'TIMESTAMP_BEYOND_HORIZON' | 'TIMESTAMP_NOT_IN_FUTURE', message: string) {
    super(message);
  }
}

export interface MappedForecast {
  timestamps: number[];
  /** [point][quantile], monotone in the quantile index. */
  values: number[][];
  how: ('exact' | 'interpolated')[];
}

/**
 * Evaluates model-grid quantile forecasts at arbitrary future timestamps: grid hits copy, points
 * between grid steps interpolate each quantile linearly (then re-sort), points between the last
 * observation and the first forecast step interpolate from `anchor` (the last observed value).
 */
export function mapForecast(
  gridTimes: readonly number[],
  quantiles: readonly (readonly number[])[],
  requested: readonly number[],
  anchor: { t: number; value: number },
): MappedForecast {
  const last = gridTimes[gridTimes.length - 1];
  const values: number[][] = [];
  const how: ('exact' | 'interpolated')[] = [];
  for (const t of requested) {
    if (t <= anchor.t) throw new OutputMapError('TIMESTAMP_NOT_IN_FUTURE', `${new Date(t).toISOString()} is not after the last observation ${new Date(anchor.t).toISOString()}`);
    if (t > last) throw new OutputMapError('TIMESTAMP_BEYOND_HORIZON', `${new Date(t).toISOString()} is beyond the forecast horizon ending ${new Date(last).toISOString()}`);
    let lo = 0;
    let hi = gridTimes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gridTimes[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (gridTimes[lo] === t) {
      values.push([...quantiles[lo]]);
      how.push('exact');
      continue;
    }
    const t0 = lo === 0 ? anchor.t : gridTimes[lo - 1];
    const q0 = lo === 0 ? quantiles[0].map(() => anchor.value) : quantiles[lo - 1];
    const w = (t - t0) / (gridTimes[lo] - t0);
    values.push(quantiles[lo].map((q1, k) => q0[k] + w * (q1 - q0[k])).sort((a, b) => a - b));
    how.push('interpolated');
  }
  return { timestamps: [...requested], values, how };
}
