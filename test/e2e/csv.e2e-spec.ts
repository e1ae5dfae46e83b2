import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '#timeseries';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

const H = 3_600_000;
const cells = (text: string) => parseCsv(text).map((r) => r.fields);

function run(args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin/tsfm.js'), ...args], { timeout: 60_000 }, (err, _out, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

/** CSV in and out of the api and the CLI: RFC 4180 quoting both ways, formula-guarded text. */
describe('CSV through the api and the CLI', () => {
  let stack: Stack;
  let key: string;
  const count = async (id: string) => (await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM observations WHERE series_id = $1`, [id]))[0].n;

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
  });
  afterAll(() => stack.close());

  it('an upload with a BOM, CRLF, quoted fields and trailing blank lines reads back as CSV that re-uploads to the same data', async () => {
    const id = (await stack.request('POST', '/v1/series', { key, json: { name: 'csv-round-trip', channels: ['-dash', 'a.b'] } })).body.id;
    const upload = '\uFEFF"timestamp","a.b","-dash"\r\n"2024-01-01T01:00:00Z","2",""\r\n2024-01-01T00:00:00Z, 0.5 ,-1.5\r\n\r\n';
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: upload, contentType: 'text/csv' });
    expect([up.status, up.body.written]).toEqual([200, 2]);
    const down = await stack.request('GET', `/v1/series/${id}/observations?format=csv`, { key });
    // The channel starting with "-" is guarded as text; the number -1.5 is not.
    expect(down.text).toBe("timestamp,'-dash,a.b\n2024-01-01T00:00:00.000Z,-1.5,0.5\n2024-01-01T01:00:00.000Z,,2\n");
    const json = (await stack.request('GET', `/v1/series/${id}/observations`, { key })).body;
    const again = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: down.text, contentType: 'text/csv' });
    expect([again.status, again.body.written]).toEqual([200, 2]);
    expect((await stack.request('GET', `/v1/series/${id}/observations`, { key })).body).toEqual(json);
    expect(json.values).toEqual([
      [-1.5, null],
      [0.5, 2],
    ]);
  });

  it('a quoted header name holding a comma and a newline is read as one name (and refused: channel names cannot hold them)', async () => {
    const id = (await stack.request('POST', '/v1/series', { key, json: { name: 'csv-odd-header', channels: ['v'] } })).body.id;
    const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: 'timestamp,"v, and\nmore"\n2024-01-01,1\n', contentType: 'text/csv' });
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([422, 'CHANNEL_COUNT_MISMATCH', { missing: ['v'], unknown: ['v, and\nmore'] }]);
    expect(await count(id)).toBe(0);
  });

  it('malformed CSV is 400 MALFORMED_CSV with the line; ragged rows are 422 CHANNEL_COUNT_MISMATCH by line; nothing is written', async () => {
    const id = (await stack.request('POST', '/v1/series', { key, json: { name: 'csv-bad', channels: ['v'] } })).body.id;
    const cases: [string, number, string, unknown][] = [
      ['timestamp,v\n2024-01-01,1\n"2024-01-02,2\n2024-01-03,3\n', 400, 'MALFORMED_CSV', { line: 3, reason: 'CSV_QUOTE_NOT_CLOSED' }],
      ['timestamp,v\n2024-01-01,"1"x\n', 400, 'MALFORMED_CSV', { line: 2, reason: 'CSV_INVALID_CLOSING_QUOTE' }],
      ['timestamp,v\n2024-01-01,1"\n', 400, 'MALFORMED_CSV', { line: 2, reason: 'INVALID_OPENING_QUOTE' }],
    ];
    for (const [body, status, code, details] of cases) {
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, body, contentType: 'text/csv' });
      expect([body, r.status, r.body.error.code, r.body.error.details]).toEqual([body, status, code, details]);
      expect(r.body.error.message).toMatch(/^CSV line \d+: /);
    }
    const ragged = await stack.request('POST', `/v1/series/${id}/observations`, {
      key,
      body: 'timestamp,v\n"2024-01-01\n",1\n2024-01-02\n2024-01-03,1,2\n',
      contentType: 'text/csv',
    });
    expect([ragged.status, ragged.body.error.code]).toEqual([422, 'CHANNEL_COUNT_MISMATCH']);
    expect(ragged.body.error.details.problems.map((p: { line: number }) => p.line)).toEqual([4, 5]);
    expect(await count(id)).toBe(0);
  });

  it('an inline forecast reads back as CSV with its formula-looking channel guarded and its numbers untouched', async () => {
    const n = 240;
    const timestamps = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * H);
    const wave = timestamps.map((_, i) => 10 + Math.sin((2 * Math.PI * i) / 24));
    const r = await stack.request('POST', '/v1/forecasts', {
      key,
      json: {
        data: { timestamps, values: [wave, wave.map((v) => -v)], channels: ['-load', 'temp'] },
        horizon: 4,
        model: 'ssm-dev',
        quantiles: [0.1, 0.5, 0.9],
        wait: 60,
      },
    });
    expect([r.status, r.body.status]).toEqual([200, 'SUCCEEDED']);
    const csv = await stack.request('GET', `/v1/forecasts/${r.body.id}?format=csv`, { key });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = cells(csv.text);
    expect(header).toEqual(['series_id', 'channel', 'timestamp', 'q0.1', 'q0.5', 'q0.9']);
    expect(rows.map((x) => x.slice(0, 3))).toEqual(
      ["'-load", 'temp'].flatMap((c) => [1, 2, 3, 4].map((k) => ['inline', c, new Date(timestamps[n - 1] + k * H).toISOString()])),
    );
    for (const s of r.body.series) {
      const mine = rows.filter((x) => x[1] === (s.channel === '-load' ? "'-load" : s.channel));
      expect(mine.map((x) => x.slice(3).map(Number))).toEqual(s.timestamps.map((_: string, i: number) => ['0.1', '0.5', '0.9'].map((l) => s.quantiles[l][i])));
    }
    // The negated channel forecasts negative numbers, written as plain numbers.
    expect(rows.filter((x) => x[1] === 'temp').every((x) => /^-\d/.test(x[4]))).toBe(true);
  });

  it('tsfm forecast reads quoted long CSV (BOM, CRLF, ids with commas, quotes and newlines) and writes quoted, guarded CSV', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-csv-'));
    const ids = ['a, "quoted" id', 'two\nlines', '=1+1'];
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lines = ['series_id,timestamp,value'];
    for (const id of ids)
      for (let i = 0; i < 200; i++) lines.push(`${quote(id)},"${new Date(Date.UTC(2024, 0, 1) + i * H).toISOString()}",${(10 + Math.sin(i / 3)).toFixed(4)}`);
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, '\uFEFF' + lines.join('\r\n') + '\r\n\r\n');
    const out = path.join(dir, 'out.csv');
    const r = await run(['forecast', '--input', input, '--horizon', '3', '--model', 'ssm-dev', '--quantiles', '0.1,0.5,0.9', '--output', out]);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = cells(readFileSync(out, 'utf8'));
    expect(header).toEqual(['series_id', 'timestamp', 'q0.1', 'q0.5', 'q0.9']);
    const last = Date.UTC(2024, 0, 1) + 199 * H;
    // Output follows the input's order of series (the CLI streams them).
    const expected = ids.flatMap((id) => [1, 2, 3].map((k) => [id.startsWith('=') ? `'${id}` : id, new Date(last + k * H).toISOString()]));
    expect(rows.map((x) => x.slice(0, 2))).toEqual(expected);
    expect(rows.every((x) => x.slice(2).every((v) => Number.isFinite(Number(v)) && v !== ''))).toBe(true);

    // --at per series, quoted the same way: each series gets its own timestamps back.
    const at = path.join(dir, 'at.csv');
    const asked = ids.map((_, k) => new Date(last + (k + 1) * 1.5 * H).toISOString());
    writeFileSync(at, '\uFEFF"timestamp","series_id"\r\n' + ids.map((id, k) => `${asked[k]},${quote(id)}`).join('\r\n') + '\r\n');
    const byAt = await run(['forecast', '--input', input, '--at', at, '--model', 'ssm-dev', '--quantiles', '0.5', '--output', out]);
    expect(byAt.status, byAt.stderr).toBe(0);
    const atRows = cells(readFileSync(out, 'utf8'))
      .slice(1)
      .map((x) => x.slice(0, 2));
    expect(atRows).toEqual(ids.map((id, k) => [id.startsWith('=') ? `'${id}` : id, asked[k]]));

    writeFileSync(input, 'series_id,timestamp,value\nx,2024-01-01,1\n"y,2024-01-02,2\n');
    const bad = await run(['forecast', '--input', input, '--horizon', '3', '--model', 'ssm-dev', '--output', out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`tsfm: ${input}: CSV line 3: a quoted field opened on this line is never closed`);
  });
});
