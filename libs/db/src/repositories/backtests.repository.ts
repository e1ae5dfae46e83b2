import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { BadRequestError, NotFoundError, isUuid } from '#common';
import { Page, decodeCursor, encodeCursor } from './cursor';
import { RawRow } from './raw-row';

export interface BacktestRow {
  id: string;
  tenantId: string;
  jobId: string;
  status: string;
  request: Record<string, unknown>;
  models: string[];
  seriesIds: string[];
  /** Overall metrics per model (null until finished). */
  metrics: Record<string, unknown> | null;
  /** Per series: status, error, seasonal period, metrics per model and per window. */
  series: Record<string, unknown>[] | null;
  runtime: Record<string, unknown> | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface BacktestForecastRow {
  modelId: string;
  seriesId: string;
  channel: string;
  window: number;
  /** The last context timestamp (epoch ms): the forecast covers the steps after it. */
  origin: number;
  timestamps: number[];
  actuals: (number | null)[];
  levels: number[];
  /** [step][level] */
  quantiles: number[][];
}

function toRow(r: RawRow): BacktestRow {
  // A job cancelled (or failed) before the worker wrote a result settles its backtest too.
  const settledByJob = (r.status === 'QUEUED' || r.status === 'RUNNING') && (r.job_state === 'CANCELLED' || r.job_state === 'FAILED');
  return {
    id: r.id,
    tenantId: r.tenant_id,
    jobId: r.job_id,
    status: settledByJob ? r.job_state : r.status,
    request: r.request,
    models: r.models,
    seriesIds: r.series_ids,
    metrics: r.metrics,
    series: r.series,
    runtime: r.runtime,
    errorCode: settledByJob ? r.job_error_code : r.error_code,
    errorMessage: settledByJob ? r.job_error_message : r.error_message,
    createdAt: r.created_at,
    finishedAt: settledByJob ? r.job_finished_at : r.finished_at,
  };
}

const WITH_JOB = `SELECT b.*, b.created_at::text AS cursor_ts, j.state AS job_state, j.error_code AS job_error_code,
  j.error_message AS job_error_message, j.finished_at AS job_finished_at FROM backtests b JOIN jobs j ON j.id = b.job_id`;

const ROWS_PER_INSERT = 200;

function decodeForecastCursor(raw: string | undefined): [string, string, string, number] | null {
  if (raw === undefined || raw === '') return null;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (
      Array.isArray(c) &&
      c.length === 4 &&
      typeof c[0] === 'string' &&
      typeof c[1] === 'string' &&
      isUuid(c[1]) &&
      typeof c[2] === 'string' &&
      Number.isInteger(c[3])
    ) {
      return c as [string, string, string, number];
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('INVALID_CURSOR', 'The cursor is not one this API issued');
}

@Injectable()
export class BacktestsRepository {
  constructor(private readonly ds: DataSource) {}

  async create(em: EntityManager, b: { id: string; tenantId: string; jobId: string; models: string[]; seriesIds: string[]; request: unknown }): Promise<void> {
    await em.query(`INSERT INTO backtests (id, tenant_id, job_id, models, series_ids, request) VALUES ($1, $2, $3, $4, $5, $6)`, [
      b.id,
      b.tenantId,
      b.jobId,
      b.models,
      b.seriesIds,
      JSON.stringify(b.request),
    ]);
  }

  async get(tenantId: string, id: string): Promise<BacktestRow> {
    const rows = isUuid(id) ? await this.ds.query(`${WITH_JOB} WHERE b.tenant_id = $1 AND b.id = $2`, [tenantId, id]) : [];
    if (!rows.length) throw new NotFoundError('backtest', id);
    return toRow(rows[0]);
  }

  /** Oldest first, keyset-paged like every list; summaries only (no metrics). */
  async list(tenantId: string, f: { cursor?: string; limit: number }): Promise<Page<BacktestRow>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId];
    const where = ['b.tenant_id = $1'];
    if (cursor) where.push(`(b.created_at, b.id) > ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows = await this.ds.query(
      `${WITH_JOB.replace('b.*', 'b.id, b.tenant_id, b.job_id, b.status, b.request, b.models, b.series_ids, b.error_code, b.error_message, b.created_at, b.finished_at')}
       WHERE ${where.join(' AND ')} ORDER BY b.created_at, b.id LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return { items: page.map(toRow), nextCursor: rows.length > f.limit && last ? encodeCursor({ ts: String(last.cursor_ts), id: String(last.id) }) : null };
  }

  /** Keyset pages in primary-key order (model, series, channel, window). */
  async forecasts(
    backtestId: string,
    f: { modelId?: string; seriesId?: string; window?: number; cursor?: string; limit: number },
  ): Promise<Page<BacktestForecastRow>> {
    const params: unknown[] = [backtestId];
    const where = ['backtest_id = $1'];
    if (f.modelId !== undefined) where.push(`model_id = $${params.push(f.modelId)}`);
    if (f.seriesId !== undefined) where.push(`series_id = $${params.push(f.seriesId)}`);
    if (f.window !== undefined) where.push(`window_index = $${params.push(f.window)}`);
    const after = decodeForecastCursor(f.cursor);
    if (after) {
      where.push(
        `(model_id, series_id, channel, window_index) > ($${params.push(after[0])}, $${params.push(after[1])}::uuid, $${params.push(after[2])}, $${params.push(after[3])})`,
      );
    }
    const rows = await this.ds.query(
      `SELECT model_id, series_id, channel, window_index, (extract(epoch FROM origin) * 1000)::bigint AS origin_ms,
              (SELECT array_agg((extract(epoch FROM t) * 1000)::bigint ORDER BY o) FROM unnest(timestamps) WITH ORDINALITY AS u(t, o)) AS ms,
              actuals, levels, quantiles
       FROM backtest_forecasts WHERE ${where.join(' AND ')}
       ORDER BY model_id, series_id, channel, window_index LIMIT $${params.push(f.limit + 1)}`,
      params,
    );
    const page: BacktestForecastRow[] = rows.slice(0, f.limit).map((r: RawRow) => ({
      modelId: r.model_id,
      seriesId: r.series_id,
      channel: r.channel,
      window: r.window_index,
      origin: Number(r.origin_ms),
      timestamps: (r.ms ?? []).map(Number),
      actuals: r.actuals,
      levels: r.levels,
      quantiles: r.quantiles,
    }));
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > f.limit && last ? Buffer.from(JSON.stringify([last.modelId, last.seriesId, last.channel, last.window])).toString('base64url') : null;
    return { items: page, nextCursor };
  }

  async setStatus(id: string, status: string): Promise<void> {
    await this.ds.query(`UPDATE backtests SET status = $2 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id, status]);
  }

  /**
   * Forecast rows, metrics and the final status in the caller's transaction (with the job's final
   * state). Delete-then-insert: a retried job replaces its rows and never duplicates them.
   */
  async writeResults(
    em: EntityManager,
    id: string,
    r: { status: string; metrics: unknown; series: unknown; runtime: unknown; forecasts: BacktestForecastRow[]; error?: { code: string; message: string } },
  ): Promise<void> {
    await em.query(`DELETE FROM backtest_forecasts WHERE backtest_id = $1`, [id]);
    for (let i = 0; i < r.forecasts.length; i += ROWS_PER_INSERT) {
      const chunk = r.forecasts.slice(i, i + ROWS_PER_INSERT);
      const params: unknown[] = [id];
      const values = chunk.map((f) => {
        const p = [
          f.modelId,
          f.seriesId,
          f.channel,
          f.window,
          new Date(f.origin).toISOString(),
          f.timestamps.map((t) => new Date(t).toISOString()),
          f.actuals,
          f.levels,
          JSON.stringify(f.quantiles),
        ].map((v) => `$${params.push(v)}`);
        return `($1, ${p[0]}, ${p[1]}, ${p[2]}, ${p[3]}, ${p[4]}::timestamptz, ${p[5]}::timestamptz[], ${p[6]}::float8[], ${p[7]}::float8[], ${p[8]}::jsonb)`;
      });
      await em.query(
        `INSERT INTO backtest_forecasts (backtest_id, model_id, series_id, channel, window_index, origin, timestamps, actuals, levels, quantiles) VALUES ${values.join(', ')}`,
        params,
      );
    }
    await em.query(
      `UPDATE backtests SET status = $2, metrics = $3, series = $4, runtime = $5, error_code = $6, error_message = $7, finished_at = now() WHERE id = $1`,
      [id, r.status, JSON.stringify(r.metrics), JSON.stringify(r.series), JSON.stringify(r.runtime), r.error?.code ?? null, r.error?.message ?? null],
    );
  }
}
