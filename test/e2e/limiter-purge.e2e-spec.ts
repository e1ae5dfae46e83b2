import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeysRepository, createDataSource } from '#db';
import { MIGRATIONS } from '../../migrations';
import { createScratchDatabase } from '../support/database';
import { Stack, startStack } from '../support/stack';

const BAD_KEY = `tsfm_0000000000_${'x'.repeat(43)}`;

// #33 item 4: the rate limiter with unknown keys and with its counter down; idempotency rows purged;
// keys from before scopes keep working as admin keys.
describe('rate limiter, idempotency purge, pre-scope keys', () => {
  const stacks: Stack[] = [];
  const start = async (...a: Parameters<typeof startStack>) => {
    const s = await startStack(...a);
    stacks.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  it('unknown keys are limited per client address (401, then 429); a valid key from there is unaffected', async () => {
    const stack = await start({ worker: false, env: { TSFM_RATE_LIMIT_PER_MINUTE: '3' } });
    const good = (await stack.tenant()).key;
    const codes: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await stack.request('GET', '/v1/series', { key: BAD_KEY });
      codes.push(r.body.error.code);
    }
    // A minute window may roll over inside the loop; past the limit it is 429 either way.
    expect(codes.slice(0, 3)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(codes.slice(3)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    const ok = await stack.request('GET', '/v1/series', { key: good });
    expect(ok.status).toBe(200);
  });

  it('with its Redis counter unreachable the limiter refuses (default closed) or lets requests through (open)', async () => {
    // An address where nothing listens: the limiter's Redis connection fails on every request.
    const env = { REDIS_URL: 'redis://127.0.0.1:1', TSFM_RATE_LIMIT_PER_MINUTE: '100' };
    const closed = await start({ worker: false, env });
    const key = (await closed.tenant()).key;
    const refused = await closed.request('GET', '/v1/series', { key });
    expect([refused.status, refused.body.error.code, refused.headers.get('retry-after')]).toEqual([503, 'RATE_LIMIT_UNAVAILABLE', '1']);
    const open = await start({ worker: false, env: { ...env, TSFM_RATE_LIMIT_ON_ERROR: 'open' } });
    const r = await open.request('GET', '/v1/series', { key: (await open.tenant()).key });
    expect([r.status, r.headers.get('x-ratelimit-limit')]).toEqual([200, null]);
  });

  it('the worker purges idempotency rows past their 24-hour window and keeps the others', async () => {
    const stack = await start({ env: { TSFM_IDEMPOTENCY_PURGE_INTERVAL_MS: '200' } });
    const { key, tenantId } = await stack.tenant();
    const fresh = await stack.request('POST', '/v1/series', { key, json: { name: 'fresh' }, headers: { 'idempotency-key': 'fresh' } });
    expect(fresh.status).toBe(201);
    await stack.sql(
      `INSERT INTO idempotency_keys (tenant_id, key, request_hash, status_code, response_body, created_at, completed_at)
       VALUES ($1, 'old', '\\x00', 201, '{}', now() - interval '25 hours', now() - interval '25 hours')`,
      [tenantId],
    );
    const keys = async () => (await stack.sql<{ key: string }>(`SELECT key FROM idempotency_keys ORDER BY key`)).map((r) => r.key);
    expect(await keys()).toEqual(['fresh', 'old']);
    const deadline = Date.now() + 10_000;
    while ((await keys()).includes('old') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await keys()).toEqual(['fresh']);
  }, 60_000);

  it('a key issued before scopes existed becomes an admin key; later API-made keys default to read and write', async () => {
    const db = await createScratchDatabase('scopes');
    const ds = await createDataSource(db.url, 2).initialize();
    const q = ds.createQueryRunner();
    try {
      const before = MIGRATIONS.findIndex((M) => new M().name === 'ApiKeyScopes1764375600000');
      for (let i = 0; i < before; i++) await new MIGRATIONS[i]().up(q);
      const [t] = await ds.query(`INSERT INTO tenants (name) VALUES ('old') RETURNING id`);
      await ds.query(`INSERT INTO api_keys (tenant_id, prefix, salt, hash) VALUES ($1, 'oldkey0000', '\\x00', '\\x00')`, [t.id]);
      await new MIGRATIONS[before]().up(q);
      expect((await ds.query(`SELECT scopes FROM api_keys`))[0].scopes).toEqual(['admin', 'write', 'read']);
      await ds.query(`INSERT INTO api_keys (tenant_id, prefix, salt, hash) VALUES ($1, 'newkey0000', '\\x00', '\\x00')`, [t.id]);
      expect((await ds.query(`SELECT scopes FROM api_keys WHERE prefix = 'newkey0000'`))[0].scopes).toEqual(['read', 'write']);
      await expect(ds.query(`UPDATE api_keys SET scopes = '{root}'`)).rejects.toThrow(/api_keys_scopes_check/);
      expect((await new ApiKeysRepository(ds).issue(t.id, 'cli')).scopes).toEqual(['admin', 'write', 'read']);
    } finally {
      await q.release();
      await ds.destroy();
      await db.drop();
    }
  });
});
