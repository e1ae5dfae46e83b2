import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, isUuid } from '#common';
import { SeriesEntity, SeriesStatsRecord } from '../entities/series.entity';
import { Page, decodeCursor, encodeCursor } from './cursor';

export interface NewSeries {
  name: string;
  channels: string[];
  frequency: string | null;
  timezone: string;
  tags: string[];
  metadata: Record<string, string>;
}

export interface SeriesFilter {
  tag?: string;
  name?: string;
  cursor?: string;
  limit: number;
}

const COLUMNS = `id, tenant_id, name, channels, frequency, timezone, tags, metadata, stats, created_at, updated_at,
  created_at::text AS cursor_ts`;

function toEntity(r: Record<string, unknown>): SeriesEntity {
  return Object.assign(new SeriesEntity(), {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    channels: r.channels,
    frequency: r.frequency,
    timezone: r.timezone,
    tags: r.tags,
    metadata: r.metadata,
    stats: r.stats,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

/** Every method is scoped by tenant: another tenant's id behaves exactly like an unknown id. */
@Injectable()
export class SeriesRepository {
  constructor(private readonly ds: DataSource) {}

  async create(tenantId: string, s: NewSeries): Promise<SeriesEntity> {
    const rows = await this.ds.query(
      `INSERT INTO series (tenant_id, name, channels, frequency, timezone, tags, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${COLUMNS}`,
      [tenantId, s.name, s.channels, s.frequency, s.timezone, s.tags, JSON.stringify(s.metadata)],
    );
    if (rows.length === 0) throw new ConflictError('SERIES_NAME_TAKEN', `A series named ${JSON.stringify(s.name)} already exists`);
    return toEntity(rows[0]);
  }

  async get(tenantId: string, id: string, em: EntityManager = this.ds.manager): Promise<SeriesEntity> {
    const found = await this.find(tenantId, id, em);
    if (!found) throw new NotFoundError('series', id);
    return found;
  }

  async find(tenantId: string, id: string, em: EntityManager = this.ds.manager): Promise<SeriesEntity | null> {
    if (!isUuid(id)) return null;
    const rows = await em.query(`SELECT ${COLUMNS} FROM series WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows.length ? toEntity(rows[0]) : null;
  }

  /** The channels of each of these series the tenant owns (unknown ids are left out). */
  async channelsOf(tenantId: string, ids: string[]): Promise<{ id: string; channels: string[] }[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return [];
    return this.ds.query(`SELECT id, channels FROM series WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, valid]);
  }

  /** Locks the series row for the rest of the transaction (serialises concurrent uploads). */
  async lockForWrite(em: EntityManager, tenantId: string, id: string): Promise<SeriesEntity> {
    if (!isUuid(id)) throw new NotFoundError('series', id);
    const rows = await em.query(`SELECT ${COLUMNS} FROM series WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    if (!rows.length) throw new NotFoundError('series', id);
    return toEntity(rows[0]);
  }

  async list(tenantId: string, f: SeriesFilter): Promise<Page<SeriesEntity>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (f.tag !== undefined) where.push(`tags @> ARRAY[$${params.push(f.tag)}]::text[]`);
    if (f.name !== undefined) where.push(`name = $${params.push(f.name)}`);
    if (cursor) where.push(`(created_at, id) > ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM series WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const more = rows.length > f.limit;
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toEntity),
      nextCursor: more && last ? encodeCursor({ ts: String(last.cursor_ts), id: String(last.id) }) : null,
    };
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!isUuid(id)) throw new NotFoundError('series', id);
    const rows = await this.ds.query(`DELETE FROM series WHERE tenant_id = $1 AND id = $2 RETURNING id`, [tenantId, id]);
    if (rows[0].length === 0) throw new NotFoundError('series', id);
  }

  async updateStats(tenantId: string, id: string, stats: SeriesStatsRecord): Promise<void> {
    await this.ds.query(`UPDATE series SET stats = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, JSON.stringify(stats)]);
  }
}
