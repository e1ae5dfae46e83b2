import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

const run = promisify(execFile);
const SDK = path.join(REPO_ROOT, 'libs/sdk');

/**
 * What libs/sdk/README.md tells another project to do, done in a folder outside the repository:
 * `npm pack` in libs/sdk (its prepack builds), `npm install <tgz>` there (offline: the SDK has no
 * dependencies), then `import` and `require` of @tsfm/sdk, its types, and a call to a running service.
 */
describe('@tsfm/sdk installed into another project', () => {
  let stack: Stack;
  let key: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsfm-sdk-consumer-'));
  const app = path.join(tmp, 'app');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: path.join(tmp, 'npm-cache'), npm_config_update_notifier: 'false' };

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('npm pack + npm install --offline of the tarball; ESM, CommonJS and TypeScript consumers list the models', async () => {
    await run('npm', ['pack', '--pack-destination', tmp], { cwd: SDK, env, timeout: 180_000 });
    const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toEqual([`tsfm-sdk-${JSON.parse(readFileSync(path.join(SDK, 'package.json'), 'utf8')).version}.tgz`]);
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(tmp, tgz[0])], { cwd: app, env, timeout: 120_000 });
    expect(JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')).dependencies['@tsfm/sdk']).toBe(`file:../${tgz[0]}`);
    // A copy, not a link into the repository: what the consumer has is what was packed.
    expect(existsSync(path.join(app, 'node_modules/@tsfm/sdk/dist/types/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules/@tsfm/sdk/src'))).toBe(false);

    const call = `const client = new TsfmClient({ baseUrl: process.env.TSFM_URL, apiKey: process.env.TSFM_API_KEY });
const models = await client.models.list();
console.log(JSON.stringify({ kind: KIND, client: client instanceof TsfmClient, ids: models.map((m) => m.id).sort() }));`;
    writeFileSync(path.join(app, 'esm.mjs'), `import { TsfmClient } from '@tsfm/sdk';\nconst KIND = 'esm';\n${call}\n`);
    writeFileSync(path.join(app, 'cjs.cjs'), `const { TsfmClient } = require('@tsfm/sdk');\nconst KIND = 'cjs';\n(async () => {\n${call}\n})();\n`);
    const runEnv = { ...env, TSFM_URL: stack.baseUrl, TSFM_API_KEY: key };
    // Asynchronously: the api answering runs in this very process.
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const r = await run(process.execPath, [file], { cwd: app, env: runEnv, timeout: 60_000 });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ kind: file.slice(0, 3), client: true });
      expect(out.ids).toEqual(expect.arrayContaining(['ssm-dev', 'xlstm-dev']));
    }

    // The declarations resolve through the package's exports for a TypeScript consumer too.
    writeFileSync(
      path.join(app, 'typed.ts'),
      `import { TsfmClient, TsfmApiError } from '@tsfm/sdk';
const client = new TsfmClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'tsfm_x' });
export async function ids(): Promise<string[]> {
  try {
    return (await client.models.list()).map((m) => m.id);
  } catch (err) {
    if (err instanceof TsfmApiError) return [err.code];
    throw err;
  }
}
// @ts-expect-error: a wrong option name is a type error in the consumer
new TsfmClient({ baseURL: 'x' });
`,
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'typed.ts'];
    const t = await run(process.execPath, [tsc, ...args], { cwd: app, env, timeout: 120_000 }).catch((e) => e);
    expect(`${t.stdout}${t.stderr}`).toBe('');
  }, 400_000);
});
