/**
 * The output heads of both model families in plain TypeScript: forward, backward and the step
 * decoding that turns a head's output into the 9 quantiles the graph emits. The base graph stays
 * frozen; a fine-tune trains only these tensors, on the embeddings the graph outputs.
 *
 * xlstm (TiRex): out = W_o relu(W_h e + b_h) + b_o + W_r e + b_r, quantile-major [Q, 32]; the
 *   runtime sorts the 9 values per step.
 * ssm (FlowState): coefficients = W e + b, quantile-major [Q, Ddec] Legendre coefficients; the raw
 *   value at offset k is Σ_d basis[k, d] · c[q, d] (basis / 4, at the decoder's sample times); the
 *   graph sorts the 9 raw values and applies torch.quantile's fixed interpolation matrix.
 * Both de-normalise with the loc/scale of the emitting position, so training runs in normalised
 * units: y_n = (y − loc) / scale.
 */

export type HeadFamily = 'xlstm' | 'ssm';
export type HeadWeights = Record<string, Float32Array>;
export type HeadShapes = Record<string, number[]>;
export type LossName = 'pinball' | 'mae' | 'mse';

/** One training or validation window, as the frozen base model saw it. */
export interface HeadWindow {
  /** Embeddings of the emitting positions, [M × E]. */
  emb: Float32Array;
  M: number;
  loc: Float64Array;
  scale: Float64Array;
  /** Per forecast step: emitting position and offset within that position's output. */
  pos: Int32Array;
  off: Int32Array;
  /** ssm only: the decoder basis at this window's sample times, [P × Ddec], already / 4. */
  basis?: Float64Array;
  /** Actual values in the client's units, NaN = missing (excluded). */
  target: Float64Array;
  /** In-sample MAE of the seasonal-naive forecast on the context (MASE denominator). */
  maseScale: number;
}

export const LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** torch.quantile's linear interpolation over n sorted values as a fixed [n × n] matrix. */
export function quantileMatrix(levels: number[]): Float64Array {
  const n = levels.length;
  const m = new Float64Array(n * n);
  levels.forEach((q, r) => {
    const p = q * (n - 1);
    const lo = Math.floor(p + 1e-9);
    const frac = p - lo;
    m[r * n + lo] += 1 - frac;
    if (frac > 1e-9) m[r * n + lo + 1] += frac;
  });
  return m;
}

/** Legendre P_0..P_{n-1} at the ssm decoder's P sample times for scale factor s, divided by 4. */
export function ssmBasis(P: number, s: number, n: number, patchLen = 24): Float64Array {
  const f32 = Math.fround;
  const dt = f32(f32(s) * f32((0.95 - -1.0) / patchLen));
  const out = new Float64Array(P * n);
  for (let k = 0; k < P; k++) {
    const t = f32(-1 + f32((k + 1) * dt));
    const cols = [1, t];
    for (let j = 1; j < n - 1; j++) cols.push(((2 * j + 1) * t * cols[j] - j * cols[j - 1]) / (j + 1));
    for (let d = 0; d < n; d++) out[k * n + d] = cols[d] / 4;
  }
  return out;
}

const SLACK = 2 ** -22;
/** P = ⌊patchLen / s + 1e-6⌋ with the float32 slack of the toolchain's robust_floor_div. */
export function ssmStepsPerPosition(s: number, patchLen = 24): number {
  const x = patchLen / Math.fround(s);
  return Math.floor(x + x * SLACK + 1e-6);
}

/** For each step k < h: (emitting position, offset), as toolchain.ssm.ops.tile_index. */
export function ssmTiles(h: number, P: number): { pos: Int32Array; off: Int32Array; M: number } {
  const maskN = Math.max(0, h - P);
  const tiles = Math.floor(maskN / P) + 1;
  const pos = new Int32Array(h);
  const off = new Int32Array(h);
  for (let k = 0; k < h; k++) {
    pos[k] = k < tiles * P ? Math.floor(k / P) * P : maskN;
    off[k] = k - pos[k];
  }
  return { pos, off, M: maskN + 1 };
}

/** Dimensions of a family's head, read from its tensor shapes. */
export class HeadSpec {
  readonly E: number;
  readonly outDim: number;
  readonly hidden: number;
  readonly ddec: number;
  readonly patch: number;
  readonly qmat: Float64Array | null;

  constructor(
    readonly family: HeadFamily,
    readonly shapes: HeadShapes,
    readonly Q = 9,
  ) {
    if (family === 'xlstm') {
      [this.hidden, this.E] = shapes['head.hidden_layer.weight'];
      this.outDim = shapes['head.output_layer.weight'][0];
      this.patch = this.outDim / Q;
      this.ddec = 0;
      this.qmat = null;
    } else {
      [this.outDim, this.E] = shapes['head.weight'];
      this.ddec = this.outDim / Q;
      this.hidden = 0;
      this.patch = 0;
      this.qmat = quantileMatrix(LEVELS);
    }
  }

  names(): string[] {
    return Object.keys(this.shapes);
  }
}

/** Parameters in float64 during training (master weights), keyed like the graph inputs. */
export type Params = Record<string, Float64Array>;

export function toParams(w: HeadWeights): Params {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Float64Array.from(v)]));
}

export function toWeights(p: Params): HeadWeights {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Float32Array.from(v)]));
}

export function zerosLike(p: Params): Params {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, new Float64Array(v.length)]));
}

/** Head output of one position: xlstm caches the hidden pre-activation for backward. */
function forwardPosition(spec: HeadSpec, p: Params, emb: Float32Array, at: number, out: Float64Array, pre: Float64Array | null): void {
  const E = spec.E;
  if (spec.family === 'ssm') {
    const W = p['head.weight'];
    const b = p['head.bias'];
    for (let o = 0; o < spec.outDim; o++) {
      let acc = b[o];
      const row = o * E;
      for (let e = 0; e < E; e++) acc += W[row + e] * emb[at + e];
      out[o] = acc;
    }
    return;
  }
  const hw = p['head.hidden_layer.weight'];
  const hb = p['head.hidden_layer.bias'];
  const ow = p['head.output_layer.weight'];
  const ob = p['head.output_layer.bias'];
  const rw = p['head.residual_layer.weight'];
  const rb = p['head.residual_layer.bias'];
  const F = spec.hidden;
  const a = pre ?? new Float64Array(F);
  for (let f = 0; f < F; f++) {
    let acc = hb[f];
    const row = f * E;
    for (let e = 0; e < E; e++) acc += hw[row + e] * emb[at + e];
    a[f] = acc;
  }
  for (let o = 0; o < spec.outDim; o++) {
    let acc = ob[o] + rb[o];
    const rowO = o * F;
    for (let f = 0; f < F; f++) if (a[f] > 0) acc += ow[rowO + f] * a[f];
    const rowR = o * E;
    for (let e = 0; e < E; e++) acc += rw[rowR + e] * emb[at + e];
    out[o] = acc;
  }
}

function backwardPosition(spec: HeadSpec, p: Params, g: Params, emb: Float32Array, at: number, gOut: Float64Array, pre: Float64Array | null): void {
  const E = spec.E;
  if (spec.family === 'ssm') {
    const gW = g['head.weight'];
    const gb = g['head.bias'];
    for (let o = 0; o < spec.outDim; o++) {
      const go = gOut[o];
      if (go === 0) continue;
      gb[o] += go;
      const row = o * E;
      for (let e = 0; e < E; e++) gW[row + e] += go * emb[at + e];
    }
    return;
  }
  const F = spec.hidden;
  const a = pre!;
  const ow = p['head.output_layer.weight'];
  const gh = new Float64Array(F);
  const gow = g['head.output_layer.weight'];
  const gob = g['head.output_layer.bias'];
  const grw = g['head.residual_layer.weight'];
  const grb = g['head.residual_layer.bias'];
  for (let o = 0; o < spec.outDim; o++) {
    const go = gOut[o];
    if (go === 0) continue;
    gob[o] += go;
    grb[o] += go;
    const rowO = o * F;
    for (let f = 0; f < F; f++) {
      if (a[f] > 0) {
        gow[rowO + f] += go * a[f];
        gh[f] += go * ow[rowO + f];
      }
    }
    const rowR = o * E;
    for (let e = 0; e < E; e++) grw[rowR + e] += go * emb[at + e];
  }
  const ghw = g['head.hidden_layer.weight'];
  const ghb = g['head.hidden_layer.bias'];
  for (let f = 0; f < F; f++) {
    const gf = a[f] > 0 ? gh[f] : 0;
    if (gf === 0) continue;
    ghb[f] += gf;
    const row = f * E;
    for (let e = 0; e < E; e++) ghw[row + e] += gf * emb[at + e];
  }
}

function rawAt(spec: HeadSpec, w: HeadWindow, outs: Float64Array[], k: number, q: number): number {
  const out = outs[w.pos[k]];
  if (spec.family === 'xlstm') return out[q * spec.patch + w.off[k]];
  const D = spec.ddec;
  const b = w.basis!;
  let acc = 0;
  const bo = w.off[k] * D;
  const co = q * D;
  for (let d = 0; d < D; d++) acc += b[bo + d] * out[co + d];
  return acc;
}

/** Per-step quantiles of one window in normalised units, [h × Q], plus what backward needs. */
interface WindowPass {
  outs: Float64Array[];
  pres: (Float64Array | null)[];
  perms: Int32Array[];
  final: Float64Array;
}

function forwardWindow(spec: HeadSpec, p: Params, w: HeadWindow, needed: Set<number> | null): WindowPass {
  const Q = spec.Q;
  const h = w.target.length;
  const outs: Float64Array[] = [];
  const pres: (Float64Array | null)[] = [];
  for (let m = 0; m < w.M; m++) {
    if (needed && !needed.has(m)) {
      outs.push(new Float64Array(0));
      pres.push(null);
      continue;
    }
    const out = new Float64Array(spec.outDim);
    const pre = spec.family === 'xlstm' ? new Float64Array(spec.hidden) : null;
    forwardPosition(spec, p, w.emb, m * spec.E, out, pre);
    outs.push(out);
    pres.push(pre);
  }
  const final = new Float64Array(h * Q);
  const perms: Int32Array[] = [];
  const raw = new Float64Array(Q);
  for (let k = 0; k < h; k++) {
    if (needed && !needed.has(w.pos[k])) {
      perms.push(new Int32Array(0));
      continue;
    }
    for (let q = 0; q < Q; q++) raw[q] = rawAt(spec, w, outs, k, q);
    const perm = Int32Array.from({ length: Q }, (_, i) => i).sort((a, b) => raw[a] - raw[b] || a - b);
    perms.push(perm);
    if (spec.qmat) {
      for (let r = 0; r < Q; r++) {
        let acc = 0;
        for (let j = 0; j < Q; j++) acc += spec.qmat[r * Q + j] * raw[perm[j]];
        final[k * Q + r] = acc;
      }
    } else {
      for (let r = 0; r < Q; r++) final[k * Q + r] = raw[perm[r]];
    }
  }
  return { outs, pres, perms, final };
}

/** Quantile forecasts of a window in the client's units, [h][Q] (what the served graph returns). */
export function predictWindow(spec: HeadSpec, p: Params, w: HeadWindow): number[][] {
  const { final } = forwardWindow(spec, p, w, null);
  const Q = spec.Q;
  return Array.from({ length: w.target.length }, (_, k) => {
    const m = w.pos[k];
    return Array.from({ length: Q }, (_, q) => final[k * Q + q] * w.scale[m] + w.loc[m]);
  });
}

/** dLoss/dFinal for one step in normalised units; returns the loss. */
function lossGrad(loss: LossName, y: number, f: Float64Array, at: number, Q: number, g: Float64Array): number {
  let total = 0;
  const median = LEVELS.indexOf(0.5);
  for (let q = 0; q < Q; q++) {
    const v = f[at + q];
    if (loss !== 'pinball' && q === median) {
      const d = v - y;
      if (loss === 'mae') {
        total += Math.abs(d);
        g[q] = d > 0 ? 1 : d < 0 ? -1 : 0;
      } else {
        total += d * d;
        g[q] = 2 * d;
      }
      continue;
    }
    const tau = LEVELS[q];
    const u = y - v;
    total += u >= 0 ? tau * u : (tau - 1) * u;
    g[q] = y < v ? 1 - tau : -tau;
  }
  return total / Q;
}

/** Loss of a mini-batch, with gradients accumulated into g (mean over observed steps). */
export function batchLossAndGrad(spec: HeadSpec, p: Params, g: Params, batch: HeadWindow[], loss: LossName): number {
  const Q = spec.Q;
  let total = 0;
  let count = 0;
  const passes = batch.map((w) => {
    const needed = new Set<number>();
    w.target.forEach((y, k) => {
      if (!Number.isNaN(y)) needed.add(w.pos[k]);
    });
    return forwardWindow(spec, p, w, needed);
  });
  for (const w of batch) for (const y of w.target) if (!Number.isNaN(y)) count++;
  if (count === 0) return 0;
  const gFinal = new Float64Array(Q);
  const gSorted = new Float64Array(Q);
  batch.forEach((w, bi) => {
    const pass = passes[bi];
    const gOuts = pass.outs.map((o) => new Float64Array(o.length));
    for (let k = 0; k < w.target.length; k++) {
      const yRaw = w.target[k];
      if (Number.isNaN(yRaw)) continue;
      const m = w.pos[k];
      const y = (yRaw - w.loc[m]) / w.scale[m];
      total += lossGrad(loss, y, pass.final, k * Q, Q, gFinal);
      for (let q = 0; q < Q; q++) gFinal[q] /= count * Q;
      if (spec.qmat) {
        for (let j = 0; j < Q; j++) {
          let acc = 0;
          for (let r = 0; r < Q; r++) acc += spec.qmat[r * Q + j] * gFinal[r];
          gSorted[j] = acc;
        }
      } else gSorted.set(gFinal);
      const perm = pass.perms[k];
      const gOut = gOuts[m];
      for (let j = 0; j < Q; j++) {
        const q = perm[j];
        const gq = gSorted[j];
        if (gq === 0) continue;
        if (spec.family === 'xlstm') gOut[q * spec.patch + w.off[k]] += gq;
        else {
          const D = spec.ddec;
          const bo = w.off[k] * D;
          for (let d = 0; d < D; d++) gOut[q * D + d] += gq * w.basis![bo + d];
        }
      }
    }
    for (let m = 0; m < w.M; m++) if (pass.outs[m].length) backwardPosition(spec, p, g, w.emb, m * spec.E, gOuts[m], pass.pres[m]);
  });
  return total / count;
}

export interface WindowMetrics {
  /** Mean over levels of 2·Σ pinball / Σ|y| over every window and step. */
  wql: number;
  /** Mean over windows of MAE(median) / seasonal-naive in-sample MAE. */
  mase: number;
  windows: number;
  points: number;
}

export function evaluate(spec: HeadSpec, p: Params, windows: HeadWindow[]): WindowMetrics {
  return scoreForecasts(
    windows.map((w) => predictWindow(spec, p, w)),
    windows,
  );
}

/** WQL (pooled over the windows) and MASE (mean over windows) of quantile forecasts [window][h][level 0.1…0.9]. */
export function scoreForecasts(preds: number[][][], windows: { target: ArrayLike<number>; maseScale: number }[]): WindowMetrics {
  const Q = LEVELS.length;
  const median = LEVELS.indexOf(0.5);
  const pin = new Float64Array(Q);
  let absY = 0;
  let points = 0;
  let maseSum = 0;
  let maseN = 0;
  for (const [i, w] of windows.entries()) {
    const pred = preds[i];
    let ae = 0;
    let n = 0;
    for (let k = 0; k < w.target.length; k++) {
      const y = w.target[k];
      if (Number.isNaN(y)) continue;
      absY += Math.abs(y);
      points++;
      for (let q = 0; q < Q; q++) {
        const u = y - pred[k][q];
        pin[q] += u >= 0 ? LEVELS[q] * u : (LEVELS[q] - 1) * u;
      }
      ae += Math.abs(y - pred[k][median]);
      n++;
    }
    if (n > 0 && w.maseScale > 0 && Number.isFinite(w.maseScale)) {
      maseSum += ae / n / w.maseScale;
      maseN++;
    }
  }
  const wql = absY > 0 ? Array.from(pin).reduce((a, v) => a + (2 * v) / absY, 0) / Q : NaN;
  return { wql, mase: maseN ? maseSum / maseN : NaN, windows: windows.length, points };
}

/** Adam (Kingma & Ba) on float64 master weights. */
export class Adam {
  private readonly m: Params;
  private readonly v: Params;
  private t = 0;

  constructor(
    private readonly p: Params,
    private readonly lr: number,
    private readonly b1 = 0.9,
    private readonly b2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = zerosLike(p);
    this.v = zerosLike(p);
  }

  step(g: Params): void {
    this.t++;
    const c1 = 1 - this.b1 ** this.t;
    const c2 = 1 - this.b2 ** this.t;
    for (const k of Object.keys(this.p)) {
      const w = this.p[k];
      const gk = g[k];
      const mk = this.m[k];
      const vk = this.v[k];
      for (let i = 0; i < w.length; i++) {
        mk[i] = this.b1 * mk[i] + (1 - this.b1) * gk[i];
        vk[i] = this.b2 * vk[i] + (1 - this.b2) * gk[i] * gk[i];
        w[i] -= (this.lr * (mk[i] / c1)) / (Math.sqrt(vk[i] / c2) + this.eps);
      }
    }
  }
}

/** mulberry32: a small seeded PRNG, so a fine-tune is reproducible bit for bit. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrainOptions {
  steps: number;
  learningRate: number;
  loss: LossName;
  seed: number;
  batchSize?: number;
  /** Validation evaluations without improvement before stopping. */
  patience?: number;
  evalEvery?: number;
}

export interface TrainProgress {
  step: number;
  trainLoss: number;
  validationWql: number;
  validationMase: number;
  bestStep: number;
}

export interface TrainResult {
  weights: HeadWeights;
  bestStep: number;
  stepsRun: number;
  stoppedEarly: boolean;
  before: WindowMetrics;
  after: WindowMetrics;
  history: TrainProgress[];
}

/**
 * Trains the head from `base` with Adam on shuffled mini-batches and keeps the weights with the
 * best validation WQL (early stopping). The base head itself is a candidate (step 0), so a
 * fine-tune never ships a head that validates worse than zero-shot.
 */
export async function trainHead(
  spec: HeadSpec,
  base: HeadWeights,
  train: HeadWindow[],
  validation: HeadWindow[],
  o: TrainOptions,
  onProgress?: (p: TrainProgress) => Promise<void> | void,
): Promise<TrainResult> {
  const params = toParams(base);
  const before = evaluate(spec, params, validation);
  const random = rng(o.seed);
  const batchSize = Math.min(o.batchSize ?? 32, Math.max(1, train.length));
  const evalEvery = o.evalEvery ?? Math.max(1, Math.floor(o.steps / 25));
  const patience = o.patience ?? 5;
  const opt = new Adam(params, o.learningRate);
  let best = { score: before.wql, step: 0, params: toParams(base) };
  let order: number[] = [];
  let cursor = 0;
  let lossAcc = 0;
  let lossN = 0;
  let since = 0;
  let step: number;
  const history: TrainProgress[] = [];
  for (step = 1; step <= o.steps; step++) {
    if (cursor + batchSize > order.length) {
      order = Array.from({ length: train.length }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + batchSize).map((i) => train[i]);
    cursor += batchSize;
    const g = zerosLike(params);
    lossAcc += batchLossAndGrad(spec, params, g, batch, o.loss);
    lossN++;
    opt.step(g);
    // Yield between steps: the worker keeps renewing its job locks and serving other jobs.
    await new Promise((r) => setImmediate(r));
    if (step % evalEvery === 0 || step === o.steps) {
      // Validate what would ship: the float32-rounded weights.
      const m = evaluate(spec, toParams(toWeights(params)), validation);
      if (m.wql < best.score) {
        best = { score: m.wql, step, params: toParams(toWeights(params)) };
        since = 0;
      } else since++;
      const p: TrainProgress = { step, trainLoss: lossAcc / lossN, validationWql: m.wql, validationMase: m.mase, bestStep: best.step };
      history.push(p);
      lossAcc = 0;
      lossN = 0;
      await onProgress?.(p);
      if (since >= patience) break;
    }
  }
  const stepsRun = Math.min(step, o.steps);
  const after = evaluate(spec, best.params, validation);
  return { weights: toWeights(best.params), bestStep: best.step, stepsRun, stoppedEarly: stepsRun < o.steps, before, after, history };
}
