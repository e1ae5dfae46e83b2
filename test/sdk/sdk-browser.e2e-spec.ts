import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

// The built SDK (ESM) in a real browser (Debian's headless Chromium, installed by scripts/test.sh),
// loaded by a page on another origin than the API's: it needs the service's CORS grant
// (TSFM_CORS_ORIGINS) for every call, and a page on an origin not granted is refused by the browser.
const CHROMIUM = process.env.TSFM_CHROMIUM ?? '/usr/bin/chromium';
const LIMIT = 8 * 1024;
const SDK_DIST = path.join(REPO_ROOT, 'libs/sdk/dist/esm');

const PAGE = `<!doctype html><meta charset="utf-8"><title>sdk</title>
<script type="module">
import * as sdk from '/sdk/index.js';
import { commonCalls } from '/test-sdk/smoke-common.mjs';
const q = new URLSearchParams(location.search);
const api = q.get('api'), key = q.get('key'), limit = Number(q.get('limit'));
const out = { origin: location.origin, userAgent: navigator.userAgent };
const client = new sdk.TsfmClient({ baseUrl: api, apiKey: key, retries: 0 });
try {
  Object.assign(out, (await commonCalls(sdk, client, { limit, prefix: 'browser', tag: 'browser', count: 2 })).out);
  out.live = await client.health.live();
  const raw = await fetch(api + '/health/live');
  out.requestIdHeader = raw.headers.get('x-request-id');
} catch (err) {
  out.error = { network: err instanceof sdk.TsfmNetworkError, name: err.name, message: String(err.message) };
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;

/** What the page posts to /result (JSON; commonCalls in smoke-common.mjs fills most of it). */
interface PageResult {
  origin: string;
  userAgent: string;
  error?: { network: boolean; name: string; message: string };
  live?: unknown;
  requestIdHeader?: string | null;
  upload: { written: number; requests: number; expectedRequests: number };
  readBack?: boolean;
  forecast?: unknown;
  iterated?: unknown;
  notFound?: unknown;
}

/** Serves the page and the built SDK, and hands back what the page posts to /result. */
class PageServer {
  readonly server: Server;
  private waiting: ((v: PageResult) => void) | null = null;
  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && url.pathname === '/result') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          res.end('ok');
          this.waiting?.(JSON.parse(body));
        });
      } else if (url.pathname === '/') {
        res.setHeader('content-type', 'text/html').end(PAGE);
      } else if (url.pathname.startsWith('/sdk/') && !url.pathname.includes('..')) {
        this.script(res, path.join(SDK_DIST, url.pathname.slice('/sdk/'.length)));
      } else if (url.pathname === '/test-sdk/smoke-common.mjs') {
        this.script(res, path.join(REPO_ROOT, 'test/sdk/smoke-common.mjs'));
      } else res.writeHead(404).end();
    });
  }
  private script(res: ServerResponse, file: string): void {
    try {
      res.setHeader('content-type', 'text/javascript').end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }
  /** Opens `url` in headless Chromium and resolves with the page's result. */
  async run(url: string): Promise<PageResult> {
    const profile = mkdtempSync(path.join(os.tmpdir(), 'tsfm-chromium-'));
    let browser: ChildProcess | null = null;
    let stderr = '';
    try {
      const result = new Promise<PageResult>((resolve, reject) => {
        this.waiting = resolve;
        setTimeout(() => reject(new Error(`no result from the page in 90 s; chromium stderr: ${stderr.slice(-2000)}`)), 90_000).unref();
      });
      // No background networking, component updates, sync or QUIC: a closed network refuses them.
      browser = spawn(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--no-first-run',
          '--no-default-browser-check',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-quic',
          `--user-data-dir=${profile}`,
          url,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      );
      browser.stderr!.on('data', (c) => (stderr += c));
      return await result;
    } finally {
      this.waiting = null;
      if (browser?.pid && browser.exitCode === null) {
        // Chromium's own process group (zygote, renderers, GPU), then its profile.
        const exited = new Promise((r) => browser!.once('exit', r));
        process.kill(-browser.pid, 'SIGKILL');
        await exited;
      }
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
  }
}

describe('@tsfm/sdk in a browser (headless Chromium), cross-origin', () => {
  let stack: Stack;
  let page: PageServer;
  let port: number;

  beforeAll(async () => {
    expect(spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/Chromium \d+/);
    const b = spawnSync(process.execPath, [path.join(REPO_ROOT, 'libs/sdk/scripts/build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr + b.stdout).toBe(0);
    page = new PageServer();
    port = await page.listen();
    stack = await startStack({ env: { TSFM_MAX_BODY_BYTES: String(LIMIT), TSFM_CORS_ORIGINS: `http://127.0.0.1:${port}` } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    page?.server.close();
  });

  it('a page on a granted origin uploads, forecasts, pages and reads errors through the SDK', async () => {
    const { key } = await stack.tenant();
    const out = await page.run(`http://127.0.0.1:${port}/?api=${encodeURIComponent(stack.baseUrl)}&key=${key}&limit=${LIMIT}`);
    expect(out.error).toBeUndefined();
    expect(out.origin).toBe(`http://127.0.0.1:${port}`);
    expect(out.userAgent).toMatch(/Chrome\/\d+/);
    expect(out.live).toEqual({ status: 'ok' });
    expect(out.requestIdHeader).toMatch(/.{8,}/); // an exposed header: readable cross-origin
    expect(out.upload.written).toBe(600);
    expect(out.upload.requests).toBe(out.upload.expectedRequests);
    expect(out.upload.requests).toBeGreaterThan(1);
    expect(out.readBack).toBe(true);
    expect(out.forecast).toEqual({ status: 'SUCCEEDED', steps: 24, ordered: true });
    expect(out.iterated).toEqual(['browser-0', 'browser-1']);
    expect(out.notFound).toEqual({ api: true, status: 404, code: 'SERIES_NOT_FOUND', requestId: true });
    expect(await stack.sql(`SELECT count(*)::int AS n FROM observations o JOIN series s ON s.id = o.series_id WHERE s.name = 'browser-0'`)).toEqual([
      { n: 600 },
    ]);
  }, 120_000);

  it('a page on an origin not granted is refused by the browser: a TsfmNetworkError, nothing written', async () => {
    const { key, tenantId } = await stack.tenant();
    const out = await page.run(`http://localhost:${port}/?api=${encodeURIComponent(stack.baseUrl)}&key=${key}&limit=${LIMIT}`);
    expect(out.origin).toBe(`http://localhost:${port}`);
    expect(out.live).toBeUndefined();
    expect(out.error).toMatchObject({ network: true, name: 'TsfmNetworkError' });
    expect(await stack.sql('SELECT count(*)::int AS n FROM series WHERE tenant_id = $1', [tenantId])).toEqual([{ n: 0 }]);
  }, 120_000);
});
