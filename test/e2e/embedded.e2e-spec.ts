import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';

/** Smoke test of the zero-setup default: embedded PostgreSQL + BullMQ's PostgreSQL backend, no Redis. */
describe('tsfm serve on embedded defaults', () => {
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync('/tmp/tsfm-embedded-');
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user, which must enter it
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, prints an API key, ingests and reads back, and runs the stats job on the PostgreSQL queue', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/tsfm.js'), 'serve', '--port', String(port), '--pg-port', String(port + 2), '--data-dir', dataDir], { env });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    let key: string | undefined;
    for (;;) {
      key = /(tsfm_[a-z0-9]{10}_[A-Za-z0-9_-]{43})/.exec(out)?.[1];
      const up = key ? await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false) : false;
      if (up) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const s = await (await fetch(`http://127.0.0.1:${port}/v1/series`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'smoke', channels: ['a', 'b'] }) })).json();
    const up = await fetch(`http://127.0.0.1:${port}/v1/series/${s.id}/observations`, {
      method: 'POST', headers: h, body: JSON.stringify({ timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T00:10:00Z'], values: [[1, 2], [null, 4]] }),
    });
    expect(up.status).toBe(200);
    const jobId = (await up.json()).statsJob.id;
    let state = 'QUEUED';
    while (['QUEUED', 'RUNNING'].includes(state) && Date.now() < deadline) {
      state = (await (await fetch(`http://127.0.0.1:${port}/v1/jobs/${jobId}`, { headers: h })).json()).state;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('SUCCEEDED');
    const back = await (await fetch(`http://127.0.0.1:${port}/v1/series/${s.id}/observations`, { headers: h })).json();
    expect(back.values).toEqual([[1, 2], [null, 4]]);
  });
});
