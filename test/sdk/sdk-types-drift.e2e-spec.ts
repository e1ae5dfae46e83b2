import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { startStack } from '../support/stack';

const SCRIPT = path.join(REPO_ROOT, 'libs/sdk/scripts/generate-types.mjs');
const SPEC = path.join(REPO_ROOT, 'docs/openapi.json');
const GENERATED = path.join(REPO_ROOT, 'libs/sdk/src/generated/openapi-types.ts');
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('@tsfm/sdk generated types', () => {
  it('the committed openapi-types.ts matches what docs/openapi.json generates', () => {
    const r = run('--check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--check fails after the spec changes, and regenerating picks the change up', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-drift-'));
    const spec = JSON.parse(readFileSync(SPEC, 'utf8'));
    spec.components.schemas.SeriesResponse.properties.archived = { type: 'boolean', description: 'new field' };
    spec.components.schemas.SeriesResponse.required.push('archived');
    const changed = path.join(dir, 'openapi.json');
    writeFileSync(changed, JSON.stringify(spec));
    const drift = run('--check', '--spec', changed, '--out', GENERATED);
    expect(drift.status).toBe(1);
    expect(drift.stderr).toMatch(/out of date/);
    const out = path.join(dir, 'types.ts');
    expect(run('--spec', changed, '--out', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/export interface SeriesResponse \{[^}]*\/\*\* new field \*\/\n {2}archived: boolean;/);
    expect(run('--check', '--spec', changed, '--out', out).status).toBe(0);
  });

  it('covers every schema and operation of the spec', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8'));
    const text = readFileSync(GENERATED, 'utf8');
    for (const name of Object.keys(spec.components.schemas)) expect(text).toMatch(new RegExp(`export (interface|type) ${name}\\b`));
    for (const [p, ops] of Object.entries<Record<string, { operationId: string }>>(spec.paths)) {
      for (const [m, op] of Object.entries(ops)) expect(text).toContain(`${op.operationId}: { method: '${m.toUpperCase()}', path: '${p}' }`);
    }
  });

  it('the package builds to ESM and CommonJS that both load and agree', () => {
    const b = spawnSync(process.execPath, [path.join(REPO_ROOT, 'libs/sdk/scripts/build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr + b.stdout).toBe(0);
    const probe =
      'const c = new m.TsfmClient({ baseUrl: "http://x" }); console.log(JSON.stringify([typeof c.series.iterate, typeof c.waitForJob, new m.TsfmApiError({ status: 404, code: "X", message: "m" }) instanceof Error, Object.keys(m).sort().join()]))';
    const cjs = spawnSync(process.execPath, ['-e', `const m = require('./libs/sdk'); ${probe}`], { cwd: REPO_ROOT, encoding: 'utf8' });
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e', `import * as m from './libs/sdk/dist/esm/index.js'; ${probe}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(cjs.stderr).toBe('');
    expect(esm.stderr).toBe('');
    expect(JSON.parse(cjs.stdout).slice(0, 3)).toEqual(['function', 'function', true]);
    expect(esm.stdout).toBe(cjs.stdout);
  }, 60_000);

  it('the README quick start runs as written against the real stack (built ESM output)', async () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'libs/sdk/README.md'), 'utf8');
    const example = readme.split('## Quick start')[1].match(/```js\n([\s\S]*?)```/)![1];
    const code = example.replace(`from '@tsfm/sdk'`, `from ${JSON.stringify(path.join(REPO_ROOT, 'libs/sdk/dist/esm/index.js'))}`);
    if (!existsSync(path.join(REPO_ROOT, 'libs/sdk/dist/esm/index.js')))
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'libs/sdk/scripts/build.mjs')], { cwd: REPO_ROOT });
    const stack = await startStack();
    try {
      const { key } = await stack.tenant();
      // Asynchronously: the api serving it runs in this very process.
      const r = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, TSFM_URL: stack.baseUrl, TSFM_API_KEY: key },
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('wrote 720 rows in 1 request(s)');
      expect(lines[1]).toMatch(/^SUCCEEDED \[ [\d.]+, [\d.]+, [\d.]+ \]$/);
      expect(lines[2]).toMatch(/^[0-9a-f-]{36} demo-\d+$/);
      expect(lines[3]).toMatch(/^404 SERIES_NOT_FOUND [0-9a-f-]{36}$/);
    } finally {
      await stack.close();
    }
  }, 90_000);
});
