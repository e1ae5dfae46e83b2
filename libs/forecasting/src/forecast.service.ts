import { Injectable, Logger } from '@nestjs/common';
import { DomainError, OverloadedError } from '#common';
import { ForecastResultRow, ForecastsRepository, ObservationsRepository, SeriesRepository } from '#db';
import type { JobOutcome, JobPayloads } from '#jobs';
import { ModelRuntime } from '#model-runtime';
import { ForecastOptions, PreparedSeries, finishSeries, prepareSeries } from './pipeline';
import { PreparedForecast, forecastPrepared } from './context-selection';
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

/** Runs one forecast job: loads the context, regularises it, runs the model, writes one result. */
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
    const model = await this.resolver.resolve(p.tenantId, f.modelId);
    const entry = model.entry;
    const targets = await this.targets(p.tenantId, req, entry.contextLength);
    const tLoad = performance.now();
    const opts = (t: Target): ForecastOptions => ({
      span: spanOf(req),
      frequency: req.frequency,
      declaredFrequency: t.declaredFrequency,
      resampling: req.resampling,
      contextLength: req.contextLength,
      quantiles: req.quantiles,
      coarsen: !model.finetuned,
      selectContext: !model.finetuned,
      adjustSeasons: model.adjustSeasons,
      padToContext: model.padToContext,
    });
    const prepared: (PreparedSeries | DomainError)[] = targets.map((t) => {
      try {
        return prepareSeries(t.timestamps, t.values, entry, opts(t));
      } catch (err) {
        if (err instanceof DomainError) return err;
        throw err;
      }
    });
    const tPre = performance.now();
    const ok = prepared.filter((x): x is PreparedSeries => !(x instanceof DomainError));
    let ran: PreparedForecast[];
    try {
      ran = await forecastPrepared(this.runtime, model.baseModelId, ok, entry.quantiles, model.head);
    } catch (err) {
      if (err instanceof OverloadedError) throw Object.assign(new Error(err.message), { code: 'OVERLOADED' }); // transient: retry with backoff
      throw err;
    }
    const tModel = performance.now();
    const outputs = ran.map((r) => r.forecast);
    let j = 0;
    const results: ForecastResultRow[] = targets.map((t, i) => {
      const x = prepared[i];
      const base = { seriesKey: t.key, seriesId: t.seriesId, channel: t.channel };
      if (x instanceof DomainError) {
        return {
          ...base,
          status: 'FAILED' as const,
          errorCode: x.code,
          errorMessage: x.message,
          timestamps: null,
          levels: null,
          quantiles: null,
          metadata: null,
        };
      }
      const out = ran[j++];
      const r = finishSeries(x, out.forecast.quantiles, entry.quantiles, req.quantiles, t.channel, out.selection);
      return {
        ...base,
        status: 'SUCCEEDED' as const,
        errorCode: null,
        errorMessage: null,
        timestamps: r.timestamps,
        levels: r.levels,
        quantiles: r.quantiles,
        metadata: r.metadata as unknown as Record<string, unknown>,
      };
    });
    const failed = results.filter((r) => r.status === 'FAILED').length;
    const state = failed === 0 ? 'SUCCEEDED' : failed === results.length ? 'FAILED' : 'PARTIALLY_SUCCEEDED';
    const status = this.runtime.models().find((m) => m.entry.id === model.baseModelId)!;
    const runtime = {
      modelId: f.modelId,
      baseModel: model.baseModelId,
      head: model.head,
      modelSha256: entry.sha256,
      executionProvider: status.provider.active,
      onnxruntimeVersion: status.ortVersion,
      durationsMs: {
        queue: Math.max(0, Date.now() - new Date(f.createdAt).getTime() - (performance.now() - t0)),
        load: tLoad - t0,
        preprocess: tPre - tLoad,
        model: tModel - tPre,
        postprocess: performance.now() - tModel,
        modelQueue: Math.max(0, ...outputs.map((o) => o.queueMs)),
        modelRun: Math.max(0, ...outputs.map((o) => o.modelMs)),
      },
      batchSize: Math.max(0, ...outputs.map((o) => o.batchSize)),
    };
    const first = results.find((r) => r.status === 'FAILED');
    const error = state === 'FAILED' && first ? { code: first.errorCode!, message: first.errorMessage! } : undefined;
    return {
      state,
      result: { forecastId: f.id, series: results.length, failed },
      write: (tx) => this.forecasts.writeResults(tx, f.id, state, runtime, results, error),
    };
  }

  private async targets(tenantId: string, req: ForecastRequestRecord, contextLength: number): Promise<Target[]> {
    if (req.data) {
      const d = req.data;
      return d.values.map((vals, c) => ({
        key: 'inline',
        seriesId: null,
        channel: d.channels[c],
        timestamps: d.timestamps,
        values: vals,
        declaredFrequency: null,
      }));
    }
    const out: Target[] = [];
    for (const id of req.seriesIds ?? []) {
      const s = await this.series.find(tenantId, id);
      if (!s) {
        for (const ch of req.channels ?? ['*']) out.push({ key: id, seriesId: id, channel: ch, timestamps: [], values: [], declaredFrequency: null });
        continue;
      }
      // Enough rows for the model's context even if the series is irregular or gappy.
      const block = await this.observations.tail(s.id, s.channels.length, contextLength * 4);
      s.channels.forEach((ch, c) => {
        if (req.channels && !req.channels.includes(ch)) return;
        out.push({ key: s.id, seriesId: s.id, channel: ch, timestamps: block.timestamps, values: block.values[c], declaredFrequency: s.frequency });
      });
    }
    return out;
  }
}
