/**
 * Ingest benchmark: 1,000 series x 1,000 timestamps x 1 channel (1M points) through the HTTP API,
 * plus a 7-channel case, against a raw COPY of the same rows measured in the same run.
 * Run: npm run bench:ingest   (starts throwaway PostgreSQL and Redis like the test suite)
 */
import 'reflect-metadata';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startStack } from '../support/stack';

const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const STEPS = Number(process.env.BENCH_STEPS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const T0 = Date.UTC(2020, 0, 1);

function block(seriesIdx: number, channels: number) {
  const timestamps = Array.from({ length: STEPS }, (_, i) => T0 + i * 3_600_000);
  const values = Array.from({ length: channels }, (_, c) => timestamps.map((_, i) => Math.round((Math.sin(i / 24 + seriesIdx + c) * 100 + i) * 1000) / 1000));
  return { timestamps, values };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function httpCase(stack: Awaited<ReturnType<typeof startStack>>, key: string, series: number, channels: number): Promise<number> {
  const ids: string[] = [];
  for (let s = 0; s < series; s++) {
    const r = await stack.request('POST', '/v1/series', {
      key,
      json: { name: `b${channels}-${s}`, channels: Array.from({ length: channels }, (_, c) => `c${c}`) },
    });
    ids.push(r.body.id);
  }
  const bodies = ids.map((id, s) => ({ id, body: JSON.stringify(block(s, channels)) }));
  const t = performance.now();
  await pool(bodies, CONCURRENCY, async ({ id, body }) => {
    const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, body, contentType: 'application/json' });
    if (r.status !== 200) throw new Error(`ingest failed: ${r.status} ${r.text.slice(0, 200)}`);
  });
  return (performance.now() - t) / 1000;
}

async function copyCase(url: string, series: number, channels: number): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE TEMP TABLE copy_target (series_id int, ts timestamptz, "values" float8[], PRIMARY KEY (series_id, ts))`);
  const t = performance.now();
  const stream = c.query(copyFrom(`COPY copy_target FROM STDIN`));
  async function* rows() {
    for (let s = 0; s < series; s++) {
      const b = block(s, channels);
      let chunk = '';
      for (let i = 0; i < STEPS; i++) chunk += `${s}\t${new Date(b.timestamps[i]).toISOString()}\t{${b.values.map((v) => v[i]).join(',')}}\n`;
      yield chunk;
    }
  }
  await pipeline(Readable.from(rows()), stream);
  const secs = (performance.now() - t) / 1000;
  await c.end();
  return secs;
}

async function main(): Promise<void> {
  const stack = await startStack({ worker: false, env: { TSFM_DB_POOL_SIZE: '16' } });
  try {
    const { key } = await stack.tenant('bench');
    const cases: [string, number, number][] = [
      ['1 channel', SERIES, 1],
      ['7 channels', Math.round(SERIES / 7), 7],
    ];
    console.log(`ingest benchmark: ${STEPS} timestamps per series, HTTP concurrency ${CONCURRENCY}, JSON bodies`);
    console.log('case        | points    | HTTP s | HTTP points/s | COPY s | COPY points/s | HTTP/COPY');
    for (const [name, series, channels] of cases) {
      const points = series * STEPS * channels;
      const http = await httpCase(stack, key, series, channels);
      const copy = await copyCase(stack.config.databaseUrl, series, channels);
      const n = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM observations o JOIN series s ON s.id = o.series_id WHERE cardinality(s.channels) = $1`,
        [channels],
      );
      if (n[0].n !== series * STEPS) throw new Error(`expected ${series * STEPS} rows, found ${n[0].n}`);
      console.log(
        `${name.padEnd(11)} | ${String(points).padEnd(9)} | ${http.toFixed(2).padStart(6)} | ${Math.round(points / http)
          .toString()
          .padStart(13)} | ${copy.toFixed(2).padStart(6)} | ${Math.round(points / copy)
          .toString()
          .padStart(13)} | ${(copy / http).toFixed(2)}`,
      );
    }
  } finally {
    await stack.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
