import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { NotFoundError, isUuid } from '#common';
import { API_KEY_SCOPES, ApiKeyEntity, ApiKeyScope } from '../entities/api-key.entity';

const KEY_RE = /^tsfm_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

function digest(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

export interface IssuedKey {
  id: string;
  prefix: string;
  key: string;
  scopes: ApiKeyScope[];
}

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
  scopes: ApiKeyScope[];
}

/** Keys are `tsfm_<prefix>_<secret>`; only the prefix, a per-key salt and the salted hash are stored. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly ds: DataSource) {}

  /** Without scopes the key gets all three: the callers that omit them (CLI, first start) make a tenant's first key. */
  async issue(tenantId: string, name: string | null = null, scopes: readonly ApiKeyScope[] = API_KEY_SCOPES): Promise<IssuedKey> {
    const prefix = randomBytes(8).toString('hex').slice(0, 10);
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const ordered = API_KEY_SCOPES.filter((s) => scopes.includes(s));
    const row = await this.ds
      .getRepository(ApiKeyEntity)
      .save({ tenantId, prefix, salt, hash: digest(salt, secret), name, lastUsedAt: null, revokedAt: null, scopes: ordered });
    return { id: row.id, prefix, key: `tsfm_${prefix}_${secret}`, scopes: ordered };
  }

  /** Returns the tenant, key id and scopes of a valid, unrevoked key; the comparison is constant-time. */
  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    const m = KEY_RE.exec(key);
    if (!m) return null;
    const row = await this.ds.getRepository(ApiKeyEntity).findOneBy({ prefix: m[1], revokedAt: IsNull() });
    if (!row) return null;
    const candidate = digest(row.salt, m[2]);
    if (candidate.length !== row.hash.length || !timingSafeEqual(candidate, row.hash)) return null;
    // last_used_at at minute granularity keeps the hot path from writing on every request.
    await this.ds.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [
      row.id,
    ]);
    return { tenantId: row.tenantId, keyId: row.id, scopes: row.scopes };
  }

  /** Whether a key still exists unrevoked: long-lived streams re-check the key that opened them. */
  async isActive(keyId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(`SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL`, [keyId]);
    return rows.length > 0;
  }

  list(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.ds.getRepository(ApiKeyEntity).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  /** Idempotent for the owner; another tenant's key id (or an unknown one) is not found. */
  async revoke(tenantId: string, keyId: string): Promise<void> {
    if (!isUuid(keyId)) throw new NotFoundError('api key', keyId);
    const res = await this.ds.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2 RETURNING id`, [
      tenantId,
      keyId,
    ]);
    if (res[0].length === 0) throw new NotFoundError('api key', keyId);
  }
}
