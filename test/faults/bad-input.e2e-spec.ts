import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

const NASTY = ["'; DROP TABLE series; --", '../../etc/passwd', '%00', '\u0000', '${jndi:ldap://x}', '<script>', 'NaN', 'Infinity', '-Infinity', '1e309'];

/** Every write, however malformed, answers a JSON 4xx and leaves the database exactly as it was. */
describe('bad-input corpus (property-based, against the real api)', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;
  let foreignSeries: string;
  let sent = 0;

  const digest = async () =>
    (await stack.sql<{ d: string }>(
      `SELECT md5(coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM series t), '') ||
                  coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM observations t), '') ||
                  coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM jobs t), '') ||
                  coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM forecasts t), '') ||
                  coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM api_keys t), '')) AS d`,
    ))[0].d;

  async function expect4xx(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<void> {
    sent++;
    const r = await stack.request(method, path, { key, body, contentType });
    if (r.status < 400 || r.status >= 500 || !r.body?.error?.code) {
      throw new Error(`${method} ${path} ${contentType} ${String(body).slice(0, 300)} -> ${r.status} ${r.text.slice(0, 300)}`);
    }
  }

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { TSFM_MAX_BODY_BYTES: '256kb' } });
    key = (await stack.tenant()).key;
    const other = (await stack.tenant()).key;
    seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 'target', channels: ['a', 'b'] } })).body.id;
    foreignSeries = (await stack.request('POST', '/v1/series', { key: other, json: { name: 'theirs' } })).body.id;
  });
  afterAll(() => stack.close());

  const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...NASTY), fc.double(), fc.constant(1e308));
  const badTimestamp = fc.oneof(
    fc.constantFrom('1899-12-31T23:00:00Z', '2201-01-01', '2024-02-30', 'yesterday', '', 'NaN', 1.5, -1e20, null, true, {}),
    fc.string({ maxLength: 30 }).filter((s) => !/^\d/.test(s)),
  );
  const badValue = fc.oneof(fc.constantFrom('NaN', 'Infinity', '1.5', true, {}, [], 'abc'), fc.string({ minLength: 1, maxLength: 10 }));

  it('POST /v1/series with arbitrary bodies', async () => {
    const before = await digest();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
          fc.record({ name: anyJson.filter((v) => typeof v !== 'string' || v.length === 0 || v.length > 200) }),
          fc.record({ name: fc.constant('ok-name'), channels: fc.oneof(fc.constant([]), fc.array(anyJson.filter((v) => typeof v !== 'string'), { minLength: 1 })) }),
          fc.record({ name: fc.constant('ok-name'), extra: anyJson }),
          fc.record({ name: fc.constant('ok-name'), timezone: fc.constantFrom('Mars/Olympus', '../../etc', "'; --") }),
          fc.record({ name: fc.constant('ok-name'), tags: fc.constantFrom('x', [1], [null]) }),
        ),
        async (body) => expect4xx('POST', '/v1/series', JSON.stringify(body)),
      ),
      { numRuns: 150 },
    );
    // Deeply nested and malformed JSON texts.
    await expect4xx('POST', '/v1/series', '['.repeat(5000) + ']'.repeat(5000));
    await expect4xx('POST', '/v1/series', '{"name": "x"');
    expect(await digest()).toBe(before);
  });

  it('POST observations (JSON, CSV, NDJSON) with malformed rows', async () => {
    const before = await digest();
    const good = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString());
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // one bad timestamp among good ones
          fc.tuple(fc.integer({ min: 2, max: 50 }), badTimestamp).map(([n, bad]) => {
            const ts: unknown[] = good(n);
            ts[n - 1] = bad;
            return { timestamps: ts, values: [ts.map(() => 1e308), ts.map(() => 1)] };
          }),
          // one bad value
          fc.tuple(fc.integer({ min: 1, max: 50 }), badValue).map(([n, bad]) => ({ timestamps: good(n), values: [good(n).map((_, i) => (i === n - 1 ? bad : 1)), good(n).map(() => null)] })),
          // duplicates and unsorted timestamps with a duplicate
          fc.integer({ min: 2, max: 30 }).map((n) => ({ timestamps: [...good(n).reverse(), good(n)[0]], values: [Array(n + 1).fill(1), Array(n + 1).fill(2)] })),
          // wrong channel counts, wrong types, unknown fields
          fc.constantFrom(
            { timestamps: good(2), values: [[1, 2]] },
            { timestamps: good(2), values: [[1], [2, 3]] },
            { timestamps: 'x', values: [] },
            { timestamps: good(1), values: [[1], [2]], extra: 1 },
            { values: [[1], [2]] },
            {},
          ),
          // huge arrays past the body limit
          fc.constant({ timestamps: good(20_000), values: [Array(20_000).fill(1), Array(20_000).fill(1)] }),
        ),
        async (body) => expect4xx('POST', `/v1/series/${seriesId}/observations`, JSON.stringify(body)),
      ),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), badValue, async (junk, bad) => {
        await expect4xx('POST', `/v1/series/${seriesId}/observations`, `timestamp,a,b\n2024-01-01,1,2\n${junk.replace(/\n/g, ' ')},${String(bad)}\n`, 'text/csv');
        await expect4xx('POST', `/v1/series/${seriesId}/observations`, `{"timestamp":"2024-01-01","values":[1,2]}\n{${junk}`, 'application/x-ndjson');
      }),
      { numRuns: 80 },
    );
    // Invalid UTF-8 inside an otherwise broken body, CSV with 1e999 and an unknown media type.
    await expect4xx('POST', `/v1/series/${seriesId}/observations`, Buffer.concat([Buffer.from('{"timestamps": ["'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"], "values": [[1],[2]]}')]));
    await expect4xx('POST', `/v1/series/${seriesId}/observations`, 'timestamp,a,b\n2024-01-01,1e999,1\n', 'text/csv');
    await expect4xx('POST', `/v1/series/${seriesId}/observations`, '<xml/>', 'application/xml');
    expect(await digest()).toBe(before);
  });

  it('POST /v1/forecasts malformed, and other tenants\' or forged ids anywhere', async () => {
    const before = await digest();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ seriesIds: fc.constantFrom([foreignSeries], ['not-a-uuid'], [], [seriesId, seriesId], ["'; --"]), horizon: fc.constant(4) }),
          fc.record({ seriesIds: fc.constant([seriesId]), horizon: fc.oneof(fc.constant(0), fc.constant(-1), fc.constant(1.5), fc.constant(1e9), fc.constant('4')) }),
          fc.record({ seriesIds: fc.constant([seriesId]), horizon: fc.constant(4), quantiles: fc.constantFrom([0.05], [0.5, 0.5], ['0.5'], [2]) }),
          fc.record({ seriesIds: fc.constant([seriesId]), at: fc.array(badTimestamp, { minLength: 1, maxLength: 3 }) }),
          fc.record({ seriesIds: fc.constant([seriesId]), until: badTimestamp.filter((t) => typeof t === 'string') }),
          fc.record({ data: fc.constant({ timestamps: ['2024-01-01', '2024-01-01'], values: [[1, 2]] }), horizon: fc.constant(2) }),
          fc.record({ seriesIds: fc.constant([seriesId]), horizon: fc.constant(3), model: fc.constantFrom('../../etc/passwd', "x'; --", 'nope') }),
          fc.record({ seriesIds: fc.constant([seriesId]), horizon: fc.constant(3), wait: fc.constantFrom(-1, 1e6, 'soon') }),
        ),
        async (body) => expect4xx('POST', '/v1/forecasts', JSON.stringify(body)),
      ),
      { numRuns: 120 },
    );
    for (const path of [`/v1/series/${foreignSeries}/observations`, '/v1/series/../../etc/passwd/observations', `/v1/jobs/${foreignSeries}/cancel`]) {
      await expect4xx('POST', path, JSON.stringify({ timestamps: ['2024-01-01'], values: [[1]] }));
    }
    expect(await digest()).toBe(before);
    expect(sent).toBeGreaterThanOrEqual(500);
  });
});
