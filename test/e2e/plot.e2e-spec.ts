import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, startStack } from '../support/stack';

const H = 3_600_000;

/** GET /v1/forecasts/{id}/plot.svg: named by the series, a panel per channel, channels selectable. */
describe('forecast plot', () => {
  let stack: Stack;
  let key: string;
  let seriesId: string;
  let forecastId: string;
  const name = 'building <7> & "north"';

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    const s = await stack.request('POST', '/v1/series', { key, json: { name, channels: ['load', 'temp'] } });
    seriesId = s.body.id;
    const t0 = Date.parse('2024-03-01T00:00:00Z');
    const timestamps = Array.from({ length: 240 }, (_, i) => new Date(t0 + i * H).toISOString());
    const values = [timestamps.map((_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 24)), timestamps.map((_, i) => 10 + 3 * Math.cos((2 * Math.PI * i) / 24))];
    expect((await stack.request('POST', `/v1/series/${seriesId}/observations`, { key, json: { timestamps, values } })).status).toBe(200);
    const f = await stack.request('POST', '/v1/forecasts', { key, json: { seriesIds: [seriesId], horizon: 12, model: 'xlstm-dev', wait: 60 } });
    expect(f.body.status).toBe('SUCCEEDED');
    forecastId = f.body.id;
  });
  afterAll(() => stack.close());

  const panels = (svg: string) => [...svg.matchAll(/<g class="panel" data-channel="([^"]*)">/g)].map((m) => m[1]);

  it('titles the plot by the series name (escaped) and draws both channels on a date axis', async () => {
    const r = await stack.request('GET', `/v1/forecasts/${forecastId}/plot.svg`, { key });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('image/svg+xml');
    expect(r.text).toContain('font-weight="bold">building &lt;7&gt; &amp; &quot;north&quot;</text>');
    expect(r.text).not.toContain(seriesId);
    expect(panels(r.text)).toEqual(['load', 'temp']);
    expect(r.text.match(/stroke="#1f77b4" stroke-width="2"/g)).toHaveLength(2);
    // 50 hours of history (three horizons, at least 50) and 12 forecast hours: HH:MM with the dates under day changes.
    const axis = [...r.text.matchAll(/text-anchor="middle">(\d{4}-\d\d-\d\d)<\/text>/g)].map((m) => m[1]);
    expect(axis.length).toBeGreaterThanOrEqual(2);
    expect(new Set(axis).size).toBe(axis.length);
  });

  it('?channel= picks channels in the given order; an unknown one is 404 CHANNEL_NOT_FOUND listing the channels', async () => {
    expect(panels((await stack.request('GET', `/v1/forecasts/${forecastId}/plot.svg?channel=temp`, { key })).text)).toEqual(['temp']);
    expect(panels((await stack.request('GET', `/v1/forecasts/${forecastId}/plot.svg?channel=temp,load`, { key })).text)).toEqual(['temp', 'load']);
    const bad = await stack.request('GET', `/v1/forecasts/${forecastId}/plot.svg?channel=load,humidity`, { key });
    expect(bad.status).toBe(404);
    expect(bad.body.error).toMatchObject({ code: 'CHANNEL_NOT_FOUND', details: { channels: ['load', 'temp'] } });
    expect(bad.body.error.message).toContain('"humidity"');
    expect(bad.body.error.requestId).toEqual(expect.any(String));
    const other = await stack.request('GET', `/v1/forecasts/${forecastId}/plot.svg?seriesId=00000000-0000-4000-8000-000000000000`, { key });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('SERIES_NOT_FOUND');
  });

  it('inline data is titled "inline data"', async () => {
    const t0 = Date.parse('1750-01-01T00:00:00Z');
    const timestamps = Array.from({ length: 120 }, (_, i) => new Date(t0 + i * 86_400_000).toISOString());
    const f = await stack.request('POST', '/v1/forecasts', {
      key,
      json: { data: { timestamps, values: [timestamps.map((_, i) => 5 + Math.sin(i / 3))], channels: ['temp'] }, horizon: 7, model: 'xlstm-dev', wait: 60 },
    });
    expect(f.body.status, JSON.stringify(f.body)).toBe('SUCCEEDED');
    const r = await stack.request('GET', `/v1/forecasts/${f.body.id}/plot.svg`, { key });
    expect(r.text).toContain('font-weight="bold">inline data</text>');
    expect(panels(r.text)).toEqual(['temp']);
  });
});
