import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { node18 } from '../support/node18';
import { Stack, startStack } from '../support/stack';

// The built SDK (ESM and CommonJS) on a real Node 18 (package.json engines: >=18) against the real
// stack: uploads split under the body limit, forecasts (sync and through the job), pagination, each
// error class, and a fine-tune followed over the server-sent event stream.
const LIMIT = 8 * 1024;

describe('@tsfm/sdk on Node 18', () => {
  let stack: Stack;
  let bin: string;

  beforeAll(async () => {
    bin = node18();
    const b = spawnSync(process.execPath, [path.join(REPO_ROOT, 'libs/sdk/scripts/build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr + b.stdout).toBe(0);
    stack = await startStack({ env: { TSFM_MAX_BODY_BYTES: String(LIMIT) } });
  }, 400_000);
  afterAll(() => stack?.close());

  it('runs every call path of the smoke script with the values the service stores', async () => {
    const { key } = await stack.tenant();
    // Asynchronously: the api serving it runs in this very process.
    const r = await promisify(execFile)(bin, [path.join(REPO_ROOT, 'test/sdk/node18-smoke.mjs'), path.join(REPO_ROOT, 'libs/sdk')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, TSFM_URL: stack.baseUrl, TSFM_API_KEY: key, TSFM_BODY_LIMIT: String(LIMIT) },
      timeout: 180_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.node).toMatch(/^v18\./);
    expect(out.esmExports).toBe(out.cjsExports);
    expect(out.esmExports.split(',')).toEqual(
      expect.arrayContaining(['TsfmClient', 'TsfmApiError', 'TsfmNetworkError', 'TsfmTimeoutError', 'splitObservations']),
    );
    expect(out.upload.written).toBe(600);
    expect(out.upload.requests).toBe(out.upload.expectedRequests);
    expect(out.upload.requests).toBeGreaterThan(1);
    expect(out.readBack).toBe(true);
    expect(out.forecast).toEqual({ status: 'SUCCEEDED', steps: 24, ordered: true });
    expect(out.asyncForecast).toEqual({ createdStatus: 'QUEUED', jobState: 'SUCCEEDED', steps: 12 });
    expect(out.iterated).toEqual(['n18-0', 'n18-1', 'n18-2']);
    expect(out.notFound).toEqual({ api: true, status: 404, code: 'SERIES_NOT_FOUND', requestId: true });
    expect(out.aborted).toBe('stop');
    expect(out.timedOut).toEqual({ network: true });
    expect(out.refused).toEqual({ network: true });
    expect(out.gaveUp).toEqual({ timeout: true });
    expect(out.finetune.status).toBe('SUCCEEDED');
    expect(out.finetune.sawTraining).toBe(true);
  }, 240_000);
});
