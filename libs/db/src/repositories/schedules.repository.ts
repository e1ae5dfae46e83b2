import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, isUuid } from '#common';
import { ScheduleEntity, ScheduleOverlap, ScheduleTemplate } from '../entities/schedule.entity';
import { Page, decodeCursor, encodeCursor } from './cursor';
import { RawRow } from './raw-row';

export interface NewSchedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  seriesIds: string[] | null;
  tag: string | null;
  template: ScheduleTemplate;
  enabled: boolean;
  overlap: ScheduleOverlap;
  catchUp: boolean;
}

export type SchedulePatch = Partial<Omit<NewSchedule, 'id'>>;

const COLUMNS = `id, tenant_id, name, cron, timezone, series_ids, tag, model_id, template, enabled, overlap, catch_up,
  created_at, updated_at, created_at::text AS cursor_ts`;

function toEntity(r: RawRow): ScheduleEntity {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    seriesIds: r.series_ids,
    tag: r.tag,
    modelId: r.model_id,
    template: r.template,
    enabled: r.enabled,
    overlap: r.overlap,
    catchUp: r.catch_up,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function nameTaken(err: unknown, name: string | undefined): never {
  if ((err as { code?: string }).code === '23505') throw new ConflictError('SCHEDULE_NAME_TAKEN', `A schedule named ${JSON.stringify(name)} already exists`);
  throw err;
}

/** Schedules, scoped by tenant (another tenant's id behaves like an unknown one), plus worker-side reads. */
@Injectable()
export class SchedulesRepository {
  constructor(private readonly ds: DataSource) {}

  async create(em: EntityManager, tenantId: string, s: NewSchedule): Promise<ScheduleEntity> {
    const rows = await em
      .query(
        `INSERT INTO schedules (id, tenant_id, name, cron, timezone, series_ids, tag, model_id, template, enabled, overlap, catch_up)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
        [s.id, tenantId, s.name, s.cron, s.timezone, s.seriesIds, s.tag, s.template.model, JSON.stringify(s.template), s.enabled, s.overlap, s.catchUp],
      )
      .catch((err) => nameTaken(err, s.name));
    return toEntity(rows[0]);
  }

  /**
   * The tenant's schedule count, under a transaction-scoped lock per tenant: two concurrent creates
   * each see the other's row, so the cap cannot be overshot. An advisory lock, not the tenants row,
   * so inserts elsewhere that reference the tenant (they key-share lock it) are not held up.
   */
  async countForCreate(em: EntityManager, tenantId: string): Promise<number> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('schedules:' || $1, 0))`, [tenantId]);
    const [r] = await em.query(`SELECT count(*)::int AS n FROM schedules WHERE tenant_id = $1`, [tenantId]);
    return r.n;
  }

  async get(tenantId: string, id: string, em: EntityManager = this.ds.manager): Promise<ScheduleEntity> {
    const rows = isUuid(id) ? await em.query(`SELECT ${COLUMNS} FROM schedules WHERE tenant_id = $1 AND id = $2`, [tenantId, id]) : [];
    if (!rows.length) throw new NotFoundError('schedule', id);
    return toEntity(rows[0]);
  }

  /** Locks the row for the rest of the transaction: ticks of one schedule are decided one at a time. */
  async lock(em: EntityManager, tenantId: string, id: string): Promise<ScheduleEntity | null> {
    const rows = await em.query(`SELECT ${COLUMNS} FROM schedules WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    return rows.length ? toEntity(rows[0]) : null;
  }

  async list(tenantId: string, f: { cursor?: string; limit: number }): Promise<Page<ScheduleEntity>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (cursor) where.push(`(created_at, id) > ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM schedules WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return { items: page.map(toEntity), nextCursor: rows.length > f.limit && last ? encodeCursor({ ts: String(last.cursor_ts), id: String(last.id) }) : null };
  }

  async update(em: EntityManager, tenantId: string, id: string, p: SchedulePatch): Promise<ScheduleEntity> {
    const sets: string[] = [];
    const params: unknown[] = [tenantId, id];
    const col = (c: string, v: unknown) => sets.push(`${c} = $${params.push(v)}`);
    if (p.name !== undefined) col('name', p.name);
    if (p.cron !== undefined) col('cron', p.cron);
    if (p.timezone !== undefined) col('timezone', p.timezone);
    if (p.seriesIds !== undefined || p.tag !== undefined) {
      col('series_ids', p.seriesIds ?? null);
      col('tag', p.tag ?? null);
    }
    if (p.template !== undefined) {
      col('template', JSON.stringify(p.template));
      col('model_id', p.template.model);
    }
    if (p.enabled !== undefined) col('enabled', p.enabled);
    if (p.overlap !== undefined) col('overlap', p.overlap);
    if (p.catchUp !== undefined) col('catch_up', p.catchUp);
    const rows = isUuid(id)
      ? await em
          .query(`UPDATE schedules SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`, params)
          .catch((err) => nameTaken(err, p.name))
      : [[]];
    if (!rows[0].length) throw new NotFoundError('schedule', id);
    return toEntity(rows[0][0]);
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    const rows = isUuid(id) ? await em.query(`DELETE FROM schedules WHERE tenant_id = $1 AND id = $2 RETURNING id`, [tenantId, id]) : [[]];
    if (!rows[0].length) throw new NotFoundError('schedule', id);
  }

  /** Schedules whose template uses this model (a model in use cannot be deleted). */
  async idsUsingModel(tenantId: string, modelId: string): Promise<string[]> {
    const rows = await this.ds.query(`SELECT id FROM schedules WHERE tenant_id = $1 AND model_id = $2 ORDER BY created_at`, [tenantId, modelId]);
    return rows.map((r: { id: string }) => r.id);
  }

  /** Worker-side: every enabled schedule of every tenant (timer resync and catch-up at start). */
  async allEnabled(): Promise<ScheduleEntity[]> {
    const rows = await this.ds.query(`SELECT ${COLUMNS} FROM schedules WHERE enabled ORDER BY created_at, id`);
    return rows.map(toEntity);
  }

  /** The series a run forecasts, read at run time: the listed ids that still exist, or the tag's members. */
  async members(em: EntityManager, s: ScheduleEntity): Promise<string[]> {
    const rows = s.seriesIds
      ? await em.query(`SELECT s.id FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, o) JOIN series s ON s.id = u.id AND s.tenant_id = $1 ORDER BY u.o`, [
          s.tenantId,
          s.seriesIds,
        ])
      : await em.query(`SELECT id FROM series WHERE tenant_id = $1 AND tags @> ARRAY[$2]::text[] ORDER BY created_at, id`, [s.tenantId, s.tag]);
    return rows.map((r: { id: string }) => r.id);
  }
}
