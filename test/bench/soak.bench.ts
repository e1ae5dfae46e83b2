/**
 * Soak: mixed traffic against the built api and worker as two separate processes (the production
 * layout), on loopback, for BENCH_SECONDS (default 60; or the first argument, e.g. `-- soak 300`).
 *
 * Traffic classes, each a closed loop of autocannon connections (each connection waits for its
 * answer before sending the next request, so load is bounded by the service's own pace):
 *   ingest   POST /v1/series/{id}/observations, 100 new hourly points per request (series grow)
 *   forecast POST /v1/forecasts, one series, horizon 24, xlstm-dev and ssm-dev; per connection
 *            three synchronous (wait 30 s, answer 200) then one asynchronous (wait 0, answer 202)
 *   read     GET /v1/series/{id}, GET /v1/forecasts?limit=20, GET /v1/forecasts/{id}, GET /v1/jobs/{id}
 *
 * Connections: per-class base counts (ingest 1, forecast 2, read 2) times a scale factor chosen by a
 * short ramp (BENCH_RAMP_SECONDS each at scales 1, 2, 4, 8): among the steps whose p99 stays under
 * BENCH_P99_LIMIT_MS (default 2000) with no 5xx, 429 or socket error, the smallest scale that
 * reaches 90% of the best total req/s (past that knee more connections only add queueing
 * latency); BENCH_SCALE skips the ramp.
 * Rate limiting is off (TSFM_RATE_LIMIT_PER_MINUTE=0) and the forecast backlog limit is high, so a
 * 429 means something else pushed back: 429s are counted apart from other non-2xx answers.
 *
 * RSS of the api and worker processes is read from /proc/<pid>/status every second; the verdict
 * compares the floor (lowest RSS) of the last window with that of the first window after a
 * warm-up (windows of max(10 s, 10% of the soak), warm-up max(10 s, 20%)), and the least-squares
 * slope of the 10-s floors over the second half (a leak keeps climbing; warm-up flattens out).
 * MALLOC_ARENA_MAX (default 2, as in the Docker image and npm run serve) is passed on to the api and worker.
 * Run: npm run bench -- soak [seconds]
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { ApiKeysRepository, TenantsRepository, createDataSource } from '#db';
import { createScratchDatabase } from '../support/database';
import { REPO_ROOT, testEnv } from '../support/env';

const SECONDS = Number(process.argv[2] ?? process.env.BENCH_SECONDS ?? 60);
const RAMP_SECONDS = Number(process.env.BENCH_RAMP_SECONDS ?? 5);
const FIXED_SCALE = process.env.BENCH_SCALE ? Number(process.env.BENCH_SCALE) : null;
const P99_LIMIT_MS = Number(process.env.BENCH_P99_LIMIT_MS ?? 2000);
const SERIES = Number(process.env.BENCH_SERIES ?? 40);
const BASE = { ingest: 1, forecast: 2, read: 2 } as const;
// Memory verdict windows: warm-up max(10 s, 20% of the soak), then windows of max(10 s, 10%): V8's
// heap grows in a sawtooth of tens of MiB, so short windows of a long soak would sample its phase.
const WARMUP_S = Math.max(10, 0.2 * SECONDS);
const WINDOW_S = Math.max(10, 0.1 * SECONDS);
const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

type Klass = keyof typeof BASE;
const CLASSES = Object.keys(BASE) as Klass[];

interface ClassStats {
  latencies: number[];
  statuses: Map<number, number>;
  errors: number;
}

interface PhaseResult {
  seconds: number;
  byClass: Record<Klass, ClassStats>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Least-squares slope of y over t. */
function slope(t: number[], y: number[]): number {
  const mt = mean(t);
  const my = mean(y);
  let num = 0;
  let den = 0;
  for (let i = 0; i < t.length; i++) {
    num += (t[i] - mt) * (y[i] - my);
    den += (t[i] - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON of several endpoints; each caller reads the fields it expects
async function http(base: string, key: string, method: string, p: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

// A bench stopped from outside (Ctrl-C, kill) takes its api and worker with it: a worker left
// behind keeps reconnecting to the bench's stopped Redis and PostgreSQL, using CPU.
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

function spawnService(file: string, env: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, file)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

async function waitReady(base: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${base}/health/ready`);
      const body = (await r.json()) as { models?: unknown[] };
      if (r.status === 200 && (body.models?.length ?? 0) >= 2) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('api/worker not ready in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the three classes at once for `seconds` with BASE[class] * scale connections each. */
async function phase(
  base: string,
  key: string,
  ctx: { seriesIds: string[]; forecastIds: string[]; jobIds: string[]; ingestCursor: { n: number } },
  scale: number,
  seconds: number,
): Promise<PhaseResult> {
  const auth = { authorization: `Bearer ${key}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const { seriesIds, forecastIds, jobIds, ingestCursor } = ctx;
  let f = 0;
  let r = 0;
  const models = ['xlstm-dev', 'ssm-dev'];
  const forecastBody = (wait: number) => () => JSON.stringify({ seriesIds: [seriesIds[f % seriesIds.length]], horizon: 24, model: models[f++ % 2], wait });
  const requests: Record<Klass, autocannon.Request[]> = {
    ingest: [
      {
        method: 'POST',
        headers: json,
        setupRequest: (req) => {
          const n = ingestCursor.n++;
          const s = n % seriesIds.length;
          const block = Math.floor(n / seriesIds.length);
          const start = 600 + block * 100;
          const timestamps = Array.from({ length: 100 }, (_, i) => T0 + (start + i) * H);
          const values = [timestamps.map((_, i) => 100 + 10 * Math.sin((2 * Math.PI * (start + i)) / 24) + s)];
          return { ...req, path: `/v1/series/${seriesIds[s]}/observations`, body: JSON.stringify({ timestamps, values }) };
        },
      },
    ],
    forecast: [
      ...[30, 30, 30, 0].map((wait) => ({
        method: 'POST' as const,
        path: '/v1/forecasts',
        headers: json,
        setupRequest: (req: autocannon.Request) => ({ ...req, body: forecastBody(wait)() }),
      })),
    ],
    read: [
      {
        method: 'GET',
        headers: auth,
        setupRequest: (req) => {
          const i = r++;
          const paths = [
            `/v1/series/${seriesIds[i % seriesIds.length]}`,
            '/v1/forecasts?limit=20',
            `/v1/forecasts/${forecastIds[i % forecastIds.length]}`,
            `/v1/jobs/${jobIds[i % jobIds.length]}`,
          ];
          return { ...req, path: paths[i % paths.length] };
        },
      },
    ],
  };
  const byClass = Object.fromEntries(CLASSES.map((c) => [c, { latencies: [], statuses: new Map(), errors: 0 }])) as unknown as Record<Klass, ClassStats>;
  const t = performance.now();
  await Promise.all(
    CLASSES.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          const inst = autocannon({ url: base, connections: BASE[c] * scale, duration: seconds, timeout: 60, requests: requests[c] }, (err) =>
            err ? reject(err) : resolve(),
          );
          inst.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
            const s = byClass[c];
            s.latencies.push(Math.round(responseTime * 10) / 10);
            s.statuses.set(statusCode, (s.statuses.get(statusCode) ?? 0) + 1);
          });
          inst.on('reqError', () => byClass[c].errors++);
        }),
    ),
  );
  return { seconds: (performance.now() - t) / 1000, byClass };
}

function summarize(r: PhaseResult) {
  const row = (name: string, stats: ClassStats[]) => {
    const lat = stats.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const statuses = new Map<number, number>();
    for (const s of stats) for (const [k, v] of s.statuses) statuses.set(k, (statuses.get(k) ?? 0) + v);
    const count = (pred: (code: number) => boolean) => [...statuses].filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0);
    return {
      name,
      requests: lat.length,
      rps: lat.length / r.seconds,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      s2xx: count((k) => k >= 200 && k < 300),
      s429: count((k) => k === 429),
      s4xx: count((k) => k >= 400 && k < 500 && k !== 429),
      s5xx: count((k) => k >= 500),
      socketErrors: stats.reduce((a, s) => a + s.errors, 0),
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    };
  };
  return [
    ...CLASSES.map((c) => row(c, [r.byClass[c]])),
    row(
      'overall',
      CLASSES.map((c) => r.byClass[c]),
    ),
  ];
}

function table(rows: ReturnType<typeof summarize>): string {
  const lines = ['class    | requests |   req/s | p50 ms | p99 ms |   2xx | 429 | other 4xx | 5xx | socket errors | statuses'];
  for (const x of rows) {
    lines.push(
      `${x.name.padEnd(8)} | ${String(x.requests).padStart(8)} | ${x.rps.toFixed(1).padStart(7)} | ${x.p50.toFixed(0).padStart(6)} | ${x.p99.toFixed(0).padStart(6)} | ${String(x.s2xx).padStart(5)} | ${String(x.s429).padStart(3)} | ${String(x.s4xx).padStart(9)} | ${String(x.s5xx).padStart(3)} | ${String(x.socketErrors).padStart(13)} | ${JSON.stringify(x.statuses)}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { redisUrl } = testEnv();
  const db = await createScratchDatabase('soak');
  const ds = await createDataSource(db.url, 2).initialize();
  await ds.runMigrations({ transaction: 'each' });
  const tenant = await new TenantsRepository(ds).create('soak');
  const { key } = await new ApiKeysRepository(ds).issue(tenant.id);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TSFM_QUEUE_PREFIX: `soak${process.pid}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    TSFM_WORKER_HEALTH_PORT: '0',
    TSFM_MODELS_DIR: path.join(REPO_ROOT, 'models'),
    TSFM_RATE_LIMIT_PER_MINUTE: '0',
    TSFM_MAX_QUEUED_FORECASTS: '1000000',
    TSFM_WORKER_CONCURRENCY: '32',
    TSFM_DB_POOL_SIZE: '20',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // glibc's per-thread malloc arenas are one suspect for slow RSS growth: let a run cap them.
    // As the Docker image and npm run serve run them (glibc arenas capped); MALLOC_ARENA_MAX=8 etc. to compare.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
  };
  const api = spawnService('dist/apps/api/src/main.js', env, 'api');
  const worker = spawnService('dist/apps/worker/src/main.js', env, 'worker');
  const base = `http://127.0.0.1:${port}`;
  const samples: { t: number; api: number; worker: number }[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    await waitReady(base);
    // Seed: SERIES hourly series of 600 points, and a few finished forecasts and jobs to read back.
    const seriesIds: string[] = [];
    for (let s = 0; s < SERIES; s++) {
      const c = await http(base, key, 'POST', '/v1/series', { name: `soak-${s}` });
      if (c.status !== 201) throw new Error(`seed series: ${c.status} ${JSON.stringify(c.body)}`);
      const timestamps = Array.from({ length: 600 }, (_, i) => T0 + i * H);
      const up = await http(base, key, 'POST', `/v1/series/${c.body.id}/observations`, {
        timestamps,
        values: [timestamps.map((_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 24) + s)],
      });
      if (up.status !== 200) throw new Error(`seed observations: ${up.status} ${JSON.stringify(up.body)}`);
      seriesIds.push(c.body.id);
    }
    const forecastIds: string[] = [];
    const jobIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const f = await http(base, key, 'POST', '/v1/forecasts', { seriesIds: [seriesIds[i]], horizon: 24, model: i % 2 ? 'ssm-dev' : 'xlstm-dev', wait: 30 });
      if (f.status !== 200) throw new Error(`seed forecast: ${f.status} ${JSON.stringify(f.body)}`);
      forecastIds.push(f.body.id);
      jobIds.push(f.body.jobId);
    }
    const ctx = { seriesIds, forecastIds, jobIds, ingestCursor: { n: 0 } };
    const t0 = Date.now();
    const sample = () => samples.push({ t: (Date.now() - t0) / 1000, api: rssKb(api.pid!), worker: rssKb(worker.pid!) });
    sample();
    sampler = setInterval(sample, 1000);

    let scale = FIXED_SCALE;
    if (scale === null) {
      console.log(`ramp: ${RAMP_SECONDS} s per step; connections per class = base (ingest 1, forecast 2, read 2) x scale`);
      const accepted: { scale: number; rps: number }[] = [];
      for (const s of [1, 2, 4, 8]) {
        const o = summarize(await phase(base, key, ctx, s, RAMP_SECONDS)).at(-1)!;
        const ok = o.p99 <= P99_LIMIT_MS && o.s5xx === 0 && o.s429 === 0 && o.socketErrors === 0;
        console.log(
          `  scale ${s} (${5 * s} connections): ${o.rps.toFixed(1)} req/s, p50 ${o.p50.toFixed(0)} ms, p99 ${o.p99.toFixed(0)} ms, 5xx ${o.s5xx}, 429 ${o.s429}${ok ? '' : '  (rejected)'}`,
        );
        if (ok) accepted.push({ scale: s, rps: o.rps });
      }
      const top = Math.max(0, ...accepted.map((a) => a.rps));
      scale = accepted.find((a) => a.rps >= 0.9 * top)?.scale ?? 1;
    }
    const connections = CLASSES.map((c) => `${c} ${BASE[c] * scale!}`).join(', ');
    console.log(`date ${new Date().toISOString()}, node ${process.version}`);
    console.log(`soak: ${SECONDS} s, scale ${scale} (${connections}; ${5 * scale} connections in all), api and worker as separate processes`);
    const soakStart = (Date.now() - t0) / 1000;
    const result = await phase(base, key, ctx, scale, SECONDS);
    clearInterval(sampler);
    sampler = undefined;
    sample();
    console.log(table(summarize(result)));

    const backlog = await ds.query(`SELECT state, count(*)::int AS n FROM jobs WHERE type = 'forecast' GROUP BY state ORDER BY state`);
    console.log(`forecast jobs by state at the end: ${backlog.map((b: { state: string; n: number }) => `${b.state} ${b.n}`).join(', ')}`);
    const obs = await ds.query(`SELECT count(*)::int AS n FROM observations`);
    console.log(`observation rows at the end: ${obs[0].n}`);

    const soak = samples.filter((s) => s.t >= soakStart);
    const mb = (kb: number) => (kb / 1024).toFixed(1);
    const w = `${WINDOW_S.toFixed(0)} s`;
    // V8 heaps move in a sawtooth (tens of MiB between collections), so each window is judged by its
    // floor, the lowest RSS in it (what survives a collection), alongside its mean. Growth of the
    // floor by >10% and >32 MiB is "growing" while the floor's second-half slope is still above
    // 1 MiB/min, and "levelled off" when it has flattened (heap and caches warming up).
    console.log(
      `RSS MiB  | before load | soak start | soak end |   max | first ${w} mean / floor | last ${w} mean / floor | floor growth | 2nd-half floor slope MiB/min`,
    );
    const verdicts: string[] = [];
    const endT = soak.at(-1)!.t;
    const floors = (proc: 'api' | 'worker', from: number, to: number) => {
      const out: { t: number; v: number }[] = [];
      for (let b = from; b < to; b += 10) {
        const xs = soak.filter((s) => s.t >= b && s.t < b + 10);
        if (xs.length) out.push({ t: b, v: Math.min(...xs.map((s) => s[proc])) });
      }
      return out;
    };
    for (const proc of ['api', 'worker'] as const) {
      const first = soak.filter((s) => s.t >= soakStart + WARMUP_S && s.t < soakStart + WARMUP_S + WINDOW_S).map((s) => s[proc]);
      const last = soak.filter((s) => s.t > endT - WINDOW_S).map((s) => s[proc]);
      const [f0, f1] = [Math.min(...first), Math.min(...last)];
      const growth = (f1 - f0) / f0;
      const half = floors(proc, soakStart + (endT - soakStart) / 2, endT);
      const perMin =
        half.length > 1
          ? (slope(
              half.map((x) => x.t),
              half.map((x) => x.v),
            ) *
              60) /
            1024
          : 0;
      const grewBy = growth > 0.1 && f1 - f0 > 32 * 1024;
      verdicts.push(`${proc} ${!grewBy ? 'stable' : perMin > 1 ? 'GROWING' : 'grew, then levelled off'}`);
      console.log(
        `${proc.padEnd(8)} | ${mb(samples[0][proc]).padStart(11)} | ${mb(soak[0][proc]).padStart(10)} | ${mb(soak.at(-1)![proc]).padStart(8)} | ${mb(Math.max(...samples.map((s) => s[proc]))).padStart(5)} | ${`${mb(mean(first))} / ${mb(f0)}`.padStart(19 + w.length)} | ${`${mb(mean(last))} / ${mb(f1)}`.padStart(18 + w.length)} | ${(growth * 100).toFixed(1).padStart(11)}% | ${perMin.toFixed(1)}`,
      );
    }
    const every10 = soak.filter((_, i) => i % 10 === 0 || i === soak.length - 1);
    console.log(`RSS every 10 s (MiB) api: ${every10.map((s) => mb(s.api)).join(' ')}`);
    console.log(`RSS every 10 s (MiB) worker: ${every10.map((s) => mb(s.worker)).join(' ')}`);
    const overall = summarize(result).at(-1)!;
    console.log(
      `verdict: ${overall.s5xx === 0 ? 'no 5xx' : `${overall.s5xx} 5xx (FAIL)`}; ${overall.s429} 429; memory ${verdicts.join(', ')} (RSS floor of the last ${w} against the first ${w} after a ${WARMUP_S.toFixed(0)} s warm-up: growth >10% and >32 MiB with a second-half floor slope >1 MiB/min is GROWING)`,
    );
    if (overall.s5xx > 0) process.exitCode = 1;
  } finally {
    if (sampler) clearInterval(sampler);
    for (const p of [api, worker]) p.kill('SIGTERM');
    await Promise.all([api, worker].map((p) => (p.exitCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
    await ds.destroy();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
