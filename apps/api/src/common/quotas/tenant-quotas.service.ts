import { Inject, Injectable } from '@nestjs/common';
import { OverloadedError } from '#common';
import { APP_CONFIG, AppConfig } from '#config';
import { JobsRepository, SeriesRepository } from '#db';
import { ForecastRequestRecord, assertTargetsWithin } from '#forecasting';
import { JobName, JobQueueService, QueueName } from '#jobs';
import { TenantQuota, TenantQuotaExceededError } from './tenant-quota.error';

type HeldQuota = Extract<TenantQuota, 'waitingRequests' | 'openStreams'>;

/**
 * Each tenant's share of what all tenants share. Queued forecasts and active jobs are counted in
 * PostgreSQL (every api replica sees the same); waiting requests and open streams are connections
 * this api process holds, so they are counted here, per process.
 */
@Injectable()
export class TenantQuotas {
  private readonly held: Record<HeldQuota, Map<string, number>> = { waitingRequests: new Map(), openStreams: new Map() };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobsRepository,
    private readonly series: SeriesRepository,
    private readonly queue: JobQueueService,
  ) {}

  /**
   * Before a forecast is recorded: series x channels within maxSeriesPerRequest (stored or inline),
   * the tenant's queued forecasts within its quota, and the queue as a whole within maxQueuedForecasts.
   */
  async admitForecast(tenantId: string, record: ForecastRequestRecord): Promise<void> {
    const max = this.config.http.maxSeriesPerRequest;
    const series = record.data ? [{ channels: record.data.channels }] : await this.series.channelsOf(tenantId, record.seriesIds ?? []);
    assertTargetsWithin(series, record.data ? undefined : record.channels, max);
    const limit = this.config.quotas.queuedForecasts;
    const cap = this.config.models.maxQueuedForecasts;
    // Jobs enqueued with a priority (fair share) are 'prioritized', not 'waiting', in BullMQ's counts.
    const q = this.queue.queue(QueueName.Forecast);
    const [queued, waiting, prioritized] = await Promise.all([this.jobs.countQueued(tenantId, JobName.Forecast), q.getWaitingCount(), q.getPrioritizedCount()]);
    if (queued >= limit) throw new TenantQuotaExceededError('queuedForecasts', limit, `${queued} forecasts of this tenant are waiting (limit ${limit})`, 2);
    const total = waiting + prioritized;
    if (total >= cap) throw new OverloadedError(`${total} forecast jobs are waiting (limit ${cap}); retry shortly`, 2);
  }

  /** Before a backtest or fine-tune is recorded: the tenant's queued and running ones within its quota. */
  async admitJob(tenantId: string): Promise<void> {
    const limit = this.config.quotas.activeJobs;
    const open = await this.jobs.countOpen(tenantId, [JobName.Backtest, JobName.Finetune]);
    if (open >= limit)
      throw new TenantQuotaExceededError('activeJobs', limit, `${open} backtests and fine-tunes of this tenant are queued or running (limit ${limit})`, 5);
  }

  /** Takes one of the tenant's waiting-request or open-stream slots; call the returned function once to give it back. */
  hold(tenantId: string, quota: HeldQuota): () => void {
    const counts = this.held[quota];
    const limit = this.config.quotas[quota];
    const n = counts.get(tenantId) ?? 0;
    if (n >= limit) {
      const what = quota === 'openStreams' ? 'event streams of this tenant are open' : 'requests of this tenant are waiting for their results';
      throw new TenantQuotaExceededError(quota, limit, `${n} ${what} (limit ${limit})`, 1);
    }
    counts.set(tenantId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (counts.get(tenantId) ?? 1) - 1;
      if (left > 0) counts.set(tenantId, left);
      else counts.delete(tenantId);
    };
  }
}
