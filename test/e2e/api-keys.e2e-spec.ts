import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

// Keys and what they may do (#33 item 4): scopes on every route, secrets never stored for replays,
// revoked keys' streams closed, metrics and readiness details for admins only.
describe('api keys: scopes, secrets, revocation', () => {
  let stack: Stack;
  let admin: string;
  const mint = async (scopes?: string[], headers?: Record<string, string>) =>
    stack.request('POST', '/v1/api-keys', { key: admin, json: scopes ? { name: scopes.join('+'), scopes } : { name: 'default' }, headers });

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    admin = (await stack.tenant()).key; // the CLI's first key: all three scopes
  });
  afterAll(() => stack.close());

  it('a key created without scopes gets read and write, never admin; scopes are validated', async () => {
    const r = await mint();
    expect([r.status, r.body.scopes, r.body.secretShownOnce]).toEqual([201, ['write', 'read'], false]);
    expect(r.body.key).toMatch(new RegExp(`^tsfm_${r.body.prefix}_`));
    const listed = await stack.request('GET', '/v1/api-keys', { key: admin });
    expect(listed.body.find((k: { id: string }) => k.id === r.body.id).scopes).toEqual(['write', 'read']);
    for (const scopes of [[], ['root'], ['read', 'read'], 'admin', [1]]) {
      const bad = await stack.request('POST', '/v1/api-keys', { key: admin, json: { scopes } });
      expect([bad.status, bad.body.error.code], JSON.stringify(scopes)).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('scopes are enforced on every route: 403 INSUFFICIENT_SCOPE naming the scope needed', async () => {
    const read = (await mint(['read'])).body.key;
    const write = (await mint(['write'])).body.key;
    const rw = (await mint(['read', 'write'])).body.key;
    const denied = async (method: string, path: string, key: string, required: string, json?: unknown) => {
      const r = await stack.request(method, path, { key, json });
      expect([r.status, r.body?.error?.code, r.body?.error?.details?.required], `${method} ${path}`).toEqual([403, 'INSUFFICIENT_SCOPE', required]);
    };
    expect((await stack.request('GET', '/v1/series', { key: read })).status).toBe(200);
    await denied('POST', '/v1/series', read, 'write', { name: 'ro' });
    await denied('POST', '/v1/forecasts', read, 'write', { horizon: 1 });
    await denied('DELETE', '/v1/series/00000000-0000-4000-8000-000000000000', read, 'write');
    await denied('GET', '/v1/series', write, 'read');
    const created = await stack.request('POST', '/v1/series', { key: write, json: { name: 'wo' } });
    expect(created.status).toBe(201);
    // Key management is admin only, even for read+write keys: no minting, listing or revoking.
    await denied('POST', '/v1/api-keys', rw, 'admin', { name: 'escalate', scopes: ['admin'] });
    await denied('GET', '/v1/api-keys', rw, 'admin');
    const victim = (await mint(['read'])).body.id;
    await denied('DELETE', `/v1/api-keys/${victim}`, rw, 'admin');
    const adminMinted = await mint(['admin']);
    expect(adminMinted.body.scopes).toEqual(['admin']);
    await denied('GET', '/v1/series', adminMinted.body.key, 'read');
    expect((await stack.request('DELETE', `/v1/api-keys/${victim}`, { key: adminMinted.body.key })).status).toBe(204);
  });

  it('an idempotent replay of key creation answers the metadata without the secret; the stored row holds no secret', async () => {
    const h = { 'idempotency-key': 'mint-ci-key' };
    const first = await mint(['read'], h);
    expect(first.status).toBe(201);
    const secret: string = first.body.key;
    expect(secret).toMatch(/^tsfm_/);
    const replay = await mint(['read'], h);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ ...first.body, key: null, secretShownOnce: true });
    expect(replay.text).not.toContain(secret.slice('tsfm_0123456789_'.length));
    const rows = await stack.sql<{ body: string }>(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1`, ['mint-ci-key']);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).not.toContain(secret.slice('tsfm_0123456789_'.length));
    expect(JSON.parse(rows[0].body)).toMatchObject({ id: first.body.id, key: null, secretShownOnce: true });
    // One key was made, and it works.
    const keys = await stack.request('GET', '/v1/api-keys', { key: admin });
    expect(keys.body.filter((k: { id: string }) => k.id === first.body.id)).toHaveLength(1);
    expect((await stack.request('GET', '/v1/series', { key: secret })).status).toBe(200);
  });

  it('revoking a key ends its open fine-tune event stream within 5 s', async () => {
    const own = await mint(['read', 'write']);
    const s = await stack.request('POST', '/v1/series', { key: own.body.key, json: { name: 'stream' } });
    // No worker in this stack: the fine-tune stays QUEUED and its stream would poll for an hour.
    const f = await stack.request('POST', '/v1/finetunes', {
      key: own.body.key,
      json: { name: 'held', baseModel: 'xlstm-dev', seriesIds: [s.body.id], horizon: 4 },
    });
    expect(f.status).toBe(202);
    const res = await fetch(`${stack.baseUrl}/v1/finetunes/${f.body.id}/events`, { headers: { authorization: `Bearer ${own.body.key}` } });
    expect(res.status).toBe(200);
    const text = res.text();
    await new Promise((r) => setTimeout(r, 700));
    const revokedAt = Date.now();
    expect((await stack.request('DELETE', `/v1/api-keys/${own.body.id}`, { key: admin })).status).toBe(204);
    const body = await text;
    const took = Date.now() - revokedAt;
    expect(took).toBeLessThan(5000);
    expect(body).toContain('event: progress');
    expect(body).toMatch(/event: error\ndata: \{"code":"UNAUTHENTICATED"/);
  }, 20_000);

  it('/metrics needs an admin key; /health/ready shows error text and models to admin keys only', async () => {
    expect((await stack.request('GET', '/metrics')).status).toBe(401);
    const rw = (await mint(['read', 'write'])).body.key;
    const forbidden = await stack.request('GET', '/metrics', { key: rw });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const m = await stack.request('GET', '/metrics', { key: admin });
    expect(m.status).toBe(200);
    expect(m.text).toContain('tsfm_http_request_duration_seconds');
    for (const key of [undefined, rw]) {
      const r = await stack.request('GET', '/health/ready', { key });
      expect(r.body).toEqual({ status: 'ok', checks: { database: { ok: true }, queue: { ok: true } } });
    }
    const full = await stack.request('GET', '/health/ready', { key: admin });
    expect(full.body).toMatchObject({ status: 'ok', checks: { database: { ok: true }, queue: { ok: true } } });
    expect(Array.isArray(full.body.models)).toBe(true);
    // A bad key on a public route is refused, not ignored.
    expect((await stack.request('GET', '/health/ready', { key: 'tsfm_0000000000_' + 'x'.repeat(43) })).status).toBe(401);
  });
});
