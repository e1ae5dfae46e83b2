import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, isUuid } from '#common';
import { Page, decodeCursor, encodeCursor } from './cursor';
import { RawRow } from './raw-row';

export interface FinetuneRow {
  id: string;
  tenantId: string;
  jobId: string;
  name: string;
  baseModel: string;
  method: 'head' | 'full';
  params: Record<string, unknown>;
  status: string;
  progress: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  headSha256: string | null;
  /** `full` fine-tunes: the ONNX graph of the tuned model. */
  graphSha256: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  cursorTs?: string;
}

function toRow(r: RawRow): FinetuneRow {
  // A job that failed or was cancelled before the worker wrote its outcome settles the fine-tune too.
  const settledByJob = (r.status === 'QUEUED' || r.status === 'RUNNING') && (r.job_state === 'CANCELLED' || r.job_state === 'FAILED');
  return {
    id: r.id,
    tenantId: r.tenant_id,
    jobId: r.job_id,
    name: r.name,
    baseModel: r.base_model,
    method: r.method,
    params: r.params,
    status: settledByJob ? r.job_state : r.status,
    progress: r.progress,
    metrics: r.metrics,
    headSha256: r.head_sha256,
    graphSha256: r.graph_sha256,
    errorCode: settledByJob ? r.job_error_code : r.error_code,
    errorMessage: settledByJob ? r.job_error_message : r.error_message,
    createdAt: r.created_at,
    finishedAt: settledByJob ? r.job_finished_at : r.finished_at,
    cursorTs: r.cursor_ts,
  };
}

const WITH_JOB = `SELECT f.*, f.created_at::text AS cursor_ts, j.state AS job_state, j.error_code AS job_error_code,
  j.error_message AS job_error_message, j.finished_at AS job_finished_at FROM finetunes f JOIN jobs j ON j.id = f.job_id`;

/** Fine-tune jobs, the per-tenant models they produce, and the content-addressed head weights. */
@Injectable()
export class FinetunesRepository {
  constructor(private readonly ds: DataSource) {}

  async create(
    em: EntityManager,
    f: { id: string; tenantId: string; jobId: string; name: string; baseModel: string; method: string; params: unknown },
  ): Promise<void> {
    try {
      await em.query(`INSERT INTO finetunes (id, tenant_id, job_id, name, base_model, method, params) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        f.id,
        f.tenantId,
        f.jobId,
        f.name,
        f.baseModel,
        f.method,
        JSON.stringify(f.params),
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new ConflictError('MODEL_NAME_TAKEN', `This tenant already has a model or fine-tune named "${f.name}"`);
      throw err;
    }
  }

  async get(tenantId: string, id: string): Promise<FinetuneRow> {
    const rows = isUuid(id) ? await this.ds.query(`${WITH_JOB} WHERE f.tenant_id = $1 AND f.id = $2`, [tenantId, id]) : [];
    if (!rows.length) throw new NotFoundError('finetune', id);
    return toRow(rows[0]);
  }

  async byId(id: string): Promise<FinetuneRow | null> {
    const rows = await this.ds.query(`${WITH_JOB} WHERE f.id = $1`, [id]);
    return rows.length ? toRow(rows[0]) : null;
  }

  async byName(tenantId: string, name: string): Promise<FinetuneRow | null> {
    const rows = await this.ds.query(`${WITH_JOB} WHERE f.tenant_id = $1 AND f.name = $2`, [tenantId, name]);
    return rows.length ? toRow(rows[0]) : null;
  }

  /** The tenant's servable fine-tuned models. */
  async models(tenantId: string): Promise<FinetuneRow[]> {
    const rows = await this.ds.query(`${WITH_JOB} WHERE f.tenant_id = $1 AND f.status = 'SUCCEEDED' ORDER BY f.name`, [tenantId]);
    return rows.map(toRow);
  }

  async list(tenantId: string, f: { cursor?: string; limit: number }): Promise<Page<FinetuneRow>> {
    const cursor = decodeCursor(f.cursor);
    const params: unknown[] = [tenantId];
    const where = ['f.tenant_id = $1'];
    if (cursor) where.push(`(f.created_at, f.id) > ($${params.push(cursor.ts)}::timestamptz, $${params.push(cursor.id)}::uuid)`);
    const rows = await this.ds.query(`${WITH_JOB} WHERE ${where.join(' AND ')} ORDER BY f.created_at, f.id LIMIT $${params.push(f.limit + 1)}`, params);
    const page = rows.slice(0, f.limit).map(toRow);
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > f.limit && last ? encodeCursor({ ts: String(last.cursorTs), id: last.id }) : null };
  }

  async markRunning(id: string): Promise<void> {
    await this.ds.query(`UPDATE finetunes SET status = 'RUNNING' WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id]);
  }

  async setProgress(id: string, progress: Record<string, unknown>): Promise<void> {
    await this.ds.query(`UPDATE finetunes SET progress = $2 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`, [id, JSON.stringify(progress)]);
  }

  /** The head (once per content) and the model's final state, in the caller's transaction. */
  async succeed(
    em: EntityManager,
    id: string,
    head: { sha256: string; baseModel: string; data: Buffer },
    metrics: Record<string, unknown>,
    progress: Record<string, unknown>,
    graph?: { sha256: string; entry: Record<string, unknown>; data: Buffer },
  ): Promise<void> {
    if (graph) {
      await em.query(
        `INSERT INTO model_graphs (sha256, base_model, entry, data, bytes) SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM finetunes WHERE id = $6)
         ON CONFLICT (sha256) DO NOTHING`,
        [graph.sha256, head.baseModel, JSON.stringify(graph.entry), graph.data, graph.data.length, id],
      );
      await em.query(`UPDATE finetunes SET graph_sha256 = $2 WHERE id = $1`, [id, graph.sha256]);
    }
    // Only while the fine-tune still exists: a model deleted mid-training leaves no orphan head.
    await em.query(
      `INSERT INTO model_heads (sha256, base_model, data, bytes) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM finetunes WHERE id = $5)
       ON CONFLICT (sha256) DO NOTHING`,
      [head.sha256, head.baseModel, head.data, head.data.length, id],
    );
    await em.query(`UPDATE finetunes SET status = 'SUCCEEDED', head_sha256 = $2, metrics = $3, progress = $4, finished_at = now() WHERE id = $1`, [
      id,
      head.sha256,
      JSON.stringify(metrics),
      JSON.stringify(progress),
    ]);
  }

  async fail(em: EntityManager, id: string, code: string, message: string): Promise<void> {
    await em.query(
      `UPDATE finetunes SET status = 'FAILED', error_code = $2, error_message = $3, finished_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`,
      [id, code, message],
    );
  }

  async headBytes(sha256: string): Promise<Buffer | null> {
    const rows = await this.ds.query(`SELECT data FROM model_heads WHERE sha256 = $1`, [sha256]);
    return rows.length ? rows[0].data : null;
  }

  async graph(sha256: string): Promise<{ entry: Record<string, unknown>; data: Buffer } | null> {
    const rows = await this.ds.query(`SELECT entry, data FROM model_graphs WHERE sha256 = $1`, [sha256]);
    return rows.length ? { entry: rows[0].entry, data: rows[0].data } : null;
  }

  /** Deletes the model and, when no other model uses them, its head weights and graph. */
  /** Which of these graphs a succeeded fine-tune still serves (the rest were deleted and can be unloaded). */
  async servedGraphs(sha256s: string[]): Promise<Set<string>> {
    if (!sha256s.length) return new Set();
    const rows = await this.ds.query(`SELECT DISTINCT graph_sha256 FROM finetunes WHERE graph_sha256 = ANY($1) AND status = 'SUCCEEDED'`, [sha256s]);
    return new Set(rows.map((r: { graph_sha256: string }) => r.graph_sha256));
  }

  async delete(em: EntityManager, tenantId: string, id: string): Promise<void> {
    const rows = await em.query(`DELETE FROM finetunes WHERE tenant_id = $1 AND id = $2 RETURNING head_sha256, graph_sha256`, [tenantId, id]);
    const row = Array.isArray(rows[0]) ? rows[0][0] : rows[0];
    if (row?.head_sha256)
      await em.query(`DELETE FROM model_heads h WHERE h.sha256 = $1 AND NOT EXISTS (SELECT 1 FROM finetunes f WHERE f.head_sha256 = h.sha256)`, [
        row.head_sha256,
      ]);
    if (row?.graph_sha256)
      await em.query(`DELETE FROM model_graphs g WHERE g.sha256 = $1 AND NOT EXISTS (SELECT 1 FROM finetunes f WHERE f.graph_sha256 = g.sha256)`, [
        row.graph_sha256,
      ]);
  }
}
