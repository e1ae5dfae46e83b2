/**
 * What the seasonal adjustment (manifest `seasonalAdjustment`) costs: prepareSeries + finishSeries of
 * the same series with and without it, in one run, with the ratio, next to the model time of one
 * forecastPrepared call for scale. Series: the 50 M4-hourly series of the accuracy fixture (700
 * training points each, season 24, horizon 48), and the same 50 on a 5-minute grid (the xlstm reads
 * them on a 15-minute grid, season 96) repeated to 4,000 points.
 * Run: npm run bench -- seasonal-adjustment
 */
import { ForecastOptions, PreparedSeries, finishSeries, forecastPrepared, prepareSeries } from '#forecasting';
import { modelBench } from '../support/model-bench';
import { medianSeconds } from '../support/timing';

const MODEL = process.env.BENCH_MODEL ?? 'xlstm-small';
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

async function main(): Promise<void> {
  const { entry, runtime, trains } = await modelBench(MODEL);
  if (!entry.seasonalAdjustment) throw new Error(`${MODEL} has no seasonalAdjustment in the manifest`);
  const t0 = Date.UTC(2020, 0, 1);
  console.log(`${MODEL}: seasonalAdjustment ${JSON.stringify(entry.seasonalAdjustment)}, ${runtime.models()[0].provider.active}`);
  console.log(
    '| series | points each | frequency | adjusted | prepare + finish, plain (ms) | with adjustment (ms) | ratio | model time, one forecastPrepared (ms) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [freq, stepMs, repeat] of [
    ['1h', 3_600_000, 1],
    ['5min', 300_000, 6],
  ] as const) {
    const series = trains.map((train) => {
      const vs = Array.from({ length: repeat }, () => train)
        .flat()
        .slice(0, 4000);
      return { ts: vs.map((_, i) => t0 + i * stepMs), vs };
    });
    const opts = (adjust: boolean): ForecastOptions => ({ span: { horizon: 48 }, frequency: freq, quantiles: LEVELS, coarsen: true, adjustSeasons: adjust });
    const prep = (adjust: boolean): PreparedSeries[] => series.map((s) => prepareSeries(s.ts, s.vs, entry, opts(adjust)));
    const adjusted = prep(true);
    const out = await forecastPrepared(runtime, MODEL, adjusted, entry.quantiles);
    const cycle = (adjust: boolean) => async () => {
      const ps = prep(adjust);
      ps.forEach((p, i) => finishSeries(p, out[i].forecast.quantiles, entry.quantiles, LEVELS, 'value'));
    };
    const a = await medianSeconds(cycle(false), 5);
    const b = await medianSeconds(cycle(true), 5);
    const m = await medianSeconds(() => forecastPrepared(runtime, MODEL, adjusted, entry.quantiles), 3);
    const n = adjusted.filter((p) => p.seasonalAdjustment).length;
    console.log(
      `| ${series.length} | ${series[0].vs.length} | ${freq} | ${n} | ${(a * 1000).toFixed(1)} | ${(b * 1000).toFixed(1)} | ${(b / a).toFixed(2)}× | ${(m * 1000).toFixed(0)} |`,
    );
  }
  await runtime.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
