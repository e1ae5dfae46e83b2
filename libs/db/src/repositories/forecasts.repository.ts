import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, isUuid } from '#common';
import { Page, decodeCursor, encodeCursor } from './cursor';
import { RawRow } from './raw-row';

export interface ForecastRow {
  id: string;
  tenantId: string;
  jobId: string;
  modelId: string;
  status: string;
  request: Record<string, unknown>;
  seriesIds: string[];
  runtime: Record<string, unknown> | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ForecastResultRow {
  seriesKey: string;
  seriesId: string | null;
  channel: string;
  status: 'SUCCEEDED' | 'FAILED';
  errorCode: string | null;
  errorMessage: string | null;
  timestamps: number[] | null;
  levels: number[] | null;
  quantiles: number[][] | null;
  metadata: Record<string, unknown> | null;
}

function toRow(r: RawRow): ForecastRow {
  // A job cancelled (or failed) before the worker wrote a result settles its forecast too.
  const settledByJob = (r.status === 'QUEUED' || r.status === 'RUNNING') && (r.job_state === 'CANCELLED' || r.job_state === 'FAILED');
  return {
    id: r.id,
    tenantId: r.tenant_id,
    jobId: r.job_id,
    modelId: r.model_id,
    status: settledByJob ? r.job_state : r.status,
    request: r.request,
    seriesIds: r.series_ids,
    runtime: r.runtime,
    errorCode: settledByJob ? r.job_error_code : r.error_code,
    errorMessage: settledByJob ? r.job_error_message : r.error_message,
    createdAt: r.created_at,
    finishedAt: settledByJob ? r.job_finished_at : r.finished_at,
  };
}

const WITH_JOB = `SELECT f.*, j.state AS job_state, j.error_code AS job_error_code, j.error_message AS job_error_message, j.finished_at AS job_finished_at
  FROM forecasts f JOIN jobs j ON j.id = f.job_id`;

/** 11 parameters a row: 200 rows stay far under PostgreSQL's 65,535 bind parameters. */
const RESULT_ROWS_PER_INSERT = 200;

@Injectable()
export class ForecastsRepository {
  constructor(private readonly ds: DataSource) {}

  async create(em: EntityManager, f: { id: string; tenantId: string; jobId: string; modelId: string; request: unknown; seriesIds: string[] }): Promise<void> {
    await em.query(`INSERT INTO forecasts (id, tenant_id, job_id, model_id, request, series_ids) VALUES ($1, $2, $3, $4, $5, $6)`, [
      f.id,
      f.tenantId,
      f.jobId,
      f.modelId,
      JSON.stringify(f.request),
      f.seriesIds,
    ]);
  }

  async get(tenantId: string, id: string): Promise<ForecastRow> {
    const rows = isUuid(id) ? await this.ds.query(`${WITH_JOB} WHERE f.tenant_id = $1 AND f.id = $2`, [tenantId, id]) : [];
    if (!rows.length) throw new NotFoundError('forecast', id);
    return toRow(rows[0]);
  }

  async list(
    tenantId: string,
    f: { seriesId?: string; from?: string; to?: string; cursor?: string; limit: number },
  ): Promise<Page<ForecastRow & { cursorTs: string }>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (f.seriesId) where.push(`series_ids @> ARRAY[$${params.push(f.seriesId)}]::uuid[]`);
    if (f.from) where.push(`created_at >= $${params.push(f.from)}`);
    if (f.to) where.push(`created_at <= $${params.push(f.to)}`);
    if (cursor) where.push(`(created_at, id) > ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows = await this.ds.query(
      `SELECT *, created_at::text AS cursor_ts FROM forecasts WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r: Record<string, unknown>) => ({ ...toRow(r), cursorTs: String(r.cursor_ts) })),
      nextCursor: rows.length > f.limit && last ? encodeCursor({ ts: String(last.cursor_ts), id: String(last.id) }) : null,
    };
  }

  async results(forecastId: string): Promise<ForecastResultRow[]> {
    const rows = await this.ds.query(
      `SELECT series_key, series_id, channel, status, error_code, error_message,
              (SELECT array_agg((extract(epoch FROM t) * 1000)::bigint ORDER BY o) FROM unnest(timestamps) WITH ORDINALITY AS u(t, o)) AS ms,
              levels, quantiles, metadata
       FROM forecast_results WHERE forecast_id = $1 ORDER BY series_key, channel`,
      [forecastId],
    );
    return rows.map((r: RawRow) => ({
      seriesKey: r.series_key,
      seriesId: r.series_id,
      channel: r.channel,
      status: r.status,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      timestamps: r.ms ? r.ms.map(Number) : null,
      levels: r.levels,
      quantiles: r.quantiles,
      metadata: r.metadata,
    }));
  }

  async setStatus(id: string, status: string): Promise<void> {
    await this.ds.query(`UPDATE forecasts SET status = $2 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id, status]);
  }

  /** Results and the final status in the caller's transaction (with the job's final state). */
  async writeResults(
    em: EntityManager,
    id: string,
    status: string,
    runtime: Record<string, unknown>,
    results: ForecastResultRow[],
    error?: { code: string; message: string },
  ): Promise<void> {
    // Multi-row INSERTs of RESULT_ROWS_PER_INSERT rows inside the caller's transaction: a job of 10,000
    // targets makes 50 statements, not 10,000, and its results still appear at once with its status.
    // One row per key, the last winning as row-by-row upserts did: one INSERT cannot update a row twice.
    const rows = [...new Map(results.map((r) => [JSON.stringify([r.seriesKey, r.channel]), r])).values()];
    for (let at = 0; at < rows.length; at += RESULT_ROWS_PER_INSERT) {
      const params: unknown[] = [id];
      const values = rows.slice(at, at + RESULT_ROWS_PER_INSERT).map((r) => {
        const p = [
          r.seriesKey,
          r.seriesId,
          r.channel,
          r.status,
          r.errorCode,
          r.errorMessage,
          r.timestamps ? r.timestamps.map((t) => new Date(t).toISOString()) : null,
          r.levels,
          r.quantiles ? JSON.stringify(r.quantiles) : null,
          r.metadata ? JSON.stringify(r.metadata) : null,
        ].map((v) => `$${params.push(v)}`);
        return `($1, ${p[0]}, ${p[1]}::uuid, ${p[2]}, ${p[3]}, ${p[4]}, ${p[5]}, ${p[6]}::timestamptz[], ${p[7]}::float8[], ${p[8]}::jsonb, ${p[9]}::jsonb)`;
      });
      await em.query(
        `INSERT INTO forecast_results (forecast_id, series_key, series_id, channel, status, error_code, error_message, timestamps, levels, quantiles, metadata)
         VALUES ${values.join(', ')}
         ON CONFLICT (forecast_id, series_key, channel) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code,
           error_message = EXCLUDED.error_message, timestamps = EXCLUDED.timestamps, levels = EXCLUDED.levels,
           quantiles = EXCLUDED.quantiles, metadata = EXCLUDED.metadata`,
        params,
      );
    }
    await em.query(`UPDATE forecasts SET status = $2, runtime = $3, error_code = $4, error_message = $5, finished_at = now() WHERE id = $1`, [
      id,
      status,
      JSON.stringify(runtime),
      error?.code ?? null,
      error?.message ?? null,
    ]);
  }

  async latestForSeries(tenantId: string, seriesId: string): Promise<ForecastRow | null> {
    if (!isUuid(seriesId)) return null;
    const rows = await this.ds.query(
      `SELECT f.* FROM forecasts f WHERE f.tenant_id = $1 AND f.series_ids @> ARRAY[$2]::uuid[] AND f.status IN ('SUCCEEDED', 'PARTIALLY_SUCCEEDED')
       ORDER BY f.finished_at DESC LIMIT 1`,
      [tenantId, seriesId],
    );
    return rows.length ? toRow(rows[0]) : null;
  }

  async saveRuntimeStatus(workerId: string, models: unknown): Promise<void> {
    await this.ds.query(
      `INSERT INTO runtime_status (worker_id, models, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (worker_id) DO UPDATE SET models = EXCLUDED.models, updated_at = now()`,
      [workerId, JSON.stringify(models)],
    );
  }

  /** What the workers seen in the last 5 minutes report about their models. */
  async runtimeStatus(): Promise<{ workerId: string; models: unknown; updatedAt: Date }[]> {
    const rows = await this.ds.query(`SELECT * FROM runtime_status WHERE updated_at > now() - interval '5 minutes' ORDER BY updated_at DESC`);
    return rows.map((r: RawRow) => ({ workerId: r.worker_id, models: r.models, updatedAt: r.updated_at }));
  }
}
