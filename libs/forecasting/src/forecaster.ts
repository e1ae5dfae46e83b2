import { DomainError } from '#common';
import type { ManifestEntry, ModelRuntime, SeriesForecast } from '#model-runtime';
import { ContextSelectionResult, PreparedForecast, forecastPrepared } from './context-selection';
import { ForecastOptions, PreparedSeries, SeriesResult, Span, finishSeries, prepareSeries } from './pipeline';
import type { ResolvedModel } from './finetune/model-resolver';
import { AUTO_DEFAULTS, AutoMetadata, FoundationForecaster, autoForecast } from './auto';
import { defaultSeasonalPeriod, stepForward } from '#timeseries';

/** Series per chunk: what the forecaster holds at once (prepared grids, model passes, results). */
export const FORECAST_CHUNK = 256;

/** What a model is served as: ModelResolver's answer, or a catalog entry (catalogModel). */
export type ForecasterModel = Pick<ResolvedModel, 'entry' | 'baseModelId' | 'head' | 'finetuned' | 'adjustSeasons' | 'padToContext'>;

/** A catalog model with its default head: every manifest procedure on. */
export function catalogModel(entry: ManifestEntry): ForecasterModel {
  return { entry, baseModelId: entry.id, head: 'default', finetuned: false, adjustSeasons: true, padToContext: false };
}

/**
 * A model that only regularises a series (backtest baselines, fine-tune windows): no catalog
 * procedures, the seasonal adjustment as asked.
 */
export function gridOnlyModel(entry: ManifestEntry, adjustSeasons = false): ForecasterModel {
  return { entry, baseModelId: entry.id, head: 'default', finetuned: true, adjustSeasons, padToContext: false };
}

/** The request's own options: everything but the procedures, which come from the model. */
export type RequestOptions = Omit<ForecastOptions, 'coarsen' | 'selectContext' | 'adjustSeasons' | 'padToContext'>;

export interface SeriesInput {
  timestamps: number[];
  values: (number | null)[];
  declaredFrequency?: string | null;
  /** Overrides the request's span for this series (e.g. its own `at` timestamps). */
  span?: Span;
  /** Output channel name for the metadata (default `value`). */
  channel?: string;
}

export { AUTO_STATISTICAL } from './auto';

/** The model id of the `auto` procedure (auto/auto.ts): not a manifest model, a per-series choice among the catalog and statistical models. */
export const AUTO_MODEL_ID = 'auto';

/** The trained catalog models `auto` weighs (the catalog's dev models are parity fixtures, not forecasters). */
export const AUTO_FOUNDATION_MODELS: readonly string[] = ['ssm-small', 'xlstm-small'];

/** `auto` over these foundation candidates (forecast() and stream() take it as they take a model). */
export interface AutoModel {
  auto: ManifestEntry[];
}

/** The foundation candidates of `auto` the catalog holds, by id, so that API and worker agree on the first (whose grid and levels apply). */
export function autoCandidates<E extends { id: string }>(catalog: readonly E[]): E[] {
  return catalog.filter((e) => AUTO_FOUNDATION_MODELS.includes(e.id)).sort((a, b) => a.id.localeCompare(b.id));
}

/** A forecast (with its model run's timings) or the series' error. */
export type ForecastOutcome = (SeriesResult & { forecast: SeriesForecast }) | { error: DomainError };

/**
 * The one entry point of forecasting: forecasts, backtests, schedules, fine-tune validation, the CLI
 * and the eval all prepare, run and finish series here, so that the procedures a model gets
 * (coarser grids, context selection, seasonal adjustment, the negation ensemble in the runtime) are
 * decided in one place (procedures()) and a new procedure is added once.
 */
export class Forecaster {
  /** Milliseconds spent per stage and series done, since construction (benchmarks, job timings). */
  readonly stages = { prepareMs: 0, modelMs: 0, finishMs: 0, series: 0 };

  constructor(
    private readonly runtime: Pick<ModelRuntime, 'forecast'>,
    readonly chunkSize = FORECAST_CHUNK,
  ) {}

  /** The manifest procedures a model gets: catalog models all of them; fine-tunes as they were trained. */
  static procedures(m: ForecasterModel): Pick<ForecastOptions, 'coarsen' | 'selectContext' | 'adjustSeasons' | 'padToContext'> {
    return { coarsen: !m.finetuned, selectContext: !m.finetuned, adjustSeasons: m.adjustSeasons, padToContext: m.padToContext };
  }

  /** Client timestamps -> the model grid (throws a DomainError for a series that cannot be forecast). */
  prepare(m: ForecasterModel, s: SeriesInput, o: RequestOptions): PreparedSeries {
    return prepareSeries(s.timestamps, s.values, m.entry, {
      ...o,
      ...(s.span ? { span: s.span } : {}),
      ...(s.declaredFrequency !== undefined ? { declaredFrequency: s.declaredFrequency } : {}),
      ...Forecaster.procedures(m),
    });
  }

  /** Model passes for prepared series, in chunks of chunkSize (context selection and the ensemble included). */
  async run(m: ForecasterModel, prepared: PreparedSeries[]): Promise<PreparedForecast[]> {
    const out: PreparedForecast[] = [];
    for (let at = 0; at < prepared.length; at += this.chunkSize) {
      const part = prepared.slice(at, at + this.chunkSize);
      out.push(...(await forecastPrepared(this.runtime as ModelRuntime, m.baseModelId, part, m.entry.quantiles, m.head === 'default' ? undefined : m.head)));
    }
    return out;
  }

  /** Model-grid quantiles -> the requested times and levels (`levels` ascending, as requests validate them). */
  finish(
    m: ForecasterModel,
    p: PreparedSeries,
    q: number[][],
    levels: number[],
    channel = 'value',
    selection: ContextSelectionResult | null = null,
  ): SeriesResult {
    return finishSeries(p, q, m.entry.quantiles, levels, channel, selection);
  }

  /** Forecasts series, chunk by chunk; a series that cannot be forecast gets its DomainError. */
  async forecast(m: ForecasterModel | ManifestEntry | AutoModel, series: SeriesInput[], o: RequestOptions): Promise<ForecastOutcome[]> {
    const out: ForecastOutcome[] = [];
    for (let at = 0; at < series.length; at += this.chunkSize) out.push(...(await this.chunk(m, series.slice(at, at + this.chunkSize), o)));
    return out;
  }

  /** Streams series through in chunks: memory holds one chunk, whatever the number of series. */
  async *stream<T extends SeriesInput>(
    m: ForecasterModel | ManifestEntry | AutoModel,
    series: AsyncIterable<T> | Iterable<T>,
    o: RequestOptions,
  ): AsyncGenerator<[T, ForecastOutcome]> {
    let buf: T[] = [];
    const flush = async function* (this: Forecaster): AsyncGenerator<[T, ForecastOutcome]> {
      const res = await this.chunk(m, buf, o);
      const part = buf;
      buf = [];
      for (let i = 0; i < part.length; i++) yield [part[i], res[i]];
    }.bind(this);
    for await (const s of series) {
      buf.push(s);
      if (buf.length >= this.chunkSize) yield* flush();
    }
    if (buf.length) yield* flush();
  }

  /** prepare() per series; a series' own bad input becomes its outcome instead of failing the chunk. */
  private prepareAll(model: ForecasterModel, series: SeriesInput[], o: RequestOptions): (PreparedSeries | DomainError)[] {
    return series.map((s) => {
      try {
        return this.prepare(model, s, o);
      } catch (err) {
        if (err instanceof DomainError) return err;
        throw err;
      }
    });
  }

  /**
   * The `auto` procedure (auto/auto.ts) over the catalog models `entries` (the first one's limits and
   * levels apply): each series is read on its own regular grid (no model procedures), the statistical
   * candidates fit that grid, every foundation model forecasts the grid's truncations through
   * forecast() with its full catalog procedures, and the combination is mapped to the requested times
   * as any forecast. metadata.auto says which candidates scored what and how they were weighted.
   */
  private async autoChunk(entries: ManifestEntry[], series: SeriesInput[], o: RequestOptions): Promise<ForecastOutcome[]> {
    const grid = gridOnlyModel(entries[0]);
    const levels = entries[0].quantiles;
    const prepared = this.prepareAll(grid, series, o);
    const out: ForecastOutcome[] = prepared.map((p) => (p instanceof DomainError ? { error: p } : (null as unknown as ForecastOutcome)));
    // Series on one grid (frequency, hence season, and horizon) share the batched validation and model passes.
    const groups = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      if (p instanceof DomainError) return;
      const key = `${p.frequency.label}|${p.request.horizon}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const idx of groups.values()) {
      const ps = idx.map((i) => prepared[i] as PreparedSeries);
      const { frequency, request } = ps[0];
      const hist = ps.map((p) => Array.from(p.request.context));
      const times = ps.map((p, j) => hist[j].map((_, k, a) => stepForward(p.anchor.t, p.frequency, k - a.length + 1)));
      const foundation: FoundationForecaster = async (reqs) => {
        const res = reqs.map(() => ({}) as Record<string, number[][]>);
        const H = Math.max(...reqs.map((r) => Math.max(...r.steps)));
        for (const e of entries) {
          const inputs: SeriesInput[] = reqs.map((r) => ({
            timestamps: times[r.series].slice(0, r.cutoff),
            values: hist[r.series].slice(0, r.cutoff).map((v) => (Number.isFinite(v) ? v : null)),
            declaredFrequency: frequency.label,
          }));
          const got = await this.forecast(catalogModel(e), inputs, { ...o, frequency: frequency.label, span: { horizon: H }, quantiles: [...levels] });
          got.forEach((g, k) => {
            if ('error' in g || g.quantiles.length < H) return; // this model sits this request out
            res[k][e.id] = reqs[k].steps.map((s) => g.quantiles[s - 1]);
          });
        }
        return res;
      };
      // The eval's rules (docs/ACCURACY.md, auto): the conventional season; too short to validate, the foundation models and Theta equally.
      const m = defaultSeasonalPeriod(frequency);
      const cfg = { ...AUTO_DEFAULTS, horizon: request.horizon, m, levels, shortSeries: [...entries.map((e) => e.id), 'theta'] };
      const t0 = performance.now();
      const results = await autoForecast(
        hist.map((values) => ({ values })),
        cfg,
        foundation,
      );
      const ms = performance.now() - t0;
      idx.forEach((i, k) => {
        const r = this.finish(grid, ps[k], results[k].quantiles, o.quantiles, series[i].channel);
        const metadata = Object.assign(r.metadata, { auto: { ...results[k].metadata, seasonalPeriod: m } as AutoMetadata & { seasonalPeriod: number } });
        out[i] = { ...r, metadata, forecast: { quantiles: results[k].quantiles, queueMs: 0, modelMs: ms, batchSize: ps.length } };
      });
    }
    return out;
  }

  private async chunk(model: ForecasterModel | ManifestEntry | AutoModel, series: SeriesInput[], o: RequestOptions): Promise<ForecastOutcome[]> {
    if ('auto' in model) return this.autoChunk(model.auto, series, o);
    const m = 'entry' in model ? model : catalogModel(model);
    const t0 = performance.now();
    const prepared = this.prepareAll(m, series, o);
    const ok = prepared.filter((x): x is PreparedSeries => !(x instanceof DomainError));
    const t1 = performance.now();
    const ran = await this.run(m, ok);
    const t2 = performance.now();
    let j = 0;
    const out = prepared.map((x, i): ForecastOutcome => {
      if (x instanceof DomainError) return { error: x };
      const r = ran[j++];
      return Object.assign(this.finish(m, x, r.forecast.quantiles, o.quantiles, series[i].channel, r.selection), { forecast: r.forecast });
    });
    this.stages.prepareMs += t1 - t0;
    this.stages.modelMs += t2 - t1;
    this.stages.finishMs += performance.now() - t2;
    this.stages.series += series.length;
    return out;
  }
}
