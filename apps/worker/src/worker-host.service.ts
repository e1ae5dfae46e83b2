import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '#config';
import { JobsRepository } from '#db';
import { ModelRuntime } from '#model-runtime';
import { AnyWorker, JOB_QUEUE, JobHandler, JobName, QUEUE_OPTIONS, QueueName, queueBackend, runTracked } from '#jobs';
import { FinetuneProcessor } from './finetune/finetune.processor';
import { ForecastProcessor } from './forecast/forecast.processor';
import { BacktestProcessor } from './backtest/backtest.processor';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { ScheduleProcessor } from './schedule/schedule.processor';
import { WorkerMetrics } from './health/worker-metrics';

/** Starts one BullMQ worker per queue and routes each job name to its processor's handler. */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('worker');
  private readonly workers: AnyWorker[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobsRepository,
    private readonly metrics: WorkerMetrics,
    private readonly runtime: ModelRuntime,
    maintenance: MaintenanceProcessor,
    forecast: ForecastProcessor,
    backtest: BacktestProcessor,
    finetune: FinetuneProcessor,
    private readonly schedule: ScheduleProcessor,
  ) {
    this.handlers = { ...maintenance.handlers, ...forecast.handlers, ...backtest.handlers, ...finetune.handlers };
  }

  // schedule-run is not a tracked job (its record is schedule_runs): ScheduleProcessor takes it whole.
  private readonly handlers: { [N in Exclude<JobName, 'schedule-run'>]: JobHandler<N> };

  onApplicationBootstrap(): void {
    const backend = queueBackend(this.config.queue);
    for (const queue of Object.values(QueueName)) {
      const names = (Object.keys(JOB_QUEUE) as JobName[]).filter((n) => JOB_QUEUE[n] === queue);
      const w: AnyWorker = new backend.classes.Worker(
        queue,
        async (job, token) => {
          const name = job.name as JobName;
          if (!names.includes(name)) throw new Error(`queue ${queue} has no handler for ${job.name}`);
          const stop = this.metrics.jobStarted(name);
          try {
            if (name === JobName.ScheduleRun) await this.schedule.process(job, token);
            else await runTracked(job, this.jobs, this.handlers[name] as JobHandler<typeof name>);
            stop('completed');
          } catch (err) {
            stop('failed');
            throw err;
          }
        },
        {
          connection: backend.connection(),
          prefix: backend.prefix,
          concurrency: Math.min(QUEUE_OPTIONS[queue].concurrency, this.config.worker.concurrency),
          // A killed worker's jobs lose their lock after lockMs and are picked up again.
          lockDuration: this.config.worker.lockMs,
          stalledInterval: Math.max(500, Math.floor(this.config.worker.lockMs / 2)),
          maxStalledCount: 2,
        },
      );
      w.on('error', (err: Error) => this.log.warn(`worker ${queue}: ${err.message}`));
      this.workers.push(w);
    }
    this.log.log(`consuming ${Object.values(QueueName).join(', ')} (${this.config.queue.backend} backend)`);
  }

  /** Graceful: stop taking jobs, let the active ones finish within the grace period, then close. */
  async onApplicationShutdown(): Promise<void> {
    const grace = this.config.worker.shutdownGraceMs;
    const closing = Promise.allSettled(this.workers.map((w) => w.close()));
    const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref())]);
    if (timedOut) {
      this.log.warn(`grace period of ${grace} ms elapsed; force-closing; unfinished jobs return through stalled-job recovery`);
      await Promise.allSettled(this.workers.map((w) => w.close(true)));
    }
    // Only now: jobs still running needed the model runtime until they finished.
    await this.runtime.close();
  }

  running(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }
}
