import type { ModelRuntime, SeriesForecast, SeriesRequest } from '#model-runtime';
import type { PreparedSeries } from './pipeline';

/** What context selection did for one series (stored in the forecast's metadata). */
export interface ContextSelectionResult {
  /** Distinct candidate context lengths, grid steps. */
  candidates: number[];
  /** Grid steps held out at the end of the history and scored (the forecast's horizon). */
  validationSteps: number;
  /** Mean pinball loss of each candidate on them, in the series' units (lower is better). */
  scores: number[];
  /** The averaged candidates, best first. */
  chosen: number[];
}

export interface PreparedForecast {
  forecast: SeriesForecast;
  selection: ContextSelectionResult | null;
}

/**
 * Requests per runtime call. With the negation ensemble a request is two passes, so a chunk stays
 * well inside the runtime's queue bound (TSFM_BATCH_MAX_QUEUE, default 4,096) beside other traffic.
 */
const CHUNK = 512;

/**
 * Runs prepared series through the runtime. Series with a selection plan (manifest
 * `contextSelection`, catalog forecasts without a contextLength) get per-series context selection:
 *
 * 1. the last `h` grid steps of the history (h = the forecast's horizon) are held out and every
 *    candidate context length forecasts them from the history before;
 * 2. each candidate is scored by its mean pinball loss over the held-out observed steps and levels;
 * 3. the forecast is the average of the quantiles of the `top` best candidates on the whole history
 *    (ties go to the default context, then the longer one). An average of sorted quantile vectors stays sorted.
 *
 * A series whose held-out window has no observation, or whose history before it has fewer than two,
 * is forecast with its default context, as without a plan. Everything else runs as before.
 */
export async function forecastPrepared(
  runtime: ModelRuntime, modelId: string, items: PreparedSeries[], levels: number[], head?: string,
): Promise<PreparedForecast[]> {
  const withHead = (r: SeriesRequest): SeriesRequest => (head === undefined ? r : { ...r, head });
  // 1. Validation forecasts, one per distinct effective length per planned series.
  const plans = items.map((p) => validationPlan(p));
  const valRequests: SeriesRequest[] = [];
  for (const [i, plan] of plans.entries()) {
    if (!plan) continue;
    plan.first = valRequests.length;
    for (const len of plan.lengths) valRequests.push(withHead({ ...items[i].request, context: plan.prefix.slice(plan.prefix.length - len) }));
  }
  const valOut = await chunked(runtime, modelId, valRequests);
  // 2. Scores and choices; 3. final requests: the chosen candidates, or the request as it is.
  const finals: SeriesRequest[] = [];
  const picks = items.map((p, i) => {
    const plan = plans[i];
    const first = finals.length;
    if (!plan) {
      finals.push(withHead(p.request));
      return { first, count: 1, selection: null };
    }
    const sel = p.selection!;
    const byLength = new Map(plan.lengths.map((len, k) => [len, meanPinball(valOut[plan.first + k].quantiles, plan.heldOut, levels)]));
    const scores = sel.candidates.map((c) => byLength.get(Math.min(c, plan.prefix.length))!);
    const chosen = rankCandidates(sel.candidates, scores, p.request.context.length).slice(0, sel.top);
    for (const c of chosen) finals.push(withHead({ ...p.request, context: sel.long.slice(sel.long.length - c) }));
    return { first, count: chosen.length, selection: { candidates: sel.candidates, validationSteps: plan.heldOut.length, scores, chosen } };
  });
  const out = await chunked(runtime, modelId, finals);
  return picks.map((pk) => ({ forecast: average(out.slice(pk.first, pk.first + pk.count)), selection: pk.selection }));
}

interface ValidationPlan {
  prefix: Float32Array;
  heldOut: Float32Array;
  /** Distinct effective candidate lengths on the prefix. */
  lengths: number[];
  first: number;
}

function validationPlan(p: PreparedSeries): ValidationPlan | null {
  const sel = p.selection;
  if (!sel) return null;
  const h = p.request.horizon;
  const n = sel.long.length;
  if (n - h < 2) return null;
  const prefix = sel.long.subarray(0, n - h);
  const heldOut = sel.long.subarray(n - h);
  if (finiteCount(heldOut) < 1 || finiteCount(prefix) < 2) return null;
  const lengths = [...new Set(sel.candidates.map((c) => Math.min(c, prefix.length)))];
  return { prefix, heldOut, lengths, first: 0 };
}

function finiteCount(a: Float32Array): number {
  let n = 0;
  for (const v of a) if (Number.isFinite(v)) n++;
  return n;
}

/** Candidates best first: lower score, then the default context length, then the longer one. */
export function rankCandidates(candidates: number[], scores: number[], defaultLength: number): number[] {
  return candidates.map((_, k) => k)
    .sort((a, b) => scores[a] - scores[b] || Number(candidates[b] === defaultLength) - Number(candidates[a] === defaultLength) || candidates[b] - candidates[a])
    .map((k) => candidates[k]);
}

/** Mean pinball loss over the observed steps of `y` and the levels. */
export function meanPinball(q: number[][], y: ArrayLike<number>, levels: number[]): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < y.length; t++) {
    if (!Number.isFinite(y[t])) continue;
    for (const [l, level] of levels.entries()) {
      const d = y[t] - q[t][l];
      sum += Math.max(level * d, (level - 1) * d);
    }
    n += levels.length;
  }
  return n ? sum / n : Infinity;
}

function average(fs: SeriesForecast[]): SeriesForecast {
  if (fs.length === 1) return fs[0];
  const quantiles = fs[0].quantiles.map((row, t) => row.map((_, l) => fs.reduce((s, f) => s + f.quantiles[t][l], 0) / fs.length));
  return {
    quantiles,
    queueMs: Math.max(...fs.map((f) => f.queueMs)),
    modelMs: fs.reduce((s, f) => s + f.modelMs, 0),
    batchSize: Math.max(...fs.map((f) => f.batchSize)),
  };
}

async function chunked(runtime: ModelRuntime, modelId: string, requests: SeriesRequest[]): Promise<SeriesForecast[]> {
  if (requests.length <= CHUNK) return requests.length ? runtime.forecast(modelId, requests) : [];
  const out: SeriesForecast[] = [];
  for (let at = 0; at < requests.length; at += CHUNK) out.push(...(await runtime.forecast(modelId, requests.slice(at, at + CHUNK))));
  return out;
}
