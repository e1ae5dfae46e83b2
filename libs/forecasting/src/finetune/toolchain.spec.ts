import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnToolchain, toolchainEnv } from './toolchain';

const SECRETS = {
  DATABASE_URL: 'postgres://tsfm:secret@db:5432/tsfm',
  REDIS_URL: 'redis://:secret@redis:6379',
  TSFM_QUEUE_URL: 'postgres://tsfm:secret@db:5432/queue',
  TSFM_API_KEY: 'tsfm_live_secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  NODE_OPTIONS: '--require /tmp/evil.js',
};

describe('the toolchain child environment', () => {
  it('passes only the allow-listed variables, with PYTHONPATH and TMPDIR set for the run', () => {
    const env = toolchainEnv('/opt/tsfm/models', '/tmp/tsfm-full-abc', {
      ...SECRETS,
      PATH: '/usr/bin:/bin',
      HOME: '/home/tsfm',
      LANG: 'C.UTF-8',
      OMP_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '1',
      TMPDIR: '/var/tmp',
      PYTHONPATH: '/opt/extra',
    });
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/tsfm',
      LANG: 'C.UTF-8',
      OMP_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '1',
      PYTHONPATH: `/opt/tsfm/models${path.delimiter}/opt/extra`,
      TMPDIR: '/tmp/tsfm-full-abc',
    });
  });

  it('keeps the inherited TMPDIR when the run has no folder of its own, and sets no PYTHONPATH beyond the toolchain', () => {
    expect(toolchainEnv('/t', undefined, { PATH: '/bin', TMPDIR: '/scratch', ...SECRETS })).toEqual({ PATH: '/bin', PYTHONPATH: '/t', TMPDIR: '/scratch' });
  });

  describe('a child spawned as the fine-tune spawns the toolchain', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-toolchain-spec-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('sees no DATABASE_URL, REDIS_URL or other secret of the worker', async () => {
      const saved = { ...process.env };
      Object.assign(process.env, SECRETS);
      let out = '';
      try {
        // Node stands in for the interpreter: the same spawn, printing the environment it was given.
        const child = spawnToolchain(process.execPath, ['-e', 'process.stdout.write(JSON.stringify({ env: process.env, cwd: process.cwd() }))'], dir, dir);
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
        });
        const code = await new Promise((r) => child.on('exit', r));
        expect(code).toBe(0);
      } finally {
        for (const k of Object.keys(SECRETS)) delete process.env[k];
        Object.assign(process.env, saved);
      }
      const seen = JSON.parse(out) as { env: Record<string, string>; cwd: string };
      for (const k of Object.keys(SECRETS)) expect(seen.env[k]).toBeUndefined();
      expect(seen.env.PYTHONPATH?.split(path.delimiter)[0]).toBe(dir);
      expect(seen.env.TMPDIR).toBe(dir);
      expect(seen.env.PATH).toBe(process.env.PATH);
      expect(seen.cwd).toBe(dir);
    });
  });
});
