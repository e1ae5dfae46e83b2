import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '#config';
import { JobEntity, JobsRepository } from '#db';
import { JOB_QUEUE, JobName, JobPayloads, QUEUE_OPTIONS, QueueName, fairPriority } from './contract';
import { AnyQueue, BoundBackend, queueBackend } from './queue-backend';

/**
 * Producer side. A job is first a row in `jobs` (written in the caller's transaction), then a queue
 * entry whose id is the row id, so re-enqueueing after a lost enqueue never duplicates it.
 */
@Injectable()
export class JobQueueService implements OnApplicationShutdown {
  private readonly log = new Logger(JobQueueService.name);
  private readonly backend: BoundBackend;
  private readonly queues = new Map<QueueName, AnyQueue>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jobs: JobsRepository,
  ) {
    this.backend = queueBackend(config.queue);
  }

  queue(name: QueueName): AnyQueue {
    const existing = this.queues.get(name);
    if (existing) return existing;
    const q: AnyQueue = new this.backend.classes.Queue(name, { connection: this.backend.connection(), prefix: this.backend.prefix });
    q.on('error', (err: Error) => this.log.warn(`queue ${name}: ${err.message}`));
    this.queues.set(name, q);
    return q;
  }

  /** Writes the job row; call `enqueue` after the transaction commits. */
  async record<N extends JobName>(em: EntityManager, tenantId: string, name: N, payload: (jobId: string) => JobPayloads[N]): Promise<JobEntity> {
    const settings = QUEUE_OPTIONS[JOB_QUEUE[name]];
    const id = randomUUID();
    const body = payload(id) as unknown as Record<string, unknown>;
    return this.jobs.create(tenantId, { type: name, payload: body, maxAttempts: settings.attempts }, em, id);
  }

  /**
   * Adds the job to its queue; idempotent because the queue job id is the row id. Its priority is
   * its rank in the tenant's own backlog (the row is committed, so it counts itself): fairPriority.
   */
  async enqueue(job: JobEntity): Promise<void> {
    const name = job.type as JobName;
    const queueName = JOB_QUEUE[name];
    const s = QUEUE_OPTIONS[queueName];
    const rank = await this.jobs.countQueued(job.tenantId, job.type);
    await this.queue(queueName).add(name, job.payload, {
      jobId: job.id,
      priority: fairPriority(rank),
      attempts: s.attempts,
      backoff: { type: 'exponential', delay: s.backoffMs },
      removeOnComplete: { count: s.keepCompleted },
      removeOnFail: { count: s.keepFailed },
    });
  }

  /** Enqueue after commit; a failure here is logged, and the worker's reconciler re-enqueues the row. */
  async enqueueOrDefer(job: JobEntity): Promise<boolean> {
    try {
      await this.enqueue(job);
      return true;
    } catch (err) {
      this.log.warn(`enqueue of job ${job.id} deferred to the reconciler: ${(err as Error).message}`);
      return false;
    }
  }

  async ping(): Promise<void> {
    const q = this.queue(QueueName.Maintenance);
    await q.getJobCounts('waiting');
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const name of Object.values(QueueName)) {
      out[name] = await this.queue(name).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    }
    return out;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
