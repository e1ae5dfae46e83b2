import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestEntry, ModelRuntime, loadManifest } from '#model-runtime';

export const BENCH_MODELS = path.resolve(__dirname, '../../../models');

/**
 * The model benchmarks' common setup: the manifest entry of `id`, a CPU runtime over models/
 * (BENCH_THREADS intra-op threads, default 2) and the training parts of the accuracy fixture's 50
 * M4-hourly series (700 points each: the 48-step official test cut off).
 */
export async function modelBench(id: string): Promise<{ entry: ManifestEntry; runtime: ModelRuntime; trains: number[][] }> {
  const entry = (await loadManifest(BENCH_MODELS)).models.find((m) => m.id === id);
  if (!entry) throw new Error(`${id} is not in ${BENCH_MODELS}/manifest.json`);
  const subset = JSON.parse(readFileSync(path.join(BENCH_MODELS, 'fixtures/accuracy/m4_hourly_50.json'), 'utf8')) as { series: { values: number[] }[] };
  const runtime = await ModelRuntime.start({
    modelsDir: BENCH_MODELS,
    providers: ['cpu'],
    intraOpThreads: Number(process.env.BENCH_THREADS ?? 2),
    maxBatch: 64,
    maxWaitMs: 2,
    maxQueue: 1_000_000,
  });
  return { entry, runtime, trains: subset.series.map((s) => s.values.slice(0, s.values.length - 48)) };
}
