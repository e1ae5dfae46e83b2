import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

describe('platform: health, metrics, OpenAPI, request ids, jobs, config', () => {
  let stack: Stack;
  let a: { key: string };
  let b: { key: string };

  beforeAll(async () => {
    stack = await startStack();
    a = await stack.tenant();
    b = await stack.tenant();
  });
  afterAll(() => stack.close());

  it('health: live and ready (database and queue); the detailed report with an admin key', async () => {
    expect((await stack.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await stack.request('GET', '/health/ready', { key: a.key });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: { ok: true }, queue: { ok: true } });
    // The workers report the execution provider of every model (CPU here, nothing fell back).
    expect(ready.body.models.map((m: { id: string }) => m.id).sort()).toEqual(['ssm-dev', 'ssm-small', 'xlstm-dev', 'xlstm-small']);
    expect(ready.body.models[0].provider).toMatchObject({ requested: ['cpu'], active: 'cpu', fallbacks: [] });
  });

  it('every response carries X-Request-Id; a sane client id is echoed', async () => {
    const r = await stack.request('GET', '/health/live', { headers: { 'x-request-id': 'client-trace-123' } });
    expect(r.headers.get('x-request-id')).toBe('client-trace-123');
    const bad = await stack.request('GET', '/health/live', { headers: { 'x-request-id': 'x' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown routes answer a JSON 404', async () => {
    const r = await stack.request('GET', '/v1/nope', { key: a.key });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    expect(r.body.error.requestId).toBe(r.headers.get('x-request-id'));
  });

  it('secure headers are set and the framework is not advertised', async () => {
    const r = await stack.request('GET', '/health/live');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('CORS is off by default: no Access-Control-Allow-Origin, and a cross-origin preflight gets no grant', async () => {
    const r = await stack.request('GET', '/health/live', { headers: { origin: 'https://app.example.com' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const pre = await stack.request('OPTIONS', '/v1/series', { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('TSFM_CORS_ORIGINS: listed origins get preflights (before auth) and readable X-Request-Id / Retry-After; others get no grant', async () => {
    const cors = await startStack({
      worker: false,
      env: { TSFM_CORS_ORIGINS: 'https://app.example.com,http://localhost:5173', TSFM_RATE_LIMIT_PER_MINUTE: '2' },
    });
    try {
      const origin = 'https://app.example.com';
      const pre = await cors.request('OPTIONS', '/v1/series', {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-methods')!.split(',')).toEqual(expect.arrayContaining(['POST', 'DELETE', 'PATCH']));
      expect(pre.headers.get('access-control-allow-headers')!.toLowerCase().split(',')).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
      );
      expect(pre.headers.get('access-control-max-age')).toBe('600');
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
      expect(pre.headers.get('vary')!.toLowerCase()).toContain('origin');

      const { key } = await cors.tenant();
      const ok = await cors.request('GET', '/v1/series', { key, headers: { origin } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(ok.headers.get('access-control-expose-headers')!.toLowerCase().split(',')).toEqual(
        expect.arrayContaining(['x-request-id', 'retry-after', 'location']),
      );
      // Errors carry the grant too, so a browser client can read the JSON error and its Retry-After.
      await cors.request('GET', '/v1/series', { key, headers: { origin } });
      const limited = await cors.request('GET', '/v1/series', { key, headers: { origin } });
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(limited.headers.get('access-control-allow-origin')).toBe(origin);
      const unauth = await cors.request('GET', '/v1/series', { headers: { origin: 'http://localhost:5173' } });
      expect([unauth.status, unauth.headers.get('access-control-allow-origin')]).toEqual([401, 'http://localhost:5173']);

      const stranger = await cors.request('OPTIONS', '/v1/series', {
        headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
      });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      expect(
        (await cors.request('GET', '/health/live', { headers: { origin: 'https://evil.example.net' } })).headers.get('access-control-allow-origin'),
      ).toBeNull();
    } finally {
      await cors.close();
    }
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await stack.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/series', '/v1/series/{id}', '/v1/series/{id}/observations', '/v1/jobs/{id}', '/v1/jobs/{id}/cancel']),
    );
    expect(doc.body.components.schemas.CreateSeriesDto.required).toEqual(['name']);
    const ui = await stack.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('jobs: a stats job is visible to its tenant only, then cancel of a finished job changes nothing', async () => {
    const s = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'jobs' } });
    const up = await stack.request('POST', `/v1/series/${s.body.id}/observations`, { key: a.key, json: { timestamps: [0 + 946684800000], values: [[1]] } });
    const job = await waitForJob(stack, a.key, up.body.statsJob.id);
    expect(job).toMatchObject({ type: 'series-stats', state: 'SUCCEEDED', attempt: 1, errorCode: null, result: { seriesId: s.body.id, count: 1 } });
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
    const other = await stack.request('GET', `/v1/jobs/${job.id}`, { key: b.key });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('JOB_NOT_FOUND');
    expect((await stack.request('POST', `/v1/jobs/${job.id}/cancel`, { key: b.key })).status).toBe(404);
    const cancel = await stack.request('POST', `/v1/jobs/${job.id}/cancel`, { key: a.key });
    expect(cancel.status).toBe(202);
    expect(cancel.body.state).toBe('SUCCEEDED');
  });

  it('api keys: issue, list without secrets, revoke (rotation); other tenants get 404', async () => {
    const issued = await stack.request('POST', '/v1/api-keys', { key: a.key, json: { name: 'rotated' } });
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatch(new RegExp(`^tsfm_${issued.body.prefix}_`));
    expect((await stack.request('GET', '/v1/series', { key: issued.body.key })).status).toBe(200);
    const list = await stack.request('GET', '/v1/api-keys', { key: a.key });
    expect(list.body.map((k: { id: string }) => k.id)).toContain(issued.body.id);
    expect(list.text).not.toContain(issued.body.key);
    expect((await stack.request('DELETE', `/v1/api-keys/${issued.body.id}`, { key: b.key })).status).toBe(404);
    expect((await stack.request('GET', '/v1/series', { key: issued.body.key })).status).toBe(200);
    expect((await stack.request('DELETE', `/v1/api-keys/${issued.body.id}`, { key: a.key })).status).toBe(204);
    const after = await stack.request('GET', '/v1/series', { key: issued.body.key });
    expect(after.status).toBe(401);
    const row = await stack.sql<{ last_used_at: Date | null }>(`SELECT last_used_at FROM api_keys WHERE id = $1`, [issued.body.id]);
    expect(row[0].last_used_at).not.toBeNull();
  });

  it('Idempotency-Key: same request replays with no second effect; a different body is 409', async () => {
    const h = { 'idempotency-key': 'create-series-42' };
    const first = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'idem' }, headers: h });
    expect(first.status).toBe(201);
    const again = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'idem' }, headers: h });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const rows = await stack.sql(`SELECT count(*)::int AS n FROM series WHERE name = 'idem'`);
    expect(rows).toEqual([{ n: 1 }]);
    const other = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'idem-2' }, headers: h });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Keys are per tenant: another tenant may use the same key.
    expect((await stack.request('POST', '/v1/series', { key: b.key, json: { name: 'idem' }, headers: h })).status).toBe(201);
    // A 4xx outcome is replayed too, with the same code.
    const bad1 = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 7 }, headers: { 'idempotency-key': 'bad-1' } });
    const bad2 = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 7 }, headers: { 'idempotency-key': 'bad-1' } });
    expect([bad1.status, bad2.status]).toEqual([400, 400]);
    expect(bad2.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('rate limits per tenant: X-RateLimit headers, then 429 with Retry-After; other tenants unaffected', async () => {
    for (const backend of ['redis', 'postgres'] as const) {
      const limited = await startStack({ worker: false, env: { TSFM_RATE_LIMIT_PER_MINUTE: '5', TSFM_QUEUE_BACKEND: backend } });
      try {
        const t1 = (await limited.tenant()).key;
        const t2 = (await limited.tenant()).key;
        const codes: number[] = [];
        let last;
        for (let i = 0; i < 7; i++) {
          last = await limited.request('GET', '/v1/series', { key: t1 });
          codes.push(last.status);
        }
        expect(codes, backend).toEqual([200, 200, 200, 200, 200, 429, 429]);
        expect(last!.body.error.code).toBe('RATE_LIMITED');
        expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(last!.headers.get('x-ratelimit-limit')).toBe('5');
        expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
        const other = await limited.request('GET', '/v1/series', { key: t2 });
        expect(other.status).toBe(200);
        expect(other.headers.get('x-ratelimit-remaining')).toBe('4');
      } finally {
        await limited.close();
      }
    }
  });

  it('metrics expose HTTP durations, queue depth and job outcomes', async () => {
    const m = await stack.request('GET', '/metrics', { key: a.key });
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/tsfm_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(m.text).toMatch(/tsfm_queue_jobs\{queue="maintenance",state="completed"\} [1-9]/);
    expect(m.text).toMatch(/tsfm_jobs\{type="series-stats",state="SUCCEEDED"\} [1-9]/);
  });

  it('npm run tenant:create prints a working key once and refuses a duplicate name', async () => {
    const run = (name: string) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/apps/api/src/cli/tenant-create.js'), '--name', name], {
        env: { PATH: process.env.PATH, DATABASE_URL: stack.config.databaseUrl },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const r = run('cli-made');
    expect(r.status).toBe(0);
    const key = /(tsfm_[a-z0-9]{10}_[A-Za-z0-9_-]{43})/.exec(r.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await stack.request('GET', '/v1/series', { key })).status).toBe(200);
    const again = run('cli-made');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('a bad config value stops the process with a message naming the variable', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/apps/api/src/main.js')], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://x@127.0.0.1:1/x', PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('PORT must be an integer');
  });
});
