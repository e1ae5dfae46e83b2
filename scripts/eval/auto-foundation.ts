/**
 * A FoundationForecaster (libs/forecasting/src/auto) over the real serving path: every (series,
 * cut-off) request goes through forecastDataset (prepareSeries -> ModelRuntime -> finishSeries) as a
 * client's series, one batch per model. Used by the `auto` bench and the models test.
 */
import { ModelRuntime } from '#model-runtime';
import { FoundationForecaster } from '../../libs/forecasting/src/auto';
import { EvalDataset, forecastDataset } from './run-models';

export interface TimedSeries {
  /** Timestamps (ms) of the history and of at least the steps to forecast after it. */
  t: number[];
  values: number[];
}

export function runtimeForecaster(runtime: ModelRuntime, models: readonly string[], frequency: string, series: readonly TimedSeries[]): FoundationForecaster {
  return async (reqs) => {
    const out = reqs.map(() => ({}) as Record<string, number[][]>);
    const H = Math.max(...reqs.map((r) => Math.max(...r.steps)));
    for (const model of models) {
      const d: EvalDataset = {
        dataset: 'auto',
        frequency,
        H,
        m: 1,
        // a horizon of H when every request wants steps 1..H, else the requested timestamps
        regularTest: reqs.every((r) => r.steps.length === H && r.steps.every((h, i) => h === i + 1)),
        series: reqs.map((r, k) => {
          const s = series[r.series];
          return {
            id: String(k),
            t: s.t.slice(0, r.cutoff),
            v: s.values.slice(0, r.cutoff),
            testT: r.steps.map((h) => s.t[r.cutoff + h - 1]),
            testY: [],
            testSteps: [...r.steps],
          };
        }),
      };
      (await forecastDataset(runtime, runtime.entry(model), d)).forEach((o, k) => o.q && (out[k][model] = o.q));
    }
    return out;
  };
}
