import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { APP_CONFIG, AppConfig } from '#config';
import { DomainError, InvalidInputError } from '#common';
import { FinetuneRow, FinetunesRepository, ObservationsRepository, SeriesRepository } from '#db';
import type { JobContext, JobOutcome, JobPayloads } from '#jobs';
import { ManifestEntry, ModelRuntime, NamedTensor, SeasonalAdjustmentSpec, SeriesRequest, sha256Hex, writeSafetensors } from '#model-runtime';
import { defaultSeasonalPeriod } from '#timeseries';
import { PreparedSeries } from '../pipeline';
import { Forecaster, catalogModel, gridOnlyModel } from '../forecaster';
import { stepFactor } from '../seasonal-adjustment';
import { checkFullFinetune, spawnToolchain } from './toolchain';
import {
  HeadSpec,
  HeadWeights,
  HeadWindow,
  LossName,
  TrainProgress,
  WindowMetrics,
  scoreForecasts,
  ssmBasis,
  ssmStepsPerPosition,
  ssmTiles,
  trainHead,
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
  /** `full` only: how many of the last blocks are trained (TimeGPT's finetune_depth). */
  blocks?: number;
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
  /**
   * The observed values of the forecast steps, divided by the seasonal factors of their steps when the
   * base model reads its series seasonally adjusted (manifest `seasonalAdjustment`): the head (or the
   * retrained blocks) learns the adjusted series it reads, and every validation metric compares
   * forecasts and targets divided by the same factors.
   */
  target: Float64Array;
  /** The factors `target` was divided by, one per forecast step; null: not adjusted. */
  factors: Float64Array | null;
  maseScale: number;
  /** Validation windows: the same context prepared as a forecast of the base model is (coarsening, context selection). */
  served?: PreparedSeries;
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly finetunes: FinetunesRepository,
    private readonly series: SeriesRepository,
    private readonly observations: ObservationsRepository,
    private readonly runtime: ModelRuntime,
  ) {}

  async run(p: JobPayloads['finetune'], ctx: JobContext): Promise<JobOutcome> {
    const t0 = performance.now();
    const f = await this.finetunes.get(p.tenantId, p.finetuneId);
    await this.finetunes.markRunning(f.id);
    const entry = this.runtime.entry(f.baseModel);
    const params = f.params as unknown as FinetuneParams;
    if (f.method === 'full') return this.runFull(f, params, entry, ctx, t0);
    const { train, validation, seriesUsed, seriesSkipped } = await this.windows(f, params, entry);
    const tData = performance.now();
    await this.progress(f, ctx, { phase: 'embedding', step: 0, steps: params.steps, trainWindows: train.length, validationWindows: validation.length });
    const [trainW, valW] = [await this.embed(entry, train), await this.embed(entry, validation)];
    const tEmbed = performance.now();
    const base = this.runtime.headTensors(entry.id);
    const spec = new HeadSpec(entry.family, Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.dims])));
    const baseWeights: HeadWeights = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v.data]));
    let cancelled = false;
    const curve: TrainProgress[] = []; // every evaluation so far, in progress.history: a late SSE subscriber still sees each step
    const result = await trainHead(
      spec,
      baseWeights,
      trainW,
      valW,
      { steps: params.steps, learningRate: params.learningRate, loss: params.loss, seed: params.seed, batchSize: params.batchSize },
      async (pr: TrainProgress) => {
        curve.push(pr);
        await this.progress(f, ctx, {
          phase: 'training',
          steps: params.steps,
          trainWindows: train.length,
          validationWindows: validation.length,
          ...pr,
          history: curve,
        });
        if (await ctx.cancelled()) cancelled = true;
        if (cancelled) throw Object.assign(new DomainError('CANCELLED', 'Cancelled on request', 409));
      },
    );
    const tTrain = performance.now();
    const tensors = Object.fromEntries(Object.entries(result.weights).map(([k, v]) => [k, { dtype: 'F32' as const, shape: base[k].dims, data: v }]));
    const data = writeSafetensors(tensors, { baseModel: entry.id, baseSha256: entry.sha256, format: 'tsfm-head-v1' });
    const sha = sha256Hex(data);
    const rel = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);
    const served = await this.servedZeroShot(entry, validation, result.before);
    const metrics = {
      validation: {
        windows: valW.length,
        points: result.after.points,
        zeroShot: pick(result.before),
        servedZeroShot: served,
        finetuned: pick(result.after),
        relativeWql: rel(result.after.wql, result.before.wql),
        relativeMase: rel(result.after.mase, result.before.mase),
        relativeWqlVsServed: rel(result.after.wql, served.wql),
        relativeMaseVsServed: rel(result.after.mase, served.mase),
      },
      training: {
        windows: trainW.length,
        seriesUsed,
        seriesSkipped,
        bestStep: result.bestStep,
        stepsRun: result.stepsRun,
        stoppedEarly: result.stoppedEarly,
        ...readingRecord(entry, train),
      },
      durationsMs: { data: tData - t0, embed: tEmbed - tData, train: tTrain - tEmbed },
      headSha256: sha,
      headBytes: data.length,
    };
    const last = result.history[result.history.length - 1];
    const progress = {
      phase: 'done',
      step: result.stepsRun,
      steps: params.steps,
      bestStep: result.bestStep,
      trainLoss: last?.trainLoss ?? null,
      validationWql: result.after.wql,
      validationMase: result.after.mase,
      history: result.history,
    };
    this.log.log(
      `finetune ${f.id} (${f.name} on ${entry.id}): ${trainW.length} train / ${valW.length} validation windows, best step ${result.bestStep}, ` +
        `validation WQL ${result.before.wql.toFixed(4)} -> ${result.after.wql.toFixed(4)} in ${Math.round(tTrain - t0)} ms`,
    );
    return {
      state: 'SUCCEEDED',
      result: { finetuneId: f.id, model: f.name, headSha256: sha, relativeWql: metrics.validation.relativeWql },
      write: (tx) => this.finetunes.succeed(tx, f.id, { sha256: sha, baseModel: entry.id, data }, metrics, progress),
    };
  }

  /**
   * `full`: the PyTorch toolchain fine-tunes the last `blocks` blocks on the same windows and
   * exports a new graph; graph and head are stored by sha256 with the job's final state.
   */
  private async runFull(f: FinetuneRow, params: FinetuneParams, entry: ManifestEntry, ctx: JobContext, t0: number): Promise<JobOutcome> {
    const check = await checkFullFinetune(this.config, entry);
    if (!check.ok) throw new DomainError('FULL_FINETUNE_UNAVAILABLE', check.reason!, 422);
    const { train, validation, seriesUsed, seriesSkipped } = await this.windows(f, params, entry);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'tsfm-full-'));
    try {
      const pack = (ws: RawWindow[]) => {
        const L = Math.max(...ws.map((w) => w.request.context.length));
        const h = params.horizon;
        const ctxs = new Float32Array(ws.length * L).fill(NaN);
        const tgt = new Float32Array(ws.length * h).fill(NaN);
        ws.forEach((w, i) => {
          ctxs.set(w.request.context, i * L + (L - w.request.context.length));
          tgt.set(Float32Array.from(w.target), i * h);
        });
        const period = Float32Array.from(ws, (w) => 24 / (w.request.scaleFactor ?? 1));
        const scale = Float32Array.from(ws, (w) => w.maseScale);
        return {
          ctx: { dtype: 'F32', shape: [ws.length, L], data: ctxs } as NamedTensor,
          tgt: { dtype: 'F32', shape: [ws.length, h], data: tgt } as NamedTensor,
          period: { dtype: 'F32', shape: [ws.length], data: period } as NamedTensor,
          scale: { dtype: 'F32', shape: [ws.length], data: scale } as NamedTensor,
        };
      };
      const tr = pack(train);
      const va = pack(validation);
      const tensors: Record<string, NamedTensor> = {
        train_context: tr.ctx,
        train_target: tr.tgt,
        val_context: va.ctx,
        val_target: va.tgt,
        val_scale: va.scale,
      };
      if (entry.family === 'ssm') Object.assign(tensors, { train_period: tr.period, val_period: va.period });
      const dataFile = path.join(tmp, 'windows.safetensors');
      await writeFile(dataFile, writeSafetensors(tensors));
      const id = `ft-${f.id}`;
      const args = [
        '-m',
        'toolchain.training.finetune_full',
        '--run',
        check.runDir!,
        '--data',
        dataFile,
        '--out',
        tmp,
        '--id',
        id,
        '--blocks',
        String(params.blocks ?? 1),
        '--steps',
        String(params.steps),
        '--lr',
        String(params.learningRate),
        '--seed',
        String(params.seed),
        '--batch',
        String(params.batchSize),
      ];
      const trained = Number((entry.provenance as Record<string, unknown>).trainedSteps);
      if (Number.isInteger(trained)) args.push('--expect-step', String(trained));
      const curve: Record<string, unknown>[] = [];
      const done = await this.python(check.dir!, tmp, args, async (p) => {
        const { phase: _phase, ...point } = p as Record<string, unknown>;
        if (Number.isInteger(point.step)) curve.push(point);
        await this.progress(f, ctx, { phase: 'training', trainWindows: train.length, validationWindows: validation.length, ...p, history: curve });
        return ctx.cancelled();
      });
      const graph = await readFile(path.join(tmp, `${id}.onnx`));
      const head = await readFile(path.join(tmp, `${id}.head.safetensors`));
      const graphSha = sha256Hex(graph);
      const headSha = sha256Hex(head);
      // The graph is the base model with its last blocks retrained: it reads the seasons the base does, at
      // the base's scale factors. It was trained on the windows the base reads (seasonally adjusted where
      // its manifest says so): so are its forecasts.
      const entryOut: Record<string, unknown> = {
        ...(done.entry as Record<string, unknown>),
        ...(entry.seasons ? { seasons: entry.seasons } : {}),
        ...(entry.scalePeriods ? { scalePeriods: entry.scalePeriods } : {}),
        ...(entry.contextPadding ? { contextPadding: entry.contextPadding } : {}),
        ...(entry.seasonalAdjustment ? { seasonalAdjustment: windowAdjustment(entry.seasonalAdjustment) } : {}),
      };
      if (graphSha !== entryOut.sha256) throw new Error(`exported graph checksum ${graphSha} differs from the toolchain's ${entryOut.sha256}`);
      const rel = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);
      const before = done.before as { wql: number; mase: number };
      const after = done.after as { wql: number; mase: number };
      const served = await this.servedZeroShot(entry, validation, before);
      const metrics = {
        validation: {
          windows: validation.length,
          zeroShot: before,
          servedZeroShot: served,
          finetuned: after,
          relativeWql: rel(after.wql, before.wql),
          relativeMase: rel(after.mase, before.mase),
          relativeWqlVsServed: rel(after.wql, served.wql),
          relativeMaseVsServed: rel(after.mase, served.mase),
        },
        training: {
          windows: train.length,
          seriesUsed,
          seriesSkipped,
          bestStep: done.bestStep,
          stepsRun: done.stepsRun,
          blocks: done.blocks,
          trainableParameters: done.trainable ?? null,
          ...readingRecord(entry, train),
        },
        durationsMs: { total: performance.now() - t0, toolchain: Number(done.wallTimeSec) * 1000 },
        headSha256: headSha,
        graphSha256: graphSha,
        graphBytes: graph.length,
      };
      const progress = {
        phase: 'done',
        step: done.stepsRun,
        steps: params.steps,
        bestStep: done.bestStep,
        validationWql: after.wql,
        validationMase: after.mase,
        history: curve,
      };
      this.log.log(
        `full finetune ${f.id} (${f.name} on ${entry.id}, ${done.blocks} block(s)): validation WQL ${before.wql.toFixed(4)} -> ${after.wql.toFixed(4)}`,
      );
      return {
        state: 'SUCCEEDED',
        result: { finetuneId: f.id, model: f.name, graphSha256: graphSha, relativeWql: metrics.validation.relativeWql },
        write: (tx) =>
          this.finetunes.succeed(tx, f.id, { sha256: headSha, baseModel: entry.id, data: head }, metrics, progress, {
            sha256: graphSha,
            entry: entryOut,
            data: graph,
          }),
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Runs the toolchain; `onProgress` returns true to cancel (the process is killed). */
  private python(dir: string, tmp: string, args: string[], onProgress: (p: Record<string, unknown>) => Promise<boolean>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const child = spawnToolchain(this.config.toolchain.python, args, dir, tmp);
      let out = '';
      let err = '';
      let done: Record<string, unknown> | null = null;
      let failure: Record<string, unknown> | null = null;
      let chain = Promise.resolve();
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        let i: number;
        while ((i = out.indexOf('\n')) >= 0) {
          const line = out.slice(0, i);
          out = out.slice(i + 1);
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(line);
          } catch {
            continue;
          }
          if (msg.event === 'done') done = msg;
          else if (msg.event === 'error') failure = msg;
          else if (msg.event === 'progress') {
            const { event: _e, ...p } = msg;
            chain = chain
              .then(async () => {
                if (await onProgress(p)) child.kill('SIGKILL');
              })
              .catch(() => undefined);
          }
        }
      });
      child.stderr.on('data', (b: Buffer) => {
        err = (err + b.toString()).slice(-4000);
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        chain.then(() => {
          if (code === 0 && done) resolve(done);
          else if (failure?.code === 'CHECKPOINT_MISMATCH') reject(new DomainError('FULL_FINETUNE_UNAVAILABLE', String(failure.message), 422));
          else
            reject(
              Object.assign(new Error(`the toolchain exited with ${signal ?? code}: ${err.split('\n').filter(Boolean).slice(-3).join(' | ')}`), {
                code: signal === 'SIGKILL' ? 'CANCELLED' : 'TOOLCHAIN_FAILED',
              }),
            );
        });
      });
    });
  }

  private async progress(f: FinetuneRow, ctx: JobContext, p: Record<string, unknown>): Promise<void> {
    await this.finetunes.setProgress(f.id, p);
    await ctx.progress(p);
  }

  /** Held-out windows at the end of each series, training windows before them (most recent first). */
  private async windows(
    f: FinetuneRow,
    params: FinetuneParams,
    entry: ManifestEntry,
  ): Promise<{ train: RawWindow[]; validation: RawWindow[]; seriesUsed: number; seriesSkipped: number }> {
    const ids = params.seriesIds ?? (await this.tagged(f.tenantId, params.tag!));
    const windowEntry: ManifestEntry = entry.seasonalAdjustment ? { ...entry, seasonalAdjustment: windowAdjustment(entry.seasonalAdjustment) } : entry;
    const forecaster = new Forecaster(this.runtime);
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
        ts.forEach((t, i) => {
          if (vs[i] !== null) lookup.set(t, vs[i] as number);
        });
        const observedIdx = ts.map((_, i) => i).filter((i) => vs[i] !== null);
        const n = observedIdx.length;
        const minContext = Math.max(2 * h, 16);
        if (n < minContext + h * V + h) continue;
        const cut = (k: number, forValidation = false): RawWindow | null => {
          // Context: the rows before the k-th observation (a bounded tail, as a forecast loads it).
          const end = observedIdx[k];
          const start = Math.max(0, end - entry.contextLength * 4);
          try {
            // As forecasts read the series (the base's seasonal adjustment, if it has one, multiplicative: windowAdjustment), on the series' own grid.
            const input = { timestamps: ts.slice(start, end), values: vs.slice(start, end), declaredFrequency: s.frequency };
            const opts = { span: { horizon: h }, quantiles: entry.quantiles };
            const prep = forecaster.prepare(gridOnlyModel(windowEntry, true), input, opts);
            const sa = prep.seasonalAdjustment;
            if (sa && sa.kind !== 'multiplicative') throw new Error(`fine-tune windows are adjusted multiplicatively only, got ${sa.kind}`);
            const factors = sa ? Float64Array.from(prep.outputTimes, (_, t) => stepFactor(sa, t)) : null;
            const target = Float64Array.from(prep.outputTimes, (t, k) => (lookup.get(t) ?? NaN) / (factors ? factors[k] : 1));
            if (target.every((v) => Number.isNaN(v))) return null;
            const m = prep.metadataBase.seasonalPeriod ?? defaultSeasonalPeriod(prep.frequency);
            const served = forValidation ? forecaster.prepare(catalogModel(entry), input, opts) : undefined;
            return { request: prep.request, target, factors, maseScale: seasonalNaiveMae(prep.request.context, m), served };
          } catch (err) {
            if (err instanceof DomainError) return null;
            throw err;
          }
        };
        for (let v = V; v >= 1; v--) {
          const w = cut(n - h * v, true);
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
      throw new FinetuneDataError(
        'INSUFFICIENT_DATA',
        `No series has enough history for horizon ${h} with ${V} validation window(s): each needs at least ${Math.max(2 * h, 16) + h * V + h} observed points`,
      );
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

  /**
   * The base model as the service forecasts with it (negation ensemble, coarser grids for long
   * seasons, context selection): measured on the same validation windows through the serving path
   * (prepareSeries as ForecastService calls it -> forecastPrepared -> finishSeries onto the window's
   * target times). Where none of those applies it is the single pass the head starts from (`zeroShot`).
   */
  private async servedZeroShot(entry: ManifestEntry, windows: RawWindow[], zeroShot: { wql: number; mase: number }): Promise<{ wql: number; mase: number }> {
    const served = windows.map((w) => w.served!);
    if (!entry.negationEnsemble && served.every((p) => !p.selection && p.coarsening === 1 && !p.seasonalAdjustment))
      return { wql: zeroShot.wql, mase: zeroShot.mase };
    const preds: number[][][] = [];
    const forecaster = new Forecaster(this.runtime);
    // In chunks of at most ~1,024 model passes (two per request with the ensemble, times the xlstm's
    // patches, times the requests of context selection's larger phase: windows × candidates to score,
    // then the averaged ones), well inside the runtime's queue bound (TSFM_BATCH_MAX_QUEUE, default
    // 4,096) beside other traffic.
    const h = Math.max(1, ...served.map((p) => p.request.horizon));
    const cs = entry.contextSelection;
    const sel = cs ? Math.max((cs.windows ?? 1) * cs.candidates.length, cs.top) : 1;
    const passes = 2 * (entry.family === 'xlstm' ? Math.ceil(h / entry.patchSize) : 1) * sel;
    const chunk = Math.max(1, Math.floor(1024 / passes));
    for (let at = 0; at < served.length; at += chunk) {
      const part = served.slice(at, at + chunk);
      const out = await forecaster.run(catalogModel(entry), part);
      // Onto the window's steps, divided by the factors its target was divided by (none: as they are).
      preds.push(
        ...out.map((o, i) => {
          const q = forecaster.finish(catalogModel(entry), part[i], o.forecast.quantiles, entry.quantiles).quantiles;
          const f = windows[at + i].factors;
          return f ? q.map((row, t) => row.map((v) => v / f[t])) : q;
        }),
      );
    }
    return pick(scoreForecasts(preds, windows));
  }

  /** Frozen-base embeddings of the windows, with the step → position map of the family. */
  async embed(entry: ManifestEntry, windows: RawWindow[]): Promise<HeadWindow[]> {
    const emb = await this.runtime.embed(
      entry.id,
      windows.map((w) => w.request),
    );
    const ddec = entry.family === 'ssm' ? this.runtime.headTensors(entry.id)['head.bias'].data.length / entry.quantiles.length : 0;
    const patchLen = Number((entry.config as Record<string, unknown>).decoder_patch_len ?? 24);
    const bases = new Map<number, Float64Array>();
    return windows.map((w, i) => {
      const e = emb[i];
      const h = w.request.horizon;
      if (entry.family === 'xlstm') {
        const P = entry.patchSize;
        return {
          ...e,
          pos: Int32Array.from({ length: h }, (_, k) => Math.floor(k / P)),
          off: Int32Array.from({ length: h }, (_, k) => k % P),
          target: w.target,
          maseScale: w.maseScale,
        };
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

/**
 * The seasonal adjustment fine-tune windows are cut with: the base's cycles, multiplicative only. The
 * head (or the retrained blocks) learns the series divided by its factors, and every validation metric
 * divides forecasts and targets by the same factors (RawWindow.factors); the manifest's `additive`
 * choice, which zero-shot forecasts of the base use, is left out, and forecasts with the fine-tune
 * read their series the same way (its record, model-resolver trainedAdjustment).
 */
export function windowAdjustment(spec: SeasonalAdjustmentSpec): SeasonalAdjustmentSpec {
  return { cycles: spec.cycles };
}

/**
 * metrics.training's record of how the windows were read: the seasonal adjustment they were cut with
 * (the base's manifest `seasonalAdjustment`, null without one) and how many training windows it divided,
 * and the context padding they were embedded at (`contextPadding`, null: the whole window). Forecasts
 * with the fine-tune read their series the same way (model-resolver trainedAdjustment, trainedPadding).
 */
function readingRecord(
  entry: ManifestEntry,
  train: RawWindow[],
): {
  seasonalAdjustment: { cycles: number } | null;
  adjustedWindows: number;
  contextPadding: { minPatches: number } | null;
} {
  return {
    seasonalAdjustment: entry.seasonalAdjustment ? windowAdjustment(entry.seasonalAdjustment) : null,
    adjustedWindows: train.filter((w) => w.factors).length,
    contextPadding: entry.contextPadding ? { minPatches: entry.contextPadding.minPatches } : null,
  };
}

function pick(m: WindowMetrics): { wql: number; mase: number } {
  return { wql: m.wql, mase: m.mase };
}
