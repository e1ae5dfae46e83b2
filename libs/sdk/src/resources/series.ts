import type {
  CreateSeriesDto,
  IngestResponse,
  JobRefResponse,
  ObservationsJsonBody,
  ObservationsResponse,
  SeriesControllerListQuery,
  SeriesControllerReadQuery,
  SeriesPageResponse,
  SeriesResponse,
} from '../generated/openapi-types.js';
import { HttpConfig, request, seg } from '../http.js';
import { paginate } from '../paginate.js';
import { DEFAULT_SPLIT, SplitLimits, splitLines, splitObservations } from '../upload-split.js';

export interface CallOptions {
  signal?: AbortSignal;
}

/** What a (possibly split) upload did: one entry per request sent. */
export interface UploadResult {
  seriesId: string;
  /** Rows written over all requests. */
  written: number;
  requests: number;
  /** The stats job of each request; the last one reflects the whole upload once it finishes. */
  statsJobs: JobRefResponse[];
}

export type UploadOptions = SplitLimits & CallOptions;
export type ObservationsRange = Omit<SeriesControllerReadQuery, 'format'>;

export class SeriesResource {
  constructor(private readonly http: HttpConfig) {}

  async create(body: CreateSeriesDto, o: CallOptions = {}): Promise<SeriesResponse> {
    return (await request<SeriesResponse>(this.http, { method: 'POST', path: '/v1/series', json: body, signal: o.signal })).data;
  }

  /** One page; pass `nextCursor` back as `cursor` for the next. */
  async list(q: SeriesControllerListQuery = {}, o: CallOptions = {}): Promise<SeriesPageResponse> {
    return (await request<SeriesPageResponse>(this.http, { method: 'GET', path: '/v1/series', query: { ...q }, signal: o.signal })).data;
  }

  /** Every series matching the filter, fetching pages of `limit` lazily: `for await (const s of client.series.iterate({tag}))`. */
  iterate(q: Omit<SeriesControllerListQuery, 'cursor'> & { cursor?: string } = {}, o: CallOptions = {}): AsyncGenerator<SeriesResponse, void, undefined> {
    const { cursor, ...filter } = q;
    return paginate((c) => this.list({ ...filter, cursor: c }, o), cursor);
  }

  async get(id: string, o: CallOptions = {}): Promise<SeriesResponse> {
    return (await request<SeriesResponse>(this.http, { method: 'GET', path: `/v1/series/${seg(id)}`, signal: o.signal })).data;
  }

  async delete(id: string, o: CallOptions = {}): Promise<void> {
    await request(this.http, { method: 'DELETE', path: `/v1/series/${seg(id)}`, responseType: 'none', signal: o.signal });
  }

  /** One request with columnar JSON `{timestamps, values: [channel][row]}` (null = missing). */
  async ingestJson(id: string, body: ObservationsJsonBody, o: CallOptions = {}): Promise<IngestResponse> {
    return (await request<IngestResponse>(this.http, { method: 'POST', path: `/v1/series/${seg(id)}/observations`, json: body, signal: o.signal })).data;
  }

  /** One request with CSV text: a `timestamp` column, then one column per channel. */
  async ingestCsv(id: string, csv: string, o: CallOptions = {}): Promise<IngestResponse> {
    return this.raw(id, csv, 'text/csv', o);
  }

  /** One request with NDJSON: text, or rows `{timestamp, values}` / `{timestamp, value}` serialised for you. */
  async ingestNdjson(id: string, rows: string | object[], o: CallOptions = {}): Promise<IngestResponse> {
    return this.raw(id, typeof rows === 'string' ? rows : toNdjson(rows), 'application/x-ndjson', o);
  }

  /** Columnar JSON, split into consecutive requests under the byte and point limits. */
  async uploadObservations(id: string, obs: ObservationsJsonBody, o: UploadOptions = {}): Promise<UploadResult> {
    return this.sequential(id, splitObservations(obs, o), (chunk) => this.ingestJson(id, chunk, o));
  }

  /** CSV text split by rows (the header repeated on each request) under maxBytes. */
  async uploadCsv(id: string, csv: string, o: UploadOptions = {}): Promise<UploadResult> {
    return this.sequential(id, splitLines(csv, o.maxBytes ?? DEFAULT_SPLIT.maxBytes, true), (chunk) => this.ingestCsv(id, chunk, o));
  }

  /** NDJSON split by lines under maxBytes. */
  async uploadNdjson(id: string, rows: string | object[], o: UploadOptions = {}): Promise<UploadResult> {
    const text = typeof rows === 'string' ? rows : toNdjson(rows);
    return this.sequential(id, splitLines(text, o.maxBytes ?? DEFAULT_SPLIT.maxBytes, false), (chunk) => this.ingestNdjson(id, chunk, o));
  }

  async readObservations(id: string, range: ObservationsRange = {}, o: CallOptions = {}): Promise<ObservationsResponse> {
    return (
      await request<ObservationsResponse>(this.http, { method: 'GET', path: `/v1/series/${seg(id)}/observations`, query: { ...range }, signal: o.signal })
    ).data;
  }

  /**
   * Every observation in the range, following `nextCursor` page by page (a single read returns at
   * most one page: the server's default limit, or `range.limit`).
   */
  async readAllObservations(id: string, range: Omit<ObservationsRange, 'cursor'> = {}, o: CallOptions = {}): Promise<ObservationsResponse> {
    let page = await this.readObservations(id, range, o);
    const all: ObservationsResponse = { ...page, timestamps: [...page.timestamps], values: page.values.map((v) => [...v]) };
    while (page.nextCursor) {
      page = await this.readObservations(id, { ...range, cursor: page.nextCursor }, o);
      all.timestamps.push(...page.timestamps);
      page.values.forEach((v, c) => all.values[c].push(...v));
    }
    all.nextCursor = null;
    return all;
  }

  async readObservationsCsv(id: string, range: ObservationsRange = {}, o: CallOptions = {}): Promise<string> {
    const query = { ...range, format: 'csv' };
    return (await request<string>(this.http, { method: 'GET', path: `/v1/series/${seg(id)}/observations`, query, responseType: 'text', signal: o.signal }))
      .data;
  }

  private async raw(id: string, body: string, contentType: string, o: CallOptions): Promise<IngestResponse> {
    return (await request<IngestResponse>(this.http, { method: 'POST', path: `/v1/series/${seg(id)}/observations`, body, contentType, signal: o.signal })).data;
  }

  // In order, one at a time: a later chunk's re-sent timestamps must win, and the server's limits are per request anyway.
  private async sequential<T>(id: string, chunks: T[], send: (c: T) => Promise<IngestResponse>): Promise<UploadResult> {
    const out: UploadResult = { seriesId: id, written: 0, requests: 0, statsJobs: [] };
    for (const chunk of chunks) {
      const r = await send(chunk);
      out.written += r.written;
      out.requests++;
      out.statsJobs.push(r.statsJob);
    }
    return out;
  }
}

const toNdjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
