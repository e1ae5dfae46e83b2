import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';

const TSFM = path.join(REPO_ROOT, 'bin/tsfm.js');
const KEY = /(tsfm_[a-z0-9]{10}_[A-Za-z0-9_-]{43})/;

/** Smoke test of the zero-setup default: embedded PostgreSQL + BullMQ's PostgreSQL backend, no Redis. */
describe('tsfm serve on embedded defaults', () => {
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync('/tmp/tsfm-embedded-');
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user, which must enter it
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
  let running: Awaited<ReturnType<typeof start>> | undefined;
  let firstKey: string | undefined;
  let cliKey: string | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `tsfm serve` as a terminal runs it: the leader of its own process group, so a Ctrl-C can reach the whole group. */
  async function start(): Promise<{ out: () => string; exit: Promise<{ code: number | null; signal: string | null }> }> {
    child = spawn(process.execPath, [TSFM, 'serve', '--port', String(port), '--pg-port', String(port + 2), '--data-dir', dataDir], { env, detached: true });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child!.once('exit', (code, signal) => r({ code, signal })));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const up = out.includes('tsfm is starting')
        ? await fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => r.ok,
            () => false,
          )
        : false;
      if (up) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return { out: () => out, exit };
  }

  function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [TSFM, ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const modelsStatus = (key: string) => fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

  /** What a clean stop leaves: exit code 0, no error of any kind printed, and the database stopped. */
  function expectCleanStop(res: { code: number | null; signal: string | null }, out: string): void {
    expect(res, out).toEqual({ code: 0, signal: null });
    expect(out).toContain('stopping: api and worker first, then the database');
    expect(out).not.toMatch(/error|57P01|Unhandled|terminating connection|WARN/i);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }

  it('starts, prints an API key, ingests and reads back, and runs the stats job on the PostgreSQL queue', async () => {
    running = await start();
    const { out } = running;
    const key = (firstKey = KEY.exec(out())?.[1]);
    expect(key, out()).toBeDefined();
    expect(out()).toContain(`http://127.0.0.1:${port}`);
    expect(out()).not.toContain('lost yours?');
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const s = await (
      await fetch(`http://127.0.0.1:${port}/v1/series`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'smoke', channels: ['a', 'b'] }) })
    ).json();
    const up = await fetch(`http://127.0.0.1:${port}/v1/series/${s.id}/observations`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({
        timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T00:10:00Z'],
        values: [
          [1, 2],
          [null, 4],
        ],
      }),
    });
    expect(up.status).toBe(200);
    const jobId = (await up.json()).statsJob.id;
    const deadline = Date.now() + 60_000;
    let state = 'QUEUED';
    while (['QUEUED', 'RUNNING'].includes(state) && Date.now() < deadline) {
      state = (await (await fetch(`http://127.0.0.1:${port}/v1/jobs/${jobId}`, { headers: h })).json()).state;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('SUCCEEDED');
    const back = await (await fetch(`http://127.0.0.1:${port}/v1/series/${s.id}/observations`, { headers: h })).json();
    expect(back.values).toEqual([
      [1, 2],
      [null, 4],
    ]);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', live: { path: '/health/live', status: 'ok' }, ready: { path: '/health/ready', status: 'ok' } });
  });

  it('tsfm key create, while serve runs: prints only a working key on stdout; an unknown tenant is exit 1 naming the tenants', async () => {
    const r = await cli(['key', 'create', '--data-dir', dataDir, '--pg-port', String(port + 2)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tsfm_[a-z0-9]{10}_[A-Za-z0-9_-]{43}\n$/);
    expect(r.stderr).toBe('new API key "cli" for tenant "default" (shown once, store it now; older keys stay valid):\n');
    cliKey = r.stdout.trim();
    expect(await modelsStatus(cliKey)).toBe(200);
    expect(await modelsStatus(firstKey!)).toBe(200);
    const bad = await cli(['key', 'create', '--tenant', 'acme', '--data-dir', dataDir]);
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: 'tsfm: no tenant named "acme" (tenants: "default"); a new tenant: npm run tenant:create -- --name <name>\n',
    });
  });

  it('SIGTERM: the api and worker drain, then the embedded database stops; exit 0, nothing printed as an error', async () => {
    child!.kill('SIGTERM');
    expectCleanStop(await running!.exit, running!.out());
  });

  it('tsfm key create with serve stopped starts the database for the moment and stops it again', async () => {
    const r = await cli(['key', 'create', '--name', 'second', '--data-dir', dataDir, '--pg-port', String(port + 2)]);
    expect(r.code, r.stderr).toBe(0);
    cliKey = r.stdout.trim();
    expect(cliKey).toMatch(KEY);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('a later start hints at tsfm key create instead of a key; Ctrl-C (SIGINT to the whole process group) stops it cleanly', async () => {
    const { out, exit } = await start();
    expect(out()).not.toMatch(KEY);
    expect(out()).toContain(`API keys are shown once, on the first start; lost yours? a new one: npx tsfm key create --data-dir ${dataDir}`);
    expect(await modelsStatus(cliKey!)).toBe(200);
    process.kill(-child!.pid!, 'SIGINT');
    expectCleanStop(await exit, out());
  });
});
