import { InvalidInputError } from '#common';
import type { ManifestEntry, SeriesRequest } from '#model-runtime';
import {
  Frequency, ResampleMethod, ResamplingMetadata, buildGrid, buildMetadata, chooseMethod, defaultSeasonalPeriod,
  detectSeasonalPeriod, futureGrid, seasonalCandidates, gridLengthCovering, inferFrequency, mapForecast, parseFrequency, resample,
  seriesStats, stepForward, uniqueSorted,
} from '#timeseries';

export type Span = { horizon: number } | { until: number } | { at: number[] };

export interface ForecastOptions {
  span: Span;
  frequency?: string;
  declaredFrequency?: string | null;
  resampling?: ResampleMethod;
  contextLength?: number;
  quantiles: number[];
}

export interface PreparedSeries {
  request: SeriesRequest;
  method: ResampleMethod;
  metadataBase: Omit<Parameters<typeof buildMetadata>[0], 'output'>;
  frequency: Frequency;
  anchor: { t: number; value: number };
  outputTimes: number[];
  mode: 'horizon' | 'until' | 'at';
}

export interface SeriesResult {
  timestamps: number[];
  quantiles: number[][];
  levels: number[];
  metadata: ResamplingMetadata;
}

const MAX_AT = 10_000;

function fixedStepMs(f: Frequency): number {
  if (f.kind === 'fixed') return f.stepMs;
  if (f.kind === 'business-day') return 86_400_000;
  return (f.unit === 'month' ? 30.44 : f.unit === 'quarter' ? 91.3 : 365.25) * f.multiple * 86_400_000;
}

/**
 * Client timestamps -> model grid: frequency (requested, declared or inferred), a grid ending at the
 * last observation, resampling, the ssm scale factor from the detected season, and the horizon in
 * grid steps for `horizon`, `until` or arbitrary `at` timestamps.
 */
export function prepareSeries(timestamps: number[], values: (number | null)[], entry: ManifestEntry, o: ForecastOptions): PreparedSeries {
  const order = timestamps.map((_, i) => i).sort((a, b) => timestamps[a] - timestamps[b]);
  const ts = order.map((i) => timestamps[i]);
  const vs = Float64Array.from(order.map((i) => values[i] ?? NaN));
  const observed = ts.filter((_, i) => !Number.isNaN(vs[i]));
  if (observed.length < 2) throw new InvalidInputError('INSUFFICIENT_DATA', 'a series needs at least 2 observed values to forecast');
  const stats = seriesStats(ts);
  const inferred = inferFrequency(observed);
  let frequency: Frequency;
  let chosenBy: 'declared' | 'inferred' | 'requested';
  if (o.frequency) [frequency, chosenBy] = [parseFrequency(o.frequency), 'requested'];
  else if (o.declaredFrequency) [frequency, chosenBy] = [parseFrequency(o.declaredFrequency), 'declared'];
  else if (inferred) [frequency, chosenBy] = [inferred.frequency, 'inferred'];
  else throw new InvalidInputError('FREQUENCY_UNKNOWN', 'the frequency cannot be inferred; pass "frequency"');
  const anchorT = observed[observed.length - 1];
  const maxLen = Math.min(o.contextLength ?? entry.defaultContext ?? entry.contextLength, entry.contextLength);
  const length = gridLengthCovering(ts[0], anchorT, frequency, maxLen);
  const grid = buildGrid({ anchor: anchorT, frequency, length, chosenBy });
  const onGrid = new Set(grid.timestamps);
  // Share of the observations inside the grid's span that sit exactly on a grid point.
  const inSpan = uniqueSorted(observed).filter((t) => t >= grid.timestamps[0]);
  const onGridShare = inSpan.filter((t) => onGrid.has(t)).length / Math.max(1, inSpan.length);
  const method = o.resampling ?? chooseMethod(onGridShare, stats.medianStepMs, fixedStepMs(frequency));
  const r = resample(ts, vs, grid.timestamps, method, { maxStalenessMs: fixedStepMs(frequency) * 3 });
  let scaleFactor: number | null = null;
  let seasonalPeriod: number | null = null;
  if (entry.family === 'ssm') {
    const def = defaultSeasonalPeriod(frequency);
    const found = detectSeasonalPeriod(r.values, { candidates: seasonalCandidates(frequency) });
    seasonalPeriod = found.detected ? found.period : def;
    // P = floor(24 / s) steps per decoder position must stay >= 1: s <= 24.
    scaleFactor = Math.min(24, 24 / Math.max(1, seasonalPeriod));
  }
  const { outputTimes, horizon, mode } = span(o.span, anchorT, frequency);
  // ssm: the masked future rows come out of a context of ⌊C/s⌋ steps; keep at least half of it real.
  const limit = scaleFactor === null ? entry.maxHorizon : Math.min(entry.maxHorizon, Math.floor(entry.contextLength / scaleFactor / 2));
  if (horizon > limit) {
    throw new InvalidInputError('HORIZON_TOO_LONG', `the span needs ${horizon} ${frequency.label} steps; model ${entry.id} forecasts at most ${limit} here`, { maxHorizon: limit });
  }
  const context = Float32Array.from(r.values);
  return {
    request: { context, horizon, scaleFactor: scaleFactor ?? undefined },
    method,
    frequency,
    anchor: { t: anchorT, value: lastObservedValue(ts, vs) },
    outputTimes,
    mode,
    metadataBase: { stats, grid, method: {}, imputedCount: r.imputedCount, missingCount: r.missingCount, gridPoints: grid.length, scaleFactor, seasonalPeriod },
  };
}

function lastObservedValue(ts: number[], vs: Float64Array): number {
  for (let i = ts.length - 1; i >= 0; i--) if (!Number.isNaN(vs[i])) return vs[i];
  return NaN;
}

function span(s: Span, anchor: number, f: Frequency): { outputTimes: number[]; horizon: number; mode: 'horizon' | 'until' | 'at' } {
  if ('horizon' in s) return { outputTimes: futureGrid(anchor, f, s.horizon), horizon: s.horizon, mode: 'horizon' };
  if ('until' in s) {
    if (s.until <= anchor) throw new InvalidInputError('UNTIL_NOT_IN_FUTURE', '"until" must be after the last observation');
    const times: number[] = [];
    for (let t = stepForward(anchor, f, 1); t <= s.until && times.length <= MAX_AT * 10; t = stepForward(t, f, 1)) times.push(t);
    if (!times.length) throw new InvalidInputError('UNTIL_NOT_IN_FUTURE', '"until" is before the first grid step after the last observation');
    return { outputTimes: times, horizon: times.length, mode: 'until' };
  }
  const at = [...s.at].sort((a, b) => a - b);
  if (at[0] <= anchor) throw new InvalidInputError('TIMESTAMP_NOT_IN_FUTURE', `"at" timestamps must be after the last observation ${new Date(anchor).toISOString()}`);
  let horizon = 0;
  for (let t = anchor; t < at[at.length - 1] && horizon <= MAX_AT * 10; t = stepForward(t, f, 1)) horizon++;
  return { outputTimes: s.at, horizon, mode: 'at' };
}

/** Model-grid quantiles -> the requested timestamps and levels, with the metadata that says how. */
export function finishSeries(p: PreparedSeries, gridQuantiles: number[][], modelLevels: number[], levels: number[], channel: string): SeriesResult {
  const gridTimes = futureGrid(p.anchor.t, p.frequency, gridQuantiles.length);
  const idx = levels.map((l) => modelLevels.findIndex((m) => Math.abs(m - l) < 1e-9));
  const mapped = p.mode === 'at' ? mapForecast(gridTimes, gridQuantiles, p.outputTimes, p.anchor) : { timestamps: gridTimes, values: gridQuantiles, how: gridTimes.map(() => 'exact' as const) };
  const metadata = buildMetadata({
    ...p.metadataBase,
    method: { [channel]: p.method },
    output: { mode: p.mode, timestamps: mapped.timestamps, how: mapped.how, gridSteps: gridQuantiles.length },
  });
  return { timestamps: mapped.timestamps, quantiles: mapped.values.map((row) => idx.map((i) => row[i])), levels, metadata };
}
