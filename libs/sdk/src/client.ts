import type { CreateForecastDto, ForecastResponse, JobResponse, ObservationsJsonBody } from './generated/openapi-types.js';
import { FetchLike, HttpConfig } from './http.js';
import { DEFAULT_RETRY, RetryPolicy } from './retry.js';
import { ForecastOptions, ForecastsResource } from './resources/forecasts.js';
import { BacktestsResource } from './resources/backtests.js';
import { FinetunesResource } from './resources/finetunes.js';
import { SchedulesResource } from './resources/schedules.js';
import { JobsResource, WaitOptions } from './resources/jobs.js';
import { ApiKeysResource, HealthResource, ModelsResource } from './resources/misc.js';
import { SeriesResource, UploadOptions, UploadResult } from './resources/series.js';

export interface TsfmClientOptions {
  /** e.g. http://localhost:3000 (no /v1). */
  baseUrl: string;
  /** `tsfm_<prefix>_<secret>`, sent as a Bearer token; health calls work without one. */
  apiKey?: string;
  /** A fetch implementation (default globalThis.fetch). */
  fetch?: FetchLike;
  /** Retries after the first attempt on 408, 429, 5xx and network errors (default 3; 0 disables). */
  retries?: number;
  /** Per-attempt timeout in ms (default 60000). */
  timeoutMs?: number;
  /** Backoff tuning: first step and cap in ms, and the longest Retry-After to sleep through. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Extra headers on every request (e.g. X-Request-Id for tracing). */
  headers?: Record<string, string>;
}

export class TsfmClient {
  readonly series: SeriesResource;
  readonly jobs: JobsResource;
  readonly apiKeys: ApiKeysResource;
  readonly forecasts: ForecastsResource;
  readonly backtests: BacktestsResource;
  readonly finetunes: FinetunesResource;
  readonly schedules: SchedulesResource;
  readonly models: ModelsResource;
  readonly health: HealthResource;

  constructor(opts: TsfmClientOptions) {
    const f = opts.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!f) throw new TypeError('No fetch available: pass options.fetch (Node 18+ and browsers have one built in)');
    if (!opts.baseUrl) throw new TypeError('baseUrl is required');
    const retry: RetryPolicy = {
      retries: opts.retries ?? DEFAULT_RETRY.retries,
      baseDelayMs: opts.retryDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: opts.maxRetryDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    };
    // Bound so a browser's window.fetch is not called with a foreign `this`.
    const http: HttpConfig = {
      baseUrl: opts.baseUrl,
      apiKey: opts.apiKey,
      fetch: (u, i) => f(u, i),
      timeoutMs: opts.timeoutMs ?? 60_000,
      retry,
      headers: { ...(opts.headers ?? {}) },
    };
    this.series = new SeriesResource(http);
    this.jobs = new JobsResource(http);
    this.apiKeys = new ApiKeysResource(http);
    this.forecasts = new ForecastsResource(http, this.jobs);
    this.backtests = new BacktestsResource(http, this.jobs);
    this.finetunes = new FinetunesResource(http);
    this.schedules = new SchedulesResource(http);
    this.models = new ModelsResource(http);
    this.health = new HealthResource(http);
  }

  /** Creates a forecast and (by default) waits for its result; see ForecastsResource.forecast. */
  forecast(body: CreateForecastDto, o?: ForecastOptions): Promise<ForecastResponse> {
    return this.forecasts.forecast(body, o);
  }

  /** Polls a job until it is final; rejects on timeout (TsfmTimeoutError) or abort (the signal's reason). */
  waitForJob(id: string, o?: WaitOptions): Promise<JobResponse> {
    return this.jobs.wait(id, o);
  }

  /** Uploads columnar observations in as many requests as the limits need. */
  uploadObservations(seriesId: string, obs: ObservationsJsonBody, o?: UploadOptions): Promise<UploadResult> {
    return this.series.uploadObservations(seriesId, obs, o);
  }
}
