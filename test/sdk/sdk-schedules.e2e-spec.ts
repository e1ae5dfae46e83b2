import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsfmApiError, TsfmClient } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { Stack, startStack } from '../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function apiError(p: Promise<unknown>): Promise<TsfmApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TsfmApiError) return err;
    throw err;
  }
  throw new Error('expected a TsfmApiError');
}

describe('@tsfm/sdk schedules against the real api and worker', () => {
  let stack: Stack;
  let client: TsfmClient;
  let other: TsfmClient;
  let seriesId: string;

  beforeAll(async () => {
    // Second-level crons: the floor between ticks off.
    stack = await startStack({ env: { TSFM_SCHEDULE_MIN_INTERVAL_S: '0' } });
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: (await stack.tenant()).key });
    other = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: (await stack.tenant()).key });
    const m4 = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 200 })[0];
    seriesId = (await client.series.create({ name: 'sched', tags: ['sdk'] })).id;
    await client.uploadObservations(seriesId, { timestamps: m4.timestamps, values: [m4.values] });
  });
  afterAll(() => stack.close());

  it('create, get, iterate, runs, pause, resume, update and delete', async () => {
    const s = await client.schedules.create({ name: 'every-second', cron: '* * * * * *', tag: 'sdk', forecast: { model: 'xlstm-dev', horizon: 3 } });
    expect(s).toMatchObject({ name: 'every-second', tag: 'sdk', enabled: true, overlap: 'skip', catchUp: false, timezone: 'UTC' });
    expect((await client.schedules.get(s.id)).id).toBe(s.id);
    await client.schedules.create({ name: 'second', cron: '0 0 1 1 *', seriesIds: [seriesId], forecast: { until: 'P1D' }, enabled: false });
    const names: string[] = [];
    for await (const x of client.schedules.iterate({ limit: 1 })) names.push(x.name);
    expect(names).toEqual(['every-second', 'second']);

    const deadline = Date.now() + 60_000;
    let done;
    while (!done && Date.now() < deadline) {
      done = (await client.schedules.runs(s.id, { state: 'SUCCEEDED' })).items[0];
      if (!done) await sleep(200);
    }
    expect(done).toMatchObject({ scheduleId: s.id, state: 'SUCCEEDED', seriesQueued: 1, seriesSucceeded: 1, seriesFailed: 0 });
    expect(done!.forecastIds).toHaveLength(1);
    const f = await client.forecasts.get(done!.forecastIds[0]);
    expect(f.status).toBe('SUCCEEDED');
    expect(f.series[0].timestamps).toHaveLength(3);
    expect(Date.parse(done!.finishedAt!) - Date.parse(done!.startedAt!)).toBe(done!.durationMs);

    const paused = await client.schedules.pause(s.id);
    expect([paused.enabled, paused.nextRunAt]).toEqual([false, null]);
    await sleep(1500); // let a tick in flight settle
    const before = [];
    for await (const r of client.schedules.iterateRuns(s.id, { limit: 2 })) before.push(r);
    await sleep(2500);
    const after = (await client.schedules.runs(s.id, { limit: 500 })).items;
    expect(after.length).toBe(before.length);
    const ticks = before.map((r) => Date.parse(r.scheduledFor));
    expect(ticks).toEqual([...ticks].sort((a, b) => b - a)); // newest first

    const resumed = await client.schedules.resume(s.id);
    expect(resumed.enabled).toBe(true);
    expect(Date.parse(resumed.nextRunAt!)).toBeGreaterThan(Date.now() - 1000);
    const changed = await client.schedules.update(s.id, { cron: '0 3 * * *', timezone: 'Asia/Tokyo' });
    expect(new Date(changed.nextRunAt!).getUTCHours()).toBe(18); // 03:00 in Tokyo

    await client.schedules.delete(s.id);
    expect((await apiError(client.schedules.get(s.id))).code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('surfaces validation codes and tenant isolation as TsfmApiError', async () => {
    const bad = await apiError(client.schedules.create({ name: 'x', cron: '0 25 * * *', seriesIds: [seriesId], forecast: { horizon: 2 } }));
    expect([bad.status, bad.code]).toEqual([422, 'INVALID_CRON']);
    const tz = await apiError(
      client.schedules.create({ name: 'x', cron: '0 2 * * *', timezone: 'Europe/Atlantis', seriesIds: [seriesId], forecast: { horizon: 2 } }),
    );
    expect([tz.status, tz.code]).toEqual([422, 'INVALID_TIMEZONE']);
    const mine = await client.schedules.create({ name: 'private', cron: '0 2 * * *', seriesIds: [seriesId], forecast: { horizon: 2 } });
    const calls = [
      () => other.schedules.get(mine.id),
      () => other.schedules.pause(mine.id),
      () => other.schedules.runs(mine.id),
      () => other.schedules.delete(mine.id),
    ];
    for (const call of calls) {
      const e = await apiError(call());
      expect([e.status, e.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
    }
    expect((await client.schedules.get(mine.id)).enabled).toBe(true);
  });
});
