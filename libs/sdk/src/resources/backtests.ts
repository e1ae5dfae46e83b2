import type {
  BacktestForecastDto,
  BacktestForecastsResponse,
  BacktestPageResponse,
  BacktestResponse,
  BacktestSummaryResponse,
  BacktestsControllerForecastsQuery,
  BacktestsControllerListQuery,
  CreateBacktestDto,
} from '../generated/openapi-types.js';
import { TsfmError } from '../errors.js';
import { HttpConfig, request, seg } from '../http.js';
import { paginate } from '../paginate.js';
import { JobsResource, WaitOptions } from './jobs.js';
import type { CallOptions } from './series.js';

export class BacktestsResource {
  constructor(
    private readonly http: HttpConfig,
    private readonly jobs: JobsResource,
  ) {}

  /** POST /v1/backtests: always 202, a QUEUED backtest with its jobId (see `run` to wait for it). */
  async create(body: CreateBacktestDto, o: CallOptions = {}): Promise<BacktestResponse> {
    return (await request<BacktestResponse>(this.http, { method: 'POST', path: '/v1/backtests', json: body, signal: o.signal })).data;
  }

  /** Polls the backtest's job until it is final, then returns the finished backtest with its metrics. */
  async wait(id: string, o: WaitOptions = {}): Promise<BacktestResponse> {
    const first = await this.get(id, o);
    if (!['QUEUED', 'RUNNING'].includes(first.status)) return first;
    const job = await this.jobs.wait(first.jobId, o);
    const done = await this.get(id, o);
    if (['QUEUED', 'RUNNING'].includes(done.status)) {
      throw new TsfmError(`backtest ${id} is still ${done.status} although its job ended ${job.state}${job.errorCode ? ` (${job.errorCode})` : ''}`);
    }
    return done;
  }

  /** Creates a backtest and waits for it; a FAILED or PARTIALLY_SUCCEEDED one is returned, not thrown. */
  async run(body: CreateBacktestDto, o: WaitOptions = {}): Promise<BacktestResponse> {
    const created = await this.create(body, o);
    return this.wait(created.id, o);
  }

  async get(id: string, o: CallOptions = {}): Promise<BacktestResponse> {
    return (await request<BacktestResponse>(this.http, { method: 'GET', path: `/v1/backtests/${seg(id)}`, signal: o.signal })).data;
  }

  async list(q: BacktestsControllerListQuery = {}, o: CallOptions = {}): Promise<BacktestPageResponse> {
    return (await request<BacktestPageResponse>(this.http, { method: 'GET', path: '/v1/backtests', query: { ...q }, signal: o.signal })).data;
  }

  /** Every backtest of the tenant, oldest first, across pages. */
  iterate(q: BacktestsControllerListQuery = {}, o: CallOptions = {}): AsyncGenerator<BacktestSummaryResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.list({ ...filter, cursor: c }, o), cursor);
  }

  /** One page of per-window forecasts with their actuals, optionally for one model, series or window. */
  async forecasts(id: string, q: BacktestsControllerForecastsQuery = {}, o: CallOptions = {}): Promise<BacktestForecastsResponse> {
    return (
      await request<BacktestForecastsResponse>(this.http, { method: 'GET', path: `/v1/backtests/${seg(id)}/forecasts`, query: { ...q }, signal: o.signal })
    ).data;
  }

  /** Every per-window forecast matching the filter, across pages. */
  iterateForecasts(id: string, q: BacktestsControllerForecastsQuery = {}, o: CallOptions = {}): AsyncGenerator<BacktestForecastDto, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.forecasts(id, { ...filter, cursor: c }, o), cursor);
  }

  /** The metrics as CSV: model,scope,series_id,channel,window,metric,value,relative_to_seasonal_naive,count,excluded. */
  async metricsCsv(id: string, o: CallOptions = {}): Promise<string> {
    return (await request<string>(this.http, { method: 'GET', path: `/v1/backtests/${seg(id)}/metrics.csv`, responseType: 'text', signal: o.signal })).data;
  }
}
