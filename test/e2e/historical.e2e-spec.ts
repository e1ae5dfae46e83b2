import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsfmClient } from '../../libs/sdk/src/index';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

// Historical dates end to end: upload (JSON, CSV, NDJSON), read back, forecast, CSV, plot, CLI and
// SDK on 18th-century monthly and yearly series and a yearly series of years 800..900.
// Data (test/fixtures/historical, see test/fixtures/README.md): yearly sunspot numbers 1700-2008
// (public domain) at their real dates; monthly Paris temperatures 1857-1864 (M3 N2784), re-dated by
// exactly -100 years to 1757-1764, since no real 18th-century monthly series ships with the project;
// the years 800..900 are the sunspots of 1700..1800 re-dated by -900 years.

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/historical');
const MODEL = 'xlstm-small';

interface Rows {
  timestamps: string[];
  values: number[];
}

function readFixture(file: string): Rows {
  const lines = readFileSync(path.join(FIXTURES, file), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(','));
  return { timestamps: rows.map((r) => r[1]), values: rows.map((r) => Number(r[2])) };
}

/** The same calendar date `by` years later (first-of-month dates only, so never a 29 February). */
const shiftYears = (date: string, by: number) => `${String(Number(date.slice(0, 4)) + by).padStart(4, '0')}${date.slice(4)}`;
const isoOf = (date: string) => `${date}T00:00:00.000Z`;
const slice = (r: Rows, from: string, to: string): Rows => {
  const keep = r.timestamps.map((t, i) => (t >= from && t <= to ? i : -1)).filter((i) => i >= 0);
  return { timestamps: keep.map((i) => r.timestamps[i]), values: keep.map((i) => r.values[i]) };
};

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 90_000 }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('historical dates (years 0001..9999) end to end', () => {
  let stack: Stack;
  let key: string;
  const paris = readFixture('paris_temperature_monthly.csv');
  const sunspots = readFixture('sunspots_yearly.csv');
  const monthly: Rows = { timestamps: paris.timestamps.map((t) => shiftYears(t, -100)), values: paris.values };
  const yearly = slice(sunspots, '1700-01-01', '1780-01-01');
  const early = (() => {
    const s = slice(sunspots, '1700-01-01', '1800-01-01');
    return { timestamps: s.timestamps.map((t) => shiftYears(t, -900)), values: s.values };
  })();
  // Series ids by upload format: monthly.json, yearly.csv, ...
  const ids: Record<string, string> = {};

  async function upload(name: string, format: 'json' | 'csv' | 'ndjson', rows: Rows): Promise<string> {
    const c = await stack.request('POST', '/v1/series', { key, json: { name } });
    expect(c.status).toBe(201);
    const url = `/v1/series/${c.body.id}/observations`;
    const up =
      format === 'json'
        ? await stack.request('POST', url, { key, json: { timestamps: rows.timestamps, values: [rows.values] } })
        : format === 'csv'
          ? await stack.request('POST', url, {
              key,
              body: `timestamp,value\n${rows.timestamps.map((t, i) => `${t},${rows.values[i]}`).join('\n')}\n`,
              contentType: 'text/csv',
            })
          : await stack.request('POST', url, {
              key,
              body: rows.timestamps.map((t, i) => JSON.stringify({ timestamp: t, value: rows.values[i] })).join('\n'),
              contentType: 'application/x-ndjson',
            });
    expect([up.status, up.body.written], up.text).toEqual([200, rows.timestamps.length]);
    expect((await waitForJob(stack, key, up.body.statsJob.id)).state).toBe('SUCCEEDED');
    return c.body.id;
  }

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    for (const [name, rows] of Object.entries({ monthly, yearly, early })) {
      for (const format of ['json', 'csv', 'ndjson'] as const) ids[`${name}.${format}`] = await upload(`${name}-${format}`, format, rows);
    }
  });
  afterAll(() => stack?.close());

  it.each(['monthly', 'yearly', 'early'])('%s: every format reads back what was uploaded, as JSON and CSV, with its stats', async (name) => {
    const rows = { monthly, yearly, early }[name]!;
    for (const format of ['json', 'csv', 'ndjson']) {
      const id = ids[`${name}.${format}`];
      const r = await stack.request('GET', `/v1/series/${id}/observations`, { key });
      expect(r.body.timestamps).toEqual(rows.timestamps.map(isoOf));
      expect(r.body.values).toEqual([rows.values]);
      const csv = await stack.request('GET', `/v1/series/${id}/observations?format=csv`, { key });
      expect(csv.text.trim().split('\n')).toEqual(['timestamp,value', ...rows.timestamps.map((t, i) => `${isoOf(t)},${rows.values[i]}`)]);
      const s = await stack.request('GET', `/v1/series/${id}`, { key });
      expect(s.body.stats).toMatchObject({
        count: rows.timestamps.length,
        first: isoOf(rows.timestamps[0]),
        last: isoOf(rows.timestamps[rows.timestamps.length - 1]),
        inferredFrequency: name === 'monthly' ? '1M' : '1Y',
        missingSteps: 0,
      });
    }
  });

  it('reads an 18th-century range with from/to and refuses a year-0 bound with 400 INVALID_TIMESTAMP', async () => {
    const r = await stack.request('GET', `/v1/series/${ids['monthly.json']}/observations?from=1760-01-01&to=1760-12-01T00:00:00Z`, { key });
    expect(r.body.timestamps).toEqual(Array.from({ length: 12 }, (_, m) => `1760-${String(m + 1).padStart(2, '0')}-01T00:00:00.000Z`));
    const early = await stack.request('GET', `/v1/series/${ids['early.ndjson']}/observations?to=0802-06-01`, { key });
    expect(early.body.timestamps).toEqual(['0800-01-01T00:00:00.000Z', '0801-01-01T00:00:00.000Z', '0802-01-01T00:00:00.000Z']);
    const bad = await stack.request('GET', `/v1/series/${ids['monthly.json']}/observations?from=0000-01-01`, { key });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_TIMESTAMP']);
    expect(bad.body.error.message).toContain('0001..9999');
  });

  it('refuses years 0 and 10000 in CSV and NDJSON uploads with 422 INVALID_TIMESTAMP naming the row', async () => {
    const id = ids['yearly.csv'];
    const csv = await stack.request('POST', `/v1/series/${id}/observations`, {
      key,
      body: 'timestamp,value\n1700-01-01,1\n0000-01-01,2\n',
      contentType: 'text/csv',
    });
    expect([csv.status, csv.body.error.code]).toEqual([422, 'INVALID_TIMESTAMP']);
    expect(csv.body.error.details.problems).toEqual([expect.objectContaining({ row: 1, line: 3, reason: expect.stringContaining('year outside 0001..9999') })]);
    const nd = await stack.request('POST', `/v1/series/${id}/observations`, {
      key,
      body: '{"timestamp":"+010000-01-01T00:00:00.000Z","value":1}',
      contentType: 'application/x-ndjson',
    });
    expect([nd.status, nd.body.error.code, nd.body.error.details.problems[0].row]).toEqual([422, 'INVALID_TIMESTAMP', 0]);
    // Nothing of either request was written.
    expect((await stack.request('GET', `/v1/series/${id}/observations`, { key })).body.timestamps).toHaveLength(yearly.timestamps.length);
  });

  it(`forecasts the 18th-century monthly and yearly series with ${MODEL}: the grid continues, the CSV and the plot carry it`, async () => {
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { seriesIds: [ids['monthly.json'], ids['yearly.json']], horizon: 6, model: MODEL, wait: 60 },
    });
    expect([r.status, r.body.status], r.text).toEqual([200, 'SUCCEEDED']);
    const bySeries = (id: string) => r.body.series.find((s: { seriesId: string }) => s.seriesId === id);
    const m = bySeries(ids['monthly.json']);
    expect(m.timestamps).toEqual(['1765-01-01', '1765-02-01', '1765-03-01', '1765-04-01', '1765-05-01', '1765-06-01'].map(isoOf));
    expect(m.metadata.sourceGrid).toMatchObject({ first: '1757-01-01T00:00:00.000Z', last: '1764-12-01T00:00:00.000Z', inferredFrequency: '1M' });
    const y = bySeries(ids['yearly.json']);
    expect(y.timestamps).toEqual(['1781', '1782', '1783', '1784', '1785', '1786'].map((yr) => isoOf(`${yr}-01-01`)));
    for (const s of [m, y]) expect((s.quantiles['0.5'] as number[]).every(Number.isFinite)).toBe(true);
    // Stored results read back the same.
    const g = await stack.request('GET', `/v1/forecasts/${r.body.id}`, { key });
    expect(g.body.series.map((s: { timestamps: string[] }) => s.timestamps)).toEqual(r.body.series.map((s: { timestamps: string[] }) => s.timestamps));
    const csv = (await stack.request('GET', `/v1/forecasts/${r.body.id}?format=csv`, { key })).text.trim().split('\n');
    const rowsOf = (id: string) =>
      csv
        .slice(1)
        .map((l) => l.split(','))
        .filter((f) => f[0] === id);
    expect(rowsOf(ids['monthly.json']).map((f) => f[2])).toEqual(m.timestamps);
    expect(rowsOf(ids['yearly.json']).map((f) => f[2])).toEqual(y.timestamps);
    expect(rowsOf(ids['monthly.json']).map((f) => Number(f[csv[0].split(',').indexOf('q0.5')]))).toEqual(m.quantiles['0.5']);
    const svg = await stack.request('GET', `/v1/forecasts/${r.body.id}/plot.svg`, { key });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(svg.text).toMatch(/^<svg/);
    // The axis labels' format is the plot's business; a year of the plotted span must appear in a
    // label (the plot draws the forecast's first series; its title carries the id, which is skipped).
    const plotted = g.body.series[0];
    const [lo, hi] = plotted.seriesId === ids['monthly.json'] ? [1757, 1765] : [1700, 1786];
    const labels = [...svg.text.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((x) => x[1]).filter((l) => !l.includes(plotted.seriesId));
    const years = labels.flatMap((l) => [...l.matchAll(/(?<!\d)(\d{4})(?!\d)/g)].map((x) => Number(x[1])));
    expect(
      years.filter((yr) => yr >= lo && yr <= hi),
      labels.join(' | '),
    ).not.toEqual([]);
  });

  it('forecasts the years 800..900 series into 901, and 18th-century months with until and at', async () => {
    const r = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids['early.ndjson']], horizon: 3, model: MODEL, wait: 60 } });
    expect([r.status, r.body.status], r.text).toEqual([200, 'SUCCEEDED']);
    expect(r.body.series[0].timestamps).toEqual(['0901-01-01', '0902-01-01', '0903-01-01'].map(isoOf));
    expect((await stack.request('GET', `/v1/forecasts/${r.body.id}`, { key })).body.series[0].timestamps).toEqual(r.body.series[0].timestamps);
    const csv = (await stack.request('GET', `/v1/forecasts/${r.body.id}?format=csv`, { key })).text.trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',')[2])).toEqual(r.body.series[0].timestamps);
    const u = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids['monthly.csv']], until: '1765-03-01', model: MODEL, wait: 60 } });
    expect([u.status, u.body.status], u.text).toEqual([200, 'SUCCEEDED']);
    expect(u.body.series[0].timestamps).toEqual(['1765-01-01', '1765-02-01', '1765-03-01'].map(isoOf));
    const at = ['1765-01-16T12:00:00.000Z', '1765-02-01T00:00:00.000Z'];
    const a = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids['monthly.csv']], at, model: MODEL, wait: 60 } });
    expect([a.status, a.body.series[0].timestamps], a.text).toEqual([200, at]);
    expect(a.body.series[0].metadata.output).toMatchObject({ mode: 'at', exact: 1, interpolated: 1 });
    const bad = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [ids['monthly.csv']], until: '10000-01-01', model: MODEL } });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'INVALID_TIMESTAMP']);
  });

  it('backtests the 18th-century monthly series: stored origins and window timestamps stay on its grid', async () => {
    const r = await stack.request('POST', '/v1/backtests', {
      key,
      json: { seriesIds: [ids['monthly.json']], models: ['naive'], horizon: 6, windows: 2, step: 6 },
    });
    expect(r.status, r.text).toBe(202);
    expect((await waitForJob(stack, key, r.body.jobId, 60_000)).state).toBe('SUCCEEDED');
    const items = (await stack.request('GET', `/v1/backtests/${r.body.id}/forecasts`, { key })).body.items as {
      origin: string;
      timestamps: string[];
      actuals: number[];
    }[];
    const months = (y: number, from: number) => Array.from({ length: 6 }, (_, k) => isoOf(`${y}-${String(from + k).padStart(2, '0')}-01`));
    expect(items.map((f) => [f.origin, f.timestamps]).sort()).toEqual([
      ['1763-12-01T00:00:00.000Z', months(1764, 1)],
      ['1764-06-01T00:00:00.000Z', months(1764, 7)],
    ]);
    const held = items.find((f) => f.origin.startsWith('1764-06'))!;
    expect(held.actuals).toEqual(monthly.values.slice(-6));
  });

  it('refuses a horizon that would pass 9999-12-31 (HORIZON_TOO_LONG) and forecasts up to it', async () => {
    const ts = Array.from({ length: 60 }, (_, i) => isoOf(`${9995 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`));
    expect(ts[ts.length - 1]).toBe('9999-12-01T00:00:00.000Z');
    const data = { timestamps: ts.slice(0, -2), values: [ts.slice(0, -2).map((_, i) => 10 + (i % 12))] };
    const ok = await stack.request('POST', '/v1/forecasts', { key, json: { data, horizon: 2, model: MODEL, wait: 60 } });
    expect([ok.status, ok.body.status], ok.text).toEqual([200, 'SUCCEEDED']);
    expect(ok.body.series[0].timestamps).toEqual(['9999-11-01T00:00:00.000Z', '9999-12-01T00:00:00.000Z']);
    const past = await stack.request('POST', '/v1/forecasts', { key, json: { data, horizon: 3, model: MODEL, wait: 60 } });
    expect(past.body).toMatchObject({ status: 'FAILED', error: { code: 'HORIZON_TOO_LONG' } });
  });

  it('the SDK uploads Date-built epoch milliseconds and ISO strings of years 50 and 1700 and reads them back', async () => {
    const client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: key });
    const s = await client.series.create({ name: 'sdk-historical' });
    // new Date(Date.UTC(50, 0, 1)) would be 1950: setUTCFullYear takes the year as given.
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 0, 1);
    await client.series.uploadObservations(s.id, {
      timestamps: [year50.getTime(), '1700-01-01T00:00:00Z', new Date('1700-02-01T00:00:00Z').toISOString()],
      values: [[1, 2, 3]],
    });
    const back = await client.series.readObservations(s.id, { from: '0050-01-01', to: String(Date.parse('1700-01-31T00:00:00Z')) });
    expect(back.timestamps).toEqual(['0050-01-01T00:00:00.000Z', '1700-01-01T00:00:00.000Z']);
    expect(back.values).toEqual([[1, 2]]);
  });

  it('tsfm forecast (CLI) continues an 18th-century monthly and a yearly series in its output CSV', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-hist-'));
    const input = path.join(dir, 'in.csv');
    const out = path.join(dir, 'out.csv');
    const long = (id: string, r: Rows) => r.timestamps.map((t, i) => `${id},${t},${r.values[i]}`);
    writeFileSync(input, ['series_id,timestamp,value', ...long('paris', monthly), ...long('sunspots', yearly)].join('\n') + '\n');
    const r = await run(process.execPath, [
      path.join(REPO_ROOT, 'bin/tsfm.js'),
      'forecast',
      '--input',
      input,
      '--horizon',
      '3',
      '--model',
      MODEL,
      '--output',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0].slice(0, 2)).toEqual(['series_id', 'timestamp']);
    expect(rows.slice(1).map((f) => `${f[0]} ${f[1]}`)).toEqual([
      'paris 1765-01-01T00:00:00.000Z',
      'paris 1765-02-01T00:00:00.000Z',
      'paris 1765-03-01T00:00:00.000Z',
      'sunspots 1781-01-01T00:00:00.000Z',
      'sunspots 1782-01-01T00:00:00.000Z',
      'sunspots 1783-01-01T00:00:00.000Z',
    ]);
    expect(rows.slice(1).every((f) => f.slice(2).every((v) => Number.isFinite(Number(v)) && v !== ''))).toBe(true);
    // Year 0 is refused like any bad timestamp: exit 2, one line naming the line and the reason.
    writeFileSync(input, 'series_id,timestamp,value\nx,0001-01-01,1\nx,0000-12-01,2\n');
    const bad = await run(process.execPath, [
      path.join(REPO_ROOT, 'bin/tsfm.js'),
      'forecast',
      '--input',
      input,
      '--horizon',
      '3',
      '--model',
      MODEL,
      '--output',
      out,
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`tsfm: ${input} line 3: invalid timestamp "0000-12-01": year outside 0001..9999`);
  }, 120_000);
});
