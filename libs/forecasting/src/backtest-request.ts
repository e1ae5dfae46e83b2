/** Baselines run in the worker without a model file; every other id is a catalog (or, later, fine-tuned) model. */
export const BASELINE_MODELS = ['seasonal_naive', 'naive', 'ets'] as const;
export type BaselineModel = (typeof BASELINE_MODELS)[number];

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
