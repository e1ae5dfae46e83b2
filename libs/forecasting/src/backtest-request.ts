import { InvalidInputError } from '#common';

/** Baselines run in the worker without a model file; every other id is a catalog (or, later, fine-tuned) model. */
export const BASELINE_MODELS = ['seasonal_naive', 'naive', 'ets'] as const;
export type BaselineModel = (typeof BASELINE_MODELS)[number];

/**
 * Grid steps a baseline forecasts at most, like a foundation model's manifest maxHorizon (the largest
 * of the catalog's): past it a backtest is 422 HORIZON_TOO_LONG, so a horizon of 10,000 cannot make
 * 50,000 forecasts of 10,000 steps.
 */
export const BASELINE_MAX_HORIZON = 1024;

export const isBaseline = (id: string): id is BaselineModel => (BASELINE_MODELS as readonly string[]).includes(id);

/** What POST /v1/backtests stores (validated, tag resolved to ids); the worker reads only this. */
export interface BacktestRequestRecord {
  seriesIds: string[];
  tag?: string;
  channels?: string[];
  models: string[];
  horizon: number;
  windows: number;
  step: number;
  /** Sorted, always including 0.5 (the point forecast). */
  quantiles: number[];
  seasonalPeriod?: number;
  frequency?: string;
}

/** Context points a window needs before its origin, besides the test steps. */
export const MIN_BACKTEST_CONTEXT = 10;
/** Grid points of expanding context the baselines see (bounds ETS fitting time). */
export const BASELINE_CONTEXT = 4096;

/**
 * Forecast targets (series x channels) of a request: what maxSeriesPerRequest bounds, since the work
 * and the stored results grow with channels as much as with series. `channels` filters each series'.
 */
export function countTargets(series: { channels: string[] }[], channels?: string[]): number {
  if (!channels) return series.reduce((n, s) => n + s.channels.length, 0);
  const pick = new Set(channels);
  return series.reduce((n, s) => n + s.channels.filter((c) => pick.has(c)).length, 0);
}

/** 422 TOO_MANY_SERIES when a request's targets (countTargets) pass maxSeriesPerRequest: forecasts and backtests alike. */
export function assertTargetsWithin(series: { channels: string[] }[], channels: string[] | undefined, max: number): void {
  const targets = countTargets(series, channels);
  if (targets > max)
    throw new InvalidInputError(
      'TOO_MANY_SERIES',
      `${series.length} series with ${targets} channels to forecast; at most ${max} series x channels per request`,
      { targets, max },
    );
}

/**
 * Observation rows a backtest reads per series: the test steps of every window plus the longest
 * context any of its models reads before the first origin, x4 for gaps and points finer than the
 * grid (as a forecast's context read). The newest rows, since the last window ends at the last one.
 */
export function backtestRowsNeeded(req: Pick<BacktestRequestRecord, 'windows' | 'step' | 'horizon'>, longestContext: number): number {
  return 4 * ((req.windows - 1) * req.step + req.horizon + Math.max(longestContext, MIN_BACKTEST_CONTEXT));
}
