import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError, InvalidInputError } from '#common';
import { FinetuneRow, FinetunesRepository, ObservationsRepository, SeriesRepository } from '#db';
import type { JobContext, JobOutcome, JobPayloads } from '#jobs';
import { ManifestEntry, ModelRuntime, SeriesRequest, writeSafetensors } from '#model-runtime';
import { defaultSeasonalPeriod } from '#timeseries';
import { prepareSeries } from '../pipeline';
import {
  HeadSpec, HeadWeights, HeadWindow, LossName, TrainProgress, WindowMetrics, ssmBasis, ssmStepsPerPosition, ssmTiles, trainHead,
} from './head-math';

/** What POST /v1/finetunes stores in `finetunes.params` (validated by the api). */
export interface FinetuneParams {
  seriesIds?: string[];
  tag?: string;
  horizon: number;
  steps: number;
  learningRate: number;
  loss: LossName;
  validation: number;
  seed: number;
  batchSize: number;
}

/** Caps that keep one fine-tune's memory and time bounded. */
export const FINETUNE_LIMITS = {
  maxSeries: 1000,
  rowsPerSeries: 20_000,
  trainWindows: 4096,
  trainWindowsPerSeries: 64,
  validationWindows: 2048,
};

interface RawWindow {
  request: SeriesRequest;
  target: Float64Array;
  maseScale: number;
}

export class FinetuneDataError extends InvalidInputError {}

/** In-sample MAE of the seasonal-naive forecast on the (grid) context: the MASE denominator. */
function seasonalNaiveMae(ctx: Float32Array, m: number): number {
  for (const lag of [m, 1]) {
    let sum = 0;
    let n = 0;
    for (let i = lag; i < ctx.length; i++) {
      const a = ctx[i];
      const b = ctx[i - lag];
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      sum += Math.abs(a - b);
      n++;
    }
    if (n > 0 && sum > 0) return sum / n;
  }
  return NaN;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * The `head` fine-tune, in the worker: windows cut from the tenant's series exactly as the forecast
 * path prepares them, embeddings from the frozen base model, then Adam on the output head with
 * early stopping on the held-out windows at the end of each series. The head is stored once, by
 * sha256, in the same transaction as the job's final state.
 */
@Injectable()
export class FinetuneService {
  private readonly log = new Logger('finetune');

  constructor(
    private readonly finetunes: FinetunesRepository,
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
    private readonly runtime: ModelRuntime,
  ) {}

  async run(p: JobPayloads['finetune'], ctx: JobContext): Promise<JobOutcome> {
    const t0 = performance.now();
    const f = await this.finetunes.get(p.tenantId, p.finetuneId);
    if (f.method !== 'head') {
      throw new DomainError('FULL_FINETUNE_UNAVAILABLE', 'This worker runs head fine-tunes only', 422);
    }
    await this.finetunes.markRunning(f.id);
    const entry = this.runtime.entry(f.baseModel);
    const params = f.params as unknown as FinetuneParams;
    const { train, validation, seriesUsed, seriesSkipped } = await this.windows(f, params, entry);
    const tData = performance.now();
    await this.progress(f, ctx, { phase: 'embedding', step: 0, steps: params.steps, trainWindows: train.length, validationWindows: validation.length });
    const [trainW, valW] = [await this.embed(entry, train), await this.embed(entry, validation)];
    const tEmbed = performance.now();
    const base = this.runtime.headTensors(entry.id);
    const spec = new HeadSpec(entry.family, Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.dims])));
    const baseWeights: HeadWeights = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.data]));
    let cancelled = false;
    const result = await trainHead(spec, baseWeights, trainW, valW, { steps: params.steps, learningRate: params.learningRate, loss: params.loss, seed: params.seed, batchSize: params.batchSize },
      async (pr: TrainProgress) => {
        await this.progress(f, ctx, { phase: 'training', steps: params.steps, trainWindows: train.length, validationWindows: validation.length, ...pr });
        if (await ctx.cancelled()) cancelled = true;
        if (cancelled) throw Object.assign(new DomainError('CANCELLED', 'Cancelled on request', 409));
      });
    const tTrain = performance.now();
    const tensors = Object.fromEntries(Object.entries(result.weights).map(([k, v]) => [k, { dtype: 'F32' as const, shape: base[k].dims, data: v }]));
    const data = writeSafetensors(tensors, { baseModel: entry.id, baseSha256: entry.sha256, format: 'tsfm-head-v1' });
    const sha = sha256(data);
    const rel = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);
    const metrics = {
      validation: {
        windows: valW.length, points: result.after.points,
        zeroShot: pick(result.before), finetuned: pick(result.after),
        relativeWql: rel(result.after.wql, result.before.wql), relativeMase: rel(result.after.mase, result.before.mase),
      },
      training: { windows: trainW.length, seriesUsed, seriesSkipped, bestStep: result.bestStep, stepsRun: result.stepsRun, stoppedEarly: result.stoppedEarly },
      durationsMs: { data: tData - t0, embed: tEmbed - tData, train: tTrain - tEmbed },
      headSha256: sha, headBytes: data.length,
    };
    const last = result.history[result.history.length - 1];
    const progress = { phase: 'done', step: result.stepsRun, steps: params.steps, bestStep: result.bestStep, trainLoss: last?.trainLoss ?? null,
      validationWql: result.after.wql, validationMase: result.after.mase, history: result.history };
    this.log.log(`finetune ${f.id} (${f.name} on ${entry.id}): ${trainW.length} train / ${valW.length} validation windows, best step ${result.bestStep}, `
      + `validation WQL ${result.before.wql.toFixed(4)} -> ${result.after.wql.toFixed(4)} in ${Math.round(tTrain - t0)} ms`);
    return {
      state: 'SUCCEEDED',
      result: { finetuneId: f.id, model: f.name, headSha256: sha, relativeWql: metrics.validation.relativeWql },
      write: (tx) => this.finetunes.succeed(tx, f.id, { sha256: sha, baseModel: entry.id, data }, metrics, progress),
    };
  }

  private async progress(f: FinetuneRow, ctx: JobContext, p: Record<string, unknown>): Promise<void> {
    await this.finetunes.setProgress(f.id, p);
    await ctx.progress(p);
  }

  /** Held-out windows at the end of each series, training windows before them (most recent first). */
  private async windows(f: FinetuneRow, params: FinetuneParams, entry: ManifestEntry): Promise<{ train: RawWindow[]; validation: RawWindow[]; seriesUsed: number; seriesSkipped: number }> {
    const ids = params.seriesIds ?? (await this.tagged(f.tenantId, params.tag!));
    const h = params.horizon;
    const V = params.validation;
    const perSeries = Math.max(1, Math.min(FINETUNE_LIMITS.trainWindowsPerSeries, Math.ceil(FINETUNE_LIMITS.trainWindows / Math.max(1, ids.length))));
    const train: RawWindow[] = [];
    const validation: RawWindow[] = [];
    let used = 0;
    let skipped = 0;
    for (const id of ids) {
      const s = await this.series.find(f.tenantId, id);
      if (!s) {
        skipped++;
        continue;
      }
      const block = await this.observations.tail(s.id, s.channels.length, FINETUNE_LIMITS.rowsPerSeries);
      let any = false;
      for (let c = 0; c < s.channels.length; c++) {
        const ts = block.timestamps;
        const vs = block.values[c];
        const lookup = new Map<number, number>();
        ts.forEach((t, i) => { if (vs[i] !== null) lookup.set(t, vs[i] as number); });
        const observedIdx = ts.map((_, i) => i).filter((i) => vs[i] !== null);
        const n = observedIdx.length;
        const minContext = Math.max(2 * h, 16);
        if (n < minContext + h * V + h) continue;
        const cut = (k: number): RawWindow | null => {
          // Context: the rows before the k-th observation (a bounded tail, as a forecast loads it).
          const end = observedIdx[k];
          const start = Math.max(0, end - entry.contextLength * 4);
          try {
            const prep = prepareSeries(ts.slice(start, end), vs.slice(start, end), entry, {
              span: { horizon: h }, declaredFrequency: s.frequency, quantiles: entry.quantiles,
            });
            const target = Float64Array.from(prep.outputTimes, (t) => lookup.get(t) ?? NaN);
            if (target.every((v) => Number.isNaN(v))) return null;
            const m = prep.metadataBase.seasonalPeriod ?? defaultSeasonalPeriod(prep.frequency);
            return { request: prep.request, target, maseScale: seasonalNaiveMae(prep.request.context, m) };
          } catch (err) {
            if (err instanceof DomainError) return null;
            throw err;
          }
        };
        for (let v = V; v >= 1; v--) {
          const w = cut(n - h * v);
          if (w) validation.push(w);
        }
        const stride = Math.max(1, Math.floor(h / 2));
        let taken = 0;
        for (let k = n - h * V - h; k >= minContext && taken < perSeries; k -= stride) {
          const w = cut(k);
          if (w) {
            train.push(w);
            taken++;
          }
        }
        any = true;
      }
      if (any) used++;
      else skipped++;
    }
    if (!validation.length || !train.length) {
      throw new FinetuneDataError('INSUFFICIENT_DATA', `No series has enough history for horizon ${h} with ${V} validation window(s): each needs at least ${Math.max(2 * h, 16) + h * V + h} observed points`);
    }
    return {
      train: train.slice(0, FINETUNE_LIMITS.trainWindows),
      validation: validation.slice(0, FINETUNE_LIMITS.validationWindows),
      seriesUsed: used,
      seriesSkipped: skipped,
    };
  }

  private async tagged(tenantId: string, tag: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.series.list(tenantId, { tag, cursor, limit: 500 });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && ids.length < FINETUNE_LIMITS.maxSeries);
    return ids.slice(0, FINETUNE_LIMITS.maxSeries);
  }

  /** Frozen-base embeddings of the windows, with the step → position map of the family. */
  async embed(entry: ManifestEntry, windows: RawWindow[]): Promise<HeadWindow[]> {
    const emb = await this.runtime.embed(entry.id, windows.map((w) => w.request));
    const ddec = entry.family === 'ssm' ? this.runtime.headTensors(entry.id)['head.bias'].data.length / entry.quantiles.length : 0;
    const patchLen = Number((entry.config as Record<string, unknown>).decoder_patch_len ?? 24);
    const bases = new Map<number, Float64Array>();
    return windows.map((w, i) => {
      const e = emb[i];
      const h = w.request.horizon;
      if (entry.family === 'xlstm') {
        const P = entry.patchSize;
        return { ...e, pos: Int32Array.from({ length: h }, (_, k) => Math.floor(k / P)), off: Int32Array.from({ length: h }, (_, k) => k % P), target: w.target, maseScale: w.maseScale };
      }
      const s = w.request.scaleFactor ?? 1;
      const P = ssmStepsPerPosition(s, patchLen);
      const t = ssmTiles(h, P);
      if (t.M !== e.M) throw new Error(`ssm embedding positions ${e.M} != ${t.M} for h=${h}, s=${s}`);
      if (!bases.has(s)) bases.set(s, ssmBasis(P, s, ddec, patchLen));
      return { ...e, pos: t.pos, off: t.off, basis: bases.get(s), target: w.target, maseScale: w.maseScale };
    });
  }
}

function pick(m: WindowMetrics): { wql: number; mase: number } {
  return { wql: m.wql, mase: m.mase };
}
