import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack, waitForJob } from '../support/stack';

const H = 3_600_000;

/** 240 hourly points of a daily sine: enough context for the dev models, small enough to be quick. */
function hourly(n = 240): { timestamps: string[]; values: number[][] } {
  const t0 = Date.UTC(2024, 0, 1);
  const timestamps = Array.from({ length: n }, (_, i) => new Date(t0 + i * H).toISOString());
  const values = [Array.from({ length: n }, (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 24))];
  return { timestamps, values };
}

describe('Idempotency-Key replays the original status code and body', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    const c = await stack.request('POST', '/v1/series', { key, json: { name: 'idem-src' } });
    expect(c.status).toBe(201);
    seriesId = c.body.id;
    const up = await stack.request('POST', `/v1/series/${seriesId}/observations`, { key, json: hourly() });
    expect(up.status).toBe(200);
  });
  afterAll(() => stack.close());

  async function twice(path: string, json: unknown, idem: string) {
    const headers = { 'idempotency-key': idem };
    const first = await stack.request('POST', path, { key, json, headers });
    const again = await stack.request('POST', path, { key, json, headers });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    return { first, again };
  }

  it('series create: 201 then a 201 replay, one row', async () => {
    const { first, again } = await twice('/v1/series', { name: 'idem-series' }, 'series-201');
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM series WHERE name = 'idem-series'`)).toEqual([{ n: 1 }]);
  });

  it('synchronous forecast: 200 then a 200 replay, one job', async () => {
    const { first, again } = await twice('/v1/forecasts', { seriesIds: [seriesId], horizon: 12, model: 'xlstm-dev', wait: 60 }, 'forecast-sync');
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('SUCCEEDED');
    expect(again.status).toBe(200);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM forecasts WHERE id = $1`, [first.body.id])).toEqual([{ n: 1 }]);
    const jobs = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE type = 'forecast'`);
    expect(jobs[0].n).toBe(1);
  });

  it('asynchronous forecast: 202 then a 202 replay (with its Location) of the same job, no second job', async () => {
    const { first, again } = await twice('/v1/forecasts', { seriesIds: [seriesId], horizon: 12, model: 'ssm-dev', wait: 0 }, 'forecast-async');
    expect(first.status).toBe(202);
    expect(first.headers.get('location')).toBe(first.body.url);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.body.url);
    expect(again.body.id).toBe(first.body.id);
    expect(await waitForJob(stack, key, first.body.jobId)).toMatchObject({ state: 'SUCCEEDED' });
    const jobs = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE type = 'forecast'`);
    expect(jobs[0].n).toBe(2);
  });
});
