import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, isUuid } from '#common';
import { JobEntity, JobState } from '../entities/job.entity';

class AlreadyFinished extends Error {}

function toJob(r: Record<string, unknown>): JobEntity {
  return Object.assign(new JobEntity(), {
    id: r.id,
    tenantId: r.tenant_id,
    type: r.type,
    state: r.state,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    progress: r.progress,
    payload: r.payload,
    result: r.result,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    cancelRequested: r.cancel_requested,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  });
}

export interface NewJob {
  type: string;
  payload: Record<string, unknown>;
  maxAttempts: number;
}

/** The `jobs` table mirrors every queued job; PostgreSQL stays the source of truth, not the queue. */
@Injectable()
export class JobsRepository {
  constructor(private readonly ds: DataSource) {}

  /** One INSERT; the id is chosen here so the payload can carry it (payloads are ids only). */
  async create(tenantId: string, job: NewJob, em: EntityManager = this.ds.manager, id: string = randomUUID()): Promise<JobEntity> {
    const rows = await em.query(`INSERT INTO jobs (id, tenant_id, type, max_attempts, payload) VALUES ($1, $2, $3, $4, $5) RETURNING *`, [
      id,
      tenantId,
      job.type,
      job.maxAttempts,
      JSON.stringify(job.payload),
    ]);
    return toJob(rows[0]);
  }

  /** Jobs of this type the tenant has waiting (recorded, not yet started). */
  async countQueued(tenantId: string, type: string, em: EntityManager = this.ds.manager): Promise<number> {
    const [r] = await em.query(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = $2 AND state = 'QUEUED'`, [tenantId, type]);
    return r.n;
  }

  /** Jobs of these types the tenant has queued or running: what its active-jobs quota counts. */
  async countOpen(tenantId: string, types: string[], em: EntityManager = this.ds.manager): Promise<number> {
    const [r] = await em.query(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = ANY($2) AND state IN ('QUEUED', 'RUNNING')`, [
      tenantId,
      types,
    ]);
    return r.n;
  }

  async get(tenantId: string, id: string): Promise<JobEntity> {
    const job = isUuid(id) ? await this.ds.getRepository(JobEntity).findOneBy({ tenantId, id }) : null;
    if (!job) throw new NotFoundError('job', id);
    return job;
  }

  /** Worker-side read: the payload's tenant id is checked against the row by the caller. */
  findById(id: string): Promise<JobEntity | null> {
    return isUuid(id) ? this.ds.getRepository(JobEntity).findOneBy({ id }) : Promise.resolve(null);
  }

  /** Moves QUEUED/RUNNING to RUNNING for this attempt; returns false when the job is already final. */
  async markRunning(id: string, attempt: number): Promise<boolean> {
    const res = await this.ds.query(
      `UPDATE jobs SET state = 'RUNNING', attempt = $2, started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = $1 AND state IN ('QUEUED', 'RUNNING') RETURNING id`,
      [id, attempt],
    );
    return res[0].length > 0;
  }

  async setProgress(id: string, progress: Record<string, unknown>): Promise<void> {
    await this.ds.query(`UPDATE jobs SET progress = $2, updated_at = now() WHERE id = $1 AND state = 'RUNNING'`, [id, JSON.stringify(progress)]);
  }

  /** Final state; only the first finisher wins, so a job executed twice records one outcome. */
  async finish(
    id: string,
    state: Exclude<JobState, 'QUEUED' | 'RUNNING'>,
    outcome: { result?: Record<string, unknown> | null; errorCode?: string | null; errorMessage?: string | null },
    em: EntityManager = this.ds.manager,
  ): Promise<boolean> {
    const res = await em.query(
      `UPDATE jobs SET state = $2, result = $3, error_code = $4, error_message = $5, finished_at = now(), updated_at = now()
       WHERE id = $1 AND state IN ('QUEUED', 'RUNNING') RETURNING id`,
      [id, state, outcome.result ? JSON.stringify(outcome.result) : null, outcome.errorCode ?? null, outcome.errorMessage ?? null],
    );
    return res[0].length > 0;
  }

  /**
   * Writes a job's results and its final state in one transaction. If another execution already
   * finished the job, the results are rolled back, so a job run twice leaves one result.
   */
  async complete(
    id: string,
    state: Exclude<JobState, 'QUEUED' | 'RUNNING'>,
    outcome: { result?: Record<string, unknown> | null; errorCode?: string | null; errorMessage?: string | null },
    write?: (em: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    try {
      return await this.ds.transaction(async (em) => {
        await write?.(em);
        if (!(await this.finish(id, state, outcome, em))) throw new AlreadyFinished();
        return true;
      });
    } catch (err) {
      if (err instanceof AlreadyFinished) return false;
      throw err;
    }
  }

  /** A queued job is cancelled at once; a running one is flagged and stops at its next checkpoint. */
  async requestCancel(tenantId: string, id: string): Promise<JobEntity> {
    const job = await this.get(tenantId, id);
    await this.ds.query(
      `UPDATE jobs SET cancel_requested = true,
         state = CASE WHEN state = 'QUEUED' THEN 'CANCELLED' ELSE state END,
         finished_at = CASE WHEN state = 'QUEUED' THEN now() ELSE finished_at END,
         error_code = CASE WHEN state = 'QUEUED' THEN 'CANCELLED' ELSE error_code END,
         updated_at = now()
       WHERE id = $1 AND state IN ('QUEUED', 'RUNNING')`,
      [job.id],
    );
    return this.get(tenantId, id);
  }

  /** Jobs accepted but never seen by a worker (e.g. the queue lost them); used by the reconciler. */
  async findStaleQueued(olderThanMs: number, limit: number): Promise<JobEntity[]> {
    return this.ds
      .getRepository(JobEntity)
      .createQueryBuilder('j')
      .where(`j.state = 'QUEUED'`)
      .andWhere(`j.created_at < now() - make_interval(secs => :secs)`, { secs: olderThanMs / 1000 })
      .orderBy('j.created_at')
      .limit(limit)
      .getMany();
  }
}
