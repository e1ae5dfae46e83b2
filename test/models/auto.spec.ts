import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRuntime } from '#model-runtime';
import { parseFrequency, stepForward, autoEts } from '#timeseries';
import { AUTO_DEFAULTS, AutoConfig, autoForecast } from '../../libs/forecasting/src/auto';
import { runtimeForecaster } from '../../scripts/eval/auto-foundation';
import { startRuntime } from '../../scripts/eval/run-models';
import { MODELS_DIR } from './fixtures';

/**
 * `auto` with the shipped foundation models (onnxruntime-node, the real serving path) on short
 * yearly series: the first 30 of the fixed M3-yearly subset (models/fixtures/accuracy, official
 * test windows), where AICc-selected ETS beats the default model on MASE. Measured
 * MASE with AUTO_DEFAULTS (1 window, top 3): auto 4.105, ETS 4.166, ssm-small 4.599, xlstm-small 4.149.
 */
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const H = 6;
const MODELS = ['ssm-small', 'xlstm-small'];
const subset: { series: { id: string; start: string; values: number[] }[] } = JSON.parse(
  readFileSync(path.join(MODELS_DIR, 'fixtures/accuracy/m3_yearly_50.json'), 'utf8'),
);
const series = subset.series.slice(0, 30);

function timestamps(start: string, n: number): number[] {
  const f = parseFrequency('Y');
  const t = [Date.parse(start)];
  while (t.length < n) t.push(stepForward(t[t.length - 1], f, 1));
  return t;
}

const mase = (y: number[], median: number[], train: number[]) => {
  let scale = 0;
  for (let i = 1; i < train.length; i++) scale += Math.abs(train[i] - train[i - 1]);
  return y.reduce((a, v, i) => a + Math.abs(v - median[i]), 0) / y.length / (scale / (train.length - 1));
};

describe('auto with the shipped foundation models on 30 short M3 yearly series', () => {
  let runtime: ModelRuntime;
  beforeAll(async () => {
    runtime = await startRuntime(MODELS_DIR);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('MASE of auto below ETS and below each foundation model; metadata names every candidate', async () => {
    const histories = series.map((s) => s.values.slice(0, -H));
    const times = series.map((s) => timestamps(s.start, s.values.length));
    const foundation = runtimeForecaster(runtime, MODELS, 'Y', series.map((s, i) => ({ t: times[i], values: histories[i] })));
    const cfg: AutoConfig = { ...AUTO_DEFAULTS, horizon: H, m: 1, levels: LEVELS, shortSeries: [...MODELS, 'theta'] };
    const res = await autoForecast(
      histories.map((values) => ({ values })),
      cfg,
      foundation,
    );
    const score = (q: (i: number) => number[]) => series.reduce((a, s, i) => a + mase(s.values.slice(-H), q(i), histories[i]), 0) / series.length;
    const auto = score((i) => res[i].quantiles.map((r) => r[4]));
    const ets = score((i) => Array.from(autoEts(histories[i], H, 1, [0.5]).mean));
    const fm = Object.fromEntries(
      await Promise.all(
        MODELS.map(async (m) => {
          const q = await foundation(histories.map((h, i) => ({ series: i, cutoff: h.length, steps: [1, 2, 3, 4, 5, 6] })));
          return [m, score((i) => q[i][m].map((r) => r[4]))] as const;
        }),
      ),
    );
    console.log(`MASE on 30 M3 yearly: auto ${auto.toFixed(3)}, ETS ${ets.toFixed(3)}, ${MODELS.map((m) => `${m} ${fm[m].toFixed(3)}`).join(', ')}`);
    res.forEach((r, i) => {
      expect(r.metadata.candidates).toEqual([...MODELS, 'ets', 'theta', 'seasonal_naive']);
      // a window needs minHistory points before its cut-off: shorter histories follow the short-series rule
      expect(r.metadata.windows).toBe(Math.min(cfg.windows, Math.max(0, Math.floor((histories[i].length - cfg.minHistory) / H))));
      expect(r.metadata.rule).toBe(r.metadata.windows ? 'validated' : 'short-series');
    });
    expect(auto).toBeLessThanOrEqual(ets);
    for (const m of MODELS) expect(auto).toBeLessThanOrEqual(fm[m]);
  }, 600_000);
});
