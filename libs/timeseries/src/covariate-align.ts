import { TimeseriesError } from './errors';

/** numeric: a measured quantity (temperature, price); flag: an indicator or count (holiday, promotion). */
export type CovariateKind = 'numeric' | 'flag';

/**
 * How a covariate reached the grid:
 * - `exact`: every grid point had an observation at that very time;
 * - `time-weighted-mean` (numeric, source finer than the grid): the mean over the grid point's cell
 *   (previous grid point, this one] (the cell convention of resample()'s `mean`), each observation
 *   standing for the time since the one before it (at most one source step) and weighted by how much
 *   of that lies inside the cell;
 * - `linear` (numeric, source as fine as the grid or coarser, or irregular): linear interpolation
 *   between the observations either side of the grid point, never extrapolated, never across a gap
 *   longer than `maxGapMs`;
 * - `max` (flag, source finer than the grid): the largest value in the cell, so a holiday flagged in
 *   any half-hour of a day flags the day;
 * - `hold` (flag, source as fine or coarser): the last observation at or before the grid point, at
 *   most one source step old, so a daily holiday flag flags each half-hour of that day.
 */
export type CovariateRule = 'exact' | 'time-weighted-mean' | 'linear' | 'max' | 'hold';

export interface CovariateAlignment {
  name: string;
  kind: CovariateKind;
  rule: CovariateRule;
  /** Median spacing of the source observations (ms); null with fewer than two. */
  sourceStepMs: number | null;
  sourcePoints: number;
  gridPoints: number;
  /** Grid points left without a value (NaN): outside the observations or inside a gap. */
  missing: number;
  /** First grid timestamp without a value, null when none. */
  firstMissing: number | null;
}

export interface AlignedCovariate {
  values: Float64Array;
  alignment: CovariateAlignment;
}

export interface AlignOptions {
  kind?: CovariateKind;
  /** Overrides the rule chosen from the spacing (sourceStepMs vs the grid step). */
  rule?: CovariateRule;
  /** linear: longest gap between observations interpolated across; default 3 source steps or 3 grid steps, whichever is longer. */
  maxGapMs?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function medianStep(ts: ArrayLike<number>): number | null {
  const d: number[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i] > ts[i - 1]) d.push(ts[i] - ts[i - 1]);
  return d.length ? median(d) : null;
}

/** The default rule for a kind, from the source spacing against the grid step. */
export function chooseCovariateRule(kind: CovariateKind, sourceStepMs: number | null, gridStepMs: number, allOnGrid: boolean): CovariateRule {
  const finer = sourceStepMs !== null && sourceStepMs < gridStepMs * 0.75;
  if (allOnGrid && !finer) return 'exact';
  if (kind === 'flag') return finer ? 'max' : 'hold';
  return finer ? 'time-weighted-mean' : 'linear';
}

/**
 * One covariate, observed at `timestamps` (any order, any spacing; null / NaN = not observed), on the
 * model grid `grid` (ascending, history and horizon). Grid points the rule cannot fill are NaN and
 * counted in `alignment.missing`; the caller decides whether that is an error (a future value of a
 * required covariate) or a gap the regression skips (history).
 */
export function alignCovariate(
  name: string,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number | null>,
  grid: ArrayLike<number>,
  o: AlignOptions = {},
): AlignedCovariate {
  if (timestamps.length !== values.length)
    throw new TimeseriesError('INVALID_ARGUMENT', `covariate ${name}: ${timestamps.length} timestamps, ${values.length} values`);
  for (let i = 1; i < grid.length; i++) if (!(grid[i] > grid[i - 1])) throw new TimeseriesError('INVALID_ARGUMENT', 'grid must be strictly ascending');
  const idx: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v) && Number.isFinite(timestamps[i])) idx.push(i);
  }
  idx.sort((a, b) => timestamps[a] - timestamps[b]);
  // Duplicate timestamps: the last one given wins, as for uploads.
  const ts: number[] = [];
  const vs: number[] = [];
  for (const i of idx) {
    if (ts.length && ts[ts.length - 1] === timestamps[i]) vs[vs.length - 1] = values[i] as number;
    else {
      ts.push(timestamps[i]);
      vs.push(values[i] as number);
    }
  }
  const kind = o.kind ?? 'numeric';
  const sourceStepMs = medianStep(ts);
  const gridStepMs = medianStep(grid) ?? sourceStepMs ?? 1;
  const at = new Map(ts.map((t, k) => [t, k]));
  let allOnGrid = ts.length > 0;
  for (let g = 0; g < grid.length && allOnGrid; g++) allOnGrid = at.has(grid[g]);
  const rule = o.rule ?? chooseCovariateRule(kind, sourceStepMs, gridStepMs, allOnGrid);
  const hold = sourceStepMs ?? gridStepMs;
  const maxGap = o.maxGapMs ?? 3 * Math.max(hold, gridStepMs);
  const out = new Float64Array(grid.length).fill(NaN);
  let j = 0; // first source index with ts[j] > grid point (linear, hold) or > cell start (aggregates)
  for (let g = 0; g < grid.length; g++) {
    const t = grid[g];
    if (rule === 'exact') {
      const k = at.get(t);
      if (k !== undefined) out[g] = vs[k];
    } else if (rule === 'linear' || rule === 'hold') {
      while (j < ts.length && ts[j] <= t) j++;
      const a = j - 1;
      if (a < 0) continue;
      if (ts[a] === t) out[g] = vs[a];
      else if (rule === 'hold') {
        if (t - ts[a] < hold) out[g] = vs[a];
      } else if (j < ts.length && ts[j] - ts[a] <= maxGap) {
        out[g] = vs[a] + ((vs[j] - vs[a]) * (t - ts[a])) / (ts[j] - ts[a]);
      }
    } else {
      const start = g > 0 ? grid[g - 1] : t - gridStepMs;
      while (j < ts.length && ts[j] <= start) j++;
      let weight = 0;
      let sum = 0;
      let max = -Infinity;
      // Each observation stands for the time since the previous one (at most one source step),
      // right-labelled like the cells, so the first observation after t still covers the cell's end.
      for (let k = j; k < ts.length && !(k > 0 && ts[k - 1] >= t); k++) {
        const from = Math.max(k > 0 ? ts[k - 1] : -Infinity, ts[k] - hold, start);
        const w = Math.min(ts[k], t) - from;
        if (w <= 0) continue;
        weight += w;
        sum += w * vs[k];
        max = Math.max(max, vs[k]);
      }
      if (weight > 0) out[g] = rule === 'max' ? max : sum / weight;
    }
  }
  let missing = 0;
  let firstMissing: number | null = null;
  for (let g = 0; g < grid.length; g++)
    if (Number.isNaN(out[g])) {
      missing++;
      firstMissing ??= grid[g];
    }
  return { values: out, alignment: { name, kind, rule, sourceStepMs, sourcePoints: ts.length, gridPoints: grid.length, missing, firstMissing } };
}
