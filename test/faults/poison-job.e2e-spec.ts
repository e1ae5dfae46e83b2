import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsRepository } from '#db';
import { AnyWorker, JobName, queueBackend, runTracked } from '#jobs';
import { Stack, startStack } from '../support/stack';

/** A job whose handler always fails transiently: retried with backoff, then FAILED with its code. */
describe('fault: poison job', () => {
  let stack: Stack;
  let worker: AnyWorker | undefined;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await worker?.close();
    await stack.close();
  });

  it('ends FAILED with its error code after its attempts and stays visible', async () => {
    const { tenantId, key } = await stack.tenant();
    const jobs = stack.api.get(JobsRepository);
    const row = await jobs.create(tenantId, { type: JobName.SeriesStats, payload: {}, maxAttempts: 3 });
    const payload = { jobId: row.id, tenantId, seriesId: row.id };
    const backend = queueBackend({ ...stack.config.queue, prefix: `poison${randomBytes(3).toString('hex')}` });
    const queue = new backend.classes.Queue('poison', { connection: backend.connection(), prefix: backend.prefix });
    let calls = 0;
    worker = new backend.classes.Worker(
      'poison',
      (job) =>
        runTracked(job, jobs, async () => {
          calls++;
          throw Object.assign(new Error('upstream keeps failing'), { code: 'UPSTREAM_DOWN' });
        }),
      { connection: backend.connection(), prefix: backend.prefix },
    );
    const failed = new Promise<void>((resolve) =>
      worker!.on('failed', (j) => {
        if (j && j.attemptsMade >= 3) resolve();
      }),
    );
    await queue.add(JobName.SeriesStats, payload, { jobId: row.id, attempts: 3, backoff: { type: 'exponential', delay: 20 } });
    await failed;
    expect(calls).toBe(3);
    const r = await stack.request('GET', `/v1/jobs/${row.id}`, { key });
    expect(r.body).toMatchObject({ state: 'FAILED', attempt: 3, errorCode: 'UPSTREAM_DOWN', errorMessage: 'upstream keeps failing' });
    const inQueue = await queue.getJob(row.id);
    expect(await inQueue!.getState()).toBe('failed');
    await queue.close();
  });
});
