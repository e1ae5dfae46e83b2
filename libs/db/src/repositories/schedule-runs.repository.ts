import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '#common';
import { ScheduleRunEntity } from '../entities/schedule.entity';
import { Page, decodeCursor, encodeCursor } from './cursor';
import { RawRow } from './raw-row';

// Live counts from the jobs rows while a run is open; the stored counts once it is final.
const COLUMNS = `r.id, r.tenant_id, r.schedule_id, r.scheduled_for, r.state, r.reason, r.reason_message, r.catch_up, r.series_queued,
  r.job_ids, r.forecast_ids, r.created_at, r.started_at, r.finished_at,
  CASE WHEN r.state = 'RUNNING' THEN (SELECT count(*) FROM jobs j WHERE j.id = ANY(r.job_ids) AND j.state IN ('SUCCEEDED','PARTIALLY_SUCCEEDED'))::int
       ELSE r.series_succeeded END AS series_succeeded,
  CASE WHEN r.state = 'RUNNING' THEN (SELECT count(*) FROM jobs j WHERE j.id = ANY(r.job_ids) AND j.state IN ('FAILED','CANCELLED'))::int
       ELSE r.series_failed END AS series_failed`;

function toEntity(r: RawRow): ScheduleRunEntity {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    scheduleId: r.schedule_id,
    scheduledFor: r.scheduled_for,
    state: r.state,
    reason: r.reason,
    reasonMessage: r.reason_message,
    catchUp: r.catch_up,
    seriesQueued: r.series_queued,
    seriesSucceeded: r.series_succeeded,
    seriesFailed: r.series_failed,
    jobIds: r.job_ids,
    forecastIds: r.forecast_ids,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/**
 * One row per (schedule, tick), enforced by a unique key: a tick delivered twice (a redelivery, a
 * catch-up tick that BullMQ also fired) finds the row already there and does nothing new.
 */
@Injectable()
export class ScheduleRunsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts the tick's run (QUEUED) unless it exists; returns the row either way. */
  async claim(
    em: EntityManager,
    r: { tenantId: string; scheduleId: string; scheduledFor: Date; catchUp: boolean },
  ): Promise<{ run: ScheduleRunEntity; created: boolean }> {
    const inserted = await em.query(
      `INSERT INTO schedule_runs (id, tenant_id, schedule_id, scheduled_for, state, catch_up) VALUES ($1, $2, $3, $4, 'QUEUED', $5)
       ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING id`,
      [randomUUID(), r.tenantId, r.scheduleId, r.scheduledFor, r.catchUp],
    );
    const rows = await em.query(`SELECT ${COLUMNS} FROM schedule_runs r WHERE r.schedule_id = $1 AND r.scheduled_for = $2`, [r.scheduleId, r.scheduledFor]);
    return { run: toEntity(rows[0]), created: inserted.length > 0 };
  }

  /** Records runs for missed ticks (catch-up) in one statement; existing ticks are left alone. */
  async claimMany(em: EntityManager, tenantId: string, scheduleId: string, ticks: Date[]): Promise<number> {
    if (!ticks.length) return 0;
    const rows = await em.query(
      `INSERT INTO schedule_runs (id, tenant_id, schedule_id, scheduled_for, state, catch_up)
       SELECT gen_random_uuid(), $1, $2, t, 'QUEUED', true FROM unnest($3::timestamptz[]) AS t
       ON CONFLICT (schedule_id, scheduled_for) DO NOTHING RETURNING id`,
      [tenantId, scheduleId, ticks],
    );
    return rows.length;
  }

  async find(em: EntityManager, scheduleId: string, scheduledFor: Date): Promise<ScheduleRunEntity | null> {
    const rows = await em.query(`SELECT ${COLUMNS} FROM schedule_runs r WHERE r.schedule_id = $1 AND r.scheduled_for = $2`, [scheduleId, scheduledFor]);
    return rows.length ? toEntity(rows[0]) : null;
  }

  async findById(id: string): Promise<ScheduleRunEntity | null> {
    const rows = isUuid(id) ? await this.ds.query(`SELECT ${COLUMNS} FROM schedule_runs r WHERE r.id = $1`, [id]) : [];
    return rows.length ? toEntity(rows[0]) : null;
  }

  /** Runs of this schedule still open (QUEUED or RUNNING) for ticks before `before`. */
  async openBefore(em: EntityManager, scheduleId: string, before: Date): Promise<ScheduleRunEntity[]> {
    const rows = await em.query(
      `SELECT ${COLUMNS} FROM schedule_runs r WHERE r.schedule_id = $1 AND r.scheduled_for < $2 AND r.state IN ('QUEUED','RUNNING') ORDER BY r.scheduled_for`,
      [scheduleId, before],
    );
    return rows.map(toEntity);
  }

  async skip(em: EntityManager, id: string, reason: string, message: string | null = null): Promise<void> {
    await em.query(
      `UPDATE schedule_runs SET state = 'SKIPPED', reason = $2, reason_message = $3, started_at = clock_timestamp(), finished_at = clock_timestamp() WHERE id = $1 AND state = 'QUEUED'`,
      [id, reason, message],
    );
  }

  /**
   * started_at and finished_at are clock_timestamp(), not now() (the transaction's start): a tick's
   * transaction may begin before it waits on the schedule's lock, and its run starts only after the
   * previous run's close has committed, so the times must be those of the statements.
   */
  async start(em: EntityManager, id: string, jobIds: string[], forecastIds: string[]): Promise<void> {
    await em.query(
      `UPDATE schedule_runs SET state = 'RUNNING', series_queued = $2, job_ids = $3, forecast_ids = $4, started_at = clock_timestamp() WHERE id = $1 AND state = 'QUEUED'`,
      [id, jobIds.length, jobIds, forecastIds],
    );
  }

  /** Closes a RUNNING run once every forecast job is final; false while some are still going. */
  async finish(id: string, em: EntityManager = this.ds.manager): Promise<boolean> {
    const [c] = await em.query(
      `SELECT count(*) FILTER (WHERE j.state IN ('SUCCEEDED','PARTIALLY_SUCCEEDED'))::int AS ok,
              count(*) FILTER (WHERE j.state IN ('FAILED','CANCELLED'))::int AS failed,
              count(*) FILTER (WHERE j.state IN ('QUEUED','RUNNING'))::int AS open,
              max(r.series_queued) AS queued
       FROM schedule_runs r LEFT JOIN jobs j ON j.id = ANY(r.job_ids) WHERE r.id = $1 AND r.state = 'RUNNING'`,
      [id],
    );
    if (c.queued === null) return true; // not running (already final, or gone)
    if (c.open > 0) return false;
    const state = c.failed === 0 ? 'SUCCEEDED' : c.ok === 0 && c.queued > 0 ? 'FAILED' : 'PARTIALLY_SUCCEEDED';
    await em.query(
      `UPDATE schedule_runs SET state = $2, series_succeeded = $3, series_failed = $4, finished_at = clock_timestamp(),
         reason = CASE WHEN series_queued = 0 THEN 'NO_SERIES' ELSE reason END
       WHERE id = $1 AND state = 'RUNNING'`,
      [id, state, c.ok, c.failed],
    );
    return true;
  }

  async lastScheduledFor(scheduleId: string): Promise<Date | null> {
    const [r] = await this.ds.query(`SELECT max(scheduled_for) AS t FROM schedule_runs WHERE schedule_id = $1`, [scheduleId]);
    return r.t ?? null;
  }

  /** Newest tick first; the caller has already checked the schedule belongs to the tenant. */
  async list(tenantId: string, scheduleId: string, f: { state?: string; cursor?: string; limit: number }): Promise<Page<ScheduleRunEntity>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId, scheduleId];
    const where = ['r.tenant_id = $1', 'r.schedule_id = $2'];
    if (f.state) where.push(`r.state = $${params.push(f.state)}`);
    if (cursor) where.push(`(r.scheduled_for, r.id) < ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${COLUMNS}, r.scheduled_for::text AS cursor_ts FROM schedule_runs r WHERE ${where.join(' AND ')}
       ORDER BY r.scheduled_for DESC, r.id DESC LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    const next = rows.length > f.limit && last ? encodeCursor({ ts: String(last.cursor_ts), id: String(last.id) }) : null;
    return { items: page.map(toEntity), nextCursor: next };
  }
}
