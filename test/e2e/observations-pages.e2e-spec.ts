import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '#timeseries';
import { Stack, startStack } from '../support/stack';

// Small page limits so the pages and the maximum are exercised with a few hundred rows.
describe('observations pages (cursor, limit, streamed CSV)', () => {
  let stack: Stack;
  let key: string;
  let id: string;
  const N = 250;
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1, i)).toISOString();

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { TSFM_OBSERVATIONS_DEFAULT_LIMIT: '100', TSFM_OBSERVATIONS_MAX_LIMIT: '120' } });
    key = (await stack.tenant()).key;
    id = (await stack.request('POST', '/v1/series', { key, json: { name: 'pages', channels: ['a', '-b'] } })).body.id;
    const values = [Array.from({ length: N }, (_, i) => i), Array.from({ length: N }, (_, i) => (i % 7 ? -i / 2 : null))];
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: Array.from({ length: N }, (_, i) => at(i)), values } });
    expect(up.body.written).toBe(N);
  });
  afterAll(() => stack.close());

  it('JSON pages of the default size follow nextCursor to the end, each row once, in order', async () => {
    const sizes: number[] = [];
    const ts: string[] = [];
    const a: (number | null)[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const r = await stack.request('GET', `/v1/series/${id}/observations${cursor ? `?cursor=${cursor}` : ''}`, { key });
      expect(r.status).toBe(200);
      sizes.push(r.body.timestamps.length);
      ts.push(...r.body.timestamps);
      a.push(...r.body.values[0]);
      cursor = r.body.nextCursor;
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(ts).toEqual(Array.from({ length: N }, (_, i) => at(i)));
    expect(a).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('limit and from/to combine with the cursor; the last page has nextCursor null', async () => {
    const first = await stack.request('GET', `/v1/series/${id}/observations?from=${at(10)}&to=${at(29)}&limit=15`, { key });
    expect(first.body.values[0]).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i));
    const next = await stack.request('GET', `/v1/series/${id}/observations?from=${at(10)}&to=${at(29)}&limit=15&cursor=${first.body.nextCursor}`, { key });
    expect(next.body.values[0]).toEqual([25, 26, 27, 28, 29]);
    expect(next.body.nextCursor).toBeNull();
  });

  it('a limit over the maximum is 400 LIMIT_TOO_LARGE; a limit of 0 or a word is 400 VALIDATION_FAILED', async () => {
    const big = await stack.request('GET', `/v1/series/${id}/observations?limit=121`, { key });
    expect(big.status).toBe(400);
    expect(big.body.error).toMatchObject({ code: 'LIMIT_TOO_LARGE', details: { max: 120 } });
    expect((await stack.request('GET', `/v1/series/${id}/observations?limit=120`, { key })).body.timestamps).toHaveLength(120);
    for (const bad of ['0', 'ten']) {
      const r = await stack.request('GET', `/v1/series/${id}/observations?limit=${bad}`, { key });
      expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('forged cursors are 400 INVALID_CURSOR, the series list cursor included', async () => {
    const list = await stack.request('GET', '/v1/series?limit=1', { key });
    const other = Buffer.from(JSON.stringify(['2024-01-01 00:00:00+00', id])).toString('base64url');
    const forged = [
      'not-a-cursor',
      Buffer.from('["obs","x"]').toString('base64url'),
      Buffer.from('["obs",1e300]').toString('base64url'),
      Buffer.from('{"obs":1}').toString('base64url'),
      other,
      list.body.nextCursor ?? other,
    ];
    for (const c of forged) {
      const r = await stack.request('GET', `/v1/series/${id}/observations?cursor=${encodeURIComponent(c)}`, { key });
      expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_CURSOR']);
    }
  });

  it('CSV pages are streamed with the next cursor in X-Next-Cursor, guarded, and join to the whole series', async () => {
    const rows: string[][] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const r = await stack.request('GET', `/v1/series/${id}/observations?format=csv&limit=120${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/csv');
      const page = parseCsv(r.text).map((x) => x.fields);
      expect(page[0]).toEqual(['timestamp', 'a', "'-b"]);
      rows.push(...page.slice(1));
      cursor = r.headers.get('x-next-cursor');
      pages++;
    }
    expect(pages).toBe(3);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: N }, (_, i) => at(i)));
    expect(rows[3]).toEqual([at(3), '3', '-1.5']);
    expect(rows[7]).toEqual([at(7), '7', '']);
  });
});
