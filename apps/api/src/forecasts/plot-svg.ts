export interface PlotPanel {
  channel: string;
  history: { t: number; v: number }[];
  timestamps: number[];
  quantiles: Record<string, number[]>;
  /** Shown in the panel instead of a forecast (a failed channel). */
  note?: string;
}

export interface PlotInput {
  title: string;
  subtitle: string;
  panels: PlotPanel[];
}

const W = 900;
const M = { l: 70, r: 24, top: 58 };
const PANEL_H = 190;
const PANEL_GAP = 30;
const AXIS_H = 62;
const FONT = 12;
/** Wider than any glyph of the label alphabet (digits, '-', ':', ' ') in common sans-serif faces at 12 px. */
export const CHAR_PX = 0.62 * FONT;
const LABEL_GAP = 14;

export const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const mult = [1, 2, 5, 10].find((m) => span / (m * step) <= n) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9 * s; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Unit = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'year';
interface Step {
  unit: Unit;
  n: number;
}

const STEPS: Step[] = [
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ unit: 'second' as const, n })),
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ unit: 'minute' as const, n })),
  ...[1, 2, 3, 6, 12].map((n) => ({ unit: 'hour' as const, n })),
  ...[1, 2, 7, 14].map((n) => ({ unit: 'day' as const, n })),
  ...[1, 2, 3, 6].map((n) => ({ unit: 'month' as const, n })),
  ...[1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000].map((n) => ({ unit: 'year' as const, n })),
];

/** Widest label (in characters) of a unit: sub-day labels carry the date on a second line at day changes. */
const LABEL_CHARS: Record<Unit, number> = { second: 10, minute: 10, hour: 10, day: 10, month: 7, year: 4 };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const dateOf = (d: Date) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not. */
function utc(year: number, month: number, day = 1): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

/** The step's tick times inside [t0, t1], on calendar boundaries (UTC). */
function stepTimes(t0: number, t1: number, s: Step, limit: number): number[] {
  const out: number[] = [];
  if (s.unit === 'month' || s.unit === 'year') {
    const d = new Date(t0);
    const months = s.unit === 'month' ? s.n : 12 * s.n;
    let m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    m = Math.ceil(m / months) * months;
    for (let t = utc(Math.floor(m / 12), m % 12); t <= t1 && out.length <= limit; m += months, t = utc(Math.floor(m / 12), m % 12)) {
      if (t >= t0) out.push(t);
    }
    return out;
  }
  const ms = { second: SEC, minute: MIN, hour: HOUR, day: DAY }[s.unit] * s.n;
  // Weeks start on Mondays (1970-01-01 was a Thursday: shift by 4 days); other steps align to the epoch.
  const offset = s.unit === 'day' && s.n % 7 === 0 ? -3 * DAY : 0;
  for (let t = Math.ceil((t0 - offset) / ms) * ms + offset; t <= t1 && out.length <= limit; t += ms) out.push(t);
  return out;
}

export interface TimeTick {
  t: number;
  /** One or two lines: the time, and under it the date where the day changes (sub-day steps). */
  lines: string[];
}

/**
 * Time axis ticks for [t0, t1] drawn over widthPx: the finest calendar step (seconds to millennia)
 * whose labels, at their widest, fit side by side with a gap. The label format follows the step, so
 * two ticks never read alike: HH:MM (HH:MM:SS) with the date under the first tick and under each day
 * change, dates, YYYY-MM, years.
 */
export function timeTicks(t0: number, t1: number, widthPx: number): TimeTick[] {
  const step =
    STEPS.find((s) => {
      const max = Math.max(1, Math.floor((widthPx + LABEL_GAP) / (LABEL_CHARS[s.unit] * CHAR_PX + LABEL_GAP)));
      return stepTimes(t0, t1, s, max + 1).length <= max;
    }) ?? STEPS[STEPS.length - 1];
  const times = stepTimes(t0, t1, step, Infinity);
  let lastDate = '';
  return times.map((t) => {
    const d = new Date(t);
    const date = dateOf(d);
    switch (step.unit) {
      case 'year':
        return { t, lines: [String(d.getUTCFullYear())] };
      case 'month':
        return { t, lines: [date.slice(0, -3)] };
      case 'day':
        return { t, lines: [date] };
      default: {
        const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${step.unit === 'second' ? `:${pad(d.getUTCSeconds())}` : ''}`;
        const lines = date !== lastDate ? [time, date] : [time];
        lastDate = date;
        return { t, lines };
      }
    }
  });
}

export interface PlacedTick extends TimeTick {
  x: number;
  /** The label's centre: x, moved inwards where the label would cross the image's edge. */
  labelX: number;
  halfWidth: number;
}

/**
 * Ticks positioned on [x0, x1] with their labels kept inside [0, viewWidth]: a label that would
 * cross an edge is moved inwards, and one that would then overlap its neighbour is left out.
 */
export function placeTicks(ticks: TimeTick[], x: (t: number) => number, viewWidth: number): PlacedTick[] {
  const out: PlacedTick[] = [];
  for (const tick of ticks) {
    const halfWidth = (Math.max(...tick.lines.map((l) => l.length)) * CHAR_PX) / 2;
    const px = x(tick.t);
    const labelX = Math.min(Math.max(px, halfWidth + 2), viewWidth - halfWidth - 2);
    const prev = out[out.length - 1];
    if (prev && labelX - halfWidth < prev.labelX + prev.halfWidth + 4) continue;
    out.push({ ...tick, x: px, labelX, halfWidth });
  }
  return out;
}

const f1 = (v: number) => v.toFixed(1);
const path = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${f1(a)},${f1(b)}`).join('');

function label(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(v);
}

/**
 * One panel per channel (each on its own value scale, on one shared UTC time axis): history tail,
 * median and quantile bands, as a self-contained SVG. All text from the caller is XML-escaped.
 */
export function renderForecastSvg(p: PlotInput): string {
  const panels = p.panels.length ? p.panels : [{ channel: '', history: [], timestamps: [], quantiles: {}, note: 'nothing to plot' }];
  const H = M.top + panels.length * PANEL_H + (panels.length - 1) * PANEL_GAP + AXIS_H;
  const times = panels.flatMap((c) => [...c.history.map((h) => h.t), ...c.timestamps]);
  let [t0, t1] = times.length ? [Math.min(...times), Math.max(...times)] : [0, DAY];
  if (t0 === t1) [t0, t1] = [t0 - HOUR, t1 + HOUR];
  const x = (t: number) => M.l + ((t - t0) / (t1 - t0)) * (W - M.l - M.r);
  const ticks = placeTicks(timeTicks(t0, t1, W - M.l - M.r), x, W);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="${FONT}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(p.title)}</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(p.subtitle)}</text>`,
  ];
  panels.forEach((c, i) => {
    const top = M.top + i * (PANEL_H + PANEL_GAP);
    const bottom = top + PANEL_H - 18;
    const plotTop = top + 18;
    const levels = Object.keys(c.quantiles)
      .map(Number)
      .sort((a, b) => a - b);
    const all = [...c.history.map((h) => h.v), ...Object.values(c.quantiles).flat()].filter(Number.isFinite);
    let [y0, y1] = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
    if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
    const margin = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - margin, y1 + margin];
    const y = (v: number) => bottom - ((v - y0) / (y1 - y0)) * (bottom - plotTop);
    parts.push(`<g class="panel" data-channel="${esc(c.channel)}">`);
    parts.push(`<text x="${M.l}" y="${top + 10}" font-weight="bold">${esc(c.channel)}</text>`);
    for (const v of niceTicks(y0, y1)) {
      parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${f1(y(v))}" y2="${f1(y(v))}" stroke="#eee"/>`);
      parts.push(`<text x="${M.l - 6}" y="${f1(y(v) + 4)}" text-anchor="end">${esc(label(v))}</text>`);
    }
    for (const tk of ticks) parts.push(`<line x1="${f1(tk.x)}" x2="${f1(tk.x)}" y1="${plotTop}" y2="${bottom + 5}" stroke="#f3f3f3"/>`);
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
    parts.push(`<line x1="${M.l}" x2="${M.l}" y1="${plotTop}" y2="${bottom}" stroke="#333"/>`);
    // Bands from the widest pair inwards: q0.1-q0.9, q0.2-q0.8, ...
    for (let k = 0; k < Math.floor(levels.length / 2); k++) {
      const lo = c.quantiles[String(levels[k])];
      const hi = c.quantiles[String(levels[levels.length - 1 - k])];
      const n = c.timestamps.length;
      const pts = [
        ...c.timestamps.map((t, j) => [x(t), y(hi[j])] as [number, number]),
        ...c.timestamps.map((_, j) => [x(c.timestamps[n - 1 - j]), y(lo[n - 1 - j])] as [number, number]),
      ];
      parts.push(
        `<path d="${path(pts)}Z" fill="#1f77b4" fill-opacity="0.15" stroke="none"><title>q${levels[k]}–q${levels[levels.length - 1 - k]}</title></path>`,
      );
    }
    if (c.history.length) parts.push(`<path d="${path(c.history.map((h) => [x(h.t), y(h.v)]))}" fill="none" stroke="#222" stroke-width="1.3"/>`);
    const med = c.quantiles['0.5'];
    if (med) parts.push(`<path d="${path(c.timestamps.map((t, j) => [x(t), y(med[j])]))}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
    if (c.note) parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${(plotTop + bottom) / 2}" text-anchor="middle" fill="#a00">${esc(c.note)}</text>`);
    parts.push('</g>');
  });
  const axisY = H - AXIS_H + 4;
  for (const tk of ticks) {
    parts.push(`<line x1="${f1(tk.x)}" x2="${f1(tk.x)}" y1="${axisY - 22}" y2="${axisY - 17}" stroke="#333"/>`);
    tk.lines.forEach((l, k) => parts.push(`<text x="${f1(tk.labelX)}" y="${axisY + k * 15}" text-anchor="middle">${esc(l)}</text>`));
  }
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" fill="#555">time (UTC)</text>`);
  parts.push(`<text x="${W - M.r}" y="${M.top + 10}" text-anchor="end" fill="#555">black: history · blue: median and quantile bands</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
