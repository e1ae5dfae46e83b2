import { Frequency, inferFrequency, stepForward, stepsBetween, uniqueSorted } from './frequency';

export interface SeriesStats {
  count: number;
  first: number | null;
  last: number | null;
  inferredFrequency: string | null;
  /** Share of consecutive steps equal to exactly one inferred step (0..1). */
  regularity: number | null;
  medianStepMs: number | null;
  /** Median absolute deviation of the steps over their median. */
  stepDispersion: number | null;
  duplicates: number;
  /** Grid points between first and last with no observation. */
  missingSteps: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Grid points of `f` from `first` to `last` that no observation sits on. */
export function countMissingSteps(ts: number[], f: Frequency): number {
  if (f.kind === 'fixed') {
    // O(n) whatever the span: grid size minus the observations that sit on the grid.
    const n = Math.floor((ts[ts.length - 1] - ts[0]) / f.stepMs) + 1;
    return n - ts.filter((t) => (t - ts[0]) % f.stepMs === 0).length;
  }
  const onGrid = new Set(ts);
  let missing = 0;
  for (let t = ts[0]; t <= ts[ts.length - 1]; t = stepForward(t, f)) if (!onGrid.has(t)) missing++;
  return missing;
}

export function seriesStats(timestamps: readonly number[]): SeriesStats {
  const ts = uniqueSorted(timestamps);
  const base = { count: timestamps.length, duplicates: timestamps.length - ts.length };
  if (ts.length === 0) return { ...base, first: null, last: null, inferredFrequency: null, regularity: null, medianStepMs: null, stepDispersion: null, missingSteps: null };
  const inferred = inferFrequency(ts);
  if (!inferred) return { ...base, first: ts[0], last: ts[0], inferredFrequency: null, regularity: null, medianStepMs: null, stepDispersion: null, missingSteps: 0 };
  const steps = ts.slice(1).map((t, i) => t - ts[i]);
  const med = median(steps);
  const f = inferred.frequency;
  const exact = ts.slice(1).filter((t, i) => stepsBetween(ts[i], t, f) === 1 && stepForward(ts[i], f) === t).length;
  return {
    ...base,
    first: ts[0],
    last: ts[ts.length - 1],
    inferredFrequency: f.label,
    regularity: exact / steps.length,
    medianStepMs: med,
    stepDispersion: med > 0 ? median(steps.map((s) => Math.abs(s - med))) / med : null,
    missingSteps: countMissingSteps(ts, f),
  };
}
