import type { ManifestEntry } from '#model-runtime';
import { autoEts, normalQuantile, ok, seasonalNaive } from '#timeseries';
import { BASELINE_CONTEXT, BASELINE_MAX_HORIZON, BaselineModel } from './backtest-request';

/** The limits prepareSeries needs for a baseline: a long expanding context, no model grid of its own. */
export function baselineEntry(id: BaselineModel, levels: number[]): ManifestEntry {
  return {
    id,
    family: 'xlstm',
    file: '',
    sha256: '',
    contextLength: BASELINE_CONTEXT,
    patchSize: 1,
    quantiles: levels,
    maxHorizon: BASELINE_MAX_HORIZON,
    supportsMissing: true,
    inputs: [],
    outputs: [],
    head: { file: '', sha256: '', tensors: [] },
    config: {},
    parameters: 0,
    provenance: { baseline: true },
    licence: 'n/a',
  };
}

/** RMS of the in-sample lag-m differences: the one-step error of the (seasonal) naive method. */
function naiveSigma(history: ArrayLike<number>, m: number): number {
  let s = 0;
  let n = 0;
  for (let t = m; t < history.length; t++) {
    const [a, b] = [history[t], history[t - m]];
    if (ok(a) && ok(b)) {
      s += (a - b) ** 2;
      n++;
    }
  }
  return n ? Math.sqrt(s / n) : NaN;
}

/**
 * Baseline forecast of h grid steps: [step][level]. Seasonal naive and naive take normal quantiles
 * around the point forecast with σ_h = σ·sqrt(⌊(h-1)/m⌋ + 1) (Hyndman & Athanasopoulos, 5.5);
 * ETS takes them from its forecast variance.
 */
export function baselineForecast(id: BaselineModel, history: Float64Array, h: number, m: number, levels: number[]): number[][] {
  if (id === 'ets') return autoEts(history, h, m, levels).quantiles;
  const period = id === 'naive' ? 1 : m;
  const point = seasonalNaive(history, h, period);
  const sigma = naiveSigma(history, period);
  const z = levels.map((q) => (q === 0.5 ? 0 : normalQuantile(q)));
  return Array.from(point, (p, i) => z.map((zk) => (zk === 0 ? p : p + zk * sigma * Math.sqrt(Math.floor(i / period) + 1))));
}
