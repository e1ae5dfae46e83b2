import { Inject, Injectable } from '@nestjs/common';
import { BadRequestError } from '#common';
import { APP_CONFIG, AppConfig } from '#config';
import { ObservationsRepository, SeriesRepository, TransactionRunner } from '#db';
import { JobName, JobQueueService } from '#jobs';
import { TIMESTAMP_YEARS, parseTimestamp } from '#timeseries';
import { CreateSeriesDto } from './dto/create-series.dto';
import { ListSeriesQuery } from './dto/list-series.query';
import { ReadObservationsQuery } from './dto/read-observations.query';
import { IngestResponse, ObservationsResponse, SeriesPageResponse, SeriesResponse } from './dto/series.response';
import { UploadFormat, parseCsvUpload, parseJsonUpload, parseNdjsonUpload } from './observations-parser';
import { toSeriesResponse } from './series.mapper';
import { observationsCsv } from './observations-csv';
import { decodeObservationsCursor, encodeObservationsCursor } from './observations-cursor';

/** Rows read from the database per CSV chunk. */
const CSV_CHUNK_ROWS = 5000;

@Injectable()
export class SeriesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
    private readonly queue: JobQueueService,
  ) {}

  async create(tenantId: string, dto: CreateSeriesDto): Promise<SeriesResponse> {
    const s = await this.series.create(tenantId, {
      name: dto.name,
      channels: dto.channels ?? ['value'],
      frequency: dto.frequency ?? null,
      timezone: dto.timezone ?? 'UTC',
      tags: dto.tags ?? [],
      metadata: dto.metadata ?? {},
    });
    return toSeriesResponse(s);
  }

  async list(tenantId: string, q: ListSeriesQuery): Promise<SeriesPageResponse> {
    const page = await this.series.list(tenantId, { tag: q.tag, name: q.name, cursor: q.cursor, limit: q.limit ?? 100 });
    return { items: page.items.map(toSeriesResponse), nextCursor: page.nextCursor };
  }

  async get(tenantId: string, id: string): Promise<SeriesResponse> {
    return toSeriesResponse(await this.series.get(tenantId, id));
  }

  delete(tenantId: string, id: string): Promise<void> {
    return this.series.delete(tenantId, id);
  }

  /** One transaction: the observations and the stats job are written together or not at all. */
  async ingest(tenantId: string, id: string, format: UploadFormat, body: unknown): Promise<IngestResponse> {
    // The row lock serialises concurrent uploads to one series; parsing needs its channels.
    const { job, written, seriesId } = await this.tx.run(async (em) => {
      const s = await this.series.lockForWrite(em, tenantId, id);
      const limits = { channels: s.channels, maxPoints: this.config.http.maxPointsPerRequest };
      const block =
        format === 'json' ? parseJsonUpload(body, limits) : format === 'csv' ? parseCsvUpload(String(body), limits) : parseNdjsonUpload(String(body), limits);
      const written = await this.observations.upsert(em, s.id, block);
      const job = await this.queue.record(em, tenantId, JobName.SeriesStats, (jobId) => ({ jobId, tenantId, seriesId: s.id }));
      return { job, written, seriesId: s.id };
    });
    await this.queue.enqueueOrDefer(job);
    return { seriesId, written, statsJob: { id: job.id, type: job.type, state: job.state } };
  }

  /** One page of at most `limit` rows; nextCursor continues after it. */
  async read(tenantId: string, id: string, q: ReadObservationsQuery): Promise<ObservationsResponse> {
    const { s, range } = await this.pageQuery(tenantId, id, q);
    const block = await this.observations.page(s.id, s.channels.length, range);
    return {
      seriesId: s.id,
      channels: s.channels,
      timestamps: block.timestamps.map((t) => new Date(t).toISOString()),
      values: block.values,
      nextCursor: block.last === null ? null : encodeObservationsCursor(block.last),
    };
  }

  /**
   * The same page as CSV, streamed from the database in chunks (memory of one chunk, not of the page).
   * Everything that can fail as a 4xx is checked before the first byte.
   */
  async readCsv(tenantId: string, id: string, q: ReadObservationsQuery): Promise<{ nextCursor: string | null; body: AsyncGenerator<string> }> {
    const { s, range } = await this.pageQuery(tenantId, id, q);
    const end = await this.observations.pageEnd(s.id, range);
    const chunks = this.observations.chunks(s.id, s.channels.length, { from: range.from, to: end ?? range.to, after: range.after, chunk: CSV_CHUNK_ROWS });
    return { nextCursor: end === null ? null : encodeObservationsCursor(end), body: observationsCsv(s.channels, chunks) };
  }

  private async pageQuery(tenantId: string, id: string, q: ReadObservationsQuery) {
    const from = q.from !== undefined ? this.bound('from', q.from) : undefined;
    const to = q.to !== undefined ? this.bound('to', q.to) : undefined;
    if (from !== undefined && to !== undefined && from > to) throw new BadRequestError('INVALID_RANGE', '"from" is after "to"');
    const { defaultLimit, maxLimit } = this.config.observations;
    const limit = q.limit ?? defaultLimit;
    if (limit > maxLimit)
      throw new BadRequestError('LIMIT_TOO_LARGE', `limit ${limit} is over the maximum of ${maxLimit} rows per page; follow nextCursor`, { max: maxLimit });
    const after = decodeObservationsCursor(q.cursor);
    const s = await this.series.get(tenantId, id);
    return { s, range: { from, to, after, limit } };
  }

  private bound(name: string, raw: string): number {
    try {
      return parseTimestamp(/^-?\d+$/.test(raw) ? Number(raw) : raw);
    } catch (e) {
      throw new BadRequestError('INVALID_TIMESTAMP', `"${name}" must be ISO 8601 or epoch milliseconds in years ${TIMESTAMP_YEARS} (${(e as Error).message})`);
    }
  }
}
