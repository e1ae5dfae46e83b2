import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

/** Restarts the suite's throwaway Redis (append-only on) in place: same port, same data dir. */
function restartRedis(url: string, dir: string, downMs: number): Promise<void> {
  const port = new URL(url).port;
  execFileSync('redis-cli', ['-p', port, 'shutdown']);
  return new Promise((resolve) =>
    setTimeout(() => {
      execFileSync('redis-server', [
        '--port',
        port,
        '--bind',
        '127.0.0.1',
        '--daemonize',
        'yes',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--dir',
        dir,
        '--logfile',
        path.join(dir, 'log'),
        '--pidfile',
        path.join(dir, 'pid'),
      ]);
      resolve();
    }, downMs),
  );
}

describe('fault: Redis restart with append-only persistence', () => {
  let stack: Stack;
  let key: string;
  let worker: ChildProcess | undefined;
  const dir = process.env.TEST_REDIS_DIR;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await stack.close();
  });

  it('no accepted job is lost, and readiness reports the outage', async () => {
    if (!dir) throw new Error('TEST_REDIS_DIR is unset: run through npm test');
    const s = await stack.request('POST', '/v1/series', { key, json: { name: 'aof' } });
    const jobIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const up = await stack.request('POST', `/v1/series/${s.body.id}/observations`, { key, json: { timestamps: [Date.UTC(2024, 0, 1, i)], values: [[i]] } });
      expect(up.status).toBe(200);
      jobIds.push(up.body.statsJob.id);
    }
    const restarted = restartRedis(stack.config.queue.url, dir, 4000);
    await new Promise((r) => setTimeout(r, 300));
    const down = await stack.request('GET', '/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.error.details.queue.ok).toBe(false);
    await restarted;
    const deadline = Date.now() + 30_000;
    while ((await stack.request('GET', '/health/ready')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await stack.request('GET', '/health/ready')).status).toBe(200);
    worker = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/apps/worker/src/main.js')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: stack.config.databaseUrl,
        REDIS_URL: stack.config.queue.url,
        TSFM_QUEUE_PREFIX: stack.config.queue.prefix,
        TSFM_WORKER_HEALTH_PORT: '0',
        TSFM_MODELS_DIR: path.join(REPO_ROOT, 'models'),
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    const jobs = await Promise.all(jobIds.map((id) => waitForJob(stack, key, id, 60_000)));
    expect(jobs.map((j) => j.state)).toEqual(jobIds.map(() => 'SUCCEEDED'));
    const st = await stack.request('GET', `/v1/series/${s.body.id}`, { key });
    expect(st.body.stats.count).toBe(20);
  });
});
