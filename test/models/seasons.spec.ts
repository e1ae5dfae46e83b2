import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng as prng } from '#forecasting';
import { ModelCatalog, ModelRuntime } from '#model-runtime';
import { parseFrequency, stepForward } from '#timeseries';
import { EvalDataset, forecastDataset, startRuntime } from '../../scripts/eval/run-models';
import { MODELS_DIR } from './fixtures';

/**
 * Seasons off the list the synthetic pre-training drew its periods from (4, 7, 12, 24, 48, 52, 96,
 * 168, 288 steps). The eval's real datasets all have seasons on it, and the xlstm (no time-scale
 * input) learned to copy only those: off it, a clean season reads 2-4x worse than seasonal naive,
 * and a training stage with periods drawn off the list did not change that (xlstm small11,
 * models/toolchain/training/HISTORY.md). The service therefore reads such series on a grid whose
 * season is on the list (pipeline.ts xlstmGrid); the ssm reads the season through its scale factor.
 * Noisy two-harmonic sines at those frequencies go through the serving path (prepareSeries ->
 * ModelRuntime -> finishSeries, with the xlstm's grid and the ssm's period detection and context
 * selection): the model median's MAE divided by seasonal naive's (the last season repeated),
 * averaged over 8 series per case. The noise alone leaves about 0.71.
 *
 * Two versions of each case: sines around 10 (positive, with a clear season: the service divides them
 * by their seasonal profile before the model reads them, manifest `seasonalAdjustment`,
 * libs/forecasting seasonal-adjustment.ts) and the same sines around 0 (not positive: read as they
 * are, so the grid rule and the scale factor alone carry the season). Instance scaling makes the level
 * itself irrelevant to the models.
 *
 * Measured 2026-11-30; the bounds sit slightly above:
 *   read as they are (around 0):
 *   xlstm-small: B 4.55, 3h 0.90, 20min 0.87, 10min 0.86, 4h 0.89, 12h 0.86, h 0.78 (small14; small8: B 4.54, 3h 0.88,
 *                4h 0.87, 12h 0.84, h 0.77, the others the same, measured around 10 before the seasonal adjustment). On the series' own grid (the rule before, which only coarsened seasons that
 *                did not fit 8 times): 3h 1.19, 20min 3.33, 10min 2.97 (a 20-minute grid, season 72). Business
 *                days keep their own grid (season 5): the known weak spot (pipeline.ts xlstmGrid says why).
 *   ssm-small:   B 0.93, 3h 0.88, 20min 0.79, 10min 0.77, 4h 0.82, 12h 0.84, h 0.76 (small9: small8's data in one
 *                2-hour run from scratch, 30 % of its batches at free periods; only a season of 2 read as twice
 *                itself: manifest scalePeriods {"2": 4}, pipeline.ts ssmScalePeriod. With seasons 2, 3, 5 and 6 doubled, the rule chosen for
 *                small8: B 1.41, 4h 1.06, the rest the same). The 7.9-hour chain it replaced (small8): B 1.15, 3h
 *                0.84, 20min 0.78, 4h 0.93, 12h 0.82, h 0.77 (at s = 24/m: B 1.29). small7 at s = 24/m: B 1.53, 4h
 *                1.13, 12h 2.82 (the others as small8): scale factors above 24/7 other than 6 were never trained.
 *   seasonally adjusted (around 10):
 *   xlstm-small: B 0.81, 3h 0.82, 20min 0.81, 10min 0.77, 4h 0.75, 12h 0.85, h 0.77 (small14; small8: B 0.82): the
 *                business week it cannot copy is divided out before it reads the series.
 *   ssm-small:   B 0.81, 3h 0.80, 20min 0.84, 10min 0.80, 4h 0.72, 12h 0.83, h 0.77 (small9; 4h 0.75 with 6 doubled; small8: B 0.84, 3h 0.79,
 *                20min 0.84, 10min 0.81, 4h 0.77, 12h 0.87, h 0.76).
 */
const CASES: { freq: string; m: number }[] = [
  { freq: 'B', m: 5 }, // business days: a week of 5
  { freq: '3h', m: 8 }, // a day of 8 (the xlstm reads a 2-hour grid: season 12)
  { freq: '20min', m: 72 }, // a day of 72 (the xlstm: a 15-minute grid, season 96)
  { freq: '10min', m: 144 }, // a day of 144 (the xlstm: a 15-minute grid, season 96)
  { freq: '4h', m: 6 }, // a day of 6 (the xlstm: a 2-hour grid, season 12)
  { freq: '12h', m: 2 }, // a day of 2 (the xlstm: a 6-hour grid, season 4)
  { freq: 'h', m: 24 }, // on the list: the control
];
const BOUNDS: Record<'raw' | 'adjusted', Record<string, Record<string, number>>> = {
  raw: {
    'xlstm-small': { B: 4.8, '3h': 0.93, '20min': 0.92, '10min': 0.91, '4h': 0.92, '12h': 0.89, h: 0.82 },
    'ssm-small': { B: 0.98, '3h': 0.93, '20min': 0.84, '10min': 0.82, '4h': 0.87, '12h': 0.89, h: 0.81 },
  },
  adjusted: {
    'xlstm-small': { B: 0.87, '3h': 0.87, '20min': 0.86, '10min': 0.82, '4h': 0.80, '12h': 0.90, h: 0.82 },
    'ssm-small': { B: 0.86, '3h': 0.85, '20min': 0.89, '10min': 0.85, '4h': 0.77, '12h': 0.88, h: 0.82 },
  },
};
const LEVEL = { raw: 0, adjusted: 10 };
const SERIES = 8;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function sines(freq: string, m: number, level: number): EvalDataset {
  const f = parseFrequency(freq);
  const H = Math.min(2 * m, 64);
  const n = Math.max(600, 16 * m); // >= 8 seasons on the xlstm's grid after coarsening
  const series = Array.from({ length: SERIES }, (_, j) => {
    const r = prng(1000 * m + j);
    const phase = 2 * Math.PI * r();
    const t: number[] = [];
    let ts = Date.UTC(2024, 0, 1); // a Monday
    for (let i = 0; i < n + H; i++, ts = stepForward(ts, f, 1)) t.push(ts);
    const v = t.map((_, i) => level + 3 * Math.sin((2 * Math.PI * i) / m + phase) + 1.5 * Math.cos((4 * Math.PI * i) / m + 1) + 0.5 * gaussian(r));
    return { id: `s${j}`, t: t.slice(0, n), v: v.slice(0, n), testT: t.slice(n), testY: v.slice(n), testSteps: [] };
  });
  return { dataset: `sines_${freq}`, frequency: freq, H, m, regularTest: true, series };
}

describe('seasons off the pre-training list (noisy sines through the serving path)', () => {
  let runtime: ModelRuntime;
  let shipped: string[];

  beforeAll(async () => {
    shipped = (await ModelCatalog.load(MODELS_DIR, null)).list().map((e) => e.id).filter((id) => !id.endsWith('-dev'));
    runtime = await startRuntime(MODELS_DIR);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('every shipped trained model has bounds', () => {
    for (const b of Object.values(BOUNDS)) expect(Object.keys(b).sort()).toEqual(shipped.sort());
  });

  const runs = (['raw', 'adjusted'] as const).flatMap((kind) => Object.keys(BOUNDS[kind]).map((id) => [id, kind] as const));
  it.each(runs)('%s, %s: the ratio to seasonal naive of each season stays within its bound', async (modelId, kind) => {
    const entry = runtime.entry(modelId);
    const ratios: Record<string, number> = {};
    for (const { freq, m } of CASES) {
      const d = sines(freq, m, LEVEL[kind]);
      const out = await forecastDataset(runtime, entry, d);
      let sum = 0;
      d.series.forEach((s, j) => {
        const q = out[j].q;
        expect(q, out[j].error).not.toBeNull();
        // Around 10 every series is adjusted (by the season of the grid the model reads), around 0 none.
        expect(out[j].adjusted !== undefined, `${freq} ${s.id}`).toBe(kind === 'adjusted');
        const train = s.v as number[];
        const y = s.testY as number[];
        const mae = y.reduce((a, v, h) => a + Math.abs(v - q![h][4]), 0);
        const sn = y.reduce((a, v, h) => a + Math.abs(v - train[train.length - m + (h % m)]), 0);
        sum += mae / sn;
      });
      ratios[freq] = sum / SERIES;
    }
    console.log(`${modelId} ${kind}: ${CASES.map(({ freq }) => `${freq} ${ratios[freq].toFixed(2)}`).join(', ')}`);
    for (const { freq } of CASES) expect(ratios[freq], freq).toBeLessThan(BOUNDS[kind][modelId][freq]);
  }, 400_000); // the ssm's context selection forecasts each series 12 times
});
