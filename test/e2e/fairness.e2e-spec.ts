import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

/**
 * Fair share of the worker: one tenant's backlog of forecasts does not delay another tenant's single
 * forecast beyond the jobs already running. Small numbers of the fairness benchmark (npm run bench -- fairness).
 */
describe('fair share between tenants', () => {
  let stack: Stack;
  const HEAVY = 80;
  const hours = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString());

  beforeAll(async () => {
    stack = await startStack({ env: { TSFM_WORKER_CONCURRENCY: '2', TSFM_TENANT_MAX_QUEUED_FORECASTS: '1000' } });
  });
  afterAll(() => stack.close());

  async function series(key: string, name: string): Promise<string> {
    const id = (await stack.request('POST', '/v1/series', { key, json: { name } })).body.id;
    const values = [Array.from({ length: 400 }, (_, t) => 10 + Math.sin((2 * Math.PI * t) / 24) + (t % 7) / 10)];
    expect((await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: hours(400), values } })).status).toBe(200);
    return id;
  }

  it("a light tenant's forecast starts ahead of a heavy tenant's backlog: at most one heavy job starts in between", async () => {
    const heavy = await stack.tenant();
    const light = await stack.tenant();
    const h = await series(heavy.key, 'heavy');
    const l = await series(light.key, 'light');
    for (let at = 0; at < HEAVY; at += 20) {
      const batch = Array.from({ length: 20 }, () =>
        stack.request('POST', '/v1/forecasts', { key: heavy.key, json: { seriesIds: [h], horizon: 24, wait: 0 } }),
      );
      expect((await Promise.all(batch)).every((r) => r.status === 202 || r.status === 200)).toBe(true);
    }
    const queued = async () =>
      (
        await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'forecast' AND state = 'QUEUED'`, [heavy.tenantId])
      )[0].n;
    const backlog = await queued();
    expect(backlog).toBeGreaterThan(HEAVY / 2); // the heavy tenant really has a backlog when the light one asks
    const r = await stack.request('POST', '/v1/forecasts', { key: light.key, json: { seriesIds: [l], horizon: 24, wait: 60 } });
    expect([r.status, r.body.status]).toEqual([200, 'SUCCEEDED']);
    const [lj] = await stack.sql<{ created: Date; started: Date; finished: Date }>(
      `SELECT created_at AS created, started_at AS started, finished_at AS finished FROM jobs WHERE tenant_id = $1 AND type = 'forecast'`,
      [light.tenantId],
    );
    // Heavy jobs that started after the light one was enqueued but before it: FIFO would start the whole backlog.
    const [between] = await stack.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'forecast' AND started_at > $2 AND started_at < $3`,
      [heavy.tenantId, lj.created, lj.started],
    );
    expect(between.n).toBeLessThanOrEqual(1);
    expect(await queued()).toBeGreaterThan(backlog / 2); // most of the backlog was still waiting when the light forecast finished
  });
});
