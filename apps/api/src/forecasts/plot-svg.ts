export interface PlotInput {
  title: string;
  history: { t: number; v: number }[];
  timestamps: number[];
  quantiles: Record<string, number[]>;
}

const W = 900;
const H = 420;
const M = { l: 70, r: 20, t: 40, b: 60 };

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const mult = [1, 2, 5, 10].find((m) => span / (m * step) <= n) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9 * s; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

function timeLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs > 3 * 365 * 86_400_000) return iso.slice(0, 7);
  if (spanMs > 2 * 86_400_000) return iso.slice(0, 10);
  return iso.slice(5, 16).replace('T', ' ');
}

/** History tail, median and quantile bands as a self-contained SVG with readable axes (UTC). */
export function renderForecastSvg(p: PlotInput): string {
  const levels = Object.keys(p.quantiles).map(Number).sort((a, b) => a - b);
  const all = [...p.history.map((h) => h.v), ...Object.values(p.quantiles).flat()].filter(Number.isFinite);
  const times = [...p.history.map((h) => h.t), ...p.timestamps];
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [y0, y1] = [Math.min(...all), Math.max(...all)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const x = (t: number) => M.l + ((t - t0) / (t1 - t0 || 1)) * (W - M.l - M.r);
  const y = (v: number) => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
  const path = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join('');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(p.title)}</text>`,
  ];
  for (const v of niceTicks(y0, y1)) {
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(String(v))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const t = t0 + ((t1 - t0) * i) / 5;
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${H - M.b}" y2="${H - M.b + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - M.b + 20}" text-anchor="middle">${esc(timeLabel(t, t1 - t0))}</text>`);
  }
  parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/>`);
  parts.push(`<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 15}" text-anchor="middle">time (UTC)</text>`);
  // Bands from the widest pair inwards: q0.1-q0.9, q0.2-q0.8, ...
  for (let i = 0; i < Math.floor(levels.length / 2); i++) {
    const lo = p.quantiles[String(levels[i])];
    const hi = p.quantiles[String(levels[levels.length - 1 - i])];
    const pts = [...p.timestamps.map((t, k) => [x(t), y(hi[k])] as [number, number]), ...[...p.timestamps].reverse().map((t, k) => [x(t), y(lo[p.timestamps.length - 1 - k])] as [number, number])];
    parts.push(`<path d="${path(pts)}Z" fill="#1f77b4" fill-opacity="0.15" stroke="none"><title>q${levels[i]}–q${levels[levels.length - 1 - i]}</title></path>`);
  }
  if (p.history.length) parts.push(`<path d="${path(p.history.map((h) => [x(h.t), y(h.v)]))}" fill="none" stroke="#222" stroke-width="1.3"/>`);
  const med = p.quantiles['0.5'];
  if (med) parts.push(`<path d="${path(p.timestamps.map((t, k) => [x(t), y(med[k])]))}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  parts.push(`<text x="${W - M.r}" y="${M.t - 6}" text-anchor="end" fill="#555">black: history · blue: median and quantile bands</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
