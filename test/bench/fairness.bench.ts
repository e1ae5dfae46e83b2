/**
 * Fair share between tenants: latency of a light tenant's single synchronous forecasts alone, then
 * while a heavy tenant's schedule run over 10,000 series (10,000 forecast jobs) is being worked off,
 * on the same api and worker processes, in one run. The bound (#33): p99 under load within 2x p99 alone.
 * Run: npm run bench -- fairness   (BENCH_HEAVY_SERIES, BENCH_LIGHT_REQUESTS, BENCH_MODEL override)
 */
import 'reflect-metadata';
import { Stack, startStack, startWorkerProcess } from '../support/stack';

const HEAVY = Number(process.env.BENCH_HEAVY_SERIES ?? 10_000);
const LIGHT = Number(process.env.BENCH_LIGHT_REQUESTS ?? 40);
const MODEL = process.env.BENCH_MODEL ?? 'xlstm-dev';
const POINTS = 96;
const HORIZON = 24;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  /** End to end, ms. */
  latency: number[];
  /** Enqueued until a worker started it, and started until finished (the jobs table), ms. */
  queued: number[];
  ran: number[];
}

/** Sequential single-series forecasts that wait for their result. */
async function lightPhase(stack: Stack, key: string, id: string, n: number): Promise<Phase> {
  const latency: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [id], horizon: HORIZON, model: MODEL, wait: 60 } });
    if (r.status !== 200 || r.body.status !== 'SUCCEEDED') throw new Error(`light forecast: ${r.status} ${r.text.slice(0, 300)}`);
    latency.push(performance.now() - t);
    ids.push(r.body.id);
  }
  const rows = await stack.sql<{ queued: number; ran: number }>(
    `SELECT extract(epoch FROM j.started_at - j.created_at) * 1000 AS queued, extract(epoch FROM j.finished_at - j.started_at) * 1000 AS ran
     FROM forecasts f JOIN jobs j ON j.id = f.job_id WHERE f.id = ANY($1)`,
    [ids],
  );
  return { latency, queued: rows.map((r) => Number(r.queued)), ran: rows.map((r) => Number(r.ran)) };
}

async function heavyCounts(stack: Stack, tenantId: string): Promise<{ queued: number; done: number }> {
  const [r] = await stack.sql<{ queued: number; done: number }>(
    `SELECT count(*) FILTER (WHERE state = 'QUEUED')::int AS queued, count(*) FILTER (WHERE state IN ('SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED'))::int AS done
     FROM jobs WHERE tenant_id = $1 AND type = 'forecast'`,
    [tenantId],
  );
  return r;
}

async function main(): Promise<void> {
  // api in this process, the worker in its own (as deployed): the worker's load does not stall the api's event loop.
  const env = { TSFM_SCHEDULE_MIN_INTERVAL_S: '0', TSFM_MAX_QUEUED_FORECASTS: '1000000', TSFM_DB_POOL_SIZE: '20' };
  const stack = await startStack({ worker: false, env });
  const worker = startWorkerProcess(stack, env);
  const exited = new Promise((r) => worker.once('exit', r));
  try {
    const heavy = await stack.tenant('heavy');
    const light = await stack.tenant('light');
    // The heavy tenant's 10,000 series straight into PostgreSQL (setup, not measured): 96 hourly points each.
    await stack.sql(
      `INSERT INTO series (tenant_id, name, channels, tags) SELECT $1, 'h' || g, ARRAY['value'], ARRAY['heavy'] FROM generate_series(1, $2::int) g`,
      [heavy.tenantId, HEAVY],
    );
    await stack.sql(
      `INSERT INTO observations (series_id, ts, "values")
       SELECT s.id, timestamptz '2024-01-01' + g * interval '1 hour', ARRAY[10 + sin(2 * pi() * g / 24) + random()]
       FROM series s, generate_series(0, $2::int - 1) g WHERE s.tenant_id = $1`,
      [heavy.tenantId, POINTS],
    );
    const id = (await stack.request('POST', '/v1/series', { key: light.key, json: { name: 'light' } })).body.id;
    const ts = Array.from({ length: POINTS }, (_, g) => new Date(Date.UTC(2024, 0, 1, g)).toISOString());
    const values = [Array.from({ length: POINTS }, (_, g) => 10 + Math.sin((2 * Math.PI * g) / 24) + (g % 5) / 10)];
    await stack.request('POST', `/v1/series/${id}/observations`, { key: light.key, json: { timestamps: ts, values } });
    console.error(`${HEAVY} heavy series and the light series stored; light tenant alone`);

    await lightPhase(stack, light.key, id, 3); // warm-up: model sessions, connections
    const alone = await lightPhase(stack, light.key, id, LIGHT);

    // Every second until the run has started, then paused: one run of HEAVY forecast jobs.
    const sched = await stack.request('POST', '/v1/schedules', {
      key: heavy.key,
      json: { name: 'heavy', cron: '* * * * * *', tag: 'heavy', forecast: { model: MODEL, horizon: HORIZON } },
    });
    if (sched.status !== 201) throw new Error(`schedule: ${sched.status} ${sched.text}`);
    const t0 = Date.now();
    while ((await heavyCounts(stack, heavy.tenantId)).queued < HEAVY * 0.9) {
      if (Date.now() - t0 > 300_000) throw new Error('the heavy run did not start within 300 s');
      await sleep(500);
    }
    // Retried: while the run's 10,000 children are added, Redis (and with it the rate limiter) can stall.
    for (let i = 0; i < 20 && (await stack.request('POST', `/v1/schedules/${sched.body.id}/pause`, { key: heavy.key })).status !== 200; i++) await sleep(500);
    await sleep(2000); // the worker is busy with the heavy jobs
    const before = await heavyCounts(stack, heavy.tenantId);
    console.error(`heavy run started (${before.queued} queued, ${before.done} done); light tenant under load`);
    const loaded = await lightPhase(stack, light.key, id, LIGHT);
    const after = await heavyCounts(stack, heavy.tenantId);

    const ms = (xs: number[]) => `${quantile(xs, 0.5).toFixed(0)} | ${quantile(xs, 0.99).toFixed(0)}`;
    const row = (name: string, p: Phase) => `| ${name} | ${p.latency.length} | ${ms(p.latency)} | ${ms(p.queued)} | ${ms(p.ran)} |`;
    console.log(`\nLight tenant's single forecasts (${MODEL}, horizon ${HORIZON}, wait=60, sequential), ms:\n`);
    console.log('| light tenant | requests | p50 | p99 | queued p50 | queued p99 | ran p50 | ran p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|');
    console.log(row('alone', alone));
    console.log(row(`while the heavy tenant's ${HEAVY}-series run is worked off`, loaded));
    console.log(`\np99 under load / p99 alone: ${(quantile(loaded.latency, 0.99) / quantile(alone.latency, 0.99)).toFixed(2)}x (bound: 2x)`);
    console.log(`heavy forecasts finished during the loaded phase: ${after.done - before.done}; still queued after it: ${after.queued} of ${HEAVY}`);
  } finally {
    worker.kill('SIGTERM');
    await Promise.race([exited, sleep(35_000)]);
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
