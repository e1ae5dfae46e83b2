import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsfmClient, TsfmNetworkError, TsfmTimeoutError } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { Stack, startStack } from '../support/stack';

// No worker: forecast jobs stay QUEUED, so waiting, aborting and cancelling are deterministic.
describe('@tsfm/sdk jobs and idempotent retries against the real api (no worker)', () => {
  let stack: Stack;
  let key: string;
  let client: TsfmClient;
  let seriesId: string;
  let proxy: http.Server;
  let proxyUrl: string;
  let dropNext = 0;
  const forwarded: { key: string; status: number; replayed: string | null }[] = [];

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: key });
    const m4 = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 300 })[0];
    seriesId = (await client.series.create({ name: 'queued', frequency: '1h' })).id;
    await client.uploadObservations(seriesId, { timestamps: m4.timestamps, values: [m4.values] });
    // A real reverse proxy in front of the api that, while dropNext > 0, lets the api complete the
    // request and then cuts the client's connection: the client cannot know the effect happened.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<
          string,
          string
        >;
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const r = await fetch(stack.baseUrl + req.url, { method: req.method, headers, body });
        const text = await r.text();
        if (req.method === 'POST') forwarded.push({ key: headers['idempotency-key'], status: r.status, replayed: r.headers.get('idempotent-replayed') });
        if (dropNext > 0) {
          dropNext--;
          return req.socket.destroy();
        }
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    await stack?.close();
  });

  it('a POST whose answer is lost is retried with the same Idempotency-Key and has one effect', async () => {
    const viaProxy = new TsfmClient({ baseUrl: proxyUrl, apiKey: key, retryDelayMs: 20 });
    dropNext = 1;
    const f = await viaProxy.forecasts.create({ seriesIds: [seriesId], horizon: 6, wait: 0 });
    expect(forwarded).toHaveLength(2);
    expect(forwarded[0].key).toBe(forwarded[1].key);
    expect(forwarded[0].replayed).toBeNull();
    expect(forwarded[1].replayed).toBe('true');
    const all = (await client.forecasts.list({ seriesId })).items;
    expect(all.map((x) => x.id)).toEqual([f.id]);

    // Control: the same lost answer with retries off surfaces as a network error, yet the effect happened.
    dropNext = 1;
    await expect(
      new TsfmClient({ baseUrl: proxyUrl, apiKey: key, retries: 0 }).forecasts.create({ seriesIds: [seriesId], horizon: 6, wait: 0 }),
    ).rejects.toBeInstanceOf(TsfmNetworkError);
    expect((await client.forecasts.list({ seriesId })).items).toHaveLength(2);
  });

  it('waitForJob stops at once when its AbortSignal aborts', async () => {
    const f = await client.forecast({ seriesIds: [seriesId], horizon: 6, wait: 0 }, { waitForResult: false });
    expect(f.status).toBe('QUEUED');
    const ctl = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ctl.abort(new Error('user gave up')), 300);
    await expect(client.waitForJob(f.jobId, { pollMs: 5_000, signal: ctl.signal })).rejects.toThrow('user gave up');
    expect(Date.now() - t0).toBeLessThan(1_500);
    const pre = new AbortController();
    pre.abort();
    await expect(client.waitForJob(f.jobId, { signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('waitForJob times out with TsfmTimeoutError; forecast() waiting on a queued job does too', async () => {
    const f = await client.forecasts.create({ seriesIds: [seriesId], horizon: 6, wait: 0 });
    const t0 = Date.now();
    await expect(client.waitForJob(f.jobId, { pollMs: 50, timeoutMs: 400 })).rejects.toBeInstanceOf(TsfmTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    await expect(client.forecast({ seriesIds: [seriesId], horizon: 6, wait: 0 }, { pollMs: 50, timeoutMs: 300 })).rejects.toBeInstanceOf(TsfmTimeoutError);
  });

  it('jobs.cancel cancels a queued job and waitForJob then returns it as CANCELLED', async () => {
    const f = await client.forecasts.create({ seriesIds: [seriesId], horizon: 6, wait: 0 });
    const c = await client.jobs.cancel(f.jobId);
    expect(c.id).toBe(f.jobId);
    const job = await client.waitForJob(f.jobId, { pollMs: 50, timeoutMs: 10_000 });
    expect(job.state).toBe('CANCELLED');
  });
});
