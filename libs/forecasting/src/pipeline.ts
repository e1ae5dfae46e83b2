import { InvalidInputError } from '#common';
import type { ManifestEntry, SeriesRequest } from '#model-runtime';
import {
  ContextSelectionInfo, Frequency, ResampleMethod, ResamplingMetadata, buildGrid, buildMetadata, chooseMethod, defaultSeasonalPeriod,
  detectSeasonalPeriod, fixedFrequency, futureGrid, seasonalCandidates, gridLengthCovering, inferFrequency, mapForecast, parseFrequency, resample,
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
  /**
   * xlstm family: read long seasons on a coarser grid (coarseningFactor). Forecasts and backtests of
   * catalog models set it; fine-tuned models (heads trained on the series' own grid), fine-tune
   * windows and baselines do not. Default false.
   */
  coarsen?: boolean;
  /**
   * Per-series context selection (manifest `contextSelection`) when the request names no
   * contextLength: the grid reaches the model's whole contextLength and `selection` carries it.
   * Set for catalog models by forecasts, schedules, backtests, the CLI and the eval; default false.
   */
  selectContext?: boolean;
}

/** Seasonal cycles the xlstm context must hold; fewer and the grid gets coarser (coarseningFactor). */
export const MIN_CONTEXT_CYCLES = 8;

/**
 * The xlstm family has no time-scale input (the ssm has its scale factor): with the frequency's
 * default season m and a context of C grid steps, a context holding fewer than MIN_CONTEXT_CYCLES
 * seasons (m · 8 > C, e.g. 5-minute data, m = 288, C = 1,024: 3.6 days) is read on a grid k =
 * ⌈8m / C⌉ times coarser (15 minutes there: 10.7 days) and the forecast is interpolated back onto the
 * series' own steps. Fixed frequencies only; 1 = the series' own grid.
 */
export function coarseningFactor(f: Frequency, contextSteps: number): number {
  if (f.kind !== 'fixed') return 1;
  const m = defaultSeasonalPeriod(f);
  return Math.max(1, Math.ceil((MIN_CONTEXT_CYCLES * m) / contextSteps));
}

export interface PreparedSeries {
  request: SeriesRequest;
  method: ResampleMethod;
  metadataBase: Omit<Parameters<typeof buildMetadata>[0], 'output'>;
  frequency: Frequency;
  anchor: { t: number; value: number };
  outputTimes: number[];
  mode: 'horizon' | 'until' | 'at';
  /** Model grid step / the series' step (1 = the series' own grid); `frequency` is the model grid's. */
  coarsening: number;
  /**
   * Context selection planned (forecastPrepared): the grid over the model's whole contextLength
   * (`request.context` is its last defaultContext steps), the distinct candidate lengths it allows,
   * how many of the best are averaged and the validation windows that score them (scoreableWindows,
   * at least one). Null: the request's context is used as is.
   */
  selection: { long: Float32Array; candidates: number[]; top: number; windows: ValidationBounds[] } | null;
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
  const spec = o.selectContext === true && o.contextLength === undefined ? entry.contextSelection : undefined;
  const gridLen = spec ? Math.max(maxLen, spec.candidates[spec.candidates.length - 1]) : maxLen;
  // The output times stay on the series' (or requested) frequency; only the model reads a coarser grid.
  const k = entry.family === 'xlstm' && o.coarsen === true ? coarseningFactor(frequency, maxLen) : 1;
  const seriesFrequency = frequency;
  const gridFrequency = k > 1 ? fixedFrequency((frequency as { stepMs: number }).stepMs * k) : frequency;
  const length = gridLengthCovering(ts[0], anchorT, gridFrequency, gridLen);
  const grid = buildGrid({ anchor: anchorT, frequency: gridFrequency, length, chosenBy });
  const onGrid = new Set(grid.timestamps);
  // Share of the observations inside the grid's span that sit exactly on a grid point.
  const inSpan = uniqueSorted(observed).filter((t) => t >= grid.timestamps[0]);
  const onGridShare = inSpan.filter((t) => onGrid.has(t)).length / Math.max(1, inSpan.length);
  // Coarsened: the values at the coarse grid's points (interpolated where missing), so that a forecast
  // step means the value at its time, as on the series' own grid, not a cell mean half a cell earlier.
  const method = o.resampling ?? (k > 1 ? 'linear' : chooseMethod(onGridShare, stats.medianStepMs, fixedStepMs(gridFrequency)));
  const r = resample(ts, vs, grid.timestamps, method, { maxStalenessMs: fixedStepMs(gridFrequency) * 3 });
  const long = Float32Array.from(r.values);
  // The default context: the last maxLen grid steps (all of them without selection).
  const context = long.length > maxLen ? long.slice(long.length - maxLen) : long;
  let scaleFactor: number | null = null;
  let seasonalPeriod: number | null = null;
  if (entry.family === 'ssm') {
    const def = defaultSeasonalPeriod(frequency);
    const found = detectSeasonalPeriod(r.values.subarray(r.values.length - context.length), { candidates: seasonalCandidates(frequency) });
    seasonalPeriod = found.detected ? found.period : def;
    // P = floor(24 / s) steps per decoder position must stay >= 1: s <= 24.
    scaleFactor = Math.min(24, 24 / Math.max(1, seasonalPeriod));
  }
  const { outputTimes, horizon: seriesSteps, mode } = span(o.span, anchorT, seriesFrequency);
  const horizon = Math.ceil(seriesSteps / k);
  // ssm: the masked future rows come out of a context of ⌊C/s⌋ steps; keep at least half of it real.
  const limit = scaleFactor === null ? entry.maxHorizon : Math.min(entry.maxHorizon, Math.floor(entry.contextLength / scaleFactor / 2));
  if (horizon > limit) {
    throw new InvalidInputError('HORIZON_TOO_LONG', `the span needs ${horizon} ${gridFrequency.label} steps; model ${entry.id} forecasts at most ${limit} here`, { maxHorizon: limit });
  }
  // Distinct candidate lengths this grid allows (a candidate longer than the grid is the whole grid).
  const candidates = spec ? [...new Set(spec.candidates.map((c) => Math.min(c, long.length)))] : [];
  const windows = spec && candidates.length >= 2 ? scoreableWindows(long, horizon, spec.windows ?? 1) : [];
  const selection = spec && windows.length ? { long, candidates, top: Math.min(spec.top, candidates.length), windows } : null;
  // Nothing to choose between, or nothing to score them on: the default context, and the metadata of
  // the grid the model reads, as without selection.
  if (spec && !selection && long.length > maxLen) return prepareSeries(timestamps, values, entry, { ...o, selectContext: false });
  return {
    request: { context, horizon, scaleFactor: scaleFactor ?? undefined },
    method,
    frequency: gridFrequency,
    anchor: { t: anchorT, value: lastObservedValue(ts, vs) },
    outputTimes,
    mode,
    coarsening: k,
    selection,
    metadataBase: {
      stats, grid, method: {}, imputedCount: r.imputedCount, missingCount: r.missingCount, gridPoints: grid.length, scaleFactor, seasonalPeriod,
      coarsening: k > 1 ? { factor: k, seriesStep: seriesFrequency.label, seasonalPeriod: defaultSeasonalPeriod(seriesFrequency) } : null,
    },
  };
}

/** A validation window: the history is long[0, prefixEnd), the held-out steps long[prefixEnd, end). */
export interface ValidationBounds {
  prefixEnd: number;
  end: number;
}

/**
 * Context selection's validation windows on a grid: [end of the history before it, end of the
 * window) for the last h steps, the h before them, ..., up to `windows` of them, newest first; a
 * window counts when it holds an observation and the history before it at least two.
 */
export function scoreableWindows(long: Float32Array, h: number, windows: number): ValidationBounds[] {
  const out: ValidationBounds[] = [];
  const finite = (from: number, to: number) => {
    let n = 0;
    for (let i = from; i < to; i++) if (Number.isFinite(long[i])) n++;
    return n;
  };
  for (let w = 0; w < windows; w++) {
    const end = long.length - w * h;
    if (end - h < 2) break;
    if (finite(end - h, end) >= 1 && finite(0, end - h) >= 2) out.push({ prefixEnd: end - h, end });
  }
  return out;
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
export function finishSeries(
  p: PreparedSeries, gridQuantiles: number[][], modelLevels: number[], levels: number[], channel: string, contextSelection: ContextSelectionInfo | null = null,
): SeriesResult {
  const gridTimes = futureGrid(p.anchor.t, p.frequency, gridQuantiles.length);
  const idx = levels.map((l) => modelLevels.findIndex((m) => Math.abs(m - l) < 1e-9));
  // `at` times, or a coarsened grid: each output time interpolated between grid steps (from the last
  // observation before the first step); otherwise the grid steps are the output times.
  const mapped = p.mode === 'at' || p.coarsening > 1
    ? mapForecast(gridTimes, gridQuantiles, p.outputTimes, p.anchor)
    : { timestamps: gridTimes, values: gridQuantiles, how: gridTimes.map(() => 'exact' as const) };
  const metadata = buildMetadata({
    ...p.metadataBase,
    method: { [channel]: p.method },
    contextSelection,
    output: { mode: p.mode, timestamps: mapped.timestamps, how: mapped.how, gridSteps: gridQuantiles.length },
  });
  return { timestamps: mapped.timestamps, quantiles: mapped.values.map((row) => idx.map((i) => row[i])), levels, metadata };
}
