/**
 * What per-series context selection (manifest `contextSelection`) costs: the same series through
 * forecastPrepared with the default context and with selection, in one run, with the ratio.
 * Series: the 50 M4-hourly series of the accuracy fixture (700 training points each, horizon 48) and
 * the same 50 extended to 2,100 points by repeating them (so every candidate up to 2,048 is distinct).
 * Run: npm run bench -- context-selection
 */
import { PreparedSeries, forecastPrepared, prepareSeries } from '#forecasting';
import { modelBench } from '../support/model-bench';
import { medianSeconds } from '../support/timing';

const MODEL = process.env.BENCH_MODEL ?? 'ssm-small';
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const HOUR = 3_600_000;

async function main(): Promise<void> {
  const { entry, runtime, trains } = await modelBench(MODEL);
  if (!entry.contextSelection) throw new Error(`${MODEL} has no contextSelection in the manifest`);
  const t0 = Date.UTC(2020, 0, 1);
  console.log(
    `${MODEL}: contextSelection ${JSON.stringify(entry.contextSelection)}, defaultContext ${entry.defaultContext ?? entry.contextLength}, ${runtime.models()[0].provider.active}`,
  );
  console.log('| series | points each | default context (s) | with selection (s) | ratio | requests per series (selection) |');
  console.log('|---|---|---|---|---|---|');
  for (const repeat of [1, 3]) {
    const series = trains.map((train) => {
      const vs = Array.from({ length: repeat }, () => train).flat();
      return { ts: vs.map((_, i) => t0 + i * HOUR), vs };
    });
    const prep = (select: boolean): PreparedSeries[] =>
      series.map((s) => prepareSeries(s.ts, s.vs, entry, { span: { horizon: 48 }, frequency: '1h', quantiles: LEVELS, selectContext: select }));
    const plain = prep(false);
    const selected = prep(true);
    const a = await medianSeconds(() => forecastPrepared(runtime, MODEL, plain, entry.quantiles), 3);
    const b = await medianSeconds(() => forecastPrepared(runtime, MODEL, selected, entry.quantiles), 3);
    const out = await forecastPrepared(runtime, MODEL, selected, entry.quantiles);
    const perSeries =
      out.reduce((n, o) => n + (o.selection ? o.selection.validationWindows * o.selection.candidates.length + o.selection.chosen.length : 1), 0) / out.length;
    console.log(`| ${series.length} | ${series[0].vs.length} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(1)}× | ${perSeries.toFixed(1)} |`);
  }
  await runtime.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
