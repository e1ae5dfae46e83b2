/**
 * The forecasting core end to end against its model passes alone (issue #27's Targets), in one run:
 * the 414 M4-hourly training parts (TSFM_EVAL_DATA; the 48-step test cut off), H = 48, through the
 * Forecaster (the CLI's and the worker's path: prepare -> context selection, negation ensemble and
 * model runs -> finish), per model in its own child process, which reports its peak RSS (VmHWM).
 * Model-only: the exact runtime requests the forecaster made (recorded), run again alone.
 * Run: npm run bench -- core [models, default ssm-small,xlstm-small] [series limit]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Forecaster, SeriesInput, catalogModel } from '#forecasting';
import { ModelRuntime, SeriesRequest, loadManifest } from '#model-runtime';
import { parseCsv, parseTimestamp } from '#timeseries';
import { BENCH_MODELS } from '../support/model-bench';
import { evalDataDir } from '../support/env';

const H = 48;

function m4HourlyTrain(limit: number): SeriesInput[] {
  const dir = evalDataDir();
  const meta = new Map(
    parseCsv(readFileSync(path.join(dir, 'm4/m4_hourly_meta.csv'), 'utf8'))
      .slice(1)
      .map((r) => [r.fields[0], Number(r.fields[1])]),
  );
  const out = new Map<string, SeriesInput>();
  for (const { fields: f } of parseCsv(readFileSync(path.join(dir, 'm4/m4_hourly.csv'), 'utf8')).slice(1)) {
    let s = out.get(f[0]);
    if (!s) {
      if (out.size >= limit) continue;
      out.set(f[0], (s = { timestamps: [], values: [] }));
    }
    if (s.timestamps.length < meta.get(f[0])!) {
      s.timestamps.push(parseTimestamp(f[1]));
      s.values.push(f[2] === '' ? null : Number(f[2]));
    }
  }
  return [...out.values()];
}

const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

async function child(model: string, limit: number): Promise<void> {
  const series = m4HourlyTrain(limit);
  const entry = (await loadManifest(BENCH_MODELS)).models.find((m) => m.id === model)!;
  const runtime = await ModelRuntime.start({
    modelsDir: BENCH_MODELS,
    models: [model],
    providers: ['cpu'],
    intraOpThreads: Number(process.env.BENCH_THREADS ?? 2),
    maxBatch: 256,
    maxWaitMs: 2,
    maxQueue: 1_000_000,
  });
  const requests: SeriesRequest[][] = [];
  const recording = { forecast: (id: string, rs: SeriesRequest[]) => (requests.push(rs), runtime.forecast(id, rs)) };
  const forecaster = new Forecaster(recording);
  const t0 = performance.now();
  const out = await forecaster.forecast(catalogModel(entry), series, { span: { horizon: H }, quantiles: entry.quantiles });
  const e2e = (performance.now() - t0) / 1000;
  const failed = out.filter((r) => 'error' in r).length;
  const t1 = performance.now();
  for (const rs of requests) await runtime.forecast(model, rs);
  const modelOnly = (performance.now() - t1) / 1000;
  const requestsPerSeries = requests.reduce((n, rs) => n + rs.length, 0) / series.length;
  await runtime.close();
  const st = forecaster.stages;
  console.log(JSON.stringify({ model, series: series.length, failed, e2e, modelOnly, requestsPerSeries, stages: st, peakRssMb: peakRssMb() }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3], Number(process.argv[4]));
  const models = (process.argv[2] ?? 'ssm-small,xlstm-small').split(',');
  const limit = Number(process.argv[3] ?? 414);
  evalDataDir(); // a clear message before any child starts
  console.log(
    `npm run bench -- core: ${limit} M4-hourly training parts, H = ${H}, ${process.env.BENCH_THREADS ?? 2} intra-op threads, each model in its own process`,
  );
  console.log(
    '| model | series | end to end (s) | series/s | model-only (s) | end-to-end / model-only | prepare / model / finish (s) | runtime requests per series | peak RSS (MiB) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const model of models) {
    const r = spawnSync(process.execPath, [__filename, '--child', model, String(limit)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    if (r.status !== 0) throw new Error(`${model}: the child exited ${r.status}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const st = j.stages;
    const cells = [
      j.model,
      `${j.series}${j.failed ? ` (${j.failed} failed)` : ''}`,
      j.e2e.toFixed(1),
      (j.series / j.e2e).toFixed(1),
      j.modelOnly.toFixed(1),
      (j.modelOnly / j.e2e).toFixed(2),
      [st.prepareMs, st.modelMs, st.finishMs].map((ms: number) => (ms / 1000).toFixed(2)).join(' / '),
      j.requestsPerSeries.toFixed(1),
      j.peakRssMb.toFixed(0),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log('Targets (issue #27): default >= 100 series/s, xlstm-small >= 300 series/s, end-to-end / model-only >= 0.5, peak RSS <= 1024 MiB.');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
