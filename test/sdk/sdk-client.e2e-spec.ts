import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsfmApiError, TsfmClient, splitObservations } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { Stack, startStack } from '../support/stack';

// The SDK against the real api + worker, with a deliberately small body limit so uploads must split.
const LIMIT = 8 * 1024;

describe('@tsfm/sdk against the real stack', () => {
  let stack: Stack;
  let client: TsfmClient;
  const calls: string[] = [];
  const m4 = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 600 })[0];
  const obs = { timestamps: m4.timestamps, values: [m4.values] };

  beforeAll(async () => {
    stack = await startStack({ env: { TSFM_MAX_BODY_BYTES: String(LIMIT) } });
    const { key } = await stack.tenant();
    // The real fetch, wrapped only to count requests per path.
    const counted = (u: string, i?: RequestInit) => (calls.push(`${i?.method ?? 'GET'} ${new URL(u).pathname}`), fetch(u, i));
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: key, fetch: counted, retryDelayMs: 50 });
  });
  afterAll(() => stack?.close());

  it('health, models and api keys', async () => {
    expect(await client.health.live()).toEqual({ status: 'ok' });
    expect((await client.health.ready()).checks?.database.ok).toBe(true);
    const models = await client.models.list();
    expect(models.filter((m) => m.isDefault)).toHaveLength(1);
    expect(models.every((m) => m.maxHorizon > 0 && m.quantiles.length > 0)).toBe(true);
    const issued = await client.apiKeys.create({ name: 'sdk-test', scopes: ['admin', 'read'] });
    expect(issued.key).toMatch(/^tsfm_/);
    expect([issued.scopes, issued.secretShownOnce]).toEqual([['admin', 'read'], false]);
    const other = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: issued.key! });
    expect((await other.apiKeys.list()).map((k) => k.id)).toContain(issued.id);
    // Neither admin nor read lets a key write.
    expect(await other.series.create({ name: 'nope' }).catch((e: unknown) => e)).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
    await client.apiKeys.revoke(issued.id);
    const err = await other.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsfmApiError);
    expect((err as TsfmApiError).status).toBe(401);
  });

  it('a whole upload over the body limit is a typed 413; uploadObservations splits it and every point lands', async () => {
    const s = await client.series.create({ name: 'm4-json', frequency: '1h', tags: ['sdk'] });
    const whole = await client.series.ingestJson(s.id, obs).catch((e: unknown) => e);
    expect(whole).toBeInstanceOf(TsfmApiError);
    expect(whole).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: LIMIT } });
    expect((whole as TsfmApiError).requestId).toMatch(/.{8,}/);

    const chunks = splitObservations(obs, { maxBytes: LIMIT });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(new TextEncoder().encode(JSON.stringify(c)).length).toBeLessThanOrEqual(LIMIT);
    const up = await client.uploadObservations(s.id, obs, { maxBytes: LIMIT });
    expect(up).toMatchObject({ seriesId: s.id, written: 600, requests: chunks.length });
    const back = await client.series.readObservations(s.id);
    expect(back.timestamps.map(Date.parse)).toEqual(m4.timestamps.map(Date.parse));
    expect(back.values[0]).toEqual(m4.values);
    const last = await client.waitForJob(up.statsJobs[up.statsJobs.length - 1].id, { pollMs: 50, timeoutMs: 20_000 });
    expect(last.state).toBe('SUCCEEDED');
    expect((await client.series.get(s.id)).stats).toMatchObject({ count: 600, inferredFrequency: '1h' });
  });

  it('two channels with missing values split by maxPoints read back with their nulls', async () => {
    const s = await client.series.create({ name: 'two-channels', channels: ['a', 'b'] });
    const n = 230;
    const a = m4.values.slice(0, n).map((v, i) => (i % 7 === 0 ? null : v));
    const b = m4.values.slice(0, n).map((v, i) => (i % 11 === 0 ? null : -(v as number)));
    const up = await client.uploadObservations(s.id, { timestamps: m4.timestamps.slice(0, n), values: [a, b] }, { maxPoints: 100 });
    expect(up).toMatchObject({ written: n, requests: Math.ceil(n / 50) });
    const back = await client.series.readObservations(s.id);
    expect(back.channels).toEqual(['a', 'b']);
    expect(back.values).toEqual([a, b]);
    // One read is one page; readAllObservations follows the cursors (230 rows in pages of 100).
    const page = await client.series.readObservations(s.id, { limit: 100 });
    expect(page.timestamps).toHaveLength(100);
    expect(page.nextCursor).toEqual(expect.any(String));
    const all = await client.series.readAllObservations(s.id, { limit: 100 });
    expect(all.timestamps.map(Date.parse)).toEqual(m4.timestamps.slice(0, n).map(Date.parse));
    expect(all.values).toEqual([a, b]);
    expect(all.nextCursor).toBeNull();
  });

  it('CSV and NDJSON uploads (split) read back identically, also as CSV', async () => {
    const rows = m4.timestamps.slice(0, 300).map((t, i) => ({ timestamp: t, value: m4.values[i] }));
    const a = await client.series.create({ name: 'm4-csv' });
    const csv = 'timestamp,value\n' + rows.map((r) => `${r.timestamp},${r.value ?? ''}`).join('\n') + '\n';
    expect((await client.series.uploadCsv(a.id, csv, { maxBytes: 4096 })).requests).toBeGreaterThan(1);
    const b = await client.series.create({ name: 'm4-ndjson' });
    const nd = await client.series.uploadNdjson(b.id, rows, { maxBytes: 4096 });
    expect(nd).toMatchObject({ written: 300 });
    expect(nd.requests).toBeGreaterThan(1);
    const [ra, rb] = await Promise.all([client.series.readObservations(a.id), client.series.readObservations(b.id)]);
    expect(ra.values[0]).toEqual(m4.values.slice(0, 300));
    expect(rb.values).toEqual(ra.values);
    const text = await client.series.readObservationsCsv(a.id, { from: m4.timestamps[0], to: m4.timestamps[2] });
    expect(text.trim().split('\n')).toHaveLength(4);
    expect(text.split('\n')[0]).toBe('timestamp,value');
  });

  it('iterates a tag across several pages', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `paged-${i}`);
    for (const name of names) await client.series.create({ name, tags: ['paged'] });
    await client.series.create({ name: 'not-paged', tags: ['other'] });
    const first = await client.series.list({ tag: 'paged', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toBeTruthy();
    calls.length = 0;
    const seen: string[] = [];
    for await (const s of client.series.iterate({ tag: 'paged', limit: 3 })) seen.push(s.name);
    expect(seen.sort()).toEqual(names);
    expect(calls.filter((c) => c === 'GET /v1/series').length).toBe(3);
  });

  async function forecastable(name: string) {
    const s = await client.series.create({ name, frequency: '1h' });
    await client.uploadObservations(s.id, obs, { maxBytes: LIMIT });
    return s;
  }

  it('forecast() with wait, then csv, plot, latest and the forecast iterator', async () => {
    const s = await forecastable('fc-wait');
    const f = await client.forecast({ seriesIds: [s.id], horizon: 24, wait: 30 });
    expect(f.status, JSON.stringify(f.error ?? f.series[0]?.error)).toBe('SUCCEEDED');
    expect(f.series[0].timestamps).toHaveLength(24);
    expect(Date.parse(f.series[0].timestamps[0])).toBe(Date.parse(m4.timestamps[599]) + 3_600_000);
    expect(f.series[0].median!.every(Number.isFinite)).toBe(true);
    const csv = await client.forecasts.csv(f.id);
    expect(csv.trim().split('\n').length).toBe(25);
    expect(await client.forecasts.plotSvg(f.id)).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect((await client.forecasts.latestForSeries(s.id)).id).toBe(f.id);
    const ids: string[] = [];
    for await (const x of client.forecasts.iterate({ seriesId: s.id, limit: 1 })) ids.push(x.id);
    expect(ids).toContain(f.id);
  });

  it('forecast without waiting on the server (wait: 0) is completed by polling, same as waitForJob', async () => {
    const s = await forecastable('fc-poll');
    const queued = await client.forecasts.create({ seriesIds: [s.id], horizon: 12, wait: 0 });
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(queued.status);
    const job = await client.waitForJob(queued.jobId, { pollMs: 100, timeoutMs: 60_000 });
    expect(job.state).toBe('SUCCEEDED');
    expect((await client.forecasts.get(queued.id)).series[0].timestamps).toHaveLength(12);
    const polled = await client.forecast({ seriesIds: [s.id], horizon: 12, wait: 0 }, { pollMs: 100 });
    expect(polled.status).toBe('SUCCEEDED');
    expect(polled.series[0].median).toHaveLength(12);
  });

  it('errors are typed: 404 code and requestId, 400 validation details, no retries on 4xx', async () => {
    calls.length = 0;
    const err = await client.series.get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsfmApiError);
    const e = err as TsfmApiError;
    expect([e.status, e.code]).toEqual([404, 'SERIES_NOT_FOUND']);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls).toHaveLength(1);
    await client.series.create({ name: 'taken' });
    const dup = await client.series.create({ name: 'taken' }).catch((x: unknown) => x);
    expect(dup).toMatchObject({ status: 409 });
    const bad = await client.forecasts.create({ seriesIds: [], horizon: 0 }).catch((x: unknown) => x);
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as TsfmApiError).message.length).toBeGreaterThan(0);
  });
});
