import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JobsRepository } from '#db';
import { JOB_QUEUE, JobName, JobQueueService } from '#jobs';

const INTERVAL_MS = 30_000;
const STALE_AFTER_MS = 60_000;

/**
 * PostgreSQL is the record of accepted jobs. A row still QUEUED a minute later whose queue entry is
 * gone (enqueue failed after commit, or the queue lost data) is enqueued again under the same id.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('reconciler');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly queue: JobQueueService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((e: Error) => this.log.warn(e.message)), INTERVAL_MS);
    this.timer.unref();
  }

  async sweep(staleAfterMs = STALE_AFTER_MS): Promise<number> {
    let requeued = 0;
    for (const row of await this.jobs.findStaleQueued(staleAfterMs, 500)) {
      const queueName = JOB_QUEUE[row.type as JobName];
      if (!queueName) continue;
      const existing = await this.queue.queue(queueName).getJob(row.id);
      if (existing) continue;
      await this.queue.enqueue(row);
      requeued++;
    }
    if (requeued) this.log.warn(`re-enqueued ${requeued} accepted job(s) missing from the queue`);
    return requeued;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
