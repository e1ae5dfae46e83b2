import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinetuneResponse, TsfmApiError, TsfmClient, formatFinetuneProgress } from '../../libs/sdk/src/index';
import { readSeries } from '../support/data';
import { REPO_ROOT } from '../support/env';
import { Stack, startStack } from '../support/stack';

// The SDK end to end: upload tagged tourism series, fine-tune a head while following the
// server-sent progress stream (as a terminal progress bar would), forecast with it, delete it.
describe('@tsfm/sdk fine-tunes against the real stack', () => {
  let stack: Stack;
  let client: TsfmClient;
  let other: TsfmClient;
  let key: string;
  const data = readSeries('tourism/tourism_monthly.csv', { limit: 12 });
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.tenant()).key;
    client = new TsfmClient({ baseUrl: stack.baseUrl, apiKey: key, retryDelayMs: 50 });
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
      {
        onProgress: (p) => {
          seen.push(p);
          bars.push(formatFinetuneProgress(p, 20));
        },
      },
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

  it('tsfm finetune (the CLI) draws a progress bar from the event stream and prints the final fine-tune', async () => {
    const args = [
      path.join(REPO_ROOT, 'dist/apps/cli/src/main.js'),
      'finetune',
      '--url',
      stack.baseUrl,
      '--name',
      'cli-head',
      '--tag',
      'sdk-ft',
      '--horizon',
      '12',
      '--base-model',
      'xlstm-dev',
      '--steps',
      '30',
      '--seed',
      '2',
    ];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { env: { PATH: process.env.PATH, TSFM_API_KEY: key }, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'cli-head', status: 'SUCCEEDED', baseModel: 'xlstm-dev' });
    const bars = r.stderr.trim().split('\n');
    expect(bars.every((l) => /^\[[#.]{30}\] \d+\/30 \w+ loss [\d.-]+ val WQL [\d.-]+$/.test(l))).toBe(true);
    expect(bars[bars.length - 1]).toMatch(/^\[#{30}\] \d+\/30 succeeded/);
    const bad = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [args[0], 'finetune', '--url', stack.baseUrl, '--name', 'x'],
        { env: { PATH: process.env.PATH, TSFM_API_KEY: key } },
        (err, _o, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stderr }),
      );
    });
    expect(bad).toEqual({ code: 2, stderr: 'tsfm: --name and --horizon are required (or --watch ID)\n' });
  }, 180_000);
});
