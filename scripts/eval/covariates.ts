/**
 * Covariate evaluation (npm run eval -- --covariates): per dataset and window, the default model's
 * forecast of the target alone against regression with foundation-model errors
 * (libs/forecasting/src/covariates) with the dataset's covariates and with three random walks, through
 * the real serving path (prepareSeries -> forecastPrepared -> ModelRuntime (onnxruntime-node) ->
 * finishSeries). Each variant is forecast with the covariates forced on; the guard's decision for a
 * margin is then read from the holdout ratio it recorded, so every margin is scored without more model
 * calls. The margin is chosen on the validation windows; the test windows report it.
 *
 * usage: node dist/scripts/eval/covariates.js [--data DIR (default $TSFM_EVAL_DATA)] [--datasets a,b] [--model ssm-small] [--out docs/ACCURACY.md]
 *        [--rescore: reuse the last forecasts, score again] [--reuse-base: reuse the last forecasts without covariates]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CovariateForecast,
  CovariateSeries,
  DEFAULT_MARGIN,
  DEFAULT_PROXY,
  GridForecaster,
  designMatrix,
  forecastWithCovariates,
  holdoutScore,
} from '../../libs/forecasting/src/covariates';
import { finishSeries, forecastPrepared, prepareSeries } from '#forecasting';
import { ManifestEntry, ModelRuntime } from '#model-runtime';
import { pinball } from '#timeseries';
import { CovariateDataset, Task, loadDatasets, tasks } from './covariates-data';
import { startRuntime } from './run-models';

const REPO = path.resolve(__dirname, '../../..');
const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const MARGINS = [-Infinity, 0, 0.02, 0.05, 0.1, Infinity];
const BEGIN = '<!-- covariates:begin (npm run eval -- --covariates writes this section) -->';
const END = '<!-- covariates:end -->';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The foundation model on grid series, as a forecast request of `horizon` steps would run it. */
function modelForecaster(runtime: ModelRuntime, entry: ManifestEntry, d: CovariateDataset): GridForecaster {
  return async (series, horizon) => {
    const prepared = series.map((s) => {
      const last = s.timestamps[s.timestamps.length - 1];
      const at = Array.from({ length: horizon }, (_, h) => last + (h + 1) * d.stepMs);
      // A history ending in a gap: ask for the grid timestamps, as a client would with `at`.
      const span = s.values[s.values.length - 1] === null ? { at } : { horizon };
      return {
        at,
        p: prepareSeries(s.timestamps, s.values, entry, {
          span,
          frequency: d.frequency,
          quantiles: LEVELS,
          coarsen: true,
          selectContext: true,
          adjustSeasons: true,
        }),
      };
    });
    const out = await forecastPrepared(
      runtime,
      entry.id,
      prepared.map((x) => x.p),
      entry.quantiles,
    );
    return prepared.map((x, i) => {
      const r = finishSeries(x.p, out[i].forecast.quantiles, entry.quantiles, LEVELS, 'value');
      const byT = new Map(r.timestamps.map((t, k) => [t, r.quantiles[k]]));
      return x.at.map((t) => byT.get(t) ?? LEVELS.map(() => NaN));
    });
  };
}

interface Outcome {
  task: Task;
  base: number[][];
  cov: number[][];
  rw: number[][];
  /** Holdout ratios per proxy of the covariates and of the random walks. */
  ratios: Record<string, { cov: number; rw: number }>;
}

/** Pooled WQL (mean over levels of 2 Σ pinball / Σ |y|) of the chosen forecast per outcome. */
function wql(outs: Outcome[], pick: (o: Outcome) => number[][]): number {
  let loss = 0;
  let scale = 0;
  for (const o of outs) {
    const q = pick(o);
    o.task.actual.forEach((y, h) => {
      if (y === null || !q[h].every(Number.isFinite)) return;
      for (let k = 0; k < LEVELS.length; k++) loss += (2 * pinball(y, q[h][k], LEVELS[k])) / LEVELS.length;
      scale += Math.abs(y);
    });
  }
  return loss / scale;
}

const PROXIES = ['seasonal', 'naive'] as const;

/** The guard's holdout ratio of a series for a proxy (NaN: too short for a holdout, so never used). */
function ratio(s: CovariateSeries, proxy: (typeof PROXIES)[number]): number {
  const y = Float64Array.from(s.history, (v) => v ?? NaN);
  return holdoutScore(s, designMatrix(s).x, y, { proxy })?.ratio ?? NaN;
}

/** The forecast a guard with this margin gives: the covariates' when their holdout ratio clears it. */
const guarded = (f: number[][], base: number[][], r: number, margin: number) => (r < 1 - margin ? f : base);

type Cached = { base: number[][][]; cov: number[][][]; rw: number[][][]; seconds: { base: number; cov: number } };

async function run(
  runtime: ModelRuntime,
  entry: ManifestEntry,
  d: CovariateDataset,
  cacheFile: string,
): Promise<{ outs: Outcome[]; seconds: { base: number; cov: number } }> {
  const all = tasks(d);
  const withRatios = (c: Cached) =>
    all.map((task, i) => ({
      task,
      base: c.base[i],
      cov: c.cov[i],
      rw: c.rw[i],
      ratios: Object.fromEntries(PROXIES.map((p) => [p, { cov: ratio(task.withCovariates, p), rw: ratio(task.randomWalks, p) }])),
    }));
  // --rescore: the model forecasts of the last run (same tasks), only the guard and the metrics again.
  if (process.argv.includes('--rescore') && existsSync(cacheFile)) {
    const c: Cached = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (c.base.length === all.length) return { outs: withRatios(c), seconds: c.seconds };
  }
  const fm = modelForecaster(runtime, entry, d);
  const forced = { margin: -Infinity };
  const timed = async (xs: CovariateSeries[]) => {
    const t0 = performance.now();
    const r = await forecastWithCovariates(xs, fm, forced);
    return { r, s: (performance.now() - t0) / 1000 };
  };
  // --reuse-base: the forecasts without covariates from the last run (they do not depend on the covariate method).
  const prev: Cached | null = process.argv.includes('--reuse-base') && existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : null;
  const base =
    prev && prev.base.length === all.length
      ? { r: prev.base.map((quantiles) => ({ quantiles }) as CovariateForecast), s: prev.seconds.base }
      : await timed(all.map((t) => t.base));
  const cov = await timed(all.map((t) => t.withCovariates));
  const rw = await timed(all.map((t) => t.randomWalks));
  const q = (r: CovariateForecast[]) => r.map((f) => f.quantiles.map((row) => row.map((v) => Math.round(v * 1e4) / 1e4)));
  const c: Cached = { base: q(base.r), cov: q(cov.r), rw: q(rw.r), seconds: { base: base.s, cov: cov.s } };
  writeFileSync(cacheFile, JSON.stringify(c));
  return { outs: withRatios(c), seconds: c.seconds };
}

interface Row {
  dataset: string;
  split: string;
  windows: number;
  covariates: string;
  /** By proxy, then margin. */
  rel: Record<string, Record<string, number>>;
  relRw: Record<string, Record<string, number>>;
  used: number;
  cost: number;
}

function rows(d: CovariateDataset, outs: Outcome[], seconds: { base: number; cov: number }): Row[] {
  return (['validation', 'test'] as const).map((split) => {
    const o = outs.filter((x) => x.task.split === split);
    const b = wql(o, (x) => x.base);
    const rel: Row['rel'] = {};
    const relRw: Row['relRw'] = {};
    for (const p of PROXIES) {
      rel[p] = {};
      relRw[p] = {};
      for (const m of MARGINS) {
        // −∞: always the covariates, whatever the holdout says
        rel[p][String(m)] = wql(o, (x) => (m === -Infinity ? x.cov : guarded(x.cov, x.base, x.ratios[p].cov, m))) / b;
        relRw[p][String(m)] = wql(o, (x) => (m === -Infinity ? x.rw : guarded(x.rw, x.base, x.ratios[p].rw, m))) / b;
      }
    }
    const names = o[0]?.task.withCovariates.covariates.map((c) => c.name) ?? [];
    return {
      dataset: d.name,
      split,
      windows: o.length,
      covariates: names.length > 6 ? `${names.slice(0, 5).join(', ')} … (${names.length})` : names.join(', '),
      rel,
      relRw,
      used: o.filter((x) => x.ratios[DEFAULT_PROXY].cov < 1 - DEFAULT_MARGIN).length,
      cost: seconds.cov / seconds.base,
    };
  });
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** The guard (proxy, margin) with the lowest geometric mean of validation rel WQL whose random walks stay within 2 % on every dataset. */
function chooseGuard(all: Row[]): { proxy: string; margin: number; g: number } | null {
  const val = all.filter((r) => r.split === 'validation');
  let best: { proxy: string; margin: number; g: number } | null = null;
  for (const p of PROXIES)
    for (const m of MARGINS) {
      const k = String(m);
      if (!val.length || val.some((r) => !(r.relRw[p][k] <= 1.02))) continue;
      const g = Math.exp(val.reduce((a, r) => a + Math.log(r.rel[p][k]), 0) / val.length);
      if (!best || g < best.g - 1e-9) best = { proxy: p, margin: m, g };
    }
  return best;
}

function section(model: string, all: Row[], notRun: string[]): string {
  const m = String(DEFAULT_MARGIN);
  const p = DEFAULT_PROXY;
  const chosen = chooseGuard(all);
  const byMargin = (xs: Record<string, number>) =>
    MARGINS.slice(0, 5)
      .map((x) => f3(xs[String(x)]))
      .join(' / ');
  const L = [
    BEGIN,
    '## Covariates',
    '',
    `Generated by \`npm run eval -- --covariates\` (scripts/eval/covariates.ts) on ${new Date().toISOString().slice(0, 16)}Z with \`${model}\` on 2 shared CPU cores.`,
    'Regression with foundation-model errors (libs/forecasting/src/covariates): per series a ridge regression (standardised covariates, GCV penalty) of the target on its covariates over the last 28 horizons of the history, the model forecasting what it leaves, the effect added back to every quantile. The guard fits the regression without the last 4 horizons of the history and keeps the covariates when, on those 4 horizons, a proxy forecast (the last value: `naive`, or one season back: `seasonal`) of what the effect leaves plus the effect has a mean absolute error below (1 − margin) × the same proxy on the target.',
    'rel WQL = WQL with covariates ÷ WQL of the same model without them on the same windows (< 1: the covariates help). Random walks: three random-walk covariates in their place. Cost: wall time of the whole batch with covariates (calendar, regression, guard, model) ÷ the batch without, measured in one process (with --reuse-base / --rescore: as measured when the base forecasts were made). Validation windows lie before all test windows; the guard is chosen on them.',
    '',
    `Guard in use: proxy \`${p}\`, margin ${DEFAULT_MARGIN} (DEFAULT_PROXY, DEFAULT_MARGIN). Chosen on the validation windows (lowest geometric mean of rel WQL with random walks within 2 % on every dataset): ${chosen === null ? 'none qualifies' : `proxy \`${chosen.proxy}\`, margin ${chosen.margin} (geometric mean ${f3(chosen.g)})`}. By-margin columns: −∞ = always the covariates.`,
    '',
    `| dataset | split | windows | covariates | rel WQL | random walks | used | cost × | rel WQL by margin (−∞ / 0 / 0.02 / 0.05 / 0.1), naive proxy | seasonal proxy | random walks by margin, naive proxy | seasonal proxy |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of all)
    L.push(
      `| ${r.dataset} | ${r.split} | ${r.windows} | ${r.covariates} | **${f3(r.rel[p][m])}** | ${f3(r.relRw[p][m])} | ${r.used}/${r.windows} | ${r.cost.toFixed(2)} | ` +
        `${byMargin(r.rel.naive)} | ${byMargin(r.rel.seasonal)} | ${byMargin(r.relRw.naive)} | ${byMargin(r.relRw.seasonal)} |`,
    );
  if (notRun.length) L.push('', `Not in this run (no cached rows; \`--datasets\` runs them): ${notRun.join(', ')}.`);
  L.push('', END);
  return L.join('\n');
}

async function main(): Promise<void> {
  const dir = arg('--data') ?? process.env.TSFM_EVAL_DATA;
  if (!dir) throw new Error('set TSFM_EVAL_DATA (or --data DIR) to the evaluation data folder');
  const out = path.resolve(arg('--out') ?? path.join(REPO, 'docs/ACCURACY.md'));
  const only = arg('--datasets')?.split(',');
  const runtime = await startRuntime(path.join(REPO, 'models'));
  const entry = runtime.entry(arg('--model') ?? 'ssm-small');
  // Rows per dataset under .tmp/eval/covariates/, so that --datasets reruns some and the section keeps the rest.
  const cache = path.join(REPO, '.tmp/eval/covariates');
  mkdirSync(cache, { recursive: true });
  const datasets = loadDatasets(dir);
  try {
    for (const d of datasets.filter((x) => !only || only.includes(x.name))) {
      const r = await run(runtime, entry, d, path.join(cache, `${d.name}.forecasts.json`));
      const rs = rows(d, r.outs, r.seconds);
      for (const x of rs) console.log(JSON.stringify(x));
      writeFileSync(path.join(cache, `${d.name}.json`), JSON.stringify({ model: entry.id, rows: rs }));
    }
  } finally {
    await runtime.close();
  }
  const all: Row[] = datasets.flatMap((d) => {
    const f = path.join(cache, `${d.name}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')).rows as Row[]) : [];
  });
  const doc = readFileSync(out, 'utf8');
  const text = section(
    entry.id,
    all,
    datasets.map((d) => d.name).filter((n) => !all.some((r) => r.dataset === n)),
  );
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  writeFileSync(out, a >= 0 && b > a ? doc.slice(0, a) + text + doc.slice(b + END.length) : `${doc.trimEnd()}\n\n${text}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
