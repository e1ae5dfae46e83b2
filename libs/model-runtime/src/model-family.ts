import type { FamilyName, ManifestEntry } from './manifest';

/** What runs one model request: independent rows, each batched with rows of the same key. */
export interface BatchKey {
  head: string;
  /** Context values per row. */
  length: number;
  /** The graph's scalar inputs (xlstm new_patches; ssm scale_factor and horizon). */
  params: Readonly<Record<string, number>>;
}

export interface FamilyRow {
  key: BatchKey;
  context: Float32Array;
}

export type Feed = { type: 'float32' | 'int64'; dims: number[]; data: Float32Array | BigInt64Array };

/** The request fields a family reads (SeriesRequest's). */
export interface FamilyRequest {
  context: Float32Array;
  horizon: number;
  scaleFactor?: number;
  head?: string;
  padToContext?: boolean;
}

type Shape = Pick<ManifestEntry, 'contextLength' | 'patchSize' | 'contextPadding'>;

/**
 * What differs between model families at run time (STYLE.md 16): the length a context is read at,
 * the rows a request runs (the xlstm's rollout passes, the ssm's one masked pass), the batch key and
 * the graph's scalar feeds. Chosen once per manifest entry by `family` (modelFamily); nothing else
 * branches on the family.
 */
export interface ModelFamily {
  readonly name: FamilyName;
  /** The length a context of n values is read at (metadata.modelInput.fedSteps). */
  fedLength(entry: Shape, s: Pick<FamilyRequest, 'scaleFactor' | 'padToContext'>, n: number): number;
  /**
   * The rows one request runs. `exact`: each row at fedLength (embeddings for fine-tuning); otherwise
   * a family may run a shorter row that gives the same numbers (the ssm's leading padding).
   */
  rows(entry: Shape, s: FamilyRequest, o: { patchesPerPass: number; exact?: boolean }): FamilyRow[];
  feeds(key: BatchKey): Record<string, Feed>;
  /** Rows' quantiles (per row: steps × levels, as the graph emits them) -> the request's steps. */
  steps(s: FamilyRequest, rows: { quantiles: Float32Array; steps: number }[], levels: number): number[][];
  /**
   * Batch bound in context values (rows × length): the graph's activations grow with both, so a
   * long window runs fewer rows per batch and memory stays bounded (ssm-small at 64 × 2,048 values
   * held ~0.7 GB, at 256 × 2,048 ~3.3 GB, for the same rows per second; tsfm forecast on the 414 M4-hourly
   * series peaked at 1,080 MiB with 65,536 values per batch, 667 MiB with 32,768).
   */
  readonly maxBatchValues: number;
}

/** Left-pads with NaN or keeps the most recent `length` values. */
export function fitContext(ctx: Float32Array, length: number): Float32Array {
  if (ctx.length === length) return ctx;
  if (ctx.length > length) return ctx.subarray(ctx.length - length);
  const out = new Float32Array(length).fill(NaN);
  out.set(ctx, length - ctx.length);
  return out;
}

/**
 * The length an xlstm context of n values is fed at: contextLength, or with the manifest's
 * `contextPadding` whole patches, at least minPatches, at most contextLength.
 */
export function xlstmFedLength(entry: Shape, n: number, padToContext = false): number {
  const C = entry.contextLength;
  if (!entry.contextPadding || padToContext) return C;
  const P = entry.patchSize;
  return Math.min(C, Math.max(entry.contextPadding.minPatches * P, Math.ceil(n / P) * P));
}

function sortedSteps(q: Float32Array, steps: number, nq: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) out.push(Array.from(q.subarray(i * nq, (i + 1) * nq)).sort((a, b) => a - b));
  return out;
}

const int64 = (v: number): Feed => ({ type: 'int64', dims: [1], data: BigInt64Array.from([BigInt(v)]) });
const float = (v: number): Feed => ({ type: 'float32', dims: [1], data: Float32Array.from([v]) });

/** TiRex rollout: pass p reads the context extended by P·k·p missing steps, cut to its fed length. */
export const XLSTM: ModelFamily = {
  name: 'xlstm',
  maxBatchValues: 256 * 1024,
  fedLength: (entry, s, n) => xlstmFedLength(entry, n, s.padToContext),
  rows(entry, s, o) {
    const P = entry.patchSize;
    const k = Math.max(1, o.patchesPerPass);
    const passes = Math.ceil(s.horizon / (P * k));
    return Array.from({ length: passes }, (_, p) => {
      const ext = new Float32Array(s.context.length + P * k * p).fill(NaN);
      ext.set(s.context);
      const L = xlstmFedLength(entry, ext.length, s.padToContext);
      return { key: { head: s.head ?? 'default', length: L, params: { k } }, context: fitContext(ext, L) };
    });
  },
  feeds: (key) => ({ new_patches: int64(key.params.k) }),
  steps(s, rows, levels) {
    const q: number[][] = [];
    for (const r of rows) q.push(...sortedSteps(r.quantiles, r.steps, levels));
    return q.slice(0, s.horizon);
  },
};

/** Rows of the ssm are run at a multiple of this many steps (fewer distinct lengths: fuller batches). */
export const SSM_LENGTH_BUCKET = 256;

/**
 * The ssm reads a window of ⌊contextLength / s⌋ steps (at most 16,384), left-padded with missing
 * values. Its leading missing values are padding (config leading_nan_is_padding: the scan starts at
 * the first observed step), so a row cut to the context's own length, rounded up to
 * SSM_LENGTH_BUCKET, gives the same quantiles bit for bit (measured on M4 hourly at lengths 128 to
 * 16,384, scale factors 24/365 to 2) for a fraction of the work: a 700-step context no longer runs
 * 2,048 steps, nor a daily one with a 365-step season 16,384.
 */
export const SSM: ModelFamily = {
  name: 'ssm',
  maxBatchValues: 32 * 1024,
  fedLength: (entry, s) => Math.min(16384, Math.floor(entry.contextLength / (s.scaleFactor ?? 1))),
  rows(entry, s, o) {
    const window = SSM.fedLength(entry, s, s.context.length);
    const L = o.exact ? window : Math.min(window, Math.max(SSM_LENGTH_BUCKET, Math.ceil(s.context.length / SSM_LENGTH_BUCKET) * SSM_LENGTH_BUCKET));
    const key = { head: s.head ?? 'default', length: L, params: { s: s.scaleFactor ?? 1, h: s.horizon } };
    return [{ key, context: fitContext(s.context, L) }];
  },
  feeds: (key) => ({ scale_factor: float(key.params.s), horizon: int64(key.params.h) }),
  steps: (_s, rows, levels) => sortedSteps(rows[0].quantiles, rows[0].steps, levels),
};

const FAMILIES: Record<FamilyName, ModelFamily> = { xlstm: XLSTM, ssm: SSM };

/** The family of a manifest entry. */
export function modelFamily(entry: Pick<ManifestEntry, 'family'>): ModelFamily {
  return FAMILIES[entry.family];
}

/** The micro-batcher's group of a row: one batch per key. */
export function batchGroup(key: BatchKey): string {
  return `${key.head}|L=${key.length}|${Object.entries(key.params)
    .map(([k, v]) => `${k}=${v}`)
    .join('|')}`;
}
