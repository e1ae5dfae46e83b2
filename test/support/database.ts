import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testEnv } from './env';

/** A fresh, empty database on the throwaway server, so every suite starts from nothing. */
export async function createScratchDatabase(prefix = 'e2e'): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new URL(testEnv().databaseUrl);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const d = new Client({ connectionString: admin.toString() });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}
