import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type IdempotencyClaim =
  { kind: 'new' } | { kind: 'replay'; statusCode: number; body: unknown; headers: Record<string, string> } | { kind: 'in-progress' } | { kind: 'mismatch' };

/** Keys live 24 hours; a key re-used after that starts afresh. */
const TTL = `interval '24 hours'`;

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly ds: DataSource) {}

  /** Claims (tenant, key) for a request hash, or reports what an earlier request with the key did. */
  async claim(tenantId: string, key: string, hash: Buffer): Promise<IdempotencyClaim> {
    await this.ds.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND created_at < now() - ${TTL}`, [tenantId, key]);
    const inserted = await this.ds.query(
      `INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [tenantId, key, hash],
    );
    if (inserted.length) return { kind: 'new' };
    const rows: { request_hash: Buffer; status_code: number | null; response_body: unknown; response_headers: Record<string, string> | null }[] =
      await this.ds.query(`SELECT request_hash, status_code, response_body, response_headers FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`, [
        tenantId,
        key,
      ]);
    if (!rows.length) return this.claim(tenantId, key, hash); // expired and deleted concurrently
    if (!rows[0].request_hash.equals(hash)) return { kind: 'mismatch' };
    if (rows[0].status_code === null) return { kind: 'in-progress' };
    return { kind: 'replay', statusCode: rows[0].status_code, body: rows[0].response_body, headers: rows[0].response_headers ?? {} };
  }

  async complete(tenantId: string, key: string, statusCode: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    await this.ds.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4, response_headers = $5, completed_at = now() WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, statusCode, JSON.stringify(body ?? null), JSON.stringify(headers)],
    );
  }

  /** Deletes every record past its window (the worker's IdempotencyPurger); returns how many. */
  async purgeExpired(): Promise<number> {
    const res: [unknown[], number] = await this.ds.query(`DELETE FROM idempotency_keys WHERE created_at < now() - ${TTL}`);
    return res[1];
  }

  /** A request that failed on our side (5xx) may be retried with the same key. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.ds.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND status_code IS NULL`, [tenantId, key]);
  }
}
