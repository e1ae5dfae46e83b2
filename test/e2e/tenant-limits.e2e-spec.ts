import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

/**
 * Bounds every request by series x channels, per-tenant quotas (429 TENANT_QUOTA_EXCEEDED with
 * Retry-After), and baseline horizons. No worker: jobs stay queued, so the quotas fill up on demand.
 */
describe('tenant limits and quotas', () => {
  let stack: Stack;
  const hours = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString());
  const CH = ['c1', 'c2', 'c3', 'c4'];

  async function seriesOf(key: string, n: number, tag = 'wide'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = (await stack.request('POST', '/v1/series', { key, json: { name: `s${i}-${Math.random()}`, channels: CH, tags: [tag] } })).body.id;
      const values = CH.map((_, c) => Array.from({ length: 48 }, (_, t) => Math.sin(t / 4) + c));
      expect((await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: hours(48), values } })).status).toBe(200);
      ids.push(id);
    }
    return ids;
  }

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      env: {
        TSFM_MAX_SERIES_PER_REQUEST: '10',
        TSFM_TENANT_MAX_QUEUED_FORECASTS: '2',
        TSFM_TENANT_MAX_ACTIVE_JOBS: '1',
        TSFM_TENANT_MAX_WAITING_REQUESTS: '2',
        TSFM_TENANT_MAX_OPEN_STREAMS: '1',
      },
    });
  });
  afterAll(() => stack.close());

  it('series x channels count against maxSeriesPerRequest: forecasts (stored and inline) and backtests (ids and tag)', async () => {
    const { key, tenantId } = await stack.tenant();
    const ids = await seriesOf(key, 3); // 3 series x 4 channels = 12 targets > 10
    const f = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: ids, horizon: 4, wait: 0 } });
    expect(f.status).toBe(422);
    expect(f.body.error).toMatchObject({ code: 'TOO_MANY_SERIES', details: { targets: 12, max: 10 } });
    const inline = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: hours(48), values: Array.from({ length: 11 }, () => Array(48).fill(1)) }, horizon: 4, wait: 0 },
    });
    expect([inline.status, inline.body.error?.code, inline.body.error?.details]).toEqual([422, 'TOO_MANY_SERIES', { targets: 11, max: 10 }]);
    for (const body of [{ seriesIds: ids }, { tag: 'wide' }]) {
      const b = await stack.request('POST', '/v1/backtests', { key, json: { ...body, models: ['naive'], horizon: 4, windows: 2 } });
      expect([b.status, b.body.error?.code, b.body.error?.details]).toEqual([422, 'TOO_MANY_SERIES', { targets: 12, max: 10 }]);
    }
    // Two channels of each: 6 targets, accepted; nothing was written for the refused ones.
    const ok = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: ids, channels: ['c1', 'c2'], horizon: 4, wait: 0 } });
    expect(ok.status).toBe(202);
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type <> 'series-stats'`, [tenantId]);
    expect(rows[0].n).toBe(1);
  });

  it('a baseline backtest past its horizon limit is 422 HORIZON_TOO_LONG like a foundation model', async () => {
    const { key } = await stack.tenant();
    const [id] = await seriesOf(key, 1);
    for (const model of ['naive', 'ets', 'seasonal_naive']) {
      const r = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [id], models: [model], horizon: 10_000, windows: 1 } });
      expect([r.status, r.body.error?.code, r.body.error?.details]).toEqual([422, 'HORIZON_TOO_LONG', { maxHorizon: 1024 }]);
    }
    const atLimit = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [id], models: ['naive'], horizon: 1024, windows: 1 } });
    expect(atLimit.status).toBe(202);
  });

  it('queued forecasts per tenant: 429 TENANT_QUOTA_EXCEEDED with Retry-After; another tenant is not affected', async () => {
    const a = await stack.tenant();
    const b = await stack.tenant();
    const [ida] = await seriesOf(a.key, 1);
    const [idb] = await seriesOf(b.key, 1);
    const post = (key: string, id: string) => stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [id], horizon: 4, wait: 0 } });
    expect((await post(a.key, ida)).status).toBe(202);
    expect((await post(a.key, ida)).status).toBe(202);
    const full = await post(a.key, ida);
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('2');
    expect(full.body.error).toMatchObject({ code: 'TENANT_QUOTA_EXCEEDED', details: { quota: 'queuedForecasts', limit: 2, retryAfterSec: 2 } });
    expect((await post(b.key, idb)).status).toBe(202);
    expect((await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecasts WHERE tenant_id = $1`, [a.tenantId]))[0].n).toBe(2);
  });

  it('backtests and fine-tunes queued or running per tenant: the second is 429 (activeJobs)', async () => {
    const { key } = await stack.tenant();
    const [id] = await seriesOf(key, 1);
    expect((await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [id], models: ['naive'], horizon: 4, windows: 2 } })).status).toBe(202);
    const b = await stack.request('POST', '/v1/backtests', { key, json: { seriesIds: [id], models: ['naive'], horizon: 4, windows: 2 } });
    expect([b.status, b.headers.get('retry-after'), b.body.error?.code, b.body.error?.details]).toEqual([
      429,
      '5',
      'TENANT_QUOTA_EXCEEDED',
      { quota: 'activeJobs', limit: 1, retryAfterSec: 5 },
    ]);
    const ft = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'ft-quota', seriesIds: [id], horizon: 4 } });
    expect([ft.status, ft.body.error?.details?.quota]).toEqual([429, 'activeJobs']);
  });

  it('waiting requests per tenant: a third concurrent waiting forecast is 429 (waitingRequests); freed when they answer', async () => {
    const a = await stack.tenant();
    const b = await stack.tenant();
    const [ida] = await seriesOf(a.key, 1);
    const [idb] = await seriesOf(b.key, 1);
    // No worker: both wait their full 2 s, holding the tenant's two slots.
    const waiting = [0, 1].map(() => stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [ida], horizon: 4, wait: 2 } }));
    await new Promise((r) => setTimeout(r, 500));
    const third = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [ida], horizon: 4, wait: 1 } });
    expect([third.status, third.headers.get('retry-after'), third.body.error?.code, third.body.error?.details]).toEqual([
      429,
      '1',
      'TENANT_QUOTA_EXCEEDED',
      { quota: 'waitingRequests', limit: 2, retryAfterSec: 1 },
    ]);
    expect((await stack.request('POST', '/v1/forecasts', { key: b.key, json: { seriesIds: [idb], horizon: 4, wait: 0 } })).status).toBe(202);
    // wait=0 answers at once and holds no slot (the queued-forecasts quota still applies).
    const quick = await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [ida], horizon: 4, wait: 0 } });
    expect([quick.status, quick.body.error?.details?.quota]).toEqual([429, 'queuedForecasts']);
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([202, 202]);
    await stack.sql(`UPDATE jobs SET state = 'CANCELLED' WHERE tenant_id = $1`, [a.tenantId]); // its queued-forecast quota is spent too
    expect((await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [ida], horizon: 4, wait: 0 } })).status).toBe(202);
  });

  it('open event streams per tenant: a second stream is 429 (openStreams) until the first closes', async () => {
    const { key } = await stack.tenant();
    const [id] = await seriesOf(key, 1);
    const ft = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'ft-stream', seriesIds: [id], horizon: 4 } });
    expect(ft.status).toBe(202);
    const open = () => {
      const ac = new AbortController();
      const res = fetch(`${stack.baseUrl}/v1/finetunes/${ft.body.id}/events`, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
      return { ac, res };
    };
    const first = open();
    expect((await first.res).status).toBe(200);
    const second = await stack.request('GET', `/v1/finetunes/${ft.body.id}/events`, { key });
    expect([second.status, second.body.error?.code, second.body.error?.details?.quota]).toEqual([429, 'TENANT_QUOTA_EXCEEDED', 'openStreams']);
    first.ac.abort();
    await new Promise((r) => setTimeout(r, 1200)); // the server notices the hang-up and frees the slot
    const third = open();
    expect((await third.res).status).toBe(200);
    third.ac.abort();
  });
});
