/**
 * `auto` (libs/forecasting/src/auto) on the evaluation series, its foundation-model candidates read
 * from the forecasts run-models.js cached: the test forecasts (.tmp/eval/forecasts/<model>) and the
 * held-out windows at the end of the training parts (.tmp/eval/holdout/val<w>/forecasts/<model>,
 * holdout.py), which are exactly auto's validation cut-offs n - w·H on a regular grid (datasets with
 * missing timestamps, pedestrian and peyton_manning, cut rows instead: there the two differ slightly).
 * The statistical candidates run here, in-process, on the eval's regular-grid training values.
 *
 * usage: node dist/scripts/eval/run-auto.js [--target 0|1] [--windows K] [--top T] [--short a,b] [--out DIR] [--grid K:T:a+b[:MINH],...] [--only d1,d2]
 *   --target 0 forecasts the test windows (writes .tmp/eval/forecasts/auto/<dataset>.json for report.py);
 *   --target 1 forecasts held-out window 1, validating on window 2.. (for choosing the rules: never the
 *   test windows), and prints per-dataset scores of auto and of every candidate alone.
 *   --grid also scores other configurations (windows:top:short-series candidates joined by +) on the
 *   same forecasts; the first configuration is the one written.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AUTO_DEFAULTS,
  AutoConfig,
  AutoResult,
  StatisticalForecaster,
  autoForecast,
  meanQuantileLoss,
  statisticalForecast,
} from '../../libs/forecasting/src/auto';
import { seasonalNaiveScale } from '#timeseries';

const REPO = path.resolve(__dirname, '../../..');
const EVAL = path.join(REPO, '.tmp/eval');
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
// The shipped models (not the -dev ones), as run-models.js forecasts them by default.
const FMS: string[] = JSON.parse(readFileSync(path.join(REPO, 'models/manifest.json'), 'utf8'))
  .models.map((m: { id: string }) => m.id)
  .filter((id: string) => !id.endsWith('-dev'));

interface Series {
  id: string;
  baseline: number[];
  testY: (number | null)[];
  testSteps: number[];
  scale?: number;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function quantilesById(file: string): Map<string, number[][]> {
  if (!existsSync(file)) return new Map();
  const f = JSON.parse(readFileSync(file, 'utf8'));
  return new Map((f.series as { id: string; q: number[][] | null }[]).filter((s) => s.q).map((s) => [s.id, s.q!]));
}

const fmDir = (offset: number, model: string) =>
  offset === 0 ? path.join(EVAL, 'forecasts', model) : path.join(EVAL, `holdout/val${offset}/forecasts`, model);

async function main(): Promise<void> {
  const target = Number(arg('--target', '0'));
  const cfgBase = {
    windows: Number(arg('--windows', String(AUTO_DEFAULTS.windows))),
    top: Number(arg('--top', String(AUTO_DEFAULTS.top))),
    minHistory: Number(arg('--min-history', String(AUTO_DEFAULTS.minHistory))),
    shortSeries: arg('--short', [...FMS, 'theta'].join(',')).split(','),
  };
  const grid = [
    cfgBase,
    ...arg('--grid', '')
      .split(',')
      .filter(Boolean)
      .map((g) => {
        const [k, t, sh, mh] = g.split(':');
        return { ...cfgBase, windows: Number(k), top: Number(t), shortSeries: sh.split('+'), minHistory: Number(mh ?? cfgBase.minHistory) };
      }),
  ];
  const label = (c: (typeof grid)[number]) => `auto k=${c.windows} top=${c.top} short=${c.shortSeries.join('+')} min=${c.minHistory}`;
  const outDir = arg('--out', target === 0 ? path.join(EVAL, 'forecasts/auto') : path.join(EVAL, `holdout/val${target}/forecasts/auto`));
  const files = readdirSync(path.join(EVAL, 'series'))
    .filter((f) => f.endsWith('.json') && (!arg('--only', '') || arg('--only', '').split(',').includes(f.slice(0, -5))))
    .sort();
  const ratios: Record<string, { mase: number[]; wql: number[] }> = {};
  for (const f of files) {
    const d = JSON.parse(readFileSync(path.join(EVAL, 'series', f), 'utf8'));
    const H: number = d.H;
    const targetSeries: Series[] = target === 0 ? d.series : JSON.parse(readFileSync(path.join(EVAL, `holdout/val${target}/series`, f), 'utf8')).series;
    const base = new Map<string, Series>((d.series as Series[]).map((s) => [s.id, s]));
    const series = targetSeries.map((s) => ({ ...s, history: base.get(s.id)!.baseline.slice(0, base.get(s.id)!.baseline.length - target * H) }));
    // (model, window offset) -> id -> quantiles; offset 0 = the target's own forecast
    const cache = new Map<string, Map<string, number[][]>>();
    const fmAt = (model: string, offset: number) => {
      const key = `${model}@${offset}`;
      if (!cache.has(key)) cache.set(key, quantilesById(path.join(fmDir(offset, model), f)));
      return cache.get(key)!;
    };
    const steps = (s: Series) => (target === 0 ? s.testSteps : Array.from({ length: H }, (_, i) => i + 1));
    // The same statistical fits recur across configurations: memoised per (series, history length, model).
    const memo = new Map<string, number[][] | null>();
    const stat: StatisticalForecaster = (name, y, st, m, levels) => {
      const key = `${y[0]}|${y.length}|${y[y.length - 1]}|${name}|${st.join(',')}`;
      if (!memo.has(key)) memo.set(key, statisticalForecast(name, y, st, m, levels));
      return memo.get(key)!;
    };
    const t0 = performance.now();
    const runs: AutoResult[][] = [];
    for (const c of grid) {
      const cfg: AutoConfig = { ...c, horizon: H, m: d.m, levels: LEVELS };
      runs.push(
        await autoForecast(
          series.map((s) => ({ values: s.history, steps: steps(s) })),
          cfg,
          async (reqs) =>
            reqs.map((r) => {
              const s = series[r.series];
              const w = target + Math.round((s.history.length - r.cutoff) / H);
              const out: Record<string, number[][]> = {};
              for (const model of FMS) {
                const q = fmAt(model, w).get(s.id);
                if (q && q.length === r.steps.length) out[model] = q;
              }
              return out;
            }),
          stat,
        ),
      );
    }
    const results = runs[0];
    const seconds = (performance.now() - t0) / 1000;
    mkdirSync(outDir, { recursive: true });
    const outSeries = series.map((s, i) => ({
      id: s.id,
      q: results[i].quantiles.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6)),
      auto: results[i].metadata,
    }));
    writeFileSync(path.join(outDir, f), JSON.stringify({ method: 'auto', dataset: d.dataset, config: cfgBase, series: outSeries, failed: 0, seconds }));
    const rules = results.filter((r) => r.metadata.rule === 'short-series').length;
    // Per-dataset MASE and WQL of each auto configuration and of each candidate alone.
    const score = (get: (i: number) => number[][] | undefined) => {
      let pin = 0;
      let absy = 0;
      const mase: number[] = [];
      series.forEach((s, i) => {
        const q = get(i);
        if (!q) return;
        const y = s.testY.map((v) => (v === null ? NaN : v));
        const n = y.filter(Number.isFinite).length;
        if (!n) return;
        pin += meanQuantileLoss(y, q, LEVELS) * n * LEVELS.length;
        absy += y.reduce((a, v) => a + (Number.isFinite(v) ? Math.abs(v) : 0), 0) * LEVELS.length;
        const sc = target === 0 && s.scale !== undefined ? s.scale : seasonalNaiveScale(s.history, d.m);
        if (sc > 0) mase.push(y.reduce((a, v, k) => a + (Number.isFinite(v) ? Math.abs(v - q[k][4]) : 0), 0) / n / sc);
      });
      return { wql: pin / absy, mase: mase.reduce((a, b) => a + b, 0) / mase.length };
    };
    const cand = (name: string) => (i: number) =>
      FMS.includes(name)
        ? fmAt(name, target).get(series[i].id)
        : (stat(name, Float64Array.from(series[i].history), steps(series[i]), d.m, LEVELS) ?? undefined);
    const names = [...grid.map(label), ...FMS, 'ets', 'theta', 'seasonal_naive'];
    const scores = names.map((n, k) => (k < grid.length ? score((i) => runs[k][i].quantiles) : score(cand(n))));
    const sn = scores[names.length - 1];
    names.forEach((n, k) => {
      (ratios[n] ??= { mase: [], wql: [] }).mase.push(scores[k].mase / sn.mase);
      ratios[n].wql.push(scores[k].wql / sn.wql);
    });
    console.log(
      `${d.dataset.padEnd(22)} ${series.length} series (${rules} short) ${seconds.toFixed(1)} s | ` +
        names.map((n, k) => `${k < grid.length ? `auto${k}` : n} ${scores[k].mase.toFixed(3)}/${scores[k].wql.toFixed(3)}`).join('  '),
    );
  }
  const gm = (a: number[]) => Math.exp(a.filter((x) => x > 0 && Number.isFinite(x)).reduce((s, x) => s + Math.log(x), 0) / a.length);
  for (const [n, r] of Object.entries(ratios)) {
    const vsEts = r.mase.filter((x, i) => x < ratios.ets.mase[i]).length;
    const vsFm = r.wql.filter((x, i) => x <= 1.02 * Math.min(...FMS.map((m) => ratios[m].wql[i]))).length;
    console.log(
      `${n.padEnd(15)} rel MASE ${gm(r.mase).toFixed(3)}  rel WQL ${gm(r.wql).toFixed(3)}  MASE < ETS on ${vsEts}/${r.mase.length}  WQL within 2 % of the better FM on ${vsFm}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
