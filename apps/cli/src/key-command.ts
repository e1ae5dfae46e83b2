import { existsSync } from 'node:fs';
import path from 'node:path';
import { API_KEY_SCOPES, ApiKeyScope, ApiKeysRepository, createDataSource } from '#db';
import { EmbeddedDb, startEmbeddedPostgres } from './embedded-postgres';

export interface KeyCreateOptions {
  tenant: string;
  /** The key's label, as listed by GET /v1/api-keys. */
  name: string;
  /** Default all three: this is how a tenant's admin gets back in after losing the only admin key. */
  scopes?: readonly ApiKeyScope[];
  dataDir: string;
  pgPort: number;
}

/** Fails the command with one line and exit code 1 (main prints errors with a code without a stack). */
function fail(message: string): never {
  throw Object.assign(new Error(message), { code: 'KEY_CREATE_FAILED' });
}

/**
 * `tsfm key create`: a new API key for a tenant, for whoever lost the one `tsfm serve` printed on its
 * first start. Only the key goes to stdout (`KEY=$(tsfm key create)`); the rest to stderr. Works on
 * DATABASE_URL, or on the embedded database of --data-dir, started for the moment if `tsfm serve` is
 * not running on it.
 */
export async function keyCreateCommand(o: KeyCreateOptions): Promise<number> {
  let url = process.env.DATABASE_URL;
  let db: EmbeddedDb | null = null;
  if (!url) {
    const pgDir = path.resolve(o.dataDir, 'pg');
    if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
      fail(`no embedded database in ${o.dataDir}: start \`tsfm serve\` once (it creates the tenant "default" and prints its key), or set DATABASE_URL`);
    }
    db = await startEmbeddedPostgres(pgDir, o.pgPort);
    url = db.url;
  }
  try {
    const ds = await createDataSource(url, 1).initialize();
    try {
      const tenants = await ds.query(`SELECT id, name FROM tenants ORDER BY name`).catch(() => [] as { id: string; name: string }[]);
      const tenant = (tenants as { id: string; name: string }[]).find((t) => t.name === o.tenant);
      if (!tenant) {
        const names = tenants.map((t: { name: string }) => JSON.stringify(t.name)).join(', ');
        fail(
          `no tenant named ${JSON.stringify(o.tenant)} (${names ? `tenants: ${names}` : 'no tenants yet: start `tsfm serve` once'}); a new tenant: npm run tenant:create -- --name <name>`,
        );
      }
      const key = await new ApiKeysRepository(ds).issue(tenant.id, o.name, o.scopes ?? API_KEY_SCOPES);
      process.stderr.write(`new API key "${o.name}" for tenant "${tenant.name}" (shown once, store it now; older keys stay valid):\n`);
      process.stdout.write(`${key.key}\n`);
    } finally {
      await ds.destroy();
    }
  } finally {
    if (db?.started) await db.stop();
  }
  return 0;
}
