import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries } from '../support/data';
import { Stack, startStack, startWorkerProcess, waitForJob } from '../support/stack';

describe('fault: kill -9 of a worker mid-forecast', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 600 })[0];
    seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 'crash' } })).body.id;
    await stack.request('POST', `/v1/series/${seriesId}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await stack.close();
  });

  it('every accepted job finishes exactly once after a restart, with no duplicate rows', async () => {
    const posts = await Promise.all(
      Array.from({ length: 40 }, () =>
        stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [seriesId], horizon: 96, model: 'xlstm-dev', wait: 0 } }),
      ),
    );
    expect(posts.every((p) => p.status === 202)).toBe(true);
    const jobIds = posts.map((p) => p.body.jobId);
    const first = startWorkerProcess(stack, { TSFM_BATCH_MAX_WAIT_MS: '50' });
    procs.push(first);
    const deadline = Date.now() + 60_000;
    let running = 0;
    while (running === 0 && Date.now() < deadline) {
      running = (await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND state = 'RUNNING'`, [jobIds]))[0].n;
      if (!running) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBeGreaterThan(0);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const unfinished = (
      await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND state IN ('QUEUED', 'RUNNING')`, [jobIds])
    )[0].n;
    expect(unfinished).toBeGreaterThan(0);
    procs.push(startWorkerProcess(stack, { TSFM_BATCH_MAX_WAIT_MS: '50' }));
    const jobs = await Promise.all(jobIds.map((id) => waitForJob(stack, key, id, 90_000)));
    expect(jobs.map((j) => j.state)).toEqual(jobIds.map(() => 'SUCCEEDED'));
    const rows = await stack.sql<{ forecast_id: string; n: number }>(
      `SELECT f.id AS forecast_id, count(r.*)::int AS n FROM forecasts f LEFT JOIN forecast_results r ON r.forecast_id = f.id WHERE f.job_id = ANY($1) GROUP BY f.id`,
      [jobIds],
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const statuses = await stack.sql<{ status: string }>(`SELECT DISTINCT status FROM forecasts WHERE job_id = ANY($1)`, [jobIds]);
    expect(statuses).toEqual([{ status: 'SUCCEEDED' }]);
  });
});
