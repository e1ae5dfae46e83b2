import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, DomainError, InvalidInputError, UnavailableError } from '#common';
import { APP_CONFIG, AppConfig } from '#config';
import { ScheduleRunsRepository, ScheduleTemplate, SchedulesRepository, SeriesRepository, TransactionRunner, Tx } from '#db';
import { JobQueueService, QueueName, removeScheduleTimer, scheduleFrequencyError, scheduleTimingError, upsertScheduleTimer } from '#jobs';
import { DirectoryModel, ModelDirectory, checkModelLimits } from '../models/model-directory.service';
import { CreateScheduleDto } from './dto/create-schedule.dto';
import { ForecastTemplateDto } from './dto/forecast-template.dto';
import { ListScheduleRunsQuery, ListSchedulesQuery } from './dto/list-schedules.query';
import { SchedulePageResponse, ScheduleResponse, ScheduleRunPageResponse } from './dto/schedule.response';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import { toRunResponse, toScheduleResponse } from './schedule.mapper';

/**
 * A schedule is a row in PostgreSQL plus a BullMQ job scheduler with the same id. Every change
 * writes the row and the timer in one step: the timer call runs inside the transaction, so a
 * failed timer call rolls the row back and nothing is half-written.
 */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: ModelDirectory,
    private readonly tx: TransactionRunner,
    private readonly schedules: SchedulesRepository,
    private readonly runRecords: ScheduleRunsRepository,
    private readonly series: SeriesRepository,
    private readonly queue: JobQueueService,
  ) {}

  async create(tenantId: string, dto: CreateScheduleDto): Promise<ScheduleResponse> {
    if ((dto.seriesIds === undefined) === (dto.tag === undefined)) throw new BadRequestError('VALIDATION_FAILED', 'Send exactly one of seriesIds or tag');
    const cron = dto.cron.trim();
    const timezone = dto.timezone ?? 'UTC';
    this.checkTiming(cron, timezone);
    const template = await this.template(tenantId, dto.forecast);
    for (const id of dto.seriesIds ?? []) await this.series.get(tenantId, id);
    const row = await this.withTimer(async (em) => {
      const max = this.config.schedules.maxPerTenant;
      const n = await this.schedules.countForCreate(em, tenantId);
      if (n >= max)
        throw new ConflictError('SCHEDULE_LIMIT_REACHED', `This tenant already has ${n} schedules (limit ${max}); delete one first`, { limit: max });
      const s = await this.schedules.create(em, tenantId, {
        id: randomUUID(),
        name: dto.name,
        cron,
        timezone,
        seriesIds: dto.seriesIds ?? null,
        tag: dto.tag ?? null,
        template,
        enabled: dto.enabled ?? true,
        overlap: dto.overlap ?? 'skip',
        catchUp: dto.catchUp ?? false,
      });
      if (s.enabled) await upsertScheduleTimer(this.timerQueue(), s);
      return s;
    });
    return toScheduleResponse(row);
  }

  async get(tenantId: string, id: string): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.schedules.get(tenantId, id));
  }

  async list(tenantId: string, q: ListSchedulesQuery): Promise<SchedulePageResponse> {
    const page = await this.schedules.list(tenantId, { cursor: q.cursor, limit: q.limit ?? 50 });
    return { items: page.items.map(toScheduleResponse), nextCursor: page.nextCursor };
  }

  async update(tenantId: string, id: string, dto: UpdateScheduleDto): Promise<ScheduleResponse> {
    if (dto.seriesIds !== undefined && dto.tag !== undefined) throw new BadRequestError('VALIDATION_FAILED', 'Send at most one of seriesIds or tag');
    const before = await this.schedules.get(tenantId, id);
    const cron = dto.cron?.trim() ?? before.cron;
    const timezone = dto.timezone ?? before.timezone;
    // A schedule stored before the floor (or under a lower one) can still be renamed or paused; a new
    // timing, or resuming it, must meet the floor.
    const timingChanged = cron !== before.cron || timezone !== before.timezone;
    this.checkTiming(cron, timezone, timingChanged || (dto.enabled === true && !before.enabled));
    const template = dto.forecast ? await this.template(tenantId, dto.forecast) : undefined;
    for (const sid of dto.seriesIds ?? []) await this.series.get(tenantId, sid);
    const row = await this.withTimer(async (em) => {
      const s = await this.schedules.update(em, tenantId, id, {
        name: dto.name,
        cron,
        timezone,
        seriesIds: dto.seriesIds,
        tag: dto.tag,
        template,
        enabled: dto.enabled,
        overlap: dto.overlap,
        catchUp: dto.catchUp,
      });
      // Re-arm only when the timing changed: an upsert re-plans the next tick.
      if (!s.enabled) await removeScheduleTimer(this.timerQueue(), s.id);
      else if (!before.enabled || s.cron !== before.cron || s.timezone !== before.timezone) await upsertScheduleTimer(this.timerQueue(), s);
      return s;
    });
    return toScheduleResponse(row);
  }

  setEnabled(tenantId: string, id: string, enabled: boolean): Promise<ScheduleResponse> {
    return this.update(tenantId, id, { enabled });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.withTimer(async (em) => {
      await this.schedules.delete(em, tenantId, id);
      await removeScheduleTimer(this.timerQueue(), id);
    });
  }

  async runs(tenantId: string, id: string, q: ListScheduleRunsQuery): Promise<ScheduleRunPageResponse> {
    await this.schedules.get(tenantId, id);
    const page = await this.runRecords.list(tenantId, id, { state: q.state, cursor: q.cursor, limit: q.limit ?? 50 });
    return { items: page.items.map(toRunResponse), nextCursor: page.nextCursor };
  }

  private checkTiming(cron: string, timezone: string, checkFloor = true): void {
    const err = scheduleTimingError(cron, timezone);
    if (err) throw new InvalidInputError(err.code, err.message);
    if (!checkFloor) return;
    const often = scheduleFrequencyError(cron, timezone, this.config.schedules.minIntervalS);
    if (often) throw new InvalidInputError(often.code, often.message, often.details);
  }

  /** The forecast request each run makes, checked now against the model's limits as POST /v1/forecasts does. */
  private async template(tenantId: string, dto: ForecastTemplateDto): Promise<ScheduleTemplate> {
    if ((dto.horizon === undefined) === (dto.until === undefined))
      throw new BadRequestError('VALIDATION_FAILED', 'forecast: send exactly one of horizon or until');
    const model = await this.resolveModel(tenantId, dto.model);
    const entry = model.entry;
    const quantiles = checkModelLimits(entry, dto);
    const t: ScheduleTemplate = { model: model.id, quantiles };
    if (dto.horizon !== undefined) t.horizon = dto.horizon;
    if (dto.until !== undefined) t.until = dto.until;
    if (dto.channels) t.channels = dto.channels;
    if (dto.contextLength !== undefined) t.contextLength = dto.contextLength;
    if (dto.frequency) t.frequency = dto.frequency;
    if (dto.resampling) t.resampling = dto.resampling;
    return t;
  }

  /** The one place a schedule's model id is checked; limits are the (base) catalog model's. */
  private async resolveModel(tenantId: string, modelId: string | undefined): Promise<DirectoryModel> {
    try {
      // fine-tuned models resolve here: a catalog id or one of this tenant's fine-tuned model names
      return await this.directory.resolve(tenantId, modelId);
    } catch (err) {
      if (err instanceof DomainError && err.status === 404)
        throw new InvalidInputError('UNKNOWN_MODEL', `No model ${JSON.stringify(modelId)} for this tenant; GET /v1/models lists them`);
      throw err;
    }
  }

  private timerQueue() {
    return this.queue.queue(QueueName.Schedule);
  }

  /** Runs a row change with its timer call inside one transaction; a queue outage answers 503. */
  private async withTimer<T>(fn: (em: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.tx.run(fn);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const code = (err as { code?: string }).code;
      if (typeof code === 'string' && /^\d/.test(code)) throw err; // a PostgreSQL error: not the timer's
      throw new UnavailableError('QUEUE_UNAVAILABLE', `The schedule timer could not be written: ${(err as Error).message}`);
    }
  }
}
