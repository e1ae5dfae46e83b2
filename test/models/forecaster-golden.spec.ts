import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Forecaster } from '#forecasting';
import { ModelCatalog, ModelRuntime } from '#model-runtime';
import { parseTimestamp } from '#timeseries';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';
import { MODELS_DIR } from './fixtures';

/**
 * The default forecaster's outputs pinned: forecasts recorded (TSFM_RECORD_GOLDEN=1) before the
 * core was restructured (one Forecaster, ModelFamily, batched selection, bucketed ssm lengths) and
 * compared after, to 1e-6 relative. Series: one of each kind of fixture dataset (hourly, gaps,
 * 5-minute with 288 steps a day, daily with missing values, weekly, monthly, yearly).
 */
const GOLDEN = path.join(REPO_ROOT, 'test/fixtures/forecaster/golden.json');
const CASES: { file: string; horizon: number; series: number }[] = [
  { file: 'm4/m4_hourly.csv', horizon: 48, series: 3 },
  { file: 'tsibble/pedestrian_hourly.csv', horizon: 48, series: 2 },
  { file: 'prophet/yosemite_temps_5min.csv', horizon: 288, series: 1 },
  { file: 'nn_competitions/nn5_daily.csv', horizon: 56, series: 2 },
  { file: 'm4/m4_weekly.csv', horizon: 13, series: 2 },
  { file: 'tourism/tourism_monthly.csv', horizon: 24, series: 2 },
  { file: 'm3/m3_yearly.csv', horizon: 6, series: 2 },
];
const MODELS = ['ssm-small', 'xlstm-small'];

type Golden = Record<string, { sha256: string; series: { id: string; timestamps: number[]; quantiles: number[][] }[] }>;
/**
 * The same graph: 1e-6 relative. A graph re-exported from the same weights since the recording (the
 * ssm's chunked scan): the parity tolerance of its fixtures, 1e-4 of the series' forecast scale.
 */
const SAME_GRAPH = 1e-6;
const NEW_GRAPH = 1e-4;

describe('the default forecaster keeps its outputs (recorded before the core v2 restructuring)', () => {
  let runtime: ModelRuntime;
  let catalog: ModelCatalog;
  beforeAll(async () => {
    catalog = await ModelCatalog.load(MODELS_DIR, null);
    runtime = await ModelRuntime.start({ modelsDir: MODELS_DIR, providers: ['cpu'], intraOpThreads: 2, maxBatch: 64, maxWaitMs: 2, maxQueue: 100_000 });
  }, 120_000);
  afterAll(() => runtime?.close());

  it.each(MODELS)('%s: every fixture case to 1e-6', async (model) => {
    const entry = catalog.get(model);
    const forecaster = new Forecaster(runtime);
    const got: Golden[string]['series'] = [];
    for (const c of CASES) {
      const raw = readSeries(c.file, { limit: c.series });
      const series = raw.map((s) => ({ id: s.id, timestamps: s.timestamps.map((t) => parseTimestamp(t)), values: s.values }));
      const out = await forecaster.forecast(entry, series, { span: { horizon: c.horizon }, quantiles: entry.quantiles });
      out.forEach((r, i) => {
        if ('error' in r) throw new Error(`${c.file} ${series[i].id}: ${r.error.message}`);
        got.push({ id: `${c.file}:${series[i].id}`, timestamps: r.timestamps, quantiles: r.quantiles });
      });
    }
    if (process.env.TSFM_RECORD_GOLDEN === '1') {
      const all: Golden = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')) : {};
      all[model] = { sha256: entry.sha256, series: got };
      writeFileSync(GOLDEN, JSON.stringify(all));
      return;
    }
    const golden = (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden)[model];
    const want = golden.series;
    const tol = golden.sha256 === entry.sha256 ? SAME_GRAPH : NEW_GRAPH;
    expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
    got.forEach((g, i) => {
      expect(g.timestamps).toEqual(want[i].timestamps);
      // Another graph: relative to the series' forecast scale (a quantile near 0 of a series in the hundreds).
      const scale = golden.sha256 === entry.sha256 ? 0 : Math.max(...want[i].quantiles.flat().map(Math.abs));
      g.quantiles.forEach((row, t) =>
        row.forEach((v, l) => {
          const w = want[i].quantiles[t][l];
          if (Math.abs(v - w) > tol * Math.max(1, Math.abs(w), scale)) throw new Error(`${g.id} step ${t} level ${l}: ${v} != ${w}`);
        }),
      );
    });
  }, 600_000);
});
