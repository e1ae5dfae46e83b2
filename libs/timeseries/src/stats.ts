import { Frequency, inferFrequency, stepForward, stepsBetween, uniqueSorted } from './frequency';

export interface SeriesStats {
  /** Timestamps given, duplicates included. */
  count: number;
  first: number | null;
  last: number | null;
  inferredFrequency: string | null;
  /** Share of consecutive distinct steps that are exactly one inferred step (0..1). */
  regularity: number | null;
  medianStepMs: number | null;
  /** Median absolute deviation of the steps over their median (0 for a perfectly regular fixed step). */
  stepDispersion: number | null;
  duplicates: number;
  /** Grid points of the inferred frequency between first and last with no observation. */
  missingSteps: number | null;
}

/** Median of a numeric array (sorts a copy); NaN when empty. */
export function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Grid points of `f` from the first to the last of `ts` (sorted, distinct) that no stamp sits on. */
export function countMissingSteps(ts: ArrayLike<number>, f: Frequency): number {
  const n = ts.length;
  if (n === 0) return 0;
  const first = ts[0];
  if (f.kind === 'fixed') {
    // O(n) whatever the span: grid size minus the stamps that sit on the grid.
    let on = 0;
    for (let i = 0; i < n; i++) if ((ts[i] - first) % f.stepMs === 0) on++;
    return Math.floor((ts[n - 1] - first) / f.stepMs) + 1 - on;
  }
  // Calendar and business-day grids: walk grid point k = first + k steps beside the stamps.
  const total = Math.floor(stepsBetween(first, ts[n - 1], f)) + 1;
  let on = 0;
  let i = 0;
  for (let k = 0; k < total; k++) {
    const g = stepForward(first, f, k);
    while (i < n && ts[i] < g) i++;
    if (i < n && ts[i] === g) on++;
  }
  return total - on;
}

export function seriesStats(timestamps: ArrayLike<number>): SeriesStats {
  const ts = uniqueSorted(timestamps);
  const base = { count: timestamps.length, duplicates: timestamps.length - ts.length };
  const none = { inferredFrequency: null, regularity: null, medianStepMs: null, stepDispersion: null };
  if (ts.length === 0) return { ...base, ...none, first: null, last: null, missingSteps: null };
  const inferred = inferFrequency(ts);
  if (!inferred) return { ...base, ...none, first: ts[0], last: ts[0], missingSteps: 0 };
  const f = inferred.frequency;
  const steps = new Float64Array(ts.length - 1);
  let exact = 0;
  for (let i = 1; i < ts.length; i++) {
    steps[i - 1] = ts[i] - ts[i - 1];
    if (stepForward(ts[i - 1], f) === ts[i]) exact++;
  }
  const med = median(steps);
  return {
    ...base,
    first: ts[0],
    last: ts[ts.length - 1],
    inferredFrequency: f.label,
    regularity: exact / steps.length,
    medianStepMs: med,
    stepDispersion: median(steps.map((s) => Math.abs(s - med))) / med,
    missingSteps: countMissingSteps(ts, f),
  };
}
