import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

describe('series API', () => {
  let stack: Stack;
  let a: { key: string; tenantId: string };
  let b: { key: string; tenantId: string };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    a = await stack.tenant('acme');
    b = await stack.tenant('globex');
  });
  afterAll(() => stack.close());

  describe('auth', () => {
    it('401 without a key, with a malformed header, and with an unknown key', async () => {
      const none = await stack.request('GET', '/v1/series');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHENTICATED');
      expect(none.body.error.requestId).toBe(none.headers.get('x-request-id'));
      expect((await stack.request('GET', '/v1/series', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
      const forged = a.key.slice(0, -4) + (a.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect((await stack.request('GET', '/v1/series', { key: forged })).status).toBe(401);
    });

    it('stores only a salted hash and the prefix of a key', async () => {
      const rows = await stack.sql<{ prefix: string; hash: Buffer; salt: Buffer }>(`SELECT prefix, hash, salt FROM api_keys WHERE tenant_id = $1`, [
        a.tenantId,
      ]);
      expect(rows).toHaveLength(1);
      expect(a.key).toContain(`tsfm_${rows[0].prefix}_`);
      expect(rows[0].hash).toHaveLength(32);
      expect(rows[0].salt).toHaveLength(16);
      expect(JSON.stringify(rows)).not.toContain(a.key.split('_')[2]);
    });

    it('a revoked key stops working', async () => {
      const t = await stack.tenant();
      expect((await stack.request('GET', '/v1/series', { key: t.key })).status).toBe(200);
      await stack.sql(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [t.keyId]);
      expect((await stack.request('GET', '/v1/series', { key: t.key })).status).toBe(401);
    });
  });

  describe('create / get / delete', () => {
    it('creates with defaults and reads it back', async () => {
      const r = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'plain' } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ name: 'plain', channels: ['value'], frequency: null, timezone: 'UTC', tags: [], metadata: {}, stats: null });
      const g = await stack.request('GET', `/v1/series/${r.body.id}`, { key: a.key });
      expect(g.status).toBe(200);
      expect(g.body).toEqual(r.body);
    });

    it('409 on a duplicate name within a tenant, but another tenant may reuse it', async () => {
      await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'dup' } });
      const again = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'dup' } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('SERIES_NAME_TAKEN');
      expect((await stack.request('POST', '/v1/series', { key: b.key, json: { name: 'dup' } })).status).toBe(201);
    });

    it.each([
      [{ name: 'x', colour: 'red' }, 'colour'],
      [{ name: 42 }, 'name'],
      [{}, 'name'],
      [{ name: 'x', channels: [] }, 'channels'],
      [{ name: 'x', channels: ['a', 'a'] }, 'channels'],
      [{ name: 'x', channels: ['has space'] }, 'channels'],
      [{ name: 'x', frequency: 'fortnightly-ish' }, 'frequency'],
      [{ name: 'x', timezone: 'Mars/Olympus' }, 'timezone'],
      [{ name: 'x', tags: 'retail' }, 'tags'],
      [{ name: 'x', metadata: { a: 1 } }, 'metadata'],
    ])('400 VALIDATION_FAILED for %j, naming %s', async (json, field) => {
      const before = await stack.sql(`SELECT count(*)::int AS n FROM series`);
      const r = await stack.request('POST', '/v1/series', { key: a.key, json });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.message).toContain(field);
      expect(await stack.sql(`SELECT count(*)::int AS n FROM series`)).toEqual(before);
    });

    it('malformed JSON is a 400 JSON error, not HTML', async () => {
      const r = await stack.request('POST', '/v1/series', { key: a.key, body: '{"name": ', contentType: 'application/json' });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(r.body.error.code).toBe('MALFORMED_JSON');
    });

    it('delete answers 204, then 404', async () => {
      const r = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'doomed' } });
      expect((await stack.request('DELETE', `/v1/series/${r.body.id}`, { key: a.key })).status).toBe(204);
      const gone = await stack.request('GET', `/v1/series/${r.body.id}`, { key: a.key });
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('SERIES_NOT_FOUND');
    });

    it('a non-UUID id is simply not found', async () => {
      const r = await stack.request('GET', `/v1/series/not-a-uuid`, { key: a.key });
      expect(r.status).toBe(404);
    });
  });

  describe('list', () => {
    it('paginates with a cursor, in creation order, without gaps or repeats', async () => {
      const t = await stack.tenant();
      const names = Array.from({ length: 7 }, (_, i) => `p${i}`);
      for (const name of names) await stack.request('POST', '/v1/series', { key: t.key, json: { name, tags: name === 'p3' || name === 'p5' ? ['odd'] : [] } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
        const r = await stack.request('GET', `/v1/series${q}`, { key: t.key });
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((s: { name: string }) => s.name));
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(names);
      expect(pages).toBe(3);
      const tagged = await stack.request('GET', '/v1/series?tag=odd', { key: t.key });
      expect(tagged.body.items.map((s: { name: string }) => s.name)).toEqual(['p3', 'p5']);
      const named = await stack.request('GET', '/v1/series?name=p4', { key: t.key });
      expect(named.body.items.map((s: { name: string }) => s.name)).toEqual(['p4']);
    });

    it('400 for a bad limit or a forged cursor', async () => {
      expect((await stack.request('GET', '/v1/series?limit=0', { key: a.key })).body.error.code).toBe('VALIDATION_FAILED');
      expect((await stack.request('GET', '/v1/series?limit=abc', { key: a.key })).status).toBe(400);
      const forged = await stack.request('GET', '/v1/series?cursor=bm9wZQ', { key: a.key });
      expect(forged.status).toBe(400);
      expect(forged.body.error.code).toBe('INVALID_CURSOR');
      expect((await stack.request('GET', '/v1/series?unknown=1', { key: a.key })).status).toBe(400);
    });
  });

  it('a queued job can be cancelled; the worker would then skip it', async () => {
    const s = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'to-cancel' } });
    const up = await stack.request('POST', `/v1/series/${s.body.id}/observations`, { key: a.key, json: { timestamps: ['2024-01-01'], values: [[1]] } });
    expect((await stack.request('POST', `/v1/jobs/${up.body.statsJob.id}/cancel`, { key: b.key })).status).toBe(404);
    const c = await stack.request('POST', `/v1/jobs/${up.body.statsJob.id}/cancel`, { key: a.key });
    expect(c.status).toBe(202);
    expect(c.body).toMatchObject({ state: 'CANCELLED', cancelRequested: true, errorCode: 'CANCELLED' });
    expect((await stack.request('GET', `/v1/jobs/${up.body.statsJob.id}`, { key: a.key })).body.state).toBe('CANCELLED');
  });

  describe('tenant isolation', () => {
    it("another tenant's series answers 404 on every endpoint and is left unchanged", async () => {
      const own = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'private', channels: ['x'] } });
      const id = own.body.id;
      await stack.request('POST', `/v1/series/${id}/observations`, { key: a.key, json: { timestamps: ['2024-01-01T00:00:00Z'], values: [[1]] } });
      const calls: [string, string, unknown?][] = [
        ['GET', `/v1/series/${id}`],
        ['DELETE', `/v1/series/${id}`],
        ['GET', `/v1/series/${id}/observations`],
        ['POST', `/v1/series/${id}/observations`, { timestamps: ['2024-01-02T00:00:00Z'], values: [[2]] }],
      ];
      for (const [method, path, json] of calls) {
        const r = await stack.request(method, path, { key: b.key, json });
        expect(r.status, `${method} ${path}`).toBe(404);
        expect(r.body.error.code).toBe('SERIES_NOT_FOUND');
      }
      const list = await stack.request('GET', '/v1/series?name=private', { key: b.key });
      expect(list.body.items).toEqual([]);
      const rows = await stack.sql(`SELECT count(*)::int AS n FROM observations WHERE series_id = $1`, [id]);
      expect(rows).toEqual([{ n: 1 }]);
      expect((await stack.request('GET', `/v1/series/${id}`, { key: a.key })).status).toBe(200);
    });
  });
});
