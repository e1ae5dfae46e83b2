import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyJson, databaseDigest } from '../support/bad-input';
import { Stack, startStack } from '../support/stack';

/** Every write, however malformed, answers a JSON 4xx and leaves the database exactly as it was. */
describe('bad-input corpus (property-based, against the real api)', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;
  let foreignSeries: string;
  let scheduleId: string;
  let foreignSchedule: string;
  let sent = 0;

  const digest = () => databaseDigest(stack);

  async function expect4xx(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<void> {
    sent++;
    const r = await stack.request(method, path, { key, body, contentType });
    if (r.status < 400 || r.status >= 500 || !r.body?.error?.code) {
      throw new Error(`${method} ${path} ${contentType} ${String(body).slice(0, 300)} -> ${r.status} ${r.text.slice(0, 300)}`);
    }
  }

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { TSFM_MAX_BODY_BYTES: '256kb', TSFM_MAX_POINTS_PER_REQUEST: '1000' } });
    key = (await stack.tenant()).key;
    const other = (await stack.tenant()).key;
    seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 'target', channels: ['a', 'b'] } })).body.id;
    foreignSeries = (await stack.request('POST', '/v1/series', { key: other, json: { name: 'theirs' } })).body.id;
    const schedule = { cron: '0 3 * * *', timezone: 'UTC', forecast: { horizon: 4 }, enabled: false };
    scheduleId = (await stack.request('POST', '/v1/schedules', { key, json: { name: 'mine', seriesIds: [seriesId], ...schedule } })).body.id;
    foreignSchedule = (await stack.request('POST', '/v1/schedules', { key: other, json: { name: 'theirs', seriesIds: [foreignSeries], ...schedule } })).body.id;
    expect([scheduleId, foreignSchedule].every((x) => typeof x === 'string')).toBe(true);
  });
  afterAll(() => stack.close());

  const badTimestamp = fc.oneof(
    fc.constantFrom('0000-12-31T23:00:00Z', '10000-01-01', '+010000-01-01T00:00:00Z', '2024-02-30', 'yesterday', '', 'NaN', 1.5, -1e20, null, true, {}),
    // Not an epoch-milliseconds string: the parser trims characters up to U+0020 first (' 0' is 1970-01-01).
    // eslint-disable-next-line no-control-regex -- skips strings a number parser would read after leading control/space characters
    fc.string({ maxLength: 30 }).filter((s) => !/^[\x00-\x20]*-?\d/.test(s)),
  );
  const badValue = fc.oneof(fc.constantFrom('NaN', 'Infinity', '1.5', true, {}, [], 'abc'), fc.string({ minLength: 1, maxLength: 10 }));

  it('POST /v1/series with arbitrary bodies', async () => {
    const before = await digest();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
          fc.record({ name: anyJson.filter((v) => typeof v !== 'string' || v.length === 0 || v.length > 200) }),
          fc.record({
            name: fc.constant('ok-name'),
            channels: fc.oneof(
              fc.constant([]),
              fc.array(
                anyJson.filter((v) => typeof v !== 'string'),
                { minLength: 1 },
              ),
            ),
          }),
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
          fc
            .tuple(fc.integer({ min: 1, max: 50 }), badValue)
            .map(([n, bad]) => ({ timestamps: good(n), values: [good(n).map((_, i) => (i === n - 1 ? bad : 1)), good(n).map(() => null)] })),
          // duplicates and unsorted timestamps with a duplicate
          fc
            .integer({ min: 2, max: 30 })
            .map((n) => ({ timestamps: [...good(n).reverse(), good(n)[0]], values: [Array(n + 1).fill(1), Array(n + 1).fill(2)] })),
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
        await expect4xx(
          'POST',
          `/v1/series/${seriesId}/observations`,
          `timestamp,a,b\n2024-01-01,1,2\n${junk.replace(/\n/g, ' ')},${String(bad)}\n`,
          'text/csv',
        );
        await expect4xx('POST', `/v1/series/${seriesId}/observations`, `{"timestamp":"2024-01-01","values":[1,2]}\n{${junk}`, 'application/x-ndjson');
      }),
      { numRuns: 80 },
    );
    // Invalid UTF-8 inside an otherwise broken body, CSV with 1e999 and an unknown media type.
    await expect4xx(
      'POST',
      `/v1/series/${seriesId}/observations`,
      Buffer.concat([Buffer.from('{"timestamps": ["'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"], "values": [[1],[2]]}')]),
    );
    await expect4xx('POST', `/v1/series/${seriesId}/observations`, 'timestamp,a,b\n2024-01-01,1e999,1\n', 'text/csv');
    await expect4xx('POST', `/v1/series/${seriesId}/observations`, '<xml/>', 'application/xml');
    expect(await digest()).toBe(before);
  });

  it('POST /v1/finetunes, /v1/backtests, /v1/schedules and PATCH/pause/delete of schedules, malformed or with foreign ids', async () => {
    const before = await digest();
    const bad = <T>(...xs: T[]) => fc.constantFrom(...xs);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ name: bad('bad name', '', 'x'.repeat(37), '../etc', "'; --", 42 as unknown as string), tag: fc.constant('t'), horizon: fc.constant(4) }),
          fc.record({ name: fc.constant('ok'), seriesIds: bad([foreignSeries], ['not-a-uuid'], [], [seriesId, seriesId]), horizon: fc.constant(4) }),
          fc.record({ name: fc.constant('ok'), seriesIds: fc.constant([seriesId]), horizon: bad<unknown>(0, -1, 1.5, '4', 1e9, null) }),
          fc.record({ name: fc.constant('ok'), tag: fc.constant('t'), horizon: fc.constant(4), steps: bad<unknown>(0, -5, 1e9, 'NaN', 2.5) }),
          fc.record({ name: fc.constant('ok'), tag: fc.constant('t'), horizon: fc.constant(4), learningRate: bad<unknown>(0, -1, 'NaN', 1e308, 2) }),
          fc.record({
            name: fc.constant('ok'),
            tag: fc.constant('t'),
            horizon: fc.constant(4),
            loss: bad<unknown>('huber', 1, null),
            method: bad<unknown>('deep', 3),
          }),
          fc.record({ name: fc.constant('ok'), tag: fc.constant('t'), horizon: fc.constant(4), baseModel: bad('nope', "x'; --", '../../etc/passwd') }),
          fc.record({
            name: fc.constant('ok'),
            tag: fc.constant('t'),
            horizon: fc.constant(4),
            method: fc.constant('full'),
            baseModel: fc.constant('xlstm-dev'),
          }),
          fc.record({ name: fc.constant('ok'), tag: fc.constant('t'), horizon: fc.constant(4), surprise: anyJson }),
          anyJson,
        ),
        async (body) => expect4xx('POST', '/v1/finetunes', JSON.stringify(body)),
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ seriesIds: bad([foreignSeries], ['not-a-uuid'], [], [seriesId, seriesId]), models: fc.constant(['naive']), horizon: fc.constant(4) }),
          fc.record({
            seriesIds: fc.constant([seriesId]),
            models: bad<unknown>([], ['nope'], ['../x'], 'ets', [1], ['naive', 'naive']),
            horizon: fc.constant(4),
          }),
          fc.record({ seriesIds: fc.constant([seriesId]), models: fc.constant(['naive']), horizon: bad<unknown>(0, -1, 1.5, '4', 1e9) }),
          fc.record({
            seriesIds: fc.constant([seriesId]),
            models: fc.constant(['naive']),
            horizon: fc.constant(4),
            windows: bad<unknown>(0, -1, 1e9, '3', 2.5),
          }),
          fc.record({ seriesIds: fc.constant([seriesId]), models: fc.constant(['naive']), horizon: fc.constant(4), step: bad<unknown>(0, -4, 'x', 1e12) }),
          fc.record({
            seriesIds: fc.constant([seriesId]),
            models: fc.constant(['naive']),
            horizon: fc.constant(4),
            quantiles: bad<unknown>([0], [1.5], ['0.5'], [0.5, 0.5]),
          }),
          fc.record({ seriesIds: fc.constant([seriesId]), models: fc.constant(['naive']), horizon: fc.constant(4), surprise: anyJson }),
          anyJson,
        ),
        async (body) => expect4xx('POST', '/v1/backtests', JSON.stringify(body)),
      ),
      { numRuns: 60 },
    );
    const okSchedule = { cron: '0 3 * * *', timezone: 'UTC', seriesIds: [seriesId], forecast: { horizon: 4 } };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ name: bad<unknown>('', 'x'.repeat(300), 5, null) }).map((o) => ({ ...okSchedule, ...o })),
          fc.record({ name: fc.constant('s'), cron: bad<unknown>('nope', '61 * * * *', '* * *', '', 5, "'; --") }).map((o) => ({ ...okSchedule, ...o })),
          fc
            .record({ name: fc.constant('s'), timezone: bad<unknown>('Mars/Base', 'UTC+99', '', 1, '../../etc/localtime') })
            .map((o) => ({ ...okSchedule, ...o })),
          fc
            .record({
              name: fc.constant('s'),
              forecast: bad<unknown>({}, { horizon: 0 }, { horizon: 4, model: 'nope' }, { horizon: 4, until: 'P2D' }, { until: 'soon' }, 'daily'),
            })
            .map((o) => ({ ...okSchedule, ...o })),
          fc.record({ name: fc.constant('s'), overlap: bad<unknown>('maybe', 1), catchUp: bad<unknown>('yes', 2) }).map((o) => ({ ...okSchedule, ...o })),
          fc.record({ name: fc.constant('s'), seriesIds: bad<unknown>([foreignSeries], ['x'], []) }).map((o) => ({ ...okSchedule, ...o })),
          fc.record({ name: fc.constant('mine') }).map((o) => ({ ...okSchedule, ...o })),
          anyJson,
        ),
        async (body) => expect4xx('POST', '/v1/schedules', JSON.stringify(body)),
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ cron: bad<unknown>('nope', '', 7) }),
          fc.record({ timezone: bad<unknown>('Nowhere/City', 3) }),
          fc.record({ forecast: bad<unknown>({ horizon: -1 }, { horizon: 4, model: '../x' }) }),
          fc.record({ seriesIds: bad<unknown>([foreignSeries], ['nope']) }),
          fc.record({ surprise: anyJson }),
        ),
        async (body) => expect4xx('PATCH', `/v1/schedules/${scheduleId}`, JSON.stringify(body)),
      ),
      { numRuns: 40 },
    );
    // Crons that fire more than once a minute (seconds fields, six-field form) are refused exactly, on create and update.
    const tooFrequent = fc
      .tuple(
        fc.constantFrom('*', '*/2', '*/30', '0,30', '0-59', '*/59', '10,20', '0-1'),
        fc.constantFrom('* * * * *', '*/1 * * * *', '* * * * 1-5', '0-59 * * * *'),
      )
      .map(([sec, rest]) => `${sec} ${rest}`);
    await fc.assert(
      fc.asyncProperty(tooFrequent, fc.boolean(), async (cron, create) => {
        sent++;
        const r = create
          ? await stack.request('POST', '/v1/schedules', { key, json: { ...okSchedule, name: 'fast', cron } })
          : await stack.request('PATCH', `/v1/schedules/${scheduleId}`, { key, json: { cron } });
        if (r.status !== 422 || r.body?.error?.code !== 'SCHEDULE_TOO_FREQUENT') throw new Error(`${cron} -> ${r.status} ${r.text.slice(0, 200)}`);
      }),
      { numRuns: 40 },
    );
    for (const [method, path] of [
      ['PATCH', `/v1/schedules/${foreignSchedule}`],
      ['POST', `/v1/schedules/${foreignSchedule}/pause`],
      ['POST', `/v1/schedules/${foreignSchedule}/resume`],
      ['DELETE', `/v1/schedules/${foreignSchedule}`],
      ['DELETE', '/v1/finetunes/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/v1/models/xlstm-dev'],
      ['DELETE', "/v1/models/x'; --"],
    ]) {
      await expect4xx(method, path, JSON.stringify({ enabled: true }));
    }
    expect(await digest()).toBe(before);
  });

  it("inline forecast data answers each fault with the status and code a stored series' upload answers", async () => {
    const before = await digest();
    const ts = ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z'];
    // TSFM_MAX_POINTS_PER_REQUEST is 1,000 here: 501 rows of 2 channels are one point too many.
    const big = Array.from({ length: 501 }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
    // [fault, timestamps, values, status, code]: the same rows go to the stored series (channels a, b) and inline.
    const rows: [string, unknown, unknown, number, string][] = [
      [
        'bad timestamp',
        [ts[0], '2024-02-30', ts[2]],
        [
          [1, 2, 3],
          [1, 2, 3],
        ],
        422,
        'INVALID_TIMESTAMP',
      ],
      [
        'a timestamp of the wrong type',
        [ts[0], true, ts[2]],
        [
          [1, 2, 3],
          [1, 2, 3],
        ],
        422,
        'INVALID_TIMESTAMP',
      ],
      [
        'duplicate among unsorted',
        [ts[2], ts[0], ts[2]],
        [
          [1, 2, 3],
          [1, 2, 3],
        ],
        422,
        'DUPLICATE_TIMESTAMP',
      ],
      [
        '"NaN" as a value',
        ts,
        [
          [1, 'NaN', 3],
          [1, 2, 3],
        ],
        422,
        'NAN_VALUE',
      ],
      [
        'a numeric string',
        ts,
        [
          [1, '2', 3],
          [1, 2, 3],
        ],
        422,
        'NON_NUMERIC_VALUE',
      ],
      [
        'a boolean',
        ts,
        [
          [1, true, 3],
          [1, 2, 3],
        ],
        422,
        'NON_NUMERIC_VALUE',
      ],
      [
        'a short channel array',
        ts,
        [
          [1, 2],
          [1, 2, 3],
        ],
        422,
        'CHANNEL_COUNT_MISMATCH',
      ],
      ['a channel that is not an array', ts, [5, [1, 2, 3]], 422, 'CHANNEL_COUNT_MISMATCH'],
      [
        'three channels for two',
        ts,
        [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
        ],
        422,
        'CHANNEL_COUNT_MISMATCH',
      ],
      ['timestamps not an array', 'x', [[1], [1]], 400, 'VALIDATION_FAILED'],
      ['no timestamps', [], [[], []], 400, 'VALIDATION_FAILED'],
      ['too many points', big, [big.map(() => 1), big.map(() => 1)], 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [fault, timestamps, values, status, code] of rows) {
      const stored = await stack.request('POST', `/v1/series/${seriesId}/observations`, { key, json: { timestamps, values } });
      const inline = await stack.request('POST', '/v1/forecasts', { key, json: { data: { timestamps, values, channels: ['a', 'b'] }, horizon: 2, wait: 0 } });
      expect([fault, stored.status, stored.body.error?.code]).toEqual([fault, status, code]);
      expect([fault, inline.status, inline.body.error?.code]).toEqual([fault, status, code]);
    }
    // Channel names follow POST /v1/series' rules: both answer VALIDATION_FAILED naming the field.
    const names: [string, unknown[]][] = [
      ['a comma', ['a,b']],
      ['a newline', ['a\nb']],
      ['a formula', ['=HYPERLINK("http://x")']],
      ['duplicates', ['a', 'a']],
      ['empty', ['']],
      ['101 characters', ['x'.repeat(101)]],
      ['not a string', [1]],
      ['none', []],
    ];
    for (const [fault, channels] of names) {
      const created = await stack.request('POST', '/v1/series', { key, json: { name: 'never', channels } });
      const inline = await stack.request('POST', '/v1/forecasts', {
        key,
        json: { data: { timestamps: ts, values: [[1, 2, 3]], channels }, horizon: 2, wait: 0 },
      });
      const fields = (r: typeof inline) => r.body.error?.details?.map((d: { field: string }) => d.field);
      expect([fault, created.status, created.body.error?.code, fields(created)]).toEqual([fault, 400, 'VALIDATION_FAILED', ['channels']]);
      expect([fault, inline.status, inline.body.error?.code, fields(inline)]).toEqual([fault, 400, 'VALIDATION_FAILED', ['data.channels']]);
    }
    // At most 256 channels, as for a stored series; unknown fields and non-objects are refused.
    const wide = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: ts, values: Array.from({ length: 257 }, () => [1, 2, 3]) }, horizon: 2, wait: 0 },
    });
    expect([wide.status, wide.body.error?.code, wide.body.error?.details?.map((d: { field: string }) => d.field)]).toEqual([
      400,
      'VALIDATION_FAILED',
      ['data.values'],
    ]);
    for (const data of [{ timestamps: ts, values: [[1, 2, 3]], extra: 1 }, 'x', [ts], null]) {
      const r = await stack.request('POST', '/v1/forecasts', { key, json: { data, horizon: 2, wait: 0 } });
      expect([JSON.stringify(data), r.status, r.body.error?.code]).toEqual([JSON.stringify(data), 400, 'VALIDATION_FAILED']);
    }
    const nullIds = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: null, horizon: 2, wait: 0 } });
    expect([nullIds.status, nullIds.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await digest()).toBe(before);
    // Valid inline data is still accepted (no worker here: queued), sorted, with its channel names.
    const ok = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps: [ts[2], ts[0], ts[1]], values: [[3, 1, null]], channels: ['load.kw'] }, horizon: 2, wait: 0 },
    });
    expect([ok.status, ok.body.status]).toEqual([202, 'QUEUED']);
    const [row] = await stack.sql<{ data: unknown }>(`SELECT request->'data' AS data FROM forecasts WHERE id = $1`, [ok.body.id]);
    expect(row.data).toEqual({ timestamps: ts.map(Date.parse), values: [[1, null, 3]], channels: ['load.kw'] });
  });

  it("POST /v1/forecasts malformed, and other tenants' or forged ids anywhere", async () => {
    const before = await digest();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ seriesIds: fc.constantFrom([foreignSeries], ['not-a-uuid'], [], [seriesId, seriesId], ["'; --"]), horizon: fc.constant(4) }),
          fc.record({
            seriesIds: fc.constant([seriesId]),
            horizon: fc.oneof(fc.constant(0), fc.constant(-1), fc.constant(1.5), fc.constant(1e9), fc.constant('4')),
          }),
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
