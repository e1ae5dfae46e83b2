// The calls both SDK runtime smokes make (test/sdk/node18-smoke.mjs on Node 18, and the page of
// test/sdk/sdk-browser.e2e-spec.ts in Chromium), with the built SDK's exports `sdk` and a client:
// `count` series (names `${prefix}-k`, tag `tag`), the first given 600 hourly points uploaded in
// requests under `limit` bytes and read back, a synchronous forecast, cursor pagination (one series
// per page) and a typed 404. Series creation comes first: in a browser it is a preflighted write.
export async function commonCalls(sdk, client, { limit, prefix, tag, count }) {
  const out = {};
  const series = [];
  for (let k = 0; k < count; k++) series.push(await client.series.create({ name: `${prefix}-${k}`, frequency: '1h', tags: [tag] }));
  const t0 = Date.UTC(2024, 0, 1);
  const timestamps = Array.from({ length: 600 }, (_, i) => new Date(t0 + i * 3_600_000).toISOString());
  const values = [timestamps.map((_, i) => Math.round((100 + 10 * Math.sin((2 * Math.PI * i) / 24)) * 1000) / 1000)];
  const up = await client.uploadObservations(series[0].id, { timestamps, values }, { maxBytes: limit });
  out.upload = { written: up.written, requests: up.requests, expectedRequests: sdk.splitObservations({ timestamps, values }, { maxBytes: limit }).length };
  const back = await client.series.readObservations(series[0].id);
  out.readBack = back.timestamps.length === 600 && back.values[0].every((v, i) => v === values[0][i]);
  const f = await client.forecast({ seriesIds: [series[0].id], horizon: 24, quantiles: [0.1, 0.5, 0.9], model: 'xlstm-dev' });
  out.forecast = {
    status: f.status,
    steps: f.series[0].median.length,
    ordered: f.series[0].quantiles['0.1'].every((v, i) => v <= f.series[0].quantiles['0.9'][i]),
  };
  const names = [];
  for await (const s of client.series.iterate({ tag, limit: 1 })) names.push(s.name);
  out.iterated = names.sort();
  const e = await client.series.get('00000000-0000-4000-8000-000000000000').then(
    () => null,
    (err) => err,
  );
  out.notFound = { api: e instanceof sdk.TsfmApiError, status: e.status, code: e.code, requestId: typeof e.requestId === 'string' && e.requestId.length >= 8 };
  return { out, series, timestamps, values };
}
