import type { GridChoice, ModelGrid } from './grid';
import type { MappingKind } from './output-map';
import type { ResampleMethod, Resampled } from './resample';
import type { SeriesStats } from './stats';

/** How the request named its output times: the next N grid steps, every step until a time, or explicit times. */
export type OutputMode = 'horizon' | 'until' | 'at';

/**
 * What was done to one series to run a forecast (ARCHITECTURE.md, "Continuous-time resampling
 * metadata"): stored with every forecast, JSON-ready, timestamps as ISO 8601 UTC strings.
 */
export interface ResamplingMetadata {
  /** The client's observations as they were. */
  sourceGrid: {
    observations: number;
    first: string | null;
    last: string | null;
    inferredFrequency: string | null;
    medianStepMs: number | null;
    /** Median absolute deviation of the steps over their median. */
    stepDispersion: number | null;
    duplicates: number;
    /** Grid points of the inferred frequency between first and last with no observation. */
    missingSteps: number | null;
  };
  /**
   * The regular grid the model read. `coarsening`: set when the grid step is `factor` times the
   * series' step (xlstm family, when the frequency's season is off the seasons it was trained on or
   * its context would hold fewer than 8 of them: > 1 coarser, < 1 finer, e.g. 0.75 for 20-minute
   * data on a 15-minute grid); the forecast was interpolated back onto the series' steps (`output.interpolated`).
   */
  modelGrid: {
    anchor: string;
    step: string;
    length: number;
    chosenBy: GridChoice;
    first: string | null;
    last: string | null;
    coarsening: GridCoarsening | null;
  };
  /** Resampling method per channel. */
  method: Record<string, ResampleMethod>;
  /**
   * Grid points (over all channels) not observed: `count` of them got a value (interpolated or
   * carried forward), `fraction` = count / (length × channels); `missing` were left NaN for the model.
   */
  imputed: { count: number; fraction: number; missing: number; byChannel?: Record<string, { count: number; missing: number }> };
  /** ssm family: the factor the context was scaled by and the seasonal period it came from; null otherwise. */
  scaleFactor: number | null;
  seasonalPeriod: number | null;
  /** The times asked for (count, earliest, latest), how model-grid values were mapped onto them, grid steps forecast. */
  output: { mode: OutputMode; requested: number; first: string | null; last: string | null; exact: number; interpolated: number; gridSteps: number };
  /**
   * Per-series context selection (models with a manifest `contextSelection`, when the request named
   * no contextLength): the candidate context lengths (grid steps, the last ones of `modelGrid`),
   * each one's mean pinball loss on `validationWindows` windows of `validationSteps` grid steps at
   * the end of the history (each forecast from the steps before it), summed over the windows, and the
   * candidates whose forecasts were averaged, best first. Null when the series' own default context was used.
   */
  contextSelection: ContextSelectionInfo | null;
  /**
   * Seasonal adjustment (models with a manifest `seasonalAdjustment`, catalog forecasts): the model
   * read the grid values without a seasonal profile of `period` grid steps, estimated on the last
   * `cycles` seasons: `multiplicative`, divided by it, its quantiles multiplied by `factors[t mod
   * period]` at forecast step t (0 = the first step after the last observation); `additive`, minus
   * it, `offsets[t mod period]` added. `autocorrelation` is the context's lag-`period`
   * autocorrelation, which passed the 90 % `threshold`. Null: the model read the values as they are.
   */
  seasonalAdjustment: SeasonalAdjustmentInfo | null;
  /**
   * How the model read its context: the last `contextSteps` grid steps of `modelGrid`, left-padded
   * with missing values (or cut) to the `fedSteps` steps the model was fed. One entry per context the
   * forecast comes from: one, or each of contextSelection.chosen. Null for the backtests' baselines.
   */
  modelInput: ModelInputInfo | null;
}

export interface ModelInputInfo {
  /**
   * 'whole-patches': xlstm models with a manifest `contextPadding`, fed their context padded to whole
   * `patchSize`-step patches (at least minPatches, at most contextLength), as their pre-training fed
   * them. 'window': the model's whole window: the xlstm's contextLength (models without
   * contextPadding, and heads fine-tuned before it), the ssm's ⌊contextLength / scaleFactor⌋. xlstm
   * rollout: `fedSteps` is the first pass; each later pass appends patchSize missing steps.
   */
  rule: 'whole-patches' | 'window';
  contextSteps: number[];
  fedSteps: number[];
}

interface SeasonalAdjustmentBase {
  period: number;
  cycles: number;
  autocorrelation: number;
  threshold: number;
  /**
   * Models whose manifest `seasonalAdjustment` has `additive`: the additive decomposition's residual sum
   * of squares over the multiplicative one's on the same steps; the additive one was used when it is
   * below `additive`. Absent: only the multiplicative one was considered (no `additive`, or its fit was exact).
   */
  residualRatio?: number;
}

/** The context divided by factors[phase]; forecast step t multiplied by factors[t mod period]. */
export interface MultiplicativeAdjustmentInfo extends SeasonalAdjustmentBase {
  kind: 'multiplicative';
  factors: number[];
}

/** The context minus offsets[phase]; offsets[t mod period] added to forecast step t (the series' units). */
export interface AdditiveAdjustmentInfo extends SeasonalAdjustmentBase {
  kind: 'additive';
  offsets: number[];
}

export type SeasonalAdjustmentInfo = MultiplicativeAdjustmentInfo | AdditiveAdjustmentInfo;

export interface ContextSelectionInfo {
  candidates: number[];
  validationSteps: number;
  validationWindows: number;
  scores: number[];
  chosen: number[];
}

export interface GridCoarsening {
  factor: number;
  /** The series' own step (the frequency the output times are on). */
  seriesStep: string;
  /** The frequency's default season, in the series' steps, that asked for it. */
  seasonalPeriod: number;
}

export interface MetadataInput {
  stats: SeriesStats;
  grid: Pick<ModelGrid, 'anchor' | 'step' | 'length' | 'chosenBy' | 'timestamps'>;
  method: Record<string, ResampleMethod>;
  /** Per-channel results (resampleChannels' `channels`), or else the totals below. */
  channels?: Map<string, Resampled> | Record<string, Resampled>;
  imputedCount?: number;
  missingCount?: number;
  /** Grid points × channels behind the totals; default grid length × number of methods. */
  gridPoints?: number;
  scaleFactor?: number | null;
  seasonalPeriod?: number | null;
  coarsening?: GridCoarsening | null;
  contextSelection?: ContextSelectionInfo | null;
  seasonalAdjustment?: SeasonalAdjustmentInfo | null;
  modelInput?: ModelInputInfo | null;
  output: { mode: OutputMode; timestamps: ArrayLike<number>; how: readonly MappingKind[]; gridSteps: number };
}

const iso = (t: number | null | undefined) => (t === null || t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString());

function imputedOf(m: MetadataInput): ResamplingMetadata['imputed'] {
  if (!m.channels) {
    const count = m.imputedCount ?? 0;
    const cells = m.gridPoints ?? m.grid.length * Math.max(1, Object.keys(m.method).length);
    return { count, fraction: cells ? count / cells : 0, missing: m.missingCount ?? 0 };
  }
  const channels = m.channels instanceof Map ? [...m.channels] : Object.entries(m.channels);
  const byChannel: Record<string, { count: number; missing: number }> = {};
  let count = 0;
  let missing = 0;
  for (const [name, r] of channels) {
    byChannel[name] = { count: r.imputedCount, missing: r.missingCount };
    count += r.imputedCount;
    missing += r.missingCount;
  }
  const cells = m.grid.length * channels.length;
  return { count, fraction: cells ? count / cells : 0, missing, byChannel };
}

export function buildMetadata(m: MetadataInput): ResamplingMetadata {
  const g = m.grid.timestamps;
  const out = m.output.timestamps;
  let earliest = Infinity;
  let latest = -Infinity;
  for (let i = 0; i < out.length; i++) [earliest, latest] = [Math.min(earliest, out[i]), Math.max(latest, out[i])];
  let exact = 0;
  for (const h of m.output.how) if (h === 'exact') exact++;
  return {
    sourceGrid: {
      observations: m.stats.count,
      first: iso(m.stats.first),
      last: iso(m.stats.last),
      inferredFrequency: m.stats.inferredFrequency,
      medianStepMs: m.stats.medianStepMs,
      stepDispersion: m.stats.stepDispersion,
      duplicates: m.stats.duplicates,
      missingSteps: m.stats.missingSteps,
    },
    modelGrid: {
      anchor: iso(m.grid.anchor)!,
      step: m.grid.step,
      length: m.grid.length,
      chosenBy: m.grid.chosenBy,
      first: iso(g[0]),
      last: iso(g[g.length - 1]),
      coarsening: m.coarsening ?? null,
    },
    method: { ...m.method },
    imputed: imputedOf(m),
    scaleFactor: m.scaleFactor ?? null,
    seasonalPeriod: m.seasonalPeriod ?? null,
    output: {
      mode: m.output.mode,
      requested: out.length,
      first: iso(earliest),
      last: iso(latest),
      exact,
      interpolated: m.output.how.length - exact,
      gridSteps: m.output.gridSteps,
    },
    contextSelection: m.contextSelection
      ? { ...m.contextSelection, scores: m.contextSelection.scores.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v)) }
      : null,
    seasonalAdjustment: m.seasonalAdjustment ?? null,
    modelInput: m.modelInput ?? null,
  };
}
