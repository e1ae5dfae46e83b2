import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '#config';
import { ForecastsRepository, JobsRepository, ScheduleEntity, ScheduleRunsRepository, SchedulesRepository, SeriesRepository, TransactionRunner } from '#db';
import { ForecastRequestRecord, countTargets } from '#forecasting';
import {
  AnyFlowProducer,
  JobName,
  JobPayloads,
  JobQueueService,
  QUEUE_OPTIONS,
  QueueName,
  fairPriority,
  queueBackend,
  removeScheduleTimer,
  scheduleJobOptions,
} from '#jobs';

/** Ticks due this long before the worker process started were missed while no worker was up. */
export const MISSED_AFTER_MS = 5_000;
export const PROCESS_STARTED_AT = Date.now();

/** Forecast jobs a run adds to Redis per command. */
const FLOW_CHUNK = 500;

export type TickOutcome = 'started' | 'skipped' | 'duplicate' | 'wait' | 'paused' | 'gone';

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** `until` of a template is an ISO 8601 duration after the tick (days and weeks of 24 h). */
export function untilAfter(tickMs: number, duration: string): number {
  const m = DURATION.exec(duration);
  if (!m) throw new Error(`bad duration ${duration}`);
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return tickMs + ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function requestFor(s: ScheduleEntity, seriesId: string, tickMs: number): ForecastRequestRecord {
  const t = s.template;
  const r: ForecastRequestRecord = { model: t.model, quantiles: t.quantiles, seriesIds: [seriesId] };
  if (t.horizon !== undefined) r.horizon = t.horizon;
  else r.until = untilAfter(tickMs, t.until!);
  if (t.channels) r.channels = t.channels;
  if (t.contextLength !== undefined) r.contextLength = t.contextLength;
  if (t.frequency) r.frequency = t.frequency;
  if (t.resampling) r.resampling = t.resampling;
  return r;
}

/**
 * One tick of a schedule: claim its run row (unique per tick), apply overlap and missed-tick rules,
 * read the members, record one forecast + job row per series in one transaction, then enqueue them
 * as a BullMQ flow whose parent closes the run when the children are done.
 */
@Injectable()
export class ScheduleRunner implements OnApplicationShutdown {
  private readonly log = new Logger('schedule');
  private readonly flows: AnyFlowProducer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly schedules: SchedulesRepository,
    private readonly runs: ScheduleRunsRepository,
    private readonly forecasts: ForecastsRepository,
    private readonly jobs: JobsRepository,
    private readonly series: SeriesRepository,
    private readonly queue: JobQueueService,
  ) {
    const backend = queueBackend(config.queue);
    this.flows = new backend.classes.FlowProducer({ connection: backend.connection(), prefix: backend.prefix });
    this.flows.on('error', (err: Error) => this.log.warn(`flow producer: ${err.message}`));
  }

  async tick(p: JobPayloads['schedule-run'], tickMs: number, o: { catchUp: boolean }): Promise<TickOutcome> {
    const t0 = Date.now();
    const scheduledFor = new Date(tickMs);
    const out = await this.tx.run(async (em): Promise<{ kind: TickOutcome; runId?: string; jobIds?: string[]; forecastIds?: string[] }> => {
      const s = await this.schedules.lock(em, p.tenantId, p.scheduleId);
      if (!s) return { kind: 'gone' };
      // A paused schedule starts no new run; a run already waiting its turn (overlap=queue, catch-up) still runs.
      const run = s.enabled
        ? (await this.runs.claim(em, { tenantId: s.tenantId, scheduleId: s.id, scheduledFor, catchUp: o.catchUp })).run
        : await this.runs.find(em, s.id, scheduledFor);
      if (!run || (!s.enabled && run.state !== 'QUEUED')) return { kind: 'paused' };
      if (run.state === 'RUNNING') return { kind: 'duplicate', runId: run.id, jobIds: run.jobIds, forecastIds: run.forecastIds };
      if (run.state !== 'QUEUED') return { kind: 'duplicate' };
      if (!s.catchUp && !run.catchUp && tickMs < PROCESS_STARTED_AT - MISSED_AFTER_MS) {
        await this.runs.skip(em, run.id, 'MISSED');
        return { kind: 'skipped' };
      }
      // A run whose forecasts all finished is closed here too, so a lost flow parent never blocks later ticks.
      for (const prev of await this.runs.openBefore(em, s.id, scheduledFor)) if (prev.state === 'RUNNING') await this.runs.finish(prev.id, em);
      if ((await this.runs.openBefore(em, s.id, scheduledFor)).length) {
        if (s.overlap === 'skip' && !run.catchUp) {
          await this.runs.skip(em, run.id, 'OVERLAP');
          return { kind: 'skipped' };
        }
        return { kind: 'wait' };
      }
      // Skipped whole, never truncated: a partial run would forecast an arbitrary subset of the tag.
      const members = await this.schedules.members(em, s);
      // Series x channels (after the template's channel filter), as an API forecast counts its targets.
      const maxSeries = this.config.schedules.maxSeriesPerRun;
      const targets = countTargets(await this.series.channelsOf(s.tenantId, members), s.template.channels);
      if (targets > maxSeries) {
        await this.runs.skip(
          em,
          run.id,
          'TOO_MANY_SERIES',
          `${members.length} series with ${targets} channels to forecast; a run forecasts at most ${maxSeries} series x channels (TSFM_SCHEDULE_MAX_SERIES)`,
        );
        return { kind: 'skipped' };
      }
      // The tenant's own backlog, not the queue's global count: one tenant's flood does not skip the others' runs.
      // Its limit is the tenant quota an API forecast is admitted under, or the queue's cap where that is smaller.
      const waiting = await this.jobs.countQueued(s.tenantId, JobName.Forecast, em);
      const quota = this.config.quotas.queuedForecasts;
      const cap = this.config.models.maxQueuedForecasts;
      const [maxQueued, limitName] = quota <= cap ? [quota, 'TSFM_TENANT_MAX_QUEUED_FORECASTS'] : [cap, 'TSFM_MAX_QUEUED_FORECASTS'];
      if (members.length && waiting + members.length > maxQueued) {
        await this.runs.skip(
          em,
          run.id,
          'QUEUE_FULL',
          `${waiting} forecasts of this tenant are waiting; ${members.length} more would pass the limit of ${maxQueued} (${limitName}, the smaller of TSFM_TENANT_MAX_QUEUED_FORECASTS and TSFM_MAX_QUEUED_FORECASTS)`,
        );
        return { kind: 'skipped' };
      }
      const jobIds: string[] = [];
      const forecastIds: string[] = [];
      for (const seriesId of members) {
        const forecastId = randomUUID();
        const job = await this.queue.record(em, s.tenantId, JobName.Forecast, (jobId) => ({ jobId, tenantId: s.tenantId, forecastId }));
        await this.forecasts.create(em, {
          id: forecastId,
          tenantId: s.tenantId,
          jobId: job.id,
          modelId: s.template.model,
          request: requestFor(s, seriesId, tickMs),
          seriesIds: [seriesId],
        });
        jobIds.push(job.id);
        forecastIds.push(forecastId);
      }
      await this.runs.start(em, run.id, jobIds, forecastIds);
      return { kind: 'started', runId: run.id, jobIds, forecastIds };
    });
    if (out.kind === 'gone') await removeScheduleTimer(this.queue.queue(QueueName.Schedule), p.scheduleId);
    // A tick seen again while its run is RUNNING may have committed without enqueueing (worker killed
    // in between): enqueue again when the flow parent is missing; the job ids are the same.
    const lost = out.kind === 'duplicate' && out.runId && !(await this.queue.queue(QueueName.Schedule).getJob(`run-${out.runId}`));
    if (out.kind === 'started' || lost) {
      await this.enqueueRun(p.tenantId, p.scheduleId, out.runId!, out.jobIds!, out.forecastIds!);
    }
    if (out.kind !== 'wait')
      this.log.log(
        `schedule ${p.scheduleId} tick ${scheduledFor.toISOString()}: ${out.kind}${out.jobIds ? ` (${out.jobIds.length} series)` : ''} in ${Date.now() - t0} ms`,
      );
    return out.kind;
  }

  /** The flow parent: closes the run with its counts; false while some forecast job is still open. */
  finish(runId: string): Promise<boolean> {
    return this.runs.finish(runId);
  }

  private async enqueueRun(tenantId: string, scheduleId: string, runId: string, jobIds: string[], forecastIds: string[]): Promise<void> {
    if (!jobIds.length) {
      await this.runs.finish(runId);
      return;
    }
    const f = QUEUE_OPTIONS[QueueName.Forecast];
    // Fair share: the children rank after the tenant's other waiting forecasts (their rows are committed, so counted).
    const ahead = (await this.jobs.countQueued(tenantId, JobName.Forecast)) - jobIds.length;
    const forecast = (i: number) => ({
      name: JobName.Forecast,
      data: { jobId: jobIds[i], tenantId, forecastId: forecastIds[i] },
      opts: {
        jobId: jobIds[i],
        priority: fairPriority(ahead + i + 1),
        attempts: f.attempts,
        backoff: { type: 'exponential', delay: f.backoffMs },
        removeOnComplete: { count: f.keepCompleted },
        removeOnFail: { count: f.keepFailed },
      },
    });
    const first = Math.min(jobIds.length, FLOW_CHUNK);
    await this.flows.add({
      name: JobName.ScheduleRun,
      queueName: QueueName.Schedule,
      data: { tenantId, scheduleId, runId },
      opts: { jobId: `run-${runId}`, ...scheduleJobOptions() },
      // A forecast that fails for good still lets the parent close the run (counted as failed).
      children: Array.from({ length: first }, (_, i) => {
        const j = forecast(i);
        return { ...j, queueName: QueueName.Forecast, opts: { ...j.opts, ignoreDependencyOnFailure: true } };
      }),
    });
    // The rest in chunks of plain jobs: one flow of 10,000 children is one Redis transaction that
    // stalls every tenant's commands (the rate limiter's too) for seconds. The parent closes the run
    // from the jobs table (finish() waits for every forecast of the run), not from its children.
    const q = this.queue.queue(QueueName.Forecast);
    for (let at = first; at < jobIds.length; at += FLOW_CHUNK) {
      await q.addBulk(Array.from({ length: Math.min(FLOW_CHUNK, jobIds.length - at) }, (_, k) => forecast(at + k)));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flows.close();
  }
}
