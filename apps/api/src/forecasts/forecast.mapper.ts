import type { ForecastResultRow, ForecastRow } from '#db';
import { CsvCell, formatCsv } from '#timeseries';
import type { ForecastResponse, ForecastSummaryResponse } from './dto/forecast.response';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toSummary(f: ForecastRow): ForecastSummaryResponse {
  return {
    id: f.id,
    status: f.status,
    model: f.modelId,
    seriesIds: f.seriesIds,
    createdAt: iso(f.createdAt)!,
    finishedAt: iso(f.finishedAt),
    url: `/v1/forecasts/${f.id}`,
  };
}

export function toForecastResponse(f: ForecastRow, results: ForecastResultRow[]): ForecastResponse {
  return {
    ...toSummary(f),
    jobId: f.jobId,
    runtime: f.runtime,
    error: f.errorCode ? { code: f.errorCode, message: f.errorMessage ?? '' } : null,
    series: results.map((r) => {
      const quantiles: Record<string, number[]> = {};
      (r.levels ?? []).forEach((l, k) => (quantiles[String(l)] = (r.quantiles ?? []).map((row) => row[k])));
      return {
        seriesId: r.seriesId,
        channel: r.channel,
        status: r.status,
        error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
        timestamps: (r.timestamps ?? []).map((t) => new Date(t).toISOString()),
        median: quantiles['0.5'] ?? null,
        quantiles,
        metadata: r.metadata,
      };
    }),
  };
}

/** `series_id,channel,timestamp,q0.1,...` ordered by series, channel, time. */
export function forecastToCsv(f: ForecastResponse): string {
  const levels = [...new Set(f.series.flatMap((s) => Object.keys(s.quantiles)))].sort((a, b) => Number(a) - Number(b));
  const rows: CsvCell[][] = [['series_id', 'channel', 'timestamp', ...levels.map((l) => `q${l}`)]];
  for (const s of f.series) {
    s.timestamps.forEach((t, i) => rows.push([s.seriesId ?? 'inline', s.channel, t, ...levels.map((l) => s.quantiles[l]?.[i])]));
  }
  return formatCsv(rows);
}
