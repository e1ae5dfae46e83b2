import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ApiKeysRepository, TenantsRepository, createDataSource } from '#db';
import { startEmbeddedPostgres } from './embedded-postgres';

const DIST = path.resolve(__dirname, '../../..');

export interface ServeOptions {
  port: number;
  dataDir: string;
  pgPort: number;
}

/**
 * `tsfm serve`: api + worker on the configured servers, or, when DATABASE_URL is unset, on embedded
 * defaults: an embedded PostgreSQL that also backs the queues (BullMQ's PostgreSQL backend), no Redis.
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(opts.port) };
  let stopDb: (() => Promise<void>) | null = null;
  if (!env.DATABASE_URL) {
    const db = await startEmbeddedPostgres(path.resolve(opts.dataDir, 'pg'), opts.pgPort);
    stopDb = db.stop;
    env.DATABASE_URL = db.url;
    env.TSFM_QUEUE_BACKEND = 'postgres';
    process.stdout.write(`embedded PostgreSQL at 127.0.0.1:${opts.pgPort} (data in ${opts.dataDir}), queues on its BullMQ backend\n`);
  }
  const ds = await createDataSource(env.DATABASE_URL!, 2).initialize();
  await ds.runMigrations({ transaction: 'each' });
  const tenants = await ds.query(`SELECT count(*)::int AS n FROM tenants`);
  if (tenants[0].n === 0) {
    const t = await new TenantsRepository(ds).create('default');
    const k = await new ApiKeysRepository(ds).issue(t.id, 'initial');
    process.stdout.write(`created tenant "default"; its API key (shown once, store it now):\n  ${k.key}\n`);
  }
  await ds.destroy();

  const children: ChildProcess[] = [
    spawn(process.execPath, [path.join(DIST, 'apps/api/src/main.js')], { env, stdio: 'inherit' }),
    spawn(process.execPath, [path.join(DIST, 'apps/worker/src/main.js')], { env: { ...env, TSFM_WORKER_HEALTH_PORT: String(opts.port + 1) }, stdio: 'inherit' }),
  ];
  const host = env.HOST ?? '127.0.0.1';
  process.stdout.write(
    `\ntsfm is starting at http://${host}:${opts.port} (API docs: http://${host}:${opts.port}/docs)\n` +
      `more tenants and keys: DATABASE_URL=${env.DATABASE_URL} npm run tenant:create -- --name <name>\n\n`,
  );
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await stopDb?.();
    process.exit(code);
  };
  for (const c of children) c.once('exit', (code) => void stop(code ?? 1));
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
}
