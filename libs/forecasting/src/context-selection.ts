import type { ModelRuntime, SeriesForecast, SeriesRequest } from '#model-runtime';
import { ContextSelectionInfo, pinball } from '#timeseries';
import type { PreparedSeries } from './pipeline';

/** What context selection did for one series: the metadata's `contextSelection` (ResamplingMetadata). */
export type ContextSelectionResult = ContextSelectionInfo;

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
 * 1. validation windows of `h` grid steps (h = the forecast's horizon) are held out at the end of
 *    the history: the last h steps, the h before them, ... (`windows` of them), and every candidate
 *    context length forecasts each from the history before it;
 * 2. a candidate's score is its mean pinball loss over a window's observed steps and the levels,
 *    summed over the windows (more than one window: a single one is a noisy judge);
 * 3. the forecast is the average of the quantiles of the `top` best candidates on the whole history
 *    (ties go to the default context, then the longer one). An average of sorted quantile vectors stays sorted.
 *
 * Only windows with an observation and two before it are scored (prepareSeries keeps those, and
 * plans nothing without one). Everything else runs as before.
 */
export async function forecastPrepared(
  runtime: ModelRuntime,
  modelId: string,
  items: PreparedSeries[],
  levels: number[],
  head?: string,
): Promise<PreparedForecast[]> {
  const withHead = (r: SeriesRequest): SeriesRequest => (head === undefined ? r : { ...r, head });
  // 1. Validation forecasts, one per window and distinct effective length per planned series.
  const plans = items.map((p) => validationPlan(p));
  const valRequests: SeriesRequest[] = [];
  for (const [i, plan] of plans.entries()) {
    for (const w of plan ?? []) {
      w.first = valRequests.length;
      for (const len of w.lengths) valRequests.push(withHead({ ...items[i].request, context: w.prefix.slice(w.prefix.length - len) }));
    }
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
    const scores = sel.candidates.map(() => 0);
    for (const w of plan) {
      const byLength = new Map(w.lengths.map((len, k) => [len, meanPinball(valOut[w.first + k].quantiles, w.heldOut, levels)]));
      sel.candidates.forEach((c, k) => (scores[k] += byLength.get(Math.min(c, w.prefix.length))!));
    }
    const chosen = rankCandidates(sel.candidates, scores, p.request.context.length).slice(0, sel.top);
    for (const c of chosen) finals.push(withHead({ ...p.request, context: sel.long.slice(sel.long.length - c) }));
    const selection = { candidates: sel.candidates, validationSteps: p.request.horizon, validationWindows: plan.length, scores, chosen };
    return { first, count: chosen.length, selection };
  });
  const out = await chunked(runtime, modelId, finals);
  return picks.map((pk) => ({ forecast: average(out.slice(pk.first, pk.first + pk.count)), selection: pk.selection }));
}

interface ValidationWindow {
  prefix: Float32Array;
  heldOut: Float32Array;
  /** Distinct effective candidate lengths on the prefix. */
  lengths: number[];
  first: number;
}

/** The plan's validation windows (prepareSeries found them scoreable), newest first; null without a plan. */
function validationPlan(p: PreparedSeries): ValidationWindow[] | null {
  const sel = p.selection;
  if (!sel) return null;
  return sel.windows.map(({ prefixEnd, end }) => {
    const prefix = sel.long.subarray(0, prefixEnd);
    return { prefix, heldOut: sel.long.subarray(prefixEnd, end), lengths: [...new Set(sel.candidates.map((c) => Math.min(c, prefix.length)))], first: 0 };
  });
}

/** Candidates best first: lower score, then the default context length, then the longer one. */
export function rankCandidates(candidates: number[], scores: number[], defaultLength: number): number[] {
  return candidates
    .map((_, k) => k)
    .sort((a, b) => scores[a] - scores[b] || Number(candidates[b] === defaultLength) - Number(candidates[a] === defaultLength) || candidates[b] - candidates[a])
    .map((k) => candidates[k]);
}

/** Mean pinball loss over the observed steps of `y` and the levels; Infinity with none, or with a non-finite forecast. */
export function meanPinball(q: number[][], y: ArrayLike<number>, levels: number[]): number {
  let sum = 0;
  let n = 0;
  for (let t = 0; t < y.length; t++) {
    if (!Number.isFinite(y[t])) continue;
    for (const [l, level] of levels.entries()) sum += pinball(y[t], q[t][l], level);
    n += levels.length;
  }
  // A forecast that is not finite where something was observed ranks last.
  return n && Number.isFinite(sum) ? sum / n : Infinity;
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
