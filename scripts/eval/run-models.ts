/**
 * Forecasts every evaluation series (.tmp/eval/series/*.json, written by data.py) with the served
 * models through the real serving path: libs/forecasting's Forecaster (prepareSeries -> context
 * selection, ModelRuntime.forecast: onnxruntime-node, micro-batched -> finishSeries), as
 * ForecastService does for a job. Quantiles
 * 0.1..0.9 at the test timestamps, cached per model and dataset in
 * .tmp/eval/forecasts/<model>/<dataset>.json, keyed by the model's sha256, its negationEnsemble and
 * contextSelection settings and a hash of the serving code's sources (servingCodeHash), so a pipeline change is re-forecast.
 *
 * usage: node dist/scripts/eval/run-models.js [--models a,b] [--series DIR] [--out DIR] [--context N (the request's contextLength)] [--models-dir DIR]
 * Default models: every manifest entry that is not a dev model (id not ending in "-dev").
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Forecaster, RequestOptions, SeriesInput, catalogModel } from '#forecasting';
import { ManifestEntry, ModelRuntime, loadManifest } from '#model-runtime';

const REPO = path.resolve(__dirname, '../../..');
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface EvalSeries {
  id: string;
  t: number[];
  v: (number | null)[];
  testT: number[];
  testY: (number | null)[];
  testSteps: number[];
}

export interface EvalDataset {
  dataset: string;
  frequency: string;
  H: number;
  m: number;
  series: EvalSeries[];
  regularTest: boolean;
}

export interface SeriesOutcome {
  id: string;
  q: number[][] | null;
  error?: string;
  /** The seasonal period the series was adjusted by (metadata.seasonalAdjustment), when it was. */
  adjusted?: number;
  /** When that adjustment was additive (manifest seasonalAdjustment.additive). */
  additive?: boolean;
}

/** sha256 over the sources that turn a request into model inputs and back (pipeline, runtime, timeseries). */
export function servingCodeHash(): string {
  const h = createHash('sha256');
  const dirs = ['libs/forecasting/src', 'libs/forecasting/src/model-family', 'libs/model-runtime/src', 'libs/timeseries/src'];
  for (const d of dirs) {
    for (const f of readdirSync(path.join(REPO, d))
      .filter((x) => /\.(ts|js)$/.test(x) && !x.includes('.spec.'))
      .sort()) {
      h.update(`${d}/${f}\0`).update(readFileSync(path.join(REPO, d, f)));
    }
  }
  return h.digest('hex');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * One dataset through the serving path for one model. The request is what a client would send:
 * the training rows (timestamps as in the data, NaN as null), the dataset's frequency, and a
 * horizon of H steps (regular test windows) or the test timestamps as `at` (irregular ones).
 */
export async function forecastDataset(runtime: ModelRuntime, entry: ManifestEntry, d: EvalDataset): Promise<SeriesOutcome[]> {
  const context = Number(arg('--context') ?? 0);
  const o: RequestOptions = { span: { horizon: d.H }, frequency: d.frequency, quantiles: LEVELS, ...(context > 0 ? { contextLength: context } : {}) };
  // The service reads at most contextLength x 4 rows of a series (ForecastService.targets).
  const n = (s: EvalDataset['series'][number]) => Math.min(s.t.length, entry.contextLength * 4);
  const inputs: SeriesInput[] = d.series.map((s) => ({
    timestamps: s.t.slice(-n(s)),
    values: s.v.slice(-n(s)),
    ...(d.regularTest ? {} : { span: { at: s.testT } }),
  }));
  const outcomes = await new Forecaster(runtime).forecast(catalogModel(entry), inputs, o);
  return d.series.map((s, i) => {
    const r = outcomes[i];
    if ('error' in r) return { id: s.id, q: null, error: `${r.error.code}: ${r.error.message}` };
    const at = new Map(r.timestamps.map((t, k) => [t, k]));
    const missing = s.testT.filter((t) => !at.has(t));
    if (missing.length) return { id: s.id, q: null, error: `forecast timestamps do not cover ${missing.length} test timestamps` };
    return {
      id: s.id,
      q: s.testT.map((t) => r.quantiles[at.get(t)!].map((v) => Math.round(v * 1e6) / 1e6)),
      ...(r.metadata.seasonalAdjustment ? { adjusted: r.metadata.seasonalAdjustment.period } : {}),
      ...(r.metadata.seasonalAdjustment?.kind === 'additive' ? { additive: true } : {}),
    };
  });
}

export async function startRuntime(modelsDir: string, maxQueue = 1_000_000): Promise<ModelRuntime> {
  return ModelRuntime.start({ modelsDir, providers: ['cpu'], intraOpThreads: Number(process.env.EVAL_THREADS ?? 2), maxBatch: 64, maxWaitMs: 2, maxQueue });
}

async function main(): Promise<void> {
  const modelsDir = path.resolve(arg('--models-dir') ?? path.join(REPO, 'models'));
  const seriesDir = path.resolve(arg('--series') ?? path.join(REPO, '.tmp/eval/series'));
  const outDir = path.resolve(arg('--out') ?? path.join(REPO, '.tmp/eval/forecasts'));
  const manifest = await loadManifest(modelsDir);
  const wanted = arg('--models')?.split(',') ?? manifest.models.filter((m) => !m.id.endsWith('-dev')).map((m) => m.id);
  const runtime = await startRuntime(modelsDir);
  const code = servingCodeHash();
  try {
    for (const id of wanted) {
      const entry = runtime.entry(id);
      for (const f of readdirSync(seriesDir)
        .filter((x) => x.endsWith('.json'))
        .sort()) {
        const file = path.join(outDir, id, f);
        if (existsSync(file) && statSync(file).mtimeMs >= statSync(path.join(seriesDir, f)).mtimeMs) {
          const cached = JSON.parse(readFileSync(file, 'utf8'));
          if (
            cached.sha256 === entry.sha256 &&
            (cached.negationEnsemble ?? false) === (entry.negationEnsemble ?? false) &&
            cached.servingCode === code &&
            JSON.stringify(cached.contextSelection ?? null) === JSON.stringify(entry.contextSelection ?? null) &&
            JSON.stringify(cached.seasonalAdjustment ?? null) === JSON.stringify(entry.seasonalAdjustment ?? null)
          )
            continue;
        }
        const d: EvalDataset = JSON.parse(readFileSync(path.join(seriesDir, f), 'utf8'));
        const t0 = performance.now();
        const series = await forecastDataset(runtime, entry, d);
        const seconds = (performance.now() - t0) / 1000;
        const failed = series.filter((s) => s.q === null);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(
          file,
          JSON.stringify({
            method: id,
            sha256: entry.sha256,
            negationEnsemble: entry.negationEnsemble ?? false,
            contextSelection: entry.contextSelection ?? null,
            seasonalAdjustment: entry.seasonalAdjustment ?? null,
            servingCode: code,
            dataset: d.dataset,
            series,
            failed: failed.length,
            seconds,
          }),
        );
        console.log(
          `${d.dataset} ${id}: ${series.length} series, ${seconds.toFixed(1)} s, failed ${failed.length}${failed.length ? ` (${failed[0].error})` : ''}`,
        );
      }
    }
  } finally {
    await runtime.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
