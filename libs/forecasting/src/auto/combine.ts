/**
 * Combining quantile forecasts. Vincentization: the combined quantile at each level is the weighted
 * mean of the candidates' quantiles at that level (the quantile functions averaged). Averaging
 * sorted rows keeps the result sorted, and for location-scale candidates it gives the averaged
 * location and scale, so a mix of calibrated forecasts stays calibrated; linear pooling (mixing the
 * distributions) would widen the intervals instead.
 */
export type QuantileRows = readonly (readonly number[])[];

/** Rows (steps) of weighted mean quantiles; each candidate's rows sorted first. Weights need not sum to 1. */
export function vincentize(candidates: readonly QuantileRows[], weights: readonly number[]): number[][] {
  if (!candidates.length || candidates.length !== weights.length) throw new Error('vincentize: one weight per candidate needed');
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error('vincentize: weights must sum to a positive number');
  const rows = candidates[0].length;
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const acc = new Array<number>(candidates[0][i].length).fill(0);
    candidates.forEach((c, k) => {
      if (!weights[k]) return;
      const row = [...c[i]].sort((a, b) => a - b);
      row.forEach((v, j) => (acc[j] += (weights[k] / total) * v));
    });
    out.push(acc);
  }
  return out;
}

/**
 * Weights from validation losses (lower is better): the `top` best candidates, each weighted by the
 * inverse of its loss (a zero loss takes all the weight); the others get 0. Ties keep input order.
 */
export function inverseLossWeights(losses: readonly number[], top: number): number[] {
  const order = losses
    .map((l, i) => [l, i] as const)
    .filter(([l]) => Number.isFinite(l))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, Math.max(1, top));
  const w = new Array<number>(losses.length).fill(0);
  if (!order.length) return w;
  if (order[0][0] <= 0) {
    w[order[0][1]] = 1;
    return w;
  }
  const inv = order.map(([l]) => 1 / l);
  const sum = inv.reduce((a, b) => a + b, 0);
  order.forEach(([, i], k) => (w[i] = inv[k] / sum));
  return w;
}

/** Mean pinball loss of quantile rows against the actual values (NaN actuals skipped), times 2. */
export function meanQuantileLoss(actual: ArrayLike<number>, rows: QuantileRows, levels: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const y = actual[i];
    if (!Number.isFinite(y)) continue;
    levels.forEach((q, j) => {
      const d = y - rows[i][j];
      s += 2 * (d >= 0 ? q * d : (q - 1) * d);
      n++;
    });
  }
  return n ? s / n : NaN;
}
