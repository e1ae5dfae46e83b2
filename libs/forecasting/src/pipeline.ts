import { InvalidInputError } from '#common';
import { ManifestEntry, SeriesRequest, fedLength } from '#model-runtime';
import {
  ContextSelectionInfo,
  Frequency,
  ModelInputInfo,
  ResampleMethod,
  ResamplingMetadata,
  buildGrid,
  buildMetadata,
  chooseMethod,
  defaultSeasonalPeriod,
  fixedFrequency,
  futureGrid,
  gridLengthCovering,
  inferFrequency,
  mapForecast,
  parseFrequency,
  resample,
  SeasonalAdjustmentInfo,
  seriesStats,
  stepForward,
  uniqueSorted,
  LAST_TIMESTAMP_MS,
  TIMESTAMP_YEARS,
} from '#timeseries';
import { adjustValues, planSeasonalAdjustment, reseasonalize } from './seasonal-adjustment';
import { gridFamily } from './model-family';

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
  /**
   * Multiplicative seasonal adjustment (manifest `seasonalAdjustment`, seasonal-adjustment.ts).
   * Set with `coarsen` for catalog models; default false.
   */
  adjustSeasons?: boolean;
  /**
   * xlstm: pad the context to the model's contextLength even where its manifest `contextPadding` says
   * whole patches (SeriesRequest.padToContext): heads fine-tuned before contextPadding. Default false.
   */
  padToContext?: boolean;
}

/** Seasonal cycles the xlstm context must hold; fewer and the grid gets coarser (coarseningFactor). */
export const MIN_CONTEXT_CYCLES = 8;

/**
 * The xlstm family has no time-scale input (the ssm has its scale factor), so it reads a series on a
 * grid chosen for the season m of the series' frequency (its default; `k` = grid step / series step)
 * and the seasons the model copies off its context: manifest `seasons`, the periods its synthetic
 * pre-training drew (xlstm-small: 4, 7, 12, 24, 48, 52, 96, 168, 288). Off that list (5, 10, 14, 20,
 * 32, 64, 72, 144 measured) xlstm-small forecasts a clean season 2.7-4.9x worse than seasonal naive
 * (scripts/eval/sine_probe.py, test/models/seasons.spec.ts); a training stage with periods drawn off
 * it did not teach it (models/toolchain/training/HISTORY.md, xlstm small11).
 * - fixed steps: k = 1 when m is listed and the context of C grid steps holds MIN_CONTEXT_CYCLES
 *   seasons; otherwise the grid on which the season is the smallest listed one above m that fits 8
 *   times (a finer grid, values interpolated between the observations: nothing lost), or else the
 *   largest that fits (a coarser grid), with a grid step of a whole number of milliseconds. With
 *   xlstm-small's list: 20-minute data (m = 72): k = 0.75, a 15-minute grid, season 96; 3-hourly (8)
 *   and 4-hourly (6): a 2-hour grid, season 12; 12-hourly (2): a 6-hour grid, season 4; 10-minute
 *   (144): k = 1.5, a 15-minute grid, season 96; 5-minute (288): k = 3, season 96. With none (a short
 *   context), ⌈8m / C⌉. A model without a list (no `seasons`) is read on the series' own grid
 *   unless m does not fit 8 times (then ⌈8m / C⌉). A horizon that a finer grid cannot reach within
 *   the model's maxHorizon is forecast on the series' own grid (prepareSeries);
 * - business days and calendar frequencies: their own grid (monthly 12 and quarterly 4 are on
 *   xlstm-small's list; business days' 5 is not: a clean business-week season reads 4.5x worse than
 *   seasonal naive, test/models/seasons.spec.ts, unless it is positive and the seasonal adjustment
 *   divides the week out first (manifest seasonalAdjustment: 0.81x there). A calendar-day grid with interpolated weekends,
 *   season 7, helped that season in a prototype but made random walks worse, and no real
 *   business-day dataset is here to decide on, so it is not used).
 * The forecast is interpolated back onto the series' own steps. Null: the series' own grid.
 */
export function xlstmGrid(f: Frequency, contextSteps: number, seasons?: readonly number[]): { frequency: Frequency; factor: number } | null {
  const k = coarseningFactor(f, contextSteps, seasons);
  return k === 1 ? null : { frequency: fixedFrequency((f as { stepMs: number }).stepMs * k), factor: k };
}

/**
 * The grid factor k of xlstmGrid for a fixed frequency (1 = the series' own grid; may be fractional).
 * `seasons`: the model's listed seasons (manifest `seasons`); absent, every season counts as listed.
 */
export function coarseningFactor(f: Frequency, contextSteps: number, seasons?: readonly number[]): number {
  if (f.kind !== 'fixed') return 1;
  const m = defaultSeasonalPeriod(f);
  const fits = (p: number) => MIN_CONTEXT_CYCLES * p <= contextSteps;
  if (m <= 1 || ((seasons === undefined || seasons.includes(m)) && fits(m))) return 1;
  const ok = (seasons ?? []).filter((q) => q !== m && fits(q) && Number.isInteger((f.stepMs * m) / q));
  // A finer grid loses nothing (interpolated between observations); a coarser one drops detail.
  const p = ok.find((q) => q > m) ?? ok[ok.length - 1];
  return p !== undefined ? m / p : Math.max(1, Math.ceil((MIN_CONTEXT_CYCLES * m) / contextSteps));
}

/**
 * The period the ssm's scale factor s = 24 / p is computed from, for a season m: the model's manifest
 * `scalePeriods` entry for m, else m itself. The shipped ssm-small (small9) has {"2": 4}: it drew 30 %
 * of its batches at free periods from scratch, and on noisy sines (scripts/eval/sine_probe.py, 300 /
 * 1,000 points, --season-multiple 1 against 2) m = 2 reads 1.02 / 0.99 of seasonal naive at s = 24/2
 * and 0.81 / 0.85 at s = 24/4, while m = 3 is a tie (0.94 / 0.76 against 0.96 / 0.73), m = 5 reads
 * 0.83 / 0.83 as itself against 1.51 / 1.47 doubled and m = 6 0.78 / 0.83 against 1.06 / 1.13. (The
 * chain it replaced, small8, had learned the free periods in a last short stage and read 3, 5 and 6
 * better doubled.) A model measured otherwise carries its own map.
 */
export function ssmScalePeriod(m: number, scalePeriods?: Readonly<Record<string, number>>): number {
  const p = scalePeriods?.[String(m)];
  return p !== undefined ? p : Math.max(1, m);
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
  /** The seasonal profile the grid values were divided by (finishSeries multiplies the forecast back); null: none. */
  seasonalAdjustment: SeasonalAdjustmentInfo | null;
  /** What decides the length each context is fed at (fedLength; metadata.modelInput); null: a backtest baseline. */
  feed: Pick<ManifestEntry, 'family' | 'contextLength' | 'patchSize' | 'contextPadding'> | null;
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
  // The output times stay on the series' (or requested) frequency; only the model reads another grid.
  const seriesFrequency = frequency;
  const { outputTimes, horizon: seriesSteps, mode } = span(o.span, anchorT, seriesFrequency);
  // On another grid, the grid steps that reach the last output time (k may be fractional: 0.75, 1.5).
  const lastOutput = outputTimes.reduce((a, t) => Math.max(a, t), anchorT);
  const stepsOn = (f: Frequency) => Math.ceil((lastOutput - anchorT) / fixedStepMs(f) - 1e-9);
  const family = gridFamily(entry);
  let regrid = family.regrid(entry, frequency, maxLen, o.coarsen === true);
  // A finer grid (k < 1) needs more steps than the series' own: past the model's maxHorizon (the xlstm's
  // limit), the series' own grid, if that reaches it.
  if (regrid && regrid.factor < 1 && stepsOn(regrid.frequency) > entry.maxHorizon && seriesSteps <= entry.maxHorizon) regrid = null;
  const gridFrequency = regrid?.frequency ?? frequency;
  const length = gridLengthCovering(ts[0], anchorT, gridFrequency, gridLen);
  const grid = buildGrid({ anchor: anchorT, frequency: gridFrequency, length, chosenBy });
  const onGrid = new Set(grid.timestamps);
  // Share of the observations inside the grid's span that sit exactly on a grid point.
  const inSpan = uniqueSorted(observed).filter((t) => t >= grid.timestamps[0]);
  const onGridShare = inSpan.filter((t) => onGrid.has(t)).length / Math.max(1, inSpan.length);
  // Another grid: the values at its points (interpolated where missing), so that a forecast step means
  // the value at its time, as on the series' own grid, not a cell mean half a cell earlier.
  const method = o.resampling ?? (regrid ? 'linear' : chooseMethod(onGridShare, stats.medianStepMs, fixedStepMs(gridFrequency)));
  const r = resample(ts, vs, grid.timestamps, method, { maxStalenessMs: fixedStepMs(gridFrequency) * 3 });
  let long: Float32Array = Float32Array.from(r.values);
  const contextSteps = Math.min(long.length, maxLen);
  const scale = family.timeScale(entry, frequency, r.values.subarray(r.values.length - contextSteps));
  const scaleFactor = scale?.scaleFactor ?? null;
  const seasonalPeriod = scale?.seasonalPeriod ?? null;
  // The season on the model grid: the ssm's, else the grid frequency's default (e.g. 96 on a 15-minute grid).
  const adjustment =
    entry.seasonalAdjustment && o.adjustSeasons === true
      ? planSeasonalAdjustment(
          long,
          contextSteps,
          seasonalPeriod ?? defaultSeasonalPeriod(gridFrequency),
          entry.seasonalAdjustment.cycles,
          entry.seasonalAdjustment.additive,
        )
      : null;
  if (adjustment) long = adjustValues(long, adjustment);
  // The default context: the last maxLen grid steps (all of them without selection).
  const context = long.length > maxLen ? long.slice(long.length - maxLen) : long;
  const horizon = regrid ? stepsOn(gridFrequency) : seriesSteps;
  // ssm: the masked future rows come out of a context of ⌊C/s⌋ steps; keep at least half of it real.
  const limit = scaleFactor === null ? entry.maxHorizon : Math.min(entry.maxHorizon, Math.floor(entry.contextLength / scaleFactor / 2));
  if (horizon > limit) {
    throw new InvalidInputError(
      'HORIZON_TOO_LONG',
      `the span needs ${horizon} ${gridFrequency.label} steps; model ${entry.id} forecasts at most ${limit} here`,
      { maxHorizon: limit },
    );
  }
  // Timestamps are years 0001..9999 everywhere (parsing, storage, CSV): a forecast may not step past them.
  if (lastOutput > LAST_TIMESTAMP_MS) {
    const fits = outputTimes.filter((t) => t <= LAST_TIMESTAMP_MS).length;
    throw new InvalidInputError(
      'HORIZON_TOO_LONG',
      `the forecast would pass 9999-12-31, the last date of years ${TIMESTAMP_YEARS}; at most ${fits} step(s) fit`,
      { maxHorizon: fits },
    );
  }
  // Distinct candidate lengths this grid allows (a candidate longer than the grid is the whole grid).
  const candidates = spec ? [...new Set(spec.candidates.map((c) => Math.min(c, long.length)))] : [];
  const windows = spec && candidates.length >= 2 ? scoreableWindows(long, horizon, spec.windows ?? 1) : [];
  const selection = spec && windows.length ? { long, candidates, top: Math.min(spec.top, candidates.length), windows } : null;
  // Nothing to choose between, or nothing to score them on: the default context, and the metadata of
  // the grid the model reads, as without selection.
  if (spec && !selection && long.length > maxLen) return prepareSeries(timestamps, values, entry, { ...o, selectContext: false });
  return {
    request: { context, horizon, scaleFactor: scaleFactor ?? undefined, ...(o.padToContext && family.padsToContext ? { padToContext: true } : {}) },
    method,
    frequency: gridFrequency,
    anchor: { t: anchorT, value: lastObservedValue(ts, vs) },
    outputTimes,
    mode,
    coarsening: regrid?.factor ?? 1,
    selection,
    seasonalAdjustment: adjustment,
    feed:
      entry.provenance.baseline === true
        ? null
        : { family: entry.family, contextLength: entry.contextLength, patchSize: entry.patchSize, contextPadding: entry.contextPadding },
    metadataBase: {
      stats,
      grid,
      method: {},
      imputedCount: r.imputedCount,
      missingCount: r.missingCount,
      gridPoints: grid.length,
      scaleFactor,
      seasonalPeriod,
      coarsening: regrid ? { factor: regrid.factor, seriesStep: seriesFrequency.label, seasonalPeriod: defaultSeasonalPeriod(seriesFrequency) } : null,
      seasonalAdjustment: adjustment,
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
  if (at[0] <= anchor)
    throw new InvalidInputError('TIMESTAMP_NOT_IN_FUTURE', `"at" timestamps must be after the last observation ${new Date(anchor).toISOString()}`);
  let horizon = 0;
  for (let t = anchor; t < at[at.length - 1] && horizon <= MAX_AT * 10; t = stepForward(t, f, 1)) horizon++;
  return { outputTimes: s.at, horizon, mode: 'at' };
}

/** metadata.modelInput: how long each context the forecast comes from was, and the length it was fed at. */
export function modelInputOf(p: Pick<PreparedSeries, 'feed' | 'request'>, contextSelection: ContextSelectionInfo | null): ModelInputInfo | null {
  if (!p.feed) return null;
  const contextSteps = contextSelection ? [...contextSelection.chosen] : [p.request.context.length];
  return {
    rule: gridFamily(p.feed).rule(p.feed, p.request),
    contextSteps,
    fedSteps: contextSteps.map((n) => fedLength(p.feed!, p.request, n)),
  };
}

/** Model-grid quantiles -> the requested timestamps and levels, with the metadata that says how. */
export function finishSeries(
  p: PreparedSeries,
  gridQuantiles: number[][],
  modelLevels: number[],
  levels: number[],
  channel: string,
  contextSelection: ContextSelectionInfo | null = null,
): SeriesResult {
  gridQuantiles = reseasonalize(gridQuantiles, p.seasonalAdjustment);
  const gridTimes = futureGrid(p.anchor.t, p.frequency, gridQuantiles.length);
  const idx = levels.map((l) => modelLevels.findIndex((m) => Math.abs(m - l) < 1e-9));
  // `at` times, or another grid (xlstmGrid): each output time interpolated between grid steps (from the last
  // observation before the first step); otherwise the grid steps are the output times.
  const mapped =
    p.mode === 'at' || p.coarsening !== 1
      ? mapForecast(gridTimes, gridQuantiles, p.outputTimes, p.anchor)
      : { timestamps: gridTimes, values: gridQuantiles, how: gridTimes.map(() => 'exact' as const) };
  const metadata = buildMetadata({
    ...p.metadataBase,
    method: { [channel]: p.method },
    contextSelection,
    modelInput: modelInputOf(p, contextSelection),
    output: { mode: p.mode, timestamps: mapped.timestamps, how: mapped.how, gridSteps: gridQuantiles.length },
  });
  return { timestamps: mapped.timestamps, quantiles: mapped.values.map((row) => idx.map((i) => row[i])), levels, metadata };
}
