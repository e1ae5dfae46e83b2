import { Injectable, Logger } from '@nestjs/common';
import { DomainError, InvalidInputError, OverloadedError } from '#common';
import { BacktestForecastRow, BacktestsRepository, ObservationsRepository, SeriesRepository } from '#db';
import type { JobContext, JobOutcome, JobPayloads } from '#jobs';
import { ModelRuntime } from '#model-runtime';
import {
  Frequency,
  TimeseriesError,
  defaultSeasonalPeriod,
  detectSeasonalPeriod,
  futureGrid,
  inferFrequency,
  parseFrequency,
  seasonalCandidates,
  stepForward,
} from '#timeseries';
import { baselineEntry, baselineForecast } from './backtest-baselines';
import { MetricSet, WindowEval, pooledMetrics, relativeMetrics, windowScales } from './backtest-metrics';
import { BASELINE_CONTEXT, BacktestRequestRecord, MIN_BACKTEST_CONTEXT, backtestRowsNeeded, isBaseline } from './backtest-request';
import { ModelResolver } from './finetune/model-resolver';
import { PreparedSeries, finishSeries } from './pipeline';
import { ContextSelectionResult } from './context-selection';
import { Forecaster, ForecasterModel, gridOnlyModel } from './forecaster';

/** One series channel with its rolling-origin windows. */
interface Target {
  seriesId: string;
  channel: string;
  frequency: Frequency;
  seasonalPeriod: number;
  timestamps: number[];
  values: (number | null)[];
  windows: { origin: number; times: number[]; actuals: (number | null)[]; history: Float64Array; scale1: number; scale2: number }[];
}

interface SeriesOutcome {
  seriesId: string;
  channel: string | null;
  status: 'SUCCEEDED' | 'PARTIALLY_SUCCEEDED' | 'FAILED';
  error: { code: string; message: string } | null;
  frequency?: string;
  seasonalPeriod?: number;
  windows?: { index: number; origin: string; start: string; end: string }[];
  /** Per model: an error, or metrics (with relative ones) over all windows and per window. */
  models?: Record<string, unknown>;
}

/** What a model returns for one window: rows on the test timestamps, or why it could not. */
type WindowResult = { rows: number[][] } | { error: { code: string; message: string } };

const iso = (t: number) => new Date(t).toISOString();
const REFERENCE = 'seasonal_naive';

function asError(err: unknown): { code: string; message: string } | null {
  if (err instanceof DomainError || err instanceof TimeseriesError) return { code: err.code, message: err.message };
  return null;
}

/**
 * Runs one backtest job: rolling origins with an expanding context, every model on every window
 * (one runtime call per model), metrics per window, per series and overall, and relative to
 * seasonal naive on the same windows. Results and the final state are written in one transaction.
 */
@Injectable()
export class BacktestService {
  private readonly log = new Logger('backtest');

  constructor(
    private readonly backtests: BacktestsRepository,
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
    private readonly runtime: ModelRuntime,
    private readonly resolver: ModelResolver,
  ) {}

  async run(p: JobPayloads['backtest'], ctx?: JobContext): Promise<JobOutcome> {
    const t0 = performance.now();
    const b = await this.backtests.get(p.tenantId, p.backtestId);
    const req = b.request as unknown as BacktestRequestRecord;
    await this.backtests.setStatus(b.id, 'RUNNING');
    const outcomes: SeriesOutcome[] = [];
    const targets: { target: Target; outcome: SeriesOutcome }[] = [];
    const rows = backtestRowsNeeded(req, await this.longestContext(p.tenantId, req.models));
    for (const id of req.seriesIds) {
      for (const t of await this.plan(p.tenantId, id, req, rows)) {
        outcomes.push(t.outcome);
        if (t.target) targets.push({ target: t.target, outcome: t.outcome });
      }
    }
    // Seasonal naive is the reference of every relative metric, requested or not.
    const modelIds = req.models.includes(REFERENCE) ? req.models : [...req.models, REFERENCE];
    const results = new Map<string, WindowResult[][]>();
    const durations: Record<string, number> = {};
    for (const [k, modelId] of modelIds.entries()) {
      // Checkpoint between models, as fine-tunes do between steps: the job ends with code CANCELLED.
      if (ctx && (await ctx.cancelled())) throw new DomainError('CANCELLED', 'Cancelled on request', 409);
      const tm = performance.now();
      results.set(
        modelId,
        await this.evaluate(
          p.tenantId,
          modelId,
          targets.map((x) => x.target),
          req,
        ),
      );
      durations[modelId] = performance.now() - tm;
      await ctx?.progress({ modelsDone: k + 1, models: modelIds.length });
    }
    const forecasts: BacktestForecastRow[] = [];
    const overall: Record<string, { windows: WindowEval[]; ref: WindowEval[] }> = Object.fromEntries(req.models.map((m) => [m, { windows: [], ref: [] }]));
    targets.forEach(({ target, outcome }, i) => {
      const ref = results.get(REFERENCE)![i];
      const models: Record<string, unknown> = {};
      let failedModels = 0;
      for (const modelId of req.models) {
        const res = results.get(modelId)![i];
        const err = res.find((r): r is { error: { code: string; message: string } } => 'error' in r);
        if (err) {
          models[modelId] = { status: 'FAILED', error: err.error };
          failedModels++;
          continue;
        }
        const evals: WindowEval[] = [];
        const refs: WindowEval[] = [];
        const perWindow: { window: number; metrics: MetricSet; relative: unknown }[] = [];
        target.windows.forEach((w, k) => {
          const rows = (res[k] as { rows: number[][] }).rows;
          const ev: WindowEval = { actuals: w.actuals, rows, levels: req.quantiles, scale1: w.scale1, scale2: w.scale2 };
          const refRows = 'rows' in ref[k] ? ref[k].rows : rows.map((r) => r.map(() => NaN));
          const rv: WindowEval = { ...ev, rows: refRows };
          evals.push(ev);
          refs.push(rv);
          const m = pooledMetrics([ev]);
          perWindow.push({ window: k, metrics: m, relative: relativeMetrics(m, pooledMetrics([rv])) });
          forecasts.push({
            modelId,
            seriesId: target.seriesId,
            channel: target.channel,
            window: k,
            origin: w.origin,
            timestamps: w.times,
            actuals: w.actuals,
            levels: req.quantiles,
            quantiles: rows,
          });
        });
        overall[modelId].windows.push(...evals);
        overall[modelId].ref.push(...refs);
        const sm = pooledMetrics(evals);
        models[modelId] = { status: 'SUCCEEDED', error: null, metrics: sm, relative: relativeMetrics(sm, pooledMetrics(refs)), windows: perWindow };
      }
      outcome.models = models;
      if (failedModels === req.models.length) {
        outcome.status = 'FAILED';
        const first = Object.values(models)[0] as { error: { code: string; message: string } };
        outcome.error = first.error;
      } else if (failedModels > 0) {
        outcome.status = 'PARTIALLY_SUCCEEDED';
      }
    });
    const metrics = Object.fromEntries(
      req.models.map((m) => {
        const o = overall[m];
        if (!o.windows.length) return [m, null];
        const mm = pooledMetrics(o.windows);
        return [m, { metrics: mm, relative: relativeMetrics(mm, pooledMetrics(o.ref)) }];
      }),
    );
    const failed = outcomes.filter((o) => o.status === 'FAILED').length;
    const state = failed === 0 && outcomes.every((o) => o.status === 'SUCCEEDED') ? 'SUCCEEDED' : failed === outcomes.length ? 'FAILED' : 'PARTIALLY_SUCCEEDED';
    const first = outcomes.find((o) => o.status === 'FAILED');
    const error = state === 'FAILED' && first?.error ? first.error : undefined;
    const runtime = { durationsMs: { total: performance.now() - t0, models: durations }, forecasts: forecasts.length };
    this.log.log(
      `backtest ${b.id}: ${targets.length} series x ${req.windows} windows x ${req.models.length} models in ${Math.round(performance.now() - t0)} ms`,
    );
    return {
      state,
      result: { backtestId: b.id, series: outcomes.length, failed, forecasts: forecasts.length },
      write: (tx) => this.backtests.writeResults(tx, b.id, { status: state, metrics, series: outcomes, runtime, forecasts, error }),
    };
  }

  /**
   * The most grid points of context any model of the backtest reads before an origin. Seasonal naive
   * always runs (the reference) and its BASELINE_CONTEXT points are also each window's history for
   * the MASE/RMSSE scales and the seasonal period, so it is the floor: a tail read of
   * backtestRowsNeeded rows gives every window the same history, scales included, as the whole series.
   */
  private async longestContext(tenantId: string, models: string[]): Promise<number> {
    let longest = BASELINE_CONTEXT;
    for (const id of models) {
      if (isBaseline(id)) continue;
      // A model that no longer resolves fails in evaluate(); it reads nothing.
      const entry = await this.resolver.resolve(tenantId, id).then(
        (m) => m.entry,
        () => null,
      );
      // Context selection's candidates are at most contextLength (manifest validation).
      if (entry) longest = Math.max(longest, entry.contextLength);
    }
    return longest;
  }

  /**
   * Loads the newest `rows` observations of a series (backtestRowsNeeded: the windows and the longest
   * context before them, not the whole history) and lays out its windows; a series that cannot be
   * backtested reports why.
   */
  private async plan(tenantId: string, seriesId: string, req: BacktestRequestRecord, rows: number): Promise<{ target?: Target; outcome: SeriesOutcome }[]> {
    const fail = (channel: string | null, code: string, message: string) => ({
      outcome: { seriesId, channel, status: 'FAILED' as const, error: { code, message } },
    });
    const s = await this.series.find(tenantId, seriesId);
    if (!s) return [fail(null, 'SERIES_NOT_FOUND', `series ${seriesId} was deleted before the backtest ran`)];
    const block = await this.observations.tail(s.id, s.channels.length, rows);
    const out: { target?: Target; outcome: SeriesOutcome }[] = [];
    for (const [c, channel] of s.channels.entries()) {
      if (req.channels && !req.channels.includes(channel)) continue;
      try {
        const target = this.layout(s.id, channel, block.timestamps, block.values[c], req.frequency ?? s.frequency, req);
        out.push({
          target,
          outcome: {
            seriesId,
            channel,
            status: 'SUCCEEDED',
            error: null,
            frequency: target.frequency.label,
            seasonalPeriod: target.seasonalPeriod,
            windows: target.windows.map((w, index) => ({ index, origin: iso(w.origin), start: iso(w.times[0]), end: iso(w.times[w.times.length - 1]) })),
          },
        });
      } catch (err) {
        const e = asError(err);
        if (!e) throw err;
        out.push(fail(channel, e.code, e.message));
      }
    }
    if (!out.length) return [fail(null, 'CHANNEL_NOT_FOUND', `series ${seriesId} has none of the channels ${JSON.stringify(req.channels)}`)];
    return out;
  }

  private layout(
    seriesId: string,
    channel: string,
    timestamps: number[],
    values: (number | null)[],
    declared: string | null,
    req: BacktestRequestRecord,
  ): Target {
    const observed = timestamps.filter((_, i) => values[i] !== null && Number.isFinite(values[i]));
    if (observed.length < MIN_BACKTEST_CONTEXT) {
      throw new InvalidInputError(
        'SERIES_TOO_SHORT',
        `the series has ${observed.length} observed values; a backtest needs at least ${MIN_BACKTEST_CONTEXT} before its first origin`,
        { needed: MIN_BACKTEST_CONTEXT, available: observed.length },
      );
    }
    const frequency = declared ? parseFrequency(declared) : inferFrequency(observed)?.frequency;
    if (!frequency) throw new InvalidInputError('FREQUENCY_UNKNOWN', 'the frequency cannot be inferred; declare it on the series or pass "frequency"');
    const last = timestamps[timestamps.length - 1];
    const span = (req.windows - 1) * req.step + req.horizon;
    const byTime = new Map(timestamps.map((t, i) => [t, values[i]]));
    const windows: Target['windows'] = [];
    for (let w = 0; w < req.windows; w++) {
      const origin = stepForward(last, frequency, -(req.horizon + (req.windows - 1 - w) * req.step));
      const times = futureGrid(origin, frequency, req.horizon);
      const actuals = times.map((t) => {
        const v = byTime.get(t);
        return v === undefined || v === null || !Number.isFinite(v) ? null : v;
      });
      windows.push({ origin, times, actuals, history: new Float64Array(0), scale1: NaN, scale2: NaN });
    }
    const before = observed.filter((t) => t <= windows[0].origin).length;
    if (last === undefined || before < MIN_BACKTEST_CONTEXT) {
      throw new InvalidInputError(
        'SERIES_TOO_SHORT',
        `${req.windows} windows of ${req.horizon} steps every ${req.step} need ${span} steps of test data after at least ${MIN_BACKTEST_CONTEXT} observed values; the first origin has ${before}`,
        { needed: MIN_BACKTEST_CONTEXT, available: before },
      );
    }
    const target: Target = { seriesId, channel, frequency, seasonalPeriod: 1, timestamps, values, windows };
    // The expanding in-sample history of each window on the regular grid, at full precision.
    for (const w of target.windows) w.history = this.history(target, w.origin, req).values;
    const first = target.windows[0].history;
    target.seasonalPeriod =
      req.seasonalPeriod ??
      (() => {
        const found = detectSeasonalPeriod(first, { candidates: seasonalCandidates(frequency) });
        return found.detected ? found.period : defaultSeasonalPeriod(frequency);
      })();
    for (const w of target.windows) Object.assign(w, windowScales(w.history, target.seasonalPeriod));
    return target;
  }

  /** The context cut at the origin, regularised as for a baseline (long expanding context). */
  private history(t: Target, origin: number, req: BacktestRequestRecord): { prepared: PreparedSeries; values: Float64Array } {
    const n = upperBound(t.timestamps, origin);
    const ts = t.timestamps.slice(0, n);
    const vs = t.values.slice(0, n);
    const prepared = new Forecaster(this.runtime).prepare(
      gridOnlyModel(baselineEntry('seasonal_naive', req.quantiles)),
      { timestamps: ts, values: vs, declaredFrequency: t.frequency.label },
      { span: { horizon: 1 }, resampling: 'none', quantiles: req.quantiles },
    );
    // Float32 context -> the exact stored values wherever a grid point was observed.
    const exact = new Map(ts.map((x, i) => [x, vs[i]]));
    const grid = prepared.metadataBase.grid.timestamps;
    const values = Float64Array.from(prepared.request.context, (v, i) => {
      const e = exact.get(grid[i]);
      return e !== undefined && e !== null && Number.isFinite(e) ? e : Number.isFinite(v) ? v : NaN;
    });
    return { prepared, values };
  }

  /** Every window of every target through one model; errors are per target (e.g. HORIZON_TOO_LONG). */
  private async evaluate(tenantId: string, modelId: string, targets: Target[], req: BacktestRequestRecord): Promise<WindowResult[][]> {
    const out: WindowResult[][] = targets.map((t) => t.windows.map(() => ({ rows: [] })));
    const jobs: { i: number; k: number; prepared: PreparedSeries; values: Float64Array; m: number }[] = [];
    // As forecasts: the model's procedures (Forecaster.procedures); a baseline only regularises.
    let model: ForecasterModel;
    const forecaster = new Forecaster(this.runtime);
    try {
      model = isBaseline(modelId) ? gridOnlyModel(baselineEntry(modelId, req.quantiles)) : await this.resolver.resolve(tenantId, modelId);
    } catch (err) {
      const e = asError(err); // e.g. a fine-tuned model deleted since the request: this model fails everywhere
      if (!e) throw err;
      return targets.map((t) => t.windows.map(() => ({ error: e })));
    }
    targets.forEach((t, i) => {
      for (const [k, w] of t.windows.entries()) {
        const n = upperBound(t.timestamps, w.origin);
        try {
          const prepared = forecaster.prepare(
            model,
            { timestamps: t.timestamps.slice(0, n), values: t.values.slice(0, n), declaredFrequency: t.frequency.label },
            { span: { until: w.times[w.times.length - 1] }, quantiles: req.quantiles, ...(isBaseline(modelId) ? { resampling: 'none' as const } : {}) },
          );
          jobs.push({ i, k, prepared, values: isBaseline(modelId) ? w.history : Float64Array.from(prepared.request.context), m: t.seasonalPeriod });
        } catch (err) {
          const e = asError(err);
          if (!e) throw err;
          out[i] = t.windows.map(() => ({ error: e }));
          return;
        }
      }
    });
    const live = jobs.filter((j) => !out[j.i].some((r) => 'error' in r));
    const grids = await this.runModel(
      tenantId,
      modelId,
      live.map((j) => ({ prepared: j.prepared, history: j.values, seasonalPeriod: j.m })),
      req.quantiles,
    );
    live.forEach((j, n) => {
      const g = grids[n];
      if ('error' in g) {
        out[j.i] = out[j.i].map(() => ({ error: g.error }));
        return;
      }
      const t = targets[j.i];
      const r = finishSeries(j.prepared, g.quantiles, g.levels, req.quantiles, t.channel, g.selection ?? null);
      const at = new Map(r.timestamps.map((x, q) => [x, r.quantiles[q]]));
      const rows = t.windows[j.k].times.map((x) => at.get(x) ?? req.quantiles.map(() => NaN));
      if (!('error' in out[j.i][j.k])) out[j.i][j.k] = { rows };
    });
    return out;
  }

  /**
   * ALL model execution of a backtest goes through here: catalog models in the shared runtime
   * (micro-batched like forecasts), baselines in process. Quantiles come back on the model grid.
   */
  async runModel(
    tenantId: string,
    modelId: string,
    items: { prepared: PreparedSeries; history: Float64Array; seasonalPeriod: number }[],
    levels: number[],
  ): Promise<({ levels: number[]; quantiles: number[][]; selection?: ContextSelectionResult | null } | { error: { code: string; message: string } })[]> {
    if (isBaseline(modelId)) {
      const out: ({ levels: number[]; quantiles: number[][] } | { error: { code: string; message: string } })[] = [];
      for (const it of items) {
        try {
          out.push({ levels, quantiles: baselineForecast(modelId, it.history, it.prepared.request.horizon, it.seasonalPeriod, levels) });
        } catch (err) {
          const e = asError(err);
          if (!e) throw err;
          out.push({ error: e });
        }
        // An ETS fit takes up to seconds: yield so the job lock keeps being renewed meanwhile.
        await new Promise((r) => setImmediate(r));
      }
      return out;
    }
    if (!items.length) return [];
    // fine-tuned models resolve here: a catalog id, or the tenant's fine-tuned name -> base model + head
    const model = await this.resolver.resolve(tenantId, modelId);
    try {
      // Context selection where the prepared series carry a plan (catalog models, as forecasts).
      const outputs = await new Forecaster(this.runtime).run(
        model,
        items.map((i) => i.prepared),
      );
      return outputs.map((o) => ({ levels: model.entry.quantiles, quantiles: o.forecast.quantiles, selection: o.selection }));
    } catch (err) {
      if (err instanceof OverloadedError) throw Object.assign(new Error(err.message), { code: 'OVERLOADED' }); // transient: retry with backoff
      throw err;
    }
  }
}

/** Index of the first timestamp after t (timestamps sorted ascending). */
function upperBound(ts: number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
