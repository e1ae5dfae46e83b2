import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyJson, databaseDigest } from '../support/bad-input';
import { Stack, startStack } from '../support/stack';

/**
 * The bad-input corpus for what is not a body (#33 item 7): query parameters of every listing, and
 * keys without the scope a request needs. Every answer a 4xx with its exact code; nothing written.
 */
describe('bad-input corpus: query parameters and key scopes (property-based, against the real api)', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;
  let scheduleId: string;
  let sent = 0;

  const digest = () => databaseDigest(stack);

  async function expect4xx(method: string, path: string, body: string): Promise<void> {
    sent++;
    const r = await stack.request(method, path, { key, body, contentType: 'application/json' });
    if (r.status < 400 || r.status >= 500 || !r.body?.error?.code)
      throw new Error(`${method} ${path} ${body.slice(0, 300)} -> ${r.status} ${r.text.slice(0, 300)}`);
  }

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    key = (await stack.tenant()).key;
    seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 'target', channels: ['a', 'b'] } })).body.id;
    const schedule = { name: 'mine', seriesIds: [seriesId], cron: '0 3 * * *', timezone: 'UTC', forecast: { horizon: 4 }, enabled: false };
    scheduleId = (await stack.request('POST', '/v1/schedules', { key, json: schedule })).body.id;
    expect(typeof scheduleId).toBe('string');
  });
  afterAll(() => stack.close());

  it('GET query parameters: a malformed cursor, date, limit or unknown parameter is a 400 with its code on every listing', async () => {
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const uuid = '00000000-0000-4000-8000-000000000000';
    const forgedCursor = fc.oneof(
      fc.string({ minLength: 1, maxLength: 120 }),
      fc.constantFrom(
        b64('[]'),
        b64('{}'),
        b64('null'),
        b64('not json'),
        b64([1, 2]),
        b64(['2024-01-01 00:00:00+00']),
        b64(['2024-01-01 00:00:00+00', uuid, 3]),
      ),
      fc
        .tuple(
          fc.constantFrom(
            '2020-02-30 00:00:00+00',
            '2024-13-01 00:00:00+00',
            '0000-01-01 00:00:00+00',
            '2024-01-01 24:00:00+00',
            '2024-01-01',
            'yesterday',
            "'; --",
            '',
          ),
          fc.constantFrom(uuid, 'not-a-uuid', "' OR 1=1 --"),
        )
        .map(b64),
      fc.tuple(fc.constant('2024-01-01 00:00:00+00'), fc.constantFrom('not-a-uuid', '', "x'; --")).map(b64),
    );
    const badDate = fc.oneof(
      fc.constantFrom(
        '2020-02-30',
        '2020-02-30T00:00:00Z',
        '2023-02-29',
        '2024-04-31',
        '0000-01-01',
        '10000-01-01',
        'yesterday',
        'NaN',
        '1e400',
        '2024-01-01T25:00',
      ),
      // eslint-disable-next-line no-control-regex -- as badTimestamp: skips strings a number parser would read after leading control/space characters
      fc.string({ minLength: 1, maxLength: 30 }).filter((x) => !/^[\x00-\x20]*-?\d/.test(x)),
    );
    const badLimit = fc.constantFrom('0', '-1', '1.5', 'abc', 'NaN', 'Infinity', '', '1e400', '0x10', '1,2');
    const listings = [
      '/v1/series',
      '/v1/forecasts',
      '/v1/backtests',
      '/v1/finetunes',
      '/v1/schedules',
      `/v1/schedules/${scheduleId}/runs`,
      `/v1/series/${seriesId}/observations`,
    ];
    const dated = ['/v1/forecasts', `/v1/series/${seriesId}/observations`];
    const get = async (path: string, query: string, codes: string[]) => {
      sent++;
      const r = await stack.request('GET', `${path}?${query}`, { key });
      if (r.status !== 400 || !codes.includes(r.body?.error?.code)) throw new Error(`GET ${path}?${query} -> ${r.status} ${r.text.slice(0, 300)}`);
    };
    const q = (k: string, v: string) => `${k}=${encodeURIComponent(v)}`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom(...listings), forgedCursor).map(([p, c]) => [p, q('cursor', c), ['INVALID_CURSOR']] as const),
          fc.tuple(fc.constantFrom(...dated), fc.constantFrom('from', 'to'), badDate).map(([p, k, d]) => [p, q(k, d), ['INVALID_TIMESTAMP']] as const),
          fc.tuple(fc.constantFrom(...listings), badLimit).map(([p, l]) => [p, q('limit', l), ['VALIDATION_FAILED']] as const),
          fc
            .tuple(fc.constantFrom(...listings), fc.constantFrom('cursor', 'limit', 'bogus', 'tenantId'))
            .map(([p, k]) => [p, `${k}=1&${k}=2`, ['VALIDATION_FAILED', 'INVALID_CURSOR']] as const),
        ),
        async ([path, query, codes]) => get(path, query, [...codes]),
      ),
      { numRuns: 300 },
    );
    // Too long or over the maximum: still a 400 with a code.
    await get('/v1/series', q('cursor', 'x'.repeat(501)), ['VALIDATION_FAILED']);
    await get(`/v1/series/${seriesId}/observations`, q('limit', '100000000'), ['LIMIT_TOO_LARGE']);
    await get('/v1/forecasts', q('from', '2'.repeat(41)), ['INVALID_TIMESTAMP']);
    await get(`/v1/schedules/${scheduleId}/runs`, q('state', 'DONE'), ['VALIDATION_FAILED']);
    await get('/v1/backtests/00000000-0000-4000-8000-000000000000/forecasts', q('window', '-1'), ['VALIDATION_FAILED']);
    // A single resource's format: json or csv, not JSON for anything else.
    for (const one of ['/v1/forecasts/00000000-0000-4000-8000-000000000000', '/v1/backtests/00000000-0000-4000-8000-000000000000']) {
      for (const format of ['format=xml', 'format=CSV', 'format=csv&format=json', 'format=']) await get(one, format, ['VALIDATION_FAILED']);
    }
  });

  it('key scopes: a read-only key writes nothing anywhere (403 INSUFFICIENT_SCOPE), malformed scopes are 400, nothing is minted', async () => {
    const readOnly = (await stack.request('POST', '/v1/api-keys', { key, json: { name: 'ro', scopes: ['read'] } })).body.key;
    const writer = (await stack.request('POST', '/v1/api-keys', { key, json: { name: 'rw' } })).body.key;
    const before = await digest();
    const writes: [string, string][] = [
      ['POST', '/v1/series'],
      ['POST', `/v1/series/${seriesId}/observations`],
      ['DELETE', `/v1/series/${seriesId}`],
      ['POST', '/v1/forecasts'],
      ['POST', '/v1/backtests'],
      ['POST', '/v1/finetunes'],
      ['POST', '/v1/schedules'],
      ['PATCH', `/v1/schedules/${scheduleId}`],
      ['DELETE', `/v1/schedules/${scheduleId}`],
      ['POST', '/v1/api-keys'],
      ['DELETE', `/v1/api-keys/00000000-0000-4000-8000-000000000000`],
    ];
    await fc.assert(
      // Bodies are objects: the JSON parser (before authentication) refuses bare scalars as MALFORMED_JSON.
      fc.asyncProperty(fc.constantFrom(...writes), fc.record({ name: fc.string({ maxLength: 10 }), extra: anyJson }), async ([method, path], body) => {
        sent++;
        const r = await stack.request(method, path, { key: readOnly, body: JSON.stringify(body), contentType: 'application/json' });
        if (r.status !== 403 || r.body?.error?.code !== 'INSUFFICIENT_SCOPE') throw new Error(`${method} ${path} -> ${r.status} ${r.text.slice(0, 200)}`);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({
            scopes: fc.oneof(
              anyJson.filter((v) => !Array.isArray(v)),
              fc.constant([]),
            ),
          }),
          fc
            .record({ scopes: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('ADMIN', 'read ', 'root', '*')), { minLength: 1, maxLength: 4 }) })
            .filter((b) => !b.scopes.every((x) => ['admin', 'write', 'read'].includes(x)) || new Set(b.scopes).size !== b.scopes.length),
          fc.record({ scopes: fc.constant(['admin', 'write', 'read', 'admin']) }),
        ),
        async (body) => expect4xx('POST', '/v1/api-keys', JSON.stringify(body)),
      ),
      { numRuns: 60 },
    );
    // A read+write key may not mint, even a narrower key.
    const escalate = await stack.request('POST', '/v1/api-keys', { key: writer, json: { scopes: ['read'] } });
    expect([escalate.status, escalate.body.error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(await digest()).toBe(before);
  });

  it('well-formed from/to on the forecast listing still filter, as ISO 8601 (any offset) or epoch ms', async () => {
    const data = { timestamps: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z'], values: [[1, 2, 3]] };
    const made = await stack.request('POST', '/v1/forecasts', { key, json: { data, horizon: 2, wait: 0 } });
    expect(made.status).toBe(202);
    const at = Date.parse(made.body.createdAt);
    const ids = async (query: string) => {
      const r = await stack.request('GET', `/v1/forecasts?${query}`, { key });
      expect(r.status, r.text).toBe(200);
      return r.body.items.map((f: { id: string }) => f.id);
    };
    expect(await ids(`from=${encodeURIComponent(new Date(at).toISOString())}`)).toContain(made.body.id);
    expect(await ids(`from=${at}&to=${at + 1}`)).toContain(made.body.id);
    expect(await ids(`from=${at + 1}`)).not.toContain(made.body.id);
    expect(await ids(`to=${encodeURIComponent(new Date(at - 1).toISOString())}`)).not.toContain(made.body.id);
    // An offset names the same instant: 02:00+02:00 is midnight UTC.
    expect(await ids(`from=${encodeURIComponent('2000-01-01T02:00:00+02:00')}`)).toContain(made.body.id);
    expect(await ids(`to=${encodeURIComponent('2000-01-01T02:00:00+02:00')}`)).toEqual([]);
  });

  it('sent a corpus worth the name', () => {
    expect(sent).toBeGreaterThanOrEqual(400);
  });
});
