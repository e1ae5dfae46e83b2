/**
 * Forecast throughput: synchronous HTTP forecasts under concurrency (autocannon on loopback) with
 * micro-batching on vs off, and the model alone at batch 64 vs batch 1 (the most batching can give),
 * measured in one run; then the CLI's series/s on all of M4 hourly (BENCH_CLI=0 skips it).
 * Run: npm run bench -- forecast   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_MODEL, BENCH_MAX_WAIT_MS override)
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '#config';
import { ModelRuntime } from '#model-runtime';
import { readSeries } from '../support/data';
import { evalDataDir } from '../support/env';
import { startStack } from '../support/stack';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const MODEL = process.env.BENCH_MODEL ?? 'xlstm-small';
const MAX_WAIT_MS = process.env.BENCH_MAX_WAIT_MS ?? '5';
// The CLI part forecasts every M4 hourly series: the full data, not the fixtures.
const DATA_DIR = evalDataDir();

async function run(batch: number): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number; meanBatch: number }> {
  console.error(`starting stack (batch ${batch})`);
  const stack = await startStack({
    env: {
      TSFM_BATCH_MAX_SIZE: String(batch),
      TSFM_BATCH_MAX_WAIT_MS: batch > 1 ? MAX_WAIT_MS : '0',
      TSFM_WORKER_CONCURRENCY: '64',
      TSFM_DB_POOL_SIZE: '30',
    },
  });
  try {
    const { key } = await stack.tenant('bench');
    const ids: string[] = [];
    for (const s of readSeries('m4/m4_hourly.csv', { limit: 20, tail: 600, dir: DATA_DIR })) {
      const c = await stack.request('POST', '/v1/series', { key, json: { name: s.id } });
      await stack.request('POST', `/v1/series/${c.body.id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
      ids.push(c.body.id);
    }
    console.error('series uploaded; load starts');
    let n = 0;
    let answered = 0; // 200: a forecast, not a 202 left to poll
    const result = await autocannon({
      url: stack.baseUrl,
      connections: CONNECTIONS,
      duration: SECONDS,
      timeout: 40, // seconds, past the requests' wait of 30: a slow answer is counted, not cut off as an error
      requests: [
        {
          method: 'POST',
          path: '/v1/forecasts',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ seriesIds: [ids[n++ % ids.length]], horizon: 48, model: MODEL, wait: 30 }) }),
          onResponse: (status) => {
            if (status === 200) answered++;
          },
        },
      ],
    });
    const b = await stack.sql<{ b: number }>(`SELECT avg((runtime->>'batchSize')::float) AS b FROM forecasts WHERE status = 'SUCCEEDED'`);
    return {
      rps: answered / SECONDS,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
      meanBatch: Number(b[0].b),
    };
  } finally {
    await stack.close();
  }
}

/** Series per second of the model alone (runtime.forecast, the worker's settings), batch 1 one after another vs batch 64 at once. */
async function modelOnly(): Promise<{ one: number; batch: number }> {
  const cfg = parseConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x' }).models;
  const rt = await ModelRuntime.start({
    modelsDir: path.resolve(__dirname, '../../../models'),
    models: [MODEL],
    providers: ['cpu'],
    intraOpThreads: cfg.intraOpThreads,
    maxBatch: 64,
    maxWaitMs: 0,
    maxQueue: 4096,
  });
  try {
    const reqs = readSeries('m4/m4_hourly.csv', { limit: 64, tail: 600, dir: DATA_DIR }).map((s) => ({
      context: Float32Array.from(s.values, (v) => (v === null ? NaN : v)),
      horizon: 48,
    }));
    const rate = async (f: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await f();
        xs.push(reqs.length / ((performance.now() - t) / 1000));
      }
      return xs.sort((a, b) => a - b)[2];
    };
    await rt.forecast(MODEL, reqs);
    const one = await rate(async () => {
      for (const r of reqs) await rt.forecast(MODEL, [r]);
    });
    const batch = await rate(() => rt.forecast(MODEL, reqs));
    return { one, batch };
  } finally {
    await rt.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `synchronous forecasts (1 series, horizon 48, ${MODEL}), ${CONNECTIONS} connections, ${SECONDS} s each, api + worker in one process, max wait ${MAX_WAIT_MS} ms`,
  );
  const on = await run(64);
  const off = await run(1);
  console.log('micro-batching | forecasts/s (200s) | p50 ms | p99 ms | errors | non-2xx | mean batch');
  for (const [name, r] of [
    [`on (64, ${MAX_WAIT_MS} ms)`, on],
    ['off (1)', off],
  ] as const) {
    console.log(
      `${name.padEnd(14)} | ${r.rps.toFixed(1).padStart(11)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${String(r.errors).padStart(6)} | ${String(r.non2xx).padStart(7)} | ${r.meanBatch.toFixed(2)}`,
    );
  }
  const m = await modelOnly();
  const gain = on.rps / off.rps;
  const modelGain = m.batch / m.one;
  console.log(`batching on / off: ${gain.toFixed(2)}x forecasts/s`);
  console.log(
    `model alone (${MODEL}, 600 points, horizon 48): batch 1 ${m.one.toFixed(1)} series/s, batch 64 ${m.batch.toFixed(1)} series/s: ${modelGain.toFixed(2)}x`,
  );
  console.log(`service gain / model-only gain: ${((gain / modelGain) * 100).toFixed(0)} %`);
  if (process.env.BENCH_CLI === '0') return;

  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsfm-cli-bench-')), 'out.csv');
  const t = performance.now();
  const cli = spawnSync(
    process.execPath,
    [
      path.resolve(__dirname, '../../../bin/tsfm.js'),
      'forecast',
      '--input',
      path.join(DATA_DIR, 'm4/m4_hourly.csv'),
      '--horizon',
      '48',
      '--model',
      MODEL,
      '--output',
      out,
    ],
    { encoding: 'utf8' },
  );
  const secs = (performance.now() - t) / 1000;
  if (cli.status !== 0) throw new Error(cli.stderr);
  console.log(
    `CLI: 414 M4 hourly series, H=48, ${MODEL}: ${secs.toFixed(2)} s wall (process start and model load included), ${(414 / secs).toFixed(1)} series/s`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
