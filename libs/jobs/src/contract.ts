/**
 * The wire contract between api and worker. Queue and job names are persisted in the queue
 * backend: never rename them. Payloads carry ids only; the worker re-reads data from PostgreSQL.
 */
export const QueueName = {
  Maintenance: 'maintenance',
  Backtest: 'backtest',
  Forecast: 'forecast',
  Schedule: 'schedule',
  Finetune: 'finetune',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  SeriesStats: 'series-stats',
  Backtest: 'backtest',
  Forecast: 'forecast',
  Finetune: 'finetune',
  ScheduleRun: 'schedule-run',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  'series-stats': { jobId: string; tenantId: string; seriesId: string };
  forecast: { jobId: string; tenantId: string; forecastId: string };
  backtest: { jobId: string; tenantId: string; backtestId: string };
  finetune: { jobId: string; tenantId: string; finetuneId: string };
  /**
   * A schedule tick (from the BullMQ job scheduler, or a catch-up tick) carries no runId; the flow
   * parent that closes a run once its forecast children finish carries the run's id. Not mirrored
   * in `jobs`: the durable record is `schedule_runs`.
   */
  'schedule-run': { tenantId: string; scheduleId: string; runId?: string };
}

export const JOB_QUEUE: Record<JobName, QueueName> = {
  'series-stats': QueueName.Maintenance,
  forecast: QueueName.Forecast,
  backtest: QueueName.Backtest,
  finetune: QueueName.Finetune,
  'schedule-run': QueueName.Schedule,
};

export interface QueueSettings {
  attempts: number;
  backoffMs: number;
  concurrency: number;
  /** Completed/failed jobs kept in the queue backend; the durable record is the jobs table. */
  keepCompleted: number;
  keepFailed: number;
}

/** BullMQ's largest priority (lower runs first; 0 would mean "before every prioritized job"). */
export const MAX_PRIORITY = 2_097_151;

/**
 * Fair share between tenants without BullMQ Pro's groups: a job's priority is its rank in its own
 * tenant's backlog (1 = the tenant has nothing else waiting). BullMQ takes the lowest priority first,
 * FIFO among equals, so a tenant's first waiting job goes ahead of another tenant's 2nd..10,000th:
 * a single forecast waits for the jobs already running, not for another tenant's backlog.
 */
export function fairPriority(rankInTenantBacklog: number): number {
  return Math.min(MAX_PRIORITY, Math.max(1, Math.floor(rankInTenantBacklog)));
}

/** Adding a queue without settings fails to compile. */
export const QUEUE_OPTIONS: Record<QueueName, QueueSettings> = {
  maintenance: { attempts: 5, backoffMs: 1000, concurrency: 4, keepCompleted: 1000, keepFailed: 5000 },
  // Low concurrency: one backtest runs many model passes and fits (ETS) of its own.
  backtest: { attempts: 3, backoffMs: 2000, concurrency: 2, keepCompleted: 1000, keepFailed: 5000 },
  // High concurrency on purpose: concurrent forecast jobs are what the micro-batcher merges.
  forecast: { attempts: 3, backoffMs: 2000, concurrency: 32, keepCompleted: 1000, keepFailed: 5000 },
  // CPU-bound training: one at a time per worker; a retry after a crash starts over (deterministic).
  finetune: { attempts: 3, backoffMs: 5000, concurrency: 1, keepCompleted: 1000, keepFailed: 5000 },
  schedule: { attempts: 5, backoffMs: 1000, concurrency: 8, keepCompleted: 1000, keepFailed: 5000 },
};
