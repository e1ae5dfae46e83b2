import { describe, expect, it } from 'vitest';
import { CHAR_PX, placeTicks, renderForecastSvg, timeTicks } from './plot-svg';

const WIDTH = 806; // the plot area of the 900-pixel image
const iso = (s: string) => Date.parse(s);
/** Date.parse reads a year outside 0000-9999 only with six digits; these spans stay within four. */
const labels = (a: string, b: string) => timeTicks(iso(a), iso(b), WIDTH);

function expectInside(a: string, b: string) {
  const ticks = labels(a, b);
  for (const t of ticks) expect(t.t >= iso(a) && t.t <= iso(b)).toBe(true);
  // Enough labels to read the axis, and no more than fit side by side.
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  const widest = Math.max(...ticks.flatMap((t) => t.lines.map((l) => l.length))) * CHAR_PX;
  expect(ticks.length * widest).toBeLessThanOrEqual(WIDTH);
  return ticks;
}

describe('timeTicks: labels chosen for the span', () => {
  it('hours: HH:MM, distinct, the date under the first one', () => {
    const ticks = expectInside('2024-03-01T00:00:00Z', '2024-03-01T06:00:00Z');
    expect(ticks.map((t) => t.lines[0])).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00', '05:00', '06:00']);
    expect(ticks[0].lines[1]).toBe('2024-03-01');
    expect(ticks.slice(1).every((t) => t.lines.length === 1)).toBe(true);
  });

  it('a day and a half: the date under each day change, every tick read with its date distinct', () => {
    const ticks = expectInside('2024-02-28T12:00:00Z', '2024-03-01T00:00:00Z');
    expect(ticks.filter((t) => t.lines.length === 2).map((t) => t.lines.join(' '))).toEqual(['12:00 2024-02-28', '00:00 2024-02-29', '00:00 2024-03-01']);
    let date = '';
    const read = ticks.map((t) => `${(date = t.lines[1] ?? date)} ${t.lines[0]}`);
    expect(new Set(read).size).toBe(read.length);
    expect(read.every((r, i) => Date.parse(r.replace(' ', 'T') + 'Z') === ticks[i].t)).toBe(true);
  });

  it('weeks of days: dates, distinct', () => {
    const ticks = expectInside('2024-03-01T00:00:00Z', '2024-03-09T00:00:00Z');
    expect(ticks.map((t) => t.lines)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09'].map((d) => [`2024-03-${d}`]));
  });

  it('months: YYYY-MM on calendar months, distinct', () => {
    const ticks = expectInside('2022-11-15T00:00:00Z', '2024-03-01T00:00:00Z');
    const text = ticks.map((t) => t.lines.join());
    expect(text[0]).toBe('2023-01');
    expect(text.every((l) => /^\d{4}-\d\d$/.test(l))).toBe(true);
    expect(new Set(text).size).toBe(text.length);
    expect(ticks.every((t) => new Date(t.t).getUTCDate() === 1)).toBe(true);
  });

  it('decades: years', () => {
    const text = expectInside('1994-06-01T00:00:00Z', '2024-03-01T00:00:00Z').map((t) => t.lines.join());
    expect(text).toEqual(
      [
        '1995',
        '1996',
        '1997',
        '1998',
        '1999',
        '2000',
        '2001',
        '2002',
        '2003',
        '2004',
        '2005',
        '2006',
        '2007',
        '2008',
        '2009',
        '2010',
        '2011',
        '2012',
        '2013',
        '2014',
        '2015',
        '2016',
        '2017',
        '2018',
        '2019',
        '2020',
        '2021',
        '2022',
        '2023',
        '2024',
      ].filter((y) => Number(y) % 2 === 0),
    );
  });

  it('the 18th century: 1700, 1710, ... 1790 (before the 1970 epoch)', () => {
    const text = expectInside('1700-01-01T00:00:00Z', '1799-12-31T00:00:00Z').map((t) => t.lines.join());
    expect(text).toEqual(['1700', '1710', '1720', '1730', '1740', '1750', '1760', '1770', '1780', '1790']);
  });

  it('years 1 to 9999: round years, no 1900s confusion for years under 100', () => {
    const ticks = expectInside('0001-01-01T00:00:00Z', '9999-12-31T00:00:00Z');
    expect(ticks.map((t) => t.lines.join())).toEqual(['1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000']);
    const early = expectInside('0001-01-01T00:00:00Z', '0090-01-01T00:00:00Z').map((t) => t.lines.join());
    expect(early).toEqual(Array.from({ length: 18 }, (_, i) => String(5 * (i + 1))));
    expect(new Date(labels('0001-01-01T00:00:00Z', '0090-01-01T00:00:00Z')[0].t).getUTCFullYear()).toBe(5);
  });

  it('seconds: HH:MM:SS', () => {
    const ticks = expectInside('2024-03-01T10:00:00Z', '2024-03-01T10:01:00Z');
    expect(ticks.map((t) => t.lines[0])[1]).toBe('10:00:10');
  });
});

describe('placeTicks and the rendered axis: labels inside the image, never overlapping', () => {
  it('a label at the right edge is moved inwards, whole', () => {
    const t0 = iso('2024-01-01T00:00:00Z');
    const t1 = iso('2024-02-26T00:00:00Z'); // a Monday: the last weekly tick is on the right edge
    const x = (t: number) => 70 + ((t - t0) / (t1 - t0)) * WIDTH;
    const placed = placeTicks(timeTicks(t0, t1, WIDTH), x, 900);
    const last = placed[placed.length - 1];
    expect(last.lines).toEqual(['2024-02-26']);
    expect(last.x).toBe(876);
    expect(last.labelX + last.halfWidth).toBeLessThanOrEqual(898);
    for (let i = 1; i < placed.length; i++) expect(placed[i].labelX - placed[i].halfWidth).toBeGreaterThan(placed[i - 1].labelX + placed[i - 1].halfWidth);
  });

  it('renders every channel in its own panel, the title escaped, all axis labels inside the viewBox', () => {
    const ts = Array.from({ length: 24 }, (_, i) => iso('2024-03-02T00:00:00Z') + i * 3_600_000);
    const history = Array.from({ length: 72 }, (_, i) => ({ t: iso('2024-02-28T00:00:00Z') + i * 3_600_000, v: Math.sin(i / 4) }));
    const q = (k: number) => ts.map((_, i) => k + Math.cos(i / 4));
    const svg = renderForecastSvg({
      title: 'building <7> & "north"',
      subtitle: 'forecast f · model xlstm-dev · SUCCEEDED',
      panels: [
        { channel: 'load', history, timestamps: ts, quantiles: { '0.1': q(-1), '0.5': q(0), '0.9': q(1) } },
        { channel: 'temp', history, timestamps: ts, quantiles: { '0.1': q(9), '0.5': q(10), '0.9': q(11) } },
      ],
    });
    expect(svg).toContain('>building &lt;7&gt; &amp; &quot;north&quot;</text>');
    expect(svg.match(/<g class="panel" data-channel="(\w+)">/g)).toEqual(['<g class="panel" data-channel="load">', '<g class="panel" data-channel="temp">']);
    // Two medians and two bands, one per panel.
    expect(svg.match(/stroke="#1f77b4" stroke-width="2"/g)).toHaveLength(2);
    expect(svg.match(/fill-opacity="0.15"/g)).toHaveLength(2);
    const width = Number(/viewBox="0 0 (\d+)/.exec(svg)![1]);
    const axis = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([\d:-]+)<\/text>/g)].map((m) => ({ x: Number(m[1]), text: m[2] }));
    expect(axis.length).toBeGreaterThanOrEqual(4);
    const dates = axis.filter((a) => a.text.length === 10).map((a) => a.text);
    expect(dates).toEqual(['2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
    for (const a of axis) {
      expect(a.x - (a.text.length * CHAR_PX) / 2).toBeGreaterThanOrEqual(0);
      expect(a.x + (a.text.length * CHAR_PX) / 2).toBeLessThanOrEqual(width);
    }
  });
});
