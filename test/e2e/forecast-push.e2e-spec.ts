import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastsRepository, JobEvents } from '#db';
import { startWorker } from '../../apps/worker/src/worker.factory';
import { readSeries } from '../support/data';
import { Stack, TestResponse, startStack } from '../support/stack';

const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * A sync POST /v1/forecasts learns of its job's end from PostgreSQL's NOTIFY (the jobs_done_notify
 * trigger), not by polling: the forecast is read once per push, or once at the deadline. The api's
 * ForecastsRepository.get is counted in place (the real repository, wrapped by a counter).
 */
describe('sync forecast: told of its result', () => {
  let stack: Stack;
  let worker: INestApplicationContext | null = null;
  let key: string;
  let reads = 0;
  const [s] = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 300 });
  const post = () =>
    stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: s.timestamps, values: [s.values] }, horizon: 12, model: 'xlstm-dev', wait: 60 },
    });

  beforeAll(async () => {
    // No worker yet: a request can be left waiting for as long as the test needs.
    stack = await startStack({ worker: false });
    ({ key } = await stack.tenant());
    const repo = stack.api.get(ForecastsRepository);
    const get = repo.get.bind(repo);
    repo.get = (tenantId: string, id: string) => {
      reads++;
      return get(tenantId, id);
    };
  });

  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  it('re-reads once when the listener reconnects, then answers on the notification', async () => {
    const events = stack.api.get(JobEvents);
    const watchers = (events as unknown as { watchers: Map<string, unknown> }).watchers;
    const pending: Promise<TestResponse> = post();
    await until(() => watchers.size === 1, 'the request to watch its job');
    expect(reads).toBe(0); // it waits for a push before reading anything
    // The listener's backend dies while the request waits: it reconnects and the request checks once more.
    const killed = await stack.sql<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'tsfm-listen' AND datname = current_database()`,
    );
    expect(killed).toEqual([{ ok: true }]);
    await until(() => events.reconnects === 1, 'the listener to reconnect');
    await until(() => reads === 1, 'the re-check after the reconnect');
    await new Promise((r) => setTimeout(r, 1000));
    expect(reads).toBe(1); // nothing polls while the job waits for a worker
    worker = await startWorker(stack.config);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCEEDED');
    expect(r.body.series[0].timestamps).toHaveLength(12);
    expect(reads).toBe(2);
  });

  it('a later sync request is answered through the new connection with one read', async () => {
    reads = 0;
    const r = await post();
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCEEDED');
    expect(reads).toBe(1);
  });

  it('wait: 0 answers 202 after one read, with nothing left watching', async () => {
    reads = 0;
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: s.timestamps, values: [s.values] }, horizon: 12, model: 'xlstm-dev', wait: 0 },
    });
    expect(r.status).toBe(202);
    expect(reads).toBe(1);
    expect((stack.api.get(JobEvents) as unknown as { watchers: Map<string, unknown> }).watchers.size).toBe(0);
  });

  it('a job that does not end within wait answers 202 after one read at the deadline', async () => {
    await worker!.close();
    worker = null;
    reads = 0;
    const t = Date.now();
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: s.timestamps, values: [s.values] }, horizon: 12, model: 'xlstm-dev', wait: 1 },
    });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('QUEUED');
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
    expect(reads).toBe(1);
  });

  it('closing the listener (api shutdown) answers a waiting request at once with 202, not at its deadline', async () => {
    reads = 0;
    const events = stack.api.get(JobEvents);
    const watchers = (events as unknown as { watchers: Map<string, unknown> }).watchers;
    const t = Date.now();
    const pending = post(); // wait: 60, and no worker runs
    await until(() => watchers.size === 1, 'the request to watch its job');
    await events.close();
    const r = await pending;
    expect(r.status).toBe(202);
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(reads).toBe(1);
  });
});
