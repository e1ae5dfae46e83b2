import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyQueue, QueueName, queueBackend } from '#jobs';
import { readSeries } from '../support/data';
import { Stack, startStack, startWorkerProcess } from '../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunRow {
  id: string;
  scheduled_for: Date;
  state: string;
  reason: string | null;
  catch_up: boolean;
  series_queued: number;
  series_succeeded: number;
  series_failed: number;
  forecast_ids: string[];
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

const FORECAST = { model: 'xlstm-dev', horizon: 6, quantiles: [0.1, 0.5, 0.9] };

describe('schedules API: CRUD, validation, timers, isolation', () => {
  let stack: Stack;
  let key: string;
  let other: string;
  let seriesId: string;
  let timers: AnyQueue;

  beforeAll(async () => {
    // These tests tick every second or two: the floor between ticks (its own tests below) is off.
    stack = await startStack({ worker: false, env: { TSFM_SCHEDULE_MIN_INTERVAL_S: '0' } });
    key = (await stack.tenant()).key;
    other = (await stack.tenant()).key;
    seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 's1', tags: ['eu'] } })).body.id;
    const b = queueBackend(stack.config.queue);
    timers = new b.classes.Queue(QueueName.Schedule, { connection: b.connection(), prefix: b.prefix });
  });
  afterAll(async () => {
    await timers.close();
    await stack.close();
  });

  it('creates a schedule with defaults, a BullMQ job scheduler and a next run time', async () => {
    const r = await stack.request('POST', '/v1/schedules', {
      key,
      json: { name: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', tag: 'eu', forecast: FORECAST },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'nightly',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      tag: 'eu',
      seriesIds: null,
      enabled: true,
      overlap: 'skip',
      catchUp: false,
      forecast: { model: 'xlstm-dev', horizon: 6, quantiles: [0.1, 0.5, 0.9] },
      url: `/v1/schedules/${r.body.id}`,
    });
    // 02:00 in Berlin is 00:00 or 01:00 UTC depending on daylight saving.
    const next = new Date(r.body.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect([0, 1]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(0);
    const timer = await timers.getJobScheduler(r.body.id);
    expect(timer).toMatchObject({ pattern: '0 2 * * *', tz: 'Europe/Berlin' });
    expect(Number(timer!.next)).toBe(next.getTime());
    const row = await stack.sql<{ model_id: string }>(`SELECT model_id FROM schedules WHERE id = $1`, [r.body.id]);
    expect(row).toEqual([{ model_id: 'xlstm-dev' }]);
  });

  it.each([
    [{ cron: 'every day' }, 422, 'INVALID_CRON'],
    [{ cron: '61 * * * *' }, 422, 'INVALID_CRON'],
    [{ cron: '* * * *' }, 422, 'INVALID_CRON'],
    [{ timezone: 'Mars/Olympus_Mons' }, 422, 'INVALID_TIMEZONE'],
    [{ tag: 'eu', seriesIds: undefined, extra: 1 }, 400, 'VALIDATION_FAILED'],
    [{ tag: 'eu' }, 400, 'VALIDATION_FAILED'],
    [{ seriesIds: undefined }, 400, 'VALIDATION_FAILED'],
    [{ forecast: undefined }, 400, 'VALIDATION_FAILED'],
    [{ forecast: { horizon: 6, until: 'P1D' } }, 400, 'VALIDATION_FAILED'],
    [{ forecast: { until: 'tomorrow' } }, 400, 'VALIDATION_FAILED'],
    [{ forecast: { horizon: 6, quantiles: [0.33] } }, 422, 'QUANTILE_NOT_AVAILABLE'],
    [{ forecast: { horizon: 6, model: 'no-such-model' } }, 422, 'UNKNOWN_MODEL'],
    [{ forecast: { horizon: 99999 } }, 422, 'HORIZON_TOO_LONG'],
    [{ overlap: 'parallel' }, 400, 'VALIDATION_FAILED'],
    [{ seriesIds: ['00000000-0000-4000-8000-000000000000'] }, 404, 'SERIES_NOT_FOUND'],
  ])('rejects %j with %i %s and writes nothing', async (patch, status, code) => {
    const before = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM schedules`);
    const json = { name: `bad-${code}`, cron: '*/5 * * * *', seriesIds: [seriesId], forecast: FORECAST, ...patch };
    const r = await stack.request('POST', '/v1/schedules', { key, json });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(await stack.sql(`SELECT count(*)::int AS n FROM schedules`)).toEqual(before);
  });

  it('accepts a 6-field cron with seconds and an until duration; a taken name is 409', async () => {
    const json = { name: 'fast', cron: '*/2 * * * * *', seriesIds: [seriesId], forecast: { until: 'PT12H' } };
    const r = await stack.request('POST', '/v1/schedules', { key, json });
    expect(r.status).toBe(201);
    expect(r.body.forecast).toMatchObject({ until: 'PT12H' });
    expect(new Date(r.body.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(2000);
    const again = await stack.request('POST', '/v1/schedules', { key, json });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SCHEDULE_NAME_TAKEN');
    // Another tenant may use the name.
    const s2 = (await stack.request('POST', '/v1/series', { key: other, json: { name: 'x' } })).body.id;
    expect((await stack.request('POST', '/v1/schedules', { key: other, json: { ...json, seriesIds: [s2] } })).status).toBe(201);
  });

  it('PATCH changes cron, timezone and template and re-arms the timer; pause/resume remove and restore it', async () => {
    const c = await stack.request('POST', '/v1/schedules', { key, json: { name: 'p', cron: '0 * * * *', seriesIds: [seriesId], forecast: FORECAST } });
    const id = c.body.id;
    const p = await stack.request('PATCH', `/v1/schedules/${id}`, {
      key,
      json: { cron: '30 6 * * 1', timezone: 'America/New_York', forecast: { model: 'xlstm-dev', horizon: 12 } },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ cron: '30 6 * * 1', timezone: 'America/New_York', forecast: { model: 'xlstm-dev', horizon: 12 } });
    expect(await timers.getJobScheduler(id)).toMatchObject({ pattern: '30 6 * * 1', tz: 'America/New_York' });
    expect((await stack.request('PATCH', `/v1/schedules/${id}`, { key, json: { cron: 'nope' } })).body.error.code).toBe('INVALID_CRON');
    expect((await stack.request('PATCH', `/v1/schedules/${id}`, { key, json: { timezone: 'Nowhere/City' } })).body.error.code).toBe('INVALID_TIMEZONE');
    expect((await stack.request('GET', `/v1/schedules/${id}`, { key })).body.cron).toBe('30 6 * * 1');

    const paused = await stack.request('POST', `/v1/schedules/${id}/pause`, { key });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
    expect(await timers.getJobScheduler(id)).toBeUndefined();
    const resumed = await stack.request('POST', `/v1/schedules/${id}/resume`, { key });
    expect(resumed.body.enabled).toBe(true);
    expect(await timers.getJobScheduler(id)).toMatchObject({ pattern: '30 6 * * 1' });

    const patchModel = await stack.request('PATCH', `/v1/schedules/${id}`, { key, json: { forecast: { model: 'ssm-dev', horizon: 4 } } });
    expect(patchModel.status).toBe(200);
    expect((await stack.sql(`SELECT model_id FROM schedules WHERE id = $1`, [id]))[0]).toEqual({ model_id: 'ssm-dev' });

    expect((await stack.request('DELETE', `/v1/schedules/${id}`, { key })).status).toBe(204);
    expect(await timers.getJobScheduler(id)).toBeUndefined();
    expect((await stack.request('GET', `/v1/schedules/${id}`, { key })).status).toBe(404);
    expect((await stack.request('DELETE', `/v1/schedules/${id}`, { key })).status).toBe(404);
  });

  it("another tenant's schedule answers 404 everywhere and is not listed", async () => {
    const id = (await stack.request('POST', '/v1/schedules', { key, json: { name: 'mine', cron: '0 0 * * *', seriesIds: [seriesId], forecast: FORECAST } }))
      .body.id;
    for (const [m, p] of [
      ['GET', ''],
      ['PATCH', ''],
      ['GET', '/runs'],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['DELETE', ''],
    ] as const) {
      const r = await stack.request(m, `/v1/schedules/${id}${p}`, { key: other, json: m === 'PATCH' ? { enabled: false } : undefined });
      expect([m, p, r.status, r.body.error.code]).toEqual([m, p, 404, 'SCHEDULE_NOT_FOUND']);
    }
    expect((await stack.request('GET', '/v1/schedules/not-a-uuid', { key })).status).toBe(404);
    expect((await stack.request('GET', `/v1/schedules/${id}`, { key })).body.enabled).toBe(true);
    expect(await timers.getJobScheduler(id)).toBeDefined();
    const theirs = await stack.request('GET', '/v1/schedules', { key: other });
    expect(theirs.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    // A schedule cannot name another tenant's series.
    const r = await stack.request('POST', '/v1/schedules', {
      key: other,
      json: { name: 'steal', cron: '0 0 * * *', seriesIds: [seriesId], forecast: FORECAST },
    });
    expect([r.status, r.body.error.code]).toEqual([404, 'SERIES_NOT_FOUND']);
  });

  it('lists with cursor pagination', async () => {
    const all = (await stack.request('GET', '/v1/schedules?limit=500', { key })).body.items.map((s: { id: string }) => s.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack.request(
        'GET',
        `/v1/schedules?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { key },
      );
      expect(page.body.items.length).toBe(1);
      seen.push(page.body.items[0].id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect((await stack.request('GET', '/v1/schedules?cursor=garbage', { key })).body.error.code).toBe('INVALID_CURSOR');
  });
});

describe('schedules running on two worker processes', () => {
  let stack: Stack;
  let key: string;
  const workers: ChildProcess[] = [];
  const tagged: string[] = [];
  let forecastQueue: AnyQueue;

  async function makeSeries(name: string, tags: string[]): Promise<string> {
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 120 })[0];
    const id = (await stack.request('POST', '/v1/series', { key, json: { name, tags } })).body.id;
    const up = await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    expect(up.status).toBe(200);
    return id;
  }

  const runs = (scheduleId: string) => stack.sql<RunRow>(`SELECT * FROM schedule_runs WHERE schedule_id = $1 ORDER BY scheduled_for`, [scheduleId]);

  async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  const finished = async (scheduleId: string, n: number) =>
    waitFor(`${n} finished runs`, async () => {
      const r = (await runs(scheduleId)).filter((x) => ['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED'].includes(x.state));
      return r.length >= n ? r : null;
    });

  async function schedule(json: Record<string, unknown>): Promise<string> {
    const r = await stack.request('POST', '/v1/schedules', { key, json: { forecast: FORECAST, ...json } });
    expect(r.status).toBe(201);
    return r.body.id;
  }

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { TSFM_SCHEDULE_MIN_INTERVAL_S: '0' } });
    key = (await stack.tenant()).key;
    tagged.push(await makeSeries('a', ['fleet']), await makeSeries('b', ['fleet']));
    await makeSeries('untagged', []);
    workers.push(startWorkerProcess(stack), startWorkerProcess(stack));
    const b = queueBackend(stack.config.queue);
    forecastQueue = new b.classes.Queue(QueueName.Forecast, { connection: b.connection(), prefix: b.prefix });
    await waitForWorkers(2);
  });

  /** Both processes consuming (they load models first), so the first ticks are not late. */
  async function waitForWorkers(n: number): Promise<void> {
    await waitFor(`${n} workers`, async () => (await forecastQueue.getWorkersCount()) >= n, 60_000);
  }
  afterAll(async () => {
    for (const w of workers) await kill(w);
    await forecastQueue.close();
    await stack.close();
  });

  it('runs each tick exactly once across two workers, one forecast per member, re-reading members each run', async () => {
    const id = await schedule({ name: 'every2s', cron: '*/2 * * * * *', tag: 'fleet' });
    const first = await finished(id, 3);
    expect(first.slice(0, 3).every((r) => r.series_queued === 2)).toBe(true);
    // A new member between ticks is part of the next run.
    const added = await makeSeries('c', ['fleet']);
    const addedAt = Date.now();
    await waitFor('a run with 3 series', async () => (await runs(id)).find((r) => r.series_queued === 3 && r.state === 'SUCCEEDED'));
    await finished(id, 6);
    expect((await stack.request('POST', `/v1/schedules/${id}/pause`, { key })).status).toBe(200);
    await waitFor('open runs to finish', async () => (await runs(id)).every((r) => !['QUEUED', 'RUNNING'].includes(r.state)));
    const all = await runs(id);
    const ran = all.filter((r) => r.state !== 'SKIPPED');
    const ticks = all.map((r) => new Date(r.scheduled_for).getTime());
    expect(new Set(ticks).size).toBe(all.length);
    // Every tick is on the 2-second grid, and none between the first and the last was lost.
    expect(ticks.every((t) => t % 2000 === 0)).toBe(true);
    expect(ticks.slice(1).map((t, i) => t - ticks[i])).toEqual(Array(ticks.length - 1).fill(2000));
    expect(all.every((r) => r.state === 'SUCCEEDED' || (r.state === 'SKIPPED' && r.reason === 'OVERLAP'))).toBe(true);
    expect(ran.length).toBeGreaterThanOrEqual(6);
    for (const r of ran) {
      expect(r.series_succeeded + r.series_failed).toBe(r.series_queued);
      expect(r.series_succeeded).toBe(r.series_queued);
      expect(r.forecast_ids).toHaveLength(r.series_queued);
      // Runs that started after the new series was tagged include it.
      if (new Date(r.scheduled_for).getTime() > addedAt + 2000) expect(r.series_queued).toBe(3);
    }
    const forecastIds = ran.flatMap((r) => r.forecast_ids);
    const rows = await stack.sql<{ n: number; jobs: number; ok: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT f.job_id)::int AS jobs, count(*) FILTER (WHERE j.state = 'SUCCEEDED')::int AS ok
       FROM forecasts f JOIN jobs j ON j.id = f.job_id WHERE f.tenant_id = (SELECT tenant_id FROM schedules WHERE id = $1)`,
      [id],
    );
    // No forecast outside a run, none twice: forecasts = sum over ticks of the members then.
    expect(rows[0]).toEqual({ n: forecastIds.length, jobs: forecastIds.length, ok: forecastIds.length });
    expect(new Set(forecastIds).size).toBe(forecastIds.length);
    const results = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecast_results WHERE forecast_id = ANY($1)`, [forecastIds]);
    expect(results[0].n).toBe(forecastIds.length);
    // The newest forecast of a member is the schedule's.
    const latest = await stack.request('GET', `/v1/series/${added}/forecasts/latest`, { key });
    expect(latest.status).toBe(200);
    expect(forecastIds).toContain(latest.body.id);
    expect(latest.body.series[0].timestamps).toHaveLength(6);
    // The API view of the runs matches.
    const api = await stack.request('GET', `/v1/schedules/${id}/runs?limit=500`, { key });
    expect(api.body.items.map((r: { id: string }) => r.id)).toEqual([...all].reverse().map((r) => r.id));
    const last = api.body.items.find((r: { state: string }) => r.state === 'SUCCEEDED');
    expect(last.durationMs).toBeGreaterThanOrEqual(0);
    expect(last.durationMs).toBeLessThan(60_000);
  });

  it('a tick delivered several times at once (different job ids, both workers) makes one run', async () => {
    const id = await schedule({ name: 'yearly', cron: '0 0 1 1 *', tag: 'fleet' });
    const [{ tenant_id: tenantId }] = await stack.sql<{ tenant_id: string }>(`SELECT tenant_id FROM schedules WHERE id = $1`, [id]);
    const members = (await stack.sql(`SELECT id FROM series WHERE tenant_id = $1 AND tags @> ARRAY['fleet']`, [tenantId])).length;
    const b = queueBackend(stack.config.queue);
    const ticks: AnyQueue = new b.classes.Queue(QueueName.Schedule, { connection: b.connection(), prefix: b.prefix });
    const tick = Math.floor(Date.now() / 1000) * 1000 - 1000;
    try {
      await Promise.all(
        ['catchup', 'again', 'more', 'extra', 'last'].map((p) => ticks.add('schedule-run', { tenantId, scheduleId: id }, { jobId: `${p}-${id}-${tick}` })),
      );
    } finally {
      await ticks.close();
    }
    const done = await finished(id, 1);
    await sleep(1500);
    const all = await runs(id);
    expect(all).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'SUCCEEDED', series_queued: members, series_succeeded: members });
    expect(new Date(all[0].scheduled_for).getTime()).toBe(tick);
    const forecasts = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecasts WHERE id = ANY($1)`, [all[0].forecast_ids]);
    expect(forecasts[0].n).toBe(members);
    await stack.request('DELETE', `/v1/schedules/${id}`, { key });
  });

  it('pause stops ticks and resume restarts them', async () => {
    const id = await schedule({ name: 'pausable', cron: '*/2 * * * * *', seriesIds: [tagged[0]] });
    await finished(id, 2);
    await stack.request('POST', `/v1/schedules/${id}/pause`, { key });
    const pausedAt = Date.now();
    await sleep(6000);
    const during = (await runs(id)).filter((r) => new Date(r.scheduled_for).getTime() > pausedAt + 500);
    expect(during).toEqual([]);
    await stack.request('POST', `/v1/schedules/${id}/resume`, { key });
    const resumedAt = Date.now();
    const after = await waitFor('a run after resume', async () =>
      (await runs(id)).find((r) => new Date(r.scheduled_for).getTime() >= resumedAt && r.state === 'SUCCEEDED'),
    );
    expect(new Date(after.scheduled_for).getTime() - resumedAt).toBeLessThan(10_000);
    await stack.request('POST', `/v1/schedules/${id}/pause`, { key });
  });

  it('overlap=skip records SKIPPED ticks while a run is still going; overlap=queue runs them after, in order', async () => {
    // Holding the forecast queue keeps each schedule's first run RUNNING.
    await forecastQueue.pause();
    const skip = await schedule({ name: 'skipper', cron: '*/2 * * * * *', seriesIds: [tagged[0]], overlap: 'skip' });
    const queue = await schedule({ name: 'queuer', cron: '*/2 * * * * *', seriesIds: [tagged[1]], overlap: 'queue' });
    await waitFor('skipped ticks', async () => (await runs(skip)).filter((r) => r.state === 'SKIPPED').length >= 2);
    await waitFor('queued ticks', async () => (await runs(queue)).filter((r) => r.state === 'QUEUED').length >= 2);
    const s1 = await runs(skip);
    expect(s1[0].state).toBe('RUNNING');
    expect(
      s1
        .slice(1)
        .filter((r) => r.state !== 'QUEUED')
        .every((r) => r.state === 'SKIPPED' && r.reason === 'OVERLAP' && r.series_queued === 0),
    ).toBe(true);
    const q1 = await runs(queue);
    expect(q1[0].state).toBe('RUNNING');
    expect(q1.filter((r) => r.state === 'RUNNING')).toHaveLength(1);
    await stack.request('POST', `/v1/schedules/${skip}/pause`, { key });
    await stack.request('POST', `/v1/schedules/${queue}/pause`, { key });
    const queuedTicks = q1.filter((r) => r.state === 'QUEUED').map((r) => r.id);
    await forecastQueue.resume();
    const q2 = await waitFor('queued runs to finish', async () => {
      const r = await runs(queue);
      return r.every((x) => x.state === 'SUCCEEDED') ? r : null;
    });
    for (const rid of queuedTicks) expect(q2.find((r) => r.id === rid)?.state).toBe('SUCCEEDED');
    // One after another: each run started after the previous one finished.
    for (let i = 1; i < q2.length; i++) {
      const [prev, cur] = await stack.sql<{ started_at: Date; finished_at: Date }>(
        `SELECT started_at, finished_at FROM schedule_runs WHERE id = ANY($1) ORDER BY scheduled_for`,
        [[q2[i - 1].id, q2[i].id]],
      );
      expect(new Date(cur.started_at).getTime()).toBeGreaterThanOrEqual(new Date(prev.finished_at).getTime());
    }
    const s2 = await waitFor('the skip run to finish', async () => {
      const r = await runs(skip);
      return r[0].state === 'SUCCEEDED' ? r : null;
    });
    expect(s2.filter((r) => r.state === 'SKIPPED').length).toBeGreaterThanOrEqual(2);
  });

  it('survives a restart of every worker: ticks continue; catchUp=true runs the missed ticks, catchUp=false skips them', async () => {
    const plain = await schedule({ name: 'plain', cron: '*/2 * * * * *', seriesIds: [tagged[0]] });
    const catching = await schedule({ name: 'catching', cron: '*/2 * * * * *', seriesIds: [tagged[1]], catchUp: true, overlap: 'queue' });
    await finished(plain, 2);
    await finished(catching, 2);
    for (const w of workers.splice(0)) await kill(w);
    const downAt = Date.now();
    await sleep(14_000);
    const upAt = Date.now();
    workers.push(startWorkerProcess(stack));
    await waitForWorkers(1);
    await waitFor(
      'plain ticks after the restart',
      async () => (await runs(plain)).filter((r) => new Date(r.scheduled_for).getTime() > upAt && r.state === 'SUCCEEDED').length >= 2,
    );
    await waitFor(
      'catching ticks after the restart',
      async () => (await runs(catching)).filter((r) => new Date(r.scheduled_for).getTime() > upAt && r.state === 'SUCCEEDED').length >= 2,
    );
    await stack.request('POST', `/v1/schedules/${plain}/pause`, { key });
    await stack.request('POST', `/v1/schedules/${catching}/pause`, { key });
    await waitFor(
      'open runs to finish',
      async () =>
        (await stack.sql(`SELECT 1 FROM schedule_runs WHERE schedule_id = ANY($1) AND state IN ('QUEUED','RUNNING')`, [[plain, catching]])).length === 0,
    );

    const gap = (rs: RunRow[]) =>
      rs.filter((r) => {
        const t = new Date(r.scheduled_for).getTime();
        return t > downAt + 1000 && t < upAt;
      });
    // catchUp=false: ticks of the down time never ran (the one BullMQ held back is recorded as MISSED).
    const plainGap = gap(await runs(plain));
    expect(plainGap.every((r) => r.state === 'SKIPPED' && r.reason === 'MISSED')).toBe(true);
    expect(plainGap.length).toBeLessThanOrEqual(1);
    // catchUp=true: every tick of the down time ran, flagged as catch-up, oldest first.
    const caught = gap(await runs(catching));
    expect(caught.length).toBeGreaterThanOrEqual(5);
    expect(caught.every((r) => r.state === 'SUCCEEDED' && r.catch_up && r.series_succeeded === 1)).toBe(true);
    // No tick up to the restart is missing.
    const all = (await runs(catching)).map((r) => new Date(r.scheduled_for).getTime()).filter((t) => t <= upAt);
    expect(all.slice(1).map((t, i) => t - all[i])).toEqual(Array(all.length - 1).fill(2000));
  });
});

describe("schedules on BullMQ's PostgreSQL queue backend", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { TSFM_QUEUE_BACKEND: 'postgres', TSFM_SCHEDULE_MIN_INTERVAL_S: '0' } });
  });
  afterAll(() => stack.close());

  it('job schedulers and flows work there too: ticks run once each and close their runs', async () => {
    const key = (await stack.tenant()).key;
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 120 })[0];
    const seriesId = (await stack.request('POST', '/v1/series', { key, json: { name: 'pg' } })).body.id;
    await stack.request('POST', `/v1/series/${seriesId}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } });
    const id = (await stack.request('POST', '/v1/schedules', { key, json: { name: 'pg', cron: '* * * * * *', seriesIds: [seriesId], forecast: FORECAST } }))
      .body.id;
    const deadline = Date.now() + 90_000;
    let done: RunRow[] = [];
    while (done.length < 3 && Date.now() < deadline) {
      done = await stack.sql<RunRow>(`SELECT * FROM schedule_runs WHERE schedule_id = $1 AND state = 'SUCCEEDED' ORDER BY scheduled_for`, [id]);
      await sleep(200);
    }
    expect(done.length).toBeGreaterThanOrEqual(3);
    expect(done.every((r) => r.series_succeeded === 1 && r.forecast_ids.length === 1)).toBe(true);
    await stack.request('POST', `/v1/schedules/${id}/pause`, { key });
    const all = await stack.sql<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT scheduled_for)::int AS d FROM schedule_runs WHERE schedule_id = $1`,
      [id],
    );
    expect(all[0].n).toBe(all[0].d);
  });
});

describe('schedule floors and caps (issue #33): the api refuses, the worker records skipped runs', () => {
  let stack: Stack;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  let ticks: AnyQueue;
  let forecastQueue: AnyQueue;

  beforeAll(async () => {
    // The default floor (60 s); small caps so a test can pass them. The worker runs in this process.
    // The tenant quota (3) is under the queue's cap (5): runs are held to the quota.
    stack = await startStack({
      env: { TSFM_MAX_SCHEDULES_PER_TENANT: '3', TSFM_SCHEDULE_MAX_SERIES: '2', TSFM_TENANT_MAX_QUEUED_FORECASTS: '3', TSFM_MAX_QUEUED_FORECASTS: '5' },
    });
    a = await stack.tenant();
    b = await stack.tenant();
    const qb = queueBackend(stack.config.queue);
    ticks = new qb.classes.Queue(QueueName.Schedule, { connection: qb.connection(), prefix: qb.prefix });
    forecastQueue = new qb.classes.Queue(QueueName.Forecast, { connection: qb.connection(), prefix: qb.prefix });
  });
  afterAll(async () => {
    await ticks.close();
    await forecastQueue.close();
    await stack.close();
  });

  async function makeSeries(key: string, name: string, tags: string[]): Promise<string> {
    const s = readSeries('m4/m4_hourly.csv', { limit: 1, tail: 120 })[0];
    const id = (await stack.request('POST', '/v1/series', { key, json: { name, tags } })).body.id;
    expect((await stack.request('POST', `/v1/series/${id}/observations`, { key, json: { timestamps: s.timestamps, values: [s.values] } })).status).toBe(200);
    return id;
  }

  /** One tick of a schedule now, as BullMQ's scheduler would deliver it (its own timer is yearly). */
  async function tick(tenantId: string, scheduleId: string): Promise<RunRow> {
    const t = Math.floor(Date.now() / 1000) * 1000;
    await ticks.add('schedule-run', { tenantId, scheduleId }, { jobId: `test-${scheduleId}-${t}` });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [run] = await stack.sql<RunRow>(`SELECT * FROM schedule_runs WHERE schedule_id = $1 AND scheduled_for = $2 AND state <> 'QUEUED'`, [
        scheduleId,
        new Date(t),
      ]);
      if (run) return run;
      if (Date.now() > deadline) throw new Error(`no run for the tick of ${scheduleId}`);
      await sleep(100);
    }
  }

  const create = (key: string, json: Record<string, unknown>) => stack.request('POST', '/v1/schedules', { key, json: { forecast: FORECAST, ...json } });

  it('refuses ticks closer than 60 s apart with 422 SCHEDULE_TOO_FREQUENT naming the minimum, on create and on update; every minute is fine', async () => {
    const s = await makeSeries(a.key, 'floor', []);
    for (const [cron, gap] of [
      ['* * * * * *', 1],
      ['*/30 * * * * *', 30],
    ] as const) {
      const r = await create(a.key, { name: `fast-${gap}`, cron, seriesIds: [s] });
      expect([cron, r.status, r.body.error.code, r.body.error.details]).toEqual([
        cron,
        422,
        'SCHEDULE_TOO_FREQUENT',
        { minIntervalSeconds: 60, gapSeconds: gap },
      ]);
      expect(r.body.error.message).toContain('at most once every 60 s');
    }
    expect(await stack.sql(`SELECT id FROM schedules`)).toEqual([]);
    const ok = await create(a.key, { name: 'minutely', cron: '* * * * *', seriesIds: [s] });
    expect(ok.status).toBe(201);
    const p = await stack.request('PATCH', `/v1/schedules/${ok.body.id}`, { key: a.key, json: { cron: '*/10 * * * * *' } });
    expect([p.status, p.body.error.code]).toEqual([422, 'SCHEDULE_TOO_FREQUENT']);
    expect((await stack.request('GET', `/v1/schedules/${ok.body.id}`, { key: a.key })).body.cron).toBe('* * * * *');
    // A schedule stored before the floor can still be paused (and renamed), but not resumed.
    await stack.sql(`UPDATE schedules SET cron = '* * * * * *' WHERE id = $1`, [ok.body.id]);
    expect((await stack.request('POST', `/v1/schedules/${ok.body.id}/pause`, { key: a.key })).status).toBe(200);
    expect((await stack.request('PATCH', `/v1/schedules/${ok.body.id}`, { key: a.key, json: { name: 'renamed' } })).status).toBe(200);
    const resume = await stack.request('POST', `/v1/schedules/${ok.body.id}/resume`, { key: a.key });
    expect([resume.status, resume.body.error.code]).toEqual([422, 'SCHEDULE_TOO_FREQUENT']);
    expect((await stack.request('DELETE', `/v1/schedules/${ok.body.id}`, { key: a.key })).status).toBe(204);
  });

  it('caps schedules per tenant: 409 SCHEDULE_LIMIT_REACHED past the limit, also for concurrent creates; other tenants unaffected', async () => {
    const t = await stack.tenant();
    const s = await makeSeries(t.key, 'cap', []);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => create(t.key, { name: `c${i}`, cron: '0 3 * * *', seriesIds: [s] })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409))
      expect([r.body.error.code, r.body.error.details]).toEqual(['SCHEDULE_LIMIT_REACHED', { limit: 3 }]);
    expect((await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM schedules WHERE tenant_id = $1`, [t.tenantId]))[0].n).toBe(3);
    // Another tenant still creates; deleting one makes room again.
    const sb = await makeSeries(b.key, 'cap-b', []);
    expect((await create(b.key, { name: 'b-ok', cron: '0 3 * * *', seriesIds: [sb] })).status).toBe(201);
    const first = results.find((r) => r.status === 201)!.body.id;
    expect((await stack.request('DELETE', `/v1/schedules/${first}`, { key: t.key })).status).toBe(204);
    expect((await create(t.key, { name: 'again', cron: '0 3 * * *', seriesIds: [s] })).status).toBe(201);
  });

  it('a run whose tag matches more series x channels than TSFM_SCHEDULE_MAX_SERIES is SKIPPED as TOO_MANY_SERIES, nothing queued', async () => {
    for (const n of ['t1', 't2', 't3']) await makeSeries(a.key, n, ['wide']);
    const id = (await create(a.key, { name: 'wide', cron: '0 0 1 1 *', tag: 'wide' })).body.id;
    const run = await tick(a.tenantId, id);
    expect(run).toMatchObject({ state: 'SKIPPED', reason: 'TOO_MANY_SERIES', series_queued: 0, forecast_ids: [] });
    const api = await stack.request('GET', `/v1/schedules/${id}/runs`, { key: a.key });
    expect(api.body.items).toHaveLength(1);
    expect(api.body.items[0]).toMatchObject({
      state: 'SKIPPED',
      reason: 'TOO_MANY_SERIES',
      seriesQueued: 0,
      forecastIds: [],
      reasonMessage: '3 series with 3 channels to forecast; a run forecasts at most 2 series x channels (TSFM_SCHEDULE_MAX_SERIES)',
    });
    await stack.request('DELETE', `/v1/schedules/${id}`, { key: a.key });
    // One series with three channels counts three, as in an API forecast.
    const three = await stack.request('POST', '/v1/series', { key: a.key, json: { name: 'three', channels: ['a', 'b', 'c'], tags: ['multi'] } });
    expect(three.status).toBe(201);
    const multi = (await create(a.key, { name: 'multi', cron: '0 0 1 1 *', tag: 'multi' })).body.id;
    expect(await tick(a.tenantId, multi)).toMatchObject({ state: 'SKIPPED', reason: 'TOO_MANY_SERIES', series_queued: 0 });
    const [view] = (await stack.request('GET', `/v1/schedules/${multi}/runs`, { key: a.key })).body.items;
    expect(view.reasonMessage).toBe('1 series with 3 channels to forecast; a run forecasts at most 2 series x channels (TSFM_SCHEDULE_MAX_SERIES)');
    expect((await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM forecasts WHERE tenant_id = $1`, [a.tenantId]))[0].n).toBe(0);
    await stack.request('DELETE', `/v1/schedules/${multi}`, { key: a.key });
  });

  it("a run that would take its tenant's waiting forecasts past TSFM_TENANT_MAX_QUEUED_FORECASTS is SKIPPED as QUEUE_FULL; another tenant's run goes ahead", async () => {
    const pairA = [await makeSeries(a.key, 'pa1', ['pair']), await makeSeries(a.key, 'pa2', ['pair'])];
    const pairB = [await makeSeries(b.key, 'pb1', ['pair']), await makeSeries(b.key, 'pb2', ['pair'])];
    const sa = (await create(a.key, { name: 'pair-a', cron: '0 0 1 1 *', tag: 'pair' })).body.id;
    const sb = (await create(b.key, { name: 'pair-b', cron: '0 0 1 1 *', tag: 'pair' })).body.id;
    // Tenant a has 2 forecasts waiting (the queue held): 2 + 2 would pass the limit of 3.
    await forecastQueue.pause();
    try {
      for (const id of pairA)
        expect((await stack.request('POST', '/v1/forecasts', { key: a.key, json: { seriesIds: [id], horizon: 4, model: 'xlstm-dev', wait: 0 } })).status).toBe(
          202,
        );
      const skipped = await tick(a.tenantId, sa);
      expect(skipped).toMatchObject({ state: 'SKIPPED', reason: 'QUEUE_FULL', series_queued: 0, forecast_ids: [] });
      const [view] = (await stack.request('GET', `/v1/schedules/${sa}/runs?state=SKIPPED`, { key: a.key })).body.items;
      expect(view).toMatchObject({
        reason: 'QUEUE_FULL',
        reasonMessage:
          '2 forecasts of this tenant are waiting; 2 more would pass the limit of 3 (TSFM_TENANT_MAX_QUEUED_FORECASTS, the smaller of TSFM_TENANT_MAX_QUEUED_FORECASTS and TSFM_MAX_QUEUED_FORECASTS)',
      });
      // Tenant b has none waiting: its run starts, though the queue as a whole holds a's.
      const started = await tick(b.tenantId, sb);
      expect(started).toMatchObject({ state: 'RUNNING', series_queued: 2 });
    } finally {
      await forecastQueue.resume();
    }
    const deadline = Date.now() + 60_000;
    let done: RunRow | undefined;
    while (!done && Date.now() < deadline) {
      [done] = await stack.sql<RunRow>(`SELECT * FROM schedule_runs WHERE schedule_id = $1 AND state = 'SUCCEEDED'`, [sb]);
      await sleep(200);
    }
    expect(done).toMatchObject({ series_queued: 2, series_succeeded: 2 });
    expect(pairB).toHaveLength(2);
    // With a's backlog drained, a's next tick runs.
    const waitingA = async () =>
      (await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND state = 'QUEUED'`, [a.tenantId]))[0].n;
    while ((await waitingA()) > 0 && Date.now() < deadline) await sleep(200);
    await sleep(1000); // the next tick is on a later second than the skipped one
    // Started (two forecasts queued); it may already have finished by the time the row is read.
    const next = await tick(a.tenantId, sa);
    expect([next.state, next.series_queued]).toEqual([expect.stringMatching(/^(RUNNING|SUCCEEDED)$/), 2]);
  });
});
