import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TsfmApiError, TsfmClient, TsfmNetworkError, backoffDelay, parseRetryAfter } from '../../libs/sdk/src/index';

// A real local HTTP server scripted per test: each entry answers one request (status, headers, body),
// or 'drop' closes the connection without an answer. Requests past the script get 200 {ok: true}.
type Step = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

describe('@tsfm/sdk retries against a real HTTP server', () => {
  let server: http.Server;
  let baseUrl: string;
  let script: Step[] = [];
  let seen: { method: string; at: number; key: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, at: Date.now(), key: req.headers['idempotency-key'] as string | undefined, body });
        const step = script.shift() ?? { status: 200, body: { ok: true, n: seen.length } };
        if (step === 'drop') return req.socket.destroy();
        res.writeHead(step.status, { 'content-type': 'application/json', 'x-request-id': `req-${seen.length}`, ...step.headers });
        res.end(JSON.stringify(step.body ?? { error: { code: `E${step.status}`, message: 'scripted', requestId: `req-${seen.length}` } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    script = [];
    seen = [];
  });

  const gaps = () => seen.slice(1).map((s, i) => s.at - seen[i].at);

  it('503 with Retry-After: 1 twice, then success: waits about a second each time and reuses one Idempotency-Key', async () => {
    script = [
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': '1' } },
    ];
    const client = new TsfmClient({ baseUrl, apiKey: 'k', retries: 3, retryDelayMs: 10 });
    const t0 = Date.now();
    const s = await client.series.create({ name: 'x' });
    expect(s).toEqual({ ok: true, n: 3 });
    expect(seen).toHaveLength(3);
    for (const g of gaps()) expect(g).toBeGreaterThanOrEqual(990);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(seen[0].key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(seen.map((r) => r.key)).size).toBe(1);
    expect(new Set(seen.map((r) => r.body)).size).toBe(1);
    await client.series.create({ name: 'x' });
    expect(seen[3].key).not.toBe(seen[0].key); // a new call gets a new key
  });

  it('429 with an HTTP-date Retry-After is honoured; GETs carry no Idempotency-Key', async () => {
    script = [{ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }];
    const client = new TsfmClient({ baseUrl, apiKey: 'k', retryDelayMs: 10 });
    await client.models.list();
    expect(seen).toHaveLength(2);
    expect(gaps()[0]).toBeGreaterThanOrEqual(900); // the date has 1 s resolution
    expect(seen[0].key).toBeUndefined();
  });

  it('without Retry-After the backoff grows exponentially with jitter, then gives up with the last typed error', async () => {
    script = [500, 502, 503, 504].map((status) => ({ status }));
    const client = new TsfmClient({ baseUrl, apiKey: 'k', retries: 3, retryDelayMs: 200 });
    const err = await client.jobs.get('j').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsfmApiError);
    expect(err).toMatchObject({ status: 504, code: 'E504', requestId: 'req-4' });
    const g = gaps();
    // delays are in [base*2^n/2, base*2^n]: 100-200, 200-400, 400-800 ms (+ scheduling slack)
    [
      [100, 200],
      [200, 400],
      [400, 800],
    ].forEach(([lo, hi], i) => {
      expect(g[i]).toBeGreaterThanOrEqual(lo - 5);
      expect(g[i]).toBeLessThan(hi + 150);
    });
  });

  it('408 and dropped connections are retried; 400/404/409 are not', async () => {
    script = ['drop', { status: 408 }];
    const client = new TsfmClient({ baseUrl, apiKey: 'k', retryDelayMs: 10 });
    await client.forecasts.create({ horizon: 1 });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.key)).size).toBe(1);
    for (const status of [400, 404, 409]) {
      seen = [];
      script = [{ status }];
      await expect(client.series.get('x')).rejects.toMatchObject({ status });
      expect(seen).toHaveLength(1);
    }
  });

  it('network errors past the retries become TsfmNetworkError; retries: 0 sends once', async () => {
    script = ['drop', 'drop'];
    const client = new TsfmClient({ baseUrl, retries: 1, retryDelayMs: 10 });
    await expect(client.health.live()).rejects.toBeInstanceOf(TsfmNetworkError);
    expect(seen).toHaveLength(2);
    seen = [];
    script = [{ status: 503 }];
    await expect(new TsfmClient({ baseUrl, retries: 0 }).health.live()).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it('a per-attempt timeout aborts a hung request and retries it', async () => {
    let hung = 0;
    const slow = http.createServer((req, res) => {
      if (hung++ === 0) return; // never answer the first request
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const client = new TsfmClient({ baseUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, timeoutMs: 300, retryDelayMs: 10 });
      const t0 = Date.now();
      expect(await client.health.live()).toEqual({ status: 'ok' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(hung).toBe(2);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('parseRetryAfter and backoffDelay', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    const p = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 10_000 };
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
