import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsfmApiError, TsfmClient } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { Stack, startStack } from '../support/stack';

// The SDK end to end: create tagged series, upload tourism monthly data, backtest by tag with a dev
// model and baselines, wait for the job, read metrics, per-window forecasts and the CSV.
describe('@tsfm/sdk backtests against the real stack', () => {
  let stack: Stack;
  let client: TsfmClient;
  let other: TsfmClient;
  let key: string;
  const data = readSeries('tourism/tourism_monthly.csv', { limit: 2, tail: 120 });
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: key, retryDelayMs: 50 });
    other = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: (await stack.tenant()).key, retries: 0 });
    for (const s of data) {
      const created = await client.series.create({ name: s.id, frequency: '1M', tags: ['tourism'] });
      await client.uploadObservations(created.id, { timestamps: s.timestamps, values: [s.values] });
      ids.push(created.id);
    }
  });
  afterAll(() => stack?.close());

  it('run() creates, waits and returns metrics; forecasts and CSV agree with them', async () => {
    const models = ['ssm-dev', 'ets', 'seasonal_naive'];
    const b = await client.backtests.run(
      { tag: 'tourism', models, horizon: 12, windows: 2, step: 12, quantiles: [0.1, 0.5, 0.9] },
      { pollMs: 100, timeoutMs: 120_000 },
    );
    expect(b.status).toBe('SUCCEEDED');
    expect(b.seriesIds.sort()).toEqual([...ids].sort());
    for (const s of b.series) expect(s).toMatchObject({ status: 'SUCCEEDED', frequency: '1M', seasonalPeriod: 12 });
    expect(b.metrics!.seasonal_naive!.relative.mase).toBe(1);

    // sMAPE and 80% coverage of ETS over both series and windows, by hand from the stored forecasts.
    const f = await client.backtests.forecasts(b.id, { model: 'ets' });
    expect(f.items).toHaveLength(2 * 2);
    const all = [];
    for await (const x of client.backtests.iterateForecasts(b.id, { limit: 2 })) all.push(x);
    expect(all).toHaveLength(3 * 2 * 2);
    let smape = 0,
      inside = 0,
      n = 0;
    for (const w of f.items) {
      w.actuals.forEach((y, k) => {
        const p = w.quantiles['0.5'][k]!;
        smape += (2 * Math.abs(y! - p)) / (Math.abs(y!) + Math.abs(p));
        if (y! >= w.quantiles['0.1'][k]! && y! <= w.quantiles['0.9'][k]!) inside++;
        n++;
      });
    }
    expect(b.metrics!.ets!.metrics.count).toBe(n);
    expect(b.metrics!.ets!.metrics.smape).toBeCloseTo(smape / n, 12);
    expect(b.metrics!.ets!.metrics.coverage['80']).toBe(inside / n);

    const csv = await client.backtests.metricsCsv(b.id);
    const row = csv
      .split('\n')
      .find((l) => l.startsWith('ssm-dev,overall,,,,smape,'))!
      .split(',');
    expect(Number(row[6])).toBe(b.metrics!['ssm-dev']!.metrics.smape);
    expect(Number(row[7])).toBe(b.metrics!['ssm-dev']!.relative.smape);

    const listed: string[] = [];
    for await (const s of client.backtests.iterate({ limit: 1 })) listed.push(s.id);
    expect(listed).toContain(b.id);
  });

  it('create() answers QUEUED and wait() finishes it; errors are typed', async () => {
    const created = await client.backtests.create({ seriesIds: [ids[0]], models: ['naive'], horizon: 6, windows: 3 });
    expect(created.status).toBe('QUEUED');
    const done = await client.backtests.wait(created.id, { pollMs: 50, timeoutMs: 60_000 });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.series[0].windows).toHaveLength(3);

    const unknown = await client.backtests.create({ seriesIds: [ids[0]], models: ['gpt-5'], horizon: 6 }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TsfmApiError);
    expect(unknown).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
    const foreign = await other.backtests.get(created.id).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 404, code: 'BACKTEST_NOT_FOUND' });
  });

  it("a tenant's fine-tuned model backtests by name (base model + its head); another tenant's name is 404", async () => {
    const ft = await stack.request('POST', '/v1/finetunes', {
      key,
      json: { name: 'tour-ft', baseModel: 'ssm-dev', tag: 'tourism', horizon: 12, steps: 20, learningRate: 1e-2, validation: 1, seed: 7 },
    });
    expect(ft.status).toBe(202);
    expect((await client.waitForJob(ft.body.jobId, { pollMs: 100, timeoutMs: 240_000 })).state).toBe('SUCCEEDED');
    const b = await client.backtests.run(
      { seriesIds: ids, models: ['tour-ft', 'ssm-dev'], horizon: 12, windows: 1, quantiles: [0.1, 0.5, 0.9] },
      { pollMs: 100, timeoutMs: 120_000 },
    );
    expect(b.status).toBe('SUCCEEDED');
    for (const s of b.series) expect(s.models!['tour-ft']).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(b.metrics!['tour-ft']!.metrics.count).toBe(2 * 12);
    expect((await client.backtests.forecasts(b.id, { model: 'tour-ft' })).items).toHaveLength(2);
    // Model ids are validated before series: the other tenant's answer is about the model.
    const foreign = await other.backtests.create({ seriesIds: ids, models: ['tour-ft'], horizon: 12 }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
  });
});
