import { intervalScore, mae, mse, pointMetrics, quantileLoss, seasonalNaiveScale } from '#timeseries';

/** One evaluated window: actuals (null = missing), forecast rows [step][level], in-sample history. */
export interface WindowEval {
  actuals: (number | null)[];
  rows: number[][];
  levels: number[];
  /** In-sample seasonal-naive MAE and MSE of the window's context (the MASE / RMSSE scales). */
  scale1: number;
  scale2: number;
}

export interface MetricSet {
  count: number;
  excluded: number;
  mae: number | null;
  rmse: number | null;
  mape: number | null;
  smape: number | null;
  wape: number | null;
  mase: number | null;
  rmsse: number | null;
  bias: number | null;
  meanWql: number | null;
  /** level -> WQL */
  wql: Record<string, number | null>;
  /** nominal coverage in percent (80 for q0.1-q0.9) -> share of actuals inside */
  coverage: Record<string, number | null>;
  /** nominal coverage in percent -> mean upper - lower */
  width: Record<string, number | null>;
}

export const SCALAR_METRICS = ['mae', 'rmse', 'mape', 'smape', 'wape', 'mase', 'rmsse', 'bias', 'meanWql'] as const;

const num = (v: number) => (Number.isFinite(v) ? v : null);

export function windowScales(history: ArrayLike<number>, m: number): { scale1: number; scale2: number } {
  return { scale1: seasonalNaiveScale(history, m, 1), scale2: seasonalNaiveScale(history, m, 2) };
}

/** Symmetric intervals the levels allow: (q, 1 - q) for every q < 0.5 whose partner is present. */
export function intervals(levels: number[]): { name: string; lo: number; hi: number }[] {
  const out: { name: string; lo: number; hi: number }[] = [];
  levels.forEach((q, i) => {
    const j = levels.findIndex((l) => Math.abs(l - (1 - q)) < 1e-9);
    if (q < 0.5 && j >= 0) out.push({ name: String(Math.round((1 - 2 * q) * 1000) / 10), lo: i, hi: j });
  });
  return out;
}

/**
 * Metrics pooled over windows (one window, one series' windows, or every series' windows): all
 * pairs together, and MASE / RMSSE as the mean (squared) error scaled by each window's own in-sample
 * scale, which for one window is exactly MAE / scale and sqrt(MSE / scale²).
 */
export function pooledMetrics(windows: WindowEval[]): MetricSet {
  const levels = windows[0]?.levels ?? [];
  const mid = levels.findIndex((l) => Math.abs(l - 0.5) < 1e-9);
  const y: (number | null)[] = [];
  const p: number[] = [];
  const rows: number[][] = [];
  const y1: number[] = [],
    p1: number[] = [],
    y2: number[] = [],
    p2: number[] = [];
  for (const w of windows) {
    const s1 = w.scale1 > 0 ? w.scale1 : NaN;
    const s2 = w.scale2 > 0 ? Math.sqrt(w.scale2) : NaN;
    w.actuals.forEach((a, t) => {
      const f = w.rows[t][mid];
      y.push(a);
      p.push(f);
      rows.push(w.rows[t]);
      const v = a ?? NaN;
      y1.push(v / s1);
      p1.push(f / s1);
      y2.push(v / s2);
      p2.push(f / s2);
    });
  }
  const pm = pointMetrics(y, p);
  const ql = quantileLoss(y, rows, levels);
  const coverage: Record<string, number | null> = {};
  const width: Record<string, number | null> = {};
  for (const iv of intervals(levels)) {
    const s = intervalScore(
      y,
      rows.map((r) => r[iv.lo]),
      rows.map((r) => r[iv.hi]),
    );
    coverage[iv.name] = num(s.coverage);
    width[iv.name] = num(s.meanWidth);
  }
  return {
    count: pm.count,
    excluded: pm.excluded,
    mae: num(pm.mae),
    rmse: num(pm.rmse),
    mape: num(pm.mape),
    smape: num(pm.smape),
    wape: num(pm.wape),
    mase: num(mae(y1, p1)),
    rmsse: num(Math.sqrt(mse(y2, p2))),
    bias: num(pm.bias),
    meanWql: num(ql.meanWql),
    wql: Object.fromEntries(levels.map((l, k) => [String(l), num(ql.wql[k])])),
    coverage,
    width,
  };
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/** The model's metric over seasonal naive's on the same windows (null where undefined). */
export function relativeMetrics(model: MetricSet, ref: MetricSet): Omit<MetricSet, 'count' | 'excluded'> {
  const map = (a: Record<string, number | null>, b: Record<string, number | null>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, ratio(a[k], b[k] ?? null)]));
  const out = Object.fromEntries(SCALAR_METRICS.map((k) => [k, ratio(model[k], ref[k])])) as Record<(typeof SCALAR_METRICS)[number], number | null>;
  return { ...out, wql: map(model.wql, ref.wql), coverage: map(model.coverage, ref.coverage), width: map(model.width, ref.width) };
}
