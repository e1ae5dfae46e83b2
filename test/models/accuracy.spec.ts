import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog, ModelRuntime } from '#model-runtime';
import { parseFrequency, stepForward } from '#timeseries';
import { EvalDataset, forecastDataset, startRuntime } from '../../scripts/eval/run-models';
import { MODELS_DIR } from './fixtures';

/**
 * Accuracy regression on real data: every shipped trained model on 50 M4 hourly series and on 50 short
 * M3 yearly series (YEARLY_BOUNDS below). M4 hourly: every 8th,
 * models/fixtures/accuracy/m4_hourly_50.json from scripts/eval/accuracy_subsets.py), last 48 points = the
 * official M4 test, through onnxruntime-node and the real pipeline (prepareSeries -> forecastPrepared -> ModelRuntime ->
 * finishSeries, scripts/eval/run-models.ts). MASE (scale: in-sample seasonal-naive MAE, m = 24) and
 * WQL (9 levels) are divided by seasonal naive's on the same series, computed here.
 *
 * Bounds per shipped model, slightly above the values measured when it was shipped:
 *   xlstm-small: rel MASE 0.844, rel WQL 0.778 with the additive alternative of the seasonal adjustment (manifest
 *                seasonalAdjustment.additive 0.7, 2026-12-01: some of these series' days are taken out additively);
 *                0.896 / 0.786 before it with the manifest contextPadding (2026-12-01: these 700-960-point
 *                series padded to whole patches, not to the 1,024-step window); before that 0.893 / 0.789
 *                (small14: small8 + 1200 steps with 15 % of the batches shorter than
 *                a patch, shipped 2026-11-30; small8 measured 0.888 / 0.781) with the seasonal adjustment over 6
 *                seasons (manifest `seasonalAdjustment`, 2026-11-30); before it 1.208 / 0.849 (measured 2026-11-30, 8000 + 2500 + 4000 + 4000 + 2000 + 2000 + 1500 training
 *                steps, curricula small2, then small4 and small5 (small2 again at peak lr 3e-4, then 2e-4), small6 (small5 on
 *                MIX_V3), small7 (small6 with half of the batches short) and small8 (small7 at batch 64, peak lr 1.5e-4);
 *                negation ensemble on. The small2 model measured 1.240 / 0.833 here (1.331 / 0.920 without the ensemble),
 *                small4 1.274 / 0.806, small5 1.218 / 0.844, small7 1.251 / 0.834; on the eval's geometric mean they
 *                measure 1.054 / 0.869, 1.035 / 0.838, 1.028 / 0.839, 1.031 / 0.830 and small8 1.012 / 0.823)
 *   ssm-small:   rel MASE 0.856, rel WQL 0.875 with the additive alternative of the seasonal adjustment (manifest
 *                seasonalAdjustment.additive 0.7, 2026-12-01); before it 0.892 / 0.883
 *                (small9: small8's data in one 2-hour run from scratch, 4500 steps,
 *                shipped 2026-11-30 evening); the 7.9-hour chain it replaced (below) measured 0.919 / 0.913 with the
 *                seasonal adjustment over 6 seasons (2026-11-30); before it
 *                1.080 / 1.077 (measured 2026-11-30, 3000 + 2000 + 1000 + 1000 + 1800 + 1800 + 1200 training
 *                steps, curricula small2, small3, small4 (forecasts from context positions), small5 (small4 at peak lr 2e-4),
 *                small7 (small5 on MIX_V3, with ETS state-space series), then small8 (small7 with 30 % of the batches at
 *                periods off the list); the default; negation ensemble and per-series context selection on. The small4
 *                model measured 1.198 / 0.977 here (1.239 / 0.901 without the selection: on this subset it lowers MASE and
 *                raises WQL, the quantiles of the shorter contexts it picks for some of the large series are worse
 *                calibrated; on the eval's 83 M4-hourly series 1.276 -> 1.162 / 0.726 -> 0.750, docs/ACCURACY.md), small5
 *                1.101 / 1.017, small7 1.110 / 1.062; on the eval's geometric mean small5 0.863 / 0.708, small7 0.843 /
 *                0.700, small8 0.839 / 0.695; with the adjustment small8 0.771 / 0.653, small9 0.783 / 0.661)
 * Both were worse than seasonal naive on MASE on this hourly subset before the seasonal adjustment; the
 * bounds guard against regressions of the shipped weights and the serving pipeline, they are not accuracy targets.
 */
const BOUNDS: Record<string, { relMase: number; relWql: number }> = {
  'xlstm-small': { relMase: 0.87, relWql: 0.80 },
  'ssm-small': { relMase: 0.88, relWql: 0.90 },
};

/**
 * Short yearly series (M3 yearly, 50 series, every 12th, 14-41 training points: about one xlstm patch
 * or less, the case xlstm-small's small14 stage trained; the last 6 points are the official M3 test),
 * against naive (seasonal naive with m = 1) with quantiles from its one-step differences (sigma * sqrt(h)).
 * Measured (rel MASE / rel WQL): xlstm-small 0.804 / 0.815 (small14 with its manifest contextPadding, 2026-12-01:
 * a series shorter than the window is padded to whole patches, as in pre-training; padded to the whole window
 * 0.884 / 0.913, and small8, which never trained on a context shorter than a patch, 0.912 / 0.944); ssm-small
 * 0.869 / 0.872 (small9; the small8 chain 0.856 / 0.867).
 */
const YEARLY_BOUNDS: Record<string, { relMase: number; relWql: number }> = {
  'xlstm-small': { relMase: 0.83, relWql: 0.84 },
  'ssm-small': { relMase: 0.89, relWql: 0.89 },
};

const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

interface Subset { frequency: string; horizon: number; season: number; series: { id: string; start: string; values: number[] }[] }

const SUBSETS = [
  { file: 'm4_hourly_50.json', frequency: 'h', H: 48, M: 24, first: 'H1', minLength: 700, bounds: BOUNDS },
  { file: 'm3_yearly_50.json', frequency: 'Y', H: 6, M: 1, first: 'N0001', minLength: 20, bounds: YEARLY_BOUNDS },
];

function mase(y: number[], median: number[], train: number[], m: number): number {
  let scale = 0;
  for (let i = m; i < train.length; i++) scale += Math.abs(train[i] - train[i - m]);
  scale /= train.length - m;
  return y.reduce((a, v, i) => a + Math.abs(v - median[i]), 0) / y.length / scale;
}

function wqlParts(y: number[], q: number[][]): number[] {
  return LEVELS.map((l, k) => y.reduce((a, v, i) => a + Math.max(l * (v - q[i][k]), (l - 1) * (v - q[i][k])), 0));
}

describe.each(SUBSETS)('accuracy of the shipped models on real data ($file)', ({ file, frequency, H, M, first, minLength, bounds }) => {
  const subset: Subset = JSON.parse(readFileSync(path.join(MODELS_DIR, 'fixtures/accuracy', file), 'utf8'));
  let runtime: ModelRuntime;
  let defaultModel: string;

  beforeAll(async () => {
    defaultModel = (await ModelCatalog.load(MODELS_DIR, null)).defaultModel;
    runtime = await startRuntime(MODELS_DIR);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('the subset is the fixed one: 50 series with their official test', () => {
    expect(subset.series).toHaveLength(50);
    expect([subset.frequency, subset.horizon, subset.season]).toEqual([frequency, H, M]);
    expect(subset.series[0].id).toBe(first);
    expect(Math.min(...subset.series.map((s) => s.values.length))).toBeGreaterThanOrEqual(minLength);
  });

  it('every shipped trained model, the default among them, has a bound', async () => {
    const shipped = (await ModelCatalog.load(MODELS_DIR, null)).list().map((e) => e.id).filter((id) => !id.endsWith('-dev'));
    expect(Object.keys(bounds).sort()).toEqual(shipped.sort());
    expect(shipped).toContain(defaultModel);
  });

  it.each(Object.keys(bounds))('%s stays within its bound', async (modelId) => {
    const entry = runtime.entry(modelId);
    const f = parseFrequency(frequency);
    const steps = (start: string, n: number) => {
      const t = [Date.parse(start)];
      while (t.length < n) t.push(stepForward(t[t.length - 1], f, 1));
      return t;
    };
    const d: EvalDataset = {
      dataset: file, frequency, H, m: M, regularTest: true,
      series: subset.series.map((s) => {
        const t = steps(s.start, s.values.length);
        const n = s.values.length - H;
        return { id: s.id, t: t.slice(0, n), v: s.values.slice(0, n), testT: t.slice(n), testY: s.values.slice(n), testSteps: [] };
      }),
    };
    const out = await forecastDataset(runtime, entry, d);
    expect(out.filter((o) => o.q === null)).toEqual([]);
    let [mModel, mNaive, absSum] = [0, 0, 0];
    const pModel = new Array(9).fill(0);
    const pNaive = new Array(9).fill(0);
    subset.series.forEach((s, j) => {
      const train = s.values.slice(0, -H);
      const y = s.values.slice(-H);
      const q = out[j].q!;
      expect(q).toHaveLength(H);
      for (const row of q) for (let k = 1; k < 9; k++) expect(row[k]).toBeGreaterThanOrEqual(row[k - 1]);
      // Seasonal naive: the last observed season repeated, quantiles from the in-sample M-step differences (sigma * sqrt(ceil(h/M))).
      const diffs = train.slice(M).map((v, i) => v - train[i]);
      const sigma = Math.sqrt(diffs.reduce((a, v) => a + v * v, 0) / diffs.length);
      const z = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816];
      const sn = y.map((_, h) => {
        const k = Math.ceil((h + 1) / M);
        const mean = train[train.length + h - M * k];
        return z.map((zz) => mean + sigma * Math.sqrt(k) * zz);
      });
      mModel += mase(y, q.map((r) => r[4]), train, M);
      mNaive += mase(y, sn.map((r) => r[4]), train, M);
      wqlParts(y, q).forEach((v, k) => (pModel[k] += v));
      wqlParts(y, sn).forEach((v, k) => (pNaive[k] += v));
      absSum += y.reduce((a, v) => a + Math.abs(v), 0);
    });
    const relMase = mModel / mNaive;
    const wql = (p: number[]) => p.reduce((a, v) => a + (2 * v) / absSum, 0) / 9;
    const relWql = wql(pModel) / wql(pNaive);
    console.log(`${file} ${modelId}: rel MASE ${relMase.toFixed(3)}, rel WQL ${relWql.toFixed(3)} (seasonal naive MASE ${(mNaive / 50).toFixed(3)})`);
    expect(relMase).toBeLessThan(bounds[modelId].relMase);
    expect(relWql).toBeLessThan(bounds[modelId].relWql);
  });
});
