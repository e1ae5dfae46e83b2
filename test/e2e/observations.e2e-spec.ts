import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from '#timeseries';
import { FIXTURE_DIR } from '../support/env';
import { Stack, startStack, waitForJob } from '../support/stack';

describe('observations API', () => {
  let stack: Stack;
  let key: string;
  const newSeries = async (channels = ['load', 'temp'], extra: Record<string, unknown> = {}) =>
    (await stack.request('POST', '/v1/series', { key, json: { name: `s-${Math.random()}`, channels, ...extra } })).body.id as string;
  const count = async (id: string) => (await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM observations WHERE series_id = $1`, [id]))[0].n;

  beforeAll(async () => {
    stack = await startStack({ env: { TSFM_MAX_BODY_BYTES: '1mb', TSFM_MAX_POINTS_PER_REQUEST: '50000' } });
    key = (await stack.tenant()).key;
  });
  afterAll(() => stack.close());

  it('accepts columnar JSON with irregular, unsorted, mixed-format timestamps and reads it back sorted', async () => {
    const id = await newSeries();
    const up = await stack.request('POST', `/v1/series/${id}/observations`, {
      key,
      json: {
        timestamps: ['2024-03-01T10:17:00+02:00', 1709280000000, '2024-03-01T00:00:00', '2024-03-01 09:00:00Z'],
        values: [
          [3.5, 1, null, 2],
          [20.1, null, 18, 19.5],
        ],
      },
    });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ seriesId: id, written: 4, statsJob: { type: 'series-stats', state: 'QUEUED' } });
    const r = await stack.request('GET', `/v1/series/${id}/observations`, { key });
    expect(r.body.channels).toEqual(['load', 'temp']);
    // 1709280000000 = 2024-03-01T08:00:00Z; naive timestamps are UTC.
    expect(r.body.timestamps).toEqual(['2024-03-01T00:00:00.000Z', '2024-03-01T08:00:00.000Z', '2024-03-01T08:17:00.000Z', '2024-03-01T09:00:00.000Z']);
    expect(r.body.values).toEqual([
      [null, 1, 3.5, 2],
      [18, null, 20.1, 19.5],
    ]);
    const job = await waitForJob(stack, key, up.body.statsJob.id);
    expect(job.state).toBe('SUCCEEDED');
    const s = await stack.request('GET', `/v1/series/${id}`, { key });
    expect(s.body.stats).toMatchObject({ count: 4, first: '2024-03-01T00:00:00.000Z', last: '2024-03-01T09:00:00.000Z', missingValues: [1, 1] });
  });

  it('accepts CSV (channels in any column order) and exports the same CSV', async () => {
    const id = await newSeries(['a', 'b']);
    const csv = 'timestamp,b,a\n2024-01-01T01:00:00Z,2,1\n2024-01-01T00:00:00Z,,0.5\n"2024-01-01T02:00:00Z",4e-3,-7\n';
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: csv, contentType: 'text/csv' });
    expect(up.status).toBe(200);
    expect(up.body.written).toBe(3);
    const out = await stack.request('GET', `/v1/series/${id}/observations?format=csv`, { key });
    expect(out.headers.get('content-type')).toContain('text/csv');
    expect(out.text).toBe('timestamp,a,b\n2024-01-01T00:00:00.000Z,0.5,\n2024-01-01T01:00:00.000Z,1,2\n2024-01-01T02:00:00.000Z,-7,0.004\n');
  });

  it('accepts NDJSON and filters reads by from/to', async () => {
    const id = await newSeries(['v']);
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ timestamp: Date.UTC(2024, 0, 1, i), value: i }));
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: lines.join('\n'), contentType: 'application/x-ndjson' });
    expect(up.status).toBe(200);
    expect(up.body.written).toBe(10);
    const r = await stack.request('GET', `/v1/series/${id}/observations?from=2024-01-01T03:00:00Z&to=${Date.UTC(2024, 0, 1, 5)}`, { key });
    expect(r.body.values).toEqual([[3, 4, 5]]);
  });

  it('a re-upload of the same timestamps replaces the values instead of duplicating rows', async () => {
    const id = await newSeries(['v']);
    const ts = ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'];
    await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: ts, values: [[1, 2]] } });
    await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: [...ts, '2024-01-01T02:00:00Z'], values: [[10, 20, 30]] } });
    expect(await count(id)).toBe(3);
    const r = await stack.request('GET', `/v1/series/${id}/observations`, { key });
    expect(r.body.values).toEqual([[10, 20, 30]]);
  });

  describe('rejections leave nothing written', () => {
    const cases: [string, unknown, number, string, number[]][] = [
      [
        'duplicate timestamp',
        { timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T00:00:00+00:00'], values: [[1, 2, 3]] },
        422,
        'DUPLICATE_TIMESTAMP',
        [2],
      ],
      ['the string "NaN"', { timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'], values: [[1, 'NaN']] }, 422, 'NAN_VALUE', [1]],
      ['a numeric string', { timestamps: ['2024-01-01T00:00:00Z'], values: [['1.5']] }, 422, 'NON_NUMERIC_VALUE', [0]],
      ['a boolean', { timestamps: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'], values: [[1, true]] }, 422, 'NON_NUMERIC_VALUE', [1]],
      ['a bad timestamp', { timestamps: ['2024-02-30T00:00:00Z'], values: [[1]] }, 422, 'INVALID_TIMESTAMP', [0]],
      ['a timestamp in year 0', { timestamps: ['1850-01-01T00:00:00Z', '0000-12-31T00:00:00Z'], values: [[1, 2]] }, 422, 'INVALID_TIMESTAMP', [1]],
      ['a timestamp in year 10000', { timestamps: ['+010000-01-01T00:00:00.000Z', '9999-12-31T00:00:00Z'], values: [[1, 2]] }, 422, 'INVALID_TIMESTAMP', [0]],
      ['a short channel array', { timestamps: ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'], values: [[1]] }, 422, 'CHANNEL_COUNT_MISMATCH', [-1]],
      ['two channels for one', { timestamps: ['2024-01-01T00:00:00Z'], values: [[1], [2]] }, 422, 'CHANNEL_COUNT_MISMATCH', []],
    ];
    it.each(cases)('%s → %i %s naming the rows', async (_, json, status, code, rows) => {
      const id = await newSeries(['v']);
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, json });
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      if (rows.length) expect(r.body.error.details.problems.map((p: { row: number }) => p.row)).toEqual(rows);
      expect(await count(id)).toBe(0);
    });

    it('an infinite value (1e999) → 422 NON_FINITE_VALUE', async () => {
      const id = await newSeries(['v']);
      const r = await stack.request('POST', `/v1/series/${id}/observations`, {
        key,
        body: '{"timestamps":["2024-01-01T00:00:00Z"],"values":[[1e999]]}',
        contentType: 'application/json',
      });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('NON_FINITE_VALUE');
    });

    it('CSV: NaN, text and a wrong field count are named by line', async () => {
      const id = await newSeries(['v']);
      const r = await stack.request('POST', `/v1/series/${id}/observations`, {
        key,
        body: 'timestamp,v\n2024-01-01,1\n2024-01-02,NaN\n2024-01-03,abc\n2024-01-04,1,2\n',
        contentType: 'text/csv',
      });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('NAN_VALUE');
      expect(r.body.error.details.problems.map((p: { line: number; reason: string }) => p.line)).toEqual([3, 4, 5]);
      expect(await count(id)).toBe(0);
    });

    it('a valid first chunk and an invalid row later: all or nothing', async () => {
      const id = await newSeries(['v']);
      const n = 12_000;
      const timestamps = Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * 60_000);
      const values = [timestamps.map((_, i) => (i === n - 1 ? 'oops' : i))];
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps, values } });
      expect(r.status).toBe(422);
      expect(await count(id)).toBe(0);
    });

    it('a body over the limit → 413 with a hint to split', async () => {
      const id = await newSeries(['v']);
      const big = 'timestamp,v\n' + '2024-01-01T00:00:00Z,1\n'.repeat(60_000);
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: big, contentType: 'text/csv' });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(r.body.error.message).toMatch(/split/i);
    });

    it('too many points in a small body → 413', async () => {
      const id = await newSeries(['v']);
      const lines = Array.from({ length: 50_001 }, (_, i) => `${1704067200000 + i * 1000},`).join('\n');
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: `timestamp,v\n${lines}`, contentType: 'text/csv' });
      expect(r.status).toBe(413);
    });

    it('unknown fields → 400, unsupported media type → 415', async () => {
      const id = await newSeries(['v']);
      const r = await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: ['2024-01-01'], values: [[1]], extra: 1 } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      const x = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: '<xml/>', contentType: 'application/xml' });
      expect(x.status).toBe(415);
      expect(x.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  it('real irregular data: peyton_manning daily (59 missing days) via CSV, stats from the stats job', async () => {
    const rows = parseCsv(readFileSync(path.join(FIXTURE_DIR, 'prophet/peyton_manning_daily.csv'), 'utf8')).slice(1);
    const csv = formatCsv([['timestamp', 'value'], ...rows.map((r) => r.fields.slice(1))]);
    const id = await newSeries(['value']);
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, body: csv, contentType: 'text/csv' });
    expect(up.status).toBe(200);
    expect(up.body.written).toBe(2905);
    await waitForJob(stack, key, up.body.statsJob.id);
    const s = await stack.request('GET', `/v1/series/${id}`, { key });
    expect(s.body.stats).toMatchObject({
      count: 2905,
      inferredFrequency: '1D',
      missingSteps: 59,
      first: '2007-12-10T00:00:00.000Z',
      last: '2016-01-20T00:00:00.000Z',
    });
    expect(s.body.stats.regularity).toBeGreaterThan(0.95);
    expect(s.body.stats.regularity).toBeLessThan(1);
  });
});
