/**
 * Fine-tuning benchmarks, on this machine's CPUs:
 *  1. head fine-tune time for 100 series × 1,000 points (M4 hourly, the 100 longest, last 1,000
 *     points each; horizon 48, 300 steps, one validation window), split into data, embedding and
 *     training time as the worker reports them;
 *  2. synchronous forecast throughput with 50 distinct fine-tuned heads interleaved, against the
 *     base model alone, on the same stack, series and load in one run.
 * Run: npm run bench -- finetune   (BENCH_MODEL, BENCH_SECONDS, BENCH_CONNECTIONS override)
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FinetunesRepository, JobsRepository, TransactionRunner } from '#db';
import { ModelRuntime, readSafetensors, writeSafetensors } from '#model-runtime';
import { readSeries } from '../support/data';
import { REPO_ROOT, evalDataDir } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

const MODEL = process.env.BENCH_MODEL ?? 'xlstm-small';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const HEADS = 50;

async function finetuneTime(stack: Stack, key: string): Promise<void> {
  const all = readSeries('m4/m4_hourly.csv', { dir: evalDataDir() })
    .filter((s) => s.values.length >= 1000)
    .slice(0, 100);
  if (all.length < 100) throw new Error(`only ${all.length} M4 hourly series have 1,000 points`);
  for (const s of all) {
    const c = await stack.request('POST', '/v1/series', { key, json: { name: s.id, frequency: '1h', tags: ['bench'] } });
    await stack.request('POST', `/v1/series/${c.body.id}/observations`, {
      key,
      json: { timestamps: s.timestamps.slice(-1000), values: [s.values.slice(-1000)] },
    });
  }
  console.error('100 series × 1,000 points uploaded; fine-tune starts');
  const t = performance.now();
  const r = await stack.request('POST', '/v1/finetunes', {
    key,
    json: { name: 'bench-100x1000', baseModel: MODEL, tag: 'bench', horizon: 48, steps: 300, seed: 0 },
  });
  if (r.status !== 202) throw new Error(`POST /v1/finetunes: ${r.status} ${r.text}`);
  await waitForJob(stack, key, r.body.jobId, 3_600_000);
  const wall = (performance.now() - t) / 1000;
  const f = (await stack.request('GET', `/v1/finetunes/${r.body.id}`, { key })).body;
  if (f.status !== 'SUCCEEDED') throw new Error(`fine-tune ${f.status}: ${f.errorCode} ${f.errorMessage}`);
  const d = f.metrics.durationsMs;
  const v = f.metrics.validation;
  console.log(`\nhead fine-tune, ${MODEL}, 100 series × 1,000 points (M4 hourly), horizon 48, 300 steps, batch 32`);
  console.log(
    'windows (train / validation) | data s | embed s | train s | steps run | best step | wall s (POST to SUCCEEDED) | validation WQL zero-shot -> tuned | WQL base as served (negation ensemble) -> tuned',
  );
  console.log(
    `${f.metrics.training.windows} / ${v.windows} | ${(d.data / 1000).toFixed(1)} | ${(d.embed / 1000).toFixed(1)} | ${(d.train / 1000).toFixed(1)} | ` +
      `${f.metrics.training.stepsRun} | ${f.metrics.training.bestStep} | ${wall.toFixed(1)} | ${v.zeroShot.wql.toFixed(4)} -> ${v.finetuned.wql.toFixed(4)} (${v.relativeWql.toFixed(3)}) | ` +
      `${v.servedZeroShot.wql.toFixed(5)} -> ${v.finetuned.wql.toFixed(5)} (${v.relativeWqlVsServed.toFixed(4)})`,
  );
}

/** 50 distinct heads: the base head with a different deterministic perturbation each, stored as fine-tunes. */
async function makeHeads(stack: Stack, tenantId: string): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'models/manifest.json'), 'utf8'));
  const entry = manifest.models.find((m: { id: string }) => m.id === MODEL);
  const base = readSafetensors(readFileSync(path.join(REPO_ROOT, 'models', entry.head.file))).tensors;
  const ds = stack.worker!.get(TransactionRunner);
  const jobs = stack.worker!.get(JobsRepository);
  const fts = stack.worker!.get(FinetunesRepository);
  const names: string[] = [];
  for (let h = 0; h < HEADS; h++) {
    const tensors = Object.fromEntries(
      Object.entries(base).map(([k, t]) => [
        k,
        {
          dtype: 'F32' as const,
          shape: t.shape,
          data: Float32Array.from(t.data as Float32Array, (x, i) => x * (1 + 0.02 * Math.sin(i * 0.37 + h))),
        },
      ]),
    );
    const data = writeSafetensors(tensors, { baseModel: MODEL });
    const sha = createHash('sha256').update(data).digest('hex');
    const name = `bench-head-${h}`;
    const id = randomUUID();
    await ds.run(async (em) => {
      const job = await jobs.create(tenantId, { type: 'finetune', payload: { bench: true }, maxAttempts: 1 }, em);
      await fts.create(em, { id, tenantId, jobId: job.id, name, baseModel: MODEL, method: 'head', params: { bench: 'perturbed base head' } });
      await fts.succeed(em, id, { sha256: sha, baseModel: MODEL, data }, {}, {});
      // Finished with its row: a QUEUED job that no queue holds is what the reconciler re-enqueues.
      await jobs.finish(job.id, 'SUCCEEDED', { result: { bench: true } }, em);
    });
    names.push(name);
  }
  return names;
}

async function drain(stack: Stack): Promise<void> {
  for (;;) {
    const [r] = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state IN ('QUEUED', 'RUNNING')`);
    if (r.n === 0) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function load(
  stack: Stack,
  key: string,
  ids: string[],
  models: string[],
): Promise<{ rps: number; p50: number; p99: number; non2xx: number; meanBatch: number }> {
  await drain(stack); // the previous run's jobs finish first: each run measures its own load only
  const [{ t0 }] = await stack.sql<{ t0: string }>(`SELECT now()::text AS t0`);
  let n = 0;
  const result = await autocannon({
    url: stack.baseUrl,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v1/forecasts',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        setupRequest: (req) => {
          const i = n++;
          return { ...req, body: JSON.stringify({ seriesIds: [ids[i % ids.length]], horizon: 48, model: models[i % models.length], wait: 30 }) };
        },
      },
    ],
  });
  await drain(stack);
  const b = await stack.sql<{ b: number }>(
    `SELECT avg((runtime->>'batchSize')::float) AS b FROM forecasts WHERE status = 'SUCCEEDED' AND created_at >= $1::timestamptz`,
    [t0],
  );
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, meanBatch: Number(b[0].b) };
}

async function main(): Promise<void> {
  const stack = await startStack({
    env: { TSFM_WORKER_CONCURRENCY: '64', TSFM_DB_POOL_SIZE: '30', TSFM_BATCH_MAX_WAIT_MS: '5', TSFM_RATE_LIMIT_PER_MINUTE: '1000000' },
  });
  try {
    const { key, tenantId } = await stack.tenant('bench');
    await finetuneTime(stack, key);
    await drain(stack);
    const names = await makeHeads(stack, tenantId);
    const ids = (await stack.sql<{ id: string }>(`SELECT id FROM series WHERE tenant_id = $1 ORDER BY name LIMIT 20`, [tenantId])).map((r) => r.id);
    // Warm every head into the runtime once, so both runs measure serving, not loading.
    for (const m of names) await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids[0]], horizon: 48, model: m, wait: 30 } });
    const rt = stack.worker!.get(ModelRuntime);
    console.error(`heads warmed: ${names.filter((m) => m).length}; runtime models ${rt.models().length}`);
    const baseOnly = await load(stack, key, ids, [MODEL]);
    const mixed = await load(stack, key, ids, names);
    console.log(`\nsynchronous forecasts (1 series, horizon 48, ${MODEL}), ${CONNECTIONS} connections, ${SECONDS} s each, api + worker in one process`);
    console.log('models | forecasts/s | p50 ms | p99 ms | non-2xx | mean batch');
    for (const [label, r] of [
      ['base model only', baseOnly],
      [`${HEADS} fine-tuned heads interleaved`, mixed],
    ] as const) {
      console.log(`${label} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.meanBatch.toFixed(2)}`);
    }
    console.log(`${HEADS} heads / base only: ${(mixed.rps / baseOnly.rps).toFixed(2)}x forecasts/s`);
  } finally {
    await drain(stack);
    await stack.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
