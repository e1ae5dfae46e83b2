import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { AppConfig, parseConfig } from '#config';
import { ApiKeysRepository, TenantsRepository, createDataSource } from '#db';
import { createApiApp } from '../../apps/api/src/app.factory';
import { startWorker } from '../../apps/worker/src/worker.factory';
import { createScratchDatabase } from './database';
import { REPO_ROOT, testEnv } from './env';

export interface Stack {
  config: AppConfig;
  baseUrl: string;
  api: INestApplication;
  worker: INestApplicationContext | null;
  tenant(name?: string): Promise<{ tenantId: string; key: string; keyId: string }>;
  request(method: string, path: string, opts?: RequestOpts): Promise<TestResponse>;
  sql<T = Record<string, unknown>>(q: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface RequestOpts {
  key?: string;
  json?: unknown;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON of any endpoint; each test reads the fields it expects
}

/**
 * The built application against real servers: a scratch PostgreSQL database (migrated), the test
 * Redis (or BullMQ's PostgreSQL backend) under a unique queue prefix, the api on a free port and,
 * unless disabled, a worker in the same process.
 */
export async function startStack(opts: { env?: Record<string, string>; worker?: boolean } = {}): Promise<Stack> {
  const { redisUrl } = testEnv();
  const db = await createScratchDatabase();
  const config = parseConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TSFM_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    PORT: '0',
    TSFM_WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const ds = await createDataSource(config.databaseUrl, 3).initialize();
  await ds.runMigrations({ transaction: 'each' });
  const api = await createApiApp(config);
  await api.listen(0, '127.0.0.1');
  const baseUrl = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const worker = opts.worker === false ? null : await startWorker(config);
  let n = 0;
  return {
    config,
    baseUrl,
    api,
    worker,
    async tenant(name) {
      const t = await new TenantsRepository(ds).create(name ?? `tenant-${++n}-${randomBytes(3).toString('hex')}`);
      const k = await new ApiKeysRepository(ds).issue(t.id);
      return { tenantId: t.id, key: k.key, keyId: k.id };
    },
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.key) headers.authorization = `Bearer ${o.key}`;
      let body: string | Buffer | undefined = o.body;
      if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers['content-type'] = 'application/json';
      }
      if (o.contentType) headers['content-type'] = o.contentType;
      const res = await fetch(baseUrl + path, { method, headers, body: body as unknown as BodyInit });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    },
    sql: (q, params = []) => ds.query(q, params),
    async close() {
      await worker?.close();
      await api.close();
      await ds.destroy();
      await db.drop();
    },
  };
}

/** Polls GET /v1/jobs/{id} until the job is final. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the finished job's JSON; each test reads the fields it expects
export async function waitForJob(stack: Stack, key: string, jobId: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await stack.request('GET', `/v1/jobs/${jobId}`, { key });
    if (r.status !== 200) throw new Error(`GET job ${jobId}: ${r.status} ${r.text}`);
    if (!['QUEUED', 'RUNNING'].includes(r.body.state)) return r.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${r.body.state} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/**
 * The built worker (dist/) as a separate process on the stack's database and queue: the command a
 * deployment runs, for tests that kill or restart workers. Needs `npm run build` first.
 */
export function startWorkerProcess(stack: Stack, extra: Record<string, string> = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: stack.config.databaseUrl,
    REDIS_URL: stack.config.queue.url,
    TSFM_QUEUE_PREFIX: stack.config.queue.prefix,
    TSFM_WORKER_HEALTH_PORT: '0',
    TSFM_MODELS_DIR: path.join(REPO_ROOT, 'models'),
    TSFM_JOB_LOCK_MS: '3000',
    LOG_LEVEL: 'error',
    ...extra,
  };
  return spawn(process.execPath, [path.join(REPO_ROOT, 'dist/apps/worker/src/main.js')], { env, stdio: 'ignore' });
}
