import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinetuneResponse, TsfmApiError, TsfmClient, formatFinetuneProgress } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { Stack, startStack } from '../support/stack';

// The SDK end to end: upload tagged tourism series, fine-tune a head while following the
// server-sent progress stream (as a terminal progress bar would), forecast with it, delete it.
describe('@tsfm/sdk fine-tunes against the real stack', () => {
  let stack: Stack;
  let client: TsfmClient;
  let other: TsfmClient;
  const data = readSeries('tourism/tourism_monthly.csv', { limit: 12 });
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: (await stack.tenant()).key, retryDelayMs: 50 });
    other = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: (await stack.tenant()).key, retries: 0 });
    for (const s of data) {
      const created = await client.series.create({ name: s.id, frequency: '1M', tags: ['sdk-ft'] });
      await client.uploadObservations(created.id, { timestamps: s.timestamps, values: [s.values] });
      ids.push(created.id);
    }
  }, 60_000);
  afterAll(() => stack?.close());

  it('finetune() follows the event stream to the end; the model forecasts and can be deleted', async () => {
    const seen: FinetuneResponse[] = [];
    const bars: string[] = [];
    const f = await client.finetunes.finetune(
      { name: 'sdk-head', baseModel: 'xlstm-dev', tag: 'sdk-ft', horizon: 12, steps: 60, learningRate: 3e-3, seed: 1 },
      { onProgress: (p) => { seen.push(p); bars.push(formatFinetuneProgress(p, 20)); } },
    );
    expect(f.status).toBe('SUCCEEDED');
    expect(f.metrics!.validation).toMatchObject({ windows: 12 });
    expect((f.metrics!.validation as { relativeWql: number }).relativeWql).toBeLessThan(1);
    const steps = seen.filter((p) => (p.progress as { phase?: string } | null)?.phase === 'training').map((p) => (p.progress as { step: number }).step);
    expect(steps.length).toBeGreaterThan(0);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(bars[bars.length - 1]).toMatch(/^\[[#.]{20}\] \d+\/60 succeeded loss [\d.]+ val WQL [\d.]+$/);

    const models = await client.models.list();
    expect(models.find((m) => m.id === 'sdk-head')).toMatchObject({ finetuned: true, baseModel: 'xlstm-dev', finetuneId: f.id });
    expect((await other.models.list()).some((m) => m.id === 'sdk-head')).toBe(false);
    const forecast = await client.forecast({ seriesIds: [ids[0]], horizon: 12, model: 'sdk-head' });
    expect(forecast.status).toBe('SUCCEEDED');
    expect(forecast.model).toBe('sdk-head');

    const listed: string[] = [];
    for await (const x of client.finetunes.iterate({ limit: 1 })) listed.push(x.name);
    expect(listed).toEqual(['sdk-head']);
    const denied = await other.finetunes.get(f.id).catch((e) => e);
    expect(denied).toBeInstanceOf(TsfmApiError);
    expect((denied as TsfmApiError).code).toBe('FINETUNE_NOT_FOUND');

    await client.models.delete('sdk-head');
    expect((await client.models.list()).some((m) => m.id === 'sdk-head')).toBe(false);
    const readOnly = await client.models.delete('xlstm-dev').catch((e) => e);
    expect((readOnly as TsfmApiError).code).toBe('MODEL_READ_ONLY');
  }, 180_000);
});
