import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BadRequestError, InvalidInputError, NotFoundError, OverloadedError } from '#common';
import { APP_CONFIG, AppConfig } from '#config';
import { ForecastsRepository, JobEvents, JobWatch, SeriesRepository, TransactionRunner } from '#db';
import type { ForecastRequestRecord } from '#forecasting';
import { JobName, JobQueueService, QueueName } from '#jobs';
import { TIMESTAMP_YEARS, parseTimestamp } from '#timeseries';
import { parseJsonUpload } from '../series/observations-parser';
import { CreateForecastDto } from './dto/create-forecast.dto';
import { ForecastPageResponse, ForecastResponse } from './dto/forecast.response';
import { ListForecastsQuery } from './dto/list-forecasts.query';
import { toForecastResponse, toSummary } from './forecast.mapper';
import { ModelDirectory, checkModelLimits } from '../models/model-directory.service';
import { TenantQuotas } from '../common/quotas/tenant-quotas.service';

const FINAL = ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'];

function ts(name: string, raw: string | number): number {
  try {
    return parseTimestamp(raw);
  } catch (e) {
    throw new InvalidInputError('INVALID_TIMESTAMP', `${name} must be ISO 8601 or epoch milliseconds in years ${TIMESTAMP_YEARS} (${(e as Error).message})`);
  }
}

@Injectable()
export class ForecastsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelDirectory,
    private readonly tx: TransactionRunner,
    private readonly series: SeriesRepository,
    private readonly forecasts: ForecastsRepository,
    private readonly queue: JobQueueService,
    private readonly quotas: TenantQuotas,
    private readonly events: JobEvents,
  ) {}

  /** Validates against the model's limits, records forecast + job in one transaction, enqueues. */
  async create(tenantId: string, dto: CreateForecastDto): Promise<{ done: boolean; body: ForecastResponse }> {
    const record = await this.toRecord(tenantId, dto);
    await this.quotas.admitForecast(tenantId, record);
    // Backpressure: past the limit the api answers 429 instead of letting the queue grow without bound.
    const waiting = await this.queue.queue(QueueName.Forecast).getWaitingCount();
    if (waiting >= this.config.models.maxQueuedForecasts) {
      throw new OverloadedError(`${waiting} forecast jobs are waiting (limit ${this.config.models.maxQueuedForecasts}); retry shortly`, 2);
    }
    const forecastId = randomUUID();
    const job = await this.tx.run(async (em) => {
      const job = await this.queue.record(em, tenantId, JobName.Forecast, (jobId) => ({ jobId, tenantId, forecastId }));
      await this.forecasts.create(em, { id: forecastId, tenantId, jobId: job.id, modelId: record.model, request: record, seriesIds: record.seriesIds ?? [] });
      return job;
    });
    const waitMs = (dto.wait ?? 10) * 1000;
    // Watched before it is enqueued: its end cannot come between the enqueue and the wait.
    const watch = waitMs > 0 ? this.events.watch(job.id) : null;
    try {
      await this.queue.enqueueOrDefer(job);
      return await this.awaitFinal(tenantId, forecastId, watch, Date.now() + waitMs);
    } finally {
      watch?.close();
    }
  }

  /**
   * Reads the forecast after each push (the job's notification, or a reconnect of the listener) and
   * once at the deadline, until it is final: no polling loop. The first read waits for a push too:
   * the job was just enqueued, and the watch started before that, so its end cannot be missed.
   */
  private async awaitFinal(tenantId: string, forecastId: string, watch: JobWatch | null, deadline: number): Promise<{ done: boolean; body: ForecastResponse }> {
    for (;;) {
      const live = watch ? await watch.wait(deadline - Date.now()) : false;
      const f = await this.forecasts.get(tenantId, forecastId);
      if (FINAL.includes(f.status)) return { done: true, body: toForecastResponse(f, await this.forecasts.results(f.id)) };
      if (!live || Date.now() >= deadline) return { done: false, body: toForecastResponse(f, []) };
    }
  }

  private async toRecord(tenantId: string, dto: CreateForecastDto): Promise<ForecastRequestRecord> {
    if ((dto.seriesIds === undefined) === (dto.data === undefined)) throw new BadRequestError('VALIDATION_FAILED', 'Send exactly one of seriesIds or data');
    const spans = [dto.horizon, dto.until, dto.at].filter((x) => x !== undefined).length;
    if (spans !== 1) throw new BadRequestError('VALIDATION_FAILED', 'Send exactly one of horizon, until or at');
    // A catalog model or one of this tenant's fine-tuned models (limits of its base model).
    const model = await this.models.resolve(tenantId, dto.model, { auto: true });
    const entry = model.entry;
    const quantiles = checkModelLimits(entry, dto);
    const record: ForecastRequestRecord = {
      model: model.id,
      quantiles,
      channels: dto.channels,
      contextLength: dto.contextLength,
      frequency: dto.frequency,
      resampling: dto.resampling,
      horizon: dto.horizon,
      until: dto.until !== undefined ? ts('until', dto.until) : undefined,
      at: dto.at?.map((t, i) => ts(`at[${i}]`, t)),
    };
    if (dto.seriesIds) {
      if (dto.seriesIds.length > this.config.http.maxSeriesPerRequest)
        throw new InvalidInputError('TOO_MANY_SERIES', `At most ${this.config.http.maxSeriesPerRequest} series per request`);
      for (const id of dto.seriesIds) await this.series.get(tenantId, id);
      record.seriesIds = dto.seriesIds;
    } else {
      // The DTO checked the shape and channel names; the upload parser checks the rows with the
      // same codes and point limit as a stored series' upload.
      const { timestamps, values } = dto.data!;
      const channels = dto.data!.channels ?? values.map((_, i) => (i ? `value_${i + 1}` : 'value'));
      const block = parseJsonUpload({ timestamps, values }, { channels, maxPoints: this.config.http.maxPointsPerRequest });
      record.data = { timestamps: block.timestamps, values: block.values, channels };
    }
    return record;
  }

  async get(tenantId: string, id: string): Promise<ForecastResponse> {
    const f = await this.forecasts.get(tenantId, id);
    return toForecastResponse(f, await this.forecasts.results(f.id));
  }

  async list(tenantId: string, q: ListForecastsQuery): Promise<ForecastPageResponse> {
    const page = await this.forecasts.list(tenantId, { seriesId: q.seriesId, from: q.from, to: q.to, cursor: q.cursor, limit: q.limit ?? 50 });
    return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
  }

  async latestForSeries(tenantId: string, seriesId: string): Promise<ForecastResponse> {
    await this.series.get(tenantId, seriesId);
    const f = await this.forecasts.latestForSeries(tenantId, seriesId);
    if (!f) throw new NotFoundError('forecast', `latest for series ${seriesId}`);
    const results = (await this.forecasts.results(f.id)).filter((r) => r.seriesId === seriesId);
    return toForecastResponse(f, results);
  }
}
