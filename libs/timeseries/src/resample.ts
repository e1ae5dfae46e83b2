import { TimeseriesError } from './errors';

export type ResampleMethod = 'linear' | 'mean' | 'last' | 'none';

export interface ResampleOptions {
  /** `last`: an observation older than this (relative to the grid point) is not carried forward. Default unlimited. */
  maxStalenessMs?: number;
  /** `linear`: do not interpolate across gaps between observations longer than this. Default unlimited. */
  maxGapMs?: number;
}

export interface Resampled {
  values: Float64Array;
  /** 1 where the grid point had an observation: exact for none/linear, inside its cell for mean/last. */
  observed: Uint8Array;
  /** Grid points given a value although not observed (interpolated or carried forward). */
  imputedCount: number;
  /** Grid points left NaN (the models read NaN as missing). */
  missingCount: number;
}

/** Observations with a finite value, in time order (stable for equal times). */
interface Clean {
  ts: Float64Array;
  vs: Float64Array;
}

function clean(timestamps: ArrayLike<number>, values: ArrayLike<number | null>, order: Int32Array | null): Clean {
  const n = timestamps.length;
  if (values.length !== n) throw new TimeseriesError('INVALID_ARGUMENT', `${n} timestamps but ${values.length} values`);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const i = order ? order[r] : r;
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    ts[k] = timestamps[i];
    vs[k++] = v;
  }
  return { ts: ts.subarray(0, k), vs: vs.subarray(0, k) };
}

/** Merges equal timestamps: their mean, or the last one given (for `last`). */
function dedupe(c: Clean, keepLast: boolean): Clean {
  const ts = new Float64Array(c.ts.length);
  const vs = new Float64Array(c.ts.length);
  let k = 0;
  for (let i = 0; i < c.ts.length;) {
    let j = i;
    let sum = 0;
    while (j < c.ts.length && c.ts[j] === c.ts[i]) sum += c.vs[j++];
    ts[k] = c.ts[i];
    vs[k++] = keepLast ? c.vs[j - 1] : sum / (j - i);
    i = j;
  }
  return { ts: ts.subarray(0, k), vs: vs.subarray(0, k) };
}

/** Null when the timestamps are already non-decreasing, else the stable sorting permutation. */
export function timeOrder(timestamps: ArrayLike<number>): Int32Array | null {
  let sorted = true;
  for (let i = 1; i < timestamps.length && sorted; i++) sorted = timestamps[i - 1] <= timestamps[i];
  if (sorted) return null;
  const order = Int32Array.from({ length: timestamps.length }, (_, i) => i);
  return order.sort((a, b) => timestamps[a] - timestamps[b] || a - b);
}

function checkGrid(grid: ArrayLike<number>): void {
  for (let g = 1; g < grid.length; g++) {
    if (!(grid[g] > grid[g - 1])) throw new TimeseriesError('INVALID_ARGUMENT', `the grid must be strictly increasing (index ${g})`);
  }
}

/** Start (exclusive) of grid point g's right-labelled cell (g-1, g]; the first cell is as wide as the second. */
function cellStart(grid: ArrayLike<number>, g: number): number {
  if (g > 0) return grid[g - 1];
  return grid.length > 1 ? grid[0] - (grid[1] - grid[0]) : grid[0] - 1;
}

function onto(c: Clean, grid: ArrayLike<number>, method: ResampleMethod, opts: ResampleOptions, out: Float64Array, observed: Uint8Array): void {
  const { ts, vs } = c;
  const maxGap = opts.maxGapMs ?? Infinity;
  const stale = opts.maxStalenessMs ?? Infinity;
  let j = 0; // first observation with ts[j] >= the current grid point (or > cell start for mean)
  for (let g = 0; g < grid.length; g++) {
    const t = grid[g];
    if (method === 'mean') {
      const lo = cellStart(grid, g);
      while (j < ts.length && ts[j] <= lo) j++;
      let sum = 0;
      let n = 0;
      for (let k = j; k < ts.length && ts[k] <= t; k++, n++) sum += vs[k];
      if (n > 0) [out[g], observed[g]] = [sum / n, 1];
      continue;
    }
    while (j < ts.length && ts[j] < t) j++;
    if (j < ts.length && ts[j] === t) {
      [out[g], observed[g]] = [vs[j], 1];
    } else if (method === 'linear' && j > 0 && j < ts.length && ts[j] - ts[j - 1] <= maxGap) {
      out[g] = vs[j - 1] + ((t - ts[j - 1]) / (ts[j] - ts[j - 1])) * (vs[j] - vs[j - 1]);
    } else if (method === 'last' && j > 0 && t - ts[j - 1] <= stale) {
      out[g] = vs[j - 1];
      if (ts[j - 1] > cellStart(grid, g)) observed[g] = 1;
    }
  }
}

function summarise(values: Float64Array, observed: Uint8Array): Resampled {
  let imputedCount = 0;
  let missingCount = 0;
  for (let g = 0; g < values.length; g++) {
    if (values[g] !== values[g]) missingCount++;
    else if (!observed[g]) imputedCount++;
  }
  return { values, observed, imputedCount, missingCount };
}

function resampleOrdered(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number | null>,
  order: Int32Array | null,
  grid: ArrayLike<number>,
  method: ResampleMethod,
  opts: ResampleOptions,
): Resampled {
  let c = clean(timestamps, values, order);
  if (method !== 'mean') c = dedupe(c, method === 'last');
  const out = new Float64Array(grid.length).fill(NaN);
  const observed = new Uint8Array(grid.length);
  onto(c, grid, method, opts, out, observed);
  return summarise(out, observed);
}

/**
 * Puts one channel onto a strictly increasing grid. Observations may be unsorted; null, NaN and
 * infinite values are missing; equal timestamps are averaged (`last`: the last given wins).
 * - `none`: exact timestamp matches only, everything else NaN;
 * - `linear`: exact matches, else linear interpolation between the neighbouring observations;
 *   never extrapolates beyond the first/last observation (NaN there);
 * - `mean`: the mean of the observations in the right-labelled cell (previous grid point, this one],
 *   so a grid anchored at the last observation summarises the step that ends at each point;
 * - `last`: the last observation at or before the grid point, if at most `maxStalenessMs` old;
 *   observed when that observation lies in the point's cell, else imputed (carried forward).
 */
export function resample(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number | null>,
  grid: ArrayLike<number>,
  method: ResampleMethod,
  opts: ResampleOptions = {},
): Resampled {
  checkGrid(grid);
  return resampleOrdered(timestamps, values, timeOrder(timestamps), grid, method, opts);
}

export interface ChannelSpec extends ResampleOptions {
  name: string;
  values: ArrayLike<number | null>;
  method: ResampleMethod;
}

export interface ResampledChannels {
  channels: Map<string, Resampled>;
  method: Record<string, ResampleMethod>;
  /** Totals over all channels (grid points × channels). */
  imputedCount: number;
  missingCount: number;
}

/** Resamples several channels sharing one timestamp column, each with its own method. */
export function resampleChannels(timestamps: ArrayLike<number>, specs: readonly ChannelSpec[], grid: ArrayLike<number>): ResampledChannels {
  checkGrid(grid);
  const order = timeOrder(timestamps);
  const out: ResampledChannels = { channels: new Map(), method: {}, imputedCount: 0, missingCount: 0 };
  for (const s of specs) {
    if (out.channels.has(s.name)) throw new TimeseriesError('INVALID_ARGUMENT', `channel ${s.name} appears twice`);
    const r = resampleOrdered(timestamps, s.values, order, grid, s.method, s);
    out.channels.set(s.name, r);
    out.method[s.name] = s.method;
    out.imputedCount += r.imputedCount;
    out.missingCount += r.missingCount;
  }
  return out;
}

/** Share of the distinct timestamps that sit exactly on grid points (both sorted ascending). */
export function onGridShare(sortedTimestamps: ArrayLike<number>, grid: ArrayLike<number>): number {
  let hits = 0;
  let distinct = 0;
  let g = 0;
  for (let i = 0; i < sortedTimestamps.length; i++) {
    const t = sortedTimestamps[i];
    if (i > 0 && t === sortedTimestamps[i - 1]) continue;
    distinct++;
    while (g < grid.length && grid[g] < t) g++;
    if (g < grid.length && grid[g] === t) hits++;
  }
  return distinct ? hits / distinct : 0;
}

/**
 * Default method: data already on the grid keeps its gaps as NaN (the models understand missing
 * values); off-grid observations are interpolated; a grid coarser than the data aggregates.
 */
export function chooseMethod(onGrid: number, sourceStepMs: number | null, gridStepMs: number): ResampleMethod {
  if (sourceStepMs !== null && sourceStepMs < gridStepMs * 0.75) return 'mean';
  return onGrid >= 0.9 ? 'none' : 'linear';
}
