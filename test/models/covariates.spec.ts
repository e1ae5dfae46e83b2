import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CovariateForecast, CovariateSeries, GridForecaster, calendarColumns, forecastWithCovariates } from '../../libs/forecasting/src/covariates';
import { finishSeries, forecastPrepared, prepareSeries } from '#forecasting';
import { ModelRuntime } from '#model-runtime';
import { alignCovariate, quantileLoss } from '#timeseries';
import { loadDataset } from '../../libs/timeseries/src/testing/fixture-data';
import { startRuntime } from '../../scripts/eval/run-models';
import { MODELS_DIR } from './fixtures';

/**
 * End-to-end accuracy of covariates on a fixed vic_elec subset (test/fixtures/data: Demand and
 * Temperature, 2014-03-23 .. 2014-04-19, half-hourly): ssm-small through onnxruntime-node and the real
 * pipeline, regression with foundation-model errors on temperature and the AU-VIC public holidays
 * (Good Friday and Easter Saturday, 18 and 19 April, fall in the test days), against the same model without covariates on
 * the same 7 day-ahead windows (origins at local midnight of the last 7 days).
 * Measured 2026-12-07 with the default guard (naive proxy, margin 0.1): rel WQL 0.926 with temperature and
 * holidays, 0.939 with three random walks (the guard let a spurious fit through in some windows, by chance
 * for the better here); with the covariates always on 0.846 (random walks 1.002), with the seasonal proxy
 * and margin 0.02 1.000 (no window kept them). The bound on random walks is the 2 %.
 */
const BOUND = { covariates: 0.95, randomWalks: 1.02 };
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const H = 48;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

describe('covariates: vic_elec temperature and holidays (ssm-small, onnxruntime-node)', () => {
  let runtime: ModelRuntime;
  beforeAll(async () => {
    runtime = await startRuntime(MODELS_DIR);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('beats the model without covariates and random walks do not hurt', { timeout: 900_000 }, async () => {
    const data = loadDataset('tsibbledata/vic_elec_halfhourly.csv');
    const demand = data.get('Demand')!;
    const temperature = data.get('Temperature')!;
    const t = demand.timestamps;
    // Temperature reaches the grid through the alignment it would take from a client's upload.
    const temp = alignCovariate('Temperature', temperature.timestamps, temperature.values, t).values;
    const calendar = calendarColumns(t, { holidays: 'AU-VIC' });
    expect(calendar[0].values.reduce((a, b) => a + b, 0)).toBe(96); // Good Friday and Easter Saturday, 48 half-hours each
    const entry = runtime.entry('ssm-small');
    const fm: GridForecaster = async (series, horizon) => {
      const prepared = series.map((s) =>
        prepareSeries(s.timestamps, s.values, entry, { span: { horizon }, frequency: '30min', quantiles: LEVELS, coarsen: true, selectContext: true, adjustSeasons: true }),
      );
      const out = await forecastPrepared(runtime, entry.id, prepared, entry.quantiles);
      return prepared.map((p, i) => finishSeries(p, out[i].forecast.quantiles, entry.quantiles, LEVELS, 'value').quantiles);
    };
    const r = rng(42);
    const walks = [0, 1, 2].map(() => {
      const w = new Float64Array(t.length);
      for (let i = 1; i < w.length; i++) w[i] = w[i - 1] + Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
      return w;
    });
    const origins = Array.from({ length: 7 }, (_, k) => t.length - H * (7 - k));
    const at = (o: number, covariates: CovariateSeries['covariates']): CovariateSeries => ({
      timestamps: t.slice(0, o + H),
      history: demand.values.slice(0, o).map((v) => (Number.isFinite(v) ? v : null)),
      horizon: H,
      season: 48,
      covariates: covariates.map((c) => ({ ...c, values: Array.prototype.slice.call(c.values, 0, o + H) as number[] })),
    });
    const variants = {
      base: origins.map((o) => at(o, [])),
      covariates: origins.map((o) =>
        at(o, [
          { name: 'Temperature', role: 'future', values: temp },
          { name: 'holiday:AU-VIC', role: 'calendar', values: calendar[0].values },
        ]),
      ),
      randomWalks: origins.map((o) => at(o, walks.map((w, k) => ({ name: `walk${k}`, role: 'future' as const, values: w })))),
    };
    const score = (fs: CovariateForecast[]) => {
      let loss = 0;
      let n = 0;
      origins.forEach((o, i) => {
        const q = quantileLoss(demand.values.slice(o, o + H), fs[i].quantiles, LEVELS);
        loss += q.meanWql;
        n++;
      });
      return loss / n;
    };
    const base = score(await forecastWithCovariates(variants.base, fm));
    const withCov = await forecastWithCovariates(variants.covariates, fm);
    const cov = score(withCov);
    const rw = score(await forecastWithCovariates(variants.randomWalks, fm));
    console.log(`vic_elec subset: rel WQL covariates ${(cov / base).toFixed(3)}, random walks ${(rw / base).toFixed(3)}`);
    const effect = withCov[withCov.length - 1].metadata.effects.find((e) => e.name === 'Temperature')!;
    expect(Math.abs(effect.standardized)).toBeGreaterThan(0);
    expect(cov / base).toBeLessThanOrEqual(BOUND.covariates);
    expect(rw / base).toBeLessThanOrEqual(BOUND.randomWalks);
  });
});
