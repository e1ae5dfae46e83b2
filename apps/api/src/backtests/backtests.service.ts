import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BadRequestError, InvalidInputError, NotFoundError } from '#common';
import { APP_CONFIG, AppConfig } from '#config';
import { BacktestsRepository, SeriesRepository, TransactionRunner } from '#db';
import { BacktestRequestRecord, assertTargetsWithin } from '#forecasting';
import { JobName, JobQueueService } from '#jobs';
import { ModelCatalog } from '#model-runtime';
import { ModelDirectory } from '../models/model-directory.service';
import { TenantQuotas } from '../common/quotas/tenant-quotas.service';
import { validateBacktestModels } from './backtest-models';
import { toBacktestResponse, toForecastDto, toSummary } from './backtest.mapper';
import { BacktestForecastsQuery } from './dto/backtest-forecasts.query';
import { BacktestForecastsResponse, BacktestPageResponse, BacktestResponse } from './dto/backtest.response';
import { CreateBacktestDto } from './dto/create-backtest.dto';
import { ListBacktestsQuery } from './dto/list-backtests.query';

const DEFAULT_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Test steps from the first origin to the last observation. */
export const MAX_BACKTEST_SPAN = 100_000;
/** Stored forecasts (series x windows x models) per backtest. */
export const MAX_BACKTEST_FORECASTS = 50_000;

@Injectable()
export class BacktestsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ModelCatalog,
    private readonly directory: ModelDirectory,
    private readonly tx: TransactionRunner,
    private readonly series: SeriesRepository,
    private readonly backtests: BacktestsRepository,
    private readonly queue: JobQueueService,
    private readonly quotas: TenantQuotas,
  ) {}

  /** Validates, records backtest + job in one transaction, enqueues; the job runs in the worker. */
  async create(tenantId: string, dto: CreateBacktestDto): Promise<BacktestResponse> {
    const record = await this.toRecord(tenantId, dto);
    await this.quotas.admitJob(tenantId);
    const id = randomUUID();
    const job = await this.tx.run(async (em) => {
      const j = await this.queue.record(em, tenantId, JobName.Backtest, (jobId) => ({ jobId, tenantId, backtestId: id }));
      await this.backtests.create(em, { id, tenantId, jobId: j.id, models: record.models, seriesIds: record.seriesIds, request: record });
      return j;
    });
    await this.queue.enqueueOrDefer(job);
    return toBacktestResponse(await this.backtests.get(tenantId, id));
  }

  private async toRecord(tenantId: string, dto: CreateBacktestDto): Promise<BacktestRequestRecord> {
    if ((dto.seriesIds === undefined) === (dto.tag === undefined)) throw new BadRequestError('VALIDATION_FAILED', 'Send exactly one of seriesIds or tag');
    const models = dto.models ?? [this.catalog.defaultModel];
    const quantiles = [...new Set([...(dto.quantiles ?? DEFAULT_QUANTILES), 0.5])].sort((a, b) => a - b);
    const bad = quantiles.filter((q) => !(q > 0 && q < 1));
    if (bad.length) throw new InvalidInputError('INVALID_QUANTILE', `quantile levels must lie in (0, 1); not ${bad.join(', ')}`);
    await validateBacktestModels(this.directory, tenantId, models, quantiles, dto.horizon);
    const windows = dto.windows ?? 3;
    const step = dto.step ?? dto.horizon;
    const span = (windows - 1) * step + dto.horizon;
    if (span > MAX_BACKTEST_SPAN) {
      throw new InvalidInputError('BACKTEST_SPAN_TOO_LONG', `(windows - 1) * step + horizon = ${span} test steps; at most ${MAX_BACKTEST_SPAN}`, {
        span,
        max: MAX_BACKTEST_SPAN,
      });
    }
    const max = this.config.http.maxSeriesPerRequest;
    let series: { id: string; channels: string[] }[];
    if (dto.seriesIds) {
      if (dto.seriesIds.length > max) throw new InvalidInputError('TOO_MANY_SERIES', `At most ${max} series per request`);
      series = [];
      for (const id of dto.seriesIds) series.push(await this.series.get(tenantId, id));
    } else {
      const page = await this.series.list(tenantId, { tag: dto.tag, limit: max + 1 });
      if (page.items.length > max) throw new InvalidInputError('TOO_MANY_SERIES', `Tag ${JSON.stringify(dto.tag)} matches more than ${max} series`);
      if (!page.items.length) throw new InvalidInputError('NO_SERIES_MATCH', `No series carries the tag ${JSON.stringify(dto.tag)}`);
      series = page.items;
    }
    // Channels count like series: 4 series of 256 channels are 1,024 targets.
    assertTargetsWithin(series, dto.channels, max);
    const seriesIds = series.map((s) => s.id);
    const forecasts = seriesIds.length * windows * models.length;
    if (forecasts > MAX_BACKTEST_FORECASTS) {
      throw new InvalidInputError(
        'BACKTEST_TOO_LARGE',
        `${seriesIds.length} series x ${windows} windows x ${models.length} models = ${forecasts} forecasts; at most ${MAX_BACKTEST_FORECASTS}`,
      );
    }
    return {
      seriesIds,
      tag: dto.tag,
      channels: dto.channels,
      models,
      horizon: dto.horizon,
      windows,
      step,
      quantiles,
      seasonalPeriod: dto.seasonalPeriod,
      frequency: dto.frequency,
    };
  }

  async get(tenantId: string, id: string): Promise<BacktestResponse> {
    return toBacktestResponse(await this.backtests.get(tenantId, id));
  }

  async list(tenantId: string, q: ListBacktestsQuery): Promise<BacktestPageResponse> {
    const page = await this.backtests.list(tenantId, { cursor: q.cursor, limit: q.limit ?? 50 });
    return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
  }

  async forecasts(tenantId: string, id: string, q: BacktestForecastsQuery): Promise<BacktestForecastsResponse> {
    const b = await this.backtests.get(tenantId, id);
    if (q.model !== undefined && !b.models.includes(q.model)) throw new NotFoundError('backtest model', q.model);
    const page = await this.backtests.forecasts(b.id, { modelId: q.model, seriesId: q.seriesId, window: q.window, cursor: q.cursor, limit: q.limit ?? 500 });
    return { backtestId: b.id, items: page.items.map(toForecastDto), nextCursor: page.nextCursor };
  }
}
