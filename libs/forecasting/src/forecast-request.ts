import type { ResampleMethod } from '#timeseries';
import type { Span } from './pipeline';

/** The validated request as stored on the forecast row (timestamps as epoch ms). */
export interface ForecastRequestRecord {
  seriesIds?: string[];
  data?: { timestamps: number[]; values: (number | null)[][]; channels: string[] };
  channels?: string[];
  model: string;
  horizon?: number;
  until?: number;
  at?: number[];
  quantiles: number[];
  contextLength?: number;
  frequency?: string;
  resampling?: ResampleMethod;
}

export function spanOf(r: ForecastRequestRecord): Span {
  if (r.horizon !== undefined) return { horizon: r.horizon };
  if (r.until !== undefined) return { until: r.until };
  return { at: r.at! };
}
