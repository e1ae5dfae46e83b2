export type ResampleMethod = 'linear' | 'mean' | 'last' | 'none';

export interface Resampled {
  values: Float64Array;
  /** 1 where the grid point had an observation (exact, or inside its cell for `mean`). */
  observed: Uint8Array;
  /** Grid points given a value that no observation had at that point. */
  imputedCount: number;
  /** Grid points left NaN (the models read NaN as missing). */
  missingCount: number;
}

/**
 * Puts one channel (sorted timestamps, NaN = missing) onto a sorted grid.
 * - `none`: exact timestamp matches only;
 * - `linear`: exact matches, else linear interpolation between the neighbouring observations (no extrapolation);
 * - `mean`: the mean of the observations in the right-labelled cell (previous grid point, this grid point];
 * - `last`: the last observation at or before the grid point, at most `maxStalenessMs` old.
 */
export function resample(
  timestamps: readonly number[],
  values: ArrayLike<number>,
  grid: readonly number[],
  method: ResampleMethod,
  opts: { maxStalenessMs?: number } = {},
): Resampled {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    if (!Number.isNaN(values[i])) {
      ts.push(timestamps[i]);
      vs.push(values[i]);
    }
  }
  const out = new Float64Array(grid.length).fill(NaN);
  const observed = new Uint8Array(grid.length);
  let j = 0; // first observation with ts >= grid point
  for (let g = 0; g < grid.length; g++) {
    const t = grid[g];
    if (method === 'mean') {
      const lo = g > 0 ? grid[g - 1] : t - (grid.length > 1 ? grid[1] - grid[0] : 0);
      while (j < ts.length && ts[j] <= lo) j++;
      let sum = 0;
      let n = 0;
      for (let k = j; k < ts.length && ts[k] <= t; k++) {
        sum += vs[k];
        n++;
      }
      if (n) {
        out[g] = sum / n;
        observed[g] = 1;
      }
      continue;
    }
    while (j < ts.length && ts[j] < t) j++;
    if (j < ts.length && ts[j] === t) {
      out[g] = vs[j];
      observed[g] = 1;
    } else if (method === 'linear' && j > 0 && j < ts.length) {
      const w = (t - ts[j - 1]) / (ts[j] - ts[j - 1]);
      out[g] = vs[j - 1] + w * (vs[j] - vs[j - 1]);
    } else if (method === 'last' && j > 0 && t - ts[j - 1] <= (opts.maxStalenessMs ?? Infinity)) {
      out[g] = vs[j - 1];
    }
  }
  let imputedCount = 0;
  let missingCount = 0;
  for (let g = 0; g < grid.length; g++) {
    if (Number.isNaN(out[g])) missingCount++;
    else if (!observed[g]) imputedCount++;
  }
  return { values: out, observed, imputedCount, missingCount };
}

/**
 * Default method: data already on the grid keeps its gaps as NaN (the models understand missing
 * values); off-grid observations are interpolated; a grid coarser than the data aggregates.
 */
export function chooseMethod(onGridShare: number, sourceStepMs: number | null, gridStepMs: number): ResampleMethod {
  if (sourceStepMs !== null && sourceStepMs < gridStepMs * 0.75) return 'mean';
  return onGridShare >= 0.9 ? 'none' : 'linear';
}
