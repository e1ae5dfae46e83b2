import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DomainError, InvalidInputError, NotFoundError } from '#common';
import type { ExecutionProvider } from '#config';
// The error's own file: the #config barrel also exports the NestJS ConfigModule, which `tsfm forecast` must not load.
import { ConfigError } from '../../config/src/env-readers';
import { InferenceThread, ProviderChoice } from './inference-thread';
import { ManifestEntry, loadManifest, verifyModelFiles } from './manifest';
import { BatcherStats, MicroBatcher } from './micro-batcher';
import { BatchKey, Feed, ModelFamily, batchGroup, modelFamily } from './model-family';
import { readSafetensors } from './safetensors';

export interface RuntimeOptions {
  modelsDir: string;
  providers: ExecutionProvider[];
  intraOpThreads: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  /** Patches per xlstm pass (TiRex's max_accelerated_rollout_steps; 1 = the official default). */
  xlstmPatchesPerPass?: number;
  /** Graphs loaded with loadGraph (tenants' `full` fine-tunes) kept at once; the least recently used idle one makes room. */
  maxExtraGraphs?: number;
  /** Manifest models to load (default: all). A one-shot caller (the CLI) loads only the one it uses: each costs a session and a warm-up run. */
  models?: string[];
}

type HeadTensors = Record<string, { type: 'float32'; dims: number[]; data: Float32Array }>;

export interface SeriesRequest {
  /** Context on the model grid, oldest first, NaN = missing. */
  context: Float32Array;
  /** Grid steps to forecast. */
  horizon: number;
  /** ssm family: the per-series scale factor (24 / seasonal period). */
  scaleFactor?: number;
  head?: string;
  /**
   * xlstm family: left-pad to the model's contextLength even where the manifest's `contextPadding`
   * feeds short contexts at whole patches (heads fine-tuned before it, on embeddings so padded).
   */
  padToContext?: boolean;
}

export interface SeriesForecast {
  /** [horizon][9] quantiles, monotone per step. */
  quantiles: number[][];
  queueMs: number;
  modelMs: number;
  batchSize: number;
}

export interface ModelStatus {
  entry: ManifestEntry;
  provider: ProviderChoice;
  ortVersion: string;
  batching: BatcherStats;
}

/** What the frozen base model emits for one window: the head's inputs and the de-normalisation. */
export interface WindowEmbedding {
  /** Embeddings of the emitting positions, [M × E]. */
  emb: Float32Array;
  M: number;
  /** Per emitting position. */
  loc: Float64Array;
  scale: Float64Array;
}

/** Fine-tuned heads kept in memory per process (least recently used first out). */
const MAX_CUSTOM_HEADS = 256;
/** Whole fine-tuned graphs (method "full") loaded per process by default: each is its own session. */
export const DEFAULT_MAX_EXTRA_GRAPHS = 16;
/** Ids of unloaded graphs remembered, so a request racing the unload is retried rather than failed. */
const UNLOADED_MEMORY = 1024;

interface BatchItem {
  context: Float32Array;
  key: BatchKey;
}

interface BatchResult {
  quantiles: Float32Array; // [steps * 9]
  steps: number;
  modelMs: number;
}

const KNOWN_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu'];

class ModelUnavailableError extends DomainError {
  constructor(id: string, message: string) {
    super('MODEL_UNAVAILABLE', `Model ${id} is unavailable: ${message}`, 503);
  }
}

export { fitContext, xlstmFedLength } from './model-family';

/**
 * The length the runtime reads a request's context of n values at (an xlstm's first rollout pass;
 * each later pass appends patchSize missing steps): the family's fedLength.
 */
export function fedLength(
  entry: Pick<ManifestEntry, 'family' | 'contextLength' | 'patchSize' | 'contextPadding'>,
  s: Pick<SeriesRequest, 'scaleFactor' | 'padToContext'>,
  n: number,
): number {
  return modelFamily(entry).fedLength(entry, s, n);
}

/**
 * Loads every model of the manifest (sha256-checked) into one inference thread, warms it up, and
 * serves forecasts through a bounded micro-batcher per model that merges concurrent requests
 * across jobs and tenants into one run per (model, head, shape parameters).
 */
export class ModelRuntime {
  private readonly thread = new InferenceThread();
  private readonly entries = new Map<string, ManifestEntry>();
  private readonly status = new Map<string, { provider: ProviderChoice; ortVersion: string }>();
  private readonly heads = new Map<string, HeadTensors>();
  private readonly batchers = new Map<string, MicroBatcher<BatchItem, BatchResult>>();
  private readonly loading = new Map<string, Promise<void>>();
  /**
   * Graphs loaded with loadGraph (tenants' full fine-tunes), not from the manifest, least recently
   * used first; `inUse` counts forecasts running on one (an in-use graph is never evicted).
   */
  private readonly extra = new Map<string, { file: string; sha256: string; inUse: number }>();
  private readonly unloaded = new Set<string>();
  /** Where graph bytes are written for ONNX Runtime to read: private to this process (0700), removed on close. */
  private graphDir: Promise<string> | null = null;
  private graphFiles = 0;

  private constructor(private readonly opts: RuntimeOptions) {}

  static async start(opts: RuntimeOptions): Promise<ModelRuntime> {
    // parseConfig already refuses unknown names; this guards direct callers (benchmarks, tools),
    // for which ONNX Runtime would otherwise turn a typo into a silent CPU fallback.
    const unknown = opts.providers.filter((p) => !KNOWN_PROVIDERS.includes(p));
    if (unknown.length > 0 || opts.providers.length === 0) {
      throw new ConfigError('TSFM_EXECUTION_PROVIDERS', `must list one or more of ${KNOWN_PROVIDERS.join(', ')} (got ${JSON.stringify(opts.providers)})`);
    }
    const rt = new ModelRuntime(opts);
    const manifest = await loadManifest(opts.modelsDir);
    for (const entry of manifest.models) if (!opts.models || opts.models.includes(entry.id)) await rt.load(entry);
    return rt;
  }

  private async load(entry: ManifestEntry, extra?: { onnxPath: string; head: Buffer }): Promise<void> {
    if (!extra) await verifyModelFiles(this.opts.modelsDir, entry);
    const r = await this.thread.load(entry.id, extra?.onnxPath ?? path.join(this.opts.modelsDir, entry.file), this.opts.providers, this.opts.intraOpThreads);
    const sidecar = readSafetensors(extra?.head ?? (await readFile(path.join(this.opts.modelsDir, entry.head.file)))).tensors;
    const head: HeadTensors = {};
    for (const name of entry.head.tensors) head[name] = { type: 'float32', dims: sidecar[name].shape, data: sidecar[name].data as Float32Array };
    this.entries.set(entry.id, entry);
    this.heads.set(`${entry.id}:default`, head);
    this.status.set(entry.id, { provider: r.choice, ortVersion: r.ortVersion });
    this.batchers.set(
      entry.id,
      new MicroBatcher<BatchItem, BatchResult>({
        maxBatch: this.opts.maxBatch,
        maxWaitMs: this.opts.maxWaitMs,
        maxQueue: this.opts.maxQueue,
        maxConcurrentRuns: 1,
        limit: (items) => Math.max(1, Math.floor(modelFamily(entry).maxBatchValues / items.context.length)),
        run: (_group, items) => this.runBatch(entry, items),
      }),
    );
    // Warm-up: the first run pays for allocation and graph preparation, not a client.
    await this.forecast(entry.id, [{ context: new Float32Array(entry.patchSize * 2).map((_, i) => Math.sin(i)), horizon: 1, scaleFactor: 1 }]);
  }

  /** Whether a model (catalog or loaded graph) is served by this runtime. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Whether `id` is a manifest model (not a tenant's graph loaded with loadGraph). */
  isCatalogModel(id: string): boolean {
    return this.entries.has(id) && !this.extra.has(id);
  }

  /** The graphs loaded with loadGraph, least recently used first: the sha256 of each graph and the file it was read from. */
  loadedGraphs(): { id: string; sha256: string; inUse: number; file: string }[] {
    return [...this.extra].map(([id, g]) => ({ id, sha256: g.sha256, inUse: g.inUse, file: g.file }));
  }

  /** The private folder graphs are written to (made on first use). */
  graphDirectory(): Promise<string> {
    // mkdtemp makes the folder 0700 with an unguessable name: no other user can read a tenant's
    // graph, or plant a file where this process would load one.
    this.graphDir ??= mkdtemp(path.join(os.tmpdir(), 'tsfm-graphs-'));
    return this.graphDir;
  }

  /**
   * Loads a graph that is not in the manifest (a tenant's `full` fine-tune), from bytes the caller
   * checked against `entry.sha256`. At the cap (maxExtraGraphs) the least recently used graph not
   * running a forecast is unloaded first; when every one is busy the load is refused (503, retried).
   * Concurrent calls for the same id share one load.
   */
  async loadGraph(entry: ManifestEntry, onnx: Buffer, head: Buffer): Promise<void> {
    if (this.entries.has(entry.id)) return;
    let p = this.loading.get(entry.id);
    if (!p) {
      const max = this.opts.maxExtraGraphs ?? DEFAULT_MAX_EXTRA_GRAPHS;
      // Victims leave the maps synchronously (unloadGraph's first step), so no other call sees them meanwhile.
      const evictions: Promise<boolean>[] = [];
      while (this.extra.size >= max) {
        const idle = [...this.extra].find(([, x]) => x.inUse === 0);
        if (!idle) throw new ModelUnavailableError(entry.id, `this worker serves ${max} fine-tuned graphs and every one is running a forecast`);
        evictions.push(this.unloadGraph(idle[0]));
      }
      // Counted (and busy, so never evicted) from the start, and never taken for a catalog model meanwhile.
      const g = { file: '', sha256: entry.sha256, inUse: 1 };
      this.extra.set(entry.id, g);
      this.unloaded.delete(entry.id);
      p = (async () => {
        try {
          await Promise.all(evictions);
          // One file per load: the removal of an unloaded copy still under way never hits a reload of the same graph.
          if (!/^[A-Za-z0-9_.-]{1,100}$/.test(entry.id)) throw new Error(`graph id ${JSON.stringify(entry.id)} is not a file name`);
          g.file = path.join(await this.graphDirectory(), `${entry.id}.${++this.graphFiles}.onnx`);
          await writeFile(g.file, onnx, { mode: 0o600 });
          await this.load(entry, { onnxPath: g.file, head });
        } catch (err) {
          this.extra.delete(entry.id);
          this.forget(entry.id);
          await this.thread.unload(entry.id).catch(() => undefined);
          if (g.file) await rm(g.file, { force: true });
          throw err;
        }
      })().finally(() => {
        g.inUse--;
        this.loading.delete(entry.id);
      });
      this.loading.set(entry.id, p);
    }
    await p;
  }

  /**
   * Unloads a graph loaded with loadGraph: its session is released in the inference thread and its
   * file removed. False for manifest models and ids not loaded. A forecast that resolved the graph
   * just before gets a 503 (retried, and the graph loaded again if its fine-tune still exists).
   */
  async unloadGraph(id: string): Promise<boolean> {
    const g = this.extra.get(id);
    if (!g || this.loading.has(id)) return false;
    this.extra.delete(id);
    this.forget(id);
    this.unloaded.add(id);
    if (this.unloaded.size > UNLOADED_MEMORY) this.unloaded.delete(this.unloaded.values().next().value!);
    await this.thread.unload(id);
    if (g.file) await rm(g.file, { force: true });
    return true;
  }

  private forget(id: string): void {
    this.entries.delete(id);
    this.status.delete(id);
    this.batchers.delete(id);
    for (const k of [...this.heads.keys()]) if (k.startsWith(`${id}:`)) this.heads.delete(k);
  }

  /** A head's tensors (the manifest's default head unless `head` names a registered one). */
  headTensors(modelId: string, head = 'default'): Record<string, { dims: number[]; data: Float32Array }> {
    const h = this.heads.get(`${modelId}:${head}`);
    if (!h) throw new ModelUnavailableError(modelId, `head ${head} is not loaded`);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, { dims: v.dims, data: v.data }]));
  }

  hasHead(modelId: string, head: string): boolean {
    const key = `${modelId}:${head}`;
    const h = this.heads.get(key);
    if (h && head !== 'default') {
      this.heads.delete(key); // refresh its place in the LRU order
      this.heads.set(key, h);
    }
    return h !== undefined;
  }

  /**
   * Registers a fine-tuned head for a base model: the same session serves it, fed these tensors
   * instead of the default ones. Names and shapes must match the default head exactly.
   */
  setHead(modelId: string, head: string, tensors: Record<string, Float32Array>): void {
    if (head === 'default') throw new InvalidInputError('HEAD_INVALID', 'the default head cannot be replaced');
    const def = this.heads.get(`${modelId}:default`);
    if (!def) throw new NotFoundError('model', modelId);
    const out: HeadTensors = {};
    for (const [name, t] of Object.entries(def)) {
      const data = tensors[name];
      if (!data || data.length !== t.data.length)
        throw new InvalidInputError(
          'HEAD_INVALID',
          `head ${head} for ${modelId}: tensor ${name} is missing or has ${data?.length ?? 0} values, not ${t.data.length}`,
        );
      out[name] = { type: 'float32', dims: t.dims, data };
    }
    if (Object.keys(tensors).length !== Object.keys(def).length) throw new InvalidInputError('HEAD_INVALID', `head ${head} for ${modelId} has extra tensors`);
    this.heads.delete(`${modelId}:${head}`);
    this.heads.set(`${modelId}:${head}`, out);
    const custom = [...this.heads.keys()].filter((k) => !k.endsWith(':default'));
    for (const k of custom.slice(0, Math.max(0, custom.length - MAX_CUSTOM_HEADS))) this.heads.delete(k);
  }

  /**
   * Embeddings of the base model for head training. Runs in fixed chunks of `chunk` rows in the
   * given order, outside the micro-batcher, so the same windows always see the same batches
   * (bit-identical embeddings, hence reproducible fine-tunes). xlstm: one position per patch of
   * every rollout pass, as forecast() runs them; ssm: the mask_n + 1 emitting positions.
   */
  async embed(modelId: string, series: SeriesRequest[], chunk = 32): Promise<WindowEmbedding[]> {
    const entry = this.entry(modelId);
    const head = this.heads.get(`${modelId}:default`)!;
    const family = modelFamily(entry);
    type Row = { req: number; context: Float32Array; key: BatchKey };
    const k = Math.max(1, this.opts.xlstmPatchesPerPass ?? 1);
    const rows: Row[] = series.flatMap((s, i) => family.rows(entry, s, { patchesPerPass: k, exact: true }).map((r) => ({ req: i, ...r })));
    const parts: { emb: Float32Array; loc: Float32Array; scale: Float32Array; M: number }[][] = series.map(() => []);
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const key = batchGroup(r.key);
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    for (const members of groups.values()) {
      for (let at = 0; at < members.length; at += chunk) {
        const part = members.slice(at, at + chunk);
        const B = part.length;
        const L = part[0].context.length;
        const ctx = new Float32Array(B * L);
        part.forEach((r, j) => ctx.set(r.context, j * L));
        const feeds: Record<string, Feed> = { ...head, ...family.feeds(part[0].key), context: { type: 'float32', dims: [B, L], data: ctx } };
        const { outputs } = await this.thread.run(entry.id, feeds, ['embeddings', 'loc', 'scale']);
        const [, M, E] = outputs.embeddings.dims;
        const perRowStats = outputs.loc.dims.length === 1 ? 1 : M;
        part.forEach((r, j) => {
          const locs = outputs.loc.data.slice(j * perRowStats, (j + 1) * perRowStats);
          const scales = outputs.scale.data.slice(j * perRowStats, (j + 1) * perRowStats);
          parts[r.req].push({
            emb: outputs.embeddings.data.slice(j * M * E, (j + 1) * M * E),
            loc: perRowStats === 1 ? new Float32Array(M).fill(locs[0]) : locs,
            scale: perRowStats === 1 ? new Float32Array(M).fill(scales[0]) : scales,
            M,
          });
        });
      }
    }
    return parts.map((ps) => {
      const M = ps.reduce((a, p) => a + p.M, 0);
      const emb = new Float32Array(ps.reduce((a, p) => a + p.emb.length, 0));
      const loc = new Float64Array(M);
      const scale = new Float64Array(M);
      let e = 0;
      let m = 0;
      for (const p of ps) {
        emb.set(p.emb, e);
        e += p.emb.length;
        loc.set(p.loc, m);
        scale.set(p.scale, m);
        m += p.M;
      }
      return { emb, M, loc, scale };
    });
  }

  entry(id: string): ManifestEntry {
    const e = this.entries.get(id);
    if (!e && this.unloaded.has(id)) throw new ModelUnavailableError(id, 'its graph was unloaded to make room; retry to load it again');
    if (!e) throw new NotFoundError('model', id);
    return e;
  }

  models(): ModelStatus[] {
    return [...this.entries.values()].map((entry) => ({ entry, ...this.status.get(entry.id)!, batching: this.batchers.get(entry.id)!.snapshot() }));
  }

  /** Forecasts several series with one model; every pass goes through the micro-batcher. */
  async forecast(modelId: string, series: SeriesRequest[]): Promise<SeriesForecast[]> {
    const entry = this.entry(modelId);
    for (const s of series) {
      if (!(s.horizon >= 1 && s.horizon <= entry.maxHorizon)) {
        throw new InvalidInputError('HORIZON_TOO_LONG', `horizon ${s.horizon} is outside 1..${entry.maxHorizon} grid steps for model ${modelId}`);
      }
    }
    const g = this.extra.get(modelId);
    if (!g) return Promise.all(series.map((s) => (this.ensembled(entry, s) ? this.negationEnsemble(entry, s) : this.pass(entry, s))));
    // Most recently used last; busy while this runs, so no eviction pulls the session from under it.
    this.extra.delete(modelId);
    this.extra.set(modelId, g);
    g.inUse++;
    try {
      return await Promise.all(series.map((s) => this.pass(entry, s)));
    } finally {
      g.inUse--;
    }
  }

  /** The manifest's negation ensemble covers the model's own head; fine-tuned heads and graphs are served as trained. */
  private ensembled(entry: ManifestEntry, s: SeriesRequest): boolean {
    return entry.negationEnsemble === true && (s.head ?? 'default') === 'default' && !this.extra.has(entry.id);
  }

  /** One forecast of a request: the family's rows through the micro-batcher (rows of every request batch together). */
  private async pass(entry: ManifestEntry, s: SeriesRequest): Promise<SeriesForecast> {
    const family: ModelFamily = modelFamily(entry);
    const batcher = this.batchers.get(entry.id)!;
    const rows = family.rows(entry, s, { patchesPerPass: this.opts.xlstmPatchesPerPass ?? 1 });
    const runs = await Promise.all(rows.map((r) => batcher.submit(batchGroup(r.key), { context: r.context, key: r.key })));
    return {
      quantiles: family.steps(
        s,
        runs.map((r) => r.value),
        entry.quantiles.length,
      ),
      queueMs: Math.max(...runs.map((r) => r.queueMs)),
      modelMs: runs.reduce((a, r) => a + r.value.modelMs, 0),
      batchSize: Math.max(...runs.map((r) => r.batchSize)),
    };
  }

  /**
   * q_l = (f(x)_l − f(−x)_{1−l}) / 2: the forecast of −x mirrored back and averaged with the
   * forecast of x. Both passes go through the micro-batcher (and batch with each other); the
   * result stays monotone per step because both inputs are.
   */
  private async negationEnsemble(entry: ManifestEntry, s: SeriesRequest): Promise<SeriesForecast> {
    const [a, b] = await Promise.all([this.pass(entry, s), this.pass(entry, { ...s, context: s.context.map((v) => -v) })]);
    const n = entry.quantiles.length;
    return {
      quantiles: a.quantiles.map((row, h) => row.map((v, l) => (v - b.quantiles[h][n - 1 - l]) / 2)),
      queueMs: Math.max(a.queueMs, b.queueMs),
      modelMs: a.modelMs + b.modelMs,
      batchSize: Math.max(a.batchSize, b.batchSize),
    };
  }

  private async runBatch(entry: ManifestEntry, items: BatchItem[]): Promise<BatchResult[]> {
    const B = items.length;
    const L = items[0].context.length;
    const ctx = new Float32Array(B * L);
    items.forEach((it, i) => ctx.set(it.context, i * L));
    const key = items[0].key;
    const head = this.heads.get(`${entry.id}:${key.head}`);
    if (!head) throw new ModelUnavailableError(entry.id, `head ${key.head} is not loaded`);
    const feeds: Record<string, Feed> = { ...head, ...modelFamily(entry).feeds(key), context: { type: 'float32', dims: [B, L], data: ctx } };
    const { outputs, ms } = await this.thread.run(entry.id, feeds, ['quantiles']);
    const q = outputs.quantiles;
    const steps = q.dims[1];
    const n = q.dims[2];
    return items.map((_, i) => ({ quantiles: q.data.slice(i * steps * n, (i + 1) * steps * n), steps, modelMs: ms }));
  }

  async close(): Promise<void> {
    await this.thread.close();
    const dir = this.graphDir && (await this.graphDir.catch(() => null));
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
