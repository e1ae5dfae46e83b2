import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

/** pg_ctl on the suite's throwaway server (as the postgres user when running as root). */
function pgCtl(args: string): void {
  const bin = process.env.TEST_PG_BIN!;
  const cmd = `${path.join(bin, 'pg_ctl')} -D ${process.env.TEST_PG_DATA} ${args}`;
  if (process.getuid?.() === 0) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd]);
  else execFileSync('/bin/sh', ['-c', cmd]);
}

describe('fault: PostgreSQL restart', () => {
  let stack: Stack;
  let key: string;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
  });
  afterAll(() => stack.close());

  it('503 on readiness and writes while it is down, then recovery without restarting the api', async () => {
    if (!process.env.TEST_PG_DATA || !process.env.TEST_PG_BIN) throw new Error('TEST_PG_DATA/TEST_PG_BIN unset: run through npm test');
    const port = new URL(stack.config.databaseUrl).port;
    pgCtl('-m fast -w stop');
    try {
      const ready = await stack.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.details.database.ok).toBe(false);
      const write = await stack.request('POST', '/v1/series', { key, json: { name: 'during-outage' } });
      expect(write.status).toBe(503);
      expect(write.body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(write.text).not.toMatch(/ECONNREFUSED|at \w+ \(/);
    } finally {
      const logFile = path.join(path.dirname(process.env.TEST_PG_DATA), 'log');
      pgCtl(
        `-l ${logFile} -o '-p ${port} -k ${path.dirname(process.env.TEST_PG_DATA)} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -w start`,
      );
    }
    const deadline = Date.now() + 30_000;
    while ((await stack.request('GET', '/health/ready')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await stack.request('GET', '/health/ready')).status).toBe(200);
    const after = await stack.request('POST', '/v1/series', { key, json: { name: 'after-outage' } });
    expect(after.status).toBe(201);
  });
});
