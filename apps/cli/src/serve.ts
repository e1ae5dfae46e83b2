import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ApiKeysRepository, TenantsRepository, createDataSource } from '#db';
import { EmbeddedDb, startEmbeddedPostgres } from './embedded-postgres';

const DIST = path.resolve(__dirname, '../../..');

export interface ServeOptions {
  port: number;
  dataDir: string;
  pgPort: number;
}

/** Fails early, with the port's name, rather than after the database has started. */
function assertPortFree(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        Object.assign(new Error(`${what} port ${host}:${port} is in use (${err.code}): stop what runs there, or choose another with --port`), {
          code: 'PORT_IN_USE',
        }),
      ),
    );
    s.listen(port, host, () => s.close(() => resolve()));
  });
}

/**
 * `tsfm serve`: api + worker on the configured servers, or, when DATABASE_URL is unset, on embedded
 * defaults: an embedded PostgreSQL that also backs the queues (BullMQ's PostgreSQL backend), no Redis.
 *
 * Shutdown order on SIGINT/SIGTERM/SIGHUP: the api and the worker are asked to stop (the api stops
 * accepting and drains, the worker finishes or hands back its jobs and closes its pools) and waited
 * for; only then is the embedded database stopped. The children and the database run in process
 * groups of their own, so a Ctrl-C in the terminal reaches only this process and nothing stops
 * before its turn. A second signal kills the children at once.
 */
export async function serve(opts: ServeOptions): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(opts.port) };
  const host = env.HOST ?? '127.0.0.1';
  await assertPortFree(host, opts.port, 'the api');
  await assertPortFree(host, opts.port + 1, "the worker's health");

  let db: EmbeddedDb | null = null;
  let children: ChildProcess[] = [];
  let stopping = false;
  let startup: Promise<unknown> = Promise.resolve();
  const graceMs = Number(env.TSFM_SHUTDOWN_GRACE_MS ?? 30_000);
  const stop = async (code: number) => {
    stopping = true;
    await startup.catch(() => undefined);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    // The worker's own grace period bounds its drain; this is the backstop if a child hangs past it.
    const backstop = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), graceMs + 15_000).unref();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
    clearTimeout(backstop);
    if (db) await db.stop().catch((err: Error) => process.stderr.write(`tsfm: stopping the embedded PostgreSQL: ${err.message}\n`));
    process.exit(code);
  };
  let firstSignalAt = 0;
  const onSignal = () => {
    if (!stopping) {
      firstSignalAt = Date.now();
      process.stdout.write('\nstopping: api and worker first, then the database (again to force)\n');
      void stop(0);
      return;
    }
    // One Ctrl-C can arrive twice: from the terminal and forwarded by a wrapper (npm run serve).
    if (Date.now() - firstSignalAt < 1000) return;
    process.stdout.write('forcing: killing api and worker\n');
    for (const c of children) c.kill('SIGKILL');
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);

  const start = async () => {
    if (!env.DATABASE_URL) {
      db = await startEmbeddedPostgres(path.resolve(opts.dataDir, 'pg'), opts.pgPort);
      env.DATABASE_URL = db.url;
      env.TSFM_QUEUE_BACKEND = 'postgres';
      process.stdout.write(
        db.started
          ? `embedded PostgreSQL at 127.0.0.1:${db.port} (data in ${opts.dataDir}), queues on its BullMQ backend\n`
          : `embedded PostgreSQL of ${opts.dataDir} was already running (at 127.0.0.1:${db.port}, left by an earlier tsfm serve?): using it; it stops with this one\n`,
      );
    }
    const ds = await createDataSource(env.DATABASE_URL!, 2).initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const tenants = await ds.query(`SELECT count(*)::int AS n FROM tenants`);
      if (tenants[0].n === 0) {
        const t = await new TenantsRepository(ds).create('default');
        const k = await new ApiKeysRepository(ds).issue(t.id, 'initial');
        process.stdout.write(`created tenant "default"; its API key (shown once, store it now):\n  ${k.key}\n`);
      } else {
        const where = db ? (path.resolve(opts.dataDir) === path.resolve('.data') ? '' : ` --data-dir ${opts.dataDir}`) : '';
        process.stdout.write(
          `API keys are shown once, on the first start; lost yours? a new one: npx tsfm key create${where} (--tenant NAME for another tenant)\n`,
        );
      }
    } finally {
      await ds.destroy();
    }
    if (stopping) return;
    children = [
      spawn(process.execPath, [path.join(DIST, 'apps/api/src/main.js')], { env, stdio: 'inherit', detached: true }),
      spawn(process.execPath, [path.join(DIST, 'apps/worker/src/main.js')], {
        env: { ...env, TSFM_WORKER_HEALTH_PORT: String(opts.port + 1) },
        stdio: 'inherit',
        detached: true,
      }),
    ];
    for (const [i, c] of children.entries()) {
      c.once('exit', (code, signal) => {
        if (stopping) return;
        process.stderr.write(`tsfm: the ${i ? 'worker' : 'api'} exited (${signal ?? `code ${code}`}); stopping\n`);
        void stop(code || 1);
      });
    }
    process.stdout.write(
      `\ntsfm is starting at http://${host}:${opts.port} (API docs: http://${host}:${opts.port}/docs, ` +
        `health: http://${host}:${opts.port}/health)\n` +
        `more tenants and keys: DATABASE_URL=${env.DATABASE_URL} npm run tenant:create -- --name <name>\n\n`,
    );
  };
  startup = start();
  try {
    await startup;
  } catch (err) {
    if (db) await (db as EmbeddedDb).stop().catch(() => undefined);
    throw err;
  }
}
