/**
 * Cost of `auto` (libs/forecasting/src/auto) against the fastest foundation model's forecast of the
 * same series in the same run: per dataset (the committed M3 and tourism subsets, test/fixtures/data),
 * A = each shipped model forecasting every series once (one batch, the serving path), the fastest
 * taken; B = auto (both models at the final and the validation cut-offs in one batch each, ETS,
 * Theta and seasonal naive fitted in-process at every cut-off). Prints B / A and B's split.
 * Run: npm run bench -- auto   (BENCH_WINDOWS, default 2)
 */
import path from 'node:path';
import { AUTO_DEFAULTS, FoundationForecaster, autoForecast, statisticalForecast } from '../../libs/forecasting/src/auto';
import { runtimeForecaster } from '../../scripts/eval/auto-foundation';
import { startRuntime } from '../../scripts/eval/run-models';
import { readSeries } from '../support/data';

const REPO = path.resolve(__dirname, '../../..');
const MODELS = ['ssm-small', 'xlstm-small'];
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const SETS = [
  { file: 'm3/m3_yearly.csv', freq: 'Y', H: 6, m: 1 },
  { file: 'm3/m3_quarterly.csv', freq: 'Q', H: 8, m: 4 },
  { file: 'm3/m3_monthly.csv', freq: 'M', H: 18, m: 12 },
  { file: 'tourism/tourism_monthly.csv', freq: 'M', H: 24, m: 12 },
];

async function main(): Promise<void> {
  const runtime = await startRuntime(path.join(REPO, 'models'));
  const windows = Number(process.env.BENCH_WINDOWS ?? AUTO_DEFAULTS.windows);
  try {
    for (const set of SETS) {
      const raw = readSeries(set.file);
      const series = raw.map((s) => ({ t: s.timestamps.map((x) => Date.parse(x)), values: s.values.map((v) => v ?? NaN) }));
      // history: all but the last H points (whose timestamps the final forecast needs)
      const hist = series.map((s) => s.values.slice(0, -set.H));
      const fm = runtimeForecaster(runtime, MODELS, set.freq, series);
      const finals = hist.map((h, i) => ({ series: i, cutoff: h.length, steps: Array.from({ length: set.H }, (_, k) => k + 1) }));
      await runtimeForecaster(runtime, MODELS, set.freq, series)(finals.slice(0, 2)); // warm-up: sessions, first batch
      const single: Record<string, number> = {};
      for (const model of MODELS) {
        const t0 = performance.now();
        await runtimeForecaster(runtime, [model], set.freq, series)(finals);
        single[model] = performance.now() - t0;
      }
      const fastest = Math.min(...Object.values(single));
      let fmMs = 0;
      let statMs = 0;
      const timedFm: FoundationForecaster = async (reqs) => {
        const t0 = performance.now();
        const r = await fm(reqs);
        fmMs += performance.now() - t0;
        return r;
      };
      const timedStat = (...a: Parameters<typeof statisticalForecast>) => {
        const t0 = performance.now();
        const r = statisticalForecast(...a);
        statMs += performance.now() - t0;
        return r;
      };
      const t0 = performance.now();
      await autoForecast(
        hist.map((values) => ({ values })),
        { ...AUTO_DEFAULTS, windows, horizon: set.H, m: set.m, levels: LEVELS, shortSeries: ['ssm-small', 'theta'] },
        timedFm,
        timedStat,
      );
      const total = performance.now() - t0;
      console.log(
        `${set.file.padEnd(28)} ${raw.length} series | ${MODELS.map((m) => `${m} ${(single[m] / raw.length).toFixed(1)} ms`).join(', ')} per series | ` +
          `auto ${(total / raw.length).toFixed(1)} ms per series = ${(total / fastest).toFixed(2)}x the fastest model ` +
          `(models ${(fmMs / fastest).toFixed(2)}x, statistical fits ${(statMs / fastest).toFixed(2)}x)`,
      );
    }
  } finally {
    await runtime.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
