import type {
  CreateForecastDto,
  ForecastPageResponse,
  ForecastResponse,
  ForecastSummaryResponse,
  ForecastsControllerListQuery,
} from '../generated/openapi-types.js';
import { TsfmError } from '../errors.js';
import { HttpConfig, request, seg } from '../http.js';
import { paginate } from '../paginate.js';
import { JobsResource, WaitOptions } from './jobs.js';
import type { CallOptions } from './series.js';

export interface ForecastOptions extends WaitOptions {
  /** When the server answers 202 (still running), poll the job and fetch the finished forecast (default true). */
  waitForResult?: boolean;
}

export class ForecastsResource {
  constructor(
    private readonly http: HttpConfig,
    private readonly jobs: JobsResource,
  ) {}

  /** POST /v1/forecasts: the finished forecast when done within `wait` seconds (HTTP 200), else a QUEUED/RUNNING one (202). */
  async create(body: CreateForecastDto, o: CallOptions = {}): Promise<ForecastResponse> {
    // The server may hold the answer for `wait` seconds (default 10): never time out before it replies.
    const timeoutMs = Math.max(this.http.timeoutMs, ((body.wait ?? 10) + 30) * 1000);
    return (await request<ForecastResponse>(this.http, { method: 'POST', path: '/v1/forecasts', json: body, timeoutMs, signal: o.signal })).data;
  }

  /**
   * Creates a forecast and, unless waitForResult is false, returns it finished: a 202 is followed by
   * polling its job and reading the result. A FAILED or CANCELLED forecast is returned, not thrown.
   */
  async forecast(body: CreateForecastDto, o: ForecastOptions = {}): Promise<ForecastResponse> {
    const first = await this.create(body, o);
    if (o.waitForResult === false || !['QUEUED', 'RUNNING'].includes(first.status)) return first;
    const job = await this.jobs.wait(first.jobId, o);
    const done = await this.get(first.id, o);
    if (['QUEUED', 'RUNNING'].includes(done.status)) {
      throw new TsfmError(`forecast ${done.id} is still ${done.status} although its job ended ${job.state}${job.errorCode ? ` (${job.errorCode})` : ''}`);
    }
    return done;
  }

  async get(id: string, o: CallOptions = {}): Promise<ForecastResponse> {
    return (await request<ForecastResponse>(this.http, { method: 'GET', path: `/v1/forecasts/${seg(id)}`, signal: o.signal })).data;
  }

  /** The forecast as CSV text (one row per series, channel, timestamp). */
  async csv(id: string, o: CallOptions = {}): Promise<string> {
    return (
      await request<string>(this.http, { method: 'GET', path: `/v1/forecasts/${seg(id)}`, query: { format: 'csv' }, responseType: 'text', signal: o.signal })
    ).data;
  }

  /**
   * An SVG plot of history and forecast bands: one series (the first, or `seriesId`), a panel per
   * channel (all, or `channels` in that order; one the forecast lacks is a 404 CHANNEL_NOT_FOUND).
   */
  async plotSvg(id: string, o: CallOptions & { channels?: string[]; seriesId?: string } = {}): Promise<string> {
    const query = { ...(o.channels ? { channel: o.channels.join(',') } : {}), ...(o.seriesId ? { seriesId: o.seriesId } : {}) };
    return (await request<string>(this.http, { method: 'GET', path: `/v1/forecasts/${seg(id)}/plot.svg`, query, responseType: 'text', signal: o.signal })).data;
  }

  async list(q: ForecastsControllerListQuery = {}, o: CallOptions = {}): Promise<ForecastPageResponse> {
    return (await request<ForecastPageResponse>(this.http, { method: 'GET', path: '/v1/forecasts', query: { ...q }, signal: o.signal })).data;
  }

  iterate(q: ForecastsControllerListQuery = {}, o: CallOptions = {}): AsyncGenerator<ForecastSummaryResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.list({ ...filter, cursor: c }, o), cursor);
  }

  /** The newest finished forecast that covers this series (404 NOT_FOUND when none). */
  async latestForSeries(seriesId: string, o: CallOptions = {}): Promise<ForecastResponse> {
    return (await request<ForecastResponse>(this.http, { method: 'GET', path: `/v1/series/${seg(seriesId)}/forecasts/latest`, signal: o.signal })).data;
  }
}
