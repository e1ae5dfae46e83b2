import type { BacktestForecastRow, BacktestRow } from '#db';
import type { BacktestRequestRecord } from '#forecasting';
import { CsvCell, formatCsv } from '#timeseries';
import type {
  BacktestForecastDto,
  BacktestMetricsDto,
  BacktestRelativeDto,
  BacktestResponse,
  BacktestScoreDto,
  BacktestSeriesDto,
  BacktestSummaryResponse,
} from './dto/backtest.response';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toSummary(b: BacktestRow): BacktestSummaryResponse {
  const r = b.request as unknown as BacktestRequestRecord;
  return {
    id: b.id,
    status: b.status,
    jobId: b.jobId,
    models: b.models,
    seriesIds: b.seriesIds,
    horizon: r.horizon,
    windows: r.windows,
    step: r.step,
    quantiles: r.quantiles,
    seasonalPeriod: r.seasonalPeriod ?? null,
    createdAt: iso(b.createdAt)!,
    finishedAt: iso(b.finishedAt),
    url: `/v1/backtests/${b.id}`,
    error: b.errorCode ? { code: b.errorCode, message: b.errorMessage ?? '' } : null,
  };
}

export function toBacktestResponse(b: BacktestRow): BacktestResponse {
  return {
    ...toSummary(b),
    metrics: (b.metrics as Record<string, BacktestScoreDto | null> | null) ?? null,
    series: (b.series as unknown as BacktestSeriesDto[] | null) ?? [],
    runtime: b.runtime,
  };
}

export function toForecastDto(f: BacktestForecastRow): BacktestForecastDto {
  const quantiles: Record<string, (number | null)[]> = {};
  f.levels.forEach((l, k) => (quantiles[String(l)] = f.quantiles.map((row) => row[k] ?? null)));
  return {
    model: f.modelId,
    seriesId: f.seriesId,
    channel: f.channel,
    window: f.window,
    origin: new Date(f.origin).toISOString(),
    timestamps: f.timestamps.map((t) => new Date(t).toISOString()),
    actuals: f.actuals,
    quantiles,
  };
}

/** Flat metric names in CSV order: scalars, then wql_<level>, coverage_<pct>, width_<pct>. */
function flatten(m: BacktestMetricsDto | BacktestRelativeDto): [string, number | null][] {
  const out: [string, number | null][] = [];
  for (const k of ['mae', 'rmse', 'mape', 'smape', 'wape', 'mase', 'rmsse', 'bias', 'meanWql'] as const) out.push([k === 'meanWql' ? 'wql_mean' : k, m[k]]);
  for (const [l, v] of Object.entries(m.wql)) out.push([`wql_${l}`, v]);
  for (const [p, v] of Object.entries(m.coverage)) out.push([`coverage_${p}`, v]);
  for (const [p, v] of Object.entries(m.width)) out.push([`width_${p}`, v]);
  return out;
}

/**
 * Long format, one row per (model, scope, series, window, metric):
 * `model,scope,series_id,channel,window,metric,value,relative_to_seasonal_naive,count,excluded`.
 * scope is overall, series or window; series_id/channel/window are empty where they do not apply.
 */
export function metricsToCsv(b: BacktestResponse): string {
  const rows: CsvCell[][] = [['model', 'scope', 'series_id', 'channel', 'window', 'metric', 'value', 'relative_to_seasonal_naive', 'count', 'excluded']];
  const emit = (model: string, scope: string, seriesId: string, channel: string, window: string, s: BacktestScoreDto) => {
    const rel = new Map(flatten(s.relative));
    for (const [name, v] of flatten(s.metrics)) {
      rows.push([model, scope, seriesId, channel, window, name, v, rel.get(name), s.metrics.count, s.metrics.excluded]);
    }
  };
  for (const model of b.models) {
    const o = b.metrics?.[model];
    if (o) emit(model, 'overall', '', '', '', o);
    for (const s of b.series) {
      const r = s.models?.[model];
      if (!r?.metrics || !r.relative) continue;
      emit(model, 'series', s.seriesId, s.channel ?? '', '', { metrics: r.metrics, relative: r.relative });
      for (const w of r.windows ?? []) emit(model, 'window', s.seriesId, s.channel ?? '', String(w.window), w);
    }
  }
  return formatCsv(rows);
}
