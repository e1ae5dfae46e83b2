import { Injectable, Logger } from '@nestjs/common';
import { OverloadedError } from '#common';
import { ForecastResultRow, ForecastsRepository, ObservationsRepository, SeriesRepository } from '#db';
import type { JobOutcome, JobPayloads } from '#jobs';
import { ModelRuntime, SeriesForecast } from '#model-runtime';
import { AUTO_MODEL_ID, ForecastOutcome, Forecaster, ForecasterModel, RequestOptions, autoCandidates, catalogModel } from './forecaster';
import { ForecastRequestRecord, spanOf } from './forecast-request';
import { ModelResolver } from './finetune/model-resolver';

interface Target {
  key: string;
  seriesId: string | null;
  channel: string;
  timestamps: number[];
  values: (number | null)[];
  declaredFrequency: string | null;
}

/** Runs one forecast job: loads the contexts a chunk at a time, forecasts them (Forecaster), writes one result. */
@Injectable()
export class ForecastService {
  private readonly log = new Logger('forecast');

  constructor(
    private readonly forecasts: ForecastsRepository,
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
    private readonly runtime: ModelRuntime,
    private readonly resolver: ModelResolver,
  ) {}

  async run(p: JobPayloads['forecast']): Promise<JobOutcome> {
    const t0 = performance.now();
    const f = await this.forecasts.get(p.tenantId, p.forecastId);
    const req = f.request as unknown as ForecastRequestRecord;
    await this.forecasts.setStatus(f.id, 'RUNNING');
    // A catalog model, or the tenant's fine-tuned head on its base model's shared session.
    // `auto` (metadata.auto per result): every catalog model and the statistical candidates.
    const auto = f.modelId === AUTO_MODEL_ID ? autoCandidates(this.runtime.models().map((s) => s.entry)) : null;
    const model: ForecasterModel = auto ? { ...catalogModel(auto[0]), baseModelId: AUTO_MODEL_ID } : await this.resolver.resolve(p.tenantId, f.modelId);
    const entry = model.entry;
    const forecaster = new Forecaster(this.runtime);
    const o: RequestOptions = {
      span: spanOf(req),
      frequency: req.frequency,
      resampling: req.resampling,
      contextLength: req.contextLength,
      quantiles: req.quantiles,
    };
    const results: ForecastResultRow[] = [];
    const runs: SeriesForecast[] = [];
    let loadMs = 0;
    // Targets are read, forecast and turned into result rows a chunk at a time: the contexts of one
    // chunk are held at once, not those of every series of the job.
    for await (const chunk of this.targets(p.tenantId, req, entry.contextLength, forecaster.chunkSize)) {
      loadMs += chunk.loadMs;
      let outcomes: ForecastOutcome[];
      try {
        outcomes = await forecaster.forecast(auto ? { auto } : model, chunk.targets, o);
      } catch (err) {
        if (err instanceof OverloadedError) throw Object.assign(new Error(err.message), { code: 'OVERLOADED' }); // transient: retry with backoff
        throw err;
      }
      chunk.targets.forEach((t, i) => {
        const r = outcomes[i];
        const base = { seriesKey: t.key, seriesId: t.seriesId, channel: t.channel };
        if ('error' in r) {
          const e = r.error;
          results.push({
            ...base,
            status: 'FAILED',
            errorCode: e.code,
            errorMessage: e.message,
            timestamps: null,
            levels: null,
            quantiles: null,
            metadata: null,
          });
          return;
        }
        runs.push(r.forecast);
        results.push({
          ...base,
          status: 'SUCCEEDED',
          errorCode: null,
          errorMessage: null,
          timestamps: r.timestamps,
          levels: r.levels,
          quantiles: r.quantiles,
          metadata: r.metadata as unknown as Record<string, unknown>,
        });
      });
    }
    const st = forecaster.stages;
    const failed = results.filter((r) => r.status === 'FAILED').length;
    const state = failed === 0 ? 'SUCCEEDED' : failed === results.length ? 'FAILED' : 'PARTIALLY_SUCCEEDED';
    const status = this.runtime.models().find((m) => m.entry.id === (auto ? entry.id : model.baseModelId))!;
    const runtime = {
      modelId: f.modelId,
      baseModel: model.baseModelId,
      head: model.head,
      modelSha256: entry.sha256,
      executionProvider: status.provider.active,
      onnxruntimeVersion: status.ortVersion,
      durationsMs: {
        queue: Math.max(0, Date.now() - new Date(f.createdAt).getTime() - (performance.now() - t0)),
        load: loadMs,
        preprocess: st.prepareMs,
        model: st.modelMs,
        postprocess: st.finishMs,
        modelQueue: runs.reduce((a, o) => Math.max(a, o.queueMs), 0),
        modelRun: runs.reduce((a, o) => Math.max(a, o.modelMs), 0),
      },
      batchSize: runs.reduce((a, o) => Math.max(a, o.batchSize), 0),
    };
    const first = results.find((r) => r.status === 'FAILED');
    const error = state === 'FAILED' && first ? { code: first.errorCode!, message: first.errorMessage! } : undefined;
    return {
      state,
      result: { forecastId: f.id, series: results.length, failed },
      write: (tx) => this.forecasts.writeResults(tx, f.id, state, runtime, results, error),
    };
  }

  /** The job's targets in chunks of about `chunk` channels, each with the milliseconds its reads took. */
  private async *targets(
    tenantId: string,
    req: ForecastRequestRecord,
    contextLength: number,
    chunk: number,
  ): AsyncGenerator<{ targets: Target[]; loadMs: number }> {
    if (req.data) {
      const d = req.data;
      const targets = d.values.map((vals, c) => ({
        key: 'inline',
        seriesId: null,
        channel: d.channels[c],
        timestamps: d.timestamps,
        values: vals,
        declaredFrequency: null,
      }));
      for (let at = 0; at < targets.length; at += chunk) yield { targets: targets.slice(at, at + chunk), loadMs: 0 };
      return;
    }
    let out: Target[] = [];
    let t = performance.now();
    for (const id of req.seriesIds ?? []) {
      const s = await this.series.find(tenantId, id);
      if (!s) {
        for (const ch of req.channels ?? ['*']) out.push({ key: id, seriesId: id, channel: ch, timestamps: [], values: [], declaredFrequency: null });
      } else {
        // Enough rows for the model's context even if the series is irregular or gappy.
        const block = await this.observations.tail(s.id, s.channels.length, contextLength * 4);
        s.channels.forEach((ch, c) => {
          if (req.channels && !req.channels.includes(ch)) return;
          out.push({ key: s.id, seriesId: s.id, channel: ch, timestamps: block.timestamps, values: block.values[c], declaredFrequency: s.frequency });
        });
      }
      if (out.length >= chunk) {
        yield { targets: out, loadMs: performance.now() - t };
        out = [];
        t = performance.now();
      }
    }
    if (out.length) yield { targets: out, loadMs: performance.now() - t };
  }
}
