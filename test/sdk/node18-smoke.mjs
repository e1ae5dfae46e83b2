// The built @tsfm/sdk on the oldest Node it supports (engines: >=18), against a running service:
// node18-smoke.mjs <sdk dir>, with TSFM_URL, TSFM_API_KEY and TSFM_BODY_LIMIT (the server's body limit).
// Prints one JSON object; test/sdk/sdk-node18.e2e-spec.ts runs it with a Node 18 binary and asserts on it.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commonCalls } from './smoke-common.mjs';

const dir = process.argv[2];
const esm = await import(pathToFileURL(path.join(dir, 'dist/esm/index.js')).href);
const cjs = createRequire(import.meta.url)(dir);
const { TsfmClient, TsfmNetworkError, TsfmTimeoutError } = esm;
const out = { node: process.version, cjsExports: Object.keys(cjs).sort().join(), esmExports: Object.keys(esm).sort().join() };
const limit = Number(process.env.TSFM_BODY_LIMIT);
const client = new TsfmClient({ baseUrl: process.env.TSFM_URL, apiKey: process.env.TSFM_API_KEY, retryDelayMs: 20 });
const errorOf = (p) =>
  p.then(
    () => null,
    (e) => e,
  );

// Series, an upload split under the body limit (TextEncoder sizing) and read back, a synchronous
// forecast, pagination and a 404 (smoke-common.mjs); then an asynchronous forecast waited for through its job.
const common = await commonCalls(esm, client, { limit, prefix: 'n18', tag: 'node18', count: 3 });
Object.assign(out, common.out);
const { series, timestamps, values } = common;
const queued = await client.forecasts.create({ seriesIds: [series[0].id], horizon: 12, model: 'ssm-dev', wait: 0 });
const job = await client.waitForJob(queued.jobId, { pollMs: 50, timeoutMs: 60_000 });
out.asyncForecast = { createdStatus: queued.status, jobState: job.state, steps: (await client.forecasts.get(queued.id)).series[0].median.length };

// Errors: an aborted call, no answer (refused; a per-attempt timeout), a wait that gives up.
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
const gaveUp = await errorOf(
  client.waitForJob((await client.forecasts.create({ seriesIds: [series[0].id], horizon: 12, wait: 0 })).jobId, { pollMs: 10, timeoutMs: 1 }),
);
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
