import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Forecaster, autoCandidates, catalogModel } from '#forecasting';
import { ModelRuntime } from '#model-runtime';
import { parseTimestamp } from '#timeseries';
import { statisticalForecast } from '../../libs/forecasting/src/auto';
import { readSeries } from '../support/data';
import { MODELS_DIR } from './fixtures';

const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const H = 6;

/**
 * The Forecaster's `auto` (what POST /v1/forecasts with model auto serves) combines what its
 * candidates forecast on their own: on M3 yearly series (a regular yearly grid, season 1) each
 * candidate's final forecast is recomputed here, the foundation models through the Forecaster as a
 * catalog forecast and the statistical ones on the history, and the served quantiles must be their
 * level-by-level mean with the weights metadata.auto reports.
 */
describe('Forecaster auto: the served forecast is the weighted mix metadata.auto reports', () => {
  let runtime: ModelRuntime;
  beforeAll(async () => {
    runtime = await ModelRuntime.start({ modelsDir: MODELS_DIR, models: ['ssm-small', 'xlstm-small'], providers: ['cpu'], intraOpThreads: 2, maxBatch: 64, maxWaitMs: 2, maxQueue: 100_000 });
  }, 120_000);
  afterAll(() => runtime?.close());

  it('M3 yearly: quantiles = sum of weight x candidate quantiles (1e-6 relative)', async () => {
    const forecaster = new Forecaster(runtime);
    const entries = autoCandidates(runtime.models().map((s) => s.entry));
    expect(entries.map((e) => e.id)).toEqual(['ssm-small', 'xlstm-small']);
    const series = readSeries('m3/m3_yearly.csv', { limit: 3 }).map((s) => ({ timestamps: s.timestamps.map((t) => parseTimestamp(t)), values: s.values }));
    const o = { span: { horizon: H }, quantiles: LEVELS };
    const served = await forecaster.forecast({ auto: entries }, series, o);
    for (const [i, s] of series.entries()) {
      const r = served[i];
      if ('error' in r) throw r.error;
      const meta = (r.metadata as unknown as { auto: { weights: Record<string, number> } }).auto;
      const own: Record<string, number[][]> = {};
      for (const e of entries) {
        const f = (await forecaster.forecast(catalogModel(e), [s], o))[0];
        if ('error' in f) throw f.error;
        own[e.id] = f.quantiles;
      }
      const y = Float64Array.from(s.values, (v) => (v === null ? NaN : v));
      for (const name of ['ets', 'theta', 'seasonal_naive']) own[name] = statisticalForecast(name, y, [1, 2, 3, 4, 5, 6], 1, LEVELS)!;
      const scale = Math.max(...s.values.map((v) => Math.abs(v ?? 0)));
      for (let h = 0; h < H; h++)
        for (let j = 0; j < LEVELS.length; j++) {
          const mix = Object.entries(meta.weights).reduce((acc, [c, w]) => acc + w * [...own[c][h]].sort((a, b) => a - b)[j], 0);
          expect(Math.abs(r.quantiles[h][j] - mix) / scale).toBeLessThan(1e-6);
        }
    }
  }, 300_000);
});
