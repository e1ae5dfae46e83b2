/**
 * Forecast throughput: synchronous HTTP forecasts under concurrency (autocannon on loopback) with
 * micro-batching on vs off, measured in one run; then the CLI's series/s on all of M4 hourly.
 * Run: npm run bench -- forecast   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_MODEL override)
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSeries } from '../support/data';
import { evalDataDir } from '../support/env';
import { startStack } from '../support/stack';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const MODEL = process.env.BENCH_MODEL ?? 'xlstm-dev';
// The CLI part forecasts every M4 hourly series: the full data, not the fixtures.
const DATA_DIR = evalDataDir();

async function run(batch: number): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number; meanBatch: number }> {
  console.error(`starting stack (batch ${batch})`);
  const stack = await startStack({
    env: { TSFM_BATCH_MAX_SIZE: String(batch), TSFM_BATCH_MAX_WAIT_MS: batch > 1 ? '5' : '0', TSFM_WORKER_CONCURRENCY: '64', TSFM_DB_POOL_SIZE: '30' },
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
    const result = await autocannon({
      url: stack.baseUrl,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/v1/forecasts',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ seriesIds: [ids[n++ % ids.length]], horizon: 48, model: MODEL, wait: 30 }) }),
        },
      ],
    });
    const b = await stack.sql<{ b: number }>(`SELECT avg((runtime->>'batchSize')::float) AS b FROM forecasts WHERE status = 'SUCCEEDED'`);
    return {
      rps: result.requests.average,
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

async function main(): Promise<void> {
  console.log(`synchronous forecasts (1 series, horizon 48, ${MODEL}), ${CONNECTIONS} connections, ${SECONDS} s each, api + worker in one process`);
  const on = await run(64);
  const off = await run(1);
  console.log('micro-batching | forecasts/s | p50 ms | p99 ms | errors | non-2xx | mean batch');
  for (const [name, r] of [
    ['on (64, 5 ms)', on],
    ['off (1)', off],
  ] as const) {
    console.log(
      `${name.padEnd(14)} | ${r.rps.toFixed(1).padStart(11)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${String(r.errors).padStart(6)} | ${String(r.non2xx).padStart(7)} | ${r.meanBatch.toFixed(2)}`,
    );
  }
  console.log(`batching on / off: ${(on.rps / off.rps).toFixed(2)}x forecasts/s`);

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
