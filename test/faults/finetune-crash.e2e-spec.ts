import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries } from '../support/data';
import { Stack, startStack, startWorkerProcess, waitForJob } from '../support/stack';

const PARAMS = { baseModel: 'xlstm-dev', tag: 'crash', horizon: 12, steps: 400, learningRate: 1e-3, validation: 1, seed: 3, batchSize: 64 };

describe('fault: kill -9 of a worker mid-finetune', () => {
  let stack: Stack;
  let key: string;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
    for (const s of readSeries('tourism/tourism_monthly.csv', { limit: 20 })) {
      const c = await stack.request('POST', '/v1/series', { key, json: { name: s.id, frequency: '1M', tags: ['crash'] } });
      await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    }
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await stack.close();
  });

  it('the job is picked up again, finishes once, leaves no orphan head, and trains the same head as an uninterrupted run', async () => {
    const post = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'crash-ft', ...PARAMS } });
    expect(post.status).toBe(202);
    const first = startWorkerProcess(stack);
    procs.push(first);
    const deadline = Date.now() + 120_000;
    let step = 0;
    while (step < 20 && Date.now() < deadline) {
      const [row] = await stack.sql<{ step: number | null; status: string }>(`SELECT (progress->>'step')::int AS step, status FROM finetunes WHERE id = $1`, [
        post.body.id,
      ]);
      expect(row.status).not.toBe('SUCCEEDED');
      step = row.step ?? 0;
      if (step < 20) await new Promise((r) => setTimeout(r, 50));
    }
    expect(step).toBeGreaterThanOrEqual(20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const [mid] = await stack.sql<{ status: string }>(`SELECT status FROM finetunes WHERE id = $1`, [post.body.id]);
    expect(mid.status).toBe('RUNNING');
    expect((await stack.sql(`SELECT count(*)::int AS n FROM model_heads`))[0]).toEqual({ n: 0 });

    procs.push(startWorkerProcess(stack));
    const job = await waitForJob(stack, key, post.body.jobId, 240_000);
    expect(job.state).toBe('SUCCEEDED');
    const ft = (await stack.request('GET', `/v1/finetunes/${post.body.id}`, { key })).body;
    expect(ft.status).toBe('SUCCEEDED');
    expect(await stack.sql(`SELECT count(*)::int AS n FROM finetunes WHERE name = 'crash-ft'`)).toEqual([{ n: 1 }]);
    expect(await stack.sql(`SELECT sha256 FROM model_heads`)).toEqual([{ sha256: ft.headSha256 }]);
    const models = (await stack.request('GET', '/v1/models', { key })).body.filter((m: { id: string }) => m.id === 'crash-ft');
    expect(models).toHaveLength(1);

    // The same request, uninterrupted, trains bit-identical weights: the retry lost nothing.
    const ref = await stack.request('POST', '/v1/finetunes', { key, json: { name: 'crash-ref', ...PARAMS } });
    await waitForJob(stack, key, ref.body.jobId, 240_000);
    const r = (await stack.request('GET', `/v1/finetunes/${ref.body.id}`, { key })).body;
    expect(r.status).toBe('SUCCEEDED');
    expect(r.headSha256).toBe(ft.headSha256);
  }, 600_000);
});
