// The built @tsfm/sdk on the oldest Node it supports (engines: >=18), against a running service:
// node18-smoke.mjs <sdk dir>, with TSFM_URL, TSFM_API_KEY and TSFM_BODY_LIMIT (the server's body limit).
// Prints one JSON object; test/sdk/sdk-node18.e2e-spec.ts runs it with a Node 18 binary and asserts on it.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const esm = await import(pathToFileURL(path.join(dir, 'dist/esm/index.js')).href);
const cjs = createRequire(import.meta.url)(dir);
const { TsfmClient, TsfmApiError, TsfmNetworkError, TsfmTimeoutError, splitObservations } = esm;
const out = { node: process.version, cjsExports: Object.keys(cjs).sort().join(), esmExports: Object.keys(esm).sort().join() };
const limit = Number(process.env.TSFM_BODY_LIMIT);
const client = new TsfmClient({ baseUrl: process.env.TSFM_URL, apiKey: process.env.TSFM_API_KEY, retryDelayMs: 20 });
const errorOf = (p) => p.then(() => null, (e) => e);

// Upload split under the body limit (TextEncoder sizing), read back.
const t0 = Date.UTC(2024, 0, 1);
const timestamps = Array.from({ length: 600 }, (_, i) => new Date(t0 + i * 3_600_000).toISOString());
const values = [timestamps.map((_, i) => Math.round((100 + 10 * Math.sin((2 * Math.PI * i) / 24)) * 1000) / 1000)];
const series = [];
for (let k = 0; k < 3; k++) series.push(await client.series.create({ name: `n18-${k}`, frequency: '1h', tags: ['node18'] }));
const up = await client.uploadObservations(series[0].id, { timestamps, values }, { maxBytes: limit });
out.upload = { written: up.written, requests: up.requests, expectedRequests: splitObservations({ timestamps, values }, { maxBytes: limit }).length };
const back = await client.series.readObservations(series[0].id);
out.readBack = back.timestamps.length === 600 && back.values[0].every((v, i) => v === values[0][i]);

// A synchronous forecast, and an asynchronous one waited for through its job.
const f = await client.forecast({ seriesIds: [series[0].id], horizon: 24, quantiles: [0.1, 0.5, 0.9], model: 'xlstm-dev' });
out.forecast = { status: f.status, steps: f.series[0].median.length, ordered: f.series[0].quantiles['0.1'].every((v, i) => v <= f.series[0].quantiles['0.9'][i]) };
const queued = await client.forecasts.create({ seriesIds: [series[0].id], horizon: 12, model: 'ssm-dev', wait: 0 });
const job = await client.waitForJob(queued.jobId, { pollMs: 50, timeoutMs: 60_000 });
out.asyncForecast = { createdStatus: queued.status, jobState: job.state, steps: (await client.forecasts.get(queued.id)).series[0].median.length };

// Cursor pagination through an async generator, one series per page.
const names = [];
for await (const s of client.series.iterate({ tag: 'node18', limit: 1 })) names.push(s.name);
out.iterated = names.sort();

// Errors: an API error, an aborted call, no answer (refused; a per-attempt timeout), a wait that gives up.
const notFound = await errorOf(client.series.get('00000000-0000-4000-8000-000000000000'));
out.notFound = { api: notFound instanceof TsfmApiError, status: notFound.status, code: notFound.code, requestId: typeof notFound.requestId === 'string' && notFound.requestId.length >= 8 };
const aborted = await errorOf(client.series.list({}, { signal: AbortSignal.abort(new Error('stop')) }));
out.aborted = aborted?.message;
const silent = createServer(() => {}); // accepts and never answers
await new Promise((r) => silent.listen(0, '127.0.0.1', r));
const slow = new TsfmClient({ baseUrl: `http://127.0.0.1:${silent.address().port}`, apiKey: 'x', retries: 1, retryDelayMs: 10, timeoutMs: 200 });
const timedOut = await errorOf(slow.series.list());
silent.closeAllConnections();
silent.close();
out.timedOut = { network: timedOut instanceof TsfmNetworkError };
const refused = await errorOf(new TsfmClient({ baseUrl: 'http://127.0.0.1:1', retries: 1, retryDelayMs: 10 }).health.live());
out.refused = { network: refused instanceof TsfmNetworkError };
const gaveUp = await errorOf(client.waitForJob((await client.forecasts.create({ seriesIds: [series[0].id], horizon: 12, wait: 0 })).jobId, { pollMs: 10, timeoutMs: 1 }));
out.gaveUp = { timeout: gaveUp instanceof TsfmTimeoutError };

// A head fine-tune followed through the server-sent event stream (a streaming fetch body).
await client.uploadObservations(series[1].id, { timestamps, values }, { maxBytes: limit });
await client.uploadObservations(series[2].id, { timestamps, values: [values[0].map((v) => v * 2)] }, { maxBytes: limit });
const progress = [];
const ft = await client.finetunes.finetune(
  { name: 'n18-head', baseModel: 'xlstm-dev', tag: 'node18', horizon: 24, steps: 20, learningRate: 3e-3, seed: 1 },
  { onProgress: (p) => progress.push(p.progress?.phase ?? p.status) },
);
out.finetune = { status: ft.status, events: progress.length, sawTraining: progress.includes('training') };
console.log(JSON.stringify(out));
